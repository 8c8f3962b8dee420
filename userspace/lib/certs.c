// SPDX-License-Identifier: GPL-2.0-or-later
#include "certs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ------------------------------------------------------------ findings */

void kso_cert_add(struct kso_cert_findings *f, enum kso_cert_sev sev, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		struct kso_cert_finding *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return;
		f->v = v;
		f->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	f->v[f->n].sev = sev;
	f->v[f->n].text = s;
	f->n++;
}

size_t kso_cert_errors(const struct kso_cert_findings *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].sev == KSO_CERT_ERROR;
	return n;
}

void kso_cert_findings_free(struct kso_cert_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].text);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* The reason of OpenSSL's last error, and an empty queue. */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* ------------------------------------------------------------ names and times */

const char *kso_cert_name(const X509_NAME *n, char *buf, size_t len)
{
	/* "CN=leaf, O=Org": RFC 2253 escaping, most specific first, ", " between. */
	const unsigned long flags = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_DN_REV | XN_FLAG_FN_SN |
				    (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long k;

	snprintf(buf, len, "?");
	if (!b)
		return buf;
	if (X509_NAME_print_ex(b, n, 0, flags) >= 0 && (k = BIO_get_mem_data(b, &p)) >= 0)
		snprintf(buf, len, "%.*s", (int)k, p);
	if (!buf[0])
		snprintf(buf, len, "(empty name)");
	BIO_free(b);
	return buf;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

const char *kso_cert_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "?");
	return buf;
}

long kso_cert_days_left(time_t not_after, time_t now)
{
	long long d = (long long)not_after - (long long)now;

	/* rounded towards minus infinity: one second past notAfter is -1 day, not 0 */
	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

static void key_type(EVP_PKEY *pk, char *buf, size_t len, int *id)
{
	char grp[32];
	const char *nist;

	*id = pk ? EVP_PKEY_get_base_id(pk) : 0;
	switch (*id) {
	case EVP_PKEY_RSA:
		snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_RSA_PSS:
		snprintf(buf, len, "RSA-PSS %d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, grp, sizeof(grp), NULL))
			snprintf(grp, sizeof(grp), "?");
		nist = EC_curve_nid2nist(OBJ_txt2nid(grp));
		snprintf(buf, len, "ECDSA %.32s", nist ? nist : grp);
		break;
	case EVP_PKEY_ED25519:
		snprintf(buf, len, "Ed25519");
		break;
	case EVP_PKEY_ED448:
		snprintf(buf, len, "Ed448");
		break;
	default:
		snprintf(buf, len, "%s", pk ? OBJ_nid2sn(*id) : "none");
	}
}

static int load_sans(struct kso_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(c->leaf, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	c->sans = calloc((size_t)n + 1, sizeof(*c->sans));
	if (!c->sans) {
		GENERAL_NAMES_free(gens);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int len;
		char *s;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		s = strndup((const char *)d, (size_t)len);
		if (!s)
			break;
		for (char *p = s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		c->sans[c->nsans++] = s;
	}
	GENERAL_NAMES_free(gens);
	return 0;
}

/* ------------------------------------------------------------ loading */

int kso_cert_load(struct kso_cert *c, const char *cert_path, const char *key_path,
		  struct kso_cert_findings *f)
{
	BIO *b;
	X509 *x;
	int err;

	memset(c, 0, sizeof(*c));
	c->cert_path = strdup(cert_path);
	c->key_path = key_path ? strdup(key_path) : NULL;
	c->chain = sk_X509_new_null();
	if (!c->cert_path || (key_path && !c->key_path) || !c->chain) {
		err = -ENOMEM;
		kso_cert_add(f, KSO_CERT_ERROR, "%s: %s", cert_path, strerror(ENOMEM));
		goto fail;
	}

	b = BIO_new_file(cert_path, "r");
	if (!b) {
		err = errno ? -errno : -EIO;
		ERR_clear_error();
		kso_cert_add(f, KSO_CERT_ERROR, "cannot read the certificate file %s: %s",
			     cert_path, strerror(-err));
		goto fail;
	}
	c->leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
	if (!c->leaf) {
		ERR_clear_error();
		BIO_free(b);
		err = -EINVAL;
		kso_cert_add(f, KSO_CERT_ERROR, "%s holds no certificate: expected PEM blocks "
			     "'-----BEGIN CERTIFICATE-----', the server's own certificate first, "
			     "then its intermediates", cert_path);
		goto fail;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			break;
		}
	}
	{
		unsigned long e = ERR_peek_last_error();

		/* the end of the file is "no start line"; anything else is a broken block */
		if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
			   ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
			kso_cert_add(f, KSO_CERT_ERROR, "%s: certificate %d cannot be read: %s "
				     "(the file must hold only PEM certificates)", cert_path,
				     sk_X509_num(c->chain) + 2, ERR_reason_error_string(e));
			ERR_clear_error();
			BIO_free(b);
			err = -EINVAL;
			goto fail;
		}
		ERR_clear_error();
	}
	BIO_free(b);

	kso_cert_name(X509_get_subject_name(c->leaf), c->subject, sizeof(c->subject));
	kso_cert_name(X509_get_issuer_name(c->leaf), c->issuer, sizeof(c->issuer));
	key_type(X509_get0_pubkey(c->leaf), c->key_type, sizeof(c->key_type), &c->key_id);
	c->not_before = asn1_time(X509_get0_notBefore(c->leaf));
	c->not_after = asn1_time(X509_get0_notAfter(c->leaf));
	err = load_sans(c);
	if (err) {
		kso_cert_add(f, KSO_CERT_ERROR, "%s: %s", cert_path, strerror(-err));
		goto fail;
	}

	if (!key_path)
		return 0;
	b = BIO_new_file(key_path, "r");
	if (!b) {
		err = errno ? -errno : -EIO;
		ERR_clear_error();
		kso_cert_add(f, KSO_CERT_ERROR, "cannot read the private key file %s: %s",
			     key_path, strerror(-err));
		goto fail;
	}
	c->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!c->key) {
		kso_cert_add(f, KSO_CERT_ERROR, "%s holds no usable private key: %s (expected "
			     "an unencrypted PEM key, '-----BEGIN PRIVATE KEY-----')", key_path,
			     ossl_reason());
		err = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	kso_cert_free(c);
	return err;
}

void kso_cert_free(struct kso_cert *c)
{
	free(c->cert_path);
	free(c->key_path);
	X509_free(c->leaf);
	sk_X509_pop_free(c->chain, X509_free);
	EVP_PKEY_free(c->key);
	for (size_t i = 0; i < c->nsans; i++)
		free(c->sans[i]);
	free(c->sans);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ checks */

/* Certificate i of the file: 0 is the leaf. */
static X509 *nth(const struct kso_cert *c, int i)
{
	return i ? sk_X509_value(c->chain, i - 1) : c->leaf;
}

static const char *subj(X509 *x, char *buf, size_t len)
{
	return kso_cert_name(X509_get_subject_name(x), buf, len);
}

static const char *iss(X509 *x, char *buf, size_t len)
{
	return kso_cert_name(X509_get_issuer_name(x), buf, len);
}

static bool signed_by(X509 *cert, X509 *issuer)
{
	bool ok = X509_check_issued(issuer, cert) == X509_V_OK &&
		  X509_verify(cert, X509_get0_pubkey(issuer)) == 1;

	ERR_clear_error();
	return ok;
}

static void check_key(const struct kso_cert *c, int n, struct kso_cert_findings *f)
{
	char s[KSO_CERT_NAME_MAX];

	if (!c->key)
		return;
	if (X509_check_private_key(c->leaf, c->key) == 1) {
		ERR_clear_error();
		return;
	}
	ERR_clear_error();
	for (int i = 1; i < n; i++) {
		if (X509_check_private_key(nth(c, i), c->key) == 1) {
			ERR_clear_error();
			kso_cert_add(f, KSO_CERT_ERROR, "the private key %s belongs to '%s', "
				     "certificate %d of %s, not to its first certificate '%s': the "
				     "file must begin with the server's own certificate", c->key_path,
				     subj(nth(c, i), s, sizeof(s)), i + 1, c->cert_path, c->subject);
			return;
		}
		ERR_clear_error();
	}
	kso_cert_add(f, KSO_CERT_ERROR, "the private key %s does not match the certificate "
		     "'%s' in %s: use the key the certificate was issued for", c->key_path,
		     c->subject, c->cert_path);
}

static void check_order(const struct kso_cert *c, int n, struct kso_cert_findings *f)
{
	char a[KSO_CERT_NAME_MAX], b[KSO_CERT_NAME_MAX], is[KSO_CERT_NAME_MAX];

	for (int i = 0; i + 1 < n; i++) {
		X509 *cur = nth(c, i), *next = nth(c, i + 1);
		int at = -1;

		if (signed_by(cur, next))
			continue;
		for (int j = 0; j < n && at < 0; j++)
			if (j != i && j != i + 1 && signed_by(cur, nth(c, j)))
				at = j;
		subj(cur, a, sizeof(a));
		subj(next, b, sizeof(b));
		iss(cur, is, sizeof(is));
		if (at >= 0)
			kso_cert_add(f, KSO_CERT_ERROR, "the chain in %s is out of order: "
				     "certificate %d '%s' is followed by '%s', which did not sign "
				     "it; its issuer '%s' is certificate %d (order: the server's "
				     "certificate first, then each certificate's issuer after it)",
				     c->cert_path, i + 1, a, b, is, at + 1);
		else if (X509_check_issued(next, cur) == X509_V_OK)
			kso_cert_add(f, KSO_CERT_ERROR, "certificate %d '%s' in %s names '%s' "
				     "as its issuer, but the signature does not verify with the key "
				     "of the certificate after it: that is a different certificate "
				     "of the same name; get the right one from the CA", i + 1, a,
				     c->cert_path, is);
		else
			kso_cert_add(f, KSO_CERT_ERROR, "certificate %d '%s' in %s is followed "
				     "by '%s', which did not sign it, and its issuer '%s' is not in "
				     "the file: replace the stray certificate with that issuer",
				     i + 1, a, c->cert_path, b, is);
		ERR_clear_error();
	}
	ERR_clear_error();
}

static void check_trust(const struct kso_cert *c, const struct kso_cert_opts *o,
			struct kso_cert_findings *f)
{
	char s[KSO_CERT_NAME_MAX], is[KSO_CERT_NAME_MAX];
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vc = X509_STORE_CTX_new();
	X509 *at;
	int e;

	if (!store || !vc)
		goto out;
	if (!X509_STORE_load_file(store, o->trust)) {
		kso_cert_add(f, KSO_CERT_ERROR, "cannot read the trust store %s: %s (expected "
			     "PEM CA certificates)", o->trust, ossl_reason());
		goto out;
	}
	if (!X509_STORE_CTX_init(vc, store, c->leaf, c->chain))
		goto out;
	/* validity is checked per certificate with clearer words; this is about the path */
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(vc), X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(vc) == 1)
		goto out;
	e = X509_STORE_CTX_get_error(vc);
	at = X509_STORE_CTX_get_current_cert(vc);
	if (!at)
		at = c->leaf;
	subj(at, s, sizeof(s));
	iss(at, is, sizeof(is));
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		kso_cert_add(f, o->incomplete_warn ? KSO_CERT_WARNING : KSO_CERT_ERROR,
			     "the chain is incomplete: no certificate for issuer '%s' (of '%s') "
			     "in %s or in the trust store %s (add it to the certificate file "
			     "after '%s'; clients that do not have it cached will fail)", is, s,
			     c->cert_path, o->trust, s);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		kso_cert_add(f, KSO_CERT_ERROR, "the chain of %s ends at '%s', a self-signed "
			     "certificate that is not in the trust store %s: clients will not "
			     "trust it", c->cert_path, s, o->trust);
		break;
	default:
		kso_cert_add(f, KSO_CERT_ERROR, "the chain of %s does not verify against the "
			     "trust store %s: %s (at '%s')", c->cert_path, o->trust,
			     X509_verify_cert_error_string(e), s);
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(vc);
	X509_STORE_free(store);
}

static void sans_list(const struct kso_cert *c, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = 0;
	for (size_t i = 0; i < c->nsans && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", c->sans[i]);
	if (!c->nsans)
		snprintf(buf, len, "none");
}

static void check_names(const struct kso_cert *c, const struct kso_cert_opts *o,
			struct kso_cert_findings *f)
{
	/*
	 * Browsers ignore the subject's CN; a wildcard covers exactly one whole label
	 * (OpenSSL's default without X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS), never part of
	 * one ("f*.example").
	 */
	const unsigned flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
			       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	char sans[1024];

	sans_list(c, sans, sizeof(sans));
	if (!c->nsans)
		kso_cert_add(f, KSO_CERT_WARNING, "'%s' in %s has no DNS names in its "
			     "subjectAltName: clients ignore the subject's CN and will refuse it "
			     "for any name; it can serve only as the default certificate",
			     c->subject, c->cert_path);
	for (size_t i = 0; i < o->nnames; i++) {
		const char *name = o->names[i];
		bool ok = false;

		if (name[0] == '*') {
			/* a wildcard name is served only by that same wildcard */
			for (size_t j = 0; j < c->nsans && !ok; j++)
				ok = !strcasecmp(c->sans[j], name);
		} else {
			ok = X509_check_host(c->leaf, name, 0, flags, NULL) == 1;
			ERR_clear_error();
		}
		if (!ok)
			kso_cert_add(f, KSO_CERT_ERROR, "the name '%s' is not covered by '%s' in "
				     "%s (its DNS names: %s; a wildcard covers exactly one label)",
				     name, c->subject, c->cert_path, sans);
	}
}

static void check_validity(const struct kso_cert *c, int n, const struct kso_cert_opts *o,
			   time_t now, struct kso_cert_findings *f)
{
	char s[KSO_CERT_NAME_MAX], t[40];

	for (int i = 0; i < n; i++) {
		X509 *x = nth(c, i);
		time_t nb = asn1_time(X509_get0_notBefore(x)), na = asn1_time(X509_get0_notAfter(x));
		const char *what = i ? "the intermediate" : "the certificate";
		long days;

		subj(x, s, sizeof(s));
		if (nb > now) {
			days = kso_cert_days_left(nb, now);
			kso_cert_add(f, KSO_CERT_ERROR, "%s '%s' in %s is not valid yet: it is "
				     "valid from %s (%s%ld days from now); check this host's clock, "
				     "or the renewal that produced it", what, s, c->cert_path,
				     kso_cert_time_str(nb, t, sizeof(t)), days ? "" : "less than ",
				     days ? days : 1);
		} else if (na < now) {
			kso_cert_add(f, KSO_CERT_ERROR, "%s '%s' in %s expired on %s (%ld days "
				     "ago): %s", what, s, c->cert_path,
				     kso_cert_time_str(na, t, sizeof(t)), -kso_cert_days_left(na, now),
				     i ? "get the current intermediate from the CA" :
					 "renew it (did the renewal job fail?)");
		} else if (o->expiry_warn_days &&
			   (days = kso_cert_days_left(na, now)) < (long)o->expiry_warn_days) {
			kso_cert_add(f, KSO_CERT_WARNING, "%s '%s' in %s expires on %s, in %ld "
				     "days: renew it", what, s, c->cert_path,
				     kso_cert_time_str(na, t, sizeof(t)), days);
		}
	}
}

void kso_cert_check(const struct kso_cert *c, const struct kso_cert_opts *o,
		    struct kso_cert_findings *f)
{
	struct kso_cert_opts own = *o;
	time_t now = o->now ? o->now : time(NULL);
	int n = 1 + sk_X509_num(c->chain);

	check_key(c, n, f);
	check_order(c, n, f);
	if (o->trust)
		check_trust(c, o, f);
	if (!own.names) {
		own.names = (const char *const *)c->sans;
		own.nnames = c->nsans;
	}
	check_names(c, &own, f);
	check_validity(c, n, o, now, f);
	if (X509_check_purpose(c->leaf, X509_PURPOSE_SSL_SERVER, 0) != 1)
		kso_cert_add(f, KSO_CERT_ERROR, "'%s' in %s is not for TLS servers: its "
			     "extendedKeyUsage or keyUsage does not allow serverAuth",
			     c->subject, c->cert_path);
	if ((c->key_id == EVP_PKEY_RSA || c->key_id == EVP_PKEY_RSA_PSS) &&
	    EVP_PKEY_get_bits(X509_get0_pubkey(c->leaf)) < 2048)
		kso_cert_add(f, KSO_CERT_WARNING, "'%s' in %s has a %s key: clients refuse RSA "
			     "keys under 2048 bits", c->subject, c->cert_path, c->key_type);
	ERR_clear_error();
}

/* ------------------------------------------------------------ SNI */

int kso_cert_sni_parse(const unsigned char *p, size_t len, char *host, size_t hostlen)
{
	size_t list;

	/* ServerNameList: u16 length, then { u8 type, u16 length, name }... */
	if (len < 2)
		return -EINVAL;
	list = (size_t)p[0] << 8 | p[1];
	if (list != len - 2)
		return -EINVAL;
	p += 2;
	while (list >= 3) {
		size_t n = (size_t)p[1] << 8 | p[2];

		if (n + 3 > list)
			return -EINVAL;
		if (p[0] == 0 /* host_name */) {
			if (!n || n >= hostlen || memchr(p + 3, 0, n))
				return -EINVAL;
			for (size_t i = 0; i < n; i++)
				host[i] = (char)tolower(p[3 + i]);
			host[n] = 0;
			return 0;
		}
		p += 3 + n;
		list -= 3 + n;
	}
	return -EINVAL;
}

int kso_cert_wildcard_of(const char *host, char *out, size_t len)
{
	const char *dot = strchr(host, '.');

	if (!dot || dot == host || !dot[1] || (size_t)snprintf(out, len, "*%s", dot) >= len)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ state file */

/* A field without tabs or line breaks. */
static void tsv_field(FILE *f, const char *s, bool last)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
	fputc(last ? '\n' : '\t', f);
}

int kso_cert_state_write(const char *dir, const struct kso_cert_state *v, size_t n)
{
	char path[4096], tmp[4096], num[32];
	FILE *f;
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, KSO_CERT_STATE_FILE) >=
		    sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	(void)fchmod(fd, 0644);	/* readable by ktlsoctl whatever the umask */
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	fprintf(f, "# ktlsod certificates: set\tfile\tsubject\tissuer\tkey\tnot_before\t"
		   "not_after\tnames\n");
	for (size_t i = 0; i < n; i++) {
		tsv_field(f, v[i].set, false);
		tsv_field(f, v[i].file, false);
		tsv_field(f, v[i].subject, false);
		tsv_field(f, v[i].issuer, false);
		tsv_field(f, v[i].key_type, false);
		snprintf(num, sizeof(num), "%lld", (long long)v[i].not_before);
		tsv_field(f, num, false);
		snprintf(num, sizeof(num), "%lld", (long long)v[i].not_after);
		tsv_field(f, num, false);
		tsv_field(f, v[i].names, true);
	}
	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int kso_cert_state_read(const char *dir, struct kso_cert_state **out, size_t *n)
{
	char path[4096], *line = NULL;
	struct kso_cert_state *v = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t len;
	FILE *f;
	int err = 0;

	*out = NULL;
	*n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, KSO_CERT_STATE_FILE) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &lcap, f)) > 0) {
		char *fld[8], *s = line, *save = NULL;
		struct kso_cert_state *e;
		int k = 0;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		for (char *t = strtok_r(s, "\t", &save); t && k < 8; t = strtok_r(NULL, "\t", &save))
			fld[k++] = t;
		if (k < 7)
			continue;	/* not ours: skipped rather than misread */
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 8;
			struct kso_cert_state *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		e = &v[(*n)++];
		memset(e, 0, sizeof(*e));
		snprintf(e->set, sizeof(e->set), "%s", fld[0]);
		snprintf(e->file, sizeof(e->file), "%s", fld[1]);
		snprintf(e->subject, sizeof(e->subject), "%s", fld[2]);
		snprintf(e->issuer, sizeof(e->issuer), "%s", fld[3]);
		snprintf(e->key_type, sizeof(e->key_type), "%s", fld[4]);
		e->not_before = (time_t)strtoll(fld[5], NULL, 10);
		e->not_after = (time_t)strtoll(fld[6], NULL, 10);
		snprintf(e->names, sizeof(e->names), "%s", k > 7 ? fld[7] : "");
	}
	free(line);
	fclose(f);
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	*out = v;
	return 0;
}
