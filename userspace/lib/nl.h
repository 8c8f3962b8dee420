/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small client of the ktlso generic netlink family, shared by the daemon
 * and the tools. Every function returns 0 or a negative errno and prints
 * nothing; callers print kso_nl_strerror(err).
 */
#ifndef KTLSO_NL_H
#define KTLSO_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/ktlso.h>

struct kso_nl;

/*
 * Opens a generic netlink socket and resolves the "ktlso" family. Returns
 * -ENOENT when the family is not registered, that is when the module is not
 * loaded.
 */
int kso_nl_open(struct kso_nl **out);
void kso_nl_close(struct kso_nl *nl);

/*
 * KTLSO_CMD_GET_VERSION: the module's version string into buf (a buffer of
 * KTLSO_VERSION_STRING_MAX bytes is always large enough; -ERANGE if buf is
 * too small) and the netlink protocol version it speaks into *proto.
 */
int kso_nl_get_version(struct kso_nl *nl, char *buf, size_t len,
		       uint32_t *proto);

/*
 * The kernel's extended-ACK message for the last request that failed on nl (e.g. which
 * attribute was rejected), or NULL if it sent none. Valid until the next request.
 */
#define KSO_NL_ERRMSG_MAX 128
const char *kso_nl_errmsg(const struct kso_nl *nl);

/* ------------------------------------------------------------------ sockets */

/* A registered socket, as the module describes it (include/uapi/linux/ktlso.h). */
struct kso_sock {
	uint64_t id;			/* socket cookie */
	struct sockaddr_storage local, peer;
	uint32_t uid, pid;
	uint16_t version, cipher;	/* TLS_1_x_VERSION, TLS_CIPHER_*; 0 unknown */
	uint8_t tx_conf, rx_conf;	/* enum ktlso_conf */
	bool has_tx_seq, has_rx_seq;
	uint64_t tx_seq, rx_seq;
	uint32_t key_gen;
	uint64_t bytes_sent, bytes_received;
	uint64_t rec_limit;		/* 0: none */
	uint64_t age_ms;
	char fallback[KTLSO_REASON_MAX];	/* "" if none */
	char close_reason[KTLSO_REASON_MAX];	/* events only */
};

/* What a server tells the module when registering (or updating) a socket. */
struct kso_sock_reg {
	int fd;
	uint16_t version, cipher;	/* 0: not sent */
	uint32_t key_gen;
	const char *fallback;		/* NULL: none */
};

int kso_nl_sock_register(struct kso_nl *nl, const struct kso_sock_reg *reg);
/* By descriptor (fd >= 0) or else by id; reason may be NULL. */
int kso_nl_sock_unregister(struct kso_nl *nl, int fd, uint64_t id, const char *reason);
int kso_nl_sock_get(struct kso_nl *nl, uint64_t id, struct kso_sock *out);
/* Calls fn for each socket the caller may see; a nonzero return from fn stops and is returned. */
int kso_nl_sock_dump(struct kso_nl *nl, int (*fn)(const struct kso_sock *s, void *arg),
		     void *arg);
/* KTLSO_CMD_SOCK_OFFLOAD: forwards the request; the outcome comes as an event. */
int kso_nl_sock_offload(struct kso_nl *nl, uint64_t id);

/* ------------------------------------------------------------------ policy */

struct kso_policy {
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6 with the port */
	uint8_t mode;			/* enum ktlso_mode */
	uint32_t ciphers;		/* KTLSO_CIPHER_MASK bits; 0 all */
	uint64_t rec_limit;		/* 0: the cipher's default */
	uint8_t warn_pct;		/* 0 when adding: the default */
};

int kso_nl_policy_add(struct kso_nl *nl, const struct kso_policy *p);
int kso_nl_policy_del(struct kso_nl *nl, const struct sockaddr_storage *addr);
int kso_nl_policy_dump(struct kso_nl *nl, int (*fn)(const struct kso_policy *p, void *arg),
		       void *arg);
/* KTLSO_CMD_POLICY_GET of one address: -ENOENT if it has no policy of its own. */
int kso_nl_policy_get(struct kso_nl *nl, const struct sockaddr_storage *addr,
		      struct kso_policy *out);
/* Same family, address and port (AF_INET or AF_INET6; scope ids are not compared). */
bool kso_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/*
 * The policy that applies to a listener or local address, out of n policies: an exact
 * match, else the wildcard address of the family on the same port. NULL if none.
 * Addresses compare as the kernel does: an IPv4-mapped IPv6 address is not IPv4.
 */
const struct kso_policy *kso_policy_match(const struct kso_policy *p, size_t n,
					  const struct sockaddr_storage *local);

/* ------------------------------------------------------------------ stats */

struct kso_stats {
	uint64_t socks, registered, unregistered, reaped, offloaded, offload_requests,
		key_limit_events, policies;
	/* 0 from a module older than the counters */
	uint64_t busy_reads, key_limit_retries;
};

int kso_nl_stats(struct kso_nl *nl, struct kso_stats *out);

/* ------------------------------------------------------------------ events */

struct kso_event {
	uint8_t cmd;			/* KTLSO_CMD_EV_* */
	uint8_t dir;			/* KTLSO_CMD_EV_KEY_LIMIT: enum ktlso_dir */
	struct kso_sock sock;		/* socket events (only id for OFFLOAD_REQUEST) */
	struct kso_policy policy;	/* policy events */
};

/*
 * A second kind of struct kso_nl: subscribed to the events group, non-blocking, for a
 * poll loop. -EPERM without CAP_NET_ADMIN, -ENOENT without the module.
 */
int kso_nl_events_open(struct kso_nl **out);
/* The same on the "daemon" group: only the events a server acts on. */
int kso_nl_daemon_events_open(struct kso_nl **out);
int kso_nl_fd(const struct kso_nl *nl);
/*
 * Reads every event queued now and calls fn for each (a nonzero return stops and is
 * returned). 0 when the queue is empty, -ENOBUFS when events were lost (the socket's
 * buffer overflowed: resynchronise with a dump; the events still queued are read by the
 * next call), other -errno.
 */
int kso_nl_events_read(struct kso_nl *nl, int (*fn)(const struct kso_event *ev, void *arg),
		       void *arg);

/*
 * Names for output, never NULL ("unknown" for values this header does not know):
 * kso_conf_name: "user" (the server's userspace TLS), "sw", "hw"; kso_mode_name: "off",
 * "tx", "rx", "txrx".
 */
const char *kso_conf_name(uint8_t conf);
const char *kso_mode_name(uint8_t mode);
int kso_mode_parse(const char *s);	/* enum ktlso_mode (any case), or -EINVAL */
const char *kso_event_name(uint8_t cmd);	/* "offloaded", "closed", "key-limit"... */
/* TLS_CIPHER_* of <linux/tls.h>: "AES_128_GCM"..., "unknown" for 0 or others. */
const char *kso_tls_cipher_name(uint16_t tls_cipher);
/* The same as a policy spells it, "aes-128-gcm"..., or NULL if there is none. */
const char *kso_tls_cipher_policy_name(uint16_t tls_cipher);
/* "aes-128-gcm" or "AES_128_GCM" (any case) to TLS_CIPHER_*, or -EINVAL. */
int kso_tls_cipher_parse(const char *s);
/* (Version names: kso_version_name() of keysched.h.) */

/*
 * A sentence an operator can act on for err (a negative errno returned by
 * this API). -ENOENT is read as "the module is not loaded", which is what it
 * means from kso_nl_open(); do not pass it an -ENOENT that a command returned
 * for a missing object.
 */
const char *kso_nl_strerror(int err);

#endif /* KTLSO_NL_H */
