/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_NETNS_H
#define _KTLSO_NETNS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

struct ktlso_stats {
	u64 registered;
	u64 unregistered;
	u64 reaped;
	u64 offloaded;
	u64 offload_requests;
	u64 key_limit_events;
	/* reads of a socket a process owned: not read, its last state kept */
	u64 busy_reads;
	/* key-limit events not delivered, due again at the next scan */
	u64 key_limit_retries;
};

/*
 * The state of one network namespace. One mutex covers all of it: every
 * path that takes it runs in process context (netlink requests and dumps,
 * the scan work). It is held across bh_lock_sock() of a registered socket,
 * never across lock_sock(): a process can own its socket for as long as it
 * likes, and must not hold up everyone else (kmod/sock.c).
 */
struct ktlso_net {
	struct net *net;
	struct mutex lock;	/* everything below */
	/*
	 * Registered sockets (struct ktlso_sock) by socket cookie. An xarray
	 * rather than a hash table: it is ordered, so a multi-part dump
	 * resumes at the next cookie and neither repeats nor skips a socket
	 * that stays registered while other sockets come and go.
	 */
	struct xarray socks;
	unsigned int nr_socks;
	struct list_head policies;
	unsigned int nr_policies;
	/* bumped on every policy change: sockets re-match lazily */
	unsigned int policy_gen;
	struct ktlso_stats stats;
	struct delayed_work scan_work;
	/* set on module unload: the scan work must not be queued again */
	bool scan_stopped;
};

struct ktlso_net *ktlso_net(const struct net *net);

int ktlso_netns_init(void);
void ktlso_netns_uninit(void);

#endif /* _KTLSO_NETNS_H */
