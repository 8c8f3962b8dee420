// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kTLS installation tests: need a kernel with kTLS (run inside tests/vm/run, or natively
 * on a kTLS host as root). Fixtures are loopback TCP pairs; variants are every version x
 * cipher, in the manner of the kernel's tools/testing/selftests/net/tls.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <openssl/ssl.h>

#include "keysched.h"
#include "ktls.h"
#include "record.h"
#include "sslkeys.h"
#include "t.h"
#include "variants.h"
#include "sockfix.h"
#include "tlspeer.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void variant_keys(const struct variant *v, uint64_t seq, struct kso_dir_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->version = v->version;
	k->cipher = v->cipher;
	k->seq = seq;
	t_fill_random(k->key, sizeof(k->key));
	t_fill_random(k->iv, sizeof(k->iv));
	if (v->version == TLS_1_2_VERSION) {
		const struct kso_cipher_info *ci = kso_cipher_info(v->cipher);

		memset(k->iv + ci->tls12_fixed_iv, 0, KSO_IV_LEN - ci->tls12_fixed_iv);
	}
}

/* A pair with a->b in kTLS (a TX, b RX) with the same keys; fds[0] = a, fds[1] = b. */
static int variant_pair(const struct variant *v, int fds[2], uint64_t seq)
{
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step;
	int err;

	err = pair(fds);
	if (err)
		return err;
	variant_keys(v, seq, &tx);
	rx = tx;
	err = kso_ktls_install_keys(fds[0], &tx, NULL, &step);
	if (!err)
		err = kso_ktls_install_keys(fds[1], NULL, &rx, &step);
	else
		kso_dir_keys_wipe(&rx);
	if (err)
		fprintf(stderr, "install: %s\n", kso_ktls_strerror(step, err));
	return err;
}

static int test_install_both_ways(const void *arg)
{
	const struct variant *v = arg;
	struct kso_dir_keys a_tx, a_rx, b_tx, b_rx;
	union kso_crypto_info got, want;
	socklen_t len, wlen;
	char buf[16];
	int fds[2];

	T_OK(pair(fds));
	variant_keys(v, 0, &a_tx);
	variant_keys(v, 5, &b_tx);
	b_rx = a_tx;
	a_rx = b_tx;
	struct kso_dir_keys a_tx_copy = a_tx;
	T_OK(kso_ktls_install_keys(fds[0], &a_tx, &a_rx, NULL));
	T_OK(kso_ktls_install_keys(fds[1], &b_tx, &b_rx, NULL));
	T_ASSERT(all_zero(&a_tx, sizeof(a_tx)) && all_zero(&a_rx, sizeof(a_rx)) &&
		 all_zero(&b_tx, sizeof(b_tx)) && all_zero(&b_rx, sizeof(b_rx)),
		 "install_keys must wipe the keys it was given");

	T_ASSERT(write(fds[0], "ping", 4) == 4, "write: %s", strerror(errno));
	T_OK(read_full(fds[1], buf, 4));
	T_ASSERT(!memcmp(buf, "ping", 4), "a->b data differs");
	T_ASSERT(write(fds[1], "pong!", 5) == 5, "write: %s", strerror(errno));
	T_OK(read_full(fds[0], buf, 5));
	T_ASSERT(!memcmp(buf, "pong!", 5), "b->a data differs");

	/* The kernel reports back what it was given, with the sequence number advanced (and,
	 * TLS 1.2 GCM, the explicit nonce: variant_keys started it at 0). */
	a_tx_copy.seq = 1;
	a_tx_copy.explicit_nonce = 1;
	T_OK(kso_ktls_fill(&a_tx_copy, &want, &wlen));
	len = wlen;
	T_ASSERT(getsockopt(fds[0], SOL_TLS, TLS_TX, &got, &len) == 0, "getsockopt TLS_TX: %s",
		 strerror(errno));
	T_ASSERT(len == wlen, "getsockopt length %u, want %u", len, wlen);
	T_ASSERT(!memcmp(&got, &want, wlen), "getsockopt(TLS_TX) differs from what was installed");
	explicit_bzero(&want, sizeof(want));
	kso_dir_keys_wipe(&a_tx_copy);
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

/* kTLS writes records that the userspace model opens, and reads records the model seals:
 * the host tests' model of the kernel is checked against the kernel itself. */
static int test_record_model(const void *arg)
{
	const struct variant *v = arg;
	struct kso_dir_keys k, k2;
	union kso_crypto_info ci;
	struct t_rec model;
	uint8_t rec[T_REC_MAX], pt[T_REC_MAX], type;
	socklen_t len;
	int fds[2];
	ssize_t n;

	T_OK(pair(fds));
	variant_keys(v, 42, &k);
	k2 = k;
	T_OK(kso_ktls_fill(&k, &ci, &len));
	T_OK(kso_ktls_install_keys(fds[0], &k, NULL, NULL));
	T_ASSERT(!t_rec_init(&model, &ci), "model");

	T_ASSERT(write(fds[0], "kernel-sealed", 13) == 13, "write: %s", strerror(errno));
	T_OK(read_full(fds[1], rec, T_REC_HDR));
	T_OK(read_full(fds[1], rec + T_REC_HDR, t_rec_len(rec, T_REC_HDR) - T_REC_HDR));
	n = t_rec_open(&model, rec, t_rec_len(rec, T_REC_HDR), &type, pt);
	T_ASSERT(n == 13 && type == 23 && !memcmp(pt, "kernel-sealed", 13),
		 "the model could not open the kernel's record (n=%zd)", n);

	kso_dir_keys_wipe(&k2);
	close(fds[0]);
	close(fds[1]);

	/* and the other way: the model seals, written raw; kTLS RX opens */
	int p[2];
	variant_keys(v, 9, &k);
	k2 = k;
	T_OK(kso_ktls_fill(&k, &ci, &len));
	kso_dir_keys_wipe(&k);
	T_OK(pair(p));
	T_OK(kso_ktls_install_keys(p[1], NULL, &k2, NULL));
	T_ASSERT(!t_rec_init(&model, &ci), "model");
	for (int i = 0; i < 3; i++) {
		n = t_rec_seal(&model, 23, "model-sealed", 12, rec);
		T_ASSERT(n > 0 && write(p[0], rec, (size_t)n) == n, "write raw record");
		T_OK(read_full(p[1], pt, 12));
		T_ASSERT(!memcmp(pt, "model-sealed", 12), "kTLS RX read something else (record %d)", i);
	}
	explicit_bzero(&ci, sizeof(ci));
	close(p[0]);
	close(p[1]);
	return T_PASS;
}

struct reader {
	int fd;
	size_t len;
	uint8_t *buf;
	int err;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->err = read_full(r->fd, r->buf, r->len);
	return NULL;
}

static int make_file(size_t len, uint8_t **content)
{
	char path[] = "/tmp/ktlso-test-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -errno;
	unlink(path);
	*content = malloc(len);
	t_fill_random(*content, len);
	if (write(fd, *content, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return fd;
}

enum send_mode { SEND_SENDFILE, SEND_SPLICE, SEND_URING };

static int uring_splice_file(int file, int sock, size_t len)
{
	struct io_uring ring;
	int p[2], err = 0;
	size_t sent = 0, in_pipe = 0;
	off_t off = 0;

	if (pipe(p))
		return -errno;
	err = io_uring_queue_init(8, &ring, 0);
	if (err)
		goto out_pipe;
	while (sent < len) {
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;
		unsigned chunk = len - sent - in_pipe < 65536 ? (unsigned)(len - sent - in_pipe) : 65536;
		int nsub = 0;

		if (chunk && !in_pipe) {
			/* file -> pipe, linked to pipe -> socket: the io_uring "sendfile" */
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_splice(sqe, file, off, p[1], -1, chunk, 0);
			sqe->flags |= IOSQE_IO_LINK;
			sqe->user_data = 1;
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_splice(sqe, p[0], -1, sock, -1, chunk, 0);
			sqe->user_data = 2;
			nsub = 2;
		} else {
			/* a short splice broke the link: drain what is in the pipe */
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_splice(sqe, p[0], -1, sock, -1, (unsigned)in_pipe, 0);
			sqe->user_data = 2;
			nsub = 1;
		}
		err = io_uring_submit_and_wait(&ring, nsub);
		if (err < 0)
			goto out_ring;
		err = 0;
		for (int i = 0; i < nsub; i++) {
			err = io_uring_wait_cqe(&ring, &cqe);
			if (err)
				goto out_ring;
			if (cqe->user_data == 1) {
				if (cqe->res < 0) {
					err = cqe->res;
				} else {
					off += cqe->res;
					in_pipe += (size_t)cqe->res;
				}
			} else if (cqe->res >= 0) {
				in_pipe -= (size_t)cqe->res;
				sent += (size_t)cqe->res;
			} else if (cqe->res != -ECANCELED && cqe->res != -EAGAIN) {
				err = cqe->res;
			}
			io_uring_cqe_seen(&ring, cqe);
		}
		if (err)
			goto out_ring;
	}
out_ring:
	io_uring_queue_exit(&ring);
out_pipe:
	close(p[0]);
	close(p[1]);
	return err;
}

static int send_file(enum send_mode mode, int file, int sock, size_t len)
{
	off_t off = 0;
	int p[2];

	switch (mode) {
	case SEND_SENDFILE:
		while ((size_t)off < len) {
			ssize_t n = sendfile(sock, file, &off, len - (size_t)off);

			if (n <= 0)
				return n < 0 ? -errno : -EIO;
		}
		return 0;
	case SEND_SPLICE:
		if (pipe(p))
			return -errno;
		while ((size_t)off < len) {
			ssize_t n = splice(file, &off, p[1], NULL, len - (size_t)off, 0);

			for (ssize_t left = n; left > 0;) {
				ssize_t m = splice(p[0], NULL, sock, NULL, (size_t)left, 0);

				if (m <= 0) {
					close(p[0]), close(p[1]);
					return m < 0 ? -errno : -EIO;
				}
				left -= m;
			}
			if (n <= 0) {
				close(p[0]), close(p[1]);
				return n < 0 ? -errno : -EIO;
			}
		}
		close(p[0]);
		close(p[1]);
		return 0;
	case SEND_URING:
		return uring_splice_file(file, sock, len);
	}
	return -EINVAL;
}

static int file_to_ktls(const struct variant *v, enum send_mode mode)
{
	size_t len = (1u << 20) + 123;	/* not a multiple of the record size */
	struct reader r = { .len = len };
	uint8_t *content = NULL;
	pthread_t th;
	int fds[2], file;

	file = make_file(len, &content);
	T_ASSERT(file >= 0, "temp file: %s", t_strerror(file));
	T_OK(variant_pair(v, fds, 0));
	r.fd = fds[1];
	r.buf = malloc(len);
	T_ASSERT(!pthread_create(&th, NULL, reader_main, &r), "pthread_create");
	T_OK(send_file(mode, file, fds[0], len));
	pthread_join(th, NULL);
	T_OK(r.err);
	T_ASSERT(!memcmp(r.buf, content, len), "received data differs from the file");
	close(fds[0]);
	close(fds[1]);
	close(file);
	free(content);
	free(r.buf);
	return T_PASS;
}

static int test_sendfile(const void *arg)
{
	return file_to_ktls(arg, SEND_SENDFILE);
}

static int test_splice(const void *arg)
{
	return file_to_ktls(arg, SEND_SPLICE);
}

static int test_uring_splice(const void *arg)
{
	struct io_uring_probe *probe = io_uring_get_probe();
	bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_SPLICE);

	io_uring_free_probe(probe);
	if (!ok)
		return t_skip("this kernel's io_uring has no IORING_OP_SPLICE");
	return file_to_ktls(arg, SEND_URING);
}

static int send_record_type(int fd, uint8_t type, const void *data, size_t len)
{
	ssize_t n = kso_ktls_send_record(fd, type, data, len, 0);

	return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

static int test_control_record(const void *arg)
{
	const struct variant *v = arg;
	static const uint8_t alert[2] = { 1, 0 };	/* warning, close_notify */
	char cbuf[CMSG_SPACE(sizeof(uint8_t))], buf[64];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fds[2];
	ssize_t n;

	T_OK(variant_pair(v, fds, 0));
	T_ASSERT(write(fds[0], "data", 4) == 4, "write");
	T_OK(send_record_type(fds[0], 21, alert, sizeof(alert)));
	T_ASSERT(write(fds[0], "more", 4) == 4, "write");

	/* data first; the alert is not merged into it */
	n = recvmsg(fds[1], &msg, 0);
	T_ASSERT(n == 4 && !memcmp(buf, "data", 4), "first read %zd", n);
	/* a plain read of a control record fails: the caller must ask for its type */
	struct pollfd pfd = { .fd = fds[1], .events = POLLIN };
	T_ASSERT(poll(&pfd, 1, 10000) == 1, "the alert record did not arrive");
	T_ASSERT(recv(fds[1], buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EIO,
		 "read() of a control record must fail with EIO, got %s", strerror(errno));
	msg.msg_controllen = sizeof(cbuf);
	n = recvmsg(fds[1], &msg, 0);
	c = CMSG_FIRSTHDR(&msg);
	T_ASSERT(n == 2 && !memcmp(buf, alert, 2), "alert payload (%zd)", n);
	T_ASSERT(c && c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE &&
		 *CMSG_DATA(c) == 21, "record type cmsg missing or not 21 (alert)");
	msg.msg_controllen = sizeof(cbuf);
	n = recvmsg(fds[1], &msg, 0);
	T_ASSERT(n == 4 && !memcmp(buf, "more", 4), "data after the alert (%zd)", n);
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

static int test_bad_key(const void *arg)
{
	const struct variant *v = arg;
	struct kso_dir_keys tx, rx;
	char buf[16];
	int fds[2];

	T_OK(pair(fds));
	variant_keys(v, 0, &tx);
	rx = tx;
	rx.key[0] ^= 1;	/* one bit */
	T_OK(kso_ktls_install_keys(fds[0], &tx, NULL, NULL));
	T_OK(kso_ktls_install_keys(fds[1], NULL, &rx, NULL));
	T_ASSERT(write(fds[0], "secret", 6) == 6, "write");
	T_ASSERT(read(fds[1], buf, sizeof(buf)) < 0 && errno == EBADMSG,
		 "a record under the wrong key must give EBADMSG, got %s", strerror(errno));
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

/* The test that ties it together: a real OpenSSL client, a server whose records after
 * the handshake are the kernel's, keyed by ktlso's key schedule. */
struct client_ctx {
	int fd;
	const struct variant *v;
	char err[256];
	size_t bulk;
};

static void *openssl_client(void *arg)
{
	struct client_ctx *cc = arg;
	SSL_CTX *ctx = t_ssl_ctx(false, cc->v->version, cc->v->cipher);
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char *buf = malloc(cc->bulk + 64);
	size_t got = 0;
	int n;

	if (!ssl || !buf) {
		snprintf(cc->err, sizeof(cc->err), "client setup");
		goto out;
	}
	SSL_set_fd(ssl, cc->fd);
	if (SSL_connect(ssl) != 1) {
		snprintf(cc->err, sizeof(cc->err), "SSL_connect: %s", t_ssl_err());
		goto out;
	}
	while (got < 14 + cc->bulk) {
		n = SSL_read(ssl, buf + got, (int)(cc->bulk + 64 - got));
		if (n <= 0) {
			snprintf(cc->err, sizeof(cc->err), "SSL_read after %zu bytes: %s", got,
				 t_ssl_err());
			goto out;
		}
		got += (size_t)n;
	}
	if (memcmp(buf, "hello, client\n", 14)) {
		snprintf(cc->err, sizeof(cc->err), "client read the wrong greeting");
		goto out;
	}
	for (size_t i = 0; i < cc->bulk; i++) {
		if ((uint8_t)buf[14 + i] != (uint8_t)(i * 7)) {
			snprintf(cc->err, sizeof(cc->err), "bulk byte %zu differs", i);
			goto out;
		}
	}
	if (SSL_write(ssl, "GET / HTTP/1.1\r\n\r\n", 18) != 18)
		snprintf(cc->err, sizeof(cc->err), "SSL_write: %s", t_ssl_err());
	/* close_notify from the server, sent through kTLS as an alert record */
	n = SSL_read(ssl, buf, 16);
	if (!cc->err[0] && !(n == 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN))
		snprintf(cc->err, sizeof(cc->err), "expected close_notify, got %d/%d", n,
			 SSL_get_error(ssl, n));
out:
	if (cc->err[0])
		shutdown(cc->fd, SHUT_RDWR);	/* the server's reads end instead of waiting */
	free(buf);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

static int test_openssl_peer(const void *arg)
{
	const struct variant *v = arg;
	struct client_ctx cc = { .v = v, .bulk = 300000 };
	SSL_CTX *sctx = t_ssl_ctx(true, v->version, v->cipher);
	struct kso_dir_keys tx, rx;
	enum kso_ktls_step step;
	uint8_t *bulk;
	char req[32];
	pthread_t th;
	SSL *s;
	int fds[2], err;
	uint64_t seq0 = v->version == TLS_1_2_VERSION ? 1 : 0;	/* 1.2: Finished was 0 */

	T_ASSERT(sctx, "server SSL_CTX: %s", t_ssl_err());
	T_OK(pair(fds));
	cc.fd = fds[0];
	T_ASSERT(!pthread_create(&th, NULL, openssl_client, &cc), "pthread_create");
	s = SSL_new(sctx);
	SSL_set_fd(s, fds[1]);
	T_ASSERT(SSL_accept(s) == 1, "SSL_accept: %s", t_ssl_err());
	T_OK(kso_ssl_derive(s, KSO_SERVER, seq0, seq0, &tx, &rx));
	SSL_free(s);	/* from here on the kernel does TLS */
	SSL_CTX_free(sctx);
	err = kso_ktls_install_keys(fds[1], &tx, &rx, &step);
	T_ASSERT(!err, "install: %s", kso_ktls_strerror(step, err));

	T_ASSERT(write(fds[1], "hello, client\n", 14) == 14, "write: %s", strerror(errno));
	bulk = malloc(cc.bulk);
	for (size_t i = 0; i < cc.bulk; i++)
		bulk[i] = (uint8_t)(i * 7);
	for (size_t off = 0; off < cc.bulk;) {
		ssize_t n = write(fds[1], bulk + off, cc.bulk - off);

		T_ASSERT(n > 0, "write: %s", strerror(errno));
		off += (size_t)n;
	}
	free(bulk);
	T_OK(read_full(fds[1], req, 18));
	T_ASSERT(!memcmp(req, "GET / HTTP/1.1\r\n\r\n", 18), "server read the wrong request");
	T_OK(send_record_type(fds[1], 21, (const uint8_t[]){ 1, 0 }, 2));
	pthread_join(th, NULL);
	T_ASSERT(!cc.err[0], "OpenSSL client: %s", cc.err);
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

static int test_probe(const void *arg)
{
	struct kso_ktls_caps caps;

	(void)arg;
	T_OK(kso_ktls_probe(&caps));
	T_ASSERT(caps.ulp == 0, "TCP_ULP tls: %s", kso_ktls_strerror(KSO_STEP_ULP, caps.ulp));
	for (int v = 0; v < 2; v++)
		for (int c = 0; c < KSO_CIPHER_COUNT; c++)
			T_ASSERT(caps.cipher[v][c] == 0, "%s %s: %s", v ? "TLS 1.3" : "TLS 1.2",
				 kso_cipher_info(c)->name,
				 kso_ktls_strerror(KSO_STEP_TX, caps.cipher[v][c]));
	T_ASSERT(caps.rx_no_pad == 0, "TLS_RX_EXPECT_NO_PAD: %s",
		 kso_ktls_strerror(KSO_STEP_NO_PAD, caps.rx_no_pad));
	T_ASSERT(caps.tx_zc_ro == 0, "TLS_TX_ZEROCOPY_RO: %s",
		 kso_ktls_strerror(KSO_STEP_ZC_RO, caps.tx_zc_ro));
	T_ASSERT(caps.rekey == 0 || caps.rekey == -EBUSY, "rekey probe: %s",
		 t_strerror(caps.rekey));
	T_ASSERT(caps.tls_stat, "/proc/net/tls_stat missing");
	return T_PASS;
}

static int test_errors(const void *arg)
{
	struct kso_dir_keys k = { .version = TLS_1_3_VERSION, .cipher = KSO_AES_128_GCM };
	int fd, fds[2], err;

	(void)arg;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	err = kso_ktls_ulp(fd);
	T_ASSERT(err == -ENOTCONN, "ULP on an unconnected socket: %s", t_strerror(err));
	T_ASSERT(strstr(kso_ktls_strerror(KSO_STEP_ULP, err), "established"),
		 "the ENOTCONN sentence should say what is needed");
	close(fd);

	T_OK(pair(fds));
	err = kso_ktls_install(fds[0], KSO_TX, &k);
	T_ASSERT(err == -ENOPROTOOPT, "TLS_TX without the ULP: %s", t_strerror(err));
	T_OK(kso_ktls_ulp(fds[0]));
	T_OK(kso_ktls_ulp(fds[0]));	/* idempotent */
	T_OK(kso_ktls_install(fds[0], KSO_TX, &k));
	k.version = 0x0301;	/* TLS 1.0: refused before it reaches the kernel */
	err = kso_ktls_install(fds[1], KSO_TX, &k);
	T_ASSERT(err == -EINVAL, "TLS 1.0 keys: %s", t_strerror(err));
	k.version = TLS_1_3_VERSION;
	k.cipher = KSO_AES_256_GCM;
	/* A second TX on fds[0] with another cipher: EBUSY (no rekey) or EINVAL (rekey). */
	err = kso_ktls_install(fds[0], KSO_TX, &k);
	T_ASSERT(err == -EBUSY || err == -EINVAL, "second TX with a new cipher: %s",
		 t_strerror(err));
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

static int test_tls_stat(const void *arg)
{
	unsigned long long before, after, none = 1;
	struct kso_tls_stat ts;
	int fds[2];

	T_OK(kso_tls_stat_read(&ts));
	T_OK(kso_tls_stat_get(&ts, "TlsTxSw", &before));
	T_ASSERT(kso_tls_stat_get(&ts, "TlsNoSuchCounter", &none) == -ENOENT && none == 0,
		 "an absent counter: %llu", none);
	T_OK(variant_pair(arg, fds, 0));
	T_OK(kso_tls_stat_get(&ts, "TlsTxSw", &after));
	T_ASSERT(after == before, "a read is one time: TlsTxSw %llu -> %llu", before, after);
	T_OK(kso_tls_stat_read(&ts));
	T_OK(kso_tls_stat_get(&ts, "TlsTxSw", &after));
	T_ASSERT(after == before + 1, "TlsTxSw went %llu -> %llu", before, after);
	close(fds[0]);
	close(fds[1]);
	return T_PASS;
}

int main(int argc, char **argv)
{
	struct kso_ktls_caps caps;
	char name[96];

	t_init("vm/ktls", argc, argv);
	if (kso_ktls_probe(&caps) == 0 && caps.ulp) {
		const char *e = getenv("KTLSO_EXPECT_KTLS");

		/* The VM loaded tls.ko: kTLS missing there is a failure, not a reason to skip. */
		if (e && !strcmp(e, "1")) {
			printf("FAIL vm/ktls/all: tls.ko was loaded but %s\n",
			       kso_ktls_strerror(KSO_STEP_ULP, caps.ulp));
			return 1;
		}
		printf("SKIP vm/ktls/all: %s\n", kso_ktls_strerror(KSO_STEP_ULP, caps.ulp));
		return 77;
	}
	t_run("probe", test_probe, NULL);
	t_run("errors", test_errors, NULL);
	t_run("tls_stat", test_tls_stat, &variants[3]);
	for (size_t i = 0; i < N_VARIANTS; i++) {
		const struct variant *v = &variants[i];
		static const struct {
			const char *name;
			int (*fn)(const void *);
		} cases[] = {
			{ "install", test_install_both_ways },
			{ "record_model", test_record_model },
			{ "sendfile", test_sendfile },
			{ "splice", test_splice },
			{ "io_uring_splice", test_uring_splice },
			{ "control_record", test_control_record },
			{ "bad_key_ebadmsg", test_bad_key },
			{ "openssl_peer", test_openssl_peer },
		};
		for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
			snprintf(name, sizeof(name), "%s/%s", cases[j].name, v->name);
			t_run(name, cases[j].fn, v);
		}
	}
	return t_done();
}
