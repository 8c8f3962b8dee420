// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsobench: an HTTPS load generator for comparing servers (see usage()). One thread,
 * epoll, non-blocking OpenSSL handshakes; after each handshake the client moves its own
 * connection into kTLS (TX and RX) when the kernel can take it, so that the client's cost
 * per byte stays small and the same whichever server it measures. Every byte received is
 * checked against what the file must contain (content.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "ktls.h"
#include "sslkeys.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* KB_READY: connected, waiting for the others before the first request (--cpu-of) */
enum kb_state { KB_CONNECTING, KB_HANDSHAKE, KB_READY, KB_SEND, KB_HEADER, KB_BODY, KB_IDLE,
	       KB_PARK };	/* KB_PARK: a --cold-conns connection waiting for its turn */

struct kb_conn {
	int fd;
	SSL *ssl;		/* NULL once the connection is in kTLS */
	enum kb_state state;
	unsigned int slot;
	uint64_t reqs;		/* requests done on this connection */
	uint64_t slot_reqs;	/* requests done by this slot (all its connections) */
	const struct kb_content *file;
	size_t path_ix;
	bool cold;		/* --cold-every: this request is for a cold file */
	char cold_path[320];
	char req[512];
	size_t req_len, req_off;
	char hdr[8192];
	size_t hdr_len;
	uint64_t body_len, body_got;
	uint64_t t_req, t_hs;
	size_t turn_bytes;	/* read in this turn; see TURN_BYTES */
	bool queued;		/* in runq: more to read after the others' turn */
};

/*
 * One thread reads many connections. A connection reads at most TURN_BYTES, then waits in
 * runq for the other ready ones to have their turn (epoll is edge-triggered: it will not
 * say again that the rest is there), so that one fast connection cannot starve the others
 * and leave the server looking at a client that does not read.
 */
#define TURN_BYTES (256u << 10)
static struct kb_conn **runq;
static size_t nrunq;

static struct {
	const char *host, *port, *cipher, *json_label;
	const char **paths;
	size_t npaths;
	const char *cold_prefix;	/* --cold-prefix */
	uint64_t cold_every;		/* --cold-every: 0 none */
	unsigned int cold_conns;	/* --cold-conns: the cold requests' own connections */
	unsigned int conns;
	uint64_t requests;	/* per slot */
	double duration;
	double timeout;
	bool new_conn, json, ktls_off, plain;
	int ktls;		/* -1 unknown, 0 absent, 1 working */
	pid_t cpu_of[16];	/* --cpu-of: the server's processes */
	unsigned int ncpu_of;
	char ktls_note[256];
} opt = {
	.host = "127.0.0.1", .port = "8443", .conns = 1, .requests = 10, .timeout = 600,
	.cipher = "TLS_AES_128_GCM_SHA256", .ktls = -1, .cold_prefix = "/cold/",
};

static struct {
	uint64_t ok, handshakes, bytes, verified, ktls_conns, ossl_conns;
	uint64_t server_cpu_ns;	/* --cpu-of: over the requests, after every connection was up */
	uint64_t err_connect, err_handshake, err_status, err_verify, err_io, err_ktls;
	uint64_t *lat;
	size_t nlat, cap;
	uint64_t *hs_lat;
	size_t nhs, hs_cap;
	uint64_t *hot_lat, *cold_lat;	/* --cold-every: the two kinds apart */
	size_t nhot, hot_cap, ncold, cold_cap;
	uint64_t issued, hot_issued, cold_issued;
	char group[40];		/* the key exchange of the first handshake ("" none yet) */
} st;

/* The key-exchange group a handshake agreed on: handshake costs depend on it first. */
static void note_group(SSL *ssl)
{
	const char *name;

	if (st.group[0])
		return;
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
	name = SSL_get0_group_name(ssl);
#else
	name = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));
#endif
	snprintf(st.group, sizeof(st.group), "%s", name ? name : "?");
}

static struct kb_content *files;
static struct addrinfo *addr;
static SSL_CTX *ctx;
static int ep;
static uint64_t t_start, t_stop_issuing;
/* --cpu-of: connections ready and waiting; the server's CPU and the clock when they start */
static unsigned int nready;
static bool released;
static uint64_t cpu0, t_setup;
static unsigned int active;
static unsigned int nconns;	/* --conns and --cold-conns */
static struct kb_conn *conns;
static void wake_parked(void);
static uint8_t rbuf[1 << 16];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		uint64_t *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
}

/* A --cold-conns connection: the slots after --conns' */
static bool cold_slot(const struct kb_conn *c)
{
	return c->slot >= opt.conns;
}

static bool more_requests(const struct kb_conn *c)
{
	if (cold_slot(c) && opt.duration <= 0)	/* as long as the hot ones go on */
		return st.hot_issued < (uint64_t)opt.conns * opt.requests;
	if (opt.duration > 0)
		return now_ns() < t_stop_issuing;
	return c->slot_reqs < opt.requests;
}

static void conn_close(struct kb_conn *c)
{
	c->queued = false;	/* a runq entry left behind is skipped */
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
}

static int conn_open(struct kb_conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = c };
	int one = 1;

	c->fd = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->reqs = 0;
	c->t_hs = now_ns();
	if (connect(c->fd, addr->ai_addr, addr->ai_addrlen) < 0 && errno != EINPROGRESS) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	c->state = KB_CONNECTING;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		int err = -errno;

		conn_close(c);
		return err;
	}
	return 0;
}

static void prepare_request(struct kb_conn *c)
{
	const char *path;

	/* --cold-conns: 1 cold request in --cold-every of those issued, not before its turn */
	if (cold_slot(c) && st.hot_issued < (st.cold_issued + 1) * (opt.cold_every - 1)) {
		c->state = KB_PARK;
		return;
	}
	c->path_ix = (c->slot + c->slot_reqs) % opt.npaths;
	path = opt.paths[c->path_ix];
	c->file = &files[c->path_ix];
	if (opt.cold_conns)
		c->cold = cold_slot(c);
	else
		c->cold = opt.cold_every && ++st.issued % opt.cold_every == 0;
	if (!c->cold)
		st.hot_issued++;
	if (c->cold) {
		/* a file of its own, never asked for before: same name, so same content */
		const char *name = strrchr(path, '/');

		snprintf(c->cold_path, sizeof(c->cold_path), "%s%" PRIu64 "/%s", opt.cold_prefix,
			 st.cold_issued++, name ? name + 1 : path);
		path = c->cold_path;
	}
	c->req_len = (size_t)snprintf(c->req, sizeof(c->req),
				      "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, opt.host,
				      opt.new_conn ? "Connection: close\r\n" : "");
	c->req_off = 0;
	c->hdr_len = 0;
	c->body_len = c->body_got = 0;
	c->t_req = now_ns();
	c->state = KB_SEND;
	/* a cold turn now, not after the loop's pass: a hot connection whose answers come
	 * back at once can issue many requests in one step */
	if (opt.cold_conns && !c->cold)
		wake_parked();
}

/* After the handshake: both directions into kTLS, or stay with OpenSSL (and say why once). */
static int go_ktls(struct kb_conn *c)
{
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step = KSO_STEP_ULP;
	int err;

	if (opt.ktls == 0 || SSL_has_pending(c->ssl)) {
		kso_ssl_forget(c->ssl);
		return 0;
	}
	err = kso_ssl_derive(c->ssl, KSO_CLIENT, 0, 0, &tx, &rx);
	if (!err)
		err = kso_ktls_install_keys(c->fd, &tx, &rx, &step);
	if (err) {
		if (step != KSO_STEP_ULP && step != KSO_STEP_TX)
			return err;	/* TX is in the kernel: this connection cannot go on */
		if (opt.ktls < 0) {
			opt.ktls = 0;
			snprintf(opt.ktls_note, sizeof(opt.ktls_note),
				 "client kTLS unavailable (%s): the client reads through OpenSSL",
				 kso_ktls_strerror(step, err));
			fprintf(stderr, "ktlsobench: %s\n", opt.ktls_note);
		}
		return 0;
	}
	opt.ktls = 1;
	SSL_free(c->ssl);
	c->ssl = NULL;
	return 0;
}

/* Read some plaintext: >0 bytes, 0 at EOF, -EAGAIN, or -errno. Skips non-data records. */
static ssize_t conn_read(struct kb_conn *c, void *buf, size_t len)
{
	if (c->ssl) {
		int n = SSL_read(c->ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len));

		if (n > 0)
			return n;
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return -EAGAIN;
		case SSL_ERROR_ZERO_RETURN:
			return 0;
		default:
			ERR_clear_error();
			return -EIO;
		}
	}
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(unsigned char))];
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(c->fd, &msg, 0);

		if (n < 0)
			return errno == EAGAIN ? -EAGAIN : -errno;
		cm = CMSG_FIRSTHDR(&msg);
		if (cm && cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE) {
			unsigned char type = *CMSG_DATA(cm);

			if (type == 22)
				continue;	/* NewSessionTicket: not used */
			if (type == 21)
				return 0;	/* close_notify or another alert: the end */
			if (type != 23)
				return -EPROTO;
		}
		return n;
	}
}

static ssize_t conn_write(struct kb_conn *c, const void *buf, size_t len)
{
	if (c->ssl) {
		int n = SSL_write(c->ssl, buf, (int)len);

		if (n > 0)
			return n;
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return -EAGAIN;
		default:
			ERR_clear_error();
			return -EIO;
		}
	}
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

	return n < 0 ? -errno : n;
}

static int parse_header(struct kb_conn *c, size_t *hl)
{
	char *end, *h;
	int status;

	c->hdr[c->hdr_len] = 0;
	end = strstr(c->hdr, "\r\n\r\n");
	if (!end)
		return c->hdr_len + 1 >= sizeof(c->hdr) ? -EPROTO : -EAGAIN;
	*hl = (size_t)(end + 4 - c->hdr);
	*end = 0;
	if (sscanf(c->hdr, "HTTP/1.%*d %d", &status) != 1 || status != 200)
		return -EBADMSG;
	h = strcasestr(c->hdr, "\r\nContent-Length:");
	if (!h)
		return -EPROTO;
	c->body_len = strtoull(h + 17, NULL, 10);
	return 0;
}

static bool body_chunk(struct kb_conn *c, const uint8_t *p, size_t n)
{
	if (c->body_got + n > c->body_len || !kb_content_check(c->file, c->body_got, p, n))
		return false;
	c->body_got += n;
	st.bytes += n;
	st.verified += n;
	return true;
}

enum kb_err { KB_E_CONNECT = 1, KB_E_HANDSHAKE, KB_E_STATUS, KB_E_VERIFY, KB_E_IO, KB_E_KTLS };

static void count_error(enum kb_err e)
{
	switch (e) {
	case KB_E_CONNECT: st.err_connect++; break;
	case KB_E_HANDSHAKE: st.err_handshake++; break;
	case KB_E_STATUS: st.err_status++; break;
	case KB_E_VERIFY: st.err_verify++; break;
	case KB_E_IO: st.err_io++; break;
	case KB_E_KTLS: st.err_ktls++; break;
	}
}

static void next_or_finish(struct kb_conn *c);

/* The CPU time of the --cpu-of processes, ns (see cpu() below); 0 if one cannot be read. */
static uint64_t server_cpu(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < opt.ncpu_of; i++) {
		struct timespec ts;
		clockid_t id;

		if (clock_getcpuclockid(opt.cpu_of[i], &id) || clock_gettime(id, &ts))
			return 0;
		sum += (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	}
	return sum;
}

/*
 * --cpu-of, keep-alive: a connection whose handshake is done waits (KB_READY) until every
 * live one is, so that what is measured after is requests only. Returns true if it waits.
 */
static bool hold_ready(struct kb_conn *c)
{
	if (!opt.ncpu_of || opt.new_conn || released)
		return false;
	c->state = KB_READY;
	nready++;
	return true;
}

/* Drive a connection until it would block. Returns 0, or a kb_err. */
static int step(struct kb_conn *c)
{
	for (;;) {
		switch (c->state) {
		case KB_CONNECTING: {
			int err = 0;
			socklen_t l = sizeof(err);

			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err)
				return KB_E_CONNECT;
			if (opt.plain) {
				if (hold_ready(c))
					return 0;
				prepare_request(c);
				break;
			}
			c->ssl = SSL_new(ctx);
			if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
				return KB_E_HANDSHAKE;
			SSL_set_tlsext_host_name(c->ssl, opt.host);
			c->state = KB_HANDSHAKE;
			break;
		}
		case KB_HANDSHAKE: {
			int r = SSL_connect(c->ssl);

			if (r != 1) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return 0;
				if (!opt.json)
					ERR_print_errors_fp(stderr);
				ERR_clear_error();
				return KB_E_HANDSHAKE;
			}
			st.handshakes++;
			note_group(c->ssl);
			push(&st.hs_lat, &st.nhs, &st.hs_cap, now_ns() - c->t_hs);
			if (go_ktls(c))
				return KB_E_KTLS;
			if (c->ssl)
				st.ossl_conns++;
			else
				st.ktls_conns++;
			if (hold_ready(c))
				return 0;
			prepare_request(c);
			break;
		}
		case KB_SEND:
			while (c->req_off < c->req_len) {
				ssize_t n = conn_write(c, c->req + c->req_off, c->req_len - c->req_off);

				if (n == -EAGAIN)
					return 0;
				if (n <= 0)
					return KB_E_IO;
				c->req_off += (size_t)n;
			}
			c->state = KB_HEADER;
			break;
		case KB_HEADER: {
			ssize_t n = conn_read(c, c->hdr + c->hdr_len, sizeof(c->hdr) - 1 - c->hdr_len);
			size_t hl;
			int err;

			if (n == -EAGAIN)
				return 0;
			if (n <= 0)
				return KB_E_IO;
			c->hdr_len += (size_t)n;
			err = parse_header(c, &hl);
			if (err == -EAGAIN)
				break;
			if (err)
				return err == -EBADMSG ? KB_E_STATUS : KB_E_IO;
			if (c->body_len != c->file->size)
				return KB_E_VERIFY;
			c->state = KB_BODY;
			if (c->hdr_len > hl &&
			    !body_chunk(c, (const uint8_t *)c->hdr + hl, c->hdr_len - hl))
				return KB_E_VERIFY;
			break;
		}
		case KB_BODY:
			if (c->body_got == c->body_len) {
				st.ok++;
				uint64_t lat = now_ns() - c->t_req;

				push(&st.lat, &st.nlat, &st.cap, lat);
				if (c->cold)
					push(&st.cold_lat, &st.ncold, &st.cold_cap, lat);
				else if (opt.cold_every)
					push(&st.hot_lat, &st.nhot, &st.hot_cap, lat);
				c->reqs++;
				c->slot_reqs++;
				next_or_finish(c);
				if (c->state == KB_IDLE || c->state == KB_CONNECTING)
					return 0;
				break;
			}
			ssize_t n = conn_read(c, rbuf, sizeof(rbuf));

			if (n == -EAGAIN)
				return 0;
			if (n <= 0)
				return KB_E_IO;
			if (!body_chunk(c, rbuf, (size_t)n))
				return KB_E_VERIFY;
			c->turn_bytes += (size_t)n;
			if (c->turn_bytes >= TURN_BYTES && c->body_got < c->body_len) {
				c->turn_bytes = 0;
				if (!c->queued) {
					c->queued = true;
					runq[nrunq++] = c;
				}
				return 0;
			}
			break;
		case KB_READY:
		case KB_IDLE:
		case KB_PARK:
			return 0;
		}
	}
}

/* After a response: the next request on this connection, a new connection, or done. */
static void next_or_finish(struct kb_conn *c)
{
	if (!more_requests(c)) {
		conn_close(c);
		c->state = KB_IDLE;
		active--;
		return;
	}
	if (!opt.new_conn) {
		prepare_request(c);
		return;
	}
	conn_close(c);
	while (more_requests(c)) {
		if (!conn_open(c))
			return;
		count_error(KB_E_CONNECT);
		c->slot_reqs++;	/* a failed request counts against the slot's share */
	}
	c->state = KB_IDLE;
	active--;
}

static void fail_conn(struct kb_conn *c, int e)
{
	count_error(e);
	conn_close(c);
	c->state = KB_IDLE;
	c->slot_reqs++;
	/* the slot carries on with a new connection, as a real client would */
	while (more_requests(c)) {
		if (!conn_open(c))
			return;
		count_error(KB_E_CONNECT);
		c->slot_reqs++;
	}
	active--;
}

/* --cold-conns: the parked ones whose turn has come go; once the hot ones are done, end */
static void wake_parked(void)
{
	for (unsigned int i = opt.conns; i < nconns; i++) {
		struct kb_conn *c = &conns[i];

		if (c->state != KB_PARK)
			continue;
		if (!more_requests(c)) {
			conn_close(c);
			c->state = KB_IDLE;
			active--;
			continue;
		}
		prepare_request(c);
		int e = step(c);

		if (e)
			fail_conn(c, e);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e3;	/* microseconds */
}

/* qsort's array may not be NULL, even empty (an array never pushed to is) */
static void sort_lat(uint64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
}

static void report(double secs)
{
	uint64_t errors = st.err_connect + st.err_handshake + st.err_status + st.err_verify +
			  st.err_io + st.err_ktls;
	double mib = (double)st.bytes / (1 << 20);

	sort_lat(st.lat, st.nlat);
	sort_lat(st.hs_lat, st.nhs);
	sort_lat(st.hot_lat, st.nhot);
	sort_lat(st.cold_lat, st.ncold);
	if (opt.json) {
		printf("{\"label\":\"%s\",\"host\":\"%s\",\"port\":\"%s\",\"cipher\":\"%s\","
		       "\"conns\":%u,\"new_conn\":%s,\"paths\":[",
		       opt.json_label ? opt.json_label : "", opt.host, opt.port,
		       opt.plain ? "none" : opt.cipher,
		       opt.conns, opt.new_conn ? "true" : "false");
		for (size_t i = 0; i < opt.npaths; i++)
			printf("%s\"%s\"", i ? "," : "", opt.paths[i]);
		printf("],\"elapsed_s\":%.6f,\"requests\":%" PRIu64 ",\"errors\":%" PRIu64
		       ",\"handshakes\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"bytes_verified\":%" PRIu64
		       ",\"mib_per_s\":%.3f,\"req_per_s\":%.3f,\"hs_per_s\":%.3f"
		       ",\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,\"hs_p50_us\":%.1f"
		       ",\"client_ktls_conns\":%" PRIu64 ",\"client_openssl_conns\":%" PRIu64
		       ",\"err\":{\"connect\":%" PRIu64 ",\"handshake\":%" PRIu64 ",\"status\":%" PRIu64
		       ",\"verify\":%" PRIu64 ",\"io\":%" PRIu64 ",\"ktls\":%" PRIu64 "}",
		       secs, st.ok, errors, st.handshakes, st.bytes, st.verified, mib / secs,
		       (double)st.ok / secs, (double)st.handshakes / (released ? (double)t_setup / 1e9 : secs),
		       pct(st.lat, st.nlat, 0.50), pct(st.lat, st.nlat, 0.99),
		       pct(st.hs_lat, st.nhs, 0.50), st.ktls_conns, st.ossl_conns, st.err_connect,
		       st.err_handshake, st.err_status, st.err_verify, st.err_io, st.err_ktls);
		if (st.group[0])
			printf(",\"group\":\"%s\"", st.group);
		if (released)
			printf(",\"setup_s\":%.6f,\"server_cpu_ns\":%" PRIu64, (double)t_setup / 1e9,
			       st.server_cpu_ns);
		if (opt.cold_every)
			printf(",\"cold_every\":%" PRIu64 ",\"cold_conns\":%u,\"hot_requests\":%zu,\"hot_p50_us\":%.1f"
			       ",\"hot_p99_us\":%.1f,\"cold_requests\":%zu,\"cold_p50_us\":%.1f"
			       ",\"cold_p99_us\":%.1f", opt.cold_every, opt.cold_conns, st.nhot,
			       pct(st.hot_lat, st.nhot, 0.50), pct(st.hot_lat, st.nhot, 0.99), st.ncold,
			       pct(st.cold_lat, st.ncold, 0.50), pct(st.cold_lat, st.ncold, 0.99));
		printf("}\n");
		return;
	}
	printf("target:          %s:%s  %s  %u connections%s\n", opt.host, opt.port, opt.cipher,
	       opt.conns, opt.new_conn ? ", one request each" : ", keep-alive");
	printf("elapsed:         %.3f s\n", secs);
	printf("requests:        %" PRIu64 " ok, %" PRIu64 " errors\n", st.ok, errors);
	printf("throughput:      %.2f MiB/s, %.1f requests/s\n", mib / secs, (double)st.ok / secs);
	printf("handshakes:      %" PRIu64 " (%.1f/s, p50 %.0f us)%s%s\n", st.handshakes,
	       (double)st.handshakes / (released ? (double)t_setup / 1e9 : secs),
	       pct(st.hs_lat, st.nhs, 0.50), st.group[0] ? ", key exchange " : "", st.group);
	printf("latency:         p50 %.0f us, p99 %.0f us\n", pct(st.lat, st.nlat, 0.50),
	       pct(st.lat, st.nlat, 0.99));
	if (opt.cold_every)
		printf("  hot:           %zu requests, p50 %.0f us, p99 %.0f us\n"
		       "  cold:          %zu requests, p50 %.0f us, p99 %.0f us\n", st.nhot,
		       pct(st.hot_lat, st.nhot, 0.50), pct(st.hot_lat, st.nhot, 0.99), st.ncold,
		       pct(st.cold_lat, st.ncold, 0.50), pct(st.cold_lat, st.ncold, 0.99));
	printf("bytes verified:  %" PRIu64 "\n", st.verified);
	if (released)
		printf("server CPU:      %.3f ms over the requests (connections set up first, "
		       "in %.3f s)\n", (double)st.server_cpu_ns / 1e6, (double)t_setup / 1e9);
	printf("client kTLS:     %" PRIu64 " connections (OpenSSL: %" PRIu64 ")%s%s\n",
	       st.ktls_conns, st.ossl_conns, opt.ktls_note[0] ? "; " : "", opt.ktls_note);
	if (errors)
		printf("errors:          connect %" PRIu64 ", handshake %" PRIu64 ", status %" PRIu64
		       ", verify %" PRIu64 ", io %" PRIu64 ", ktls %" PRIu64 "\n",
		       st.err_connect, st.err_handshake, st.err_status, st.err_verify, st.err_io,
		       st.err_ktls);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktlsobench [options] --path PATH...   load an HTTPS server, check every byte\n"
"       ktlsobench gen DIR [NAME...]           create the files (default 16K 1M 64M)\n"
"       ktlsobench cpu PID...                  CPU ns of those processes (exited threads too)\n"
"\n"
"Files are named by their size (16K, 1M, 64M, 4096): their content follows from the\n"
"name, so the client checks each byte without reading them. Serve DIR, request /NAME.\n"
"\n"
"  --host H            server address (default 127.0.0.1); also the SNI name\n"
"  --port P            (default 8443)\n"
"  --conns N           connections at once (default 1)\n"
"  --requests M        requests per connection slot (default 10)\n"
"  --duration S        instead: issue requests for S seconds, then finish\n"
"  --new-conn          a new connection (a full handshake) for every request\n"
"  --path P            a file to request; repeatable (requests go round robin)\n"
"  --cold-every N      every Nth request issued (all connections counted) is for a\n"
"                      cold file: PREFIX0/NAME, PREFIX1/NAME... (NAME the --path's\n"
"                      file name), each asked for once; hot and cold latency apart\n"
"  --cold-prefix P     the cold files' PREFIX (default /cold/)\n"
"  --cold-conns K      the cold requests go on K connections of their own, beside\n"
"                      --conns', which ask for hot files only: as many hot ones\n"
"                      in flight as without cold files (each still 1 in N issued)\n"
"  --tls13-cipher C    TLS 1.3 suite (default TLS_AES_128_GCM_SHA256; also\n"
"                      TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)\n"
"  --no-ktls           the client reads through OpenSSL even where kTLS works\n"
"  --plain             plain HTTP, no TLS (for a plaintext server)\n"
"  --timeout S         give up on outstanding requests after S seconds (default 600)\n"
"  --json              one JSON object instead of the table\n"
"  --label L           a label carried into the JSON\n"
"  --cpu-of PID        the server's process (repeatable): keep-alive connections all\n"
"                      finish their handshake first, then the requests start, and the\n"
"                      CPU time of these processes over the requests is reported\n"
"                      (server_cpu_ns; elapsed, rates from the first request)\n"
"  -h, --help          this help\n"
"\n"
"The client moves its connections into kTLS (TX and RX) after the handshake when the\n"
"kernel has it, so that its own cost stays low; without kTLS it reads through OpenSSL\n"
"and says so. Exit status: 0 when every request succeeded, 1 otherwise, 2 bad usage.\n");
}

static int gen(int argc, char **argv)
{
	static const char *def[] = { "16K", "1M", "64M" };
	const char **names = argc > 3 ? (const char **)argv + 3 : def;
	int n = argc > 3 ? argc - 3 : 3, err;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		err = kb_content_write(argv[2], names[i]);
		if (err) {
			fprintf(stderr, "ktlsobench: gen %s/%s: %s\n", argv[2], names[i],
				err == -EINVAL ? "not a size (like 16K, 1M, 4096)" : strerror(-err));
			return 1;
		}
	}
	return 0;
}

/*
 * ktlsobench cpu PID...: the CPU time of those processes, ns, summed. The process clock
 * (clock_getcpuclockid) counts threads that have exited too - io_uring's io-wq workers
 * come and go, and summing /proc/PID/task/x/schedstat would lose theirs.
 */
static int cpu(int argc, char **argv)
{
	unsigned long long sum = 0;

	for (int i = 2; i < argc; i++) {
		struct timespec ts;
		clockid_t id;
		int err = clock_getcpuclockid((pid_t)atoi(argv[i]), &id);

		if (err || clock_gettime(id, &ts)) {
			fprintf(stderr, "ktlsobench: cpu %s: %s\n", argv[i], strerror(err ? err : errno));
			return 1;
		}
		sum += (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
	}
	printf("%llu\n", sum);
	return 0;
}

static double num(const char *name, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || v <= 0) {
		fprintf(stderr, "ktlsobench: %s takes a positive number, not '%s'\n", name, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "new-conn", no_argument, NULL, 'N' },
		{ "path", required_argument, NULL, 'P' },
		{ "cold-every", required_argument, NULL, 'E' },
		{ "cold-prefix", required_argument, NULL, 'X' },
		{ "cold-conns", required_argument, NULL, 'k' },
		{ "tls13-cipher", required_argument, NULL, 'C' },
		{ "no-ktls", no_argument, NULL, 'K' },
		{ "timeout", required_argument, NULL, 't' },
		{ "plain", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "cpu-of", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct rlimit rl;
	int o, err;

	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return gen(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "cpu"))
		return cpu(argc, argv);
	opt.paths = calloc((size_t)argc, sizeof(*opt.paths));
	if (!opt.paths)
		return 1;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 'H': opt.host = optarg; break;
		case 'p': opt.port = optarg; break;
		case 'c': opt.conns = (unsigned int)num("--conns", optarg); break;
		case 'n': opt.requests = (uint64_t)num("--requests", optarg); break;
		case 'd': opt.duration = num("--duration", optarg); break;
		case 'N': opt.new_conn = true; break;
		case 'P': opt.paths[opt.npaths++] = optarg; break;
		case 'E': opt.cold_every = (uint64_t)num("--cold-every", optarg); break;
		case 'X': opt.cold_prefix = optarg; break;
		case 'k': opt.cold_conns = (unsigned int)num("--cold-conns", optarg); break;
		case 'C': opt.cipher = optarg; break;
		case 'K': opt.ktls_off = true; break;
		case 't': opt.timeout = num("--timeout", optarg); break;
		case 'T': opt.plain = true; break;
		case 'j': opt.json = true; break;
		case 'l': opt.json_label = optarg; break;
		case 'U':
			if (opt.ncpu_of == sizeof(opt.cpu_of) / sizeof(opt.cpu_of[0])) {
				fprintf(stderr, "ktlsobench: at most 16 --cpu-of\n");
				return 2;
			}
			opt.cpu_of[opt.ncpu_of++] = (pid_t)num("--cpu-of", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !opt.npaths) {
		fprintf(stderr, "ktlsobench: %s\n", optind < argc ? "unexpected argument" : "no --path");
		usage(stderr);
		return 2;
	}
	if (opt.cold_conns && !opt.cold_every) {
		fprintf(stderr, "ktlsobench: --cold-conns needs --cold-every\n");
		return 2;
	}
	nconns = opt.conns + opt.cold_conns;
	if (strlen(opt.cold_prefix) > 200) {
		fprintf(stderr, "ktlsobench: --cold-prefix is too long\n");
		return 2;
	}
	files = calloc(opt.npaths, sizeof(*files));
	if (!files)
		return 1;
	for (size_t i = 0; i < opt.npaths; i++) {
		if (kb_content_init(&files[i], opt.paths[i])) {
			fprintf(stderr, "ktlsobench: --path %s: the file name must be a size made by "
				"'ktlsobench gen' (16K, 1M, ...)\n", opt.paths[i]);
			return 2;
		}
	}
	if (opt.ktls_off) {
		opt.ktls = 0;
		snprintf(opt.ktls_note, sizeof(opt.ktls_note), "--no-ktls");
	}
	err = getaddrinfo(opt.host, opt.port, &hints, &addr);
	if (err) {
		fprintf(stderr, "ktlsobench: %s:%s: %s\n", opt.host, opt.port, gai_strerror(err));
		return 2;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < nconns + 64ULL) {
		rl.rlim_cur = rl.rlim_max < nconns + 64ULL ? rl.rlim_max : nconns + 64ULL;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, opt.cipher)) {
		fprintf(stderr, "ktlsobench: TLS 1.3 suite '%s' is not known to OpenSSL\n", opt.cipher);
		return 2;
	}
	/* Every connection makes a full handshake: that is what is measured. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (!opt.ktls_off && kso_ssl_capture(ctx)) {
		fprintf(stderr, "ktlsobench: cannot capture the traffic secrets\n");
		return 1;
	}

	ep = epoll_create1(EPOLL_CLOEXEC);
	conns = calloc(nconns, sizeof(*conns));
	runq = calloc(2 * (size_t)nconns + 1, sizeof(*runq));	/* live + stale entries */
	if (ep < 0 || !conns || !runq)
		return 1;
	t_start = now_ns();
	t_stop_issuing = t_start + (uint64_t)(opt.duration * 1e9);
	for (unsigned int i = 0; i < nconns; i++) {
		conns[i].slot = i;
		conns[i].fd = -1;
		active++;
		while ((err = conn_open(&conns[i])) && more_requests(&conns[i])) {
			count_error(KB_E_CONNECT);
			conns[i].slot_reqs++;
		}
		if (err) {
			conns[i].state = KB_IDLE;
			active--;
		}
	}
	uint64_t deadline = t_start + (uint64_t)((opt.duration + opt.timeout) * 1e9);
	struct epoll_event evs[256];

	while (active) {
		int n = epoll_wait(ep, evs, 256, nrunq ? 0 : 1000);

		if (n < 0 && errno != EINTR) {
			perror("ktlsobench: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct kb_conn *c = evs[i].data.ptr;

			if (c->state == KB_IDLE)
				continue;
			c->turn_bytes = 0;
			int e = step(c);

			if (e)
				fail_conn(c, e);
		}
		/* the connections that used their turn: one more each, in order */
		for (size_t i = 0, k = nrunq; i < k; i++) {
			struct kb_conn *c = runq[i];

			if (!c->queued || c->state == KB_IDLE)
				continue;
			c->queued = false;
			int e = step(c);

			if (e)
				fail_conn(c, e);
		}
		if (opt.cold_conns)
			wake_parked();
		if (opt.ncpu_of && !opt.new_conn && !released && nready >= active) {
			/* every live connection is up: the clocks start, then the requests */
			released = true;
			t_setup = now_ns() - t_start;
			t_start = now_ns();
			t_stop_issuing = t_start + (uint64_t)(opt.duration * 1e9);
			cpu0 = server_cpu();
			for (unsigned int i = 0; i < nconns; i++) {
				struct kb_conn *c = &conns[i];

				if (c->state != KB_READY)
					continue;
				prepare_request(c);
				int e = step(c);

				if (e)
					fail_conn(c, e);
			}
		}
		if (nrunq) {	/* keep what was queued again during this pass, once each */
			size_t j = 0;

			for (size_t i = 0; i < nrunq; i++)
				if (runq[i]->queued) {
					runq[i]->queued = false;
					runq[j++] = runq[i];
				}
			for (size_t i = 0; i < j; i++)
				runq[i]->queued = true;
			nrunq = j;
		}
		if (now_ns() > deadline) {
			for (unsigned int i = 0; i < nconns; i++)
				if (conns[i].state != KB_IDLE) {
					count_error(KB_E_IO);
					conn_close(&conns[i]);
					conns[i].state = KB_IDLE;
				}
			fprintf(stderr, "ktlsobench: --timeout: %u connections gave up\n", active);
			break;
		}
	}
	double secs = (double)(now_ns() - t_start) / 1e9;
	uint64_t cpu1 = released ? server_cpu() : 0;

	st.server_cpu_ns = cpu0 && cpu1 ? cpu1 - cpu0 : 0;
	report(secs);
	for (unsigned int i = 0; i < nconns; i++)
		conn_close(&conns[i]);
	SSL_CTX_free(ctx);
	freeaddrinfo(addr);
	free(conns);
	free(runq);
	free(files);
	free(opt.paths);
	free(st.lat);
	free(st.hs_lat);
	free(st.hot_lat);
	free(st.cold_lat);
	close(ep);
	return st.err_connect + st.err_handshake + st.err_status + st.err_verify + st.err_io +
		       st.err_ktls ? 1 : 0;
}
