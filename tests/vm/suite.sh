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

# make bench's native mode, smoke-sized (tests/vm/run puts bench/ and bash in the VM);
# the results go to /tmp, not bench/results, on a real host too
bench_smoke() {
	o=/tmp/ktlso-bench-smoke
	rm -rf "$o"
	{ KTLSO_VM=native BENCH_OUT=$o BENCH_SERVERS="ktlsod-ktls ktlsod-user" BENCH_POINTS=16K:4 \
		BENCH_MIB=2 BENCH_HANDSHAKES=16 BENCH_IDLE=0 BENCH_LABEL=smoke \
		bash bench/bench --quick 2>&1; echo "# bench/bench: exit $?"; } | tee /tmp/.bench-out
	log=build/bench/native.log md=$(ls "$o"/*-native-smoke.md 2>/dev/null)
	grep '^FAIL ' "$log" 2>/dev/null | sed 's/^FAIL /FAIL bench\/smoke: /'
	failures=$((failures + $(cat "$log" 2>/dev/null | grep -c '^FAIL ')))
	grep -q '^PASS bench/run' "$log" 2>/dev/null || fail bench/smoke "bench/run did not pass (build/bench/native.log)"
	grep -q '^# bench/bench: exit 0$' /tmp/.bench-out || fail bench/smoke "bench/bench failed"
	[ -n "$md" ] || { fail bench/smoke "no report in $o"; return; }
	for t in '^### Boot `native`' '^Server cost per GiB served, s CPU' '^Requests/s, wall clock' \
	    '^| 16K | 4 | keep-alive | [0-9]' '^| 64 | 16 | new-conn | [0-9]' 'ktlsod-ktls [1-9][0-9]* / ' \
	    'ktlsod-user 0 / 0;'; do
		grep -q "$t" "$md" || { fail bench/smoke "the report has no line matching '$t'"; return; }
	done
	grep -q 'instructions\|guest' "$md" && { fail bench/smoke "the native report speaks of instructions or a guest"; return; }
	pass "bench/smoke: bench/bench in native mode wrote $md with its tables"
}

prog vm/ktls ktls_test
# The fuzzer before ktlso_nl_test, whose last case reloads the module: what ktlsoctl.sh
# then reads from the counters is its own doing only.
prog vm/ktlso_nl_fuzz ktlso_nl_fuzz
prog vm/ktlso_nl ktlso_nl_test

# ktlsoctl: every subcommand against the module (tests/vm/ktlsoctl.sh).
{ sh tests/vm/ktlsoctl.sh 2>&1; } | tee /tmp/.ctl-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.ctl-out)))
grep -q '^PASS ' /tmp/.ctl-out || fail vm/ktlsoctl "no result"

# A socket whose lock a process keeps: no hung scan, stats, rmmod, netns creation.
{ sh tests/vm/sock_lock.sh 2>&1; } | tee /tmp/.lock-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.lock-out)))
grep -q '^PASS \|^SKIP ' /tmp/.lock-out || fail vm/sock_lock "no result"

# The daemon with real clients, through kTLS.
if [ "${KTLSO_EXPECT_KTLS:-0}" = 1 ] || [ "${KTLSO_VM:-}" = native ]; then
	{ sh tests/e2e/ktlsod.sh ktls-txrx 2>&1; } | tee /tmp/.e2e-out
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.e2e-out)))
	grep -q '^PASS ' /tmp/.e2e-out || fail e2e/ktlsod "no result"
	# certificates: checks, SNI, ECDSA/RSA, ALPN, resumption into kTLS, reload
	{ sh tests/e2e/certs.sh ktls-txrx 2>&1; } | tee /tmp/.certs-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.certs-out))); grep -q '^PASS ' /tmp/.certs-out || fail e2e/certs "no result"
	# a plain-HTTP listener beside kTLS: HTTP, no HSTS, not registered with ktlso.ko (tests/e2e/plain.sh)
	{ sh tests/e2e/plain.sh ktls-txrx 2>&1; } | tee /tmp/.plain-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.plain-out))); grep -q '^PASS ' /tmp/.plain-out || fail e2e/plain "no result"
	# ktlsod with ktlso.ko: registry, policy, guard, live offload, unload/restart
	{ sh tests/e2e/ctl.sh 2>&1; } | tee /tmp/.e2e-ctl-out
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.e2e-ctl-out)))
	grep -q '^PASS \|^SKIP ' /tmp/.e2e-ctl-out || fail e2e/ktlsod-ctl "no result"
	# crash and restart: SIGKILL under 200 offloaded connections, rmmod/insmod under 100 (tests/e2e/restart.sh)
	{ sh tests/e2e/restart.sh 2>&1; } | tee /tmp/.restart-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.restart-out))); grep -q '^PASS \|^SKIP ' /tmp/.restart-out || fail e2e/restart "no result"
	# sequence numbers and nonces across the handoff and the live move, both ways (tests/e2e/nonces.sh)
	{ sh tests/e2e/nonces.sh 2>&1; } | tee /tmp/.nonces-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.nonces-out))); grep -q '^PASS ' /tmp/.nonces-out || fail e2e/nonces "no result"
	# TLS 1.3 KeyUpdate carried by kTLS (6.14+), or the clean close before (tests/e2e/keyupdate.sh)
	{ sh tests/e2e/keyupdate.sh 2>&1; } | tee /tmp/.ku-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.ku-out))); grep -q '^PASS ' /tmp/.ku-out || fail e2e/keyupdate "no result"
	# no key of an offloaded connection in ktlsod's memory or log (tests/e2e/keys.sh)
	{ sh tests/e2e/keys.sh 2>&1; } | tee /tmp/.keys-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.keys-out))); grep -q '^PASS ' /tmp/.keys-out || fail e2e/keys "no result"
	# a real network: loss, reordering, duplication, delay, 1500/1280 MTU, small MSS (tests/e2e/netem.sh)
	{ sh tests/e2e/netem.sh 2>&1; } | tee /tmp/.netem-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.netem-out))); grep -q '^PASS ' /tmp/.netem-out || fail e2e/netem "no result"
	# least privilege: nobody, CAP_NET_ADMIN only, KeyUpdate wipe, ticket rotation (tests/e2e/privs.sh)
	{ sh tests/e2e/privs.sh 2>&1; } | tee /tmp/.privs-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.privs-out))); grep -q '^PASS ' /tmp/.privs-out || fail e2e/privs "no result"
	# faults: 1000 slowloris clients, a file truncated mid-transfer, an unwritable log (tests/e2e/faults.sh)
	{ sh tests/e2e/faults.sh 2>&1; } | tee /tmp/.faults-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.faults-out))); grep -q '^PASS ' /tmp/.faults-out || fail e2e/faults "no result"
	# load, smoke-sized: 100 clients for 15 s, no 8 MiB file (make load: 500 for 5 minutes)
	{ sh tests/load/run --conns 100 --seconds 15 --mix "64 16K 64 256K 16K 64 1M" 2>&1; } | grep -v '^# \(ka[0-9]*\|nc\) (' | tee /tmp/.load-out; failures=$((failures + $(grep -c '^FAIL ' /tmp/.load-out))); grep -q '^PASS ' /tmp/.load-out || fail load/smoke "no result"
	# make bench as on a host with kTLS (KTLSO_VM=native bench/bench), smoke-sized: every
	# request answered, every byte checked, a report with its tables (no speed asserted)
	bench_smoke
fi

# Userspace memory of an idle offloaded connection (goal: at most 2 KiB).
if [ -n "${KTLSO_MEMORY_CHECK:-}" ]; then
	{ sh tests/e2e/memory.sh "$KTLSO_MEMORY_CHECK" --offloaded-only 2>&1; } | tee /tmp/.mem-out
	failures=$((failures + $(grep -c '^FAIL ' /tmp/.mem-out)))
	grep -q '^PASS ' /tmp/.mem-out || fail e2e/memory "no result"
fi

echo "# suite: $failures failed"
[ "$failures" = 0 ]
