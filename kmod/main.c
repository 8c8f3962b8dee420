// SPDX-License-Identifier: GPL-2.0
/*
 * ktlso: kernel TLS offload control plane.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/ktlso.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "genl.h"
#include "guard.h"
#include "netns.h"

static int __init ktlso_init(void)
{
	int err;

	err = ktlso_guard_init();
	if (err)
		goto err_guard;

	err = ktlso_netns_init();
	if (err)
		goto err_netns;

	/* The family goes last: once it is registered, requests arrive. */
	err = ktlso_genl_init();
	if (err)
		goto err_genl;

	pr_info("%s loaded, netlink protocol %u\n", KTLSO_MODULE_VERSION,
		KTLSO_GENL_VERSION);
	return 0;

err_genl:
	ktlso_netns_uninit();
err_netns:
	ktlso_guard_uninit();
err_guard:
	return err;
}

/*
 * The mirror of ktlso_init(), with the scans stopped first: a scan sends
 * events on the family's group, whose id is free for another family once
 * the family is gone. Then no request arrives any more, and the namespaces'
 * state goes, dropping the references on registered sockets. Those keep
 * working: kTLS belongs to tls.ko. The scans' queue goes last: a
 * namespace's exit cancels its scan.
 */
static void __exit ktlso_exit(void)
{
	ktlso_guard_stop_all();
	ktlso_genl_uninit();
	ktlso_netns_uninit();
	ktlso_guard_uninit();
}

module_init(ktlso_init);
module_exit(ktlso_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel TLS offload control plane");
MODULE_VERSION(KTLSO_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(KTLSO_GENL_NAME);
