// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: ktlsod's HTTP request parser (userspace/ktlsod/http.c) on the bytes a
 * peer sends. Beyond "no crash", it checks what the server relies on: the count consumed
 * lies within the input, refusals are the documented statuses, and an accepted path is
 * NUL-terminated, starts with '/', has no control byte, backslash, "." or ".." segment,
 * and every pointer into the request stays inside it.
 *
 * The same bytes parsed in three pieces (split where the input's second and third bytes
 * say) through http_parse_resume() must give the one-shot verdict: resuming changes how
 * much is scanned, never the answer. An accepted request's Host (or absolute-form
 * authority) is valid uri-host [":" port]; its conditional fields go through
 * serve_preconditions() and its path through serve_path_refused() (serve.c, pure).
 *
 * log_escape() (userspace/ktlsod/log.c) gets the same bytes: what it makes of them must be
 * printable, on one line and within the buffer.
 *
 * The first byte picks the limits (the defaults, or small ones that make 414/431 easy to
 * reach); the rest is the request.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ktlsod.h"	/* log_escape() */
#include "serve.h"

/* The log line for a refused request quotes the request: printable, one line, in bounds. */
static void check_escape(const char *buf, size_t len)
{
	static const size_t sizes[] = { 5, 16, 320 };
	char out[320];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = strlen(log_escape(out, sizes[k], buf ? buf : "", len));

		if (n >= sizes[k])
			abort();
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			if (c < 0x20 || c >= 0x7f || c == '"')
				abort();
			if (c == '\\' && out[i + 1] != 'x')
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_inside(const char *p, size_t n, const char *buf, size_t len)
{
	if (p && (p < buf || p + n > buf + len))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct http_limits lims[] = {
		{ .max_header_bytes = 8192, .max_headers = 64 },	/* ktlsod's defaults */
		{ .max_header_bytes = 256, .max_headers = 4 },		/* the config's minimum */
	};
	const struct http_limits *lim;
	struct http_req req;
	const char *buf;
	size_t len;
	int n;

	if (size < 1)
		return 0;
	lim = &lims[data[0] & 1];
	/* A copy of exactly len bytes: ASan catches any read past the end. */
	len = size - 1;
	buf = len ? memcpy(malloc(len), data + 1, len) : NULL;
	if (!len)
		buf = malloc(1);

	n = http_parse(buf, len, lim, &req);
	if (len >= 2) {
		struct http_scan scan = { 0 };
		struct http_req r2;
		size_t a = (unsigned char)buf[0] * len / 256, b = (unsigned char)buf[1] * len / 256;
		int m;

		if (a > b) {
			size_t t = a;

			a = b, b = t;
		}
		m = http_parse_resume(buf, a, lim, &r2, &scan);
		if (m == 0)
			m = http_parse_resume(buf, b, lim, &r2, &scan);
		if (m == 0)
			m = http_parse_resume(buf, len, lim, &r2, &scan);
		if (m != n)
			abort();
		if (scan.scanned > 3 * len + 12)
			abort();
	}
	if (n > 0) {
		size_t plen = strnlen(req.path, HTTP_PATH_MAX);

		if ((size_t)n > len || (size_t)n > lim->max_header_bytes)
			abort();
		if (plen == HTTP_PATH_MAX || req.path[0] != '/')
			abort();
		for (size_t i = 0; i < plen; i++) {
			unsigned char c = (unsigned char)req.path[i];

			if (c < 0x20 || c == 0x7f || c == '\\')
				abort();
			if (c == '/' && req.path[i + 1] == '.' &&
			    (req.path[i + 2] == '/' || !req.path[i + 2] ||
			     (req.path[i + 2] == '.' && (req.path[i + 3] == '/' || !req.path[i + 3]))))
				abort();
		}
		check_inside(req.host, req.host_len, buf, (size_t)n);
		check_inside(req.if_none_match, req.if_none_match_len, buf, (size_t)n);
		check_inside(req.if_match, req.if_match_len, buf, (size_t)n);
		check_inside(req.if_range, req.if_range_len, buf, (size_t)n);
		check_inside(req.target, req.target_len, buf, (size_t)n);
		if (req.host && !http_authority_ok(req.host, req.host_len))
			abort();

		bool use_range;
		const char *why;
		int pre = serve_preconditions(&req, "\"1-2\"", 1000, 2000, &use_range, &why);

		if (pre != 0 && pre != 304 && pre != 412)
			abort();
		(void)serve_path_refused(req.path, false);
		if (req.range == HTTP_RANGE_FROM_TO && req.range_b < req.range_a)
			abort();
		if (req.minor < 0 || req.minor > 9)
			abort();
	} else if (n < 0) {
		switch (-n) {
		case 400: case 403: case 413: case 414: case 431: case 501: case 505:
			break;
		default:
			abort();
		}
	}
	check_escape(buf, len);
	free((void *)buf);
	return 0;
}
