// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rectap: a TLS client that keeps every byte of its connection, both ways, and afterwards
 * opens every record again with the tests' record model (tests/lib/record.c), under keys
 * that ktlso's key schedule derives from the client's own key log. A helper of
 * tests/e2e/nonces.sh: whoever sealed the server's records (OpenSSL before a handoff or a
 * live move into kTLS, the kernel after it) must have numbered them without a gap or a
 * repeat and never used a nonce twice under one key.
 *
 *   rectap [-2] [-c SUITE] [-p BYTES] PORT PATH SHA256 [PATH SHA256]...
 *
 * One keep-alive connection to 127.0.0.1:PORT, TLS 1.3 (-2: TLS 1.2), the suite SUITE
 * (OpenSSL's name) if given; a GET of each PATH in turn, whose body must have SHA256. The
 * first request goes out in one send with the client's last handshake flight. -p BYTES:
 * once BYTES of the first body are in, "paused" on stdout, and nothing more is read until
 * a line (or EOF) on stdin, so that the server is stopped in the middle of the response
 * (a receive buffer of 64 KiB keeps most of the response out of the sockets' buffers).
 * Then a close_notify, and the server's bytes until it closes.
 *
 * Then, each direction: the records after the plaintext handshake open in order, TLS 1.3
 * from seq 0 under the handshake keys up to the Finished and from seq 0 under the
 * application keys after it, TLS 1.2 from seq 0 after the ChangeCipherSpec; no byte is
 * left over; the application data opened is what OpenSSL read (or was given to send); no
 * nonce is used twice under one key; TLS 1.2 AES-GCM's explicit nonces, which the sender
 * chooses and the wire shows, go up by one from record to record (one counter, continued
 * across the switch to kTLS). One line per direction; exit 0, or 1 with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "keysched.h"
#include "ktls.h"
#include "record.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* What one direction carried, and what its application data must hash to. */
struct dir {
	const char *name;
	struct buf wire;		/* every byte, as sent or received */
	EVP_MD_CTX *app;		/* the application data OpenSSL wrote or read */
	uint8_t hs_secret[KSO_MAX_SECRET], secret[KSO_MAX_SECRET];	/* TLS 1.3 */
	size_t hs_secret_len, secret_len;
};

static struct dir c2s = { .name = "client" }, s2c = { .name = "server" };
static uint8_t master[KSO_TLS12_MASTER];
static size_t master_len;
static int fd = -1;
static SSL *ssl;

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "rectap: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	ERR_print_errors_fp(stderr);
	return 1;
}

static int buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *q;

		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && sscanf(hex + 2 * n, "%2x", &v) == 1)
		out[n++] = (uint8_t)v;
	return n;
}

/* "LABEL CLIENT_RANDOM SECRET": the secrets the record layers of both directions use. */
static void keylog_cb(const SSL *s, const char *line)
{
	char label[48], random[70], hex[2 * KSO_MAX_SECRET + 1];
	static const struct {
		const char *label;
		uint8_t *out;
		size_t *len;
	} want[] = {
		{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c2s.hs_secret, &c2s.hs_secret_len },
		{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", s2c.hs_secret, &s2c.hs_secret_len },
		{ "CLIENT_TRAFFIC_SECRET_0", c2s.secret, &c2s.secret_len },
		{ "SERVER_TRAFFIC_SECRET_0", s2c.secret, &s2c.secret_len },
		{ "CLIENT_RANDOM", master, &master_len },
	};

	(void)s;
	if (sscanf(line, "%47s %69s %96s", label, random, hex) != 3)
		return;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strcmp(label, want[i].label))
			*want[i].len = unhex(hex, want[i].out, KSO_MAX_SECRET);
}

/* ---------------------------------------------------------------- the connection */

static int send_out(void)
{
	BIO *wb = SSL_get_wbio(ssl);
	char *p;
	long n = BIO_get_mem_data(wb, &p);

	if (n > 0) {
		if (buf_add(&c2s.wire, p, (size_t)n))
			return -ENOMEM;
		for (long off = 0; off < n;) {
			ssize_t k = send(fd, p + off, (size_t)(n - off), MSG_NOSIGNAL);

			if (k <= 0)
				return -errno;
			off += k;
		}
	}
	(void)BIO_reset(wb);
	return 0;
}

/* Bytes from the server, kept and given to OpenSSL: their number, 0 at EOF, or -errno. */
static ssize_t recv_in(void)
{
	static uint8_t b[65536];
	ssize_t n = recv(fd, b, sizeof(b), 0);

	if (n < 0)
		return -errno;
	if (n > 0 && (buf_add(&s2c.wire, b, (size_t)n) || BIO_write(SSL_get_rbio(ssl), b, (int)n) != n))
		return -ENOMEM;
	return n;
}

/* Application data from the server: bytes read, or -1 (the reason printed). */
static int tls_read(void *p, int cap)
{
	for (;;) {
		int n = SSL_read(ssl, p, cap);
		ssize_t r;

		if (n > 0) {
			EVP_DigestUpdate(s2c.app, p, (size_t)n);
			return n;
		}
		if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) {
			fail("SSL_read failed%s", "");
			return -1;
		}
		if (send_out()) {
			fail("send: %s", strerror(errno));
			return -1;
		}
		r = recv_in();
		if (r <= 0) {
			fail("the server closed or failed during a response: %s",
			     r ? strerror((int)-r) : "EOF");
			return -1;
		}
	}
}

static int tls_write(const char *p)
{
	int len = (int)strlen(p);

	if (SSL_write(ssl, p, len) != len)
		return fail("SSL_write failed%s", "");
	EVP_DigestUpdate(c2s.app, p, (size_t)len);
	return 0;
}

static void hex32(const uint8_t md[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* One response to GET path: 200, a Content-Length, a body of SHA-256 sha. */
static int get(const char *path, const char *sha, long pause)
{
	static char hdr[16384 + 1];
	static size_t have;
	char chunk[16384], got[65], *end, *cl;
	uint8_t md[32];
	long body, left;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	int n;

	while (!(hdr[have] = 0, end = strstr(hdr, "\r\n\r\n"))) {
		if (have >= sizeof(hdr) - 1)
			return fail("a response header larger than %s", "16 KiB");
		n = tls_read(hdr + have, (int)(sizeof(hdr) - 1 - have));
		if (n < 0)
			return 1;
		have += (size_t)n;
	}
	cl = strcasestr(hdr, "\r\nContent-Length:");
	if (strncmp(hdr, "HTTP/1.1 200", 12) || !cl || cl > end)
		return fail("not a 200 with a Content-Length: %.200s", hdr);
	body = strtol(cl + 17, NULL, 10);
	n = (int)(have - (size_t)(end + 4 - hdr));	/* body bytes read with the header */
	if (n > body)
		return fail("more than the body came with the header (%s)", path);
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	EVP_DigestUpdate(h, end + 4, (size_t)n);
	have = 0;
	for (left = body - n; left > 0; left -= n) {
		if (pause >= 0 && body - left >= pause) {
			char line[64];

			printf("paused\n");
			fflush(stdout);
			(void)!fgets(line, sizeof(line), stdin);
			pause = -1;
		}
		n = tls_read(chunk, left < (long)sizeof(chunk) ? (int)left : (int)sizeof(chunk));
		if (n < 0)
			return 1;
		EVP_DigestUpdate(h, chunk, (size_t)n);
	}
	EVP_DigestFinal_ex(h, md, NULL);
	EVP_MD_CTX_free(h);
	hex32(md, got);
	if (strcmp(got, sha))
		return fail("the body of %s differs from the file", path);
	return 0;
}

/*
 * rcvbuf > 0: a receive buffer that small and no autotuning, so that what the server can
 * have put into the sockets' buffers while the client holds a response stays far below
 * the response's rest (a 4 MiB one otherwise fits in loopback's, and a live move asked for
 * then found the whole response sent).
 */
static int tcp_connect(int port, int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 30 };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && rcvbuf > 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (s < 0 || connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

/* ---------------------------------------------------------------- the records again */

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nonces of one key's records: none may repeat. */
struct nonces {
	uint64_t *v;
	size_t n, cap;
};

static int nonces_add(struct nonces *ns, uint64_t v)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 1024;
		uint64_t *q = realloc(ns->v, cap * sizeof(*q));

		if (!q)
			return -1;
		ns->v = q;
		ns->cap = cap;
	}
	ns->v[ns->n++] = v;
	return 0;
}

/* How many nonces occur more than once. Sorts a copy. */
static size_t nonces_repeated(const struct nonces *ns)
{
	uint64_t *s = malloc((ns->n + 1) * sizeof(*s));
	size_t rep = 0;

	if (!s)
		return ns->n;
	if (ns->n)
		memcpy(s, ns->v, ns->n * sizeof(*s));
	qsort(s, ns->n, sizeof(*s), cmp_u64);
	for (size_t i = 1; i < ns->n; i++)
		rep += s[i] == s[i - 1];
	free(s);
	return rep;
}

static int model(struct t_rec *r, const struct kso_dir_keys *k)
{
	union kso_crypto_info ci;
	socklen_t len;
	int err = kso_ktls_fill(k, &ci, &len);

	if (!err)
		err = t_rec_init(r, &ci);
	explicit_bzero(&ci, sizeof(ci));
	return err;
}

/*
 * The low 8 bytes of a record's AEAD nonce (the upper 4 are the same for every record
 * under one key): TLS 1.2 AES-GCM's explicit part as sent, else IV xor seq.
 */
static uint64_t record_nonce(const struct t_rec *r, const uint8_t *rec, uint64_t seq)
{
	if (r->version == TLS_1_2_VERSION && r->cipher_type != TLS_CIPHER_CHACHA20_POLY1305)
		return be64(rec + T_REC_HDR);
	return be64(r->nonce + 4) ^ seq;
}

/* Which nearby sequence number a record that did not open was sealed with, if any. */
static const char *sealed_as(const struct t_rec *r, const uint8_t *rec, size_t reclen)
{
	static uint8_t pt[T_REC_MAX];
	static char out[64];
	uint8_t type;

	for (int d = -8; d <= 8; d++) {
		struct t_rec t = *r;

		if (!d || (d < 0 && r->seq < (uint64_t)-d))
			continue;
		t.seq = r->seq + (uint64_t)(int64_t)d;
		if (t_rec_open(&t, rec, reclen, &type, pt) >= 0) {
			snprintf(out, sizeof(out), " (it opens as seq %llu)",
				 (unsigned long long)(r->seq + (uint64_t)(int64_t)d));
			return out;
		}
	}
	return " (nor as any seq within 8 of it)";
}

/*
 * Open every record of d under keys hs (TLS 1.3 handshake keys; NULL for TLS 1.2) and
 * app, as described at the top. 0, or 1 with the reason printed.
 */
static int verify(struct dir *d, const struct kso_dir_keys *hs, const struct kso_dir_keys *app,
		  const char *version, const char *cipher)
{
	static uint8_t pt[T_REC_MAX], hsmsg[65536];
	enum { PLAIN, HS, APP } stage = PLAIN;
	size_t off = 0, nplain = 0, nhs = 0, napp = 0, hslen = 0, repeats, breaks = 0, jump = 0;
	struct nonces ns[2] = { { 0 } };	/* [0] handshake keys, [1] application keys */
	uint8_t want[32], got[32];
	bool tls12 = !hs, explicit = false;
	EVP_MD_CTX *app_md = EVP_MD_CTX_new();
	struct t_rec r;
	char why[200] = "";
	int err = 0;

	EVP_DigestInit_ex(app_md, EVP_sha256(), NULL);
	while (off < d->wire.len && !err) {
		const uint8_t *rec = d->wire.p + off;
		size_t reclen = t_rec_len(rec, d->wire.len - off);
		uint8_t type;
		ssize_t n;

		if (!reclen || reclen > d->wire.len - off) {
			snprintf(why, sizeof(why), "%zu bytes after the last whole record",
				 d->wire.len - off);
			err = 1;
			break;
		}
		off += reclen;
		/* plaintext: the handshake before the keys; TLS 1.3's compatibility CCS */
		if (stage == PLAIN && rec[0] != (tls12 ? 20 : 23)) {
			nplain++;
			continue;
		}
		if (stage == PLAIN && tls12) {	/* the ChangeCipherSpec: keys from here */
			nplain++;
			stage = APP;
			err = model(&r, app);
			explicit = r.cipher_type != TLS_CIPHER_CHACHA20_POLY1305;
			continue;
		}
		if (stage == PLAIN) {
			stage = HS;
			err = model(&r, hs);
			if (err)
				break;
		}
		if (!tls12 && stage == HS && rec[0] == 20) {
			nplain++;
			continue;
		}
		if (nonces_add(&ns[stage == APP], record_nonce(&r, rec, r.seq))) {
			snprintf(why, sizeof(why), "out of memory");
			err = 1;
			break;
		}
		n = t_rec_open(&r, rec, reclen, &type, pt);
		if (n < 0) {
			snprintf(why, sizeof(why), "record %zu does not open as seq %llu under the %s "
				 "keys%s", nplain + nhs + napp, (unsigned long long)r.seq,
				 stage == HS ? "handshake" : "application", sealed_as(&r, rec, reclen));
			err = 1;
			break;
		}
		if (stage == HS) {
			nhs++;
			/* handshake messages up to the Finished, which ends the record */
			if (type != 22 || hslen + (size_t)n > sizeof(hsmsg)) {
				snprintf(why, sizeof(why), "a record of type %u under the handshake keys",
					 type);
				err = 1;
				break;
			}
			memcpy(hsmsg + hslen, pt, (size_t)n);
			hslen += (size_t)n;
			for (size_t m = 0; m + 4 <= hslen;) {
				size_t mlen = 4 + ((size_t)hsmsg[m + 1] << 16 | hsmsg[m + 2] << 8 | hsmsg[m + 3]);

				if (m + mlen > hslen)
					break;
				if (hsmsg[m] == 20) {	/* Finished: the application keys next */
					if (m + mlen != hslen) {
						snprintf(why, sizeof(why), "the Finished does not end its record");
						err = 1;
					}
					stage = APP;
					err = err ? err : model(&r, app);
					break;
				}
				m += mlen;
			}
			continue;
		}
		napp++;
		if (type == 23)
			EVP_DigestUpdate(app_md, pt, (size_t)n);
	}
	if (err && !why[0])
		snprintf(why, sizeof(why), "the record model refused the keys");
	if (!err && stage != APP) {
		snprintf(why, sizeof(why), "no record under the application keys");
		err = 1;
	}
	repeats = nonces_repeated(&ns[0]) + nonces_repeated(&ns[1]);
	if (explicit)
		for (size_t i = ns[1].n - 1; i > 0; i--)
			if (ns[1].v[i] != ns[1].v[i - 1] + 1)
				breaks++, jump = i;
	EVP_DigestFinal_ex(app_md, got, NULL);
	EVP_DigestFinal_ex(d->app, want, NULL);
	EVP_MD_CTX_free(app_md);
	if (!err && memcmp(got, want, 32)) {
		snprintf(why, sizeof(why), "the application data opened differs from OpenSSL's");
		err = 1;
	}
	if (!err && repeats) {
		snprintf(why, sizeof(why), "%zu nonces used twice under one key", repeats);
		err = 1;
	}
	if (!err && breaks) {
		snprintf(why, sizeof(why), "the explicit nonces jump %zu times, first after seq %zu: "
			 "%016llx, then %016llx", breaks, jump - 1,
			 (unsigned long long)ns[1].v[jump - 1], (unsigned long long)ns[1].v[jump]);
		err = 1;
	}
	printf("rectap: %s %s %s: %zu records: %zu plaintext, %zu under handshake keys, %zu under "
	       "application keys (seq 0-%zu); nonces %zu distinct", version, cipher, d->name,
	       nplain + nhs + napp, nplain, nhs, napp, napp ? napp - 1 : 0,
	       ns[0].n + ns[1].n - repeats);
	if (explicit && ns[1].n)
		printf(", explicit %016llx-%016llx%s", (unsigned long long)ns[1].v[0],
		       (unsigned long long)ns[1].v[ns[1].n - 1], breaks ? "" : " one by one");
	printf("\n");
	if (err)
		fprintf(stderr, "rectap: %s: %s\n", d->name, why);
	free(ns[0].v);
	free(ns[1].v);
	return err;
}

static int verify_all(void)
{
	struct kso_dir_keys chs, shs, ctx, stx;
	const SSL_CIPHER *sc = SSL_get_current_cipher(ssl);
	const char *version = SSL_get_version(ssl);
	uint8_t cr[KSO_RANDOM_LEN], sr[KSO_RANDOM_LEN];
	enum kso_cipher c;
	uint16_t v;
	int err;

	if (!sc || kso_cipher_by_suite(SSL_CIPHER_get_protocol_id(sc), &v, &c))
		return fail("the suite %s has no kTLS counterpart", SSL_get_cipher_name(ssl));
	if (v == TLS_1_3_VERSION) {
		if (!c2s.hs_secret_len || !s2c.hs_secret_len || !c2s.secret_len || !s2c.secret_len)
			return fail("the key log lacks a TLS 1.3 traffic secret%s", "");
		err = kso_tls13_derive(c, c2s.hs_secret, c2s.hs_secret_len, 0, &chs) ||
		      kso_tls13_derive(c, s2c.hs_secret, s2c.hs_secret_len, 0, &shs) ||
		      kso_tls13_derive(c, c2s.secret, c2s.secret_len, 0, &ctx) ||
		      kso_tls13_derive(c, s2c.secret, s2c.secret_len, 0, &stx);
	} else {
		if (master_len != KSO_TLS12_MASTER)
			return fail("the key log lacks the master secret%s", "");
		SSL_get_client_random(ssl, cr, sizeof(cr));
		SSL_get_server_random(ssl, sr, sizeof(sr));
		err = kso_tls12_derive(c, KSO_CLIENT, master, cr, sr, 0, 0, &ctx, &stx);
	}
	if (err)
		return fail("key derivation failed%s", "");
	err = verify(&c2s, v == TLS_1_3_VERSION ? &chs : NULL, &ctx, version, kso_cipher_info(c)->name);
	err |= verify(&s2c, v == TLS_1_3_VERSION ? &shs : NULL, &stx, version,
		      kso_cipher_info(c)->name);
	explicit_bzero(&chs, sizeof(chs));
	explicit_bzero(&shs, sizeof(shs));
	kso_dir_keys_wipe(&ctx);
	kso_dir_keys_wipe(&stx);
	return err;
}

int main(int argc, char **argv)
{
	const char *suite = NULL;
	long pause = -1;
	bool tls12 = false;
	SSL_CTX *ctx;
	BIO *rb, *wb;
	char req[512];
	int opt, port, r, err = 1;
	bool hs_done = false, verified = false;

	while ((opt = getopt(argc, argv, "2c:p:")) != -1) {
		switch (opt) {
		case '2':
			tls12 = true;
			break;
		case 'c':
			suite = optarg;
			break;
		case 'p':
			pause = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 3 || (argc - optind) % 2 != 1)
		goto usage;
	port = atoi(argv[optind]);

	ctx = SSL_CTX_new(TLS_client_method());
	c2s.app = EVP_MD_CTX_new();
	s2c.app = EVP_MD_CTX_new();
	if (!ctx || !c2s.app || !s2c.app)
		return fail("out of memory%s", "");
	EVP_DigestInit_ex(c2s.app, EVP_sha256(), NULL);
	EVP_DigestInit_ex(s2c.app, EVP_sha256(), NULL);
	SSL_CTX_set_min_proto_version(ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION);
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	if (suite && !(tls12 ? SSL_CTX_set_cipher_list(ctx, suite) :
			       SSL_CTX_set_ciphersuites(ctx, suite)))
		return fail("unknown suite '%s'", suite);

	fd = tcp_connect(port, pause >= 0 ? 65536 : 0);
	if (fd < 0)
		return fail("connect: %s", strerror(errno));
	ssl = SSL_new(ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	while ((r = SSL_do_handshake(ssl)) != 1) {
		ssize_t n;

		if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
			fail("handshake failed%s", "");
			goto out;
		}
		if (send_out()) {
			fail("send: %s", strerror(errno));
			goto out;
		}
		n = recv_in();
		if (n <= 0) {
			fail("recv during the handshake: %s", n ? strerror((int)-n) : "EOF");
			goto out;
		}
	}
	hs_done = true;
	for (int i = optind + 1; i < argc; i += 2) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", argv[i]);
		if (tls_write(req) || send_out() || get(argv[i], argv[i + 1], i == optind + 1 ? pause : -1))
			goto out;
	}
	/* our close_notify; then what the server sends until it closes (its own, maybe) */
	if (SSL_shutdown(ssl) < 0 || send_out()) {
		fail("close_notify could not be sent%s", "");
		goto out;
	}
	while ((r = (int)recv_in()) > 0)
		;
	if (r < 0) {
		fail("recv after the close_notify: %s", strerror(-r));
		goto out;
	}
	err = verify_all();
	verified = true;
out:
	if (err && !verified && hs_done) {
		fprintf(stderr, "rectap: the records so far, opened again by the model:\n");
		(void)verify_all();
	}
	explicit_bzero(master, sizeof(master));
	for (struct dir *d = &c2s; d; d = d == &c2s ? &s2c : NULL) {
		explicit_bzero(d->hs_secret, sizeof(d->hs_secret));
		explicit_bzero(d->secret, sizeof(d->secret));
		free(d->wire.p);
		EVP_MD_CTX_free(d->app);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return err;
usage:
	fprintf(stderr, "usage: rectap [-2] [-c SUITE] [-p BYTES] PORT PATH SHA256 [PATH SHA256]...\n");
	return 2;
}
