/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What to answer to a parsed request: path resolution beneath the served root (openat2
 * with RESOLVE_BENEATH, so no "..", absolute or symlink escape), the response head, and
 * the byte range of the file to send. No I/O on sockets here.
 */
#ifndef KTLSOD_SERVE_H
#define KTLSOD_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <linux/openat2.h>

#include "http.h"

#define SERVE_HEAD_MAX 2048	/* room for a redirect's Location */

struct serve_resp {
	int status;
	const char *why;	/* for a status >= 400: what was refused, for the log */
	bool close;		/* Connection: close, and close after sending */
	int fd;			/* file whose [off, off+len) is the body; -1 for none */
	uint64_t off, len;
	uint64_t dev;		/* the file's st_dev */
	const char *hsts;	/* the Strict-Transport-Security line, "" or NULL: none */
	char head[SERVE_HEAD_MAX];
	size_t head_len;
};

/* How ktlsod opens a request path beneath the root: relative path and open_how. */
const char *serve_relpath(const struct http_req *req);
void serve_open_how(struct open_how *how);

/*
 * Build the response for req given the result of opening its path (fd >= 0 or -errno;
 * fd is owned by resp on return, or closed). A directory fd makes it ask for
 * "index.html" instead: it returns 1 and the caller opens that beneath the directory
 * fd (*dirfd), then calls again with dirfd NULL (a missing index is then a 403). A
 * directory asked for without its trailing slash is a 301 to the path with it (the query
 * kept), so that relative links in its index resolve. keep_alive says whether the
 * connection may stay open.
 *
 * Every response carries "X-Content-Type-Options: nosniff" (the type comes from the file
 * name, a browser must not guess another), and hsts when it is not NULL: the whole
 * "Strict-Transport-Security: max-age=N\r\n" line, or "" (the connection's setting).
 */
int serve_respond(const struct http_req *req, int fd, bool keep_alive, const char *hsts,
		  struct serve_resp *r, int *dirfd);
/* The same for fd >= 0 whose fstat() the caller has (ofc.c's cached files). */
int serve_respond_stat(const struct http_req *req, int fd, const struct stat *st,
		       bool keep_alive, const char *hsts, struct serve_resp *r, int *dirfd);

/* A response without a file: an error status, a small HTML body. */
void serve_status(int status, bool head_only, bool keep_alive, const char *hsts,
		  struct serve_resp *r);

/* RFC 9110 §13.1.2: does an If-None-Match value match this ETag? */
bool serve_etag_match(const char *inm, size_t len, const char *etag);

/*
 * RFC 9110 §13.2.2: the conditional header fields of req (If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since, If-Range, in that order) against a file's strong ETag
 * and modification time (seconds; now: the clock, for If-Range's date). Returns 412 or 304
 * (*why says which field), or 0 to serve; *use_range is false when If-Range says the
 * client's copy is another version (the whole file goes, 200).
 */
int serve_preconditions(const struct http_req *req, const char *etag, int64_t mtime,
			int64_t now, bool *use_range, const char **why);

/*
 * Dotfiles: a path with a segment starting with "." (/.git, /.env, /a/.htpasswd) is
 * refused with 403 unless allowed; /.well-known/ (RFC 8615, ACME) is served.
 * serve_path_refused() says why a path is refused, or NULL.
 */
const char *serve_path_refused(const char *path, bool allow_dotfiles);

#endif
