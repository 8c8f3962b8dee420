/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small client of the ktlso generic netlink family, shared by the daemon
 * and the tools. Every function returns 0 or a negative errno and prints
 * nothing; callers print kso_nl_strerror(err).
 */
#ifndef KTLSO_NL_H
#define KTLSO_NL_H

#include <stddef.h>
#include <stdint.h>

struct kso_nl;

/*
 * Opens a generic netlink socket and resolves the "ktlso" family. Returns
 * -ENOENT when the family is not registered, that is when the module is not
 * loaded.
 */
int kso_nl_open(struct kso_nl **out);
void kso_nl_close(struct kso_nl *nl);

/*
 * KTLSO_CMD_GET_VERSION: the module's version string into buf (a buffer of
 * KTLSO_VERSION_STRING_MAX bytes is always large enough; -ERANGE if buf is
 * too small) and the netlink protocol version it speaks into *proto.
 */
int kso_nl_get_version(struct kso_nl *nl, char *buf, size_t len,
		       uint32_t *proto);

/*
 * A sentence an operator can act on for err (a negative errno returned by
 * this API). -ENOENT is read as "the module is not loaded", which is what it
 * means from kso_nl_open(); do not pass it an -ENOENT that a command returned
 * for a missing object.
 */
const char *kso_nl_strerror(int err);

#endif /* KTLSO_NL_H */
