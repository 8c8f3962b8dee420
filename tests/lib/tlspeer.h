/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenSSL peers for tests: a throwaway certificate, contexts pinned to one version and
 * suite, and a handshake over memory BIOs. */
#ifndef KTLSO_T_TLSPEER_H
#define KTLSO_T_TLSPEER_H

#include <stdbool.h>
#include <openssl/ssl.h>
#include "keysched.h"

/* A context for one version (TLS_1_2_VERSION/TLS_1_3_VERSION) and one cipher. The server
 * side has an ECDSA P-256 certificate and ktlso's key capture; neither sends tickets. */
SSL_CTX *t_ssl_ctx(bool server, uint16_t version, enum kso_cipher c);

/* Give ssl memory BIOs (read side first) and drive both ends to the end of the handshake. */
int t_handshake_mem(SSL *client, SSL *server);
/* Move what `from` wrote to the read side of `to`. */
void t_pump(SSL *from, SSL *to);

const char *t_ssl_err(void);

#endif
