// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A seeded generator of malformed and well-formed requests to ktlso.ko's generic netlink
 * family, built from the attribute table (include/ktlso_attrs.h): every message must be
 * answered, with success or an error the contract allows, as root and as nobody, and the
 * module's state must be consistent afterwards. Needs the VM (tests/vm/run) or a kTLS host
 * with the module loaded, as root.
 *
 *	ktlso_nl_fuzz [--fuzz N] [--seed S]
 *
 * --fuzz N sets how many random messages are sent as root (default 20000; a quarter of
 * that as nobody), --seed S the seed (default: from the clock, printed so that a failure
 * can be replayed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/ktlso.h>
#include <linux/netlink.h>
#include <linux/tls.h>

#include "rawnl.h"
#include "sockfix.h"
#include "t.h"

#define OPEN(nl) T_OK(nl_open(nl))

static unsigned long fuzz_count = 20000;
static unsigned long long fuzz_seed;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint32_t rndn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* A plausible payload size for an attribute type (its kind's, from the table), or garbage. */
static size_t fuzz_attr_len(uint16_t type)
{
	static const uint8_t sizes[] = { 0, 1, 2, 4, 8, 16, 28 };
	const struct attr_row *row = attr_row(type);

	if (row && rndn(4))
		switch (row->kind) {
		case K_U64:
			return 8;
		case K_U32: case K_S32: case K_MASK32:
			return 4;
		case K_U16:
			return 2;
		case K_U8:
			return 1;
		case K_SOCKADDR:
			return rndn(2) ? 16 : 28;
		case K_STRING:
			return 1 + rndn(row->limit + 2);
		case K_PAD:
			break;
		}
	return rndn(3) ? sizes[rndn(sizeof(sizes))] : rndn(300);
}

/* Cookies of the sockets the fuzzer keeps open, so that ids hit registered sockets. */
static uint64_t fuzz_ids[4];

/* A well-formed attribute of type t with an interesting value, for the handlers. */
static void fuzz_good_attr(struct msg *m, uint16_t t)
{
	static const char *const strs[] = { "", "x", "closed", "a reason of some length" };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(443) };
	const struct attr_row *row = attr_row(t);

	/* values that mean something to the handlers */
	switch (t) {
	case KTLSO_A_SOCK_FD:
		put_s32(m, t, rndn(4) ? (int32_t)rndn(12) - 1 : (int32_t)rnd());
		return;
	case KTLSO_A_SOCK_ID:
		put_u64(m, t, rndn(2) ? fuzz_ids[rndn(4)] : rndn(2) ? rndn(5000) : rnd());
		return;
	case KTLSO_A_POLICY_MODE: case KTLSO_A_SOCK_TX_CONF: case KTLSO_A_SOCK_RX_CONF:
	case KTLSO_A_KEY_DIR:
		put_u8(m, t, (uint8_t)rndn(6));
		return;
	case KTLSO_A_POLICY_WARN_PCT:
		put_u8(m, t, (uint8_t)rndn(103));
		return;
	}
	/* else any value of the attribute's kind */
	switch (row ? row->kind : K_PAD) {
	case K_STRING:
		put_str(m, t, strs[rndn(4)]);
		break;
	case K_U16:
		put_u16(m, t, (uint16_t)rnd());
		break;
	case K_SOCKADDR:
		s4.sin_port = s6.sin6_port = htons((uint16_t)rndn(4));
		if (rndn(2))
			msg_put(m, t, &s4, sizeof(s4));
		else
			msg_put(m, t, &s6, sizeof(s6));
		break;
	case K_U8:
		put_u8(m, t, (uint8_t)rndn(6));
		break;
	case K_MASK32:
		put_u32(m, t, rndn(4) ? (uint32_t)rnd() & row->limit : (uint32_t)rnd());
		break;
	case K_U32: case K_S32:
		put_u32(m, t, (uint32_t)rndn(5));
		break;
	case K_U64: case K_PAD:
		put_u64(m, t, rndn(2) ? rndn(100) : rnd());
		break;
	}
}

/*
 * Well-formed requests of every command, with mostly meaningful attributes: mostly ones
 * the command takes, sometimes any (which the module must reject).
 */
static size_t fuzz_good_msg(struct nl *nl, struct msg *m)
{
	uint8_t cmd = req_cmds[rndn(N_REQ_CMDS)].cmd;
	int nattrs = (int)rndn(5);
	bool dump = (cmd == KTLSO_CMD_SOCK_GET || cmd == KTLSO_CMD_POLICY_GET) && rndn(2);
	const struct attr_row *taken[N_ATTR_ROWS];
	size_t ntaken = 0;

	for (size_t i = 0; i < N_ATTR_ROWS; i++)
		if (attr_rows[i].cmds & 1u << cmd)
			taken[ntaken++] = &attr_rows[i];
	msg_start(m, nl->fam, dump ? NLM_F_DUMP : 0, cmd);
	for (int i = 0; i < nattrs; i++)
		fuzz_good_attr(m, ntaken && rndn(8) ? taken[rndn((uint32_t)ntaken)]->type :
				  attr_rows[rndn(N_ATTR_ROWS)].type);
	return m->nh.nlmsg_len;
}

/*
 * One random message into m (returns its length on the wire, which may differ from
 * nlmsg_len) and whether the kernel must answer it.
 */
static size_t fuzz_msg(struct nl *nl, struct msg *m, bool *answered)
{
	static const uint16_t flag_sets[] = { 0, NLM_F_DUMP, NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH,
					      NLM_F_ATOMIC, NLM_F_REPLACE, NLM_F_EXCL,
					      NLM_F_CREATE, 0x4000, NLM_F_DUMP | NLM_F_ECHO };
	struct genlmsghdr *g;
	uint32_t wire;
	int nattrs;

	*answered = true;
	if (rndn(2))
		return fuzz_good_msg(nl, m);
	msg_start(m, nl->fam, flag_sets[rndn(sizeof(flag_sets) / sizeof(flag_sets[0]))],
		  rndn(8) ? (uint8_t)rndn(__KTLSO_CMD_MAX + 2) : (uint8_t)rnd());
	g = NLMSG_DATA(&m->nh);
	if (!rndn(10))
		g->version = (uint8_t)rnd();
	if (!rndn(20))
		g->reserved = (uint16_t)rnd();
	/*
	 * No ack: a success may have no answer, only errors do. Not for dumps: one left
	 * unread keeps running, and the next dump on the socket fails with EBUSY.
	 */
	if (!rndn(30) && (m->nh.nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) {
		m->nh.nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		*answered = false;
	}

	nattrs = (int)rndn(7);
	for (int i = 0; i < nattrs; i++) {
		uint16_t type = rndn(6) ? (uint16_t)rndn(KTLSO_A_MAX + 3) : (uint16_t)rnd();
		size_t len = fuzz_attr_len(type & NLA_TYPE_MASK);
		uint8_t data[300];

		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)rnd();
		if (!rndn(4) && len >= 2) {	/* a plausible sockaddr family */
			uint16_t fam = rndn(2) ? AF_INET : AF_INET6;

			memcpy(data, &fam, 2);
		}
		if (!rndn(3) && len)	/* NUL-terminated strings */
			data[len - 1] = 0;
		if ((type & NLA_TYPE_MASK) == KTLSO_A_SOCK_FD && rndn(2))
			data[0] = (uint8_t)rndn(12), data[1] = data[2] = data[3] = 0;
		if (!rndn(20)) {	/* nested garbage: an attribute holding attributes */
			struct nlattr *in = (struct nlattr *)data;

			len = 8 + rndn(40);
			in->nla_len = (uint16_t)(4 + rndn(64));
			in->nla_type = (uint16_t)(rnd() | NLA_F_NESTED);
			type |= NLA_F_NESTED;
		}
		msg_put(m, type, data, len);
	}

	wire = m->nh.nlmsg_len;
	switch (rndn(25)) {
	case 0:	/* the last attribute's header claims more than there is */
		if (nattrs) {
			struct nlattr *last = (struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN);

			last->nla_len = (uint16_t)(last->nla_len + 4 + rndn(200));
		}
		break;
	case 1:	/* an attribute header shorter than a header */
		if (nattrs)
			((struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len =
				(uint16_t)rndn(4);
		break;
	case 2:	/* the message cut inside the attributes */
		if (wire > NLMSG_HDRLEN + GENL_HDRLEN + 2)
			wire = m->nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN +
				rndn(wire - NLMSG_HDRLEN - GENL_HDRLEN);
		break;
	case 3:	/* the genetlink header cut */
		wire = m->nh.nlmsg_len = NLMSG_HDRLEN + rndn(GENL_HDRLEN);
		break;
	case 4:	/* a netlink header longer than the datagram: dropped silently */
		m->nh.nlmsg_len = wire + 4 + rndn(64);
		*answered = false;
		break;
	case 5:	/* a datagram shorter than a netlink header: dropped silently */
		wire = rndn(NLMSG_HDRLEN);
		*answered = false;
		break;
	}
	return wire;
}

/* How the kernel answered, by errno (0: success), for the summary line. */
static unsigned long fuzz_answers[256];

static int fuzz_bad_errno;

/* What the contract lets a request fail with. */
static bool fuzz_errno_ok(int e)
{
	switch (e) {
	case 0: case EINVAL: case EOPNOTSUPP: case EPERM: case ENOENT: case EBADF:
	case ENOTSOCK: case EPROTONOSUPPORT: case EXDEV: case ENOSPC: case EALREADY:
		return true;
	}
	return false;
}

/* Send; read until the answer to this sequence number (or nothing, for dropped ones). */
static int fuzz_one(struct nl *nl, struct msg *m, size_t wire, bool answered)
{
	static uint8_t buf[RX_BUF] __attribute__((aligned(4)));

	m->nh.nlmsg_seq = ++nl->seq;
	/* what the kernel drops may fail to send at all */
	if (send(nl->fd, m->buf, wire, 0) < 0 && answered)
		return -errno;
	if (!answered)
		return 0;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != m->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE) {
				int e = nh->nlmsg_type == NLMSG_DONE ? 0 :
					((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				fuzz_answers[-e > 0 && -e < 256 ? -e : 0]++;
				if (fuzz_errno_ok(-e))
					return 0;
				fuzz_bad_errno = -e;
				return -EPROTO;
			}
		}
	}
}

struct fuzz_arg {
	unsigned long count;
	uint64_t seed;
};

static int fuzz_run(void *varg)
{
	const struct fuzz_arg *fa = varg;
	struct msg m;
	struct nl nl;

	int fds[4];

	rng_state = fa->seed ? fa->seed : 1;
	memset(fuzz_answers, 0, sizeof(fuzz_answers));
	OPEN(&nl);
	/* TCP sockets among the small descriptors the fuzzer names, one pair in kTLS */
	T_OK(pair(fds));
	T_OK(pair(fds + 2));
	if (ktls_available())
		T_OK(ktls_setup(fds, TLS_1_3_VERSION, 0, true, true));
	for (int i = 0; i < 4; i++)
		fuzz_ids[i] = cookie(fds[i]);
	for (unsigned long i = 0; i < fa->count; i++) {
		bool answered;
		size_t wire = fuzz_msg(&nl, &m, &answered);
		int err = fuzz_one(&nl, &m, wire, answered);

		T_ASSERT(!err, "message %lu (seed %llu, uid %d, cmd %u, flags %#x, len %zu): %s%s", i,
			 (unsigned long long)fa->seed, (int)getuid(),
			 ((struct genlmsghdr *)NLMSG_DATA(&m.nh))->cmd, m.nh.nlmsg_flags, wire,
			 err == -EPROTO ? "an error the contract does not allow: " : "",
			 err == -EPROTO ? strerrorname_np(fuzz_bad_errno) ?: "?" :
			 err == -ETIMEDOUT ? "no answer (hang?)" : t_strerror(err));
	}
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	printf("# fuzz as uid %d: answers", (int)getuid());
	for (int e = 0; e < 256; e++)
		if (fuzz_answers[e])
			printf(" %s=%lu", e ? strerrorname_np(e) ?: "?" : "ok", fuzz_answers[e]);
	printf("\n");
	nl_close(&nl);
	return T_PASS;
}

static void delete_policy(const struct attrs *a, void *arg)
{
	struct nl del;

	(void)arg;

	if (!a->tb[KTLSO_A_POLICY_ADDR] || nl_open(&del))
		return;
	policy_addr_cmd(&del, KTLSO_CMD_POLICY_DEL, a->tb[KTLSO_A_POLICY_ADDR] + 1,
			(size_t)a_len(a, KTLSO_A_POLICY_ADDR), NULL);
	nl_close(&del);
}

static int test_fuzz(const void *arg)
{
	struct fuzz_arg fa = { fuzz_count, fuzz_seed };
	struct stats s;
	struct msg m;
	struct nl nl;
	char ver[64];
	uint32_t proto;
	int rc, n;

	(void)arg;
	alarm((unsigned)(120 + fuzz_count / 100));
	printf("# fuzz: %lu messages as root, %lu as nobody, seed %llu\n", fa.count,
	       fa.count / 4, (unsigned long long)fa.seed);
	rc = fuzz_run(&fa);
	if (rc != T_PASS)
		return rc;
	fa.count /= 4;
	fa.seed ^= 0x9e3779b97f4a7c15ULL;
	rc = as_nobody(fuzz_run, &fa);
	if (rc != T_PASS)
		return rc;

	/* still answering, state consistent; remove what random POLICY_ADDs stored */
	OPEN(&nl);
	T_OK(get_version(&nl, ver, sizeof(ver), &proto));
	for (int round = 0; round < 5 && policy_dump_count(&nl) > 0; round++) {
		ktlso_start(&nl, &m, KTLSO_CMD_POLICY_GET, NLM_F_DUMP);
		T_OK(nl_xfer(&nl, &m, delete_policy, &nl, NULL));
	}
	T_OK(get_stats(&nl, &s));
	n = policy_dump_count(&nl);
	T_ASSERT(n >= 0 && (uint64_t)n == s.v[KTLSO_A_STATS_POLICIES] &&
		 s.v[KTLSO_A_STATS_POLICIES] <= KTLSO_MAX_POLICIES,
		 "policies: %d dumped, stats say %llu", n,
		 (unsigned long long)s.v[KTLSO_A_STATS_POLICIES]);
	T_ASSERT(s.v[KTLSO_A_STATS_SOCKS] == s.v[KTLSO_A_STATS_REGISTERED] -
						     s.v[KTLSO_A_STATS_UNREGISTERED] -
						     s.v[KTLSO_A_STATS_REAPED],
		 "socks %llu != registered %llu - unregistered %llu - reaped %llu",
		 (unsigned long long)s.v[KTLSO_A_STATS_SOCKS],
		 (unsigned long long)s.v[KTLSO_A_STATS_REGISTERED],
		 (unsigned long long)s.v[KTLSO_A_STATS_UNREGISTERED],
		 (unsigned long long)s.v[KTLSO_A_STATS_REAPED]);
	nl_close(&nl);
	return T_PASS;
}

int main(int argc, char **argv)
{
	const char *expect = getenv("KTLSO_EXPECT_MODULE");
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, err;
	struct nl nl;

	rest[nrest++] = argv[0];
	fuzz_seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fuzz") && i + 1 < argc)
			fuzz_count = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			fuzz_seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s [--fuzz N] [--seed S]\n", argv[0]);
			return 0;
		} else
			rest[nrest++] = argv[i];
	}
	t_init("vm/ktlso_nl_fuzz", nrest, rest);

	err = nl_open(&nl);
	if (err) {
		if (expect && !strcmp(expect, "1")) {
			printf("FAIL vm/ktlso_nl_fuzz/family: the ktlso family does not resolve: %s\n",
			       t_strerror(err));
			return 1;
		}
		printf("SKIP vm/ktlso_nl_fuzz: the ktlso family does not resolve (%s): is ktlso.ko "
		       "loaded?\n", t_strerror(err));
		return 77;
	}
	nl_close(&nl);
	if (geteuid() != 0) {
		printf("SKIP vm/ktlso_nl_fuzz: needs root (CAP_NET_ADMIN, setuid to nobody)\n");
		return 77;
	}

	t_run("fuzz", test_fuzz, NULL);
	free(rest);
	return t_done();
}
