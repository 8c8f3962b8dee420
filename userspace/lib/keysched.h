/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS key schedule: from what the handshake leaves behind (TLS 1.3 traffic secrets,
 * TLS 1.2 master secret and randoms) to the per-direction key, IV and record sequence
 * number that kTLS takes. All derivations go through OpenSSL 3's KDFs ("TLS13-KDF",
 * "TLS1-PRF"); nothing here implements a hash or an HMAC.
 *
 * Every function returns 0 or -errno. Key material in outputs is the caller's to wipe
 * (kso_dir_keys_wipe); intermediate buffers are wiped here on every path.
 */
#ifndef KTLSO_KEYSCHED_H
#define KTLSO_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kso_cipher {
	KSO_AES_128_GCM,
	KSO_AES_256_GCM,
	KSO_CHACHA20_POLY1305,
	KSO_CIPHER_COUNT,
};

enum kso_role { KSO_CLIENT, KSO_SERVER };

#define KSO_MAX_KEY	32
#define KSO_IV_LEN	12	/* AEAD nonce of every supported suite */
#define KSO_MAX_SECRET	48	/* SHA-384 */
#define KSO_TLS12_MASTER 48
#define KSO_RANDOM_LEN	32

struct kso_cipher_info {
	enum kso_cipher id;
	const char *name;	/* "AES-128-GCM" */
	const char *digest;	/* suite hash, the same for the TLS 1.2 ECDHE and TLS 1.3 suites */
	uint16_t tls13_suite;	/* IANA id of the TLS 1.3 suite */
	uint16_t ktls_type;	/* TLS_CIPHER_* of <linux/tls.h> */
	uint8_t key_len;
	uint8_t tls12_fixed_iv;	/* implicit IV bytes from the TLS 1.2 key block */
	uint8_t salt_len;	/* bytes of the nonce kTLS calls "salt" */
	const char *kernel_alg;	/* the kernel crypto name kTLS allocates */
};

/* The keys of one direction of one connection, as kTLS needs them. */
struct kso_dir_keys {
	uint16_t version;		/* TLS_1_2_VERSION or TLS_1_3_VERSION */
	enum kso_cipher cipher;
	uint8_t key[KSO_MAX_KEY];
	/*
	 * TLS 1.3: the static write IV. TLS 1.2: the implicit IV from the key block
	 * (4 bytes for AES-GCM, 12 for ChaCha20-Poly1305), zero-padded.
	 */
	uint8_t iv[KSO_IV_LEN];
	uint64_t seq;			/* sequence number of the next record */
	/*
	 * TLS 1.2 AES-GCM: the explicit nonce (RFC 5288) of the next record, which the writer
	 * picks and must never repeat under the key; kTLS adds one per record. Where OpenSSL
	 * wrote records under the key first, it continues OpenSSL's counter (ktls.c).
	 */
	uint64_t explicit_nonce;
};

const struct kso_cipher_info *kso_cipher_info(enum kso_cipher c);
/* Accepts the names above and OpenSSL's ("TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"). */
int kso_cipher_by_name(const char *name, enum kso_cipher *out);
/* From an IANA cipher suite id (TLS 1.3 suites and the TLS 1.2 ECDHE AEAD suites). */
int kso_cipher_by_suite(uint16_t suite, uint16_t *version, enum kso_cipher *out);
const char *kso_version_name(uint16_t version);

/* HKDF-Expand-Label (RFC 8446 §7.1) with prefix "tls13 ". */
int kso_tls13_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
			   const char *label, const uint8_t *ctx, size_t ctx_len,
			   uint8_t *out, size_t out_len);

/* Write key and IV from a TLS 1.3 traffic secret; the first record will carry seq. */
int kso_tls13_derive(enum kso_cipher c, const uint8_t *secret, size_t secret_len,
		     uint64_t seq, struct kso_dir_keys *out);

/* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.len) */
int kso_tls13_next_secret(enum kso_cipher c, const uint8_t *secret, size_t secret_len,
			  uint8_t *next, size_t next_len);

/* The TLS 1.2 PRF (RFC 5246 §5): out = P_digest(secret, label || seed). */
int kso_tls12_prf(const char *digest, const uint8_t *secret, size_t secret_len,
		  const char *label, const uint8_t *seed, size_t seed_len,
		  uint8_t *out, size_t out_len);

/*
 * TLS 1.2 key block (RFC 5246 §6.3) for an AEAD suite, split into the two directions as
 * seen by `role`: tx is what role writes, rx what it reads. tx_seq/rx_seq are the next
 * records' sequence numbers (1 right after the handshake: Finished was record 0). The
 * explicit nonces start at the sequence numbers, which is right only when kTLS writes
 * every record under these keys: a caller whose records went through OpenSSL first sets
 * tx->explicit_nonce to continue OpenSSL's counter.
 */
int kso_tls12_derive(enum kso_cipher c, enum kso_role role,
		     const uint8_t master[KSO_TLS12_MASTER],
		     const uint8_t client_random[KSO_RANDOM_LEN],
		     const uint8_t server_random[KSO_RANDOM_LEN],
		     uint64_t tx_seq, uint64_t rx_seq,
		     struct kso_dir_keys *tx, struct kso_dir_keys *rx);

void kso_dir_keys_wipe(struct kso_dir_keys *k);

#endif
