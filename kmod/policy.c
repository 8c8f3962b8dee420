// SPDX-License-Identifier: GPL-2.0
/*
 * Policies, one per listener address and port, at most KTLSO_MAX_POLICIES
 * per namespace, under kn->lock.
 *
 * Which policy applies to a socket is include/ktlso_match.h's rule, the
 * daemon's too.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ktlso.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>

#include <ktlso_match.h>

#include "genl.h"
#include "netns.h"
#include "policy.h"

struct ktlso_policy *ktlso_policy_find(struct ktlso_net *kn,
				       const union ktlso_sockaddr *addr)
{
	struct ktlso_policy *pol;

	lockdep_assert_held(&kn->lock);

	list_for_each_entry(pol, &kn->policies, node)
		if (ktlso_sockaddr_same(&pol->addr.sa, &addr->sa))
			return pol;
	return NULL;
}

static const struct ktlso_policy *
ktlso_policy_match(struct ktlso_net *kn, const union ktlso_sockaddr *local)
{
	struct ktlso_match m = {};
	struct ktlso_policy *pol;

	lockdep_assert_held(&kn->lock);

	list_for_each_entry(pol, &kn->policies, node)
		if (ktlso_match_offer(&m, &pol->addr.sa, pol, &local->sa))
			break;
	return m.best;
}

/* The key-usage guard's settings for a socket of that local address. */
void ktlso_policy_guard(struct ktlso_net *kn,
			const union ktlso_sockaddr *local, u64 *rec_limit,
			u8 *warn_pct)
{
	const struct ktlso_policy *pol = ktlso_policy_match(kn, local);

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
