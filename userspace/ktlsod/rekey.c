// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS 1.3 KeyUpdate (RFC 8446 §4.6.3, §7.2) carried by kTLS, on kernels that replace a
 * direction's key when it is set again (Linux 6.14 and later: caps.rekey).
 *
 * A connection with both directions in kTLS keeps its two application traffic secrets
 * (and nothing else) from the handoff to its close, in memory that core dumps leave out;
 * they are wiped when they are replaced and when the connection goes. A client's KeyUpdate
 * arrives as a handshake record: the next client secret gives the new RX key, set before
 * the next read (kTLS fails reads with EKEYEXPIRED until then). Our own KeyUpdate (the
 * client asked for one, or the key-usage guard of ktlso.ko said TX or RX is near its
 * limit) goes out as a handshake record under the old key, and the next server secret
 * becomes the TX key right after it.
 */
#include "conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#include "sslkeys.h"

#define TLS_HS_KEY_UPDATE		24

struct rk_secrets {
	union {
		struct {
			uint8_t tx[KSO_MAX_SECRET];	/* ours (the server's) */
			uint8_t rx[KSO_MAX_SECRET];	/* the client's */
			uint8_t len;			/* the suite's hash length */
			uint8_t cipher;			/* enum kso_cipher */
		};
		struct rk_secrets *next_free;
	};
};

/*
 * Secrets live in chunks mapped with MADV_DONTDUMP, never returned: a few hundred bytes per
 * connection would otherwise cost a page (and a mapping) each. Taken at a handoff and given
 * back at a close, both rare next to requests: one lock for every worker is enough.
 */
#define RK_CHUNK	(64u << 10)

static pthread_mutex_t rk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rk_secrets *rk_free_list;

static void rk_chunk_add(void)
{
	struct rk_secrets *s;
	void *p;

	p = mmap(NULL, RK_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (madvise(p, RK_CHUNK, MADV_DONTDUMP) < 0) {
		munmap(p, RK_CHUNK);	/* secrets go nowhere a core dump could take them */
		return;
	}
	s = p;
	for (size_t i = 0; i < RK_CHUNK / sizeof(*s); i++) {
		s[i].next_free = rk_free_list;
		rk_free_list = &s[i];
	}
}

static struct rk_secrets *rk_alloc(void)
{
	struct rk_secrets *s;

	pthread_mutex_lock(&rk_lock);
	if (!rk_free_list)
		rk_chunk_add();
	s = rk_free_list;
	if (s)
		rk_free_list = s->next_free;
	pthread_mutex_unlock(&rk_lock);
	return s;
}

void rk_forget(struct conn *c)
{
	struct rk_secrets *s = c->secrets;

	if (!s)
		return;
	c->secrets = NULL;
	OPENSSL_cleanse(s, sizeof(*s));
	pthread_mutex_lock(&rk_lock);
	s->next_free = rk_free_list;
	rk_free_list = s;
	pthread_mutex_unlock(&rk_lock);
}

/*
 * At the handoff, before the keys are derived (which wipes what OpenSSL's key log gave):
 * keep the secrets of a TLS 1.3 connection going into kTLS both ways, on a kernel that can
 * rekey. 0 or -errno; without them a KeyUpdate closes the connection (rk_unable says why).
 */
int rk_keep(struct conn *c)
{
	struct rk_secrets *s;
	size_t len = 0;
	int kc, err;

	if (c->version != TLS_1_3_VERSION || ktlsod.caps.rekey)
		return 0;
	for (kc = 0; kc < KSO_CIPHER_COUNT; kc++)
		if (kso_cipher_info(kc)->ktls_type == c->ktls_cipher)
			break;
	if (kc == KSO_CIPHER_COUNT)
		return -EOPNOTSUPP;
	s = rk_alloc();
	if (!s)
		return -ENOMEM;
	err = kso_ssl_copy_secrets(c->ssl, KSO_SERVER, s->tx, s->rx, &len);
	s->len = (uint8_t)len;
	s->cipher = (uint8_t)kc;
	c->secrets = s;
	if (err)
		rk_forget(c);
	return err;
}

/* Why this connection cannot carry a KeyUpdate in kTLS, or NULL when it can. */
const char *rk_unable(const struct conn *c)
{
	if (c->version != TLS_1_3_VERSION)
		return "TLS 1.2 cannot rekey";
	if (ktlsod.caps.rekey)
		return "this kernel cannot rekey kTLS (TLS 1.3 rekey needs Linux 6.14 or later)";
	if (!c->ktls_tx || !c->ktls_rx)
		return "rekeying needs both directions in kTLS (offload txrx)";
	if (!c->secrets)
		return "its traffic secrets were not kept (they are at a handoff into kTLS both "
		       "ways, not at a live offload; or memory ran out)";
	return NULL;
}

/*
 * A fatal alert (RFC 8446 §6) and the close. Sent only between two of our own sends: bytes
 * an io_uring send or splice is still writing must not be cut by it.
 */
static void __attribute__((format(printf, 3, 4)))
rk_fatal(struct conn *c, unsigned char desc, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	conn_fatal_alert(c, desc, "client KeyUpdate: %s", why);
}

/*
 * The next generation of one direction: secret N+1 = HKDF-Expand-Label(secret N, "traffic
 * upd", "", Hash.len), its key and IV into kTLS, records numbered from 0 again. Secret N is
 * wiped as it is replaced. The module hears of the new generation (its record counts are
 * the kernel's, which restart with the key). 0, or -errno with *step saying where.
 */
static int rk_next_key(struct conn *c, bool tx, enum kso_ktls_step *step)
{
	struct rk_secrets *s = c->secrets;
	uint8_t *secret = tx ? s->tx : s->rx, next[KSO_MAX_SECRET];
	struct kso_dir_keys k;
	int err;

	*step = tx ? KSO_STEP_TX : KSO_STEP_RX;
	err = kso_tls13_next_secret(s->cipher, secret, s->len, next, s->len);
	if (!err) {
		memcpy(secret, next, s->len);
		err = kso_tls13_derive(s->cipher, secret, s->len, 0, &k);
	}
	OPENSSL_cleanse(next, sizeof(next));
	if (err)
		return err;
	err = kso_ktls_install(c->fd, tx ? KSO_TX : KSO_RX, &k);
	kso_dir_keys_wipe(&k);
	if (err)
		return err;
	c->key_gen++;
	ctl_conn_register(c);
	return 0;
}

/*
 * Our KeyUpdate, if one is due, when TX is between two of our operations. Returns true
 * while it is still due (or the connection was closed): no application data may go before
 * it (RFC 8446 §4.6.3). The caller is called again when what it waits for completes: a
 * send (resp_on_send), a splice (resp_on_splice) or POLLOUT (worker.c).
 *
 * Why the order is right with a response in progress: a splice into the socket runs in an
 * io_uring worker thread, so while one is in flight (splice_pending) its bytes may be only
 * partly in the kernel and nothing is sent here. Once its completion has arrived, every byte
 * of it was handed to kTLS, under the old key: those already in records are encrypted, and
 * those in a record left open for more (SPLICE_F_MORE, MSG_MORE) are pushed by kTLS, still
 * under the old key, before a record of another type, here the KeyUpdate. The KeyUpdate is
 * the last record under the old key; TLS_TX is set before this function returns, so the
 * next splice or send, which only this thread can start, encrypts under the new key. Bytes
 * already spliced from the file into the pipe are not in the socket yet: they follow the
 * KeyUpdate under the new key, which is what the client expects. Nothing is sent twice or
 * lost: the pipe and file offsets do not change here.
 */
bool rk_tx_try(struct conn *c)
{
	unsigned char ku[5] = { TLS_HS_KEY_UPDATE, 0, 0, 1, 0 };
	enum kso_ktls_step step;
	ssize_t n;
	int err;

	if (c->tx_rekey == RK_TX_NONE)
		return false;
	if (c->state != CS_OPEN)
		return true;
	if (c->send_armed || c->splice_pending || c->waiting_pollout)
		return true;
	ku[4] = c->tx_rekey == RK_TX_DUE_REQUEST;	/* update_requested */
	n = kso_ktls_send_record(c->fd, 22, ku, sizeof(ku), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -EAGAIN) {
		resp_arm_pollout(c);	/* the socket is full: when it drains */
		return true;
	}
	if (n != (ssize_t)sizeof(ku)) {
		conn_close_fmt(c, "sending our KeyUpdate: %s",
			       n < 0 ? strerror((int)-n) : "short write");
		return true;
	}
	c->tx_rekey = RK_TX_NONE;
	err = rk_next_key(c, true, &step);
	if (err) {
		c->ktls_tx = false;	/* the client now reads under the next key: no close_notify */
		conn_close_fmt(c, "after our KeyUpdate, the next TX key: %s",
			       kso_ktls_strerror(step, err));
		return true;
	}
	return false;
}

/* A handshake record from kTLS RX starting with a KeyUpdate: n bytes at p. */
void rk_on_key_update(struct conn *c, const unsigned char *p, int n)
{
	enum kso_ktls_step step;
	const char *why;
	int err;

	/* struct { HandshakeType 24; uint24 length = 1; KeyUpdateRequest } in one record */
	if (n != 5 || p[1] || p[2] || p[3] != 1) {
		rk_fatal(c, TLS_ALERT_DECODE_ERROR,
			 "malformed, a record of %d bytes (sent decode_error)", n);
		return;
	}
	if (p[4] > 1) {
		rk_fatal(c, TLS_ALERT_ILLEGAL_PARAMETER,
			 "request_update %u is neither 0 nor 1 (sent illegal_parameter)", p[4]);
		return;
	}
	why = rk_unable(c);
	if (why) {
		conn_close_fmt(c, "client KeyUpdate: %s", why);
		return;
	}
	err = rk_next_key(c, false, &step);
	if (err) {
		conn_close_fmt(c, "client KeyUpdate: the next RX key: %s",
			       kso_ktls_strerror(step, err));
		return;
	}
	/*
	 * One KeyUpdate of ours answers it, also one already due. The guard's, due with
	 * update_requested for a new RX key, goes without: RX has its new key now, and a
	 * KeyUpdate answering update_requested must say update_not_requested (RFC 8446
	 * §4.6.3), or the two sides would keep asking each other.
	 */
	if ((p[4] == 1 && c->tx_rekey == RK_TX_NONE) || c->tx_rekey == RK_TX_DUE_REQUEST)
		c->tx_rekey = RK_TX_DUE;
	(void)rk_tx_try(c);
}

/*
 * The key-usage guard: TX near its limit is rekeyed with our KeyUpdate; RX with one that
 * asks the client for its own (update_requested), which then arrives as any KeyUpdate.
 */
void rk_on_key_limit(struct conn *c, bool tx)
{
	if (tx && c->tx_rekey == RK_TX_NONE)
		c->tx_rekey = RK_TX_DUE;
	else if (!tx)
		c->tx_rekey = RK_TX_DUE_REQUEST;
	(void)rk_tx_try(c);
}
