// SPDX-License-Identifier: GPL-2.0-or-later
#include "record.h"

#include <string.h>
#include <openssl/evp.h>

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int t_rec_init(struct t_rec *r, const union kso_crypto_info *ci)
{
	memset(r, 0, sizeof(*r));
	r->version = ci->info.version;
	r->cipher_type = ci->info.cipher_type;
	switch (ci->info.cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		r->aead = EVP_aes_128_gcm();
		memcpy(r->key, ci->aes128.key, 16);
		memcpy(r->nonce, ci->aes128.salt, 4);
		memcpy(r->nonce + 4, ci->aes128.iv, 8);
		r->seq = get_be64(ci->aes128.rec_seq);
		r->explicit_iv = get_be64(ci->aes128.iv);
		break;
	case TLS_CIPHER_AES_GCM_256:
		r->aead = EVP_aes_256_gcm();
		memcpy(r->key, ci->aes256.key, 32);
		memcpy(r->nonce, ci->aes256.salt, 4);
		memcpy(r->nonce + 4, ci->aes256.iv, 8);
		r->seq = get_be64(ci->aes256.rec_seq);
		r->explicit_iv = get_be64(ci->aes256.iv);
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		r->aead = EVP_chacha20_poly1305();
		memcpy(r->key, ci->chacha.key, 32);
		memcpy(r->nonce, ci->chacha.iv, 12);
		r->seq = get_be64(ci->chacha.rec_seq);
		break;
	default:
		return -1;
	}
	return 0;
}

/* TLS 1.2 AES-GCM carries 8 explicit nonce bytes in each record (RFC 5288). */
static bool explicit_nonce(const struct t_rec *r)
{
	return r->version == TLS_1_2_VERSION && r->cipher_type != TLS_CIPHER_CHACHA20_POLY1305;
}

static void record_nonce(const struct t_rec *r, const uint8_t *explicit, uint8_t nonce[12])
{
	uint8_t s[8];

	memcpy(nonce, r->nonce, 12);
	if (explicit) {
		memcpy(nonce + 4, explicit, 8);
		return;
	}
	be64(s, r->seq);	/* RFC 8446 §5.3, RFC 7905: IV xor padded sequence number */
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= s[i];
}

static int aead(const struct t_rec *r, int enc, const uint8_t nonce[12], const uint8_t *aad,
		size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = c && EVP_CipherInit_ex(c, r->aead, NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
	     EVP_CipherInit_ex(c, NULL, NULL, r->key, nonce, enc) &&
	     (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag)) &&
	     EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) &&
	     (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len)) &&
	     EVP_CipherFinal_ex(c, out + len, &n) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

ssize_t t_rec_seal(struct t_rec *r, uint8_t type, const void *pt, size_t len, uint8_t *out)
{
	uint8_t nonce[12], aad[13], inner[16384 + 1];
	uint8_t *body = out + T_REC_HDR;
	size_t body_len, in_len;
	const uint8_t *in = pt;

	if (len > 16384)
		return -1;
	if (r->version == TLS_1_3_VERSION) {
		memcpy(inner, pt, len);		/* TLSInnerPlaintext: content || type */
		inner[len] = type;
		in = inner;
		in_len = len + 1;
		body_len = in_len + 16;
		out[0] = 23;			/* opaque_type application_data */
	} else {
		in_len = len;
		body_len = len + 16 + (explicit_nonce(r) ? 8 : 0);
		out[0] = type;
	}
	out[1] = 3, out[2] = 3;
	out[3] = (uint8_t)(body_len >> 8), out[4] = (uint8_t)body_len;

	if (explicit_nonce(r)) {
		be64(body, r->explicit_iv++);
		record_nonce(r, body, nonce);
		body += 8;
	} else {
		record_nonce(r, NULL, nonce);
	}
	if (r->version == TLS_1_3_VERSION) {
		memcpy(aad, out, T_REC_HDR);
		if (aead(r, 1, nonce, aad, T_REC_HDR, in, in_len, body, body + in_len))
			return -1;
	} else {
		be64(aad, r->seq);
		aad[8] = type, aad[9] = 3, aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
		if (aead(r, 1, nonce, aad, 13, in, in_len, body, body + in_len))
			return -1;
	}
	r->seq++;
	return (ssize_t)(T_REC_HDR + body_len);
}

ssize_t t_rec_open(struct t_rec *r, const uint8_t *rec, size_t reclen, uint8_t *type, uint8_t *pt)
{
	uint8_t nonce[12], aad[13], tag[16];
	const uint8_t *body = rec + T_REC_HDR;
	size_t body_len;
	ssize_t len;

	if (reclen < T_REC_HDR + 16 || t_rec_len(rec, reclen) != reclen)
		return -1;
	body_len = reclen - T_REC_HDR;
	if (explicit_nonce(r)) {
		if (body_len < 24)
			return -1;
		record_nonce(r, body, nonce);
		body += 8, body_len -= 8;
	} else {
		record_nonce(r, NULL, nonce);
	}
	len = (ssize_t)body_len - 16;
	memcpy(tag, body + len, 16);
	if (r->version == TLS_1_3_VERSION) {
		if (aead(r, 0, nonce, rec, T_REC_HDR, body, (size_t)len, pt, tag))
			return -1;
		while (len > 0 && pt[len - 1] == 0)	/* strip padding */
			len--;
		if (len == 0)
			return -1;
		*type = pt[--len];
	} else {
		be64(aad, r->seq);
		aad[8] = rec[0], aad[9] = 3, aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
		if (aead(r, 0, nonce, aad, 13, body, (size_t)len, pt, tag))
			return -1;
		*type = rec[0];
	}
	r->seq++;
	return len;
}

size_t t_rec_len(const uint8_t *buf, size_t avail)
{
	if (avail < T_REC_HDR)
		return 0;
	return T_REC_HDR + ((size_t)buf[3] << 8 | buf[4]);
}
