// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The benchmark's files: their content is a function of their name, so the client checks
 * every byte it receives without reading the files. A name is a size ("16K", "1M", "64M");
 * the seed is a hash of the name. Block b (4 KiB) of a file is one 4 KiB PRNG block drawn
 * from the seed, with its first 8 bytes replaced by b XOR seed (little endian): blocks
 * that arrive out of order, twice or not at all fail, and checking costs a memcmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int kb_content_init(struct kb_content *c, const char *path)
{
	const char *name = strrchr(path, '/');
	char *end;
	uint64_t h = 0xcbf29ce484222325ULL, s;
	unsigned long long n;

	name = name ? name + 1 : path;
	errno = 0;
	n = strtoull(name, &end, 10);
	if (errno || end == name || n == 0)
		return -EINVAL;
	switch (*end) {
	case 'K': n <<= 10; end++; break;
	case 'M': n <<= 20; end++; break;
	case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	c->size = n;
	c->seed = h;
	s = h;
	for (size_t i = 0; i < KB_BLOCK; i += 8) {
		uint64_t v = splitmix64(&s);

		memcpy(c->block + i, &v, 8);
	}
	return 0;
}

static void block_tag(const struct kb_content *c, uint64_t blk, uint8_t tag[8])
{
	uint64_t v = blk ^ c->seed;

	for (int i = 0; i < 8; i++)
		tag[i] = (uint8_t)(v >> (8 * i));
}

bool kb_content_check(const struct kb_content *c, uint64_t pos, const uint8_t *p, size_t len)
{
	uint8_t tag[8];

	if (pos + len > c->size)
		return false;
	while (len) {
		uint64_t blk = pos / KB_BLOCK;
		size_t off = (size_t)(pos % KB_BLOCK), n = KB_BLOCK - off;

		if (n > len)
			n = len;
		if (off < 8) {
			size_t t = 8 - off < n ? 8 - off : n;

			block_tag(c, blk, tag);
			if (memcmp(p, tag + off, t))
				return false;
			if (n > t && memcmp(p + t, c->block + 8, n - t))
				return false;
		} else if (memcmp(p, c->block + off, n)) {
			return false;
		}
		p += n;
		pos += n;
		len -= n;
	}
	return true;
}

int kb_content_write(const char *dir, const char *name)
{
	struct kb_content c;
	char path[4096];
	uint8_t buf[KB_BLOCK];
	int fd, err = kb_content_init(&c, name);

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	memcpy(buf, c.block, KB_BLOCK);
	for (uint64_t blk = 0; blk * KB_BLOCK < c.size; blk++) {
		size_t n = c.size - blk * KB_BLOCK < KB_BLOCK ? (size_t)(c.size - blk * KB_BLOCK)
							       : KB_BLOCK;

		block_tag(&c, blk, buf);
		if (write(fd, buf, n) != (ssize_t)n) {
			err = errno ? -errno : -EIO;
			close(fd);
			return err;
		}
	}
	return close(fd) ? -errno : 0;
}
