// SPDX-License-Identifier: GPL-2.0-or-later
/* TLS 1.2/1.3 key schedule for kTLS, over OpenSSL 3's KDFs. See keysched.h. */
#include "keysched.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <linux/tls.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

static const struct kso_cipher_info ciphers[KSO_CIPHER_COUNT] = {
	[KSO_AES_128_GCM] = {
		.id = KSO_AES_128_GCM, .name = "AES-128-GCM", .digest = "SHA256",
		.tls13_suite = 0x1301, .ktls_type = TLS_CIPHER_AES_GCM_128,
		.key_len = TLS_CIPHER_AES_GCM_128_KEY_SIZE, .tls12_fixed_iv = 4,
		.salt_len = TLS_CIPHER_AES_GCM_128_SALT_SIZE, .kernel_alg = "gcm(aes)",
	},
	[KSO_AES_256_GCM] = {
		.id = KSO_AES_256_GCM, .name = "AES-256-GCM", .digest = "SHA384",
		.tls13_suite = 0x1302, .ktls_type = TLS_CIPHER_AES_GCM_256,
		.key_len = TLS_CIPHER_AES_GCM_256_KEY_SIZE, .tls12_fixed_iv = 4,
		.salt_len = TLS_CIPHER_AES_GCM_256_SALT_SIZE, .kernel_alg = "gcm(aes)",
	},
	[KSO_CHACHA20_POLY1305] = {
		.id = KSO_CHACHA20_POLY1305, .name = "CHACHA20-POLY1305", .digest = "SHA256",
		.tls13_suite = 0x1303, .ktls_type = TLS_CIPHER_CHACHA20_POLY1305,
		.key_len = TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE, .tls12_fixed_iv = 12,
		.salt_len = TLS_CIPHER_CHACHA20_POLY1305_SALT_SIZE,
		.kernel_alg = "rfc7539(chacha20,poly1305)",
	},
};

static const struct {
	uint16_t suite;
	uint16_t version;
	enum kso_cipher cipher;
	const char *ossl_name;
} suites[] = {
	{ 0x1301, TLS_1_3_VERSION, KSO_AES_128_GCM, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, TLS_1_3_VERSION, KSO_AES_256_GCM, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, TLS_1_3_VERSION, KSO_CHACHA20_POLY1305, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0xc02b, TLS_1_2_VERSION, KSO_AES_128_GCM, "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ 0xc02f, TLS_1_2_VERSION, KSO_AES_128_GCM, "ECDHE-RSA-AES128-GCM-SHA256" },
	{ 0xc02c, TLS_1_2_VERSION, KSO_AES_256_GCM, "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ 0xc030, TLS_1_2_VERSION, KSO_AES_256_GCM, "ECDHE-RSA-AES256-GCM-SHA384" },
	{ 0xcca9, TLS_1_2_VERSION, KSO_CHACHA20_POLY1305, "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ 0xcca8, TLS_1_2_VERSION, KSO_CHACHA20_POLY1305, "ECDHE-RSA-CHACHA20-POLY1305" },
};

const struct kso_cipher_info *kso_cipher_info(enum kso_cipher c)
{
	if ((unsigned)c >= KSO_CIPHER_COUNT)
		return NULL;
	return &ciphers[c];
}

int kso_cipher_by_name(const char *name, enum kso_cipher *out)
{
	for (size_t i = 0; i < KSO_CIPHER_COUNT; i++) {
		if (!strcasecmp(name, ciphers[i].name)) {
			*out = ciphers[i].id;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (!strcasecmp(name, suites[i].ossl_name)) {
			*out = suites[i].cipher;
			return 0;
		}
	}
	return -ENOENT;
}

int kso_cipher_by_suite(uint16_t suite, uint16_t *version, enum kso_cipher *out)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i].suite == suite) {
			if (version)
				*version = suites[i].version;
			*out = suites[i].cipher;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

const char *kso_version_name(uint16_t version)
{
	switch (version) {
	case TLS_1_2_VERSION:
		return "TLSv1.2";
	case TLS_1_3_VERSION:
		return "TLSv1.3";
	default:
		return "unknown";
	}
}

/* Fetched once: EVP_KDF_fetch walks the provider store, which is not free per connection. */
static EVP_KDF *kdf_tls13, *kdf_tls1_prf;
static pthread_once_t kdf_once = PTHREAD_ONCE_INIT;

static void kdf_fetch(void)
{
	kdf_tls13 = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_3_KDF, NULL);
	kdf_tls1_prf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
}

static int kdf_derive(EVP_KDF *kdf, const OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
	EVP_KDF_CTX *kctx;
	int err = 0;

	if (!kdf)
		return -ENOSYS;	/* the default provider lacks the KDF: not OpenSSL 3? */
	kctx = EVP_KDF_CTX_new(kdf);
	if (!kctx)
		return -ENOMEM;
	if (EVP_KDF_derive(kctx, out, out_len, params) <= 0) {
		OPENSSL_cleanse(out, out_len);
		err = -EINVAL;
	}
	EVP_KDF_CTX_free(kctx);	/* clears the context's copy of the secret */
	return err;
}

int kso_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
			   const char *label, const uint8_t *ctx, size_t ctx_len,
			   uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[7], *p = params;

	/* HkdfLabel's length is a uint16 and its label at most 255 bytes with the prefix. */
	if (!secret_len || out_len > UINT16_MAX || strlen(label) > 255 - (sizeof(prefix) - 1) ||
	    ctx_len > 255)
		return -EINVAL;
	pthread_once(&kdf_once, kdf_fetch);

	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)prefix,
						 sizeof(prefix) - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label,
						 strlen(label));
	/* An empty context still needs a non-NULL pointer: NULL data means "no parameter". */
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA,
						 ctx_len ? (void *)ctx : (void *)"", ctx_len);
	*p = OSSL_PARAM_construct_end();
	return kdf_derive(kdf_tls13, params, out, out_len);
}

static int digest_len(const char *digest)
{
	return !strcmp(digest, "SHA384") ? 48 : 32;
}

int kso_tls13_derive(enum kso_cipher c, const uint8_t *secret, size_t secret_len,
		     uint64_t seq, struct kso_dir_keys *out)
{
	const struct kso_cipher_info *ci = kso_cipher_info(c);
	int err;

	if (!ci || secret_len != (size_t)digest_len(ci->digest))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->version = TLS_1_3_VERSION;
	out->cipher = c;
	out->seq = seq;
	err = kso_tls13_expand_label(ci->digest, secret, secret_len, "key", NULL, 0,
				     out->key, ci->key_len);
	if (!err)
		err = kso_tls13_expand_label(ci->digest, secret, secret_len, "iv", NULL, 0,
					     out->iv, KSO_IV_LEN);
	if (err)
		kso_dir_keys_wipe(out);
	return err;
}

int kso_tls13_next_secret(enum kso_cipher c, const uint8_t *secret, size_t secret_len,
			  uint8_t *next, size_t next_len)
{
	const struct kso_cipher_info *ci = kso_cipher_info(c);

	if (!ci || secret_len != (size_t)digest_len(ci->digest) || next_len != secret_len)
		return -EINVAL;
	return kso_tls13_expand_label(ci->digest, secret, secret_len, "traffic upd", NULL, 0,
				      next, next_len);
}

int kso_tls12_prf(const char *digest, const uint8_t *secret, size_t secret_len,
		  const char *label, const uint8_t *seed, size_t seed_len,
		  uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[5], *p = params;

	pthread_once(&kdf_once, kdf_fetch);
	/* TLS1-PRF concatenates repeated seed parameters: label || seed. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len);
	*p = OSSL_PARAM_construct_end();
	return kdf_derive(kdf_tls1_prf, params, out, out_len);
}

int kso_tls12_derive(enum kso_cipher c, enum kso_role role,
		     const uint8_t master[KSO_TLS12_MASTER],
		     const uint8_t client_random[KSO_RANDOM_LEN],
		     const uint8_t server_random[KSO_RANDOM_LEN],
		     uint64_t tx_seq, uint64_t rx_seq,
		     struct kso_dir_keys *tx, struct kso_dir_keys *rx)
{
	const struct kso_cipher_info *ci = kso_cipher_info(c);
	uint8_t seed[2 * KSO_RANDOM_LEN];
	uint8_t block[2 * (KSO_MAX_KEY + KSO_IV_LEN)];
	struct kso_dir_keys *cw, *sw;
	size_t klen, ivlen;
	int err;

	if (!ci)
		return -EINVAL;
	klen = ci->key_len;
	ivlen = ci->tls12_fixed_iv;

	/* key_block = PRF(master, "key expansion", server_random + client_random) */
	memcpy(seed, server_random, KSO_RANDOM_LEN);
	memcpy(seed + KSO_RANDOM_LEN, client_random, KSO_RANDOM_LEN);
	err = kso_tls12_prf(ci->digest, master, KSO_TLS12_MASTER, "key expansion",
			    seed, sizeof(seed), block, 2 * (klen + ivlen));
	if (err)
		goto out;

	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	cw = role == KSO_CLIENT ? tx : rx;
	sw = role == KSO_CLIENT ? rx : tx;
	/* AEAD suites have no MAC keys: client_write_key, server_write_key, client IV, server IV */
	memcpy(cw->key, block, klen);
	memcpy(sw->key, block + klen, klen);
	memcpy(cw->iv, block + 2 * klen, ivlen);
	memcpy(sw->iv, block + 2 * klen + ivlen, ivlen);
	tx->version = rx->version = TLS_1_2_VERSION;
	tx->cipher = rx->cipher = c;
	tx->seq = tx->explicit_nonce = tx_seq;
	rx->seq = rx->explicit_nonce = rx_seq;
out:
	OPENSSL_cleanse(block, sizeof(block));
	return err;
}

void kso_dir_keys_wipe(struct kso_dir_keys *k)
{
	explicit_bzero(k, sizeof(*k));
}
