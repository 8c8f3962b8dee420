// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: ktlsod's config file (config_load_file in userspace/ktlsod/config.c)
 * and the listener addresses it takes. The input is the file: it is written to a memfd
 * that config_load_file opens by its /proc/self/fd path, so the parser runs unchanged.
 * Checks: the result is 0 or -EINVAL with a message, every value is within the range its
 * setting documents (cfgcheck.h), the counts stay within their arrays, every listener has
 * an address of a known family, and nothing leaks (ASan).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cfgcheck.h"
#include "ktlsod.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config cfg;
	char err[300] = "";
	int rc;

	if (fd < 0) {
		fd = memfd_create("ktlsod-config", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	cfg_preset(&cfg);
	rc = config_load_file(&cfg, path, err, sizeof(err));
	if (rc != 0 && (rc != -EINVAL || !err[0] || !memchr(err, 0, sizeof(err))))
		abort();
	cfg_check(&cfg);
	if (!rc)
		for (int i = 0; i < cfg.nsets; i++)
			if (!cfg.sets[i].cert || !cfg.sets[i].key)
				abort();
	config_free(&cfg);
	return 0;
}
