/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A userspace model of the kTLS record layer, driven only by a <linux/tls.h> crypto info
 * (exactly what the kernel is given) and implemented with OpenSSL's EVP AEADs. The host
 * tests use it in place of the kernel; the VM tests check it against the kernel.
 */
#ifndef KTLSO_T_RECORD_H
#define KTLSO_T_RECORD_H

#include <sys/types.h>
#include "ktls.h"

#define T_REC_HDR 5
#define T_REC_MAX (T_REC_HDR + 8 + 16384 + 256 + 16)

struct t_rec {
	uint16_t version;
	uint16_t cipher_type;
	const void *aead;	/* EVP_CIPHER */
	uint8_t key[32];
	uint8_t nonce[12];	/* salt || iv, or the ChaCha/1.3 static IV */
	uint64_t seq;
	uint64_t explicit_iv;	/* TLS 1.2 AES-GCM: the next explicit nonce kTLS sends */
};

int t_rec_init(struct t_rec *r, const union kso_crypto_info *ci);
/* One record of `type` holding len bytes (len <= 16384); returns its size or -1. */
ssize_t t_rec_seal(struct t_rec *r, uint8_t type, const void *pt, size_t len, uint8_t *out);
/* Opens the record at rec (all reclen bytes); returns the plaintext length or -1. */
ssize_t t_rec_open(struct t_rec *r, const uint8_t *rec, size_t reclen, uint8_t *type, uint8_t *pt);
/* Length of the record starting at buf (header + body), or 0 if fewer than 5 bytes. */
size_t t_rec_len(const uint8_t *buf, size_t avail);

#endif
