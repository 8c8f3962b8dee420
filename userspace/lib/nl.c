// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport of the ktlso generic netlink client: a socket on the family,
 * and one request at a time on it: send, collect the reply (one message, or
 * a multi-part dump up to NLMSG_DONE) through the socket's one callback set
 * pointed at the request in flight, wait for the kernel's ACK (or error), so
 * that the socket is left clean for the next one. The messages themselves
 * are nl_msg.c's; event sockets are nl_event.c's.
 *
 * The daemon registers every connection through here, so a request costs one
 * small message allocation, one sendmsg and one recvmsg: the callback set is
 * allocated once per socket, libnl does not peek before reading, and ACKs
 * come back capped (without a copy of the request).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/ktlso.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl_int.h"

/* One request in flight: what its callbacks found. */
struct kso_nl_req {
	struct kso_nl *nl;
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;	/* first error: the kernel's errno, or from parse */
	int done;	/* ACK, NLMSG_DONE or error received */
};

/* libnl's own NLE_* codes, as an errno. */
int kso_nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
	case NLE_SEQ_MISMATCH:
	case NLE_PARSE_ERR:
	case NLE_INVAL:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static int kso_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct kso_nl_req *req = arg;
	int err;

	if (!req->parse)
		return NL_OK;
	err = req->parse(nlmsg_hdr(msg), req->arg);
	if (err && !req->err)
		req->err = err;
	/* Keep reading: the rest of a dump, or the ACK, must not be left on the socket. */
	return NL_OK;
}

/* The extended ACK's message, if the kernel sent one (NETLINK_EXT_ACK). */
static void kso_nl_extack(struct kso_nl *nl, struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
	size_t off = sizeof(*e);
	struct nlattr *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return;
	msg = nla_find((struct nlattr *)((char *)e + off),
		       (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NLMSGERR_ATTR_MSG);
	if (msg && nla_len(msg) > 0)
		nla_strlcpy(nl->errmsg, msg, sizeof(nl->errmsg));
}

static int kso_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct kso_nl_req *req = arg;

	(void)who;
	if (e->error)
		/* libnl hands over the payload of the NLMSG_ERROR message: find its header */
		kso_nl_extack(req->nl, (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN), e);
	if (!req->err)
		req->err = e->error < 0 ? e->error : -EIO;
	req->done = 1;
	return NL_STOP;
}

static int kso_nl_on_ack(struct nl_msg *msg, void *arg)
{
	struct kso_nl_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE ends a dump; an error the dump hit on the way is its payload. */
static int kso_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct kso_nl_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int err = *(int *)nlmsg_data(nlh);

		if (err < 0 && !req->err)
			req->err = err;
		/* a dump that failed carries its extended ACK after the errno */
		if (err < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
			struct nlattr *m = nla_find((struct nlattr *)((char *)nlmsg_data(nlh) +
								      NLA_ALIGN(sizeof(int))),
						    (int)(nlh->nlmsg_len -
							  NLMSG_LENGTH(NLA_ALIGN(sizeof(int)))),
						    NLMSGERR_ATTR_MSG);

			if (m && nla_len(m) > 0)
				nla_strlcpy(req->nl->errmsg, m, sizeof(req->nl->errmsg));
		}
	}
	req->done = 1;
	return NL_STOP;
}

/* A dump the kernel restarted on a changing table: what was read stands, as for ss. */
static int kso_nl_on_dump_intr(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* A request for cmd; the caller adds attributes and hands it to kso_nl_exec(). */
struct nl_msg *kso_nl_msg(struct kso_nl *nl, uint8_t cmd, int flags, size_t attrs)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(attrs));
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags, cmd,
			 KTLSO_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * Sends msg (and frees it) and hands each reply message to parse (which may be NULL).
 * The kernel's own errno is kept as it is rather than going through libnl's NLE_*
 * codes, which lose it (EACCES and EPERM, for one).
 */
int kso_nl_exec(struct kso_nl *nl, struct nl_msg *msg,
		int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct kso_nl_req req = { .nl = nl, .parse = parse, .arg = arg };
	int err;

	nl->errmsg[0] = '\0';
	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, kso_nl_on_valid, &req);
	nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, kso_nl_on_ack, &req);
	nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, kso_nl_on_finish, &req);
	nl_cb_set(nl->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, kso_nl_on_dump_intr, &req);
	nl_cb_err(nl->cb, NL_CB_CUSTOM, kso_nl_on_error, &req);

	/* nl_send_auto() adds NLM_F_REQUEST | NLM_F_ACK (a dump ends with NLMSG_DONE). */
	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return kso_nl_errno(err);

	while (!req.done) {
		err = nl_recvmsgs(nl->sk, nl->cb);
		if (err < 0) {
			if (!req.err)
				req.err = kso_nl_errno(err);
			break;
		}
	}
	return req.err;
}

/* A request that carries no attributes. */
int kso_nl_request(struct kso_nl *nl, uint8_t cmd, int flags,
		   int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct nl_msg *msg = kso_nl_msg(nl, cmd, flags, 0);

	if (!msg)
		return -ENOMEM;
	return kso_nl_exec(nl, msg, parse, arg);
}

void kso_nl_setsockopt(struct nl_sock *sk, int level, int opt, int val)
{
	/* Best effort: each is an optimisation or an extra, never a requirement. */
	(void)setsockopt(nl_socket_get_fd(sk), level, opt, &val, sizeof(val));
}

/* A connected generic netlink socket and the family's id; *sk NULL on error. */
int kso_nl_connect(struct kso_nl *nl)
{
	int err;

	err = -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto out;

	err = genl_connect(nl->sk);
	if (err < 0) {
		err = kso_nl_errno(err);
		goto out_sock;
	}

	/* -NLE_OBJ_NOTFOUND, hence -ENOENT, when the family is not registered. */
	err = genl_ctrl_resolve(nl->sk, KTLSO_GENL_NAME);
	if (err < 0) {
		err = kso_nl_errno(err);
		goto out_sock;
	}
	nl->family = err;
	return 0;

out_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
out:
	return err;
}

int kso_nl_open(struct kso_nl **out)
{
	struct kso_nl *nl;
	int err;

	err = -ENOMEM;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		goto out;

	err = kso_nl_connect(nl);
	if (err)
		goto out_free;

	err = -ENOMEM;
	nl->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nl->cb)
		goto out_sock;

	/* One recvmsg per reply, into a buffer as large as any skb the kernel builds. */
	nl_socket_disable_msg_peek(nl->sk);
	nl_socket_set_msg_buf_size(nl->sk, KSO_NL_RCVBUF);
	kso_nl_setsockopt(nl->sk, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	kso_nl_setsockopt(nl->sk, SOL_NETLINK, NETLINK_EXT_ACK, 1);

	*out = nl;
	return 0;

out_sock:
	nl_socket_free(nl->sk);
out_free:
	free(nl);
out:
	return err;
}

void kso_nl_close(struct kso_nl *nl)
{
	if (!nl)
		return;
	if (nl->cb)
		nl_cb_put(nl->cb);
	nl_socket_free(nl->sk);
	free(nl->buf);
	free(nl);
}

const char *kso_nl_errmsg(const struct kso_nl *nl)
{
	return nl && nl->errmsg[0] ? nl->errmsg : NULL;
}
