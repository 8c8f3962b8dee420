/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktlsoctl's subcommands. Each takes the arguments from its own name on
 * (argv[0] is "show", "probe", ...) and returns the exit status: CTL_EXIT_OK,
 * CTL_EXIT_ERROR for a runtime error, CTL_EXIT_USAGE for bad arguments. Errors
 * go to stderr as "ktlsoctl: <what>: <reason>".
 */
#ifndef KTLSO_CTL_H
#define KTLSO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"
#include "keysched.h"
#include "ktls.h"
#include "nl.h"

#define CTL_PROG	"ktlsoctl"

enum {
	CTL_EXIT_OK	= 0,
	CTL_EXIT_ERROR	= 1,
	CTL_EXIT_USAGE	= 2,
};

int ctl_show(int argc, char **argv);	/* show.c */
int ctl_version(int argc, char **argv);	/* main.c */
int ctl_probe(int argc, char **argv);	/* probe.c */
int ctl_sock(int argc, char **argv);	/* sock.c */
int ctl_policy(int argc, char **argv);	/* policy.c */
int ctl_monitor(int argc, char **argv);	/* monitor.c */
int ctl_stats(int argc, char **argv);	/* stats.c */
int ctl_cert(int argc, char **argv);	/* cert.c */

/*
 * cert.c: what the daemon publishes about the certificates it serves (certs.tsv in
 * $KTLSO_STATE_DIR, default /run/ktlsod): a "certificates:" block for show, gauges for
 * stats --prometheus. Nothing is printed when no daemon wrote the file.
 */
void ctl_certs_show(void);
void ctl_certs_prom(void);

/* ------------------------------------------------------------ out.c: shared helpers */

__attribute__((format(printf, 1, 2))) void ctl_err(const char *fmt, ...);
/* "ktlsoctl: <what>: <reason>" for a -errno of the nl API, with the kernel's own words. */
int ctl_nl_err(const char *what, const struct kso_nl *nl, int err);
/* Usage error: "ktlsoctl: <message>" and the usage line; returns CTL_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int ctl_usage_err(const char *usage, const char *fmt, ...);

/* kso_nl_open(), printing why not; 0 or CTL_EXIT_ERROR. */
int ctl_open(struct kso_nl **nl, const char *what);
/* The module's "<ver> (netlink protocol N)" line, or -errno. */
int ctl_module_version(struct kso_nl *nl, char *line, size_t len, char *ver, size_t ver_len,
		       uint32_t *proto);

/* -j / --json anywhere in argv[1..]: removes it and returns true. */
bool ctl_take_flag(int *argc, char **argv, const char *short_opt, const char *long_opt);

/* Strict decimal. */
int ctl_parse_u64(const char *s, uint64_t *out);
/* "45s", "12m05s", "3h07m", "2d04h". */
const char *ctl_age(uint64_t ms, char *buf, size_t len);

/* "TLSv1.3 AES_128_GCM" parts and the "10.0.0.1:443 <- 10.0.0.2:5555" of one socket. */
const char *ctl_sock_ends(const struct kso_sock *s, char *buf, size_t len);
/* A policy in the words "policy add" takes: "0.0.0.0:443 mode txrx ciphers all ...". */
void ctl_policy_words(const struct kso_policy *p, char *buf, size_t len);	/* policy.c */
/* Cipher mask as "aes-128-gcm,chacha20-poly1305" or "all". */
const char *ctl_cipher_mask(uint32_t mask, char *buf, size_t len);

/* Everything one read of a dump gives, sorted by id. */
struct ctl_socks {
	struct kso_sock *v;
	size_t n, cap;
};
int ctl_socks_load(struct kso_nl *nl, struct ctl_socks *out);
void ctl_socks_free(struct ctl_socks *s);

/* Prometheus text format (0.0.4) to stdout: "# HELP ktlso_NAME HELP" and its TYPE line. */
void ctl_prom_head(const char *name, const char *type, const char *help);
/* A label value: backslash, double quote and line feed escaped. */
void ctl_prom_label(const char *s);

/*
 * A minimal JSON writer to stdout: values inside objects take a key, values inside
 * arrays pass NULL. Strings are escaped per RFC 8259.
 */
struct ctl_json {
	int depth;
	bool more[16];	/* a value was written at this depth: the next needs a comma */
};
void json_obj(struct ctl_json *j, const char *key);
void json_obj_end(struct ctl_json *j);
void json_arr(struct ctl_json *j, const char *key);
void json_arr_end(struct ctl_json *j);
void json_str(struct ctl_json *j, const char *key, const char *val);	/* NULL: null */
void json_u64(struct ctl_json *j, const char *key, uint64_t val);
void json_i64(struct ctl_json *j, const char *key, int64_t val);
void json_bool(struct ctl_json *j, const char *key, bool val);
void json_null(struct ctl_json *j, const char *key);
/* A socket's attributes as one object. */
void json_sock(struct ctl_json *j, const char *key, const struct kso_sock *s);
void json_policy(struct ctl_json *j, const char *key, const struct kso_policy *p);

#endif /* KTLSO_CTL_H */
