// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: ktlsoctl's command line, as an operator (or a script) types it. The
 * input is the argument list, one argument a line; it runs through ktlsoctl's own main()
 * (tools/ktlsoctl/main.c, built with main renamed) up to the point where a command would
 * talk to the module: kso_nl_open is wrapped (-Wl,--wrap) to answer "module not loaded",
 * so no fuzzed policy ever reaches a kernel, even on a host where ktlso.ko is loaded.
 * "probe" (kernel probing) and "cert" (reads files named by its arguments) are left out.
 *
 * Each argument also goes through the pure parsers, with round-trip checks: an address
 * kso_addr_parse() takes (userspace/lib/addr.c, ktlsod's --listen too) prints
 * (kso_addr_format) as one it parses to the same sockaddr; a number ctl_parse_u64()
 * takes prints as the same digits; a mode or cipher name maps back to itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>

#include "ctl.h"
#include "nl.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int ktlsoctl_main(int argc, char **argv);
int __wrap_kso_nl_open(struct kso_nl **out);

#define MAX_ARGS 32

int __wrap_kso_nl_open(struct kso_nl **out)
{
	*out = NULL;
	return -ENOENT;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setenv("KTLSO_STATE_DIR", "/nonexistent/ktlsoctl-fuzz", 1);
	return 0;
}

static void check_addr(const char *s)
{
	struct sockaddr_storage a[2], b[2];
	char buf[KSO_ADDR_STRLEN];
	const char *why = NULL;
	int n, m;

	if (kso_addr_parse(s, a, &n, &why)) {
		if (!why || !*why)
			abort();	/* every refusal says why */
		return;
	}
	if (n < 1 || n > 2)
		abort();
	for (int i = 0; i < n; i++) {
		kso_addr_format(&a[i], buf, sizeof(buf));
		if (kso_addr_parse(buf, b, &m, &why) || m != 1 ||
		    memcmp(&a[i], &b[0], sizeof(a[i])))
			abort();
	}
}

static void check_u64(const char *s)
{
	char buf[32];
	uint64_t v;

	if (ctl_parse_u64(s, &v))
		return;
	while (s[0] == '0' && s[1])
		s++;
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	if (strcmp(buf, s))
		abort();
}

static void check_names(const char *s)
{
	int m = kso_mode_parse(s), c = kso_tls_cipher_parse(s);

	if (m >= 0 && strcasecmp(kso_mode_name((uint8_t)m), s))
		abort();
	if (c >= 0 && strcasecmp(kso_tls_cipher_policy_name((uint16_t)c), s) &&
	    strcasecmp(kso_tls_cipher_name((uint16_t)c), s))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *copy, *argv[MAX_ARGS + 2], *p, *end;
	int argc = 1;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = "ktlsoctl";
	for (p = copy, end = copy + size; p <= end && argc <= MAX_ARGS; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl)
			*nl = 0;
		if (nl || p < end)
			argv[argc++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;

	for (int i = 1; i < argc; i++) {
		check_addr(argv[i]);
		check_u64(argv[i]);
		check_names(argv[i]);
	}
	if (argc < 2 || (strcmp(argv[1], "probe") && strcmp(argv[1], "cert"))) {
		int st = ktlsoctl_main(argc, argv);

		if (st != CTL_EXIT_OK && st != CTL_EXIT_ERROR && st != CTL_EXIT_USAGE)
			abort();
		fflush(stdout);
	}
	free(copy);
	return 0;
}
