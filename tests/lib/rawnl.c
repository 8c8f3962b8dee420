// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A raw generic netlink client of the ktlso family (AF_NETLINK, NETLINK_GENERIC, no
 * libnl), so that the VM tests exercise the kernel side on its own: messages built byte by
 * byte, one exchange at a time with the kernel's error and extended ACK kept, events, one
 * function per command, and the attribute table (include/ktlso_attrs.h) as data.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/ktlso.h>
#include <linux/netlink.h>

#include <ktlso_attrs.h>

#include "rawnl.h"

const struct attr_row attr_rows[KTLSO_A_MAX] = {
#define KTLSO_ATTR(name, kind, limit, ...) \
	{ KTLSO_A_##name, K_##kind, limit, KTLSO_TAKES_MASK(__VA_ARGS__), #name },
#include <ktlso_attrs.h>
};

const struct attr_row *attr_row(uint16_t type)
{
	for (size_t i = 0; i < N_ATTR_ROWS; i++)
		if (attr_rows[i].type == type)
			return &attr_rows[i];
	return NULL;
}

const struct req_cmd req_cmds[KTLSO_CMD_STATS] = {
	{ KTLSO_CMD_GET_VERSION, "GET_VERSION" },
	{ KTLSO_CMD_SOCK_REGISTER, "SOCK_REGISTER" },
	{ KTLSO_CMD_SOCK_UNREGISTER, "SOCK_UNREGISTER" },
	{ KTLSO_CMD_SOCK_GET, "SOCK_GET" },
	{ KTLSO_CMD_SOCK_OFFLOAD, "SOCK_OFFLOAD" },
	{ KTLSO_CMD_POLICY_ADD, "POLICY_ADD" },
	{ KTLSO_CMD_POLICY_DEL, "POLICY_DEL" },
	{ KTLSO_CMD_POLICY_GET, "POLICY_GET" },
	{ KTLSO_CMD_STATS, "STATS" },
};

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static int nl_socket(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
		int err = -errno;

		nl_close(nl);
		return err;
	}
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

struct nlmsghdr *msg_start(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN + 64);
	m->nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = 1;
	return &m->nh;
}

struct nlattr *msg_put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(m->nh.nlmsg_len);
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf))
		abort();
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->nh.nlmsg_len = (uint32_t)(off + NLA_HDRLEN + NLA_ALIGN(len));
	return a;
}

static void parse_attrs(const struct nlmsghdr *nh, struct attrs *a, int max,
			const struct nlattr **tb)
{
	size_t len = nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	const struct nlattr *at;

	if (len > sizeof(a->buf))
		len = sizeof(a->buf);
	memcpy(a->buf, (const uint8_t *)nh + NLMSG_HDRLEN + GENL_HDRLEN, len);
	a->cmd = ((const struct genlmsghdr *)NLMSG_DATA(nh))->cmd;
	for (int i = 0; i <= max; i++)
		tb[i] = NULL;
	at = (const struct nlattr *)a->buf;
	while (len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN && at->nla_len <= len) {
		int type = at->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = at;
		len -= (size_t)NLA_ALIGN(at->nla_len) < len ? (size_t)NLA_ALIGN(at->nla_len) : len;
		at = (const struct nlattr *)((const uint8_t *)at + NLA_ALIGN(at->nla_len));
	}
}

/* The extended ACK's TLVs of nh, from off on (NLMSG_ERROR or a failed dump's NLMSG_DONE). */
static void parse_tlvs(const struct nlmsghdr *nh, size_t off, struct result *r)
{
	const struct nlattr *at;

	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while (off + NLA_HDRLEN <= nh->nlmsg_len) {
		at = (const struct nlattr *)((const uint8_t *)nh + off);
		if (at->nla_len < NLA_HDRLEN || off + at->nla_len > nh->nlmsg_len)
			break;
		if (at->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(r->ext_msg, sizeof(r->ext_msg), "%.*s",
				 (int)(at->nla_len - NLA_HDRLEN), (const char *)(at + 1));
		else if (at->nla_type == NLMSGERR_ATTR_OFFS)
			r->bad_off = (int)*(const uint32_t *)(at + 1);
		else if (at->nla_type == NLMSGERR_MISS_TYPE)
			r->miss_type = (int)*(const uint32_t *)(at + 1);
		off += NLA_ALIGN(at->nla_len);
	}
}

static void parse_err(const struct nlmsghdr *nh, struct result *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);

	r->err = e->error;
	parse_tlvs(nh, NLMSG_HDRLEN + sizeof(*e), r);
}

/*
 * Send m, then read until the NLMSG_ERROR (ack or error) or NLMSG_DONE of its sequence
 * number; messages before it go to fn. Returns the kernel's 0/-errno, or -ETIMEDOUT when
 * nothing ends the exchange within NL_TIMEOUT_S.
 */
int nl_xfer(struct nl *nl, struct msg *m, reply_fn fn, void *arg, struct result *r)
{
	static uint8_t buf[RX_BUF] __attribute__((aligned(4)));
	struct result local;
	struct attrs *a = malloc(sizeof(*a));

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	r->bad_off = r->miss_type = -1;
	m->nh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, m->buf, m->nh.nlmsg_len, 0) < 0) {
		free(a);
		return r->err = -errno;
	}
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		bool counted = false;

		if (n < 0) {
			free(a);
			return r->err = (errno == EAGAIN ? -ETIMEDOUT : -errno);
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != m->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				parse_err(nh, r);
				free(a);
				return r->err;
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				r->err = nh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int) ?
						 *(int *)NLMSG_DATA(nh) : 0;
				parse_tlvs(nh, NLMSG_HDRLEN + NLA_ALIGN(sizeof(int)), r);
				if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
					r->dump_intr = true;
				free(a);
				return r->err;
			}
			if (!counted)
				r->datagrams++;
			counted = true;
			r->replies++;
			if (nh->nlmsg_flags & NLM_F_MULTI)
				r->multi = true;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				r->dump_intr = true;
			if (fn && nh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
				parse_attrs(nh, a, KTLSO_A_MAX, a->tb);
				fn(a, arg);
			}
		}
	}
}

struct family_info {
	uint16_t id;
	uint32_t grp;
};

/* CTRL_ATTR_* numbers are below KTLSO_A_MAX: the same table holds them. */
static void family_reply(const struct attrs *a, void *arg)
{
	const struct nlattr *grps = a->tb[CTRL_ATTR_MCAST_GROUPS], *g;
	struct family_info *fi = arg;
	size_t left;

	if (a->tb[CTRL_ATTR_FAMILY_ID])
		fi->id = a_u16(a, CTRL_ATTR_FAMILY_ID);
	if (!grps)
		return;
	left = grps->nla_len - NLA_HDRLEN;
	for (g = grps + 1; left >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN && g->nla_len <= left;
	     left -= (size_t)NLA_ALIGN(g->nla_len) < left ? (size_t)NLA_ALIGN(g->nla_len) : left,
	     g = (const struct nlattr *)((const uint8_t *)g + NLA_ALIGN(g->nla_len))) {
		const struct nlattr *f = g + 1;
		size_t fl = g->nla_len - NLA_HDRLEN;
		const char *name = NULL;
		uint32_t id = 0;

		while (fl >= NLA_HDRLEN && f->nla_len >= NLA_HDRLEN && f->nla_len <= fl) {
			if (f->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				name = (const char *)(f + 1);
			else if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = *(const uint32_t *)(f + 1);
			fl -= (size_t)NLA_ALIGN(f->nla_len) < fl ? (size_t)NLA_ALIGN(f->nla_len) : fl;
			f = (const struct nlattr *)((const uint8_t *)f + NLA_ALIGN(f->nla_len));
		}
		if (name && !strcmp(name, KTLSO_MCGRP_EVENTS))
			fi->grp = id;
	}
}

/* The family's id and events group, from the controller; -ENOENT without the module. */
static int resolve_family(struct nl *nl)
{
	struct family_info fi = { 0 };
	struct msg m;
	int err;

	msg_start(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	((struct genlmsghdr *)NLMSG_DATA(&m.nh))->version = 2;
	put_str(&m, CTRL_ATTR_FAMILY_NAME, KTLSO_GENL_NAME);
	err = nl_xfer(nl, &m, family_reply, &fi, NULL);
	if (err)
		return err;
	if (!fi.id || !fi.grp)
		return -ENOENT;
	nl->fam = fi.id;
	nl->grp = fi.grp;
	return 0;
}

int nl_open(struct nl *nl)
{
	int err = nl_socket(nl);

	if (!err)
		err = resolve_family(nl);
	if (err)
		nl_close(nl);
	return err;
}

/* A socket subscribed to the events group: -EPERM without CAP_NET_ADMIN. */
int ev_open(struct nl *ev)
{
	int err = nl_open(ev);

	if (err)
		return err;
	if (setsockopt(ev->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &ev->grp,
		       sizeof(ev->grp)) < 0) {
		err = -errno;
		nl_close(ev);
	}
	return err;
}

uint64_t a_u64(const struct attrs *a, int t)
{
	uint64_t v = 0;

	if (a->tb[t])
		memcpy(&v, a->tb[t] + 1, a->tb[t]->nla_len - NLA_HDRLEN >= 8 ? 8 : 0);
	return v;
}

uint32_t a_u32(const struct attrs *a, int t)
{
	return a->tb[t] ? *(const uint32_t *)(a->tb[t] + 1) : 0;
}

uint16_t a_u16(const struct attrs *a, int t)
{
	return a->tb[t] ? *(const uint16_t *)(a->tb[t] + 1) : 0;
}

uint8_t a_u8(const struct attrs *a, int t)
{
	return a->tb[t] ? *(const uint8_t *)(a->tb[t] + 1) : 0;
}

const char *a_str(const struct attrs *a, int t)
{
	return a->tb[t] ? (const char *)(a->tb[t] + 1) : NULL;
}

int a_len(const struct attrs *a, int t)
{
	return a->tb[t] ? a->tb[t]->nla_len - NLA_HDRLEN : -1;
}

/*
 * Wait for an event of cmd (about socket id, when id is not 0). Other events are skipped.
 * Returns 0 with the event in *out, or -ETIMEDOUT.
 */
int ev_wait(struct nl *ev, uint8_t cmd, uint64_t id, int timeout_ms, struct attrs *out)
{
	static uint8_t buf[RX_BUF] __attribute__((aligned(4)));
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = ev->fd, .events = POLLIN };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return -ETIMEDOUT;
		n = recv(ev->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type != ev->fam ||
			    nh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
				continue;
			parse_attrs(nh, out, KTLSO_A_MAX, out->tb);
			if (out->cmd == cmd && (!id || a_u64(out, KTLSO_A_SOCK_ID) == id))
				return 0;
		}
	}
}

/* ------------------------------------------------------------------ ktlso commands */

void ktlso_start(struct nl *nl, struct msg *m, uint8_t cmd, uint16_t flags)
{
	msg_start(m, nl->fam, flags, cmd);
}

int sock_register(struct nl *nl, int fd, const struct reg *r)
{
	struct msg m;

	ktlso_start(nl, &m, KTLSO_CMD_SOCK_REGISTER, 0);
	put_s32(&m, KTLSO_A_SOCK_FD, fd);
	if (r && r->version)
		put_u16(&m, KTLSO_A_SOCK_VERSION, r->version);
	if (r && r->cipher)
		put_u16(&m, KTLSO_A_SOCK_CIPHER, r->cipher);
	if (r && r->key_gen)
		put_u32(&m, KTLSO_A_SOCK_KEY_GEN, r->key_gen);
	if (r && r->fallback)
		put_str(&m, KTLSO_A_SOCK_FALLBACK, r->fallback);
	return nl_xfer(nl, &m, NULL, NULL, NULL);
}

int sock_unregister(struct nl *nl, uint64_t id, int fd, const char *reason)
{
	struct msg m;

	ktlso_start(nl, &m, KTLSO_CMD_SOCK_UNREGISTER, 0);
	if (id)
		put_u64(&m, KTLSO_A_SOCK_ID, id);
	if (fd >= 0)
		put_s32(&m, KTLSO_A_SOCK_FD, fd);
	if (reason)
		put_str(&m, KTLSO_A_SOCK_CLOSE_REASON, reason);
	return nl_xfer(nl, &m, NULL, NULL, NULL);
}

void copy_reply(const struct attrs *a, void *arg)
{
	struct attrs *out = arg;

	memcpy(out->buf, a->buf, sizeof(a->buf));
	out->cmd = a->cmd;
	for (int i = 0; i <= KTLSO_A_MAX; i++)
		out->tb[i] = a->tb[i] ? (const struct nlattr *)(out->buf + ((const uint8_t *)a->tb[i] -
									    a->buf)) : NULL;
}

int sock_get(struct nl *nl, uint64_t id, struct attrs *out)
{
	struct msg m;

	memset(out->tb, 0, sizeof(out->tb));
	ktlso_start(nl, &m, KTLSO_CMD_SOCK_GET, 0);
	put_u64(&m, KTLSO_A_SOCK_ID, id);
	return nl_xfer(nl, &m, copy_reply, out, NULL);
}

int sock_offload(struct nl *nl, uint64_t id)
{
	struct msg m;

	ktlso_start(nl, &m, KTLSO_CMD_SOCK_OFFLOAD, 0);
	put_u64(&m, KTLSO_A_SOCK_ID, id);
	return nl_xfer(nl, &m, NULL, NULL, NULL);
}

void collect_id(const struct attrs *a, void *arg)
{
	struct ids *ids = arg;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 64;
		ids->id = realloc(ids->id, ids->cap * sizeof(*ids->id));
		ids->uid = realloc(ids->uid, ids->cap * sizeof(*ids->uid));
	}
	ids->uid[ids->n] = a_u32(a, KTLSO_A_SOCK_UID);
	ids->id[ids->n++] = a_u64(a, KTLSO_A_SOCK_ID);
}

int sock_dump(struct nl *nl, struct ids *ids, struct result *r)
{
	struct msg m;

	memset(ids, 0, sizeof(*ids));
	ktlso_start(nl, &m, KTLSO_CMD_SOCK_GET, NLM_F_DUMP);
	return nl_xfer(nl, &m, collect_id, ids, r);
}

size_t ids_count(const struct ids *ids, uint64_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < ids->n; i++)
		n += ids->id[i] == id;
	return n;
}

int policy_add(struct nl *nl, const struct pol *p, struct result *r)
{
	struct msg m;

	ktlso_start(nl, &m, KTLSO_CMD_POLICY_ADD, 0);
	msg_put(&m, KTLSO_A_POLICY_ADDR, p->addr, p->addrlen);
	if (p->mode >= 0)
		put_u8(&m, KTLSO_A_POLICY_MODE, (uint8_t)p->mode);
	if (p->ciphers)
		put_u32(&m, KTLSO_A_POLICY_CIPHERS, p->ciphers);
	if (p->rec_limit)
		put_u64(&m, KTLSO_A_POLICY_REC_LIMIT, p->rec_limit);
	if (p->warn_pct >= 0)
		put_u8(&m, KTLSO_A_POLICY_WARN_PCT, (uint8_t)p->warn_pct);
	return nl_xfer(nl, &m, NULL, NULL, r);
}

int policy_addr_cmd(struct nl *nl, uint8_t cmd, const void *addr, size_t len,
		    struct attrs *out)
{
	struct msg m;

	if (out)
		memset(out->tb, 0, sizeof(out->tb));
	ktlso_start(nl, &m, cmd, 0);
	msg_put(&m, KTLSO_A_POLICY_ADDR, addr, len);
	return nl_xfer(nl, &m, out ? copy_reply : NULL, out, NULL);
}

void count_reply(const struct attrs *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
}

int policy_dump_count(struct nl *nl)
{
	struct msg m;
	int n = 0, err;

	ktlso_start(nl, &m, KTLSO_CMD_POLICY_GET, NLM_F_DUMP);
	err = nl_xfer(nl, &m, count_reply, &n, NULL);
	return err ? err : n;
}

void stats_reply(const struct attrs *a, void *arg)
{
	struct stats *s = arg;

	for (int t = KTLSO_A_STATS_SOCKS; t <= KTLSO_A_MAX; t++)
		s->v[t] = a->tb[t] ? a_u64(a, t) : ~0ULL;
}

int get_stats(struct nl *nl, struct stats *s)
{
	struct msg m;

	memset(s, 0, sizeof(*s));
	ktlso_start(nl, &m, KTLSO_CMD_STATS, 0);
	return nl_xfer(nl, &m, stats_reply, s, NULL);
}

int get_version(struct nl *nl, char *ver, size_t len, uint32_t *proto)
{
	struct attrs a;
	struct msg m;
	int err;

	memset(a.tb, 0, sizeof(a.tb));
	ktlso_start(nl, &m, KTLSO_CMD_GET_VERSION, 0);
	err = nl_xfer(nl, &m, copy_reply, &a, NULL);
	if (err)
		return err;
	if (!a_str(&a, KTLSO_A_VERSION_STRING) || !a.tb[KTLSO_A_PROTO_VERSION])
		return -EBADMSG;
	snprintf(ver, len, "%s", a_str(&a, KTLSO_A_VERSION_STRING));
	*proto = a_u32(&a, KTLSO_A_PROTO_VERSION);
	return 0;
}
