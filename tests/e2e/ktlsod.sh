#!/bin/sh
# tests/e2e/ktlsod.sh OFFLOAD: ktlsod against real clients (curl, openssl s_client, kclient).
# OFFLOAD is what the log must show for connections on the main listener: "ktls-txrx"
# inside the VM, "userspace" on a host without kTLS. Prints PASS/FAIL/SKIP lines.
# POSIX sh: it also runs under busybox inside the VM. KTLSO_E2E_QUICK=1 leaves out the HTTP
# semantics and the timeouts, which do not depend on the TLS and io_uring libraries.
set -u
expect=${1:?usage: ktlsod.sh ktls-txrx|userspace}
T=e2e/ktlsod
[ -n "${KTLSO_VM:-}" ] && T=e2e/ktlsod-vm
big_mb=${KTLSO_E2E_BIG_MB:-64}
. "$(dirname "$0")/../lib/e2e.sh"

need curl openssl ktlsod kclient sha256sum
e2e_init ktlsod-e2e
mkdir -p "$www/sub" "$www/dir"
make_cert || exit 0
for n in 0 1 16383 16384 16385 1048576; do
	head -c $n /dev/urandom >"$www/f$n"
done
head -c $((big_mb * 1048576)) /dev/urandom >"$www/big"
echo '<h1>index</h1>' >"$www/dir/index.html"
echo sub >"$www/sub/file.txt"
ln -s /etc "$www/escape"

# two listeners, the second without offload
{ conf_global; conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf"
if ! wait_https "https://127.0.0.1:$port/f1"; then
	fail start "ktlsod did not answer"; cat "$work/log" 2>/dev/null; kill $pid; exit 0
fi
pass start
url=https://127.0.0.1:$port

# Every version x cipher: files around the record size, on one keep-alive connection.
for v in "1.3 TLS_AES_128_GCM_SHA256 AES-128-GCM" "1.3 TLS_AES_256_GCM_SHA384 AES-256-GCM" \
	 "1.3 TLS_CHACHA20_POLY1305_SHA256 CHACHA20-POLY1305" \
	 "1.2 ECDHE-ECDSA-AES128-GCM-SHA256 AES-128-GCM" \
	 "1.2 ECDHE-ECDSA-AES256-GCM-SHA384 AES-256-GCM" \
	 "1.2 ECDHE-ECDSA-CHACHA20-POLY1305 CHACHA20-POLY1305"; do
	set -- $v
	if [ "$1" = 1.3 ]; then opts="--tlsv1.3 --tls13-ciphers $2"; else opts="--tlsv1.2 --tls-max 1.2 --ciphers $2"; fi
	name=tls$1-$3
	args=""
	for n in 0 1 16383 16384 16385 1048576; do
		args="$args $url/f$n -o $work/dl$n"
	done
	# shellcheck disable=SC2086
	if ! curl -sk $opts $args; then
		fail "download/$name" "curl failed"
		continue
	fi
	ok=1
	for n in 0 1 16383 16384 16385 1048576; do
		[ "$(sum "$www/f$n")" = "$(sum "$work/dl$n")" ] || { ok=0; fail "download/$name" "f$n differs"; }
	done
	[ $ok = 1 ] && pass "download/$name"
	sleep 0.2
	line=$(grep "conn peer" "$work/log" | grep "cipher=$3 " | grep "tls=TLSv$1" | tail -n 1)
	case $line in
	*"offload=$expect "*"requests=6 "*) pass "offload/$name" ;;
	*) fail "offload/$name" "log line: ${line:-none}" ;;
	esac
done

# A large file, checked whole.
if curl -sk "$url/big" -o "$work/dlbig" && [ "$(sum "$www/big")" = "$(sum "$work/dlbig")" ]; then
	pass "download/${big_mb}MiB"
else
	fail "download/${big_mb}MiB" "content differs or curl failed"
fi
rm -f "$work/dlbig"

# HTTP semantics, the same whatever OpenSSL and liburing are underneath: left out with
# KTLSO_E2E_QUICK=1 (tests/run-all's run with Debian 13's userspace; the suite runs them).
if [ -z "${KTLSO_E2E_QUICK:-}" ]; then	# (not indented: up to "end of HTTP semantics")
check range/first_byte "$(curl -sk -r 0-0 "$url/f16384" | wc -c | tr -d ' ')" 1
check range/status "$(code -r 10-19 "$url/f16384")" 206
check range/open_end "$(curl -sk -r 16380- "$url/f16384" | wc -c | tr -d ' ')" 4
check range/suffix "$(curl -sk -r -10 "$url/f16384" | wc -c | tr -d ' ')" 10
check range/content "$(curl -sk -r 100-199 "$url/f16384" | sha256sum | cut -d' ' -f1)" \
	"$(dd if="$www/f16384" bs=1 skip=100 count=100 2>/dev/null | sha256sum | cut -d' ' -f1)"
check range/unsatisfiable "$(code -r 20000-20010 "$url/f16384")" 416
check range/suffix_zero "$(code -H 'Range: bytes=-0' "$url/f16384")" 416
head_out=$(curl -sk -I "$url/f16385")
case $head_out in
*"Content-Length: 16385"*) pass head ;;
*) fail head "$head_out" ;;
esac
# no body after the head: the server closes (Connection: close) right after it
check head/no_body "$(printf 'HEAD /f16385 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	openssl s_client -quiet -connect 127.0.0.1:$port 2>/dev/null | tr -d '\r' | sed '1,/^$/d' | wc -c | tr -d ' ')" 0
# every response says nosniff; no HSTS unless asked (--hsts, on the daemon with tight limits)
check headers/nosniff_200 "$(curl -sk -I "$url/f1" | tr -d '\r' | grep -ci '^X-Content-Type-Options: nosniff$')" 1
check headers/nosniff_404 "$(curl -sk -D - -o /dev/null "$url/nope" | tr -d '\r' | grep -ci '^X-Content-Type-Options: nosniff$')" 1
check headers/no_hsts_by_default "$(curl -sk -I "$url/f1" | grep -ci '^Strict-Transport-Security')" 0
raw() { printf "$1" | openssl s_client -quiet -connect 127.0.0.1:$port 2>/dev/null | head -n 1 | tr -d '\r'; }
etag=$(curl -sk -I "$url/f1" | tr -d '\r' | sed -n 's/^ETag: //p')
check if_none_match "$(code -H "If-None-Match: $etag" "$url/f1")" 304
check if_none_match/other "$(code -H 'If-None-Match: "other"' "$url/f1")" 200
check directory_index "$(curl -sk "$url/dir/")" "<h1>index</h1>"
# a directory without its slash: 301 to it with the slash, the query kept (relative links
# in its index resolve against the directory)
check dir_redirect/status "$(code "$url/dir?x=1")" 301
check dir_redirect/location "$(curl -sk -D - -o /dev/null "$url/dir?x=1" | tr -d '\r' | sed -n 's/^Location: //p')" "/dir/?x=1"
check dir_redirect/followed "$(curl -sk -L "$url/dir")" "<h1>index</h1>"

# ALPN http/1.0 (curl --http1.0 offers only that): served as HTTP/1.0, without keep-alive
check alpn/http10 "$(code --http1.0 "$url/f1")" 200
check alpn/http10_close "$(curl -sk --http1.0 -D - -o /dev/null "$url/f1" | tr -d '\r' | grep -ci '^Connection: close$')" 1

# Conditional requests (RFC 9110 §13) against a file replaced between two requests: v1,
# then v2 with another size and modification time
head -c 3000 /dev/urandom >"$www/cond"
touch -t 202001010000 "$www/cond"	# -t: busybox's touch too
etag1=$(curl -sk -I "$url/cond" | tr -d '\r' | sed -n 's/^ETag: //p')
lm1=$(curl -sk -I "$url/cond" | tr -d '\r' | sed -n 's/^Last-Modified: //p')
head -c 4000 /dev/urandom >"$work/cond2"
mv "$work/cond2" "$www/cond"
touch -t 202101010000 "$www/cond"
etag2=$(curl -sk -I "$url/cond" | tr -d '\r' | sed -n 's/^ETag: //p')
lm2=$(curl -sk -I "$url/cond" | tr -d '\r' | sed -n 's/^Last-Modified: //p')
whole=$(sum "$www/cond")
part=$(dd if="$www/cond" bs=1 skip=100 count=100 2>/dev/null | sha256sum | cut -d' ' -f1)
body() { curl -sk "$@" | sha256sum | cut -d' ' -f1; }
[ "$etag1" != "$etag2" ] && [ "$lm1" != "$lm2" ] && pass cond/validators_changed ||
	fail cond/validators_changed "ETag $etag1 -> $etag2, Last-Modified $lm1 -> $lm2"
# If-Range: a resumed download of v1 gets the whole of v2, never v2's bytes as v1's
check cond/if_range_old_tag "$(code -r 100-199 -H 'If-Range: "old"' "$url/cond")" 200
check cond/if_range_old_tag_body "$(body -r 100-199 -H 'If-Range: "old"' "$url/cond")" "$whole"
check cond/if_range_stale_etag "$(code -r 100-199 -H "If-Range: $etag1" "$url/cond")" 200
check cond/if_range_stale_date "$(body -r 100-199 -H "If-Range: $lm1" "$url/cond")" "$whole"
check cond/if_range_etag "$(code -r 100-199 -H "If-Range: $etag2" "$url/cond")" 206
check cond/if_range_etag_body "$(body -r 100-199 -H "If-Range: $etag2" "$url/cond")" "$part"
check cond/if_range_date "$(body -r 100-199 -H "If-Range: $lm2" "$url/cond")" "$part"
check cond/if_range_weak "$(code -r 100-199 -H "If-Range: W/$etag2" "$url/cond")" 200
# If-Match, If-Unmodified-Since: 412 when the client's version is not this one
check cond/if_match_stale "$(code -H "If-Match: $etag1" "$url/cond")" 412
check cond/if_match "$(code -H "If-Match: \"x\", $etag2" "$url/cond")" 200
check cond/if_match_any "$(code -H 'If-Match: *' "$url/cond")" 200
check cond/if_match_missing "$(code -H 'If-Match: *' "$url/nope")" 404
check cond/if_unmodified_since_stale "$(code -H "If-Unmodified-Since: $lm1" "$url/cond")" 412
check cond/if_unmodified_since "$(code -H "If-Unmodified-Since: $lm2" "$url/cond")" 200
check cond/if_modified_since "$(code -H "If-Modified-Since: $lm2" "$url/cond")" 304
check cond/if_modified_since_stale "$(code -H "If-Modified-Since: $lm1" "$url/cond")" 200
# precedence (§13.2.2): If-Match before If-None-Match, If-None-Match over If-Modified-Since,
# a failed precondition before the range
check cond/order_match_first "$(code -H "If-Match: $etag1" -H "If-None-Match: $etag2" "$url/cond")" 412
check cond/order_none_match "$(code -H 'If-None-Match: "x"' -H "If-Modified-Since: $lm2" "$url/cond")" 200
check cond/order_412_before_range "$(code -r 1-2 -H "If-Unmodified-Since: $lm1" "$url/cond")" 412

# Absolute-form targets (RFC 9112 §3.2.2), the authority checked like Host
check absolute_form "$(raw 'GET https://localhost/f1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" "HTTP/1.1 200 OK"
check absolute_form/dir_redirect "$(raw 'GET https://localhost/dir?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" "HTTP/1.1 301 Moved Permanently"
check absolute_form/userinfo "$(raw 'GET https://u@localhost/f1 HTTP/1.1\r\nHost: x\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check status/400_bad_host "$(raw 'GET /f1 HTTP/1.1\r\nHost: a/b\r\n\r\n')" "HTTP/1.1 400 Bad Request"

# Dotfiles: 403 (/.git, /.env, any segment starting with "."), but /.well-known/ (ACME)
mkdir -p "$www/.git" "$www/.well-known/acme-challenge"
echo secret >"$www/.env"
echo secret >"$www/.git/config"
echo secret >"$www/sub/.htpasswd"
echo token >"$www/.well-known/acme-challenge/tok"
check dotfiles/env "$(code "$url/.env")" 403
check dotfiles/git "$(code "$url/.git/config")" 403
check dotfiles/encoded "$(code "$url/%2egit/config")" 403
check dotfiles/nested "$(code "$url/sub/.htpasswd")" 403
check dotfiles/well_known "$(curl -sk "$url/.well-known/acme-challenge/tok")" token

# Only regular files: a FIFO or a device node beneath the root is refused (403) without
# being read, and the worker goes on (a FIFO opened for reading would wait for a writer)
mkfifo "$www/fifo"
check special/fifo "$(code --max-time 5 "$url/fifo")" 403
check special/fifo_index "$(mkdir "$www/fdir" && mkfifo "$www/fdir/index.html" && code --max-time 5 "$url/fdir/")" 403
if mknod "$www/null" c 1 3 2>/dev/null; then
	check special/device "$(code --max-time 5 "$url/null")" 403
else
	skip special/device "mknod needs CAP_MKNOD"
fi
check special/serves_after "$(code --max-time 5 "$url/f1")" 200
check status/404 "$(code "$url/nope")" 404
check status/403_no_index "$(code "$url/sub/")" 403
check status/403_traversal "$(code --path-as-is "$url/../etc/passwd")" 403
check status/403_encoded_traversal "$(code --path-as-is "$url/sub/%2e%2e/%2e%2e/etc/passwd")" 403
check status/403_symlink_escape "$(code "$url/escape/passwd")" 403
check status/400_nul "$(code --path-as-is "$url/f1%00.txt")" 400
check status/405 "$(code -X POST "$url/f1")" 405
check status/413 "$(code -X GET -d 12345 "$url/f1")" 413
long=$(head -c 2000 /dev/zero | tr '\0' a)
check status/414 "$(code "$url/$long")" 414
hdrs=""
i=0
while [ $i -lt 70 ]; do hdrs="$hdrs -H X-$i:1"; i=$((i + 1)); done
# shellcheck disable=SC2086
check status/431 "$(code $hdrs "$url/f1")" 431
check status/400_no_host "$(raw 'GET /f1 HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check status/505 "$(raw 'GET /f1 HTTP/2.0\r\nHost: x\r\n\r\n')" "HTTP/1.1 505 HTTP Version Not Supported"

# Each refused request has its own log line: status, why, the request line (escaped).
sleep 0.2
logged() {	# logged NAME PATTERN: a "refused" line matching the grep pattern
	if grep 'refused' "$work/log" | grep -q -- "$2"; then pass "log/$1"; else
		fail "log/$1" "no refused line matching '$2'"; fi
}
logged 404 'refused 404 (no such file): "GET /nope HTTP/1.1"'
logged 403_traversal 'refused 403 (a \. or \.\. segment in the path): "GET /\.\./etc/passwd '
logged 403_encoded 'refused 403 (a \. or \.\. segment in the path): "GET /sub/%2e%2e/%2e%2e/etc/passwd '
logged 403_symlink 'refused 403 (the path leaves the served root): "GET /escape/passwd '
logged 403_no_index 'refused 403 (directory without index.html): "GET /sub/ '
logged 400_nul 'refused 400 (malformed request): "GET /f1%00.txt '
logged 414 'refused 414 (request target too long): "GET /aaaa.*\.\.\."$'
logged 431 'refused 431 (header fields too large or too many)'
logged 413 'refused 413 (a request body): "GET /f1 '
logged 405 'refused 405 (Method Not Allowed): "POST /f1 '
logged 412 'refused 412 (If-Match: another version): "GET /cond '
logged 412_unmodified 'refused 412 (If-Unmodified-Since: modified since): "GET /cond '
logged 403_dotfile 'refused 403 (a dotfile: a path segment starts with a dot): "GET /\.env '
logged 403_fifo 'refused 403 (not a regular file): "GET /fifo '
# a request line cannot forge a log line: control bytes are escaped
raw 'GET /\033[31mred\001 HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/null
sleep 0.2
logged escaped 'refused 400 (malformed request): "GET /\\x1b\[31mred\\x01 HTTP/1.1"'
fi	# end of HTTP semantics (KTLSO_E2E_QUICK)

# RFC 6066 max_fragment_length: records of at most 512 bytes, so the connection stays in
# OpenSSL (kTLS would send 16 KiB records the client refuses), with the reason logged.
seq 1 5000 >"$www/seq.txt"	# 23893 bytes of text: the body survives tr -d '\r'
for v in -tls1_3 -tls1_2; do
	got=$(printf 'GET /seq.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		openssl s_client -quiet $v -maxfraglen 512 -connect 127.0.0.1:$port 2>/dev/null |
		tr -d '\r' | sed '1,/^$/d' | sha256sum | cut -d' ' -f1)
	check "maxfraglen$v" "$got" "$(sha256sum <"$www/seq.txt" | cut -d' ' -f1)"
done
if [ "$expect" != userspace ]; then
	sleep 0.2
	grep -q 'maximum fragment length' "$work/log" && pass maxfraglen/fallback_logged ||
		fail maxfraglen/fallback_logged "no fallback reason in the log"
fi

# The handoff: a request in the same segment as the client's Finished.
for v in "" "-2"; do
	# shellcheck disable=SC2086
	if out=$(kclient $v early $port /f16384 2>&1); then pass "early_request${v:+/tls12}"; else fail "early_request${v:+/tls12}" "$out"; fi
done
if out=$(kclient pipeline $port /f16385 5 2>&1); then pass pipelining; else fail pipelining "$out"; fi
# 15.5 KB of pipelined requests in one record, more than the request buffer holds at once
# (it hung once in userspace RX)
if out=$(kclient pipeline $port /f1 500 2>&1); then pass pipelining_500; else fail pipelining_500 "$out"; fi
# a renegotiation ClientHello behind a request (it crashed the daemon once)
out=$(kclient reneg $port /f1 2>&1) && pass renegotiation_refused || fail renegotiation_refused "$out"
check serves_after_renegotiation "$(code "$url/f1")" 200

# The client's end of the connection after its requests: close_notify (RFC 8446 §6.1
# closes only the sender's side) or a FIN. What was asked before it is answered, then the
# connection closes. openssl s_client fed from a pipe sends its close_notify at the end of
# its input (-no_ign_eof; -quiet alone would wait) and then closes its socket without waiting:
# whether it prints the answer is its own race, so the daemon's log says whether it answered
# (before: requests=0 close="close_notify").
sclient() { printf "$1" | openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:$port 2>/dev/null | tr -d '\r'; }
unanswered() { grep -c 'requests=0 .*close="close_notify"' "$work/log"; }
before=$(unanswered)
for i in 1 2 3 4 5; do
	sclient 'GET /f1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >/dev/null
	sclient 'GET /f1 HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/null
done
sleep 0.2
check close_notify/s_client_answered "$(unanswered)" "$before"
# gnutls-cli waits for the server's close after its own: it shows the answers
if command -v gnutls-cli >/dev/null; then
	gcli() { printf "$1" | gnutls-cli --insecure --logfile=/dev/null -p $port 127.0.0.1 2>/dev/null |
		tr -d '\r' | grep -a '^HTTP/1.1 ' | tr '\n' ,; }
	check close_notify/gnutls_cli "$(gcli 'GET /f1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" \
		"HTTP/1.1 200 OK,"
	check close_notify/gnutls_cli_pipelined \
		"$(gcli 'GET /f0 HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n')" \
		"HTTP/1.1 200 OK,HTTP/1.1 404 Not Found,"
else
	skip close_notify/gnutls_cli "gnutls-cli is not installed (Debian: gnutls-bin)"
fi
# the same with the requests and the end in the segment of the client's Finished: under
# kTLS the close_notify comes as a control record after the requests' data
closed2() { grep -c "requests=2 .*close=\"$1\"" "$work/log"; }
notify0=$(closed2 close_notify) fin0=$(closed2 'client closed without close_notify')
for how in notify fin; do
	for n in 1 2; do
		out=$(kclient close $port /f16385 $n $how 2>&1) && pass "close_$how/$n" || fail "close_$how/$n" "$out"
		out=$(kclient -2 close $port /f16385 $n $how 2>&1) && pass "close_$how/$n/tls12" ||
			fail "close_$how/$n/tls12" "$out"
	done
done
sleep 0.2
check close_notify/logged "$(closed2 close_notify)" $((notify0 + 2))
check close_fin/logged "$(closed2 'client closed without close_notify')" $((fin0 + 2))

# A client gone wrong loses only its own connection.
out=$(kclient corrupt $port 2>&1) && pass corrupted_record || fail corrupted_record "$out"
gone0=$(grep -c 'close="client went away"' "$work/log")
out=$(kclient abort $port /big 300000 2>&1) && pass client_abort || fail client_abort "$out"
# a reset connection is let go at once: not kept for the send timeout as if it still had
# bytes to deliver (its slot under --max-conns, its log line)
wait_line_count() { _i=0; while [ "$(grep -c "$1" "$work/log")" -le "$2" ] && [ $_i -lt 12 ]; do sleep 0.25; _i=$((_i + 1)); done; }
wait_line_count 'close="client went away"' "$gone0"
[ "$(grep -c 'close="client went away"' "$work/log")" -gt "$gone0" ] && pass client_abort/closed_at_once ||
	fail client_abort/closed_at_once "no 'client went away' close within 3 s of the reset"
out=$(kclient keyupdate $port /f1 2>&1) && pass keyupdate_handled || fail keyupdate_handled "$out"
sleep 0.5
check serves_after_faults "$(code "$url/f1")" 200
grep -q 'close="corrupted record from client\|close="TLS error' "$work/log" && pass corrupted_record/logged ||
	fail corrupted_record/logged "no close reason for the corrupted record in the log"

# 64 clients at once, each its own connection.
args=""
i=0
while [ $i -lt 64 ]; do args="$args $url/f1048576 -o $work/par$i"; i=$((i + 1)); done
# shellcheck disable=SC2086
if curl -sk --no-progress-meter --parallel --parallel-max 64 $args; then
	ok=1
	want=$(sum "$www/f1048576")
	i=0
	while [ $i -lt 64 ]; do
		[ "$(sum "$work/par$i")" = "$want" ] || ok=0
		i=$((i + 1))
	done
	[ $ok = 1 ] && pass concurrent_64 || fail concurrent_64 "a download differs"
else
	fail concurrent_64 "curl failed"
fi
rm -f "$work"/par*

# The second listener has offload off.
curl -sk "https://127.0.0.1:$port2/f16384" -o "$work/dl2" && [ "$(sum "$work/dl2")" = "$(sum "$www/f16384")" ] &&
	pass listener_offload_off || fail listener_offload_off "download failed"
sleep 0.2
case $(grep "conn peer" "$work/log" | tail -n 1) in
*"offload=userspace "*) pass listener_offload_off/logged ;;
*) fail listener_offload_off/logged "$(grep "conn peer" "$work/log" | tail -n 1)" ;;
esac
# Userspace TLS, a file not in the page cache: RWF_NOWAIT finds it missing and the read is
# done blocking instead (respond.c, resp_user_read). GNU dd drops a file's clean pages.
want=$(sum "$www/f1048576")
sync
if dd if="$www/f1048576" iflag=nocache count=0 2>/dev/null; then
	command -v fincore >/dev/null && echo "# cold file: $(fincore -n -o RES "$www/f1048576") cached"
	curl -sk "https://127.0.0.1:$port2/f1048576" -o "$work/dl2" &&
		[ "$(sum "$work/dl2")" = "$want" ] && pass listener_offload_off/cold_file ||
		fail listener_offload_off/cold_file "download failed or differs"
else
	skip listener_offload_off/cold_file "this dd cannot drop a file's pages (iflag=nocache)"
fi

# Operations: reload, then drain on SIGTERM.
kill -HUP $pid
sleep 0.5
grep -q "reloaded certificate" "$work/log" && pass sighup_reload || fail sighup_reload "no reload line"
check serves_after_reload "$(code "$url/f1")" 200
if stop_ktlsod; then
	check sigterm_exit "$st" 0
else
	fail sigterm_exit "still running 10 s after SIGTERM"
fi
grep -q "stopped:" "$work/log" && pass sigterm/summary_logged || fail sigterm/summary_logged "no summary line"

# The open-file cache (userspace/ktlsod/ofc.c), on one worker so that every request finds
# what the one before put there: a file renamed over, rewritten in place or deleted is
# answered from the disk at once; a file moved away with another put in its place, within
# the cache's 2 s.
p4=$((port + 3))
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --listen 127.0.0.1:$p4 \
	--workers 1 --log "$work/log4"
u4=https://127.0.0.1:$p4
printf v1 >"$www/ofc"
if wait_https "$u4/ofc"; then
	check ofc/first "$(curl -sk "$u4/ofc")" v1
	check ofc/cached "$(curl -sk "$u4/ofc")" v1
	printf 'version 2' >"$work/ofc.new"
	mv "$work/ofc.new" "$www/ofc"
	check ofc/renamed_over "$(curl -sk "$u4/ofc")" 'version 2'
	printf v3 >"$www/ofc"	# the same file, shorter: the size is fstat()'s of this request
	check ofc/rewritten_shorter "$(curl -sk "$u4/ofc")" v3
	printf 'version 4, longer' >>"$www/ofc"
	check ofc/appended "$(curl -sk "$u4/ofc")" 'v3version 4, longer'
	rm "$www/ofc"
	check ofc/deleted "$(code "$u4/ofc")" 404
	printf old >"$www/ofc"
	check ofc/recreated "$(curl -sk "$u4/ofc")" old
	mv "$www/ofc" "$www/ofc.moved"	# still linked: only the cache's expiry sees this
	printf new >"$www/ofc"
	sleep 3
	check ofc/moved_away_expired "$(curl -sk "$u4/ofc")" new
	rm -f "$www/ofc" "$www/ofc.moved"
else
	fail ofc/start "ktlsod did not answer: $(tail -n 3 "$work/log4")"
fi
kill $pid
wait $pid 2>/dev/null

# Timeouts and the connection cap, on a second daemon with tight limits.
p3=$((port + 2))
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --listen 127.0.0.1:$p3 \
	--workers 1 --max-conns 1 --handshake-timeout 1 --header-timeout 1 --idle-timeout 2 --send-timeout 2 \
	--hsts 31536000 --dotfiles allow \
	--log "$work/log2"
wait_https "https://127.0.0.1:$p3/f1"
[ -n "${KTLSO_E2E_QUICK:-}" ] ||	# .env is made with the HTTP semantics
	check dotfiles/allowed "$(curl -sk "https://127.0.0.1:$p3/.env")" secret
check headers/hsts "$(curl -sk -I "https://127.0.0.1:$p3/f1" | tr -d '\r' | grep -c '^Strict-Transport-Security: max-age=31536000$')" 1
# the timeouts and the cap: the daemon's own clocks (left out with KTLSO_E2E_QUICK=1)
if [ -z "${KTLSO_E2E_QUICK:-}" ]; then	# (not indented: up to "end of timeouts")
for w in "silent 4 handshake timeout" "tls 4 no request after the handshake" "partial 4 request header timeout" \
	"idle 5 idle timeout" "noread 5 send timeout (client not reading)"; do
	set -- $w
	what=$1
	# one more line with this reason than before (two cases share one)
	before=$(grep -c "close=\"${w#* * }\"" "$work/log2")
	out=$(kclient waitclose $p3 $1 $2 2>&1) && pass "timeout/$what" || fail "timeout/$what" "$out"
	shift 2
	# the line is written once the daemon has let go of the connection: shortly after
	# the client saw the close
	i=0
	until [ "$(grep -c "close=\"$*\"" "$work/log2")" -gt "$before" ] || [ $i -ge 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -c "close=\"$*\"" "$work/log2")" -gt "$before" ] && pass "timeout/$what/logged" ||
		fail "timeout/$what/logged" "no new close=\"$*\" in the log"
done
mkfifo "$work/capfifo"
kclient hold $p3 /f1 1 <"$work/capfifo" >"$work/cap.out" 2>&1 &
cpid=$!
exec 6>"$work/capfifo"
i=0
until grep -q holding "$work/cap.out" 2>/dev/null || [ $i -gt 40 ]; do sleep 0.25; i=$((i + 1)); done
check cap/503 "$(code "https://127.0.0.1:$p3/f1")" 503
exec 6>&-
wait $cpid
check cap/after "$(code "https://127.0.0.1:$p3/f1")" 200
fi	# end of timeouts (KTLSO_E2E_QUICK)
kill $pid
wait $pid 2>/dev/null

# The defaults, on a daemon of their own (the one above takes one connection at a time).
# Key exchange without --groups: OpenSSL's default groups but the finite-field ones (tls.c).
# From OpenSSL 3.5 on (Debian 13) they begin with the post-quantum hybrid X25519MLKEM768,
# which its s_client sends by default too; OpenSSL 3.0 (Debian 12) has no such group.
group() {	# group PORT S_CLIENT-ARGS...: the key exchange the handshake settled on
	_p=$1
	shift
	echo | openssl s_client -connect "127.0.0.1:$_p" "$@" 2>&1 | sed -n -e \
		's/^Negotiated TLS1.3 group: //p' -e 's/^Server Temp Key: //p' -e 's/^Peer Temp Key: //p' |
		head -n 1
}
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --listen 127.0.0.1:$p3 \
	--workers 1 --log "$work/log4"
if wait_https "https://127.0.0.1:$p3/f1"; then
	# no --tls-min: TLS 1.3, and TLS 1.2 for the clients without it
	check versions/default_tls13 "$(code --tlsv1.3 "https://127.0.0.1:$p3/f1")" 200
	check versions/default_tls12 "$(code --tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$p3/f1")" 200
	g=$(group $p3 -groups X25519)
	case $g in X25519*) pass groups/default_x25519 ;; *) fail groups/default_x25519 "negotiated '$g'" ;; esac
	if echo | openssl s_client -connect 127.0.0.1:$p3 -groups ffdhe2048 >/dev/null 2>&1; then
		fail groups/default_no_ffdhe "a client offering only ffdhe2048 got a connection"
	else
		pass groups/default_no_ffdhe
	fi
	case $(openssl version) in
	"OpenSSL 3."[0-4].*)
		skip groups/x25519mlkem768 "$(openssl version | cut -d' ' -f1-2) has no X25519MLKEM768 (3.5 has)" ;;
	*)
		check groups/x25519mlkem768 "$(group $p3 -groups X25519MLKEM768)" X25519MLKEM768
		check groups/default_client "$(group $p3)" X25519MLKEM768 ;;
	esac
else
	fail versions/default "ktlsod with the default versions did not answer: $(tail -n 3 "$work/log4")"
fi
kill $pid
wait $pid 2>/dev/null

# --tls-min 1.3, the modern-only listener: a TLS 1.2 client gets no connection. With
# --groups P-256, a client that prefers another group (X25519 first) gets P-256.
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --listen 127.0.0.1:$p3 \
	--workers 1 --tls-min 1.3 --groups P-256 --log "$work/log3"
if wait_https "https://127.0.0.1:$p3/f1"; then
	check versions/tls13_only_tls12 "$(code --tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$p3/f1")" 000
	check versions/tls13_only_tls13 "$(code --tlsv1.3 "https://127.0.0.1:$p3/f1")" 200
	g=$(group $p3 -groups X25519:P-256)
	case $g in *prime256v1*|*P-256*) pass groups/configured ;; *) fail groups/configured "negotiated '$g'" ;; esac
else
	fail versions/tls13_only "ktlsod --tls-min 1.3 did not answer: $(tail -n 3 "$work/log3")"
fi
kill $pid
wait $pid 2>/dev/null

# A group OpenSSL does not know: refused at start, by name, from the flag and the file.
out=$(ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --groups X25519:bogus 2>&1)
st=$?
case "$st $out" in
"2 ktlsod: --groups: 'bogus' is not a TLS group of OpenSSL"*) pass groups/bad_flag ;;
*) fail groups/bad_flag "exit $st: $out" ;;
esac
printf 'groups = P-256:bogus\n' >"$work/groups.conf"
out=$(ktlsod --config "$work/groups.conf" --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" 2>&1)
st=$?
case "$st $out" in
"1 ktlsod: config: $work/groups.conf:1: 'bogus' is not a TLS group of OpenSSL"*) pass groups/bad_config ;;
*) fail groups/bad_config "exit $st: $out" ;;
esac
exit 0
