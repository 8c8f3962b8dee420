#!/bin/sh
# tests/e2e/keys.sh: no key of an offloaded connection stays in ktlsod's memory or log.
# Needs kTLS and root (reads /proc/PID/mem): runs in the VM (tests/vm/suite.sh), or
#   tests/vm/run -- sh tests/e2e/keys.sh
# Prints PASS/FAIL/SKIP lines.
#
# kclient derives the connection's keys from its own key log (TLS 1.3 traffic secrets,
# both directions' write key and IV; TLS 1.2 key block) and holds the connection open;
# tests/tools/memscan then reads every writable and anonymous mapping of ktlsod for those
# bytes: while the offloaded connection is open, and after it closed. The control: the
# same client on a listener with offload off, where OpenSSL holds the keys by design, and
# where they must be found (else the scan could not see them at all). The log and the
# daemon's stderr must hold none of them, in hex either case or raw.
# The TLS 1.2 master secret is not looked for: the session cache keeps it, in every
# mode, so that clients can resume by session ID. On a kernel that rekeys kTLS (6.14+), an
# open TLS 1.3 connection keeps its two traffic secrets for KeyUpdates: they may be found
# then, but only in a mapping that core dumps leave out (MADV_DONTDUMP, "dd" in smaps), and
# never after the close.
set -u
T=e2e/keys
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod kclient memscan openssl
if [ "$(id -u)" != 0 ]; then
	skip all "reading another process's memory needs root"; exit 0
fi
if [ "${KTLSO_EXPECT_KTLS:-0}" != 1 ] && [ "${KTLSO_VM:-}" != native ] &&
	! ktlsoctl probe 2>/dev/null | grep -q 'tls ulp: available'; then
	skip all "no kTLS on this kernel (run it in the VM: tests/vm/run)"; exit 0
fi

e2e_init ktlsod-keys
echo hello >"$www/f1"
make_cert || exit 0
{ conf_global "workers=1" "state-dir=$work/state"; conf_listeners "$port" "$port2"; } \
	>"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf" 2>"$work/stderr"
wait_line "$work/log" "listening on" || {
	fail start "ktlsod did not start: $(cat "$work/log" "$work/stderr" 2>/dev/null | tail -n 3)"
	kill $pid 2>/dev/null; exit 0; }

# scan NAME: memscan ktlsod for the keys in $work/keys (master secret left out)
needles() { grep -v '^cipher \|^holding\|^master_secret ' "$work/keys" | awk '{ print $1 "=" $2 }'; }
scan() {
	# shellcheck disable=SC2046
	memscan $pid $(needles) >"$work/scan" 2>&1
	echo $?
}

rekey=0
ktlsoctl probe 2>/dev/null | grep -q '^rekey.*: yes' && rekey=1
# dumped ADDR: status 0 when ktlsod's mapping that holds ADDR (hex) is not MADV_DONTDUMP
dumped() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); print r[1], r[2] }
	     /^VmFlags:/ { print "flags", $0 }' "/proc/$pid/smaps" | {
		inmap=0
		while read -r a b; do
			if [ "$a" = flags ]; then
				[ $inmap = 1 ] && case " $b " in *" dd "*) return 1 ;; *) return 0 ;; esac
			elif [ $(($1)) -ge $((0x$a)) ] && [ $(($1)) -lt $((0x$b)) ]; then
				inmap=1
			fi
		done
		return 0
	}
}
# held_ok: status 0 when every hit of the last scan is a traffic secret that an open TLS 1.3
# connection keeps for KeyUpdates (rekey kernels), in a MADV_DONTDUMP mapping
held_ok() {
	[ $rekey = 1 ] || return 1
	grep '^found' "$work/scan" | {
		while read -r _ what _ addr _; do
			case $what in *_traffic_secret) ;; *) return 1 ;; esac
			dumped "$addr" && return 1
		done
		return 0
	}
}

# one_case NAME KCLIENT_OPTS CIPHERS
one_case() {
	name=$1 v=$2 ciphers=$3
	for mode in offloaded userspace; do
		p=$port
		[ $mode = userspace ] && p=$port2
		rm -f "$work/fifo" "$work/keys"
		mkfifo "$work/fifo"
		# shellcheck disable=SC2086
		kclient $v keys $p /f1 "$ciphers" <"$work/fifo" >"$work/keys" 2>&1 &
		kpid=$!
		exec 6>"$work/fifo"
		i=0
		until grep -q '^holding' "$work/keys" 2>/dev/null || ! kill -0 $kpid 2>/dev/null ||
			[ $i -gt 80 ]; do sleep 0.25; i=$((i + 1)); done
		if ! grep -q '^holding' "$work/keys"; then
			fail "$name/$mode" "kclient: $(tail -n 3 "$work/keys")"
			exec 6>&-
			wait $kpid
			continue
		fi
		cat "$work/keys" >>"$work/allkeys"
		st=$(scan)
		summary=$(tail -n 1 "$work/scan")
		if [ $mode = offloaded ]; then
			if [ "$st" = 0 ]; then
				pass "$name/offloaded/open: no key in ktlsod's memory (${summary#memscan: })"
			elif [ "$st" = 1 ] && held_ok; then
				pass "$name/offloaded/open: only the traffic secrets, kept for KeyUpdates in MADV_DONTDUMP memory (${summary#memscan: })"
			else
				fail "$name/offloaded/open" "$(grep '^found\|memscan:' "$work/scan" | head -n 8 | tr '\n' ';')"
			fi
		else
			# OpenSSL holds both directions' keys: the scan must see at least the
			# server's write key, or it sees nothing
			if [ "$st" = 1 ] && grep -q '^found server_write_key' "$work/scan"; then
				pass "$name/userspace/open: the keys are found in OpenSSL's memory (control; ${summary#memscan: })"
			else
				fail "$name/userspace/open" "the control found nothing: the scan cannot see keys ($summary)"
			fi
		fi
		exec 6>&-
		wait $kpid
		sleep 0.3
		st=$(scan)
		if [ "$st" = 0 ]; then
			pass "$name/$mode/closed: no key left after the close"
		else
			fail "$name/$mode/closed" "$(grep '^found\|memscan:' "$work/scan" | head -n 8 | tr '\n' ';')"
		fi
		want=ktls-txrx
		[ $mode = userspace ] && want=userspace
		line=$(grep "conn peer" "$work/log" | tail -n 1)
		case $line in
		*"offload=$want "*) pass "$name/$mode/logged: offload=$want" ;;
		*) fail "$name/$mode/logged" "last conn line: ${line:-none}" ;;
		esac
	done
}

one_case tls13-aes-128-gcm "" TLS_AES_128_GCM_SHA256
one_case tls13-aes-256-gcm "" TLS_AES_256_GCM_SHA384
one_case tls13-chacha20-poly1305 "" TLS_CHACHA20_POLY1305_SHA256
one_case tls12-aes-128-gcm -2 ECDHE-ECDSA-AES128-GCM-SHA256
one_case tls12-chacha20-poly1305 -2 ECDHE-ECDSA-CHACHA20-POLY1305

# No key in the log or on stderr: hex (either case) or raw bytes.
kill -TERM $pid
wait $pid
found=0
if [ -s "$work/allkeys" ]; then
	# the log and stderr as one hex string, for the raw bytes
	rawhex=$(cat "$work/log" "$work/stderr" | od -An -tx1 -v | tr -d ' \n')
	for hex in $(grep -v '^cipher \|^holding' "$work/allkeys" | awk '{ print $2 }'); do
		up=$(echo "$hex" | tr a-f A-F)
		grep -q -e "$hex" -e "$up" "$work/log" "$work/stderr" && found=$((found + 1))
		case $rawhex in *"$hex"*) found=$((found + 1)) ;; esac
	done
	n=$(grep -vc '^cipher \|^holding' "$work/allkeys")
	if [ $found = 0 ]; then
		pass "log: none of $n keys and secrets in the log or on stderr"
	else
		fail log "$found of $n keys or secrets appear in the log or on stderr"
	fi
else
	fail log "no keys were collected"
fi
exit 0
