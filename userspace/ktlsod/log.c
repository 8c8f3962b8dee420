// SPDX-License-Identifier: GPL-2.0-or-later
#include "ktlsod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Two streams: the log (errors, warnings, start and stop, reloads) and the access log
 * (one line per connection). Without --access-log the access lines go to the log, as
 * they always did. Each stream is a file opened at start, or stderr ("-").
 *
 * Under systemd, stderr is a journal stream ($JOURNAL_STREAM names its device and
 * inode): lines then carry their severity as a "<N>" prefix (sd-daemon(3)) and no time
 * stamp, which the journal adds. SIGUSR1 reopens the files (log_reopen), for logrotate.
 */
struct log_stream {
	int fd;
	const char *path;	/* NULL: stderr */
	atomic_bool lost;	/* a write failed: said once on stderr */
};

static struct log_stream log_main = { .fd = 2 }, log_acc = { .fd = 2 };
/* the access lines' stream: the log itself unless --access-log (one "lost" flag, not two) */
static struct log_stream *log_accp = &log_main;
static bool log_journal, log_acc_own;

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int log_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

static void log_stream_open(struct log_stream *ls, const char *path, const char *what)
{
	int fd;

	if (!path || !strcmp(path, "-"))
		return;
	fd = log_open_fd(path);
	if (fd < 0) {
		/* keep logging somewhere: an unwritable log must not stop the service */
		log_at(LOG_ERR, "%s: cannot open %s: %m; logging to stderr", what, path);
		return;
	}
	ls->fd = fd;
	ls->path = path;
}

void log_open(const char *path, const char *access_path)
{
	log_journal = stderr_is_journal();
	log_stream_open(&log_main, path, "log");
	if (access_path) {
		log_stream_open(&log_acc, access_path, "access log");
		log_acc_own = true;
		log_accp = &log_acc;
	}
}

/*
 * Open each file again under its name and put the new descriptor in the old one's place
 * (dup2 replaces atomically: a worker writing at that moment writes to one or the other).
 * A file that cannot be opened keeps the old descriptor. 0, or -errno of the first failure.
 */
static int log_stream_reopen(struct log_stream *ls, const char *what)
{
	int fd;

	if (!ls->path)
		return 0;
	fd = log_open_fd(ls->path);
	if (fd < 0) {
		int err = -errno;
		struct passwd *pw = getpwuid(geteuid());

		/* after the privilege drop the user opens it: its directory must let it */
		log_at(LOG_ERR, "%s: cannot reopen %s as user %s: %s; still writing to the old "
		       "file (give the user the log's directory, or rotate with copytruncate)",
		       what, ls->path, pw ? pw->pw_name : "?", strerror(-err));
		return err;
	}
	if (dup2(fd, ls->fd) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	atomic_store(&ls->lost, false);
	return 0;
}

int log_reopen(void)
{
	int err = log_stream_reopen(&log_main, "log");

	if (log_acc_own) {
		int e2 = log_stream_reopen(&log_acc, "access log");

		err = err ? err : e2;
	}
	return err;
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
static void log_write(struct log_stream *ls, int prio, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n = 0;
	ssize_t w;

	if (ls->fd == 2 && log_journal) {
		n = (size_t)snprintf(line, sizeof(line), "<%d>", prio);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ ktlsod: ",
				      ts.tv_nsec / 1000000);
	}
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	w = write(ls->fd, line, n);
	/* a log that cannot be written must not stop the service, nor go unnoticed */
	if (w != (ssize_t)n && ls->fd != 2 && !atomic_exchange(&ls->lost, true))
		dprintf(2, "ktlsod: log: cannot write to %s: %s; log lines are being lost "
			"(still serving)\n", ls->path, strerror(w < 0 ? errno : ENOSPC));
}

void log_at(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(&log_main, prio, fmt, ap);
	va_end(ap);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(&log_main, LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_access(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(log_accp, LOG_INFO, fmt, ap);
	va_end(ap);
}
