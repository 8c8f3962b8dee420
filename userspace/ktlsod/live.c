// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The settings that workers read and a reload may change (struct live): the timeouts, the
 * request limits, HSTS, dotfiles, each listener's configured offload. One immutable
 * snapshot per load, counted by reference: the main thread publishes a new one, each worker
 * takes it at its next accept or tick (worker.c, worker_live), and each connection holds
 * the one it was accepted under until it is freed, so it finishes with the settings it
 * started with.
 *
 * The TLS context goes with the settings: a snapshot holds a reference to the SSL_CTX new
 * connections start with, so a context lives as long as a connection or a worker may still
 * take it, and settings and certificates change together.
 *
 * Why this is safe: nothing in a snapshot is written once it is published. A worker takes its reference under live_mu, so the main thread
 * cannot drop the last reference between the worker's load of the pointer and its
 * increment; the mutex is taken only when the generation changed (once per reload and
 * worker), never per connection. References after that are atomic counts, like OpenSSL's
 * on an SSL_CTX; the last one frees, in whichever thread lets go of it.
 */
#include "ktlsod.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct live *live_cur;		/* one reference, the published one's */
static atomic_uint live_generation;

struct live *live_new(const struct config *cfg)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	atomic_init(&l->refs, 1);
	live_fill(l, cfg);
	return l;
}

void live_fill(struct live *l, const struct config *cfg)
{
	l->handshake_timeout_ms = cfg->handshake_timeout_ms;
	l->header_timeout_ms = cfg->header_timeout_ms;
	l->send_timeout_ms = cfg->send_timeout_ms;
	l->idle_timeout_ms = cfg->idle_timeout_ms;
	l->max_header_bytes = cfg->max_header_bytes;
	l->max_headers = cfg->max_headers;
	l->allow_dotfiles = cfg->allow_dotfiles;
	if (cfg->hsts_max_age)
		snprintf(l->hsts, sizeof(l->hsts), "Strict-Transport-Security: max-age=%u\r\n",
			 cfg->hsts_max_age);
	else
		l->hsts[0] = '\0';
	for (int i = 0; i < cfg->nlisteners; i++)
		l->offload[i] = (int8_t)(cfg->listeners[i].offload < 0 ? cfg->offload :
									 cfg->listeners[i].offload);
}

struct live *live_ref(struct live *l)
{
	atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
	return l;
}

void live_put(struct live *l)
{
	if (l && atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1) {
		SSL_CTX_free(l->ctx);
		free(l);
	}
}

void live_publish(struct live *l)
{
	struct live *old;

	pthread_mutex_lock(&live_mu);
	old = live_cur;
	l->gen = atomic_load(&live_generation) + 1;
	live_cur = l;
	atomic_store(&live_generation, l->gen);
	pthread_mutex_unlock(&live_mu);
	live_put(old);
}

unsigned live_gen(void)
{
	return atomic_load_explicit(&live_generation, memory_order_relaxed);
}

struct live *live_get(void)
{
	struct live *l;

	pthread_mutex_lock(&live_mu);
	l = live_cur ? live_ref(live_cur) : NULL;
	pthread_mutex_unlock(&live_mu);
	return l;
}

void live_end(void)
{
	pthread_mutex_lock(&live_mu);
	live_put(live_cur);
	live_cur = NULL;
	pthread_mutex_unlock(&live_mu);
}
