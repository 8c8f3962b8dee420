/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The ktlso netlink attributes written once, as a table: each attribute's
 * kind, exact limit and which request commands take it. The module's
 * per-command policies (kmod/genl.c), the userspace reply policy
 * (userspace/lib/nl_msg.c) and the netlink fuzzer's generator
 * (tests/vm/ktlso_nl_fuzz.c) are built from it; the prose at the top of
 * include/uapi/linux/ktlso.h documents the same attributes for people.
 *
 * Include it after <linux/ktlso.h>. With KTLSO_ATTR() defined, it also
 * expands the table, one row per attribute of enum ktlso_attr but
 * KTLSO_A_UNSPEC, and undefines KTLSO_ATTR():
 *
 *	KTLSO_ATTR(name, kind, limit, gv, sr, su, sg, so, pa, pd, pg, st)
 *
 * name   the attribute without its prefix: SOCK_ID is KTLSO_A_SOCK_ID
 * kind   U8, U16, U32, S32, U64: an integer of exactly that size;
 *        MASK32: a u32 with no bit set outside limit;
 *        SOCKADDR: a struct sockaddr_in or sockaddr_in6, exactly, of the
 *        family its size says;
 *        STRING: NUL-terminated, at most limit bytes with the NUL;
 *        PAD: alignment padding, which no request may carry
 * limit  STRING's maximum size, MASK32's allowed bits; 0 for the others
 * gv..st one column per request command, in the order of enum ktlso_cmd:
 *        GET_VERSION, SOCK_REGISTER, SOCK_UNREGISTER, SOCK_GET, SOCK_OFFLOAD,
 *        POLICY_ADD, POLICY_DEL, POLICY_GET, STATS. 1: the command takes the
 *        attribute; 0: the module rejects a request of that command that
 *        carries it (-EINVAL, extended ACK KTLSO_REJECT_MSG()). A row of
 *        zeros is an attribute only the module sends.
 *
 * Which attributes a command requires is the handler's business (and the
 * prose's); the table only says which it may be given.
 */
#ifndef _KTLSO_ATTRS_H
#define _KTLSO_ATTRS_H

/* Bits of TLS_CIPHER_* 51..61 in KTLSO_A_POLICY_CIPHERS: KTLSO_CIPHER_MASK() */
#define KTLSO_CIPHER_BITS 0x00000ffeU

/*
 * The column of one command, for a consumer that builds something per
 * command: KTLSO_TAKES_SOCK_GET(gv, sr, su, sg, ...) is sg.
 */
#define KTLSO_TAKES_GET_VERSION(gv, sr, su, sg, so, pa, pd, pg, st)	gv
#define KTLSO_TAKES_SOCK_REGISTER(gv, sr, su, sg, so, pa, pd, pg, st)	sr
#define KTLSO_TAKES_SOCK_UNREGISTER(gv, sr, su, sg, so, pa, pd, pg, st) su
#define KTLSO_TAKES_SOCK_GET(gv, sr, su, sg, so, pa, pd, pg, st)	sg
#define KTLSO_TAKES_SOCK_OFFLOAD(gv, sr, su, sg, so, pa, pd, pg, st)	so
#define KTLSO_TAKES_POLICY_ADD(gv, sr, su, sg, so, pa, pd, pg, st)	pa
#define KTLSO_TAKES_POLICY_DEL(gv, sr, su, sg, so, pa, pd, pg, st)	pd
#define KTLSO_TAKES_POLICY_GET(gv, sr, su, sg, so, pa, pd, pg, st)	pg
#define KTLSO_TAKES_STATS(gv, sr, su, sg, so, pa, pd, pg, st)		st

/* All the columns as a mask of commands: bit KTLSO_CMD_x for each 1. */
#define KTLSO_TAKES_MASK(gv, sr, su, sg, so, pa, pd, pg, st)		\
	((gv) << KTLSO_CMD_GET_VERSION | (sr) << KTLSO_CMD_SOCK_REGISTER | \
	 (su) << KTLSO_CMD_SOCK_UNREGISTER | (sg) << KTLSO_CMD_SOCK_GET | \
	 (so) << KTLSO_CMD_SOCK_OFFLOAD | (pa) << KTLSO_CMD_POLICY_ADD |	\
	 (pd) << KTLSO_CMD_POLICY_DEL | (pg) << KTLSO_CMD_POLICY_GET |	\
	 (st) << KTLSO_CMD_STATS)

/* The extended ACK's message for an attribute a command does not take. */
#define KTLSO_REJECT_MSG(cmd, name)					\
	"KTLSO_CMD_" #cmd " does not take KTLSO_A_" #name

#endif /* _KTLSO_ATTRS_H */

#ifdef KTLSO_ATTR
/*         name                    kind      limit                     GV SR SU SG SO PA PD PG ST */
KTLSO_ATTR(VERSION_STRING,         STRING,   KTLSO_VERSION_STRING_MAX, 0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(PROTO_VERSION,          U32,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(PAD,                    PAD,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_ID,                U64,      0,                        0, 0, 1, 1, 1, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_FD,                S32,      0,                        0, 1, 1, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_LOCAL,             SOCKADDR, 0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_PEER,              SOCKADDR, 0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_UID,               U32,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_PID,               U32,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_VERSION,           U16,      0,                        0, 1, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_CIPHER,            U16,      0,                        0, 1, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_TX_CONF,           U8,       0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_RX_CONF,           U8,       0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_TX_SEQ,            U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_RX_SEQ,            U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_KEY_GEN,           U32,      0,                        0, 1, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_BYTES_SENT,        U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_BYTES_RECEIVED,    U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_REC_LIMIT,         U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_AGE_MS,            U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_FALLBACK,          STRING,   KTLSO_REASON_MAX,         0, 1, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(SOCK_CLOSE_REASON,      STRING,   KTLSO_REASON_MAX,         0, 0, 1, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(KEY_DIR,                U8,       0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(POLICY_ADDR,            SOCKADDR, 0,                        0, 0, 0, 0, 0, 1, 1, 1, 0)
KTLSO_ATTR(POLICY_MODE,            U8,       0,                        0, 0, 0, 0, 0, 1, 0, 0, 0)
KTLSO_ATTR(POLICY_CIPHERS,         MASK32,   KTLSO_CIPHER_BITS,        0, 0, 0, 0, 0, 1, 0, 0, 0)
KTLSO_ATTR(POLICY_REC_LIMIT,       U64,      0,                        0, 0, 0, 0, 0, 1, 0, 0, 0)
KTLSO_ATTR(POLICY_WARN_PCT,        U8,       0,                        0, 0, 0, 0, 0, 1, 0, 0, 0)
KTLSO_ATTR(STATS_SOCKS,            U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_REGISTERED,       U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_UNREGISTERED,     U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_REAPED,           U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_OFFLOADED,        U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_OFFLOAD_REQUESTS, U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_KEY_LIMIT_EVENTS, U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_POLICIES,         U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_BUSY_READS,       U64,      0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
KTLSO_ATTR(STATS_KEY_LIMIT_RETRIES, U64,     0,                        0, 0, 0, 0, 0, 0, 0, 0, 0)
#undef KTLSO_ATTR
#endif
