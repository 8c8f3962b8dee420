/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A connection of a worker, and the functions of the files that drive it: conn.c (its
 * slab, lifecycle and buffers), handshake.c (handshake, handoff into kTLS, live
 * offload), request.c (reading requests), respond.c (responses), rekey.c (KeyUpdate in
 * kTLS) and module.c (ktlso.ko).
 * A connection goes
 *
 *   HANDSHAKE  poll + exact-record reads feed OpenSSL over memory BIOs; its output is
 *              sent with io_uring;
 *   HANDOFF    the last handshake bytes are sent raw, then the keys go into kTLS
 *              (or the connection stays in userspace TLS, with the reason logged);
 *   OPEN       requests are read (plaintext from kTLS, or through SSL_read), answered
 *              with a head sent with MSG_MORE and a body spliced file -> pipe -> socket
 *              (kTLS TX), or pread + SSL_write (userspace TLS);
 *   CLOSING    close_notify sent, the socket shut down, freed once no operation is in
 *              flight.
 *
 * A plain-HTTP listener's connection (tls = off) starts OPEN: no SSL, no handshake, not
 * registered with ktlso.ko. It is marked plain with ktls_tx and ktls_rx set, since the
 * kernel socket carries plaintext both ways just as kTLS does: requests are read with
 * recvmsg, bodies spliced, and what is TLS alone (close_notify, alerts, HSTS) checks
 * plain.
 */
#ifndef KTLSOD_CONN_H
#define KTLSOD_CONN_H

#include "ktlsod.h"
#include "http.h"
#include "records.h"
#include "ring.h"
#include "serve.h"
#include "worker.h"

#include <linux/openat2.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/*
 * What one splice pair asks to move: a pipe's capacity. Pipes are made PIPE_BYTES big when
 * the kernel allows it (F_SETPIPE_SZ; beyond fs.pipe-user-pages-soft an unprivileged user
 * keeps 64 KiB or less): each pair is a trip through io_uring's workers, so fewer, larger
 * ones cost less per byte. A smaller pipe just moves less per pair.
 */
#define PIPE_BYTES	(1u << 20)
#define CHUNK		PIPE_BYTES

enum state { CS_HANDSHAKE, CS_HANDOFF, CS_OPEN, CS_CLOSING };

struct request {
	struct http_req req;		/* its pointers (host, if-none-match) are into c->in */
	struct serve_resp resp;
	int dirfd;
	uint32_t consumed;		/* bytes of c->in it takes: dropped when it is done */
	struct open_how how;
};

/*
 * Beside OpenSSL, for a connection with a direction still in userspace TLS: the record
 * sequence numbers as kTLS will need them if an operator moves the connection into the
 * kernel live (ktlsoctl sock offload). Every record OpenSSL writes after the handshake is
 * counted in the bytes it hands us, every record it reads in the bytes we feed it.
 */
struct tlsu {
	char *raw;			/* RX: ciphertext read buffer */
	uint64_t tx_seq, rx_seq;	/* the next records' numbers */
	struct recscan rxs;
	bool offload_pending;		/* asked to move into kTLS at the next record boundary */
	bool cancel_sent;		/* the armed read is being cancelled for it */
	bool keys_updated;		/* a KeyUpdate passed through OpenSSL: secrets are stale */
};

struct conn {
	struct conn *prev, *next;
	struct worker *w;
	struct live *live;		/* the settings it was accepted under, held */
	int fd;
	uint8_t state;
	uint8_t offload;		/* enum ktlso_mode: what the listener asks for */
	bool ktls_tx, ktls_rx;		/* plain: both set, the socket carries plaintext */
	bool plain;			/* no TLS at all: a plain-HTTP listener's */
	bool read_armed, send_armed, hs_done;
	bool over_cap;
	bool responding;		/* head/body of c->rq are being sent */
	uint8_t li;			/* index of the listener that accepted it */
	uint8_t idle_ticks;		/* userspace TLS: ticks seen idle since the last request */
	uint16_t inflight;
	SSL *ssl;			/* NULL once both directions are in the kernel */
	uint16_t version;		/* TLS_1_x_VERSION, once known */
	uint16_t ktls_cipher;		/* TLS_CIPHER_*, 0 if none */
	uint8_t tx_seq0;		/* TLS 1.3: tickets sent under the application key */
	const char *cipher;
	const char *fallback;		/* why some direction stays in userspace */
	const char *close_reason;
	char *reason_buf;		/* a formatted close_reason, owned (rare: errors) */

	char *in;			/* handshake: peek buffer; then plaintext requests */
	uint32_t in_len, in_cap;
	struct http_scan scan;		/* how far the request at c->in was parsed */
	struct tlsu *tu;		/* NULL once both directions are in the kernel */
	struct recscan txs;		/* all OpenSSL wrote, from the ServerHello on: where
					 * its records end, its last explicit nonce (TLS 1.2) */
	char *out;			/* bytes to send as they are */
	char *out_busy;			/* a replaced out that an in-flight send still reads */
	uint32_t out_len, out_off, out_cap;

	struct request *rq;		/* the request being answered */
	int file_fd;
	uint64_t file_off, file_left;
	int pipe_r, pipe_w;
	uint32_t in_pipe;
	uint8_t splice_pending;
	bool waiting_pollout;
	bool flushing;			/* closing: bytes for the client still in kTLS TX */
	bool notify_sent;		/* flushing: our close_notify went to kTLS */
	bool registered;		/* with ktlso.ko */
	bool key_limit;			/* close at the next record boundary: key usage limit */
	uint8_t tx_rekey;		/* enum rk_tx: our KeyUpdate is due (rekey.c) */
	uint8_t flush_step;		/* flushing: how many looks so far (conn_flush_arm) */
	uint32_t key_gen;		/* KeyUpdates carried by kTLS, both directions */
	struct rk_secrets *secrets;	/* TLS 1.3 in kTLS on a kernel that rekeys (rekey.c) */
	const char *eof;		/* the client ended its side (close_notify, FIN): why.
					 * What it asked before is answered, then the close */

	struct msghdr msg;		/* kTLS RX recvmsg */
	struct iovec iov;
	char cmsg[CMSG_SPACE(sizeof(unsigned char))];

	uint64_t cookie;		/* SO_COOKIE, taken when registered with ktlso.ko */
	uint64_t deadline, start;
	uint64_t bytes_in, bytes_out;
	uint32_t requests;
	struct sockaddr_in6 peer;
} __attribute__((aligned(16)));	/* its address carries an op in user_data's low bits */

_Static_assert(sizeof(struct conn) % 16 == 0, "slab entries must stay 16-byte aligned");

/* conn.c */
struct io_uring_sqe *conn_sqe(struct conn *c, enum op op);
const char *conn_peer_str(const struct conn *c, char *buf, size_t len);
const char *conn_mode_str(const struct conn *c);
void conn_tlsu_free(struct conn *c);
struct conn *conn_alloc(struct worker *w);
int conn_pipe_get(struct conn *c);
void conn_pipe_put(struct conn *c);
void conn_set_deadline(struct conn *c);
/* A close reason with details, kept with the connection until its log line is written. */
void conn_close_fmt(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conn_close(struct conn *c, const char *reason);
/*
 * A fatal alert through kTLS TX (when nothing of ours is in flight that it could
 * overtake), then the close with the reason, and no close_notify after it.
 */
void conn_fatal_alert(struct conn *c, unsigned char desc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define TLS_ALERT_UNEXPECTED_MESSAGE	10
#define TLS_ALERT_ILLEGAL_PARAMETER	47
#define TLS_ALERT_DECODE_ERROR		50
void conn_put(struct conn *c);
int conn_out_room(struct conn *c, size_t n);
int conn_out_append(struct conn *c, const void *p, size_t n);
int conn_drain_wbio(struct conn *c);
/* Userspace TX after the handshake: OpenSSL's records go straight into c->out. */
int conn_wbio_out(struct conn *c);
/* Back to a memory BIO: TX moved into kTLS, what OpenSSL writes must not be sent raw. */
int conn_wbio_mem(struct conn *c);
void conn_slim(struct conn *c);
void conn_send_pending(struct conn *c);
int conn_in_reserve(struct conn *c);
void conn_in_release(struct conn *c);
void conn_tick(struct conn *c, uint64_t now);
void conn_on_flush(struct conn *c);

/* handshake.c */
void hs_start(struct conn *c);
void hs_plain(struct conn *c);
void hs_fail(struct conn *c, const char *what);
void hs_on_poll(struct conn *c, int res);
void hs_finish(struct conn *c);
void hs_live_offload_try(struct conn *c);

/* HSTS is for HTTPS responses only (RFC 6797 §7.2): none on a plain listener. */
static inline const char *conn_hsts(const struct conn *c)
{
	return c->plain ? "" : c->live->hsts;
}

/* module.c */
void ctl_conn_register(struct conn *c);

/* rekey.c */
enum rk_tx { RK_TX_NONE, RK_TX_DUE, RK_TX_DUE_REQUEST };
int rk_keep(struct conn *c);
void rk_forget(struct conn *c);
const char *rk_unable(const struct conn *c);
void rk_on_key_update(struct conn *c, const unsigned char *p, int n);
void rk_on_key_limit(struct conn *c, bool tx);
bool rk_tx_try(struct conn *c);

/* request.c */
void req_on_recv(struct conn *c, int res, unsigned cflags);
void req_process(struct conn *c);

/* respond.c */
void resp_start(struct conn *c);
void resp_open_file(struct conn *c, int n);
void resp_on_open(struct conn *c, int res);
void resp_body_step(struct conn *c);
void resp_on_splice(struct conn *c, enum op op, int res);
void resp_on_send(struct conn *c, int res);
void resp_arm_pollout(struct conn *c);

#endif
