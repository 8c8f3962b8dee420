// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The messages of the ktlso family: each command's request built from the
 * structs of nl.h and its reply parsed back into them, replies checked
 * against the policy built from the attribute table (include/ktlso_attrs.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/ktlso.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ktlso_attrs.h>

#include "nl_int.h"

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

int kso_nl_parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb)
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
int kso_nl_sock_from(struct nlattr **tb, struct kso_sock *s)
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
int kso_nl_policy_from(struct nlattr **tb, struct kso_policy *p)
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
	/* counters added later: absent from an older module */
	if (tb[KTLSO_A_STATS_BUSY_READS])
		st->busy_reads = nla_get_u64(tb[KTLSO_A_STATS_BUSY_READS]);
	if (tb[KTLSO_A_STATS_KEY_LIMIT_RETRIES])
		st->key_limit_retries = nla_get_u64(tb[KTLSO_A_STATS_KEY_LIMIT_RETRIES]);
	return 0;
}

int kso_nl_stats(struct kso_nl *nl, struct kso_stats *out)
{
	memset(out, 0, sizeof(*out));
	return kso_nl_request(nl, KTLSO_CMD_STATS, 0, kso_nl_parse_stats, out);
}
