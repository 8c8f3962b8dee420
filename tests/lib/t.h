/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small test harness. Each case runs in its own process (a crash or hang fails that
 * case only) and prints one line that tests/run-all counts:
 *	PASS <suite>/<case>
 *	FAIL <suite>/<case>: <why>
 *	SKIP <suite>/<case>: <why>
 * A program exits 0 when nothing failed and something passed, 77 when everything
 * skipped, 1 otherwise (liburing's convention).
 */
#ifndef KTLSO_T_H
#define KTLSO_T_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 77 };

/* Record why the case failed or skips, then return T_FAIL / T_SKIP. */
int t_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define t_fail(...) t_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define T_ASSERT(cond, ...)						\
	do {								\
		if (!(cond))						\
			return t_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* Asserts that a -errno returning call gave 0. */
#define T_OK(expr)							\
	do {								\
		int t_err_ = (expr);					\
		if (t_err_)						\
			return t_fail_at(__FILE__, __LINE__, "%s: %s", #expr, \
					 t_strerror(t_err_));		\
	} while (0)

const char *t_strerror(int err);

void t_init(const char *suite, int argc, char **argv);
/* Runs fn(arg) as "<suite>/<name>" unless filtered out by the command line. */
void t_run(const char *name, int (*fn)(const void *arg), const void *arg);
int t_done(void);

void t_hex(const char *hex, uint8_t *out, size_t *len);
bool t_mem_eq(const void *a, const void *b, size_t n);
void t_fill_random(void *buf, size_t n);

#endif
