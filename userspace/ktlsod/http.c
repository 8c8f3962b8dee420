// SPDX-License-Identifier: GPL-2.0-or-later
#include "http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool http_authority_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '[') {		/* IP-literal */
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!isxdigit((unsigned char)s[i]) && !strchr(":.vV%", s[i]))
				return false;
		if (i == n || i == 1)
			return false;
		i++;
	} else {			/* reg-name or IPv4address: unreserved, %, sub-delims */
		for (; i < n && s[i] != ':'; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr("-._~%!$&'()*+,;=", s[i]))
				return false;
	}
	if (i < n && s[i++] != ':')
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * RFC 9112 §3.2.2: "http://" or "https://", the authority (host, no userinfo), then the
 * path. The authority replaces Host. Returns the offset of the path (or of the end), or
 * -400.
 */
static int absolute_form(const char *t, size_t n, struct http_req *req)
{
	size_t i, a;

	if (n >= 8 && !strncasecmp(t, "https://", 8))
		a = 8;
	else if (n >= 7 && !strncasecmp(t, "http://", 7))
		a = 7;
	else
		return -400;	/* authority-form, asterisk-form, other schemes */
	for (i = a; i < n && t[i] != '/' && t[i] != '?' && t[i] != '#'; i++)
		;
	if (i == a || t[a] == ':' || memchr(t + a, '@', i - a) || !http_authority_ok(t + a, i - a))
		return -400;	/* an empty host, userinfo (RFC 9110 §4.2.4), a bad one */
	req->host = t + a;
	req->host_len = i - a;
	return (int)i;
}

/* Decode the target's path into req->path: no NUL, no control bytes, no ".." or "."
 * segment, no backslash; the query is dropped (it stays in req->target). */
static int decode_target(const char *t, size_t n, struct http_req *req)
{
	size_t o = 0;

	if (n && t[0] != '/') {
		int at = absolute_form(t, n, req);

		if (at < 0)
			return at;
		t += at, n -= (size_t)at;
		if (!n || t[0] != '/') {	/* an empty path is "/" */
			req->path[0] = '/', req->path[1] = 0;
			req->target = t;
			req->target_len = n;
			return 0;
		}
	}
	if (n == 0)
		return -400;
	req->target = t;
	req->target_len = n;
	for (size_t i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = hexval((unsigned char)t[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)t[i + 2])) < 0)
				return -400;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -400;
		if (o + 1 >= HTTP_PATH_MAX)
			return -414;
		req->path[o++] = (char)c;
	}
	req->path[o] = 0;
	/* "." and ".." segments, decoded or not: refused rather than resolved */
	for (char *s = req->path; (s = strchr(s, '/')); ) {
		s++;
		if (s[0] == '.' && (s[1] == '/' || s[1] == 0 ||
				    (s[1] == '.' && (s[2] == '/' || s[2] == 0))))
			return -403;
	}
	return 0;
}

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static void parse_range(const char *v, size_t n, struct http_req *req)
{
	const char *dash;

	if (n < 6 || strncasecmp(v, "bytes=", 6)) {
		req->range = HTTP_RANGE_UNSUPPORTED;
		return;
	}
	v += 6, n -= 6;
	if (memchr(v, ',', n)) {
		req->range = HTTP_RANGE_UNSUPPORTED;
		return;
	}
	dash = memchr(v, '-', n);
	if (!dash) {
		req->range = HTTP_RANGE_INVALID;
		return;
	}
	size_t a_len = (size_t)(dash - v), b_len = n - a_len - 1;

	if (a_len == 0) {
		/* bytes=-0 is well formed and unsatisfiable: 416 (RFC 9110 §14.1.2) */
		req->range = parse_u64(dash + 1, b_len, &req->range_b) ? HTTP_RANGE_SUFFIX :
									 HTTP_RANGE_INVALID;
	} else if (!parse_u64(v, a_len, &req->range_a)) {
		req->range = HTTP_RANGE_INVALID;
	} else if (b_len == 0) {
		req->range = HTTP_RANGE_FROM;
	} else {
		req->range = parse_u64(dash + 1, b_len, &req->range_b) &&
					     req->range_b >= req->range_a ?
				     HTTP_RANGE_FROM_TO : HTTP_RANGE_INVALID;
	}
}

static bool token_in_list(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);

	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && !strncasecmp(v + s, token, tl))
			return true;
	}
	return false;
}

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int month_of(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (!memcmp(s, months[m], 3))
			return m + 1;
	return 0;
}

static bool digits(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* "HH:MM:SS" */
static bool hms(const char *s, int *h, int *m, int *sec)
{
	return s[2] == ':' && s[5] == ':' && digits(s, 2, h) && digits(s + 3, 2, m) &&
	       digits(s + 6, 2, sec) && *h < 24 && *m < 60 && *sec < 61;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

bool http_date_parse(const char *s, size_t n, int64_t *t)
{
	int d, mon, y, h, mi, sec;
	const char *c;

	if (n == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' &&
	    s[16] == ' ' && s[25] == ' ' && !memcmp(s + 26, "GMT", 3)) {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		if (!digits(s + 5, 2, &d) || !(mon = month_of(s + 8)) || !digits(s + 12, 4, &y) ||
		    !hms(s + 17, &h, &mi, &sec))
			return false;
	} else if (n == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		char dd[2] = { s[8] == ' ' ? '0' : s[8], s[9] };

		if (!(mon = month_of(s + 4)) || !digits(dd, 2, &d) || !hms(s + 11, &h, &mi, &sec) ||
		    !digits(s + 20, 4, &y))
			return false;
	} else if ((c = memchr(s, ',', n)) && n - (size_t)(c - s) == 24 && c[1] == ' ' &&
		   c[4] == '-' && c[8] == '-' && c[11] == ' ' && c[20] == ' ' &&
		   !memcmp(c + 21, "GMT", 3)) {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; a two-digit year more than 50 years
		 * ahead is in the past century (RFC 9110 §5.6.7): 70..99 → 19xx here */
		if (!digits(c + 2, 2, &d) || !(mon = month_of(c + 5)) || !digits(c + 9, 2, &y) ||
		    !hms(c + 12, &h, &mi, &sec))
			return false;
		y += y < 70 ? 2000 : 1900;
	} else {
		return false;
	}
	if (d < 1 || d > 31)
		return false;
	*t = days_from_civil(y, mon, d) * 86400 + h * 3600 + mi * 60 + sec;
	return true;
}

int http_parse(const char *buf, size_t len, const struct http_limits *lim, struct http_req *req)
{
	struct http_scan scan = { 0 };

	return http_parse_resume(buf, len, lim, req, &scan);
}

int http_parse_resume(const char *buf, size_t len, const struct http_limits *lim,
		      struct http_req *req, struct http_scan *sc)
{
	const char *end, *p, *line_end, *sp1, *sp2;
	size_t scan = len < lim->max_header_bytes ? len : lim->max_header_bytes;
	bool have_host = false, conn_close = false, conn_keep = false;
	unsigned nheaders = 0;
	int err;

	/* RFC 9112 §2.2: ignore at least one empty line before the request-line. */
	size_t skip = sc->skip;
	while (skip + 1 < scan && buf[skip] == '\r' && buf[skip + 1] == '\n')
		skip += 2;
	sc->skip = skip;

	/* the header's end, searched only in what the last call had not seen (less 3 bytes:
	 * the first of "\r\n\r\n" may be among them) */
	size_t from = sc->from > skip ? sc->from : skip;

	if (from > scan)
		from = scan;
	sc->scanned += scan - from;
	end = memmem(buf + from, scan - from, "\r\n\r\n", 4);
	if (!end) {
		sc->from = scan >= 3 ? scan - 3 : 0;
		if (len >= lim->max_header_bytes) {
			line_end = memmem(buf + skip, scan - skip, "\r\n", 2);
			return line_end ? -431 : -414;
		}
		return 0;
	}
	memset(req, 0, sizeof(*req));
	req->if_modified_since = req->if_unmodified_since = -1;

	p = buf + skip;
	line_end = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
	sp1 = memchr(p, ' ', (size_t)(line_end - p));
	if (!sp1)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
	if (!sp2 || sp1 == p)
		return -400;
	for (const char *m = p; m < sp1; m++)
		if (!is_tchar((unsigned char)*m))
			return -400;
	if (sp1 - p == 3 && !memcmp(p, "GET", 3))
		req->method = HTTP_GET;
	else if (sp1 - p == 4 && !memcmp(p, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	if (line_end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) || sp2[7] != '.' ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[8] < '0' || sp2[8] > '9')
		return -400;
	if (sp2[6] != '1')
		return -505;
	req->minor = sp2[8] - '0';
	req->keep_alive = req->minor >= 1;

	err = decode_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), req);
	if (err)
		return err;
	bool absolute = sp1[1] != '/';

	for (p = line_end + 2; p < end + 2; p = line_end + 2) {
		const char *colon, *v, *ve;
		size_t nlen, vlen;

		line_end = memmem(p, (size_t)(end + 4 - p), "\r\n", 2);
		if (line_end == p)
			break;
		if (++nheaders > lim->max_headers)
			return -431;
		if (*p == ' ' || *p == '\t')
			return -400;	/* obsolete line folding */
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (!colon || colon == p)
			return -400;
		nlen = (size_t)(colon - p);
		for (const char *c = p; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return -400;	/* includes whitespace before the colon */
		v = colon + 1;
		ve = line_end;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *c = v; c < ve; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return -400;	/* NUL, bare CR or LF, controls */
		vlen = (size_t)(ve - v);

#define IS(name) (nlen == sizeof(name) - 1 && !strncasecmp(p, name, nlen))
		if (IS("host")) {
			if (have_host || !http_authority_ok(v, vlen))
				return -400;	/* RFC 9112 §3.2 */
			have_host = true;
			if (!absolute) {	/* else the target's authority (§3.2.2) */
				req->host = v;
				req->host_len = vlen;
			}
		} else if (IS("connection")) {
			conn_close |= token_in_list(v, vlen, "close");
			conn_keep |= token_in_list(v, vlen, "keep-alive");
		} else if (IS("range")) {
			if (req->range != HTTP_RANGE_NONE)
				req->range = HTTP_RANGE_UNSUPPORTED;
			else
				parse_range(v, vlen, req);
		} else if (IS("if-none-match")) {
			req->if_none_match = v;
			req->if_none_match_len = vlen;
		} else if (IS("if-match")) {
			req->if_match = v;
			req->if_match_len = vlen;
		} else if (IS("if-range")) {
			req->if_range = v;
			req->if_range_len = vlen;
		} else if (IS("if-modified-since")) {
			/* not a valid date: ignored (RFC 9110 §13.1.3) */
			if (!http_date_parse(v, vlen, &req->if_modified_since))
				req->if_modified_since = -1;
		} else if (IS("if-unmodified-since")) {
			if (!http_date_parse(v, vlen, &req->if_unmodified_since))
				req->if_unmodified_since = -1;
		} else if (IS("transfer-encoding")) {
			return -501;
		} else if (IS("content-length")) {
			uint64_t cl;

			if (!parse_u64(v, vlen, &cl))
				return -400;
			if (cl)
				return -413;
		}
#undef IS
	}
	if (req->minor >= 1 && !have_host)
		return -400;	/* RFC 9112 §3.2 */
	if (conn_close)
		req->keep_alive = false;
	else if (req->minor == 0 && conn_keep)
		req->keep_alive = true;
	return (int)(end + 4 - buf);
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
