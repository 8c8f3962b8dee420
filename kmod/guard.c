// SPDX-License-Identifier: GPL-2.0
/*
 * The scan: every scan_ms, per namespace with registered sockets, reap the
 * sockets their process closed and compare the kTLS record sequence numbers
 * of the others with their key-usage limit (RFC 8446 section 5.5, RFC 9147
 * section 4.5.3).
 */

#include <linux/ktlso.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "genl.h"
#include "guard.h"
#include "netns.h"
#include "sock.h"

#define KTLSO_SCAN_MS_MIN	10
#define KTLSO_SCAN_MS_MAX	3600000
/* sockets read per hold of the namespace lock in a scan */
#define KTLSO_SCAN_BATCH	256

static unsigned int scan_ms = 1000;

/* Module unload: no namespace, even one created meanwhile, arms a scan. */
static bool ktlso_scans_stopped;

/* The scans' own queue: unload waits for the running ones without net_rwsem. */
static struct workqueue_struct *ktlso_scan_wq;

static int ktlso_set_scan_ms(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, KTLSO_SCAN_MS_MIN,
				     KTLSO_SCAN_MS_MAX);
}

static const struct kernel_param_ops ktlso_scan_ms_ops = {
	.set	= ktlso_set_scan_ms,
	.get	= param_get_uint,
};

module_param_cb(scan_ms, &ktlso_scan_ms_ops, &scan_ms, 0644);
MODULE_PARM_DESC(scan_ms,
		 "Milliseconds between scans for closed sockets and key usage (10..3600000, default 1000)");

/*
 * Arm the scan while sockets are registered. A new period applies from the
 * next arming on.
 */
void ktlso_guard_kick(struct ktlso_net *kn)
{
	bool stopped;

	lockdep_assert_held(&kn->lock);

	/* pairs with the release in ktlso_guard_stop_all() */
	stopped = smp_load_acquire(&ktlso_scans_stopped);
	if (kn->nr_socks && !kn->scan_stopped && !stopped)
		queue_delayed_work(ktlso_scan_wq, &kn->scan_work,
				   msecs_to_jiffies(READ_ONCE(scan_ms)));
}

static u64 ktlso_guard_seq(const struct ktlso_sock *ks, int dir)
{
	return dir == KTLSO_DIR_TX ? ks->st.tx_seq : ks->st.rx_seq;
}

/*
 * A direction warned for is warned again once it has a new key: its record
 * numbers, which kTLS restarts with each key, went below the one warned at.
 * Per direction, and not on the server's key generation, which counts the
 * keys of both: a server that rekeys TX to ask the client for a new key
 * (KeyUpdate with update_requested) must not hear about RX again while the
 * client has not answered, or it asks again, and rekeys TX, at every scan.
 * Called by each scan and at each registration (a server registers again
 * right after it installs a key).
 */
void ktlso_guard_rearm(struct ktlso_sock *ks)
{
	int dir;

	for (dir = KTLSO_DIR_TX; dir <= KTLSO_DIR_RX; dir++)
		if (ks->key_warned & BIT(dir) && ks->st.seq_valid & BIT(dir) &&
		    ktlso_guard_seq(ks, dir) < ks->warned_seq[dir])
			ks->key_warned &= ~BIT(dir);
}

/* Warn once per key and direction past warn_pct of the limit. */
static void ktlso_guard_check(struct ktlso_net *kn, struct ktlso_sock *ks)
{
	u64 limit = ktlso_sock_rec_limit(ks);
	u64 mark, seq;
	int dir, err;

	ktlso_guard_rearm(ks);
	if (!limit)
		return;

	mark = max_t(u64, mul_u64_u32_div(limit, ks->warn_pct, 100), 1);
	for (dir = KTLSO_DIR_TX; dir <= KTLSO_DIR_RX; dir++) {
		if (!(ks->st.seq_valid & BIT(dir)) || ks->key_warned & BIT(dir))
			continue;
		/* the raw number: a TLS 1.2 key starts at 1, not 0 */
		seq = ktlso_guard_seq(ks, dir);
		if (seq < mark)
			continue;
		/*
		 * Delivered, or nobody listening to act on it, is final.
		 * Otherwise (no memory for the message, a server whose
		 * socket buffer was full) the direction stays due and the
		 * event goes out again at the next scan.
		 */
		err = ktlso_genl_notify_sock(kn, KTLSO_CMD_EV_KEY_LIMIT, ks,
					     NULL, dir);
		if (err && err != -ESRCH) {
			kn->stats.key_limit_retries++;
			continue;
		}
		ks->key_warned |= BIT(dir);
		ks->warned_seq[dir] = seq;
		kn->stats.key_limit_events++;
	}
}

void ktlso_guard_scan(struct work_struct *work)
{
	struct ktlso_net *kn = container_of(to_delayed_work(work),
					    struct ktlso_net, scan_work);
	struct ktlso_sock *ks;
	unsigned long id;
	unsigned int n = 0;

	mutex_lock(&kn->lock);
	xa_for_each(&kn->socks, id, ks) {
		/* a socket a process owns is looked at again next time */
		if (!ktlso_sock_read(kn, ks)) {
			/* counted in stats.busy_reads */
		} else if (ks->closed) {
			kn->stats.reaped++;
			ktlso_sock_unregister(kn, ks, "closed");
		} else {
			ktlso_guard_check(kn, ks);
		}
		/*
		 * Let registrations and requests in between batches: the
		 * walk goes on from id, and ks is not used past the unlock.
		 */
		if (++n % KTLSO_SCAN_BATCH == 0) {
			mutex_unlock(&kn->lock);
			cond_resched();
			mutex_lock(&kn->lock);
		} else {
			cond_resched();
		}
	}
	ktlso_guard_kick(kn);
	mutex_unlock(&kn->lock);
}

/*
 * Module unload, before the family goes: no scan may run or be queued
 * again, since a scan multicasts on the family's group. Requests still
 * arriving see scan_stopped under kn->lock and leave the work alone.
 * net_rwsem is not held while waiting for a running scan: every namespace
 * creation and teardown on the host waits for it.
 */
void ktlso_guard_stop_all(void)
{
	struct net *net;

	/* pairs with the acquire in ktlso_guard_kick() */
	smp_store_release(&ktlso_scans_stopped, true);
	down_read(&net_rwsem);
	for_each_net(net) {
		struct ktlso_net *kn = ktlso_net(net);

		mutex_lock(&kn->lock);
		kn->scan_stopped = true;
		mutex_unlock(&kn->lock);
		/* a pending scan goes; one running now is waited for below */
		cancel_delayed_work(&kn->scan_work);
	}
	up_read(&net_rwsem);
	flush_workqueue(ktlso_scan_wq);
}

int __init ktlso_guard_init(void)
{
	ktlso_scan_wq = alloc_workqueue("ktlso_scan", WQ_UNBOUND, 0);
	return ktlso_scan_wq ? 0 : -ENOMEM;
}

/* After the namespaces' state is gone: no scan is queued any more. */
void ktlso_guard_uninit(void)
{
	destroy_workqueue(ktlso_scan_wq);
}
