/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ktlsod: shared definitions of the daemon. */
#ifndef KTLSOD_H
#define KTLSOD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <liburing.h>
#include <openssl/ssl.h>

#include "ktls.h"
#include "nl.h"

#define MAX_LISTENERS 16

struct listener_cfg {
	char name[80];			/* as given: "ADDR:PORT" */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool dual_stack;		/* "*:PORT": [::] taking IPv4 too (IPV6_V6ONLY off) */
	int offload;			/* enum ktlso_mode, or -1: the global default */
	bool plain;			/* no TLS: plain HTTP (tls = off, --listen-plain) */
};

/* A [cert NAME] section; --cert/--key make the one named "default". */
#define MAX_CERT_SETS 32
struct cert_set_cfg {
	char name[64];
	char *cert, *key;
	char *names;			/* "a.example, *.b.example"; NULL: its DNS SANs */
};

struct config {
	char *config_path;		/* --config: the (last) file read, for reload's lines */
	char *root, *cert, *key, *log_path, *access_log_path;
	char *trust;			/* CA bundle for the chain check, or NULL */
	char *state_dir;		/* where certs.tsv is published for ktlsoctl */
	bool incomplete_warn;		/* --incomplete-chain warn */
	unsigned expiry_warn_days;
	unsigned hsts_max_age;		/* seconds; 0: no Strict-Transport-Security */
	bool allow_dotfiles;		/* dotfiles = allow */
	bool test_only;			/* -t: check the configuration, then exit */
	char *user;			/* run as this user once set up (priv.c); NULL: default */
	unsigned ticket_rotate_s;	/* session-ticket key lifetime (tls.c) */
	struct cert_set_cfg sets[MAX_CERT_SETS];
	int nsets;
	struct listener_cfg listeners[MAX_LISTENERS];
	int nlisteners;
	int offload;			/* default for listeners */
	int workers;
	int tls_min;			/* TLS1_2_VERSION or TLS1_3_VERSION (OpenSSL's) */
	char *groups;			/* key exchange groups (OpenSSL's syntax); NULL: tls.c's */
	unsigned max_conns;
	unsigned handshake_timeout_ms, header_timeout_ms, send_timeout_ms, idle_timeout_ms;
	unsigned max_header_bytes, max_headers;
};

/*
 * What workers read of the configuration and a reload may change (live.c): a snapshot,
 * never written once published, shared by reference. A connection holds the one it was
 * accepted under.
 */
struct live {
	atomic_uint refs;
	unsigned gen;			/* live_gen() when it was published */
	unsigned handshake_timeout_ms, header_timeout_ms, send_timeout_ms, idle_timeout_ms;
	unsigned max_header_bytes, max_headers;
	bool allow_dotfiles;
	char hsts[64];			/* "Strict-Transport-Security: max-age=N\r\n", or "" */
	int8_t offload[MAX_LISTENERS];	/* each listener's configured enum ktlso_mode */
	SSL_CTX *ctx;			/* new connections' TLS context: one reference */
};

/* Counters, summed over workers at exit and (later) exported through ktlso.ko. */
struct stats {
	atomic_ullong accepted, handshakes, handshake_failures, offloaded, fallbacks, requests,
		refused_cap, closed, live_offloaded, key_limit_closed;
};

struct daemon {
	/*
	 * The running configuration. Workers read only what a reload never changes (the
	 * listeners' addresses and names, workers, max_conns); the rest is the main thread's,
	 * which a reload changes in place (reload.c), and workers see it through the SSL_CTX
	 * and struct live.
	 */
	struct config cfg;
	/* the main thread's (expiry checks, the state file); workers use struct live's */
	_Atomic(SSL_CTX *) ctx;		/* swapped on SIGHUP */
	struct kso_ktls_caps caps;	/* what the kernel can take, probed at start */
	atomic_bool stop;		/* SIGTERM/SIGINT: drain and exit */
	int root_fd;
	struct stats st;
};

extern struct daemon ktlsod;	/* the daemon's state, one per process */

/* worker.c */
int worker_run(int id, const int *listen_fds);

/* tls.c */
struct kso_cert_findings;
/*
 * Load and check every certificate set of cfg, and build the server's SSL_CTX (it picks
 * a certificate per connection by SNI and key type). NULL when a check failed or
 * OpenSSL refused; every finding, errors and warnings, is appended to f.
 */
SSL_CTX *tls_load(const struct config *cfg, struct kso_cert_findings *f);
/* Warnings for the certificates of ctx that expire within the threshold, or have. */
void tls_expiry_check(SSL_CTX *ctx, const struct config *cfg, struct kso_cert_findings *f);
/* Publish what ctx serves to DIR/certs.tsv for ktlsoctl. 0 or -errno. */
int tls_publish(SSL_CTX *ctx, const char *dir);
/* 0 when OpenSSL takes list as the key exchange groups; else -EINVAL and why in err */
int tls_groups_check(const char *list, char *err, size_t len);
/* groups.c: the configured list, or the default one (0, or -EINVAL) */
int tls_set_groups(SSL_CTX *ctx, const char *list);

/* tickets.c */
/* The first session-ticket key, a new one every period_s seconds. 0 or -errno. */
int tickets_init(unsigned period_s);
/* Make ctx issue and open tickets with the rotating keys. 0 or -errno. */
int tickets_use(SSL_CTX *ctx);
/* A reload's new period: the next rotation is due period_s after the current key's birth. */
void tickets_set_period(unsigned period_s);
/* The main thread's clock: rotate when due (now: now_ms()). When to call it next. */
uint64_t tickets_tick(uint64_t now);

/* priv.c */
/* Core dumps and ptrace off for this process (PR_SET_DUMPABLE 0). */
void priv_nodump(void);
/*
 * Once the sockets are bound and the certificates and log are open, before any worker
 * starts: become cfg->user (or "nobody" when started as root), keep no capability but
 * CAP_NET_ADMIN (ktlso.ko), no new privileges. 0, or -1 when it said why not.
 */
int priv_drop(const struct config *cfg);
/* The user's name after priv_drop(), for messages about files it cannot read. */
const char *priv_user(void);

/* log.c */
void log_open(const char *path, const char *access_path);
int log_reopen(void);
/* prio: LOG_ERR, LOG_WARNING, LOG_INFO (<syslog.h>); log_msg is LOG_INFO. */
void log_at(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A connection's line: to the access log (--access-log), else to the log. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ms(void);
const char *log_escape(char *dst, size_t size, const char *src, size_t n);

/* config.c */
/* Flags and the file they name into cfg: 0, or 1 (the file) or 2 (a flag) and why in err */
int config_parse_args(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
/* The defaults, before the file and the flags. */
void config_defaults(struct config *cfg);
/* The strings cfg owns; cfg is then zeroed. */
void config_free(struct config *cfg);

/* live.c */
struct live *live_new(const struct config *cfg);	/* NULL: out of memory */
void live_fill(struct live *l, const struct config *cfg);	/* before it is published */
/* main thread: make l the current snapshot (its reference goes with it) */
void live_publish(struct live *l);
void live_end(void);			/* at exit, once the workers are gone */
unsigned live_gen(void);		/* changes with each live_publish */
struct live *live_get(void);		/* a reference to the current one */
struct live *live_ref(struct live *l);
void live_put(struct live *l);

/* reload.c: next's settings that can change live go into running, the others are logged */
void reload_adopt(struct config *running, struct config *next, unsigned *applied,
		  unsigned *restart);

/* notify.c: the service manager's readiness protocol (sd_notify), a no-op without it */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int notify_reloading(void);
/* main.c: a worker's ring and listeners are up (0), or it cannot start (-errno) */
void worker_started(int err);
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);
int parse_listen(const char *s, struct listener_cfg *l, const char **why);

#endif
