// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The open-file cache. How stale can an answer be?
 *  - The file's content, size and modification time never: every use fstat()s the open
 *    file, as an uncached request does, and the validators come from that.
 *  - A file replaced by rename (how deploys and editors write), or deleted: never, when it
 *    had no other name: the fstat() shows no link left, and the path is opened afresh.
 *  - Anything else about the path (its permissions, a symlink or directory on it changed,
 *    a file moved away and another put in its place, a hard link replaced): an entry lives
 *    from the tick it was opened in to the end of the next one, at most 2 s (TICK_MS), and
 *    until then the old file is served.
 * An entry is a dup()ed fd, so that everything downstream owns and closes its fd as for an
 * uncached open. Expired entries are closed from the tick: no fd is held long after the
 * traffic for it stopped.
 */
#include "ofc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

static uint32_t ofc_hash(const char *s, size_t *len)
{
	uint32_t h = 2166136261u;
	const char *p = s;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	*len = (size_t)(p - s);
	return h;
}

static void ofc_drop(struct ofc_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

static struct ofc_entry *ofc_slot(struct worker *w, uint32_t h)
{
	if (!w->ofc) {
		w->ofc = malloc(OFC_N * sizeof(*w->ofc));
		if (!w->ofc)
			return NULL;
		for (unsigned i = 0; i < OFC_N; i++)
			w->ofc[i].fd = -1;
	}
	return &w->ofc[h % OFC_N];
}

/* The file cached for this path, as a new fd with its stat in *st; -1: open it. */
int ofc_get(struct worker *w, const char *path, struct stat *st)
{
	size_t len;
	uint32_t h = ofc_hash(path, &len);
	struct ofc_entry *e;
	int fd;

	if (len >= OFC_PATH || !w->ofc)
		return -1;
	e = &w->ofc[h % OFC_N];
	if (e->fd < 0 || e->hash != h || memcmp(e->path, path, len + 1))
		return -1;
	if (fstat(e->fd, st) || st->st_nlink == 0) {
		ofc_drop(e);	/* deleted or renamed over: the path names another file now */
		return -1;
	}
	fd = dup(e->fd);
	return fd;	/* out of fds: -1, and the open says so */
}

/* The path just opened to fd (which stays the caller's): remembered for the next request. */
void ofc_put(struct worker *w, const char *path, int fd)
{
	size_t len;
	uint32_t h = ofc_hash(path, &len);
	struct ofc_entry *e;
	int dfd;

	if (len >= OFC_PATH)
		return;
	e = ofc_slot(w, h);
	if (!e)
		return;
	dfd = dup(fd);
	if (dfd < 0)
		return;
	ofc_drop(e);
	e->fd = dfd;
	e->hash = h;
	e->tick = w->ticks;
	memcpy(e->path, path, len + 1);
}

/* From the worker's tick: entries opened before the previous tick are closed. */
void ofc_tick(struct worker *w)
{
	w->ticks++;
	if (!w->ofc)
		return;
	for (unsigned i = 0; i < OFC_N; i++)
		if (w->ofc[i].fd >= 0 && w->ticks - w->ofc[i].tick >= 2)
			ofc_drop(&w->ofc[i]);
}

void ofc_flush(struct worker *w)
{
	if (!w->ofc)
		return;
	for (unsigned i = 0; i < OFC_N; i++)
		ofc_drop(&w->ofc[i]);
	free(w->ofc);
	w->ofc = NULL;
}
