// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The service manager's readiness protocol (sd_notify(3)), without libsystemd: one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or
 * an abstract name when it starts with '@'). systemd documents the protocol as stable and
 * meant to be spoken directly. Without $NOTIFY_SOCKET (not started by systemd, or not as
 * Type=notify) every call does nothing.
 */
#include "ktlsod.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int notify_send(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[512];
	socklen_t len;
	va_list ap;
	size_t n;
	int fd, err = 0;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg)) {
		va_end(ap);
		return -EMSGSIZE;
	}
	va_end(ap);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* RELOADING=1 carries the monotonic time, as Type=notify-reload (systemd 253) asks. */
int notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return notify_send("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
			   (unsigned long long)ts.tv_sec * 1000000ULL +
				   (unsigned long long)ts.tv_nsec / 1000);
}
