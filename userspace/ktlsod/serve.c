// SPDX-License-Identifier: GPL-2.0-or-later
#include "serve.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *ext, *type;
} mime[] = {
	{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" }, { "css", "text/css" },
	{ "js", "text/javascript" }, { "mjs", "text/javascript" },
	{ "json", "application/json" }, { "xml", "application/xml" },
	{ "svg", "image/svg+xml" }, { "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
	{ "ico", "image/vnd.microsoft.icon" }, { "pdf", "application/pdf" },
	{ "wasm", "application/wasm" }, { "woff", "font/woff" }, { "woff2", "font/woff2" },
	{ "mp4", "video/mp4" }, { "webm", "video/webm" }, { "mp3", "audio/mpeg" },
	{ "gz", "application/gzip" }, { "zip", "application/zip" },
	{ "tar", "application/x-tar" }, { "iso", "application/x-iso9660-image" },
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash)) {
		for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
			if (!strcasecmp(dot + 1, mime[i].ext))
				return mime[i].type;
	}
	return "application/octet-stream";
}

const char *serve_relpath(const struct http_req *req)
{
	const char *p = req->path;

	while (*p == '/')
		p++;
	return *p ? p : ".";
}

void serve_open_how(struct open_how *how)
{
	memset(how, 0, sizeof(*how));
	how->flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	how->resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
}

/*
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") by hand for the years 1970 to 9999:
 * gmtime_r() takes glibc's time zone lock and strftime() goes through the locale, about
 * 1.5 k instructions a response for two dates (measured under icount). Days to a civil
 * date as in Howard Hinnant's days_from_civil's inverse. Other times: gmtime_r, strftime.
 */
static size_t http_date(char *buf, size_t len, time_t t)
{
	static const char wd[] = "ThuFriSatSunMonTueWed", mon[] = "MarAprMayJunJulAugSepOctNovDecJanFeb";
	struct tm tm;

	if (t < 0 || t > 253402300799 || len < 30) {
		gmtime_r(&t, &tm);
		return strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	long days = (long)(t / 86400), sec = (long)(t % 86400);
	long z = days + 719468, era = z / 146097, doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1, y = yoe + era * 400 + (mp >= 10);
	char *p = buf;

	memcpy(p, wd + days % 7 * 3, 3);
	p[3] = ',';
	p[4] = ' ';
	p[5] = (char)('0' + d / 10);
	p[6] = (char)('0' + d % 10);
	p[7] = ' ';
	memcpy(p + 8, mon + mp * 3, 3);
	p[11] = ' ';
	p[12] = (char)('0' + y / 1000);
	p[13] = (char)('0' + y / 100 % 10);
	p[14] = (char)('0' + y / 10 % 10);
	p[15] = (char)('0' + y % 10);
	p[16] = ' ';
	p[17] = (char)('0' + sec / 36000);
	p[18] = (char)('0' + sec / 3600 % 10);
	p[19] = ':';
	p[20] = (char)('0' + sec % 3600 / 600);
	p[21] = (char)('0' + sec % 3600 / 60 % 10);
	p[22] = ':';
	p[23] = (char)('0' + sec % 60 / 10);
	p[24] = (char)('0' + sec % 10);
	memcpy(p + 25, " GMT", 5);
	return 29;
}

/*
 * The head is built by appending strings and numbers: a response's five snprintf() calls
 * cost about as much as its openat2 (measured under icount). Too long: cut at the end of
 * the buffer, as head_add() does.
 */
static void head_put(struct serve_resp *r, const char *s, size_t n)
{
	size_t room = sizeof(r->head) - 1 - r->head_len;

	if (r->head_len >= sizeof(r->head) - 1)
		return;
	if (n > room)
		n = room;
	memcpy(r->head + r->head_len, s, n);
	r->head_len += n;
	r->head[r->head_len] = 0;	/* as snprintf() left it: tests read it as a string */
}

static void head_puts(struct serve_resp *r, const char *s)
{
	head_put(r, s, strlen(s));
}

/* v in base 10 or 16 (lowercase), into buf (at least 21 bytes); its length */
static size_t fmt_u64(char *buf, uint64_t v, unsigned base)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void head_putu(struct serve_resp *r, uint64_t v)
{
	char buf[24];

	head_put(r, buf, fmt_u64(buf, v, 10));
}

static void head_start(struct serve_resp *r, int status, bool keep_alive)
{
	char date[64];
	size_t n = http_date(date, sizeof(date), time(NULL));

	r->status = status;
	r->why = NULL;
	r->close = !keep_alive;
	r->head_len = 0;
	head_puts(r, "HTTP/1.1 ");
	head_putu(r, (uint64_t)(unsigned)status);
	head_puts(r, " ");
	head_puts(r, http_reason(status));
	head_puts(r, "\r\nServer: ktlsod\r\nDate: ");
	head_put(r, date, n);
	head_puts(r, keep_alive ? "\r\n" : "\r\nConnection: close\r\n");
	head_puts(r, "X-Content-Type-Options: nosniff\r\n");
	if (r->hsts)
		head_puts(r, r->hsts);
}

static void head_add(struct serve_resp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void head_add(struct serve_resp *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->head_len >= sizeof(r->head))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->head + r->head_len, sizeof(r->head) - r->head_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->head_len += (size_t)n;
	if (r->head_len > sizeof(r->head) - 1)
		r->head_len = sizeof(r->head) - 1;
}

void serve_status(int status, bool head_only, bool keep_alive, const char *hsts,
		  struct serve_resp *r)
{
	char body[160];
	int n;

	r->hsts = hsts;
	/* A refused request may hide a body or an unparsable rest: do not read on. */
	if (status >= 400 && status != 404 && status != 403 && status != 412 && status != 416)
		keep_alive = false;
	n = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1></body></html>\n", status,
		     http_reason(status));
	head_start(r, status, keep_alive);
	if (status == 405)
		head_add(r, "Allow: GET, HEAD\r\n");
	if (status == 503)
		head_add(r, "Retry-After: 1\r\n");
	head_add(r, "Content-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n", n);
	if (!head_only)
		head_add(r, "%s", body);
	r->fd = -1;
	r->off = r->len = 0;
}

/* An entity-tag list (or "*") against our ETag: weak comparison, or strong (a W/ tag never
 * matches strongly; ours are all strong). */
static bool etag_list_match(const char *inm, size_t len, const char *etag, bool strong)
{
	size_t elen = strlen(etag);

	for (size_t i = 0; i < len;) {
		while (i < len && (inm[i] == ' ' || inm[i] == '\t' || inm[i] == ','))
			i++;
		size_t s = i;
		while (i < len && inm[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (inm[e - 1] == ' ' || inm[e - 1] == '\t'))
			e--;
		if (e - s == 1 && inm[s] == '*')
			return true;
		/* weak comparison: W/"x" matches "x" */
		if (e - s > 2 && inm[s] == 'W' && inm[s + 1] == '/') {
			if (strong)
				continue;
			s += 2;
		}
		if (e - s == elen && !memcmp(inm + s, etag, elen))
			return true;
	}
	return false;
}

bool serve_etag_match(const char *inm, size_t len, const char *etag)
{
	return etag_list_match(inm, len, etag, false);
}

/*
 * If-Range (RFC 9110 §13.1.5): one strong entity-tag, or an HTTP-date that is exactly the
 * file's modification time and a strong validator (the file did not change within the
 * second now ends: §8.8.2.2). Anything else (a weak tag, another date, garbage): false.
 */
static bool if_range_true(const struct http_req *req, const char *etag, int64_t mtime,
			  int64_t now)
{
	const char *v = req->if_range;
	size_t n = req->if_range_len;
	int64_t t;

	if (n && v[0] == '"')
		return n == strlen(etag) && !memcmp(v, etag, n);
	if (http_date_parse(v, n, &t))
		return t == mtime && mtime < now;
	return false;
}

int serve_preconditions(const struct http_req *req, const char *etag, int64_t mtime,
			int64_t now, bool *use_range, const char **why)
{
	*use_range = true;
	*why = NULL;
	/* 1, 2: the client's copy must be this one */
	if (req->if_match) {
		if (!etag_list_match(req->if_match, req->if_match_len, etag, true)) {
			*why = "If-Match: another version";
			return 412;
		}
	} else if (req->if_unmodified_since >= 0 && mtime > req->if_unmodified_since) {
		*why = "If-Unmodified-Since: modified since";
		return 412;
	}
	/* 3, 4: the client's copy is current (GET and HEAD only reach here) */
	if (req->if_none_match) {
		if (etag_list_match(req->if_none_match, req->if_none_match_len, etag, false)) {
			*why = "If-None-Match";
			return 304;
		}
	} else if (req->if_modified_since >= 0 && mtime <= req->if_modified_since) {
		*why = "If-Modified-Since";
		return 304;
	}
	/* 5: a range of the client's version, or the whole of this one */
	if (req->if_range && req->range != HTTP_RANGE_NONE && req->method == HTTP_GET &&
	    !if_range_true(req, etag, mtime, now))
		*use_range = false;
	return 0;
}

const char *serve_path_refused(const char *path, bool allow_dotfiles)
{
	if (allow_dotfiles)
		return NULL;
	if (!strncmp(path, "/.well-known", 12) && (path[12] == '/' || !path[12]))
		path += 12;	/* RFC 8615; what is below it follows the rule */
	for (const char *s = path; (s = strchr(s, '/')); )
		if (*++s == '.')
			return "a dotfile: a path segment starts with a dot";
	return NULL;
}

/*
 * The target's path with a "/" added, then its query: as received, but for bytes that
 * cannot stand in a header (percent-encoded). 0, or -1 if it does not fit.
 */
static int location_with_slash(const struct http_req *req, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *t = req->target;
	size_t n = req->target_len, o = 0;
	bool slash_added = false;

	for (size_t i = 0; i <= n; i++) {
		if (!slash_added && (i == n || t[i] == '?' || t[i] == '#')) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '/';
			slash_added = true;
		}
		if (i == n || t[i] == '#')
			break;
		unsigned char c = (unsigned char)t[i];

		if (o + 4 >= cap)
			return -1;
		if (c <= 0x20 || c >= 0x7f || c == '"') {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return 0;
}

static const char *errno_why(int err)
{
	switch (-err) {
	case ENOENT:
		return "no such file";
	case ENOTDIR:
		return "a path component is not a directory";
	case EACCES:
	case EPERM:
		return "permission denied";
	case EXDEV:
		return "the path leaves the served root";
	case ELOOP:
		return "the path goes through a symlink that leaves the root, or too many";
	case ENAMETOOLONG:
		return "name too long";
	default:
		return "cannot open";
	}
}

static int errno_status(int err)
{
	switch (-err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:	/* RESOLVE_BENEATH: the path would leave the root */
	case ELOOP:
		return 403;
	case ENAMETOOLONG:
		return 414;
	default:
		return 500;
	}
}

/* A directory without its trailing slash: 301 to the path with it. */
static int serve_redirect_slash(const struct http_req *req, int fd, bool head_only,
				bool keep_alive, struct serve_resp *r)
{
	char loc[SERVE_HEAD_MAX / 2], body[160];
	int n;

	close(fd);
	if (location_with_slash(req, loc, sizeof(loc))) {
		serve_status(414, head_only, keep_alive, r->hsts, r);
		r->why = "a directory's redirect would not fit";
		return 0;
	}
	n = snprintf(body, sizeof(body), "<html><body><h1>301 %s</h1></body></html>\n",
		     http_reason(301));
	head_start(r, 301, keep_alive);
	head_add(r, "Location: %s\r\nContent-Type: text/html; charset=utf-8\r\n"
		 "Content-Length: %d\r\n\r\n", loc, n);
	if (!head_only)
		head_add(r, "%s", body);
	r->fd = -1;
	r->off = r->len = 0;
	return 0;
}

int serve_respond(const struct http_req *req, int fd, bool keep_alive, const char *hsts,
		  struct serve_resp *r, int *dirfd)
{
	struct stat st;

	r->hsts = hsts;
	if (fd < 0) {
		bool head_only = req->method == HTTP_HEAD;

		serve_status(!dirfd && fd == -ENOENT ? 403 : errno_status(fd), head_only, keep_alive,
			     hsts, r);
		r->why = !dirfd && fd == -ENOENT ? "directory without index.html" : errno_why(fd);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		serve_status(500, req->method == HTTP_HEAD, keep_alive, r->hsts, r);
		r->why = "fstat failed";
		return 0;
	}
	return serve_respond_stat(req, fd, &st, keep_alive, hsts, r, dirfd);
}

int serve_respond_stat(const struct http_req *req, int fd, const struct stat *stp,
		       bool keep_alive, const char *hsts, struct serve_resp *r, int *dirfd)
{
	/* dirfd == NULL: this is the index.html of a directory; without one the answer is 403 */
	const char *type_path = dirfd ? req->path : "index.html";

	bool head_only = req->method == HTTP_HEAD;
	const struct stat st = *stp;
	char etag[64], lm[64];
	uint64_t size, a, b;

	r->hsts = hsts;
	if (S_ISDIR(st.st_mode) && dirfd) {
		size_t plen = strlen(req->path);

		if (plen && req->path[plen - 1] != '/')
			return serve_redirect_slash(req, fd, head_only, keep_alive, r);
		*dirfd = fd;
		return 1;	/* the caller opens index.html beneath it */
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		/* a directory without index, a device, a FIFO */
		serve_status(403, head_only, keep_alive, r->hsts, r);
		r->why = "not a regular file";
		return 0;
	}
	size = (uint64_t)st.st_size;
	{
		size_t n = 1;

		etag[0] = '"';
		n += fmt_u64(etag + n, (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
				       (uint64_t)st.st_mtim.tv_nsec, 16);
		etag[n++] = '-';
		n += fmt_u64(etag + n, size, 16);
		etag[n++] = '"';
		etag[n] = 0;
	}
	http_date(lm, sizeof(lm), st.st_mtim.tv_sec);

	bool use_range;
	const char *pre_why;
	int pre = serve_preconditions(req, etag, (int64_t)st.st_mtim.tv_sec, (int64_t)time(NULL),
				      &use_range, &pre_why);

	if (pre == 412) {
		close(fd);
		serve_status(412, head_only, keep_alive, r->hsts, r);
		r->why = pre_why;
		return 0;
	}
	if (pre == 304) {
		close(fd);
		head_start(r, 304, keep_alive);
		head_add(r, "ETag: %s\r\nLast-Modified: %s\r\n\r\n", etag, lm);
		r->fd = -1;
		r->off = r->len = 0;
		return 0;
	}

	a = 0, b = size ? size - 1 : 0;
	int status = 200;

	switch (use_range ? req->range : HTTP_RANGE_NONE) {
	case HTTP_RANGE_FROM_TO:
		a = req->range_a;
		b = req->range_b < size ? req->range_b : size - 1;
		status = 206;
		break;
	case HTTP_RANGE_FROM:
		a = req->range_a;
		status = 206;
		break;
	case HTTP_RANGE_SUFFIX:
		a = req->range_b >= size ? 0 : size - req->range_b;
		status = 206;
		break;
	default:
		break;
	}
	if (status == 206 && (size == 0 || a >= size ||
			      (req->range == HTTP_RANGE_SUFFIX && req->range_b == 0))) {
		close(fd);
		head_start(r, 416, keep_alive);
		head_add(r, "Content-Range: bytes */%llu\r\nContent-Length: 0\r\n\r\n",
			 (unsigned long long)size);
		r->fd = -1;
		r->off = r->len = 0;
		return 0;
	}

	head_start(r, status, keep_alive);
	head_puts(r, "Content-Type: ");
	head_puts(r, content_type(type_path));
	head_puts(r, "\r\nLast-Modified: ");
	head_puts(r, lm);
	head_puts(r, "\r\nETag: ");
	head_puts(r, etag);
	head_puts(r, "\r\nAccept-Ranges: bytes\r\n");
	if (status == 206) {
		head_puts(r, "Content-Range: bytes ");
		head_putu(r, a);
		head_puts(r, "-");
		head_putu(r, b);
		head_puts(r, "/");
		head_putu(r, size);
		head_puts(r, "\r\n");
	}
	r->off = a;
	r->len = size ? b - a + 1 : 0;
	head_puts(r, "Content-Length: ");
	head_putu(r, r->len);
	head_puts(r, "\r\n\r\n");
	if (head_only || r->len == 0) {
		close(fd);
		r->fd = -1;
		r->len = 0;
	} else {
		r->fd = fd;
		r->dev = (uint64_t)st.st_dev;
	}
	return 0;
}
