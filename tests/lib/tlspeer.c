// SPDX-License-Identifier: GPL-2.0-or-later
#include "tlspeer.h"

#include <linux/tls.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sslkeys.h"

static const char *tls12_suites[KSO_CIPHER_COUNT] = {
	[KSO_AES_128_GCM] = "ECDHE-ECDSA-AES128-GCM-SHA256",
	[KSO_AES_256_GCM] = "ECDHE-ECDSA-AES256-GCM-SHA384",
	[KSO_CHACHA20_POLY1305] = "ECDHE-ECDSA-CHACHA20-POLY1305",
};
static const char *tls13_suites[KSO_CIPHER_COUNT] = {
	[KSO_AES_128_GCM] = "TLS_AES_128_GCM_SHA256",
	[KSO_AES_256_GCM] = "TLS_AES_256_GCM_SHA384",
	[KSO_CHACHA20_POLY1305] = "TLS_CHACHA20_POLY1305_SHA256",
};

const char *t_ssl_err(void)
{
	static __thread char buf[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "no OpenSSL error queued";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

static int self_signed(SSL_CTX *ctx)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	int ok = 0;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	ok = X509_sign(x, key, EVP_sha256()) > 0 && SSL_CTX_use_certificate(ctx, x) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, key) == 1;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

SSL_CTX *t_ssl_ctx(bool server, uint16_t version, enum kso_cipher c)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	int v = version == TLS_1_3_VERSION ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v))
		goto fail;
	if (version == TLS_1_3_VERSION) {
		if (!SSL_CTX_set_ciphersuites(ctx, tls13_suites[c]))
			goto fail;
	} else if (!SSL_CTX_set_cipher_list(ctx, tls12_suites[c])) {
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (server) {
		SSL_CTX_set_num_tickets(ctx, 0);
		if (self_signed(ctx) || kso_ssl_capture(ctx))
			goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void t_pump(SSL *from, SSL *to)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof(buf))) > 0)
		BIO_write(SSL_get_rbio(to), buf, n);
}

static BIO *mem_bio(void)
{
	BIO *b = BIO_new(BIO_s_mem());

	BIO_set_mem_eof_return(b, -1);	/* empty means "try again", not EOF */
	return b;
}

int t_handshake_mem(SSL *client, SSL *server)
{
	SSL_set_bio(client, mem_bio(), mem_bio());
	SSL_set_bio(server, mem_bio(), mem_bio());
	SSL_set_connect_state(client);
	SSL_set_accept_state(server);
	/* SSL_get_error reads the BIOs' retry flags: ask before pumping changes them. */
	for (int i = 0; i < 20; i++) {
		int c = SSL_do_handshake(client);
		int ce = c == 1 ? SSL_ERROR_NONE : SSL_get_error(client, c);
		int s, se;

		t_pump(client, server);
		s = SSL_do_handshake(server);
		se = s == 1 ? SSL_ERROR_NONE : SSL_get_error(server, s);
		t_pump(server, client);
		if (c == 1 && s == 1)
			return 0;
		if ((ce != SSL_ERROR_NONE && ce != SSL_ERROR_WANT_READ) ||
		    (se != SSL_ERROR_NONE && se != SSL_ERROR_WANT_READ))
			return -1;
	}
	return -1;
}
