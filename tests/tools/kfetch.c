// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kfetch: many kTLS clients at once fetching files, each body's SHA-256 printed. A helper,
 * not a test: tests/e2e/netem.sh runs it across a lossy, reordering, small-MTU path.
 *
 *	kfetch [-c CONNS] [-m MSS] [-p PAD] [-s] [-2 EVERY] [-t SECS] ADDR PORT PATH...
 *
 * CONNS connections (default 1), one process each, all at once. Connection i makes a TLS
 * handshake (TLS 1.3; every EVERY-th connection TLS 1.2; the AES-128-GCM, AES-256-GCM and
 * ChaCha20-Poly1305 suites in turn), moves both directions of its socket into kTLS, and
 * fetches every PATH on one keep-alive connection, starting at PATH i (round robin), the
 * last request with "Connection: close"; then the server must end the connection. The
 * first request leaves right behind the client's Finished (TCP_NODELAY).
 *
 *   -m MSS   TCP_MAXSEG before connect: both directions' segments carry at most MSS bytes
 *            (options included), so the handshake's flights span many segments
 *   -p PAD   an "X-Pad" header of PAD bytes in every request: a request record longer
 *            than a segment
 *   -s       every request in three kTLS records: its first 5 bytes, the middle, and its
 *            last 3 bytes (the end of the header split between records)
 *   -t SECS  a connection that waits longer than SECS for a read or a write has stalled
 *            and fails (default 30)
 *
 * One line per response on stdout, written whole:
 *	fetch conn=I tls=1.3 cipher=C mss=M path=P status=S bytes=N sha256=HEX hs_ms=H ms=T
 * (H: the handshake took, from the connect; T: since the connect).
 * and a connection that failed says why on stderr ("kfetch: conn I: ..."). Exit 0 when
 * every connection fetched every path (status 200, the whole body) and saw the server's
 * close; 1 otherwise; 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/tls.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "ktls.h"
#include "sslkeys.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define TLS_CT_ALERT		21
#define TLS_CT_HANDSHAKE	22
#define TLS_CT_DATA		23

static struct {
	struct sockaddr_in addr;
	const char *host;
	char **paths;
	int npaths;
	int conns, mss, pad, split, tls12_every, timeout;
} opt = { .conns = 1, .timeout = 30 };

static const char *const suites13[] = {
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
};
static const char *const suites12[] = {
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
};

/* One connection: what its lines and messages say about it. */
struct kf_conn {
	int id, fd;
	unsigned short port;		/* ours, as the server's log shows it */
	unsigned long long t0;		/* ms, at the start */
	unsigned long long hs_ms;	/* the handshake took */
	const char *tls, *cipher;
	char buf[16384];	/* received plaintext not yet consumed, and a NUL */
	size_t have;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static __attribute__((format(printf, 2, 3))) int kf_fail(const struct kf_conn *c,
							  const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "kfetch: conn %d (port %u, at %llu ms): ", c->id,
			 c->port, now_ms() - c->t0);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(2, line, (size_t)n);
	return -1;
}

static const char *io_err(ssize_t n)
{
	if (n == 0)
		return "the server closed the connection";
	if (errno == EAGAIN)
		return "stalled: nothing moved within the -t timeout";
	return strerror(errno);
}

static int tcp_open(struct kf_conn *c)
{
	struct timeval tv = { .tv_sec = opt.timeout };
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return kf_fail(c, "socket: %s", strerror(errno));
	if (opt.mss && setsockopt(c->fd, IPPROTO_TCP, TCP_MAXSEG, &opt.mss, sizeof(opt.mss)))
		return kf_fail(c, "setsockopt(TCP_MAXSEG, %d): %s", opt.mss, strerror(errno));
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return kf_fail(c, "setsockopt: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&opt.addr, sizeof(opt.addr)))
		return kf_fail(c, "connect: %s", strerror(errno));
	if (!getsockname(c->fd, (struct sockaddr *)&sin, &slen))
		c->port = ntohs(sin.sin_port);
	return 0;
}

/* The handshake through OpenSSL, then both directions into kTLS; the SSL is freed. */
static int tls_open(struct kf_conn *c, SSL_CTX *ctx)
{
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step = KSO_STEP_ULP;
	bool v12 = opt.tls12_every && c->id % opt.tls12_every == 0;
	int suite = (c->id / (opt.tls12_every ? opt.tls12_every : 1)) % 3, err;
	uint64_t seq;
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return kf_fail(c, "SSL_new failed");
	if (v12) {
		SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
		SSL_set_cipher_list(ssl, suites12[suite]);
	} else {
		SSL_set_min_proto_version(ssl, TLS1_3_VERSION);
		SSL_set_ciphersuites(ssl, suites13[suite]);
	}
	SSL_set_fd(ssl, c->fd);
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		SSL_free(ssl);
		return kf_fail(c, "the handshake failed (%s)", errno ? strerror(errno) : "TLS");
	}
	v12 = SSL_version(ssl) != TLS1_3_VERSION;
	c->hs_ms = now_ms() - c->t0;
	c->tls = v12 ? "1.2" : "1.3";
	c->cipher = SSL_get_cipher_name(ssl);
	c->cipher = c->cipher ? c->cipher : "-";
	if (SSL_has_pending(ssl)) {
		SSL_free(ssl);
		return kf_fail(c, "OpenSSL read past the handshake: cannot hand off to kTLS");
	}
	/* TLS 1.2: the Finished messages were record 0 in each direction */
	seq = v12 ? 1 : 0;
	err = kso_ssl_derive(ssl, KSO_CLIENT, seq, seq, &tx, &rx);
	if (!err)
		err = kso_ktls_install_keys(c->fd, &tx, &rx, &step);
	/* the name is a static string of OpenSSL's; the SSL itself is done */
	SSL_free(ssl);
	if (err)
		return kf_fail(c, "kTLS: %s", kso_ktls_strerror(step, err));
	return 0;
}

static int send_all(struct kf_conn *c, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return kf_fail(c, "send: %s", io_err(n));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request; with -s in three records (each send() on a kTLS socket ends one). */
static int send_request(struct kf_conn *c, const char *path, bool last)
{
	static char pad[8192];
	char req[9000];
	int len;
	size_t a, b;

	if (!pad[0])
		memset(pad, 'p', sizeof(pad) - 1);
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s%.*s%s%s\r\n", path,
		       opt.host, opt.pad ? "X-Pad: " : "", opt.pad, pad, opt.pad ? "\r\n" : "",
		       last ? "Connection: close\r\n" : "");
	if (len < 0 || len >= (int)sizeof(req))
		return kf_fail(c, "request too long");
	if (!opt.split)
		return send_all(c, req, (size_t)len);
	a = 5;
	b = (size_t)len - 3;
	if (send_all(c, req, a) || send_all(c, req + a, b - a))
		return -1;
	return send_all(c, req + b, (size_t)len - b);
}

/*
 * Plaintext from the kTLS socket into c->buf: >0 bytes, 0 at the server's end (a FIN or
 * its close_notify), -1 on an error (said). Session tickets are skipped.
 */
static ssize_t recv_plain(struct kf_conn *c)
{
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(unsigned char))];
		struct iovec iov = { c->buf + c->have, sizeof(c->buf) - 1 - c->have };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		unsigned char type = TLS_CT_DATA;
		ssize_t n = recvmsg(c->fd, &msg, 0);

		if (n < 0)
			return kf_fail(c, "recv: %s", io_err(n));
		if (n == 0)
			return 0;
		cm = CMSG_FIRSTHDR(&msg);
		if (cm && cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE)
			type = *CMSG_DATA(cm);
		if (type == TLS_CT_HANDSHAKE)
			continue;	/* NewSessionTicket */
		if (type == TLS_CT_ALERT) {
			if (n == 2 && (unsigned char)c->buf[c->have + 1] == 0)
				return 0;	/* close_notify */
			return kf_fail(c, "the server sent alert %d",
				       (unsigned char)c->buf[c->have + (n > 1)]);
		}
		if (type != TLS_CT_DATA)
			return kf_fail(c, "a record of type %d", type);
		c->have += (size_t)n;
		return n;
	}
}

/* One response: its status, and its body through SHA-256 into hex. */
static int read_response(struct kf_conn *c, const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1], line[512], *end, *h;
	unsigned long long clen, got = 0;
	unsigned int mdlen;
	int status, n, ret = -1;
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	size_t hl;

	if (!sha || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(sha);
		return kf_fail(c, "SHA-256: OpenSSL failed");
	}
	for (;;) {
		c->buf[c->have] = 0;
		end = strstr(c->buf, "\r\n\r\n");
		if (end)
			break;
		if (c->have >= sizeof(c->buf) - 1) {
			kf_fail(c, "%s: a response header longer than %zu bytes", path,
				sizeof(c->buf));
			goto out;
		}
		n = (int)recv_plain(c);
		if (n <= 0) {
			if (!n)
				kf_fail(c, "%s: the server closed before the response", path);
			goto out;
		}
	}
	*end = 0;
	hl = (size_t)(end + 4 - c->buf);
	h = strcasestr(c->buf, "\r\nContent-Length:");
	if (sscanf(c->buf, "HTTP/1.1 %d", &status) != 1 || !h) {
		kf_fail(c, "%s: not an HTTP/1.1 response with a length: %.60s", path, c->buf);
		goto out;
	}
	clen = strtoull(h + 17, NULL, 10);
	memmove(c->buf, c->buf + hl, c->have - hl);
	c->have -= hl;
	for (;;) {
		size_t take = c->have < clen - got ? c->have : (size_t)(clen - got);

		EVP_DigestUpdate(sha, c->buf, take);
		got += take;
		memmove(c->buf, c->buf + take, c->have - take);
		c->have -= take;
		if (got == clen)
			break;
		n = (int)recv_plain(c);
		if (n <= 0) {
			if (!n)
				kf_fail(c, "%s: the body ended after %llu of %llu bytes", path,
					got, clen);
			goto out;
		}
	}
	EVP_DigestFinal_ex(sha, md, &mdlen);
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	n = snprintf(line, sizeof(line),
		     "fetch conn=%d tls=%s cipher=%s mss=%d path=%s status=%d bytes=%llu "
		     "sha256=%s hs_ms=%llu ms=%llu\n", c->id, c->tls, c->cipher, opt.mss, path,
		     status, got, hex, c->hs_ms, now_ms() - c->t0);
	(void)!write(1, line, (size_t)n);	/* one write: lines of children do not mix */
	ret = status == 200 ? 0 : kf_fail(c, "%s: status %d", path, status);
out:
	EVP_MD_CTX_free(sha);
	return ret;
}

/* Connection i, start to end: 0 when every path came and then the server's close. */
static int run_conn(SSL_CTX *ctx, int id)
{
	struct kf_conn c = { .id = id, .fd = -1, .tls = "-", .cipher = "-", .t0 = now_ms() };
	int ret = -1;

	if (tcp_open(&c) || tls_open(&c, ctx))
		goto out;
	for (int k = 0; k < opt.npaths; k++) {
		const char *path = opt.paths[(id + k) % opt.npaths];

		if (send_request(&c, path, k == opt.npaths - 1) || read_response(&c, path))
			goto out;
	}
	if (c.have) {
		kf_fail(&c, "%zu bytes after the last response", c.have);
		goto out;
	}
	switch (recv_plain(&c)) {
	case 0:
		ret = 0;
		break;
	case -1:
		break;
	default:
		kf_fail(&c, "bytes after the last response");
		break;
	}
out:
	if (c.fd >= 0)
		close(c.fd);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: kfetch [-c CONNS] [-m MSS] [-p PAD] [-s] [-2 EVERY] [-t SECS] "
		"ADDR PORT PATH...\n");
	return 2;
}

static int number(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < lo || v > hi) {
		fprintf(stderr, "kfetch: '%s' is not a number from %d to %d\n", s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	int c, port;

	while ((c = getopt(argc, argv, "c:m:p:s2:t:")) != -1) {
		switch (c) {
		case 'c': if (number(optarg, 1, 10000, &opt.conns)) return -1; break;
		case 'm': if (number(optarg, 88, 65535, &opt.mss)) return -1; break;
		case 'p': if (number(optarg, 0, 8000, &opt.pad)) return -1; break;
		case 's': opt.split = 1; break;
		case '2': if (number(optarg, 1, 10000, &opt.tls12_every)) return -1; break;
		case 't': if (number(optarg, 1, 3600, &opt.timeout)) return -1; break;
		default: return -1;
		}
	}
	if (argc - optind < 3)
		return -1;
	opt.host = argv[optind];
	opt.addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, opt.host, &opt.addr.sin_addr) != 1) {
		fprintf(stderr, "kfetch: '%s' is not an IPv4 address\n", opt.host);
		return -1;
	}
	if (number(argv[optind + 1], 1, 65535, &port))
		return -1;
	opt.addr.sin_port = htons((uint16_t)port);
	opt.paths = argv + optind + 2;
	opt.npaths = argc - optind - 2;
	return 0;
}

int main(int argc, char **argv)
{
	SSL_CTX *ctx;
	int failed = 0, st;
	pid_t pid;

	if (parse_args(argc, argv))
		return usage();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || kso_ssl_capture(ctx)) {
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "kfetch: cannot set up OpenSSL\n");
		return 1;
	}
	fflush(NULL);
	for (int i = 0; i < opt.conns; i++) {
		pid = fork();
		if (pid < 0) {
			perror("kfetch: fork");
			failed += opt.conns - i;
			break;
		}
		if (pid == 0)
			_exit(run_conn(ctx, i) ? 1 : 0);
	}
	while ((pid = wait(&st)) > 0) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		failed++;
		if (WIFSIGNALED(st))
			fprintf(stderr, "kfetch: a connection's process died of signal %d\n",
				WTERMSIG(st));
	}
	SSL_CTX_free(ctx);
	fprintf(stderr, "kfetch: %d connections, %d failed\n", opt.conns, failed);
	return failed ? 1 : 0;
}
