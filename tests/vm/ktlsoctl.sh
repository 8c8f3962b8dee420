#!/bin/sh
# tests/vm/ktlsoctl.sh: ktlsoctl against ktlso.ko, every subcommand and its errors, human
# and JSON output, as root and as an unprivileged user. Runs inside the VM (tests/vm/run)
# or natively on a kTLS host as root; sockets come from tests/tools/regsock.c, a stand-in
# server. POSIX sh (busybox). Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." 2>/dev/null || true

T=vm/ktlsoctl
failures=0
pass() { echo "PASS $T/$1"; }
fail() { echo "FAIL $T/$1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $T/$1: $2"; }

work=$(mktemp -d /tmp/ktlsoctl-test.XXXXXX)
bgpids=
cleanup() {
	for p in $bgpids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${old_scan:-}" ] && echo "$old_scan" >"$scan" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# run CMD...: $out (stdout and stderr) and $st.
run() { out=$("$@" 2>&1); st=$?; }
# as_nobody 'CMD': the same, as the unprivileged user.
as_nobody() { out=$(su -s /bin/sh nobody -c "$1" 2>&1); st=$?; }
# check NAME STATUS REGEX: the last run exited STATUS and its output matches REGEX (ERE).
check() {
	if [ "$st" != "$2" ]; then
		fail "$1" "status $st, want $2: $out"
	elif ! printf '%s\n' "$out" | grep -Eq -- "$3"; then
		fail "$1" "output does not match /$3/: $out"
	else
		pass "$1"
	fi
}
# json NAME: the last run's output is valid JSON (one text).
json() {
	if [ "$st" != 0 ]; then
		fail "$1" "status $st: $out"
	elif ! err=$(printf '%s\n' "$out" | jsoncheck 2>&1); then
		fail "$1" "invalid JSON ($err): $out"
	else
		pass "$1"
	fi
}
# wait_for FILE REGEX [TENTHS]: until FILE has a line matching REGEX (default 5 s).
wait_for() {
	n=${3:-50}
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# regsock NAME ARGS...: start a stand-in server in the background; $rpid, $rout, $ids.
regsock_start() {
	name=$1
	shift
	rout=$work/reg-$name
	regsock "$@" >"$rout" 2>&1 &
	rpid=$!
	bgpids="$bgpids $rpid"
	if ! wait_for "$rout" '^ready$' 100; then
		fail "$name" "regsock $* did not get ready: $(cat "$rout")"
		kill "$rpid" 2>/dev/null
		return 1
	fi
	ids=$(sed -n 's/^sock \([0-9]*\) .*/\1/p' "$rout")
	return 0
}
regsock_stop() { kill -TERM "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; }
# monitor_start [-j]: ktlsoctl monitor in the background into $mon; $mpid.
monitor_start() {
	nmon=$((${nmon:-0} + 1))
	mon=$work/mon.$nmon
	ktlsoctl monitor "$@" >"$mon" 2>&1 &
	mpid=$!
	bgpids="$bgpids $mpid"
	# It is subscribed once it sits in ppoll; there is no line to wait for.
	sleep 0.5
}
monitor_stop() { kill -INT "$mpid" 2>/dev/null; wait "$mpid"; mst=$?; }

# ---------------------------------------------------------------- without the module
run ktlsoctl no-such-command
check usage_error 2 'Usage'
run ktlsoctl help
check help 0 'sock .*policy|policy'
case $out in
*show*sock*policy*monitor*stats*version*probe*) pass help_lists_all ;;
*) fail help_lists_all "help does not list every command: $out" ;;
esac
run ktlsoctl sock help
check sock_help_no_way_back 0 'There is no way back: upstream kTLS cannot remove itself'
run ktlsoctl sock unoffload 1
check sock_unoffload_explained 2 'cannot be moved back out of kTLS'
run ktlsoctl sock show abc
check sock_show_bad_id 2 "'abc' is not a socket id"
run ktlsoctl sock show
check sock_show_no_id 2 'which socket'
run ktlsoctl sock offload 1 --timeout x
check sock_offload_bad_timeout 2 '--timeout takes whole seconds'
run ktlsoctl sock frob
check sock_unknown 2 'sock frob: unknown command'
run ktlsoctl policy add 10.0.0.1 mode tx
check policy_add_no_port 2 "missing ':PORT'"
run ktlsoctl policy add ::1:443 mode tx
check policy_add_v6_brackets 2 'IPv6 addresses go in brackets'
run ktlsoctl policy add 10.0.0.1:99999 mode tx
check policy_add_bad_port 2 'port must be a number from 1 to 65535'
run ktlsoctl policy add 10.0.0.300:443 mode tx
check policy_add_bad_addr 2 'not an IPv4 address'
run ktlsoctl policy add '[::g]:443' mode tx
check policy_add_bad_addr6 2 'not an IPv6 address'
run ktlsoctl policy add 10.0.0.1:443
check policy_add_no_mode 2 'mode is required'
run ktlsoctl policy add 10.0.0.1:443 mode sideways
check policy_add_bad_mode 2 "mode: 'sideways' is not off, tx, rx or txrx"
run ktlsoctl policy add 10.0.0.1:443 mode tx ciphers aes-128-gcm,rot13
check policy_add_bad_cipher 2 "unknown cipher 'rot13'"
run ktlsoctl policy add 10.0.0.1:443 mode tx limit -5
check policy_add_bad_limit 2 'limit: .* is not a positive number'
run ktlsoctl policy add 10.0.0.1:443 mode tx warn 0
check policy_add_bad_warn 2 'not a percentage from 1 to 100'
run ktlsoctl policy add 10.0.0.1:443 mode tx mode rx
check policy_add_twice 2 'mode given twice'
run ktlsoctl policy add 10.0.0.1:443 mode tx colour blue
check policy_add_unknown_kw 2 "unknown keyword 'colour'"
run ktlsoctl policy add 10.0.0.1:443 mode
check policy_add_missing_value 2 'mode needs a value'
run ktlsoctl policy del
check policy_del_no_addr 2 'which listener'
run ktlsoctl stats -j --prometheus
check stats_exclusive 2 'exclude each other'
run ktlsoctl monitor now
check monitor_bad_arg 2 "unexpected argument 'now'"

run ktlsoctl probe
check probe 0 '^tls ulp: available$'
check probe_chacha 0 '^  TLSv1.3 CHACHA20-POLY1305  yes$'
check probe_zerocopy_ro 0 '^tx zerocopy sendfile: accepted \(TLS_TX_ZEROCOPY_RO\), has an effect only with NIC offload$'
run ktlsoctl probe -j
json probe_json

if ! grep -qs '^ktlso ' /proc/modules; then
	if [ "${KTLSO_EXPECT_MODULE:-0}" = 1 ]; then
		fail module "ktlso.ko should have been loaded"
	else
		skip module "ktlso.ko is not loaded (tests/vm/run --no-ktlso, or a native run)"
	fi
	run ktlsoctl stats --prometheus
	check prometheus_no_module 0 '^ktlso_module_loaded 0$'
	echo "# $T: $failures failed"
	[ "$failures" = 0 ]
	exit
fi

# Faster reaping and guard checks, as tests/e2e/ctl.sh does.
scan=/sys/module/ktlso/parameters/scan_ms
old_scan=$(cat "$scan" 2>/dev/null)
[ -n "$old_scan" ] && echo 100 >"$scan" 2>/dev/null
nobody_uid=$(id -u nobody)
# A socket cookie no socket has: they count up from 1 per boot.
noid=18446744073709551615

# ---------------------------------------------------------------- version, show
# Every part is built with the VERSION file's version: ktlsoctl's own line says which.
ver=$(ktlsoctl version 2>/dev/null | sed -n '1s/^ktlsoctl //p')
ver_re=$(printf '%s' "$ver" | sed 's/[].[*^$\\+?(){}|]/\\&/g')
case $ver in
[0-9]*.[0-9]*) pass version_tool ;;
*) fail version_tool "ktlsoctl version's first line names no version: '$ver'" ;;
esac
run ktlsoctl version
check version 0 "module: $ver_re \\(netlink protocol 1\\)"
run ktlsoctl -j version
check json_first_without_json 2 "-j: 'version' has no JSON output"
run ktlsoctl --json stats
json json_first_stats
as_nobody 'ktlsoctl version'
check version_unprivileged 0 'netlink protocol 1'
run ktlsoctl
case $out in
"module: $ver (netlink protocol 1)"*) check show_default 0 '^  sockets: [0-9]+ registered' ;;
*) fail show_default "status $st, first line is not the module's: $out" ;;
esac
check show_summary 0 '^  policies: [0-9]+$'
as_nobody 'ktlsoctl show'
check show_unprivileged 0 '^  sockets: '

# ---------------------------------------------------------------- policy
run ktlsoctl policy add 127.0.0.1:8443 mode txrx ciphers aes-128-gcm,chacha20-poly1305 \
	limit 1000 warn 80
check policy_add 0 '^$'
run ktlsoctl policy list
check policy_list 0 '^127\.0\.0\.1:8443 +txrx +aes-128-gcm,chacha20-poly1305 +1000 +80%$'
check policy_list_header 0 '^ADDRESS +MODE +CIPHERS +LIMIT +WARN$'
run ktlsoctl policy add 127.0.0.1:8443 mode rx
run ktlsoctl policy list
check policy_replace 0 '^127\.0\.0\.1:8443 +rx +all +default +90%$'
run ktlsoctl policy add '*:9443' mode tx ciphers aes-256-gcm
check policy_add_both 0 '^$'
run ktlsoctl policy list
check policy_list_v4_wild 0 '^0\.0\.0\.0:9443 +tx +aes-256-gcm '
check policy_list_v6_wild 0 '^\[::\]:9443 +tx +aes-256-gcm '
run ktlsoctl policy add '[::1]:8443' mode off
run ktlsoctl policy list -j
json policy_list_json
check policy_list_json_fields 0 '"address":"\[::1\]:8443","mode":"off","ciphers":null,"rec_limit":0,"warn_pct":90'
as_nobody 'ktlsoctl policy list'
check policy_list_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN.*kernel: needs CAP_NET_ADMIN in the initial user namespace'
as_nobody 'ktlsoctl policy add 127.0.0.1:1 mode tx'
check policy_add_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN'
as_nobody 'ktlsoctl policy del 127.0.0.1:8443'
check policy_del_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN'
# Root of a user namespace of one's own is no admin of the module (unless userns_admin=1).
as_nobody 'unshare -Urn sh -c "ip link set lo up; ktlsoctl policy add 127.0.0.1:9 mode off"'
check policy_add_userns 1 'policy add 127\.0\.0\.1:9: permission denied: this needs CAP_NET_ADMIN in the initial user namespace.*kernel: needs CAP_NET_ADMIN in the initial user namespace \(module parameter userns_admin=1'
as_nobody 'unshare -Urn sh -c "ktlsoctl stats"'
check stats_userns 1 'stats: permission denied: this needs CAP_NET_ADMIN'
userns_admin=/sys/module/ktlso/parameters/userns_admin
echo 1 >"$userns_admin"
as_nobody 'unshare -Urn sh -c "ip link set lo up; ktlsoctl policy add 127.0.0.1:9 mode off && ktlsoctl policy list"'
echo 0 >"$userns_admin"
check policy_add_userns_admin 0 '^127\.0\.0\.1:9 +off '
run ktlsoctl stats -j
case $out in
*'"policies":4'*) pass policy_count ;;
*) fail policy_count "stats should count 4 policies: $out" ;;
esac
# save and load: the whole set to a file and back, all or none, --replace for the whole truth.
run ktlsoctl policy save "$work/pol"
check policy_save 0 '^$'
out=$(grep -v '^#' "$work/pol"); st=0
check policy_save_file 0 '^127\.0\.0\.1:8443 mode rx ciphers all limit default warn 90$'
[ "$(grep -vc '^#' "$work/pol")" = 4 ] && pass policy_save_count || fail policy_save_count "$(cat "$work/pol")"
run ktlsoctl policy save
[ "$out" = "$(cat "$work/pol")" ] && pass policy_save_stdout || fail policy_save_stdout "$out"
run ktlsoctl policy del 127.0.0.1:8443
run ktlsoctl policy load "$work/pol"
check policy_load 0 "policy load: $work/pol: 4 added or replaced, 0 deleted"
run ktlsoctl policy list
check policy_load_restored 0 '^127\.0\.0\.1:8443 +rx +all +default +90%$'
run ktlsoctl policy add 127.0.0.1:7443 mode tx
run ktlsoctl policy load --replace "$work/pol"
check policy_load_replace 0 "4 added or replaced, 1 deleted"
run ktlsoctl policy list
case $out in
*7443*) fail policy_load_replace_deleted "127.0.0.1:7443 is still there: $out" ;;
*) pass policy_load_replace_deleted ;;
esac
printf '# two policies, the second one wrong\n127.0.0.1:6443 mode tx   # fine\n\n127.0.0.1:6444 mode sideways\n' >"$work/bad"
run ktlsoctl policy load "$work/bad"
check policy_load_bad_line 2 "mode: 'sideways' is not off"
check policy_load_bad_line_where 2 "policy load: $work/bad:4: not loaded"
run ktlsoctl policy list
case $out in
*6443*) fail policy_load_all_or_none "a line of a refused file was loaded: $out" ;;
*) pass policy_load_all_or_none ;;
esac
run ktlsoctl policy load "$work/none"
check policy_load_missing 1 "policy load: $work/none: No such file or directory"
chmod 644 "$work/pol"; chmod 755 "$work"
as_nobody "ktlsoctl policy load $work/pol"
check policy_load_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN'
run ktlsoctl policy del 127.0.0.1:8443
check policy_del 0 '^$'
run ktlsoctl policy del 127.0.0.1:8443
check policy_del_missing 1 'policy del 127\.0\.0\.1:8443: no such policy'
run ktlsoctl policy del '*:9443'
check policy_del_both 0 '^$'
run ktlsoctl policy del '[::1]:8443'
run ktlsoctl policy list
case $out in
*8443*|*9443*) fail policy_all_deleted "policies left: $out" ;;
*) pass policy_all_deleted ;;
esac

# ---------------------------------------------------------------- monitor: policy events
as_nobody 'ktlsoctl monitor'
check monitor_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN'
monitor_start
ktlsoctl policy add 127.0.0.1:7443 mode txrx >/dev/null 2>&1
ktlsoctl policy del 127.0.0.1:7443 >/dev/null 2>&1
if wait_for "$mon" '^policy del '; then
	if grep -qx 'policy add 127.0.0.1:7443 mode txrx ciphers all limit default warn 90' "$mon" &&
		grep -qx 'policy del 127.0.0.1:7443 mode txrx ciphers all limit default warn 90' "$mon"
	then
		pass monitor_policy
	else
		fail monitor_policy "unexpected lines: $(cat "$mon")"
	fi
else
	fail monitor_policy "no policy del line within 5 s: $(cat "$mon")"
fi
monitor_stop
[ "$mst" = 0 ] && pass monitor_sigint || fail monitor_sigint "monitor exited $mst on SIGINT"

monitor_start -j
ktlsoctl policy add '[::]:7443' mode tx limit 5000 >/dev/null 2>&1
ktlsoctl policy del '[::]:7443' >/dev/null 2>&1
if wait_for "$mon" '"event":"policy-del"'; then
	if err=$(jsoncheck -l <"$mon" 2>&1) &&
		grep -q '^{"event":"policy-add","policy":{"address":"\[::\]:7443","mode":"tx",' "$mon"
	then
		pass monitor_json
	else
		fail monitor_json "$err: $(cat "$mon")"
	fi
else
	fail monitor_json "no policy-del event within 5 s: $(cat "$mon")"
fi
monitor_stop

# ---------------------------------------------------------------- sockets
monitor_start
if regsock_start sock_register -n 2 -m txrx -r 5; then
	id=$(echo "$ids" | head -n 1)
	id2=$(echo "$ids" | tail -n 1)
	pass sock_register
	run ktlsoctl sock list
	check sock_list_header 0 '^ID +LOCAL +PEER +VERSION +CIPHER +TX +RX +TX-REC +RX-REC +SENT +RECV +KEYGEN +AGE +FALLBACK$'
	check sock_list 0 "^$id +127\\.0\\.0\\.1:[0-9]+ +127\\.0\\.0\\.1:[0-9]+ +TLSv1\\.3 +AES_128_GCM +sw +sw +5 +5 +[0-9]+ +[0-9]+ +0 +[0-9]+s +-$"
	check sock_list_second 0 "^$id2 "
	run ktlsoctl -j sock list
	json sock_list_json_first
	check sock_list_json_first_fields 0 "\"id\":$id,\"local\""
	run ktlsoctl sock list -j
	json sock_list_json
	check sock_list_json_fields 0 "\"id\":$id,\"local\":\"127\\.0\\.0\\.1:[0-9]+\",\"peer\":\"127\\.0\\.0\\.1:[0-9]+\",\"uid\":0,\"pid\":$rpid,\"version\":\"TLSv1\\.3\",\"cipher\":\"AES_128_GCM\",\"tx\":\"sw\",\"rx\":\"sw\",\"tx_seq\":5,\"rx_seq\":5,"
	run ktlsoctl sock show "$id"
	check sock_show 0 "^sock: $id$"
	check sock_show_conf 0 '^  tx: sw$'
	check sock_show_records 0 '^  tx records: 5$'
	check sock_show_limit 0 '^  record limit: 23726566 per key$'
	check sock_show_fallback 0 '^  fallback: none$'
	kill -USR1 "$rpid"
	wait_for "$rout" '^sent$' || fail sock_records_move "regsock did not send"
	run ktlsoctl sock show "$id"
	check sock_records_move 0 '^  rx records: 10$'
	run ktlsoctl sock show "$id" -j
	json sock_show_json
	check sock_show_json_fields 0 '"tx_seq":10,"rx_seq":10,"key_gen":0,'
	run ktlsoctl sock show "$noid"
	check sock_show_unknown 1 "^ktlsoctl: sock $noid: no such socket \\(or not yours\\)\$"
	run ktlsoctl
	check show_sock_line 0 "^sock $id: 127\\.0\\.0\\.1:[0-9]+ <- 127\\.0\\.0\\.1:[0-9]+ TLSv1\\.3 AES_128_GCM tx sw rx sw, age [0-9]+s$"
	check show_counts 0 '^  sockets: [0-9]+ registered, [0-9]+ in kTLS'
	as_nobody "ktlsoctl sock show $id"
	check sock_show_not_yours 1 "sock $id: no such socket \\(or not yours\\)"
	as_nobody 'ktlsoctl sock list'
	case $out in
	*"$id "*) fail sock_list_not_yours "nobody sees root's socket: $out" ;;
	*) check sock_list_not_yours 0 '^ID ' ;;
	esac
	run ktlsoctl sock offload "$id"
	check sock_offload_already 0 "^sock $id: already carried by kTLS in both directions$"
	as_nobody "ktlsoctl sock offload $id"
	check sock_offload_unprivileged 1 'permission denied: this needs CAP_NET_ADMIN'
	run ktlsoctl sock offload "$noid"
	check sock_offload_unknown 1 "sock $noid: no such socket \\(or not yours\\)"
	run ktlsoctl stats
	check stats_human 0 '^  tx: [0-9]+ sw, 0 hw, [0-9]+ user$'

	if wait_for "$mon" "^offloaded sock $id2 "; then
		line=$(grep "^offloaded sock $id " "$mon")
		case $line in
		"offloaded sock $id 127.0.0.1:"*" <- 127.0.0.1:"*" TLSv1.3 AES_128_GCM tx sw rx sw") pass monitor_offloaded ;;
		*) fail monitor_offloaded "line: $line; all: $(cat "$mon")" ;;
		esac
	else
		fail monitor_offloaded "no offloaded line: $(cat "$mon")"
	fi
	kill -HUP "$rpid"
	if wait_for "$mon" "^closed sock $id2 "; then
		line=$(grep "^closed sock $id " "$mon")
		case $line in
		"closed sock $id 127.0.0.1:"*" records tx 10 rx 10 bytes sent "*" received "*' reason "regsock: unregistered (test)"') pass monitor_closed ;;
		*) fail monitor_closed "line: $line" ;;
		esac
	else
		fail monitor_closed "no closed line: $(cat "$mon")"
	fi
	run ktlsoctl sock show "$id"
	check sock_unregistered 1 'no such socket'
	regsock_stop
fi
monitor_stop

# Owned by nobody: nobody sees it, and only it.
if regsock_start sock_other_uid -u "$nobody_uid" -m tx -r 2; then
	id=$ids
	as_nobody 'ktlsoctl sock list'
	check sock_list_own_uid 0 "^$id .* +sw +user +2 +- "
	as_nobody "ktlsoctl sock show $id -j"
	check sock_show_own_uid 0 "\"uid\":$nobody_uid,"
	regsock_stop
fi

# TLS 1.2 and ChaCha20-Poly1305 over IPv6: sequence numbers start at 1.
if regsock_start sock_tls12_v6 -6 -V 1.2 -c chacha20-poly1305 -m txrx -r 3; then
	id=$ids
	run ktlsoctl sock show "$id"
	check sock_tls12_version 0 '^  version: TLSv1\.2$'
	check sock_tls12_cipher 0 '^  cipher: CHACHA20_POLY1305$'
	check sock_tls12_seq 0 '^  tx records: 4$'
	check sock_v6_local 0 '^  local: \[::1\]:[0-9]+$'
	check sock_chacha_no_limit 0 '^  record limit: none$'
	regsock_stop
fi

# ---------------------------------------------------------------- live offload
monitor_start
if regsock_start offload_ok -m off -r 2 -a offload; then
	id=$ids
	run ktlsoctl sock list
	check sock_list_userspace 0 "^$id .* +user +user +- +- "
	run ktlsoctl sock offload "$id"
	check sock_offload 0 "^sock $id: offloaded to kTLS \\(tx: sw, rx: sw\\) at tx record 0, rx record 0$"
	run ktlsoctl sock show "$id"
	check sock_offload_state 0 '^  rx: sw$'
	wait_for "$mon" "^offloaded sock $id " &&
		grep -q "^offload-request sock $id$" "$mon" && pass monitor_offload_request ||
		fail monitor_offload_request "$(cat "$mon")"
	regsock_stop
	if wait_for "$mon" "^closed sock $id .* reason \"closed\"$" 60; then
		pass monitor_closed_reaped
	else
		fail monitor_closed_reaped "no closed line for a socket closed unregistered: $(cat "$mon")"
	fi
fi
if regsock_start offload_fallback -m off -a fallback; then
	id=$ids
	run ktlsoctl sock offload "$id"
	check sock_offload_fallback 1 "sock $id: stays in userspace TLS: regsock: asked to fall back \\(test\\)"
	wait_for "$mon" "^fallback sock $id " &&
		grep -q "^fallback sock $id \"regsock: asked to fall back (test)\"$" "$mon" &&
		pass monitor_fallback || fail monitor_fallback "$(cat "$mon")"
	run ktlsoctl sock show "$id"
	check sock_show_fallback_reason 0 '^  fallback: regsock: asked to fall back \(test\)$'
	regsock_stop
fi
if regsock_start offload_timeout -m tx; then
	id=$ids
	run ktlsoctl sock offload "$id" --timeout 1
	check sock_offload_timeout 1 "sock $id: no server answered within 1 s \\(is the daemon that owns it running\\?\\)"
	regsock_stop
fi
monitor_stop

# Many sockets: the dump spans several netlink messages and reads.
if regsock_start sock_dump_many -n 64 -m txrx; then
	run ktlsoctl sock list
	missing=
	for i in $ids; do
		printf '%s\n' "$out" | grep -q "^$i " || missing="$missing $i"
	done
	[ "$st" = 0 ] && [ -z "$missing" ] && pass sock_dump_many ||
		fail sock_dump_many "status $st, missing:$missing"
	run ktlsoctl sock list -j
	json sock_dump_many_json
	n=$(printf '%s' "$out" | grep -o '"id":' | wc -l)
	[ "$n" -ge 64 ] && pass sock_dump_many_json_count ||
		fail sock_dump_many_json_count "$n sockets in the JSON array, want 64 or more"
	regsock_stop
fi

# The module's refusal and its extended ACK reach the caller intact.
run regsock -X
check register_refused 0 '^refused: Protocol not supported'

# ---------------------------------------------------------------- key-usage guard
port=$((30000 + $$ % 20000))
ktlsoctl policy add "127.0.0.1:$port" mode txrx limit 100 warn 50 >/dev/null 2>&1
monitor_start
if regsock_start key_limit -p "$port" -m txrx -r 60; then
	id=$ids
	run ktlsoctl sock show "$id"
	check sock_policy_limit 0 '^  record limit: 100 per key$'
	check sock_key_usage 0 '^  key usage: tx 60\.0%, rx 60\.0%$'
	if wait_for "$mon" "^key-limit sock $id " 50; then
		grep -Eq "^key-limit sock $id (tx|rx) at 60 of 100 records$" "$mon" &&
			pass monitor_key_limit || fail monitor_key_limit "$(grep key-limit "$mon")"
	else
		fail monitor_key_limit "no key-limit event: $(cat "$mon")"
	fi
	regsock_stop
fi
monitor_stop
ktlsoctl policy del "127.0.0.1:$port" >/dev/null 2>&1

# ---------------------------------------------------------------- stats
run ktlsoctl stats
check stats 0 '^registered: [1-9][0-9]*$'
check stats_tls_stat 0 '^  TlsCurrTxSw: [0-9]+$'
run ktlsoctl stats -j
json stats_json
check stats_json_fields 0 '"offload_requests":[1-9][0-9]*,"key_limit_events":[1-9]'
as_nobody 'ktlsoctl stats'
check stats_unprivileged 1 'stats: permission denied: this needs CAP_NET_ADMIN'
run ktlsoctl stats --prometheus
prom=$out
if [ "$st" != 0 ]; then
	fail prometheus "status $st: $out"
else
	# Every sample line is "name{labels} value"; HELP and TYPE come before the samples
	# of their metric; counters end in _total.
	bad=$(printf '%s\n' "$prom" | awk '
		/^# HELP / { help[$3] = 1; next }
		/^# TYPE / { if (!help[$3]) { print "TYPE without HELP: " $0 }
			     type[$3] = $4
			     if ($4 != "counter" && $4 != "gauge") print "type: " $0
			     if ($4 == "counter" && $3 !~ /_total$/) print "counter name: " $0
			     next }
		/^#/ { print "comment: " $0; next }
		{ if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? [0-9]+(\.[0-9]+)?$/) print "sample: " $0
		  name = $0; sub(/[{ ].*/, "", name)
		  if (!type[name]) print "no TYPE for " name }')
	[ -z "$bad" ] && pass prometheus_format || fail prometheus_format "$bad"
	for m in 'ktlso_module_loaded 1' 'ktlso_sockets [0-9]+' \
		'ktlso_sockets_registered_total [1-9][0-9]*' 'ktlso_offload_requests_total [1-9]' \
		'ktlso_key_limit_events_total [1-9]' 'ktlso_policies [0-9]+' \
		"ktlso_module_info\\{version=\"$ver_re\",protocol=\"1\"\\} 1" \
		'ktlso_socket_directions\{direction="tx",carrier="sw"\} [0-9]+' \
		'ktlso_kernel_tls_tx_sw_total [1-9][0-9]*' 'ktlso_kernel_tls_curr_tx_sw [0-9]+'; do
		printf '%s\n' "$prom" | grep -Eqx "$m" || { fail prometheus_metrics "no line /$m/"; m=; break; }
	done
	[ -n "$m" ] && pass prometheus_metrics
	printf '%s\n' "$prom" | grep -q '^# TYPE ktlso_kernel_tls_curr_tx_sw gauge$' &&
		printf '%s\n' "$prom" | grep -q '^# TYPE ktlso_sockets_registered_total counter$' &&
		pass prometheus_types || fail prometheus_types "$prom"
fi

# ---------------------------------------------------------------- module unload and reload
if [ ! -f /ktlso/ktlso.ko ]; then
	skip module_unloaded "no /ktlso/ktlso.ko to reload (native run)"
elif rmmod ktlso; then
	run ktlsoctl version
	check module_unloaded 1 'ktlso module is not loaded'
	run ktlsoctl
	check show_unloaded 1 '^ktlsoctl: module: the ktlso module is not loaded'
	run ktlsoctl sock list
	check sock_list_unloaded 1 '^ktlsoctl: sock list: the ktlso module is not loaded'
	run ktlsoctl stats
	check stats_unloaded 1 'ktlso module is not loaded'
	run ktlsoctl stats --prometheus
	check prometheus_unloaded 0 '^ktlso_module_loaded 0$'
	case $out in
	*ktlso_sockets*) fail prometheus_unloaded_only "module metrics without the module: $out" ;;
	*) pass prometheus_unloaded_only ;;
	esac
	run ktlsoctl monitor
	check monitor_unloaded 1 'ktlso module is not loaded'
	if insmod /ktlso/ktlso.ko && ktlsoctl version >/dev/null 2>&1; then
		pass module_reload
		[ -n "$old_scan" ] && echo 100 >"$scan" 2>/dev/null
	else
		fail module_reload "insmod or version after reload failed"
	fi
else
	fail module_unloaded "rmmod ktlso failed"
fi

echo "# $T: $failures failed"
[ "$failures" = 0 ]
