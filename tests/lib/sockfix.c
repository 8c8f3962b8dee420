// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixtures of the VM tests: loopback TCP pairs, kTLS installed on them with random keys,
 * socket cookies, and running a check as the unprivileged user.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/tls.h>

#include "keysched.h"
#include "ktls.h"
#include "sockfix.h"
#include "t.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

uint64_t cookie(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) < 0)
		return 0;
	return c;
}

int pair(int fds[2])
{
	struct timeval tv = { .tv_sec = 20 };
	int err = kso_tcp_pair(fds);

	if (!err) {
		setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fds[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return err;
}

void make_keys(uint16_t version, enum kso_cipher c, uint64_t seq, struct kso_dir_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->version = version;
	k->cipher = c;
	k->seq = seq;
	t_fill_random(k->key, sizeof(k->key));
	t_fill_random(k->iv, sizeof(k->iv));
	if (version == TLS_1_2_VERSION) {
		const struct kso_cipher_info *ci = kso_cipher_info(c);

		memset(k->iv + ci->tls12_fixed_iv, 0, KSO_IV_LEN - ci->tls12_fixed_iv);
	}
}

/*
 * kTLS on a pair: a->b when ab, b->a when ba, with keys starting at seq. fds[0] is the
 * connecting end, fds[1] the accepted one.
 */
int ktls_setup(int fds[2], uint16_t version, uint64_t seq, bool ab, bool ba)
{
	struct kso_dir_keys a_tx, a_rx, b_tx, b_rx;
	int err;

	make_keys(version, KSO_AES_128_GCM, seq, &a_tx);
	make_keys(version, KSO_AES_128_GCM, seq, &b_tx);
	b_rx = a_tx;
	a_rx = b_tx;
	err = kso_ktls_install_keys(fds[0], ab ? &a_tx : NULL, ba ? &a_rx : NULL, NULL);
	if (!err)
		err = kso_ktls_install_keys(fds[1], ba ? &b_tx : NULL, ab ? &b_rx : NULL, NULL);
	kso_dir_keys_wipe(&a_tx);
	kso_dir_keys_wipe(&a_rx);
	kso_dir_keys_wipe(&b_tx);
	kso_dir_keys_wipe(&b_rx);
	return err;
}

int ktls_pair(int fds[2], uint16_t version, uint64_t seq)
{
	int err = pair(fds);

	if (!err)
		err = ktls_setup(fds, version, seq, true, true);
	return err;
}

bool ktls_available(void)
{
	int fds[2];
	int err;

	if (pair(fds))
		return false;
	err = kso_ktls_ulp(fds[0]);
	close(fds[0]);
	close(fds[1]);
	return !err;
}

/* Runs fn in a child that became nobody; the child's result is the case's. */
int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return t_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(t_fail("setuid(%d): %s", NOBODY, strerror(errno)));
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return t_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status))
		return t_fail("the unprivileged child died with signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}
