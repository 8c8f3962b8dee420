#!/bin/sh
# tests/vm/sock_lock.sh: a registered socket whose lock a process keeps held must not
# hang ktlso.ko. tests/tools/lockhold holds the lock (a recv() waiting in a userfaultfd
# fault) for 25 s while the scan runs every 10 ms. Within that time: the kernel reports
# no hung task (hung_task_timeout_secs set to 2), `ktlsoctl stats` answers and counts the
# skipped reads, `rmmod ktlso` completes and `unshare -n true` (which waits for net_rwsem,
# held by a module unload that stops the scans) works. The module is loaded again at the
# end. Needs the VM (tests/vm/run) or a kTLS host, as root. POSIX sh (busybox).
# Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
#
# Before the fix the scan slept in lock_sock() holding the namespace's mutex: the
# commands below wait until lockhold lets go (FAILs), and the kernel logs
# "blocked for more than 2 seconds", which tests/vm/run turns into exit 126.
set -u
cd "$(dirname "$0")/../.." 2>/dev/null || true

T=vm/sock_lock
failures=0
pass() { echo "PASS $T/$1"; }
fail() { echo "FAIL $T/$1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $T/$1: $2"; }

ko=/ktlso/ktlso.ko
scan=/sys/module/ktlso/parameters/scan_ms
hung=/proc/sys/kernel/hung_task_timeout_secs
if [ ! -w "$scan" ] || [ ! -f "$ko" ]; then
	skip all "needs root, ktlso.ko loaded and $ko to reload (the VM)"
	exit 0
fi
work=$(mktemp -d /tmp/sock_lock.XXXXXX)
old_scan=$(cat "$scan")
old_hung=$(cat "$hung" 2>/dev/null)
hpid=
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	[ -n "$old_hung" ] && echo "$old_hung" >"$hung"
	[ -w "$scan" ] && echo "$old_scan" >"$scan"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# within NAME SECONDS CMD...: CMD finishes within SECONDS; its output in $out, status $st.
# A command stuck in the kernel cannot be killed: it is left to finish on its own.
within() {
	name=$1 secs=$2
	shift 2
	"$@" >"$work/$name.out" 2>&1 &
	p=$!
	n=$((secs * 10))
	while [ "$n" -gt 0 ] && kill -0 "$p" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$p" 2>/dev/null; then
		fail "$name" "'$*' did not finish within $secs s"
		wait "$p"
		st=$?
		return 1
	fi
	wait "$p"
	st=$?
	out=$(cat "$work/$name.out")
	return 0
}

[ -n "$old_hung" ] && echo 2 >"$hung"
echo 10 >"$scan"
lockhold -t 25 >"$work/hold" 2>&1 &
hpid=$!
n=100
while [ "$n" -gt 0 ] && ! grep -q '^holding ' "$work/hold"; do
	kill -0 "$hpid" 2>/dev/null || break
	sleep 0.1
	n=$((n - 1))
done
if ! grep -q '^holding ' "$work/hold"; then
	fail hold "lockhold did not get to hold the lock: $(cat "$work/hold")"
	exit 1
fi
pass hold

# Several hung-task periods with the scan running every 10 ms.
sleep 6
if within stats 5 ktlsoctl stats -j; then
	busy=$(printf '%s\n' "$out" | sed -n 's/.*"busy_reads":\([0-9]*\).*/\1/p')
	if [ "$st" != 0 ]; then
		fail stats "status $st: $out"
	elif [ -z "$busy" ] || [ "$busy" -lt 10 ]; then
		fail stats_busy "the scan should have skipped the held socket many times: $out"
	else
		pass stats
		pass stats_busy
	fi
fi
id=$(sed -n 's/^holding //p' "$work/hold")
if within sock_show 5 ktlsoctl sock show "$id"; then
	[ "$st" = 0 ] && pass sock_show || fail sock_show "status $st: $out"
fi
if within rmmod 10 rmmod ktlso; then
	[ "$st" = 0 ] && pass rmmod || fail rmmod "status $st: $out"
fi
if within unshare 5 unshare -n true; then
	[ "$st" = 0 ] && pass unshare || fail unshare "status $st: $out"
fi
grep -q '^ktlso ' /proc/modules || insmod "$ko" || fail insmod "could not load $ko again"
# still held: the helper had no part in any of this
if grep -q '^released' "$work/hold"; then
	fail held_throughout "lockhold let go before the checks were done"
else
	pass held_throughout
fi
kill "$hpid" 2>/dev/null
wait "$hpid"
hst=$?
hpid=
grep -q '^released' "$work/hold" && [ "$hst" = 0 ] && pass release ||
	fail release "lockhold: status $hst: $(cat "$work/hold")"
if dmesg | grep -q 'blocked for more than'; then
	fail hung_task "$(dmesg | grep 'blocked for more than' | head -n 3)"
else
	pass no_hung_task
fi
[ "$failures" = 0 ]
