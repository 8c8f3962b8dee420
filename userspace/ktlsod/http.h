/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/1.1 request parsing for ktlsod: a pure function over a byte buffer, no I/O, no
 * allocation, so that it can be fuzzed on its own. Only what a static file server needs:
 * GET and HEAD, keep-alive, one byte range, the conditional header fields of RFC 9110 §13
 * (evaluated in serve.c), origin-form and absolute-form targets.
 */
#ifndef KTLSOD_HTTP_H
#define KTLSOD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

enum http_range_kind {
	HTTP_RANGE_NONE,
	HTTP_RANGE_FROM_TO,	/* bytes=a-b */
	HTTP_RANGE_FROM,	/* bytes=a- */
	HTTP_RANGE_SUFFIX,	/* bytes=-n */
	HTTP_RANGE_UNSUPPORTED,	/* several ranges, other units: served whole (RFC 9110 §14.2) */
	HTTP_RANGE_INVALID,	/* bytes=... that does not parse: also ignored */
};

#define HTTP_PATH_MAX 1024

struct http_limits {
	size_t max_header_bytes;	/* request line + headers; beyond: 431 (or 414) */
	unsigned max_headers;		/* header fields; beyond: 431 */
};

struct http_req {
	enum http_method method;
	int minor;			/* HTTP/1.<minor> */
	bool keep_alive;
	char path[HTTP_PATH_MAX];	/* percent-decoded, without query; starts with '/' */
	enum http_range_kind range;
	uint64_t range_a, range_b;
	const char *if_none_match;	/* into the parsed buffer, not NUL-terminated */
	size_t if_none_match_len;
	const char *host;		/* the authority of an absolute-form target, else Host */
	size_t host_len;
	const char *target;		/* path and query as received (absolute form: after
					 * the authority), for a redirect's Location */
	size_t target_len;
	const char *if_match;		/* RFC 9110 §13.1: raw field values, or NULL */
	size_t if_match_len;
	const char *if_range;
	size_t if_range_len;
	int64_t if_modified_since;	/* seconds since the epoch; -1: absent or not a date */
	int64_t if_unmodified_since;
};

/*
 * Where the parse of an incomplete request stopped, so that the next call with more bytes
 * (the same buffer, grown) does not scan again what it has seen: linear in a header sent
 * one byte at a time. Zeroed for each new request (whenever the buffer's start moves).
 * scanned counts the bytes searched, for the tests.
 */
struct http_scan {
	size_t skip;		/* empty lines before the request line, skipped */
	size_t from;		/* where the search for the header's end resumes */
	size_t scanned;
};

/*
 * Parse one request at buf[0..len). Returns the number of bytes it takes (> 0), 0 when
 * the request is not complete yet, or -status for a request to refuse with that status
 * (400, 403, 413, 414, 431, 501, 505). Bodies are not accepted: a GET or HEAD with a
 * body, or chunked transfer coding, is refused (413 / 501).
 */
int http_parse(const char *buf, size_t len, const struct http_limits *lim, struct http_req *req);

/* The same, resuming where the last call on this buffer stopped (see struct http_scan). */
int http_parse_resume(const char *buf, size_t len, const struct http_limits *lim,
		      struct http_req *req, struct http_scan *scan);

/* An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms)
 * into seconds since the epoch; false if it is not one. */
bool http_date_parse(const char *s, size_t n, int64_t *t);

/* RFC 9112 §3.2: uri-host [ ":" port ] as Host carries it (empty allowed). */
bool http_authority_ok(const char *s, size_t n);

const char *http_reason(int status);

#endif
