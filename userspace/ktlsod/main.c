// SPDX-License-Identifier: GPL-2.0-or-later
/* ktlsod: HTTPS file server with kernel TLS offload. See --help, ktlsod(8) and docs/ktlsod.md. */
#include "ktlsod.h"
#include "ofc.h"
#include "serve.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "certs.h"
#include "sslkeys.h"

struct daemon ktlsod;

static int listen_on(const struct listener_cfg *l)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "*:PORT" takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (l->dual_stack && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto out_err;
	/* Each worker has its own socket on the port; the kernel spreads connections. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0 || listen(fd, 4096) < 0)
		goto out_err;
	return fd;

out_err:
	err = -errno;
	close(fd);
	return err;
}

/*
 * A connection may hold five fds at once (socket, file, directory, the two ends of a
 * pipe), and each worker's open-file cache OFC_N: ask for that many for max-conns, as far
 * as the hard limit allows, and say so when it does not.
 */
static void raise_fd_limit(struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_conns * 5 + 64 + (rlim_t)cfg->workers * OFC_N;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		log_msg("open files limited to %llu (hard limit): enough for about %llu "
			"connections, fewer than --max-conns %u; raise it with ulimit -Hn or "
			"LimitNOFILE=", (unsigned long long)rl.rlim_cur,
			(unsigned long long)(rl.rlim_cur - 64) / 5, cfg->max_conns);
}

struct worker_arg {
	int id;
	int fds[MAX_LISTENERS];		/* -1: not opened */
};

static pthread_t main_thread;
static atomic_int worker_start_err;	/* -errno of the first worker that could not start */

/* Workers up, or one failed: what READY=1 waits for (wait_for_workers). */
static pthread_mutex_t start_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static int workers_up, workers_failed;

void worker_started(int err)
{
	pthread_mutex_lock(&start_mu);
	if (err)
		workers_failed++;
	else
		workers_up++;
	pthread_cond_broadcast(&start_cv);
	pthread_mutex_unlock(&start_mu);
}

/* Until every worker's ring and listeners are up (true) or one could not start (false). */
static bool wait_for_workers(int n)
{
	bool ok;

	pthread_mutex_lock(&start_mu);
	while (workers_up + workers_failed < n && !workers_failed)
		pthread_cond_wait(&start_cv, &start_mu);
	ok = !workers_failed;
	pthread_mutex_unlock(&start_mu);
	return ok;
}

/*
 * A worker that cannot start stops the daemon: its listening sockets would still take
 * their share of the connections (SO_REUSEPORT), with no one to accept them.
 */
static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	int err = worker_run(a->id, a->fds), none = 0;

	if (err) {
		atomic_compare_exchange_strong(&worker_start_err, &none, err);
		atomic_store(&ktlsod.stop, true);
		worker_started(err);			/* out of wait_for_workers */
		pthread_kill(main_thread, SIGTERM);	/* out of sigtimedwait */
	}
	return NULL;
}

/* Why the daemon does not start: in the log and, when that is a file, on stderr. */
static void start_failed(const char *what, int err)
{
	log_at(LOG_ERR, "not starting: %s: %s", what, strerror(err));
	if (ktlsod.cfg.log_path && strcmp(ktlsod.cfg.log_path, "-"))
		fprintf(stderr, "ktlsod: not starting: %s: %s\n", what, strerror(err));
}

static void log_caps(void)
{
	const struct kso_ktls_caps *c = &ktlsod.caps;
	char list[256] = "";

	if (c->ulp) {
		log_msg("kTLS unavailable: %s; every connection uses userspace TLS",
			kso_ktls_strerror(KSO_STEP_ULP, c->ulp));
		return;
	}
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < KSO_CIPHER_COUNT; i++)
			if (!c->cipher[v][i])
				snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s/%s",
					 v ? "1.3" : "1.2", kso_cipher_info(i)->name);
	log_msg("kTLS available:%s; rekey %s", list, c->rekey ? "unsupported" : "supported");
}

/* Each finding as a log line; the errors also on stderr when the log is a file. */
static void log_findings(const struct kso_cert_findings *f, bool to_stderr)
{
	for (size_t i = 0; i < f->n; i++) {
		const char *sev = f->v[i].sev == KSO_CERT_ERROR ? "error" : "warning";
		const char *text = f->v[i].text ? f->v[i].text : "(out of memory)";

		log_at(f->v[i].sev == KSO_CERT_ERROR ? LOG_ERR : LOG_WARNING, "certificate %s: %s",
		       sev, text);
		if (to_stderr && f->v[i].sev == KSO_CERT_ERROR)
			fprintf(stderr, "ktlsod: certificate %s: %s\n", sev, text);
	}
}

/* certs.tsv for ktlsoctl; the directory is made if missing (its parent is not). */
static void publish(SSL_CTX *ctx)
{
	static int last_err;
	int err;

	if (mkdir(ktlsod.cfg.state_dir, 0755) && errno != EEXIST)
		err = -errno;
	else
		err = tls_publish(ctx, ktlsod.cfg.state_dir);
	if (err && err != last_err)
		log_at(LOG_WARNING, "cannot publish the certificates to %s/%s: %s (ktlsoctl show and stats "
			"will not list them; see --state-dir)", ktlsod.cfg.state_dir,
			KSO_CERT_STATE_FILE, strerror(-err));
	last_err = err;
}

/* The daily look at expiry dates (also done at every load). */
static void expiry_check(void)
{
	struct kso_cert_findings f = { 0 };

	tls_expiry_check(atomic_load(&ktlsod.ctx), &ktlsod.cfg, &f);
	log_findings(&f, false);
	kso_cert_findings_free(&f);
}

/*
 * OpenSSL's secure heap for the private keys, the handshakes' ephemeral keys and the
 * captured traffic secrets of connections in userspace TLS (256 bytes each in its buddy
 * allocator, in half of it): 256 bytes per connection, 1 to 8 MiB, all locked in memory.
 * Beyond that the secrets go to the ordinary heap (sslkeys.c).
 */
static void secure_heap(const struct config *cfg)
{
	size_t want = (size_t)cfg->max_conns * 256, size = 1 << 20;
	int err;

	while (size < want && size < (8 << 20))
		size <<= 1;
	err = kso_ssl_secure_heap(size);
	if (err == -EPERM)
		log_msg("OpenSSL's secure heap (%zu KiB) could not be locked in memory (raise "
			"RLIMIT_MEMLOCK, LimitMEMLOCK=): keys can be swapped out", size >> 10);
	else if (err)
		log_msg("OpenSSL's secure heap (%zu KiB): cannot set it up: keys and secrets "
			"stay in the ordinary heap, and in core dumps if any are made", size >> 10);
}

/* An error at start: in the log (with its severity), and on stderr when the log is a file. */
static void __attribute__((format(printf, 1, 2))) start_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_at(LOG_ERR, "%s", msg);
	if (ktlsod.cfg.log_path && strcmp(ktlsod.cfg.log_path, "-"))
		fprintf(stderr, "ktlsod: %s\n", msg);
}

/* -t: can FILE be appended to, or made, by this process? NULL, or why not. */
static const char *log_file_problem(const char *path, char *why, size_t len)
{
	char dir[4096], *slash;
	int fd;

	if (!path || !strcmp(path, "-"))
		return NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (errno == ENOENT) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		if (!access(dir, W_OK | X_OK))
			return NULL;
		if (snprintf(why, len, "cannot create %s: %s: %s", path, dir, strerror(errno)) >=
		    (int)len)
			snprintf(why, len, "cannot create %s: %s", path, strerror(errno));
		return why;
	}
	if (snprintf(why, len, "cannot append to %s: %s", path, strerror(errno)) >= (int)len)
		snprintf(why, len, "cannot append to the log: %s", strerror(errno));
	return why;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Where config_check says each problem: a severity and a sentence. */
typedef void check_say_fn(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The checks of ktlsod -t, and of a reload: the root, the certificates (every finding),
 * the user to serve as, and the log files. running is the configuration in force for a
 * reload (NULL for -t): the root, the user and the log files, which only a restart changes
 * and which were opened or taken with start's rights, are then checked only when they
 * changed, and what is wrong with them is a warning, not a problem: the reload does not
 * apply them, and it checks them with the serving user's rights, not root's as a restart
 * would (a new log directory only root may write to must not refuse a new hsts). The
 * number of problems; with none and ctx given, *ctx is the new certificates' context,
 * else it is freed. Nothing is bound, written or published.
 */
static int config_check(const struct config *cfg, const struct config *running, SSL_CTX **ctx,
			check_say_fn *say)
{
	struct kso_cert_findings f = { 0 };
	int problems = 0, fd;
	const char *why;
	char buf[600];
	SSL_CTX *c;
	/* a restart-only setting's problem: counted by -t, a warning in a reload */
	const int rs_prio = running ? LOG_WARNING : LOG_ERR;
	const char *rs_note = running ? " (as the serving user; a restart applies it, and checks "
					"it again)" : "";

	if (!running || !same_str(cfg->root, running->root)) {
		fd = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			say(rs_prio, "--root %s: %s%s", cfg->root, strerror(errno), rs_note);
			problems += !running;
		} else {
			close(fd);
		}
	}
	c = tls_load(cfg, &f);
	for (size_t i = 0; i < f.n; i++)
		say(f.v[i].sev == KSO_CERT_ERROR ? LOG_ERR : LOG_WARNING, "certificate %s: %s",
		    f.v[i].sev == KSO_CERT_ERROR ? "error" : "warning",
		    f.v[i].text ? f.v[i].text : "(out of memory)");
	if (!c)
		problems++;
	kso_cert_findings_free(&f);
	if (cfg->user && strcmp(cfg->user, "root") &&
	    (!running || !same_str(cfg->user, running->user))) {
		struct passwd *pw = getpwnam(cfg->user);

		if (!pw) {
			say(rs_prio, "--user %s: no such user%s", cfg->user, rs_note);
			problems += !running;
		} else if (!running && geteuid() != 0 && pw->pw_uid != geteuid()) {
			/* what priv_drop would refuse at start */
			say(LOG_ERR, "--user %s: only a daemon started as root can switch users (this "
			    "check runs as uid %u)", cfg->user, (unsigned)geteuid());
			problems++;
		}
	}
	why = NULL;
	if (!running || !same_str(cfg->log_path, running->log_path))
		why = log_file_problem(cfg->log_path, buf, sizeof(buf));
	if (!why && (!running || !same_str(cfg->access_log_path, running->access_log_path)))
		why = log_file_problem(cfg->access_log_path, buf, sizeof(buf));
	if (why) {
		say(rs_prio, "log: %s%s", why, rs_note);
		problems += !running;
	}
	if (ctx && !problems)
		*ctx = c;
	else
		SSL_CTX_free(c);
	return problems;
}

static void __attribute__((format(printf, 2, 3))) test_say(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	fputs("ktlsod: -t: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ktlsod -t: the configuration as the daemon would take it, without serving. 0 or 1. */
static int config_test(const struct config *cfg)
{
	int problems = config_check(cfg, NULL, NULL, test_say);

	if (problems) {
		fprintf(stderr, "ktlsod: -t: the configuration has %d problem%s (above)\n", problems,
			problems == 1 ? "" : "s");
		return 1;
	}
	fprintf(stderr, "ktlsod: -t: the configuration is good: %d listener%s, root %s\n",
		cfg->nlisteners, cfg->nlisteners == 1 ? "" : "s", cfg->root);
	return 0;
}

/* The command line the daemon started with: a reload parses it again, with its file. */
static int main_argc;
static char **main_argv;

static void __attribute__((format(printf, 2, 3))) reload_say(int prio, const char *fmt, ...)
{
	char msg[1000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_at(prio, "reload: %s", msg);
}

/*
 * SIGHUP: the whole configuration again, the command line over the file, as at start;
 * checked as ktlsod -t checks it (config_check). On any error nothing changes: each
 * finding is logged, then one line at LOG_ERR, and the service manager's STATUS says so
 * (its protocol has no way to fail a reload: READY=1 ends one; under the packaged unit,
 * ExecReload's ktlsod -t fails the reload first). Otherwise reload.c takes what can change
 * live, logs what needs a restart, and new connections get the new certificates (the
 * SSL_CTX) and settings (struct live); connections in progress keep theirs.
 */
static void reload(void)
{
	struct config next;
	char why[400], where[600];
	unsigned applied, restart;
	SSL_CTX *ctx = NULL;
	struct live *l = NULL;
	int errors;

	config_defaults(&next);
	if (config_parse_args(&next, main_argc, main_argv, why, sizeof(why))) {
		log_at(LOG_ERR, "reload: %s", why);
		errors = 1;
	} else {
		errors = config_check(&next, &ktlsod.cfg, &ctx, reload_say);
	}
	if (!errors && !(l = live_new(&ktlsod.cfg))) {
		log_at(LOG_ERR, "reload: %s", strerror(ENOMEM));
		SSL_CTX_free(ctx);
		errors = 1;
	}
	if (errors) {
		log_at(LOG_ERR, "reload failed, still serving the previous configuration and "
		       "certificates: %d error%s (above); the files are read as user %s, who must "
		       "be able to read them", errors, errors == 1 ? "" : "s", priv_user());
		config_free(&next);
		notify_send("READY=1\nSTATUS=serving the previous configuration: the reload "
			    "failed (see the log)");
		return;
	}
	reload_adopt(&ktlsod.cfg, &next, &applied, &restart);
	config_free(&next);
	live_fill(l, &ktlsod.cfg);
	/*
	 * The new context goes out with the settings (live.c): connections hold the snapshot
	 * they started with, and with it their context; the last one lets go of the old one.
	 * The certificates of a context live as long as it does (tls.c).
	 */
	SSL_CTX_up_ref(ctx);
	l->ctx = ctx;
	live_publish(l);
	tickets_set_period(ktlsod.cfg.ticket_rotate_s);
	SSL_CTX_free(atomic_exchange(&ktlsod.ctx, ctx));
	publish(ctx);
	if (ktlsod.cfg.config_path)
		snprintf(where, sizeof(where), "reloaded certificates and %s: %u setting%s applied, "
			 "%u need%s a restart", ktlsod.cfg.config_path, applied,
			 applied == 1 ? "" : "s", restart, restart == 1 ? "s" : "");
	else
		snprintf(where, sizeof(where), "reloaded certificates: %s (no --config file: the "
			 "settings are the command line's)",
			 ktlsod.cfg.cert ? ktlsod.cfg.cert : "the [cert] sections");
	log_msg("%s", where);
	if (restart)
		notify_send("READY=1\nSTATUS=serving; %u changed setting%s need%s a restart (see "
			    "the log)", restart, restart == 1 ? "" : "s", restart == 1 ? "s" : "");
	else
		notify_send("READY=1\nSTATUS=serving");
}

/* The served root, the certificates, what the kernel can take: 0, or 1 when it said why not. */
static int prepare(const struct config *cfg)
{
	struct kso_cert_findings f = { 0 };
	SSL_CTX *ctx;
	int err;

	ktlsod.root_fd = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ktlsod.root_fd < 0) {
		start_error("--root %s: %s", cfg->root, strerror(errno));
		return 1;
	}
	ctx = tls_load(cfg, &f);
	log_findings(&f, cfg->log_path && strcmp(cfg->log_path, "-"));
	if (!ctx) {
		start_error("the certificates were refused: %zu error%s (above)",
			    kso_cert_errors(&f), kso_cert_errors(&f) == 1 ? "" : "s");
		kso_cert_findings_free(&f);
		return 1;
	}
	kso_cert_findings_free(&f);
	atomic_store(&ktlsod.ctx, ctx);
	err = kso_ktls_probe(&ktlsod.caps);
	if (err) {
		start_error("probing kTLS needs a loopback TCP connection: %s", strerror(-err));
		return 1;
	}
	log_caps();
	return 0;
}

/* The main thread's life once the workers run: reloads, ticket keys, daily checks, the stop. */
static void wait_for_signals(const sigset_t *set)
{
	uint64_t now = now_ms(), expiry_at = now + 86400 * 1000ULL, next, tickets_at;
	struct timespec wait;
	int sig;

	while (!atomic_load(&ktlsod.stop)) {
		now = now_ms();
		tickets_at = tickets_tick(now);
		if (now >= expiry_at) {
			expiry_check();
			expiry_at = now + 86400 * 1000ULL;
		}
		next = tickets_at < expiry_at ? tickets_at : expiry_at;
		next = next > now ? next - now : 0;
		wait = (struct timespec){ .tv_sec = (time_t)(next / 1000),
					  .tv_nsec = (long)(next % 1000) * 1000000 };
		sig = sigtimedwait(set, NULL, &wait);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			notify_reloading();
			reload();
		} else if (sig == SIGUSR1) {
			if (!log_reopen())
				log_msg("SIGUSR1: log files reopened");
		} else if (!atomic_load(&worker_start_err)) {
			log_msg("%s: finishing responses in progress, then exiting",
				sig == SIGTERM ? "SIGTERM" : "SIGINT");
			atomic_store(&ktlsod.stop, true);
		}
	}
}

static void log_totals(void)
{
	const struct stats *st = &ktlsod.st;

	log_msg("stopped: %llu connections, %llu handshakes (%llu failed), %llu offloaded, "
		"%llu in userspace TLS after a fallback, %llu requests, %llu refused at the cap",
		(unsigned long long)st->accepted, (unsigned long long)st->handshakes,
		(unsigned long long)st->handshake_failures, (unsigned long long)st->offloaded,
		(unsigned long long)st->fallbacks, (unsigned long long)st->requests,
		(unsigned long long)st->refused_cap);
}

int main(int argc, char **argv)
{
	struct config *cfg = &ktlsod.cfg;
	struct worker_arg *args;
	pthread_t *threads;
	int started = 0;
	char what[96], why[400];
	sigset_t set;
	int rc;

	priv_nodump();	/* before there is any secret to dump */
	/* before OpenSSL allocates anything: its freed objects must not keep secrets */
	if (kso_ssl_wipe_on_free())
		fprintf(stderr, "ktlsod: cannot make OpenSSL wipe what it frees\n");
	main_argc = argc;
	main_argv = argv;
	config_defaults(cfg);
	rc = config_parse_args(cfg, argc, argv, why, sizeof(why));
	if (rc) {
		if (*why)
			fprintf(stderr, "ktlsod: %s\n", why);
		return rc;
	}
	if (cfg->test_only)
		return config_test(cfg);
	/*
	 * A logrotate SIGUSR1 or a reload's SIGHUP while starting must not kill the daemon
	 * (their default action): held until the main loop takes them. SIGTERM and SIGINT
	 * still stop a start at once.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_open(cfg->log_path, cfg->access_log_path);
	raise_fd_limit(cfg);

	secure_heap(cfg);
	rc = tickets_init(cfg->ticket_rotate_s);
	if (rc) {
		fprintf(stderr, "ktlsod: the session-ticket keys: %s\n", strerror(-rc));
		return 1;
	}
	if (prepare(cfg))
		return 1;
	{
		/* what workers read, with the TLS context they start connections with */
		struct live *l = live_new(cfg);

		if (!l) {
			fprintf(stderr, "ktlsod: %s\n", strerror(ENOMEM));
			return 1;
		}
		SSL_CTX_up_ref(atomic_load(&ktlsod.ctx));
		l->ctx = atomic_load(&ktlsod.ctx);
		live_publish(l);
	}

	rc = 1;	/* until every worker runs */
	args = calloc((size_t)cfg->workers, sizeof(*args));
	threads = calloc((size_t)cfg->workers, sizeof(*threads));
	if (!args || !threads) {
		start_failed("the workers' tables (calloc)", ENOMEM);
		goto out_unpublish;
	}
	for (int w = 0; w < cfg->workers; w++) {
		args[w].id = w;
		for (int i = 0; i < MAX_LISTENERS; i++)
			args[w].fds[i] = -1;
	}
	for (int w = 0; w < cfg->workers; w++) {
		for (int i = 0; i < cfg->nlisteners; i++) {
			int fd = listen_on(&cfg->listeners[i]);

			if (fd < 0) {
				fprintf(stderr, "ktlsod: listen on %s: %s\n", cfg->listeners[i].name,
					strerror(-fd));
				goto out_close;
			}
			args[w].fds[i] = fd;
		}
	}

	/* the last thing done with privileges: everything after runs as the user */
	if (priv_drop(cfg))
		goto out_close;
	publish(atomic_load(&ktlsod.ctx));

	/* Signals go to this thread only; workers run undisturbed. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	main_thread = pthread_self();
	for (; started < cfg->workers; started++) {
		int err = pthread_create(&threads[started], NULL, worker_main, &args[started]);

		if (err) {
			snprintf(what, sizeof(what), "worker %d of %d (pthread_create)", started + 1,
				 cfg->workers);
			start_failed(what, err);
			atomic_store(&ktlsod.stop, true);	/* the ones started drain and exit */
			goto out_join;
		}
	}
	/* "listening" and READY=1 only once every worker accepts: never half a daemon */
	if (!wait_for_workers(cfg->workers))
		goto out_join;
	for (int i = 0; i < cfg->nlisteners; i++)
		log_msg("listening on %s, %s%s, %d workers", cfg->listeners[i].name,
			cfg->listeners[i].plain ? "plain HTTP" : "offload ",
			cfg->listeners[i].plain ? "" :
			kso_mode_name(cfg->listeners[i].offload < 0 ? cfg->offload :
								     cfg->listeners[i].offload),
			cfg->workers);
	notify_send("READY=1\nSTATUS=serving: %d listener%s, %d worker%s\nMAINPID=%d",
		    cfg->nlisteners, cfg->nlisteners == 1 ? "" : "s", cfg->workers,
		    cfg->workers == 1 ? "" : "s", (int)getpid());

	wait_for_signals(&set);
	notify_send("STOPPING=1\nSTATUS=finishing responses in progress");
	rc = 0;
out_join:
	for (int w = 0; w < started; w++)
		pthread_join(threads[w], NULL);
	if (atomic_load(&worker_start_err)) {
		start_failed("a worker did not start (its reason above)",
			     -atomic_load(&worker_start_err));
		rc = 1;
	}
	log_totals();
out_close:
	/* the workers not started hold no socket of their own yet: theirs are closed here */
	for (int w = started; w < cfg->workers; w++)
		for (int i = 0; i < cfg->nlisteners; i++)
			if (args[w].fds[i] >= 0)
				close(args[w].fds[i]);
out_unpublish:
	{
		char path[4096];

		/* no stale list of certificates after the daemon is gone */
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, KSO_CERT_STATE_FILE);
		unlink(path);
	}
	SSL_CTX_free(atomic_load(&ktlsod.ctx));
	live_end();
	free(args);
	free(threads);
	return rc;
}
