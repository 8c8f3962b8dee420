// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: registered sockets, policies, counters and
 * the scan work. A namespace's state goes with it; module unload releases
 * the state of every namespace.
 */

#include <net/netns/generic.h>

#include "guard.h"
#include "netns.h"
#include "policy.h"
#include "sock.h"

static unsigned int ktlso_net_id __read_mostly;

struct ktlso_net *ktlso_net(const struct net *net)
{
	return net_generic(net, ktlso_net_id);
}

static int __net_init ktlso_net_init(struct net *net)
{
	struct ktlso_net *kn = ktlso_net(net);

	kn->net = net;
	mutex_init(&kn->lock);
	xa_init(&kn->socks);
	INIT_LIST_HEAD(&kn->policies);
	INIT_DELAYED_WORK(&kn->scan_work, ktlso_guard_scan);
	return 0;
}

/*
 * Runs when the namespace is dismantled, or for every namespace on module
 * unload once the family is gone. A namespace is only dismantled when no
 * socket in it is left, and a registered socket holds its namespace, so
 * in the first case only sockets that were closed but not reaped yet can
 * remain. In both cases no request can reach this state any more.
 */
static void __net_exit ktlso_net_exit(struct net *net)
{
	struct ktlso_net *kn = ktlso_net(net);

	cancel_delayed_work_sync(&kn->scan_work);
	ktlso_sock_release_all(kn);
	ktlso_policy_release_all(kn);
	xa_destroy(&kn->socks);
	mutex_destroy(&kn->lock);
}

static struct pernet_operations ktlso_net_ops = {
	.init	= ktlso_net_init,
	.exit	= ktlso_net_exit,
	.id	= &ktlso_net_id,
	.size	= sizeof(struct ktlso_net),
};

int __init ktlso_netns_init(void)
{
	return register_pernet_subsys(&ktlso_net_ops);
}

void ktlso_netns_uninit(void)
{
	unregister_pernet_subsys(&ktlso_net_ops);
}
