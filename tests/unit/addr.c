// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * userspace/lib/addr.c: "ADDR:PORT" as ktlsod (--listen) and ktlsoctl (policy add/del)
 * both take it. The table holds the cases on which the daemon's and the tool's own
 * parsers disagreed before there was one ("*:443", "443", "::1:443", "[1.2.3.4]:443",
 * ...), each with the one answer now.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "ktlsod.h"
#include "t.h"

static const struct {
	const char *in;
	const char *out;	/* the addresses printed, comma-separated; NULL: refused */
	const char *why;	/* for a refusal: a part of the reason */
} cases[] = {
	{ "127.0.0.1:8443", "127.0.0.1:8443", NULL },
	{ "0.0.0.0:1", "0.0.0.0:1", NULL },
	{ "[::1]:443", "[::1]:443", NULL },
	{ "[::]:443", "[::]:443", NULL },
	{ "[::ffff:10.0.0.1]:443", "[::ffff:10.0.0.1]:443", NULL },
	{ "[2001:db8::1]:65535", "[2001:db8::1]:65535", NULL },
	{ "10.0.0.1:0443", "10.0.0.1:443", NULL },
	/* any address: the daemon took one [::], the tool both wildcards */
	{ "*:443", "0.0.0.0:443,[::]:443", NULL },
	/* a port alone: the daemon's "all addresses", refused by the tool */
	{ "443", "0.0.0.0:443,[::]:443", NULL },
	{ ":443", "0.0.0.0:443,[::]:443", NULL },
	/* taken by the daemon, refused by the tool */
	{ "::1:443", NULL, "brackets" },
	{ "2001:db8::1:443", NULL, "brackets" },
	{ "[1.2.3.4]:443", NULL, "not an IPv6 address" },
	{ "[*]:443", NULL, "not an IPv6 address" },
	{ "[]:443", NULL, "not an IPv6 address" },
	{ "1.2.3.4: 443", NULL, "port" },
	{ "1.2.3.4:+443", NULL, "port" },
	{ " 443", NULL, "missing ':PORT'" },
	/* refused by both */
	{ "", NULL, "missing ':PORT'" },
	{ "*", NULL, "missing ':PORT'" },
	{ "1.2.3.4", NULL, "missing ':PORT'" },
	{ "*:", NULL, "port" },
	{ "*:0", NULL, "port" },
	{ "0", NULL, "port" },
	{ "65536", NULL, "port" },
	{ "1.2.3.4:65536", NULL, "port" },
	{ "1.2.3.4:99999999999999999999", NULL, "port" },
	{ "1.2.3.4:-1", NULL, "port" },
	{ "1.2.3.4:443x", NULL, "port" },
	{ "[::1]", NULL, "missing ':PORT'" },
	{ "[::1]443", NULL, "missing ':PORT'" },
	{ "[::1:443", NULL, "closing ']'" },
	{ "[fe80::1%eth0]:443", NULL, "not an IPv6 address" },
	{ "localhost:443", NULL, "not an IPv4 address" },
	{ "1.2.3:443", NULL, "not an IPv4 address" },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:1", NULL, "too long" },
};

static int test_table(const void *arg)
{
	struct sockaddr_storage a[2];
	char got[2 * KSO_ADDR_STRLEN + 2], one[KSO_ADDR_STRLEN];
	const char *why;
	int n, err;

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		err = kso_addr_parse(cases[i].in, a, &n, &why);
		if (!cases[i].out) {
			T_ASSERT(err == -EINVAL, "'%s' taken (%d)", cases[i].in, err);
			T_ASSERT(why && strstr(why, cases[i].why), "'%s': why '%s', wanted '%s'",
				 cases[i].in, why ? why : "(none)", cases[i].why);
			continue;
		}
		T_ASSERT(!err, "'%s' refused: %s", cases[i].in, why);
		T_ASSERT(n == 1 || n == 2, "'%s': %d addresses", cases[i].in, n);
		got[0] = '\0';
		for (int k = 0; k < n; k++) {
			if (k)
				strcat(got, ",");
			strcat(got, kso_addr_format(&a[k], one, sizeof(one)));
		}
		T_ASSERT(!strcmp(got, cases[i].out), "'%s' is %s, wanted %s", cases[i].in, got,
			 cases[i].out);
	}
	return T_PASS;
}

/* Every address printed parses back to itself, alone. */
static int test_round_trip(const void *arg)
{
	struct sockaddr_storage a[2], b[2];
	char buf[KSO_ADDR_STRLEN];
	const char *why;
	int n, m;

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].out)
			continue;
		T_OK(kso_addr_parse(cases[i].in, a, &n, &why));
		for (int k = 0; k < n; k++) {
			kso_addr_format(&a[k], buf, sizeof(buf));
			T_OK(kso_addr_parse(buf, b, &m, &why));
			T_ASSERT(m == 1 && !memcmp(&a[k], &b[0], sizeof(a[k])),
				 "'%s' printed '%s', which parses to something else", cases[i].in,
				 buf);
			T_ASSERT(kso_addr_len(&b[0]) == (b[0].ss_family == AF_INET ?
							 sizeof(struct sockaddr_in) :
							 sizeof(struct sockaddr_in6)),
				 "'%s': length %u", buf, (unsigned)kso_addr_len(&b[0]));
		}
	}
	memset(a, 0, sizeof(a));
	T_ASSERT(!strcmp(kso_addr_format(&a[0], buf, sizeof(buf)), "-"), "no address: '%s'",
		 buf);
	T_ASSERT(kso_addr_len(&a[0]) == 0, "no address has a length");
	return T_PASS;
}

/* What ktlsod makes of "*": one socket on [::] that takes IPv4 too. */
static int test_listen(const void *arg)
{
	const struct sockaddr_in6 *s6;
	struct listener_cfg l;
	const char *why;

	(void)arg;
	T_OK(parse_listen("*:8443", &l, &why));
	s6 = (const void *)&l.addr;
	T_ASSERT(l.addr.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) &&
			 ntohs(s6->sin6_port) == 8443 && l.addrlen == sizeof(*s6),
		 "*:8443 is not [::]:8443");
	T_ASSERT(l.dual_stack, "*:8443 is not dual-stack");
	T_ASSERT(!strcmp(l.name, "*:8443") && l.offload == -1, "name '%s', offload %d", l.name,
		 l.offload);
	T_OK(parse_listen("8443", &l, &why));
	T_ASSERT(l.addr.ss_family == AF_INET6 && l.dual_stack, "8443 is not *:8443");
	T_OK(parse_listen("[::]:8443", &l, &why));
	T_ASSERT(l.addr.ss_family == AF_INET6 && !l.dual_stack,
		 "[::]:8443 is the IPv6 wildcard, as the system makes it");
	T_OK(parse_listen("127.0.0.1:8443", &l, &why));
	T_ASSERT(l.addr.ss_family == AF_INET && l.addrlen == sizeof(struct sockaddr_in) &&
			 !l.dual_stack, "127.0.0.1:8443 is not IPv4");
	T_ASSERT(parse_listen("::1:8443", &l, &why) == -EINVAL && strstr(why, "brackets"),
		 "::1:8443 taken");
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("addr", argc, argv);
	t_run("table", test_table, NULL);
	t_run("round_trip", test_round_trip, NULL);
	t_run("listen", test_listen, NULL);
	return t_done();
}
