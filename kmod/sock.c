// SPDX-License-Identifier: GPL-2.0
/*
 * The socket registry, and what the module reads from a registered socket:
 * its addresses, owner, TCP byte counters and kTLS state.
 *
 * Reading the kTLS context (struct tls_context, icsk_ulp_data) safely:
 * tls.ko changes it only while a process owns the socket (lock_sock()) -
 * installing the ULP and keys (setsockopt), advancing the record sequence
 * numbers (sendmsg, recvmsg, the TX work) - and on close,
 * tls_sk_proto_close() frees what it points to (6.1: the kmalloc'ed
 * tx/rx.rec_seq; both kernels: the TLS_SW contexts) and clears
 * icsk_ulp_data later, then frees the context itself with kfree_rcu() (6.1
 * and 6.12 alike). In between, on 6.1, the rec_seq arrays are already freed
 * and the socket lock may be dropped (tls_tx_records() waiting for memory),
 * so a context is read only while the socket's file is still referenced
 * (ktlso_sock_closing()) and its sk_prot is still kTLS's. For TLS_HW the
 * context is kept until the socket is destructed, which the reference held
 * here prevents. A socket the process closed (SOCK_DEAD) is not read at
 * all: its last state is its final one.
 *
 * The module never sleeps on a socket's lock while it holds kn->lock: a
 * process may keep its socket owned for as long as it likes (a recv() into
 * a page that faults slowly: userfaultfd, FUSE), and everyone needs
 * kn->lock. A socket is read under its spinlock (bh_lock_sock()) when no
 * process owns it - which excludes every owner as lock_sock() does - and
 * otherwise keeps its last state until the next read (stats.busy_reads).
 * Only registration, on the caller's own socket and before kn->lock is
 * taken, waits for the socket lock.
 */

#include <linux/fs.h>
#include <linux/ktlso.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "genl.h"
#include "guard.h"
#include "netns.h"
#include "policy.h"
#include "sock.h"

/* Socket cookies are u64 and index an xarray. */
static_assert(sizeof(unsigned long) >= sizeof(u64));

/*
 * The socket cookie, as SO_COOKIE reports it. __sock_gen_cookie() is not
 * exported to modules; sock_diag_save_cookie() is, and gives the same.
 */
u64 ktlso_sock_cookie(struct sock *sk)
{
	u32 cookie[2];

	sock_diag_save_cookie(sk, cookie);
	return (u64)cookie[1] << 32 | cookie[0];
}

static void ktlso_read_addrs(struct sock *sk, struct ktlso_sock_state *st)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_family == AF_INET) {
		st->local.sin.sin_family = AF_INET;
		st->local.sin.sin_port = inet->inet_sport;
		st->local.sin.sin_addr.s_addr = inet->inet_rcv_saddr ?:
						inet->inet_saddr;
		st->peer.sin.sin_family = AF_INET;
		st->peer.sin.sin_port = inet->inet_dport;
		st->peer.sin.sin_addr.s_addr = inet->inet_daddr;
		return;
	}
#if IS_ENABLED(CONFIG_IPV6)
	st->local.sin6.sin6_family = AF_INET6;
	st->local.sin6.sin6_port = inet->inet_sport;
	st->local.sin6.sin6_addr = sk->sk_v6_rcv_saddr;
	st->local.sin6.sin6_scope_id =
		ipv6_iface_scope_id(&sk->sk_v6_rcv_saddr, sk->sk_bound_dev_if);
	st->peer.sin6.sin6_family = AF_INET6;
	st->peer.sin6.sin6_port = inet->inet_dport;
	st->peer.sin6.sin6_addr = sk->sk_v6_daddr;
	st->peer.sin6.sin6_scope_id =
		ipv6_iface_scope_id(&sk->sk_v6_daddr, sk->sk_bound_dev_if);
#endif
}

static u8 ktlso_conf(u8 tls_conf)
{
	switch (tls_conf) {
	case TLS_SW:
		return KTLSO_CONF_SW;
	case TLS_BASE:
		return KTLSO_CONF_NONE;
	default:
		/*
		 * TLS_HW, and before 7.2 TLS_HW_RECORD (the TOE mode, removed
		 * then): named it would not compile on 7.2 and later.
		 */
		return KTLSO_CONF_HW;
	}
}

/*
 * The next record's sequence number, 8 bytes big-endian for every cipher.
 * Only TLS_SW and TLS_HW keep it in the context (TLS_HW_RECORD, the TOE
 * mode, leaves it to the device).
 */
static bool ktlso_rec_seq(const struct tls_context *ctx,
			  const struct cipher_context *cctx, u8 tls_conf,
			  u64 *seq)
{
	__be64 be;

	if ((tls_conf != TLS_SW && tls_conf != TLS_HW) ||
	    ctx->prot_info.rec_seq_size != sizeof(be))
		return false;
	memcpy(&be, cctx->rec_seq, sizeof(be));
	*seq = be64_to_cpu(be);
	return true;
}

/*
 * Under the socket lock (see ktlso_sock_sample()): the socket's file is
 * being released (its last reference is gone), so tls_sk_proto_close() may
 * have started. On 6.1 it frees tx/rx.rec_seq and may then drop the socket
 * lock (waiting for memory to push the last records) before clearing
 * icsk_ulp_data: from here on the context must not be read. sock_close()
 * cannot get past tcp_close()'s lock_sock() while we hold the lock, so
 * sk_socket and its file are valid here.
 */
static bool ktlso_sock_closing(const struct sock *sk)
{
	const struct socket *sock = sk->sk_socket;

	return !sock || !sock->file || !file_count(sock->file);
}

/*
 * The kTLS part of a socket's state, from the last read: what a read that
 * could not look at the context keeps.
 */
static void ktlso_keep_tls(struct ktlso_sock_state *st,
			   const struct ktlso_sock_state *old)
{
	st->version = old->version;
	st->cipher = old->cipher;
	st->tx_conf = old->tx_conf;
	st->rx_conf = old->rx_conf;
	st->seq_valid = old->seq_valid;
	st->tx_seq = old->tx_seq;
	st->rx_seq = old->rx_seq;
}

/*
 * Called under the socket lock; see the top of this file. Returns false
 * when the context may not be read: the last kTLS state stands.
 */
static bool ktlso_read_tls(struct sock *sk, struct ktlso_sock_state *st)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tls_context *ctx;

	if (!icsk->icsk_ulp_ops || strcmp(icsk->icsk_ulp_ops->name, "tls"))
		return true;
	ctx = rcu_dereference_protected(icsk->icsk_ulp_data,
					lockdep_sock_is_held(sk));
	/*
	 * tls_sk_proto_close() has run, or may be running, and tcp_close()
	 * has not marked the socket dead yet: the last kTLS state is the
	 * final one.
	 */
	if (!ctx || ktlso_sock_closing(sk) ||
	    READ_ONCE(sk->sk_prot) == ctx->sk_proto)
		return false;

	st->tx_conf = ktlso_conf(ctx->tx_conf);
	st->rx_conf = ktlso_conf(ctx->rx_conf);
	if (st->tx_conf == KTLSO_CONF_NONE && st->rx_conf == KTLSO_CONF_NONE)
		return true;
	st->version = ctx->prot_info.version;
	st->cipher = ctx->prot_info.cipher_type;
	if (ktlso_rec_seq(ctx, &ctx->tx, ctx->tx_conf, &st->tx_seq))
		st->seq_valid |= BIT(KTLSO_DIR_TX);
	if (ktlso_rec_seq(ctx, &ctx->rx, ctx->rx_conf, &st->rx_seq))
		st->seq_valid |= BIT(KTLSO_DIR_RX);
	return true;
}

/* What one look at a socket found. */
struct ktlso_sample {
	enum {
		KTLSO_SAMPLE_READ,
		KTLSO_SAMPLE_DEAD,	/* closed: the last state is the final one */
		KTLSO_SAMPLE_BUSY,	/* a process owns it: not read */
	} result;
	bool tls_kept;		/* the kTLS part could not be read */
	struct ktlso_sock_state st;
};

/*
 * Under the socket lock, whether owned by this thread (lock_sock()) or by
 * no process (bh_lock_sock()).
 */
static void ktlso_sample_locked(struct sock *sk, struct ktlso_sample *smp)
{
	struct ktlso_sock_state st = {};

	if (sock_flag(sk, SOCK_DEAD)) {
		smp->result = KTLSO_SAMPLE_DEAD;
		return;
	}
	ktlso_read_addrs(sk, &st);
	/* sock_i_uid() is gone since 6.17; sk_uid, which 6.1 has too, is what it became. */
	st.uid = READ_ONCE(sk->sk_uid);
	st.bytes_sent = tcp_sk(sk)->bytes_sent;
	st.bytes_received = tcp_sk(sk)->bytes_received;
	smp->tls_kept = !ktlso_read_tls(sk, &st);
	smp->st = st;
	smp->result = KTLSO_SAMPLE_READ;
}

/* Without sleeping: see the top of this file. */
static void ktlso_sock_sample(struct sock *sk, struct ktlso_sample *smp)
{
	local_bh_disable();
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		smp->result = KTLSO_SAMPLE_BUSY;
	else
		ktlso_sample_locked(sk, smp);
	bh_unlock_sock(sk);
	local_bh_enable();
}

/*
 * Take what a sample found into ks (or mark it closed), and re-match its
 * policy if the policies changed since. Returns false when the socket was
 * busy and keeps its last state.
 */
static bool ktlso_sock_apply(struct ktlso_net *kn, struct ktlso_sock *ks,
			     struct ktlso_sample *smp)
{
	lockdep_assert_held(&kn->lock);

	switch (smp->result) {
	case KTLSO_SAMPLE_BUSY:
		kn->stats.busy_reads++;
		break;
	case KTLSO_SAMPLE_DEAD:
		ks->closed = true;
		break;
	case KTLSO_SAMPLE_READ:
		if (smp->tls_kept)
			ktlso_keep_tls(&smp->st, &ks->st);
		/* bound or connected since: match the policies again */
		if (memcmp(&smp->st.local, &ks->st.local, sizeof(ks->st.local)))
			ks->policy_gen = kn->policy_gen - 1;
		ks->st = smp->st;
		break;
	}

	if (ks->policy_gen != kn->policy_gen) {
		ktlso_policy_guard(kn, &ks->st.local, &ks->policy_rec_limit,
				   &ks->warn_pct);
		ks->policy_gen = kn->policy_gen;
	}
	return smp->result != KTLSO_SAMPLE_BUSY;
}

/*
 * Refresh ks->st from the socket, or mark it closed, without sleeping.
 * Returns false when a process owned the socket: ks keeps its last state.
 */
bool ktlso_sock_read(struct ktlso_net *kn, struct ktlso_sock *ks)
{
	struct ktlso_sample smp = { .result = KTLSO_SAMPLE_DEAD };

	lockdep_assert_held(&kn->lock);

	if (!ks->closed)
		ktlso_sock_sample(ks->sk, &smp);
	return ktlso_sock_apply(kn, ks, &smp);
}

static bool ktlso_sock_in_ktls(const struct ktlso_sock *ks)
{
	return ks->st.tx_conf != KTLSO_CONF_NONE ||
	       ks->st.rx_conf != KTLSO_CONF_NONE;
}

/* kTLS's version and cipher win over what the server reported. */
u16 ktlso_sock_version(const struct ktlso_sock *ks)
{
	return ktlso_sock_in_ktls(ks) ? ks->st.version : ks->version;
}

u16 ktlso_sock_cipher(const struct ktlso_sock *ks)
{
	return ktlso_sock_in_ktls(ks) ? ks->st.cipher : ks->cipher;
}

/* The key-usage limit in records: the policy's, else the cipher's own. */
u64 ktlso_sock_rec_limit(const struct ktlso_sock *ks)
{
	if (ks->policy_rec_limit)
		return ks->policy_rec_limit;

	switch (ktlso_sock_cipher(ks)) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
		return KTLSO_REC_LIMIT_AES_GCM;
	case TLS_CIPHER_AES_CCM_128:
		return KTLSO_REC_LIMIT_AES_CCM;
	}
	return KTLSO_REC_LIMIT_NONE;
}

unsigned int ktlso_sock_ktls_dirs(const struct ktlso_sock *ks)
{
	return (ks->st.tx_conf != KTLSO_CONF_NONE) +
	       (ks->st.rx_conf != KTLSO_CONF_NONE);
}

struct ktlso_sock *ktlso_sock_find(struct ktlso_net *kn, u64 id)
{
	lockdep_assert_held(&kn->lock);
	return xa_load(&kn->socks, id);
}

static void ktlso_sock_free(struct ktlso_sock *ks)
{
	sock_put(ks->sk);
	put_pid(ks->pid);
	kfree(ks->fallback);
	kfree(ks);
}

static struct ktlso_sock *ktlso_sock_new(struct ktlso_net *kn,
					 struct sock *sk, u64 id)
{
	struct ktlso_sock *ks;
	int err;

	err = -ENOSPC;
	if (kn->nr_socks >= KTLSO_MAX_SOCKS)
		goto out;

	err = -ENOMEM;
	ks = kzalloc(sizeof(*ks), GFP_KERNEL_ACCOUNT);
	if (!ks)
		goto out;

	ks->id = id;
	ks->sk = sk;
	/* so that the first read matches the policies */
	ks->policy_gen = kn->policy_gen - 1;
	ks->registered_ns = ktime_get_boottime_ns();
	err = xa_insert(&kn->socks, id, ks, GFP_KERNEL_ACCOUNT);
	if (err)
		goto out_free;

	sock_hold(sk);
	ks->pid = get_pid(task_tgid(current));
	kn->nr_socks++;
	return ks;

out_free:
	kfree(ks);
out:
	return ERR_PTR(err);
}

int ktlso_sock_register(struct ktlso_net *kn, struct sock *sk,
			const struct ktlso_sock_params *params)
{
	struct ktlso_sample smp = {};
	unsigned int old_dirs = 0;
	char *fallback = NULL;
	struct ktlso_sock *ks;
	bool fell_back;
	u64 id;

	if (params->fallback) {
		fallback = kstrdup(params->fallback, GFP_KERNEL_ACCOUNT);
		if (!fallback)
			return -ENOMEM;
	}

	/*
	 * The caller's own socket, read before kn->lock is taken: if one of
	 * the caller's threads keeps its lock, only the caller waits. The
	 * read must not miss a direction just moved into kTLS.
	 */
	lock_sock(sk);
	ktlso_sample_locked(sk, &smp);
	release_sock(sk);

	id = ktlso_sock_cookie(sk);
	mutex_lock(&kn->lock);
	ks = ktlso_sock_find(kn, id);
	if (ks) {
		old_dirs = ktlso_sock_ktls_dirs(ks);
	} else {
		ks = ktlso_sock_new(kn, sk, id);
		if (IS_ERR(ks)) {
			mutex_unlock(&kn->lock);
			kfree(fallback);
			return PTR_ERR(ks);
		}
		kn->stats.registered++;
	}

	ks->version = params->version;
	ks->cipher = params->cipher;
	ks->key_gen = params->key_gen;
	kfree(ks->fallback);
	ks->fallback = fallback;
	ktlso_sock_apply(kn, ks, &smp);
	/* a direction with a new key: the guard warns again for it */
	ktlso_guard_rearm(ks);

	/* either answer to a SOCK_OFFLOAD request ends it */
	fell_back = ks->offload_pending && ks->fallback;
	/*
	 * The scan may have seen the new directions before this update came: an answer to
	 * a SOCK_OFFLOAD request is announced all the same.
	 */
	if (ktlso_sock_ktls_dirs(ks) > old_dirs ||
	    (ks->offload_pending && !ks->fallback && ktlso_sock_ktls_dirs(ks))) {
		kn->stats.offloaded++;
		ks->offload_pending = false;
		ktlso_genl_notify_sock(kn, KTLSO_CMD_EV_OFFLOADED, ks, NULL, -1);
	}
	if (fell_back) {
		ks->offload_pending = false;
		ktlso_genl_notify_sock(kn, KTLSO_CMD_EV_FALLBACK, ks, NULL, -1);
	}

	ktlso_guard_kick(kn);
	mutex_unlock(&kn->lock);
	return 0;
}

/* Forget ks; the last read state goes out in KTLSO_CMD_EV_CLOSED. */
void ktlso_sock_unregister(struct ktlso_net *kn, struct ktlso_sock *ks,
			   const char *reason)
{
	lockdep_assert_held(&kn->lock);

	xa_erase(&kn->socks, ks->id);
	kn->nr_socks--;
	ktlso_genl_notify_sock(kn, KTLSO_CMD_EV_CLOSED, ks, reason, -1);
	ktlso_sock_free(ks);
}

int ktlso_sock_offload(struct ktlso_net *kn, u64 id)
{
	struct ktlso_sock *ks;
	int err;

	mutex_lock(&kn->lock);
	err = -ENOENT;
	ks = ktlso_sock_find(kn, id);
	if (!ks)
		goto out;

	ktlso_sock_read(kn, ks);
	err = -EALREADY;
	if (ktlso_sock_ktls_dirs(ks) == 2)
		goto out;

	ks->offload_pending = true;
	kn->stats.offload_requests++;
	ktlso_genl_notify_id(kn, KTLSO_CMD_EV_OFFLOAD_REQUEST, id);
	err = 0;
out:
	mutex_unlock(&kn->lock);
	return err;
}

/* Module unload or namespace exit: drop the references, nothing else. */
void ktlso_sock_release_all(struct ktlso_net *kn)
{
	struct ktlso_sock *ks;
	unsigned long id;

	mutex_lock(&kn->lock);
	xa_for_each(&kn->socks, id, ks) {
		xa_erase(&kn->socks, id);
		ktlso_sock_free(ks);
	}
	kn->nr_socks = 0;
	mutex_unlock(&kn->lock);
}
