#!/bin/sh
# tests/vm/suite.sh: every kernel-side test, run inside the VM (tests/vm/run) or natively
# on a kTLS host as root. Prints PASS/FAIL/SKIP lines; tests/run-all counts them.
set -u
cd "$(dirname "$0")/../.." 2>/dev/null || true

failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $1: $2"; }

# A test program: its own lines count; an exit that contradicts them is a failure too.
prog() {
	name=$1
	shift
	{ "$@" 2>&1; echo $? >/tmp/.prog-status; } | tee /tmp/.prog-out
	st=$(cat /tmp/.prog-status)
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.prog-out)))
	case $st in
	0|77) ;;
	1) grep -q '^FAIL ' /tmp/.prog-out || fail "$name" "exited 1 without reporting a failure" ;;
	*) fail "$name" "exited with status $st (crashed?)" ;;
	esac
}

prog vm/ktls ktls_test

# ktlsoctl against the module.
t=vm/ktlsoctl
if ! grep -qs '^ktlso ' /proc/modules; then
	if [ "${KTLSO_EXPECT_MODULE:-0}" = 1 ]; then
		fail "$t/version" "ktlso.ko should have been loaded"
	else
		skip "$t/version" "ktlso.ko is not loaded (tests/vm/run --no-ktlso, or a native run without it)"
	fi
else
	out=$(ktlsoctl version 2>&1)
	case $out in
	*"module: 0.1.0 (netlink protocol 1)"*) pass "$t/version" ;;
	*) fail "$t/version" "unexpected output: $out" ;;
	esac
	out=$(su -s /bin/sh nobody -c 'ktlsoctl version' 2>&1)
	case $out in
	*"netlink protocol 1"*) pass "$t/version_unprivileged" ;;
	*) fail "$t/version_unprivileged" "GET_VERSION must answer anyone: $out" ;;
	esac
	out=$(ktlsoctl 2>&1) && case $out in *"module: 0.1.0"*) true ;; *) false ;; esac &&
		pass "$t/show_default" || fail "$t/show_default" "no-argument show: $out"

	# Unload and reload with the tool in between: a clear error, then back to normal.
	if [ ! -f /ktlso/ktlso.ko ]; then
		skip "$t/module_unloaded" "no /ktlso/ktlso.ko to reload (native run)"
	elif rmmod ktlso; then
		out=$(ktlsoctl version 2>&1); st=$?
		case "$st:$out" in
		"1:"*"ktlso module is not loaded"*) pass "$t/module_unloaded" ;;
		*) fail "$t/module_unloaded" "status $st: $out" ;;
		esac
		if insmod /ktlso/ktlso.ko && ktlsoctl version >/dev/null 2>&1; then
			pass "$t/module_reload"
		else
			fail "$t/module_reload" "insmod or version after reload failed"
		fi
	else
		fail "$t/module_unloaded" "rmmod ktlso failed"
	fi
fi

out=$(ktlsoctl no-such-command 2>&1); st=$?
[ "$st" = 2 ] && case $out in *Usage*) true ;; *) false ;; esac &&
	pass "$t/usage_error" || fail "$t/usage_error" "status $st: $out"

out=$(ktlsoctl probe 2>&1); st=$?
case "$st:$out" in
"0:"*"tls ulp: available"*"TLSv1.3 CHACHA20-POLY1305  yes"*) pass "$t/probe" ;;
*) fail "$t/probe" "status $st: $out" ;;
esac
out=$(ktlsoctl probe -j 2>&1)
case $out in
"{"*'"ulp":true'*'"supported":true}'*"}") pass "$t/probe_json" ;;
*) fail "$t/probe_json" "$out" ;;
esac
# The daemon with real clients, through kTLS.
if [ "${KTLSO_EXPECT_KTLS:-0}" = 1 ] || [ "${KTLSO_VM:-}" = native ]; then
	{ sh tests/e2e/ktlsod.sh ktls-txrx 2>&1; } | tee /tmp/.e2e-out
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.e2e-out)))
	grep -q '^PASS ' /tmp/.e2e-out || fail e2e/ktlsod "no result"
fi

# Userspace memory of an idle offloaded connection (goal: at most 2 KiB).
if [ -n "${KTLSO_MEMORY_CHECK:-}" ]; then
	{ sh tests/e2e/memory.sh "$KTLSO_MEMORY_CHECK" --offloaded-only 2>&1; } | tee /tmp/.mem-out
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.mem-out)))
	grep -q '^PASS ' /tmp/.mem-out || fail e2e/memory "no result"
fi

echo "# suite: $failures failed"
[ "$failures" = 0 ]
