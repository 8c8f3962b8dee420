/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fixtures of the VM tests (tests/lib/sockfix.c): TCP pairs with and without kTLS, socket
 * cookies, running as nobody.
 */
#ifndef KTLSO_SOCKFIX_H
#define KTLSO_SOCKFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keysched.h"

#define NOBODY 65534

uint64_t cookie(int fd);
/* A loopback TCP pair whose reads give up after 20 s: a broken case fails, it does not hang. */
int pair(int fds[2]);
/* len bytes, or -errno (-EPIPE at EOF). */
int read_full(int fd, void *buf, size_t len);
void make_keys(uint16_t version, enum kso_cipher c, uint64_t seq, struct kso_dir_keys *k);
int ktls_setup(int fds[2], uint16_t version, uint64_t seq, bool ab, bool ba);
int ktls_pair(int fds[2], uint16_t version, uint64_t seq);
bool ktls_available(void);
int as_nobody(int (*fn)(void *), void *arg);

#endif
