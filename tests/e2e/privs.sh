#!/bin/sh
# tests/e2e/privs.sh: ktlsod's least privilege, on the host (userspace TLS) or in the VM.
# Needs root: the daemon is started as root and must give it up. Prints PASS/FAIL/SKIP lines.
#
#   identity   the serving process (every thread) runs as nobody with no capability but
#              CAP_NET_ADMIN, no_new_privs, not dumpable (its /proc files are root's);
#   files      a file only root can read gets 403; the others are served;
#   reload     SIGHUP with a key only root can read: refused, the old one serves, the log
#              says which user could not read it; readable again: reloaded;
#   user       --user of a user that does not exist, and --user by a non-root daemon:
#              refused with the reason.
set -u
T=e2e/privs
[ -n "${KTLSO_VM:-}" ] && T=e2e/privs-vm
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod curl openssl
if [ "$(id -u)" != 0 ]; then
	skip all "ktlsod must be started as root to drop privileges"
	exit 0
fi
nobody=$(id -u nobody 2>/dev/null) || { skip all "no user nobody"; exit 0; }

e2e_init ktlsod-privs
make_cert || exit 0
echo public >"$www/pub"
echo secret >"$www/rootonly"
chmod 600 "$www/rootonly"
{ conf_global "workers=2" "state-dir=$work/state"
  conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"
start_ktlsod --config "$work/ktlsod.conf" 2>"$work/stderr"
if ! wait_https "https://127.0.0.1:$port/pub"; then
	fail start "ktlsod did not answer: $(tail -n 3 "$work/log" "$work/stderr" 2>/dev/null)"
	kill $pid 2>/dev/null; exit 0
fi
e2e_on_exit='kill $pid 2>/dev/null; [ -n "${scpid:-}" ] && kill $scpid 2>/dev/null'

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

stop_ktlsod
check stopped "$st" 0
exit 0
