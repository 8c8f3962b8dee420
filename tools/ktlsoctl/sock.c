// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl sock: the registered TLS sockets, one line each like ss(8), one in full,
 * and the live move of a socket's userspace directions into kTLS.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define SOCK_USAGE "sock list [-j] | sock show ID [-j] | sock offload ID [--timeout SEC]"
#define SOCK_OFFLOAD_TIMEOUT 5

static void sock_help(FILE *f)
{
	fprintf(f,
		"Usage: %s sock list [-j]\n"
		"       %s sock show ID [-j]\n"
		"       %s sock offload ID [--timeout SEC]\n"
		"\n"
		"list     one line per registered socket (the default); -j a JSON array\n"
		"show     every attribute of socket ID (its socket cookie), as 'key: value'\n"
		"offload  ask the server that owns socket ID to move the directions it still\n"
		"         carries in userspace TLS into kTLS, and wait (default %d s) for its\n"
		"         answer: offloaded, or why not. Needs CAP_NET_ADMIN.\n"
		"\n"
		"There is no way back: upstream kTLS cannot remove itself from a socket, so a\n"
		"direction in kTLS stays there until the connection closes. Policies\n"
		"('%s policy') decide what new connections do.\n"
		"\n"
		"Columns: TX/RX who carries the records: sw (kTLS, kernel crypto), hw (kTLS, NIC),\n"
		"user (the server's userspace TLS). TX-REC/RX-REC the kTLS record sequence number\n"
		"(records under the current key plus the number it was installed at), '-' when\n"
		"the direction is not in kTLS. KEYGEN the key updates the server reported.\n",
		CTL_PROG, CTL_PROG, CTL_PROG, SOCK_OFFLOAD_TIMEOUT, CTL_PROG);
}

static int sock_parse_id(const char *what, const char *s, uint64_t *id)
{
	if (ctl_parse_u64(s, id))
		return ctl_usage_err(SOCK_USAGE, "%s: '%s' is not a socket id (a decimal "
				     "socket cookie, as 'sock list' shows)", what, s);
	return 0;
}

static const char *sock_seq(bool has, uint64_t seq, char *buf, size_t len)
{
	if (!has)
		return "-";
	snprintf(buf, len, "%" PRIu64, seq);
	return buf;
}

static int sock_list_json(const struct kso_sock *s, void *arg)
{
	json_sock(arg, NULL, s);
	return 0;
}

static int sock_list(int argc, char **argv)
{
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	int wl = 5, wp = 4, wid = 2, wtx = 6, wrx = 6, wsent = 4, wrecv = 4;
	struct ctl_socks socks;
	struct kso_nl *nl;
	char a[KSO_ADDR_STRLEN], b[32];
	int err;

	if (argc > 1)
		return ctl_usage_err("sock list [-j]", "sock list: unexpected argument '%s'",
				     argv[1]);
	if (ctl_open(&nl, "sock list"))
		return CTL_EXIT_ERROR;
	if (json) {
		/* Streamed as the dump comes: no copy of a million sockets. */
		struct ctl_json j = { 0 };

		json_arr(&j, NULL);
		err = kso_nl_sock_dump(nl, sock_list_json, &j);
		if (err) {
			/* Half an array on stdout is not JSON: say so and fail. */
			putchar('\n');
			ctl_nl_err("sock list", nl, err);
			kso_nl_close(nl);
			return CTL_EXIT_ERROR;
		}
		kso_nl_close(nl);
		json_arr_end(&j);
		putchar('\n');
		return CTL_EXIT_OK;
	}
	/* Kept, for columns as wide as their widest value. */
	err = ctl_socks_load(nl, &socks);
	if (err) {
		ctl_nl_err("sock list", nl, err);
		kso_nl_close(nl);
		return CTL_EXIT_ERROR;
	}
	kso_nl_close(nl);

	/* Columns as wide as their widest value, as ss does with -n. */
	for (size_t i = 0; i < socks.n; i++) {
		const struct kso_sock *s = &socks.v[i];
		int n;

		n = snprintf(b, sizeof(b), "%" PRIu64, s->id);
		wid = n > wid ? n : wid;
		n = (int)strlen(kso_addr_format(&s->local, a, sizeof(a)));
		wl = n > wl ? n : wl;
		n = (int)strlen(kso_addr_format(&s->peer, a, sizeof(a)));
		wp = n > wp ? n : wp;
		n = (int)strlen(sock_seq(s->has_tx_seq, s->tx_seq, b, sizeof(b)));
		wtx = n > wtx ? n : wtx;
		n = (int)strlen(sock_seq(s->has_rx_seq, s->rx_seq, b, sizeof(b)));
		wrx = n > wrx ? n : wrx;
		n = snprintf(b, sizeof(b), "%" PRIu64, s->bytes_sent);
		wsent = n > wsent ? n : wsent;
		n = snprintf(b, sizeof(b), "%" PRIu64, s->bytes_received);
		wrecv = n > wrecv ? n : wrecv;
	}
	printf("%-*s  %-*s  %-*s  %-7s  %-17s  %-4s  %-4s  %*s  %*s  %*s  %*s  %6s  %6s  %s\n",
	       wid, "ID", wl, "LOCAL", wp, "PEER", "VERSION", "CIPHER", "TX", "RX", wtx,
	       "TX-REC", wrx, "RX-REC", wsent, "SENT", wrecv, "RECV", "KEYGEN", "AGE",
	       "FALLBACK");
	for (size_t i = 0; i < socks.n; i++) {
		const struct kso_sock *s = &socks.v[i];
		char l[KSO_ADDR_STRLEN], p[KSO_ADDR_STRLEN], t[32], r[32], age[32];

		printf("%-*" PRIu64 "  %-*s  %-*s  %-7s  %-17s  %-4s  %-4s  %*s  %*s  %*" PRIu64
		       "  %*" PRIu64 "  %6" PRIu32 "  %6s  %s\n",
		       wid, s->id, wl, kso_addr_format(&s->local, l, sizeof(l)), wp,
		       kso_addr_format(&s->peer, p, sizeof(p)), kso_version_name(s->version),
		       kso_tls_cipher_name(s->cipher), kso_conf_name(s->tx_conf),
		       kso_conf_name(s->rx_conf), wtx, sock_seq(s->has_tx_seq, s->tx_seq, t, 32),
		       wrx, sock_seq(s->has_rx_seq, s->rx_seq, r, 32), wsent, s->bytes_sent,
		       wrecv, s->bytes_received, s->key_gen, ctl_age(s->age_ms, age, sizeof(age)),
		       s->fallback[0] ? s->fallback : "-");
	}
	ctl_socks_free(&socks);
	return CTL_EXIT_OK;
}

/* Share of the key-usage limit a direction has used, as "0.4%". */
static void sock_usage(const char *dir, bool has, uint64_t seq, uint64_t limit, bool *first)
{
	if (!has || !limit)
		return;
	printf("%s%s %.1f%%", *first ? "  key usage: " : ", ", dir,
	       100.0 * (double)seq / (double)limit);
	*first = false;
}

static int sock_show(int argc, char **argv)
{
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	char a[KSO_ADDR_STRLEN], b[32], what[64];
	struct kso_sock s;
	struct kso_nl *nl;
	bool first = true;
	uint64_t id;
	int err;

	if (argc < 2)
		return ctl_usage_err("sock show ID [-j]", "sock show: which socket? (an id from "
				     "'%s sock list')", CTL_PROG);
	if (argc > 2)
		return ctl_usage_err("sock show ID [-j]", "sock show: unexpected argument '%s'",
				     argv[2]);
	if (sock_parse_id("sock show", argv[1], &id))
		return CTL_EXIT_USAGE;
	if (ctl_open(&nl, "sock show"))
		return CTL_EXIT_ERROR;
	snprintf(what, sizeof(what), "sock %" PRIu64, id);
	err = kso_nl_sock_get(nl, id, &s);
	if (err == -ENOENT) {
		ctl_err("%s: no such socket (or not yours)", what);
		kso_nl_close(nl);
		return CTL_EXIT_ERROR;
	}
	if (err) {
		ctl_nl_err(what, nl, err);
		kso_nl_close(nl);
		return CTL_EXIT_ERROR;
	}
	kso_nl_close(nl);

	if (json) {
		struct ctl_json j = { 0 };

		json_sock(&j, NULL, &s);
		putchar('\n');
		return CTL_EXIT_OK;
	}
	printf("sock: %" PRIu64 "\n", s.id);
	printf("  local: %s\n", kso_addr_format(&s.local, a, sizeof(a)));
	printf("  peer: %s\n", kso_addr_format(&s.peer, a, sizeof(a)));
	printf("  uid: %" PRIu32 "\n", s.uid);
	printf("  pid: %" PRIu32 "\n", s.pid);
	printf("  version: %s\n", kso_version_name(s.version));
	printf("  cipher: %s\n", kso_tls_cipher_name(s.cipher));
	printf("  tx: %s\n", kso_conf_name(s.tx_conf));
	printf("  rx: %s\n", kso_conf_name(s.rx_conf));
	printf("  tx records: %s\n", sock_seq(s.has_tx_seq, s.tx_seq, b, sizeof(b)));
	printf("  rx records: %s\n", sock_seq(s.has_rx_seq, s.rx_seq, b, sizeof(b)));
	printf("  key generation: %" PRIu32 "\n", s.key_gen);
	printf("  bytes sent: %" PRIu64 "\n", s.bytes_sent);
	printf("  bytes received: %" PRIu64 "\n", s.bytes_received);
	if (s.rec_limit)
		printf("  record limit: %" PRIu64 " per key\n", s.rec_limit);
	else
		printf("  record limit: none\n");
	sock_usage("tx", s.has_tx_seq, s.tx_seq, s.rec_limit, &first);
	sock_usage("rx", s.has_rx_seq, s.rx_seq, s.rec_limit, &first);
	if (!first)
		putchar('\n');
	printf("  age: %s\n", ctl_age(s.age_ms, b, sizeof(b)));
	printf("  fallback: %s\n", s.fallback[0] ? s.fallback : "none");
	return CTL_EXIT_OK;
}

/* ------------------------------------------------------------ offload */

struct sock_wait {
	uint64_t id;
	struct kso_event ev;	/* the answer, once found */
	bool lost;		/* events were lost while waiting */
};

static int sock_wait_event(const struct kso_event *ev, void *arg)
{
	struct sock_wait *w = arg;

	if (ev->sock.id != w->id)
		return 0;
	if (ev->cmd == KTLSO_CMD_EV_OFFLOADED || ev->cmd == KTLSO_CMD_EV_FALLBACK ||
	    ev->cmd == KTLSO_CMD_EV_CLOSED) {
		w->ev = *ev;
		return 1;
	}
	return 0;
}

static int64_t sock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned sock_ktls_dirs(const struct kso_sock *s)
{
	return (s->tx_conf != KTLSO_CONF_NONE) + (s->rx_conf != KTLSO_CONF_NONE);
}

static void sock_print_offloaded(const struct kso_sock *s)
{
	printf("sock %" PRIu64 ": offloaded to kTLS (tx: %s, rx: %s)", s->id,
	       kso_conf_name(s->tx_conf), kso_conf_name(s->rx_conf));
	if (s->has_tx_seq && s->has_rx_seq)
		printf(" at tx record %" PRIu64 ", rx record %" PRIu64, s->tx_seq, s->rx_seq);
	else if (s->has_tx_seq)
		printf(" at tx record %" PRIu64, s->tx_seq);
	else if (s->has_rx_seq)
		printf(" at rx record %" PRIu64, s->rx_seq);
	putchar('\n');
}

static int sock_offload(int argc, char **argv)
{
	static const char usage[] = "sock offload ID [--timeout SEC]";
	uint64_t id, timeout = SOCK_OFFLOAD_TIMEOUT;
	struct kso_nl *nl = NULL, *ev = NULL;
	struct sock_wait w = { 0 };
	struct kso_sock before, after;
	const char *id_arg = NULL;
	char what[64];
	int64_t deadline;
	int err, ret = CTL_EXIT_ERROR;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") || !strcmp(argv[i], "-t")) {
			if (i + 1 >= argc)
				return ctl_usage_err(usage, "sock offload: %s needs a number of "
						     "seconds", argv[i]);
			if (ctl_parse_u64(argv[++i], &timeout) || !timeout || timeout > 3600)
				return ctl_usage_err(usage, "sock offload: --timeout takes whole "
						     "seconds from 1 to 3600, not '%s'", argv[i]);
		} else if (!id_arg) {
			id_arg = argv[i];
		} else {
			return ctl_usage_err(usage, "sock offload: unexpected argument '%s'",
					     argv[i]);
		}
	}
	if (!id_arg)
		return ctl_usage_err(usage, "sock offload: which socket? (an id from '%s sock "
				     "list')", CTL_PROG);
	if (sock_parse_id("sock offload", id_arg, &id))
		return CTL_EXIT_USAGE;
	snprintf(what, sizeof(what), "sock %" PRIu64, id);

	/* Subscribed before asking, so that a quick answer is not missed. */
	err = kso_nl_events_open(&ev);
	if (err) {
		ctl_err("%s: %s%s", what, err == -ENOENT ? "" : "cannot follow the module's "
			"events: ", kso_nl_strerror(err));
		return CTL_EXIT_ERROR;
	}
	if (ctl_open(&nl, what))
		goto out;
	err = kso_nl_sock_get(nl, id, &before);
	if (err == -ENOENT) {
		ctl_err("%s: no such socket (or not yours)", what);
		goto out;
	}
	if (err) {
		ctl_nl_err(what, nl, err);
		goto out;
	}

	err = kso_nl_sock_offload(nl, id);
	if (err == -EALREADY) {
		printf("%s: already carried by kTLS in both directions\n", what);
		ret = CTL_EXIT_OK;
		goto out;
	}
	if (err == -ENOENT) {
		ctl_err("%s: no such socket (or not yours)", what);
		goto out;
	}
	if (err) {
		ctl_nl_err(what, nl, err);
		goto out;
	}

	w.id = id;
	deadline = sock_now_ms() + (int64_t)timeout * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = kso_nl_fd(ev), .events = POLLIN };
		int64_t left = deadline - sock_now_ms();

		err = kso_nl_events_read(ev, sock_wait_event, &w);
		if (err == 1)
			break;
		if (err == -ENOBUFS) {
			w.lost = true;
			continue;
		}
		if (err) {
			ctl_err("%s: reading events: %s", what, kso_nl_strerror(err));
			goto out;
		}
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			ctl_err("%s: poll: %s", what, strerror(errno));
			goto out;
		}
	}

	if (!w.ev.cmd) {
		/* No answer seen: a lost event or a slow server may still have done it. */
		err = kso_nl_sock_get(nl, id, &after);
		if (!err && sock_ktls_dirs(&after) > sock_ktls_dirs(&before)) {
			sock_print_offloaded(&after);
			ret = CTL_EXIT_OK;
		} else if (err == -ENOENT) {
			ctl_err("%s: closed before the server answered", what);
		} else {
			ctl_err("%s: no server answered within %" PRIu64 " s (is the daemon that "
				"owns it running?)", what, timeout);
		}
		goto out;
	}
	switch (w.ev.cmd) {
	case KTLSO_CMD_EV_OFFLOADED:
		sock_print_offloaded(&w.ev.sock);
		ret = CTL_EXIT_OK;
		break;
	case KTLSO_CMD_EV_FALLBACK:
		ctl_err("%s: stays in userspace TLS: %s", what,
			w.ev.sock.fallback[0] ? w.ev.sock.fallback : "the server gave no reason");
		break;
	default:
		ctl_err("%s: closed before the server answered (%s)", what,
			w.ev.sock.close_reason[0] ? w.ev.sock.close_reason : "closed");
		break;
	}
out:
	kso_nl_close(ev);
	kso_nl_close(nl);
	return ret;
}

/* Words an operator may try for the way back, which does not exist. */
static const char *const sock_no_way_back[] = {
	"unoffload", "userspace", "user", "onload", "deoffload", "revert", "back",
	"restore", "remove", "detach", "disable", "off",
};

int ctl_sock(int argc, char **argv)
{
	static char *list_argv[] = { "list", NULL };

	if (argc < 2)
		return sock_list(1, list_argv);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "-j") || !strcmp(argv[1], "--json"))
		return !strcmp(argv[1], "list") ? sock_list(argc - 1, argv + 1)
						: sock_list(argc, argv);
	if (!strcmp(argv[1], "show"))
		return sock_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "offload"))
		return sock_offload(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		sock_help(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(sock_no_way_back) / sizeof(sock_no_way_back[0]); i++) {
		if (!strcmp(argv[1], sock_no_way_back[i])) {
			ctl_err("sock %s: a socket cannot be moved back out of kTLS (upstream "
				"kTLS cannot remove itself from a socket)\n"
				"Close the connection instead; '%s policy' decides what new "
				"connections do.", argv[1], CTL_PROG);
			return CTL_EXIT_USAGE;
		}
	}
	ctl_err("sock %s: unknown command\n", argv[1]);
	sock_help(stderr);
	return CTL_EXIT_USAGE;
}
