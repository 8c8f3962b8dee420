// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notifysock: stand in for the service manager's notification socket (sd_notify(3)).
 * A helper, not a test: tests/e2e/notify.sh points ktlsod's $NOTIFY_SOCKET at it.
 *
 *	notifysock PATH
 *
 * Binds an AF_UNIX datagram socket at PATH (removed first) and prints each message it
 * receives on one line, its "KEY=VALUE" lines joined by '|', until SIGTERM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notifysock PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "notifysock: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notifysock: recv: %s\n", strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = '|';
		printf("%s\n", buf);
	}
}
