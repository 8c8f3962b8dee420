// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One worker: one io_uring ring, its own SO_REUSEPORT listeners, every connection it
 * accepted. This file is the event loop: accepting, the tick (timeouts, drain, the
 * module's comings and goings, giving memory back) and the dispatch of completions to
 * the connection (conn.h) they belong to.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include <openssl/err.h>
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#include "sslkeys.h"

#define TICK_MS		1000
#define TRIM_MS		10000	/* give freed heap back at least this often when busy */

/* ------------------------------------------------------------------ accept, loop */

static void arm_accept(struct worker *w, struct listener *l)
{
	struct io_uring_sqe *sqe = ring_sqe(&w->ring);

	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud(l, OP_ACCEPT));
	l->rearm = false;
}

/*
 * The settings published since this worker last looked (live.c): new connections take
 * them, and the listeners' configured offload goes into effect (the module's policy still
 * wins). A safe point: the worker's own state only, between two completions.
 */
static void worker_live(struct worker *w)
{
	struct live *l;

	if (live_gen() == w->live_gen)
		return;
	l = live_get();
	if (!l)
		return;
	live_put(w->live);
	w->live = l;
	w->live_gen = l->gen;
	for (int i = 0; i < w->nls; i++)
		w->ls[i].cfg_offload = l->offload[i];
	ctl_apply_policies(w);
}

static void on_accept(struct worker *w, struct listener *l, int res, unsigned flags)
{
	struct conn *c;
	socklen_t len = sizeof(c->peer);
	int one = 1;

	if (!(flags & IORING_CQE_F_MORE) && !w->draining) {
		bool fd_shortage = res == -EMFILE || res == -ENFILE || res == -ENOMEM ||
				   res == -ENOBUFS;

		/* multishot ended: re-arm now, or from the tick when short of fds/memory */
		if (fd_shortage)
			l->rearm = true;
		else
			arm_accept(w, l);
	}
	if (res < 0) {
		if (res == -EMFILE || res == -ENFILE || res == -ENOMEM || res == -ENOBUFS) {
			/* pause accepting until the next tick instead of spinning on it */
			if (!w->accept_paused)
				log_at(LOG_WARNING, "worker %d: accept: %s; pausing accepts for a second",
					w->id, strerror(-res));
			w->accept_paused = true;
		} else if (res != -ECANCELED && res != -EBADF) {
			log_at(LOG_ERR, "worker %d: accept: %s", w->id, strerror(-res));
		}
		return;
	}
	atomic_fetch_add(&ktlsod.st.accepted, 1);
	if (w->draining || w->nconns >= w->cap + w->cap / 8 + 1) {
		atomic_fetch_add(&ktlsod.st.refused_cap, 1);
		close(res);
		return;
	}
	c = conn_alloc(w);
	if (!c) {
		close(res);
		return;
	}
	worker_live(w);
	c->w = w;
	c->live = live_ref(w->live);
	c->fd = res;
	c->file_fd = c->pipe_r = c->pipe_w = -1;
	c->offload = (uint8_t)l->offload;
	c->li = (uint8_t)(l - w->ls);
	c->over_cap = w->nconns >= w->cap;
	c->start = now_ms();
	getpeername(res, (struct sockaddr *)&c->peer, &len);
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	if (setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		conn_close_fmt(c, "setsockopt(TCP_NODELAY): %s", strerror(errno));
		return;
	}
	if (l->plain)
		hs_plain(c);
	else
		hs_start(c);
}

/*
 * Give back the pages of memory that handshakes freed: OpenSSL objects and record
 * buffers come and go, and between the connections that stay they leave holes that
 * glibc keeps resident until asked. Responses and closes free memory too (requests,
 * output buffers): on keep-alive traffic alone, trim every TRIM_MS.
 */
static void worker_trim(struct worker *w, uint64_t now)
{
	if (w->handshakes_since_trim ||
	    (w->frees_since_trim && now - w->trimmed_at >= TRIM_MS)) {
#ifndef __SANITIZE_ADDRESS__
		/*
		 * Not under ASan, whose allocator is not glibc's: there malloc_trim() would
		 * set up glibc's main arena from a worker thread as that thread's own, and
		 * glibc aborts when the second worker exits ("a->attached_threads > 0").
		 */
		malloc_trim(64 * 1024);
#endif
		w->handshakes_since_trim = w->frees_since_trim = 0;
		w->trimmed_at = now;
	}
}

static void tick(struct worker *w)
{
	uint64_t now = now_ms();
	struct io_uring_sqe *sqe;
	struct conn *c, *next;

	if (atomic_load(&ktlsod.stop) && !w->draining) {
		w->draining = true;
		for (int i = 0; i < w->nls; i++) {
			sqe = ring_sqe(&w->ring);
			io_uring_prep_cancel64(sqe, ud(&w->ls[i], OP_ACCEPT), 0);
			io_uring_sqe_set_data64(sqe, 0);	/* its completion is ignored */
		}
	}
	ctl_tick(w, now);
	worker_live(w);
	if (w->accept_paused && !w->draining) {
		w->accept_paused = false;
		for (int i = 0; i < w->nls; i++)
			if (w->ls[i].rearm)
				arm_accept(w, &w->ls[i]);
	}
	for (c = w->conns; c; c = next) {
		next = c->next;
		conn_tick(c, now);
	}
	worker_trim(w, now);
	ofc_tick(w);
	sqe = ring_sqe(&w->ring);
	io_uring_prep_timeout(sqe, &w->tick_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_TICK);
}

static void dispatch(struct worker *w, struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	enum op op = ud_op(data);
	void *p = ud_ptr(data);
	struct conn *c = p;

	switch (op) {
	case OP_TICK:
		tick(w);
		return;
	case OP_ACCEPT:
		on_accept(w, p, cqe->res, cqe->flags);
		return;
	case OP_NLEV:
		ctl_on_events(w, cqe->res);
		return;
	case OP_HS_POLL:
		hs_on_poll(c, cqe->res);
		break;
	case OP_RECV:
		req_on_recv(c, cqe->res, cqe->flags);
		break;
	case OP_SEND:
		resp_on_send(c, cqe->res);
		break;
	case OP_SPLICE_IN:
	case OP_SPLICE_OUT:
		resp_on_splice(c, op, cqe->res);
		break;
	case OP_POLLOUT:
		c->waiting_pollout = false;
		if (c->state == CS_OPEN && c->responding)
			resp_body_step(c);
		else if (c->state == CS_OPEN && !rk_tx_try(c))
			req_process(c);	/* our KeyUpdate went out between requests */
		break;
	case OP_FLUSH:
		conn_on_flush(c);
		break;
	case OP_OPEN:
		resp_on_open(c, cqe->res);
		break;
	default:
		return;
	}
	conn_put(c);
}

int worker_run(int id, const int *listen_fds)
{
	const struct config *cfg = &ktlsod.cfg;
	struct worker w = { .id = id };
	struct io_uring_cqe *cqe;
	int err;

	w.tick_ts.tv_sec = TICK_MS / 1000;
	w.cap = (cfg->max_conns + (unsigned)cfg->workers - 1) / (unsigned)cfg->workers;
	w.scratch = malloc(SCRATCH_BYTES);
	if (!w.scratch) {
		log_at(LOG_ERR, "worker %d: out of memory", id);
		return -ENOMEM;
	}
	err = ring_init(&w.ring, id);
	if (err) {
		log_at(LOG_ERR, "worker %d: io_uring_queue_init: %s", id, strerror(-err));
		free(w.scratch);
		return err;
	}
	w.live = live_get();
	w.live_gen = w.live->gen;
	for (int i = 0; i < cfg->nlisteners; i++) {
		socklen_t len = sizeof(w.ls[i].addr);

		w.ls[i].fd = listen_fds[i];
		w.ls[i].cfg_offload = w.ls[i].offload = w.live->offload[i];
		w.ls[i].plain = cfg->listeners[i].plain;
		getsockname(listen_fds[i], (struct sockaddr *)&w.ls[i].addr, &len);
		arm_accept(&w, &w.ls[i]);
	}
	w.nls = cfg->nlisteners;
	ctl_start(&w);
	ring_setup_rbufs(&w.ring);
	tick(&w);
	worker_started(0);

	while (!w.draining || w.nconns) {
		unsigned head, n = 0;

		err = io_uring_submit_and_wait(&w.ring.q, 1);
		if (err < 0 && err != -EINTR) {
			log_at(LOG_ERR, "worker %d: io_uring_submit_and_wait: %s", id, strerror(-err));
			break;
		}
		io_uring_for_each_cqe(&w.ring.q, head, cqe) {
			dispatch(&w, cqe);
			n++;
		}
		io_uring_cq_advance(&w.ring.q, n);
	}
	ofc_flush(&w);
	ring_exit(&w.ring);
	ctl_close(&w.ctl);
	for (int i = 0; i < w.nls; i++)
		close(w.ls[i].fd);
	live_put(w.live);
	free(w.scratch);
	return 0;
}
