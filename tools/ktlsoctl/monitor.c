// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl monitor: the module's events, one line each as they happen, until SIGINT or
 * SIGTERM, in the manner of "ip monitor". Every line is flushed, so that a pipe or a
 * file sees it at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "ctl.h"

static volatile sig_atomic_t monitor_stop;

static void monitor_on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static void monitor_seq(const char *dir, bool has, uint64_t seq)
{
	if (has)
		printf(" %s %" PRIu64, dir, seq);
	else
		printf(" %s -", dir);
}

static int monitor_human(const struct kso_event *ev, void *arg)
{
	const struct kso_sock *s = &ev->sock;
	char ends[2 * KSO_ADDR_STRLEN + 8], pol[256];

	(void)arg;
	switch (ev->cmd) {
	case KTLSO_CMD_EV_OFFLOADED:
		printf("offloaded sock %" PRIu64 " %s %s %s tx %s rx %s\n", s->id,
		       ctl_sock_ends(s, ends, sizeof(ends)), kso_version_name(s->version),
		       kso_tls_cipher_name(s->cipher), kso_conf_name(s->tx_conf),
		       kso_conf_name(s->rx_conf));
		break;
	case KTLSO_CMD_EV_CLOSED:
		printf("closed sock %" PRIu64 " %s records", s->id,
		       ctl_sock_ends(s, ends, sizeof(ends)));
		monitor_seq("tx", s->has_tx_seq, s->tx_seq);
		monitor_seq("rx", s->has_rx_seq, s->rx_seq);
		printf(" bytes sent %" PRIu64 " received %" PRIu64 " reason \"%s\"\n",
		       s->bytes_sent, s->bytes_received,
		       s->close_reason[0] ? s->close_reason : "closed");
		break;
	case KTLSO_CMD_EV_KEY_LIMIT: {
		bool tx = ev->dir == KTLSO_DIR_TX;
		bool has = tx ? s->has_tx_seq : s->has_rx_seq;
		uint64_t seq = tx ? s->tx_seq : s->rx_seq;

		printf("key-limit sock %" PRIu64 " %s at ", s->id, tx ? "tx" : "rx");
		if (has)
			printf("%" PRIu64, seq);
		else
			printf("?");
		printf(" of %" PRIu64 " records\n", s->rec_limit);
		break;
	}
	case KTLSO_CMD_EV_OFFLOAD_REQUEST:
		printf("offload-request sock %" PRIu64 "\n", s->id);
		break;
	case KTLSO_CMD_EV_FALLBACK:
		printf("fallback sock %" PRIu64 " \"%s\"\n", s->id, s->fallback);
		break;
	case KTLSO_CMD_EV_POLICY_ADD:
	case KTLSO_CMD_EV_POLICY_DEL:
		ctl_policy_words(&ev->policy, pol, sizeof(pol));
		printf("policy %s %s\n", ev->cmd == KTLSO_CMD_EV_POLICY_ADD ? "add" : "del", pol);
		break;
	default:
		return 0;
	}
	fflush(stdout);
	return 0;
}

static int monitor_json(const struct kso_event *ev, void *arg)
{
	struct ctl_json j = { 0 };

	(void)arg;
	json_obj(&j, NULL);
	json_str(&j, "event", kso_event_name(ev->cmd));
	switch (ev->cmd) {
	case KTLSO_CMD_EV_POLICY_ADD:
	case KTLSO_CMD_EV_POLICY_DEL:
		json_policy(&j, "policy", &ev->policy);
		break;
	case KTLSO_CMD_EV_KEY_LIMIT:
		json_str(&j, "dir", ev->dir == KTLSO_DIR_TX ? "tx" : "rx");
		/* fall through */
	default:
		json_sock(&j, "sock", &ev->sock);
		break;
	}
	json_obj_end(&j);
	putchar('\n');
	fflush(stdout);
	return 0;
}

int ctl_monitor(int argc, char **argv)
{
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	struct sigaction sa = { .sa_handler = monitor_on_signal };
	sigset_t block, old;
	struct kso_nl *ev;
	int err, ret = CTL_EXIT_OK;

	if (argc > 1)
		return ctl_usage_err("monitor [-j]", "monitor: unexpected argument '%s'", argv[1]);

	err = kso_nl_events_open(&ev);
	if (err) {
		ctl_err("monitor: %s", kso_nl_strerror(err));
		return CTL_EXIT_ERROR;
	}

	/* Signals arrive only inside ppoll: none is lost between the check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!monitor_stop) {
		struct pollfd pfd = { .fd = kso_nl_fd(ev), .events = POLLIN };

		err = kso_nl_events_read(ev, json ? monitor_json : monitor_human, NULL);
		if (err == -ENOBUFS) {
			if (json)
				printf("{\"event\":\"lost\"}\n");
			else
				printf("lost events: the kernel dropped some while this monitor's "
				       "socket buffer was full; '%s sock list' shows the current "
				       "state\n", CTL_PROG);
			fflush(stdout);
			continue;
		}
		if (err) {
			ctl_err("monitor: reading events: %s", kso_nl_strerror(err));
			ret = CTL_EXIT_ERROR;
			break;
		}
		if (ppoll(&pfd, 1, NULL, &old) < 0 && errno != EINTR) {
			ctl_err("monitor: ppoll: %s", strerror(errno));
			ret = CTL_EXIT_ERROR;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	kso_nl_close(ev);
	return ret;
}
