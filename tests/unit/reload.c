// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a reload changes (userspace/ktlsod/reload.c) and the snapshot workers read
 * (live.c): settings that can change live move into the running configuration, the others
 * keep their value and are counted; listeners are matched by address; [cert] sections
 * added, removed or changed count once each; plain-HTTP listeners parse, and turning one
 * plain needs a restart; a snapshot outlives its replacement as long
 * as a connection holds it. Under ASan (tests/run-all --asan) the strings swapped between
 * the two configurations must be freed once each.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktlsod.h"
#include "t.h"

/* cfg from the defaults and these arguments (after "ktlsod --root /srv --cert c --key k") */
static int parse(struct config *cfg, const char *args)
{
	char *copy = strdup(args), *argv[40] = { "ktlsod", "--root", "/srv", "--cert", "c",
						  "--key", "k" };
	char err[400];
	int argc = 7, rc;

	for (char *tok = strtok(copy, " "); tok && argc < 39; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	config_defaults(cfg);
	rc = config_parse_args(cfg, argc, argv, err, sizeof(err));
	if (rc)
		fprintf(stderr, "parse '%s': %s\n", args, err);
	free(copy);
	return rc;
}

static int test_live_and_restart(const void *arg)
{
	struct config run, next;
	unsigned applied, restart;

	(void)arg;
	T_ASSERT(!parse(&run, "--workers 2 --listen 127.0.0.1:1 --groups X25519"), "parse");
	T_ASSERT(!parse(&next, "--workers 4 --listen 127.0.0.1:1 --listen 127.0.0.1:2 --hsts 100 "
			"--groups P-256 --idle-timeout 5 --user daemon --dotfiles allow"), "parse");
	reload_adopt(&run, &next, &applied, &restart);
	T_ASSERT(applied == 4 && restart == 3, "applied %u, restart %u (want 4, 3)", applied,
		 restart);
	T_ASSERT(run.hsts_max_age == 100 && run.idle_timeout_ms == 5000 && run.allow_dotfiles &&
		 !strcmp(run.groups, "P-256"), "the live settings were not taken");
	T_ASSERT(run.workers == 2 && run.nlisteners == 1 && !run.user,
		 "a setting that needs a restart changed: workers %d, %d listeners, user %s",
		 run.workers, run.nlisteners, run.user ? run.user : "(none)");
	T_ASSERT(next.groups && !strcmp(next.groups, "X25519"), "the old value is next's to free");
	config_free(&run);
	config_free(&next);
	return T_PASS;
}

static int test_unchanged(const void *arg)
{
	struct config run, next;
	unsigned applied = 9, restart = 9;

	(void)arg;
	T_ASSERT(!parse(&run, "--listen 8443 --offload tx"), "parse");
	/* "8443" and "*:8443" are one address: no listener changed */
	T_ASSERT(!parse(&next, "--listen *:8443 --offload tx"), "parse");
	reload_adopt(&run, &next, &applied, &restart);
	T_ASSERT(applied == 0 && restart == 0, "applied %u, restart %u", applied, restart);
	config_free(&run);
	config_free(&next);
	return T_PASS;
}

/* A [listen] section's offload, and [cert] sections, from files. */
static int test_sections(const void *arg)
{
	static const char a[] = "[listen 127.0.0.1:1]\noffload = txrx\n[cert x]\ncert = x\n"
				"key = x\n[cert y]\ncert = y\nkey = y\n";
	static const char b[] = "[listen 127.0.0.1:1]\noffload = off\n[cert x]\ncert = x2\n"
				"key = x\n[cert z]\ncert = z\nkey = z\n";
	char pa[] = "/tmp/ktlso-reload-a.XXXXXX", pb[] = "/tmp/ktlso-reload-b.XXXXXX", err[300];
	struct config run, next;
	unsigned applied, restart;
	FILE *f;
	int fa = mkstemp(pa), fb = mkstemp(pb);

	(void)arg;
	T_ASSERT(fa >= 0 && fb >= 0, "mkstemp");
	T_ASSERT((f = fdopen(fa, "w")) && fputs(a, f) >= 0 && !fclose(f), "write");
	T_ASSERT((f = fdopen(fb, "w")) && fputs(b, f) >= 0 && !fclose(f), "write");
	config_defaults(&run);
	config_defaults(&next);
	T_ASSERT(!config_load_file(&run, pa, err, sizeof(err)), "%s", err);
	T_ASSERT(!config_load_file(&next, pb, err, sizeof(err)), "%s", err);
	unlink(pa);
	unlink(pb);
	reload_adopt(&run, &next, &applied, &restart);
	/* the listener's offload; [cert x] changed, [cert y] removed, [cert z] added */
	T_ASSERT(applied == 4 && restart == 0, "applied %u, restart %u (want 4, 0)", applied,
		 restart);
	T_ASSERT(run.listeners[0].offload == KTLSO_MODE_OFF, "offload %d",
		 run.listeners[0].offload);
	T_ASSERT(run.nsets == 2 && !strcmp(run.sets[0].cert, "x2") && !strcmp(run.sets[1].name, "z"),
		 "the sections were not taken");
	config_free(&run);
	config_free(&next);
	return T_PASS;
}

/* file's contents into a temporary file, then config_load_file(): its status, err filled */
static int load_text(struct config *cfg, const char *text, char *err, size_t len)
{
	char path[] = "/tmp/ktlso-reload-p.XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w")) || fputs(text, f) < 0 || fclose(f)) {
		snprintf(err, len, "could not write %s", path);
		return -1;
	}
	config_defaults(cfg);
	rc = config_load_file(cfg, path, err, len);
	unlink(path);
	return rc;
}

/*
 * Plain-HTTP listeners: "tls = off" in a [listen] section and --listen-plain; 'offload'
 * has no place beside "tls = off"; a listener that turns plain (or back) is another
 * listener, which needs a restart.
 */
static int test_plain(const void *arg)
{
	struct config run, next;
	unsigned applied, restart;
	char err[300];

	(void)arg;
	T_ASSERT(!load_text(&run, "[listen 127.0.0.1:1]\noffload = tx\n[listen 127.0.0.1:2]\n"
			    "tls = off\n[listen 127.0.0.1:3]\ntls = on\n", err, sizeof(err)),
		 "%s", err);
	T_ASSERT(run.nlisteners == 3 && !run.listeners[0].plain && run.listeners[1].plain &&
		 !run.listeners[2].plain && run.listeners[1].offload == -1,
		 "plain: %d %d %d, offload %d", run.listeners[0].plain, run.listeners[1].plain,
		 run.listeners[2].plain, run.listeners[1].offload);
	config_free(&run);
	T_ASSERT(load_text(&run, "[listen 127.0.0.1:2]\ntls = off\noffload = tx\n", err,
			   sizeof(err)) && strstr(err, "'offload' means nothing"),
		 "offload beside tls = off: '%s'", err);
	config_free(&run);
	T_ASSERT(load_text(&run, "[listen 127.0.0.1:2]\ntls = no\n", err, sizeof(err)) &&
		 strstr(err, "'tls = on|off'"), "tls = no: '%s'", err);
	config_free(&run);

	T_ASSERT(!parse(&run, "--listen 127.0.0.1:1 --listen-plain 127.0.0.1:2"), "parse");
	T_ASSERT(run.nlisteners == 2 && !run.listeners[0].plain && run.listeners[1].plain &&
		 !strcmp(run.listeners[1].name, "127.0.0.1:2"), "--listen-plain not taken");
	T_ASSERT(!parse(&next, "--listen 127.0.0.1:1 --listen-plain 127.0.0.1:2 --hsts 5"),
		 "parse");
	reload_adopt(&run, &next, &applied, &restart);
	T_ASSERT(applied == 1 && restart == 0, "same listeners: applied %u, restart %u", applied,
		 restart);
	config_free(&next);
	T_ASSERT(!parse(&next, "--listen 127.0.0.1:1 --listen 127.0.0.1:2"), "parse");
	reload_adopt(&run, &next, &applied, &restart);
	T_ASSERT(restart == 1 && run.listeners[1].plain,
		 "plain -> TLS on one address: restart %u, still plain %d", restart,
		 run.listeners[1].plain);
	config_free(&run);
	config_free(&next);
	return T_PASS;
}

/* A connection's snapshot stays whole after a reload publishes the next one. */
static int test_snapshot(const void *arg)
{
	struct config cfg;
	struct live *first, *held, *second;
	unsigned gen;

	(void)arg;
	T_ASSERT(!parse(&cfg, "--hsts 5 --listen 1 --listen 2 --offload rx"), "parse");
	cfg.listeners[1].offload = KTLSO_MODE_OFF;
	first = live_new(&cfg);
	T_ASSERT(first, "live_new");
	T_ASSERT(!strcmp(first->hsts, "Strict-Transport-Security: max-age=5\r\n") &&
		 first->offload[0] == KTLSO_MODE_RX && first->offload[1] == KTLSO_MODE_OFF,
		 "snapshot: '%s', offload %d %d", first->hsts, first->offload[0], first->offload[1]);
	live_publish(first);
	gen = live_gen();
	held = live_get();			/* a worker's, then a connection's */
	T_ASSERT(held == first && held->gen == gen, "live_get");
	cfg.hsts_max_age = 0;
	second = live_new(&cfg);
	T_ASSERT(second, "live_new");
	live_publish(second);
	T_ASSERT(live_gen() != gen, "the generation did not change");
	T_ASSERT(!strcmp(held->hsts, "Strict-Transport-Security: max-age=5\r\n"),
		 "the held snapshot changed");
	live_put(held);				/* the last reference: freed (ASan checks) */
	held = live_get();
	T_ASSERT(held == second && !held->hsts[0], "the new snapshot is not current");
	live_put(held);
	live_end();
	config_free(&cfg);
	return T_PASS;
}

int main(int argc, char **argv)
{
	t_init("unit/reload", argc, argv);
	log_open("/dev/null", NULL);	/* reload_adopt's lines */
	t_run("live_and_restart", test_live_and_restart, NULL);
	t_run("unchanged", test_unchanged, NULL);
	t_run("sections", test_sections, NULL);
	t_run("plain", test_plain, NULL);
	t_run("snapshot", test_snapshot, NULL);
	return t_done();
}
