// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Event sockets: subscribed to one of the module's multicast groups, read in
 * a poll loop into struct kso_event. They are read with plain recv(): libnl's
 * receive path turns ENOBUFS (events lost) into an error code that cannot be
 * told from a failed allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/ktlso.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl_int.h"

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

/*
 * The daemon's events: with NETLINK_BROADCAST_ERROR, a socket whose buffer is full makes the
 * module's broadcast fail with ENOBUFS instead of counting as delivered (without it the
 * kernel only drops the message), so that the module sends a key-limit event again at its
 * next scan. A worker that got it twice acts on it once.
 */
int kso_nl_daemon_events_open(struct kso_nl **out)
{
	int err = kso_nl_group_open(out, KTLSO_MCGRP_DAEMON);

	if (!err)
		kso_nl_setsockopt((*out)->sk, SOL_NETLINK, NETLINK_BROADCAST_ERROR, 1);
	return err;
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
