// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library's kso_policy_match() on the case table the module is tested with too
 * (tests/lib/policy_cases.h): the daemon and the module must pick the same policy.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "nl.h"
#include "policy_cases.h"
#include "t.h"

static int test_case(const void *arg)
{
	const struct pm_case *c = arg;
	struct kso_policy pol[PM_MAX_POLICIES];
	struct sockaddr_storage local;
	const struct kso_policy *got;
	int idx;

	memset(pol, 0, sizeof(pol));
	for (int i = 0; i < c->npol; i++) {
		pm_sockaddr(&c->pol[i], &pol[i].addr);
		pol[i].mode = KTLSO_MODE_TXRX;
	}
	pm_sockaddr(&c->local, &local);
	got = kso_policy_match(pol, (size_t)c->npol, &local);
	idx = got ? (int)(got - pol) : -1;
	T_ASSERT(idx == c->want, "%s:%u: policy %d applies, want %d", c->local.ip, c->local.port,
		 idx, c->want);
	return T_PASS;
}

/* What only userspace can be asked: scope ids, flow labels, other families. */
static int test_userspace_only(const void *arg)
{
	struct pm_addr a6 = PM6("fe80::1", 443), a4 = PM4("127.0.0.1", 443);
	struct kso_policy pol[2];
	struct sockaddr_storage local;
	struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&local;

	(void)arg;
	memset(pol, 0, sizeof(pol));
	pm_sockaddr(&a6, &pol[0].addr);
	pm_sockaddr(&a4, &pol[1].addr);
	pm_sockaddr(&a6, &local);
	l6->sin6_scope_id = 2;
	l6->sin6_flowinfo = htonl(7);
	T_ASSERT(kso_policy_match(pol, 2, &local) == &pol[0], "scope id or flow label compared");
	T_ASSERT(kso_addr_equal(&pol[0].addr, &local), "kso_addr_equal: scope id compared");
	local.ss_family = AF_UNIX;
	T_ASSERT(!kso_policy_match(pol, 2, &local), "an AF_UNIX address matched");
	T_ASSERT(!kso_policy_match(pol, 0, &local), "no policies, a match");
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("unit/policy_match", argc, argv);
	for (size_t i = 0; i < PM_N_CASES; i++)
		t_run(pm_cases[i].name, test_case, &pm_cases[i]);
	t_run("userspace_only", test_userspace_only, NULL);
	return t_done();
}
