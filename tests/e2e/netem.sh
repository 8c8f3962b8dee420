#!/bin/sh
# tests/e2e/netem.sh: ktlsod over a real network's faults (issue 17, item 5). Two network
# namespaces joined by a veth pair, tc netem on both ends (each direction): 50 ms delay,
# 2 % loss, 1 % duplication, 25 % of the packets reordered; segments one MTU long (no
# GSO across the pair). Two rounds, 1500 MTU, then 1280 MTU with a 536-byte advertised
# MSS both ways. Each round, 100 connections at once (kfetch, one process each, both
# directions in kTLS on the client too; every 4th TLS 1.2; the three AEADs in turn):
#   80 fetch every file on one keep-alive connection, each request in three kTLS
#      records (5 bytes, the middle with a 3000-byte header, the header's last 3 bytes),
#      the first request right behind the client's Finished;
#   20 with TCP_MAXSEG 88 (segments of at most 76 bytes of data, both ways: the
#      ClientHello, the server's flight, the Finished and each record span segments)
#      fetch the three smaller files.
# Checks, per round: every connection fetched every file and then saw the server's close
# (kfetch fails one that waits 30 s for any read or write: a stall), every body's SHA-256
# is the file's, every connection in the daemon's log was served in ktls-txrx and ended by
# the last request's "Connection: close" (no timeout, no error), kTLS carried both
# directions on both sides (tls_stat's TlsTxSw and TlsRxSw grew by the connections),
# TlsDecryptError and TlsRxNoPadViolation did not grow on either side, and the faults were
# real: netem dropped packets both ways, TCP retransmitted, segments arrived out of order,
# and the average frame on the pair was at most one MTU. Prints PASS/FAIL/SKIP lines and
# "# round" figures (time, bytes, the slowest connection, netem's counters).
#
#   tests/vm/run --kernel 6.1 -- sh tests/e2e/netem.sh
#
# ktlsod runs with its default timeouts, but 30 s for the handshake (see below).
# Needs root, kTLS, veth and sch_netem (tests/vm/run loads them), and iproute2's ip and tc
# (busybox's have neither netns nor netem). POSIX sh: runs under busybox in the VM.
# KTLSO_NETEM_ROUNDS="1500 1280" picks the rounds; KTLSO_E2E_KEEP=1 keeps the logs.
set -u
T=e2e/netem
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod kfetch openssl sha256sum
in_vm=0
[ "${KTLSO_VM:-}" = 1 ] && in_vm=1
if [ "${KTLSO_EXPECT_KTLS:-0}" != 1 ] && [ "${KTLSO_VM:-}" != native ]; then
	skip all "no kTLS here (runs in the VM, tests/vm/run, or natively on a kTLS host)"
	exit 0
fi
[ "$(id -u)" = 0 ] || { skip all "needs root (network namespaces)"; exit 0; }
# iproute2's, not busybox's: tests/vm/run puts them in /usr/sbin
iproute() {
	for _d in /usr/sbin /sbin /usr/bin /bin; do
		"$_d/$1" -V 2>&1 | grep -q iproute2 && { echo "$_d/$1"; return 0; }
	done
	return 1
}
IP=$(iproute ip) || { skip all "iproute2's ip is not installed (scripts/deps installs it)"; exit 0; }
TC=$(iproute tc) || { skip all "iproute2's tc is not installed (scripts/deps installs it)"; exit 0; }
# In the VM the harness loaded veth and sch_netem: not finding them is a failure there.
setup_failed() {
	if [ $in_vm = 1 ]; then fail setup "$1"; else skip all "$1"; fi
	exit 0
}

rounds=${KTLSO_NETEM_ROUNDS:-1500 1280}
t_start=$(cut -d' ' -f1 /proc/uptime)
conns=80 small_conns=20		# each round: 100 connections at once
netem="delay 50ms reorder 25% 50% loss 2% duplicate 1%"
e2e_init ktlsod-netem
make_cert || exit 0
ns_s=ktlso-srv-$$ ns_c=ktlso-cli-$$
sip=10.77.0.1 cip=10.77.0.2
nss() { "$IP" netns exec "$ns_s" "$@"; }
nsc() { "$IP" netns exec "$ns_c" "$@"; }
pid=
e2e_on_exit='[ -n "$pid" ] && kill "$pid" 2>/dev/null; "$IP" netns del "$ns_s" 2>/dev/null; "$IP" netns del "$ns_c" 2>/dev/null'

"$IP" netns add "$ns_s" && "$IP" netns add "$ns_c" || setup_failed "ip netns add failed"
# gso_max_segs 1: TCP hands the pair one segment per packet, as a real link carries them
# (a 64 KiB GSO packet would cross netem, and be lost or reordered, as one)
"$IP" link add v-srv netns "$ns_s" gso_max_segs 1 type veth \
	peer name v-cli netns "$ns_c" gso_max_segs 1 ||
	setup_failed "no veth pair: is veth.ko loaded?"
nss "$IP" addr add "$sip/24" dev v-srv && nsc "$IP" addr add "$cip/24" dev v-cli &&
	nss "$IP" link set v-srv up && nsc "$IP" link set v-cli up &&
	nss "$IP" link set lo up && nsc "$IP" link set lo up || setup_failed "addresses"
# shellcheck disable=SC2086
nss "$TC" qdisc add dev v-srv root netem $netem && nsc "$TC" qdisc add dev v-cli root netem $netem ||
	setup_failed "tc qdisc add netem failed: is sch_netem.ko loaded?"

# The files: one byte; more than a segment and less than a record; one whole record; a
# record and a byte (a second record); many records.
files="f1 f4000 f16384 f16385 f100000"
small="f1 f4000 f16385"
for f in $files; do head -c "${f#f}" /dev/urandom >"$www/$f"; done
for f in $files; do echo "$f $(sum "$www/$f")"; done >"$work/sums"

# The daemon's timeouts are its defaults but the handshake's: under TCG, on two cores
# shared with other VMs, 100 handshakes at once kept the last waiting for the server's CPU
# for up to 10.4 s (kfetch's hs_ms), over the 10 s default; tests/load/run does the same.
{ conf_global handshake-timeout=30; printf '\n[listen %s:%s]\noffload = txrx\n' "$sip" "$port"; } \
	>"$work/ktlsod.conf"
# not through nss: $! must be the daemon (ip netns exec execs it), not a subshell
"$IP" netns exec "$ns_s" ktlsod --config "$work/ktlsod.conf" 2>"$work/stderr" &
pid=$!
wait_line "$work/log" "listening on" 10 || { fail start "ktlsod did not start: $(cat "$work/stderr")"; exit 0; }
pass start

# counters SIDE DEV: SIDE's (nss, nsc) counters as "SIDE.NAME VALUE" lines, read by one
# process in its namespace: every tls_stat counter, TCP's RetransSegs and TCPOFOQueue,
# netem's sent and dropped packets, DEV's tx_bytes and tx_packets
counters() {
	# shellcheck disable=SC2016
	$1 sh -c 'cat /proc/net/tls_stat; echo @snmp; cat /proc/net/snmp /proc/net/netstat
		echo @tc; "$0" -s qdisc show dev "$1"
		cd "/sys/class/net/$1/statistics" && echo "@link $(cat tx_bytes) $(cat tx_packets)"' \
		"$TC" "$2" | awk -v s="$1" '
		/^@snmp/ { m = "snmp"; next }
		/^@tc/ { m = "tc"; next }
		/^@link/ { print s ".tx_bytes " $2; print s ".tx_packets " $3; next }
		m == "" && NF == 2 { print s "." $1 " " $2; next }
		m == "snmp" && ($1 in hdr) {
			n = split(hdr[$1], h, " ")
			for (i = 2; i <= n; i++) if (h[i] == "RetransSegs" || h[i] == "TCPOFOQueue") print s "." h[i] " " $i
			delete hdr[$1]
			next
		}
		m == "snmp" { hdr[$1] = $0; next }
		m == "tc" && /Sent/ && !t { gsub(/[(),]/, " "); print s ".netem_sent " $4; print s ".netem_dropped " $7; t = 1 }'
}
snapshot() { { counters nss v-srv; counters nsc v-cli; } >"$1"; }	# snapshot FILE
delta() { awk -v k="$1" '$1 == k { v[FILENAME] = $2 } END { print v[ARGV[2]] - v[ARGV[1]] }' \
	"$work/before" "$work/after"; }

# check_fetches OUT N PATHS: N connections' lines in OUT, one per path each, every one
# 200 with the file's SHA-256
check_fetches() {
	awk -v n="$2" -v paths="$3" '
		FILENAME == ARGV[1] { sum["/" $1] = $2; next }
		/^fetch / {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			lines++
			if (f["status"] != 200 || f["sha256"] != sum[f["path"]]) {
				bad++
				if (bad <= 3) print "conn " f["conn"] " " f["path"] ": status " f["status"] ", sha256 " f["sha256"] " (expected " sum[f["path"]] ")"
			}
			got[f["conn"] " " f["path"]]++
		}
		END {
			np = split(paths, p, " ")
			for (c = 0; c < n; c++) for (i = 1; i <= np; i++) if (got[c " /" p[i]] != 1) {
				missing++
				if (missing <= 3) print "conn " c " /" p[i] ": " (got[c " /" p[i]] + 0) " responses"
			}
			if (bad + missing == 0) print "ok " lines
		}' "$work/sums" "$1"
}

# maxfield NAME: the largest NAME=value of this round's fetch lines
maxfield() {
	awk -v k="$1=" '/^fetch /{ for (i = 2; i <= NF; i++) if (index($i, k) == 1 && substr($i, length(k) + 1) + 0 > m) m = substr($i, length(k) + 1) + 0 } END { print m + 0 }' \
		"$work/out.big" "$work/out.small"
}

round() {	# round MTU
	mtu=$1 mss_note=
	nss "$IP" link set v-srv mtu "$mtu" && nsc "$IP" link set v-cli mtu "$mtu" ||
		{ fail "$mtu/setup" "cannot set the MTU"; return; }
	nss "$IP" route del "$cip/32" 2>/dev/null; nsc "$IP" route del "$sip/32" 2>/dev/null
	if [ "$mtu" -lt 1500 ]; then
		# a small MSS advertised both ways (the classic 536) on top of the small MTU
		nss "$IP" route add "$cip/32" dev v-srv advmss 536 &&
			nsc "$IP" route add "$sip/32" dev v-cli advmss 536 ||
			{ fail "$mtu/setup" "cannot set advmss"; return; }
		mss_note=", advmss 536"
	fi
	: >"$work/log.round"
	lines0=$(wc -l <"$work/log")
	snapshot "$work/before"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086
	(nsc timeout 150 kfetch -c $small_conns -m 88 -s -p 600 -2 4 -t 30 "$sip" "$port" \
		$(echo " $small" | sed 's, , /,g') >"$work/out.small" 2>"$work/err.small";
		echo $? >"$work/st.small") &
	small_pid=$!
	# shellcheck disable=SC2086
	nsc timeout 150 kfetch -c $conns -s -p 3000 -2 4 -t 30 "$sip" "$port" \
		$(echo " $files" | sed 's, , /,g') >"$work/out.big" 2>"$work/err.big"
	st_big=$?
	wait $small_pid
	st_small=$(cat "$work/st.small")
	t1=$(cut -d' ' -f1 /proc/uptime)
	# the daemon logs a connection when it is freed: give the last ones a moment
	n=$((conns + small_conns))
	_i=0
	while [ "$(tail -n +$((lines0 + 1)) "$work/log" | grep -c '^.*conn peer=')" -lt $n ] && [ $_i -lt 20 ]; do
		sleep 0.25; _i=$((_i + 1))
	done
	tail -n +$((lines0 + 1)) "$work/log" | grep 'conn peer=' >"$work/log.round"
	snapshot "$work/after"
	r=$mtu
	echo "# round $mtu MTU$mss_note, netem $netem both ways: $n connections," \
		"$(awk '/^fetch /{ for (i = 2; i <= NF; i++) if ($i ~ /^bytes=/) b += substr($i, 7) } END { print b + 0 }' \
		"$work/out.big" "$work/out.small") bytes of bodies in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s;" \
		"slowest handshake $(maxfield hs_ms) ms, slowest connection $(maxfield ms) ms"
	echo "# round $mtu: netem dropped $(delta nss.netem_dropped)/$(delta nss.netem_sent) server->client and" \
		"$(delta nsc.netem_dropped)/$(delta nsc.netem_sent) client->server packets;" \
		"TCP retransmitted $(delta nss.RetransSegs) + $(delta nsc.RetransSegs) segments," \
		"queued $(delta nss.TCPOFOQueue) + $(delta nsc.TCPOFOQueue) out of order"

	if [ "$st_big" = 0 ] && [ "$st_small" = 0 ]; then
		pass "$r/connections"
	else
		fail "$r/connections" "kfetch exited $st_big and $st_small: $(grep -v '^kfetch: [0-9]* connections' "$work/err.big" "$work/err.small" | head -n 5 | tr '\n' ' ')"
	fi
	res=$(check_fetches "$work/out.big" $conns "$files")
	case $res in ok*) pass "$r/sha256-$conns-x-5-files" ;; *) fail "$r/sha256-$conns-x-5-files" "$res" ;; esac
	res=$(check_fetches "$work/out.small" $small_conns "$small")
	case $res in ok*) pass "$r/sha256-mss88-$small_conns-x-3-files" ;; *) fail "$r/sha256-mss88-$small_conns-x-3-files" "$res" ;; esac
	check "$r/daemon-connections" "$(wc -l <"$work/log.round" | tr -d ' ')" $n
	bad=$(grep -v 'offload=ktls-txrx requests=[35] .* close="Connection: close"$' "$work/log.round" | head -n 3)
	if [ -z "$bad" ]; then pass "$r/daemon-ktls-txrx-clean-close"; else fail "$r/daemon-ktls-txrx-clean-close" "$bad"; fi
	for side in nss nsc; do
		check "$r/$side-TlsTxSw" "$(delta $side.TlsTxSw)" $n
		check "$r/$side-TlsRxSw" "$(delta $side.TlsRxSw)" $n
		check "$r/$side-TlsDecryptError" "$(delta $side.TlsDecryptError)" 0
		check "$r/$side-TlsRxNoPadViolation" "$(delta $side.TlsRxNoPadViolation)" 0
	done
	# the faults happened, and segments were one MTU long
	for side in nss nsc; do
		d=$(delta $side.netem_dropped) re=$(delta $side.RetransSegs) ofo=$(delta $side.TCPOFOQueue)
		[ "$d" -gt 0 ] && [ "$re" -gt 0 ] && [ "$ofo" -gt 0 ] && pass "$r/$side-faults" ||
			fail "$r/$side-faults" "netem dropped $d, TCP retransmitted $re, out of order $ofo: all must be > 0"
		avg=$(( $(delta $side.tx_bytes) / ($(delta $side.tx_packets) + 1) ))
		[ "$avg" -le $((mtu + 14)) ] && pass "$r/$side-frames" ||
			fail "$r/$side-frames" "average frame $avg bytes on a $mtu MTU: GSO packets crossed the pair"
	done
}

for m in $rounds; do round "$m"; done

if stop_ktlsod && [ "$st" = 0 ]; then pass stop; else fail stop "ktlsod exited ${st:-?} on SIGTERM"; fi
pid=
echo "# netem: $(awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.0f", b - a }') s"
echo "# summary: $nfail failed"
[ $nfail = 0 ]
