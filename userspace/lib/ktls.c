// SPDX-License-Identifier: GPL-2.0-or-later
/* kTLS key installation and capability probing. See ktls.h. */
#include "ktls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

int kso_ktls_fill(const struct kso_dir_keys *k, union kso_crypto_info *ci, socklen_t *len)
{
	const struct kso_cipher_info *c = kso_cipher_info(k->cipher);
	unsigned char *key, *iv, *salt, *rec_seq;
	size_t iv_len;

	if (!c || (k->version != TLS_1_2_VERSION && k->version != TLS_1_3_VERSION))
		return -EINVAL;
	memset(ci, 0, sizeof(*ci));
	ci->info.version = k->version;
	ci->info.cipher_type = c->ktls_type;

	switch (k->cipher) {
	case KSO_AES_128_GCM:
		key = ci->aes128.key, iv = ci->aes128.iv;
		salt = ci->aes128.salt, rec_seq = ci->aes128.rec_seq;
		iv_len = sizeof(ci->aes128.iv);
		*len = sizeof(ci->aes128);
		break;
	case KSO_AES_256_GCM:
		key = ci->aes256.key, iv = ci->aes256.iv;
		salt = ci->aes256.salt, rec_seq = ci->aes256.rec_seq;
		iv_len = sizeof(ci->aes256.iv);
		*len = sizeof(ci->aes256);
		break;
	case KSO_CHACHA20_POLY1305:
		key = ci->chacha.key, iv = ci->chacha.iv;
		salt = NULL, rec_seq = ci->chacha.rec_seq;
		iv_len = sizeof(ci->chacha.iv);
		*len = sizeof(ci->chacha);
		break;
	default:
		return -EINVAL;
	}

	memcpy(key, k->key, c->key_len);
	put_be64(rec_seq, k->seq);
	if (c->salt_len && k->version == TLS_1_2_VERSION) {
		/*
		 * TLS 1.2 AES-GCM (RFC 5288): nonce = salt (the 4-byte implicit IV) || an 8-byte
		 * explicit part that the writer picks, sends in each record, and must never use
		 * twice under one key. kTLS sends iv as the next record's explicit part and adds
		 * one per record. OpenSSL does not use the sequence number: its explicit part
		 * starts at a random value and goes up by one per record (the GCM invocation
		 * field after EVP_CTRL_GCM_SET_IV_FIXED); OpenSSL 3.0's own kTLS code hands the
		 * kernel that counter as it stands (EVP_CIPHER_CTX_get_updated_iv). Keys whose
		 * first records OpenSSL wrote carry the counter's next value in explicit_nonce.
		 */
		memcpy(salt, k->iv, c->salt_len);
		put_be64(iv, k->explicit_nonce);
	} else if (c->salt_len) {
		/* TLS 1.3 AES-GCM: the 12-byte static IV is split as salt(4) || iv(8). */
		memcpy(salt, k->iv, c->salt_len);
		memcpy(iv, k->iv + c->salt_len, iv_len);
	} else {
		/* ChaCha20-Poly1305, both versions (RFC 7905): the whole 12-byte IV. */
		memcpy(iv, k->iv, iv_len);
	}
	return 0;
}

int kso_ktls_ulp(int fd)
{
	char name[16] = "";
	socklen_t len = sizeof(name);

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) == 0)
		return 0;
	if (errno == EEXIST && getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len) == 0 &&
	    !strcmp(name, "tls"))
		return 0;
	return -errno;
}

int kso_ktls_install(int fd, enum kso_dir dir, const struct kso_dir_keys *k)
{
	union kso_crypto_info ci;
	socklen_t len;
	int err;

	err = kso_ktls_fill(k, &ci, &len);
	if (!err && setsockopt(fd, SOL_TLS, dir, &ci, len) < 0)
		err = -errno;
	explicit_bzero(&ci, sizeof(ci));
	return err;
}

int kso_ktls_install_keys(int fd, struct kso_dir_keys *tx, struct kso_dir_keys *rx,
			  enum kso_ktls_step *step)
{
	enum kso_ktls_step at = KSO_STEP_ULP;
	int err;

	err = kso_ktls_ulp(fd);
	if (err)
		goto out;
	if (tx) {
		at = KSO_STEP_TX;
		err = kso_ktls_install(fd, KSO_TX, tx);
		if (err)
			goto out;
	}
	if (rx) {
		at = KSO_STEP_RX;
		err = kso_ktls_install(fd, KSO_RX, rx);
	}
out:
	if (tx)
		kso_dir_keys_wipe(tx);
	if (rx)
		kso_dir_keys_wipe(rx);
	if (err && step)
		*step = at;
	return err;
}

const char *kso_ktls_strerror(enum kso_ktls_step step, int err)
{
	switch (step) {
	case KSO_STEP_ULP:
		switch (-err) {
		case ENOENT:
			/* Also what a caller without CAP_NET_ADMIN sees: no auto-loading for it. */
			if (access("/proc/modules", F_OK))
				return "the kernel has no TLS upper-layer protocol and cannot load "
				       "modules: use a kernel built with CONFIG_TLS";
			return "the kernel has no TLS upper-layer protocol: load the tls module "
			       "(modprobe tls, as root) or use a kernel built with CONFIG_TLS";
		case ENOPROTOOPT:
			return "this kernel does not support TCP upper-layer protocols (TCP_ULP)";
		case ENOTCONN:
			return "kTLS needs an established TCP connection and this socket is not one";
		case EEXIST:
			return "another upper-layer protocol is already attached to this socket";
		}
		break;
	case KSO_STEP_TX:
	case KSO_STEP_RX:
		switch (-err) {
		case ENOENT:
			return "the kernel lacks this cipher's crypto algorithm: load its crypto "
			       "modules (gcm, aesni_intel, chacha20poly1305) or enable them in the "
			       "kernel config";
		case EINVAL:
			return "the kernel refused these crypto parameters: a version or cipher it "
			       "does not know, or TX and RX set with different ones";
		case EBUSY:
			return "keys are already installed in this direction and this kernel cannot "
			       "replace them (TLS 1.3 rekey needs Linux 6.14 or later)";
		case ENOPROTOOPT:
			return "the socket has no tls ULP attached";
		case ENOMEM:
			return "the kernel could not allocate memory for the TLS context";
		}
		break;
	case KSO_STEP_NO_PAD:
		if (err == -EINVAL || err == -ENOPROTOOPT)
			return "TLS_RX_EXPECT_NO_PAD needs TLS 1.3 receive offload and Linux 6.0 or later";
		break;
	case KSO_STEP_ZC_RO:
		if (err == -EINVAL || err == -ENOPROTOOPT)
			return "TLS_TX_ZEROCOPY_RO needs Linux 5.19 or later";
		break;
	}
	return strerror(-err);
}

ssize_t kso_ktls_send_record(int fd, unsigned char type, const void *data, size_t len,
			     int flags)
{
	char cbuf[CMSG_SPACE(sizeof(type))] = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(type));
	*CMSG_DATA(cm) = type;
	n = sendmsg(fd, &msg, flags);
	return n < 0 ? -errno : n;
}

int kso_tcp_pair(int fds[2])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd, err = 0;

	fds[0] = fds[1] = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		goto fail;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	fds[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fds[1] < 0)
		goto fail;
	close(lfd);
	return 0;
fail:
	err = -errno;
	if (fds[0] >= 0)
		close(fds[0]);
	close(lfd);
	fds[0] = fds[1] = -1;
	return err;
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* Install zero keys of (version, cipher) on a fresh pair: TX on one end, RX on the other. */
static int probe_cipher(uint16_t version, enum kso_cipher c)
{
	struct kso_dir_keys k = { .version = version, .cipher = c };
	int fds[2], err;

	err = kso_tcp_pair(fds);
	if (err)
		return err;
	err = kso_ktls_ulp(fds[0]);
	if (!err)
		err = kso_ktls_install(fds[0], KSO_TX, &k);
	if (!err)
		err = kso_ktls_ulp(fds[1]);
	if (!err)
		err = kso_ktls_install(fds[1], KSO_RX, &k);
	close_pair(fds);
	return err;
}

static int set_int(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_TLS, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

int kso_ktls_probe(struct kso_ktls_caps *caps)
{
	struct kso_dir_keys k = { .version = TLS_1_3_VERSION, .cipher = KSO_AES_128_GCM };
	int fds[2], err;

	memset(caps, 0, sizeof(*caps));
	err = kso_tcp_pair(fds);
	if (err)
		return err;
	caps->ulp = kso_ktls_ulp(fds[0]);
	close_pair(fds);
	/* after the attach, which may have loaded tls.ko and with it the file */
	caps->tls_stat = access(KSO_TLS_STAT_PATH, R_OK) == 0;
	if (caps->ulp) {
		for (int v = 0; v < 2; v++)
			for (int c = 0; c < KSO_CIPHER_COUNT; c++)
				caps->cipher[v][c] = caps->ulp;
		caps->rekey = caps->rx_no_pad = caps->tx_zc_ro = caps->ulp;
		return 0;
	}

	for (int c = 0; c < KSO_CIPHER_COUNT; c++) {
		caps->cipher[0][c] = probe_cipher(TLS_1_2_VERSION, c);
		caps->cipher[1][c] = probe_cipher(TLS_1_3_VERSION, c);
	}

	/* Rekey, zerocopy sendfile: on a TX socket. No-pad: on a TLS 1.3 RX socket. */
	err = kso_tcp_pair(fds);
	if (err)
		return err;
	err = kso_ktls_ulp(fds[0]);
	if (!err)
		err = kso_ktls_install(fds[0], KSO_TX, &k);
	if (!err) {
		caps->tx_zc_ro = set_int(fds[0], TLS_TX_ZEROCOPY_RO, 1);
		caps->rekey = kso_ktls_install(fds[0], KSO_TX, &k);
	} else {
		caps->tx_zc_ro = caps->rekey = err;
	}
	err = kso_ktls_ulp(fds[1]);
	if (!err)
		err = kso_ktls_install(fds[1], KSO_RX, &k);
	caps->rx_no_pad = err ? err : set_int(fds[1], TLS_RX_EXPECT_NO_PAD, 1);
	close_pair(fds);
	return 0;
}

int kso_tls_stat_read(struct kso_tls_stat *ts)
{
	unsigned long long v;
	char name[64];
	FILE *f;

	ts->n = 0;
	f = fopen(KSO_TLS_STAT_PATH, "re");
	if (!f)
		return -errno;
	while (ts->n < sizeof(ts->f) / sizeof(ts->f[0]) &&
	       fscanf(f, "%63s %llu", name, &v) == 2) {
		if (strlen(name) >= sizeof(ts->f[0].name))
			continue;
		strcpy(ts->f[ts->n].name, name);
		ts->f[ts->n].value = v;
		ts->n++;
	}
	fclose(f);
	return 0;
}

int kso_tls_stat_get(const struct kso_tls_stat *ts, const char *name,
		     unsigned long long *value)
{
	for (size_t i = 0; i < ts->n; i++) {
		if (!strcmp(ts->f[i].name, name)) {
			*value = ts->f[i].value;
			return 0;
		}
	}
	*value = 0;
	return -ENOENT;
}
