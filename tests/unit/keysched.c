// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host unit tests of the key schedule and of the crypto info handed to kTLS:
 * published vectors, an independent HKDF-Expand-Label, the exact <linux/tls.h> layout,
 * and agreement with a real OpenSSL TLS session through a userspace model of kTLS's
 * record layer (tests/lib/record.c; the VM tests check that model against the kernel).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "keysched.h"
#include "ktls.h"
#include "record.h"
#include "sslkeys.h"
#include "t.h"
#include "variants.h"
#include "tlspeer.h"
#include "vectors.h"

static int test_tls13_vectors(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < TV_COUNT(tv_tls13); i++) {
		const struct tv_tls13 *v = &tv_tls13[i];
		uint8_t secret[64], key[32], iv[12], got_key[32], got_iv[12];
		size_t slen, klen, ivlen;

		t_hex(v->secret, secret, &slen);
		t_hex(v->key, key, &klen);
		t_hex(v->iv, iv, &ivlen);
		T_ASSERT(klen == v->key_len && ivlen == 12, "%s: bad vector lengths", v->name);
		T_OK(kso_tls13_expand_label(v->digest, secret, slen, "key", NULL, 0, got_key, klen));
		T_OK(kso_tls13_expand_label(v->digest, secret, slen, "iv", NULL, 0, got_iv, 12));
		T_ASSERT(t_mem_eq(key, got_key, klen), "%s: write key differs", v->name);
		T_ASSERT(t_mem_eq(iv, got_iv, 12), "%s: write iv differs", v->name);
	}
	return T_PASS;
}

/* kso_tls13_derive picks the suite's hash and lengths; check it against the vectors too. */
static int test_tls13_derive(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < TV_COUNT(tv_tls13); i++) {
		const struct tv_tls13 *v = &tv_tls13[i];
		enum kso_cipher c = v->key_len == 16 ? KSO_AES_128_GCM :
				    !strcmp(v->digest, "SHA384") ? KSO_AES_256_GCM :
				    KSO_CHACHA20_POLY1305;
		uint8_t secret[64], key[32], iv[12];
		struct kso_dir_keys k;
		size_t slen, n;

		t_hex(v->secret, secret, &slen);
		t_hex(v->key, key, &n);
		t_hex(v->iv, iv, &n);
		T_OK(kso_tls13_derive(c, secret, slen, 7, &k));
		T_ASSERT(k.version == TLS_1_3_VERSION && k.cipher == c && k.seq == 7, "%s: header",
			 v->name);
		T_ASSERT(t_mem_eq(k.key, key, v->key_len) && t_mem_eq(k.iv, iv, 12), "%s: keys",
			 v->name);
		kso_dir_keys_wipe(&k);
		T_ASSERT(k.key[0] == 0 && k.iv[0] == 0 && k.seq == 0, "wipe left key material");
	}
	T_ASSERT(kso_tls13_derive(KSO_AES_128_GCM, (uint8_t[48]){ 0 }, 48, 0,
				  &(struct kso_dir_keys){ 0 }) == -EINVAL,
		 "a SHA-384-sized secret for a SHA-256 suite must be refused");
	return T_PASS;
}

static int test_tls12_prf_vectors(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < TV_COUNT(tv_tls12_prf); i++) {
		const struct tv_tls12_prf *v = &tv_tls12_prf[i];
		uint8_t secret[128], seed[128], out[256], got[256];
		size_t slen, seedlen, olen;

		t_hex(v->secret, secret, &slen);
		t_hex(v->seed, seed, &seedlen);
		t_hex(v->out, out, &olen);
		T_OK(kso_tls12_prf(v->digest, secret, slen, v->label, seed, seedlen, got, olen));
		T_ASSERT(t_mem_eq(out, got, olen), "%s: PRF output differs", v->name);
	}
	return T_PASS;
}

static int test_tls13_update_vectors(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < TV_COUNT(tv_tls13_upd); i++) {
		const struct tv_tls13_upd *v = &tv_tls13_upd[i];
		enum kso_cipher c = !strcmp(v->digest, "SHA384") ? KSO_AES_256_GCM : KSO_AES_128_GCM;
		uint8_t secret[64], next[64], got[64];
		size_t slen, nlen;

		t_hex(v->secret, secret, &slen);
		t_hex(v->next, next, &nlen);
		T_OK(kso_tls13_next_secret(c, secret, slen, got, nlen));
		T_ASSERT(t_mem_eq(next, got, nlen), "%s: next secret differs", v->name);
	}
	return T_PASS;
}

/* The key block split, both roles: what the client writes the server reads. */
static int test_tls12_keyblock_vectors(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < TV_COUNT(tv_tls12_keyblock); i++) {
		const struct tv_tls12_keyblock *v = &tv_tls12_keyblock[i];
		uint8_t master[48], cr[32], sr[32], ck[32], sk[32], civ[12], siv[12];
		struct kso_dir_keys ctx, crx, stx, srx;
		size_t n, klen, ivlen;
		enum kso_cipher c;

		T_OK(kso_cipher_by_name(v->cipher, &c));
		t_hex(v->master, master, &n);
		t_hex(v->client_random, cr, &n);
		t_hex(v->server_random, sr, &n);
		t_hex(v->client_key, ck, &klen);
		t_hex(v->server_key, sk, &klen);
		t_hex(v->client_iv, civ, &ivlen);
		t_hex(v->server_iv, siv, &ivlen);
		T_OK(kso_tls12_derive(c, KSO_CLIENT, master, cr, sr, 1, 1, &ctx, &crx));
		T_OK(kso_tls12_derive(c, KSO_SERVER, master, cr, sr, 1, 1, &stx, &srx));
		T_ASSERT(t_mem_eq(ctx.key, ck, klen) && t_mem_eq(ctx.iv, civ, ivlen),
			 "%s: client write key/iv", v->name);
		T_ASSERT(t_mem_eq(stx.key, sk, klen) && t_mem_eq(stx.iv, siv, ivlen),
			 "%s: server write key/iv", v->name);
		T_ASSERT(!memcmp(&crx, &stx, sizeof(crx)) && !memcmp(&srx, &ctx, sizeof(srx)),
			 "%s: one side's rx must be the other's tx", v->name);
		T_ASSERT(ctx.explicit_nonce == 1 && crx.explicit_nonce == 1,
			 "%s: explicit nonces start at the sequence numbers", v->name);
	}
	return T_PASS;
}

/* HKDF-Expand-Label written out with HMAC, independently of OpenSSL's TLS13-KDF. */
static int hkdf_expand_label_ref(const char *digest, const uint8_t *secret, size_t slen,
				 const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1], t[64];
	size_t ilen = 0, tlen = 0, done = 0, llen = 6 + strlen(label);
	uint8_t ctr = 1;

	info[ilen++] = (uint8_t)(out_len >> 8);
	info[ilen++] = (uint8_t)out_len;
	info[ilen++] = (uint8_t)llen;
	memcpy(info + ilen, "tls13 ", 6);
	memcpy(info + ilen + 6, label, strlen(label));
	ilen += llen;
	info[ilen++] = 0;	/* empty context */
	while (done < out_len) {
		uint8_t msg[64 + sizeof(info) + 1];
		unsigned int mlen;

		memcpy(msg, t, tlen);
		memcpy(msg + tlen, info, ilen);
		msg[tlen + ilen] = ctr++;
		if (!HMAC(EVP_get_digestbyname(digest), secret, (int)slen, msg, tlen + ilen + 1, t,
			  &mlen))
			return -1;
		tlen = mlen;
		memcpy(out + done, t, out_len - done < tlen ? out_len - done : tlen);
		done += tlen;
	}
	return 0;
}

static int test_traffic_update(const void *arg)
{
	(void)arg;
	for (int c = 0; c < KSO_CIPHER_COUNT; c++) {
		const struct kso_cipher_info *ci = kso_cipher_info(c);
		size_t hlen = !strcmp(ci->digest, "SHA384") ? 48 : 32;
		uint8_t secret[48], next[48], ref[48];

		t_fill_random(secret, sizeof(secret));
		T_OK(kso_tls13_next_secret(c, secret, hlen, next, hlen));
		T_ASSERT(!hkdf_expand_label_ref(ci->digest, secret, hlen, "traffic upd", ref, hlen),
			 "reference HMAC failed");
		T_ASSERT(t_mem_eq(next, ref, hlen), "%s: traffic upd secret differs", ci->name);
		/* and key/iv through the same reference */
		struct kso_dir_keys k;
		T_OK(kso_tls13_derive(c, next, hlen, 0, &k));
		T_ASSERT(!hkdf_expand_label_ref(ci->digest, next, hlen, "key", ref, ci->key_len),
			 "reference HMAC failed");
		T_ASSERT(t_mem_eq(k.key, ref, ci->key_len), "%s: key differs from reference",
			 ci->name);
		T_ASSERT(!hkdf_expand_label_ref(ci->digest, next, hlen, "iv", ref, 12),
			 "reference HMAC failed");
		T_ASSERT(t_mem_eq(k.iv, ref, 12), "%s: iv differs from reference", ci->name);
	}
	return T_PASS;
}

static int test_cipher_lookup(const void *arg)
{
	enum kso_cipher c;
	uint16_t v;

	(void)arg;
	T_OK(kso_cipher_by_name("aes-256-gcm", &c));
	T_ASSERT(c == KSO_AES_256_GCM, "by name");
	T_OK(kso_cipher_by_name("TLS_CHACHA20_POLY1305_SHA256", &c));
	T_ASSERT(c == KSO_CHACHA20_POLY1305, "by OpenSSL name");
	T_ASSERT(kso_cipher_by_name("AES-128-CBC", &c) == -ENOENT, "CBC must be unknown");
	T_OK(kso_cipher_by_suite(0x1302, &v, &c));
	T_ASSERT(v == TLS_1_3_VERSION && c == KSO_AES_256_GCM, "0x1302");
	T_OK(kso_cipher_by_suite(0xcca8, &v, &c));
	T_ASSERT(v == TLS_1_2_VERSION && c == KSO_CHACHA20_POLY1305, "0xcca8");
	T_ASSERT(kso_cipher_by_suite(0x009c, &v, &c) == -EOPNOTSUPP, "RSA kx suite must be refused");
	T_ASSERT(kso_cipher_info(KSO_CIPHER_COUNT) == NULL, "out of range");
	return T_PASS;
}

/* The <linux/tls.h> layout for each variant, byte by byte. */
static int test_crypto_info(const void *arg)
{
	const struct variant *v = arg;
	const struct kso_cipher_info *ci = kso_cipher_info(v->cipher);
	struct kso_dir_keys k = { .version = v->version, .cipher = v->cipher,
				  .seq = 0x0102030405060708ull,
				  .explicit_nonce = 0xf1f2f3f4f5f6f7f8ull };
	static const uint8_t seq_be[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t nonce_be[8] = { 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8 };
	union kso_crypto_info info;
	const uint8_t *key, *iv, *salt, *rec_seq;
	socklen_t len;

	for (int i = 0; i < KSO_MAX_KEY; i++)
		k.key[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < KSO_IV_LEN; i++)
		k.iv[i] = (uint8_t)(0xa0 + i);
	if (v->version == TLS_1_2_VERSION)	/* only the implicit part is meaningful */
		memset(k.iv + ci->tls12_fixed_iv, 0, KSO_IV_LEN - ci->tls12_fixed_iv);
	T_OK(kso_ktls_fill(&k, &info, &len));
	T_ASSERT(info.info.version == v->version && info.info.cipher_type == ci->ktls_type,
		 "header");
	switch (v->cipher) {
	case KSO_AES_128_GCM:
		T_ASSERT(len == sizeof(info.aes128), "len");
		key = info.aes128.key, iv = info.aes128.iv, salt = info.aes128.salt;
		rec_seq = info.aes128.rec_seq;
		break;
	case KSO_AES_256_GCM:
		T_ASSERT(len == sizeof(info.aes256), "len");
		key = info.aes256.key, iv = info.aes256.iv, salt = info.aes256.salt;
		rec_seq = info.aes256.rec_seq;
		break;
	default:
		T_ASSERT(len == sizeof(info.chacha), "len");
		key = info.chacha.key, iv = info.chacha.iv, salt = NULL;
		rec_seq = info.chacha.rec_seq;
		break;
	}
	T_ASSERT(t_mem_eq(key, k.key, ci->key_len), "key");
	T_ASSERT(t_mem_eq(rec_seq, seq_be, 8), "rec_seq must be the big-endian sequence number");
	if (v->cipher == KSO_CHACHA20_POLY1305) {
		T_ASSERT(t_mem_eq(iv, k.iv, 12), "ChaCha20: iv must be the whole 12-byte IV");
	} else if (v->version == TLS_1_3_VERSION) {
		T_ASSERT(t_mem_eq(salt, k.iv, 4) && t_mem_eq(iv, k.iv + 4, 8),
			 "TLS 1.3 GCM: salt = iv[0..3], iv = iv[4..11]");
	} else {
		T_ASSERT(t_mem_eq(salt, k.iv, 4), "TLS 1.2 GCM: salt = implicit IV");
		T_ASSERT(t_mem_eq(iv, nonce_be, 8),
			 "TLS 1.2 GCM: the first explicit nonce is explicit_nonce, not seq");
	}
	k.cipher = KSO_CIPHER_COUNT;
	T_ASSERT(kso_ktls_fill(&k, &info, &len) == -EINVAL, "bad cipher accepted");
	return T_PASS;
}

/*
 * A real OpenSSL session: derive the server's keys as ktlsod does, then play the kernel
 * with the record model. The client must read what "the kernel" wrote, and "the kernel"
 * must read what the client wrote. corrupt != 0 flips one key byte: the client must fail.
 */
static int agreement(const struct variant *v, int corrupt)
{
	SSL_CTX *sctx = t_ssl_ctx(true, v->version, v->cipher);
	SSL_CTX *cctx = t_ssl_ctx(false, v->version, v->cipher);
	struct kso_dir_keys tx, rx;
	union kso_crypto_info ci_tx, ci_rx;
	struct t_rec wr, rd;
	uint8_t rec[T_REC_MAX], pt[T_REC_MAX], big[16384], type;
	char buf[20000];
	socklen_t len;
	SSL *c, *s;
	ssize_t n;
	uint64_t seq0 = v->version == TLS_1_2_VERSION ? 1 : 0;

	T_ASSERT(sctx && cctx, "SSL_CTX: %s", t_ssl_err());
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	T_ASSERT(c && s, "SSL_new");
	T_ASSERT(!t_handshake_mem(c, s), "handshake: %s", t_ssl_err());
	T_OK(kso_ssl_derive(s, KSO_SERVER, seq0, seq0, &tx, &rx));
	if (v->version == TLS_1_3_VERSION) {
		struct kso_dir_keys t2, r2;

		T_ASSERT(kso_ssl_derive(s, KSO_SERVER, seq0, seq0, &t2, &r2) == -ENOKEY,
			 "TLS 1.3 secrets must be wiped after the first derivation");
	}
	tx.key[0] ^= (uint8_t)corrupt;
	T_OK(kso_ktls_fill(&tx, &ci_tx, &len));
	T_OK(kso_ktls_fill(&rx, &ci_rx, &len));
	T_ASSERT(!t_rec_init(&wr, &ci_tx) && !t_rec_init(&rd, &ci_rx), "record model");

	/* server -> client: two records, one full-size */
	t_fill_random(big, sizeof(big));
	n = t_rec_seal(&wr, 23, "hello from the kernel", 21, rec);
	T_ASSERT(n > 0, "seal");
	BIO_write(SSL_get_rbio(c), rec, (int)n);
	n = t_rec_seal(&wr, 23, big, sizeof(big), rec);
	T_ASSERT(n > 0, "seal");
	BIO_write(SSL_get_rbio(c), rec, (int)n);
	int r = SSL_read(c, buf, sizeof(buf));
	if (corrupt) {
		T_ASSERT(r <= 0, "the client accepted a record sealed with a corrupted key");
		goto out;
	}
	T_ASSERT(r == 21 && !memcmp(buf, "hello from the kernel", 21),
		 "client read %d bytes: %s", r, r <= 0 ? t_ssl_err() : "wrong data");
	r = SSL_read(c, buf, sizeof(buf));
	T_ASSERT(r == (int)sizeof(big) && !memcmp(buf, big, sizeof(big)), "full record: %d", r);

	/* client -> server */
	T_ASSERT(SSL_write(c, "GET / HTTP/1.1\r\n\r\n", 18) == 18, "SSL_write");
	n = BIO_read(SSL_get_wbio(c), rec, sizeof(rec));
	T_ASSERT(n > 0 && t_rec_len(rec, (size_t)n) == (size_t)n, "one client record");
	n = t_rec_open(&rd, rec, (size_t)n, &type, pt);
	T_ASSERT(n == 18 && type == 23 && !memcmp(pt, "GET / HTTP/1.1\r\n\r\n", 18),
		 "server could not read the client's record with the derived RX keys");
out:
	kso_dir_keys_wipe(&tx);
	kso_dir_keys_wipe(&rx);
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return T_PASS;
}

static int test_agreement(const void *arg)
{
	return agreement(arg, 0);
}

static int test_agreement_bad_key(const void *arg)
{
	return agreement(arg, 0x01);
}

/*
 * KeyUpdate with OpenSSL as the peer, the way ktlsod carries it in kTLS: the secrets copied
 * before the derivation (kso_ssl_copy_secrets), the next ones by "traffic upd". The client
 * sends KeyUpdate(update_requested) and a record under its next key; "the kernel" reads
 * both, answers with its own KeyUpdate and a record under the server's next key, which the
 * client must read.
 */
static int test_keyupdate_agreement(const void *arg)
{
	const struct variant *v = arg;
	SSL_CTX *sctx = t_ssl_ctx(true, v->version, v->cipher);
	SSL_CTX *cctx = t_ssl_ctx(false, v->version, v->cipher);
	static const uint8_t ku_req[5] = { 24, 0, 0, 1, 1 }, ku_not[5] = { 24, 0, 0, 1, 0 };
	uint8_t txs[KSO_MAX_SECRET], rxs[KSO_MAX_SECRET], next[KSO_MAX_SECRET];
	uint8_t rec[T_REC_MAX], pt[T_REC_MAX], type;
	struct kso_dir_keys tx, rx;
	union kso_crypto_info ci;
	struct t_rec wr, rd;
	size_t slen = 0, off = 0;
	socklen_t len;
	char buf[64];
	ssize_t n, m;
	SSL *c, *s;

	T_ASSERT(sctx && cctx, "SSL_CTX: %s", t_ssl_err());
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	T_ASSERT(c && s && !t_handshake_mem(c, s), "handshake: %s", t_ssl_err());
	T_OK(kso_ssl_copy_secrets(s, KSO_SERVER, txs, rxs, &slen));
	T_ASSERT(slen == (size_t)(v->cipher == KSO_AES_256_GCM ? 48 : 32), "secret length %zu", slen);
	T_OK(kso_ssl_derive(s, KSO_SERVER, 0, 0, &tx, &rx));
	T_OK(kso_ktls_fill(&tx, &ci, &len));
	T_ASSERT(!t_rec_init(&wr, &ci), "record model");
	T_OK(kso_ktls_fill(&rx, &ci, &len));
	T_ASSERT(!t_rec_init(&rd, &ci), "record model");

	/* client: KeyUpdate(update_requested), then data under its next key */
	T_ASSERT(SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED) && SSL_write(c, "after", 5) == 5,
		 "client KeyUpdate: %s", t_ssl_err());
	n = BIO_read(SSL_get_wbio(c), rec, sizeof(rec));
	m = (ssize_t)t_rec_len(rec, (size_t)n);
	T_ASSERT(m > 0 && m < n, "two client records");
	T_ASSERT(t_rec_open(&rd, rec, (size_t)m, &type, pt) == 5 && type == 22 &&
		 !memcmp(pt, ku_req, 5), "the KeyUpdate under the old key");
	T_OK(kso_tls13_next_secret(v->cipher, rxs, slen, next, slen));
	T_OK(kso_tls13_derive(v->cipher, next, slen, 0, &rx));
	T_OK(kso_ktls_fill(&rx, &ci, &len));
	T_ASSERT(!t_rec_init(&rd, &ci), "record model");
	off = (size_t)m;
	T_ASSERT(t_rec_open(&rd, rec + off, (size_t)n - off, &type, pt) == 5 && type == 23 &&
		 !memcmp(pt, "after", 5), "the client's data under its next key");

	/* server: KeyUpdate(update_not_requested) under the old key, data under the next */
	n = t_rec_seal(&wr, 22, ku_not, 5, rec);
	T_ASSERT(n > 0, "seal");
	BIO_write(SSL_get_rbio(c), rec, (int)n);
	T_OK(kso_tls13_next_secret(v->cipher, txs, slen, next, slen));
	T_OK(kso_tls13_derive(v->cipher, next, slen, 0, &tx));
	T_OK(kso_ktls_fill(&tx, &ci, &len));
	T_ASSERT(!t_rec_init(&wr, &ci), "record model");
	n = t_rec_seal(&wr, 23, "reply", 5, rec);
	T_ASSERT(n > 0, "seal");
	BIO_write(SSL_get_rbio(c), rec, (int)n);
	T_ASSERT(SSL_read(c, buf, sizeof(buf)) == 5 && !memcmp(buf, "reply", 5),
		 "the client read nothing under the server's next key: %s", t_ssl_err());
	kso_dir_keys_wipe(&tx);
	kso_dir_keys_wipe(&rx);
	OPENSSL_cleanse(txs, sizeof(txs));
	OPENSSL_cleanse(rxs, sizeof(rxs));
	OPENSSL_cleanse(next, sizeof(next));
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return T_PASS;
}

int main(int argc, char **argv)
{
	char name[64];

	t_init("unit/keysched", argc, argv);
	t_run("tls13_rfc8448_vectors", test_tls13_vectors, NULL);
	t_run("tls13_derive", test_tls13_derive, NULL);
	t_run("tls13_traffic_update", test_traffic_update, NULL);
	t_run("tls13_traffic_update_vectors", test_tls13_update_vectors, NULL);
	t_run("tls12_prf_vectors", test_tls12_prf_vectors, NULL);
	t_run("tls12_keyblock_vectors", test_tls12_keyblock_vectors, NULL);
	t_run("cipher_lookup", test_cipher_lookup, NULL);
	for (size_t i = 0; i < N_VARIANTS; i++) {
		snprintf(name, sizeof(name), "crypto_info/%s", variants[i].name);
		t_run(name, test_crypto_info, &variants[i]);
		snprintf(name, sizeof(name), "openssl_agreement/%s", variants[i].name);
		t_run(name, test_agreement, &variants[i]);
		snprintf(name, sizeof(name), "openssl_agreement_bad_key/%s", variants[i].name);
		t_run(name, test_agreement_bad_key, &variants[i]);
		if (variants[i].version != TLS_1_3_VERSION)
			continue;
		snprintf(name, sizeof(name), "openssl_keyupdate/%s", variants[i].name);
		t_run(name, test_keyupdate_agreement, &variants[i]);
	}
	return t_done();
}
