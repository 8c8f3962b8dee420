#!/bin/sh
# tests/e2e/ctl.sh: ktlsod with ktlso.ko and ktlsoctl, inside the VM (root, module loaded):
# registration, listener policy applied live, the key-usage guard, moving a userspace-TLS
# connection into kTLS while a client keeps downloading, module unload/reload and daemon
# restart. Prints PASS/FAIL/SKIP lines. POSIX sh (busybox).
set -u
T=e2e/ktlsod-ctl
. "$(dirname "$0")/../lib/e2e.sh"

need curl openssl ktlsod ktlsoctl kclient sha256sum
if ! grep -qs '^ktlso ' /proc/modules; then
	if [ "${KTLSO_EXPECT_MODULE:-0}" = 1 ]; then
		fail all "ktlso.ko should have been loaded"
	else
		skip all "ktlso.ko is not loaded"
	fi
	exit 0
fi

e2e_init ktlsod-ctl
make_cert || exit 0
head -c 1 /dev/urandom >"$www/f1"
head -c $((12 * 1048576)) /dev/urandom >"$www/big"
bigsum=$(sum "$www/big")

scan=/sys/module/ktlso/parameters/scan_ms
old_scan=$(cat $scan 2>/dev/null || echo 1000)
echo 50 >$scan 2>/dev/null

{ conf_global; conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"

start_daemon() {
	start_ktlsod --config "$work/ktlsod.conf"
	wait_https "https://127.0.0.1:$port/f1"
}
if ! start_daemon; then
	fail start "ktlsod did not answer"; cat "$work/log"; kill $pid; exit 0
fi
pass start

# The ids of the registered sockets, from ktlsoctl's JSON.
sock_ids() { ktlsoctl sock list -j 2>/dev/null | tr ',{' '\n\n' | sed -n 's/^ *"id": *\([0-9][0-9]*\).*/\1/p'; }
# Wait until COND (a shell expression) holds, up to $1 tenths of a second.
wait_for() {
	n=$1; shift
	while [ "$n" -gt 0 ]; do
		eval "$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# The id of the connection on port $1 whose TX is still in userspace TLS.
user_sock() { ktlsoctl sock list 2>/dev/null | awk -v p=":$1" '$2 ~ p"$" && $6 == "user" { print $1; exit }'; }

grep -q 'ktlso: module present' "$work/log" && pass module_noticed ||
	fail module_noticed "the log does not say the module was found: $(grep ktlso: "$work/log")"

# 1. A download in progress is registered, with kTLS state read from the kernel.
curl -sk --limit-rate 4M -o "$work/dl1" "https://127.0.0.1:$port/big" &
cpid=$!
if wait_for 50 '[ -n "$(sock_ids)" ]'; then
	id=$(sock_ids | head -n 1)
	out=$(ktlsoctl sock show "$id" -j 2>&1)
	case $out in
	*'"tx_conf": *"sw"'* | *'"tx_conf":"sw"'* | *'"tx":"sw"'* | *'"tx": "sw"'*) pass registered ;;
	*) case $out in *sw*) pass registered ;; *) fail registered "sock show: $out" ;; esac ;;
	esac
else
	fail registered "no socket listed while a download runs: $(ktlsoctl sock list 2>&1)"
fi
wait $cpid
[ "$(sum "$work/dl1")" = "$bigsum" ] && pass registered_download ||
	fail registered_download "sha256 mismatch"
wait_for 30 '[ -z "$(sock_ids)" ]' && pass unregistered ||
	fail unregistered "sockets still listed after the connection closed: $(sock_ids)"

# 2. Live offload: a userspace-TLS connection (listener offload=off) moved into kTLS while
#    the client downloads the file three times over one keep-alive connection.
for v in 1.3 1.2; do
	if [ $v = 1.3 ]; then opts=--tlsv1.3; else opts="--tlsv1.2 --tls-max 1.2"; fi
	before=$(grep -c 'moved into kTLS live' "$work/log")
	conn_mark
	# shellcheck disable=SC2086
	curl -sk $opts --limit-rate 3M -o "$work/a" "https://127.0.0.1:$port2/big" \
		-o "$work/b" "https://127.0.0.1:$port2/big" \
		-o "$work/c" "https://127.0.0.1:$port2/big" &
	cpid=$!
	wait_for 50 '[ -n "$(user_sock $port2)" ]'
	sleep 1
	id=$(user_sock $port2)
	out=$(ktlsoctl sock offload "$id" 2>&1); st=$?
	case "$st:$out" in
	0:*offloaded*) pass live_offload_$v ;;
	*) fail live_offload_$v "status $st: $out" ;;
	esac
	out=$(ktlsoctl sock offload "$id" 2>&1); st=$?
	case "$st:$out" in
	0:*already*) pass live_offload_again_$v ;;
	*) fail live_offload_again_$v "status $st: $out" ;;
	esac
	wait $cpid; cst=$?
	ok=1
	for f in a b c; do [ "$(sum "$work/$f")" = "$bigsum" ] || ok=0; done
	[ $cst = 0 ] && [ $ok = 1 ] && pass live_offload_download_$v ||
		fail live_offload_download_$v "curl status $cst, sha256 ok=$ok"
	after=$(grep -c 'moved into kTLS live' "$work/log")
	moved=$(grep 'moved into kTLS live\|live offload failed' "$work/log" | tail -n 1)
	echo "# $moved"
	case $moved in
	*"in the middle of a response") pass live_offload_mid_response_$v ;;
	*) fail live_offload_mid_response_$v "$moved" ;;
	esac
	line=$(conn_next)
	case "$after:$line" in
	"$((before + 1)):"*"offload=ktls-txrx"*"requests=3"*) pass live_offload_log_$v ;;
	*) fail live_offload_log_$v "$(grep 'moved into\|live offload' "$work/log" | tail -n 1) / $line" ;;
	esac
	rm -f "$work/a" "$work/b" "$work/c"
done

# 2b. Live offload of an idle keep-alive connection (a read is waiting in userspace TLS):
#     one request, the offload, a second request on the same connection.
conn_mark
{ printf 'GET /f1 HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 3
  printf 'GET /f1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'; } |
	openssl s_client -quiet -connect "127.0.0.1:$port2" >"$work/idle.out" 2>/dev/null &
cpid=$!
wait_for 50 '[ -n "$(user_sock $port2)" ]'
sleep 0.5
out=$(ktlsoctl sock offload "$(user_sock $port2)" 2>&1); st=$?
wait $cpid
n=$(grep -o 'HTTP/1.1 200' "$work/idle.out" | wc -l)
line=$(conn_next)
case "$st:$n:$line" in
0:2:*offload=ktls-txrx*requests=2*) pass live_offload_idle ;;
*) fail live_offload_idle "status $st: $out; $n responses; $line" ;;
esac

# 2c. After a TLS 1.3 KeyUpdate went through OpenSSL the captured secrets are stale: the
#     offload is refused with the reason, and the connection goes on in userspace TLS.
kclient keyupdate "$port2" /f1 3 >"$work/ku.out" 2>&1 &
cpid=$!
wait_for 50 '[ -n "$(user_sock $port2)" ]'
sleep 0.5
out=$(ktlsoctl sock offload "$(user_sock $port2)" 2>&1); st=$?
wait $cpid; cst=$?
case "$st:$cst:$out" in
1:0:*"keys were updated"*) pass live_offload_after_keyupdate_refused ;;
*) fail live_offload_after_keyupdate_refused "status $st, client $cst ($(cat "$work/ku.out")): $out" ;;
esac

# 3. Listener policy, applied by the running daemon as soon as it changes.
ktlsoctl policy add "127.0.0.1:$port" mode off >/dev/null 2>&1 || fail policy_add "policy add failed"
sleep 0.5
conn_mark
curl -sk -o /dev/null "https://127.0.0.1:$port/f1"
line=$(conn_next)
case $line in
*offload=userspace*) pass policy_off ;;
*) fail policy_off "$line" ;;
esac
grep -q "listener 127.0.0.1:$port: offload off (was txrx), by ktlso policy" "$work/log" &&
	pass policy_logged || fail policy_logged "$(grep listener "$work/log" | tail -n 2)"
ktlsoctl policy add "127.0.0.1:$port" mode txrx ciphers chacha20-poly1305 >/dev/null 2>&1
sleep 0.5
conn_mark
curl -sk --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 -o /dev/null "https://127.0.0.1:$port/f1"
line=$(conn_next)
case $line in
*offload=userspace*"does not allow this cipher"*) pass policy_ciphers ;;
*) fail policy_ciphers "$line" ;;
esac
ktlsoctl policy del "127.0.0.1:$port" >/dev/null 2>&1 || fail policy_del "policy del failed"
sleep 0.5
conn_mark
curl -sk -o /dev/null "https://127.0.0.1:$port/f1"
line=$(conn_next)
case $line in
*offload=ktls-txrx*) pass policy_removed ;;
*) fail policy_removed "$line" ;;
esac

# 4. Key-usage guard: a tiny limit; the daemon closes the connection between records. A
#    kernel that rekeys gets a KeyUpdate instead (tests/e2e/keyupdate.sh): there TLS 1.2,
#    which cannot rekey, is what closes.
tlsmax=
ktlsoctl probe 2>/dev/null | grep -q '^rekey.*: yes' && tlsmax="--tls-max 1.2"
ktlsoctl monitor >"$work/monitor" 2>&1 &
mpid=$!
sleep 0.3
ktlsoctl policy add "127.0.0.1:$port" mode txrx limit 200 warn 50 >/dev/null 2>&1
sleep 0.5
# shellcheck disable=SC2086
conn_mark
curl -sk $tlsmax --limit-rate 4M -o "$work/dl2" "https://127.0.0.1:$port/big"; cst=$?
size=$(wc -c <"$work/dl2")
line=$(conn_next)
case "$cst:$line" in
0:*) fail key_limit "the download completed: $line" ;;
*'close="key usage limit: TX at record '*' of 200; '*) pass key_limit; echo "# $line" ;;
*) fail key_limit "curl $cst, $line" ;;
esac
[ "$size" -gt 0 ] && [ "$size" -lt $((12 * 1048576)) ] && pass key_limit_partial ||
	fail key_limit_partial "received $size bytes"
ktlsoctl policy del "127.0.0.1:$port" >/dev/null 2>&1
sleep 0.3
kill $mpid 2>/dev/null
wait $mpid 2>/dev/null
grep -q 'key-limit' "$work/monitor" && pass key_limit_event ||
	fail key_limit_event "monitor saw: $(cat "$work/monitor")"

# 5. rmmod with a registered connection in the middle of a download; insmod; re-register.
if [ -f /ktlso/ktlso.ko ]; then
	curl -sk --limit-rate 1M -o "$work/dl3" "https://127.0.0.1:$port/big" &
	cpid=$!
	wait_for 50 '[ -n "$(sock_ids)" ]'
	if rmmod ktlso; then
		sleep 1
		insmod /ktlso/ktlso.ko && echo 50 >$scan
		if wait_for 60 '[ -n "$(sock_ids)" ]'; then
			pass reregistered_after_reload
		else
			fail reregistered_after_reload "nothing listed: $(grep ktlso: "$work/log")"
		fi
	else
		fail rmmod "rmmod ktlso failed with a registered socket"
	fi
	wait $cpid; cst=$?
	[ $cst = 0 ] && [ "$(sum "$work/dl3")" = "$bigsum" ] && pass download_across_reload ||
		fail download_across_reload "curl status $cst"
	grep -q 'ktlso: the module went away\|ktlso: the module forgot' "$work/log" && pass reload_logged ||
		fail reload_logged "$(grep ktlso: "$work/log")"
else
	skip reload "no /ktlso/ktlso.ko (native run)"
fi

# 6. SIGKILL with a live connection: the module reaps it; a new daemon registers again.
curl -sk --limit-rate 2M -o /dev/null "https://127.0.0.1:$port/big" &
cpid=$!
wait_for 50 '[ -n "$(sock_ids)" ]'
kill -9 $pid
wait $pid 2>/dev/null
wait $cpid 2>/dev/null
wait_for 30 '[ -z "$(sock_ids)" ]' && pass reaped_after_sigkill ||
	fail reaped_after_sigkill "still listed: $(ktlsoctl sock list 2>&1)"
if start_daemon; then
	curl -sk --limit-rate 4M -o /dev/null "https://127.0.0.1:$port/big" &
	cpid=$!
	wait_for 50 '[ -n "$(sock_ids)" ]' && pass registered_after_restart ||
		fail registered_after_restart "$(ktlsoctl sock list 2>&1)"
	wait $cpid
else
	fail restart "ktlsod did not start again"
fi

# 7. Without the module: served as configured, and said once.
kill $pid; wait $pid 2>/dev/null
if [ -f /ktlso/ktlso.ko ] && rmmod ktlso; then
	cp "$work/log" "$work/log.1"; : >"$work/log"
	if start_daemon; then
		curl -sk -o /dev/null "https://127.0.0.1:$port/f1"
		conn_mark
		curl -sk -o /dev/null "https://127.0.0.1:$port/f1"
		line=$(conn_next)
		n=$(grep -c 'ktlso: the ktlso module is not loaded' "$work/log")
		case "$n:$line" in
		"1:"*offload=ktls-txrx*) pass no_module ;;
		*) fail no_module "said $n times; $line" ;;
		esac
		kill $pid; wait $pid 2>/dev/null
	else
		fail no_module "ktlsod did not start without the module"
	fi
	insmod /ktlso/ktlso.ko
fi
echo "$old_scan" >$scan 2>/dev/null
# a failure is easier to read with the daemon's log beside it
[ $nfail = 0 ] || sed 's/^/# log: /' "$work/log"*
