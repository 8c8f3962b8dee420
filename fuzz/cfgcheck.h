/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the fuzz targets of ktlsod's configuration (config.c, ktlsod_args.c): a config
 * preset with values no setting can produce, and a check that every value after parsing
 * is either that preset (not given) or within the range the setting documents. The
 * strings are freed by config_free (config.c), as the daemon's reload frees them.
 */
#ifndef KTLSO_FUZZ_CFGCHECK_H
#define KTLSO_FUZZ_CFGCHECK_H

#include <stdlib.h>

#include "ktlsod.h"

#define UNSET 0xdeadbeefu

static void cfg_preset(struct config *cfg)
{
	*cfg = (struct config){
		.offload = -2, .workers = -2, .tls_min = -2, .max_conns = UNSET,
		.handshake_timeout_ms = UNSET, .header_timeout_ms = UNSET, .send_timeout_ms = UNSET,
		.idle_timeout_ms = UNSET, .max_header_bytes = UNSET, .max_headers = UNSET,
		.expiry_warn_days = UNSET, .hsts_max_age = UNSET, .ticket_rotate_s = UNSET,
	};
}

static void cfg_check_u(unsigned v, unsigned lo, unsigned hi)
{
	if (v != UNSET && (v < lo || v > hi))
		abort();
}

static void cfg_check(const struct config *cfg)
{
	if (cfg->offload != -2 && (cfg->offload < KTLSO_MODE_OFF || cfg->offload > KTLSO_MODE_TXRX))
		abort();
	if (cfg->workers != -2 && (cfg->workers < 1 || cfg->workers > 256))
		abort();
	if (cfg->tls_min != -2 && cfg->tls_min != TLS1_2_VERSION && cfg->tls_min != TLS1_3_VERSION)
		abort();
	cfg_check_u(cfg->max_conns, 1, 10000000);
	cfg_check_u(cfg->handshake_timeout_ms, 1000, 86400000);
	cfg_check_u(cfg->header_timeout_ms, 1000, 86400000);
	cfg_check_u(cfg->send_timeout_ms, 1000, 86400000);
	cfg_check_u(cfg->idle_timeout_ms, 1000, 86400000);
	cfg_check_u(cfg->max_header_bytes, 256, 1 << 20);
	cfg_check_u(cfg->max_headers, 1, 1000);
	cfg_check_u(cfg->expiry_warn_days, 0, 3650);
	cfg_check_u(cfg->hsts_max_age, 0, 1000000000);
	cfg_check_u(cfg->ticket_rotate_s, 1, 7 * 86400);
	if (cfg->user && !cfg->user[0])
		abort();
	if (cfg->nlisteners < 0 || cfg->nlisteners > MAX_LISTENERS || cfg->nsets < 0 ||
	    cfg->nsets > MAX_CERT_SETS)
		abort();
	for (int i = 0; i < cfg->nlisteners; i++) {
		const struct listener_cfg *l = &cfg->listeners[i];

		if (!memchr(l->name, 0, sizeof(l->name)))
			abort();
		if (!(l->addr.ss_family == AF_INET && l->addrlen == sizeof(struct sockaddr_in)) &&
		    !(l->addr.ss_family == AF_INET6 && l->addrlen == sizeof(struct sockaddr_in6)))
			abort();
		if (l->offload < -1 || l->offload > KTLSO_MODE_TXRX)
			abort();
	}
	for (int i = 0; i < cfg->nsets; i++)
		if (!cfg->sets[i].name[0] || !memchr(cfg->sets[i].name, 0, sizeof(cfg->sets[i].name)))
			abort();
}

#endif
