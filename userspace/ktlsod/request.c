// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading requests on an open connection: plaintext from kTLS RX (with the record type of
 * the records that are not application data), or ciphertext through OpenSSL; then
 * parsing them, one answer (respond.c) at a time.
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/tls.h>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

static void req_arm_read(struct conn *c)
{
	struct io_uring_sqe *sqe;

	if (c->read_armed || c->state != CS_OPEN || c->eof)
		return;
	if (c->ktls_rx) {
		bool ring = c->w->ring.br != NULL;

		/* a provided buffer must fit whole, or wait until requests are consumed */
		if (ring ? c->in && c->in_len + RBUF_SZ > c->in_cap : c->in_len >= c->in_cap)
			return;
		/* kTLS RX: recvmsg, for the record type of non-data records */
		c->iov.iov_base = ring ? NULL : c->in + c->in_len;
		c->iov.iov_len = ring ? RBUF_SZ : c->in_cap - c->in_len;
		memset(&c->msg, 0, sizeof(c->msg));
		c->msg.msg_iov = &c->iov;
		c->msg.msg_iovlen = 1;
		c->msg.msg_control = c->cmsg;
		c->msg.msg_controllen = sizeof(c->cmsg);
		sqe = conn_sqe(c, OP_RECV);
		io_uring_prep_recvmsg(sqe, c->fd, &c->msg, 0);
		if (ring) {
			sqe->flags |= IOSQE_BUFFER_SELECT;
			sqe->buf_group = RBUF_GROUP;
		}
	} else {
		struct tlsu *u = c->tu;
		bool ring = c->w->ring.br != NULL;
		size_t len = ring ? RBUF_SZ : TLS_REC_MAX;

		if (c->in && c->in_len >= c->in_cap)
			return;
		/*
		 * Ciphertext lands in a provided buffer where the kernel has them, so that an
		 * idle connection waiting for its next request holds no buffer of its own.
		 */
		if (!ring && !u->raw && !(u->raw = malloc(TLS_REC_MAX))) {
			conn_close(c, "out of memory");
			return;
		}
		/* moving into kTLS: take no byte past the end of the current record */
		if (u->offload_pending && recscan_need(&u->rxs) < len)
			len = recscan_need(&u->rxs);
		sqe = conn_sqe(c, OP_RECV);
		io_uring_prep_recv(sqe, c->fd, ring ? NULL : u->raw, len, 0);
		if (ring) {
			sqe->flags |= IOSQE_BUFFER_SELECT;
			sqe->buf_group = RBUF_GROUP;
		}
	}
	c->read_armed = true;
}

/*
 * A record that is not application data, from kTLS RX. Closes, but for a close_notify and
 * a KeyUpdate; what the client may not send now gets the alert RFC 8446 §5 and §6 ask for.
 */
static void req_on_control_record(struct conn *c, unsigned char type, const unsigned char *p,
				  int n)
{
	/* an alert: exactly one per record in TLS 1.3 (§5.1); TLS 1.2 could coalesce them */
	if (type == 21 && (n == 2 || (n > 2 && c->version != TLS_1_3_VERSION))) {
		if (p[1] == 0) {
			c->eof = "close_notify";	/* the requests before it are answered */
			return;
		}
		conn_close_fmt(c, "alert from client: level %u description %u", p[0], p[1]);
		return;
	}
	if (type == 21) {
		conn_fatal_alert(c, TLS_ALERT_DECODE_ERROR,
				 "an alert record of %d byte%s from the client (sent decode_error)", n,
				 n == 1 ? "" : "s");
		return;
	}
	if (type == 22 && n >= 1 && p[0] == 24) {	/* handshake: KeyUpdate */
		rk_on_key_update(c, p, n);
		return;
	}
	if (type == 22 && n >= 1) {
		conn_fatal_alert(c, TLS_ALERT_UNEXPECTED_MESSAGE,
				 "handshake message %u after the handshake (sent unexpected_message)",
				 p[0]);
		return;
	}
	conn_fatal_alert(c, TLS_ALERT_UNEXPECTED_MESSAGE,
			 "unexpected record type %u after the handshake (sent unexpected_message)",
			 type);
}

/*
 * Userspace RX: decrypt what OpenSSL holds into c->in, as far as it fits. Returns 1 when
 * the connection was closed. What does not fit stays in OpenSSL (SSL_pending) and is
 * pulled by req_process() once requests have been consumed: the socket may have nothing more.
 */
static int req_ssl_pull(struct conn *c)
{
	int n = 0, e;

	if (conn_in_reserve(c)) {
		conn_close(c, "out of memory");
		return 1;
	}
	while (c->in_len < c->in_cap &&
	       (n = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len))) > 0)
		c->in_len += (uint32_t)n;
	if (n <= 0) {
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_ZERO_RETURN) {
			/* RFC 8446 §6.1: it ends the client's side only; what came before is
			 * answered (req_process closes once it is) */
			c->eof = "close_notify";
		} else if (e != SSL_ERROR_WANT_READ) {
			hs_fail(c, "TLS error");
			return 1;
		}
	}
	if (c->ktls_tx && (BIO_ctrl_pending(SSL_get_wbio(c->ssl)) ||
			   SSL_get_key_update_type(c->ssl) != SSL_KEY_UPDATE_NONE)) {
		/* a reply is due (a KeyUpdate, say) under write keys kTLS now owns */
		conn_close(c, "the client asked for a reply that only kTLS TX could send "
			      "(key update with TX offloaded)");
		return 1;
	}
	if (conn_drain_wbio(c) == 0)
		conn_send_pending(c);	/* e.g. a KeyUpdate answered by OpenSSL */
	return 0;
}

/* io_uring wrote these bytes, where valgrind cannot see it (a no-op otherwise). */
static void req_mark_defined(struct conn *c, int res, unsigned cflags)
{
	if (res <= 0)
		return;
	if (cflags & IORING_CQE_F_BUFFER)
		VALGRIND_MAKE_MEM_DEFINED(ring_rbuf(&c->w->ring, cflags >> IORING_CQE_BUFFER_SHIFT),
					  res);
	else if (c->ktls_rx)
		VALGRIND_MAKE_MEM_DEFINED(c->in + c->in_len, res);
	else if (c->tu && c->tu->raw)
		VALGRIND_MAKE_MEM_DEFINED(c->tu->raw, res);
	if (c->ktls_rx) {
		VALGRIND_MAKE_MEM_DEFINED(&c->msg, sizeof(c->msg));
		VALGRIND_MAKE_MEM_DEFINED(c->cmsg, sizeof(c->cmsg));
	}
}

/*
 * A read that landed in a provided buffer: copy it out (plaintext to c->in, ciphertext to
 * OpenSSL) and hand the buffer straight back. Returns 1 when the connection was closed.
 */
static int req_take_rbuf(struct conn *c, int res, unsigned cflags)
{
	unsigned bid = cflags >> IORING_CQE_BUFFER_SHIFT;
	const char *data = ring_rbuf(&c->w->ring, bid);

	if (res > 0 && c->state == CS_OPEN && c->ktls_rx) {
		if (conn_in_reserve(c)) {
			ring_rbuf_put(&c->w->ring, bid);
			conn_close(c, "out of memory");
			return 1;
		}
		memcpy(c->in + c->in_len, data, (size_t)res);
	} else if (res > 0 && c->state == CS_OPEN && c->tu) {
		/* userspace TLS: the ciphertext goes to OpenSSL's read BIO */
		recscan(&c->tu->rxs, &c->tu->rx_seq, (const unsigned char *)data, (size_t)res);
		BIO_write(SSL_get_rbio(c->ssl), data, res);
	}
	ring_rbuf_put(&c->w->ring, bid);
	return 0;
}

/* A read of 0 (a FIN: what was asked before is answered, then the close) or an error. 1: closed. */
static int req_read_ended(struct conn *c, int res)
{
	if (res == 0) {
		c->eof = c->plain ? "client closed" : "client closed without close_notify";
		return 0;
	}
	conn_close_fmt(c, "recv failed: %s", strerror(-res));
	return 1;
}

/* kTLS RX: res bytes of plaintext at c->in + c->in_len, or an error. 1: closed. */
static int req_got_plaintext(struct conn *c, int res)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(&c->msg);

	if (res == -EBADMSG) {
		/* corrupted record: bad_record_mac alert, close; others are unaffected */
		if (c->ktls_tx) {
			static const unsigned char alert[2] = { 2, 20 };	/* fatal */

			(void)kso_ktls_send_record(c->fd, 21, alert, sizeof(alert),
						   MSG_DONTWAIT | MSG_NOSIGNAL);
			c->ktls_tx = false;	/* no close_notify after a fatal alert */
		}
		conn_close(c, "corrupted record from client (bad_record_mac)");
		return 1;
	}
	if (res == -EKEYEXPIRED) {
		/* kTLS (6.14+) after a KeyUpdate whose new key was not set: cannot happen
		 * unless a rekey went wrong; say so rather than "recv failed" */
		conn_close(c, "read under an expired key (a KeyUpdate without the next RX key)");
		return 1;
	}
	if (res <= 0)
		return req_read_ended(c, res);
	if (cm && cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE &&
	    *CMSG_DATA(cm) != 23) {
		req_on_control_record(c, *CMSG_DATA(cm), (unsigned char *)c->in + c->in_len, res);
		return c->state != CS_OPEN;
	}
	c->in_len += (uint32_t)res;
	c->bytes_in += (uint64_t)res;
	return 0;
}

/* Userspace TLS: res bytes of ciphertext (in tu->raw unless in_rbuf), or an error. 1: closed. */
static int req_got_ciphertext(struct conn *c, int res, bool in_rbuf)
{
	if (res <= 0)
		return req_read_ended(c, res);
	c->bytes_in += (uint64_t)res;
	c->tu->cancel_sent = false;
	if (!in_rbuf) {
		recscan(&c->tu->rxs, &c->tu->rx_seq, (const unsigned char *)c->tu->raw,
			(size_t)res);
		BIO_write(SSL_get_rbio(c->ssl), c->tu->raw, res);
	}
	return req_ssl_pull(c);
}

void req_on_recv(struct conn *c, int res, unsigned cflags)
{
	bool was_empty = c->in_len == 0;
	bool in_rbuf = cflags & IORING_CQE_F_BUFFER;

	c->read_armed = false;
	req_mark_defined(c, res, cflags);
	if (in_rbuf && req_take_rbuf(c, res, cflags))
		return;
	if (c->state != CS_OPEN)
		return;
	if (res == -ENOBUFS) {
		req_arm_read(c);	/* every buffer was busy this round: they are back now */
		return;
	}
	if (res == -EAGAIN || res == -EINTR) {
		/*
		 * Nothing read, and not an error: a read that found nothing after its poll
		 * said there was something (kTLS: a record still incomplete) goes to one of
		 * io_uring's worker threads, where on our non-blocking socket it fails with
		 * EAGAIN (or its wait is interrupted). Seen with kTLS RX over a lossy path
		 * (tests/e2e/netem.sh). Wait for the rest.
		 */
		req_arm_read(c);
		return;
	}
	if (res == -ECANCELED && c->tu) {
		c->tu->cancel_sent = false;
		req_process(c);	/* cancelled for a live offload: try it */
		return;
	}
	if (c->ktls_rx ? req_got_plaintext(c, res) : req_got_ciphertext(c, res, in_rbuf))
		return;
	if (was_empty && c->in_len)
		conn_set_deadline(c);	/* a request began: its header deadline does not move */
	req_process(c);
}

/* What http_parse() refused, in the log's words (http.c says which case is which). */
static const char *req_parse_why(int status)
{
	switch (status) {
	case 400:
		return "malformed request";
	case 403:
		return "a . or .. segment in the path";
	case 413:
		return "a request body";
	case 414:
		return "request target too long";
	case 431:
		return "header fields too large or too many";
	case 501:
		return "transfer coding";
	case 505:
		return "HTTP version not supported";
	default:
		return NULL;
	}
}

/* Parse and answer requests as long as there are complete ones and no response runs. */
void req_process(struct conn *c)
{
	struct http_limits lim = { c->live->max_header_bytes, c->live->max_headers };
	int n;

	if (c->state != CS_OPEN || c->rq)
		return;
	if (rk_tx_try(c))
		return;	/* no response before our KeyUpdate: back here at POLLOUT */
	if (c->in_len) {
		c->rq = calloc(1, sizeof(*c->rq));
		if (!c->rq) {
			conn_close(c, "out of memory");
			return;
		}
		n = http_parse_resume(c->in, c->in_len, &lim, &c->rq->req, &c->scan);
		if (n != 0)
			memset(&c->scan, 0, sizeof(c->scan));	/* the next one starts afresh */
		if (n > 0) {
			resp_open_file(c, n);
			return;
		}
		if (n < 0) {
			c->rq->dirfd = -1;
			c->rq->consumed = c->in_len;	/* the connection closes after it */
			serve_status(-n, false, false, conn_hsts(c), &c->rq->resp);
			c->rq->resp.why = req_parse_why(-n);
			resp_start(c);
			return;
		}
		free(c->rq);
		c->rq = NULL;
	}
	/* userspace RX: plaintext OpenSSL decrypted earlier but that did not fit */
	if (!c->ktls_rx && c->ssl && !c->eof && c->in_len < c->in_cap &&
	    (SSL_pending(c->ssl) || BIO_ctrl_pending(SSL_get_rbio(c->ssl)))) {
		uint32_t before = c->in_len;

		if (req_ssl_pull(c))
			return;
		if (c->in_len > before) {
			req_process(c);
			return;
		}
	}
	if (c->eof) {
		conn_close(c, c->eof);	/* every complete request before it was answered */
		return;
	}
	if (atomic_load(&ktlsod.stop) && !c->in_len) {
		conn_close(c, "shutting down");
		return;
	}
	if (c->key_limit) {
		conn_close(c, c->close_reason);
		return;
	}
	hs_live_offload_try(c);
	conn_in_release(c);
	req_arm_read(c);
}
