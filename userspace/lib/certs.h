/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificates as operators meet them: a file holding the leaf and its intermediates
 * (fullchain.pem), a private key, the names it is served for. One implementation of the
 * checks, used by ktlsod when it loads certificates (start and SIGHUP) and by
 * "ktlsoctl cert check" without a daemon: the key matches; the chain is in order, each
 * certificate signed by the next; with a trust store, the chain reaches a trusted root;
 * the names are covered by the subjectAltName (a wildcard covers one label); every
 * certificate is valid now; expiry within a threshold is a warning.
 *
 * The checks produce findings: an error (the daemon refuses the certificate) or a warning,
 * each one sentence that names the certificate by its subject and says what to do.
 *
 * Also the small state file through which ktlsod tells ktlsoctl what it serves
 * (certs.tsv in the daemon's --state-dir, default /run/ktlsod).
 */
#ifndef KTLSO_CERTS_H
#define KTLSO_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

enum kso_cert_sev { KSO_CERT_ERROR, KSO_CERT_WARNING };

struct kso_cert_finding {
	enum kso_cert_sev sev;
	char *text;
};

struct kso_cert_findings {
	struct kso_cert_finding *v;
	size_t n, cap;
};

/* Add one (printf-style); out of memory drops it silently but still counts an error. */
void kso_cert_add(struct kso_cert_findings *f, enum kso_cert_sev sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t kso_cert_errors(const struct kso_cert_findings *f);
void kso_cert_findings_free(struct kso_cert_findings *f);

#define KSO_CERT_NAME_MAX 256

/* One loaded certificate file (and key). */
struct kso_cert {
	char *cert_path, *key_path;
	X509 *leaf;
	STACK_OF(X509) *chain;		/* what follows the leaf in the file, in file order */
	EVP_PKEY *key;			/* NULL when no key file was given */
	char subject[KSO_CERT_NAME_MAX], issuer[KSO_CERT_NAME_MAX];
	char key_type[48];		/* "ECDSA P-256", "RSA 2048", ... */
	int key_id;			/* EVP_PKEY_RSA, EVP_PKEY_EC, ... of the leaf */
	time_t not_before, not_after;
	char **sans;			/* the DNS names of the subjectAltName, lowercase */
	size_t nsans;
};

/* What to check against. */
struct kso_cert_opts {
	const char *trust;		/* CA bundle (PEM) for the chain check, or NULL */
	bool incomplete_warn;		/* an incomplete chain is a warning, not an error */
	unsigned expiry_warn_days;	/* warn when fewer days are left (0: never) */
	const char *const *names;	/* names it must cover (NULL: its own SANs) */
	size_t nnames;
	time_t now;			/* 0: time(NULL) */
};

/*
 * Read cert_path (PEM: the leaf, then intermediates) and key_path (PEM, may be NULL).
 * 0, or -errno with an error finding saying why (unreadable, no certificate in it...).
 */
int kso_cert_load(struct kso_cert *c, const char *cert_path, const char *key_path,
		  struct kso_cert_findings *f);
void kso_cert_free(struct kso_cert *c);

/* Every check above; findings are appended. */
void kso_cert_check(const struct kso_cert *c, const struct kso_cert_opts *o,
		    struct kso_cert_findings *f);

/* Whole days from now until notAfter, rounded down (negative once expired). */
long kso_cert_days_left(time_t not_after, time_t now);

/* "2026-05-01 12:00:00 UTC" */
const char *kso_cert_time_str(time_t t, char *buf, size_t len);

/* The issuer's and subject's one-line names of any certificate ("CN=x, O=y"). */
const char *kso_cert_name(const X509_NAME *n, char *buf, size_t len);

/*
 * The server name of a ClientHello's server_name extension body (RFC 6066 section 3),
 * lowercased into host (len >= 256). 0, or -EINVAL if malformed or without a host_name.
 */
int kso_cert_sni_parse(const unsigned char *p, size_t len, char *host, size_t hostlen);

/* "*.b.example" for "a.b.example" (the one-label wildcard that would cover it), or -EINVAL. */
int kso_cert_wildcard_of(const char *host, char *out, size_t len);

/* ------------------------------------------------------------ the daemon's state file */

#define KSO_CERT_STATE_FILE "certs.tsv"

/* One line of certs.tsv: a certificate ktlsod serves. */
struct kso_cert_state {
	char set[64];			/* the [cert NAME] it came from ("default": --cert) */
	char file[512];
	char subject[KSO_CERT_NAME_MAX], issuer[KSO_CERT_NAME_MAX];
	char key_type[48];
	char names[1024];		/* comma-separated */
	time_t not_before, not_after;
};

/* Replace dir/certs.tsv atomically (temporary file + rename, mode 0644). 0 or -errno. */
int kso_cert_state_write(const char *dir, const struct kso_cert_state *v, size_t n);
/* Read it: *out is malloc'd. 0, -ENOENT when no daemon wrote one, other -errno. */
int kso_cert_state_read(const char *dir, struct kso_cert_state **out, size_t *n);

#endif
