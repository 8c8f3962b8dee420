// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlso.ko over its generic netlink family, spoken raw (AF_NETLINK, NETLINK_GENERIC, no
 * libnl) so that the kernel side is tested on its own: every command against real loopback
 * TCP pairs with kTLS installed, errors, permissions, events, the reaper and key-usage guard,
 * and unloading with live registered sockets. The client is tests/lib/rawnl.c; the seeded
 * generator of malformed messages is a program of its own, ktlso_nl_fuzz.c. Needs the VM
 * (tests/vm/run) or a kTLS host with the module loaded, as root.
 *
 *	ktlso_nl_test [CASE-FILTER...]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/ktlso.h>
#include <linux/netlink.h>
#include <linux/tls.h>

#include <ktlso_attrs.h>

#include "keysched.h"
#include "ktls.h"
#include "policy_cases.h"
#include "rawnl.h"
#include "sockfix.h"
#include "t.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define SCAN_MS_PATH "/sys/module/ktlso/parameters/scan_ms"
#define KO_PATH "/ktlso/ktlso.ko"

/* n records from -> to, one write each, each read before the next. */
static int send_records(int from, int to, int n)
{
	char buf[32];

	for (int i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "record %03d", i);

		if (write(from, buf, (size_t)len) != len)
			return -errno;
		char got[32];
		int err = read_full(to, got, (size_t)len);

		if (err)
			return err;
		if (memcmp(buf, got, (size_t)len))
			return -EBADMSG;
	}
	return 0;
}

#define NEED_KTLS()								\
	do {									\
		if (!ktls_available()) {					\
			if (getenv("KTLSO_EXPECT_KTLS") &&			\
			    !strcmp(getenv("KTLSO_EXPECT_KTLS"), "1"))		\
				return t_fail("kTLS should be available");	\
			return t_skip("no kTLS (the tls ULP) in this kernel");	\
		}								\
	} while (0)

#define OPEN(nl) T_OK(nl_open(nl))

static int scan_ms_get(void)
{
	FILE *f = fopen(SCAN_MS_PATH, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int scan_ms_set(int ms)
{
	FILE *f = fopen(SCAN_MS_PATH, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", ms) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

static bool sockaddr_eq(const struct attrs *a, int t, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	return a_len(a, t) == (int)len && !memcmp(a->tb[t] + 1, &ss, len);
}

/* ------------------------------------------------------------------ cases */

static int test_version(const void *arg)
{
	char ver[64];
	uint32_t proto;
	struct nl nl;

	(void)arg;
	OPEN(&nl);
	T_OK(get_version(&nl, ver, sizeof(ver), &proto));
	T_ASSERT(!strcmp(ver, KTLSO_VERSION) && proto == KTLSO_GENL_VERSION, "version %s, proto %u",
		 ver, proto);
	nl_close(&nl);
	return T_PASS;
}

static int test_register_ktls13(const void *arg)
{
	struct stats s0, s1;
	struct attrs a, e;
	struct nl nl, ev;
	int fds[2];
	uint64_t id;

	(void)arg;
	NEED_KTLS();
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	T_OK(ktls_pair(fds, TLS_1_3_VERSION, 0));
	id = cookie(fds[0]);
	T_ASSERT(id, "SO_COOKIE");
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 3000, &e));
	T_ASSERT(a_u8(&e, KTLSO_A_SOCK_TX_CONF) == KTLSO_CONF_SW &&
		 a_u8(&e, KTLSO_A_SOCK_RX_CONF) == KTLSO_CONF_SW, "EV_OFFLOADED confs %u/%u",
		 a_u8(&e, KTLSO_A_SOCK_TX_CONF), a_u8(&e, KTLSO_A_SOCK_RX_CONF));

	T_OK(send_records(fds[0], fds[1], 5));
	T_OK(send_records(fds[1], fds[0], 3));
	T_OK(sock_get(&nl, id, &a));
	T_ASSERT(a.cmd == KTLSO_CMD_SOCK_GET, "reply cmd %u", a.cmd);
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_ID) == id, "id");
	T_ASSERT(a.tb[KTLSO_A_SOCK_TX_SEQ] && a_u64(&a, KTLSO_A_SOCK_TX_SEQ) == 5,
		 "tx_seq %llu, want 5", (unsigned long long)a_u64(&a, KTLSO_A_SOCK_TX_SEQ));
	T_ASSERT(a.tb[KTLSO_A_SOCK_RX_SEQ] && a_u64(&a, KTLSO_A_SOCK_RX_SEQ) == 3,
		 "rx_seq %llu, want 3", (unsigned long long)a_u64(&a, KTLSO_A_SOCK_RX_SEQ));
	T_ASSERT(a_u16(&a, KTLSO_A_SOCK_VERSION) == TLS_1_3_VERSION, "version %#x",
		 a_u16(&a, KTLSO_A_SOCK_VERSION));
	T_ASSERT(a_u16(&a, KTLSO_A_SOCK_CIPHER) == TLS_CIPHER_AES_GCM_128, "cipher %u",
		 a_u16(&a, KTLSO_A_SOCK_CIPHER));
	T_ASSERT(a_u8(&a, KTLSO_A_SOCK_TX_CONF) == KTLSO_CONF_SW &&
		 a_u8(&a, KTLSO_A_SOCK_RX_CONF) == KTLSO_CONF_SW, "confs");
	T_ASSERT(a.tb[KTLSO_A_SOCK_UID] && a_u32(&a, KTLSO_A_SOCK_UID) == getuid(), "uid %u",
		 a_u32(&a, KTLSO_A_SOCK_UID));
	T_ASSERT(a_u32(&a, KTLSO_A_SOCK_PID) == (uint32_t)getpid(), "pid %u, want %d",
		 a_u32(&a, KTLSO_A_SOCK_PID), getpid());
	T_ASSERT(sockaddr_eq(&a, KTLSO_A_SOCK_LOCAL, fds[0], false), "local address");
	T_ASSERT(sockaddr_eq(&a, KTLSO_A_SOCK_PEER, fds[0], true), "peer address");
	/* TLS 1.3 record: 5 header + 10 data + 1 type + 16 tag */
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_BYTES_SENT) == 5 * 32 &&
		 a_u64(&a, KTLSO_A_SOCK_BYTES_RECEIVED) == 3 * 32,
		 "bytes %llu/%llu, want 160/96",
		 (unsigned long long)a_u64(&a, KTLSO_A_SOCK_BYTES_SENT),
		 (unsigned long long)a_u64(&a, KTLSO_A_SOCK_BYTES_RECEIVED));
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_REC_LIMIT) == KTLSO_REC_LIMIT_AES_GCM, "rec_limit %llu",
		 (unsigned long long)a_u64(&a, KTLSO_A_SOCK_REC_LIMIT));
	T_ASSERT(a.tb[KTLSO_A_SOCK_KEY_GEN] && !a_u32(&a, KTLSO_A_SOCK_KEY_GEN), "key_gen");
	T_ASSERT(a.tb[KTLSO_A_SOCK_AGE_MS] && a_u64(&a, KTLSO_A_SOCK_AGE_MS) < 60000, "age_ms");
	T_ASSERT(!a.tb[KTLSO_A_SOCK_FALLBACK] && !a.tb[KTLSO_A_SOCK_CLOSE_REASON],
		 "no fallback, no close reason");

	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_REGISTERED] == s0.v[KTLSO_A_STATS_REGISTERED] + 1 &&
		 s1.v[KTLSO_A_STATS_OFFLOADED] == s0.v[KTLSO_A_STATS_OFFLOADED] + 1,
		 "stats registered/offloaded did not move by one");

	T_OK(sock_unregister(&nl, id, -1, "test done"));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_CLOSED, id, 3000, &e));
	T_ASSERT(a_str(&e, KTLSO_A_SOCK_CLOSE_REASON) &&
		 !strcmp(a_str(&e, KTLSO_A_SOCK_CLOSE_REASON), "test done"), "close reason");
	T_ASSERT(a_u64(&e, KTLSO_A_SOCK_TX_SEQ) == 5 && a_u64(&e, KTLSO_A_SOCK_RX_SEQ) == 3,
		 "final counters in EV_CLOSED");
	T_ASSERT(sock_get(&nl, id, &a) == -ENOENT, "still registered after unregister");
	T_OK(get_stats(&nl, &s0));
	T_ASSERT(s0.v[KTLSO_A_STATS_UNREGISTERED] == s1.v[KTLSO_A_STATS_UNREGISTERED] + 1,
		 "stats unregistered");
	close(fds[0]);
	close(fds[1]);
	nl_close(&nl);
	nl_close(&ev);
	return T_PASS;
}

/* TLS 1.2 TX only: the sequence starts at 1 after the handshake; RX stays in userspace. */
static int test_register_ktls12_tx(const void *arg)
{
	struct attrs a;
	struct nl nl;
	int fds[2];
	uint64_t id;

	(void)arg;
	NEED_KTLS();
	OPEN(&nl);
	T_OK(pair(fds));
	T_OK(ktls_setup(fds, TLS_1_2_VERSION, 1, true, false));
	id = cookie(fds[0]);
	T_OK(sock_register(&nl, fds[0], &(struct reg){ .version = TLS_1_3_VERSION,
						       .cipher = TLS_CIPHER_CHACHA20_POLY1305 }));
	T_OK(send_records(fds[0], fds[1], 4));
	T_OK(sock_get(&nl, id, &a));
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_TX_SEQ) == 5, "tx_seq %llu, want 1 + 4",
		 (unsigned long long)a_u64(&a, KTLSO_A_SOCK_TX_SEQ));
	T_ASSERT(!a.tb[KTLSO_A_SOCK_RX_SEQ] && a_u8(&a, KTLSO_A_SOCK_RX_CONF) == KTLSO_CONF_NONE,
		 "RX is not in kTLS: no rx_seq, conf none");
	/* kTLS's view wins over what the server said */
	T_ASSERT(a_u16(&a, KTLSO_A_SOCK_VERSION) == TLS_1_2_VERSION &&
		 a_u16(&a, KTLSO_A_SOCK_CIPHER) == TLS_CIPHER_AES_GCM_128,
		 "version %#x cipher %u: kTLS must win", a_u16(&a, KTLSO_A_SOCK_VERSION),
		 a_u16(&a, KTLSO_A_SOCK_CIPHER));
	T_OK(sock_unregister(&nl, id, -1, NULL));
	close(fds[0]);
	close(fds[1]);
	nl_close(&nl);
	return T_PASS;
}

static int test_register_userspace_tls(const void *arg)
{
	struct attrs a, e;
	struct nl nl, ev;
	int fds[2];
	uint64_t id;

	(void)arg;
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(pair(fds));
	id = cookie(fds[1]);
	T_OK(sock_register(&nl, fds[1], &(struct reg){ .version = TLS_1_3_VERSION,
						       .cipher = TLS_CIPHER_AES_GCM_256,
						       .fallback = "no tls.ko" }));
	T_ASSERT(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 300, &e) == -ETIMEDOUT,
		 "EV_OFFLOADED for a socket without kTLS");
	T_OK(sock_get(&nl, id, &a));
	T_ASSERT(a_u8(&a, KTLSO_A_SOCK_TX_CONF) == KTLSO_CONF_NONE &&
		 a_u8(&a, KTLSO_A_SOCK_RX_CONF) == KTLSO_CONF_NONE, "confs must be none");
	T_ASSERT(!a.tb[KTLSO_A_SOCK_TX_SEQ] && !a.tb[KTLSO_A_SOCK_RX_SEQ], "no seqs");
	T_ASSERT(a_u16(&a, KTLSO_A_SOCK_VERSION) == TLS_1_3_VERSION &&
		 a_u16(&a, KTLSO_A_SOCK_CIPHER) == TLS_CIPHER_AES_GCM_256, "server's version/cipher");
	T_ASSERT(a_str(&a, KTLSO_A_SOCK_FALLBACK) &&
		 !strcmp(a_str(&a, KTLSO_A_SOCK_FALLBACK), "no tls.ko"), "fallback reason");
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_REC_LIMIT) == KTLSO_REC_LIMIT_AES_GCM, "limit of GCM");
	T_ASSERT(sockaddr_eq(&a, KTLSO_A_SOCK_LOCAL, fds[1], false) &&
		 sockaddr_eq(&a, KTLSO_A_SOCK_PEER, fds[1], true), "addresses");
	/* an update without the fallback clears it */
	T_OK(sock_register(&nl, fds[1], &(struct reg){ .cipher = TLS_CIPHER_CHACHA20_POLY1305 }));
	T_OK(sock_get(&nl, id, &a));
	T_ASSERT(!a.tb[KTLSO_A_SOCK_FALLBACK], "fallback not cleared by an update");
	T_ASSERT(a_u64(&a, KTLSO_A_SOCK_REC_LIMIT) == KTLSO_REC_LIMIT_NONE, "ChaCha20: no limit");
	T_OK(sock_unregister(&nl, 0, fds[1], NULL));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_CLOSED, id, 3000, &e));
	T_ASSERT(a_str(&e, KTLSO_A_SOCK_CLOSE_REASON), "EV_CLOSED without a close reason");
	close(fds[0]);
	close(fds[1]);
	nl_close(&nl);
	nl_close(&ev);
	return T_PASS;
}

static int test_register_update(const void *arg)
{
	struct stats s0, s1;
	struct attrs a, e;
	struct nl nl, ev;
	struct ids ids;
	int fds[2];
	uint64_t id;

	(void)arg;
	NEED_KTLS();
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	T_OK(pair(fds));
	id = cookie(fds[0]);
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(sock_register(&nl, fds[0], &(struct reg){ .key_gen = 3 }));
	T_OK(sock_get(&nl, id, &a));
	T_ASSERT(a_u32(&a, KTLSO_A_SOCK_KEY_GEN) == 3, "key_gen not updated");
	T_OK(sock_dump(&nl, &ids, NULL));
	T_ASSERT(ids_count(&ids, id) == 1, "the socket is dumped %zu times", ids_count(&ids, id));
	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_REGISTERED] == s0.v[KTLSO_A_STATS_REGISTERED] + 1,
		 "an update counted as a registration");
	T_ASSERT(s1.v[KTLSO_A_STATS_OFFLOADED] == s0.v[KTLSO_A_STATS_OFFLOADED], "offloaded moved");

	/* live offload: kTLS installed after registration, then an update */
	T_OK(ktls_setup(fds, TLS_1_3_VERSION, 0, true, false));
	T_OK(sock_register(&nl, fds[0], &(struct reg){ .key_gen = 3 }));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 3000, &e));
	T_ASSERT(a_u8(&e, KTLSO_A_SOCK_TX_CONF) == KTLSO_CONF_SW, "EV_OFFLOADED tx conf");
	T_OK(ktls_setup(fds, TLS_1_3_VERSION, 0, false, true));
	T_OK(sock_register(&nl, fds[0], &(struct reg){ .key_gen = 3 }));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 3000, &e));
	T_ASSERT(a_u8(&e, KTLSO_A_SOCK_RX_CONF) == KTLSO_CONF_SW, "second EV_OFFLOADED rx conf");
	/* nothing new: no event */
	T_OK(sock_register(&nl, fds[0], &(struct reg){ .key_gen = 3 }));
	T_ASSERT(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 300, &e) == -ETIMEDOUT,
		 "EV_OFFLOADED without a new direction");
	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_OFFLOADED] == s0.v[KTLSO_A_STATS_OFFLOADED] + 2,
		 "offloaded must count each live offload");
	T_OK(sock_unregister(&nl, id, -1, NULL));
	close(fds[0]);
	close(fds[1]);
	free(ids.id);
	free(ids.uid);
	nl_close(&nl);
	nl_close(&ev);
	return T_PASS;
}

static int test_unregister_after_peer_close(const void *arg)
{
	struct attrs a;
	struct nl nl;
	int fds[2];
	uint64_t id;
	char c;

	(void)arg;
	OPEN(&nl);
	T_OK(pair(fds));
	id = cookie(fds[0]);
	T_OK(sock_register(&nl, fds[0], NULL));
	close(fds[1]);
	T_ASSERT(read(fds[0], &c, 1) == 0, "EOF from the closed peer");
	T_OK(sock_get(&nl, id, &a));
	T_OK(sock_unregister(&nl, 0, fds[0], "peer closed"));
	T_ASSERT(sock_get(&nl, id, &a) == -ENOENT, "still there");
	T_ASSERT(sock_unregister(&nl, 0, fds[0], NULL) == -ENOENT, "second unregister");
	close(fds[0]);
	nl_close(&nl);
	return T_PASS;
}

#define MANY_PAIRS 500

static int test_dump_1000(const void *arg)
{
	static int fds[MANY_PAIRS][2];
	struct rlimit rl = { 4096, 4096 };
	struct stats s0, s1;
	struct result r;
	struct ids ids;
	struct nl nl;
	size_t found = 0;

	(void)arg;
	OPEN(&nl);
	T_ASSERT(!setrlimit(RLIMIT_NOFILE, &rl) || (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
						   rl.rlim_cur > 2 * MANY_PAIRS + 20),
		 "RLIMIT_NOFILE too low for %d sockets", 2 * MANY_PAIRS);
	T_OK(get_stats(&nl, &s0));
	for (int i = 0; i < MANY_PAIRS; i++) {
		T_OK(kso_tcp_pair(fds[i]));
		T_OK(sock_register(&nl, fds[i][0], NULL));
		T_OK(sock_register(&nl, fds[i][1], NULL));
	}
	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_SOCKS] >= s0.v[KTLSO_A_STATS_SOCKS] + 2 * MANY_PAIRS &&
		 s1.v[KTLSO_A_STATS_REGISTERED] == s0.v[KTLSO_A_STATS_REGISTERED] + 2 * MANY_PAIRS,
		 "stats after registering %d sockets", 2 * MANY_PAIRS);
	T_OK(sock_dump(&nl, &ids, &r));
	T_ASSERT(r.multi && r.datagrams > 1, "a dump of %zu sockets came in %d part(s)", ids.n,
		 r.datagrams);
	for (int i = 0; i < MANY_PAIRS; i++)
		for (int j = 0; j < 2; j++) {
			size_t n = ids_count(&ids, cookie(fds[i][j]));

			T_ASSERT(n == 1, "socket %d/%d dumped %zu times", i, j, n);
			found++;
		}
	T_ASSERT(found == 2 * MANY_PAIRS, "found %zu", found);
	for (size_t i = 1; i < ids.n; i++)
		T_ASSERT(ids.id[i] > ids.id[i - 1], "dump not in cookie order at %zu", i);

	/*
	 * The scan reads the sockets in batches (the namespace lock is let go in between):
	 * it must reap a socket closed in the first batch and one closed in the last.
	 */
	uint64_t first = cookie(fds[0][0]), last = cookie(fds[MANY_PAIRS - 1][0]);
	int old_ms = scan_ms_get(), gone = 0;
	struct attrs a;

	T_ASSERT(old_ms > 0, "read " SCAN_MS_PATH);
	T_OK(scan_ms_set(50));
	close(fds[0][0]);
	close(fds[MANY_PAIRS - 1][0]);
	fds[0][0] = fds[MANY_PAIRS - 1][0] = -1;
	for (int t = 0; t < 100 && gone < 2; t++) {
		usleep(50 * 1000);
		gone = (sock_get(&nl, first, &a) == -ENOENT) + (sock_get(&nl, last, &a) == -ENOENT);
	}
	scan_ms_set(old_ms);
	T_ASSERT(gone == 2, "closed sockets at both ends of %d not reaped within 5 s "
		 "(first %s, last %s)", 2 * MANY_PAIRS,
		 sock_get(&nl, first, &a) == -ENOENT ? "reaped" : "still there",
		 sock_get(&nl, last, &a) == -ENOENT ? "reaped" : "still there");
	for (int i = 0; i < MANY_PAIRS; i++) {
		if (fds[i][0] >= 0)
			T_OK(sock_unregister(&nl, cookie(fds[i][0]), -1, NULL));
		T_OK(sock_unregister(&nl, 0, fds[i][1], NULL));
		if (fds[i][0] >= 0)
			close(fds[i][0]);
		close(fds[i][1]);
	}
	free(ids.id);
	free(ids.uid);
	nl_close(&nl);
	return T_PASS;
}

static int test_offload_request(const void *arg)
{
	struct stats s0, s1;
	struct nl nl, ev;
	struct attrs e;
	int fds[2];
	uint64_t id;

	(void)arg;
	NEED_KTLS();
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	T_OK(pair(fds));
	id = cookie(fds[1]);
	T_OK(sock_register(&nl, fds[1], NULL));

	/* request, the server falls back */
	T_OK(sock_offload(&nl, id));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOAD_REQUEST, id, 3000, &e));
	T_OK(sock_register(&nl, fds[1], &(struct reg){ .fallback = "cipher not offloadable" }));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_FALLBACK, id, 3000, &e));
	T_ASSERT(a_str(&e, KTLSO_A_SOCK_FALLBACK) &&
		 !strcmp(a_str(&e, KTLSO_A_SOCK_FALLBACK), "cipher not offloadable"),
		 "EV_FALLBACK carries the reason");
	/* the request was answered: another fallback update is no event */
	T_OK(sock_register(&nl, fds[1], &(struct reg){ .fallback = "still not" }));
	T_ASSERT(ev_wait(&ev, KTLSO_CMD_EV_FALLBACK, id, 300, &e) == -ETIMEDOUT,
		 "EV_FALLBACK without a pending request");

	/* request, the server moves the socket into kTLS */
	T_OK(sock_offload(&nl, id));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOAD_REQUEST, id, 3000, &e));
	T_OK(ktls_setup(fds, TLS_1_3_VERSION, 0, true, true));
	T_OK(sock_register(&nl, fds[1], NULL));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_OFFLOADED, id, 3000, &e));
	T_ASSERT(sock_offload(&nl, id) == -EALREADY, "offload of a fully offloaded socket");
	T_ASSERT(sock_offload(&nl, 0xdead0000beefULL) == -ENOENT, "offload of an unknown socket");
	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_OFFLOAD_REQUESTS] ==
			 s0.v[KTLSO_A_STATS_OFFLOAD_REQUESTS] + 2,
		 "offload_requests must count 2");
	T_OK(sock_unregister(&nl, id, -1, NULL));
	close(fds[0]);
	close(fds[1]);
	nl_close(&nl);
	nl_close(&ev);
	return T_PASS;
}

static struct sockaddr_in sin4(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	inet_pton(AF_INET6, ip, &s.sin6_addr);
	return s;
}

static int test_policy(const void *arg)
{
	struct sockaddr_in a4 = sin4("127.0.0.1", 4433);
	struct sockaddr_in6 a6 = sin6("::", 4433);
	struct stats s0, s1;
	struct nl nl, ev;
	struct attrs a, e;
	int n0;

	(void)arg;
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	n0 = policy_dump_count(&nl);
	T_ASSERT(n0 >= 0, "policy dump: %s", t_strerror(n0));

	T_OK(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), KTLSO_MODE_TXRX,
					    KTLSO_CIPHER_MASK(TLS_CIPHER_AES_GCM_128), 1000, 80 },
			NULL));
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_POLICY_ADD, 0, 3000, &e));
	T_ASSERT(a_len(&e, KTLSO_A_POLICY_ADDR) == sizeof(a4) &&
		 !memcmp(e.tb[KTLSO_A_POLICY_ADDR] + 1, &a4, sizeof(a4)) &&
		 a_u8(&e, KTLSO_A_POLICY_MODE) == KTLSO_MODE_TXRX &&
		 a_u32(&e, KTLSO_A_POLICY_CIPHERS) == KTLSO_CIPHER_MASK(TLS_CIPHER_AES_GCM_128) &&
		 a_u64(&e, KTLSO_A_POLICY_REC_LIMIT) == 1000 &&
		 a_u8(&e, KTLSO_A_POLICY_WARN_PCT) == 80, "EV_POLICY_ADD event differs");
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_GET, &a4, sizeof(a4), &a));
	T_ASSERT(a_u8(&a, KTLSO_A_POLICY_MODE) == KTLSO_MODE_TXRX &&
		 a_u64(&a, KTLSO_A_POLICY_REC_LIMIT) == 1000, "POLICY_GET differs");

	/* replace: defaults for what is not given */
	T_OK(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), KTLSO_MODE_TX, 0, 0, -1 }, NULL));
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_GET, &a4, sizeof(a4), &a));
	T_ASSERT(a_u8(&a, KTLSO_A_POLICY_MODE) == KTLSO_MODE_TX &&
		 a_u32(&a, KTLSO_A_POLICY_CIPHERS) == 0 &&
		 a_u64(&a, KTLSO_A_POLICY_REC_LIMIT) == 0 &&
		 a_u8(&a, KTLSO_A_POLICY_WARN_PCT) == KTLSO_WARN_PCT_DEFAULT,
		 "replaced policy differs");
	T_OK(policy_add(&nl, &(struct pol){ &a6, sizeof(a6), KTLSO_MODE_OFF, 0, 0, -1 }, NULL));
	T_ASSERT(policy_dump_count(&nl) == n0 + 2, "dump count %d, want %d",
		 policy_dump_count(&nl), n0 + 2);
	T_OK(get_stats(&nl, &s1));
	T_ASSERT(s1.v[KTLSO_A_STATS_POLICIES] == s0.v[KTLSO_A_STATS_POLICIES] + 2,
		 "stats policies");

	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &a4, sizeof(a4), NULL));
	for (;;) {	/* the first DEL event may be preceded by the ADD events */
		T_OK(ev_wait(&ev, KTLSO_CMD_EV_POLICY_DEL, 0, 3000, &e));
		if (a_len(&e, KTLSO_A_POLICY_ADDR) == sizeof(a4))
			break;
	}
	T_ASSERT(a_u8(&e, KTLSO_A_POLICY_MODE) == KTLSO_MODE_TX, "EV_POLICY_DEL event: as it was");
	T_ASSERT(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_GET, &a4, sizeof(a4), &a) == -ENOENT,
		 "deleted policy still there");
	T_ASSERT(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &a4, sizeof(a4), NULL) == -ENOENT,
		 "second delete");
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &a6, sizeof(a6), NULL));
	T_ASSERT(policy_dump_count(&nl) == n0, "dump count after deletes");
	nl_close(&nl);
	nl_close(&ev);
	return T_PASS;
}

/* listen on [::]:0 (dual stack), connect over IPv4: the accepted socket is v4-mapped */
static int mapped_pair(int fds[2], uint16_t *port)
{
	struct sockaddr_in6 l6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(l6);
	struct sockaddr_in c4;
	int lfd, zero = 0;

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&l6, sizeof(l6)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&l6, &len) < 0)
		goto fail;
	*port = ntohs(l6.sin6_port);
	c4 = sin4("127.0.0.1", *port);
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&c4, sizeof(c4)) < 0)
		goto fail;
	fds[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fds[1] < 0)
		goto fail;
	close(lfd);
	return 0;
fail:
	close(lfd);
	return -errno;
}

static uint64_t limit_of(struct nl *nl, uint64_t id)
{
	struct attrs a;

	return sock_get(nl, id, &a) ? ~0ULL : a_u64(&a, KTLSO_A_SOCK_REC_LIMIT);
}

static int test_policy_match(const void *arg)
{
	const struct reg gcm = { .cipher = TLS_CIPHER_AES_GCM_128 };
	struct sockaddr_in any4, exact4;
	struct sockaddr_in6 any6, exact6;
	struct sockaddr_in6 local;
	struct attrs a;
	struct nl nl;
	int m[2] = { -1, -1 }, p[2];
	uint16_t mport = 0, pport;
	uint64_t mid, pid;

	(void)arg;
	OPEN(&nl);
	T_OK(mapped_pair(m, &mport));
	T_OK(pair(p));
	{
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);

		getsockname(p[1], (struct sockaddr *)&sa, &len);
		pport = ntohs(sa.sin_port);
	}
	mid = cookie(m[1]);
	pid = cookie(p[1]);
	T_OK(sock_register(&nl, m[1], &gcm));
	T_OK(sock_register(&nl, p[1], &gcm));
	T_OK(sock_get(&nl, mid, &a));
	T_ASSERT(a_len(&a, KTLSO_A_SOCK_LOCAL) == sizeof(local), "v4-mapped local is AF_INET6");
	memcpy(&local, a.tb[KTLSO_A_SOCK_LOCAL] + 1, sizeof(local));
	T_ASSERT(local.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&local.sin6_addr) &&
		 ntohs(local.sin6_port) == mport, "local address of the mapped socket");

	any4 = sin4("0.0.0.0", mport);
	any6 = sin6("::", mport);
	exact6 = sin6("::ffff:127.0.0.1", mport);
	T_OK(policy_add(&nl, &(struct pol){ &any4, sizeof(any4), KTLSO_MODE_TXRX, 0, 111, -1 },
			NULL));
	T_ASSERT(limit_of(&nl, mid) == KTLSO_REC_LIMIT_AES_GCM,
		 "an AF_INET policy matched a v4-mapped AF_INET6 socket");
	T_OK(policy_add(&nl, &(struct pol){ &any6, sizeof(any6), KTLSO_MODE_TXRX, 0, 222, -1 },
			NULL));
	T_ASSERT(limit_of(&nl, mid) == 222, "wildcard [::] policy: %llu",
		 (unsigned long long)limit_of(&nl, mid));
	T_OK(policy_add(&nl, &(struct pol){ &exact6, sizeof(exact6), KTLSO_MODE_TXRX, 0, 333, -1 },
			NULL));
	T_ASSERT(limit_of(&nl, mid) == 333, "exact policy must win over the wildcard");

	any4 = sin4("0.0.0.0", pport);
	exact4 = sin4("127.0.0.1", pport);
	T_OK(policy_add(&nl, &(struct pol){ &any4, sizeof(any4), KTLSO_MODE_TXRX, 0, 444, -1 },
			NULL));
	T_ASSERT(limit_of(&nl, pid) == 444, "wildcard 0.0.0.0 policy");
	T_OK(policy_add(&nl, &(struct pol){ &exact4, sizeof(exact4), KTLSO_MODE_TXRX, 0, 555, -1 },
			NULL));
	T_ASSERT(limit_of(&nl, pid) == 555, "exact IPv4 policy");
	/* the connecting end's port is not the listener's */
	T_OK(sock_register(&nl, p[0], &gcm));
	T_ASSERT(limit_of(&nl, cookie(p[0])) == KTLSO_REC_LIMIT_AES_GCM, "client end matched");

	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &exact4, sizeof(exact4), NULL));
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &any4, sizeof(any4), NULL));
	T_ASSERT(limit_of(&nl, pid) == KTLSO_REC_LIMIT_AES_GCM, "back to the default");
	any4 = sin4("0.0.0.0", mport);
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &any4, sizeof(any4), NULL));
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &any6, sizeof(any6), NULL));
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &exact6, sizeof(exact6), NULL));
	T_OK(sock_unregister(&nl, mid, -1, NULL));
	T_OK(sock_unregister(&nl, pid, -1, NULL));
	T_OK(sock_unregister(&nl, 0, p[0], NULL));
	close(m[0]), close(m[1]), close(p[0]), close(p[1]);
	nl_close(&nl);
	return T_PASS;
}

/* A TCP pair whose accepted end, fds[1], has the local address a (listening on exactly a). */
static int pm_pair(const struct pm_addr *a, int fds[2])
{
	struct sockaddr_storage ss;
	socklen_t len = pm_sockaddr(a, &ss);
	int lfd, zero = 0, one = 1, err = 0;

	fds[0] = fds[1] = -1;
	lfd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET6)	/* ::ffff:a.b.c.d: an IPv4 listener of an AF_INET6 socket */
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	fds[0] = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1) < 0 ||
	    connect(fds[0], (struct sockaddr *)&ss, len) < 0 ||
	    (fds[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		err = -errno;
		if (fds[0] >= 0)
			close(fds[0]);
	}
	close(lfd);
	return err;
}

/*
 * The module on the case table the library is unit-tested with (tests/lib/policy_cases.h):
 * a socket accepted on each case's address, the case's policies added, each with a
 * record limit of its own, and the limit the module applies names the policy it chose.
 */
static int test_policy_match_table(const void *arg)
{
	const struct reg gcm = { .cipher = TLS_CIPHER_AES_GCM_128 };
	struct nl nl;

	(void)arg;
	OPEN(&nl);
	for (size_t i = 0; i < PM_N_CASES; i++) {
		const struct pm_case *c = &pm_cases[i];
		struct sockaddr_storage pa[PM_MAX_POLICIES];
		socklen_t plen[PM_MAX_POLICIES];
		uint64_t want, got;
		int fds[2];

		T_ASSERT(!pm_pair(&c->local, fds), "%s: a socket on %s:%u: %s", c->name, c->local.ip,
			 c->local.port, strerror(errno));
		T_OK(sock_register(&nl, fds[1], &gcm));
		for (int j = 0; j < c->npol; j++) {
			plen[j] = pm_sockaddr(&c->pol[j], &pa[j]);
			T_OK(policy_add(&nl, &(struct pol){ &pa[j], plen[j], KTLSO_MODE_TXRX, 0,
							    1000 + (uint64_t)j, -1 }, NULL));
		}
		got = limit_of(&nl, cookie(fds[1]));
		want = c->want >= 0 ? 1000 + (uint64_t)c->want : KTLSO_REC_LIMIT_AES_GCM;
		for (int j = 0; j < c->npol; j++)
			T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &pa[j], plen[j], NULL));
		T_OK(sock_unregister(&nl, 0, fds[1], NULL));
		close(fds[0]);
		close(fds[1]);
		T_ASSERT(got == want, "%s: the module applies record limit %llu, want %llu (policy %d)",
			 c->name, (unsigned long long)got, (unsigned long long)want, c->want);
	}
	nl_close(&nl);
	return T_PASS;
}

/*
 * The key-usage guard on a kTLS pair: TX warned once past warn_pct, once per key. arg
 * NULL: a new key generation whose TX key is the same (the server rekeyed RX, or asked the
 * client to) warns no more. arg non-NULL: a new TX key (kernels that rekey, 6.14+), whose
 * records count from 0, is warned about again at its own mark.
 */
static int test_key_limit(const void *arg)
{
	bool new_key = arg != NULL;
	struct sockaddr_in lsn;
	socklen_t len = sizeof(lsn);
	struct stats s0, s1;
	struct kso_dir_keys k;
	struct nl nl, ev;
	struct attrs e;
	int fds[2], old_ms, err = T_PASS;
	uint64_t id, want_events = 1;

	NEED_KTLS();
	old_ms = scan_ms_get();
	T_ASSERT(old_ms > 0, "read " SCAN_MS_PATH);
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	T_OK(pair(fds));
	/* fds[1] is the accepted end: its local address is the listener's */
	getsockname(fds[1], (struct sockaddr *)&lsn, &len);
	T_OK(policy_add(&nl, &(struct pol){ &lsn, sizeof(lsn), KTLSO_MODE_TXRX, 0, 20, 50 }, NULL));
	T_OK(ktls_setup(fds, TLS_1_3_VERSION, 0, false, true));
	id = cookie(fds[1]);
	T_OK(scan_ms_set(50));
	T_OK(sock_register(&nl, fds[1], NULL));
	/* 9 records: below 50 % of 20 */
	T_OK(send_records(fds[1], fds[0], 9));
	if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 1500, &e) != -ETIMEDOUT) {
		err = t_fail("EV_KEY_LIMIT at 9 of 20 records, warn_pct 50");
		goto out;
	}
	T_OK(send_records(fds[1], fds[0], 3));
	if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 5000, &e)) {
		err = t_fail("no EV_KEY_LIMIT after 12 of 20 records, warn_pct 50");
		goto out;
	}
	/* the scan may have read the counter while the last records went out */
	if (a_u8(&e, KTLSO_A_KEY_DIR) != KTLSO_DIR_TX || !e.tb[KTLSO_A_KEY_DIR] ||
	    a_u64(&e, KTLSO_A_SOCK_TX_SEQ) < 10 || a_u64(&e, KTLSO_A_SOCK_TX_SEQ) > 12 ||
	    a_u64(&e, KTLSO_A_SOCK_REC_LIMIT) != 20) {
		err = t_fail("EV_KEY_LIMIT: dir %u tx_seq %llu limit %llu", a_u8(&e, KTLSO_A_KEY_DIR),
			     (unsigned long long)a_u64(&e, KTLSO_A_SOCK_TX_SEQ),
			     (unsigned long long)a_u64(&e, KTLSO_A_SOCK_REC_LIMIT));
		goto out;
	}
	/* once per key generation */
	if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 1000, &e) != -ETIMEDOUT) {
		err = t_fail("EV_KEY_LIMIT repeated for the same key generation");
		goto out;
	}
	if (!new_key) {
		/*
		 * Key generation 1 with the same TX key: before, this warned again, and a
		 * server asking its client for a new RX key (which rekeys its own TX) was
		 * told about RX, and asked again, at every scan until the client answered.
		 */
		T_OK(sock_register(&nl, fds[1], &(struct reg){ .key_gen = 1 }));
		if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 1000, &e) != -ETIMEDOUT) {
			err = t_fail("EV_KEY_LIMIT again after key generation 1, whose TX key is "
				     "the same (dir %u, key_gen %u)", a_u8(&e, KTLSO_A_KEY_DIR),
				     a_u32(&e, KTLSO_A_SOCK_KEY_GEN));
			goto out;
		}
	} else {
		/* the next TX key; the records (not read: RX keeps the old key) count from 0 */
		make_keys(TLS_1_3_VERSION, KSO_AES_128_GCM, 0, &k);
		err = kso_ktls_install(fds[1], KSO_TX, &k);
		kso_dir_keys_wipe(&k);
		if (err == -EBUSY) {
			err = t_skip("this kernel cannot rekey kTLS (TLS_TX again: EBUSY; 6.14+ can)");
			goto out;
		}
		if (!err)
			err = sock_register(&nl, fds[1], &(struct reg){ .key_gen = 1 });
		for (int i = 0; i < 9 && !err; i++)
			err = write(fds[1], "next key", 8) == 8 ? 0 : -errno;
		if (err) {
			err = t_fail("the next TX key, registered, 9 records: %s", t_strerror(err));
			goto out;
		}
		if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 1500, &e) != -ETIMEDOUT) {
			err = t_fail("EV_KEY_LIMIT at 9 records of the new key");
			goto out;
		}
		for (int i = 0; i < 3 && !err; i++)
			err = write(fds[1], "next key", 8) == 8 ? 0 : -errno;
		if (err) {
			err = t_fail("3 more records: %s", t_strerror(err));
			goto out;
		}
		if (ev_wait(&ev, KTLSO_CMD_EV_KEY_LIMIT, id, 5000, &e) ||
		    a_u8(&e, KTLSO_A_KEY_DIR) != KTLSO_DIR_TX ||
		    a_u32(&e, KTLSO_A_SOCK_KEY_GEN) != 1 || a_u64(&e, KTLSO_A_SOCK_TX_SEQ) < 10 ||
		    a_u64(&e, KTLSO_A_SOCK_TX_SEQ) > 12) {
			err = t_fail("no EV_KEY_LIMIT for TX at 10 to 12 records of the new key");
			goto out;
		}
		want_events = 2;
	}
	T_OK(get_stats(&nl, &s1));
	if (s1.v[KTLSO_A_STATS_KEY_LIMIT_EVENTS] != s0.v[KTLSO_A_STATS_KEY_LIMIT_EVENTS] + want_events)
		err = t_fail("key_limit_events moved by %llu, want %llu",
			     (unsigned long long)(s1.v[KTLSO_A_STATS_KEY_LIMIT_EVENTS] -
						  s0.v[KTLSO_A_STATS_KEY_LIMIT_EVENTS]),
			     (unsigned long long)want_events);
out:
	scan_ms_set(old_ms);
	policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &lsn, sizeof(lsn), NULL);
	sock_unregister(&nl, id, -1, NULL);
	close(fds[0]);
	close(fds[1]);
	nl_close(&nl);
	nl_close(&ev);
	return err;
}

static int test_reap_on_close(const void *arg)
{
	struct stats s0, s1;
	struct nl nl, ev;
	struct attrs a, e;
	int fds[2], old_ms, err = T_PASS;
	uint64_t id;

	(void)arg;
	NEED_KTLS();
	old_ms = scan_ms_get();
	T_ASSERT(old_ms > 0, "read " SCAN_MS_PATH);
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &s0));
	T_OK(ktls_pair(fds, TLS_1_3_VERSION, 0));
	id = cookie(fds[0]);
	T_OK(scan_ms_set(50));
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(send_records(fds[0], fds[1], 3));
	usleep(300 * 1000);	/* a few scans read the counters */
	close(fds[0]);
	if (ev_wait(&ev, KTLSO_CMD_EV_CLOSED, id, 5000, &e)) {
		err = t_fail("no EV_CLOSED within 5 s of close() at scan_ms 50");
		goto out;
	}
	if (!a_str(&e, KTLSO_A_SOCK_CLOSE_REASON) ||
	    strcmp(a_str(&e, KTLSO_A_SOCK_CLOSE_REASON), "closed") ||
	    a_u64(&e, KTLSO_A_SOCK_TX_SEQ) != 3 || a_u8(&e, KTLSO_A_SOCK_TX_CONF) != KTLSO_CONF_SW) {
		err = t_fail("EV_CLOSED: reason %s tx_seq %llu conf %u",
			     a_str(&e, KTLSO_A_SOCK_CLOSE_REASON) ?: "(none)",
			     (unsigned long long)a_u64(&e, KTLSO_A_SOCK_TX_SEQ),
			     a_u8(&e, KTLSO_A_SOCK_TX_CONF));
		goto out;
	}
	if (sock_get(&nl, id, &a) != -ENOENT) {
		err = t_fail("a reaped socket is still registered");
		goto out;
	}
	T_OK(get_stats(&nl, &s1));
	if (s1.v[KTLSO_A_STATS_REAPED] < s0.v[KTLSO_A_STATS_REAPED] + 1)
		err = t_fail("stats reaped did not move");
out:
	scan_ms_set(old_ms);
	close(fds[1]);
	nl_close(&nl);
	nl_close(&ev);
	return err;
}

/* An error reply with an extended ack naming an attribute. */
#define T_EINVAL_ATTR(call, r)							\
	do {									\
		int e_ = (call);						\
		T_ASSERT(e_ == -EINVAL, "%s: %s, want EINVAL", #call, t_strerror(e_)); \
		T_ASSERT((r)->bad_off > 0 || (r)->miss_type >= 0,		\
			 "%s: the extended ack names no attribute", #call);	\
	} while (0)

static int raw_cmd(struct nl *nl, uint8_t cmd, uint16_t type, const void *data, size_t len,
		   struct result *r)
{
	struct msg m;

	ktlso_start(nl, &m, cmd, 0);
	if (data)
		msg_put(&m, type, data, len);
	return nl_xfer(nl, &m, NULL, NULL, r);
}

static int test_errors(const void *arg)
{
	struct sockaddr_in a4 = sin4("127.0.0.1", 1);
	struct sockaddr_in6 a6 = sin6("::1", 1);
	struct result r;
	struct attrs a;
	struct msg m;
	struct nl nl;
	int fd, p[2], err;
	char big[200];

	(void)arg;
	OPEN(&nl);
	T_ASSERT(sock_register(&nl, 9999, NULL) == -EBADF, "bad fd");
	T_ASSERT(sock_register(&nl, -1, NULL) == -EBADF, "negative fd");
	T_ASSERT(pipe(p) == 0, "pipe");
	T_ASSERT(sock_register(&nl, p[0], NULL) == -ENOTSOCK, "a pipe");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	err = sock_register(&nl, fd, NULL);
	T_ASSERT(err == -EPROTONOSUPPORT, "UDP socket: %s", t_strerror(err));
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	T_ASSERT(sock_register(&nl, fd, NULL) == -EPROTONOSUPPORT, "AF_UNIX stream socket");
	close(fd);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_REGISTER, 0, NULL, 0, &r), &r);
	T_ASSERT(r.miss_type < 0 || r.miss_type == KTLSO_A_SOCK_FD, "missing attr %d", r.miss_type);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_UNREGISTER, 0, NULL, 0, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_GET, 0, NULL, 0, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_OFFLOAD, 0, NULL, 0, &r), &r);
	T_ASSERT(sock_get(&nl, 0xdead0000beefULL, &a) == -ENOENT, "SOCK_GET unknown id");
	T_ASSERT(sock_unregister(&nl, 0xdead0000beefULL, -1, NULL) == -ENOENT, "unregister");
	T_ASSERT(sock_offload(&nl, 0xdead0000beefULL) == -ENOENT, "offload unknown id");

	/* the socket must be in the request's network namespace */
	{
		int tcp;

		T_ASSERT(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
		tcp = socket(AF_INET, SOCK_STREAM, 0);
		err = sock_register(&nl, tcp, NULL);
		T_ASSERT(err == -EXDEV, "socket of another netns: %s", t_strerror(err));
		close(tcp);
	}

	/* sockaddrs: exact sizes and matching families */
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, 7, 1, 0, 0, -1 }, &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4) + 4, 1, 0, 0, -1 }, &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a6, sizeof(a6) - 1, 1, 0, 0, -1 }, &r), &r);
	{
		uint8_t longer[sizeof(a6) + 12] = { 0 };	/* longer than any sockaddr */

		memcpy(longer, &a6, sizeof(a6));
		T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ longer, sizeof(longer), 1, 0, 0, -1 },
					 &r), &r);
	}
	{
		struct sockaddr_in6 wrong = a6;

		wrong.sin6_family = AF_INET;
		T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &wrong, sizeof(wrong), 1, 0, 0, -1 },
					 &r), &r);
		wrong.sin6_family = AF_UNIX;
		T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &wrong, sizeof(wrong), 1, 0, 0, -1 },
					 &r), &r);
	}
	{
		struct sockaddr_in wrong = a4;

		wrong.sin_family = AF_INET6;
		T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &wrong, sizeof(wrong), 1, 0, 0, -1 },
					 &r), &r);
	}
	T_ASSERT(r.ext_msg[0], "no extended ack message");
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), 1, 0, 0, 0 }, &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), 1, 0, 0, 101 }, &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), __KTLSO_MODE_MAX, 0, 0, -1 },
				 &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), 1, 1, 0, -1 }, &r), &r);
	T_EINVAL_ATTR(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), -1, 0, 0, -1 }, &r), &r);
	T_ASSERT(r.miss_type < 0 || r.miss_type == KTLSO_A_POLICY_MODE, "missing mode");
	T_ASSERT(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_GET, &a4, sizeof(a4), &a) == -ENOENT,
		 "a rejected policy was stored");
	T_ASSERT(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &a6, sizeof(a6), NULL) == -ENOENT,
		 "delete of an unknown policy");

	/* attributes: unknown type, wrong size, PAD, strings */
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_GET_VERSION, KTLSO_A_MAX + 1, "abcd", 4, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_GET_VERSION, 1000, "abcd", 4, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_GET, KTLSO_A_SOCK_ID, "abcd", 4, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_REGISTER, KTLSO_A_SOCK_FD, "ab", 2, &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_STATS, KTLSO_A_PAD, "abcd", 4, &r), &r);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 0;
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_UNREGISTER, KTLSO_A_SOCK_CLOSE_REASON, big,
			      sizeof(big), &r), &r);
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_UNREGISTER, KTLSO_A_SOCK_CLOSE_REASON, "abc", 3,
			      &r), &r);	/* not NUL-terminated */
	memset(big, 0, sizeof(big));	/* a short string in a long attribute */
	strcpy(big, "short");
	T_EINVAL_ATTR(raw_cmd(&nl, KTLSO_CMD_SOCK_UNREGISTER, KTLSO_A_SOCK_CLOSE_REASON, big,
			      sizeof(big), &r), &r);

	/* header: reserved field, unknown commands, dump of a doit-only command */
	ktlso_start(&nl, &m, KTLSO_CMD_GET_VERSION, 0);
	((struct genlmsghdr *)NLMSG_DATA(&m.nh))->reserved = 1;
	err = nl_xfer(&nl, &m, NULL, NULL, NULL);
	T_ASSERT(err == -EINVAL, "reserved != 0: %s", t_strerror(err));
	err = raw_cmd(&nl, 200, 0, NULL, 0, NULL);
	T_ASSERT(err == -EOPNOTSUPP, "unknown command: %s", t_strerror(err));
	err = raw_cmd(&nl, KTLSO_CMD_EV_CLOSED, 0, NULL, 0, NULL);
	T_ASSERT(err == -EOPNOTSUPP, "an event as a command: %s", t_strerror(err));
	err = raw_cmd(&nl, KTLSO_CMD_EV_POLICY_ADD, 0, NULL, 0, NULL);
	T_ASSERT(err == -EOPNOTSUPP, "a policy event as a command: %s", t_strerror(err));
	err = raw_cmd(&nl, KTLSO_CMD_UNSPEC, 0, NULL, 0, NULL);
	T_ASSERT(err == -EOPNOTSUPP, "command 0: %s", t_strerror(err));
	ktlso_start(&nl, &m, KTLSO_CMD_STATS, NLM_F_DUMP);
	err = nl_xfer(&nl, &m, NULL, NULL, NULL);
	T_ASSERT(err == -EOPNOTSUPP, "dump of STATS: %s", t_strerror(err));
	close(p[0]);
	close(p[1]);
	nl_close(&nl);
	return T_PASS;
}

/* A well-formed payload of a row's kind, into data; its length. */
static size_t attr_sample(const struct attr_row *row, uint8_t *data)
{
	static const size_t sizes[] = {
		[K_U8] = 1, [K_U16] = 2, [K_U32] = 4, [K_S32] = 4, [K_U64] = 8, [K_MASK32] = 4,
		[K_STRING] = 2, [K_PAD] = 4,
	};
	struct sockaddr_in a4 = sin4("127.0.0.1", 1);

	memset(data, 0, 32);
	if (row->kind == K_SOCKADDR) {
		memcpy(data, &a4, sizeof(a4));
		return sizeof(a4);
	}
	if (row->kind == K_STRING)
		data[0] = 'x';
	else if (row->kind != K_MASK32)
		data[0] = 1;
	return sizes[row->kind];
}

/*
 * Per-command policies: every command rejects, with -EINVAL and an extended ACK naming
 * both, a well-formed attribute it does not take; and never so one it takes.
 */
static int test_reject_untaken(const void *arg)
{
	struct result r;
	struct nl nl;
	int rejected = 0, err;

	(void)arg;
	OPEN(&nl);
	for (size_t c = 0; c < N_REQ_CMDS; c++)
		for (size_t i = 0; i < N_ATTR_ROWS; i++) {
			const struct attr_row *row = &attr_rows[i];
			bool takes = row->cmds & 1u << req_cmds[c].cmd;
			uint8_t data[32];
			char want[128];

			snprintf(want, sizeof(want), "KTLSO_CMD_%s does not take KTLSO_A_%s",
				 req_cmds[c].name, row->name);
			err = raw_cmd(&nl, req_cmds[c].cmd, row->type, data, attr_sample(row, data),
				      &r);
			if (takes) {
				T_ASSERT(!strstr(r.ext_msg, "does not take"),
					 "%s rejects an attribute it takes: %s",
					 req_cmds[c].name, r.ext_msg);
				continue;
			}
			T_ASSERT(err == -EINVAL, "KTLSO_CMD_%s with KTLSO_A_%s: %s, want EINVAL",
				 req_cmds[c].name, row->name, t_strerror(err));
			T_ASSERT(r.bad_off > 0, "KTLSO_CMD_%s with KTLSO_A_%s: the extended ack "
				 "names no attribute", req_cmds[c].name, row->name);
			T_ASSERT(!strcmp(r.ext_msg, want), "extended ack \"%s\", want \"%s\"",
				 r.ext_msg, want);
			rejected++;
		}
	/* 9 commands x 38 attributes, less the 17 that a command takes */
	T_ASSERT(rejected == 9 * 38 - 17, "%d rejections, want %d", rejected, 9 * 38 - 17);
	nl_close(&nl);
	return T_PASS;
}

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

/*
 * Each network namespace has its own sockets, policies and counters; a namespace with
 * registered sockets goes away once they are closed (reaped, references dropped).
 */
static int test_netns_isolation(const void *arg)
{
	struct sockaddr_in a4 = sin4("127.0.0.1", 7777);
	struct stats outer0, outer1, inner;
	struct nl outer, nl, ev;
	struct ids ids;
	struct attrs e;
	int fds[2];
	uint64_t id;

	(void)arg;
	OPEN(&outer);
	T_OK(get_stats(&outer, &outer0));
	T_ASSERT(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	T_OK(lo_up());
	OPEN(&nl);
	T_OK(ev_open(&ev));
	T_OK(get_stats(&nl, &inner));
	T_ASSERT(inner.v[KTLSO_A_STATS_SOCKS] == 0 && inner.v[KTLSO_A_STATS_REGISTERED] == 0 &&
		 inner.v[KTLSO_A_STATS_POLICIES] == 0, "a new namespace starts empty");
	T_OK(pair(fds));
	id = cookie(fds[0]);
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), KTLSO_MODE_TX, 0, 0, -1 }, NULL));
	/* the request's namespace decides: the outer socket cannot name the inner one */
	T_ASSERT(sock_register(&outer, fds[1], NULL) == -EXDEV, "register across namespaces");
	T_OK(sock_dump(&outer, &ids, NULL));
	T_ASSERT(ids_count(&ids, id) == 0, "the outer namespace dumps an inner socket");
	free(ids.id);
	free(ids.uid);
	T_ASSERT(policy_addr_cmd(&outer, KTLSO_CMD_POLICY_GET, &a4, sizeof(a4), &e) == -ENOENT,
		 "the outer namespace sees an inner policy");
	T_OK(get_stats(&outer, &outer1));
	T_ASSERT(outer1.v[KTLSO_A_STATS_REGISTERED] == outer0.v[KTLSO_A_STATS_REGISTERED] &&
		 outer1.v[KTLSO_A_STATS_POLICIES] == outer0.v[KTLSO_A_STATS_POLICIES],
		 "inner registrations counted outside");
	/* closed: reaped in the inner namespace, its event sent there */
	close(fds[0]);
	close(fds[1]);
	T_OK(ev_wait(&ev, KTLSO_CMD_EV_CLOSED, id, 5000, &e));
	T_OK(get_stats(&nl, &inner));
	T_ASSERT(inner.v[KTLSO_A_STATS_REAPED] == 1 && inner.v[KTLSO_A_STATS_SOCKS] == 0,
		 "inner stats after the reap");
	/* leave the policy: the namespace's exit frees it */
	nl_close(&nl);
	nl_close(&ev);
	nl_close(&outer);
	return T_PASS;
}

/*
 * Every admin command (include/uapi/linux/ktlso.h) sent on nl, about socket fd: -EPERM,
 * with an extended ACK that names the capability missing.
 */
static int admin_denied(struct nl *nl, int fd)
{
	static const struct {
		uint8_t cmd;
		uint16_t flags;
		const char *name;
	} cmds[] = {
		{ KTLSO_CMD_SOCK_REGISTER, 0, "SOCK_REGISTER" },
		{ KTLSO_CMD_SOCK_UNREGISTER, 0, "SOCK_UNREGISTER" },
		{ KTLSO_CMD_SOCK_OFFLOAD, 0, "SOCK_OFFLOAD" },
		{ KTLSO_CMD_POLICY_ADD, 0, "POLICY_ADD" },
		{ KTLSO_CMD_POLICY_DEL, 0, "POLICY_DEL" },
		{ KTLSO_CMD_POLICY_GET, 0, "POLICY_GET" },
		{ KTLSO_CMD_POLICY_GET, NLM_F_DUMP, "POLICY_GET dump" },
		{ KTLSO_CMD_STATS, 0, "STATS" },
	};
	struct sockaddr_in a4 = sin4("127.0.0.1", 5555);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct result r;
		struct msg m;
		int err;

		ktlso_start(nl, &m, cmds[i].cmd, cmds[i].flags);
		switch (cmds[i].cmd) {
		case KTLSO_CMD_SOCK_REGISTER:
			put_s32(&m, KTLSO_A_SOCK_FD, fd);
			break;
		case KTLSO_CMD_SOCK_UNREGISTER:
		case KTLSO_CMD_SOCK_OFFLOAD:
			put_u64(&m, KTLSO_A_SOCK_ID, cookie(fd));
			break;
		case KTLSO_CMD_POLICY_ADD:
			put_u8(&m, KTLSO_A_POLICY_MODE, KTLSO_MODE_OFF);
			/* fall through */
		case KTLSO_CMD_POLICY_DEL:
		case KTLSO_CMD_POLICY_GET:
			if (!(cmds[i].flags & NLM_F_DUMP))
				msg_put(&m, KTLSO_A_POLICY_ADDR, &a4, sizeof(a4));
			break;
		}
		err = nl_xfer(nl, &m, NULL, NULL, &r);
		T_ASSERT(err == -EPERM, "%s without the capability: %s", cmds[i].name,
			 t_strerror(err));
		T_ASSERT(strstr(r.ext_msg, "needs CAP_NET_ADMIN in the initial user namespace"),
			 "%s: extended ACK '%s'", cmds[i].name, r.ext_msg);
	}
	return T_PASS;
}

struct perm_ctx {
	int root_fd, nobody_fd, pipe_fd;
	uint64_t root_id, nobody_id;
	struct nl root_opened;	/* a netlink socket root opened, used after setuid */
};

static int nobody_checks(void *arg)
{
	struct sockaddr_in a4 = sin4("127.0.0.1", 5555);
	struct perm_ctx *c = arg;
	struct attrs a;
	struct ids ids;
	struct nl nl, ev;
	char ver[64];
	uint32_t proto;
	int err;

	OPEN(&nl);
	T_OK(get_version(&nl, ver, sizeof(ver), &proto));
	/* changes, policies (every listener) and counters (every user's): admins only */
	if (admin_denied(&nl, c->nobody_fd) != T_PASS)
		return T_FAIL;
	T_ASSERT(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), 1, 0, 0, -1 }, NULL) == -EPERM,
		 "POLICY_ADD");

	/* only its own sockets */
	T_OK(sock_dump(&nl, &ids, NULL));
	T_ASSERT(ids_count(&ids, c->nobody_id) == 1, "nobody does not see its own socket");
	T_ASSERT(ids_count(&ids, c->root_id) == 0, "nobody sees root's socket");
	for (size_t i = 0; i < ids.n; i++)
		T_ASSERT(ids.uid[i] == NOBODY, "nobody sees a socket of uid %u", ids.uid[i]);
	T_ASSERT(sock_get(&nl, c->root_id, &a) == -ENOENT, "SOCK_GET of root's socket");
	T_OK(sock_get(&nl, c->nobody_id, &a));
	T_ASSERT(a_u32(&a, KTLSO_A_SOCK_UID) == NOBODY, "uid %u", a_u32(&a, KTLSO_A_SOCK_UID));

	/* events name every socket: CAP_NET_ADMIN only */
	err = ev_open(&ev);
	T_ASSERT(err == -EPERM, "subscribing as nobody: %s", t_strerror(err));

	/* a netlink socket root opened does not lend its privileges */
	T_ASSERT(sock_register(&c->root_opened, c->nobody_fd, NULL) == -EPERM,
		 "REGISTER through a socket root opened");
	T_OK(sock_dump(&c->root_opened, &ids, NULL));
	T_ASSERT(ids_count(&ids, c->root_id) == 0, "root's socket seen through root's netlink fd");
	nl_close(&nl);
	return T_PASS;
}

static int test_permissions(const void *arg)
{
	struct perm_ctx c;
	int rp[2], np[2], rc;
	struct nl nl;

	(void)arg;
	OPEN(&nl);
	T_OK(pair(rp));
	/* a socket's owner is the fsuid that created it */
	setfsuid(NOBODY);
	rc = pair(np);
	setfsuid(0);
	T_OK(rc);
	c.root_fd = rp[0];
	c.nobody_fd = np[0];
	c.root_id = cookie(rp[0]);
	c.nobody_id = cookie(np[0]);
	T_OK(sock_register(&nl, rp[0], NULL));
	T_OK(sock_register(&nl, np[0], NULL));
	T_OK(nl_open(&c.root_opened));
	rc = as_nobody(nobody_checks, &c);
	T_OK(sock_unregister(&nl, c.root_id, -1, NULL));
	T_OK(sock_unregister(&nl, c.nobody_id, -1, NULL));
	close(rp[0]), close(rp[1]), close(np[0]), close(np[1]);
	nl_close(&c.root_opened);
	nl_close(&nl);
	return rc;
}

/*
 * A user namespace of one's own (unshare -Urn, here as nobody) gives no power over the
 * module: every admin command fails in the new network namespace, whose owner the caller
 * now is, until the module parameter userns_admin opens them to that owner.
 */
#define USERNS_ADMIN_PATH "/sys/module/ktlso/parameters/userns_admin"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

/* As nobody: a user namespace mapping nobody to root, and a network namespace it owns. */
static int enter_userns(void)
{
	/* setuid() made the process undumpable: /proc/self would be root's */
	T_ASSERT(prctl(PR_SET_DUMPABLE, 1) == 0, "PR_SET_DUMPABLE: %s", strerror(errno));
	T_ASSERT(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0, "unshare(NEWUSER|NEWNET): %s",
		 strerror(errno));
	T_OK(write_file("/proc/self/setgroups", "deny"));
	T_OK(write_file("/proc/self/uid_map", "0 65534 1"));
	T_OK(write_file("/proc/self/gid_map", "0 65534 1"));
	T_OK(lo_up());
	return T_PASS;
}

static int userns_denied(void *arg)
{
	struct nl nl;
	int fds[2];

	(void)arg;
	if (enter_userns() != T_PASS)
		return T_FAIL;
	OPEN(&nl);
	T_OK(pair(fds));
	if (admin_denied(&nl, fds[0]) != T_PASS)
		return T_FAIL;
	nl_close(&nl);
	return T_PASS;
}

static int userns_allowed(void *arg)
{
	struct sockaddr_in a4 = sin4("127.0.0.1", 5555);
	struct stats s;
	struct nl nl;
	int fds[2];

	(void)arg;
	if (enter_userns() != T_PASS)
		return T_FAIL;
	OPEN(&nl);
	T_OK(pair(fds));
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(sock_offload(&nl, cookie(fds[0])));
	T_OK(policy_add(&nl, &(struct pol){ &a4, sizeof(a4), KTLSO_MODE_TX, 0, 0, -1 }, NULL));
	T_ASSERT(policy_dump_count(&nl) == 1, "POLICY_GET dump in the new namespace");
	T_OK(get_stats(&nl, &s));
	T_ASSERT(s.v[KTLSO_A_STATS_REGISTERED] == 1 && s.v[KTLSO_A_STATS_POLICIES] == 1,
		 "STATS of the new namespace");
	T_OK(policy_addr_cmd(&nl, KTLSO_CMD_POLICY_DEL, &a4, sizeof(a4), NULL));
	T_OK(sock_unregister(&nl, cookie(fds[0]), -1, NULL));
	nl_close(&nl);
	return T_PASS;
}

static int test_userns(const void *arg)
{
	int rc;

	(void)arg;
	T_ASSERT(access(USERNS_ADMIN_PATH, W_OK) == 0, USERNS_ADMIN_PATH ": %s",
		 strerror(errno));
	rc = as_nobody(userns_denied, NULL);
	if (rc != T_PASS)
		return rc;
	T_OK(write_file(USERNS_ADMIN_PATH, "1"));
	rc = as_nobody(userns_allowed, NULL);
	T_OK(write_file(USERNS_ADMIN_PATH, "0"));
	return rc;
}

/* ------------------------------------------------------------------ unload */

static int test_rmmod_live(const void *arg)
{
	struct nl nl;
	int fds[2], err;
	char ver[64];
	uint32_t proto;
	struct tls12_crypto_info_aes_gcm_128 ci;
	socklen_t len = sizeof(ci);

	(void)arg;
	if (access(KO_PATH, R_OK))
		return t_skip("no " KO_PATH " to reload (not in the VM)");
	NEED_KTLS();
	OPEN(&nl);
	T_OK(ktls_pair(fds, TLS_1_3_VERSION, 0));
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(sock_register(&nl, fds[1], NULL));
	T_OK(send_records(fds[0], fds[1], 2));
	nl_close(&nl);

	T_ASSERT(system("rmmod ktlso") == 0, "rmmod ktlso with registered sockets failed");
	err = nl_open(&nl);
	if (!err) {
		nl_close(&nl);
		return t_fail("the family is still there after rmmod");
	}
	/* the sockets keep working through kTLS */
	T_OK(send_records(fds[0], fds[1], 3));
	T_OK(send_records(fds[1], fds[0], 3));
	T_ASSERT(getsockopt(fds[0], SOL_TLS, TLS_TX, &ci, &len) == 0 &&
		 ci.rec_seq[7] == 5, "kTLS TX state after rmmod (rec_seq %u)", ci.rec_seq[7]);

	T_ASSERT(system("insmod " KO_PATH) == 0, "insmod " KO_PATH " failed");
	OPEN(&nl);
	T_OK(get_version(&nl, ver, sizeof(ver), &proto));
	T_OK(sock_register(&nl, fds[0], NULL));
	T_OK(sock_unregister(&nl, cookie(fds[0]), -1, NULL));
	nl_close(&nl);
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	const char *expect = getenv("KTLSO_EXPECT_MODULE");
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, err;
	struct nl nl;

	rest[nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s [CASE-FILTER...]\n", argv[0]);
			return 0;
		}
		rest[nrest++] = argv[i];
	}
	t_init("vm/ktlso_nl", nrest, rest);

	err = nl_open(&nl);
	if (err) {
		if (expect && !strcmp(expect, "1")) {
			printf("FAIL vm/ktlso_nl/family: the ktlso family does not resolve: %s\n",
			       t_strerror(err));
			return 1;
		}
		printf("SKIP vm/ktlso_nl: the ktlso family does not resolve (%s): is ktlso.ko "
		       "loaded?\n", t_strerror(err));
		return 77;
	}
	nl_close(&nl);
	if (geteuid() != 0) {
		printf("SKIP vm/ktlso_nl: needs root (CAP_NET_ADMIN, setuid to nobody)\n");
		return 77;
	}

	t_run("version", test_version, NULL);
	t_run("register_ktls13", test_register_ktls13, NULL);
	t_run("register_ktls12_tx", test_register_ktls12_tx, NULL);
	t_run("register_userspace_tls", test_register_userspace_tls, NULL);
	t_run("register_update", test_register_update, NULL);
	t_run("unregister_after_peer_close", test_unregister_after_peer_close, NULL);
	t_run("dump_1000", test_dump_1000, NULL);
	t_run("offload_request", test_offload_request, NULL);
	t_run("policy", test_policy, NULL);
	t_run("policy_match", test_policy_match, NULL);
	t_run("policy_match_table", test_policy_match_table, NULL);
	t_run("key_limit", test_key_limit, NULL);
	t_run("key_limit_new_key", test_key_limit, "new key");
	t_run("reap_on_close", test_reap_on_close, NULL);
	t_run("errors", test_errors, NULL);
	t_run("reject_untaken", test_reject_untaken, NULL);
	t_run("permissions", test_permissions, NULL);
	t_run("userns", test_userns, NULL);
	t_run("netns_isolation", test_netns_isolation, NULL);
	t_run("rmmod_live", test_rmmod_live, NULL);	/* last: it reloads the module */
	free(rest);
	return t_done();
}
