// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * userspace/lib/certs.c: the pure parts (SNI extension parsing, the one-label wildcard,
 * days left, the state file) and the name check's wildcard rule on a certificate made
 * here. The chains, dates and keys are tested end to end by tests/e2e/certs.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "t.h"

static int test_sni(const void *arg)
{
	/* list length 0x0010, host_name (0), length 0x000d, "WWW.Example.C" */
	static const unsigned char ok[] = { 0x00, 0x10, 0x00, 0x00, 0x0d, 'W', 'W', 'W', '.',
					    'E', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'C' };
	static const unsigned char nul[] = { 0x00, 0x06, 0x00, 0x00, 0x03, 'a', 0, 'b' };
	static const unsigned char other_type[] = { 0x00, 0x04, 0x01, 0x00, 0x01, 'a' };
	unsigned char bad[sizeof(ok)];
	char host[256];

	(void)arg;
	T_OK(kso_cert_sni_parse(ok, sizeof(ok), host, sizeof(host)));
	T_ASSERT(!strcmp(host, "www.example.c"), "lowercased: '%s'", host);
	T_ASSERT(kso_cert_sni_parse(ok, sizeof(ok) - 1, host, sizeof(host)) == -EINVAL,
		 "a truncated extension");
	memcpy(bad, ok, sizeof(ok));
	bad[4] = 0x20;	/* name longer than the list */
	T_ASSERT(kso_cert_sni_parse(bad, sizeof(bad), host, sizeof(host)) == -EINVAL,
		 "an overlong name");
	T_ASSERT(kso_cert_sni_parse(nul, sizeof(nul), host, sizeof(host)) == -EINVAL,
		 "a NUL in the name");
	T_ASSERT(kso_cert_sni_parse(other_type, sizeof(other_type), host, sizeof(host)) ==
			 -EINVAL, "no host_name entry");
	T_ASSERT(kso_cert_sni_parse(ok, sizeof(ok), host, 5) == -EINVAL, "no room");
	T_ASSERT(kso_cert_sni_parse(ok, 1, host, sizeof(host)) == -EINVAL, "one byte");
	return T_PASS;
}

static int test_wildcard(const void *arg)
{
	char w[64];

	(void)arg;
	T_OK(kso_cert_wildcard_of("a.b.example", w, sizeof(w)));
	T_ASSERT(!strcmp(w, "*.b.example"), "'%s'", w);
	T_ASSERT(kso_cert_wildcard_of("localhost", w, sizeof(w)) == -EINVAL, "one label");
	T_ASSERT(kso_cert_wildcard_of(".example", w, sizeof(w)) == -EINVAL, "empty label");
	T_ASSERT(kso_cert_wildcard_of("a.", w, sizeof(w)) == -EINVAL, "nothing after");
	T_ASSERT(kso_cert_wildcard_of("a.b.example", w, 5) == -EINVAL, "no room");
	return T_PASS;
}

static int test_days_left(const void *arg)
{
	(void)arg;
	T_ASSERT(kso_cert_days_left(1000 + 86400 * 3, 1000) == 3, "exactly 3 days");
	T_ASSERT(kso_cert_days_left(1000 + 86400 * 3 - 1, 1000) == 2, "rounded down");
	T_ASSERT(kso_cert_days_left(1000, 1000) == 0, "expires now");
	T_ASSERT(kso_cert_days_left(999, 1000) == -1, "a second ago is -1");
	T_ASSERT(kso_cert_days_left(1000 - 86400, 1000) == -1, "a day ago");
	T_ASSERT(kso_cert_days_left(1000 - 86401, 1000) == -2, "a day and a second ago");
	return T_PASS;
}

static int test_state_file(const void *arg)
{
	char dir[] = "/tmp/ktlso-certs-unit.XXXXXX", path[64];
	struct kso_cert_state in[2] = { 0 }, *out;
	size_t n;

	(void)arg;
	T_ASSERT(mkdtemp(dir), "mkdtemp");
	T_ASSERT(kso_cert_state_read(dir, &out, &n) == -ENOENT, "no file yet");
	snprintf(in[0].set, sizeof(in[0].set), "www");
	snprintf(in[0].file, sizeof(in[0].file), "/etc/a\tb.pem");	/* a tab is flattened */
	snprintf(in[0].subject, sizeof(in[0].subject), "CN=www, O=Example");
	snprintf(in[0].issuer, sizeof(in[0].issuer), "CN=CA");
	snprintf(in[0].key_type, sizeof(in[0].key_type), "ECDSA P-256");
	snprintf(in[0].names, sizeof(in[0].names), "a.example,*.b.example");
	in[0].not_before = 1700000000;
	in[0].not_after = 1800000000;
	in[1] = in[0];
	snprintf(in[1].set, sizeof(in[1].set), "default");
	in[1].names[0] = 0;	/* a certificate without names */
	T_OK(kso_cert_state_write(dir, in, 2));
	T_OK(kso_cert_state_read(dir, &out, &n));
	T_ASSERT(n == 2, "%zu entries", n);
	T_ASSERT(!strcmp(out[0].file, "/etc/a b.pem") && !strcmp(out[0].subject, in[0].subject) &&
			 out[0].not_after == 1800000000 && !strcmp(out[0].names, in[0].names),
		 "round trip: '%s' '%s'", out[0].file, out[0].names);
	T_ASSERT(!strcmp(out[1].set, "default") && !out[1].names[0], "empty names");
	free(out);
	snprintf(path, sizeof(path), "%s/%s", dir, KSO_CERT_STATE_FILE);
	unlink(path);
	rmdir(dir);
	return T_PASS;
}

/* A self-signed leaf with the given DNS names, written to a temporary file. */
static int make_cert(const char *sans, char *path, size_t len)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	FILE *f;
	int fd, err = -EIO;

	snprintf(path, len, "/tmp/ktlso-certs-unit.XXXXXX");
	fd = mkstemp(path);
	if (!k || !x || fd < 0)
		goto out;
	f = fdopen(fd, "w");
	if (!f)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 100);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"unit", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, sans);
	if (ext && X509_add_ext(x, ext, -1) && X509_sign(x, k, EVP_sha256()) &&
	    PEM_write_X509(f, x))
		err = 0;
	X509_EXTENSION_free(ext);
	fclose(f);
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return err;
}

static int test_names(const void *arg)
{
	static const struct {
		const char *name;
		bool covered;
	} cases[] = {
		{ "www.example", true },	 { "WWW.Example", true },
		{ "a.wild.example", true },	 { "a.b.wild.example", false },
		{ "wild.example", false },	 { "*.wild.example", true },
		{ "*.example", false },		 { "unit", false },	/* the CN never counts */
		{ "other.example", false },
	};
	const char *names[1];
	struct kso_cert_findings f = { 0 };
	struct kso_cert_opts o = { .names = names, .nnames = 1 };
	struct kso_cert c;
	char path[64];

	(void)arg;
	T_OK(make_cert("DNS:www.example,DNS:*.wild.example", path, sizeof(path)));
	T_OK(kso_cert_load(&c, path, NULL, &f));
	unlink(path);
	T_ASSERT(c.nsans == 2 && !strcmp(c.subject, "CN=unit") && !strcmp(c.key_type, "ECDSA P-256"),
		 "loaded: %zu names, '%s', '%s'", c.nsans, c.subject, c.key_type);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		names[0] = cases[i].name;
		kso_cert_check(&c, &o, &f);
		T_ASSERT(!kso_cert_errors(&f) == cases[i].covered, "%s: %s", cases[i].name,
			 f.n ? f.v[0].text : "covered");
		kso_cert_findings_free(&f);
	}
	kso_cert_free(&c);
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("certs", argc, argv);
	t_run("sni_parse", test_sni, NULL);
	t_run("wildcard_of", test_wildcard, NULL);
	t_run("days_left", test_days_left, NULL);
	t_run("state_file", test_state_file, NULL);
	t_run("names", test_names, NULL);
	return t_done();
}
