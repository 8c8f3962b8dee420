// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the handshake's record-header check and the record counter of a live
 * offload (userspace/ktlsod/records.c), against a plain reference over the same bytes.
 *
 * Input: one byte n, then n bytes of chunk sizes, then the stream. The stream goes through
 * recscan() in those chunks (the way reads cut it), each chunk no longer than what
 * recscan_need() allows half of the time (a read while an offload is pending). After each
 * chunk the count of records and the boundary flag must match the reference's, and at a
 * boundary after a record of 8 body bytes or more, the explicit nonce its first 8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct recscan rs = { 0 };
	const unsigned char *cuts, *s;
	size_t ncuts, len, off = 0, next = 0, last = 0, ci = 0;
	uint64_t seq = 0, ref = 0;

	if (size < 1)
		return 0;
	ncuts = data[0];
	if (1 + ncuts > size)
		return 0;
	cuts = data + 1;
	s = data + 1 + ncuts;
	len = size - 1 - ncuts;

	/* The header check, at every offset: -1 or 5 + the length field, bounded. */
	for (size_t i = 0; i + TLS_REC_HDR <= len; i++) {
		ssize_t r = tls_rec_len(s + i);
		bool ok = s[i] >= 20 && s[i] <= 24 && s[i + 1] == 3;

		if (r != -1 && (r < TLS_REC_HDR || r > TLS_REC_MAX || !ok ||
				r != TLS_REC_HDR + (s[i + 3] << 8 | s[i + 4])))
			abort();
		if (r == -1 && ok && TLS_REC_HDR + (s[i + 3] << 8 | s[i + 4]) <= TLS_REC_MAX)
			abort();
	}

	while (off < len) {
		size_t k = ncuts ? (size_t)cuts[ci % ncuts] + 1 : len - off;
		bool bounded = ncuts && (cuts[ci % ncuts] & 0x80);
		size_t need = recscan_need(&rs);

		ci++;
		/* need: to the end of the header being read, else to the end of the body */
		if (off - next < TLS_REC_HDR ?
			    need != TLS_REC_HDR - (off - next) :
			    need != next + TLS_REC_HDR + (s[next + 3] << 8 | s[next + 4]) - off)
			abort();
		if (bounded && k > need)
			k = need;
		if (k > len - off)
			k = len - off;
		recscan(&rs, &seq, s + off, k);
		off += k;
		/* reference: every record that ends at or before off */
		while (next + TLS_REC_HDR <= off &&
		       next + TLS_REC_HDR + (s[next + 3] << 8 | s[next + 4]) <= off) {
			last = next;
			next += TLS_REC_HDR + (s[next + 3] << 8 | s[next + 4]);
			ref++;
		}
		if (seq != ref || recscan_boundary(&rs) != (next == off))
			abort();
		if (ref && next == off && next - last >= TLS_REC_HDR + 8) {
			uint64_t want = 0;

			for (size_t i = 0; i < 8; i++)
				want = want << 8 | s[last + TLS_REC_HDR + i];
			if (recscan_explicit_nonce(&rs) != want)
				abort();
		}
	}
	return 0;
}
