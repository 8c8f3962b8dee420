/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_POLICY_H
#define _KTLSO_POLICY_H

#include <linux/list.h>
#include <linux/types.h>

#include "sock.h"

struct ktlso_net;

struct ktlso_policy {
	struct list_head node;
	union ktlso_sockaddr addr;	/* as given, validated */
	u8 mode;			/* enum ktlso_mode */
	u8 warn_pct;
	u32 ciphers;
	u64 rec_limit;
};

struct ktlso_policy *ktlso_policy_find(struct ktlso_net *kn,
				       const union ktlso_sockaddr *addr);
int ktlso_policy_add(struct ktlso_net *kn, const struct ktlso_policy *tmpl);
int ktlso_policy_del(struct ktlso_net *kn, const union ktlso_sockaddr *addr);
void ktlso_policy_guard(struct ktlso_net *kn,
			const union ktlso_sockaddr *local, u64 *rec_limit,
			u8 *warn_pct);
void ktlso_policy_release_all(struct ktlso_net *kn);

#endif /* _KTLSO_POLICY_H */
