#!/bin/sh
# tests/e2e/benchcold.sh: ktlsobench's cold-file mode (--cold-every, --cold-conns), which
# bench/run's cold-file points rest on, against ktlsod: 1 request in N goes to a file of
# its own (PREFIX<k>/NAME, each once), every byte checked, hot and cold latency apart; a
# cold file missing is an error. Host, no kTLS needed. Prints PASS/FAIL/SKIP lines.
set -u
T=e2e/benchcold
. "$(dirname "$0")/../lib/e2e.sh"
need ktlsod ktlsobench curl openssl
e2e_init ktlsod-benchcold
make_cert || exit 0
ktlsobench gen "$www" 16K >/dev/null || { fail setup "ktlsobench gen"; exit 1; }
i=0
while [ $i -lt 12 ]; do
	mkdir -p "$www/cold/$i" && cp "$www/16K" "$www/cold/$i/16K"
	i=$((i + 1))
done
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --tls-min 1.3 \
	--listen "127.0.0.1:$port" --workers 1 --log "$work/log" --state-dir "$work/state"
e2e_on_exit='kill $pid 2>/dev/null'
wait_https "https://127.0.0.1:$port/16K" || { fail start "ktlsod did not answer"; exit 1; }

num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"; }
bench() {	# bench OUT ARGS...: ktlsobench --json; its exit status in $st
	_o=$1
	shift
	ktlsobench --port "$port" --path /16K --json "$@" >"$work/$_o" 2>"$work/$_o.err"
	st=$?
}

# 2 connections x 20 requests, 1 in 4 cold: requests 4, 8 ... 40 issued
bench inline --conns 2 --requests 20 --cold-every 4
check inline_status "$st" 0
check inline_hot "$(num hot_requests "$work/inline")" 30
check inline_cold "$(num cold_requests "$work/inline")" 10
check inline_errors "$(num errors "$work/inline")" 0
check inline_verified "$(num bytes_verified "$work/inline")" $((40 * 16384))
[ -n "$(num cold_p99_us "$work/inline")" ] && [ -n "$(num hot_p99_us "$work/inline")" ] &&
	pass inline_latency || fail inline_latency "no hot/cold p99: $(cat "$work/inline")"

# --cold-conns: 2 hot connections x 15 = 30 hot requests, the cold ones apart, one after
# each 3 hot ones issued, while hot ones are still to be issued: after 3, 6 ... 27 - or
# fewer, a turn that comes while both cold connections are busy being taken later, and
# lost if the hot ones have all been issued by then
# (--cpu-of: every connection up before the requests start, as bench/run has it)
bench apart --conns 2 --requests 15 --cold-every 4 --cold-conns 2 --cpu-of "$pid"
check apart_status "$st" 0
check apart_hot "$(num hot_requests "$work/apart")" 30
n=$(num cold_requests "$work/apart")
[ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" -le 9 ] && pass apart_cold ||
	fail apart_cold "got '$n' cold requests, expected 1 to 9: $(cat "$work/apart" "$work/apart.err")"
check apart_errors "$(num errors "$work/apart")" 0
check apart_conns "$(num cold_conns "$work/apart")" 2

# a cold file that is not there: an error, not a pass
rm "$www/cold/3/16K"
bench missing --conns 1 --requests 20 --cold-every 4
check missing_status "$st" 1
check missing_errors "$(num status "$work/missing")" 1

# without --cold-every: as before, no cold fields
bench plain --conns 1 --requests 4
check plain_status "$st" 0
grep -q cold_requests "$work/plain" && fail plain_fields "cold fields without --cold-every" ||
	pass plain_fields
ktlsobench --path /16K --cold-conns 2 >/dev/null 2>&1
check cold_conns_alone "$?" 2
stop_ktlsod
[ "${nfail:-0}" = 0 ]
