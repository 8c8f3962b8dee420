/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Installing keys into the kernel's TLS (kTLS), and finding out what the running kernel
 * can take. Returns are 0 or -errno; kso_ktls_strerror() turns an errno from a given step
 * into a sentence an operator can act on.
 */
#ifndef KTLSO_KTLS_H
#define KTLSO_KTLS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "keysched.h"

enum kso_dir { KSO_TX = TLS_TX, KSO_RX = TLS_RX };

/* Which step of an installation an error came from. */
enum kso_ktls_step {
	KSO_STEP_ULP,		/* setsockopt(TCP_ULP, "tls") */
	KSO_STEP_TX,		/* setsockopt(SOL_TLS, TLS_TX) */
	KSO_STEP_RX,		/* setsockopt(SOL_TLS, TLS_RX) */
	KSO_STEP_NO_PAD,	/* TLS_RX_EXPECT_NO_PAD */
	KSO_STEP_ZC_RO,		/* TLS_TX_ZEROCOPY_RO */
};

union kso_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes128;
	struct tls12_crypto_info_aes_gcm_256 aes256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/*
 * Fill the <linux/tls.h> crypto info for one direction: the salt/IV split and the
 * explicit nonce differ per version and cipher. *len is the exact struct size, which
 * setsockopt and getsockopt insist on. The caller wipes *ci.
 */
int kso_ktls_fill(const struct kso_dir_keys *k, union kso_crypto_info *ci, socklen_t *len);

/* Attach the "tls" ULP to an established TCP socket; a socket that has it already is fine. */
int kso_ktls_ulp(int fd);

/* Install one direction (the ULP must be attached). Its own copies are wiped; k is not. */
int kso_ktls_install(int fd, enum kso_dir dir, const struct kso_dir_keys *k);

/*
 * Attach the ULP and install TX and/or RX (either may be NULL). tx and rx are wiped on
 * every path, success or not. On failure *step (if given) says which step failed; a
 * failure after TX succeeded leaves TX installed, which the caller must treat as fatal
 * for the connection (kTLS cannot be removed from a socket).
 */
int kso_ktls_install_keys(int fd, struct kso_dir_keys *tx, struct kso_dir_keys *rx,
			  enum kso_ktls_step *step);

/* A sentence for an operator: what failed at `step` with -err and what to do about it. */
const char *kso_ktls_strerror(enum kso_ktls_step step, int err);

/* What the running kernel supports, found by trying it on loopback TCP connections. */
struct kso_ktls_caps {
	int ulp;				/* 0, or -errno of TCP_ULP "tls" */
	int cipher[2][KSO_CIPHER_COUNT];	/* [0] TLS 1.2, [1] TLS 1.3: 0 if TX and RX install */
	int rekey;				/* 0 if a second TLS 1.3 TX install is accepted */
	int rx_no_pad;				/* TLS_RX_EXPECT_NO_PAD */
	int tx_zc_ro;				/* TLS_TX_ZEROCOPY_RO */
	bool tls_stat;				/* KSO_TLS_STAT_PATH is present */
};

int kso_ktls_probe(struct kso_ktls_caps *caps);

/*
 * Send one record of a type other than application data (21 alert, 22 handshake) through
 * kTLS TX (TLS_SET_RECORD_TYPE). flags as for sendmsg. Returns bytes sent or -errno.
 */
ssize_t kso_ktls_send_record(int fd, unsigned char type, const void *data, size_t len,
			     int flags);

/* A connected loopback TCP pair (fds[0] from connect, fds[1] from accept). */
int kso_tcp_pair(int fds[2]);

/* The kernel's kTLS counters, of the reader's network namespace. */
#define KSO_TLS_STAT_PATH "/proc/net/tls_stat"

/* All of KSO_TLS_STAT_PATH, in its order, as read at one time. */
struct kso_tls_stat {
	size_t n;
	struct {
		char name[48];
		unsigned long long value;
	} f[48];
};

/* Read the file once into ts; -ENOENT without tls.ko. */
int kso_tls_stat_read(struct kso_tls_stat *ts);

/* A counter by name, e.g. "TlsTxSw": 0, or -ENOENT (and *value 0) if ts has none. */
int kso_tls_stat_get(const struct kso_tls_stat *ts, const char *name,
		     unsigned long long *value);

#endif
