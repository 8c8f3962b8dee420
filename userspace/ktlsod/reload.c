// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a reload changes (SIGHUP, main.c): the configuration read again (the command line
 * over its file, as at start) is compared with the running one, setting by setting. A
 * setting that can change live goes into the running configuration, which the main thread
 * alone reads after start (tls.c's loads, the expiry check, certs.tsv); workers see it
 * through the next struct live (live.c) and the next SSL_CTX. A setting that needs a
 * restart keeps its running value, and the log says so, one line each.
 *
 * Live: everything the SSL_CTX holds (certificates, [cert] sections, trust and its checks,
 * tls-min, groups), the session-ticket period (tickets.c, under its lock), and what workers
 * read per connection (timeouts, request limits, hsts, dotfiles, offload). A restart:
 * what was set up once, before the workers or before the privilege drop: the listening
 * sockets, the workers and their share of max-conns, the root directory's descriptor, the
 * user, the log files, the state directory.
 */
#include "ktlsod.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind {
	K_STR,		/* char *; NULL reads as the setting's unset text */
	K_UINT,		/* unsigned */
	K_INT,		/* int */
	K_SECS,		/* unsigned milliseconds, set in seconds */
	K_WARN,		/* bool: incomplete-chain warn|error */
	K_ALLOW,	/* bool: dotfiles allow|deny */
	K_TLS,		/* int: TLS1_x_VERSION */
	K_MODE,		/* int: enum ktlso_mode */
};

struct setting {
	const char *name;
	enum kind kind;
	size_t off;
	bool live;
	const char *unset;
};

#define SETTING(name, kind, field, live, unset) \
	{ name, kind, offsetof(struct config, field), live, unset }

static const struct setting settings[] = {
	SETTING("root", K_STR, root, false, "(none)"),
	SETTING("cert", K_STR, cert, true, "(none)"),
	SETTING("key", K_STR, key, true, "(none)"),
	SETTING("trust", K_STR, trust, true, "(none)"),
	SETTING("incomplete-chain", K_WARN, incomplete_warn, true, NULL),
	SETTING("expiry-warn-days", K_UINT, expiry_warn_days, true, NULL),
	SETTING("state-dir", K_STR, state_dir, false, "(none)"),
	SETTING("offload", K_MODE, offload, true, NULL),
	SETTING("tls-min", K_TLS, tls_min, true, NULL),
	SETTING("groups", K_STR, groups, true, "(the default list)"),
	SETTING("workers", K_INT, workers, false, NULL),
	SETTING("max-conns", K_UINT, max_conns, false, NULL),
	SETTING("handshake-timeout", K_SECS, handshake_timeout_ms, true, NULL),
	SETTING("header-timeout", K_SECS, header_timeout_ms, true, NULL),
	SETTING("send-timeout", K_SECS, send_timeout_ms, true, NULL),
	SETTING("idle-timeout", K_SECS, idle_timeout_ms, true, NULL),
	SETTING("max-header-bytes", K_UINT, max_header_bytes, true, NULL),
	SETTING("max-headers", K_UINT, max_headers, true, NULL),
	SETTING("user", K_STR, user, false, "(the default)"),
	SETTING("ticket-key-rotate", K_UINT, ticket_rotate_s, true, NULL),
	SETTING("log", K_STR, log_path, false, "-"),
	SETTING("access-log", K_STR, access_log_path, false, "(the log)"),
	SETTING("hsts", K_UINT, hsts_max_age, true, NULL),
	SETTING("dotfiles", K_ALLOW, allow_dotfiles, true, NULL),
};

static const char *value_str(const struct setting *s, const struct config *cfg, char *buf,
			     size_t len)
{
	const void *p = (const char *)cfg + s->off;

	switch (s->kind) {
	case K_STR:
		return *(char *const *)p ? *(char *const *)p : s->unset;
	case K_UINT:
		snprintf(buf, len, "%u", *(const unsigned *)p);
		return buf;
	case K_INT:
		snprintf(buf, len, "%d", *(const int *)p);
		return buf;
	case K_SECS:
		snprintf(buf, len, "%u", *(const unsigned *)p / 1000);
		return buf;
	case K_WARN:
		return *(const bool *)p ? "warn" : "error";
	case K_ALLOW:
		return *(const bool *)p ? "allow" : "deny";
	case K_TLS:
		return *(const int *)p == TLS1_3_VERSION ? "1.3" : "1.2";
	case K_MODE:
		return kso_mode_name(*(const int *)p);
	}
	return "?";
}

/* Running's value becomes next's (next gets the old one, which config_free frees). */
static void adopt(const struct setting *s, struct config *running, struct config *next)
{
	char *r = (char *)running + s->off, *n = (char *)next + s->off, tmp[sizeof(char *)];
	size_t size = s->kind == K_STR ? sizeof(char *) :
		      s->kind == K_WARN || s->kind == K_ALLOW ? sizeof(bool) : sizeof(int);

	memcpy(tmp, r, size);
	memcpy(r, n, size);
	memcpy(n, tmp, size);
}

/* "ADDR:PORT, ADDR:PORT": the listeners as configured, in order. */
static const char *listeners_str(const struct config *cfg, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < cfg->nlisteners && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s%s", i ? ", " : "",
				      cfg->listeners[i].name,
				      cfg->listeners[i].plain ? " (plain)" : "");
	return buf;
}

static bool same_listener(const struct listener_cfg *a, const struct listener_cfg *b)
{
	return a->addrlen == b->addrlen && a->dual_stack == b->dual_stack &&
	       a->plain == b->plain && !memcmp(&a->addr, &b->addr, a->addrlen);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static const struct cert_set_cfg *set_named(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nsets; i++)
		if (!strcmp(cfg->sets[i].name, name))
			return &cfg->sets[i];
	return NULL;
}

/* The [cert NAME] sections: each one added, removed or changed is a setting applied. */
static unsigned adopt_sets(struct config *running, struct config *next)
{
	struct cert_set_cfg tmp[MAX_CERT_SETS];
	unsigned n = 0;
	int ntmp;

	for (int i = 0; i < running->nsets; i++) {
		const struct cert_set_cfg *o = &running->sets[i], *s = set_named(next, o->name);

		if (!s) {
			log_msg("reload: [cert %s] removed: applied", o->name);
			n++;
		} else if (!same_str(o->cert, s->cert) || !same_str(o->key, s->key) ||
			   !same_str(o->names, s->names)) {
			log_msg("reload: [cert %s] changed: applied", o->name);
			n++;
		}
	}
	for (int i = 0; i < next->nsets; i++) {
		if (!set_named(running, next->sets[i].name)) {
			log_msg("reload: [cert %s] added: applied", next->sets[i].name);
			n++;
		}
	}
	memcpy(tmp, running->sets, sizeof(tmp));
	ntmp = running->nsets;
	memcpy(running->sets, next->sets, sizeof(tmp));
	running->nsets = next->nsets;
	memcpy(next->sets, tmp, sizeof(tmp));
	next->nsets = ntmp;
	return n;
}

/*
 * The listeners: their addresses need a restart (the sockets are bound once, per worker);
 * the offload of a [listen] section that is still there is applied.
 */
static void adopt_listeners(struct config *running, const struct config *next,
			    unsigned *applied, unsigned *restart)
{
	char a[512], b[512];
	bool same = running->nlisteners == next->nlisteners;

	for (int i = 0; same && i < running->nlisteners; i++)
		same = same_listener(&running->listeners[i], &next->listeners[i]);
	if (!same) {
		log_at(LOG_WARNING, "reload: 'listen' changed (%s -> %s): needs a restart; still %s",
		       listeners_str(running, a, sizeof(a)), listeners_str(next, b, sizeof(b)), a);
		(*restart)++;
	}
	for (int i = 0; i < running->nlisteners; i++) {
		struct listener_cfg *l = &running->listeners[i];

		for (int j = 0; j < next->nlisteners; j++) {
			const struct listener_cfg *nl = &next->listeners[j];

			if (!same_listener(l, nl) || nl->offload == l->offload)
				continue;
			log_msg("reload: [listen %s] 'offload' changed (%s -> %s): applied", l->name,
				l->offload < 0 ? "the global one" : kso_mode_name(l->offload),
				nl->offload < 0 ? "the global one" : kso_mode_name(nl->offload));
			l->offload = nl->offload;
			(*applied)++;
			break;
		}
	}
}

void reload_adopt(struct config *running, struct config *next, unsigned *applied,
		  unsigned *restart)
{
	char a[64], b[64];

	*applied = *restart = 0;
	adopt_listeners(running, next, applied, restart);
	*applied += adopt_sets(running, next);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *s = &settings[i];
		const char *was = value_str(s, running, a, sizeof(a));
		const char *now = value_str(s, next, b, sizeof(b));

		if (!strcmp(was, now))
			continue;
		if (s->live) {
			log_msg("reload: '%s' changed (%s -> %s): applied", s->name, was, now);
			adopt(s, running, next);
			(*applied)++;
		} else {
			log_at(LOG_WARNING, "reload: '%s' changed (%s -> %s): needs a restart; still %s",
			       s->name, was, now, was);
			(*restart)++;
		}
	}
}
