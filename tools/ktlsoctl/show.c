// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl show: the module, a summary of what it holds and one short line per socket,
 * in the manner of "wg show".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

/* Beyond this many sockets, show points at "sock list". */
#define CTL_SHOW_MAX_SOCKS 32

/* "10.0.0.1:443 <- 10.0.0.2:5555 TLSv1.3 AES_128_GCM tx sw rx sw": shared with monitor. */
static void show_sock_line(const struct kso_sock *s)
{
	char ends[2 * KSO_ADDR_STRLEN + 8], age[32];

	printf("sock %" PRIu64 ": %s %s %s tx %s rx %s, age %s", s->id,
	       ctl_sock_ends(s, ends, sizeof(ends)), kso_version_name(s->version),
	       kso_tls_cipher_name(s->cipher), kso_conf_name(s->tx_conf),
	       kso_conf_name(s->rx_conf), ctl_age(s->age_ms, age, sizeof(age)));
	if (s->fallback[0])
		printf(", fallback \"%s\"", s->fallback);
	putchar('\n');
}

static void show_kernel_tls(void)
{
	static const char *const names[] = { "TlsCurrTxSw", "TlsCurrTxDevice", "TlsCurrRxSw",
					      "TlsCurrRxDevice", "TlsDecryptError" };
	unsigned long long v[sizeof(names) / sizeof(names[0])];
	struct kso_tls_stat ts;

	if (kso_tls_stat_read(&ts)) {
		printf("  kernel tls: no /proc/net/tls_stat (tls.ko is not loaded)\n");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		kso_tls_stat_get(&ts, names[i], &v[i]);	/* 0 if this kernel has none */
	printf("  kernel tls: tx %llu sw, %llu device; rx %llu sw, %llu device; "
	       "%llu decrypt errors\n", v[0], v[1], v[2], v[3], v[4]);
}

/*
 * What show needs from the dump, without keeping it: the counts, and the sockets with
 * the lowest ids (sorted), so that a host with a million sockets costs no more than one
 * with a few.
 */
struct show_walk {
	size_t n, ktls, kept;
	struct kso_sock first[CTL_SHOW_MAX_SOCKS];
};

static int show_walk(const struct kso_sock *s, void *arg)
{
	struct show_walk *w = arg;
	size_t i;

	w->n++;
	w->ktls += s->tx_conf != KTLSO_CONF_NONE || s->rx_conf != KTLSO_CONF_NONE;
	if (w->kept == CTL_SHOW_MAX_SOCKS && s->id > w->first[w->kept - 1].id)
		return 0;
	for (i = w->kept < CTL_SHOW_MAX_SOCKS ? w->kept : CTL_SHOW_MAX_SOCKS - 1;
	     i > 0 && w->first[i - 1].id > s->id; i--)
		w->first[i] = w->first[i - 1];
	w->first[i] = *s;
	if (w->kept < CTL_SHOW_MAX_SOCKS)
		w->kept++;
	return 0;
}

int ctl_show(int argc, char **argv)
{
	char line[128], ver[KTLSO_VERSION_STRING_MAX];
	struct show_walk *w;
	struct kso_stats st;
	struct kso_nl *nl;
	uint32_t proto;
	bool have_st;
	int err;

	if (argc > 1)
		return ctl_usage_err("show", "show: unexpected argument '%s'", argv[1]);
	if (ctl_open(&nl, "module"))
		return CTL_EXIT_ERROR;
	w = calloc(1, sizeof(*w));
	if (!w) {
		ctl_err("show: %s", strerror(ENOMEM));
		goto out_err;
	}

	err = ctl_module_version(nl, line, sizeof(line), ver, sizeof(ver), &proto);
	if (err) {
		ctl_nl_err("module", nl, err);
		goto out_err;
	}
	printf("module: %s\n", line);

	/* Counters and policies are for CAP_NET_ADMIN: others see their own sockets. */
	err = kso_nl_stats(nl, &st);
	have_st = !err;
	if (err && err != -EPERM) {
		ctl_nl_err("stats", nl, err);
		goto out_err;
	}
	err = kso_nl_sock_dump(nl, show_walk, w);
	if (err) {
		ctl_nl_err("sockets", nl, err);
		goto out_err;
	}
	kso_nl_close(nl);

	if (!have_st) {
		printf("  sockets: %zu of yours, %zu in kTLS, %zu in userspace TLS (the "
		       "module's counters need CAP_NET_ADMIN)\n", w->n, w->ktls, w->n - w->ktls);
		show_kernel_tls();
		goto socks;
	}
	printf("  sockets: %" PRIu64 " registered", st.socks);
	if (w->n == st.socks)
		printf(", %zu in kTLS, %zu in userspace TLS\n", w->ktls, w->n - w->ktls);
	else
		printf("; of the %zu you may see, %zu in kTLS, %zu in userspace TLS\n", w->n,
		       w->ktls, w->n - w->ktls);
	printf("  policies: %" PRIu64 "\n", st.policies);
	printf("  since load: %" PRIu64 " registered, %" PRIu64 " unregistered, %" PRIu64
	       " reaped, %" PRIu64 " offloaded\n",
	       st.registered, st.unregistered, st.reaped, st.offloaded);
	printf("  offload requests: %" PRIu64 "\n", st.offload_requests);
	printf("  key-limit events: %" PRIu64 "\n", st.key_limit_events);
	show_kernel_tls();

socks:
	if (w->kept)
		putchar('\n');
	for (size_t i = 0; i < w->kept; i++)
		show_sock_line(&w->first[i]);
	if (w->n > w->kept)
		printf("... and %zu more: %s sock list\n", w->n - w->kept, CTL_PROG);
	ctl_certs_show();	/* what a running ktlsod serves, if one said so */
	free(w);
	return CTL_EXIT_OK;

out_err:
	free(w);
	kso_nl_close(nl);
	return CTL_EXIT_ERROR;
}
