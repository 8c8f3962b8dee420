// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "ktlso". The contract, every command and
 * attribute, is documented in include/uapi/linux/ktlso.h.
 */

#include <linux/build_bug.h>
#include <linux/ktlso.h>
#include <net/genetlink.h>

#include "genl.h"

static_assert(sizeof(KTLSO_MODULE_VERSION) <= KTLSO_VERSION_STRING_MAX);

static struct genl_family ktlso_genl_family;

static const struct nla_policy ktlso_genl_policy[KTLSO_A_MAX + 1] = {
	[KTLSO_A_VERSION_STRING]	= { .type = NLA_NUL_STRING,
					    .len = KTLSO_VERSION_STRING_MAX - 1 },
	[KTLSO_A_PROTO_VERSION]		= { .type = NLA_U32 },
};

static int ktlso_genl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = -ENOMEM;
	msg = genlmsg_new(nla_total_size(sizeof(KTLSO_MODULE_VERSION)) +
			  nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		goto out;

	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ktlso_genl_family, 0,
				KTLSO_CMD_GET_VERSION);
	if (!hdr)
		goto out_free;

	if (nla_put_string(msg, KTLSO_A_VERSION_STRING, KTLSO_MODULE_VERSION) ||
	    nla_put_u32(msg, KTLSO_A_PROTO_VERSION, KTLSO_GENL_VERSION))
		goto out_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out:
	return err;
}

static const struct genl_small_ops ktlso_genl_ops[] = {
	{
		.cmd	= KTLSO_CMD_GET_VERSION,
		.doit	= ktlso_genl_get_version,
		/* no .flags: anyone may ask for the version */
	},
};

/*
 * .resv_start_op is left at 0, as a new family should: every command gets
 * strict attribute validation and a checked genlmsghdr.reserved and
 * nlmsg_flags (net/netlink/genetlink.c, genl_header_check()).
 */
static struct genl_family ktlso_genl_family __ro_after_init = {
	.name		= KTLSO_GENL_NAME,
	.version	= KTLSO_GENL_VERSION,
	.maxattr	= KTLSO_A_MAX,
	.policy		= ktlso_genl_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.small_ops	= ktlso_genl_ops,
	.n_small_ops	= ARRAY_SIZE(ktlso_genl_ops),
};

int __init ktlso_genl_init(void)
{
	return genl_register_family(&ktlso_genl_family);
}

void __exit ktlso_genl_uninit(void)
{
	genl_unregister_family(&ktlso_genl_family);
}
