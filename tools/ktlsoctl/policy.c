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
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

#define POLICY_ADD_USAGE \
	"policy add ADDR:PORT mode off|tx|rx|txrx [ciphers LIST] [limit N] [warn PCT]"
#define POLICY_DEL_USAGE "policy del ADDR:PORT"
#define POLICY_LIST_USAGE "policy list [-j]"
#define POLICY_SAVE_USAGE "policy save [FILE]"
#define POLICY_LOAD_USAGE "policy load [--replace] FILE"

static void policy_help(FILE *f)
{
	fprintf(f,
		"Usage: %s " POLICY_ADD_USAGE "\n"
		"       %s " POLICY_DEL_USAGE "\n"
		"       %s " POLICY_LIST_USAGE "\n"
		"       %s " POLICY_SAVE_USAGE "\n"
		"       %s " POLICY_LOAD_USAGE "\n"
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
		"in kTLS stay there.\n"
		"\n"
		"save writes every policy, one 'policy add' line each (ADDR:PORT and its\n"
		"words), to FILE (replaced whole, never half-written) or standard output. load\n"
		"adds the policies of such a file ('#' begins a comment); every line is checked\n"
		"before the first is sent, so a file with an error changes nothing (should the\n"
		"module refuse one, those before it are in and the error names the line).\n"
		"--replace also deletes the policies the file does not name, so that the\n"
		"file is the whole set (ktlso-policy.service\n"
		"loads /etc/ktlso/policies at boot). Every policy command needs CAP_NET_ADMIN.\n",
		CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, KTLSO_WARN_PCT_DEFAULT);
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

static int policy_dump(struct kso_nl *nl, const char *what, struct policy_vec *pv)
{
	int err = kso_nl_policy_dump(nl, policy_keep, pv);

	if (err) {
		ctl_nl_err(what, nl, err);
		return CTL_EXIT_ERROR;
	}
	if (pv->n)
		qsort(pv->v, pv->n, sizeof(*pv->v), policy_cmp);
	return 0;
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
	err = policy_dump(nl, "policy list", &pv);
	kso_nl_close(nl);
	if (err) {
		free(pv.v);
		return err;
	}

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

static int policy_save(int argc, char **argv)
{
	struct policy_vec pv = { 0 };
	char tmp[4096], line[256];
	const char *file = argc > 1 ? argv[1] : NULL;
	struct kso_nl *nl;
	FILE *f = stdout;
	int fd, ret = CTL_EXIT_ERROR;

	if (argc > 2)
		return ctl_usage_err(POLICY_SAVE_USAGE, "policy save: unexpected argument '%s'",
				     argv[2]);
	if (ctl_open(&nl, "policy save"))
		return CTL_EXIT_ERROR;
	if (policy_dump(nl, "policy save", &pv))
		goto out;
	if (file) {
		/* beside FILE, then renamed over it: a reader sees the old set or the new */
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int)sizeof(tmp)) {
			ctl_err("policy save: %s: %s", file, strerror(ENAMETOOLONG));
			goto out;
		}
		fd = mkstemp(tmp);
		if (fd < 0 || fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
			ctl_err("policy save: cannot write beside %s: %s", file, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			goto out;
		}
	}
	fprintf(f, "# ktlso policies: 'ktlsoctl policy load FILE' adds them (see ktlsoctl policy help)\n");
	for (size_t i = 0; i < pv.n; i++) {
		policy_line(&pv.v[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (!file) {
		ret = fflush(f) ? CTL_EXIT_ERROR : CTL_EXIT_OK;
		goto out;
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		ctl_err("policy save: %s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, file)) {
		ctl_err("policy save: %s: %s", file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = CTL_EXIT_OK;
out:
	kso_nl_close(nl);
	free(pv.v);
	return ret;
}

#define POLICY_LOAD_MAX 4096	/* lines of a policy file */
#define POLICY_LOAD_WORDS 12	/* "policy add" and its words, with room for an excess */

struct policy_entry {
	struct kso_policy p;
	struct sockaddr_storage addr[2];
	int n, line;
};

/* Every line of FILE into *out (*count entries): 0, or a CTL_EXIT_ status, said. */
static int policy_read(const char *file, struct policy_entry **out, size_t *count)
{
	struct policy_entry *v = NULL;
	size_t n = 0, cap = 0;
	char buf[1024];
	int lineno = 0, ret = CTL_EXIT_OK;
	FILE *f = fopen(file, "re");

	if (!f) {
		ctl_err("policy load: %s: %s", file, strerror(errno));
		return CTL_EXIT_ERROR;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *words[POLICY_LOAD_WORDS + 1] = { "add" }, *save, *w, *hash;
		int nw = 1;

		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			ctl_err("policy load: %s:%d: line longer than %zu bytes", file, lineno,
				sizeof(buf) - 2);
			ret = CTL_EXIT_ERROR;
			break;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		for (w = strtok_r(buf, " \t\r\n", &save); w && nw < POLICY_LOAD_WORDS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[nw++] = w;
		if (nw == 1)
			continue;
		if (w) {
			ctl_err("policy load: %s:%d: too many words", file, lineno);
			ret = CTL_EXIT_ERROR;
			break;
		}
		if (n == POLICY_LOAD_MAX) {
			ctl_err("policy load: %s: more than %d policies", file, POLICY_LOAD_MAX);
			ret = CTL_EXIT_ERROR;
			break;
		}
		if (n == cap) {
			struct policy_entry *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				ctl_err("policy load: %s", strerror(ENOMEM));
				ret = CTL_EXIT_ERROR;
				break;
			}
			v = nv;
		}
		words[nw] = NULL;
		ret = policy_parse(nw, words, &v[n].p, v[n].addr, &v[n].n);
		if (ret) {
			ctl_err("policy load: %s:%d: not loaded: the file has an error (above)",
				file, lineno);
			break;
		}
		v[n++].line = lineno;
	}
	if (!ret && ferror(f)) {
		ctl_err("policy load: %s: %s", file, strerror(EIO));
		ret = CTL_EXIT_ERROR;
	}
	fclose(f);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*count = n;
	return 0;
}

static bool policy_named(const struct policy_entry *v, size_t n,
			 const struct sockaddr_storage *a)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < v[i].n; k++)
			if (!policy_cmp(&(struct kso_policy){ .addr = v[i].addr[k] },
					&(struct kso_policy){ .addr = *a }))
				return true;
	return false;
}

static int policy_load(int argc, char **argv)
{
	bool replace = ctl_take_flag(&argc, argv, NULL, "--replace");
	struct policy_entry *v = NULL;
	struct policy_vec old = { 0 };
	char what[160], a[KSO_ADDR_STRLEN];
	size_t n = 0, added = 0, deleted = 0;
	struct kso_nl *nl;
	int err, ret;

	if (argc != 2)
		return ctl_usage_err(POLICY_LOAD_USAGE, argc < 2 ? "policy load: which file?" :
				     "policy load: unexpected argument '%s'", argv[2]);
	ret = policy_read(argv[1], &v, &n);
	if (ret)
		return ret;
	if (ctl_open(&nl, "policy load")) {
		free(v);
		return CTL_EXIT_ERROR;
	}
	if (replace && policy_dump(nl, "policy load", &old)) {
		ret = CTL_EXIT_ERROR;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < v[i].n; k++) {
			v[i].p.addr = v[i].addr[k];
			err = kso_nl_policy_add(nl, &v[i].p);
			if (err) {
				snprintf(what, sizeof(what), "policy load: %s:%d: %s", argv[1],
					 v[i].line, kso_addr_format(&v[i].addr[k], a, sizeof(a)));
				ctl_nl_err(what, nl, err);
				ret = CTL_EXIT_ERROR;
				goto out;
			}
			added++;
		}
	}
	for (size_t i = 0; i < old.n; i++) {
		if (policy_named(v, n, &old.v[i].addr))
			continue;
		err = kso_nl_policy_del(nl, &old.v[i].addr);
		if (err && err != -ENOENT) {
			snprintf(what, sizeof(what), "policy load --replace: deleting %s",
				 kso_addr_format(&old.v[i].addr, a, sizeof(a)));
			ctl_nl_err(what, nl, err);
			ret = CTL_EXIT_ERROR;
			goto out;
		}
		deleted += !err;
	}
	printf("policy load: %s: %zu added or replaced, %zu deleted\n", argv[1], added, deleted);
out:
	kso_nl_close(nl);
	free(old.v);
	free(v);
	return ret;
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
	if (!strcmp(argv[1], "save"))
		return policy_save(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return policy_load(argc - 1, argv + 1);
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
