#!/bin/sh
# tests/e2e/plain.sh [OFFLOAD]: a plain-HTTP listener ([listen] tls = off) beside an HTTPS
# one. Host (no kTLS needed: tests/run-all) and VM (tests/vm/suite.sh, ktlso.ko loaded).
# OFFLOAD is what the HTTPS listener's connections must log: "userspace" (default) on a
# host without kTLS, "ktls-txrx" in the VM. Prints PASS/FAIL/SKIP lines.
#
#   http        GET, HEAD, a range, 404, a pipelined pair, several requests on one
#               keep-alive connection, an 8 MiB file byte for byte, a malformed request
#               gets 400; no Strict-Transport-Security on plain HTTP, while HTTPS has it
#   log         offload=plain, tls=- in the connection's line; the listener's start line
#   https       the TLS listener beside it still serves, with the offload expected
#   module      with ktlso.ko loaded: a plain connection is not registered, a TLS one
#               beside it is (ktlsoctl sock list); and again after rmmod and insmod
#               (VM), when ktlsod registers its open connections anew
#   reload      SIGHUP (hsts changed): applied, no listener 'needs a restart'; plain
#               still without HSTS, HTTPS with the new value
#   config      'offload =' in a 'tls = off' section, and a bad 'tls =', are refused (-t)
set -u
expect=${1:-userspace}
T=e2e/plain
[ -n "${KTLSO_VM:-}" ] && T=e2e/plain-vm
. "$(dirname "$0")/../lib/e2e.sh"
need curl openssl ktlsod cmp
e2e_init ktlsod-plain
make_cert || exit 0
echo hi >"$www/f"
head -c 8388608 /dev/urandom >"$www/big"
conf=$work/ktlsod.conf
http=http://127.0.0.1:$port2
https=https://127.0.0.1:$port

write_conf() {
	{ conf_global "state-dir=$work/state" "$@"; conf_listeners "$port"
	  printf '\n[listen 127.0.0.1:%s]\ntls = off\n' "$port2"; } >"$conf"
}
hsts_of() {
	_h=$(curl -sk -I --max-time 10 "$1" | tr -d '\r' | sed -n 's/^Strict-Transport-Security: max-age=//p')
	echo "${_h:-none}"
}

write_conf hsts=100
start_ktlsod --config "$conf"
wait_https "$http/f" || { fail start "ktlsod did not answer: $(tail -n 3 "$work/log")"; exit 1; }
pass start
wait_line "$work/log" "listening on 127.0.0.1:$port2, plain HTTP" 10 && pass log/listening ||
	fail log/listening "$(grep 'listening on' "$work/log")"

# --- http
conn_mark
check http/get "$(curl -s --max-time 10 "$http/f")" hi
l=$(conn_next)
case $l in
*" tls=- cipher=- offload=plain requests=1 "*) pass log/offload_plain ;;
*) fail log/offload_plain "$l" ;;
esac
check http/head "$(curl -s -I --max-time 10 "$http/f" | tr -d '\r' | sed -n 's/^Content-Length: //p')" 3
check http/range "$(curl -s --max-time 10 -r 0-1 -w ' %{http_code}' "$http/f")" "hi 206"
check http/404 "$(code "$http/nope")" 404
check http/no_hsts "$(hsts_of "$http/f")" none
conn_mark
check http/keepalive "$(curl -s --max-time 10 -w '%{http_code} %{num_connects} ' \
	-o /dev/null "$http/f" -o /dev/null "$http/f" -o /dev/null "$http/f" -o /dev/null "$http/f")" \
	"200 1 200 0 200 0 200 0 "
case $(conn_next) in
*" offload=plain requests=4 "*) pass http/keepalive_one_conn ;;
*) fail http/keepalive_one_conn "$(conn_lines | tail -n 1)" ;;
esac
curl -s --max-time 30 -o "$work/big.out" "$http/big"
if cmp -s "$work/big.out" "$www/big"; then pass http/big_8mib; else
	fail http/big_8mib "$(wc -c <"$work/big.out") bytes, not the file's"; fi
if curl -V | grep -q telnet; then
	# raw bytes on the socket: a pipelined pair, then a request that is not HTTP
	out=$(printf 'GET /f HTTP/1.1\r\nHost: x\r\n\r\nGET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		curl -s --max-time 5 telnet://127.0.0.1:"$port2" | grep -c '^HTTP/1.1 200')
	check http/pipelined "$out" 2
	out=$(printf 'GARBAGE\r\n\r\n' | curl -s --max-time 5 telnet://127.0.0.1:"$port2" | head -n 1 | tr -d '\r')
	check http/malformed_400 "$out" "HTTP/1.1 400 Bad Request"
	has http/malformed_logged "$work/log" 'refused 400 \(malformed request\): "GARBAGE"'
else
	skip http/malformed_400 "curl has no telnet:// to send raw bytes"
fi

# --- https beside it
conn_mark
check https/get "$(curl -sk --max-time 10 "$https/f")" hi
case $(conn_next) in
*" offload=$expect "*|*" offload=$expect") pass https/offload ;;
*) fail https/offload "$(conn_lines | tail -n 1)" ;;
esac
check https/hsts "$(hsts_of "$https/f")" 100

# --- module: a plain connection is not registered
# Connections held open, idle after one request (a download would be over: the socket
# buffers take all of 8 MiB): one plain through curl's telnet://, one TLS.
if command -v ktlsoctl >/dev/null && ktlsoctl sock list >/dev/null 2>&1 &&
	curl -V | grep -q telnet; then
	mkfifo "$work/pin" "$work/tin"
	curl -sN --max-time 90 telnet://127.0.0.1:"$port2" <"$work/pin" >"$work/pout" 2>&1 &
	ppid=$!
	openssl s_client -connect "127.0.0.1:$port" -servername localhost -quiet <"$work/tin" >"$work/tout" 2>&1 &
	tpid=$!
	exec 7>"$work/pin" 8>"$work/tin"
	printf 'GET /f HTTP/1.1\r\nHost: x\r\n\r\n' >&7
	printf 'GET /f HTTP/1.1\r\nHost: localhost\r\n\r\n' >&8
	wait_line "$work/pout" '^HTTP/1.1 200' 10 && wait_line "$work/tout" '^HTTP/1.1 200' 10 ||
		fail module/held "no answer: $(cat "$work/pout" "$work/tout")"
	# listed: the connections of PORT (sock_of PORT)
	sock_of() { ktlsoctl sock list 2>/dev/null | awk -v p=":$1" '$2 ~ p"$"' | wc -l; }
	n=$(sock_of "$port")
	[ "$n" -ge 1 ] && pass module/tls_registered ||
		fail module/tls_registered "no socket of :$port listed: $(ktlsoctl sock list 2>&1)"
	check module/not_registered "$(sock_of "$port2")" 0
	# the module unloaded and loaded again: ktlsod registers its open connections anew,
	# the TLS one, not the plain one
	if [ -f /ktlso/ktlso.ko ]; then
		n=0
		if rmmod ktlso && insmod /ktlso/ktlso.ko; then
			i=0
			while [ $i -lt 80 ] && [ "$n" -lt 1 ]; do
				sleep 0.25
				n=$(sock_of "$port")
				i=$((i + 1))
			done
		fi
		[ "$n" -ge 1 ] && pass module/tls_registered_again ||
			fail module/tls_registered_again "$(grep ktlso: "$work/log")"
		check module/not_registered_again "$(sock_of "$port2")" 0
	fi
	exec 7>&- 8>&-
	kill $ppid $tpid 2>/dev/null
	wait $ppid $tpid 2>/dev/null
else
	skip module/not_registered "ktlso.ko is not loaded (or curl has no telnet://)"
fi

# --- reload
write_conf hsts=200
kill -HUP "$pid"
wait_line "$work/log" "'hsts' changed (100 -> 200): applied" 10 &&
	pass reload/applied || fail reload/applied "$(grep reload "$work/log")"
if grep "needs a restart" "$work/log" >/dev/null; then
	fail reload/no_restart "$(grep 'needs a restart' "$work/log")"
else
	pass reload/no_restart
fi
check reload/plain_no_hsts "$(hsts_of "$http/f")" none
check reload/https_hsts "$(hsts_of "$https/f")" 200
check reload/plain_get "$(curl -s --max-time 10 "$http/f")" hi

stop_ktlsod
check stop "$st" 0

# --- config
printf 'root = %s\ncert = %s\nkey = %s\nstate-dir = %s\nlog = %s\n[listen 127.0.0.1:%s]\ntls = off\noffload = tx\n' \
	"$www" "$work/cert.pem" "$work/key.pem" "$work/state" "$work/log2" "$port2" >"$work/bad.conf"
if ktlsod -t --config "$work/bad.conf" >"$work/bad.out" 2>&1; then
	fail config/offload_refused "accepted: $(cat "$work/bad.out")"
else
	has config/offload_refused "$work/bad.out" "'offload' means nothing there"
fi
sed 's/^tls = off$/tls = maybe/; /^offload/d' "$work/bad.conf" >"$work/bad2.conf"
if ktlsod -t --config "$work/bad2.conf" >"$work/bad2.out" 2>&1; then
	fail config/bad_tls_refused "accepted: $(cat "$work/bad2.out")"
else
	has config/bad_tls_refused "$work/bad2.out" "'tls = on.off'"
fi
exit $((nfail > 0))
