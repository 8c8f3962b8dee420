/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Documentation
 * =============
 *
 * The enums and macros below are the interface between the ktlso kernel
 * module, the ktlso daemon and the ktlso tools. They are carried over generic
 * netlink, family KTLSO_GENL_NAME, version KTLSO_GENL_VERSION. The family is
 * present in every network namespace; what a command sees and changes is the
 * state of the namespace of the netlink socket it was sent on, and each
 * namespace's state is its own (sockets, policies, counters).
 *
 * Every command is sent as NLM_F_REQUEST, optionally with NLM_F_ACK, and its
 * genlmsghdr.reserved field must be zero. Attributes are flat (no nesting)
 * and validated strictly against the policy of the command: an attribute
 * with an unknown type number, or of the wrong type or length, or one that
 * the command does not take (each command below lists those it takes),
 * makes the request fail with -EINVAL and the extended ack names it; for an
 * attribute the command does not take, its message is "KTLSO_CMD_<command>
 * does not take KTLSO_A_<attribute>". A command the module does not know
 * fails with -EOPNOTSUPP; userspace may take that to mean the module is
 * older than itself. A missing required attribute fails with -EINVAL and an
 * extended ack naming it. The same attributes, kinds, limits and the
 * commands that take each are written as a table in include/ktlso_attrs.h,
 * from which the module's policies are built.
 *
 * Permissions: commands marked "admin" need CAP_NET_ADMIN in the initial
 * user namespace, and fail with -EPERM and an extended ACK saying so
 * without it: a user namespace of one's own (unshare -Urn) gives no power
 * over the module. The module parameter userns_admin (default 0; set it
 * with insmod or in /sys/module/ktlso/parameters/userns_admin) also accepts
 * CAP_NET_ADMIN in the user namespace owning the request's network
 * namespace, for containers that run their own server. Both the process
 * that opened the netlink socket and the caller must have it. Subscribing
 * to either multicast group needs CAP_NET_ADMIN in the user namespace owning
 * the network namespace (events name every socket; enforced through
 * GENL_MCAST_CAP_NET_ADMIN, which 6.1.y stable and 6.7+ kernels have).
 * KTLSO_CMD_GET_VERSION may be called by anyone, and KTLSO_CMD_SOCK_GET
 * too: an unprivileged caller sees only sockets whose owner uid
 * (KTLSO_A_SOCK_UID) is its own: the fsuid of the process that opened the
 * netlink socket and that of the caller must both be the owner's.
 *
 * Sockets
 * -------
 *
 * A registered socket is a TCP socket that a TLS server (ktlsod) told the
 * module about after its handshake, whether its records are carried by kTLS
 * (the "tls" ULP) or still by the server's userspace TLS library. The module
 * holds a reference to the socket, reads its kTLS state whenever asked, and
 * forgets it when it is unregistered, when it is closed (noticed within one
 * scan interval, module parameter scan_ms, default 1000) or when the module
 * is unloaded. Registering never changes the socket itself.
 *
 * A socket is named by its socket cookie (SO_COOKIE), KTLSO_A_SOCK_ID, which
 * is unique for the boot. One message describing a socket carries:
 *
 *    KTLSO_A_SOCK_ID: NLA_U64, the socket cookie
 *    KTLSO_A_SOCK_LOCAL: NLA_BINARY, struct sockaddr_in or sockaddr_in6, the
 *                        local address and port
 *    KTLSO_A_SOCK_PEER: NLA_BINARY, same, the peer's address and port
 *    KTLSO_A_SOCK_UID: NLA_U32, the socket's owner uid, as seen from the
 *                      reader's user namespace (a request's: that of the
 *                      netlink socket's opener; an event's: the one owning
 *                      the network namespace)
 *    KTLSO_A_SOCK_PID: NLA_U32, the thread group id that registered it (a
 *                      request's: in the caller's pid namespace; an event's:
 *                      in the registering process's own)
 *    KTLSO_A_SOCK_VERSION: NLA_U16, TLS_1_2_VERSION or TLS_1_3_VERSION
 *                          (linux/tls.h); 0 if unknown
 *    KTLSO_A_SOCK_CIPHER: NLA_U16, TLS_CIPHER_* (linux/tls.h); 0 if unknown
 *    KTLSO_A_SOCK_TX_CONF, KTLSO_A_SOCK_RX_CONF: NLA_U8, enum ktlso_conf: who
 *                          carries the records of that direction
 *    KTLSO_A_SOCK_TX_SEQ, KTLSO_A_SOCK_RX_SEQ: NLA_U64, the sequence number
 *                          of the next record kTLS will send (receive): the
 *                          number of records under the current key, plus the
 *                          number the key was installed at (0 for TLS 1.3, 1
 *                          for TLS 1.2 after a handshake). Present only for
 *                          directions carried by kTLS.
 *    KTLSO_A_SOCK_KEY_GEN: NLA_U32, how many times the keys were updated
 *                          (TLS 1.3 KeyUpdate), as reported by the server
 *    KTLSO_A_SOCK_BYTES_SENT, KTLSO_A_SOCK_BYTES_RECEIVED: NLA_U64, TCP's
 *                          bytes_sent and bytes_received of the socket
 *    KTLSO_A_SOCK_REC_LIMIT: NLA_U64, the key-usage limit in records that
 *                          applies to the socket (see "Key-usage guard");
 *                          0 means none
 *    KTLSO_A_SOCK_AGE_MS: NLA_U64, milliseconds since it was registered
 *    KTLSO_A_SOCK_FALLBACK: NLA_NUL_STRING, up to KTLSO_REASON_MAX bytes with
 *                          the NUL, why a direction the policy wanted in kTLS
 *                          is in userspace; absent when there is no such
 *                          direction
 *    KTLSO_A_SOCK_CLOSE_REASON: NLA_NUL_STRING, same size, in
 *                          KTLSO_CMD_EV_CLOSED only: why the server closed it,
 *                          or "closed" when the module noticed it first
 *
 * KTLSO_CMD_SOCK_REGISTER (admin)
 *    Registers, or updates, the TCP socket given by
 *      KTLSO_A_SOCK_FD: NLA_S32, required, a file descriptor of the caller
 *    with the server's view of it:
 *      KTLSO_A_SOCK_VERSION, KTLSO_A_SOCK_CIPHER: optional, what was
 *                          negotiated (the module reads them from kTLS when
 *                          kTLS carries a direction, and those win)
 *      KTLSO_A_SOCK_KEY_GEN: optional, default 0
 *      KTLSO_A_SOCK_FALLBACK: optional; absent clears it
 *    Fails with -EBADF for a bad descriptor, -ENOTSOCK, -EPROTONOSUPPORT
 *    when it is not a TCP socket, -EXDEV when the socket is in another network
 *    namespace than the request, -ENOSPC beyond KTLSO_MAX_SOCKS registered
 *    sockets in the namespace, -ENOMEM. Registering a registered socket
 *    updates it. The module multicasts KTLSO_CMD_EV_OFFLOADED when a socket
 *    is registered with a direction in kTLS, or when an update finds more
 *    directions in kTLS than before (a live offload), and
 *    KTLSO_CMD_EV_FALLBACK when an update sets KTLSO_A_SOCK_FALLBACK on a
 *    socket whose offload was requested with KTLSO_CMD_SOCK_OFFLOAD.
 *
 * KTLSO_CMD_SOCK_UNREGISTER (admin)
 *    Forgets a socket, given by KTLSO_A_SOCK_FD (a descriptor of the caller)
 *    or KTLSO_A_SOCK_ID; optional KTLSO_A_SOCK_CLOSE_REASON (default
 *    "unregistered"). The module reads the socket's counters one last time
 *    and multicasts KTLSO_CMD_EV_CLOSED with them. -ENOENT if the socket is
 *    not registered.
 *
 * KTLSO_CMD_SOCK_GET
 *    With KTLSO_A_SOCK_ID and without NLM_F_DUMP: one socket message (above),
 *    or -ENOENT (also for a socket the caller may not see). With NLM_F_DUMP:
 *    one message per socket the caller may see, in socket cookie order;
 *    KTLSO_A_SOCK_ID, if given, is ignored.
 *
 * KTLSO_CMD_SOCK_OFFLOAD (admin)
 *    Asks the server that registered the socket KTLSO_A_SOCK_ID to move the
 *    directions still in userspace into kTLS, live. The module checks and
 *    forwards: -ENOENT for an unknown socket, -EALREADY when kTLS carries both
 *    directions already; otherwise it multicasts KTLSO_CMD_EV_OFFLOAD_REQUEST
 *    with KTLSO_A_SOCK_ID and returns 0. The server answers by updating the
 *    registration (KTLSO_CMD_EV_OFFLOADED or KTLSO_CMD_EV_FALLBACK follow);
 *    a requester waits for one of them. Moving a socket back out of kTLS is
 *    not possible: upstream kTLS cannot remove its ULP from a socket.
 *
 * Policy
 * ------
 *
 * A policy applies to the connections accepted by one listener, named by
 *    KTLSO_A_POLICY_ADDR: NLA_BINARY, struct sockaddr_in or sockaddr_in6
 *                         (exactly), the listener's address and port; the
 *                         wildcard address (0.0.0.0 or ::) matches every
 *                         address of that family on that port
 * and holds
 *    KTLSO_A_POLICY_MODE: NLA_U8, enum ktlso_mode, what to carry in kTLS
 *    KTLSO_A_POLICY_CIPHERS: NLA_U32, a mask of KTLSO_CIPHER_MASK(TLS_CIPHER_*)
 *                         bits allowed in kTLS; 0 (the default) allows all
 *    KTLSO_A_POLICY_REC_LIMIT: NLA_U64, the key-usage limit in records per
 *                         key; 0 (the default) takes the cipher's own
 *                         (KTLSO_REC_LIMIT_*)
 *    KTLSO_A_POLICY_WARN_PCT: NLA_U8, 1..100, the share of the limit at which
 *                         KTLSO_CMD_EV_KEY_LIMIT fires; default
 *                         KTLSO_WARN_PCT_DEFAULT
 * A socket takes the policy of its local address and port: an exact match
 * first, then the wildcard of its family; without one, the defaults apply.
 *
 * KTLSO_CMD_POLICY_ADD (admin)
 *    Adds a policy, or replaces the one with the same KTLSO_A_POLICY_ADDR.
 *    KTLSO_A_POLICY_ADDR and KTLSO_A_POLICY_MODE are required. -EINVAL for a
 *    bad sockaddr (family, length), a mode or percentage out of range, a
 *    cipher bit outside KTLSO_CIPHER_MASK(51..61);
 *    -ENOSPC beyond KTLSO_MAX_POLICIES. Multicast: KTLSO_CMD_EV_POLICY_ADD
 *    with the policy as stored.
 * KTLSO_CMD_POLICY_DEL (admin)
 *    Deletes the policy of KTLSO_A_POLICY_ADDR; -ENOENT if there is none.
 *    Multicast: KTLSO_CMD_EV_POLICY_DEL with the policy as it was.
 * KTLSO_CMD_POLICY_GET (admin)
 *    With KTLSO_A_POLICY_ADDR, one policy (or -ENOENT); with NLM_F_DUMP, all
 *    (KTLSO_A_POLICY_ADDR, if given, is ignored).
 *
 * Key-usage guard
 * ---------------
 *
 * AEAD keys may protect only so many records (RFC 8446 section 5.5, RFC 9147
 * section 4.5.3): for AES-GCM 2^24.5 full-size records. kTLS counts records
 * but does not act on it. Every scan interval the module compares each
 * registered socket's kTLS sequence numbers with its limit and, when a
 * direction passes warn_pct percent of it, multicasts KTLSO_CMD_EV_KEY_LIMIT
 * once per key and direction, with the socket's attributes and
 *    KTLSO_A_KEY_DIR: NLA_U8, enum ktlso_dir, the direction that passed
 * The server is expected to update the keys (TLS 1.3 KeyUpdate, where the
 * kernel can rekey) and re-register with KTLSO_A_SOCK_KEY_GEN one higher,
 * or to close the connection gracefully. A direction is warned about again
 * once its sequence number went below the one it was warned at (kTLS counts
 * each key's records from 0): a new key in one direction does not repeat
 * the warning of the other.
 *
 * KTLSO_CMD_STATS (admin)
 *    Takes no attributes. The namespace's counters, one NLA_U64 each: KTLSO_A_STATS_SOCKS (now
 *    registered), _REGISTERED, _UNREGISTERED, _REAPED (closed without being
 *    unregistered), _OFFLOADED (registered with a direction in kTLS, or moved
 *    there live), _OFFLOAD_REQUESTS, _KEY_LIMIT_EVENTS, _POLICIES (now),
 *    _BUSY_READS (times a socket was not read because a process held its
 *    lock: the module never waits for it; the scan looks again at its next
 *    run, and a request answers with the last state read),
 *    _KEY_LIMIT_RETRIES (KTLSO_CMD_EV_KEY_LIMIT messages that could not be
 *    delivered: no memory for the message, or a full socket buffer of a
 *    listener; each is sent again at the next scan).
 *
 * KTLSO_CMD_GET_VERSION
 *    May be called by anyone, without NLM_F_DUMP. It takes no attributes. The
 *    kernel replies with one message containing:
 *    KTLSO_A_VERSION_STRING: NLA_NUL_STRING, maxlen KTLSO_VERSION_STRING_MAX
 *                            (including the NUL), the module's version, as
 *                            MODULE_VERSION reports it, e.g. "0.1.0"
 *    KTLSO_A_PROTO_VERSION: NLA_U32, the netlink protocol version the module
 *                           speaks, KTLSO_GENL_VERSION at the time it was
 *                           built
 *    Userspace should compare KTLSO_A_PROTO_VERSION with its own
 *    KTLSO_GENL_VERSION before relying on commands beyond this one.
 *
 * Events
 * ------
 *
 * The multicast group KTLSO_MCGRP_EVENTS carries, as messages whose
 * genlmsghdr.cmd says what happened:
 *    KTLSO_CMD_EV_OFFLOADED      socket attributes
 *    KTLSO_CMD_EV_CLOSED         socket attributes with the final counters and
 *                                KTLSO_A_SOCK_CLOSE_REASON
 *    KTLSO_CMD_EV_KEY_LIMIT      socket attributes and KTLSO_A_KEY_DIR
 *    KTLSO_CMD_EV_OFFLOAD_REQUEST KTLSO_A_SOCK_ID
 *    KTLSO_CMD_EV_FALLBACK       socket attributes, with KTLSO_A_SOCK_FALLBACK
 *    KTLSO_CMD_EV_POLICY_ADD     policy attributes, of a policy added or
 *                                replaced (KTLSO_CMD_POLICY_ADD)
 *    KTLSO_CMD_EV_POLICY_DEL     policy attributes, of a policy deleted
 *                                (KTLSO_CMD_POLICY_DEL)
 * Events are sent in the network namespace of the socket or policy.
 *
 * The group KTLSO_MCGRP_DAEMON carries the same messages for the events a
 * server acts on only: KTLSO_CMD_EV_KEY_LIMIT, KTLSO_CMD_EV_OFFLOAD_REQUEST,
 * KTLSO_CMD_EV_POLICY_ADD and KTLSO_CMD_EV_POLICY_DEL. A server subscribes to it
 * rather than to KTLSO_MCGRP_EVENTS, whose per-connection events (two per
 * connection of every server) would fill its socket buffer on a busy host.
 * A KTLSO_CMD_EV_KEY_LIMIT that a subscriber of this group could not take
 * (its socket buffer was full), or that the module had no memory for, is
 * sent again at the next scan, until it is delivered or nobody listens.
 *
 * Growth
 * ------
 *
 * Commands and attributes are only ever appended before the __KTLSO_*_MAX
 * sentinels; existing values are never renumbered or given another meaning.
 */

#ifndef _UAPI_LINUX_KTLSO_H
#define _UAPI_LINUX_KTLSO_H

#define KTLSO_GENL_NAME "ktlso"
#define KTLSO_GENL_VERSION 1
#define KTLSO_MCGRP_EVENTS "events"
#define KTLSO_MCGRP_DAEMON "daemon"

#define KTLSO_VERSION_STRING_MAX 32
#define KTLSO_REASON_MAX 256
#define KTLSO_MAX_SOCKS 1048576
#define KTLSO_MAX_POLICIES 1024
#define KTLSO_WARN_PCT_DEFAULT 90

/* 2^24.5 records: RFC 8446 section 5.5, for AES-GCM */
#define KTLSO_REC_LIMIT_AES_GCM 23726566ULL
/* 2^23 records: RFC 9147 section 4.5.3, for AES-CCM */
#define KTLSO_REC_LIMIT_AES_CCM 8388608ULL
/* ChaCha20-Poly1305 and others: no limit short of the sequence space */
#define KTLSO_REC_LIMIT_NONE 0ULL

/* Bit of TLS_CIPHER_* (51..61 in linux/tls.h) in KTLSO_A_POLICY_CIPHERS. */
#define KTLSO_CIPHER_MASK(tls_cipher) (1U << ((tls_cipher) - 50))

enum ktlso_mode {
	KTLSO_MODE_OFF,		/* userspace TLS only */
	KTLSO_MODE_TX,
	KTLSO_MODE_RX,
	KTLSO_MODE_TXRX,
	__KTLSO_MODE_MAX
};

enum ktlso_conf {
	KTLSO_CONF_NONE,	/* not in the kernel: the server's userspace TLS */
	KTLSO_CONF_SW,		/* kTLS, software crypto */
	KTLSO_CONF_HW,		/* kTLS, NIC offload (device or record mode) */
};

enum ktlso_dir {
	KTLSO_DIR_TX,
	KTLSO_DIR_RX,
};

enum ktlso_cmd {
	KTLSO_CMD_UNSPEC,
	KTLSO_CMD_GET_VERSION,
	KTLSO_CMD_SOCK_REGISTER,
	KTLSO_CMD_SOCK_UNREGISTER,
	KTLSO_CMD_SOCK_GET,
	KTLSO_CMD_SOCK_OFFLOAD,
	KTLSO_CMD_POLICY_ADD,
	KTLSO_CMD_POLICY_DEL,
	KTLSO_CMD_POLICY_GET,
	KTLSO_CMD_STATS,
	KTLSO_CMD_EV_OFFLOADED,
	KTLSO_CMD_EV_CLOSED,
	KTLSO_CMD_EV_KEY_LIMIT,
	KTLSO_CMD_EV_OFFLOAD_REQUEST,
	KTLSO_CMD_EV_FALLBACK,
	KTLSO_CMD_EV_POLICY_ADD,
	KTLSO_CMD_EV_POLICY_DEL,
	__KTLSO_CMD_MAX
};

#define KTLSO_CMD_MAX (__KTLSO_CMD_MAX - 1)

enum ktlso_attr {
	KTLSO_A_UNSPEC,
	KTLSO_A_VERSION_STRING,
	KTLSO_A_PROTO_VERSION,
	KTLSO_A_PAD,
	KTLSO_A_SOCK_ID,
	KTLSO_A_SOCK_FD,
	KTLSO_A_SOCK_LOCAL,
	KTLSO_A_SOCK_PEER,
	KTLSO_A_SOCK_UID,
	KTLSO_A_SOCK_PID,
	KTLSO_A_SOCK_VERSION,
	KTLSO_A_SOCK_CIPHER,
	KTLSO_A_SOCK_TX_CONF,
	KTLSO_A_SOCK_RX_CONF,
	KTLSO_A_SOCK_TX_SEQ,
	KTLSO_A_SOCK_RX_SEQ,
	KTLSO_A_SOCK_KEY_GEN,
	KTLSO_A_SOCK_BYTES_SENT,
	KTLSO_A_SOCK_BYTES_RECEIVED,
	KTLSO_A_SOCK_REC_LIMIT,
	KTLSO_A_SOCK_AGE_MS,
	KTLSO_A_SOCK_FALLBACK,
	KTLSO_A_SOCK_CLOSE_REASON,
	KTLSO_A_KEY_DIR,
	KTLSO_A_POLICY_ADDR,
	KTLSO_A_POLICY_MODE,
	KTLSO_A_POLICY_CIPHERS,
	KTLSO_A_POLICY_REC_LIMIT,
	KTLSO_A_POLICY_WARN_PCT,
	KTLSO_A_STATS_SOCKS,
	KTLSO_A_STATS_REGISTERED,
	KTLSO_A_STATS_UNREGISTERED,
	KTLSO_A_STATS_REAPED,
	KTLSO_A_STATS_OFFLOADED,
	KTLSO_A_STATS_OFFLOAD_REQUESTS,
	KTLSO_A_STATS_KEY_LIMIT_EVENTS,
	KTLSO_A_STATS_POLICIES,
	KTLSO_A_STATS_BUSY_READS,
	KTLSO_A_STATS_KEY_LIMIT_RETRIES,
	__KTLSO_A_MAX
};

#define KTLSO_A_MAX (__KTLSO_A_MAX - 1)

#endif /* _UAPI_LINUX_KTLSO_H */
