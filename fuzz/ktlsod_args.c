// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: ktlsod's command line (config_parse_args in userspace/ktlsod/config.c),
 * one argument a line. Left out, since they end or leave the process: --help and
 * --version (they print and exit) and --config (it would open whatever file the input
 * names); with getopt_long's abbreviations that is every "--h", "--v", "--c" prefix and a
 * short option cluster holding 'h'. Checks: the status is 0 or 2 (1 only comes from
 * --config), every value is within the range its flag documents (cfgcheck.h), a
 * successful parse leaves a root, a certificate, a state dir and at least one listener,
 * and nothing leaks.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "ktlsod.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_ARGS 32

static bool left_out(const char *a)
{
	if (!strncmp(a, "--h", 3) || !strncmp(a, "--v", 3) || !strncmp(a, "--c", 3))
		return true;
	return a[0] == '-' && a[1] != '-' && strchr(a, 'h');
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char *reset_argv[] = { "x", NULL };
	char *copy, *argv[MAX_ARGS + 2], *p, *end;
	struct config cfg;
	char err[400];
	int argc = 1, st;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = "ktlsod";
	for (p = copy, end = copy + size; p <= end && argc <= MAX_ARGS; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl)
			*nl = 0;
		if ((nl || p < end) && !left_out(p))
			argv[argc++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;

	/* A fresh getopt: the previous input's argv, which glibc still points into, is gone. */
	optind = 0;
	opterr = 0;
	(void)getopt(1, reset_argv, "");
	opterr = 1;

	cfg_preset(&cfg);
	st = config_parse_args(&cfg, argc, argv, err, sizeof(err));
	cfg_check(&cfg);
	if (st != 0 && st != 2)
		abort();
	if (!st && (!cfg.root || (!cfg.cert && !cfg.nsets) || !cfg.state_dir ||
		    cfg.nlisteners < 1 || cfg.nlisteners > MAX_LISTENERS))
		abort();
	config_free(&cfg);
	free(copy);
	return 0;
}
