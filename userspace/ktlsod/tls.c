// SPDX-License-Identifier: GPL-2.0-or-later
/* The server's SSL_CTX: versions and AEAD suites kTLS can carry, certificate, key capture. */
#include "ktlsod.h"

#include <stdio.h>
#include <openssl/err.h>

#include "sslkeys.h"

/* Forward-secret AEAD suites only, all of which kTLS takes (see ktlsoctl probe). */
static const char tls13_suites[] =
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
static const char tls12_suites[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static void ssl_err(char *err, size_t len, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();

	snprintf(err, len, "%s%s%s: %s", what, file ? " " : "", file ? file : "",
		 e ? ERR_reason_error_string(e) : "unknown error");
	ERR_clear_error();
}

SSL_CTX *tls_ctx_new(const struct config *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		ssl_err(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, cfg->tls_min);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (!SSL_CTX_set_ciphersuites(ctx, tls13_suites) ||
	    !SSL_CTX_set_cipher_list(ctx, tls12_suites)) {
		ssl_err(err, errlen, "cipher configuration", NULL);
		goto fail;
	}
	/*
	 * Session tickets are off: a ticket is a record the server sends after the
	 * handshake, under keys that are about to move to the kernel. TLS 1.2 sessions
	 * can still resume by session ID from the in-process cache.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_max_early_data(ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
		ssl_err(err, errlen, "certificate", cfg->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) != 1) {
		ssl_err(err, errlen, "private key", cfg->key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, errlen, "the private key does not match the certificate", NULL);
		goto fail;
	}
	if (kso_ssl_capture(ctx)) {
		snprintf(err, errlen, "cannot set up key capture");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
