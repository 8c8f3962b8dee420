#!/bin/sh
# tests/e2e/memory.sh [N]: ktlsod's userspace memory per established connection, offloaded
# and in userspace TLS. Keep-alive connections, each served one request and then idle, are
# held open by kclient; the daemon's VmRSS is read with N and with 2N of them open (the
# difference over N is what one more connection costs), once on a listener with offload
# txrx and once on one with offload off. Prints a PASS line when an
# offloaded connection costs at most 2 KiB (the project's goal), FAIL otherwise.
# --offloaded-only skips the userspace-TLS baseline (the suite's quicker check).
set -u
n=${1:-1000}
only=${2:-}
T=e2e/memory
[ -n "${KTLSO_VM:-}" ] && T=e2e/memory-vm
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod kclient openssl
ulimit -n $((n * 6 + 256)) 2>/dev/null || ulimit -n 4096
e2e_init ktlso-mem
port=$((30000 + $$ % 10000)) port2=$((30001 + $$ % 10000))
echo hello >"$www/f"
make_cert || exit 0
{
	conf_global "tls-min=" "workers=1" "max-conns=$((n * 4))" "idle-timeout=600"
	conf_listeners "$port" "$port2"
} >"$work/conf"
start_ktlsod --config "$work/conf"
wait_line "$work/log" "listening on" || { fail start "ktlsod did not start: $(tail -n 3 "$work/log")"; exit 0; }
rss() { awk '/^VmRSS:/ { print $2 }' /proc/$pid/status; }	# KiB

hold() {	# hold PORT NAME: N connections held open by a kclient fed from fifo NAME
	mkfifo "$work/$2"
	kclient hold "$1" /f "$n" <"$work/$2" >"$work/$2.out" 2>&1 &
	eval "cpid_$2=$!"
	eval "exec ${3}>\"$work/$2\""
	i=0
	until grep -q holding "$work/$2.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 "$(eval echo \$cpid_$2)" 2>/dev/null; then
			fail "$2" "kclient did not establish $n connections: $(cat "$work/$2.out")"
			tail -n 3 "$work/log"
			return 1
		fi
		sleep 0.25
	done
	sleep 1.5	# past the daemon's once-a-second housekeeping
}

# The marginal cost of one more established connection: a first batch of N warms what is
# allocated once (the read-buffer ring, slabs, pipes), a second batch of N is measured.
measure() {	# measure PORT LABEL
	hold "$1" warm 8 || return 1
	before=$(rss)
	hold "$1" held 7 || return 1
	after=$(rss)
	if [ -n "${KTLSO_MEM_DEBUG:-}" ]; then
		awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $0 } /^Rss:/ && $2 > 200 { print "#   " $2 " KiB " m }' /proc/$pid/smaps
	fi
	exec 7>&- 8>&-	# the clients exit, their connections close
	wait "$cpid_warm" "$cpid_held"
	rm -f "$work"/warm* "$work"/held*
	per=$(( (after - before) * 1024 / n ))
	echo "# $2: VmRSS $before KiB -> $after KiB for $n more idle connections: $per bytes each"
	eval "per_$2=$per"
	sleep 1
}

measure $port offloaded && [ "$only" != --offloaded-only ] && measure $port2 userspace
kill $pid
wait $pid 2>/dev/null
if [ -n "${per_offloaded:-}" ]; then
	if [ "$per_offloaded" -le 2048 ]; then
		pass offloaded_conn_le_2KiB
	else
		fail offloaded_conn_le_2KiB "$per_offloaded bytes per connection"
	fi
fi
[ -n "${per_userspace:-}" ] && echo "# userspace TLS / offloaded: $per_userspace / ${per_offloaded:-?} bytes"
exit 0
