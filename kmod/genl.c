// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "ktlso". The contract, every command and
 * attribute, is documented in include/uapi/linux/ktlso.h.
 */

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/ktlso.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/pid_namespace.h>
#include <linux/tls.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include <ktlso_attrs.h>

#include "genl.h"
#include "netns.h"
#include "policy.h"
#include "sock.h"

static_assert(sizeof(KTLSO_MODULE_VERSION) <= KTLSO_VERSION_STRING_MAX);

static struct genl_family ktlso_genl_family;

enum ktlso_genl_mcgrp {
	KTLSO_GENL_MCGRP_EVENTS,
	KTLSO_GENL_MCGRP_DAEMON,
};

/* The policy keeps exactly the two sockaddr types, of their exact size. */
static int ktlso_validate_sockaddr(const struct nlattr *attr,
				   struct netlink_ext_ack *extack)
{
	const struct sockaddr *sa = nla_data(attr);
	int len = nla_len(attr);

	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
		return 0;
	if (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)
		return 0;

	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "not a sockaddr_in or sockaddr_in6 of its exact size");
	return -EINVAL;
}

/* The limit column of the attribute table (include/ktlso_attrs.h). */
static const u32 ktlso_attr_limit[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(name, kind, limit, ...)				\
	[KTLSO_A_##name] = limit,
#include <ktlso_attrs.h>
};

/*
 * NUL-terminated strings of at most their limit with the NUL. Not
 * NLA_NUL_STRING: its length check fails with -ERANGE, and the contract
 * promises -EINVAL for every attribute of the wrong size.
 */
static int ktlso_validate_string(const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	const char *str = nla_data(attr);
	int len = nla_len(attr);

	if (len >= 1 && (u32)len <= ktlso_attr_limit[nla_type(attr)] &&
	    !str[len - 1])
		return 0;

	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "not a NUL-terminated string of the allowed size");
	return -EINVAL;
}

/*
 * The policy of each kind of the attribute table. No maximum length for
 * sockaddrs and strings: it would fail with -ERANGE. The ranges of
 * KTLSO_A_POLICY_MODE and _WARN_PCT are checked in code: the contract says
 * -EINVAL, and NLA_POLICY_RANGE() would fail with -ERANGE.
 */
#define KTLSO_NLA_U8(limit)		{ .type = NLA_U8 }
#define KTLSO_NLA_U16(limit)		{ .type = NLA_U16 }
#define KTLSO_NLA_U32(limit)		{ .type = NLA_U32 }
#define KTLSO_NLA_S32(limit)		{ .type = NLA_S32 }
#define KTLSO_NLA_U64(limit)		{ .type = NLA_U64 }
#define KTLSO_NLA_MASK32(limit)		NLA_POLICY_MASK(NLA_U32, limit)
#define KTLSO_NLA_SOCKADDR(limit)					\
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, ktlso_validate_sockaddr)
#define KTLSO_NLA_STRING(limit)						\
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, ktlso_validate_string)

/*
 * One row of the attribute table in the policy of command cmd: the kind's
 * policy if cmd takes the attribute, else a rejection that names both.
 * Attributes only the module sends are rejected in every request, as is
 * KTLSO_A_PAD.
 */
#define KTLSO_NLA_TAKES_1(cmd, name, kind, limit)			\
	[KTLSO_A_##name] = KTLSO_NLA_##kind(limit),
#define KTLSO_NLA_TAKES_0(cmd, name, kind, limit)			\
	[KTLSO_A_##name] = {						\
		.type = NLA_REJECT,					\
		.reject_message = KTLSO_REJECT_MSG(cmd, name),		\
	},
#define __KTLSO_NLA(takes, ...)		KTLSO_NLA_TAKES_##takes(__VA_ARGS__)
#define _KTLSO_NLA(takes, ...)		__KTLSO_NLA(takes, __VA_ARGS__)
#define KTLSO_NLA(cmd, name, kind, limit, ...)				\
	_KTLSO_NLA(KTLSO_TAKES_##cmd(__VA_ARGS__), cmd, name, kind, limit)

static const struct nla_policy ktlso_get_version_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(GET_VERSION, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_sock_register_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(SOCK_REGISTER, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_sock_unregister_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(SOCK_UNREGISTER, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_sock_get_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(SOCK_GET, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_sock_offload_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(SOCK_OFFLOAD, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_policy_add_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(POLICY_ADD, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_policy_del_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(POLICY_DEL, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_policy_get_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(POLICY_GET, __VA_ARGS__)
#include <ktlso_attrs.h>
};

static const struct nla_policy ktlso_stats_policy[KTLSO_A_MAX + 1] = {
#define KTLSO_ATTR(...)	KTLSO_NLA(STATS, __VA_ARGS__)
#include <ktlso_attrs.h>
};

/* Whose view a message about a socket is written for. */
struct ktlso_reader {
	struct user_namespace *user_ns;
	struct pid_namespace *pid_ns;
};

/*
 * A request is answered in the view of the netlink socket's opener (user
 * namespace, as sock_diag does) and of the caller's pid namespace. Events
 * have no single reader: uids are those of the namespace's owning user
 * namespace, and the pid is the one the registering process has in its own
 * pid namespace.
 */
static void ktlso_reader_of_request(const struct sk_buff *skb,
				    struct ktlso_reader *rd)
{
	rd->user_ns = sk_user_ns(NETLINK_CB(skb).sk);
	rd->pid_ns = task_active_pid_ns(current);
}

/*
 * Who is an admin of the module: CAP_NET_ADMIN in the initial user namespace
 * (a user namespace of one's own gives no power over the module), or with
 * userns_admin=1 in the user namespace owning the network namespace. As
 * netlink_ns_capable() does, both the credentials the netlink socket was
 * opened with (f_cred) and the caller's must have it: a netlink socket that
 * root opened and handed to an unprivileged process, or the other way round,
 * may do no more than both of them.
 */
static bool userns_admin;
module_param(userns_admin, bool, 0644);
MODULE_PARM_DESC(userns_admin,
		 "Also accept CAP_NET_ADMIN in the user namespace owning a network namespace for changes there, not only in the initial one (default off)");

static struct user_namespace *ktlso_admin_ns(const struct ktlso_net *kn)
{
	return READ_ONCE(userns_admin) ? kn->net->user_ns : &init_user_ns;
}

/*
 * audit: false where the capability only widens what a request sees (its
 * own sockets or all of them), so that every unprivileged dump does not
 * leave an audited denial behind; true where it decides whether the request
 * is allowed at all.
 */
static bool ktlso_admin(const struct sk_buff *skb, const struct ktlso_net *kn,
			bool audit)
{
	const struct socket *sock = NETLINK_CB(skb).sk->sk_socket;
	struct user_namespace *ns = ktlso_admin_ns(kn);

	if (audit ? !ns_capable(ns, CAP_NET_ADMIN) :
		    !ns_capable_noaudit(ns, CAP_NET_ADMIN))
		return false;
	return sock && sock->file &&
	       file_ns_capable(sock->file, ns, CAP_NET_ADMIN);
}

/* -EPERM, with a message saying what is missing, unless the caller is admin. */
/* Why an admin command was refused, for the requester's extended ACK. */
static int ktlso_deny(const struct ktlso_net *kn, struct netlink_ext_ack *extack)
{
	if (ktlso_admin_ns(kn) == &init_user_ns)
		NL_SET_ERR_MSG(extack,
			       "needs CAP_NET_ADMIN in the initial user namespace (module parameter userns_admin=1 also accepts the network namespace's owner)");
	else
		NL_SET_ERR_MSG(extack,
			       "needs CAP_NET_ADMIN in the user namespace owning the network namespace");
	return -EPERM;
}

static int ktlso_need_admin(const struct sk_buff *skb,
			    const struct ktlso_net *kn,
			    struct netlink_ext_ack *extack)
{
	if (ktlso_admin(skb, kn, true))
		return 0;
	return ktlso_deny(kn, extack);
}

/*
 * Who sees a socket: an admin, or its owner, as the fsuid of both the
 * netlink socket's opener and the caller. The owner is known from
 * registration on (sk_uid does not change).
 */
static bool ktlso_may_see(const struct sk_buff *skb, bool admin,
			  const struct ktlso_sock *ks)
{
	const struct socket *sock = NETLINK_CB(skb).sk->sk_socket;
	kuid_t owner = ks->st.uid;

	if (admin)
		return true;
	return sock && sock->file &&
	       uid_eq(owner, sock->file->f_cred->fsuid) &&
	       uid_eq(owner, current_fsuid());
}

static size_t ktlso_sock_msg_size(void)
{
	return nla_total_size_64bit(sizeof(u64)) * 7 +	/* id, seqs, bytes... */
	       nla_total_size(sizeof(struct sockaddr_in6)) * 2 +
	       nla_total_size(sizeof(u32)) * 3 +	/* uid, pid, key_gen */
	       nla_total_size(sizeof(u16)) * 2 +	/* version, cipher */
	       nla_total_size(sizeof(u8)) * 3 +		/* confs, key dir */
	       nla_total_size(KTLSO_REASON_MAX) * 2;	/* fallback, reason */
}

static int ktlso_put_sockaddr(struct sk_buff *msg, int attrtype,
			      const union ktlso_sockaddr *addr)
{
	int len = ktlso_sockaddr_len(addr);

	return len ? nla_put(msg, attrtype, len, addr) : 0;
}

/* dir: an enum ktlso_dir for KTLSO_A_KEY_DIR, or -1 */
static int ktlso_put_sock(struct sk_buff *msg, const struct ktlso_sock *ks,
			  const struct ktlso_reader *rd, const char *reason,
			  int dir)
{
	const struct ktlso_sock_state *st = &ks->st;
	u64 age_ms = div_u64(ktime_get_boottime_ns() - ks->registered_ns,
			     NSEC_PER_MSEC);

	if (nla_put_u64_64bit(msg, KTLSO_A_SOCK_ID, ks->id, KTLSO_A_PAD) ||
	    ktlso_put_sockaddr(msg, KTLSO_A_SOCK_LOCAL, &st->local) ||
	    ktlso_put_sockaddr(msg, KTLSO_A_SOCK_PEER, &st->peer) ||
	    nla_put_u32(msg, KTLSO_A_SOCK_UID,
			from_kuid_munged(rd->user_ns, st->uid)) ||
	    nla_put_u32(msg, KTLSO_A_SOCK_PID, pid_nr_ns(ks->pid, rd->pid_ns)) ||
	    nla_put_u16(msg, KTLSO_A_SOCK_VERSION, ktlso_sock_version(ks)) ||
	    nla_put_u16(msg, KTLSO_A_SOCK_CIPHER, ktlso_sock_cipher(ks)) ||
	    nla_put_u8(msg, KTLSO_A_SOCK_TX_CONF, st->tx_conf) ||
	    nla_put_u8(msg, KTLSO_A_SOCK_RX_CONF, st->rx_conf) ||
	    (st->seq_valid & BIT(KTLSO_DIR_TX) &&
	     nla_put_u64_64bit(msg, KTLSO_A_SOCK_TX_SEQ, st->tx_seq,
			       KTLSO_A_PAD)) ||
	    (st->seq_valid & BIT(KTLSO_DIR_RX) &&
	     nla_put_u64_64bit(msg, KTLSO_A_SOCK_RX_SEQ, st->rx_seq,
			       KTLSO_A_PAD)) ||
	    nla_put_u32(msg, KTLSO_A_SOCK_KEY_GEN, ks->key_gen) ||
	    nla_put_u64_64bit(msg, KTLSO_A_SOCK_BYTES_SENT, st->bytes_sent,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_SOCK_BYTES_RECEIVED,
			      st->bytes_received, KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_SOCK_REC_LIMIT,
			      ktlso_sock_rec_limit(ks), KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_SOCK_AGE_MS, age_ms, KTLSO_A_PAD) ||
	    (ks->fallback &&
	     nla_put_string(msg, KTLSO_A_SOCK_FALLBACK, ks->fallback)) ||
	    (reason && nla_put_string(msg, KTLSO_A_SOCK_CLOSE_REASON, reason)) ||
	    (dir >= 0 && nla_put_u8(msg, KTLSO_A_KEY_DIR, dir)))
		return -EMSGSIZE;
	return 0;
}

static size_t ktlso_policy_msg_size(void)
{
	return nla_total_size(sizeof(struct sockaddr_in6)) +
	       nla_total_size(sizeof(u8)) * 2 +		/* mode, warn_pct */
	       nla_total_size(sizeof(u32)) +		/* ciphers */
	       nla_total_size_64bit(sizeof(u64));	/* rec_limit */
}

static int ktlso_put_policy(struct sk_buff *msg, const struct ktlso_policy *pol)
{
	if (ktlso_put_sockaddr(msg, KTLSO_A_POLICY_ADDR, &pol->addr) ||
	    nla_put_u8(msg, KTLSO_A_POLICY_MODE, pol->mode) ||
	    nla_put_u32(msg, KTLSO_A_POLICY_CIPHERS, pol->ciphers) ||
	    nla_put_u64_64bit(msg, KTLSO_A_POLICY_REC_LIMIT, pol->rec_limit,
			      KTLSO_A_PAD) ||
	    nla_put_u8(msg, KTLSO_A_POLICY_WARN_PCT, pol->warn_pct))
		return -EMSGSIZE;
	return 0;
}

/* ---------------------------------------------------------------- events */

/* What a server must act on goes to the "daemon" group as well. */
static bool ktlso_event_for_daemon(u8 cmd)
{
	return cmd == KTLSO_CMD_EV_KEY_LIMIT ||
	       cmd == KTLSO_CMD_EV_OFFLOAD_REQUEST ||
	       cmd == KTLSO_CMD_EV_POLICY_ADD ||
	       cmd == KTLSO_CMD_EV_POLICY_DEL;
}

/*
 * An event's message, or ERR_PTR(-ESRCH) when nobody listens (the work is
 * saved), or ERR_PTR(-ENOMEM): then the event is lost unless the caller
 * sends it again.
 */
static struct sk_buff *ktlso_event_new(struct ktlso_net *kn, size_t size,
				       u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&ktlso_genl_family, kn->net,
				KTLSO_GENL_MCGRP_EVENTS) &&
	    !(ktlso_event_for_daemon(cmd) &&
	      genl_has_listeners(&ktlso_genl_family, kn->net,
				 KTLSO_GENL_MCGRP_DAEMON)))
		return ERR_PTR(-ESRCH);

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);

	*hdr = genlmsg_put(msg, 0, 0, &ktlso_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	return msg;
}

/*
 * Returns what the daemon group's delivery returned (0: every listener got
 * it), or for other events the events group's. A caller that must not lose
 * an event (the key-usage guard) sends it again when this is not 0.
 */
static int ktlso_event_send(struct ktlso_net *kn, u8 cmd, struct sk_buff *msg,
			    void *hdr, int err)
{
	struct sk_buff *copy;

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	if (ktlso_event_for_daemon(cmd)) {
		copy = skb_clone(msg, GFP_KERNEL);
		if (copy)
			genlmsg_multicast_netns(&ktlso_genl_family, kn->net,
						copy, 0,
						KTLSO_GENL_MCGRP_EVENTS,
						GFP_KERNEL);
		return genlmsg_multicast_netns(&ktlso_genl_family, kn->net,
					       msg, 0, KTLSO_GENL_MCGRP_DAEMON,
					       GFP_KERNEL);
	}
	return genlmsg_multicast_netns(&ktlso_genl_family, kn->net, msg, 0,
				       KTLSO_GENL_MCGRP_EVENTS, GFP_KERNEL);
}

int ktlso_genl_notify_sock(struct ktlso_net *kn, u8 cmd,
			   const struct ktlso_sock *ks, const char *reason,
			   int dir)
{
	struct ktlso_reader rd = {
		.user_ns	= kn->net->user_ns,
		.pid_ns		= ns_of_pid(ks->pid),
	};
	struct sk_buff *msg;
	void *hdr;

	msg = ktlso_event_new(kn, ktlso_sock_msg_size(), cmd, &hdr);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return ktlso_event_send(kn, cmd, msg, hdr,
				ktlso_put_sock(msg, ks, &rd, reason, dir));
}

void ktlso_genl_notify_id(struct ktlso_net *kn, u8 cmd, u64 id)
{
	struct sk_buff *msg;
	void *hdr;

	msg = ktlso_event_new(kn, nla_total_size_64bit(sizeof(u64)), cmd,
			      &hdr);
	if (!IS_ERR(msg))
		ktlso_event_send(kn, cmd, msg, hdr,
				 nla_put_u64_64bit(msg, KTLSO_A_SOCK_ID, id,
						   KTLSO_A_PAD));
}

void ktlso_genl_notify_policy(struct ktlso_net *kn, u8 cmd,
			      const struct ktlso_policy *pol)
{
	struct sk_buff *msg;
	void *hdr;

	msg = ktlso_event_new(kn, ktlso_policy_msg_size(), cmd, &hdr);
	if (!IS_ERR(msg))
		ktlso_event_send(kn, cmd, msg, hdr,
				 ktlso_put_policy(msg, pol));
}

/* ---------------------------------------------------------------- commands */

static struct ktlso_net *ktlso_info_net(struct genl_info *info)
{
	return ktlso_net(genl_info_net(info));
}

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

static bool ktlso_is_tcp(const struct sock *sk)
{
	return sk && sk->sk_type == SOCK_STREAM &&
	       sk->sk_protocol == IPPROTO_TCP &&
	       (sk->sk_family == AF_INET || sk->sk_family == AF_INET6);
}

/*
 * The descriptor is looked up in the caller's file table: a genl doit runs
 * in the context of the process that sent the request.
 */
static int ktlso_genl_sock_register(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct ktlso_sock_params params = {};
	struct nlattr **attrs = info->attrs;
	struct net *net = genl_info_net(info);
	struct socket *sock;
	int err;

	err = ktlso_need_admin(skb, ktlso_net(net), info->extack);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KTLSO_A_SOCK_FD))
		return -EINVAL;

	sock = sockfd_lookup(nla_get_s32(attrs[KTLSO_A_SOCK_FD]), &err);
	if (!sock)
		return err;

	err = -EPROTONOSUPPORT;
	if (!ktlso_is_tcp(sock->sk)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KTLSO_A_SOCK_FD],
				    "not a TCP socket");
		goto out_put;
	}

	err = -EXDEV;
	if (!net_eq(sock_net(sock->sk), net)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KTLSO_A_SOCK_FD],
				    "the socket is in another network namespace");
		goto out_put;
	}

	if (attrs[KTLSO_A_SOCK_VERSION])
		params.version = nla_get_u16(attrs[KTLSO_A_SOCK_VERSION]);
	if (attrs[KTLSO_A_SOCK_CIPHER])
		params.cipher = nla_get_u16(attrs[KTLSO_A_SOCK_CIPHER]);
	if (attrs[KTLSO_A_SOCK_KEY_GEN])
		params.key_gen = nla_get_u32(attrs[KTLSO_A_SOCK_KEY_GEN]);
	if (attrs[KTLSO_A_SOCK_FALLBACK])
		params.fallback = nla_data(attrs[KTLSO_A_SOCK_FALLBACK]);
	err = ktlso_sock_register(ktlso_net(net), sock->sk, &params);
out_put:
	sockfd_put(sock);
	return err;
}

/* The socket named by KTLSO_A_SOCK_ID, else by KTLSO_A_SOCK_FD. */
static int ktlso_genl_sock_id(struct genl_info *info, u64 *id)
{
	struct socket *sock;
	int err;

	if (info->attrs[KTLSO_A_SOCK_ID]) {
		*id = nla_get_u64(info->attrs[KTLSO_A_SOCK_ID]);
		return 0;
	}
	if (!info->attrs[KTLSO_A_SOCK_FD]) {
		NL_SET_ERR_MSG(info->extack,
			       "KTLSO_A_SOCK_ID or KTLSO_A_SOCK_FD is required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, KTLSO_A_SOCK_ID);
		return -EINVAL;
	}

	sock = sockfd_lookup(nla_get_s32(info->attrs[KTLSO_A_SOCK_FD]), &err);
	if (!sock)
		return err;
	/* a socket that was never registered gets a cookie: harmless */
	*id = ktlso_sock_cookie(sock->sk);
	sockfd_put(sock);
	return 0;
}

static int ktlso_genl_sock_unregister(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct nlattr *reason_attr = info->attrs[KTLSO_A_SOCK_CLOSE_REASON];
	const char *reason = reason_attr ? nla_data(reason_attr) :
					   "unregistered";
	struct ktlso_net *kn = ktlso_info_net(info);
	struct ktlso_sock *ks;
	u64 id;
	int err;

	err = ktlso_need_admin(skb, kn, info->extack);
	if (err)
		return err;
	err = ktlso_genl_sock_id(info, &id);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	err = -ENOENT;
	ks = ktlso_sock_find(kn, id);
	if (!ks)
		goto out_unlock;

	/* the final counters */
	ktlso_sock_read(kn, ks);
	kn->stats.unregistered++;
	ktlso_sock_unregister(kn, ks, reason);
	err = 0;
out_unlock:
	mutex_unlock(&kn->lock);
	return err;
}

static int ktlso_genl_sock_get(struct sk_buff *skb, struct genl_info *info)
{
	struct ktlso_net *kn = ktlso_info_net(info);
	struct ktlso_reader rd;
	struct ktlso_sock *ks;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KTLSO_A_SOCK_ID))
		return -EINVAL;

	ktlso_reader_of_request(skb, &rd);
	msg = genlmsg_new(ktlso_sock_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	err = -ENOENT;
	ks = ktlso_sock_find(kn, nla_get_u64(info->attrs[KTLSO_A_SOCK_ID]));
	/* a socket the caller may not see is not there */
	if (!ks || !ktlso_may_see(skb, ktlso_admin(skb, kn, false), ks))
		goto out_unlock;

	ktlso_sock_read(kn, ks);

	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ktlso_genl_family, 0,
				KTLSO_CMD_SOCK_GET);
	if (!hdr)
		goto out_unlock;

	err = ktlso_put_sock(msg, ks, &rd, NULL, -1);
	if (err)
		goto out_unlock;

	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&kn->lock);
	nlmsg_free(msg);
	return err;
}

/*
 * cb->args[0]: the cookie to resume at; cb->args[1]: set when done;
 * cb->args[2]: whether the requester sees every socket, asked once.
 * However many sockets the walk passes over (an unprivileged caller's own
 * may be few of a million), kn->lock is let go every KTLSO_DUMP_BATCH of
 * them, and a killed requester stops it.
 */
#define KTLSO_DUMP_BATCH	256

static int ktlso_genl_sock_dump_start(struct netlink_callback *cb)
{
	cb->args[2] = ktlso_admin(cb->skb, ktlso_net(sock_net(cb->skb->sk)),
				  false);
	return 0;
}

static int ktlso_genl_sock_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktlso_net *kn = ktlso_net(sock_net(skb->sk));
	bool admin = cb->args[2];
	struct ktlso_reader rd;
	struct ktlso_sock *ks;
	unsigned int n = 0;
	unsigned long id;
	void *hdr;

	if (cb->args[1])
		return 0;

	ktlso_reader_of_request(cb->skb, &rd);
	mutex_lock(&kn->lock);
	xa_for_each_start(&kn->socks, id, ks, cb->args[0]) {
		/* the walk goes on from id; ks is not used past the unlock */
		if (++n % KTLSO_DUMP_BATCH == 0) {
			mutex_unlock(&kn->lock);
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			mutex_lock(&kn->lock);
			ks = xa_load(&kn->socks, id);
			if (!ks)
				continue;
		}
		if (!ktlso_may_see(cb->skb, admin, ks))
			continue;
		ktlso_sock_read(kn, ks);

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktlso_genl_family,
				  NLM_F_MULTI, KTLSO_CMD_SOCK_GET);
		if (!hdr)
			goto out_full;
		if (ktlso_put_sock(skb, ks, &rd, NULL, -1)) {
			genlmsg_cancel(skb, hdr);
			goto out_full;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[1] = 1;
	goto out_unlock;

out_full:
	cb->args[0] = id;
out_unlock:
	mutex_unlock(&kn->lock);
	return skb->len;
}

static int ktlso_genl_sock_offload(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	err = ktlso_need_admin(skb, ktlso_info_net(info), info->extack);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KTLSO_A_SOCK_ID))
		return -EINVAL;

	return ktlso_sock_offload(ktlso_info_net(info),
				  nla_get_u64(info->attrs[KTLSO_A_SOCK_ID]));
}

static int ktlso_genl_policy_addr(struct genl_info *info,
				  union ktlso_sockaddr *addr)
{
	if (GENL_REQ_ATTR_CHECK(info, KTLSO_A_POLICY_ADDR))
		return -EINVAL;

	/* the policy checked the family and the exact length */
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, info->attrs[KTLSO_A_POLICY_ADDR], sizeof(*addr));
	if (addr->sa.sa_family == AF_INET)
		memset(addr->sin.sin_zero, 0, sizeof(addr->sin.sin_zero));
	return 0;
}

static int ktlso_genl_policy_add(struct sk_buff *skb, struct genl_info *info)
{
	struct ktlso_policy tmpl = { .warn_pct = KTLSO_WARN_PCT_DEFAULT };
	struct nlattr **attrs = info->attrs;
	int err;

	err = ktlso_need_admin(skb, ktlso_info_net(info), info->extack);
	if (err)
		return err;
	err = ktlso_genl_policy_addr(info, &tmpl.addr);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KTLSO_A_POLICY_MODE))
		return -EINVAL;

	tmpl.mode = nla_get_u8(attrs[KTLSO_A_POLICY_MODE]);
	if (tmpl.mode >= __KTLSO_MODE_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KTLSO_A_POLICY_MODE],
				    "unknown mode");
		return -EINVAL;
	}
	if (attrs[KTLSO_A_POLICY_WARN_PCT]) {
		tmpl.warn_pct = nla_get_u8(attrs[KTLSO_A_POLICY_WARN_PCT]);
		if (tmpl.warn_pct < 1 || tmpl.warn_pct > 100) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[KTLSO_A_POLICY_WARN_PCT],
					    "warn_pct is a percentage, 1..100");
			return -EINVAL;
		}
	}
	if (attrs[KTLSO_A_POLICY_CIPHERS])
		tmpl.ciphers = nla_get_u32(attrs[KTLSO_A_POLICY_CIPHERS]);
	if (attrs[KTLSO_A_POLICY_REC_LIMIT])
		tmpl.rec_limit = nla_get_u64(attrs[KTLSO_A_POLICY_REC_LIMIT]);
	return ktlso_policy_add(ktlso_info_net(info), &tmpl);
}

static int ktlso_genl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	union ktlso_sockaddr addr;
	int err;

	err = ktlso_need_admin(skb, ktlso_info_net(info), info->extack);
	if (err)
		return err;
	err = ktlso_genl_policy_addr(info, &addr);
	if (err)
		return err;
	return ktlso_policy_del(ktlso_info_net(info), &addr);
}

static int ktlso_genl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct ktlso_net *kn = ktlso_info_net(info);
	struct ktlso_policy *pol;
	union ktlso_sockaddr addr;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = ktlso_need_admin(skb, kn, info->extack);
	if (err)
		return err;
	err = ktlso_genl_policy_addr(info, &addr);
	if (err)
		return err;

	msg = genlmsg_new(ktlso_policy_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&kn->lock);
	err = -ENOENT;
	pol = ktlso_policy_find(kn, &addr);
	if (!pol)
		goto out_unlock;

	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ktlso_genl_family, 0,
				KTLSO_CMD_POLICY_GET);
	if (!hdr || ktlso_put_policy(msg, pol))
		goto out_unlock;

	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&kn->lock);
	nlmsg_free(msg);
	return err;
}

/*
 * Whether the requester is an admin (policies name every listener), decided
 * here, in the requester's own sendmsg(): a dump's parts may run in whichever
 * task reads the socket next. cb->args[1]: 1 an admin, 2 not.
 */
static int ktlso_genl_policy_dump_start(struct netlink_callback *cb)
{
	cb->args[1] = ktlso_admin(cb->skb, ktlso_net(sock_net(cb->skb->sk)),
				  true) ? 1 : 2;
	return 0;
}

/*
 * cb->args[0]: how many policies were sent. A refusal is returned by the
 * first part, not by .start: on 6.1 the extended ACK of .start does not reach
 * the requester, a dump's first part's does. A change between two parts of
 * the dump sets NLM_F_DUMP_INTR, through cb->seq.
 */
static int ktlso_genl_policy_dump(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct ktlso_net *kn = ktlso_net(sock_net(skb->sk));
	struct ktlso_policy *pol;
	long idx = 0;
	void *hdr;

	if (cb->args[1] != 1)
		return ktlso_deny(kn, cb->extack);

	mutex_lock(&kn->lock);
	cb->seq = kn->policy_gen + 1;
	list_for_each_entry(pol, &kn->policies, node) {
		if (idx++ < cb->args[0])
			continue;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ktlso_genl_family,
				  NLM_F_MULTI, KTLSO_CMD_POLICY_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (ktlso_put_policy(skb, pol)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	mutex_unlock(&kn->lock);
	return skb->len;
}

static int ktlso_genl_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct ktlso_net *kn = ktlso_info_net(info);
	const struct ktlso_stats *s = &kn->stats;
	struct sk_buff *msg;
	void *hdr;
	int err;

	/* the counters describe every user's connections and listeners */
	err = ktlso_need_admin(skb, kn, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)) * 10, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ktlso_genl_family, 0,
				KTLSO_CMD_STATS);
	if (!hdr)
		goto out_free;

	mutex_lock(&kn->lock);
	if (nla_put_u64_64bit(msg, KTLSO_A_STATS_SOCKS, kn->nr_socks,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_REGISTERED, s->registered,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_UNREGISTERED, s->unregistered,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_REAPED, s->reaped,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_OFFLOADED, s->offloaded,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_OFFLOAD_REQUESTS,
			      s->offload_requests, KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_KEY_LIMIT_EVENTS,
			      s->key_limit_events, KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_POLICIES, kn->nr_policies,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_BUSY_READS, s->busy_reads,
			      KTLSO_A_PAD) ||
	    nla_put_u64_64bit(msg, KTLSO_A_STATS_KEY_LIMIT_RETRIES,
			      s->key_limit_retries, KTLSO_A_PAD)) {
		mutex_unlock(&kn->lock);
		goto out_free;
	}
	mutex_unlock(&kn->lock);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return err;
}

/*
 * Mutating commands, POLICY_GET and STATS are for admins (ktlso_admin()),
 * checked in the handlers rather than by GENL_ADMIN_PERM: userns_admin can
 * widen it, and the extended ACK says what is missing. GET_VERSION answers
 * anyone, SOCK_GET an unprivileged caller's own sockets.
 */
static const struct genl_ops ktlso_genl_ops[] = {
	{
		.cmd	= KTLSO_CMD_GET_VERSION,
		.doit	= ktlso_genl_get_version,
		.policy	= ktlso_get_version_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_SOCK_REGISTER,
		.doit	= ktlso_genl_sock_register,
		.policy	= ktlso_sock_register_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_SOCK_UNREGISTER,
		.doit	= ktlso_genl_sock_unregister,
		.policy	= ktlso_sock_unregister_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_SOCK_GET,
		.doit	= ktlso_genl_sock_get,
		.start	= ktlso_genl_sock_dump_start,
		.dumpit	= ktlso_genl_sock_dump,
		.policy	= ktlso_sock_get_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_SOCK_OFFLOAD,
		.doit	= ktlso_genl_sock_offload,
		.policy	= ktlso_sock_offload_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_POLICY_ADD,
		.doit	= ktlso_genl_policy_add,
		.policy	= ktlso_policy_add_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_POLICY_DEL,
		.doit	= ktlso_genl_policy_del,
		.policy	= ktlso_policy_del_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_POLICY_GET,
		.doit	= ktlso_genl_policy_get,
		.start	= ktlso_genl_policy_dump_start,
		.dumpit	= ktlso_genl_policy_dump,
		.policy	= ktlso_policy_get_policy,
		.maxattr = KTLSO_A_MAX,
	},
	{
		.cmd	= KTLSO_CMD_STATS,
		.doit	= ktlso_genl_stats,
		.policy	= ktlso_stats_policy,
		.maxattr = KTLSO_A_MAX,
	},
};

/*
 * Events name every socket: subscribing needs CAP_NET_ADMIN in the user
 * namespace owning the network namespace. genl_bind() enforces
 * GENL_MCAST_CAP_NET_ADMIN from Linux 6.7 on, and on the 6.1.y stable
 * kernels that have the backport (Debian's 6.1.0-56 does). Kernels without
 * it cannot restrict a group at all: refuse to build rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "this kernel lacks GENL_MCAST_CAP_NET_ADMIN (added in 6.7, in 6.1.y stable)"
#endif
static const struct genl_multicast_group ktlso_genl_mcgrps[] = {
	[KTLSO_GENL_MCGRP_EVENTS] = {
		.name	= KTLSO_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
	[KTLSO_GENL_MCGRP_DAEMON] = {
		.name	= KTLSO_MCGRP_DAEMON,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
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
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= ktlso_genl_ops,
	.n_ops		= ARRAY_SIZE(ktlso_genl_ops),
	.mcgrps		= ktlso_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ktlso_genl_mcgrps),
};

int __init ktlso_genl_init(void)
{
	return genl_register_family(&ktlso_genl_family);
}

void ktlso_genl_uninit(void)
{
	genl_unregister_family(&ktlso_genl_family);
}
