// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl cert check: what ktlsod would conclude about a certificate file, without
 * starting it (the same checks, userspace/lib/certs.c). And the certificates a running
 * ktlsod serves, from the state file it publishes, for show and stats --prometheus.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certs.h"
#include "ctl.h"

#define CERT_USAGE                                                                   \
	"cert check FILE [--key KEY] [--name HOST]... [--trust CAFILE]\n"             \
	"       [--incomplete-chain warn|error] [--expiry-warn-days N] [-j]"
#define CERT_MAX_NAMES 64

static const char *state_dir(void)
{
	const char *s = getenv("KTLSO_STATE_DIR");

	return s && *s ? s : "/run/ktlsod";
}

static void cert_human(const struct kso_cert *c, const struct kso_cert_opts *o,
		       const struct kso_cert_findings *f, time_t now)
{
	char a[KSO_CERT_NAME_MAX], b[KSO_CERT_NAME_MAX], t[40];
	size_t errs = kso_cert_errors(f);
	int n = 1 + sk_X509_num(c->chain);

	printf("certificate: %s\n", c->cert_path);
	printf("  subject: %s\n", c->subject);
	printf("  issuer: %s\n", c->issuer);
	printf("  names:");
	for (size_t i = 0; i < c->nsans; i++)
		printf("%s %s", i ? "," : "", c->sans[i]);
	printf("%s\n", c->nsans ? "" : " none (no DNS names in subjectAltName)");
	printf("  key: %s", c->key_type);
	if (c->key_path)
		printf(", private key %s\n", c->key_path);
	else
		printf(" (private key not checked: give --key)\n");
	printf("  valid from: %s\n", kso_cert_time_str(c->not_before, t, sizeof(t)));
	printf("  valid until: %s\n", kso_cert_time_str(c->not_after, t, sizeof(t)));
	printf("  days left: %ld\n", kso_cert_days_left(c->not_after, now));
	printf("  chain (as served, %d certificate%s):\n", n, n > 1 ? "s" : "");
	for (int i = 0; i < n; i++) {
		X509 *x = i ? sk_X509_value(c->chain, i - 1) : c->leaf;
		const ASN1_TIME *na = X509_get0_notAfter(x);
		struct tm tm;
		long days = ASN1_TIME_to_tm(na, &tm) ? kso_cert_days_left(timegm(&tm), now) : 0;

		printf("    %d: %s, issued by %s, %ld days left\n", i + 1,
		       kso_cert_name(X509_get_subject_name(x), a, sizeof(a)),
		       kso_cert_name(X509_get_issuer_name(x), b, sizeof(b)), days);
	}
	printf("  trust store: %s\n", o->trust ? o->trust : "none given (chain to a root not "
	       "checked: give --trust)");
	for (size_t i = 0; i < f->n; i++)
		printf("%s: %s\n", f->v[i].sev == KSO_CERT_ERROR ? "error" : "warning",
		       f->v[i].text ? f->v[i].text : "(out of memory)");
	if (errs)
		printf("verdict: ktlsod would refuse it (%zu error%s)\n", errs, errs > 1 ? "s" : "");
	else
		printf("verdict: ktlsod would serve it%s\n",
		       f->n ? " (with the warnings above)" : "");
}

static void cert_json(const struct kso_cert *c, const struct kso_cert_opts *o,
		      const struct kso_cert_findings *f, time_t now)
{
	char a[KSO_CERT_NAME_MAX], t[40];
	struct ctl_json j = { 0 };
	int n = 1 + sk_X509_num(c->chain);

	json_obj(&j, NULL);
	json_str(&j, "file", c->cert_path);
	json_str(&j, "subject", c->subject);
	json_str(&j, "issuer", c->issuer);
	json_arr(&j, "names");
	for (size_t i = 0; i < c->nsans; i++)
		json_str(&j, NULL, c->sans[i]);
	json_arr_end(&j);
	json_str(&j, "key_type", c->key_type);
	json_str(&j, "key_file", c->key_path);
	json_str(&j, "not_before", kso_cert_time_str(c->not_before, t, sizeof(t)));
	json_str(&j, "not_after", kso_cert_time_str(c->not_after, t, sizeof(t)));
	json_i64(&j, "not_after_seconds", (int64_t)c->not_after);
	json_i64(&j, "days_left", kso_cert_days_left(c->not_after, now));
	json_arr(&j, "chain");
	for (int i = 0; i < n; i++) {
		X509 *x = i ? sk_X509_value(c->chain, i - 1) : c->leaf;
		struct tm tm;

		json_obj(&j, NULL);
		json_str(&j, "subject", kso_cert_name(X509_get_subject_name(x), a, sizeof(a)));
		json_str(&j, "issuer", kso_cert_name(X509_get_issuer_name(x), a, sizeof(a)));
		if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
			json_i64(&j, "days_left", kso_cert_days_left(timegm(&tm), now));
		else
			json_null(&j, "days_left");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_str(&j, "trust", o->trust);
	json_arr(&j, "findings");
	for (size_t i = 0; i < f->n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "severity", f->v[i].sev == KSO_CERT_ERROR ? "error" : "warning");
		json_str(&j, "text", f->v[i].text ? f->v[i].text : "(out of memory)");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_bool(&j, "ok", !kso_cert_errors(f));
	json_obj_end(&j);
	putchar('\n');
}

static int cert_check(int argc, char **argv)
{
	const char *names[CERT_MAX_NAMES], *file = NULL, *key = NULL;
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	struct kso_cert_opts o = { .expiry_warn_days = 30 };
	struct kso_cert_findings f = { 0 };
	struct kso_cert c;
	size_t nnames = 0;
	uint64_t u;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-' || !a[1]) {
			if (file)
				return ctl_usage_err(CERT_USAGE, "cert check: unexpected argument "
						     "'%s'", a);
			file = a;
			continue;
		}
		if (!v)
			return ctl_usage_err(CERT_USAGE, "cert check: %s needs a value", a);
		i++;
		if (!strcmp(a, "--key")) {
			key = v;
		} else if (!strcmp(a, "--name")) {
			if (nnames == CERT_MAX_NAMES)
				return ctl_usage_err(CERT_USAGE, "cert check: at most %d --name",
						     CERT_MAX_NAMES);
			names[nnames++] = v;
		} else if (!strcmp(a, "--trust")) {
			o.trust = v;
		} else if (!strcmp(a, "--incomplete-chain")) {
			if (strcmp(v, "warn") && strcmp(v, "error"))
				return ctl_usage_err(CERT_USAGE, "cert check: --incomplete-chain: "
						     "'%s' is neither warn nor error", v);
			o.incomplete_warn = !strcmp(v, "warn");
		} else if (!strcmp(a, "--expiry-warn-days")) {
			if (ctl_parse_u64(v, &u) || u > 36500)
				return ctl_usage_err(CERT_USAGE, "cert check: --expiry-warn-days: "
						     "'%s' is not a number of days", v);
			o.expiry_warn_days = (unsigned)u;
		} else {
			return ctl_usage_err(CERT_USAGE, "cert check: unknown option '%s'", a);
		}
	}
	if (!file)
		return ctl_usage_err(CERT_USAGE, "cert check: which certificate file?");
	if (nnames) {
		o.names = names;
		o.nnames = nnames;
	}
	o.now = time(NULL);

	if (kso_cert_load(&c, file, key, &f)) {
		for (size_t i = 0; i < f.n; i++)
			ctl_err("cert check: %s", f.v[i].text ? f.v[i].text : file);
		kso_cert_findings_free(&f);
		return CTL_EXIT_ERROR;
	}
	kso_cert_check(&c, &o, &f);
	if (json)
		cert_json(&c, &o, &f, o.now);
	else
		cert_human(&c, &o, &f, o.now);
	rc = kso_cert_errors(&f) ? CTL_EXIT_ERROR : CTL_EXIT_OK;
	kso_cert_findings_free(&f);
	kso_cert_free(&c);
	return rc;
}

int ctl_cert(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help")) {
		if (argc < 2)
			return ctl_usage_err(CERT_USAGE, "cert: which subcommand?");
		printf("Usage: %s %s\n\n"
		       "Runs the checks ktlsod runs when it loads a certificate (at start and on\n"
		       "SIGHUP): the key matches; the chain is in order, each certificate signed\n"
		       "by the next; with --trust, it reaches a root in CAFILE (an incomplete chain\n"
		       "is an error, or a warning with --incomplete-chain warn); the --name HOSTs\n"
		       "(default: its own DNS names) are covered by its subjectAltName, a wildcard\n"
		       "covering one label; every certificate is valid now; fewer than N days left\n"
		       "(default 30) is a warning. Exit status: 0 ktlsod would serve it, 1 it\n"
		       "would refuse it (or the file cannot be read), 2 usage error.\n",
		       CTL_PROG, CERT_USAGE);
		return CTL_EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return cert_check(argc - 1, argv + 1);
	return ctl_usage_err(CERT_USAGE, "cert: unknown subcommand '%s'", argv[1]);
}

/* ------------------------------------------------------------ the daemon's certificates */

void ctl_certs_show(void)
{
	struct kso_cert_state *v;
	time_t now = time(NULL);
	char t[40];
	size_t n;

	if (kso_cert_state_read(state_dir(), &v, &n))
		return;
	printf("\ncertificates (ktlsod, %s/%s):\n", state_dir(), KSO_CERT_STATE_FILE);
	for (size_t i = 0; i < n; i++)
		printf("  %s: %s (%s), %s, until %s, %ld days left, names %s\n", v[i].set,
		       v[i].subject, v[i].file, v[i].key_type,
		       kso_cert_time_str(v[i].not_after, t, sizeof(t)),
		       kso_cert_days_left(v[i].not_after, now), v[i].names[0] ? v[i].names : "-");
	free(v);
}

static void prom_cert_labels(const struct kso_cert_state *e)
{
	printf("{name=\"");
	ctl_prom_label(e->set);
	printf("\",subject=\"");
	ctl_prom_label(e->subject);
	printf("\",file=\"");
	ctl_prom_label(e->file);
	printf("\"}");
}

void ctl_certs_prom(void)
{
	struct kso_cert_state *v;
	time_t now = time(NULL);
	size_t n;

	if (kso_cert_state_read(state_dir(), &v, &n))
		return;
	ctl_prom_head("certificate_expiry_days", "gauge", "Whole days until a certificate "
		      "ktlsod serves expires (negative once expired).");
	for (size_t i = 0; i < n; i++) {
		printf("ktlso_certificate_expiry_days");
		prom_cert_labels(&v[i]);
		printf(" %ld\n", kso_cert_days_left(v[i].not_after, now));
	}
	ctl_prom_head("certificate_not_after_seconds", "gauge", "The notAfter of a certificate "
		      "ktlsod serves, in seconds since the epoch.");
	for (size_t i = 0; i < n; i++) {
		printf("ktlso_certificate_not_after_seconds");
		prom_cert_labels(&v[i]);
		printf(" %lld\n", (long long)v[i].not_after);
	}
	free(v);
}
