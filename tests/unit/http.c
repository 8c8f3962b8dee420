// SPDX-License-Identifier: GPL-2.0-or-later
/* ktlsod's HTTP request parser: what it accepts, and every refusal with its status. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "t.h"

static const struct http_limits lim = { .max_header_bytes = 512, .max_headers = 8 };

static int parse(const char *s, struct http_req *r)
{
	return http_parse(s, strlen(s), &lim, r);
}

static int test_basic(const void *arg)
{
	const char *s = "GET /a/b%20c.txt?x=1 HTTP/1.1\r\nHost: example\r\n\r\nGET /next";
	struct http_req r;
	int n;

	(void)arg;
	n = parse(s, &r);
	T_ASSERT(n == (int)(strstr(s, "GET /next") - s), "consumed %d", n);
	T_ASSERT(r.method == HTTP_GET && r.minor == 1 && r.keep_alive, "method/version");
	T_ASSERT(!strcmp(r.path, "/a/b c.txt"), "path '%s'", r.path);
	T_ASSERT(r.host_len == 7 && !memcmp(r.host, "example", 7), "host");
	T_ASSERT(r.range == HTTP_RANGE_NONE && !r.if_none_match, "no range, no etag");
	/* the pipelined rest is incomplete */
	T_ASSERT(parse("GET /next", &r) == 0, "incomplete must ask for more");
	T_ASSERT(parse("\r\nHEAD / HTTP/1.0\r\n\r\n", &r) > 0 && r.method == HTTP_HEAD &&
		 !r.keep_alive, "HTTP/1.0 HEAD after an empty line");
	T_ASSERT(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0 &&
		 r.keep_alive, "1.0 keep-alive");
	T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &r) > 0 &&
		 !r.keep_alive, "close");
	T_ASSERT(parse("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0 && r.method == HTTP_OTHER,
		 "other methods parse (the server answers 405)");
	T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match:  \"abc\" \r\n\r\n", &r) > 0 &&
		 r.if_none_match_len == 5 && !memcmp(r.if_none_match, "\"abc\"", 5), "etag");
	return T_PASS;
}

static int test_ranges(const void *arg)
{
	static const struct {
		const char *hdr;
		enum http_range_kind kind;
		uint64_t a, b;
	} cases[] = {
		{ "bytes=0-0", HTTP_RANGE_FROM_TO, 0, 0 },
		{ "bytes=10-19", HTTP_RANGE_FROM_TO, 10, 19 },
		{ "bytes=100-", HTTP_RANGE_FROM, 100, 0 },
		{ "bytes=-500", HTTP_RANGE_SUFFIX, 0, 500 },
		{ "bytes=-0", HTTP_RANGE_SUFFIX, 0, 0 },	/* served as 416 */
		{ "bytes=5-4", HTTP_RANGE_INVALID, 0, 0 },
		{ "bytes=a-b", HTTP_RANGE_INVALID, 0, 0 },
		{ "bytes=1-2,5-6", HTTP_RANGE_UNSUPPORTED, 0, 0 },
		{ "items=1-2", HTTP_RANGE_UNSUPPORTED, 0, 0 },
		{ "bytes=99999999999999999999-", HTTP_RANGE_INVALID, 0, 0 },
	};
	char req[256];
	struct http_req r;

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: a\r\nRange: %s\r\n\r\n",
			 cases[i].hdr);
		T_ASSERT(parse(req, &r) > 0, "%s: parse", cases[i].hdr);
		T_ASSERT(r.range == cases[i].kind, "%s: kind %d, want %d", cases[i].hdr, r.range,
			 cases[i].kind);
		if (r.range == HTTP_RANGE_FROM_TO || r.range == HTTP_RANGE_FROM)
			T_ASSERT(r.range_a == cases[i].a, "%s: start", cases[i].hdr);
		if (r.range == HTTP_RANGE_FROM_TO || r.range == HTTP_RANGE_SUFFIX)
			T_ASSERT(r.range_b == cases[i].b, "%s: end", cases[i].hdr);
	}
	return T_PASS;
}

static int test_refusals(const void *arg)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 400 },				/* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400 },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		/* absolute-form is served (test_absolute); these targets are not */
		{ "GET a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET https:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },		/* empty host */
		{ "GET https://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },	/* userinfo */
		{ "GET https://a b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET https://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET https://a/../etc HTTP/1.1\r\nHost: a\r\n\r\n", 403 },
		{ "GET https://a HTTP/1.1\r\n\r\n", 400 },			/* still no Host */
		{ "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		/* Host must be uri-host [":" port] (RFC 9112 §3.2) */
		{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
		{ "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 403 },
		{ "GET /a/%2e%2e/%2e%2e/etc HTTP/1.1\r\nHost: a\r\n\r\n", 403 },
		{ "GET /a/. HTTP/1.1\r\nHost: a\r\n\r\n", 403 },
		{ "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /a\\..\\b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\n"
		  "G: 1\r\nH: 1\r\n\r\n", 431 },
	};
	struct http_req r;

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = parse(cases[i].req, &r);

		T_ASSERT(n == -cases[i].status, "case %zu: got %d, want -%d", i, n,
			 cases[i].status);
	}
	return T_PASS;
}

static int test_limits(const void *arg)
{
	char big[1024];
	struct http_req r;

	(void)arg;
	/* an overlong request line with no end in sight: 414 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	T_ASSERT(http_parse(big, sizeof(big), &lim, &r) == -414, "long request line");
	T_ASSERT(http_parse(big, 100, &lim, &r) == 0, "short prefix: wait for more");
	/* a complete request line but headers past the limit: 431 */
	int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(big + n, 'b', sizeof(big) - (size_t)n);
	T_ASSERT(http_parse(big, sizeof(big), &lim, &r) == -431, "long headers");
	/* a path that decodes past HTTP_PATH_MAX: 414 */
	static char longpath[HTTP_PATH_MAX + 64];
	n = snprintf(longpath, sizeof(longpath), "GET /");
	memset(longpath + n, 'p', HTTP_PATH_MAX);
	strcpy(longpath + n + HTTP_PATH_MAX, " HTTP/1.1\r\nHost: a\r\n\r\n");
	struct http_limits wide = { .max_header_bytes = sizeof(longpath), .max_headers = 8 };
	T_ASSERT(http_parse(longpath, strlen(longpath), &wide, &r) == -414, "long path");
	return T_PASS;
}

/* Every prefix of a valid request asks for more; none is refused or over-read. */
static int test_prefixes(const void *arg)
{
	const char *s = "GET /x HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\n\r\n";
	struct http_req r;

	(void)arg;
	for (size_t i = 0; i < strlen(s); i++)
		T_ASSERT(http_parse(s, i, &lim, &r) == 0, "prefix of %zu bytes gave a verdict", i);
	T_ASSERT(http_parse(s, strlen(s), &lim, &r) == (int)strlen(s), "whole");
	return T_PASS;
}

/* RFC 9112 §3.2.2: absolute-form accepted, its authority in place of Host. */
static int test_absolute(const void *arg)
{
	struct http_req r;
	const char *s = "GET https://example.com:8443/a%20b/?q=1 HTTP/1.1\r\nHost: other\r\n\r\n";

	(void)arg;
	T_ASSERT(parse(s, &r) == (int)strlen(s), "absolute-form refused");
	T_ASSERT(!strcmp(r.path, "/a b/"), "path '%s'", r.path);
	T_ASSERT(r.host_len == 16 && !memcmp(r.host, "example.com:8443", 16),
		 "host '%.*s': the target's authority wins over Host", (int)r.host_len, r.host);
	T_ASSERT(r.target_len == 11 && !memcmp(r.target, "/a%20b/?q=1", 11),
		 "target '%.*s'", (int)r.target_len, r.target);
	T_ASSERT(parse("GET HTTP://h HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 &&
		 !strcmp(r.path, "/"), "empty path is /");
	T_ASSERT(parse("HEAD http://[::1]:8443?x HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 &&
		 !strcmp(r.path, "/") && r.host_len == 10, "IP-literal, query without path");
	T_ASSERT(parse("GET /o HTTP/1.1\r\nHost: h:1\r\n\r\n", &r) > 0 && r.host_len == 3 &&
		 r.target_len == 2 && !memcmp(r.target, "/o", 2), "origin-form target and Host");
	return T_PASS;
}

static int test_authority(const void *arg)
{
	static const char *const good[] = { "", "a", "a.b:80", "a:", "[::1]", "[::1]:8443",
					    "1.2.3.4:1", "xn--d1a.example", "a_b~c" };
	static const char *const bad[] = { "a/b", "a b", "a@b", "a:1:2", "[::1", "[]", "[::1]x",
					   "a?b", "a\"b", ":" "x" };

	(void)arg;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		T_ASSERT(http_authority_ok(good[i], strlen(good[i])), "'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ASSERT(!http_authority_ok(bad[i], strlen(bad[i])), "'%s' accepted", bad[i]);
	return T_PASS;
}

/* RFC 9110 §5.6.7: the three forms of one instant, and what is not a date. */
static int test_dates(const void *arg)
{
	static const char *const same[] = { "Sun, 06 Nov 1994 08:49:37 GMT",
					    "Sunday, 06-Nov-94 08:49:37 GMT",
					    "Sun Nov  6 08:49:37 1994" };
	static const char *const bad[] = { "", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC",
					   "Sun, 32 Nov 1994 08:49:37 GMT",
					   "Sun, 06 Foo 1994 08:49:37 GMT",
					   "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nov 1994 08:49:37",
					   "Sun, 6 Nov 1994 08:49:37 GMT" };
	struct http_req r;
	int64_t t;

	(void)arg;
	for (size_t i = 0; i < 3; i++) {
		T_ASSERT(http_date_parse(same[i], strlen(same[i]), &t), "'%s' refused", same[i]);
		T_ASSERT(t == 784111777, "'%s': %lld", same[i], (long long)t);
	}
	T_ASSERT(http_date_parse("Thu, 01 Jan 1970 00:00:00 GMT", 29, &t) && t == 0, "epoch");
	T_ASSERT(http_date_parse("Tue, 29 Feb 2028 23:59:60 GMT", 29, &t) && t == 1835481600,
		 "leap day and second: %lld", (long long)t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ASSERT(!http_date_parse(bad[i], strlen(bad[i]), &t), "'%s' accepted", bad[i]);
	/* the fields: a date that does not parse is ignored (-1), RFC 9110 §13.1.3-4 */
	T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 "
		       "08:49:37 GMT\r\nIf-Unmodified-Since: soon\r\n\r\n", &r) > 0 &&
		 r.if_modified_since == 784111777 && r.if_unmodified_since == -1, "fields");
	T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0 &&
		 r.if_modified_since == -1 && r.if_unmodified_since == -1 && !r.if_match &&
		 !r.if_range, "absent");
	T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\nIf-Match: \"x\", \"y\"\r\n"
		       "If-Range: \"x\"\r\n\r\n", &r) > 0 && r.if_match_len == 8 &&
		 !memcmp(r.if_range, "\"x\"", 3) && r.if_range_len == 3, "If-Match, If-Range");
	return T_PASS;
}

/*
 * A header sent one byte at a time: each call resumes where the last stopped, so the
 * bytes searched stay linear in the header (before: every call scanned all of it again,
 * n^2/2 for n bytes), and the verdict is the one-shot parse's.
 */
static int test_resume(const void *arg)
{
	static char req[8000];
	const struct http_limits wide = { .max_header_bytes = sizeof(req), .max_headers = 200 };
	struct http_scan scan = { 0 };
	struct http_req r, whole;
	size_t len = 0;
	int n = 0;

	(void)arg;
	len += (size_t)snprintf(req, sizeof(req), "\r\nGET /x HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; len < sizeof(req) - 100; i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len, "X-%d: %s\r\n", i,
					"abcdefghijklmnopqrstuvwxyz0123456789");
	len += (size_t)snprintf(req + len, sizeof(req) - len, "\r\n");
	T_ASSERT(http_parse(req, len, &wide, &whole) == (int)len, "one shot");
	for (size_t i = 1; i <= len; i++) {
		n = http_parse_resume(req, i, &wide, &r, &scan);
		if (i < len)
			T_ASSERT(n == 0, "a verdict after %zu of %zu bytes: %d", i, len, n);
	}
	T_ASSERT(n == (int)len && !strcmp(r.path, whole.path) && r.host_len == whole.host_len,
		 "dribbled: %d", n);
	T_ASSERT(scan.scanned <= 4 * len, "%zu bytes searched for a %zu-byte header", scan.scanned,
		 len);
	/* and in bigger pieces, ending in the middle of the final CRLF CRLF */
	memset(&scan, 0, sizeof(scan));
	T_ASSERT(http_parse_resume(req, len - 3, &wide, &r, &scan) == 0, "piece 1");
	T_ASSERT(http_parse_resume(req, len - 1, &wide, &r, &scan) == 0, "piece 2");
	T_ASSERT(http_parse_resume(req, len, &wide, &r, &scan) == (int)len, "piece 3");
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("unit/http", argc, argv);
	t_run("basic", test_basic, NULL);
	t_run("ranges", test_ranges, NULL);
	t_run("refusals", test_refusals, NULL);
	t_run("limits", test_limits, NULL);
	t_run("prefixes", test_prefixes, NULL);
	t_run("absolute", test_absolute, NULL);
	t_run("authority", test_authority, NULL);
	t_run("dates", test_dates, NULL);
	t_run("resume", test_resume, NULL);
	return t_done();
}
