// SPDX-License-Identifier: GPL-2.0-or-later
#include "records.h"

ssize_t tls_rec_len(const unsigned char h[TLS_REC_HDR])
{
	ssize_t len = TLS_REC_HDR + (h[3] << 8 | h[4]);

	if (h[0] < 20 || h[0] > 24 || h[1] != 3 || len > TLS_REC_MAX)
		return -1;
	return len;
}

void recscan(struct recscan *rs, uint64_t *seq, const unsigned char *p, size_t n)
{
	while (n) {
		if (rs->left) {
			size_t k = n < rs->left ? n : rs->left;
			size_t at = (size_t)(rs->hdr[3] << 8 | rs->hdr[4]) - rs->left;

			for (size_t i = 0; at + i < sizeof(rs->head) && i < k; i++)
				rs->head[at + i] = p[i];
			rs->left -= (uint16_t)k;
			p += k;
			n -= k;
		} else {
			rs->hdr[rs->have++] = *p++;
			n--;
			if (rs->have < TLS_REC_HDR)
				continue;
			rs->left = (uint16_t)(rs->hdr[3] << 8 | rs->hdr[4]);
		}
		if (rs->have == TLS_REC_HDR && !rs->left) {
			(*seq)++;
			rs->have = 0;
		}
	}
}

bool recscan_boundary(const struct recscan *rs)
{
	return !rs->have && !rs->left;
}

uint64_t recscan_explicit_nonce(const struct recscan *rs)
{
	uint64_t v = 0;

	for (size_t i = 0; i < sizeof(rs->head); i++)
		v = v << 8 | rs->head[i];
	return v;
}

size_t recscan_need(const struct recscan *rs)
{
	return rs->have == TLS_REC_HDR ? rs->left : (size_t)(TLS_REC_HDR - rs->have);
}
