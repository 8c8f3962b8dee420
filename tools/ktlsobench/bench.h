/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ktlsobench: the parts shared by its files. */
#ifndef KTLSOBENCH_H
#define KTLSOBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KB_BLOCK 4096

/* What a file named like "16K" contains (content.c). */
struct kb_content {
	uint64_t size;
	uint64_t seed;
	uint8_t block[KB_BLOCK];
};

/* From the file name at the end of path: 0, or -EINVAL if it is not a size. */
int kb_content_init(struct kb_content *c, const char *path);
/* Are p[0..len) the bytes at pos? */
bool kb_content_check(const struct kb_content *c, uint64_t pos, const uint8_t *p, size_t len);
/* Create DIR/NAME with its content. 0 or -errno. */
int kb_content_write(const char *dir, const char *name);

#endif
