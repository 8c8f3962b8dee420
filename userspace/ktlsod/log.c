// SPDX-License-Identifier: GPL-2.0-or-later
#include "ktlsod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static const char *log_path;
static atomic_bool log_lost;	/* a write to the log file failed: said once on stderr */

void log_open(const char *path)
{
	int fd;

	if (!path || !strcmp(path, "-"))
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		/* keep logging somewhere: an unwritable log must not stop the service */
		log_msg("log: cannot open %s: %m; logging to stderr", path);
		return;
	}
	log_fd = fd;
	log_path = path;
}

/*
 * Peer bytes for a log line: printable ASCII as is, everything else (and the quote and
 * backslash) as \xNN, so that a request cannot forge or split log lines. Stops at a line
 * end; "..." marks a cut. Returns dst.
 */
const char *log_escape(char *dst, size_t size, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < n && src[i] != '\r' && src[i] != '\n'; i++) {
		unsigned char ch = (unsigned char)src[i];
		bool plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';

		if (o + (plain ? 1 : 4) + 4 > size)
			break;
		if (plain) {
			dst[o++] = (char)ch;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		}
	}
	if (i < n && src[i] != '\r' && src[i] != '\n')
		o += (size_t)snprintf(dst + o, size - o, "...");
	dst[o] = '\0';
	return dst;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One write() per line: lines from several workers never interleave. */
void log_msg(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;
	ssize_t w;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ ktlsod: ", ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	w = write(log_fd, line, n);
	/* a log that cannot be written must not stop the service, nor go unnoticed */
	if (w != (ssize_t)n && log_fd != 2 && !atomic_exchange(&log_lost, true))
		dprintf(2, "ktlsod: log: cannot write to %s: %s; log lines are being lost "
			"(still serving)\n", log_path, strerror(w < 0 ? errno : ENOSPC));
}
