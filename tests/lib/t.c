// SPDX-License-Identifier: GPL-2.0-or-later
#include "t.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#define T_TIMEOUT_S 120

static const char *suite;
static char **filters;
static int nfilters;
static int passed, failed, skipped;
static char *why;	/* shared with the forked case */
#define WHY_LEN 1024

const char *t_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

static void set_why(const char *prefix, const char *fmt, va_list ap)
{
	size_t n = 0;

	if (!why || why[0])	/* keep the first reason */
		return;
	if (prefix)
		n = (size_t)snprintf(why, WHY_LEN, "%s", prefix);
	if (n < WHY_LEN)
		vsnprintf(why + n, WHY_LEN - n, fmt, ap);
}

int t_fail_at(const char *file, int line, const char *fmt, ...)
{
	char where[128];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d: ", strrchr(file, '/') ? strrchr(file, '/') + 1 : file,
		 line);
	va_start(ap, fmt);
	set_why(where, fmt, ap);
	va_end(ap);
	return T_FAIL;
}

int t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_why(NULL, fmt, ap);
	va_end(ap);
	return T_SKIP;
}

void t_init(const char *name, int argc, char **argv)
{
	suite = name;
	filters = argv + 1;
	nfilters = argc - 1;
	why = mmap(NULL, WHY_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (why == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
}

static bool selected(const char *name)
{
	if (!nfilters)
		return true;
	for (int i = 0; i < nfilters; i++)
		if (strstr(name, filters[i]))
			return true;
	return false;
}

void t_run(const char *name, int (*fn)(const void *arg), const void *arg)
{
	int status, rc;
	pid_t pid;

	if (!selected(name))
		return;
	why[0] = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s/%s: fork: %s\n", suite, name, strerror(errno));
		failed++;
		return;
	}
	if (pid == 0) {
		alarm(T_TIMEOUT_S);
		rc = fn(arg);
		fflush(NULL);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		printf("FAIL %s/%s: killed by signal %d (%s)%s%s\n", suite, name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       WTERMSIG(status) == SIGALRM ? ", timed out" : "", why[0] ? "; " : "");
		if (why[0])
			printf("  %s\n", why);
		failed++;
		return;
	}
	rc = WEXITSTATUS(status);
	if (rc == T_PASS && !why[0]) {
		printf("PASS %s/%s\n", suite, name);
		passed++;
	} else if (rc == T_SKIP) {
		printf("SKIP %s/%s: %s\n", suite, name, why[0] ? why : "no reason given");
		skipped++;
	} else {
		printf("FAIL %s/%s: %s\n", suite, name, why[0] ? why : "failed without a reason");
		failed++;
	}
}

int t_done(void)
{
	printf("# %s: %d passed, %d failed, %d skipped\n", suite, passed, failed, skipped);
	if (failed)
		return 1;
	return passed ? 0 : 77;
}

void t_hex(const char *hex, uint8_t *out, size_t *len)
{
	size_t n = 0;
	unsigned v;

	while (*hex) {
		if (*hex == ' ' || *hex == ':' || *hex == '\n') {
			hex++;
			continue;
		}
		if (!hex[1] || sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	*len = n;
}

bool t_mem_eq(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

void t_fill_random(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1)
		abort();
}
