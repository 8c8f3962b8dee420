// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's side of ktlso.ko, one per worker: a netlink socket for requests
 * (registering connections, reading policy) and one subscribed to the module's events
 * (policy changes, key-usage limits, live offload requests), polled from the worker's
 * ring and applied here: listener policies, the key-usage guard's closes, live offloads.
 * Without the module everything here is off, the daemon serves as before and says so
 * once; the worker retries every few seconds, so loading the module later (or again,
 * after an unload) takes effect without a restart.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define CTL_RETRY_MS 2000	/* module absent: look again; present: is it still? */

/* Said once per daemon, not once per worker. */
static atomic_int said_absent, said_present, said_events;

static int policy_keep(const struct kso_policy *p, void *arg)
{
	struct wctl *wc = arg;
	struct kso_policy *n;

	if (wc->npol % 16 == 0) {
		n = realloc(wc->pol, (wc->npol + 16) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		wc->pol = n;
	}
	wc->pol[wc->npol++] = *p;
	return 0;
}

static int ctl_load_policies(struct wctl *wc)
{
	free(wc->pol);
	wc->pol = NULL;
	wc->npol = 0;
	return kso_nl_policy_dump(wc->req, policy_keep, wc);
}

void ctl_close(struct wctl *wc)
{
	kso_nl_close(wc->req);
	kso_nl_close(wc->ev);
	wc->req = wc->ev = NULL;
	free(wc->pol);
	wc->pol = NULL;
	wc->npol = 0;
}

static int ctl_open(struct wctl *wc, int wid)
{
	int err;

	wc->retry_at = now_ms() + CTL_RETRY_MS;
	err = kso_nl_open(&wc->req);
	if (err)
		goto fail;
	err = ctl_load_policies(wc);
	if (err)
		goto fail;
	err = kso_nl_daemon_events_open(&wc->ev);
	if (err) {
		/* registry without events: no policy updates, no guard, no live offload */
		if (!atomic_exchange(&said_events, 1))
			log_msg("ktlso: cannot subscribe to the module's events: %s; policy "
				"changes, key-usage limits and live offload are not followed",
				kso_nl_strerror(err));
		wc->ev = NULL;
	}
	atomic_store(&said_absent, 0);
	if (!atomic_exchange(&said_present, 1))
		log_msg("ktlso: module present: connections are registered, %zu listener "
			"polic%s loaded", wc->npol, wc->npol == 1 ? "y" : "ies");
	(void)wid;
	return 0;
fail:
	ctl_close(wc);
	if (!atomic_exchange(&said_absent, 1))
		log_msg("ktlso: %s: no socket registry, module policy or key-usage guard; "
			"serving as configured", kso_nl_strerror(err));
	atomic_store(&said_present, 0);
	return err;
}

static void ctl_failed(struct wctl *wc, const char *what, int err);

static bool ctl_retry_due(const struct wctl *wc, uint64_t now)
{
	return !wc->req && now >= wc->retry_at;
}

/*
 * From the tick, every CTL_RETRY_MS: is the module we opened still there, and still the
 * same instance? An unload shows only when a request fails, and a reload not even then
 * (the family may come back under the same id, with our sockets forgotten and our event
 * subscription gone), so one of our registered sockets (fd, or -1 if none) is looked up.
 * Returns -ESTALE when the module must be opened again.
 */
static int ctl_check(struct wctl *wc, uint64_t now, int fd)
{
	char ver[KTLSO_VERSION_STRING_MAX];
	socklen_t len = sizeof(uint64_t);
	struct kso_sock s;
	uint64_t cookie;
	uint32_t proto;
	int err;

	if (!wc->req || now < wc->retry_at)
		return 0;
	wc->retry_at = now + CTL_RETRY_MS;
	if (fd >= 0 && !getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len)) {
		err = kso_nl_sock_get(wc->req, cookie, &s);
		/* the module gone answers -ENOENT too: tell that apart */
		if (err == -ENOENT && !kso_nl_get_version(wc->req, ver, sizeof(ver), &proto)) {
			log_msg("ktlso: the module forgot our connections (it was reloaded): "
				"registering them again");
			ctl_close(wc);
			return -ESTALE;
		}
	} else {
		err = kso_nl_get_version(wc->req, ver, sizeof(ver), &proto);
	}
	if (err) {
		ctl_failed(wc, "checking the module", err);
		return wc->req ? 0 : -ESTALE;
	}
	return 0;
}

/* A request failed: if the module went away, close and retry later. */
static void ctl_failed(struct wctl *wc, const char *what, int err)
{
	static atomic_int said_perm;

	if (err == -EPERM || err == -EACCES) {
		/* a daemon without CAP_NET_ADMIN: once, not once per connection */
		if (!atomic_exchange(&said_perm, 1))
			log_msg("ktlso: %s: %s; connections are not registered (looking again "
				"every minute)", what, kso_nl_strerror(err));
		ctl_close(wc);
		wc->retry_at = now_ms() + 60000;
		return;
	}
	if (err == -ENOENT || err == -EOPNOTSUPP || err == -ECONNREFUSED) {
		if (!atomic_exchange(&said_absent, 1))
			log_msg("ktlso: the module went away (%s: %s); registry off until it is "
				"back", what, kso_nl_strerror(err));
		atomic_store(&said_present, 0);
		ctl_close(wc);
		wc->retry_at = now_ms() + CTL_RETRY_MS;
		return;
	}
	log_msg("ktlso: %s: %s", what, kso_nl_strerror(err));
}

static int ctl_register(struct wctl *wc, const struct kso_sock_reg *reg)
{
	int err;

	if (!wc->req)
		return -ENOENT;
	err = kso_nl_sock_register(wc->req, reg);
	if (err)
		ctl_failed(wc, "register", err);
	return err;
}

void ctl_unregister(struct wctl *wc, int fd, const char *reason)
{
	int err;

	if (!wc->req)
		return;
	err = kso_nl_sock_unregister(wc->req, fd, 0, reason);
	/* -ENOENT for one socket: the module was reloaded and forgot it; not an error */
	if (err && err != -ENOENT)
		ctl_failed(wc, "unregister", err);
}

/* A policy event: keep the table as the module has it. */
static void ctl_policy_event(struct wctl *wc, const struct kso_event *ev)
{
	for (size_t i = 0; i < wc->npol; i++) {
		if (kso_addr_equal(&wc->pol[i].addr, &ev->policy.addr)) {
			wc->pol[i] = wc->pol[--wc->npol];
			break;
		}
	}
	if (ev->cmd == KTLSO_CMD_EV_POLICY_ADD)
		(void)policy_keep(&ev->policy, wc);
}

/* Events were lost: the policy table may be stale, read it again. */
static void ctl_resync(struct wctl *wc)
{
	int err;

	if (wc->req && (err = ctl_load_policies(wc)))
		ctl_failed(wc, "reading policies", err);
}

/* Tell the module about the connection (again, after a change). */
void ctl_conn_register(struct conn *c)
{
	struct kso_sock_reg reg = {
		.fd = c->fd,
		.version = c->version,
		.cipher = c->ktls_cipher,
		.key_gen = c->key_gen,
		.fallback = c->fallback,
	};

	/* plain HTTP: no TLS for the module to watch (and no registration when it comes back) */
	if (!c->w->ctl.req || c->state != CS_OPEN || c->plain)
		return;
	c->registered = ctl_register(&c->w->ctl, &reg) == 0;
	if (c->registered && !c->cookie) {
		socklen_t len = sizeof(c->cookie);

		/* the module's name for the socket, which its events carry */
		if (getsockopt(c->fd, SOL_SOCKET, SO_COOKIE, &c->cookie, &len) < 0)
			c->cookie = 0;
	}
}

/* The listeners' offload mode and ciphers: the module's policy where it has one. */
void ctl_apply_policies(struct worker *w)
{
	for (int i = 0; i < w->nls; i++) {
		struct listener *l = &w->ls[i];
		const struct kso_policy *p = kso_policy_match(w->ctl.pol, w->ctl.npol, &l->addr);
		int mode = p ? p->mode : l->cfg_offload;
		uint32_t ciphers = p ? p->ciphers : 0;

		if (l->plain)
			continue;	/* no TLS there: nothing a policy could say */
		if (mode != l->offload && w->id == 0)
			log_msg("listener %s: offload %s (was %s), %s", ktlsod.cfg.listeners[i].name,
				kso_mode_name(mode), kso_mode_name(l->offload),
				p ? "by ktlso policy" : "as configured: no ktlso policy for it");
		l->offload = mode;
		l->ciphers = ciphers;
	}
}

static struct conn *ctl_conn_by_id(struct worker *w, const struct kso_sock *s)
{
	for (struct conn *c = w->conns; c; c = c->next)
		if (c->state == CS_OPEN && c->registered && c->cookie == s->id)
			return c;
	return NULL;
}

static void ctl_on_key_limit(struct conn *c, const struct kso_event *ev)
{
	bool tx = ev->dir == KTLSO_DIR_TX;
	uint64_t seq = tx ? ev->sock.tx_seq : ev->sock.rx_seq;
	const char *why = rk_unable(c);

	if (!why) {
		rk_on_key_limit(c, tx);	/* a KeyUpdate instead of the close */
		return;
	}
	atomic_fetch_add(&ktlsod.st.key_limit_closed, 1);
	free(c->reason_buf);
	if (asprintf(&c->reason_buf,
		     "key usage limit: %s at record %llu of %llu; %s", tx ? "TX" : "RX",
		     (unsigned long long)seq, (unsigned long long)ev->sock.rec_limit, why) < 0)
		c->reason_buf = NULL;
	c->close_reason = c->reason_buf ? c->reason_buf : "key usage limit";
	c->key_limit = true;
	/* idle: close now; in a response: at the end of the record being sent */
	if (!c->responding)
		conn_close(c, c->close_reason);
}

static int ctl_on_event(const struct kso_event *ev, void *arg)
{
	struct worker *w = arg;
	struct conn *c;

	switch (ev->cmd) {
	case KTLSO_CMD_EV_POLICY_ADD:
	case KTLSO_CMD_EV_POLICY_DEL:
		ctl_policy_event(&w->ctl, ev);
		ctl_apply_policies(w);
		break;
	case KTLSO_CMD_EV_KEY_LIMIT:
		c = ctl_conn_by_id(w, &ev->sock);
		if (c && !c->key_limit)
			ctl_on_key_limit(c, ev);
		break;
	case KTLSO_CMD_EV_OFFLOAD_REQUEST:
		c = ctl_conn_by_id(w, &ev->sock);
		if (!c)
			break;
		if (!c->tu) {
			ctl_conn_register(c);	/* in kTLS already: the module says so */
			break;
		}
		c->tu->offload_pending = true;
		hs_live_offload_try(c);
		break;
	default:
		break;
	}
	return 0;
}

static void ctl_arm_events(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (!w->ctl.ev || w->ctl.ev_armed)
		return;
	sqe = ring_sqe(&w->ring);
	io_uring_prep_poll_add(sqe, kso_nl_fd(w->ctl.ev), POLLIN);
	io_uring_sqe_set_data64(sqe, ud(&w->ctl, OP_NLEV));
	w->ctl.ev_armed = true;
}

void ctl_on_events(struct worker *w, int res)
{
	int err;

	if (res == -ECANCELED)
		return;	/* the poll of a socket closed since (ctl_start) */
	w->ctl.ev_armed = false;
	if (!w->ctl.ev)
		return;	/* closed while the poll was in flight */
	if (res < 0 && res != -EINTR) {
		log_msg("worker %d: ktlso events: poll: %s", w->id, strerror(-res));
		return;
	}
	err = kso_nl_events_read(w->ctl.ev, ctl_on_event, w);
	if (err == -ENOBUFS) {
		log_msg("worker %d: ktlso events were lost (socket buffer full); policies "
			"read again", w->id);
		ctl_resync(&w->ctl);
		ctl_apply_policies(w);
	} else if (err && err != -EAGAIN) {
		log_msg("worker %d: ktlso events: %s", w->id, kso_nl_strerror(err));
	}
	ctl_arm_events(w);
}

/* The module is (back) there: policies apply, live connections get registered. */
void ctl_start(struct worker *w)
{
	if (w->ctl.ev_armed) {
		/* a poll on the events socket of a module that went away */
		struct io_uring_sqe *sqe = ring_sqe(&w->ring);

		io_uring_prep_cancel64(sqe, ud(&w->ctl, OP_NLEV), 0);
		io_uring_sqe_set_data64(sqe, 0);
		w->ctl.ev_armed = false;
	}
	if (ctl_open(&w->ctl, w->id))
		return;
	w->ctl_up = true;
	ctl_apply_policies(w);
	ctl_arm_events(w);
	for (struct conn *c = w->conns; c; c = c->next)
		if (c->state == CS_OPEN)
			ctl_conn_register(c);
}

/*
 * Once a tick: is the module still there (it may have been unloaded, or reloaded: -ESTALE),
 * or, when it is not, is it time to look again?
 */
void ctl_tick(struct worker *w, uint64_t now)
{
	if (w->ctl_up && !w->ctl.req) {
		w->ctl_up = false;
		ctl_apply_policies(w);	/* the module went away: back to the configuration */
	}
	if (w->ctl.req) {
		int fd = -1;

		for (struct conn *c = w->conns; c && fd < 0; c = c->next)
			if (c->registered && c->state == CS_OPEN)
				fd = c->fd;
		if (ctl_check(&w->ctl, now, fd) == -ESTALE && !w->draining) {
			w->ctl.retry_at = 0;
			ctl_start(w);
		}
	} else if (ctl_retry_due(&w->ctl, now) && !w->draining) {
		ctl_start(w);
	}
}
