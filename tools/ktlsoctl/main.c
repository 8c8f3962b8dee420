// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl: the operator's view of kernel TLS offload. With no argument it
 * runs "show".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ktlso.h>

#include "ctl.h"
#include "nl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
	bool json;	/* takes -j: so does "ktlsoctl -j <command>" */
} ctl_subcommands[] = {
	{ "show", ctl_show, "", "the module, a summary and the sockets (the default)", false },
	{ "sock", ctl_sock, "list [-j] | show ID [-j] | offload ID [--timeout SEC]",
	  "registered TLS sockets; move one into kTLS, live", true },
	{ "policy", ctl_policy,
	  "add ADDR:PORT mode off|tx|rx|txrx [ciphers LIST] [limit N] [warn PCT]\n"
	  "                   | del ADDR:PORT | list [-j] | save [FILE]\n"
	  "                   | load [--replace] FILE",
	  "offload policy per listener", true },
	{ "monitor", ctl_monitor, "[-j]", "print the module's events as they happen", true },
	{ "stats", ctl_stats, "[-j | --prometheus]", "counters of the module and of kTLS", true },
	{ "cert", ctl_cert,
	  "check FILE [--key KEY] [--name HOST]... [--trust CAFILE]\n"
	  "                   [--incomplete-chain warn|error] [--expiry-warn-days N] [-j]",
	  "what ktlsod would conclude about a certificate file", true },
	{ "version", ctl_version, "", "the versions of ktlsoctl and of the loaded module", false },
	{ "probe", ctl_probe, "[-j]", "what the running kernel's kTLS can take", true },
};

#define CTL_N_SUBCOMMANDS (sizeof(ctl_subcommands) / sizeof(ctl_subcommands[0]))

static void ctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-j] [<command> [<args>]]\n\n", CTL_PROG);
	fprintf(f, "Commands:\n");
	for (i = 0; i < CTL_N_SUBCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", ctl_subcommands[i].name, ctl_subcommands[i].help);
	fprintf(f, "  %-9s %s\n", "help", "this help; '<command> help' for a command's own");
	fprintf(f, "\nArguments:\n");
	for (i = 0; i < CTL_N_SUBCOMMANDS; i++)
		if (ctl_subcommands[i].args[0])
			fprintf(f, "  %-9s %s\n", ctl_subcommands[i].name, ctl_subcommands[i].args);
	fprintf(f,
		"\n"
		"-j (--json) prints JSON for scripts, before or after the command. Changes (policy add/del, sock offload) and monitor\n"
		"need CAP_NET_ADMIN; anyone may read, and sees only the sockets of their own uid.\n"
		"A socket cannot be moved back out of kTLS: upstream kTLS cannot remove itself\n"
		"from a socket, so there is no 'sock unoffload'; close the connection instead.\n"
		"With no command, runs \"show\". "
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

static int ctl_no_args(int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	return ctl_usage_err(argv[0], "%s: unexpected argument '%s'", argv[0], argv[1]);
}

int ctl_version(int argc, char **argv)
{
	char line[128], ver[KTLSO_VERSION_STRING_MAX];
	struct kso_nl *nl;
	uint32_t proto;
	int err;

	if (ctl_no_args(argc, argv))
		return CTL_EXIT_USAGE;

	printf("%s %s\n", CTL_PROG, KTLSO_VERSION);
	fflush(stdout);
	if (ctl_open(&nl, "module"))
		return CTL_EXIT_ERROR;
	err = ctl_module_version(nl, line, sizeof(line), ver, sizeof(ver), &proto);
	if (err) {
		ctl_nl_err("module", nl, err);
		kso_nl_close(nl);
		return CTL_EXIT_ERROR;
	}
	kso_nl_close(nl);
	printf("module: %s\n", line);
	return CTL_EXIT_OK;
}

/*
 * "ktlsoctl -j sock list", as iproute2 and bpftool users type it: the command gets the
 * flag after its own arguments, where each command already takes it.
 */
static int ctl_run_json(size_t i, int argc, char **argv)
{
	char **args;
	int rc;

	if (!ctl_subcommands[i].json)
		return ctl_usage_err("-j <command> [<args>]", "-j: '%s' has no JSON output",
				     ctl_subcommands[i].name);
	/* argv as main's: the flag appended, then the NULL that ends it (ctl_take_flag writes it) */
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		ctl_err("%s", strerror(ENOMEM));
		return CTL_EXIT_ERROR;
	}
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[argc] = "-j";
	rc = ctl_subcommands[i].fn(argc + 1, args);
	free(args);
	return rc;
}

int main(int argc, char **argv)
{
	static char *show_argv[] = { "show", NULL };
	bool json = false;
	const char *cmd;
	size_t i;

	while (argc >= 2 && (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json"))) {
		json = true;
		argv++;
		argc--;
	}
	if (argc < 2) {
		if (json)
			return ctl_usage_err("-j <command> [<args>]",
					     "-j: 'show' has no JSON output; try 'sock list -j'");
		return ctl_show(1, show_argv);
	}

	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(cmd, "--version"))
		cmd = "version";

	for (i = 0; i < CTL_N_SUBCOMMANDS; i++) {
		if (!strcmp(cmd, ctl_subcommands[i].name))
			return json ? ctl_run_json(i, argc - 1, argv + 1) :
				      ctl_subcommands[i].fn(argc - 1, argv + 1);
	}

	fprintf(stderr, "%s: %s: unknown command\n\n", CTL_PROG, cmd);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}
