/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the nl*.c files share and their users do not see: struct kso_nl, the
 * transport's request helpers (nl.c) and the codecs of the attributes that
 * replies and events both carry (nl_msg.c).
 */
#ifndef KTLSO_NL_INT_H
#define KTLSO_NL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Big enough for the kernel's largest dump skb (it caps them at 32 KiB). */
#define KSO_NL_RCVBUF	32768
/* Kernel socket buffer of an events socket: room for bursts of closes. */
#define KSO_NL_EV_SOCKBUF (1 << 20)

struct kso_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;	/* requests: NULL on an events socket */
	int family;
	void *buf;		/* events: the receive buffer */
	char errmsg[KSO_NL_ERRMSG_MAX];
};

/* nl.c */
int kso_nl_errno(int nle);
int kso_nl_connect(struct kso_nl *nl);
void kso_nl_setsockopt(struct nl_sock *sk, int level, int opt, int val);
struct nl_msg *kso_nl_msg(struct kso_nl *nl, uint8_t cmd, int flags, size_t attrs);
int kso_nl_exec(struct kso_nl *nl, struct nl_msg *msg,
		int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg);
int kso_nl_request(struct kso_nl *nl, uint8_t cmd, int flags,
		   int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg);

/* nl_msg.c */
int kso_nl_parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb);
int kso_nl_sock_from(struct nlattr **tb, struct kso_sock *s);
int kso_nl_policy_from(struct nlattr **tb, struct kso_policy *p);

#endif /* KTLSO_NL_INT_H */
