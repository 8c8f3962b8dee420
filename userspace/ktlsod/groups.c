// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The key-exchange groups a listener offers: the default list, and the check of a
 * configured one (--groups) that names the first group OpenSSL does not know. Apart from
 * tls.c so that the configuration's fuzz targets link it with OpenSSL alone.
 */
#include "ktlsod.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

/*
 * Key exchange, unless configured (groups =, --groups): OpenSSL's default groups, in its
 * order and with its preferences - from 3.5 on they begin with the post-quantum hybrid
 * X25519MLKEM768, which current browsers send - without its finite-field ones (ffdhe2048
 * to ffdhe8192, which only TLS 1.3 could pick): every TLS 1.3 client has P-256 (RFC 8446,
 * 9.1), and a client asking for ffdhe8192 cost the daemon about 120 ms of CPU per
 * handshake, against at most 2.5 ms with a curve (docs/hardening.md, section 5). OpenSSL
 * before 3.5 knows no DEFAULT in a group list: the curves of its default list by name.
 */
static const char *const tls_default_groups[] = {
	"DEFAULT:-ffdhe2048:-ffdhe3072:-ffdhe4096:-ffdhe6144:-ffdhe8192",
	"X25519:P-256:X448:P-521:P-384",
};

int tls_set_groups(SSL_CTX *ctx, const char *list)
{
	if (list)
		return SSL_CTX_set1_groups_list(ctx, list) == 1 ? 0 : -EINVAL;
	for (size_t i = 0; i < sizeof(tls_default_groups) / sizeof(*tls_default_groups); i++) {
		if (SSL_CTX_set1_groups_list(ctx, tls_default_groups[i]) == 1) {
			ERR_clear_error();
			return 0;
		}
	}
	return -EINVAL;
}

int tls_groups_check(const char *list, char *err, size_t len)
{
	static const char groups_hint[] = "give names as 'openssl s_client -groups' takes them, "
		"separated by ':' (e.g. X25519:P-256; 'openssl list -tls-groups' lists them from "
		"OpenSSL 3.5 on)";
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char *copy = strdup(list), *tok, *save = NULL;
	const char *bad = NULL;
	int ret = -EINVAL;

	if (!ctx || !copy) {
		snprintf(err, len, "%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto out;
	}
	if (!tls_set_groups(ctx, list)) {
		ret = 0;
		goto out;
	}
	/* name the first group it refused: the list is names separated by ':' (3.5: or '/') */
	for (tok = strtok_r(copy, ":/", &save); tok && !bad; tok = strtok_r(NULL, ":/", &save))
		if (SSL_CTX_set1_groups_list(ctx, tok) != 1)
			bad = tok;
	if (bad)
		snprintf(err, len, "'%s' is not a TLS group of OpenSSL %s: %s", bad,
			 OpenSSL_version(OPENSSL_VERSION_STRING), groups_hint);
	else
		snprintf(err, len, "OpenSSL %s refused the list '%s': %s",
			 OpenSSL_version(OPENSSL_VERSION_STRING), list, groups_hint);
out:
	ERR_clear_error();
	free(copy);
	SSL_CTX_free(ctx);
	return ret;
}
