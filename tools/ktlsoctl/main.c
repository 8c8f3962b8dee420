// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl: the operator's view of kernel TLS offload. With no argument it
 * runs "show".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/ktlso.h>

#include "ctl.h"
#include "nl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} ctl_subcommands[] = {
	{ "show", ctl_show, "show the loaded ktlso module (the default)" },
	{ "version", ctl_version, "print the versions of ktlsoctl and of the loaded module" },
	{ "probe", ctl_probe, "probe the running kernel's kTLS support" },
};

#define CTL_N_SUBCOMMANDS (sizeof(ctl_subcommands) / sizeof(ctl_subcommands[0]))

static void ctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [<command> [<args>]]\n\n", CTL_PROG);
	fprintf(f, "Commands:\n");
	for (i = 0; i < CTL_N_SUBCOMMANDS; i++)
		fprintf(f, "  %-10s%s\n", ctl_subcommands[i].name, ctl_subcommands[i].help);
	fprintf(f, "  %-10s%s\n", "help", "print this help");
	fprintf(f, "\nWith no command, runs \"show\". "
		   "Exit status: 0 ok, 1 runtime error, 2 usage error.\n");
}

static int ctl_no_args(int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	fprintf(stderr, "%s: %s: unexpected argument '%s'\n", CTL_PROG, argv[0], argv[1]);
	fprintf(stderr, "Usage: %s %s\n", CTL_PROG, argv[0]);
	return -EINVAL;
}

/* The module's version line, "<ver> (netlink protocol N)", or -errno. */
static int ctl_module_version(char *line, size_t len)
{
	char ver[KTLSO_VERSION_STRING_MAX];
	struct kso_nl *nl;
	uint32_t proto;
	int err;

	err = kso_nl_open(&nl);
	if (err)
		return err;
	err = kso_nl_get_version(nl, ver, sizeof(ver), &proto);
	kso_nl_close(nl);
	if (err)
		return err;

	if (proto == KTLSO_GENL_VERSION)
		snprintf(line, len, "%s (netlink protocol %u)", ver, proto);
	else
		snprintf(line, len, "%s (netlink protocol %u, %s speaks %u)", ver, proto,
			 CTL_PROG, KTLSO_GENL_VERSION);
	return 0;
}

/* "module: <version line>", or the reason there is none. */
static int ctl_print_module(void)
{
	char line[128];
	int err = ctl_module_version(line, sizeof(line));

	if (err) {
		fprintf(stderr, "%s: module: %s\n", CTL_PROG, kso_nl_strerror(err));
		return CTL_EXIT_ERROR;
	}
	printf("module: %s\n", line);
	return CTL_EXIT_OK;
}

int ctl_show(int argc, char **argv)
{
	if (ctl_no_args(argc, argv))
		return CTL_EXIT_USAGE;

	return ctl_print_module();
}

int ctl_version(int argc, char **argv)
{
	if (ctl_no_args(argc, argv))
		return CTL_EXIT_USAGE;

	printf("%s %s\n", CTL_PROG, CTL_VERSION);
	fflush(stdout);
	return ctl_print_module();
}

int main(int argc, char **argv)
{
	static char *show_argv[] = { "show", NULL };
	const char *cmd;
	size_t i;

	if (argc < 2)
		return ctl_show(1, show_argv);

	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(cmd, "--version"))
		cmd = "version";

	for (i = 0; i < CTL_N_SUBCOMMANDS; i++) {
		if (!strcmp(cmd, ctl_subcommands[i].name))
			return ctl_subcommands[i].fn(argc - 1, argv + 1);
	}

	fprintf(stderr, "%s: %s: unknown command\n\n", CTL_PROG, cmd);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}
