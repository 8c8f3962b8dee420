// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which listener policy applies to an address: the module's rule, from the
 * one implementation both use (include/ktlso_match.h), on the daemon's copy
 * of the policies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ktlso_match.h>

#include "nl.h"

bool kso_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return ktlso_sockaddr_same((const struct sockaddr *)a, (const struct sockaddr *)b);
}

const struct kso_policy *kso_policy_match(const struct kso_policy *p, size_t n,
					  const struct sockaddr_storage *local)
{
	struct ktlso_match m = { 0 };

	for (size_t i = 0; i < n; i++)
		if (ktlso_match_offer(&m, (const struct sockaddr *)&p[i].addr, &p[i],
				      (const struct sockaddr *)local))
			break;
	return m.best;
}
