// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A connection's way into kTLS: the handshake over memory BIOs, fed one whole record at a
 * time from the socket; the handoff, where the keys go into the kernel (or stay in
 * OpenSSL, with the reason); and the live offload an operator asks for (ktlsoctl sock
 * offload).
 *
 * During the handshake the daemon never takes a byte past the record that completes it
 * out of the socket: it peeks, then consumes exactly one whole record at a time, and waits
 * for the rest of a partial record with SO_RCVLOWAT. Whatever the client sent after its
 * Finished (a request in the same segment, say) is still queued when TLS_RX is set, and
 * kTLS reads it as the first record under the new keys: sequence numbers are exact (0 for
 * TLS 1.3; 1 for TLS 1.2, whose Finished was record 0) and nothing is decrypted twice.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "sslkeys.h"

#define IN_CAP_HS	TLS_REC_MAX	/* the handshake's record buffer */

/* OpenSSL's message callback: a KeyUpdate makes the captured secrets stale: wiped. */
static void hs_tlsu_msg_cb(int write_p, int version, int content_type, const void *buf,
			   size_t len, SSL *ssl, void *arg)
{
	struct tlsu *u = arg;

	(void)write_p, (void)version;
	if (content_type == SSL3_RT_HANDSHAKE && len >= 1 &&
	    *(const unsigned char *)buf == SSL3_MT_KEY_UPDATE) {
		u->keys_updated = true;
		kso_ssl_key_updated(ssl);
	}
}

static void hs_handoff(struct conn *c);

void hs_fail(struct conn *c, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	if (!c->hs_done)
		atomic_fetch_add(&ktlsod.st.handshake_failures, 1);
	ERR_clear_error();
	/* an alert OpenSSL prepared goes out before the close, best effort: not while an
	 * io_uring send has those bytes, and never raw once the kernel owns TX */
	if (c->ssl && !c->ktls_tx && !c->send_armed && conn_drain_wbio(c) == 0 &&
	    c->out_len > c->out_off)
		(void)send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			   MSG_DONTWAIT | MSG_NOSIGNAL);
	if (why)
		conn_close_fmt(c, "%s: %s", what, why);
	else
		conn_close(c, what);
}

static void hs_arm(struct conn *c, int need)
{
	struct io_uring_sqe *sqe;

	/* Wake up only when the rest of the record is there (tcp_poll honours it). */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &need, sizeof(need)) < 0) {
		conn_close_fmt(c, "setsockopt(SO_RCVLOWAT): %s", strerror(errno));
		return;
	}
	sqe = conn_sqe(c, OP_HS_POLL);
	io_uring_prep_poll_add(sqe, c->fd, POLLIN | POLLRDHUP);
}

/* A connection just accepted: its SSL over memory BIOs, then wait for the ClientHello. */
void hs_start(struct conn *c)
{
	BIO *rb, *wb;

	c->in_cap = IN_CAP_HS;
	c->in = malloc(c->in_cap);
	c->ssl = SSL_new(c->live->ctx);
	if (!c->in || !c->ssl) {
		conn_close(c, "out of memory");
		return;
	}
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(c->ssl, rb, wb);
	SSL_set_accept_state(c->ssl);
	c->state = CS_HANDSHAKE;
	conn_set_deadline(c);
	hs_arm(c, 5);
}

/*
 * A plain-HTTP listener's connection: no handshake, nothing to hand off, nothing for the
 * module. Straight to where hs_finish() leaves a connection all in kTLS.
 */
void hs_plain(struct conn *c)
{
	c->plain = c->ktls_tx = c->ktls_rx = true;
	c->state = CS_OPEN;
	if (!c->w->ring.br && conn_in_reserve(c)) {
		conn_close(c, "out of memory");
		return;
	}
	conn_set_deadline(c);
	req_process(c);
}

/*
 * TLS 1.3, the handshake just done: our Finished went out with the previous flight, so
 * what the last SSL_do_handshake() wrote are NewSessionTicket records, already under the
 * server's application key. kTLS TX starts after them (tls.c).
 */
static void hs_count_tickets(struct conn *c)
{
	struct recscan rs = { 0 };
	uint64_t nrec = 0;
	char *p;
	long len = BIO_get_mem_data(SSL_get_wbio(c->ssl), &p);

	if (len > 0)
		recscan(&rs, &nrec, (const unsigned char *)p, (size_t)len);
	c->tx_seq0 = (uint8_t)nrec;
}

void hs_on_poll(struct conn *c, int res)
{
	ssize_t n, off = 0;
	int r, need = 5;

	if (c->state != CS_HANDSHAKE)
		return;
	if (res < 0) {
		conn_close(c, "poll failed during the handshake");
		return;
	}
	n = recv(c->fd, c->in, c->in_cap, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		hs_arm(c, 1);
		return;
	}
	if (n <= 0) {
		conn_close(c, n == 0 ? "client closed during the handshake" :
				       "recv failed during the handshake");
		return;
	}
	while (off + 5 <= n) {
		ssize_t rlen = tls_rec_len((const unsigned char *)c->in + off);

		if (rlen < 0) {
			conn_close(c, "not a TLS client (bad record header)");
			return;
		}
		if (off + rlen > n) {
			need = (int)rlen;
			break;
		}
		/* Consume exactly this record: it is in the queue, this cannot block. */
		if (recv(c->fd, c->in + off, (size_t)rlen, MSG_DONTWAIT) != rlen) {
			conn_close(c, "short read of a peeked record");
			return;
		}
		c->bytes_in += (uint64_t)rlen;
		BIO_write(SSL_get_rbio(c->ssl), c->in + off, (int)rlen);
		off += rlen;
		r = SSL_do_handshake(c->ssl);
		if (r == 1 && SSL_version(c->ssl) == TLS1_3_VERSION)
			hs_count_tickets(c);
		if (conn_drain_wbio(c)) {
			conn_close(c, "out of memory");
			return;
		}
		if (r == 1) {
			c->hs_done = true;
			hs_handoff(c);
			return;
		}
		if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ) {
			hs_fail(c, "handshake failed");
			return;
		}
		need = 5;
	}
	if (res & (POLLRDHUP | POLLHUP | POLLERR)) {
		conn_close(c, "client closed during the handshake");
		return;
	}
	conn_send_pending(c);
	hs_arm(c, need);	/* the queue now starts at the next record */
}

/*
 * RFC 6066 maximum fragment length: the client takes no record above 512..4096 bytes, and
 * kTLS before 6.8 (TLS_TX_MAX_PAYLOAD_LEN) always fills records up to 16 KiB. Such a
 * connection stays in OpenSSL, which keeps to the negotiated size.
 */
#define MFL_WHY \
	"the client negotiated a maximum fragment length (RFC 6066), which kTLS does not keep to"

static bool hs_mfl_negotiated(const struct conn *c)
{
	SSL_SESSION *s = SSL_get_session(c->ssl);

	return s && SSL_SESSION_get_max_fragment_length(s) != TLSEXT_max_fragment_length_DISABLED;
}

/*
 * Why this connection's traffic cannot go into kTLS, or NULL when it can: the one place
 * that decides it. At the handoff the listener's ktlso policy and what the kernel was
 * found to lack at start count too; a live offload was asked for by an operator, and
 * there the kernel's own answer to the keys says the rest.
 */
static const char *hs_ktls_refusal(const struct conn *c, bool at_handoff)
{
	if (c->tu && c->tu->keys_updated)
		return "the keys were updated (TLS 1.3 KeyUpdate) while in userspace TLS";
	if (!c->ktls_cipher)
		return "the negotiated suite has no kTLS equivalent";
	if (at_handoff) {
		uint32_t allowed = c->w->ls[c->li].ciphers;
		int vi = c->version == TLS_1_3_VERSION;

		if (allowed && !(allowed & KTLSO_CIPHER_MASK(c->ktls_cipher)))
			return "the listener's ktlso policy does not allow this cipher in kTLS";
		if (ktlsod.caps.ulp)
			return kso_ktls_strerror(KSO_STEP_ULP, ktlsod.caps.ulp);
		for (int kc = 0; kc < KSO_CIPHER_COUNT; kc++)
			if (kso_cipher_info(kc)->ktls_type == c->ktls_cipher && ktlsod.caps.cipher[vi][kc])
				return kso_ktls_strerror(KSO_STEP_TX, ktlsod.caps.cipher[vi][kc]);
	}
	if (hs_mfl_negotiated(c))
		return MFL_WHY;
	return NULL;
}

/* After the handshake: pick what goes to the kernel, then wait for our last bytes. */
static void hs_handoff(struct conn *c)
{
	const SSL_CIPHER *sc = SSL_get_current_cipher(c->ssl);
	enum kso_cipher kc;
	uint16_t v = 0;

	atomic_fetch_add(&ktlsod.st.handshakes, 1);
	c->w->handshakes_since_trim++;
	c->state = CS_HANDOFF;
	if (sc && !kso_cipher_by_suite(SSL_CIPHER_get_protocol_id(sc), &v, &kc)) {
		c->version = v;
		c->cipher = kso_cipher_info(kc)->name;
		c->ktls_cipher = kso_cipher_info(kc)->ktls_type;
	} else {
		c->version = SSL_version(c->ssl) == TLS1_3_VERSION ? TLS_1_3_VERSION :
								      TLS_1_2_VERSION;
		c->cipher = sc ? SSL_CIPHER_get_name(sc) : "?";
	}
	if (c->offload != KTLSO_MODE_OFF)
		c->fallback = hs_ktls_refusal(c, true);
	/* Anything OpenSSL still has to say (TLS 1.2's CCS + Finished) goes out raw first. */
	if (c->out_off < c->out_len)
		conn_send_pending(c);
	else
		hs_finish(c);
}

/* Keep counting records in userspace, for a live offload later. */
static int hs_tlsu_start(struct conn *c, uint64_t seq0)
{
	c->tu = calloc(1, sizeof(*c->tu));
	if (!c->tu)
		return -ENOMEM;
	c->tu->tx_seq = c->tu->rx_seq = seq0;
	SSL_set_msg_callback(c->ssl, hs_tlsu_msg_cb);
	SSL_set_msg_callback_arg(c->ssl, c->tu);
	return 0;
}

/*
 * Derive and install the directions wanted into kTLS, the next records numbered tx_seq and
 * rx_seq. Only the secrets of what goes into the kernel are used up: a direction left in
 * userspace can still move later. Returns the reason it did not work, or NULL.
 */
static const char *hs_ktls_move(struct conn *c, bool want_tx, bool want_rx, uint64_t tx_seq,
				uint64_t rx_seq)
{
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step = KSO_STEP_ULP;
	int err = 0;

	if (want_tx && !recscan_boundary(&c->txs))
		return "OpenSSL's output ends inside a record";
	if (want_tx) {
		err = kso_ssl_derive_one(c->ssl, KSO_SERVER, true, tx_seq, &tx);
		/*
		 * TLS 1.2 AES-GCM: OpenSSL wrote the first records under this key (the Finished;
		 * before a live move, all so far) with explicit nonces from its own counter, which
		 * starts at random, not at the sequence number. kTLS goes on with that counter
		 * from the last record's, so that no nonce comes twice (ktls.c).
		 */
		tx.explicit_nonce = recscan_explicit_nonce(&c->txs) + 1;
	}
	if (!err && want_rx) {
		err = kso_ssl_derive_one(c->ssl, KSO_SERVER, false, rx_seq, &rx);
		if (err && want_tx)
			kso_dir_keys_wipe(&tx);
	}
	if (err)
		return err == -EOPNOTSUPP ? "the negotiated suite has no kTLS equivalent" :
					    "could not take the keys from OpenSSL";
	err = kso_ktls_install_keys(c->fd, want_tx ? &tx : NULL, want_rx ? &rx : NULL, &step);
	if (err) {
		/* Nothing is installed unless TX went in and RX failed: then TX stays kTLS. */
		c->ktls_tx |= want_tx && step == KSO_STEP_RX;
		return kso_ktls_strerror(step, err);
	}
	c->ktls_tx |= want_tx;
	c->ktls_rx |= want_rx;
	return NULL;
}

static void hs_install(struct conn *c)
{
	bool want_tx = c->offload == KTLSO_MODE_TX || c->offload == KTLSO_MODE_TXRX;
	bool want_rx = c->offload == KTLSO_MODE_RX || c->offload == KTLSO_MODE_TXRX;
	uint64_t seq0 = c->version == TLS_1_2_VERSION ? 1 : 0;
	uint64_t tx0 = seq0 + c->tx_seq0;	/* TLS 1.3: after the session tickets */
	int one = 1;

	c->state = CS_OPEN;
	/* reads of requests wake up for any byte again */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof(one)) < 0) {
		conn_close_fmt(c, "setsockopt(SO_RCVLOWAT): %s", strerror(errno));
		return;
	}
	if (c->offload != KTLSO_MODE_OFF && !c->fallback) {
		/* for KeyUpdates later; a failure only means they will close the connection */
		if (want_tx && want_rx)
			(void)rk_keep(c);
		c->fallback = hs_ktls_move(c, want_tx, want_rx, tx0, seq0);
		if (c->fallback)
			rk_forget(c);
		else
			atomic_fetch_add(&ktlsod.st.offloaded, 1);
	}
	if (c->fallback)
		atomic_fetch_add(&ktlsod.st.fallbacks, 1);
	if (c->ktls_tx && c->ktls_rx) {
		/* freed without a shutdown, OpenSSL would drop the session as a bad one:
		 * the connection is fine and its session must stay resumable */
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(c->ssl);	/* the kernel does TLS now; keys wiped above */
		c->ssl = NULL;
	} else if (hs_tlsu_start(c, seq0) || (!c->ktls_tx && conn_wbio_out(c))) {
		conn_close(c, "out of memory");
		return;
	} else {
		c->tu->tx_seq = tx0;
	}
	ctl_conn_register(c);
}

/* The handshake's last bytes are out (or there were none): into kTLS, then serve. */
void hs_finish(struct conn *c)
{
	hs_install(c);
	if (c->state != CS_OPEN)
		return;
	free(c->in);	/* the handshake's record buffer */
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
	if ((!c->ktls_rx || !c->w->ring.br) && conn_in_reserve(c)) {
		conn_close(c, "out of memory");
		return;
	}
	conn_set_deadline(c);
	req_process(c);
}

/*
 * An operator asked for this connection to move into kTLS (ktlsoctl sock offload). That
 * can happen only where both directions are at a record boundary: every record OpenSSL
 * wrote has been sent, every byte read from the socket was a whole record that OpenSSL
 * has decrypted. Until then reads take no byte past the end of the current record, and
 * this is tried again at the next completion. A direction already in kTLS stays.
 */
void hs_live_offload_try(struct conn *c)
{
	struct tlsu *u = c->tu;
	bool rx_user = !c->ktls_rx;
	const char *why;
	char peer[80];

	if (!u || !u->offload_pending || c->state != CS_OPEN)
		return;
	if (c->send_armed || c->out_off != c->out_len || BIO_ctrl_pending(SSL_get_wbio(c->ssl)))
		return;
	if (rx_user && c->read_armed) {
		if (!u->cancel_sent) {
			struct io_uring_sqe *sqe = ring_sqe(&c->w->ring);

			io_uring_prep_cancel64(sqe, ud(c, OP_RECV), 0);
			io_uring_sqe_set_data64(sqe, 0);	/* its completion is ignored */
			u->cancel_sent = true;
		}
		return;
	}
	if (rx_user && (!recscan_boundary(&u->rxs) || BIO_ctrl_pending(SSL_get_rbio(c->ssl)) ||
			SSL_has_pending(c->ssl)))
		return;

	u->offload_pending = false;
	why = hs_ktls_refusal(c, false);
	if (!why)
		why = hs_ktls_move(c, !c->ktls_tx, rx_user, u->tx_seq, u->rx_seq);
	if (why) {
		log_msg("conn peer=%s: live offload failed: %s", conn_peer_str(c, peer, sizeof(peer)),
			why);
		c->fallback = why;
	} else {
		log_msg("conn peer=%s: moved into kTLS live (%s) at record tx %llu rx %llu, %s",
			conn_peer_str(c, peer, sizeof(peer)), conn_mode_str(c),
			(unsigned long long)u->tx_seq, (unsigned long long)u->rx_seq,
			c->responding ? "in the middle of a response" : "between requests");
		c->fallback = NULL;
		atomic_fetch_add(&ktlsod.st.offloaded, 1);
		atomic_fetch_add(&ktlsod.st.live_offloaded, 1);
	}
	if (c->ktls_tx && !c->ktls_rx && conn_wbio_mem(c)) {
		conn_close(c, "out of memory");
		return;
	}
	if (c->ktls_tx && c->ktls_rx) {
		conn_tlsu_free(c);
		/* as in hs_install(): the session stays resumable */
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	ctl_conn_register(c);	/* the module announces the outcome */
}
