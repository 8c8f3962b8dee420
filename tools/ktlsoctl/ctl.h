/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktlsoctl's subcommands. Each takes the arguments from its own name on
 * (argv[0] is "show", "probe", ...) and returns the exit status: CTL_EXIT_OK,
 * CTL_EXIT_ERROR for a runtime error, CTL_EXIT_USAGE for bad arguments. Errors
 * go to stderr as "ktlsoctl: <what>: <reason>".
 */
#ifndef KTLSO_CTL_H
#define KTLSO_CTL_H

#define CTL_PROG	"ktlsoctl"
#define CTL_VERSION	"0.1.0"

enum {
	CTL_EXIT_OK	= 0,
	CTL_EXIT_ERROR	= 1,
	CTL_EXIT_USAGE	= 2,
};

int ctl_show(int argc, char **argv);	/* main.c */
int ctl_version(int argc, char **argv);	/* main.c */
int ctl_probe(int argc, char **argv);	/* probe.c */

#endif /* KTLSO_CTL_H */
