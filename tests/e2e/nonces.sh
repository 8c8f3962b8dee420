#!/bin/sh
# tests/e2e/nonces.sh: record numbers and nonces across the switch to kTLS, inside the VM
# (root, tls.ko, ktlso.ko). For TLS 1.3 and 1.2 x AES-128-GCM, AES-256-GCM and
# ChaCha20-Poly1305, two connections each, both ways captured by tests/tools/rectap: one
# handed to kTLS at the handshake (listener offload txrx; the server's NewSessionTicket, or
# TLS 1.2's Finished, came from OpenSSL), one moved live (listener offload off, then
# ktlsoctl sock offload while the client holds an 8 MiB response after 256 KiB of it), a
# second request after the move. rectap opens every record of both directions again with
# the record model and checks: sequence numbers contiguous from the first record under
# each key, no nonce twice under one key, TLS 1.2 AES-GCM's explicit nonces one counter
# from OpenSSL's first record to the kernel's last, the application data and the bodies
# as sent. The daemon's log must show each connection in kTLS (and the live move in the
# middle of the response). Prints PASS/FAIL/SKIP lines. POSIX sh (busybox).
set -u
T=e2e/nonces
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod ktlsoctl rectap sha256sum
if [ ! -e /proc/net/tls_stat ] || ! grep -qs '^ktlso ' /proc/modules; then
	if [ "${KTLSO_EXPECT_KTLS:-0}" = 1 ] && [ "${KTLSO_EXPECT_MODULE:-0}" = 1 ]; then
		fail all "tls.ko and ktlso.ko should have been loaded"
	else
		skip all "needs kTLS and ktlso.ko (runs in the VM: tests/vm/run)"
	fi
	exit 0
fi

e2e_init ktlsod-nonces
t0=$(date +%s)
make_cert || exit 0
head -c $((1024 * 1024)) /dev/urandom >"$www/mid"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$www/big"
head -c 1000 /dev/urandom >"$www/small"
midsum=$(sum "$www/mid") bigsum=$(sum "$www/big") smallsum=$(sum "$www/small")

{ conf_global; conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf"
if ! wait_line "$work/log" "listening on"; then
	fail start "ktlsod did not start: $(cat "$work/log")"
	kill $pid 2>/dev/null
	exit 0
fi
e2e_on_exit="kill $pid 2>/dev/null"

# The connection lines of the log (the live-move lines apart).
conns() { grep 'conn peer=' "$work/log" | grep -v 'live offload\|moved into'; }
# Until the log has more than $1 connection lines, at most 10 s.
wait_conns() {
	_i=0
	while [ "$(conns | wc -l)" -le "$1" ] && [ $_i -lt 40 ]; do sleep 0.25; _i=$((_i + 1)); done
}
# The id of the connection on port $1 whose TX is still in userspace TLS (ktlsoctl).
user_sock() { ktlsoctl sock list 2>/dev/null | awk -v p=":$1" '$2 ~ p"$" && $6 == "user" { print $1; exit }'; }
records=0
# rectap's lines as comments; their records added to $records
report() {
	sed 's/^/# /' "$1"
	n=$(sed -n 's/^rectap: .*: \([0-9]*\) records: .*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }')
	records=$((records + n))
}

for case in tls13_aes128gcm:TLS_AES_128_GCM_SHA256 tls13_aes256gcm:TLS_AES_256_GCM_SHA384 \
	tls13_chacha20:TLS_CHACHA20_POLY1305_SHA256 tls12_aes128gcm:ECDHE-ECDSA-AES128-GCM-SHA256 \
	tls12_aes256gcm:ECDHE-ECDSA-AES256-GCM-SHA384 tls12_chacha20:ECDHE-ECDSA-CHACHA20-POLY1305; do
	name=${case%%:*} suite=${case#*:}
	v=; case $name in tls12*) v=-2 ;; esac

	# 1. Handed to kTLS at the handshake.
	before=$(conns | wc -l)
	# shellcheck disable=SC2086
	rectap $v -c "$suite" "$port" /mid "$midsum" /small "$smallsum" >"$work/out" 2>&1
	st=$?
	wait_conns "$before"
	line=$(conns | tail -n 1)
	report "$work/out"
	case "$st:$line" in
	0:*offload=ktls-txrx*requests=2*) pass "handoff_$name" ;;
	*) fail "handoff_$name" "rectap $st: $(grep -v '^rectap: TLS' "$work/out"); log: $line" ;;
	esac

	# 2. Moved live in the middle of an 8 MiB response, then a second request.
	before=$(conns | wc -l)
	rm -f "$work/go"
	mkfifo "$work/go"
	# shellcheck disable=SC2086
	rectap $v -c "$suite" -p 262144 "$port2" /big "$bigsum" /small "$smallsum" \
		<"$work/go" >"$work/out" 2>&1 &
	cpid=$!
	exec 3>"$work/go"
	_i=0
	until grep -q '^paused' "$work/out" || [ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	id=$(user_sock "$port2")
	ktlsoctl sock offload "$id" --timeout 20 >"$work/off" 2>&1 &
	opid=$!
	sleep 0.5	# the request reaches the daemon, which waits for the held send
	echo go >&3
	exec 3>&-
	wait $cpid
	st=$?
	wait $opid
	ost=$?
	wait_conns "$before"
	line=$(conns | tail -n 1)
	moved=$(grep 'moved into kTLS live\|live offload failed' "$work/log" | tail -n 1)
	report "$work/out"
	echo "# ${moved#* ktlsod: }"
	case "$st:$ost:$moved:$line" in
	0:0:*"moved into kTLS live (ktls-txrx)"*"in the middle of a response:"*offload=ktls-txrx*requests=2*)
		pass "live_$name" ;;
	*) fail "live_$name" "rectap $st: $(grep -v '^rectap: TLS' "$work/out"); ktlsoctl $ost: $(cat "$work/off"); log: $moved / $line" ;;
	esac
done
echo "# $records records opened again, both ways, 12 connections, $(($(date +%s) - t0)) s"
[ $nfail = 0 ] || sed 's/^/# log: /' "$work/log"
