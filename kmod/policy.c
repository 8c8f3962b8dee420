// SPDX-License-Identifier: GPL-2.0
/*
 * Policies, one per listener address and port, at most KTLSO_MAX_POLICIES
 * per namespace, under kn->lock.
 *
 * A socket takes the policy of its local address and port: an exact match,
 * else the wildcard address of its family on that port. The family is the
 * socket's own: an IPv4 connection accepted on an IPv6 wildcard listener is
 * an AF_INET6 socket with a v4-mapped local address (::ffff:a.b.c.d), so it
 * matches AF_INET6 policies, [::ffff:a.b.c.d]:port then [::]:port, and never
 * an AF_INET one - which is also how the daemon looks its listeners up.
 */

#include <linux/ktlso.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "genl.h"
#include "netns.h"
#include "policy.h"

/* Scope ids and flow labels do not tell listeners apart. */
static bool ktlso_addr_eq(const union ktlso_sockaddr *a,
			  const union ktlso_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;

	switch (a->sa.sa_family) {
	case AF_INET:
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	case AF_INET6:
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		       ipv6_addr_equal(&a->sin6.sin6_addr, &b->sin6.sin6_addr);
	}
	return false;
}

struct ktlso_policy *ktlso_policy_find(struct ktlso_net *kn,
				       const union ktlso_sockaddr *addr)
{
	struct ktlso_policy *pol;

	lockdep_assert_held(&kn->lock);

	list_for_each_entry(pol, &kn->policies, node)
		if (ktlso_addr_eq(&pol->addr, addr))
			return pol;
	return NULL;
}

static struct ktlso_policy *ktlso_policy_match(struct ktlso_net *kn,
					       const union ktlso_sockaddr *local)
{
	union ktlso_sockaddr any = {};
	struct ktlso_policy *pol;

	pol = ktlso_policy_find(kn, local);
	if (pol)
		return pol;

	any.sa.sa_family = local->sa.sa_family;
	if (any.sa.sa_family == AF_INET)
		any.sin.sin_port = local->sin.sin_port;
	else
		any.sin6.sin6_port = local->sin6.sin6_port;
	return ktlso_policy_find(kn, &any);
}

/* The key-usage guard's settings for a socket of that local address. */
void ktlso_policy_guard(struct ktlso_net *kn,
			const union ktlso_sockaddr *local, u64 *rec_limit,
			u8 *warn_pct)
{
	struct ktlso_policy *pol = ktlso_policy_match(kn, local);

	*rec_limit = pol ? pol->rec_limit : 0;
	*warn_pct = pol ? pol->warn_pct : KTLSO_WARN_PCT_DEFAULT;
}

int ktlso_policy_add(struct ktlso_net *kn, const struct ktlso_policy *tmpl)
{
	struct ktlso_policy *pol;
	int err;

	mutex_lock(&kn->lock);
	pol = ktlso_policy_find(kn, &tmpl->addr);
	if (!pol) {
		err = -ENOSPC;
		if (kn->nr_policies >= KTLSO_MAX_POLICIES)
			goto out;

		err = -ENOMEM;
		pol = kmalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
		if (!pol)
			goto out;

		list_add_tail(&pol->node, &kn->policies);
		kn->nr_policies++;
	}
	pol->addr = tmpl->addr;
	pol->mode = tmpl->mode;
	pol->warn_pct = tmpl->warn_pct;
	pol->ciphers = tmpl->ciphers;
	pol->rec_limit = tmpl->rec_limit;
	kn->policy_gen++;
	ktlso_genl_notify_policy(kn, KTLSO_CMD_EV_POLICY_ADD, pol);
	err = 0;
out:
	mutex_unlock(&kn->lock);
	return err;
}

int ktlso_policy_del(struct ktlso_net *kn, const union ktlso_sockaddr *addr)
{
	struct ktlso_policy *pol;
	int err;

	mutex_lock(&kn->lock);
	err = -ENOENT;
	pol = ktlso_policy_find(kn, addr);
	if (!pol)
		goto out;

	list_del(&pol->node);
	kn->nr_policies--;
	kn->policy_gen++;
	ktlso_genl_notify_policy(kn, KTLSO_CMD_EV_POLICY_DEL, pol);
	kfree(pol);
	err = 0;
out:
	mutex_unlock(&kn->lock);
	return err;
}

void ktlso_policy_release_all(struct ktlso_net *kn)
{
	struct ktlso_policy *pol, *tmp;

	mutex_lock(&kn->lock);
	list_for_each_entry_safe(pol, tmp, &kn->policies, node)
		kfree(pol);
	INIT_LIST_HEAD(&kn->policies);
	kn->nr_policies = 0;
	mutex_unlock(&kn->lock);
}
