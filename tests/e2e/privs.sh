#!/bin/sh
# tests/e2e/privs.sh: ktlsod's least privilege, on the host (userspace TLS) or in the VM.
# Needs root: the daemon is started as root and must give it up; the memory scan reads
# /proc/PID/mem. Prints PASS/FAIL/SKIP lines.
#
#   identity   the serving process (every thread) runs as nobody with no capability but
#              CAP_NET_ADMIN, no_new_privs, not dumpable (its /proc files are root's);
#   files      a file only root can read gets 403; the others are served;
#   reload     SIGHUP with a key only root can read: refused, the old one serves, the log
#              says which user could not read it; readable again: reloaded;
#   user       --user of a user that does not exist, and --user by a non-root daemon:
#              refused with the reason;
#   keyupdate  a userspace-TLS connection (openssl s_client -keylogfile): both traffic
#              secrets are in ktlsod's memory (control), then the client's KeyUpdate
#              (update_requested, both directions move) and a request: neither old
#              secret is left (tests/tools/memscan);
#   tickets    --ticket-key-rotate 3: a TLS 1.3 ticket taken just after a rotation
#              resumes after the next rotation (and is renewed), not after a second; the
#              renewed ticket resumes after that second rotation.
set -u
T=e2e/privs
[ -n "${KTLSO_VM:-}" ] && T=e2e/privs-vm
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod curl openssl memscan
if [ "$(id -u)" != 0 ]; then
	skip all "ktlsod must be started as root to drop privileges, and memscan needs root"
	exit 0
fi
nobody=$(id -u nobody 2>/dev/null) || { skip all "no user nobody"; exit 0; }
rotate=3

e2e_init ktlsod-privs
make_cert || exit 0
echo public >"$www/pub"
echo secret >"$www/rootonly"
chmod 600 "$www/rootonly"
{ conf_global "workers=2" "state-dir=$work/state" "ticket-key-rotate=$rotate"
  conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf" 2>"$work/stderr"
if ! wait_https "https://127.0.0.1:$port/pub"; then
	fail start "ktlsod did not answer: $(tail -n 3 "$work/log" "$work/stderr" 2>/dev/null)"
	kill $pid 2>/dev/null; exit 0
fi
e2e_on_exit='kill $pid 2>/dev/null; [ -n "${scpid:-}" ] && kill $scpid 2>/dev/null'
trap '' PIPE	# a client gone (its fifo without reader) fails a write, not this script

# ---------------------------------------------------------------- identity
st=/proc/$pid/status
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$2"; }
g=$(id -g nobody)
check identity/uid "$(field Uid $st)" "$nobody $nobody $nobody $nobody"
check identity/gid "$(field Gid $st)" "$g $g $g $g"
check identity/groups "$(field Groups $st)" "$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check identity/no_new_privs "$(field NoNewPrivs $st)" 1
# capabilities are per thread: the workers' too (bit 12: CAP_NET_ADMIN)
bad=
for t in /proc/$pid/task/*; do
	caps="$(field CapInh $t/status) $(field CapPrm $t/status) $(field CapEff $t/status) $(field CapAmb $t/status)"
	[ "$caps" = "0000000000000000 0000000000001000 0000000000001000 0000000000000000" ] ||
		bad="$bad ${t##*/}:$caps"
done
nt=$(ls /proc/$pid/task | wc -l)
if [ -z "$bad" ] && [ "$nt" -ge 3 ]; then
	pass "identity/caps: $nt threads, only cap_net_admin"
else
	fail identity/caps "threads $nt, inh prm eff amb:$bad"
fi
# not dumpable: the kernel gives its /proc files to root
check identity/not_dumpable "$(stat -c %u /proc/$pid/status /proc/$pid/mem | tr '\n' ' ')" "0 0 "
has identity/logged "$work/log" "running as user nobody \(uid $nobody, gid [0-9]+\), capabilities: cap_net_admin"
check identity/state_dir_given "$(stat -c %u "$work/state")" "$nobody"

# with ktlso.ko (the VM): registrations still work as nobody, with CAP_NET_ADMIN
if [ "${KTLSO_EXPECT_MODULE:-0}" = 1 ]; then
	has module/present "$work/log" "ktlso: module present: connections are registered"
	rm -f "$work/fifo"
	mkfifo "$work/fifo"
	openssl s_client -connect 127.0.0.1:$port -quiet <"$work/fifo" >"$work/held" 2>&1 &
	scpid=$!
	exec 7>"$work/fifo"
	i=0
	until ktlsoctl sock list -j 2>/dev/null | grep -q "\"uid\": *$nobody[,}]" || [ $i -gt 40 ]; do
		sleep 0.25; i=$((i + 1)); done
	out=$(ktlsoctl sock list -j 2>&1)
	case $out in
	*"\"uid\":$nobody,"*|*"\"uid\": $nobody,"*) pass "module/registered_as_nobody" ;;
	*) fail module/registered_as_nobody "$out; log: $(grep ktlso "$work/log" | tail -n 3)" ;;
	esac
	exec 7>&-
	kill $scpid 2>/dev/null
	wait $scpid 2>/dev/null
	scpid=
fi

# ---------------------------------------------------------------- files
check files/readable "$(code "https://127.0.0.1:$port/pub")" 200
check files/root_only "$(code "https://127.0.0.1:$port/rootonly")" 403

# ---------------------------------------------------------------- reload
chmod 600 "$work/key.pem"
kill -HUP $pid
wait_line "$work/log" "reload failed"
has reload/unreadable_refused "$work/log" "cannot read the private key file .*key.pem: Permission denied"
has reload/says_user "$work/log" "reload failed, .*read as user nobody"
check reload/old_serves "$(code "https://127.0.0.1:$port/pub")" 200
chmod 644 "$work/key.pem"
kill -HUP $pid
wait_line "$work/log" "reloaded certificates"
has reload/readable_reloaded "$work/log" "reloaded certificates"

# ---------------------------------------------------------------- user
out=$(ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen 127.0.0.1:$((port + 2)) --user no-such-user-ktlso 2>&1)
case "$?:$out" in
1:*"user no-such-user-ktlso: no such user"*) pass user/unknown_refused ;;
*) fail user/unknown_refused "$out" ;;
esac
out=$(su -s /bin/sh nobody -c "$(command -v ktlsod) --root $www --cert $work/cert.pem \
	--key $work/key.pem --listen 127.0.0.1:$((port + 2)) --user root" 2>&1)
case "$?:$out" in
1:*"--user root: only a daemon started as root can switch users"*) pass user/non_root_cannot_switch ;;
*) fail user/non_root_cannot_switch "$out" ;;
esac

# ---------------------------------------------------------------- keyupdate
# needles FILE: "client=HEX server=HEX", the TLS 1.3 traffic secrets of a key log
needles() {
	awk '$1 == "CLIENT_TRAFFIC_SECRET_0" { print "client=" $3 }
	     $1 == "SERVER_TRAFFIC_SECRET_0" { print "server=" $3 }' "$1"
}
# responses: how many HTTP responses s_client has printed
responses() { grep -c '^HTTP/1.1 200' "$work/ku.out"; }
wait_responses() {
	i=0
	while [ "$(responses)" -lt "$1" ] && [ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
	[ "$(responses)" -ge "$1" ]
}
# keyupdate_test: the secrets of a userspace-TLS connection, before and after a KeyUpdate
keyupdate_test() {
	rm -f "$work/fifo"
	mkfifo "$work/fifo"
	openssl s_client -connect 127.0.0.1:$port2 -tls1_3 -keylogfile "$work/kl" \
		<"$work/fifo" >"$work/ku.out" 2>&1 &
	scpid=$!
	exec 7>"$work/fifo"
	printf 'GET /pub HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
	if ! wait_responses 1 || [ "$(needles "$work/kl" | wc -l)" != 2 ]; then
		fail keyupdate/setup "no response or no key log: $(tail -n 5 "$work/ku.out")"
	else
		# shellcheck disable=SC2046
		memscan $pid $(needles "$work/kl") >"$work/scan0" 2>&1
		if grep -q '^found client' "$work/scan0" && grep -q '^found server' "$work/scan0"; then
			pass "keyupdate/control: both secrets found before the KeyUpdate"
		else
			fail keyupdate/control "the scan does not see the secrets: $(tail -n 1 "$work/scan0")"
		fi
		# ktlsod's captured copies are in OpenSSL's secure heap, left out of core dumps
		# (VmFlags dd); OpenSSL's own copies, in its SSL, are in the ordinary heap
		awk '/^[0-9a-f]+-[0-9a-f]+ / { r = $1 } /^VmFlags:.* dd/ { print r }' \
			/proc/$pid/smaps | tr - ' ' >"$work/dd"
		indd=
		for name in client server; do
			for a in $(awk -v n=$name '$1 == "found" && $2 == n { print $4 }' "$work/scan0"); do
				while read -r lo hi; do
					[ $((a)) -ge $((0x$lo)) ] && [ $((a)) -lt $((0x$hi)) ] &&
						indd="$indd $name"
				done <"$work/dd"
			done
		done
		case $indd in
		*client*server*|*server*client*) pass "keyupdate/captured_not_dumped: in a MADV_DONTDUMP mapping" ;;
		*) fail keyupdate/captured_not_dumped "hits: $(grep '^found' "$work/scan0" | tr '\n' ';') dd: $(tr '\n' ';' <"$work/dd")" ;;
		esac
		printf 'K\n' >&7
		sleep 0.5
		printf 'GET /pub HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
		if ! wait_responses 2; then
			fail keyupdate/served "no response after the KeyUpdate: $(tail -n 5 "$work/ku.out")"
		elif ! grep -q KEYUPDATE "$work/ku.out"; then
			fail keyupdate/sent "s_client did not send a KeyUpdate: $(tail -n 5 "$work/ku.out")"
		else
			# shellcheck disable=SC2046
			memscan $pid $(needles "$work/kl") >"$work/scan1" 2>&1
			st=$?
			if [ $st = 0 ]; then
				pass "keyupdate/old_secrets_gone: $(tail -n 1 "$work/scan1")"
			else
				fail keyupdate/old_secrets_gone "status $st: $(grep '^found\|memscan' "$work/scan1" | head -n 6 | tr '\n' ';')"
			fi
		fi
	fi
	exec 7>&-
	kill $scpid 2>/dev/null
	wait $scpid 2>/dev/null
	scpid=
}
if [ -n "${ASAN_OPTIONS:-}" ]; then
	# memscan would read the terabytes of address space ASan reserves for its shadow
	skip keyupdate "memscan does not scan an ASan build (tests/run-all --asan)"
else
	keyupdate_test
fi

# ---------------------------------------------------------------- tickets
rotations() { grep -c "session-ticket key rotated" "$work/log"; }
# wait_rotations N: until the log shows N rotations, at most 3 periods
wait_rotations() {
	i=0
	while [ "$(rotations)" -lt "$1" ] && [ $i -lt $((rotate * 12)) ]; do
		sleep 0.25
		i=$((i + 1))
	done
	[ "$(rotations)" -ge "$1" ]
}
# sess IN|- OUT: a TLS 1.3 connection resuming IN (- for none), saving its session to
# OUT; prints New or Reused
sess() {
	_in=
	[ "$1" != - ] && _in="-sess_in $1"
	# shellcheck disable=SC2086
	printf 'GET /pub HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		openssl s_client -connect 127.0.0.1:$port -tls1_3 $_in -sess_out "$2" -ign_eof \
		2>/dev/null | awk '/^(New|Reused), TLSv1.3/ { sub(/,.*/, ""); print; exit }'
}
# One try; status 2 when a rotation came at a moment that makes it say nothing.
tickets_try() {
	n=$(($(rotations) + 1))
	wait_rotations $n || { fail tickets/rotating "no rotation in $((rotate * 3)) s"; return 1; }
	rm -f "$work/t0" "$work/t1" "$work/t2"
	got=$(sess - "$work/t0")
	[ "$(rotations)" = $n ] || return 2	# the ticket may be of the next key
	[ "$got" = New ] && [ -s "$work/t0" ] || { fail tickets/first "got '$got', no ticket"; return 1; }
	wait_rotations $((n + 1)) || return 2
	got=$(sess "$work/t0" "$work/t1")
	[ "$(rotations)" = $((n + 1)) ] || return 2
	check tickets/one_rotation_resumes "$got" Reused
	[ -s "$work/t1" ] && pass tickets/renewed || fail tickets/renewed "no new ticket on resumption"
	wait_rotations $((n + 2)) || return 2
	check tickets/two_rotations_refused "$(sess "$work/t0" "$work/t2")" New
	got=$(sess "$work/t1" "$work/t2")
	[ "$(rotations)" = $((n + 2)) ] || return 2
	check tickets/renewed_resumes "$got" Reused
	return 0
}
try=1
while :; do
	tickets_try
	r=$?
	[ $r != 2 ] && break
	try=$((try + 1))
	[ $try -le 3 ] || { fail tickets/timing "three tries, each crossed by a rotation (loaded host?)"; break; }
	echo "# tickets: a rotation came in the middle, trying again"
done

stop_ktlsod
check stopped "$st" 0
exit 0
