/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS record framing as ktlsod sees it on the wire, apart from the rest of the worker so
 * that it can be fuzzed on its own: the handshake's record-header check, and a counter of
 * the records of a byte stream (for the sequence numbers a live offload needs).
 */
#ifndef KTLSOD_RECORDS_H
#define KTLSOD_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_REC_HDR	5
#define TLS_REC_MAX	(TLS_REC_HDR + 16384 + 256)	/* TLSCiphertext */

/*
 * The whole length (header included) of the record whose 5-byte header is h, or -1 when
 * h is not the header of a TLS record a client may send: content type 20..24, major
 * version 3, a body no longer than TLSCiphertext's.
 */
ssize_t tls_rec_len(const unsigned char h[TLS_REC_HDR]);

/*
 * Counts the TLS records of a byte stream as it passes, and knows where they end. Also
 * keeps the first 8 body bytes of the records: between two records, those of the last one,
 * TLS 1.2 AES-GCM's explicit nonce when it was such a record (recscan_explicit_nonce).
 */
struct recscan {
	uint8_t hdr[TLS_REC_HDR];
	uint8_t have;			/* header bytes of the current record seen */
	uint16_t left;			/* body bytes of the current record still to come */
	uint8_t head[8];		/* the first body bytes, as far as they came */
};

/* Count the records that n bytes of a stream complete: *seq grows by that many. */
void recscan(struct recscan *rs, uint64_t *seq, const unsigned char *p, size_t n);
/* Between two records. */
bool recscan_boundary(const struct recscan *rs);
/*
 * Between two records, the first 8 body bytes of the last one as a big-endian number: its
 * explicit nonce, if it was a TLS 1.2 AES-GCM record (it has at least 24 body bytes).
 */
uint64_t recscan_explicit_nonce(const struct recscan *rs);
/* Bytes a read may take without passing the end of the current record (> 0). */
size_t recscan_need(const struct recscan *rs);

#endif
