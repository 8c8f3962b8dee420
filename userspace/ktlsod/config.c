// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsod's configuration: command-line flags and an INI-style file. The file sets the
 * defaults and the listeners; flags given on the command line win over it. The format is
 * ktlsod.conf(5)'s, and dist/ktlsod.conf (installed as /etc/ktlsod/ktlsod.conf) shows
 * every setting with its default: "name = value" lines with the long options' names, a
 * '#' only at the start of a line (after a value it is part of the value), then
 * [listen ADDR:PORT] sections (offload = MODE, tls = on|off) and [cert NAME] sections
 * (cert, key, names).
 *
 * The certificate for a connection is chosen by the client's SNI: the exact name, then
 * the one-label wildcard, then the default (cert/key above, else the first [cert]).
 * Sets that serve the same names share one TLS context, one certificate per key type
 * (an ECDSA and an RSA one side by side); OpenSSL picks what the client can verify.
 */
#include "ktlsod.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"

/*
 * One listener: "ADDR:PORT" in the syntax of addr.h. "*:PORT" (and "PORT") is one
 * dual-stack socket on [::]. *why says what is wrong with s.
 */
int parse_listen(const char *s, struct listener_cfg *l, const char **why)
{
	struct sockaddr_storage a[2];
	int n, err;

	memset(l, 0, sizeof(*l));
	l->offload = -1;
	err = kso_addr_parse(s, a, &n, why);
	if (err)
		return err;
	snprintf(l->name, sizeof(l->name), "%s", s);
	l->dual_stack = n == 2;
	l->addr = a[n - 1];	/* "*": [::]:PORT, the second */
	l->addrlen = kso_addr_len(&l->addr);
	return 0;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* One setting, from the file or a flag. err gets a sentence on failure. */
static int apply(struct config *cfg, const char *k, const char *v, char *err, size_t len)
{
	unsigned u;
	int m;

	if (!strcmp(k, "root")) {
		set_str(&cfg->root, v);
	} else if (!strcmp(k, "cert")) {
		set_str(&cfg->cert, v);
	} else if (!strcmp(k, "key")) {
		set_str(&cfg->key, v);
	} else if (!strcmp(k, "log")) {
		set_str(&cfg->log_path, v);
	} else if (!strcmp(k, "access-log")) {
		set_str(&cfg->access_log_path, v);
	} else if (!strcmp(k, "trust")) {
		set_str(&cfg->trust, v);
	} else if (!strcmp(k, "state-dir")) {
		set_str(&cfg->state_dir, v);
	} else if (!strcmp(k, "user")) {
		if (!*v)
			goto bad;
		set_str(&cfg->user, v);
	} else if (!strcmp(k, "ticket-key-rotate")) {
		if (parse_uint(v, 1, 7 * 86400, &cfg->ticket_rotate_s))
			goto bad;
	} else if (!strcmp(k, "incomplete-chain")) {
		if (strcmp(v, "warn") && strcmp(v, "error"))
			goto bad;
		cfg->incomplete_warn = !strcmp(v, "warn");
	} else if (!strcmp(k, "expiry-warn-days")) {
		if (parse_uint(v, 0, 3650, &cfg->expiry_warn_days))
			goto bad;
	} else if (!strcmp(k, "hsts")) {
		if (parse_uint(v, 0, 1000000000, &cfg->hsts_max_age))
			goto bad;
	} else if (!strcmp(k, "dotfiles")) {
		if (strcmp(v, "allow") && strcmp(v, "deny"))
			goto bad;
		cfg->allow_dotfiles = !strcmp(v, "allow");
	} else if (!strcmp(k, "offload")) {
		if ((m = kso_mode_parse(v)) < 0)
			goto bad;
		cfg->offload = m;
	} else if (!strcmp(k, "workers")) {
		if (parse_uint(v, 1, 256, &u))
			goto bad;
		cfg->workers = (int)u;
	} else if (!strcmp(k, "tls-min")) {
		if (!strcmp(v, "1.2"))
			cfg->tls_min = TLS1_2_VERSION;
		else if (!strcmp(v, "1.3"))
			cfg->tls_min = TLS1_3_VERSION;
		else
			goto bad;
	} else if (!strcmp(k, "groups")) {
		if (tls_groups_check(v, err, len))
			return -EINVAL;
		set_str(&cfg->groups, v);
	} else if (!strcmp(k, "max-conns")) {
		if (parse_uint(v, 1, 10000000, &cfg->max_conns))
			goto bad;
	} else if (!strcmp(k, "handshake-timeout") || !strcmp(k, "header-timeout") ||
		   !strcmp(k, "send-timeout") || !strcmp(k, "idle-timeout")) {
		if (parse_uint(v, 1, 86400, &u))
			goto bad;
		u *= 1000;
		if (!strcmp(k, "handshake-timeout"))
			cfg->handshake_timeout_ms = u;
		else if (!strcmp(k, "header-timeout"))
			cfg->header_timeout_ms = u;
		else if (!strcmp(k, "send-timeout"))
			cfg->send_timeout_ms = u;
		else
			cfg->idle_timeout_ms = u;
	} else if (!strcmp(k, "max-header-bytes")) {
		if (parse_uint(v, 256, 1 << 20, &cfg->max_header_bytes))
			goto bad;
	} else if (!strcmp(k, "max-headers")) {
		if (parse_uint(v, 1, 1000, &cfg->max_headers))
			goto bad;
	} else if (!strcmp(k, "listen") || !strcmp(k, "listen-plain")) {
		if (cfg->nlisteners == MAX_LISTENERS) {
			snprintf(err, len, "too many listeners (at most %d)", MAX_LISTENERS);
			return -EINVAL;
		}
		const char *why;

		if (parse_listen(v, &cfg->listeners[cfg->nlisteners], &why)) {
			snprintf(err, len, "invalid value '%s' for %s: %s", v, k, why);
			return -EINVAL;
		}
		cfg->listeners[cfg->nlisteners++].plain = !strcmp(k, "listen-plain");
	} else {
		snprintf(err, len, "unknown setting '%s'", k);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, len, "invalid value '%s' for %s", v, k);
	return -EINVAL;
}

/* "[cert NAME]": a new certificate set. */
static struct cert_set_cfg *cert_section(struct config *cfg, const char *name, char *err,
					 size_t len)
{
	struct cert_set_cfg *cs;

	if (!*name || strlen(name) >= sizeof(cs->name) || strpbrk(name, " \t,") ||
	    !strcmp(name, "default")) {
		snprintf(err, len, "'%s' is not a certificate set name (one word, not "
			 "'default', which is --cert/--key)", name);
		return NULL;
	}
	for (int i = 0; i < cfg->nsets; i++) {
		if (!strcmp(cfg->sets[i].name, name)) {
			snprintf(err, len, "[cert %s] appears twice", name);
			return NULL;
		}
	}
	if (cfg->nsets == MAX_CERT_SETS) {
		snprintf(err, len, "too many [cert] sections (at most %d)", MAX_CERT_SETS);
		return NULL;
	}
	cs = &cfg->sets[cfg->nsets++];
	snprintf(cs->name, sizeof(cs->name), "%s", name);
	return cs;
}

static int cert_setting(struct cert_set_cfg *cs, const char *k, const char *v, char *err,
			size_t len)
{
	if (!strcmp(k, "cert"))
		set_str(&cs->cert, v);
	else if (!strcmp(k, "key"))
		set_str(&cs->key, v);
	else if (!strcmp(k, "names"))
		set_str(&cs->names, v);
	else {
		snprintf(err, len, "a [cert] section takes 'cert =', 'key =' and 'names =', not "
			 "'%s'", k);
		return -EINVAL;
	}
	return 0;
}

/*
 * A [listen] section's setting. "tls = off" makes it a plain-HTTP listener (a port 80
 * beside the HTTPS one, or a point to measure without crypto): no handshake, requests
 * read and bodies spliced on the bare TCP socket, nothing registered with ktlso.ko.
 */
static int listen_setting(struct listener_cfg *l, const char *k, const char *v)
{
	int m;

	if (!strcmp(k, "offload")) {
		if ((m = kso_mode_parse(v)) < 0)
			return -EINVAL;
		l->offload = m;
	} else if (!strcmp(k, "tls")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return -EINVAL;
		l->plain = !strcmp(v, "off");
	} else {
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char line[1024], msg[256];
	struct listener_cfg *sect = NULL;
	struct cert_set_cfg *cs = NULL;
	FILE *f = fopen(path, "re");
	int lineno = 0, rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *k, *v;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -EINVAL;
			break;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');

			if (e && !strncmp(s, "[cert ", 6)) {
				*e = 0;
				sect = NULL;
				cs = cert_section(cfg, trim(s + 6), msg, sizeof(msg));
				if (!cs) {
					snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
					rc = -EINVAL;
					break;
				}
				continue;
			}
			if (!e || strncmp(s, "[listen ", 8)) {
				snprintf(err, errlen, "%s:%d: expected [listen ADDR:PORT] or "
					 "[cert NAME]", path, lineno);
				rc = -EINVAL;
				break;
			}
			*e = 0;
			cs = NULL;
			if (apply(cfg, "listen", trim(s + 8), msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
				rc = -EINVAL;
				break;
			}
			sect = &cfg->listeners[cfg->nlisteners - 1];
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'name = value'", path, lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		k = trim(s);
		v = trim(eq + 1);
		if (cs) {
			if (cert_setting(cs, k, v, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
				rc = -EINVAL;
				break;
			}
		} else if (sect) {
			if (listen_setting(sect, k, v)) {
				snprintf(err, errlen, "%s:%d: a [listen] section takes only "
					 "'offload = off|tx|rx|txrx' and 'tls = on|off'", path,
					 lineno);
				rc = -EINVAL;
				break;
			}
		} else if (apply(cfg, k, v, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -EINVAL;
			break;
		}
	}
	fclose(f);
	for (int i = 0; !rc && i < cfg->nlisteners; i++) {
		if (cfg->listeners[i].plain && cfg->listeners[i].offload >= 0) {
			snprintf(err, errlen, "%s: [listen %s] has 'tls = off': 'offload' means "
				 "nothing there", path, cfg->listeners[i].name);
			rc = -EINVAL;
		}
	}
	for (int i = 0; !rc && i < cfg->nsets; i++) {
		if (!cfg->sets[i].cert || !cfg->sets[i].key) {
			snprintf(err, errlen, "%s: [cert %s] needs both 'cert =' and 'key ='", path,
				 cfg->sets[i].name);
			rc = -EINVAL;
		}
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktlsod --root DIR --cert PEM --key PEM [options]\n"
"       ktlsod --root DIR --config FILE (with [cert NAME] sections) [options]\n"
"\n"
"Serves the files beneath DIR over HTTPS (HTTP/1.1). After each TLS handshake the\n"
"traffic keys go into the kernel (kTLS), files are spliced into the socket with\n"
"io_uring, and the kernel encrypts. Where the kernel cannot take the keys the\n"
"connection stays in userspace TLS (OpenSSL) and the log says why.\n"
"\n"
"  --root DIR              directory to serve (paths cannot leave it, symlinks included)\n"
"  --cert PEM              certificate chain, leaf first (fullchain.pem)\n"
"  --key PEM               private key of the certificate\n"
"                          More certificates (SNI, ECDSA and RSA side by side) go in\n"
"                          [cert NAME] sections of the config file; this one is the\n"
"                          default, served when no other matches the client's name\n"
"  --trust CAFILE          CA bundle: each chain must reach a root in it (checked at\n"
"                          load time; without it, the chain is checked only for order)\n"
"  --incomplete-chain error|warn\n"
"                          a chain missing an intermediate is refused (default) or\n"
"                          served with a warning\n"
"  --expiry-warn-days N    warn from N days before a certificate expires, at load and\n"
"                          daily (default: 30; 0: never)\n"
"  --hsts SECONDS          send Strict-Transport-Security: max-age=SECONDS with every\n"
"                          response (default: 0, none: a policy for the operator)\n"
"  --dotfiles deny|allow   a path with a segment starting with \".\" (/.git, /.env,\n"
"                          /a/.htpasswd) gets 403 (deny, the default) or is served;\n"
"                          /.well-known/ (ACME) is served either way\n"
"  --state-dir DIR         publish the certificates served to DIR/certs.tsv for\n"
"                          ktlsoctl show and stats (default: /run/ktlsod)\n"
"  --user NAME             once the sockets, certificates and log are open, run as NAME\n"
"                          with no capability but CAP_NET_ADMIN (for ktlso.ko); started\n"
"                          as root the default is nobody (root: stay root, not advised);\n"
"                          started as another user, it stays that user\n"
"  --ticket-key-rotate S   a new session-ticket key every S seconds; tickets of the\n"
"                          previous key still resume, older ones do not (default: 43200)\n"
"  --listen ADDR:PORT      address to listen on; repeatable. ADDR: an IPv4 address,\n"
"                          an IPv6 one in brackets ([::1]), or * for any of both\n"
"                          families (one dual-stack socket); PORT alone is *:PORT\n"
"                          (default: 8443)\n"
"  --listen-plain ADDR:PORT\n"
"                          the same, for plain HTTP without TLS (port 80, say):\n"
"                          no handshake, nothing registered with ktlso.ko\n"
"  --offload MODE          off | tx | rx | txrx (default: txrx): what goes to kTLS\n"
"  --workers N             worker threads, one io_uring ring each (default: CPUs)\n"
"  --tls-min 1.2|1.3       lowest TLS version accepted (default: 1.2, so TLS 1.3\n"
"                          with 1.2 for older clients; 1.3: TLS 1.3 only)\n"
"  --groups LIST           key exchange groups, OpenSSL's names separated by ':'\n"
"                          (default: OpenSSL's list without finite-field groups;\n"
"                          from OpenSSL 3.5 on it begins with X25519MLKEM768)\n"
"  --max-conns N           connections at once (default: 10000); beyond it, 503\n"
"  --handshake-timeout S   seconds to complete the handshake, and again to begin\n"
"                          the first request after it (default: 10)\n"
"  --header-timeout S      seconds to send a request's header, from its first\n"
"                          byte (default: 10)\n"
"  --send-timeout S        seconds a response may wait on a client that does\n"
"                          not read (default: 60)\n"
"  --idle-timeout S        seconds a keep-alive connection may idle (default: 60)\n"
"  --max-header-bytes N    request line and headers (default: 8192)\n"
"  --max-headers N         header fields per request (default: 64)\n"
"  --log FILE              log file, '-' for stderr (default; under systemd, the\n"
"                          journal, with each line's severity)\n"
"  --access-log FILE       one line per connection to FILE ('-': stderr) instead of\n"
"                          the log (default: the log)\n"
"  --config FILE           INI file with the same settings and per-listener sections:\n"
"                          flags win over it; see ktlsod.conf(5)\n"
"  -t, --test              check the configuration (settings, root, certificates,\n"
"                          user, log files) without serving; exit 0 if it is good\n"
"  -h, --help              this help\n"
"  --version               the version\n"
"\n"
"With the ktlso module loaded, every connection is registered with it (ktlsoctl sock\n"
"list), the module's listener policies override --offload, key-usage limits close\n"
"connections before their keys wear out, and 'ktlsoctl sock offload ID' moves a\n"
"userspace-TLS connection into kTLS live. Without it, all of that is off.\n"
"\n"
"Certificates are checked when loaded: the key matches, the chain is in order, with\n"
"--trust it reaches a root, the names are covered by the subjectAltName, each is\n"
"valid now. Any error refuses them, naming the certificate and what to do; 'ktlsoctl\n"
"cert check FILE' runs the same checks without a daemon. ALPN: http/1.1, http/1.0.\n"
"Sessions resume (TLS 1.3 tickets, TLS 1.2 session IDs or tickets; the ticket keys live in\n"
"this process and rotate, see --ticket-key-rotate: a restart starts new ones, a reload\n"
"keeps them); 0-RTT early data is refused, since it can be replayed.\n"
"\n"
"Signals: SIGHUP reads the configuration again (these options over the --config\n"
"file) and the certificates, checked as -t checks them: what can change live applies\n"
"to new connections, what needs a restart (listeners, workers, max-conns, root,\n"
"user, log files, state dir) is logged and kept; on any error nothing changes and\n"
"the log says why. SIGTERM or SIGINT stop accepting, finish responses in progress,\n"
"and exit.\n");
}

void config_defaults(struct config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*cfg = (struct config){
		.offload = KTLSO_MODE_TXRX,
		.workers = cpus < 1 ? 1 : (int)cpus,
		.tls_min = TLS1_2_VERSION,
		.max_conns = 10000,
		.handshake_timeout_ms = 10000,
		.header_timeout_ms = 10000,
		.send_timeout_ms = 60000,
		.idle_timeout_ms = 60000,
		.max_header_bytes = 8192,
		.max_headers = 64,
		.expiry_warn_days = 30,
		.ticket_rotate_s = 43200,
	};
}

/*
 * Defaults are the caller's (cfg as it comes); then the file, then the flags, which win.
 * A problem is a sentence in err (the caller prints or logs it): 1 for the file, 2 for
 * the flags. Only getopt's own complaint and --help's usage go to stderr, and --help and
 * --version exit: a reload parses again the argv that started the daemon, where neither
 * can be.
 */
int config_parse_args(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 0 },
		{ "cert", required_argument, NULL, 0 },
		{ "key", required_argument, NULL, 0 },
		{ "listen", required_argument, NULL, 0 },
		{ "listen-plain", required_argument, NULL, 0 },
		{ "offload", required_argument, NULL, 0 },
		{ "workers", required_argument, NULL, 0 },
		{ "tls-min", required_argument, NULL, 0 },
		{ "groups", required_argument, NULL, 0 },
		{ "max-conns", required_argument, NULL, 0 },
		{ "handshake-timeout", required_argument, NULL, 0 },
		{ "header-timeout", required_argument, NULL, 0 },
		{ "send-timeout", required_argument, NULL, 0 },
		{ "idle-timeout", required_argument, NULL, 0 },
		{ "max-header-bytes", required_argument, NULL, 0 },
		{ "max-headers", required_argument, NULL, 0 },
		{ "log", required_argument, NULL, 0 },
		{ "access-log", required_argument, NULL, 0 },
		{ "trust", required_argument, NULL, 0 },
		{ "incomplete-chain", required_argument, NULL, 0 },
		{ "expiry-warn-days", required_argument, NULL, 0 },
		{ "hsts", required_argument, NULL, 0 },
		{ "dotfiles", required_argument, NULL, 0 },
		{ "state-dir", required_argument, NULL, 0 },
		{ "user", required_argument, NULL, 0 },
		{ "ticket-key-rotate", required_argument, NULL, 0 },
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	char msg[300];
	int o, idx, cli_listeners = 0;

	/* The file first, so that flags override it ("--config FILE" or "--config=FILE"). */
	for (int i = 1; i < argc; i++) {
		const char *file = NULL;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
		if (file) {
			if (config_load_file(cfg, file, msg, sizeof(msg))) {
				snprintf(err, errlen, "config: %s", msg);
				return 1;
			}
			set_str(&cfg->config_path, file);
		}
	}
	optind = 0;	/* 0: glibc starts afresh (a reload parses argv again) */
	while ((o = getopt_long(argc, argv, "ht", opts, &idx)) != -1) {
		switch (o) {
		case 0:
			if (!strncmp(opts[idx].name, "listen", 6) && !cli_listeners++)
				cfg->nlisteners = 0;	/* flags replace the file's listeners */
			if (apply(cfg, opts[idx].name, optarg, msg, sizeof(msg))) {
				snprintf(err, errlen, "--%s: %s", opts[idx].name, msg);
				return 2;
			}
			break;
		case 'c':
			break;
		case 't':
			cfg->test_only = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("ktlsod %s\n", KTLSO_VERSION);
			exit(0);
		default:
			usage(stderr);
			*err = '\0';	/* getopt said what is wrong */
			return 2;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!cfg->root || (!cfg->cert && !cfg->nsets)) {
		snprintf(err, errlen, "--root, and --cert with --key or a [cert NAME] section "
			 "in --config, are required (see --help)");
		return 2;
	}
	if (!cfg->cert != !cfg->key) {
		snprintf(err, errlen, "--%s needs --%s too", cfg->cert ? "cert" : "key",
			 cfg->cert ? "key" : "cert");
		return 2;
	}
	if (!cfg->state_dir)
		cfg->state_dir = strdup("/run/ktlsod");
	if (!cfg->nlisteners)
		apply(cfg, "listen", "8443", msg, sizeof(msg));
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->config_path);
	free(cfg->root);
	free(cfg->cert);
	free(cfg->key);
	free(cfg->log_path);
	free(cfg->access_log_path);
	free(cfg->trust);
	free(cfg->state_dir);
	free(cfg->user);
	free(cfg->groups);
	for (int i = 0; i < cfg->nsets; i++) {
		free(cfg->sets[i].cert);
		free(cfg->sets[i].key);
		free(cfg->sets[i].names);
	}
	memset(cfg, 0, sizeof(*cfg));
}
