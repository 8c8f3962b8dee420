#!/bin/sh
# tests/e2e/logging.sh: ktlsod's logs as an operator's tools read them, on the host
# (userspace TLS) or in the VM. Prints PASS/FAIL/SKIP lines.
#
#   access     --access-log FILE: one line per connection there, none in the log;
#   reopen     the files renamed (as logrotate does), SIGUSR1: both are opened again
#              under their names, and nothing more goes to the renamed ones;
#   journal    stderr a journal stream ($JOURNAL_STREAM names its device and inode):
#              each line starts with its severity (<3> error, <4> warning, <6> info) and
#              carries no time stamp; without it, time stamps and no severity.
set -u
T=e2e/logging
[ -n "${KTLSO_VM:-}" ] && T=e2e/logging-vm
. "$(dirname "$0")/../lib/e2e.sh"

need ktlsod curl openssl
e2e_init ktlsod-logging
make_cert || exit 0
echo hello >"$www/f"

# ---- access log apart, and SIGUSR1 (the daemon, started as root, serves as nobody: the
# files' directory is the user's, as /var/log/ktlsod is in the packaged unit)
logs=$work/logs
mkdir -p "$logs"
[ "$(id -u)" = 0 ] && chown nobody "$logs"
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --tls-min 1.2 \
	--listen "127.0.0.1:$port" --workers 1 --log "$logs/log" --access-log "$logs/access" \
	--state-dir "$work/state"
wait_https "https://127.0.0.1:$port/f" || { fail start "ktlsod did not answer"; cat "$logs/log"; exit 0; }
code "https://127.0.0.1:$port/f" >/dev/null
wait_line "$logs/access" 'conn peer=' 5 && pass access_lines ||
	fail access_lines "no connection line in the access log: $(cat "$logs/access" 2>&1)"
grep -q 'conn peer=' "$logs/log" && fail access_not_in_log "connection lines in the log: $(grep -c 'conn peer=' "$logs/log")" ||
	pass access_not_in_log
mv "$logs/log" "$logs/log.1"; mv "$logs/access" "$logs/access.1"
kill -USR1 "$pid"
wait_line "$logs/log" 'SIGUSR1: log files reopened' 5 && pass reopen_log ||
	fail reopen_log "no new log after SIGUSR1: $(ls "$logs")"
n1=$(grep -c 'conn peer=' "$logs/access.1")
code "https://127.0.0.1:$port/f" >/dev/null
wait_line "$logs/access" 'conn peer=' 5 && [ "$(grep -c 'conn peer=' "$logs/access.1")" = "$n1" ] &&
	pass reopen_access || fail reopen_access "the new connection's line: $(cat "$logs/access" 2>&1)"
stop_ktlsod
grep -q 'stopped:' "$logs/log" && ! grep -q 'stopped:' "$logs/log.1" && pass reopen_log_used ||
	fail reopen_log_used "the last lines went to the renamed log"

# ---- the journal's severity prefixes (stderr a file whose device and inode are given)
: >"$work/journal"
js=$(stat -c '%d:%i' "$work/journal")
(JOURNAL_STREAM=$js exec ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen "127.0.0.1:$port2" --workers 1 --expiry-warn-days 30 --state-dir "$work/state" \
	2>>"$work/journal") &
pid=$!
wait_https "https://127.0.0.1:$port2/f" || fail journal_start "ktlsod did not answer"
stop_ktlsod
if grep -q '^<6>listening on 127\.0\.0\.1:' "$work/journal" &&
	grep -q '^<4>certificate warning: ' "$work/journal" && ! grep -q 'ktlsod: ' "$work/journal"; then
	pass journal_severity
else
	fail journal_severity "$(head -n 5 "$work/journal")"
fi
(JOURNAL_STREAM=$js exec ktlsod --root "$work/nonexistent" --cert "$work/cert.pem" \
	--key "$work/key.pem" --listen "127.0.0.1:$port2" 2>>"$work/journal")
grep -q '^<3>--root .*/nonexistent: No such file' "$work/journal" && pass journal_error ||
	fail journal_error "$(tail -n 3 "$work/journal")"
# not a journal: JOURNAL_STREAM naming another file leaves the usual format
: >"$work/plain"
(JOURNAL_STREAM=$js exec ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen "127.0.0.1:$port2" --workers 1 --state-dir "$work/state" 2>>"$work/plain") &
pid=$!
wait_https "https://127.0.0.1:$port2/f" || fail plain_start "ktlsod did not answer"
stop_ktlsod
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*ktlsod: listening on' "$work/plain" && ! grep -q '^<' "$work/plain" &&
	pass not_journal_plain || fail not_journal_plain "$(head -n 3 "$work/plain")"
exit 0
