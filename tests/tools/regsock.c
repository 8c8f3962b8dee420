// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * regsock: a stand-in TLS server for testing ktlso.ko and ktlsoctl without the daemon.
 * A helper, not a test: tests/vm/ktlsoctl.sh runs it.
 * It makes loopback TCP pairs, puts the server end's directions into kTLS as asked (test
 * keys, the client end gets the matching ones), sends records both ways, registers the
 * server ends with the module and prints one line per socket:
 *
 *	sock <id> <local> <peer>
 *	ready
 *
 * then waits for signals: SIGUSR1 sends -r records more each way ("sent"), SIGHUP
 * unregisters every socket with a reason ("unregistered"), SIGTERM/SIGINT exits without
 * unregistering (the module reaps the closed sockets). With -a it also answers the
 * module's offload requests for its sockets as a server would: "offload" moves its
 * userspace directions into kTLS and registers again, "fallback" registers again with
 * a fallback reason.
 *
 * regsock -X instead registers a UDP socket, which the module must refuse, and prints
 * "refused: <errno sentence> [kernel: <extended ack>]" (the client's error path).
 *
 * Needs kTLS and, to register, CAP_NET_ADMIN. Exits 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keysched.h"
#include "ktls.h"
#include "nl.h"
#include "t.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define REC_LEN 100
#define MAX_PAIRS 64

struct pair {
	int srv, cli;		/* server end (registered) and client end */
	uint64_t id;
	bool tx, rx;		/* server directions in kTLS */
};

static struct {
	int n, records, port, uid;
	bool v6, udp;
	const char *mode, *fallback, *answer;
	uint16_t version;
	enum kso_cipher cipher;
	struct pair p[MAX_PAIRS];
	struct kso_nl *nl, *ev;
} rs = { .n = 1, .mode = "txrx", .version = TLS_1_3_VERSION, .uid = -1 };

static volatile sig_atomic_t got_usr1, got_hup, got_term;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "regsock: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void make_keys(struct kso_dir_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->version = rs.version;
	k->cipher = rs.cipher;
	k->seq = rs.version == TLS_1_2_VERSION ? 1 : 0;
	t_fill_random(k->key, sizeof(k->key));
	t_fill_random(k->iv, sizeof(k->iv));
	if (rs.version == TLS_1_2_VERSION) {
		const struct kso_cipher_info *ci = kso_cipher_info(rs.cipher);

		memset(k->iv + ci->tls12_fixed_iv, 0, KSO_IV_LEN - ci->tls12_fixed_iv);
	}
}

/* One direction into kTLS: from's TX and to's RX, with the same keys. */
static void install(int from, int to)
{
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step;
	int err;

	make_keys(&tx);
	rx = tx;
	err = kso_ktls_install_keys(from, &tx, NULL, &step);
	if (err) {
		kso_dir_keys_wipe(&rx);
		die("install tx: %s", kso_ktls_strerror(step, err));
	}
	err = kso_ktls_install_keys(to, NULL, &rx, &step);
	if (err)
		die("install rx: %s", kso_ktls_strerror(step, err));
}

static void read_exact(int fd, size_t len)
{
	char buf[4096];

	while (len) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read: %s", n ? strerror(errno) : "end of stream");
		len -= (size_t)n;
	}
}

/* records records of REC_LEN bytes from a to b: one send each, one record each in kTLS. */
static void send_records(int a, int b, int records)
{
	char buf[REC_LEN];

	memset(buf, 'r', sizeof(buf));
	for (int i = 0; i < records; i++)
		if (send(a, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			die("send: %s", strerror(errno));
	read_exact(b, (size_t)records * REC_LEN);
}

static void make_pairs(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len = rs.v6 ? sizeof(*s6) : sizeof(*s4);
	int lfd, one = 1;

	/* Sockets are owned by the uid that made them: -u makes them as that user. */
	if (rs.uid >= 0 && seteuid((uid_t)rs.uid))
		die("seteuid %d: %s", rs.uid, strerror(errno));
	if (rs.v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)rs.port);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((uint16_t)rs.port);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, MAX_PAIRS) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len))
		die("listen: %s", strerror(errno));
	for (int i = 0; i < rs.n; i++) {
		struct pair *p = &rs.p[i];

		p->cli = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (p->cli < 0 || connect(p->cli, (struct sockaddr *)&ss, len))
			die("connect: %s", strerror(errno));
		p->srv = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (p->srv < 0)
			die("accept: %s", strerror(errno));
	}
	close(lfd);
	if (rs.uid >= 0 && seteuid(0))
		die("seteuid 0: %s", strerror(errno));
}

static int do_register(struct pair *p, const char *fallback)
{
	struct kso_sock_reg reg = {
		.fd = p->srv,
		.version = rs.version,
		.cipher = kso_cipher_info(rs.cipher)->ktls_type,
		.fallback = fallback,
	};

	return kso_nl_sock_register(rs.nl, &reg);
}

static void send_all(void)
{
	for (int i = 0; i < rs.n; i++) {
		send_records(rs.p[i].srv, rs.p[i].cli, rs.records);
		send_records(rs.p[i].cli, rs.p[i].srv, rs.records);
	}
}

static const char *addr_str(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &sl))
		return "?";
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	return buf;
}

/* An offload request for one of ours: answer as -a says. */
static int on_event(const struct kso_event *ev, void *arg)
{
	(void)arg;
	if (ev->cmd != KTLSO_CMD_EV_OFFLOAD_REQUEST)
		return 0;
	for (int i = 0; i < rs.n; i++) {
		struct pair *p = &rs.p[i];
		int err;

		if (p->id != ev->sock.id)
			continue;
		if (!strcmp(rs.answer, "fallback")) {
			err = do_register(p, "regsock: asked to fall back (test)");
		} else {
			if (!p->tx)
				install(p->srv, p->cli);
			if (!p->rx)
				install(p->cli, p->srv);
			p->tx = p->rx = true;
			err = do_register(p, NULL);
		}
		printf("answered %llu %s: %s\n", (unsigned long long)p->id, rs.answer,
		       err ? kso_nl_strerror(err) : "ok");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	int opt, err;

	while ((opt = getopt(argc, argv, "n:m:V:c:r:p:6u:f:a:X")) != -1) {
		switch (opt) {
		case 'n':
			rs.n = atoi(optarg);
			if (rs.n < 1 || rs.n > MAX_PAIRS)
				die("-n: 1 to %d pairs", MAX_PAIRS);
			break;
		case 'm':
			rs.mode = optarg;
			break;
		case 'V':
			rs.version = !strcmp(optarg, "1.2") ? TLS_1_2_VERSION : TLS_1_3_VERSION;
			break;
		case 'c':
			if (kso_cipher_by_name(optarg, &rs.cipher))
				die("-c: unknown cipher %s", optarg);
			break;
		case 'r':
			rs.records = atoi(optarg);
			break;
		case 'p':
			rs.port = atoi(optarg);
			break;
		case '6':
			rs.v6 = true;
			break;
		case 'u':
			rs.uid = atoi(optarg);
			break;
		case 'f':
			rs.fallback = optarg;
			break;
		case 'a':
			rs.answer = optarg;
			break;
		case 'X':
			rs.udp = true;
			break;
		default:
			fprintf(stderr, "usage: regsock [-n PAIRS] [-m off|tx|rx|txrx] [-V 1.2|1.3] "
				"[-c CIPHER] [-r RECORDS] [-p PORT] [-6] [-u UID] [-f FALLBACK] "
				"[-a offload|fallback]\n");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = kso_nl_open(&rs.nl);
	if (err)
		die("%s", kso_nl_strerror(err));
	if (rs.answer) {
		err = kso_nl_events_open(&rs.ev);
		if (err)
			die("events: %s", kso_nl_strerror(err));
	}

	if (rs.udp) {
		struct kso_sock_reg reg = { .fd = socket(AF_INET, SOCK_DGRAM, 0) };

		err = kso_nl_sock_register(rs.nl, &reg);
		if (!err)
			die("a UDP socket was registered");
		printf("refused: %s [kernel: %s]\n", kso_nl_strerror(err),
		       kso_nl_errmsg(rs.nl) ? kso_nl_errmsg(rs.nl) : "no message");
		return 0;
	}
	make_pairs();
	for (int i = 0; i < rs.n; i++) {
		struct pair *p = &rs.p[i];
		socklen_t len = sizeof(p->id);
		char l[64], r[64];

		p->tx = !strcmp(rs.mode, "tx") || !strcmp(rs.mode, "txrx");
		p->rx = !strcmp(rs.mode, "rx") || !strcmp(rs.mode, "txrx");
		if (p->tx)
			install(p->srv, p->cli);
		if (p->rx)
			install(p->cli, p->srv);
		if (getsockopt(p->srv, SOL_SOCKET, SO_COOKIE, &p->id, &len))
			die("SO_COOKIE: %s", strerror(errno));
		send_records(p->srv, p->cli, rs.records);
		send_records(p->cli, p->srv, rs.records);
		err = do_register(p, rs.fallback);
		if (err)
			die("register: %s%s%s", kso_nl_strerror(err),
			    kso_nl_errmsg(rs.nl) ? ": " : "",
			    kso_nl_errmsg(rs.nl) ? kso_nl_errmsg(rs.nl) : "");
		printf("sock %llu %s %s\n", (unsigned long long)p->id,
		       addr_str(p->srv, false, l, sizeof(l)), addr_str(p->srv, true, r, sizeof(r)));
	}
	printf("ready\n");

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	while (!got_term) {
		struct pollfd pfd = { .fd = rs.ev ? kso_nl_fd(rs.ev) : -1, .events = POLLIN };

		if (rs.ev) {
			err = kso_nl_events_read(rs.ev, on_event, NULL);
			if (err && err != -ENOBUFS)
				die("events: %s", kso_nl_strerror(err));
		}
		if (got_usr1) {
			got_usr1 = 0;
			send_all();
			printf("sent\n");
		}
		if (got_hup) {
			got_hup = 0;
			for (int i = 0; i < rs.n; i++) {
				err = kso_nl_sock_unregister(rs.nl, rs.p[i].srv, 0,
							     "regsock: unregistered (test)");
				if (err)
					printf("unregister %llu: %s\n",
					       (unsigned long long)rs.p[i].id, kso_nl_strerror(err));
			}
			printf("unregistered\n");
		}
		if (ppoll(&pfd, 1, NULL, &old) < 0 && errno != EINTR)
			die("ppoll: %s", strerror(errno));
	}
	kso_nl_close(rs.ev);
	kso_nl_close(rs.nl);
	return 0;
}
