#!/bin/sh
# tests/e2e/keyupdate.sh: TLS 1.3 KeyUpdate on connections ktlsod carries in kTLS, inside
# the VM (root, tls.ko; ktlso.ko for the guard). On a kernel that rekeys kTLS (6.14 and
# later): KeyUpdates from kclient and openssl s_client, with and without update_requested,
# between keep-alive requests and in the middle of a 64 MiB download, 1000 on one
# connection, and the key-usage guard's rekey at a limit of 200 records; every body checked
# by SHA-256, the kernel's rekey counters (tls_stat) moved by what was sent. On every
# kernel: a malformed KeyUpdate gets its alert (RFC 8446: decode_error, illegal_parameter)
# and a clean close; on kernels that cannot rekey, a KeyUpdate closes the connection with
# the reason. Prints PASS/FAIL/SKIP lines. POSIX sh (busybox).
set -u
T=e2e/keyupdate
. "$(dirname "$0")/../lib/e2e.sh"

need curl openssl ktlsod ktlsoctl kclient sha256sum
if [ ! -e /proc/net/tls_stat ]; then
	if [ "${KTLSO_EXPECT_KTLS:-0}" = 1 ]; then
		fail all "tls.ko should have been loaded"
	else
		skip all "no kTLS here (/proc/net/tls_stat is absent)"
	fi
	exit 0
fi

e2e_init ktlsod-keyupdate
# took WHAT: the seconds since the last took, as a comment line (the suite's time budget)
t_last=$(date +%s)
took() { _t=$(date +%s); echo "# $1: $((_t - t_last)) s"; t_last=$_t; }
make_cert || exit 0
head -c 16384 /dev/urandom >"$www/f16k"
head -c 1 /dev/urandom >"$www/f1"
token=$(head -c 24 /dev/urandom | sha256sum | cut -c1-40)
echo "$token" >"$www/token.txt"
sum16=$(sum "$www/f16k") sum1=$(sum "$www/f1")

{ conf_global; conf_listeners "$port"; } >"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf"
if ! wait_https "https://127.0.0.1:$port/f1"; then
	fail start "ktlsod did not answer: $(cat "$work/log")"
	kill $pid 2>/dev/null
	exit 0
fi
e2e_on_exit='kill $pid 2>/dev/null'

# stat NAME: a counter of /proc/net/tls_stat
stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat; }
stats() { echo "$(stat TlsRxRekeyOk) $(stat TlsRxRekeyReceived) $(stat TlsTxRekeyOk) $(stat TlsRxRekeyError) $(stat TlsTxRekeyError)"; }
# moved NAME BEFORE RX TX: the counters moved by RX (RxRekeyOk and RxRekeyReceived) and TX
# (TxRekeyOk), and no error counter at all
moved() {
	# shellcheck disable=SC2086,SC2046
	set -- "$1" $2 $(stats) "$3" "$4"
	check "$1/tls_stat" "rx_ok+$(($7 - $2)) rx_received+$(($8 - $3)) tx_ok+$(($9 - $4)) rx_err+$((${10} - $5)) tx_err+$((${11} - $6))" \
		"rx_ok+${12} rx_received+${12} tx_ok+${13} rx_err+0 tx_err+0"
}
# lastclose: the close reason of the connection logged since conn_mark (tests/lib/e2e.sh)
lastclose() { conn_next | sed -n 's/.*close="\([^"]*\)".*/\1/p'; }

took "setup"
# A malformed KeyUpdate, on every kernel: its alert, then the close; the daemon serves on.
# So for what a client may not send after the handshake (RFC 8446 §5, §6): a handshake
# message other than KeyUpdate, a protected change_cipher_spec, an alert record of one byte.
for bad in len:decode_error:"client KeyUpdate: " value:illegal_parameter:"client KeyUpdate: " \
	ticket:unexpected_message:"handshake message 4 " ccs:unexpected_message:"unexpected record type 20 " \
	short:decode_error:"an alert record of 1 byte "; do
	what=${bad%%:*} rest=${bad#*:}
	alert=${rest%%:*} said=${rest#*:}
	conn_mark
	out=$(kclient badkeyupdate "$port" "$what" 2>&1)
	check "malformed_$what/alert" "$out" "alert $alert, then closed"
	reason=$(lastclose)
	case $reason in
	"$said"*"(sent $alert)") pass "malformed_$what/logged" ;;
	*) fail "malformed_$what/logged" "close reason: $reason" ;;
	esac
done
check serves_after_malformed "$(code "https://127.0.0.1:$port/f1")" 200

if ! ktlsoctl probe 2>/dev/null | grep -q '^rekey.*: yes'; then
	# today's behaviour: the connection ends, with the reason
	conn_mark
	out=$(kclient keyupdate "$port" /f1 2>&1)
	check old_kernel/closed "$out" "after KeyUpdate: connection closed by the server"
	check old_kernel/reason "$(lastclose)" \
		"client KeyUpdate: this kernel cannot rekey kTLS (TLS 1.3 rekey needs Linux 6.14 or later)"
	skip rekey "this kernel ($(uname -r)) cannot rekey kTLS: $(ktlsoctl probe 2>&1 | grep '^rekey')"
	stop_ktlsod || fail stop "ktlsod did not stop"
	took "old kernel"
	exit 0
fi
head -c $((64 * 1048576)) /dev/urandom >"$www/big"
head -c $((12 * 1048576)) "$www/big" >"$www/f12m"
bigsum=$(sum "$www/big") sum12=$(sum "$www/f12m")
took "the big files"

took "malformed"
# kclient: one KeyUpdate before a request, without and with update_requested
s0=$(stats)
out=$(kclient keyupdates "$port" /f16k 1 between none "$sum16" 2>&1) && pass kclient/none || fail kclient/none "$out"
moved kclient/none "$s0" 1 0
s0=$(stats)
out=$(kclient keyupdates "$port" /f16k 1 between req "$sum16" 2>&1) && pass kclient/requested || fail kclient/requested "$out"
moved kclient/requested "$s0" 1 1

took "kclient, one each"
# 1000 on one connection, every other one update_requested, a request after each
s0=$(stats)
t0=$(date +%s)
conn_mark
out=$(kclient keyupdates "$port" /f1 1000 between mix "$sum1" 2>&1) && pass kclient/1000 || fail kclient/1000 "$out"
echo "# 1000 KeyUpdates and requests: $(($(date +%s) - t0)) s; $out"
moved kclient/1000 "$s0" 1000 500
case $(lastclose) in
*"KeyUpdate"* | *"key"*) fail kclient/1000/closed "$(lastclose)" ;;
*) pass kclient/1000/closed ;;
esac

took "1000 KeyUpdates"
# in the middle of a 64 MiB download, at a third with update_requested and at two thirds
# without; the download goes on, every byte checked
s0=$(stats)
out=$(kclient keyupdates "$port" /big 1 mid mix "$bigsum" 2>&1) && pass kclient/mid_download || fail kclient/mid_download "$out"
moved kclient/mid_download "$s0" 2 1

took "64 MiB downloads"
# openssl s_client: k (update_not_requested) and K (update_requested) between requests.
# s_client takes a line that starts with k or K as the command only when it reads it
# alone: each step waits for what the one before it printed.
s0=$(stats)
req='GET /token.txt HTTP/1.1\r\nHost: x\r\n\r\n'
# upto PATTERN N: until $work/sclient has N lines matching PATTERN, at most 20 s
upto() {
	_i=0
	while [ "$(grep -c "$1" "$work/sclient")" -lt "$2" ] && [ $_i -lt 80 ]; do
		sleep 0.25
		_i=$((_i + 1))
	done
}
mkfifo "$work/sin"
trap '' PIPE	# an s_client that ended early fails a write, not this script
openssl s_client -connect "127.0.0.1:$port" -tls1_3 <"$work/sin" >"$work/sclient" 2>&1 &
spid=$!
exec 7>"$work/sin"
# shellcheck disable=SC2059
{
	printf "$req" >&7; upto "^$token\$" 1
	printf 'k\n' >&7; upto '^KEYUPDATE' 1
	printf "$req" >&7; upto "^$token\$" 2
	printf 'K\n' >&7; upto '^KEYUPDATE' 2
	printf "$req" >&7; upto "^$token\$" 3
}
exec 7>&-
wait $spid
trap - PIPE
check s_client/bodies "$(grep -c "^$token\$" "$work/sclient")" 3
check s_client/keyupdates "$(grep -c '^KEYUPDATE' "$work/sclient")" 2
moved s_client "$s0" 2 1

took "s_client"
# the key-usage guard at 200 records, warned at 25 %: TX rekeyed, the download goes on.
# A rekey waits for the splice in flight (64 records of 16 KiB): a key covers about 50 to
# 130 records, and the 768 of the download several keys, also when the module's scan runs
# late on a loaded machine.
if ! grep -qs '^ktlso ' /proc/modules; then
	skip guard "ktlso.ko is not loaded"
else
	scan=/sys/module/ktlso/parameters/scan_ms
	old_scan=$(cat $scan 2>/dev/null || echo 1000)
	echo 50 >$scan 2>/dev/null
	ktlsoctl policy add "127.0.0.1:$port" mode txrx limit 200 warn 25 >/dev/null 2>&1
	sleep 0.5
	s0=$(stats)
	curl -sk --limit-rate 4M -o "$work/dl" "https://127.0.0.1:$port/f12m" &
	cpid=$!
	# the socket's line: TX-REC and KEYGEN; the records restart with each key
	maxrec=0 maxgen=0
	while kill -0 $cpid 2>/dev/null; do
		l=$(ktlsoctl sock list 2>/dev/null | awk -v p=":$port" '$2 ~ p"$" { print $8, $12; exit }')
		set -- $l
		if [ $# = 2 ]; then
			[ "$1" -gt "$maxrec" ] && maxrec=$1
			[ "$2" -gt "$maxgen" ] && maxgen=$2
		fi
		sleep 0.2
	done
	wait $cpid; cst=$?
	[ $cst = 0 ] && [ "$(sum "$work/dl")" = "$sum12" ] && pass guard/download ||
		fail guard/download "curl $cst, $(lastclose)"
	rekeys=$(($(stat TlsTxRekeyOk) - $(echo "$s0" | cut -d' ' -f3)))
	[ "$rekeys" -ge 2 ] && pass guard/rekeyed || fail guard/rekeyed "TlsTxRekeyOk moved by $rekeys"
	[ "$maxgen" -ge 2 ] && pass guard/keygen_listed || fail guard/keygen_listed "KEYGEN at most $maxgen"
	# without the restart, the samples (every 0.2 s, 50 records at 4 MB/s) would reach 700
	[ "$maxrec" -gt 0 ] && [ "$maxrec" -lt 600 ] && pass guard/records_per_key ||
		fail guard/records_per_key "TX-REC reached $maxrec of 768"
	echo "# guard: $rekeys TX rekeys, KEYGEN up to $maxgen, TX-REC at most $maxrec"
	# RX: 300 requests and no KeyUpdate of the client's: the server asks for one
	s0=$(stats)
	out=$(kclient keyupdates "$port" /f1 300 never none "$sum1" 2>&1) && pass guard/rx_download ||
		fail guard/rx_download "$out"
	rx=$(($(stat TlsRxRekeyOk) - $(echo "$s0" | cut -d' ' -f1)))
	case $out in
	*" received="[1-9]*) [ "$rx" -ge 1 ] && pass guard/rx_rekeyed ||
		fail guard/rx_rekeyed "TlsRxRekeyOk moved by $rx; $out" ;;
	*) fail guard/rx_rekeyed "no KeyUpdate from the server: $out" ;;
	esac
	echo "# guard, RX: $rx RX rekeys; $out"
	ktlsoctl policy del "127.0.0.1:$port" >/dev/null 2>&1
	echo "$old_scan" >$scan 2>/dev/null
fi

took "guard"
check serves_at_end "$(code "https://127.0.0.1:$port/f1")" 200
if stop_ktlsod; then check stop/status "$st" 0; else fail stop "ktlsod did not stop"; fi
