/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A worker's open-file cache (nginx's open_file_cache): a request path mapped to the file
 * it opened, so that a path asked for again skips openat2 and the final close. ofc.c says
 * how long an entry may be stale and what is checked on each use.
 */
#ifndef KTLSOD_OFC_H
#define KTLSOD_OFC_H

#include <stdint.h>
#include <sys/stat.h>

#define OFC_N		64	/* entries per worker, direct-mapped: fds held at most */
#define OFC_PATH	116	/* longer paths are not cached */

struct ofc_entry {
	int fd;			/* -1: empty */
	unsigned tick;		/* the worker's tick when opened */
	uint32_t hash;
	char path[OFC_PATH];
};

struct worker;

int ofc_get(struct worker *w, const char *path, struct stat *st);
void ofc_put(struct worker *w, const char *path, int fd);
void ofc_tick(struct worker *w);
void ofc_flush(struct worker *w);

#endif
