// SPDX-License-Identifier: GPL-2.0-or-later
#include "sslkeys.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tls.h>
#include <openssl/crypto.h>

struct captured {
	uint8_t client[KSO_MAX_SECRET];	/* CLIENT_TRAFFIC_SECRET_0 */
	uint8_t server[KSO_MAX_SECRET];	/* SERVER_TRAFFIC_SECRET_0 */
	size_t client_len, server_len;
};

static void *wipe_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return malloc(n);
}

static void wipe_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	if (p) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void *wipe_realloc(void *p, size_t n, const char *file, int line)
{
	size_t have;
	void *q;

	if (!p)
		return malloc(n);
	if (!n) {
		wipe_free(p, file, line);
		return NULL;
	}
	have = malloc_usable_size(p);
	if (n <= have)
		return p;
	/* never realloc in place: the old block would be freed unwiped */
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	wipe_free(p, file, line);
	return q;
}

int kso_ssl_wipe_on_free(void)
{
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free) ? 0 : -EBUSY;
}

static size_t secure_size;	/* kso_ssl_secure_heap's, 0: none */

int kso_ssl_secure_heap(size_t size)
{
	int rc = CRYPTO_secure_malloc_init(size, 32);

	if (!rc)
		return -ENOMEM;
	secure_size = size;
	return rc == 2 ? -EPERM : 0;	/* 2: working, but not locked in memory */
}

/*
 * In the secure heap while at most half of it is taken, so that OpenSSL's own secure
 * allocations (private keys, each handshake's ephemeral key) always find room; in the
 * ordinary heap beyond that (OPENSSL_secure_clear_free frees either kind).
 */
static struct captured *captured_alloc(void)
{
	struct captured *cap = NULL;

	if (secure_size && CRYPTO_secure_used() + 2 * sizeof(*cap) <= secure_size / 2)
		cap = OPENSSL_secure_zalloc(sizeof(*cap));
	return cap ? cap : OPENSSL_zalloc(sizeof(*cap));
}

static int ex_index = -1;
static pthread_once_t ex_once = PTHREAD_ONCE_INIT;

static void captured_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			  void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (ptr)
		OPENSSL_secure_clear_free(ptr, sizeof(struct captured));
}

static void ex_init(void)
{
	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, captured_free);
}

static int unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t len = n / 2;

	if (n % 2 || len > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)len;
}

/* "<LABEL> <client_random hex> <secret hex>" (NSS key log format) */
static void keylog(const SSL *ssl, const char *line)
{
	static const char cts[] = "CLIENT_TRAFFIC_SECRET_0 ", sts[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct captured *cap;
	const char *secret;
	bool client;
	int n;

	if (!strncmp(line, cts, sizeof(cts) - 1))
		client = true;
	else if (!strncmp(line, sts, sizeof(sts) - 1))
		client = false;
	else
		return;
	secret = strchr(line + sizeof(cts) - 1, ' ');
	if (!secret)
		return;
	secret++;

	cap = SSL_get_ex_data(ssl, ex_index);
	if (!cap) {
		cap = captured_alloc();
		if (!cap || !SSL_set_ex_data((SSL *)ssl, ex_index, cap)) {
			OPENSSL_secure_clear_free(cap, sizeof(*cap));
			return;	/* kso_ssl_derive reports -ENOKEY */
		}
	}
	if (client) {
		n = unhex(secret, strlen(secret), cap->client, KSO_MAX_SECRET);
		cap->client_len = n > 0 ? (size_t)n : 0;
	} else {
		n = unhex(secret, strlen(secret), cap->server, KSO_MAX_SECRET);
		cap->server_len = n > 0 ? (size_t)n : 0;
	}
}

int kso_ssl_capture(SSL_CTX *ctx)
{
	pthread_once(&ex_once, ex_init);
	if (ex_index < 0)
		return -ENOMEM;
	SSL_CTX_set_keylog_callback(ctx, keylog);
	return 0;
}

static int derive13(SSL *ssl, enum kso_cipher c, enum kso_role role, uint64_t tx_seq,
		    uint64_t rx_seq, struct kso_dir_keys *tx, struct kso_dir_keys *rx)
{
	struct captured *cap = ex_index >= 0 ? SSL_get_ex_data(ssl, ex_index) : NULL;
	const uint8_t *wsec, *rsec;
	size_t wlen, rlen;
	int err;

	if (!cap || !cap->client_len || !cap->server_len)
		return -ENOKEY;
	wsec = role == KSO_SERVER ? cap->server : cap->client;
	wlen = role == KSO_SERVER ? cap->server_len : cap->client_len;
	rsec = role == KSO_SERVER ? cap->client : cap->server;
	rlen = role == KSO_SERVER ? cap->client_len : cap->server_len;
	err = kso_tls13_derive(c, wsec, wlen, tx_seq, tx);
	if (!err) {
		err = kso_tls13_derive(c, rsec, rlen, rx_seq, rx);
		if (err)
			kso_dir_keys_wipe(tx);
	}
	/* Once derived the secrets have no further use here (rekey works from the keys' owner). */
	SSL_set_ex_data(ssl, ex_index, NULL);
	OPENSSL_secure_clear_free(cap, sizeof(*cap));
	return err;
}

static int derive12(SSL *ssl, enum kso_cipher c, enum kso_role role, uint64_t tx_seq,
		    uint64_t rx_seq, struct kso_dir_keys *tx, struct kso_dir_keys *rx)
{
	uint8_t master[KSO_TLS12_MASTER], cr[KSO_RANDOM_LEN], sr[KSO_RANDOM_LEN];
	SSL_SESSION *sess = SSL_get_session(ssl);
	int err;

	if (!sess || SSL_SESSION_get_master_key(sess, master, sizeof(master)) != sizeof(master) ||
	    SSL_get_client_random(ssl, cr, sizeof(cr)) != sizeof(cr) ||
	    SSL_get_server_random(ssl, sr, sizeof(sr)) != sizeof(sr)) {
		err = -ENOKEY;
		goto out;
	}
	err = kso_tls12_derive(c, role, master, cr, sr, tx_seq, rx_seq, tx, rx);
out:
	OPENSSL_cleanse(master, sizeof(master));
	return err;
}

/* The negotiated version (TLS1_x_VERSION of OpenSSL) and kTLS cipher, or -errno. */
static int negotiated(SSL *ssl, int *ossl_version, enum kso_cipher *c)
{
	const SSL_CIPHER *sc = SSL_get_current_cipher(ssl);
	uint16_t version;

	if (!SSL_is_init_finished(ssl) || !sc)
		return -EINVAL;
	if (kso_cipher_by_suite(SSL_CIPHER_get_protocol_id(sc), &version, c))
		return -EOPNOTSUPP;
	*ossl_version = SSL_version(ssl);
	if ((*ossl_version == TLS1_3_VERSION && version == TLS_1_3_VERSION) ||
	    (*ossl_version == TLS1_2_VERSION && version == TLS_1_2_VERSION))
		return 0;
	return -EOPNOTSUPP;
}

int kso_ssl_derive(SSL *ssl, enum kso_role role, uint64_t tx_seq, uint64_t rx_seq,
		   struct kso_dir_keys *tx, struct kso_dir_keys *rx)
{
	enum kso_cipher c;
	int v, err;

	err = negotiated(ssl, &v, &c);
	if (err)
		return err;
	if (v == TLS1_3_VERSION)
		return derive13(ssl, c, role, tx_seq, rx_seq, tx, rx);
	return derive12(ssl, c, role, tx_seq, rx_seq, tx, rx);
}

int kso_ssl_derive_one(SSL *ssl, enum kso_role role, bool tx, uint64_t seq,
		       struct kso_dir_keys *out)
{
	struct kso_dir_keys other;
	struct captured *cap;
	enum kso_cipher c;
	int v, err;
	bool ours;

	err = negotiated(ssl, &v, &c);
	if (err)
		return err;
	if (v == TLS1_2_VERSION) {
		err = derive12(ssl, c, role, seq, seq, tx ? out : &other, tx ? &other : out);
		kso_dir_keys_wipe(&other);
		return err;
	}
	cap = ex_index >= 0 ? SSL_get_ex_data(ssl, ex_index) : NULL;
	if (!cap)
		return -ENOKEY;
	/* our write secret is the server's when we are the server */
	ours = tx == (role == KSO_SERVER);
	if (ours ? !cap->server_len : !cap->client_len)
		return -ENOKEY;
	err = kso_tls13_derive(c, ours ? cap->server : cap->client,
			       ours ? cap->server_len : cap->client_len, seq, out);
	OPENSSL_cleanse(ours ? cap->server : cap->client, KSO_MAX_SECRET);
	*(ours ? &cap->server_len : &cap->client_len) = 0;
	if (!cap->server_len && !cap->client_len)
		kso_ssl_forget(ssl);
	return err;
}

int kso_ssl_copy_secrets(SSL *ssl, enum kso_role role, uint8_t tx[KSO_MAX_SECRET],
			 uint8_t rx[KSO_MAX_SECRET], size_t *len)
{
	struct captured *cap = ex_index >= 0 ? SSL_get_ex_data(ssl, ex_index) : NULL;
	bool server = role == KSO_SERVER;

	if (SSL_version(ssl) != TLS1_3_VERSION)
		return -EOPNOTSUPP;
	if (!cap || !cap->client_len || cap->client_len != cap->server_len)
		return -ENOKEY;
	memcpy(tx, server ? cap->server : cap->client, cap->server_len);
	memcpy(rx, server ? cap->client : cap->server, cap->client_len);
	*len = cap->server_len;
	return 0;
}

void kso_ssl_forget(SSL *ssl)
{
	struct captured *cap = ex_index >= 0 ? SSL_get_ex_data(ssl, ex_index) : NULL;

	if (cap) {
		SSL_set_ex_data(ssl, ex_index, NULL);
		OPENSSL_secure_clear_free(cap, sizeof(*cap));
	}
}

void kso_ssl_key_updated(SSL *ssl)
{
	kso_ssl_forget(ssl);
}
