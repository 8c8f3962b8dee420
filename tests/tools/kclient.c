// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kclient: a TLS client for the ktlsod tests, for what curl cannot do. A helper, not a
 * test: tests/e2e/ktlsod.sh, ctl.sh, faults.sh, keys.sh, memory.sh and notls.sh run it,
 * and bench/run's idle-connection point.
 *
 *   kclient early PORT PATH          request sent in the same segment as the Finished
 *   kclient corrupt PORT             a corrupted application record after the handshake
 *   kclient abort PORT PATH BYTES    read BYTES of a response, then reset the connection
 *   kclient pipeline PORT PATH N     N requests in one write, N responses expected
 *   kclient close PORT PATH N HOW    N keep-alive requests and then the end of the client's
 *                                    side, HOW = notify (a close_notify alert) or fin (a
 *                                    TCP FIN, no alert), all in the segment of the
 *                                    client's Finished: the N responses must come, then
 *                                    the server's close
 *   kclient keyupdate PORT PATH [S]  a KeyUpdate, then a request; with S, S seconds later
 *                                    a second request on the same connection
 *   kclient keyupdates PORT PATH N HOW REQ SHA
 *                                    N requests on one connection, each with a KeyUpdate
 *                                    before it (HOW between) or two in the middle of its
 *                                    body (mid), or none (never), update_requested or not
 *                                    (REQ req, none, mix);
 *                                    every body must have SHA-256 SHA, and the server must
 *                                    answer every requested update with its own
 *   kclient badkeyupdate PORT WHAT   a malformed KeyUpdate (WHAT len: a bad length; value:
 *                                    request_update 2), or what a client may not send
 *                                    after the handshake (WHAT ticket: a NewSessionTicket;
 *                                    ccs: a protected change_cipher_spec; short: an alert
 *                                    record of one byte); prints the server's alert
 *   kclient hold PORT PATH N         N keep-alive connections, each served once, held
 *                                    open until stdin closes (for memory measurements)
 *   kclient reneg PORT PATH          TLS 1.2: a request and a renegotiation ClientHello in
 *                                    one segment; the server must answer or close, and
 *                                    keep running (it once crashed on this)
 *   kclient keys PORT PATH [CIPHERS] one request on a keep-alive connection, then prints
 *                                    the connection's keys as the client derives them from
 *                                    its own key log ("NAME HEX" lines: traffic secrets or
 *                                    master secret, both directions' key and IV), then
 *                                    "holding", and holds it open until stdin closes (for
 *                                    tests/e2e/keys.sh, which looks for them in the server)
 *   kclient waitclose PORT WHAT SECS the server must close a connection that is
 *                                    WHAT = silent (TCP, no ClientHello), tls (the
 *                                    handshake, then nothing), partial (a request without
 *                                    its end), idle (served, then quiet)
 *                                    by itself within SECS seconds; prints how long it took.
 *                                    WHAT = noread: GET /big, then not a byte read for
 *                                    SECS seconds; then it reads what is there, and the
 *                                    server must have closed before the body's end
 *   kclient slow PORT N SECS         slowloris: N slow connections, half of each kind, one
 *                                    poll loop. "handshake": TCP, 16 bytes of a ClientHello,
 *                                    then one more byte a second, never completed.
 *                                    "header": TLS (resuming the first session, at most 8
 *                                    handshakes at a time), then a request header one byte
 *                                    a second, never ended. The first N/2 are set up before
 *                                    the clock starts: each sends one HEAD /f1 and idles
 *                                    (keep-alive) until all are up, then all dribble their
 *                                    second request at once. For SECS seconds every
 *                                    connection the server closes is opened again (the
 *                                    new header ones dribble their first request). Prints
 *                                    per kind "slow kind=K opened= closed= min= max= open=
 *                                    oldest= failed= answered=": closed by the server,
 *                                    after min..max seconds (from the connect, or the
 *                                    header's first byte), still open at the end, the
 *                                    oldest of those (s), connections that failed before
 *                                    their slow part, bytes the server sent during it
 *
 * Connects to 127.0.0.1. Exit 0 when the server behaved as expected, 1 otherwise, with
 * the reason on stderr. Options before the command: -2 (TLS 1.2 only).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "keysched.h"

static int tls12;

/*
 * Every SSL_CTX and SSL kclient makes, freed at exit: the commands return from anywhere,
 * and the ASan build's leak check (make test-asan) runs on kclient too.
 */
static struct {
	SSL_CTX *ctx[4];
	SSL **ssl;
	size_t nctx, nssl, cap;
} kc_owned;

static SSL_CTX *own_ctx(SSL_CTX *ctx)
{
	if (ctx && kc_owned.nctx < sizeof(kc_owned.ctx) / sizeof(kc_owned.ctx[0]))
		kc_owned.ctx[kc_owned.nctx++] = ctx;
	return ctx;
}

static SSL *own_ssl(SSL *ssl)
{
	if (ssl && kc_owned.nssl == kc_owned.cap) {
		size_t cap = kc_owned.cap ? 2 * kc_owned.cap : 16;
		SSL **v = realloc(kc_owned.ssl, cap * sizeof(*v));

		if (!v)
			return ssl;
		kc_owned.ssl = v;
		kc_owned.cap = cap;
	}
	if (ssl)
		kc_owned.ssl[kc_owned.nssl++] = ssl;
	return ssl;
}

static void free_owned(void)
{
	for (size_t i = 0; i < kc_owned.nssl; i++)
		SSL_free(kc_owned.ssl[i]);
	for (size_t i = 0; i < kc_owned.nctx; i++)
		SSL_CTX_free(kc_owned.ctx[i]);
	free(kc_owned.ssl);
}

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "kclient: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	ERR_print_errors_fp(stderr);
	return 1;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 20 };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static SSL_CTX *ctx_new(void)
{
	SSL_CTX *ctx = own_ctx(SSL_CTX_new(TLS_client_method()));

	if (tls12)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	return ctx;
}

static SSL *connect_tls(SSL_CTX *ctx, int port, int *fdp)
{
	int fd = tcp_connect(port);
	SSL *ssl;

	if (fd < 0)
		return NULL;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return own_ssl(ssl);
}

/* Read one response; returns its status, the body length in *body. */
static int read_response(SSL *ssl, char *buf, size_t cap, size_t *have, long *body)
{
	char *end;
	long cl = 0;
	int status, n;

	for (;;) {
		buf[*have] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (*have + 1 >= cap || (n = SSL_read(ssl, buf + *have, (int)(cap - 1 - *have))) <= 0)
			return -1;
		*have += (size_t)n;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	char *h = strcasestr(buf, "\r\nContent-Length:");
	if (h && h < end)
		cl = strtol(h + 17, NULL, 10);
	size_t hl = (size_t)(end + 4 - buf);
	long got = (long)(*have - hl);

	while (got < cl) {
		char tmp[16384];

		n = SSL_read(ssl, tmp, sizeof(tmp));
		if (n <= 0)
			return -1;
		got += n;
	}
	/* keep what follows this response (pipelining) */
	size_t used = hl + (size_t)cl;
	if (*have > used) {
		memmove(buf, buf + used, *have - used);
		*have -= used;
	} else {
		*have = 0;
	}
	*body = cl;
	return status;
}

/* Send what the SSL wrote into its memory BIO; 0 or -1. */
static int mem_flush(SSL *ssl, int fd)
{
	BIO *wb = SSL_get_wbio(ssl);
	char *p;
	long len = BIO_get_mem_data(wb, &p);

	if (len > 0 && send(fd, p, (size_t)len, 0) != len)
		return -1;
	(void)BIO_reset(wb);
	return 0;
}

/*
 * A client handshake over memory BIOs on fd. The last flight (the client's Finished) is
 * left unsent in the write BIO, for the caller to send with whatever it adds behind it.
 */
static SSL *mem_handshake(SSL_CTX *ctx, int fd)
{
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	SSL *ssl = own_ssl(SSL_new(ctx));
	char buf[16384];
	int r, n;

	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	while ((r = SSL_do_handshake(ssl)) != 1) {
		if (mem_flush(ssl, fd)) {
			die("send: %s", strerror(errno));
			return NULL;
		}
		if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
			die("handshake failed%s", "");
			return NULL;
		}
		n = (int)recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			die("recv during the handshake: %s", n ? strerror(errno) : "EOF");
			return NULL;
		}
		BIO_write(rb, buf, n);
	}
	return ssl;
}

static int cmd_early(int port, const char *path)
{
	SSL_CTX *ctx = ctx_new();
	char buf[65536], req[512];
	int fd = tcp_connect(port), n;
	size_t have = 0;
	SSL *ssl;

	if (fd < 0)
		return die("connect: %s", strerror(errno));
	if (!(ssl = mem_handshake(ctx, fd)))
		return 1;
	/* the Finished is still in the write BIO: put the request behind it, one send */
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	SSL_write(ssl, req, (int)strlen(req));
	if (mem_flush(ssl, fd))
		return die("send: %s", strerror(errno));

	BIO *rb = SSL_get_rbio(ssl);

	/* now read the response through the same memory BIOs */
	for (;;) {
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
		n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
			return die("no response to the early request%s", "");
		char raw[16384];
		int m = (int)recv(fd, raw, sizeof(raw), 0);

		if (m <= 0)
			return die("no response to the early request (%s)", m ? strerror(errno) : "EOF");
		BIO_write(rb, raw, m);
	}
	if (strncmp(buf, "HTTP/1.1 200", 12))
		return die("early request: unexpected response: %.40s", buf);
	printf("early request answered: %.15s\n", buf);
	return 0;
}

static int cmd_corrupt(int port)
{
	SSL_CTX *ctx = ctx_new();
	unsigned char rec[5 + 64], buf[64];
	int fd;
	SSL *ssl = connect_tls(ctx, port, &fd);
	ssize_t n;

	if (!ssl)
		return die("handshake failed%s", "");
	/* an application_data record of random bytes: cannot authenticate */
	rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 0, rec[4] = 64;
	for (int i = 0; i < 64; i++)
		rec[5 + i] = (unsigned char)(i * 37 + 11);
	if (send(fd, rec, sizeof(rec), 0) != (ssize_t)sizeof(rec))
		return die("send: %s", strerror(errno));
	/* the server must answer with an alert record, or at least close */
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && errno != ECONNRESET)
		return die("the server neither answered nor closed: %s", strerror(errno));
	printf("server reaction to a corrupted record: %s (%zd bytes, first record type %d)\n",
	       n > 0 ? "alert" : "closed", n, n > 0 ? buf[0] : -1);
	return 0;
}

static int cmd_abort(int port, const char *path, long bytes)
{
	SSL_CTX *ctx = ctx_new();
	char req[512], buf[16384];
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long got = 0;
	int fd, n;
	SSL *ssl = connect_tls(ctx, port, &fd);

	if (!ssl)
		return die("handshake failed%s", "");
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	SSL_write(ssl, req, (int)strlen(req));
	while (got < bytes && (n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		got += n;
	if (got < bytes)
		return die("the response ended before the abort point%s", "");
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);	/* RST with data unread */
	printf("aborted after %ld bytes\n", got);
	return 0;
}

static int cmd_pipeline(int port, const char *path, int count)
{
	SSL_CTX *ctx = ctx_new();
	static char req[16000];	/* one TLS record's worth of requests at most */
	char buf[65536];
	size_t have = 0, len = 0;
	long body;
	int fd;
	SSL *ssl = connect_tls(ctx, port, &fd);

	if (!ssl)
		return die("handshake failed%s", "");
	for (int i = 0; i < count; i++) {
		int n = snprintf(req + len, sizeof(req) - len, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
				 path);

		if (n < 0 || (size_t)n >= sizeof(req) - len)
			return die("too many pipelined requests for one record%s", "");
		len += (size_t)n;
	}
	if (SSL_write(ssl, req, (int)len) != (int)len)
		return die("SSL_write%s", "");
	for (int i = 0; i < count; i++) {
		int st = read_response(ssl, buf, sizeof(buf), &have, &body);

		if (st != 200)
			return die("pipelined response %s was not a 200", i ? "n>1" : "1");
	}
	printf("%d pipelined responses\n", count);
	return 0;
}

/*
 * Requests, then the client's end of the connection (close_notify or FIN), all behind the
 * Finished in one segment: RFC 8446 §6.1 closes only the sender's side, so what was asked
 * before it is answered (openssl s_client and gnutls-cli fed from a pipe do this).
 */
static int cmd_close(int port, const char *path, int count, const char *how)
{
	SSL_CTX *ctx = ctx_new();
	static char req[16000];
	char buf[65536];
	size_t have = 0, len = 0;
	int fd = tcp_connect(port), fin = !strcmp(how, "fin"), n;
	long body;
	SSL *ssl;

	if (!fin && strcmp(how, "notify"))
		return die("close: HOW is notify or fin, not %s", how);
	if (fd < 0)
		return die("connect: %s", strerror(errno));
	if (!(ssl = mem_handshake(ctx, fd)))
		return 1;
	for (int i = 0; i < count; i++) {
		n = snprintf(req + len, sizeof(req) - len, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
			     path);
		if (n < 0 || (size_t)n >= sizeof(req) - len)
			return die("too many requests for one record%s", "");
		len += (size_t)n;
	}
	if (SSL_write(ssl, req, (int)len) != (int)len)
		return die("SSL_write%s", "");
	if (!fin)
		(void)SSL_shutdown(ssl);	/* the close_notify, behind the requests */
	if (mem_flush(ssl, fd))
		return die("send: %s", strerror(errno));
	if (fin)
		shutdown(fd, SHUT_WR);
	/* the rest comes from the socket: the handshake's last bytes, then the responses */
	BIO *rb = BIO_new_socket(fd, BIO_NOCLOSE);
	char *pending;
	long plen = BIO_get_mem_data(SSL_get_rbio(ssl), &pending);

	if (plen > 0)
		return die("unexpected bytes from the server before the request%s", "");
	SSL_set0_rbio(ssl, rb);
	for (int i = 0; i < count; i++) {
		int st = read_response(ssl, buf, sizeof(buf), &have, &body);

		if (st != 200) {
			fprintf(stderr, "kclient: response %d of %d: %s\n", i + 1, count,
				st < 0 ? "none (the server closed first)" : "not a 200");
			return 1;
		}
	}
	/* then the server closes: its close_notify (or a FIN), nothing else */
	n = SSL_read(ssl, buf, sizeof(buf));
	if (n > 0)
		return die("bytes after the last response%s", "");
	printf("%d responses after the client's %s, then the server closed\n", count,
	       fin ? "FIN" : "close_notify");
	return 0;
}

/* A KeyUpdate, then a request; with secs > 0, after that many seconds a second request. */
static int cmd_keyupdate(int port, const char *path, int secs)
{
	SSL_CTX *ctx = ctx_new();
	char req[512], buf[4096];
	size_t have = 0;
	long body;
	int fd, st;
	SSL *ssl = connect_tls(ctx, port, &fd);

	if (!ssl)
		return die("handshake failed%s", "");
	if (SSL_version(ssl) != TLS1_3_VERSION)
		return die("KeyUpdate needs TLS 1.3%s", "");
	SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	SSL_write(ssl, req, (int)strlen(req));
	st = read_response(ssl, buf, sizeof(buf), &have, &body);
	printf("after KeyUpdate: %s\n", st == 200 ? "served" : "connection closed by the server");
	if (secs <= 0 || st != 200)
		return 0;
	fflush(stdout);
	sleep((unsigned)secs);
	SSL_write(ssl, req, (int)strlen(req));
	st = read_response(ssl, buf, sizeof(buf), &have, &body);
	printf("second request: %s\n", st == 200 ? "served" : "connection closed by the server");
	return st == 200 ? 0 : 1;
}

static int cmd_hold(int port, const char *path, int count)
{
	SSL_CTX *ctx = ctx_new();
	char req[512], buf[65536];
	long body;
	int fd;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	for (int i = 0; i < count; i++) {
		SSL *ssl = connect_tls(ctx, port, &fd);
		size_t have = 0;

		int st;

		if (!ssl) {
			fprintf(stderr, "kclient: connection %d: handshake failed\n", i);
			return 1;
		}
		SSL_write(ssl, req, (int)strlen(req));
		st = read_response(ssl, buf, sizeof(buf), &have, &body);
		if (st != 200) {
			fprintf(stderr, "kclient: connection %d: status %d\n", i, st);
			ERR_print_errors_fp(stderr);
			return 1;
		}
		/* kept: ssl and fd stay open until we exit */
	}
	printf("holding %d connections\n", count);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/* The key log's lines for one connection, in hex as OpenSSL writes them. */
static struct {
	char cts[2 * KSO_MAX_SECRET + 1], sts[2 * KSO_MAX_SECRET + 1];
	char master[2 * KSO_TLS12_MASTER + 1];
} keylog;

static void keylog_cb(const SSL *ssl, const char *line)
{
	char label[40], random[70], secret[2 * KSO_MAX_SECRET + 1];

	(void)ssl;
	if (sscanf(line, "%39s %69s %96s", label, random, secret) != 3)
		return;
	if (!strcmp(label, "CLIENT_TRAFFIC_SECRET_0"))
		snprintf(keylog.cts, sizeof(keylog.cts), "%s", secret);
	else if (!strcmp(label, "SERVER_TRAFFIC_SECRET_0"))
		snprintf(keylog.sts, sizeof(keylog.sts), "%s", secret);
	else if (!strcmp(label, "CLIENT_RANDOM"))
		snprintf(keylog.master, sizeof(keylog.master), "%s", secret);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && sscanf(hex + 2 * n, "%2x", &v) == 1)
		out[n++] = (uint8_t)v;
	return n;
}

static void print_hex(const char *name, const uint8_t *p, size_t n)
{
	printf("%s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int cmd_keys(int port, const char *path, const char *ciphers)
{
	SSL_CTX *ctx = ctx_new();
	struct kso_dir_keys tx, rx;
	const struct kso_cipher_info *ci;
	enum kso_cipher c;
	uint8_t sec[KSO_MAX_SECRET], sec2[KSO_MAX_SECRET], cr[KSO_RANDOM_LEN], sr[KSO_RANDOM_LEN];
	char req[512], buf[65536];
	size_t have = 0, n, n2;
	long body;
	SSL *ssl;
	int fd, err;

	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	if (ciphers && !(tls12 ? SSL_CTX_set_cipher_list(ctx, ciphers) :
			 SSL_CTX_set_ciphersuites(ctx, ciphers)))
		return die("unknown ciphers '%s'", ciphers);
	ssl = connect_tls(ctx, port, &fd);
	if (!ssl)
		return die("handshake failed%s", "");
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	SSL_write(ssl, req, (int)strlen(req));
	if (read_response(ssl, buf, sizeof(buf), &have, &body) != 200)
		return die("no 200 for %s", path);
	if (kso_cipher_by_name(SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)), &c))
		return die("cipher %s has no kTLS counterpart", SSL_get_cipher_name(ssl));
	ci = kso_cipher_info(c);
	if (SSL_version(ssl) == TLS1_3_VERSION) {
		n = unhex(keylog.cts, sec, sizeof(sec));
		n2 = unhex(keylog.sts, sec2, sizeof(sec2));
		if (!n || !n2)
			return die("no traffic secrets in the key log%s", "");
		print_hex("client_traffic_secret", sec, n);
		print_hex("server_traffic_secret", sec2, n2);
		err = kso_tls13_derive(c, sec, n, 0, &tx) || kso_tls13_derive(c, sec2, n2, 0, &rx);
	} else {
		n = unhex(keylog.master, sec, KSO_TLS12_MASTER);
		if (n != KSO_TLS12_MASTER)
			return die("no master secret in the key log%s", "");
		print_hex("master_secret", sec, n);
		SSL_get_client_random(ssl, cr, sizeof(cr));
		SSL_get_server_random(ssl, sr, sizeof(sr));
		err = kso_tls12_derive(c, KSO_CLIENT, sec, cr, sr, 1, 1, &tx, &rx);
	}
	if (err)
		return die("key derivation failed%s", "");
	print_hex("client_write_key", tx.key, ci->key_len);
	print_hex("server_write_key", rx.key, ci->key_len);
	/* TLS 1.2 AES-GCM's implicit IV is 4 bytes: too short to look for */
	if (SSL_version(ssl) == TLS1_3_VERSION || ci->tls12_fixed_iv == KSO_IV_LEN) {
		print_hex("client_write_iv", tx.iv, KSO_IV_LEN);
		print_hex("server_write_iv", rx.iv, KSO_IV_LEN);
	}
	printf("cipher %s %s\nholding\n", SSL_get_version(ssl), ci->name);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/* KeyUpdates the server sent (OpenSSL's message callback, on the records it reads). */
static long ku_received;

static void ku_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		      SSL *ssl, void *arg)
{
	(void)version, (void)ssl, (void)arg;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len >= 1 &&
	    *(const unsigned char *)buf == SSL3_MT_KEY_UPDATE)
		ku_received++;
}

/* A KeyUpdate sent now (SSL_key_update only schedules it). 0 or -1. */
static int ku_send(SSL *ssl, int requested)
{
	if (!SSL_key_update(ssl, requested ? SSL_KEY_UPDATE_REQUESTED :
					     SSL_KEY_UPDATE_NOT_REQUESTED) ||
	    SSL_do_handshake(ssl) != 1)
		return -1;
	return 0;
}

/*
 * One GET of path; the body's SHA-256 (hex) into hex. With mid, two KeyUpdates in the
 * body, at a third (update_requested as req[0] says) and at two thirds (req[1]). Returns
 * the status, or -1.
 */
static int ku_get(SSL *ssl, const char *path, int mid, const int req[2], char hex[65])
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	unsigned char md[32], buf[16384];
	char head[8192], *end, *h;
	long cl, got, ku_at = -1;
	int status = -1, n, k = 0;
	size_t have = 0;

	n = snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	if (!mc || SSL_write(ssl, head, n) != n)
		goto out;
	for (;;) {
		head[have] = 0;
		if ((end = strstr(head, "\r\n\r\n")))
			break;
		/* a byte at a time: none of the body is taken here */
		if (have + 1 >= sizeof(head) || SSL_read(ssl, head + have, 1) != 1)
			goto out;
		have++;
	}
	h = strcasestr(head, "\r\nContent-Length:");
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1 || !h) {
		status = -1;
		goto out;
	}
	cl = strtol(h + 17, NULL, 10);
	if (mid)
		ku_at = cl / 3;
	EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
	for (got = 0; got < cl; got += n) {
		long want = sizeof(buf);

		if (got == ku_at) {
			if (ku_send(ssl, req[k])) {
				status = -1;
				goto out;
			}
			ku_at = ++k < 2 ? cl * 2 / 3 : -1;
		}
		if (ku_at > got && ku_at - got < want)
			want = ku_at - got;
		if (cl - got < want)
			want = cl - got;
		n = SSL_read(ssl, buf, (int)want);
		if (n <= 0) {
			status = -1;
			goto out;
		}
		EVP_DigestUpdate(mc, buf, (size_t)n);
	}
	EVP_DigestFinal_ex(mc, md, NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(mc);
	return status;
}

/*
 * kclient keyupdates PORT PATH N HOW REQ SHA: N rounds on one connection, each a GET of
 * PATH whose body must have SHA-256 SHA, and a KeyUpdate: HOW = between (before the
 * request), mid (two, at a third and at two thirds of the body) or never (none of the
 * client's own; OpenSSL still answers the server's update_requested); REQ = none
 * (update_not_requested), req (update_requested) or mix (alternating, requested first).
 * Then a GET of a missing file, which comes after the server's last KeyUpdate. Prints
 * "keyupdates sent=S requested=Q received=R": R, the server's, must equal Q (but for
 * never).
 */
static int cmd_keyupdates(int port, const char *path, int n, const char *how, const char *req,
			  const char *sha)
{
	SSL_CTX *ctx = ctx_new();
	int mid = !strcmp(how, "mid"), mix = !strcmp(req, "mix"), fd, st;
	long requested = 0;
	char hex[65] = "";
	SSL *ssl;

	int never = !strcmp(how, "never");

	if ((!mid && !never && strcmp(how, "between")) ||
	    (!mix && strcmp(req, "none") && strcmp(req, "req")))
		return die("keyupdates: HOW is between, mid or never, REQ none, req or mix%s", "");
	SSL_CTX_set_msg_callback(ctx, ku_msg_cb);
	if (!(ssl = connect_tls(ctx, port, &fd)))
		return die("handshake failed%s", "");
	if (SSL_version(ssl) != TLS1_3_VERSION)
		return die("KeyUpdate needs TLS 1.3%s", "");
	/* the KeyUpdate and the request are two writes: Nagle would hold the second back
	 * until the server's delayed ACK of the first (40 ms a round) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	for (int i = 0; i < n; i++) {
		int r = never ? 0 : mix ? !(i % 2) : !strcmp(req, "req");
		int rr[2] = { r, mix ? !r : r };

		if (!mid && !never && ku_send(ssl, r)) {
			fprintf(stderr, "kclient: round %d: the KeyUpdate could not be sent\n", i + 1);
			return 1;
		}
		st = ku_get(ssl, path, mid, rr, hex);
		if (st != 200 || strcmp(hex, sha)) {
			fprintf(stderr, "kclient: round %d of %d: %s\n", i + 1, n,
				st < 0 ? "no response (the server closed)" :
				st != 200 ? "not a 200" : "the body's SHA-256 differs");
			return 1;
		}
		requested += mid ? rr[0] + rr[1] : r;
	}
	st = ku_get(ssl, "/kclient-keyupdates-end", 0, (const int[2]){ 0, 0 }, hex);
	printf("keyupdates sent=%d requested=%ld received=%ld\n", never ? 0 : mid ? 2 * n : n,
	       requested, ku_received);
	if (st != 404)
		return die("the last request got no 404%s", "");
	return never || ku_received == requested ? 0 : 1;
}

/*
 * kclient badkeyupdate PORT LEN|VALUE: a malformed KeyUpdate as the first record after the
 * handshake (AES-128-GCM), sealed here with the client's key: LEN, its length field says 2
 * and a byte follows; VALUE, request_update is 2. Prints the server's alert ("alert
 * decode_error" or "alert illegal_parameter", or "no alert") and whether it then closed.
 */
static int ku_alert = -1;

static void ku_info_cb(const SSL *ssl, int where, int ret)
{
	(void)ssl;
	if (where & SSL_CB_READ_ALERT)
		ku_alert = ret & 0xff;
}

static int cmd_badkeyupdate(int port, const char *what)
{
	SSL_CTX *ctx = ctx_new();
	unsigned char msg[7] = { 24, 0, 0, 1, 2 }, rec[5 + sizeof(msg) + 1 + 16], nonce[12];
	unsigned char type = 22;
	size_t mlen = 5;
	struct kso_dir_keys k;
	uint8_t sec[KSO_MAX_SECRET];
	EVP_CIPHER_CTX *cc;
	char buf[4096];
	int fd, n, out;
	SSL *ssl;

	if (!strcmp(what, "len")) {
		msg[3] = 2;	/* two bytes of body, well formed otherwise (0, then junk) */
		msg[4] = 0;
		msg[5] = 0;
		mlen = 6;
	} else if (!strcmp(what, "ticket")) {
		msg[0] = 4;	/* NewSessionTicket: only a server sends one */
		msg[4] = 0;
	} else if (!strcmp(what, "ccs")) {
		type = 20;	/* change_cipher_spec, protected: never allowed (RFC 8446 §5) */
		msg[0] = 1;
		mlen = 1;
	} else if (!strcmp(what, "short")) {
		type = 21;	/* an alert record of one byte */
		msg[0] = 2;
		mlen = 1;
	} else if (strcmp(what, "value")) {
		return die("badkeyupdate: len, value, ticket, ccs or short, not %s", what);
	}
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	SSL_CTX_set_info_callback(ctx, ku_info_cb);
	SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
	if (!(ssl = connect_tls(ctx, port, &fd)))
		return die("handshake failed%s", "");
	n = (int)unhex(keylog.cts, sec, sizeof(sec));
	if (SSL_version(ssl) != TLS1_3_VERSION || n != 32 ||
	    kso_tls13_derive(KSO_AES_128_GCM, sec, (size_t)n, 0, &k))
		return die("no TLS 1.3 AES-128-GCM client traffic secret%s", "");
	/* TLSInnerPlaintext = message || content type; sequence number 0: nonce = IV */
	msg[mlen] = type;
	rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 0, rec[4] = (unsigned char)(mlen + 1 + 16);
	memcpy(nonce, k.iv, sizeof(nonce));
	cc = EVP_CIPHER_CTX_new();
	if (!cc || !EVP_EncryptInit_ex(cc, EVP_aes_128_gcm(), NULL, k.key, nonce) ||
	    !EVP_EncryptUpdate(cc, NULL, &out, rec, 5) ||
	    !EVP_EncryptUpdate(cc, rec + 5, &out, msg, (int)mlen + 1) ||
	    !EVP_EncryptFinal_ex(cc, rec + 5 + out, &out) ||
	    !EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, rec + 5 + mlen + 1))
		return die("sealing the record failed%s", "");
	EVP_CIPHER_CTX_free(cc);
	if (send(fd, rec, 5 + mlen + 1 + 16, 0) < 0)
		return die("send: %s", strerror(errno));
	/* the session ticket, then the alert; OpenSSL's reading state is untouched by ours */
	while (SSL_read(ssl, buf, sizeof(buf)) > 0)
		;
	n = (int)recv(fd, buf, sizeof(buf), 0);
	printf("%s%s, %s\n", ku_alert < 0 ? "no alert" : "alert ",
	       ku_alert == 50 ? "decode_error" : ku_alert == 47 ? "illegal_parameter" :
	       ku_alert == 10 ? "unexpected_message" :
	       ku_alert < 0 ? "" : SSL_alert_desc_string_long(ku_alert),
	       n == 0 ? "then closed" : "not closed");
	return 0;
}

static int cmd_reneg(int port, const char *path)
{
	SSL_CTX *ctx = own_ctx(SSL_CTX_new(TLS_client_method()));
	char buf[16384], req[512];
	int fd = tcp_connect(port), n;
	SSL *ssl;

	if (fd < 0)
		return die("connect: %s", strerror(errno));
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (!(ssl = mem_handshake(ctx, fd)) || mem_flush(ssl, fd))
		return 1;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	SSL_write(ssl, req, (int)strlen(req));
	SSL_renegotiate(ssl);
	SSL_do_handshake(ssl);
	if (mem_flush(ssl, fd))	/* the request record and a ClientHello, one send */
		return die("send: %s", strerror(errno));
	/* whatever the server answers, it must finish: a response, an alert, a close */
	while ((n = (int)recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	printf("renegotiation attempt: the server %s\n", n == 0 ? "closed" : "reset or timed out");
	return 0;
}

static int cmd_waitclose(int port, const char *what, int secs)
{
	SSL_CTX *ctx = ctx_new();
	struct timeval t0, t1;
	char buf[4096];
	int fd = -1, n;
	SSL *ssl = NULL;

	gettimeofday(&t0, NULL);
	if (!strcmp(what, "silent")) {
		fd = tcp_connect(port);
	} else if (!strcmp(what, "noread")) {
		static const char req[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
		size_t have = 0;
		long got = 0;
		int rcv = 4096;

		ssl = connect_tls(ctx, port, &fd);
		if (!ssl)
			return die("handshake failed%s", "");
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));	/* fill up soon */
		SSL_write(ssl, req, (int)strlen(req));
		sleep((unsigned)secs);
		struct timeval tv = { .tv_sec = 5 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* the head, then count the body until the close: not read_response(), which
		 * wants it whole */
		char *end = NULL, *cl;
		long body;

		while (!end) {
			if (have + 1 >= sizeof(buf) ||
			    (n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have))) <= 0)
				return die("no response head for /big%s", "");
			have += (size_t)n;
			buf[have] = 0;
			end = strstr(buf, "\r\n\r\n");
		}
		cl = strcasestr(buf, "\r\nContent-Length:");
		if (strncmp(buf, "HTTP/1.1 200", 12) || !cl || cl > end)
			return die("no 200 with a Content-Length for /big%s", "");
		body = strtol(cl + 17, NULL, 10);
		got = (long)(have - (size_t)(end + 4 - buf));
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			got += n;
		if (got >= body) {
			fprintf(stderr, "kclient: the server did not close a connection that did "
				"not read: the body came whole (%ld bytes)\n", body);
			return 1;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			fprintf(stderr, "kclient: the server neither closed nor sent for 5 s "
				"after %ld bytes\n", got);
			return 1;
		}
		printf("noread connection closed by the server within %d s: %ld of %ld body "
		       "bytes sent\n", secs, got, body);
		return 0;
	} else {
		ssl = connect_tls(ctx, port, &fd);
		if (!ssl)
			return die("handshake failed%s", "");
		if (!strcmp(what, "partial")) {
			static const char part[] = "GET /f1 HTTP/1.1\r\nHost: x\r\n";

			SSL_write(ssl, part, (int)strlen(part));
		} else if (strcmp(what, "tls")) {
			size_t have = 0;
			long body;

			static const char req[] = "GET /f1 HTTP/1.1\r\nHost: x\r\n\r\n";

			SSL_write(ssl, req, (int)strlen(req));
			if (read_response(ssl, buf, sizeof(buf), &have, &body) != 200)
				return die("no 200 before idling%s", "");
		}
		gettimeofday(&t0, NULL);
	}
	if (fd < 0)
		return die("connect: %s", strerror(errno));
	struct timeval tv = { .tv_sec = secs + 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* read until the server closes (an alert or a FIN: both end it) */
	do {
		n = ssl ? SSL_read(ssl, buf, sizeof(buf)) : (int)recv(fd, buf, sizeof(buf), 0);
	} while (n > 0);
	gettimeofday(&t1, NULL);
	double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;

	if (el > secs) {
		fprintf(stderr, "kclient: %s connection still open after %.1f s\n", what, el);
		return 1;
	}
	printf("%s connection closed by the server after %.1f s\n", what, el);
	return 0;
}

/* ------------------------------------------------------------------ slowloris */

enum { SLOW_HS, SLOW_HDR };
enum { SL_FREE, SL_CONNECTING, SL_TLS, SL_FIRST, SL_IDLE, SL_DRIBBLE };

struct slow_conn {
	int fd, kind, state;
	SSL *ssl;
	double t0, next;	/* start of the slow part; when the next byte is due */
	size_t sent;		/* SL_FIRST: how much of "\r\n\r\n" was seen */
};

struct slow_stats {
	long opened, closed, failed, answered;
	double min, max;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The latest session the server gave: the header connections resume it (cheaper). */
static SSL_SESSION *slow_sess;

static int slow_new_session(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	SSL_SESSION_free(slow_sess);
	slow_sess = sess;
	return 1;	/* the reference is ours */
}

static const char slow_hdr[] = "GET /f1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
static const char slow_first[] = "HEAD /f1 HTTP/1.1\r\nHost: localhost\r\n\r\n";

/* A ClientHello as OpenSSL writes it, for the connections that never finish one. */
static size_t client_hello(SSL_CTX *ctx, unsigned char *buf, size_t cap)
{
	SSL *ssl = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	char *p;
	long n;

	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	SSL_do_handshake(ssl);
	n = BIO_get_mem_data(wb, &p);
	if (n < 0 || (size_t)n > cap)
		n = 0;
	memcpy(buf, p, (size_t)n);
	SSL_free(ssl);
	return (size_t)n;
}

static void slow_drop(struct slow_conn *s)
{
	if (s->ssl)
		SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
	s->state = SL_FREE;
}

static int slow_open(struct slow_conn *s, int port, struct slow_stats *st)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->ssl = NULL;
	s->sent = 0;
	if (s->fd < 0) {
		st->failed++;
		return -1;
	}
	st->opened++;
	if (s->kind == SLOW_HS)
		s->t0 = mono();	/* the server's deadline starts later, at its accept */
	if (connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		st->failed++;
		slow_drop(s);
		return -1;
	}
	s->state = SL_CONNECTING;
	return 0;
}

/* The server closed it during its slow part: that is what is measured. */
static void slow_closed(struct slow_conn *s, struct slow_stats *st, double now)
{
	double el = now - s->t0;

	if (!st->closed || el < st->min)
		st->min = el;
	if (el > st->max)
		st->max = el;
	st->closed++;
	slow_drop(s);
}

static void slow_start(struct slow_conn *s, double now, const unsigned char *ch)
{
	if (s->kind == SLOW_HDR)
		s->t0 = now;	/* the first byte of the header */
	s->state = SL_DRIBBLE;
	if (s->kind == SLOW_HS) {
		s->sent = (size_t)send(s->fd, ch, 16, MSG_NOSIGNAL) == 16 ? 16 : 0;
	} else {
		/* one byte: one TLS record */
		if (SSL_write(s->ssl, slow_hdr, 1) == 1)
			s->sent = 1;
	}
	s->next = now + 1.0;
}

/* The next byte; -1 when the server turned out to have closed the connection. */
static int slow_byte(struct slow_conn *s, const unsigned char *ch, size_t chl)
{
	char b;

	if (s->kind == SLOW_HS) {
		if (s->sent + 1 >= chl)
			return 0;	/* all but the last byte: it never completes */
		if (send(s->fd, ch + s->sent, 1, MSG_NOSIGNAL) != 1)
			return errno == EAGAIN ? 0 : -1;
		s->sent++;
		return 0;
	}
	b = s->sent < sizeof(slow_hdr) - 1 ? slow_hdr[s->sent] : 'a';
	if (SSL_write(s->ssl, &b, 1) != 1) {
		int e = SSL_get_error(s->ssl, 0);

		ERR_clear_error();
		return e == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
	s->sent++;
	return 0;
}

static int cmd_slow(int port, int n, int secs)
{
	SSL_CTX *ctx = ctx_new();
	struct slow_conn *sc = calloc((size_t)n, sizeof(*sc));
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	struct slow_stats st[2] = { { 0 } };
	unsigned char ch[4096];
	size_t chl = client_hello(ctx, ch, sizeof(ch));
	int nhdr = n / 2, hs_max = 8;
	double start = mono(), go = 0, end = 0, now;
	char buf[4096];

	if (!sc || !pf || chl < 32)
		return die("setup failed%s", "");
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, slow_new_session);
	for (int i = 0; i < n; i++) {
		sc[i].fd = -1;
		sc[i].kind = i < nhdr ? SLOW_HDR : SLOW_HS;
	}
	for (;;) {
		int in_hs = 0, nfd = 0, idle = 0, r;
		double wake;

		now = mono();
		if (go && now >= end)
			break;
		if (!go && now - start > 120) {
			free(sc);
			free(pf);
			return die("the TLS connections were not all established in 120 s%s", "");
		}
		/* open what is missing: every header connection first, then the handshake ones */
		for (int i = 0; i < n; i++)
			in_hs += sc[i].kind == SLOW_HDR &&
				 (sc[i].state == SL_CONNECTING || sc[i].state == SL_TLS);
		for (int i = 0; i < n; i++) {
			struct slow_conn *s = &sc[i];

			if (s->state != SL_FREE || (s->kind == SLOW_HS && !go))
				continue;
			if (s->kind == SLOW_HDR && in_hs >= hs_max)
				continue;
			if (s->kind == SLOW_HDR && !go && s->t0 < 0)
				continue;	/* failed in the first round: not retried before go */
			if (slow_open(s, port, &st[s->kind]) == 0 && s->kind == SLOW_HDR)
				in_hs++;
		}
		for (int i = 0; i < n; i++)
			idle += sc[i].state == SL_IDLE;
		if (!go && idle + (int)st[SLOW_HDR].failed >= nhdr) {
			go = now;
			end = go + secs;
			printf("slow: %d TLS connections established in %.1f s (%ld failed); "
			       "then %d + %d slow connections for %d s\n", idle, go - start,
			       st[SLOW_HDR].failed, idle, n - nhdr, secs);
			fflush(stdout);
			for (int i = 0; i < n; i++)
				if (sc[i].state == SL_IDLE)
					slow_start(&sc[i], now, ch);
			continue;
		}
		/* bytes due */
		wake = now + 1.0;
		for (int i = 0; i < n; i++) {
			struct slow_conn *s = &sc[i];

			if (s->state != SL_DRIBBLE)
				continue;
			if (s->next <= now) {
				if (slow_byte(s, ch, chl)) {
					slow_closed(s, &st[s->kind], now);
					continue;
				}
				s->next = now + 1.0;
			}
			if (s->next < wake)
				wake = s->next;
		}
		for (int i = 0; i < n; i++) {
			struct slow_conn *s = &sc[i];
			short ev = POLLIN;

			pf[i].fd = -1;
			if (s->state == SL_FREE)
				continue;
			if (s->state == SL_CONNECTING)
				ev = POLLOUT;
			else if (s->state == SL_TLS && SSL_want_write(s->ssl))
				ev = POLLOUT;
			pf[i].fd = s->fd;
			pf[i].events = ev;
			nfd++;
		}
		if (go && wake > end)
			wake = end;
		r = (int)((wake - mono()) * 1000) + 1;
		r = poll(pf, (nfds_t)n, !nfd ? 10 : r < 0 ? 0 : r);
		if (r < 0 && errno != EINTR)
			return die("poll: %s", strerror(errno));
		now = mono();
		for (int i = 0; r > 0 && i < n; i++) {
			struct slow_conn *s = &sc[i];
			struct slow_stats *t = &st[s->kind];
			int e, err = 0;
			socklen_t el = sizeof(err);

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			switch (s->state) {
			case SL_CONNECTING:
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err) {
					t->failed++;
					if (!go)
						s->t0 = -1;
					slow_drop(s);
					break;
				}
				if (s->kind == SLOW_HS) {
					slow_start(s, now, ch);
					break;
				}
				s->ssl = SSL_new(ctx);
				if (slow_sess && !getenv("KCLIENT_NO_RESUME"))
					SSL_set_session(s->ssl, slow_sess);
				SSL_set_fd(s->ssl, s->fd);
				SSL_set_connect_state(s->ssl);
				s->state = SL_TLS;
				/* fall through */
			case SL_TLS:
				e = SSL_do_handshake(s->ssl);
				if (e == 1 && go) {
					slow_start(s, now, ch);	/* its first request, slowly */
					break;
				}
				if (e == 1) {
					/*
					 * Before the clock starts: one request, answered, then the
					 * connection idles (keep-alive) until all are up, and the
					 * request dribbled is its second.
					 */
					s->state = SL_FIRST;
					s->sent = 0;
					if (SSL_write(s->ssl, slow_first, (int)strlen(slow_first)) !=
					    (int)strlen(slow_first)) {
						t->failed++;
						s->t0 = -1;
						slow_drop(s);
					}
					break;
				}
				e = SSL_get_error(s->ssl, e);
				ERR_clear_error();
				if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
					t->failed++;
					if (!go)
						s->t0 = -1;
					slow_drop(s);
				}
				break;
			case SL_FIRST:
			case SL_IDLE:
				/* the first response, TLS 1.3 session tickets; a close is a failure */
				for (;;) {
					int m = SSL_read(s->ssl, buf, sizeof(buf));

					if (m > 0 && s->state == SL_FIRST) {
						for (int j = 0; j < m && s->sent < 4; j++)
							s->sent = buf[j] == "\r\n\r\n"[s->sent] ? s->sent + 1 :
								  buf[j] == '\r' ? 1 : 0;
						if (s->sent == 4)
							s->state = SL_IDLE;
						continue;
					}
					if (m > 0) {
						t->answered++;
						continue;
					}
					e = SSL_get_error(s->ssl, m);
					ERR_clear_error();
					if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
						t->failed++;
						s->t0 = -1;
						slow_drop(s);
					}
					break;
				}
				break;
			case SL_DRIBBLE:
				if (s->kind == SLOW_HS) {
					ssize_t m = recv(s->fd, buf, sizeof(buf), 0);

					if (m > 0) {
						t->answered++;
						break;
					}
					if (m < 0 && errno == EAGAIN)
						break;
					slow_closed(s, t, now);
					break;
				}
				for (;;) {
					int m = SSL_read(s->ssl, buf, sizeof(buf));

					if (m > 0) {
						t->answered++;
						continue;
					}
					e = SSL_get_error(s->ssl, m);
					ERR_clear_error();
					if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
						slow_closed(s, t, now);
					break;
				}
				break;
			}
		}
	}
	now = mono();
	for (int k = 0; k < 2; k++) {
		double oldest = 0;
		int open = 0;

		for (int i = 0; i < n; i++) {
			if (sc[i].kind != k || sc[i].state != SL_DRIBBLE)
				continue;
			open++;
			if (now - sc[i].t0 > oldest)
				oldest = now - sc[i].t0;
		}
		printf("slow kind=%s opened=%ld closed=%ld min=%.2f max=%.2f open=%d oldest=%.2f "
		       "failed=%ld answered=%ld\n", k == SLOW_HS ? "handshake" : "header",
		       st[k].opened, st[k].closed, st[k].min, st[k].max, open, oldest,
		       st[k].failed, st[k].answered);
	}
	for (int i = 0; i < n; i++)
		slow_drop(&sc[i]);
	SSL_SESSION_free(slow_sess);
	slow_sess = NULL;
	free(sc);
	free(pf);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "-2")) {
		tls12 = 1;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: kclient [-2] early|corrupt|abort|pipeline|keyupdate PORT ...\n");
		return 2;
	}
	const char *cmd = argv[i];
	int port = atoi(argv[i + 1]);

	atexit(free_owned);

	if (!strcmp(cmd, "early") && argc - i >= 3)
		return cmd_early(port, argv[i + 2]);
	if (!strcmp(cmd, "corrupt"))
		return cmd_corrupt(port);
	if (!strcmp(cmd, "abort") && argc - i >= 4)
		return cmd_abort(port, argv[i + 2], atol(argv[i + 3]));
	if (!strcmp(cmd, "pipeline") && argc - i >= 4)
		return cmd_pipeline(port, argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(cmd, "reneg") && argc - i >= 3)
		return cmd_reneg(port, argv[i + 2]);
	if (!strcmp(cmd, "waitclose") && argc - i >= 4)
		return cmd_waitclose(port, argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(cmd, "hold") && argc - i >= 4)
		return cmd_hold(port, argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(cmd, "keys") && argc - i >= 3)
		return cmd_keys(port, argv[i + 2], argc - i >= 4 ? argv[i + 3] : NULL);
	if (!strcmp(cmd, "slow") && argc - i >= 4)
		return cmd_slow(port, atoi(argv[i + 2]), atoi(argv[i + 3]));
	if (!strcmp(cmd, "close") && argc - i >= 5)
		return cmd_close(port, argv[i + 2], atoi(argv[i + 3]), argv[i + 4]);
	if (!strcmp(cmd, "keyupdates") && argc - i >= 7)
		return cmd_keyupdates(port, argv[i + 2], atoi(argv[i + 3]), argv[i + 4],
				      argv[i + 5], argv[i + 6]);
	if (!strcmp(cmd, "badkeyupdate") && argc - i >= 3)
		return cmd_badkeyupdate(port, argv[i + 2]);
	if (!strcmp(cmd, "keyupdate") && argc - i >= 3)
		return cmd_keyupdate(port, argv[i + 2], argc - i >= 4 ? atoi(argv[i + 3]) : 0);
	fprintf(stderr, "kclient: bad arguments\n");
	return 2;
}
