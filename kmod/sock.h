/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_SOCK_H
#define _KTLSO_SOCK_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct ktlso_net;
struct pid;
struct sock;

union ktlso_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* The length of a sockaddr of AF_INET or AF_INET6; 0 for anything else. */
static inline int ktlso_sockaddr_len(const union ktlso_sockaddr *addr)
{
	switch (addr->sa.sa_family) {
	case AF_INET:
		return sizeof(addr->sin);
	case AF_INET6:
		return sizeof(addr->sin6);
	}
	return 0;
}

/* What the module reads from a socket and its kTLS context. */
struct ktlso_sock_state {
	union ktlso_sockaddr local;
	union ktlso_sockaddr peer;
	kuid_t uid;
	u16 version;		/* kTLS's; 0 when kTLS carries no direction */
	u16 cipher;
	u8 tx_conf;		/* enum ktlso_conf */
	u8 rx_conf;
	u8 seq_valid;		/* BIT(enum ktlso_dir): tx_seq, rx_seq were read */
	u64 tx_seq;
	u64 rx_seq;
	u64 bytes_sent;
	u64 bytes_received;
};

/* A registered socket. Everything is under the namespace's kn->lock. */
struct ktlso_sock {
	struct sock *sk;	/* a reference is held */
	u64 id;			/* the socket cookie */
	struct pid *pid;	/* the thread group that registered it */
	u64 registered_ns;	/* boottime */
	u32 key_gen;		/* the server's view, from the last REGISTER */
	u16 version;
	u16 cipher;
	char *fallback;
	bool closed;		/* the process closed it: only reaping is left */
	bool offload_pending;	/* SOCK_OFFLOAD asked, no answer yet */
	u8 key_warned;		/* BIT(enum ktlso_dir): warned for its key */
	u64 warned_seq[2];	/* by enum ktlso_dir: the record number warned at */
	/* the policy's guard, as matched at policy_gen */
	unsigned int policy_gen;
	u64 policy_rec_limit;
	u8 warn_pct;
	struct ktlso_sock_state st;	/* last read */
};

struct ktlso_sock_params {
	u16 version;
	u16 cipher;
	u32 key_gen;
	const char *fallback;	/* or NULL */
};

u64 ktlso_sock_cookie(struct sock *sk);
bool ktlso_sock_read(struct ktlso_net *kn, struct ktlso_sock *ks);
u16 ktlso_sock_version(const struct ktlso_sock *ks);
u16 ktlso_sock_cipher(const struct ktlso_sock *ks);
u64 ktlso_sock_rec_limit(const struct ktlso_sock *ks);
unsigned int ktlso_sock_ktls_dirs(const struct ktlso_sock *ks);

struct ktlso_sock *ktlso_sock_find(struct ktlso_net *kn, u64 id);
int ktlso_sock_register(struct ktlso_net *kn, struct sock *sk,
			const struct ktlso_sock_params *params);
void ktlso_sock_unregister(struct ktlso_net *kn, struct ktlso_sock *ks,
			   const char *reason);
int ktlso_sock_offload(struct ktlso_net *kn, u64 id);
void ktlso_sock_release_all(struct ktlso_net *kn);

#endif /* _KTLSO_SOCK_H */
