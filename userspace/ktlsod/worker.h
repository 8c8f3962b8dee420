/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A worker: one thread, one io_uring ring, its own SO_REUSEPORT listeners, and the
 * resources its connections draw from (the slab, the pipe pool, read buffers).
 */
#ifndef KTLSOD_WORKER_H
#define KTLSOD_WORKER_H

#include "ktlsod.h"
#include "ofc.h"
#include "ring.h"

struct conn;

/* module.c: one per worker; its address carries an op in user_data's low bits */
struct wctl {
	struct kso_nl *req;		/* NULL: no module (retried from the tick) */
	struct kso_nl *ev;		/* events; NULL if they could not be subscribed */
	struct kso_policy *pol;		/* the module's listener policies */
	size_t npol;
	uint64_t retry_at;
	bool ev_armed;
} __attribute__((aligned(16)));

void ctl_close(struct wctl *wc);
void ctl_unregister(struct wctl *wc, int fd, const char *reason);

#define PIPE_POOL	64			/* idle pipes a worker keeps for splicing */

/* 16-byte aligned: its address carries an op in the low bits of user_data. */
struct listener {
	int fd;
	int offload;		/* enum ktlso_mode in effect: the module's policy, else the configuration */
	int cfg_offload;	/* from the configuration */
	uint32_t ciphers;	/* the module's policy: KTLSO_CIPHER_MASK bits allowed, 0 all */
	struct sockaddr_storage addr;	/* what it is bound to, for policy matching */
	bool rearm;		/* its multishot accept ended for want of fds: re-arm on tick */
	bool plain;		/* plain HTTP: its connections skip TLS (conn.h, plain) */
} __attribute__((aligned(16)));

/* Userspace TLS reads a response's body this much at a time: three whole records. */
#define SCRATCH_BYTES	(3u * 16384)

struct worker {
	int id;
	struct ring ring;
	struct listener ls[MAX_LISTENERS];
	int nls;
	struct conn *conns;
	unsigned nconns, cap;
	struct __kernel_timespec tick_ts;
	char *scratch;			/* userspace TLS: pread buffer */
	bool draining;
	bool accept_paused;		/* out of fds or memory: re-armed from the tick */
	int pipes[PIPE_POOL][2];	/* empty pipes, ready for the next response */
	int npipes;
	struct conn *free_conns;	/* slab free list, linked through ->next */
	uint64_t memfs_dev;		/* resp_fs_in_memory()'s answer for this device */
	bool memfs_known, memfs;
	struct ofc_entry *ofc;		/* the open-file cache (ofc.c), NULL until used */
	unsigned ticks;			/* ticks so far: the cache's clock */
	unsigned resp_nested;		/* within resp_send_now()'s body step */
	bool no_cachestat;		/* cachestat(2) said ENOSYS (before 6.5) */
	unsigned handshakes_since_trim;
	unsigned frees_since_trim;	/* responses finished, connections closed */
	uint64_t trimmed_at;
	struct live *live;		/* the settings new connections take (live.c) */
	unsigned live_gen;
	struct wctl ctl;		/* ktlso.ko */
	bool ctl_up;			/* ctl.req was open at the last look */
};

/* module.c: the worker's side of ktlso.ko */
void ctl_apply_policies(struct worker *w);
void ctl_on_events(struct worker *w, int res);
void ctl_start(struct worker *w);
void ctl_tick(struct worker *w, uint64_t now);

#endif
