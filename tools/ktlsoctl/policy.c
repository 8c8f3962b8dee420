// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl policy: what the connections accepted by a listener carry in kTLS. Policies
 * live in the module, per network namespace; running servers follow changes at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define POLICY_ADD_USAGE \
	"policy add ADDR:PORT mode off|tx|rx|txrx [ciphers LIST] [limit N] [warn PCT]"
#define POLICY_DEL_USAGE "policy del ADDR:PORT"
#define POLICY_LIST_USAGE "policy list [-j]"

static void policy_help(FILE *f)
{
	fprintf(f,
		"Usage: %s " POLICY_ADD_USAGE "\n"
		"       %s " POLICY_DEL_USAGE "\n"
		"       %s " POLICY_LIST_USAGE "\n"
		"\n"
		"A policy applies to the connections a listener accepts: an exact ADDR:PORT\n"
		"first, else the wildcard of the family (0.0.0.0:PORT or [::]:PORT). ADDR is an\n"
		"IPv4 address, an IPv6 address in brackets, or * for both wildcards (a\n"
		"dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d, which [::] covers);\n"
		"PORT alone is *:PORT. ktlsod's --listen takes the same syntax.\n"
		"\n"
		"mode     what kTLS carries: off (userspace TLS only), tx, rx or txrx\n"
		"ciphers  comma-separated ciphers allowed in kTLS: aes-128-gcm, aes-256-gcm,\n"
		"         chacha20-poly1305, aes-128-ccm; 'all' (the default) allows every one\n"
		"limit    records per key before the key-usage guard fires; 'default' takes the\n"
		"         cipher's own (AES-GCM 2^24.5, RFC 8446 5.5; ChaCha20-Poly1305 none)\n"
		"warn     percentage of the limit at which the guard tells the server, 1-100\n"
		"         (default %d)\n"
		"\n"
		"Adding a policy for an ADDR:PORT that has one replaces it. Connections already\n"
		"in kTLS stay there. add and del need CAP_NET_ADMIN.\n",
		CTL_PROG, CTL_PROG, CTL_PROG, KTLSO_WARN_PCT_DEFAULT);
}

static int policy_addr(const char *usage, const char *cmd, const char *s,
		       struct sockaddr_storage addr[2], int *n)
{
	const char *why;

	if (kso_addr_parse(s, addr, n, &why))
		return ctl_usage_err(usage, "%s: '%s': %s", cmd, s, why);
	return 0;
}

static int policy_ciphers(const char *s, uint32_t *mask)
{
	char *copy, *tok, *save;
	int c;

	*mask = 0;
	if (!strcmp(s, "all"))
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		c = kso_tls_cipher_parse(tok);
		if (c < 0) {
			ctl_usage_err(POLICY_ADD_USAGE, "policy add: ciphers: unknown cipher '%s' "
				      "(aes-128-gcm, aes-256-gcm, chacha20-poly1305, aes-128-ccm "
				      "or all)", tok);
			free(copy);
			return -EINVAL;
		}
		*mask |= KTLSO_CIPHER_MASK(c);
	}
	free(copy);
	if (!*mask)
		return ctl_usage_err(POLICY_ADD_USAGE, "policy add: ciphers: the list is empty"),
		       -EINVAL;
	return 0;
}

static void policy_line(const struct kso_policy *p, char *buf, size_t len)
{
	char a[KSO_ADDR_STRLEN], c[128], l[32];

	if (p->rec_limit)
		snprintf(l, sizeof(l), "%" PRIu64, p->rec_limit);
	else
		snprintf(l, sizeof(l), "default");
	snprintf(buf, len, "%s mode %s ciphers %s limit %s warn %u",
		 kso_addr_format(&p->addr, a, sizeof(a)), kso_mode_name(p->mode),
		 ctl_cipher_mask(p->ciphers, c, sizeof(c)), l,
		 p->warn_pct ? p->warn_pct : KTLSO_WARN_PCT_DEFAULT);
}

void ctl_policy_words(const struct kso_policy *p, char *buf, size_t len)
{
	policy_line(p, buf, len);
}

/*
 * "ADDR:PORT mode M [ciphers L] [limit N] [warn P]" (argv[1..]) into *p and the one or
 * two addresses ADDR stands for: 0 or a CTL_EXIT_ status, the error said.
 */
static int policy_parse(int argc, char **argv, struct kso_policy *p,
			struct sockaddr_storage addr[2], int *n)
{
	bool have_mode = false, have_ciphers = false, have_limit = false, have_warn = false;
	int err;

	memset(p, 0, sizeof(*p));
	if (argc < 2)
		return ctl_usage_err(POLICY_ADD_USAGE, "policy add: which listener? "
				     "(ADDR:PORT, e.g. 0.0.0.0:443)");
	if (policy_addr(POLICY_ADD_USAGE, "policy add", argv[1], addr, n))
		return CTL_EXIT_USAGE;
	for (int i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t v;

		if (strcmp(key, "mode") && strcmp(key, "ciphers") && strcmp(key, "limit") &&
		    strcmp(key, "warn"))
			return ctl_usage_err(POLICY_ADD_USAGE, "policy add: unknown keyword '%s' "
					     "(mode, ciphers, limit or warn)", key);
		if (!val)
			return ctl_usage_err(POLICY_ADD_USAGE, "policy add: %s needs a value",
					     key);
		if (!strcmp(key, "mode")) {
			int m = kso_mode_parse(val);

			if (have_mode)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: mode given "
						     "twice");
			if (m < 0)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: mode: '%s' is "
						     "not off, tx, rx or txrx", val);
			p->mode = (uint8_t)m;
			have_mode = true;
		} else if (!strcmp(key, "ciphers")) {
			if (have_ciphers)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: ciphers given "
						     "twice");
			err = policy_ciphers(val, &p->ciphers);
			if (err == -ENOMEM) {
				ctl_err("policy add: %s", strerror(ENOMEM));
				return CTL_EXIT_ERROR;
			}
			if (err)
				return CTL_EXIT_USAGE;
			have_ciphers = true;
		} else if (!strcmp(key, "limit")) {
			if (have_limit)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: limit given "
						     "twice");
			if (!strcmp(val, "default"))
				v = 0;
			else if (ctl_parse_u64(val, &v) || !v)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: limit: '%s' is "
						     "not a positive number of records (or "
						     "'default')", val);
			p->rec_limit = v;
			have_limit = true;
		} else {
			char pct[8];
			size_t l = strlen(val);

			if (have_warn)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: warn given "
						     "twice");
			/* "90" or "90%" */
			if (l && l < sizeof(pct) && val[l - 1] == '%') {
				memcpy(pct, val, l - 1);
				pct[l - 1] = '\0';
			} else {
				snprintf(pct, sizeof(pct), "%s", l < sizeof(pct) ? val : "x");
			}
			if (ctl_parse_u64(pct, &v) || v < 1 || v > 100)
				return ctl_usage_err(POLICY_ADD_USAGE, "policy add: warn: '%s' is "
						     "not a percentage from 1 to 100", val);
			p->warn_pct = (uint8_t)v;
			have_warn = true;
		}
	}
	if (!have_mode)
		return ctl_usage_err(POLICY_ADD_USAGE, "policy add: mode is required "
				     "(off, tx, rx or txrx)");
	return 0;
}

static int policy_add(int argc, char **argv)
{
	struct kso_policy p;
	struct sockaddr_storage addr[2];
	struct kso_nl *nl;
	char what[96], a[KSO_ADDR_STRLEN];
	int n, err, ret = CTL_EXIT_OK;

	err = policy_parse(argc, argv, &p, addr, &n);
	if (err)
		return err;
	if (ctl_open(&nl, "policy add"))
		return CTL_EXIT_ERROR;
	for (int i = 0; i < n; i++) {
		p.addr = addr[i];
		err = kso_nl_policy_add(nl, &p);
		if (err) {
			snprintf(what, sizeof(what), "policy add %s",
				 kso_addr_format(&addr[i], a, sizeof(a)));
			ctl_nl_err(what, nl, err);
			ret = CTL_EXIT_ERROR;
			break;
		}
	}
	kso_nl_close(nl);
	return ret;
}

static int policy_del(int argc, char **argv)
{
	struct sockaddr_storage addr[2];
	struct kso_nl *nl;
	char what[96], a[KSO_ADDR_STRLEN];
	int n, err, deleted = 0, missing = 0, ret = CTL_EXIT_OK;

	if (argc < 2)
		return ctl_usage_err(POLICY_DEL_USAGE, "policy del: which listener? "
				     "(ADDR:PORT, as 'policy list' shows)");
	if (argc > 2)
		return ctl_usage_err(POLICY_DEL_USAGE, "policy del: unexpected argument '%s'",
				     argv[2]);
	if (policy_addr(POLICY_DEL_USAGE, "policy del", argv[1], addr, &n))
		return CTL_EXIT_USAGE;

	if (ctl_open(&nl, "policy del"))
		return CTL_EXIT_ERROR;
	for (int i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "policy del %s", kso_addr_format(&addr[i], a, sizeof(a)));
		err = kso_nl_policy_del(nl, &addr[i]);
		if (!err) {
			deleted++;
		} else if (err == -ENOENT) {
			missing++;
		} else {
			ctl_nl_err(what, nl, err);
			ret = CTL_EXIT_ERROR;
			break;
		}
	}
	kso_nl_close(nl);
	/* "*:443" deletes whichever of 0.0.0.0:443 and [::]:443 exist. */
	if (ret == CTL_EXIT_OK && !deleted && missing) {
		ctl_err("policy del %s: no such policy", argv[1]);
		ret = CTL_EXIT_ERROR;
	}
	return ret;
}

struct policy_vec {
	struct kso_policy *v;
	size_t n, cap;
};

static int policy_keep(const struct kso_policy *p, void *arg)
{
	struct policy_vec *pv = arg;

	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? 2 * pv->cap : 16;
		struct kso_policy *nv = realloc(pv->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pv->v = nv;
		pv->cap = cap;
	}
	pv->v[pv->n++] = *p;
	return 0;
}

/* IPv4 before IPv6, then by address and port. */
static int policy_cmp(const void *x, const void *y)
{
	const struct kso_policy *a = x, *b = y;
	const struct sockaddr_in *a4 = (const void *)&a->addr, *b4 = (const void *)&b->addr;
	const struct sockaddr_in6 *a6 = (const void *)&a->addr, *b6 = (const void *)&b->addr;
	int c;

	if (a->addr.ss_family != b->addr.ss_family)
		return a->addr.ss_family == AF_INET ? -1 : 1;
	if (a->addr.ss_family == AF_INET) {
		c = memcmp(&a4->sin_addr, &b4->sin_addr, sizeof(a4->sin_addr));
		return c ? c : ntohs(a4->sin_port) - ntohs(b4->sin_port);
	}
	c = memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return c ? c : ntohs(a6->sin6_port) - ntohs(b6->sin6_port);
}

static int policy_list(int argc, char **argv)
{
	bool json = ctl_take_flag(&argc, argv, "-j", "--json");
	struct policy_vec pv = { 0 };
	struct kso_nl *nl;
	int err, wa = 7, wc = 7;

	if (argc > 1)
		return ctl_usage_err(POLICY_LIST_USAGE, "policy list: unexpected argument '%s'",
				     argv[1]);
	if (ctl_open(&nl, "policy list"))
		return CTL_EXIT_ERROR;
	err = kso_nl_policy_dump(nl, policy_keep, &pv);
	if (err) {
		ctl_nl_err("policy list", nl, err);
		kso_nl_close(nl);
		free(pv.v);
		return CTL_EXIT_ERROR;
	}
	kso_nl_close(nl);
	if (pv.n)
		qsort(pv.v, pv.n, sizeof(*pv.v), policy_cmp);

	if (json) {
		struct ctl_json j = { 0 };

		json_arr(&j, NULL);
		for (size_t i = 0; i < pv.n; i++)
			json_policy(&j, NULL, &pv.v[i]);
		json_arr_end(&j);
		putchar('\n');
		free(pv.v);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < pv.n; i++) {
		char a[KSO_ADDR_STRLEN], c[128];
		int l;

		l = (int)strlen(kso_addr_format(&pv.v[i].addr, a, sizeof(a)));
		wa = l > wa ? l : wa;
		l = (int)strlen(ctl_cipher_mask(pv.v[i].ciphers, c, sizeof(c)));
		wc = l > wc ? l : wc;
	}
	printf("%-*s  %-4s  %-*s  %-9s  %s\n", wa, "ADDRESS", "MODE", wc, "CIPHERS", "LIMIT",
	       "WARN");
	for (size_t i = 0; i < pv.n; i++) {
		const struct kso_policy *p = &pv.v[i];
		char a[KSO_ADDR_STRLEN], c[128], l[32];

		if (p->rec_limit)
			snprintf(l, sizeof(l), "%" PRIu64, p->rec_limit);
		else
			snprintf(l, sizeof(l), "default");
		printf("%-*s  %-4s  %-*s  %-9s  %u%%\n", wa, kso_addr_format(&p->addr, a, sizeof(a)),
		       kso_mode_name(p->mode), wc, ctl_cipher_mask(p->ciphers, c, sizeof(c)), l,
		       p->warn_pct ? p->warn_pct : KTLSO_WARN_PCT_DEFAULT);
	}
	free(pv.v);
	return CTL_EXIT_OK;
}

int ctl_policy(int argc, char **argv)
{
	static char *list_argv[] = { "list", NULL };

	if (argc < 2)
		return policy_list(1, list_argv);
	if (!strcmp(argv[1], "add"))
		return policy_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return policy_del(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "show"))
		return policy_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json"))
		return policy_list(argc, argv);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		policy_help(stdout);
		return CTL_EXIT_OK;
	}
	ctl_err("policy %s: unknown command\n", argv[1]);
	policy_help(stderr);
	return CTL_EXIT_USAGE;
}
