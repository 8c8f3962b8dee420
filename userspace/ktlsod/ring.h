/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A worker's io_uring: the ring, getting SQEs, the user_data encoding, and the provided
 * buffers kTLS and ciphertext reads land in. Nothing here knows what a connection is.
 *
 * user_data is the address of the object an operation belongs to (a connection, a
 * listener, the ktlso.ko events socket: all 16-byte aligned) with the operation in its
 * low OP_BITS bits; the tick is an op with no object. 0 marks completions to ignore
 * (cancellations).
 */
#ifndef KTLSOD_RING_H
#define KTLSOD_RING_H

#include <stdint.h>
#include <liburing.h>

enum op {
	OP_TICK = 1,
	OP_ACCEPT,
	OP_HS_POLL,	/* handshake: readable (SO_RCVLOWAT bytes) */
	OP_RECV,	/* OPEN: plaintext (kTLS RX) or ciphertext (userspace) */
	OP_SEND,
	OP_SPLICE_IN,	/* file -> pipe */
	OP_SPLICE_OUT,	/* pipe -> socket */
	OP_POLLOUT,	/* the socket was full */
	OP_OPEN,	/* openat2 of the requested path */
	OP_NLEV,	/* ktlso.ko's events socket is readable */
	OP_FLUSH,	/* closing: look again whether kTLS TX has delivered everything */
};
#define OP_BITS 4
#define OP_MASK ((1u << OP_BITS) - 1)

static inline uint64_t ud(void *p, enum op op)
{
	return (uint64_t)(uintptr_t)p | op;
}

static inline enum op ud_op(uint64_t data)
{
	return (enum op)(data & OP_MASK);
}

static inline void *ud_ptr(uint64_t data)
{
	return (void *)(uintptr_t)(data & ~(uint64_t)OP_MASK);
}

/*
 * kTLS RX reads land in a per-worker ring of provided buffers (io_uring picks one when
 * data arrives) and are copied out at once, so that an idle keep-alive connection holds
 * no read buffer at all: what stays per connection is struct conn.
 */
#define RBUF_SZ		4096
#define RBUF_N		256
#define RBUF_GROUP	1

struct ring {
	struct io_uring q;
	struct io_uring_buf_ring *br;	/* NULL: the kernel has no buffer rings */
	char *rbufs;
	int wid;			/* the worker's id, for log lines */
};

/* The ring, its CQ big enough for every connection's operations at once. 0 or -errno. */
int ring_init(struct ring *r, int wid);
/* Provided buffers where the kernel has buffer rings; without, r->br stays NULL. */
void ring_setup_rbufs(struct ring *r);
void ring_exit(struct ring *r);
/* An SQE; when the SQ is full, what is queued is submitted first. Never NULL. */
struct io_uring_sqe *ring_sqe(struct ring *r);

static inline char *ring_rbuf(const struct ring *r, unsigned bid)
{
	return r->rbufs + (size_t)bid * RBUF_SZ;
}

/* Give provided buffer bid back to the kernel. */
void ring_rbuf_put(struct ring *r, unsigned bid);

#endif
