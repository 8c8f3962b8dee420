/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which listener policy applies to which local address: one table of cases that the
 * library (tests/unit/policy_match.c, kso_policy_match()) and the module
 * (tests/vm/ktlso_nl_test.c, policy_match_table: real sockets bound to each address) must
 * both answer as it says. The rule is include/ktlso_match.h's.
 */
#ifndef KTLSO_POLICY_CASES_H
#define KTLSO_POLICY_CASES_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

struct pm_addr {
	int family;
	const char *ip;
	uint16_t port;
};

#define PM_MAX_POLICIES 4

struct pm_case {
	const char *name;
	struct pm_addr local;			/* the accepted socket's local address */
	int npol;
	struct pm_addr pol[PM_MAX_POLICIES];	/* the policies, in the order added */
	int want;				/* the index in pol that applies, -1: none */
};

#define PM4(ip, port) { AF_INET, ip, port }
#define PM6(ip, port) { AF_INET6, ip, port }

/*
 * Ports 28001..28099: below the ephemeral range (32768..60999), so that no client socket of
 * another test holds one; each case its own, so that no socket of one lingers in the next.
 */
static const struct pm_case pm_cases[] = {
	{ "v4_exact_over_wildcard", PM4("127.0.0.1", 28001), 2,
	  { PM4("0.0.0.0", 28001), PM4("127.0.0.1", 28001) }, 1 },
	{ "v4_wildcard", PM4("127.0.0.1", 28002), 1, { PM4("0.0.0.0", 28002) }, 0 },
	{ "v4_exact_alone", PM4("127.0.0.1", 28003), 1, { PM4("127.0.0.1", 28003) }, 0 },
	{ "v4_other_port", PM4("127.0.0.1", 28004), 2,
	  { PM4("0.0.0.0", 28005), PM4("127.0.0.1", 28005) }, -1 },
	{ "v4_other_address", PM4("127.0.0.1", 28006), 1, { PM4("127.0.0.2", 28006) }, -1 },
	{ "v4_other_address_then_wildcard", PM4("127.0.0.1", 28007), 2,
	  { PM4("127.0.0.2", 28007), PM4("0.0.0.0", 28007) }, 1 },
	{ "v4_exact_listed_last", PM4("127.0.0.2", 28008), 3,
	  { PM4("0.0.0.0", 28008), PM4("127.0.0.1", 28008), PM4("127.0.0.2", 28008) }, 2 },
	{ "v6_exact_over_wildcard", PM6("::1", 28009), 2,
	  { PM6("::", 28009), PM6("::1", 28009) }, 1 },
	{ "v6_wildcard", PM6("::1", 28010), 1, { PM6("::", 28010) }, 0 },
	{ "v6_socket_v4_policies", PM6("::1", 28011), 2,
	  { PM4("0.0.0.0", 28011), PM4("127.0.0.1", 28011) }, -1 },
	{ "v4_socket_v6_wildcard", PM4("127.0.0.1", 28012), 1, { PM6("::", 28012) }, -1 },
	{ "v4_mapped_not_v4_policies", PM6("::ffff:127.0.0.1", 28013), 2,
	  { PM4("0.0.0.0", 28013), PM4("127.0.0.1", 28013) }, -1 },
	{ "v4_mapped_v6_wildcard", PM6("::ffff:127.0.0.1", 28014), 2,
	  { PM4("0.0.0.0", 28014), PM6("::", 28014) }, 1 },
	{ "v4_mapped_exact", PM6("::ffff:127.0.0.1", 28015), 2,
	  { PM6("::", 28015), PM6("::ffff:127.0.0.1", 28015) }, 1 },
	{ "v4_mapped_v4_address_other", PM6("::ffff:127.0.0.1", 28016), 1,
	  { PM6("::ffff:127.0.0.2", 28016) }, -1 },
	{ "none", PM4("127.0.0.1", 28017), 0, { { 0 } }, -1 },
};

#define PM_N_CASES (sizeof(pm_cases) / sizeof(pm_cases[0]))

/* a as a sockaddr_in or sockaddr_in6 in *ss (zeroed first); its length. */
static inline socklen_t pm_sockaddr(const struct pm_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		inet_pton(AF_INET, a->ip, &s4->sin_addr);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(a->port);
	inet_pton(AF_INET6, a->ip, &s6->sin6_addr);
	return sizeof(*s6);
}

#endif
