// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsoncheck: a strict RFC 8259 validator for the tests (the VM has no python). Reads
 * stdin; with -l, every non-empty line must be one JSON text (JSON Lines, as
 * "ktlsoctl monitor -j" writes), else the whole input must be exactly one. Exits 0 if
 * valid, 1 with "jsoncheck: <line>:<column>: <what>" on stderr if not.
 *
 * A helper, not a test: tests/vm/ktlsoctl.sh and tests/e2e/certs.sh check ktlsoctl's -j
 * output with it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 64

struct parser {
	const char *s;
	size_t i, len;
	const char *err;
	int depth;
};

static void ws(struct parser *p)
{
	while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]))
		p->i++;
}

static bool fail(struct parser *p, const char *what)
{
	if (!p->err)
		p->err = what;
	return false;
}

static bool lit(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->i < n || memcmp(p->s + p->i, w, n))
		return fail(p, "bad literal");
	p->i += n;
	return true;
}

static bool hex4(struct parser *p, unsigned *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++, p->i++) {
		char c = p->i < p->len ? p->s[p->i] : 0;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "bad \\u escape");
	}
	return true;
}

/* A UTF-8 sequence: well formed, shortest form, no surrogates. */
static bool utf8(struct parser *p)
{
	unsigned char c = (unsigned char)p->s[p->i];
	unsigned cp, min;
	int more;

	if (c < 0x80) {
		p->i++;
		return true;
	}
	if ((c & 0xe0) == 0xc0) {
		more = 1, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		more = 2, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		more = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return fail(p, "invalid UTF-8");
	}
	p->i++;
	for (int k = 0; k < more; k++, p->i++) {
		if (p->i >= p->len || ((unsigned char)p->s[p->i] & 0xc0) != 0x80)
			return fail(p, "invalid UTF-8");
		cp = cp << 6 | ((unsigned char)p->s[p->i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(p, "invalid UTF-8");
	return true;
}

static bool string(struct parser *p)
{
	p->i++;	/* the opening quote */
	while (p->i < p->len) {
		unsigned char c = (unsigned char)p->s[p->i];
		unsigned v;

		if (c == '"') {
			p->i++;
			return true;
		}
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c != '\\') {
			if (!utf8(p))
				return false;
			continue;
		}
		p->i++;
		if (p->i >= p->len)
			break;
		c = (unsigned char)p->s[p->i++];
		if (c == 'u') {
			if (!hex4(p, &v))
				return false;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (p->len - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					return fail(p, "lone surrogate");
				p->i += 2;
				if (!hex4(p, &v))
					return false;
				if (v < 0xdc00 || v > 0xdfff)
					return fail(p, "lone surrogate");
			} else if (v >= 0xdc00 && v <= 0xdfff) {
				return fail(p, "lone surrogate");
			}
		} else if (!strchr("\"\\/bfnrt", c)) {
			return fail(p, "bad escape");
		}
	}
	return fail(p, "unterminated string");
}

static bool digits(struct parser *p)
{
	size_t start = p->i;

	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > start || fail(p, "digit expected");
}

static bool number(struct parser *p)
{
	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->len && p->s[p->i] == '0')
		p->i++;
	else if (!digits(p))
		return false;
	if (p->i < p->len && p->s[p->i] == '.') {
		p->i++;
		if (!digits(p))
			return false;
	}
	if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digits(p))
			return false;
	}
	return true;
}

static bool value(struct parser *p);

static bool container(struct parser *p, char close)
{
	bool first = true;

	if (++p->depth > MAX_DEPTH)
		return fail(p, "nested too deep");
	p->i++;
	for (;;) {
		ws(p);
		if (p->i >= p->len)
			return fail(p, "unterminated object or array");
		if (p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return true;
		}
		if (!first) {
			if (p->s[p->i] != ',')
				return fail(p, "',' expected");
			p->i++;
			ws(p);
		}
		first = false;
		if (close == '}') {
			if (p->i >= p->len || p->s[p->i] != '"')
				return fail(p, "a string key expected");
			if (!string(p))
				return false;
			ws(p);
			if (p->i >= p->len || p->s[p->i] != ':')
				return fail(p, "':' expected");
			p->i++;
		}
		if (!value(p))
			return false;
	}
}

static bool value(struct parser *p)
{
	ws(p);
	if (p->i >= p->len)
		return fail(p, "value expected");
	switch (p->s[p->i]) {
	case '{':
		return container(p, '}');
	case '[':
		return container(p, ']');
	case '"':
		return string(p);
	case 't':
		return lit(p, "true");
	case 'f':
		return lit(p, "false");
	case 'n':
		return lit(p, "null");
	default:
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return number(p);
		return fail(p, "value expected");
	}
}

/* One JSON text in s[0..len): 0, or 1 after saying where it went wrong. */
static int check(const char *s, size_t len, size_t line0)
{
	struct parser p = { .s = s, .len = len };
	size_t line = line0, col = 1;

	if (value(&p)) {
		ws(&p);
		if (p.i == p.len)
			return 0;
		fail(&p, "trailing characters after the JSON text");
	}
	for (size_t k = 0; k < p.i && k < len; k++) {
		if (s[k] == '\n')
			line++, col = 1;
		else
			col++;
	}
	fprintf(stderr, "jsoncheck: %zu:%zu: %s\n", line, col, p.err);
	return 1;
}

int main(int argc, char **argv)
{
	bool lines = argc > 1 && !strcmp(argv[1], "-l");
	size_t len = 0, cap = 65536, n;
	char *buf = malloc(cap);
	int bad = 0;

	if (!buf)
		return 1;
	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			buf = realloc(buf, cap *= 2);
			if (!buf)
				return 1;
		}
	}
	if (!lines) {
		bad = check(buf, len, 1);
		free(buf);
		return bad;
	}

	size_t nonempty = 0, ln = 1;

	for (size_t start = 0; start < len; ln++) {
		char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (end > start) {
			nonempty++;
			bad |= check(buf + start, end - start, ln);
		}
		start = end + 1;
	}
	free(buf);
	if (!nonempty) {
		fprintf(stderr, "jsoncheck: no JSON lines\n");
		return 1;
	}
	return bad;
}
