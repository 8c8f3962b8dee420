// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which listener policy applies to an address: the module's rule
 * (kmod/policy.c), applied by the daemon to its copy of the policies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "nl.h"

static bool kso_addr_is_any(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	const struct sockaddr_in6 *s6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static uint16_t kso_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->sin_port;
	return ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port;
}

bool kso_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr);
	return false;
}

const struct kso_policy *kso_policy_match(const struct kso_policy *p, size_t n,
					  const struct sockaddr_storage *local)
{
	const struct kso_policy *wild = NULL;

	if (local->ss_family != AF_INET && local->ss_family != AF_INET6)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (kso_addr_equal(&p[i].addr, local))
			return &p[i];
		if (!wild && p[i].addr.ss_family == local->ss_family &&
		    kso_addr_port(&p[i].addr) == kso_addr_port(local) &&
		    kso_addr_is_any(&p[i].addr))
			wild = &p[i];
	}
	return wild;
}
