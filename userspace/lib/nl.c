// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ktlso generic netlink client. One request at a time per struct kso_nl:
 * send, collect the reply (one message, or a multi-part dump up to
 * NLMSG_DONE) through the socket's one callback set pointed at the request in
 * flight, wait for the kernel's ACK (or error), so that the socket is left
 * clean for the next one.
 *
 * The daemon registers every connection through here, so a request costs one
 * small message allocation, one sendmsg and one recvmsg: the callback set is
 * allocated once per socket, libnl does not peek before reading, and ACKs
 * come back capped (without a copy of the request).
 *
 * An events socket (kso_nl_events_open) is read with plain recv(): libnl's
 * receive path turns ENOBUFS (events lost) into an error code that cannot be
 * told from a failed allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netinet/in.h>

#include <linux/ktlso.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ktlso_attrs.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Big enough for the kernel's largest dump skb (it caps them at 32 KiB). */
#define KSO_NL_RCVBUF	32768
/* Kernel socket buffer of an events socket: room for bursts of closes. */
#define KSO_NL_EV_SOCKBUF (1 << 20)

struct kso_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;	/* requests: NULL on an events socket */
	int family;
	void *buf;		/* events: the receive buffer */
	char errmsg[KSO_NL_ERRMSG_MAX];
};

/* One request in flight: what its callbacks found. */
struct kso_nl_req {
	struct kso_nl *nl;
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;	/* first error: the kernel's errno, or from parse */
	int done;	/* ACK, NLMSG_DONE or error received */
};

/* libnl's own NLE_* codes, as an errno. */
static int kso_nl_errno(int nle)
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
static struct nl_msg *kso_nl_msg(struct kso_nl *nl, uint8_t cmd, int flags, size_t attrs)
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
static int kso_nl_exec(struct kso_nl *nl, struct nl_msg *msg,
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
static int kso_nl_request(struct kso_nl *nl, uint8_t cmd, int flags,
			  int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct nl_msg *msg = kso_nl_msg(nl, cmd, flags, 0);

	if (!msg)
		return -ENOMEM;
	return kso_nl_exec(nl, msg, parse, arg);
}

static void kso_nl_setsockopt(struct nl_sock *sk, int level, int opt, int val)
{
	/* Best effort: each is an optimisation or an extra, never a requirement. */
	(void)setsockopt(nl_socket_get_fd(sk), level, opt, &val, sizeof(val));
}

/* A connected generic netlink socket and the family's id; *sk NULL on error. */
static int kso_nl_connect(struct kso_nl *nl)
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

/* ------------------------------------------------------------------ parsing */

/*
 * Replies are checked as strictly as the kernel checks requests, by type and minimum
 * length, by the kinds of the attribute table (include/ktlso_attrs.h); attributes newer
 * than this header (type > KTLSO_A_MAX) are skipped.
 */
#define KSO_NLA_U8(limit) { .type = NLA_U8 }
#define KSO_NLA_U16(limit) { .type = NLA_U16 }
#define KSO_NLA_U32(limit) { .type = NLA_U32 }
#define KSO_NLA_S32(limit) { .type = NLA_S32 }
#define KSO_NLA_U64(limit) { .type = NLA_U64 }
#define KSO_NLA_MASK32(limit) { .type = NLA_U32 }
#define KSO_NLA_SOCKADDR(limit) { .type = NLA_UNSPEC, .minlen = sizeof(struct sockaddr_in) }
#define KSO_NLA_STRING(limit) { .type = NLA_STRING, .maxlen = (limit) }
#define KSO_NLA_PAD(limit) { .type = NLA_UNSPEC }

static const struct nla_policy kso_nl_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(name, kind, limit, ...) [KTLSO_A_##name] = KSO_NLA_##kind(limit),
#include <ktlso_attrs.h>
};

static int kso_nl_parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, KTLSO_A_MAX, kso_nl_policy) < 0)
		return -EPROTO;
	return 0;
}

/* A sockaddr_in or sockaddr_in6, exactly, as the contract carries addresses. */
static int kso_nl_get_addr(const struct nlattr *a, struct sockaddr_storage *ss)
{
	int len = nla_len(a);
	sa_family_t family;

	memcpy(&family, nla_data(a), sizeof(family));
	if (!((family == AF_INET && len == sizeof(struct sockaddr_in)) ||
	      (family == AF_INET6 && len == sizeof(struct sockaddr_in6))))
		return -EPROTO;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, nla_data(a), (size_t)len);
	return 0;
}

static int kso_nl_put_addr(struct nl_msg *msg, int type, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nla_put(msg, type, sizeof(struct sockaddr_in), ss);
	if (ss->ss_family == AF_INET6)
		return nla_put(msg, type, sizeof(struct sockaddr_in6), ss);
	return -EAFNOSUPPORT;
}

static void kso_nl_get_str(const struct nlattr *a, char *buf, size_t len)
{
	if (a)
		nla_strlcpy(buf, a, len);
	else
		buf[0] = '\0';
}

/* The socket attributes of one message; only the id is required. */
static int kso_nl_sock_from(struct nlattr **tb, struct kso_sock *s)
{
	memset(s, 0, sizeof(*s));
	if (!tb[KTLSO_A_SOCK_ID])
		return -EPROTO;
	s->id = nla_get_u64(tb[KTLSO_A_SOCK_ID]);
	if (tb[KTLSO_A_SOCK_LOCAL] && kso_nl_get_addr(tb[KTLSO_A_SOCK_LOCAL], &s->local))
		return -EPROTO;
	if (tb[KTLSO_A_SOCK_PEER] && kso_nl_get_addr(tb[KTLSO_A_SOCK_PEER], &s->peer))
		return -EPROTO;
	if (tb[KTLSO_A_SOCK_UID])
		s->uid = nla_get_u32(tb[KTLSO_A_SOCK_UID]);
	if (tb[KTLSO_A_SOCK_PID])
		s->pid = nla_get_u32(tb[KTLSO_A_SOCK_PID]);
	if (tb[KTLSO_A_SOCK_VERSION])
		s->version = nla_get_u16(tb[KTLSO_A_SOCK_VERSION]);
	if (tb[KTLSO_A_SOCK_CIPHER])
		s->cipher = nla_get_u16(tb[KTLSO_A_SOCK_CIPHER]);
	if (tb[KTLSO_A_SOCK_TX_CONF])
		s->tx_conf = nla_get_u8(tb[KTLSO_A_SOCK_TX_CONF]);
	if (tb[KTLSO_A_SOCK_RX_CONF])
		s->rx_conf = nla_get_u8(tb[KTLSO_A_SOCK_RX_CONF]);
	if (tb[KTLSO_A_SOCK_TX_SEQ]) {
		s->has_tx_seq = true;
		s->tx_seq = nla_get_u64(tb[KTLSO_A_SOCK_TX_SEQ]);
	}
	if (tb[KTLSO_A_SOCK_RX_SEQ]) {
		s->has_rx_seq = true;
		s->rx_seq = nla_get_u64(tb[KTLSO_A_SOCK_RX_SEQ]);
	}
	if (tb[KTLSO_A_SOCK_KEY_GEN])
		s->key_gen = nla_get_u32(tb[KTLSO_A_SOCK_KEY_GEN]);
	if (tb[KTLSO_A_SOCK_BYTES_SENT])
		s->bytes_sent = nla_get_u64(tb[KTLSO_A_SOCK_BYTES_SENT]);
	if (tb[KTLSO_A_SOCK_BYTES_RECEIVED])
		s->bytes_received = nla_get_u64(tb[KTLSO_A_SOCK_BYTES_RECEIVED]);
	if (tb[KTLSO_A_SOCK_REC_LIMIT])
		s->rec_limit = nla_get_u64(tb[KTLSO_A_SOCK_REC_LIMIT]);
	if (tb[KTLSO_A_SOCK_AGE_MS])
		s->age_ms = nla_get_u64(tb[KTLSO_A_SOCK_AGE_MS]);
	kso_nl_get_str(tb[KTLSO_A_SOCK_FALLBACK], s->fallback, sizeof(s->fallback));
	kso_nl_get_str(tb[KTLSO_A_SOCK_CLOSE_REASON], s->close_reason, sizeof(s->close_reason));
	return 0;
}

/* The policy attributes of one message; the address is required. */
static int kso_nl_policy_from(struct nlattr **tb, struct kso_policy *p)
{
	memset(p, 0, sizeof(*p));
	if (!tb[KTLSO_A_POLICY_ADDR] || kso_nl_get_addr(tb[KTLSO_A_POLICY_ADDR], &p->addr))
		return -EPROTO;
	if (tb[KTLSO_A_POLICY_MODE])
		p->mode = nla_get_u8(tb[KTLSO_A_POLICY_MODE]);
	if (tb[KTLSO_A_POLICY_CIPHERS])
		p->ciphers = nla_get_u32(tb[KTLSO_A_POLICY_CIPHERS]);
	if (tb[KTLSO_A_POLICY_REC_LIMIT])
		p->rec_limit = nla_get_u64(tb[KTLSO_A_POLICY_REC_LIMIT]);
	if (tb[KTLSO_A_POLICY_WARN_PCT])
		p->warn_pct = nla_get_u8(tb[KTLSO_A_POLICY_WARN_PCT]);
	return 0;
}

/* ------------------------------------------------------------------ version */

struct kso_nl_version {
	char *buf;
	size_t len;
	uint32_t proto;
	int found;
};

static int kso_nl_parse_version(struct nlmsghdr *nlh, void *arg)
{
	struct kso_nl_version *v = arg;
	struct nlattr *tb[KTLSO_A_MAX + 1];
	const char *s;

	if (kso_nl_parse_attrs(nlh, tb))
		return -EPROTO;
	if (genlmsg_hdr(nlh)->cmd != KTLSO_CMD_GET_VERSION)
		return -EPROTO;
	if (!tb[KTLSO_A_VERSION_STRING] || !tb[KTLSO_A_PROTO_VERSION])
		return -EPROTO;

	s = nla_get_string(tb[KTLSO_A_VERSION_STRING]);
	if (strnlen(s, (size_t)nla_len(tb[KTLSO_A_VERSION_STRING])) >= v->len)
		return -ERANGE;
	strcpy(v->buf, s);
	v->proto = nla_get_u32(tb[KTLSO_A_PROTO_VERSION]);
	v->found = 1;
	return 0;
}

int kso_nl_get_version(struct kso_nl *nl, char *buf, size_t len, uint32_t *proto)
{
	struct kso_nl_version v = { .buf = buf, .len = len };
	int err;

	err = kso_nl_request(nl, KTLSO_CMD_GET_VERSION, 0, kso_nl_parse_version, &v);
	if (err)
		return err;
	if (!v.found)
		return -EPROTO;
	*proto = v.proto;
	return 0;
}

/* ------------------------------------------------------------------ sockets */

/* A reason string, cut to the contract's maximum and always NUL-terminated. */
static int kso_nl_put_reason(struct nl_msg *msg, int type, const char *s)
{
	size_t len = strnlen(s, KTLSO_REASON_MAX - 1);
	struct nlattr *a;

	a = nla_reserve(msg, type, (int)len + 1);
	if (!a)
		return -EMSGSIZE;
	memcpy(nla_data(a), s, len);
	((char *)nla_data(a))[len] = '\0';
	return 0;
}

int kso_nl_sock_register(struct kso_nl *nl, const struct kso_sock_reg *reg)
{
	struct nl_msg *msg;
	size_t size;

	if (reg->fd < 0)
		return -EBADF;
	size = 4 * nla_total_size(sizeof(uint32_t)) +
	       (reg->fallback ? nla_total_size(KTLSO_REASON_MAX) : 0);
	msg = kso_nl_msg(nl, KTLSO_CMD_SOCK_REGISTER, 0, size);
	if (!msg)
		return -ENOMEM;
	if (nla_put_s32(msg, KTLSO_A_SOCK_FD, reg->fd) ||
	    (reg->version && nla_put_u16(msg, KTLSO_A_SOCK_VERSION, reg->version)) ||
	    (reg->cipher && nla_put_u16(msg, KTLSO_A_SOCK_CIPHER, reg->cipher)) ||
	    (reg->key_gen && nla_put_u32(msg, KTLSO_A_SOCK_KEY_GEN, reg->key_gen)) ||
	    (reg->fallback && kso_nl_put_reason(msg, KTLSO_A_SOCK_FALLBACK, reg->fallback))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kso_nl_exec(nl, msg, NULL, NULL);
}

int kso_nl_sock_unregister(struct kso_nl *nl, int fd, uint64_t id, const char *reason)
{
	struct nl_msg *msg;

	msg = kso_nl_msg(nl, KTLSO_CMD_SOCK_UNREGISTER, 0,
			 nla_total_size(sizeof(uint64_t)) + nla_total_size(KTLSO_REASON_MAX));
	if (!msg)
		return -ENOMEM;
	if ((fd >= 0 ? nla_put_s32(msg, KTLSO_A_SOCK_FD, fd)
		     : nla_put_u64(msg, KTLSO_A_SOCK_ID, id)) ||
	    (reason && kso_nl_put_reason(msg, KTLSO_A_SOCK_CLOSE_REASON, reason))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kso_nl_exec(nl, msg, NULL, NULL);
}

struct kso_nl_sock_walk {
	int (*fn)(const struct kso_sock *s, void *arg);
	void *arg;
	struct kso_sock *one;	/* SOCK_GET of one socket */
	int found;
	int stop;		/* what fn returned to stop the walk */
};

static int kso_nl_parse_sock(struct nlmsghdr *nlh, void *arg)
{
	struct kso_nl_sock_walk *w = arg;
	struct nlattr *tb[KTLSO_A_MAX + 1];
	struct kso_sock s;
	int err;

	err = kso_nl_parse_attrs(nlh, tb);
	if (!err)
		err = kso_nl_sock_from(tb, w->one ? w->one : &s);
	if (err)
		return err;
	w->found++;
	/* Once fn has stopped, the rest of the dump is read and dropped. */
	if (w->fn && !w->stop)
		w->stop = w->fn(&s, w->arg);
	return 0;
}

int kso_nl_sock_get(struct kso_nl *nl, uint64_t id, struct kso_sock *out)
{
	struct kso_nl_sock_walk w = { .one = out };
	struct nl_msg *msg;
	int err;

	msg = kso_nl_msg(nl, KTLSO_CMD_SOCK_GET, 0, nla_total_size(sizeof(uint64_t)));
	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, KTLSO_A_SOCK_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = kso_nl_exec(nl, msg, kso_nl_parse_sock, &w);
	if (!err && w.found != 1)
		err = -EPROTO;
	return err;
}

int kso_nl_sock_dump(struct kso_nl *nl, int (*fn)(const struct kso_sock *s, void *arg),
		     void *arg)
{
	struct kso_nl_sock_walk w = { .fn = fn, .arg = arg };
	int err;

	err = kso_nl_request(nl, KTLSO_CMD_SOCK_GET, NLM_F_DUMP, kso_nl_parse_sock, &w);
	return err ? err : w.stop;
}

int kso_nl_sock_offload(struct kso_nl *nl, uint64_t id)
{
	struct nl_msg *msg;

	msg = kso_nl_msg(nl, KTLSO_CMD_SOCK_OFFLOAD, 0, nla_total_size(sizeof(uint64_t)));
	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, KTLSO_A_SOCK_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kso_nl_exec(nl, msg, NULL, NULL);
}

/* ------------------------------------------------------------------ policy */

static struct nl_msg *kso_nl_policy_msg(struct kso_nl *nl, uint8_t cmd, int flags,
					const struct sockaddr_storage *addr, int *err)
{
	struct nl_msg *msg;

	*err = -ENOMEM;
	msg = kso_nl_msg(nl, cmd, flags, 128);
	if (!msg)
		return NULL;
	*err = kso_nl_put_addr(msg, KTLSO_A_POLICY_ADDR, addr);
	if (*err) {
		nlmsg_free(msg);
		*err = *err == -EAFNOSUPPORT ? -EAFNOSUPPORT : -EMSGSIZE;
		return NULL;
	}
	return msg;
}

int kso_nl_policy_add(struct kso_nl *nl, const struct kso_policy *p)
{
	struct nl_msg *msg;
	int err;

	msg = kso_nl_policy_msg(nl, KTLSO_CMD_POLICY_ADD, 0, &p->addr, &err);
	if (!msg)
		return err;
	if (nla_put_u8(msg, KTLSO_A_POLICY_MODE, p->mode) ||
	    (p->ciphers && nla_put_u32(msg, KTLSO_A_POLICY_CIPHERS, p->ciphers)) ||
	    (p->rec_limit && nla_put_u64(msg, KTLSO_A_POLICY_REC_LIMIT, p->rec_limit)) ||
	    (p->warn_pct && nla_put_u8(msg, KTLSO_A_POLICY_WARN_PCT, p->warn_pct))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kso_nl_exec(nl, msg, NULL, NULL);
}

int kso_nl_policy_del(struct kso_nl *nl, const struct sockaddr_storage *addr)
{
	struct nl_msg *msg;
	int err;

	msg = kso_nl_policy_msg(nl, KTLSO_CMD_POLICY_DEL, 0, addr, &err);
	if (!msg)
		return err;
	return kso_nl_exec(nl, msg, NULL, NULL);
}

struct kso_nl_policy_walk {
	int (*fn)(const struct kso_policy *p, void *arg);
	void *arg;
	struct kso_policy *one;
	int found;
	int stop;
};

static int kso_nl_parse_policy(struct nlmsghdr *nlh, void *arg)
{
	struct kso_nl_policy_walk *w = arg;
	struct nlattr *tb[KTLSO_A_MAX + 1];
	struct kso_policy p;
	int err;

	err = kso_nl_parse_attrs(nlh, tb);
	if (!err)
		err = kso_nl_policy_from(tb, w->one ? w->one : &p);
	if (err)
		return err;
	w->found++;
	if (w->fn && !w->stop)
		w->stop = w->fn(&p, w->arg);
	return 0;
}

int kso_nl_policy_get(struct kso_nl *nl, const struct sockaddr_storage *addr,
		      struct kso_policy *out)
{
	struct kso_nl_policy_walk w = { .one = out };
	struct nl_msg *msg;
	int err;

	msg = kso_nl_policy_msg(nl, KTLSO_CMD_POLICY_GET, 0, addr, &err);
	if (!msg)
		return err;
	err = kso_nl_exec(nl, msg, kso_nl_parse_policy, &w);
	if (!err && w.found != 1)
		err = -EPROTO;
	return err;
}

int kso_nl_policy_dump(struct kso_nl *nl, int (*fn)(const struct kso_policy *p, void *arg),
		       void *arg)
{
	struct kso_nl_policy_walk w = { .fn = fn, .arg = arg };
	int err;

	err = kso_nl_request(nl, KTLSO_CMD_POLICY_GET, NLM_F_DUMP, kso_nl_parse_policy, &w);
	return err ? err : w.stop;
}

static bool kso_addr_is_any(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	const struct sockaddr_in6 *s6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static uint16_t kso_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->sin_port;
	return ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port;
}

bool kso_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr);
	return false;
}

const struct kso_policy *kso_policy_match(const struct kso_policy *p, size_t n,
					  const struct sockaddr_storage *local)
{
	const struct kso_policy *wild = NULL;

	if (local->ss_family != AF_INET && local->ss_family != AF_INET6)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (kso_addr_equal(&p[i].addr, local))
			return &p[i];
		if (!wild && p[i].addr.ss_family == local->ss_family &&
		    kso_addr_port(&p[i].addr) == kso_addr_port(local) &&
		    kso_addr_is_any(&p[i].addr))
			wild = &p[i];
	}
	return wild;
}

/* ------------------------------------------------------------------ stats */

static int kso_nl_parse_stats(struct nlmsghdr *nlh, void *arg)
{
	struct kso_stats *st = arg;
	struct nlattr *tb[KTLSO_A_MAX + 1];
	static const struct {
		int attr;
		size_t off;
	} fields[] = {
		{ KTLSO_A_STATS_SOCKS, offsetof(struct kso_stats, socks) },
		{ KTLSO_A_STATS_REGISTERED, offsetof(struct kso_stats, registered) },
		{ KTLSO_A_STATS_UNREGISTERED, offsetof(struct kso_stats, unregistered) },
		{ KTLSO_A_STATS_REAPED, offsetof(struct kso_stats, reaped) },
		{ KTLSO_A_STATS_OFFLOADED, offsetof(struct kso_stats, offloaded) },
		{ KTLSO_A_STATS_OFFLOAD_REQUESTS, offsetof(struct kso_stats, offload_requests) },
		{ KTLSO_A_STATS_KEY_LIMIT_EVENTS, offsetof(struct kso_stats, key_limit_events) },
		{ KTLSO_A_STATS_POLICIES, offsetof(struct kso_stats, policies) },
	};

	if (kso_nl_parse_attrs(nlh, tb))
		return -EPROTO;
	/* Every counter is part of the reply: a missing one is a module/tool mismatch. */
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!tb[fields[i].attr])
			return -EPROTO;
		*(uint64_t *)(void *)((char *)st + fields[i].off) =
			nla_get_u64(tb[fields[i].attr]);
	}
	return 0;
}

int kso_nl_stats(struct kso_nl *nl, struct kso_stats *out)
{
	memset(out, 0, sizeof(*out));
	return kso_nl_request(nl, KTLSO_CMD_STATS, 0, kso_nl_parse_stats, out);
}

/* ------------------------------------------------------------------ events */

static int kso_nl_group_open(struct kso_nl **out, const char *group)
{
	struct kso_nl *nl;
	int err, grp, fd;

	err = -ENOMEM;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		goto out;
	nl->buf = malloc(KSO_NL_RCVBUF);
	if (!nl->buf)
		goto out_free;

	err = kso_nl_connect(nl);
	if (err)
		goto out_free;

	/* The family without the group: a module older than the events. */
	grp = genl_ctrl_resolve_grp(nl->sk, KTLSO_GENL_NAME, group);
	if (grp < 0) {
		err = kso_nl_errno(grp);
		if (err == -ENOENT)
			err = -EOPNOTSUPP;
		goto out_sock;
	}

	/* Through setsockopt itself, for its errno: EPERM without CAP_NET_ADMIN. */
	fd = nl_socket_get_fd(nl->sk);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		err = -errno;
		goto out_sock;
	}
	nl_socket_disable_seq_check(nl->sk);
	kso_nl_setsockopt(nl->sk, SOL_SOCKET, SO_RCVBUF, KSO_NL_EV_SOCKBUF);
	err = nl_socket_set_nonblocking(nl->sk);
	if (err < 0) {
		err = kso_nl_errno(err);
		goto out_sock;
	}

	*out = nl;
	return 0;

out_sock:
	nl_socket_free(nl->sk);
out_free:
	free(nl->buf);
	free(nl);
out:
	return err;
}

int kso_nl_events_open(struct kso_nl **out)
{
	return kso_nl_group_open(out, KTLSO_MCGRP_EVENTS);
}

int kso_nl_daemon_events_open(struct kso_nl **out)
{
	return kso_nl_group_open(out, KTLSO_MCGRP_DAEMON);
}

int kso_nl_fd(const struct kso_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* One event message; messages of other families and unknown commands are skipped. */
static int kso_nl_parse_event(struct kso_nl *nl, struct nlmsghdr *nlh, struct kso_event *ev)
{
	struct nlattr *tb[KTLSO_A_MAX + 1];
	struct genlmsghdr *gh;

	if (nlh->nlmsg_type != nl->family || !genlmsg_valid_hdr(nlh, 0))
		return 1;
	gh = genlmsg_hdr(nlh);
	if (kso_nl_parse_attrs(nlh, tb))
		return -EPROTO;

	memset(ev, 0, sizeof(*ev));
	ev->cmd = gh->cmd;
	switch (gh->cmd) {
	case KTLSO_CMD_EV_KEY_LIMIT:
		if (!tb[KTLSO_A_KEY_DIR])
			return -EPROTO;
		ev->dir = nla_get_u8(tb[KTLSO_A_KEY_DIR]);
		/* fall through */
	case KTLSO_CMD_EV_OFFLOADED:
	case KTLSO_CMD_EV_CLOSED:
	case KTLSO_CMD_EV_OFFLOAD_REQUEST:
	case KTLSO_CMD_EV_FALLBACK:
		return kso_nl_sock_from(tb, &ev->sock);
	case KTLSO_CMD_EV_POLICY_ADD:
	case KTLSO_CMD_EV_POLICY_DEL:
		return kso_nl_policy_from(tb, &ev->policy);
	default:
		return 1;
	}
}

int kso_nl_events_read(struct kso_nl *nl, int (*fn)(const struct kso_event *ev, void *arg),
		       void *arg)
{
	struct kso_event ev;
	struct nlmsghdr *nlh;
	int n, err;

	for (;;) {
		n = (int)recv(kso_nl_fd(nl), nl->buf, KSO_NL_RCVBUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* ENOBUFS: an overrun; the error is cleared and what is queued stays. */
			return -errno;
		}
		for (nlh = nl->buf; nlmsg_ok(nlh, n); nlh = nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type == NLMSG_OVERRUN)
				return -ENOBUFS;
			err = kso_nl_parse_event(nl, nlh, &ev);
			if (err > 0)
				continue;
			if (err)
				return err;
			err = fn(&ev, arg);
			if (err)
				return err;
		}
	}
}

/* ------------------------------------------------------------------ names */

const char *kso_conf_name(uint8_t conf)
{
	switch (conf) {
	case KTLSO_CONF_NONE:
		return "user";
	case KTLSO_CONF_SW:
		return "sw";
	case KTLSO_CONF_HW:
		return "hw";
	default:
		return "unknown";
	}
}

static const char *const kso_mode_names[__KTLSO_MODE_MAX] = {
	[KTLSO_MODE_OFF] = "off",
	[KTLSO_MODE_TX] = "tx",
	[KTLSO_MODE_RX] = "rx",
	[KTLSO_MODE_TXRX] = "txrx",
};

const char *kso_mode_name(uint8_t mode)
{
	return mode < __KTLSO_MODE_MAX ? kso_mode_names[mode] : "unknown";
}

int kso_mode_parse(const char *s)
{
	for (int i = 0; i < __KTLSO_MODE_MAX; i++)
		if (!strcmp(s, kso_mode_names[i]))
			return i;
	return -EINVAL;
}

const char *kso_event_name(uint8_t cmd)
{
	switch (cmd) {
	case KTLSO_CMD_EV_OFFLOADED:
		return "offloaded";
	case KTLSO_CMD_EV_CLOSED:
		return "closed";
	case KTLSO_CMD_EV_KEY_LIMIT:
		return "key-limit";
	case KTLSO_CMD_EV_OFFLOAD_REQUEST:
		return "offload-request";
	case KTLSO_CMD_EV_FALLBACK:
		return "fallback";
	case KTLSO_CMD_EV_POLICY_ADD:
		return "policy-add";
	case KTLSO_CMD_EV_POLICY_DEL:
		return "policy-del";
	default:
		return "unknown";
	}
}

/* TLS_CIPHER_* of <linux/tls.h> (51..61); "aes-128-gcm" is the policy's spelling. */
static const struct {
	uint16_t type;
	const char *name, *policy_name;
} kso_tls_ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, "AES_128_GCM", "aes-128-gcm" },
	{ TLS_CIPHER_AES_GCM_256, "AES_256_GCM", "aes-256-gcm" },
	{ TLS_CIPHER_CHACHA20_POLY1305, "CHACHA20_POLY1305", "chacha20-poly1305" },
	{ TLS_CIPHER_AES_CCM_128, "AES_128_CCM", "aes-128-ccm" },
#ifdef TLS_CIPHER_SM4_GCM
	{ TLS_CIPHER_SM4_GCM, "SM4_GCM", "sm4-gcm" },
	{ TLS_CIPHER_SM4_CCM, "SM4_CCM", "sm4-ccm" },
#endif
#ifdef TLS_CIPHER_ARIA_GCM_128
	{ TLS_CIPHER_ARIA_GCM_128, "ARIA_128_GCM", "aria-128-gcm" },
	{ TLS_CIPHER_ARIA_GCM_256, "ARIA_256_GCM", "aria-256-gcm" },
#endif
};

#define KSO_N_TLS_CIPHERS (sizeof(kso_tls_ciphers) / sizeof(kso_tls_ciphers[0]))

const char *kso_tls_cipher_name(uint16_t tls_cipher)
{
	if (!tls_cipher)
		return "unknown";
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (kso_tls_ciphers[i].type == tls_cipher)
			return kso_tls_ciphers[i].name;
	return "unknown";
}

const char *kso_tls_cipher_policy_name(uint16_t tls_cipher)
{
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (kso_tls_ciphers[i].type == tls_cipher)
			return kso_tls_ciphers[i].policy_name;
	return NULL;
}

int kso_tls_cipher_parse(const char *s)
{
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (!strcasecmp(s, kso_tls_ciphers[i].policy_name) ||
		    !strcasecmp(s, kso_tls_ciphers[i].name))
			return kso_tls_ciphers[i].type;
	return -EINVAL;
}

const char *kso_nl_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
		if (access("/proc/modules", F_OK))
			return "the ktlso module is not loaded, and this kernel cannot load "
			       "modules (it was built without CONFIG_MODULES)";
		return "the ktlso module is not loaded "
		       "(load it with 'modprobe ktlso' or 'insmod ktlso.ko')";
	case EPERM:
	case EACCES:
		return "permission denied: this needs CAP_NET_ADMIN (run it as root)";
	case EOPNOTSUPP:
		return "the loaded ktlso module is too old for this command "
		       "(load the ktlso.ko that came with this tool)";
	case EPROTO:
		return "the ktlso module sent a reply this tool does not understand "
		       "(the module and the tools do not match)";
	case ENOBUFS:
		return "events were lost: the kernel dropped them while the socket's "
		       "buffer was full";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
