// SPDX-License-Identifier: GPL-2.0-or-later
/* A worker's io_uring: set-up, SQEs, provided buffers (ring.h says how user_data is encoded). */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ktlsod.h"

/*
 * The ring is its worker thread's alone (it is made there and nothing else submits), so
 * SINGLE_ISSUER; DEFER_TASKRUN runs completions' task work when the loop asks for events
 * instead of interrupting it (both from 6.1). A kernel without them says EINVAL: then the
 * plain ring.
 */
#define RING_FAST	(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)

/*
 * io_uring's worker threads for work that can block on a regular file (an open, a read of
 * a file not in the page cache) are "bounded": at most 4 per CPU by default, so on a small
 * machine a few requests waiting for a slow disk queue the others' opens behind them. At
 * least IOWQ_BOUNDED (measured, icount, one vCPU, 16 connections asking for a cold file on
 * a 10 ms device 1 request in 20: the cold ones' p50 64 ms with 4, 48 ms with 64; the hot
 * ones' p99 as before). Unbounded work (sockets, pipes) is left as it is.
 */
#define IOWQ_BOUNDED	64

int ring_init(struct ring *r, int wid)
{
	/* a CQ big enough for every connection's operations at once: no overflow */
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE | RING_FAST,
				     .cq_entries = 65536 };
	unsigned int max[2] = { 0, 0 };
	int err;

	r->wid = wid;
	err = io_uring_queue_init_params(4096, &r->q, &p);
	if (err == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = 65536;
		err = io_uring_queue_init_params(4096, &r->q, &p);
	}
	if (err)
		return err;
	/* {0, 0} reads the limits; raise the bounded one only, and only if lower */
	if (!io_uring_register_iowq_max_workers(&r->q, max) && max[0] < IOWQ_BOUNDED) {
		max[0] = IOWQ_BOUNDED;
		max[1] = 0;
		io_uring_register_iowq_max_workers(&r->q, max);	/* best effort */
	}
	return 0;
}

void ring_exit(struct ring *r)
{
	io_uring_queue_exit(&r->q);
	if (r->br)
		munmap(r->br, RBUF_N * sizeof(struct io_uring_buf));
	free(r->rbufs);
}

struct io_uring_sqe *ring_sqe(struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->q);

	while (!sqe) {
		/* the SQ is full: hand it to the kernel (the CQ is sized to take it) */
		int err = io_uring_submit(&r->q);

		if (err < 0 && err != -EINTR && err != -EAGAIN) {
			log_at(LOG_ERR, "worker %d: io_uring_submit: %s", r->wid, strerror(-err));
			abort();	/* no way to go on without queueing work */
		}
		sqe = io_uring_get_sqe(&r->q);
	}
	return sqe;
}

void ring_rbuf_put(struct ring *r, unsigned bid)
{
	io_uring_buf_ring_add(r->br, ring_rbuf(r, bid), RBUF_SZ, (unsigned short)bid,
			      io_uring_buf_ring_mask(RBUF_N), 0);
	io_uring_buf_ring_advance(r->br, 1);
}

void ring_setup_rbufs(struct ring *r)
{
	struct io_uring_buf_reg reg = { .ring_entries = RBUF_N, .bgid = RBUF_GROUP };
	size_t len = RBUF_N * sizeof(struct io_uring_buf);
	void *br;

	br = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	r->rbufs = malloc((size_t)RBUF_N * RBUF_SZ);
	if (br == MAP_FAILED || !r->rbufs)
		goto fail;
	reg.ring_addr = (unsigned long)br;
	if (io_uring_register_buf_ring(&r->q, &reg, 0)) {
		munmap(br, len);
		goto fail;
	}
	r->br = br;
	io_uring_buf_ring_init(r->br);
	for (unsigned i = 0; i < RBUF_N; i++)
		io_uring_buf_ring_add(r->br, ring_rbuf(r, i), RBUF_SZ, (unsigned short)i,
				      io_uring_buf_ring_mask(RBUF_N), (int)i);
	io_uring_buf_ring_advance(r->br, RBUF_N);
	return;
fail:
	/* older kernels: each connection reads into its own buffer */
	log_at(LOG_WARNING, "worker %d: no io_uring buffer ring (%s); connections keep a read buffer",
		r->wid, strerror(errno));
	free(r->rbufs);
	r->rbufs = NULL;
}
