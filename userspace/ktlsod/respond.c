// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Answering a request: the file opened with openat2 below the served root, the head sent
 * with MSG_MORE, the body spliced file -> pipe -> socket through io_uring (kTLS TX) or
 * read and written through OpenSSL (userspace TLS); a small cached body goes with the
 * head. The connection's send completions end here.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#ifndef __NR_cachestat
#define __NR_cachestat	451	/* the same number on every architecture (6.5) */
#endif

#define SMALL_BODY	(32u << 10)		/* at most this: read and sent with the head */
#define SPLICE_STALL_MS	60000	/* a splice still queued or running after this: give up */
#define USER_CHUNK	SCRATCH_BYTES	/* userspace TLS: the head and body bytes of one send */

/*
 * Can a read of this file system wait for a disk? preadv2(RWF_NOWAIT) answers per read,
 * but only where the file system supports it (not tmpfs before 6.6, nor NFS or overlayfs:
 * EOPNOTSUPP). Then a file in memory (tmpfs, ramfs) is read as it is; anything else goes by
 * splice. One answer per worker and device, the served root being usually one.
 */
static bool resp_fs_in_memory(struct worker *w, int fd, uint64_t dev)
{
	struct statfs sf;

	if (w->memfs_dev != dev || !w->memfs_known) {
		w->memfs_dev = dev;
		w->memfs_known = true;
		w->memfs = !fstatfs(fd, &sf) &&
			   (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
	}
	return w->memfs;
}

/*
 * A small body behind the head, in the same send, when the page cache has it (RWF_NOWAIT:
 * a read that would wait for the disk returns EAGAIN, and the body goes by splice). Up to
 * SMALL_BODY, two copies cost less than a splice pair's trip through io_uring's worker
 * threads (measured under icount: 16 KiB, 107 k instead of 125 k instructions per request;
 * 32 KiB 170 k instead of 176 k; 64 KiB 284 k instead of 280 k). What is not read here
 * goes by splice as usual.
 */
static void resp_body_inline(struct conn *c, uint64_t dev)
{
	struct iovec iov;
	ssize_t n;

	if (c->file_left > SMALL_BODY || conn_out_room(c, (size_t)c->file_left))
		return;
	iov.iov_base = c->out + c->out_len;
	iov.iov_len = (size_t)c->file_left;
	n = preadv2(c->file_fd, &iov, 1, (off_t)c->file_off, RWF_NOWAIT);
	if (n < 0 && errno == EOPNOTSUPP && resp_fs_in_memory(c->w, c->file_fd, dev))
		n = pread(c->file_fd, iov.iov_base, iov.iov_len, (off_t)c->file_off);
	if (n <= 0)
		return;		/* not cached (EAGAIN), or gone: the splice path says what */
	c->out_len += (uint32_t)n;
	c->file_off += (uint64_t)n;
	c->file_left -= (uint64_t)n;
}

/*
 * Userspace TLS reads a part of the body into the worker's scratch buffer. What the page
 * cache holds comes without waiting (RWF_NOWAIT; a file in memory as it is, see
 * resp_fs_in_memory), up to the whole part. TODO(io_uring read): a part that is not
 * cached is read blocking, as before, one record's worth at most.
 */
static ssize_t resp_user_read(struct conn *c, char *p, size_t len)
{
	struct iovec iov = { .iov_base = p, .iov_len = len };
	ssize_t n;

	if (resp_fs_in_memory(c->w, c->file_fd, c->rq->resp.dev))
		return pread(c->file_fd, p, len, (off_t)c->file_off);
	n = preadv2(c->file_fd, &iov, 1, (off_t)c->file_off, RWF_NOWAIT);
	if (n >= 0 || (errno != EAGAIN && errno != EOPNOTSUPP))
		return n;
	return pread(c->file_fd, p, len < 16384 ? len : 16384, (off_t)c->file_off);
}

/*
 * Userspace TLS: the head (at the response's start) and up to USER_CHUNK bytes of the body
 * behind it, in one SSL_write: whole 16 KiB records, which OpenSSL encrypts straight into
 * c->out (conn_wbio_out), and one send for all of them. Against a record and a send per
 * 16 KiB read (and the head in a record and a send of its own), measured under icount:
 * see the commit that brought it.
 */
static void resp_body_userspace(struct conn *c, const char *head, size_t head_len)
{
	char *buf = c->w->scratch;
	size_t len = USER_CHUNK - head_len;
	ssize_t n = 0;

	if (len > c->file_left)
		len = (size_t)c->file_left;
	if (head_len)
		memcpy(buf, head, head_len);
	if (len) {
		n = resp_user_read(c, buf + head_len, len);
		if (n <= 0) {
			conn_close(c, n == 0 ? "file shrank while being sent" : "pread failed");
			return;
		}
		c->file_off += (uint64_t)n;
		c->file_left -= (uint64_t)n;
	}
	len = head_len + (size_t)n;
	/* room for it all at once: the records' headers and tags on top of the bytes */
	if (conn_out_room(c, len + USER_CHUNK / 16384 * 64 + 64) ||
	    SSL_write(c->ssl, buf, (int)len) != (int)len || conn_drain_wbio(c)) {
		conn_close(c, "SSL_write failed");
		return;
	}
	conn_send_pending(c);
}

/* Every refused request gets a line: status, why, and the request line as received. */
static void resp_log_refused(struct conn *c, const struct serve_resp *r)
{
	char peer[80], line[320];
	uint32_t n = c->rq->consumed < c->in_len ? c->rq->consumed : c->in_len;

	log_msg("conn peer=%s: refused %d (%s): \"%s\"", conn_peer_str(c, peer, sizeof(peer)),
		r->status, r->why ? r->why : http_reason(r->status),
		log_escape(line, sizeof(line), c->in ? c->in : "", n));
}

static void resp_body_step_nested(struct conn *c);

/*
 * kTLS: the head (and a body read with it) sent from here when the socket takes it whole,
 * one send() instead of an io_uring send whose completion comes round the loop before the
 * body can follow. Not from within another response's step (a pipelined request): no
 * recursion. Anything short of the whole (EAGAIN, an error): the io_uring send does the
 * rest and says what went wrong.
 */
static bool resp_send_now(struct conn *c)
{
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
	ssize_t n;

	if (c->send_armed || c->out_off || !c->out_len || c->w->resp_nested)
		return false;
	if (c->file_left && c->file_left <= 16384)
		flags |= MSG_MORE;	/* as conn_send_pending() */
	n = send(c->fd, c->out, c->out_len, flags);
	if (n <= 0)
		return false;
	c->bytes_out += (uint64_t)n;
	c->out_off += (uint32_t)n;
	if (c->out_off < c->out_len)
		return false;
	c->out_off = c->out_len = 0;
	resp_body_step_nested(c);
	return true;
}

void resp_start(struct conn *c)
{
	struct serve_resp *r = &c->rq->resp;

	if (r->status >= 400)
		resp_log_refused(c, r);
	c->requests++;
	c->idle_ticks = 0;
	c->responding = true;
	conn_set_deadline(c);
	atomic_fetch_add(&ktlsod.st.requests, 1);
	c->file_fd = r->fd;
	c->file_off = r->off;
	c->file_left = r->fd >= 0 ? r->len : 0;
	if (!c->ktls_tx) {
		resp_body_userspace(c, r->head, r->head_len);	/* the body's start with it */
		return;
	}
	if (conn_out_append(c, r->head, r->head_len)) {
		conn_close(c, "out of memory");
		return;
	}
	if (c->ktls_tx && c->file_left)
		resp_body_inline(c, r->dev);
	if (c->ktls_tx && resp_send_now(c))
		return;
	conn_send_pending(c);
}

static void resp_opened(struct conn *c, int res, const struct stat *st);

void resp_open_file(struct conn *c, int n)
{
	struct request *q = c->rq;
	struct io_uring_sqe *sqe;

	q->dirfd = -1;
	q->resp.fd = -1;
	q->consumed = (uint32_t)n;
	if (c->over_cap) {
		serve_status(503, q->req.method == HTTP_HEAD, false, conn_hsts(c), &q->resp);
		resp_start(c);
		return;
	}
	if (q->req.method == HTTP_OTHER) {
		serve_status(405, false, q->req.keep_alive, conn_hsts(c), &q->resp);
		resp_start(c);
		return;
	}
	const char *why = serve_path_refused(q->req.path, c->live->allow_dotfiles);

	if (why) {
		serve_status(403, q->req.method == HTTP_HEAD, q->req.keep_alive, conn_hsts(c),
			     &q->resp);
		q->resp.why = why;
		resp_start(c);
		return;
	}
	struct stat st;
	int fd = ofc_get(c->w, serve_relpath(&q->req), &st);

	if (fd >= 0) {
		resp_opened(c, fd, &st);
		return;
	}
	serve_open_how(&q->how);
	sqe = conn_sqe(c, OP_OPEN);
	io_uring_prep_openat2(sqe, ktlsod.root_fd, serve_relpath(&q->req), &q->how);
}

/* The path's file (or its error, res < 0), opened now or from the cache (st != NULL). */
static void resp_opened(struct conn *c, int res, const struct stat *st)
{
	struct request *q = c->rq;
	struct io_uring_sqe *sqe;
	bool index = q->dirfd >= 0;
	bool keep = q->req.keep_alive && !atomic_load(&ktlsod.stop);
	int r;

	if (st)
		r = serve_respond_stat(&q->req, res, st, keep, conn_hsts(c), &q->resp,
				       &q->dirfd);
	else
		r = serve_respond(&q->req, res, keep, conn_hsts(c), &q->resp,
				  index ? NULL : &q->dirfd);
	if (r == 1) {
		sqe = conn_sqe(c, OP_OPEN);
		io_uring_prep_openat2(sqe, q->dirfd, "index.html", &q->how);
		return;
	}
	resp_start(c);
}

void resp_on_open(struct conn *c, int res)
{
	struct request *q = c->rq;

	if (c->state != CS_OPEN) {
		if (res >= 0)
			close(res);
		return;
	}
	if (res >= 0 && q->dirfd < 0)
		ofc_put(c->w, serve_relpath(&q->req), res);	/* not a directory's index */
	resp_opened(c, res, NULL);
}

static void resp_done(struct conn *c)
{
	bool close_after = c->rq->resp.close;
	uint32_t n = c->rq->consumed;

	c->responding = false;
	/* only now: the request's header pointers were into these bytes */
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;

	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	conn_pipe_put(c);
	if (c->rq->dirfd >= 0)
		close(c->rq->dirfd);
	free(c->rq);
	c->rq = NULL;
	c->w->frees_since_trim++;
	/* idle connections keep no output buffer (userspace TLS: from the next tick, conn_slim) */
	if (c->out_off == c->out_len && c->out && c->ktls_tx) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = c->out_cap = 0;
	}
	if (close_after) {
		conn_close(c, "Connection: close");
		return;
	}
	conn_set_deadline(c);
	req_process(c);
}

static void resp_body_splice(struct conn *c)
{
	struct io_uring_sqe *sqe;
	unsigned more;

	if (c->in_pipe == 0) {
		uint32_t chunk = c->file_left < CHUNK ? (uint32_t)c->file_left : CHUNK;

		more = c->file_left > chunk ? SPLICE_F_MORE : 0;
		sqe = conn_sqe(c, OP_SPLICE_IN);
		io_uring_prep_splice(sqe, c->file_fd, (int64_t)c->file_off, c->pipe_w, -1, chunk,
				     SPLICE_F_NONBLOCK);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = conn_sqe(c, OP_SPLICE_OUT);
		io_uring_prep_splice(sqe, c->pipe_r, -1, c->fd, -1, chunk,
				     SPLICE_F_NONBLOCK | more);
		c->splice_pending = 2;
	} else {
		more = c->file_left ? SPLICE_F_MORE : 0;
		sqe = conn_sqe(c, OP_SPLICE_OUT);
		io_uring_prep_splice(sqe, c->pipe_r, -1, c->fd, -1, c->in_pipe,
				     SPLICE_F_NONBLOCK | more);
		c->splice_pending = 1;
	}
	/*
	 * Until it completes the splice waits on us, not on the client: io_uring's workers
	 * run the splices of every connection on this ring, a few at a time, and under load
	 * one may queue for longer than the header timeout. The client's clock restarts when
	 * it completes (on_splice); this bound only catches a splice that never does.
	 */
	c->deadline = now_ms() + SPLICE_STALL_MS;
}

/* cachestat(2)'s (6.5) arguments, as include/uapi/linux/mman.h has them */
struct resp_cachestat_range {
	uint64_t off, len;
};

struct resp_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

/*
 * Does the page cache hold all of [off, off + len)? Then sendfile() from the event loop
 * cannot wait for a disk (a page evicted between this look and the send can: a rare,
 * bounded stall of this worker, the price of not going through io-wq). A file in memory
 * (tmpfs, ramfs) always; else cachestat(2), from 6.5; before, no answer: io-wq's splice.
 */
static bool resp_range_cached(struct conn *c, uint64_t off, uint64_t len)
{
	struct resp_cachestat_range cr = { .off = off, .len = len };
	struct resp_cachestat cs;
	struct worker *w = c->w;

	if (resp_fs_in_memory(w, c->file_fd, c->rq->resp.dev))
		return true;
	if (w->no_cachestat)
		return false;
	if (syscall(__NR_cachestat, c->file_fd, &cr, &cs, 0)) {
		if (errno == ENOSYS)
			w->no_cachestat = true;
		return false;
	}
	return cs.nr_cache == (off + len - 1) / 4096 - off / 4096 + 1;
}

/*
 * The body's next CHUNK by sendfile() on the nonblocking socket, from the page cache: no
 * pipe, and no trip through io_uring's worker threads, which run every splice (io_uring
 * has no nonblocking splice from a file). Then a poll for room on the socket, which brings
 * us back through the loop (other connections go between two chunks). true: done here.
 */
static bool resp_body_sendfile(struct conn *c)
{
	size_t chunk = c->file_left < CHUNK ? (size_t)c->file_left : CHUNK;
	off_t off = (off_t)c->file_off;
	ssize_t n;

	if (c->in_pipe || !resp_range_cached(c, c->file_off, chunk))
		return false;
	n = sendfile(c->fd, c->file_fd, &off, chunk);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		if (errno == EPIPE || errno == ECONNRESET)
			conn_close(c, "client went away");
		else
			conn_close_fmt(c, "sendfile failed: %s", strerror(errno));
		return true;
	}
	if (n == 0) {
		conn_close(c, "file shrank while being sent");
		return true;
	}
	if (n > 0) {
		c->file_off += (uint64_t)n;
		c->file_left -= (uint64_t)n;
		c->bytes_out += (uint64_t)n;
		conn_set_deadline(c);
		if (!c->file_left) {
			resp_done(c);
			return true;
		}
	}
	resp_arm_pollout(c);
	return true;
}

void resp_body_step(struct conn *c)
{
	if (c->state != CS_OPEN || !c->responding)
		return;
	if (rk_tx_try(c))
		return;	/* our KeyUpdate, between two splices: back here when it went */
	if (c->key_limit && !c->in_pipe) {
		conn_close(c, c->close_reason);	/* between records: the client sees a close */
		return;
	}
	if (!c->file_left && !c->in_pipe) {
		resp_done(c);
		return;
	}
	hs_live_offload_try(c);	/* between two records: the rest may go through kTLS */
	if (!c->ktls_tx) {
		resp_body_userspace(c, NULL, 0);
		return;
	}
	if (resp_body_sendfile(c))
		return;
	if (conn_pipe_get(c)) {
		conn_close(c, "pipe2 failed");
		return;
	}
	resp_body_splice(c);
}

static void resp_body_step_nested(struct conn *c)
{
	struct worker *w = c->w;

	w->resp_nested++;
	resp_body_step(c);	/* may end the response and close c */
	w->resp_nested--;
}

void resp_arm_pollout(struct conn *c)
{
	struct io_uring_sqe *sqe = conn_sqe(c, OP_POLLOUT);

	io_uring_prep_poll_add(sqe, c->fd, POLLOUT);
	c->waiting_pollout = true;
}

void resp_on_splice(struct conn *c, enum op op, int res)
{
	if (op == OP_SPLICE_IN) {
		if (res > 0) {
			c->file_off += (uint64_t)res;
			c->file_left -= (uint64_t)res;
			c->in_pipe += (uint32_t)res;
		} else if (res == 0) {
			c->close_reason = "file shrank while being sent";
		} else if (res != -ECANCELED && !c->close_reason) {
			c->close_reason = "splice from the file failed";
		}
	} else {
		if (res > 0) {
			c->in_pipe -= (uint32_t)res;
			c->bytes_out += (uint64_t)res;
		} else if (res == -EPIPE || res == -ECONNRESET) {
			if (!c->close_reason)
				c->close_reason = "client went away";
		} else if (res != -EAGAIN && res != -EINTR && res != -ECANCELED &&
			   !c->close_reason) {
			/* EAGAIN, EINTR: the socket is full (see resp_on_send) */
			c->close_reason = "splice to the socket failed";
		}
	}
	if (--c->splice_pending)
		return;
	if (c->state != CS_OPEN)
		return;
	if (c->close_reason) {
		conn_close(c, c->close_reason);
		return;
	}
	conn_set_deadline(c);
	if (op == OP_SPLICE_OUT && (res == -EAGAIN || res == -EINTR))
		resp_arm_pollout(c);	/* the socket is full: come back when it drains */
	else
		resp_body_step(c);
}

void resp_on_send(struct conn *c, int res)
{
	c->send_armed = false;
	free(c->out_busy);
	c->out_busy = NULL;
	if (res == -EAGAIN || res == -EINTR) {
		/*
		 * Nothing sent, and not an error: a send that found the socket full after its
		 * poll said there was room goes to one of io_uring's worker threads, whose wait
		 * can be interrupted (EINTR) or not happen at all (EAGAIN). Seen with kTLS TX
		 * over a lossy path (tests/e2e/netem.sh). Send it again.
		 */
		conn_send_pending(c);
		return;
	}
	if (res < 0) {
		if (res == -EPIPE || res == -ECONNRESET)
			conn_close(c, "client went away");
		else
			conn_close_fmt(c, "send failed: %s", strerror(-res));
		return;
	}
	c->out_off += (uint32_t)res;
	c->bytes_out += (uint64_t)res;
	if (c->state == CS_CLOSING)
		return;
	conn_set_deadline(c);
	if (c->out_off < c->out_len) {
		conn_send_pending(c);
		return;
	}
	c->out_off = c->out_len = 0;
	if (c->state == CS_HANDOFF)
		hs_finish(c);
	else if (c->state == CS_OPEN && c->responding)
		resp_body_step(c);	/* the head (or a userspace-TLS chunk) is out: next part */
}
