// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Least privilege: what ktlsod gives up once it is set up.
 *
 * Root is needed only to start: to bind ports below 1024, to read the private keys, to
 * open the log. Once those are done (and before any worker thread starts, since
 * capabilities are per thread), the daemon becomes an unprivileged user, so that the files
 * under the served root are opened with that user's rights and a compromise of the
 * daemon is a compromise of that user only. The choice of user follows nginx and the
 * other daemons operators know:
 *
 *   started as root, no --user      nobody (nginx's default for its workers);
 *   started as root, --user NAME    NAME, with its groups (initgroups: a group such as
 *                                   ssl-cert lets it read renewed keys at SIGHUP);
 *   --user root                     stays root, with a warning in the log (debugging);
 *   started as another user         stays that user (--user naming another one is an
 *                                   error: only root can switch).
 *
 * What is kept: CAP_NET_ADMIN, and only when the process had it, because ktlso.ko takes
 * registrations (one per connection, and again after the module is reloaded) only from a
 * process with CAP_NET_ADMIN in the initial user namespace. Nothing else: no
 * CAP_DAC_OVERRIDE (so file permissions under the root hold), no CAP_NET_BIND_SERVICE
 * (the sockets are bound), nothing inheritable or ambient, and no_new_privs. ktlsod never
 * executes a program, so the bounding set is left as it is.
 *
 * Not dumpable: no core file (with fs.suid_dumpable = 2 a root-only one, where the
 * MADV_DONTDUMP regions, the ticket keys and the captured secrets, are left out), no
 * ptrace or /proc/PID/mem by the same user. Changing uids resets it, so it is set again
 * after the switch.
 *
 * After the switch the daemon still writes its log (the file stays open) and the state
 * directory (made here if missing, and then given to the user); a SIGHUP reload reads the
 * certificate files as the user, and a file it cannot read keeps the old certificates
 * serving, with the reason in the log.
 */
#include "ktlsod.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define PRIV_DEFAULT_USER "nobody"
#define PRIV_KEEP_CAP	CAP_NET_ADMIN

static char user_name[64];

const char *priv_user(void)
{
	return user_name;
}

void priv_nodump(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The permitted set as a 64-bit mask (raw capget: libcap is not a dependency). */
static int caps_permitted(uint64_t *perm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	return 0;
}

/* Permitted and effective become keep, inheritable nothing. */
static int caps_limit(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)keep, .permitted = (uint32_t)keep },
		{ .effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32) },
	};

	if (syscall(SYS_capset, &h, d))
		return -errno;
	/* ambient capabilities would survive nothing here (no exec), but say none anyway */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	return 0;
}

/* The state directory, made now if missing, belongs to the user who will write it. */
static int state_dir_prepare(const struct config *cfg, uid_t uid, gid_t gid)
{
	if (mkdir(cfg->state_dir, 0755)) {
		if (errno == EEXIST)
			return 0;	/* the operator's: left as it is */
		return -errno;
	}
	return chown(cfg->state_dir, uid, gid) ? -errno : 0;
}

/*
 * setgroups before setresgid before setresuid: each needs the privilege the next one
 * gives up. glibc applies the set*id calls to every thread; only this one runs yet.
 */
static int switch_user(const struct passwd *pw)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (initgroups(pw->pw_name, pw->pw_gid) || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid))
		return -errno;
	/* keep the permitted capabilities across the uid change, for CAP_NET_ADMIN */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid))
		return -errno;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* it stuck: every id is the user's, and there is no way back to root */
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) || r != pw->pw_uid ||
	    e != pw->pw_uid || s != pw->pw_uid || rg != pw->pw_gid || eg != pw->pw_gid ||
	    sg != pw->pw_gid || setuid(0) == 0)
		return -EPERM;
	return 0;
}

static int priv_fail(const char *what, const char *why)
{
	log_at(LOG_ERR, "not starting: %s: %s", what, why);
	if (ktlsod.cfg.log_path && strcmp(ktlsod.cfg.log_path, "-"))
		fprintf(stderr, "ktlsod: not starting: %s: %s\n", what, why);
	return -1;
}

int priv_drop(const struct config *cfg)
{
	const char *name = cfg->user ? cfg->user : PRIV_DEFAULT_USER;
	uint64_t perm = 0, keep;
	struct passwd *pw = NULL;
	char what[128];
	int err;

	if (geteuid() == 0 && strcmp(name, "root")) {
		errno = 0;
		pw = getpwnam(name);
		snprintf(what, sizeof(what), "user %s", name);
		if (!pw)
			return priv_fail(what, errno ? strerror(errno) :
				"no such user: create it (adduser --system), or name another "
				"with --user");
		if (!pw->pw_uid)
			return priv_fail(what, "has uid 0: give an unprivileged user, or "
				"--user root to stay root");
		err = state_dir_prepare(cfg, pw->pw_uid, pw->pw_gid);
		if (err)
			log_msg("cannot make %s for user %s: %s (ktlsoctl show and stats will not "
				"list the certificates)", cfg->state_dir, name, strerror(-err));
		err = switch_user(pw);
		if (err)
			return priv_fail(what, err == -EPERM ? "the switch did not stick (a "
				"set*id call was refused or root can still be regained)" :
				strerror(-err));
	} else if (geteuid() != 0 && cfg->user) {
		pw = getpwnam(cfg->user);
		if (!pw || pw->pw_uid != geteuid()) {
			snprintf(what, sizeof(what), "--user %s", cfg->user);
			return priv_fail(what, "only a daemon started as root can switch users; "
				"start it as that user, or as root");
		}
	}
	if (!pw)
		pw = getpwuid(geteuid());	/* started as another user: that one's name */
	snprintf(user_name, sizeof(user_name), "%s", pw ? pw->pw_name :
		 geteuid() ? "(this user)" : "root");
	if (geteuid() == 0) {
		log_msg("running as root (--user root): every file the served root holds can be "
			"served, and a compromise of the daemon is one of the system; prefer "
			"an unprivileged --user");
		priv_nodump();
		return 0;
	}

	if (caps_permitted(&perm))
		perm = 0;
	keep = perm & (1ULL << PRIV_KEEP_CAP);
	err = caps_limit(keep);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (err)
		return priv_fail("dropping capabilities", strerror(-err));
	priv_nodump();	/* the uid change made the process dumpable again */
	log_msg("running as user %s (uid %u, gid %u), capabilities: %s", user_name,
		(unsigned)getuid(), (unsigned)getgid(),
		keep ? "cap_net_admin (ktlso.ko registrations)" : "none");
	return 0;
}
