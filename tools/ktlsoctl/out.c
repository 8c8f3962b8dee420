// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the subcommands share: error lines, age formatting, argument parsing, the
 * socket dump, the Prometheus text format's escapes and a small JSON writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", CTL_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_nl_err(const char *what, const struct kso_nl *nl, int err)
{
	const char *kmsg = kso_nl_errmsg(nl);

	if (kmsg)
		ctl_err("%s: %s (kernel: %s)", what, kso_nl_strerror(err), kmsg);
	else
		ctl_err("%s: %s", what, kso_nl_strerror(err));
	return CTL_EXIT_ERROR;
}

int ctl_usage_err(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", CTL_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: %s %s\n", CTL_PROG, usage);
	return CTL_EXIT_USAGE;
}

int ctl_open(struct kso_nl **nl, const char *what)
{
	int err = kso_nl_open(nl);

	if (err) {
		ctl_err("%s: %s", what, kso_nl_strerror(err));
		return CTL_EXIT_ERROR;
	}
	return 0;
}

int ctl_module_version(struct kso_nl *nl, char *line, size_t len, char *ver, size_t ver_len,
		       uint32_t *proto)
{
	int err;

	err = kso_nl_get_version(nl, ver, ver_len, proto);
	if (err)
		return err;
	if (*proto == KTLSO_GENL_VERSION)
		snprintf(line, len, "%s (netlink protocol %u)", ver, *proto);
	else
		snprintf(line, len, "%s (netlink protocol %u, %s speaks %u)", ver, *proto,
			 CTL_PROG, KTLSO_GENL_VERSION);
	return 0;
}

bool ctl_take_flag(int *argc, char **argv, const char *short_opt, const char *long_opt)
{
	bool found = false;
	int i, o;

	for (i = 1, o = 1; i < *argc; i++) {
		if ((short_opt && !strcmp(argv[i], short_opt)) ||
		    (long_opt && !strcmp(argv[i], long_opt)))
			found = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return found;
}

int ctl_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end)
		return errno ? -errno : -EINVAL;
	return 0;
}

const char *ctl_age(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
	return buf;
}

const char *ctl_sock_ends(const struct kso_sock *s, char *buf, size_t len)
{
	char l[KSO_ADDR_STRLEN], p[KSO_ADDR_STRLEN];

	snprintf(buf, len, "%s <- %s", kso_addr_format(&s->local, l, sizeof(l)),
		 kso_addr_format(&s->peer, p, sizeof(p)));
	return buf;
}

const char *ctl_cipher_mask(uint32_t mask, char *buf, size_t len)
{
	size_t o = 0;

	if (!mask) {
		snprintf(buf, len, "all");
		return buf;
	}
	buf[0] = '\0';
	for (int bit = 0; bit < 32; bit++) {
		const char *name;
		char other[16];

		if (!(mask & (1U << bit)))
			continue;
		name = kso_tls_cipher_policy_name((uint16_t)(bit + 50));
		if (!name) {
			snprintf(other, sizeof(other), "cipher-%d", bit + 50);
			name = other;
		}
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "", name);
	}
	return buf;
}

static int ctl_socks_keep(const struct kso_sock *s, void *arg)
{
	struct ctl_socks *v = arg;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct kso_sock *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *s;
	return 0;
}

static int ctl_socks_cmp(const void *a, const void *b)
{
	const struct kso_sock *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int ctl_socks_load(struct kso_nl *nl, struct ctl_socks *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = kso_nl_sock_dump(nl, ctl_socks_keep, out);
	if (err) {
		ctl_socks_free(out);
		return err;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), ctl_socks_cmp);
	return 0;
}

void ctl_socks_free(struct ctl_socks *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ Prometheus */

void ctl_prom_head(const char *name, const char *type, const char *help)
{
	printf("# HELP ktlso_%s %s\n# TYPE ktlso_%s %s\n", name, help, name, type);
}

void ctl_prom_label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

/* ------------------------------------------------------------ JSON */

static void json_escaped(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void json_key(struct ctl_json *j, const char *key)
{
	if (j->more[j->depth])
		putchar(',');
	j->more[j->depth] = true;
	if (key) {
		json_escaped(key);
		putchar(':');
	}
}

void json_obj(struct ctl_json *j, const char *key)
{
	json_key(j, key);
	putchar('{');
	j->more[++j->depth] = false;
}

void json_obj_end(struct ctl_json *j)
{
	j->depth--;
	putchar('}');
}

void json_arr(struct ctl_json *j, const char *key)
{
	json_key(j, key);
	putchar('[');
	j->more[++j->depth] = false;
}

void json_arr_end(struct ctl_json *j)
{
	j->depth--;
	putchar(']');
}

void json_str(struct ctl_json *j, const char *key, const char *val)
{
	json_key(j, key);
	if (val)
		json_escaped(val);
	else
		fputs("null", stdout);
}

void json_u64(struct ctl_json *j, const char *key, uint64_t val)
{
	json_key(j, key);
	printf("%" PRIu64, val);
}

void json_i64(struct ctl_json *j, const char *key, int64_t val)
{
	json_key(j, key);
	printf("%" PRId64, val);
}

void json_bool(struct ctl_json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", stdout);
}

void json_null(struct ctl_json *j, const char *key)
{
	json_key(j, key);
	fputs("null", stdout);
}

void json_sock(struct ctl_json *j, const char *key, const struct kso_sock *s)
{
	char a[KSO_ADDR_STRLEN];

	json_obj(j, key);
	json_u64(j, "id", s->id);
	json_str(j, "local", s->local.ss_family ? kso_addr_format(&s->local, a, sizeof(a)) : NULL);
	json_str(j, "peer", s->peer.ss_family ? kso_addr_format(&s->peer, a, sizeof(a)) : NULL);
	json_u64(j, "uid", s->uid);
	json_u64(j, "pid", s->pid);
	json_str(j, "version", s->version ? kso_version_name(s->version) : NULL);
	json_str(j, "cipher", s->cipher ? kso_tls_cipher_name(s->cipher) : NULL);
	json_str(j, "tx", kso_conf_name(s->tx_conf));
	json_str(j, "rx", kso_conf_name(s->rx_conf));
	if (s->has_tx_seq)
		json_u64(j, "tx_seq", s->tx_seq);
	else
		json_null(j, "tx_seq");
	if (s->has_rx_seq)
		json_u64(j, "rx_seq", s->rx_seq);
	else
		json_null(j, "rx_seq");
	json_u64(j, "key_gen", s->key_gen);
	json_u64(j, "bytes_sent", s->bytes_sent);
	json_u64(j, "bytes_received", s->bytes_received);
	json_u64(j, "rec_limit", s->rec_limit);
	json_u64(j, "age_ms", s->age_ms);
	json_str(j, "fallback", s->fallback[0] ? s->fallback : NULL);
	if (s->close_reason[0])
		json_str(j, "close_reason", s->close_reason);
	json_obj_end(j);
}

void json_policy(struct ctl_json *j, const char *key, const struct kso_policy *p)
{
	char a[KSO_ADDR_STRLEN];

	json_obj(j, key);
	json_str(j, "address", kso_addr_format(&p->addr, a, sizeof(a)));
	json_str(j, "mode", kso_mode_name(p->mode));
	if (p->ciphers) {
		json_arr(j, "ciphers");
		for (int bit = 0; bit < 32; bit++) {
			const char *name;

			if (!(p->ciphers & (1U << bit)))
				continue;
			name = kso_tls_cipher_policy_name((uint16_t)(bit + 50));
			if (name) {
				json_str(j, NULL, name);
			} else {
				snprintf(a, sizeof(a), "cipher-%d", bit + 50);
				json_str(j, NULL, a);
			}
		}
		json_arr_end(j);
	} else {
		json_null(j, "ciphers");
	}
	json_u64(j, "rec_limit", p->rec_limit);
	json_u64(j, "warn_pct", p->warn_pct);
	json_obj_end(j);
}
