// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ktlso generic netlink client. One request at a time per struct kso_nl:
 * send, collect the reply through a per-request callback set, wait for the
 * kernel's ACK (or error), so that the socket is left clean for the next one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ktlso.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

struct kso_nl {
	struct nl_sock *sk;
	int family;
};

/* One request in flight: what its callbacks found. */
struct kso_nl_req {
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;	/* first error: the kernel's errno, or from parse */
	int done;	/* ACK or error received */
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
	default:
		return -EIO;
	}
}

static int kso_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct kso_nl_req *req = arg;
	int err;

	err = req->parse(nlmsg_hdr(msg), req->arg);
	if (err && !req->err)
		req->err = err;
	/* Keep reading: the ACK that follows must not be left on the socket. */
	return NL_OK;
}

static int kso_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct kso_nl_req *req = arg;

	(void)who;
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

/*
 * Sends a request for cmd with no attributes and hands each reply message to
 * parse. The kernel's own errno is kept as it is rather than going through
 * libnl's NLE_* codes, which lose it (EACCES and EPERM, for one).
 */
static int kso_nl_request(struct kso_nl *nl, uint8_t cmd,
			  int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct kso_nl_req req = { .parse = parse, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err;

	err = -ENOMEM;
	msg = nlmsg_alloc();
	if (!msg)
		goto out;

	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0, cmd,
			 KTLSO_GENL_VERSION))
		goto out_msg;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		goto out_msg;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, kso_nl_on_valid, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, kso_nl_on_ack, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, kso_nl_on_error, &req);

	/* nl_send_auto() adds NLM_F_REQUEST | NLM_F_ACK. */
	err = nl_send_auto(nl->sk, msg);
	if (err < 0) {
		err = kso_nl_errno(err);
		goto out_cb;
	}

	while (!req.done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0 && !req.err)
			req.err = kso_nl_errno(err);
		if (err < 0)
			break;
	}
	err = req.err;

out_cb:
	nl_cb_put(cb);
out_msg:
	nlmsg_free(msg);
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

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto out_free;

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
	nl_socket_free(nl->sk);
	free(nl);
}

struct kso_nl_version {
	char *buf;
	size_t len;
	uint32_t proto;
	int found;
};

static const struct nla_policy kso_nl_policy[KTLSO_A_MAX + 1] = {
	[KTLSO_A_VERSION_STRING] = { .type = NLA_STRING, .maxlen = KTLSO_VERSION_STRING_MAX },
	[KTLSO_A_PROTO_VERSION] = { .type = NLA_U32, .maxlen = sizeof(uint32_t) },
};

static int kso_nl_parse_version(struct nlmsghdr *nlh, void *arg)
{
	struct kso_nl_version *v = arg;
	struct nlattr *tb[KTLSO_A_MAX + 1];
	const char *s;

	if (genlmsg_parse(nlh, 0, tb, KTLSO_A_MAX, kso_nl_policy) < 0)
		return -EPROTO;
	if (genlmsg_hdr(nlh)->cmd != KTLSO_CMD_GET_VERSION)
		return -EPROTO;
	if (!tb[KTLSO_A_VERSION_STRING] || !tb[KTLSO_A_PROTO_VERSION])
		return -EPROTO;

	s = nla_get_string(tb[KTLSO_A_VERSION_STRING]);
	if (strlen(s) >= v->len)
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

	err = kso_nl_request(nl, KTLSO_CMD_GET_VERSION, kso_nl_parse_version, &v);
	if (err)
		return err;
	if (!v.found)
		return -EPROTO;
	*proto = v.proto;
	return 0;
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
	default:
		return strerror(err < 0 ? -err : err);
	}
}
