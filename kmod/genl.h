/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_GENL_H
#define _KTLSO_GENL_H

#include <linux/types.h>

/* Reported by MODULE_VERSION and by KTLSO_CMD_GET_VERSION: VERSION, by kmod/Kbuild. */
#define KTLSO_MODULE_VERSION KTLSO_VERSION

struct ktlso_net;
struct ktlso_policy;
struct ktlso_sock;

/*
 * Events on the "events" group (and those a server acts on also on the
 * "daemon" group), in kn's namespace; under kn->lock. notify_sock returns 0
 * when every listener of the group that matters got it, -ESRCH when nobody
 * listens, else why it was lost (-ENOMEM, -ENOBUFS: a full socket buffer).
 */
int ktlso_genl_notify_sock(struct ktlso_net *kn, u8 cmd,
			   const struct ktlso_sock *ks, const char *reason,
			   int dir);
void ktlso_genl_notify_id(struct ktlso_net *kn, u8 cmd, u64 id);
void ktlso_genl_notify_policy(struct ktlso_net *kn, u8 cmd,
			      const struct ktlso_policy *pol);

int ktlso_genl_init(void);
void ktlso_genl_uninit(void);

#endif /* _KTLSO_GENL_H */
