#!/bin/sh
# tests/e2e/reload.sh: SIGHUP reads the whole configuration again (the command line over
# its file). Host, no kTLS needed (tests/run-all). Prints PASS/FAIL/SKIP lines.
#
#   live        hsts, dotfiles and a listener's offload changed in the file apply to new
#               connections after SIGHUP, same process; a connection opened before keeps
#               working, with the settings it started with; one line per setting and a
#               summary; the service manager gets READY=1 again
#   broken      a syntax error, then a missing certificate: each logged, one 'reload
#               failed' line at LOG_ERR, nothing of the file applied (its other changes
#               included), STATUS= says the reload failed
#   restart     workers and a new listener: one 'needs a restart' line each, the running
#               values stay (the thread count, the new port not listening); the settings
#               that can change live in the same file are applied
set -u
T=e2e/reload
. "$(dirname "$0")/../lib/e2e.sh"
need ktlsod curl openssl notifysock
e2e_init ktlsod-reload
make_cert || exit 0
echo hi >"$www/f"
echo secret >"$www/.env"
conf=$work/ktlsod.conf
sock=$work/notify
notifysock "$sock" >"$work/msgs" 2>&1 &
npid=$!
held=
e2e_on_exit='kill $npid $held 2>/dev/null'
# the daemon sends after it gave up root: the socket, once notifysock made it, for anyone
_i=0
until [ -S "$sock" ] || [ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
chmod 777 "$sock" 2>/dev/null
url=https://127.0.0.1:$port

# write_conf KEY=VALUE...: the file, conf_global's settings with these, one listener
write_conf() { { conf_global "state-dir=$work/state" "$@"; conf_listeners "$port"; } >"$conf"; }
# hsts_of URL: the max-age of a new connection's response, or "none"
hsts_of() {
	_h=$(curl -sk -I --max-time 10 "$1" | tr -d '\r' | sed -n 's/^Strict-Transport-Security: max-age=//p')
	echo "${_h:-none}"
}
# hup PATTERN: SIGHUP, then until the log has one more line matching PATTERN (10 s)
hup() {
	_n=$(grep -c -- "$1" "$work/log")
	kill -HUP "$pid"
	_i=0
	while [ "$(grep -c -- "$1" "$work/log")" = "$_n" ] && [ $_i -lt 40 ]; do
		sleep 0.25
		_i=$((_i + 1))
	done
}
threads() { ls "/proc/$pid/task" | wc -l; }
# since_mark: the service manager's messages after mark=$(wc -l <"$work/msgs"), in $work/new
# (notifysock keeps writing where it was: the file is not truncated)
since_mark() {
	_i=0
	while ! sed -n "$((mark + 1)),\$p" "$work/msgs" | grep -q '^READY=1' && [ $_i -lt 20 ]; do
		sleep 0.25
		_i=$((_i + 1))
	done
	sed -n "$((mark + 1)),\$p" "$work/msgs" >"$work/new"
}

write_conf hsts=100
NOTIFY_SOCKET=$sock start_ktlsod --config "$conf"
wait_https "$url/f" || { fail start "ktlsod did not answer: $(tail -n 3 "$work/log")"; exit 1; }
pid0=$pid
check start/hsts "$(hsts_of "$url/f")" 100
check start/dotfiles_denied "$(code "$url/.env")" 403
nthreads=$(threads)

# A connection opened before the reload: one request now, one after.
mkfifo "$work/in"
openssl s_client -connect "127.0.0.1:$port" -servername localhost -quiet <"$work/in" \
	>"$work/held.out" 2>/dev/null &
held=$!
exec 7>"$work/in"
printf 'HEAD /f HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
wait_line "$work/held.out" '^HTTP/1.1 200' 10 || fail held/first "no answer: $(cat "$work/held.out")"

# ---------------------------------------------------------------- live
{ conf_global "state-dir=$work/state" hsts=200 dotfiles=allow; printf '\n[listen 127.0.0.1:%s]\noffload = off\n' "$port"; } >"$conf"
mark=$(wc -l <"$work/msgs")
hup "reloaded certificates and"
has live/summary "$work/log" "reloaded certificates and $conf: 3 settings applied, 0 need a restart$"
has live/hsts_line "$work/log" "reload: 'hsts' changed \(100 -> 200\): applied$"
has live/dotfiles_line "$work/log" "reload: 'dotfiles' changed \(deny -> allow\): applied$"
has live/offload_line "$work/log" "reload: \[listen 127.0.0.1:$port\] 'offload' changed \(txrx -> off\): applied$"
check live/same_process "$(kill -0 "$pid0" 2>/dev/null && echo running)" running
check live/started_once "$(grep -c 'listening on' "$work/log")" 1
check live/hsts "$(hsts_of "$url/f")" 200
check live/dotfiles_allowed "$(curl -sk --max-time 10 "$url/.env")" secret
# a new connection on that listener is in userspace TLS (on a host without kTLS all are:
# there offload_in_force below is what tells)
conn_mark
curl -sk -o /dev/null "$url/f"
line=$(conn_next)
case $line in
*"offload=userspace "*) pass live/offload_off ;;
*) fail live/offload_off "$line" ;;
esac
# worker 0 says it once it took the new settings: at its next accept or tick (1 s)
wait_line "$work/log" "listener 127.0.0.1:$port: offload off (was txrx), as configured" 5
has live/offload_in_force "$work/log" "listener 127.0.0.1:$port: offload off \(was txrx\), as configured"
since_mark
has live/notify_ready "$work/new" '^READY=1\|STATUS=serving$'
# the connection from before: still served, with the HSTS it started with
printf 'HEAD /f HTTP/1.1\r\nHost: localhost\r\n\r\n' >&7
_i=0
while [ "$(grep -c '^HTTP/1.1 200' "$work/held.out")" -lt 2 ] && [ $_i -lt 40 ]; do sleep 0.25; _i=$((_i + 1)); done
check held/second_answered "$(grep -c '^HTTP/1.1 200' "$work/held.out")" 2
check held/kept_its_hsts "$(tr -d '\r' <"$work/held.out" | grep -c '^Strict-Transport-Security: max-age=100$')" 2
exec 7>&-
kill $held 2>/dev/null	# -quiet ignores the end of its input: it would wait for the idle timeout
wait $held 2>/dev/null
held=

# ---------------------------------------------------------------- broken
# A syntax error, with a change that would apply: nothing of it is.
{ conf_global "state-dir=$work/state" hsts=300 dotfiles=deny; conf_listeners "$port"; echo 'this is not a setting'; } >"$conf"
mark=$(wc -l <"$work/msgs")
hup "reload failed"
has broken/syntax_said "$work/log" "reload: config: $conf:[0-9]+: expected 'name = value'$"
has broken/syntax_failed "$work/log" "reload failed, still serving the previous configuration and certificates: 1 error \(above\)"
check broken/syntax_hsts_kept "$(hsts_of "$url/f")" 200
check broken/syntax_dotfiles_kept "$(curl -sk --max-time 10 "$url/.env")" secret
since_mark
has broken/notify_status "$work/new" '^READY=1\|STATUS=serving the previous configuration: the reload failed \(see the log\)$'
# A certificate that is not there.
write_conf hsts=300 dotfiles=deny "cert=$work/missing.pem"
hup "reload failed"
has broken/cert_said "$work/log" "reload: certificate error: .*$work/missing.pem"
check broken/cert_hsts_kept "$(hsts_of "$url/f")" 200
check broken/cert_serves "$(code "$url/f")" 200
check broken/same_process "$(kill -0 "$pid0" 2>/dev/null && echo running)" running

# ---------------------------------------------------------------- restart
# workers and a second listener need a restart; hsts in the same file applies.
{ conf_global "state-dir=$work/state" hsts=300 dotfiles=allow workers=3; printf '\n[listen 127.0.0.1:%s]\noffload = off\n' "$port"; conf_listeners "$port2"; } >"$conf"
hup "reloaded certificates and"
has restart/workers_line "$work/log" "reload: 'workers' changed \(2 -> 3\): needs a restart; still 2$"
has restart/listen_line "$work/log" "reload: 'listen' changed \(127.0.0.1:$port -> 127.0.0.1:$port, 127.0.0.1:$port2\): needs a restart; still 127.0.0.1:$port$"
has restart/summary "$work/log" "reloaded certificates and $conf: 1 setting applied, 2 need a restart$"
check restart/workers_kept "$(threads)" "$nthreads"
check restart/listener_not_added "$(code "https://127.0.0.1:$port2/f")" 000
check restart/live_applied "$(hsts_of "$url/f")" 300
# A new log file in a directory only root may write to: a restart (as root) could open it,
# the reload (as the serving user) cannot. A warning, and what can change live still does.
if [ "$(id -u)" = 0 ]; then
	mkdir -m 700 "$work/rootonly"
	{ conf_global "state-dir=$work/state" hsts=400 dotfiles=allow workers=3 "log=$work/rootonly/new.log"; printf '\n[listen 127.0.0.1:%s]\noffload = off\n' "$port"; conf_listeners "$port2"; } >"$conf"
	hup "reload\(ed certificates and\| failed\)"
	has restart/log_warned "$work/log" "reload: log: .*rootonly.* \(as the serving user; a restart applies it, and checks it again\)$"
	has restart/log_summary "$work/log" "reloaded certificates and $conf: 1 setting applied, 3 need a restart$"
	check restart/log_live_applied "$(hsts_of "$url/f")" 400
else
	skip restart/log_warned "not root: the daemon does not change users, nothing to tell apart"
fi

stop_ktlsod
check stop "$st" 0
exit 0
