#!/bin/sh
# tests/e2e/notify.sh: ktlsod under a service manager's Type=notify, on the host or in the
# VM. Prints PASS/FAIL/SKIP lines.
#
#   ready      READY=1 (with STATUS and MAINPID) comes once, after the daemon answers;
#   reload     SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 again;
#   stop       SIGTERM: STOPPING=1;
#   no_uring   io_uring_setup denied (a seccomp profile, tests/tools/nouring): ktlsod
#              says why and exits 1, never logs "listening" nor sends READY=1 (before,
#              it logged "listening" while no worker could accept);
#   abstract   an abstract $NOTIFY_SOCKET ("@name") is not an error.
set -u
T=e2e/notify
[ -n "${KTLSO_VM:-}" ] && T=e2e/notify-vm
. "$(dirname "$0")/../lib/e2e.sh"
need ktlsod curl openssl notifysock nouring
e2e_init ktlsod-notify
make_cert || exit 0
echo hi >"$www/f"
chmod 755 "$work"
sock=$work/notify
notifysock "$sock" >"$work/msgs" 2>&1 &
npid=$!
e2e_on_exit='kill $npid 2>/dev/null'
# the daemon sends after it gave up root: the socket, once notifysock made it, for anyone
_i=0
until [ -S "$sock" ] || [ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
chmod 777 "$sock" 2>/dev/null

NOTIFY_SOCKET=$sock start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen "127.0.0.1:$port" --workers 2 --log "$work/log" --state-dir "$work/state"
wait_https "https://127.0.0.1:$port/f" || fail start "ktlsod did not answer"
wait_line "$work/msgs" 'READY=1' 5 && grep -q "^READY=1|STATUS=serving: 1 listener, 2 workers|MAINPID=$pid$" "$work/msgs" &&
	[ "$(grep -c 'READY=1' "$work/msgs")" = 1 ] && pass ready || fail ready "$(cat "$work/msgs")"
# READY=1 follows "listening": the log has it already when the message is there
grep -q 'listening on 127.0.0.1' "$work/log" && pass ready_after_listening ||
	fail ready_after_listening "$(cat "$work/log")"
kill -HUP "$pid"
wait_line "$work/log" 'reloaded certificates' 5
wait_line "$work/msgs" 'STATUS=serving$' 5
grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*|STATUS=reloading$' "$work/msgs" &&
	[ "$(grep -c 'READY=1' "$work/msgs")" = 2 ] && pass reload || fail reload "$(cat "$work/msgs")"
stop_ktlsod
grep -q '^STOPPING=1' "$work/msgs" && [ "$st" = 0 ] && pass stop || fail stop "status $st: $(cat "$work/msgs")"

# No io_uring: refuse to start, say why, never READY=1.
: >"$work/msgs"; : >"$work/log2"
NOTIFY_SOCKET=$sock nouring ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen "127.0.0.1:$port2" --workers 2 --log "$work/log2" --state-dir "$work/state" \
	2>"$work/err2" &
pid=$!
_i=0
while kill -0 $pid 2>/dev/null && [ $_i -lt 40 ]; do sleep 0.25; _i=$((_i + 1)); done
if kill -0 $pid 2>/dev/null; then
	fail no_uring "still running 10 s later: $(tail -n 3 "$work/log2")"
	kill -9 $pid
	wait $pid 2>/dev/null
else
	wait $pid; st=$?
	if [ $st = 1 ] && grep -q 'io_uring_queue_init: Operation not permitted' "$work/log2" &&
		grep -q 'not starting: a worker did not start' "$work/err2" &&
		! grep -q 'listening on' "$work/log2" && ! grep -q 'READY=1' "$work/msgs"; then
		pass no_uring
	else
		fail no_uring "status $st: $(cat "$work/log2" "$work/err2" "$work/msgs" | tail -n 6)"
	fi
fi

# An abstract socket name (nobody listens on it: the message is lost, the daemon runs).
NOTIFY_SOCKET=@ktlso-notify-test-$$ start_ktlsod --root "$www" --cert "$work/cert.pem" \
	--key "$work/key.pem" --listen "127.0.0.1:$port2" --workers 1 --log "$work/log3" \
	--state-dir "$work/state"
wait_https "https://127.0.0.1:$port2/f" && pass abstract || fail abstract "$(tail -n 3 "$work/log3")"
stop_ktlsod
exit 0
