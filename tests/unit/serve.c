// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsod's response logic (userspace/ktlsod/serve.c): the conditional requests of RFC 9110
 * §13 in their order of precedence, dotfiles, and serve_respond() on real files in a
 * temporary directory (a directory without its slash, a stale If-Range, a 412).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "http.h"
#include "serve.h"
#include "t.h"

static const struct http_limits lim = { .max_header_bytes = 2048, .max_headers = 16 };

static const char etag[] = "\"17-2a\"";
#define MTIME	784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define NOW	(MTIME + 100)

/* Parse "GET /f HTTP/1.1" with these header lines; the result of the preconditions. */
static int pre(const char *fields, bool *use_range)
{
	static char buf[1024];
	struct http_req r;
	const char *why;

	snprintf(buf, sizeof(buf), "GET /f HTTP/1.1\r\nHost: a\r\n%s\r\n", fields);
	if (http_parse(buf, strlen(buf), &lim, &r) <= 0)
		return -1;
	return serve_preconditions(&r, etag, MTIME, NOW, use_range, &why);
}

static int test_preconditions(const void *arg)
{
	static const struct {
		const char *fields;
		int status;
		bool use_range;
	} cases[] = {
		{ "", 0, true },
		/* If-Match: strong comparison */
		{ "If-Match: \"17-2a\"\r\n", 0, true },
		{ "If-Match: \"x\", \"17-2a\"\r\n", 0, true },
		{ "If-Match: *\r\n", 0, true },
		{ "If-Match: \"x\"\r\n", 412, true },
		{ "If-Match: W/\"17-2a\"\r\n", 412, true },
		/* If-Unmodified-Since */
		{ "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0, true },
		{ "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 412, true },
		{ "If-Unmodified-Since: not a date\r\n", 0, true },
		/* If-Match, when present, wins over If-Unmodified-Since (§13.2.2 steps 1-2) */
		{ "If-Match: \"17-2a\"\r\nIf-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n",
		  0, true },
		/* If-None-Match: weak comparison; 304 */
		{ "If-None-Match: W/\"17-2a\"\r\n", 304, true },
		{ "If-None-Match: \"x\"\r\n", 0, true },
		/* If-Modified-Since */
		{ "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 304, true },
		{ "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 0, true },
		/* If-None-Match, when present, wins over If-Modified-Since (step 4) */
		{ "If-None-Match: \"x\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
		  0, true },
		/* 412 comes before 304 (steps 1-3) */
		{ "If-Match: \"x\"\r\nIf-None-Match: \"17-2a\"\r\n", 412, true },
		/* If-Range: only with a Range; strong ETag or the exact date */
		{ "Range: bytes=1-2\r\nIf-Range: \"17-2a\"\r\n", 0, true },
		{ "Range: bytes=1-2\r\nIf-Range: \"old\"\r\n", 0, false },
		{ "Range: bytes=1-2\r\nIf-Range: W/\"17-2a\"\r\n", 0, false },
		{ "Range: bytes=1-2\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0, true },
		{ "Range: bytes=1-2\r\nIf-Range: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 0, false },
		{ "Range: bytes=1-2\r\nIf-Range: garbage\r\n", 0, false },
		{ "If-Range: \"old\"\r\n", 0, true },
		/* a failed precondition is answered before If-Range is looked at */
		{ "Range: bytes=1-2\r\nIf-Range: \"old\"\r\nIf-Match: \"x\"\r\n", 412, true },
	};

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool use_range;
		int st = pre(cases[i].fields, &use_range);

		T_ASSERT(st == cases[i].status, "case %zu: status %d, want %d", i, st,
			 cases[i].status);
		if (st == 0)
			T_ASSERT(use_range == cases[i].use_range, "case %zu: use_range %d", i,
				 use_range);
	}
	/* a date validator of a file modified in the current second is weak: no range */
	{
		char buf[256];
		struct http_req r;
		const char *why;
		bool use_range;

		snprintf(buf, sizeof(buf), "GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=1-2\r\n"
			 "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
		T_ASSERT(http_parse(buf, strlen(buf), &lim, &r) > 0, "parse");
		T_ASSERT(serve_preconditions(&r, etag, MTIME, MTIME, &use_range, &why) == 0 &&
			 !use_range, "If-Range date in the file's own second");
	}
	return T_PASS;
}

static int test_dotfiles(const void *arg)
{
	static const char *const refused[] = { "/.git", "/.git/config", "/.env", "/a/.htpasswd",
					       "/a/.b/c", "/.well-known/.x", "/.well-knownx" };
	static const char *const served[] = { "/", "/a", "/a.b", "/a/b.c/", "/.well-known",
					      "/.well-known/", "/.well-known/acme-challenge/t",
					      "/a..b" };

	(void)arg;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		T_ASSERT(serve_path_refused(refused[i], false), "%s served", refused[i]);
	for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		T_ASSERT(!serve_path_refused(served[i], false), "%s refused", served[i]);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		T_ASSERT(!serve_path_refused(refused[i], true), "%s refused with dotfiles allowed",
			 refused[i]);
	return T_PASS;
}

/* serve_respond() for a request on a file or directory of a temporary tree. */
struct tree {
	char dir[64];
	int dfd;
};

static int tree_make(struct tree *t)
{
	int fd;

	snprintf(t->dir, sizeof(t->dir), "/tmp/ktlso-serve.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	t->dfd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mkdirat(t->dfd, "sub", 0755))
		return -1;
	fd = openat(t->dfd, "f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		return -1;
	close(fd);
	return 0;
}

static void tree_drop(struct tree *t)
{
	unlinkat(t->dfd, "f", 0);
	unlinkat(t->dfd, "sub", AT_REMOVEDIR);
	close(t->dfd);
	rmdir(t->dir);
}

static int respond(struct tree *t, const char *req, struct serve_resp *r)
{
	struct http_req q;
	struct open_how how;
	int fd, dirfd = -1, n;

	if (http_parse(req, strlen(req), &lim, &q) <= 0)
		return -1;
	serve_open_how(&how);
	fd = (int)syscall(SYS_openat2, t->dfd, serve_relpath(&q), &how, sizeof(how));
	n = serve_respond(&q, fd < 0 ? -errno : fd, true, NULL, r, &dirfd);
	if (n == 1)
		close(dirfd);
	if (r->fd >= 0)
		close(r->fd);
	return n;
}

static const char *header(const struct serve_resp *r, const char *name, char *out, size_t cap)
{
	const char *h = strstr(r->head, name), *e;

	if (!h || h > r->head + r->head_len)
		return NULL;
	h += strlen(name);
	e = strstr(h, "\r\n");
	snprintf(out, cap, "%.*s", (int)(e - h), h);
	return out;
}

static int test_respond(const void *arg)
{
	struct serve_resp r;
	struct tree t;
	char v[256], req[512], et[64];

	(void)arg;
	if (tree_make(&t))
		return t_skip("cannot make a temporary tree in /tmp");
	/* a directory without its slash: 301, the query kept, unsafe bytes encoded */
	T_ASSERT(respond(&t, "GET /sub?a=1&b=%20 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0 &&
		 r.status == 301, "status %d", r.status);
	T_ASSERT(header(&r, "\r\nLocation: ", v, sizeof(v)) && !strcmp(v, "/sub/?a=1&b=%20"),
		 "Location '%s'", header(&r, "\r\nLocation: ", v, sizeof(v)) ? v : "none");
	T_ASSERT(respond(&t, "GET /sub?\x01\x7f\" HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0 &&
		 header(&r, "\r\nLocation: ", v, sizeof(v)) && !strcmp(v, "/sub/?%01%7F%22"),
		 "Location '%s'", v);
	T_ASSERT(respond(&t, "HEAD https://a/sub HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0 &&
		 r.status == 301 && header(&r, "\r\nLocation: ", v, sizeof(v)) &&
		 !strcmp(v, "/sub/") && !strstr(r.head, "<html>"), "absolute-form, HEAD: '%s'",
		 r.head);
	/* with its slash: the index is asked for */
	T_ASSERT(respond(&t, "GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 1, "sub/");

	/* If-Range with the current ETag: 206; with another: the whole file, 200 */
	T_ASSERT(respond(&t, "GET /f HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0 && r.status == 200 &&
		 header(&r, "\r\nETag: ", et, sizeof(et)), "ETag");
	snprintf(req, sizeof(req), "GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=2-4\r\n"
		 "If-Range: %s\r\n\r\n", et);
	T_ASSERT(respond(&t, req, &r) == 0 && r.status == 206 && r.off == 2 && r.len == 3,
		 "current If-Range: %d", r.status);
	T_ASSERT(respond(&t, "GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=2-4\r\nIf-Range: \"old\""
			 "\r\n\r\n", &r) == 0 && r.status == 200 && r.off == 0 && r.len == 10 &&
		 !strstr(r.head, "Content-Range"), "stale If-Range: %d", r.status);
	/* If-Match that fails: 412, with its reason; the connection stays */
	T_ASSERT(respond(&t, "GET /f HTTP/1.1\r\nHost: a\r\nIf-Match: \"old\"\r\n\r\n", &r) == 0 &&
		 r.status == 412 && r.why && !r.close && r.fd == -1, "If-Match: %d", r.status);
	T_ASSERT(respond(&t, "GET /f HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: Thu, 01 Jan 1970 "
			 "00:00:00 GMT\r\n\r\n", &r) == 0 && r.status == 412, "If-Unmodified-Since");
	T_ASSERT(respond(&t, "GET /f HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Fri, 31 Dec 9999 "
			 "23:59:59 GMT\r\n\r\n", &r) == 0 && r.status == 304, "If-Modified-Since");
	tree_drop(&t);
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("unit/serve", argc, argv);
	t_run("preconditions", test_preconditions, NULL);
	t_run("dotfiles", test_dotfiles, NULL);
	t_run("respond", test_respond, NULL);
	return t_done();
}
