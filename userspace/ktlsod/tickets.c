// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session-ticket keys, rotated: a new key every --ticket-key-rotate seconds (12 h by
 * default) encrypts the tickets issued from then on; the previous key still decrypts for
 * one more period (a ticket it opens is renewed under the current key), and then is
 * wiped. A ticket is thus accepted for one to two periods after it was issued, and a key
 * stolen from the process opens no ticket older than two periods: forward secrecy for
 * resumed sessions is bounded by the period, not by the daemon's uptime (OpenSSL's own
 * key, drawn once per SSL_CTX, would live until a restart).
 *
 * One ring for the whole process, used by every SSL_CTX (also across reloads, which keep
 * the keys, so that a certificate renewal does not cost every client a full handshake;
 * a session still resumes only with the certificate group it was made with, tls.c).
 * Rotation is driven by the main thread's clock (tickets_tick), so that an idle daemon
 * wipes old keys on time too; the workers read the ring under a read lock. The keys live
 * in a page of their own, locked in memory where allowed and left out of core dumps
 * (MADV_DONTDUMP); OpenSSL copies the key of each use into its cipher and MAC contexts,
 * which it wipes when it frees them (sslkeys.h, kso_ssl_wipe_on_free).
 *
 * Ticket format: OpenSSL's (key name, IV, AES-256-CBC, HMAC-SHA256).
 */
#include "ktlsod.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define TICKET_IV_LEN	16	/* AES-256-CBC's */

struct tkey {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
	uint64_t born_ms;		/* 0: no key */
};

struct tring {
	struct tkey cur, prev;
};

static struct tring *ring;		/* in its own page: mlock, MADV_DONTDUMP */
static pthread_rwlock_t ring_lock = PTHREAD_RWLOCK_INITIALIZER;
static uint64_t period_ms;

static int tkey_new(struct tkey *k, uint64_t now)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 || RAND_bytes(k->aes, sizeof(k->aes)) != 1 ||
	    RAND_bytes(k->hmac, sizeof(k->hmac)) != 1) {
		explicit_bzero(k, sizeof(*k));
		return -EIO;
	}
	k->born_ms = now;
	return 0;
}

int tickets_init(unsigned period_s)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (len < sizeof(*ring))
		len = sizeof(*ring);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (madvise(p, len, MADV_DONTDUMP) || madvise(p, len, MADV_DONTFORK)) {
		int err = -errno;

		munmap(p, len);
		return err;
	}
	(void)mlock(p, len);	/* best effort: never in swap, where the limit allows */
	ring = p;
	period_ms = (uint64_t)period_s * 1000;
	return tkey_new(&ring->cur, now_ms());
}

void tickets_set_period(unsigned period_s)
{
	pthread_rwlock_wrlock(&ring_lock);
	period_ms = (uint64_t)period_s * 1000;
	pthread_rwlock_unlock(&ring_lock);
}

uint64_t tickets_tick(uint64_t now)
{
	uint64_t due;
	int err;

	if (!ring)
		return UINT64_MAX;
	pthread_rwlock_wrlock(&ring_lock);
	due = ring->cur.born_ms + period_ms;
	if (now >= due) {
		/* the previous key has had its second period; the current one begins it */
		ring->prev = ring->cur;
		if (now >= ring->prev.born_ms + 2 * period_ms)	/* slept past both */
			explicit_bzero(&ring->prev, sizeof(ring->prev));
		err = tkey_new(&ring->cur, now);
		due = now + period_ms;
		pthread_rwlock_unlock(&ring_lock);
		if (err)
			log_msg("session-ticket key: RAND_bytes failed: new sessions get no ticket "
				"until the next rotation");
		else
			log_msg("session-ticket key rotated: tickets of the previous key resume "
				"for %llu s more", (unsigned long long)(period_ms / 1000));
		return due;
	}
	pthread_rwlock_unlock(&ring_lock);
	return due;
}

static int key_init(const struct tkey *k, unsigned char *iv, EVP_CIPHER_CTX *cctx,
		    EVP_MAC_CTX *hctx, int enc)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	if (!EVP_MAC_init(hctx, k->hmac, sizeof(k->hmac), params))
		return -1;
	if (enc)
		return EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) ? 0 : -1;
	return EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) ? 0 : -1;
}

/* A key that may open tickets at now: the current one, or the previous in its second period. */
static const struct tkey *key_by_name(const unsigned char *name, uint64_t now, bool *renew)
{
	const struct tkey *k = &ring->cur;

	*renew = false;
	if (k->born_ms && !memcmp(k->name, name, sizeof(k->name)))
		return k;
	k = &ring->prev;
	if (k->born_ms && now < k->born_ms + 2 * period_ms &&
	    !memcmp(k->name, name, sizeof(k->name))) {
		*renew = true;
		return k;
	}
	return NULL;
}

/*
 * OpenSSL's ticket key callback: enc, fill name and iv and set up both contexts with the
 * current key (1, or -1: no ticket); else find the key by name (1, 2: also issue a new
 * ticket, 0: unknown or expired, a full handshake). A TLS 1.3 resumption always gets a
 * new ticket (RFC 8446, C.4: clients use one once; OpenSSL's own key does the same, but
 * with a callback it issues one only when told to).
 */
static int on_ticket_key(SSL *ssl, unsigned char name[16], unsigned char *iv,
			 EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct tkey *k;
	bool renew = false;
	int rc = -1;

	pthread_rwlock_rdlock(&ring_lock);
	if (enc) {
		k = &ring->cur;
		if (k->born_ms && RAND_bytes(iv, TICKET_IV_LEN) == 1 &&
		    !key_init(k, iv, cctx, hctx, 1)) {
			memcpy(name, k->name, sizeof(k->name));
			rc = 1;
		}
	} else {
		k = key_by_name(name, now_ms(), &renew);
		if (!k)
			rc = 0;
		else if (!key_init(k, iv, cctx, hctx, 0))
			rc = renew || SSL_version(ssl) == TLS1_3_VERSION ? 2 : 1;
	}
	pthread_rwlock_unlock(&ring_lock);
	return rc;
}

int tickets_use(SSL_CTX *ctx)
{
	if (!ring)
		return 0;	/* no tickets_init (a test of tls.c): OpenSSL's own key */
	return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key) == 1 ? 0 : -EINVAL;
}
