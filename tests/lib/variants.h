/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every TLS version x cipher ktlso offloads: the variants of the unit and VM tests. */
#ifndef KTLSO_T_VARIANTS_H
#define KTLSO_T_VARIANTS_H

#include <linux/tls.h>
#include "keysched.h"

struct variant {
	const char *name;
	uint16_t version;
	enum kso_cipher cipher;
};

static const struct variant variants[] = {
	{ "tls12_aes128gcm", TLS_1_2_VERSION, KSO_AES_128_GCM },
	{ "tls12_aes256gcm", TLS_1_2_VERSION, KSO_AES_256_GCM },
	{ "tls12_chacha20", TLS_1_2_VERSION, KSO_CHACHA20_POLY1305 },
	{ "tls13_aes128gcm", TLS_1_3_VERSION, KSO_AES_128_GCM },
	{ "tls13_aes256gcm", TLS_1_3_VERSION, KSO_AES_256_GCM },
	{ "tls13_chacha20", TLS_1_3_VERSION, KSO_CHACHA20_POLY1305 },
};

#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

#endif
