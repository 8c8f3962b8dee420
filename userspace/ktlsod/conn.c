// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The connection: its slab, its lifecycle (deadlines, close, free), its buffers (the
 * request input, the output queue that OpenSSL and responses write into, the splice
 * pipe) and the SQEs issued on its behalf. What it does in each state lives in
 * handshake.c (HANDSHAKE, HANDOFF), request.c and respond.c (OPEN).
 */
#include "conn.h"
#include "addr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#define SLAB_CONNS	256			/* struct conn allocated this many at a time */

struct io_uring_sqe *conn_sqe(struct conn *c, enum op op)
{
	struct io_uring_sqe *sqe = ring_sqe(&c->w->ring);

	io_uring_sqe_set_data64(sqe, ud(c, op));
	c->inflight++;
	return sqe;
}

/* The client's address as the log shows it: an IPv4 client of a dual-stack socket as IPv4. */
const char *conn_peer_str(const struct conn *c, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	memcpy(&ss, &c->peer, sizeof(c->peer));
	if (c->peer.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&c->peer.sin6_addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = c->peer.sin6_port;
		memcpy(&s4->sin_addr, &c->peer.sin6_addr.s6_addr[12], 4);
	}
	return kso_addr_format(&ss, buf, len);
}

const char *conn_mode_str(const struct conn *c)
{
	if (c->plain)
		return "plain";
	if (c->ktls_tx && c->ktls_rx)
		return "ktls-txrx";
	if (c->ktls_tx)
		return "ktls-tx";
	if (c->ktls_rx)
		return "ktls-rx";
	return "userspace";
}

void conn_tlsu_free(struct conn *c)
{
	if (!c->tu)
		return;
	if (c->ssl)
		SSL_set_msg_callback(c->ssl, NULL);
	free(c->tu->raw);
	free(c->tu);
	c->tu = NULL;
}

/*
 * Connections come from slabs of their own, apart from the malloc heap where handshakes
 * churn through OpenSSL objects and record buffers: long-lived small objects scattered
 * among those would pin the heap's pages (measured: 6 KB of RSS per idle connection
 * with malloc, see tests/e2e/memory.sh). Slabs are never returned; their pages are.
 */
struct conn *conn_alloc(struct worker *w)
{
	struct conn *c;

	if (!w->free_conns) {
		size_t len = SLAB_CONNS * sizeof(struct conn);
		struct conn *slab = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);

		if (slab == MAP_FAILED)
			return NULL;
		for (int i = SLAB_CONNS - 1; i >= 0; i--) {
			slab[i].next = w->free_conns;
			w->free_conns = &slab[i];
		}
	}
	c = w->free_conns;
	w->free_conns = c->next;
	memset(c, 0, sizeof(*c));
	return c;
}

static void conn_release(struct worker *w, struct conn *c)
{
	c->next = w->free_conns;
	w->free_conns = c;
}

/* A pipe for splicing, from the worker's pool; given back empty after each response. */
int conn_pipe_get(struct conn *c)
{
	struct worker *w = c->w;
	int p[2];

	if (c->pipe_r >= 0)
		return 0;
	if (w->npipes) {
		w->npipes--;
		c->pipe_r = w->pipes[w->npipes][0];
		c->pipe_w = w->pipes[w->npipes][1];
		return 0;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	(void)fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES);	/* best effort, see PIPE_BYTES */
	c->pipe_r = p[0];
	c->pipe_w = p[1];
	return 0;
}

void conn_pipe_put(struct conn *c)
{
	struct worker *w = c->w;

	if (c->pipe_r < 0)
		return;
	/* a pipe with bytes still in it (an aborted response) is not reusable */
	if (c->in_pipe || w->npipes == PIPE_POOL) {
		close(c->pipe_r);
		close(c->pipe_w);
	} else {
		w->pipes[w->npipes][0] = c->pipe_r;
		w->pipes[w->npipes][1] = c->pipe_w;
		w->npipes++;
	}
	c->pipe_r = c->pipe_w = -1;
	c->in_pipe = 0;
}


void conn_set_deadline(struct conn *c)
{
	const struct live *cfg = c->live;
	unsigned ms;

	if (c->state == CS_HANDSHAKE || c->state == CS_HANDOFF)
		ms = cfg->handshake_timeout_ms;
	else if (c->responding)
		ms = cfg->send_timeout_ms;	/* a response moving: waits on the client */
	else if (c->in_len || c->rq)
		ms = cfg->header_timeout_ms;	/* a request started: its header is due */
	else if (!c->requests)
		ms = cfg->handshake_timeout_ms;	/* established: the first request is due */
	else
		ms = cfg->idle_timeout_ms;	/* keep-alive between requests */
	c->deadline = now_ms() + ms;
}

static void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	char peer[80];

	char fb[256] = "";

	if (c->fallback)
		snprintf(fb, sizeof(fb), " fallback=\"%s\"", c->fallback);
	log_access("conn peer=%s tls=%s cipher=%s offload=%s%s requests=%u bytes_in=%llu "
		"bytes_out=%llu ms=%llu close=\"%s\"",
		conn_peer_str(c, peer, sizeof(peer)), c->version ? kso_version_name(c->version) : "-",
		c->cipher ? c->cipher : "-", conn_mode_str(c), fb, c->requests,
		(unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
		(unsigned long long)(now_ms() - c->start),
		c->close_reason ? c->close_reason : "closed");
	if (c->registered)
		ctl_unregister(&w->ctl, c->fd, c->close_reason ? c->close_reason : "closed");
	if (c->fd >= 0)
		close(c->fd);
	if (c->rq) {
		if (c->rq->resp.fd >= 0)
			close(c->rq->resp.fd);
		if (c->rq->dirfd >= 0)
			close(c->rq->dirfd);
		free(c->rq);
	}
	conn_pipe_put(c);
	conn_tlsu_free(c);
	SSL_free(c->ssl);
	rk_forget(c);
	free(c->in);
	free(c->out);
	live_put(c->live);
	free(c->out_busy);
	free(c->reason_buf);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	w->frees_since_trim++;
	atomic_fetch_add(&ktlsod.st.closed, 1);
	conn_release(w, c);
}

/*
 * Never blocking: the connection is going away either way. -EAGAIN when kTLS TX had no
 * room for the alert (the caller may try again), else 0.
 */
static int send_close_notify(struct conn *c)
{
	static const unsigned char alert[2] = { 1, 0 };	/* warning, close_notify */

	/* not in the middle of bytes an io_uring send or splice still has to write */
	if (c->send_armed || c->splice_pending || c->plain)
		return 0;
	if (c->ktls_tx) {
		ssize_t r = kso_ktls_send_record(c->fd, 21, alert, sizeof(alert),
						 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0)
			return (int)r;	/* -EAGAIN: later; EPIPE, ECONNRESET: the peer is gone */
	} else if (c->ssl && c->hs_done) {
		char buf[128];
		int n;

		SSL_shutdown(c->ssl);
		if (BIO_method_type(SSL_get_wbio(c->ssl)) == BIO_TYPE_MEM) {
			n = BIO_read(SSL_get_wbio(c->ssl), buf, sizeof(buf));
			if (n > 0)
				(void)send(c->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else if (c->out_len > c->out_off) {
			/* conn_wbio_out: the alert is at the end of the output queue */
			(void)send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				   MSG_DONTWAIT | MSG_NOSIGNAL);
		}
	}
	return 0;
}

/*
 * kTLS TX keeps the records TCP had no room for in a queue of its own, and close() frees
 * that queue: whatever is still in it never reaches the client, and a shutdown() sends
 * the FIN ahead of it. On a slow or lossy path the end of the last response (and the
 * close_notify behind it) can wait there. So a connection that closes with bytes in
 * flight stays open until TCP has delivered them all (SIOCOUTQ 0: kTLS pushes its queue
 * as TCP frees room, so by then it is empty), looked at by a timer; a client that does
 * not read them within the send timeout, or an error on the socket, ends it anyway.
 * Returns true when the connection may be closed now.
 */
static bool conn_flushed(struct conn *c)
{
	int outq = 0, err = 0, r;
	socklen_t len = sizeof(err);
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);

	if (!c->notify_sent) {
		r = send_close_notify(c);
		if (r && r != -EAGAIN)
			return true;	/* reset or shut: nothing more reaches the client */
		c->notify_sent = !r;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return true;
	/*
	 * A reset leaves write_seq - snd_una (SIOCOUTQ) as it was, and its error may have
	 * been taken by the send that met it: the state says the connection is over.
	 */
	if (!getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) && ti.tcpi_state == TCP_CLOSE)
		return true;
	if (ioctl(c->fd, SIOCOUTQ, &outq) || (outq == 0 && c->notify_sent))
		return true;
	return now_ms() > c->deadline;
}

/*
 * A flushing connection is looked at again by a timer of its own, not by the tick: on a
 * path that acknowledges quickly (a LAN, loopback) SIOCOUTQ drains within milliseconds,
 * and waiting a whole tick held every closed connection, its log line and its place under
 * --max-conns for up to a second. The looks back off from 2 ms to 256 ms; the send
 * timeout (conn_flushed) bounds the wait. io_uring reads the timespec when the SQE is
 * submitted, later than here: the table is static.
 */
static void conn_flush_arm(struct conn *c)
{
	static const struct __kernel_timespec steps[] = {
		{ .tv_nsec = 2000000 }, { .tv_nsec = 4000000 }, { .tv_nsec = 8000000 },
		{ .tv_nsec = 16000000 }, { .tv_nsec = 32000000 }, { .tv_nsec = 64000000 },
		{ .tv_nsec = 128000000 }, { .tv_nsec = 256000000 },
	};
	const unsigned n = sizeof(steps) / sizeof(steps[0]);
	struct io_uring_sqe *sqe = conn_sqe(c, OP_FLUSH);

	io_uring_prep_timeout(sqe, (struct __kernel_timespec *)&steps[c->flush_step < n ?
								     c->flush_step : n - 1],
			      0, 0);
	if (c->flush_step < n)
		c->flush_step++;
}

/* Shut down the socket (completing whatever is in flight on it); the last completion frees. */
static void conn_end(struct conn *c)
{
	c->flushing = false;
	shutdown(c->fd, SHUT_RDWR);
	if (!c->inflight)
		conn_free(c);
}

void conn_close_fmt(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->close_reason && !c->reason_buf) {
		va_start(ap, fmt);
		if (vasprintf(&c->reason_buf, fmt, ap) < 0)
			c->reason_buf = NULL;
		va_end(ap);
		c->close_reason = c->reason_buf;
	}
	conn_close(c, c->close_reason ? c->close_reason : "error");
}

void conn_fatal_alert(struct conn *c, unsigned char desc, const char *fmt, ...)
{
	const unsigned char alert[2] = { 2, desc };
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->ktls_tx && !c->plain && !c->send_armed && !c->splice_pending)
		(void)kso_ktls_send_record(c->fd, 21, alert, sizeof(alert),
					   MSG_DONTWAIT | MSG_NOSIGNAL);
	c->ktls_tx = false;	/* no close_notify after a fatal alert */
	conn_close_fmt(c, "%s", why);
}

void conn_close(struct conn *c, const char *reason)
{
	uint64_t now = now_ms();

	if (c->state == CS_CLOSING) {
		if (!c->inflight && !c->flushing)
			conn_free(c);
		return;
	}
	c->state = CS_CLOSING;
	if (!c->close_reason)
		c->close_reason = reason;
	/* kTLS TX with nothing of ours in flight, not closed for a timeout: flush first */
	if (c->ktls_tx && !c->send_armed && !c->splice_pending && now <= c->deadline) {
		c->deadline = now + c->live->send_timeout_ms;
		c->flushing = !conn_flushed(c);
		if (c->flushing) {
			c->flush_step = 0;
			conn_flush_arm(c);
			return;
		}
	} else {
		send_close_notify(c);
	}
	conn_end(c);
}

/* OP_FLUSH: a flushing connection's timer went off (conn_flush_arm). */
void conn_on_flush(struct conn *c)
{
	if (!c->flushing)
		return;		/* the tick ended it meanwhile */
	if (conn_flushed(c))
		conn_end(c);
	else
		conn_flush_arm(c);
}

/* Called after every completion of a connection's operation. */
void conn_put(struct conn *c)
{
	c->inflight--;
	if (c->state == CS_CLOSING && !c->inflight && !c->flushing)
		conn_free(c);
}

/* Room for n more bytes at c->out + c->out_len. */
int conn_out_room(struct conn *c, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *o;

		while (cap < c->out_len + n)
			cap *= 2;
		if (c->send_armed && !c->out_busy) {
			/* a send reads c->out right now: move, keep the old one until it completes */
			o = malloc(cap);
			if (!o)
				return -ENOMEM;
			memcpy(o, c->out, c->out_len);
			c->out_busy = c->out;
		} else {
			o = realloc(c->out, cap);
			if (!o)
				return -ENOMEM;
		}
		c->out = o;
		c->out_cap = (uint32_t)cap;
	}
	return 0;
}

int conn_out_append(struct conn *c, const void *p, size_t n)
{
	if (conn_out_room(c, n))
		return -ENOMEM;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += (uint32_t)n;
	return 0;
}

/*
 * Userspace TLS once the handshake is done: OpenSSL writes its records straight into the
 * output queue through this BIO. A memory BIO cost two more passes over every byte (its
 * buffer grows zeroed, then the copy out of it) and a clearing of the whole buffer per
 * drain; measured under icount (bench/bench, ktlsod-user): see the commit that brought
 * it. Records are counted as they pass, for a live offload. The handshake keeps its
 * memory BIO (its flights are looked at, and kTLS TX takes over from it), and so does a
 * connection once TX is in kTLS (conn_wbio_mem).
 */
static BIO_METHOD *out_method;
static pthread_once_t out_once = PTHREAD_ONCE_INIT;

static int out_bio_write(BIO *b, const char *p, int n)
{
	struct conn *c = BIO_get_data(b);
	uint64_t nrec = 0;

	if (n <= 0)
		return 0;
	recscan(&c->txs, c->tu ? &c->tu->tx_seq : &nrec, (const unsigned char *)p, (size_t)n);
	if (conn_out_append(c, p, (size_t)n))
		return -1;	/* not a retry: SSL_write fails, the caller closes */
	return n;
}

static long out_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH;	/* nothing is ever pending in the BIO itself */
}

static int out_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void out_method_init(void)
{
	out_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ktlsod out");
	if (out_method && (!BIO_meth_set_write(out_method, out_bio_write) ||
			   !BIO_meth_set_ctrl(out_method, out_bio_ctrl) ||
			   !BIO_meth_set_create(out_method, out_bio_create))) {
		BIO_meth_free(out_method);
		out_method = NULL;
	}
}

int conn_wbio_out(struct conn *c)
{
	BIO *b;

	pthread_once(&out_once, out_method_init);
	if (!out_method || conn_drain_wbio(c) || !(b = BIO_new(out_method)))
		return -ENOMEM;
	BIO_set_data(b, c);
	SSL_set0_wbio(c->ssl, b);	/* frees the memory BIO */
	return 0;
}

int conn_wbio_mem(struct conn *c)
{
	BIO *b;

	if (BIO_method_type(SSL_get_wbio(c->ssl)) == BIO_TYPE_MEM)
		return 0;
	b = BIO_new(BIO_s_mem());
	if (!b)
		return -ENOMEM;
	SSL_set0_wbio(c->ssl, b);
	return 0;
}

/* Move what OpenSSL wrote into the output buffer (nothing to do with conn_wbio_out's). */
int conn_drain_wbio(struct conn *c)
{
	BIO *wb = SSL_get_wbio(c->ssl);
	char *data;
	long n = BIO_get_mem_data(wb, &data);
	int err = 0;

	if (n > 0) {
		uint64_t nrec = 0;	/* counted from the handshake's end on (c->tu) */

		recscan(&c->txs, c->tu ? &c->tu->tx_seq : &nrec, (const unsigned char *)data,
			(size_t)n);
		err = conn_out_append(c, data, (size_t)n);
		(void)BIO_reset(wb);
	}
	return err;
}

/*
 * A memory write BIO (the handshake's, kept where TX is in kTLS and RX in userspace) keeps
 * the capacity of the largest burst it held. Between responses, give an empty one back.
 * conn_wbio_out's holds nothing.
 */
static void conn_wbio_shrink(struct conn *c)
{
	BIO *wb = SSL_get_wbio(c->ssl), *fresh;
	BUF_MEM *bm = NULL;

	if (!wb || BIO_get_mem_ptr(wb, &bm) <= 0 || !bm || bm->length || bm->max <= 4096)
		return;
	fresh = BIO_new(BIO_s_mem());
	if (fresh)
		SSL_set0_wbio(c->ssl, fresh);	/* frees the old one */
}

/* Userspace TLS, idle since the last tick: give back what the next request will take again. */
void conn_slim(struct conn *c)
{
	conn_wbio_shrink(c);
	if (c->out && !c->send_armed && c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = c->out_cap = 0;
	}
	if (c->in && c->w->ring.br) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

void conn_send_pending(struct conn *c)
{
	struct io_uring_sqe *sqe;
	int flags = MSG_NOSIGNAL;

	if (c->send_armed || c->out_off == c->out_len || c->state == CS_CLOSING)
		return;
	/*
	 * A head followed by a body of at most a record: one record for both. Before a longer
	 * body the head is a record of its own, so that the body's records start on a page of
	 * the file: from 6.5 (kTLS's MSG_SPLICE_PAGES) a head sharing the first record cost
	 * about 5 % more per 1 MiB response (measured under icount; 6.1: no difference).
	 */
	if (c->ktls_tx && c->rq && c->file_left && c->file_left <= 16384)
		flags |= MSG_MORE;
	sqe = conn_sqe(c, OP_SEND);
	io_uring_prep_send(sqe, c->fd, c->out + c->out_off, c->out_len - c->out_off, flags);
	c->send_armed = true;
}

/* The request buffer: up to max_header_bytes of requests, plus one read's worth. */
int conn_in_reserve(struct conn *c)
{
	if (c->in)
		return 0;
	c->in_cap = c->live->max_header_bytes + RBUF_SZ;
	c->in = malloc(c->in_cap);
	c->in_len = 0;
	return c->in ? 0 : -ENOMEM;
}

/*
 * An idle connection whose reads land in provided buffers needs no input buffer of its own
 * until bytes come: kTLS RX copies them in (on_recv) and reserves it again. Userspace TLS
 * (ssl_pull) does the same, but its buffers are let go only once the connection has been
 * idle for a tick (tick(), conn_slim()): OpenSSL's buffers come back with it, and taking them
 * again for every request costs more than it saves.
 */
void conn_in_release(struct conn *c)
{
	if (c->in && !c->in_len && c->ktls_rx && c->w->ring.br) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

/*
 * Once a tick: a connection past its deadline closes with the reason of the state it was
 * in; when the daemon drains, an idle one closes now; userspace TLS idle since the last
 * tick lets its buffers go.
 */
void conn_tick(struct conn *c, uint64_t now)
{
	/*
	 * A flushing connection is its flush timer's (conn_flush_arm) alone: ended here, the
	 * timer still in flight kept it, and its log line, up to 256 ms after its FIN.
	 */
	if (c->state == CS_CLOSING)
		return;
	if (c->w->draining && c->state == CS_OPEN && !c->rq && !c->in_len) {
		conn_close(c, "shutting down");
		return;
	}
	if (c->state == CS_OPEN && c->tu && c->ssl && !c->rq && !c->in_len &&
	    c->idle_ticks < 255 && ++c->idle_ticks == 1)
		conn_slim(c);
	if (now > c->deadline)
		conn_close(c, c->state == CS_HANDSHAKE ? "handshake timeout" :
			      c->splice_pending ? "splice did not complete" :
			      c->responding ? "send timeout (client not reading)" :
			      c->in_len ? "request header timeout" :
			      !c->requests ? (c->plain ? "no request" :
					      "no request after the handshake") :
			      "idle timeout");
}
