/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A raw generic netlink client of the ktlso family for the VM tests (tests/lib/rawnl.c):
 * no libnl, so that the kernel side is tested on its own.
 */
#ifndef KTLSO_RAWNL_H
#define KTLSO_RAWNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/ktlso.h>
#include <linux/netlink.h>

#define RX_BUF (64 * 1024)
/* enum nlmsgerr_attrs' NLMSGERR_ATTR_MISS_TYPE (Linux 6.0), whatever the libc headers say */
#define NLMSGERR_MISS_TYPE 5
#define NL_TIMEOUT_S 10

/* ------------------------------------------------------------------ the attribute table */

enum attr_kind { K_U8, K_U16, K_U32, K_S32, K_U64, K_MASK32, K_SOCKADDR, K_STRING, K_PAD };

/* include/ktlso_attrs.h, one row per attribute: what the module checks requests against. */
struct attr_row {
	uint16_t type;
	enum attr_kind kind;
	uint32_t limit;
	uint32_t cmds;		/* bit KTLSO_CMD_x: the command takes it */
	const char *name;	/* without KTLSO_A_ */
};

extern const struct attr_row attr_rows[KTLSO_A_MAX];

#define N_ATTR_ROWS (sizeof(attr_rows) / sizeof(attr_rows[0]))

const struct attr_row *attr_row(uint16_t type);

/* The request commands, named as the contract's extended ACK names them. */
struct req_cmd {
	uint8_t cmd;
	const char *name;
};

extern const struct req_cmd req_cmds[KTLSO_CMD_STATS];

#define N_REQ_CMDS (sizeof(req_cmds) / sizeof(req_cmds[0]))

/* ------------------------------------------------------------------ raw netlink */

struct nl {
	int fd;
	uint32_t seq;
	uint16_t fam;	/* the ktlso family id */
	uint32_t grp;	/* the "events" group id */
};

struct msg {
	union {
		struct nlmsghdr nh;
		uint8_t buf[8192];
	};
};

/* What the kernel answered: the error of NLMSG_ERROR / NLMSG_DONE and its extended ack. */
struct result {
	int err;
	char ext_msg[256];
	int bad_off;		/* NLMSGERR_ATTR_OFFS, or -1 */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	int replies;		/* messages before the end */
	int datagrams;		/* that carried them */
	bool multi;		/* NLM_F_MULTI seen */
	bool dump_intr;
};

/* A message's attributes, pointing into a private copy. */
struct attrs {
	uint8_t cmd;
	uint8_t buf[4096];
	const struct nlattr *tb[KTLSO_A_MAX + 1];
};

typedef void (*reply_fn)(const struct attrs *a, void *arg);

void nl_close(struct nl *nl);
struct nlmsghdr *msg_start(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd);
struct nlattr *msg_put(struct msg *m, uint16_t type, const void *data, size_t len);
int nl_xfer(struct nl *nl, struct msg *m, reply_fn fn, void *arg, struct result *r);
int nl_open(struct nl *nl);
int ev_open(struct nl *ev);
uint64_t a_u64(const struct attrs *a, int t);
uint32_t a_u32(const struct attrs *a, int t);
uint16_t a_u16(const struct attrs *a, int t);
uint8_t a_u8(const struct attrs *a, int t);
const char *a_str(const struct attrs *a, int t);
int a_len(const struct attrs *a, int t);
int ev_wait(struct nl *ev, uint8_t cmd, uint64_t id, int timeout_ms, struct attrs *out);

static inline void put_u8(struct msg *m, uint16_t t, uint8_t v) { msg_put(m, t, &v, 1); }
static inline void put_u16(struct msg *m, uint16_t t, uint16_t v) { msg_put(m, t, &v, 2); }
static inline void put_u32(struct msg *m, uint16_t t, uint32_t v) { msg_put(m, t, &v, 4); }
static inline void put_s32(struct msg *m, uint16_t t, int32_t v) { msg_put(m, t, &v, 4); }
static inline void put_u64(struct msg *m, uint16_t t, uint64_t v) { msg_put(m, t, &v, 8); }
static inline void put_str(struct msg *m, uint16_t t, const char *s) { msg_put(m, t, s, strlen(s) + 1); }

/* ------------------------------------------------------------------ ktlso commands */

struct reg {
	uint16_t version;
	uint16_t cipher;
	uint32_t key_gen;
	const char *fallback;
};

struct ids {
	uint64_t *id;
	uint32_t *uid;
	size_t n, cap;
};

struct pol {
	const void *addr;
	size_t addrlen;
	int mode;		/* -1: absent */
	uint32_t ciphers;
	uint64_t rec_limit;
	int warn_pct;		/* -1: absent */
};

struct stats {
	uint64_t v[KTLSO_A_MAX + 1];
};

void ktlso_start(struct nl *nl, struct msg *m, uint8_t cmd, uint16_t flags);
int sock_register(struct nl *nl, int fd, const struct reg *r);
int sock_unregister(struct nl *nl, uint64_t id, int fd, const char *reason);
void copy_reply(const struct attrs *a, void *arg);
int sock_get(struct nl *nl, uint64_t id, struct attrs *out);
int sock_offload(struct nl *nl, uint64_t id);
void collect_id(const struct attrs *a, void *arg);
int sock_dump(struct nl *nl, struct ids *ids, struct result *r);
size_t ids_count(const struct ids *ids, uint64_t id);
int policy_add(struct nl *nl, const struct pol *p, struct result *r);
int policy_addr_cmd(struct nl *nl, uint8_t cmd, const void *addr, size_t len,
		    struct attrs *out);
void count_reply(const struct attrs *a, void *arg);
int policy_dump_count(struct nl *nl);
void stats_reply(const struct attrs *a, void *arg);
int get_stats(struct nl *nl, struct stats *s);
int get_version(struct nl *nl, char *ver, size_t len, uint32_t *proto);

#endif
