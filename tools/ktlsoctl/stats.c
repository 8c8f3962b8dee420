// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl stats: the module's counters (KTLSO_CMD_STATS), the sockets by who carries
 * each direction (from a dump), and the kernel's own /proc/net/tls_stat. --prometheus
 * writes the text exposition format (0.0.4) for node_exporter's textfile collector.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define STATS_USAGE "stats [-j | --prometheus]"

/* Sockets by direction (0 tx, 1 rx) and enum ktlso_conf. */
struct stats_dirs {
	uint64_t n[2][3];
	size_t visible;
};

static int stats_count(const struct kso_sock *s, void *arg)
{
	struct stats_dirs *d = arg;

	if (s->tx_conf <= KTLSO_CONF_HW)
		d->n[0][s->tx_conf]++;
	if (s->rx_conf <= KTLSO_CONF_HW)
		d->n[1][s->rx_conf]++;
	d->visible++;
	return 0;
}

static const struct {
	const char *name, *help;
	size_t off;
	bool counter;
} stats_fields[] = {
	{ "sockets", "TLS sockets registered with ktlso now.",
	  offsetof(struct kso_stats, socks), false },
	{ "sockets_registered_total", "TLS sockets registered since the module was loaded.",
	  offsetof(struct kso_stats, registered), true },
	{ "sockets_unregistered_total", "Sockets their server unregistered.",
	  offsetof(struct kso_stats, unregistered), true },
	{ "sockets_reaped_total", "Sockets closed without being unregistered first.",
	  offsetof(struct kso_stats, reaped), true },
	{ "sockets_offloaded_total",
	  "Sockets registered with a direction in kTLS, or moved there live.",
	  offsetof(struct kso_stats, offloaded), true },
	{ "offload_requests_total", "Live offload requests forwarded to servers.",
	  offsetof(struct kso_stats, offload_requests), true },
	{ "key_limit_events_total",
	  "Times a socket's key passed its policy's share of the key-usage limit.",
	  offsetof(struct kso_stats, key_limit_events), true },
	{ "policies", "Offload policies held now.", offsetof(struct kso_stats, policies),
	  false },
	{ "busy_reads_total",
	  "Times the module did not read a socket because a process held its lock.",
	  offsetof(struct kso_stats, busy_reads), true },
	{ "key_limit_retries_total",
	  "Key-limit events not delivered (no memory, a full listener), sent again.",
	  offsetof(struct kso_stats, key_limit_retries), true },
};

#define STATS_N_FIELDS (sizeof(stats_fields) / sizeof(stats_fields[0]))

static uint64_t stats_field(const struct kso_stats *st, size_t i)
{
	return *(const uint64_t *)(const void *)((const char *)st + stats_fields[i].off);
}

/* ------------------------------------------------------------ Prometheus */

/* "TlsCurrTxSw" -> "tls_curr_tx_sw": the field's name in snake case. */
static void prom_snake(const char *camel, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = camel; *p && o + 2 < len; p++) {
		if (isupper((unsigned char)*p) && p != camel)
			out[o++] = '_';
		out[o++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
	}
	out[o] = '\0';
}

/*
 * One metric per tls_stat field: ktlso_kernel_tls_tx_sw_total (counters: sessions
 * opened, errors, ...), ktlso_kernel_tls_curr_tx_sw (gauges: TlsCurr*, sessions now).
 */
static void prom_tls_stat(const struct kso_tls_stat *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		bool gauge = !strncmp(ts->f[i].name, "TlsCurr", 7);
		char name[128], help[192];

		prom_snake(ts->f[i].name, name, sizeof(name) - 16);
		if (!gauge)
			strcat(name, "_total");
		snprintf(help, sizeof(help), "%s of /proc/net/tls_stat (the reader's network "
			 "namespace)%s.", ts->f[i].name,
			 gauge ? ", sessions now" : "");
		printf("# HELP ktlso_kernel_%s %s\n# TYPE ktlso_kernel_%s %s\n", name, help, name,
		       gauge ? "gauge" : "counter");
		printf("ktlso_kernel_%s %llu\n", name, ts->f[i].value);
	}
}

static void prom_module(const char *ver, uint32_t proto, const struct kso_stats *st,
			const struct stats_dirs *d, bool have_dirs)
{
	static const char *const dirs[] = { "tx", "rx" };

	ctl_prom_head("module_info", "gauge", "The loaded ktlso module: version and netlink "
		  "protocol.");
	printf("ktlso_module_info{version=\"");
	ctl_prom_label(ver);
	printf("\",protocol=\"%" PRIu32 "\"} 1\n", proto);
	for (size_t i = 0; i < STATS_N_FIELDS; i++) {
		ctl_prom_head(stats_fields[i].name, stats_fields[i].counter ? "counter" : "gauge",
			  stats_fields[i].help);
		printf("ktlso_%s %" PRIu64 "\n", stats_fields[i].name, stats_field(st, i));
	}
	if (!have_dirs)
		return;
	ctl_prom_head("socket_directions", "gauge",
		  "Directions of registered sockets by who carries their records: sw and hw "
		  "kTLS, user the server's userspace TLS (only the reader's own sockets unless "
		  "run as root).");
	for (int dir = 0; dir < 2; dir++)
		for (int c = KTLSO_CONF_NONE; c <= KTLSO_CONF_HW; c++)
			printf("ktlso_socket_directions{direction=\"%s\",carrier=\"%s\"} %" PRIu64
			       "\n", dirs[dir], kso_conf_name((uint8_t)c), d->n[dir][c]);
}

/* ------------------------------------------------------------ human and JSON */

static void stats_human(const char *line, const struct kso_stats *st,
			const struct stats_dirs *d, const struct kso_tls_stat *ts, bool have_ts)
{
	static const char *const dirs[] = { "tx", "rx" };

	printf("module: %s\n", line);
	printf("sockets: %" PRIu64 "\n", st->socks);
	for (int dir = 0; dir < 2; dir++)
		printf("  %s: %" PRIu64 " sw, %" PRIu64 " hw, %" PRIu64 " user\n", dirs[dir],
		       d->n[dir][KTLSO_CONF_SW], d->n[dir][KTLSO_CONF_HW],
		       d->n[dir][KTLSO_CONF_NONE]);
	if (d->visible != st->socks)
		printf("  (tx and rx count the %zu sockets you may see)\n", d->visible);
	printf("policies: %" PRIu64 "\n", st->policies);
	printf("registered: %" PRIu64 "\n", st->registered);
	printf("unregistered: %" PRIu64 "\n", st->unregistered);
	printf("reaped: %" PRIu64 "\n", st->reaped);
	printf("offloaded: %" PRIu64 "\n", st->offloaded);
	printf("offload requests: %" PRIu64 "\n", st->offload_requests);
	printf("key-limit events: %" PRIu64 "\n", st->key_limit_events);
	printf("busy reads: %" PRIu64 "\n", st->busy_reads);
	printf("key-limit retries: %" PRIu64 "\n", st->key_limit_retries);
	if (!have_ts) {
		printf("tls_stat: absent (tls.ko is not loaded)\n");
		return;
	}
	printf("tls_stat (this network namespace):\n");
	for (size_t i = 0; i < ts->n; i++)
		printf("  %s: %llu\n", ts->f[i].name, ts->f[i].value);
}

static void stats_json(const char *ver, uint32_t proto, const struct kso_stats *st,
		       const struct stats_dirs *d, const struct kso_tls_stat *ts, bool have_ts)
{
	static const char *const dirs[] = { "tx", "rx" };
	struct ctl_json j = { 0 };

	json_obj(&j, NULL);
	json_obj(&j, "module");
	json_str(&j, "version", ver);
	json_u64(&j, "protocol", proto);
	json_obj_end(&j);
	json_u64(&j, "sockets", st->socks);
	json_u64(&j, "registered", st->registered);
	json_u64(&j, "unregistered", st->unregistered);
	json_u64(&j, "reaped", st->reaped);
	json_u64(&j, "offloaded", st->offloaded);
	json_u64(&j, "offload_requests", st->offload_requests);
	json_u64(&j, "key_limit_events", st->key_limit_events);
	json_u64(&j, "policies", st->policies);
	json_u64(&j, "busy_reads", st->busy_reads);
	json_u64(&j, "key_limit_retries", st->key_limit_retries);
	json_obj(&j, "directions");
	for (int dir = 0; dir < 2; dir++) {
		json_obj(&j, dirs[dir]);
		for (int c = KTLSO_CONF_NONE; c <= KTLSO_CONF_HW; c++)
			json_u64(&j, kso_conf_name((uint8_t)c), d->n[dir][c]);
		json_obj_end(&j);
	}
	json_u64(&j, "visible", d->visible);
	json_obj_end(&j);
	if (have_ts) {
		json_obj(&j, "tls_stat");
		for (size_t i = 0; i < ts->n; i++)
			json_u64(&j, ts->f[i].name, ts->f[i].value);
		json_obj_end(&j);
	} else {
		json_null(&j, "tls_stat");
	}
	json_obj_end(&j);
	putchar('\n');
}

int ctl_stats(int argc, char **argv)
{
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	bool prom = ctl_take_flag(&argc, argv, NULL, "--prometheus");
	char line[128], ver[KTLSO_VERSION_STRING_MAX];
	struct stats_dirs d = { 0 };
	struct kso_tls_stat ts;
	struct kso_stats st;
	struct kso_nl *nl;
	bool have_ts;
	uint32_t proto;
	int err;

	if (argc > 1)
		return ctl_usage_err(STATS_USAGE, "stats: unexpected argument '%s'", argv[1]);
	if (json && prom)
		return ctl_usage_err(STATS_USAGE, "stats: -j and --prometheus exclude each "
				     "other");
	have_ts = !kso_tls_stat_read(&ts);

	err = kso_nl_open(&nl);
	if (err == -ENOENT && prom) {
		/* A textfile collector's cron keeps working, and says the module is gone. */
		ctl_prom_head("module_loaded", "gauge", "Whether the ktlso module answered.");
		printf("ktlso_module_loaded 0\n");
		if (have_ts)
			prom_tls_stat(&ts);
		ctl_certs_prom();
		return CTL_EXIT_OK;
	}
	if (err) {
		ctl_err("stats: %s", kso_nl_strerror(err));
		return CTL_EXIT_ERROR;
	}
	err = ctl_module_version(nl, line, sizeof(line), ver, sizeof(ver), &proto);
	if (!err)
		err = kso_nl_stats(nl, &st);
	if (!err)
		err = kso_nl_sock_dump(nl, stats_count, &d);
	if (err) {
		ctl_nl_err("stats", nl, err);
		kso_nl_close(nl);
		return CTL_EXIT_ERROR;
	}
	kso_nl_close(nl);

	if (prom) {
		ctl_prom_head("module_loaded", "gauge", "Whether the ktlso module answered.");
		printf("ktlso_module_loaded 1\n");
		prom_module(ver, proto, &st, &d, true);
		if (have_ts)
			prom_tls_stat(&ts);
		ctl_certs_prom();
	} else if (json) {
		stats_json(ver, proto, &st, &d, &ts, have_ts);
	} else {
		stats_human(line, &st, &d, &ts, have_ts);
	}
	return CTL_EXIT_OK;
}
