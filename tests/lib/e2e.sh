# tests/lib/e2e.sh: what the end-to-end suites (tests/e2e/*.sh, tests/load/run) share:
# result lines, the work directory and its clean-up, a self-signed certificate, ktlsod's
# configuration, starting and stopping the daemon. Sourced, not run:
#
#	T=e2e/name					# the prefix of every result line
#	. "$(dirname "$0")/../lib/e2e.sh"
#	need curl openssl ktlsod			# else SKIP $T/all and exit 0
#	e2e_init ktlsod-name				# $work, $www, $port, $port2
#	make_cert || exit 0				# $work/cert.pem, $work/key.pem
#	{ conf_global; conf_listeners "$port" "$port2"; } >"$work/ktlsod.conf"
#	start_ktlsod --config "$work/ktlsod.conf"	# $pid
#	wait_https "https://127.0.0.1:$port/f1" || ...
#
# POSIX sh: the suites also run under busybox ash inside the VM (tests/vm/run).
# Environment: KTLSO_E2E_KEEP=1 keeps the work directory (its path is printed at exit).
# shellcheck shell=sh disable=SC2034  # the variables set here are for the suites

# ---------------------------------------------------------------- result lines
# One line per check, "PASS|FAIL|SKIP $T/NAME[: WHY]"; tests/run-all and tests/vm/suite.sh
# count them. $nfail counts this suite's FAIL lines.
nfail=0
pass() { echo "PASS $T/$1"; }
fail() { echo "FAIL $T/$1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $T/$1: $2"; }
# check NAME GOT WANT: PASS when GOT is WANT
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi; }
# has NAME FILE PATTERN: PASS when FILE has a line matching PATTERN (grep -E)
has() { if grep -qE "$3" "$2"; then pass "$1"; else fail "$1" "no '$3' in: $(head -c 600 "$2")"; fi; }

# need TOOL...: each TOOL on PATH, or "SKIP $T/all: TOOL is not installed" and exit 0.
# need_as NAME TOOL...: the same, skipping NAME instead of all.
need_as() {
	_n=$1
	shift
	for _tool in "$@"; do
		command -v "$_tool" >/dev/null || { skip "$_n" "$_tool is not installed"; exit 0; }
	done
}
need() { need_as all "$@"; }

# ---------------------------------------------------------------- work directory
# e2e_init NAME: $work, a new directory /tmp/NAME.XXXXXX (mode 755), removed at exit (kept, and its
# path printed, with KTLSO_E2E_KEEP=1); $www, $work/www, made; $port and $port2, two
# ports of 127.0.0.1 picked from the shell's pid. At exit, $e2e_on_exit (a command) runs
# first: the suite's own clean-up, such as stopping clients it left running.
e2e_on_exit=
e2e_init() {
	work=$(mktemp -d "/tmp/$1.XXXXXX") || { echo "FAIL $T/setup: mktemp failed"; exit 1; }
	# ktlsod started as root runs as nobody, and reads the certificates here again at SIGHUP
	chmod 755 "$work"
	www=$work/www
	mkdir -p "$www"
	port=$((20000 + $$ % 20000))
	port2=$((port + 1))
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}
e2e_cleanup() {
	[ -n "$e2e_on_exit" ] && eval "$e2e_on_exit"
	if [ -n "${KTLSO_E2E_KEEP:-}" ]; then
		echo "# kept in $work"
	else
		rm -rf "$work"
	fi
}

# make_cert [DAYS]: a self-signed ECDSA P-256 certificate for localhost, valid DAYS (2;
# ktlsod warns in its log of one that expires within 30 days), $work/cert.pem and
# $work/key.pem (readable by all: ktlsod reads it again at SIGHUP as nobody); or
# "FAIL $T/setup" and status 1.
# shellcheck disable=SC2120
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$work/key.pem" -out "$work/cert.pem" -days "${1:-2}" -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost 2>/dev/null &&
		chmod 644 "$work/key.pem" && return 0	# read again at SIGHUP, as nobody
	fail setup "openssl could not make a certificate"
	return 1
}

# ---------------------------------------------------------------- ktlsod's configuration
# conf_global [KEY=VALUE...]: the global section of a ktlsod configuration on stdout:
# root $www, cert and key from make_cert, tls-min 1.2, workers 2, log $work/log. Each
# KEY=VALUE replaces KEY's default or adds KEY; KEY= (empty) leaves it out.
# shellcheck disable=SC2120
conf_global() {
	printf '%s\n' "root=$www" "cert=$work/cert.pem" "key=$work/key.pem" "tls-min=1.2" \
		"workers=2" "log=$work/log" "$@" |
		awk '{ k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2)
			if (!(k in val)) order[++n] = k
			val[k] = v }
		END { for (i = 1; i <= n; i++) if (val[order[i]] != "") print order[i] " = " val[order[i]] }'
}
# conf_listeners PORT [PORT2]: [listen] sections, 127.0.0.1:PORT with offload txrx and
# 127.0.0.1:PORT2 with offload off
conf_listeners() {
	printf '\n[listen 127.0.0.1:%s]\noffload = txrx\n' "$1"
	[ -n "${2:-}" ] && printf '\n[listen 127.0.0.1:%s]\noffload = off\n' "$2"
	return 0
}
# conf_cert NAME CERT KEY: a [cert NAME] section
conf_cert() { printf '\n[cert %s]\ncert = %s\nkey = %s\n' "$1" "$2" "$3"; }

# ---------------------------------------------------------------- the daemon
# start_ktlsod ARGS...: ktlsod ARGS in the background; $pid. A redirection on the call
# goes to the daemon (start_ktlsod ... 2>"$work/stderr").
start_ktlsod() {
	ktlsod "$@" &
	pid=$!
}
# code CURL-ARGS...: the HTTP status curl gets (000: none); at most 20 s
code() { curl -sk -o /dev/null --max-time 20 -w '%{http_code}' "$@"; }
# wait_https URL [SECONDS [STATUS]]: until URL answers (with STATUS when given), at most
# SECONDS (10); status 1 if it did not, or if the daemon ($pid) exited.
wait_https() {
	_i=0
	while [ $_i -lt $((${2:-10} * 4)) ]; do
		_c=$(code "$1" 2>/dev/null) || :
		case $_c in
		000) ;;
		"${3:-$_c}") return 0 ;;
		esac
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.25
		_i=$((_i + 1))
	done
	return 1
}
# wait_line FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN (grep), at most
# SECONDS (10); status 1 if it did not
wait_line() {
	_i=0
	until grep -q -- "$2" "$1" 2>/dev/null; do
		[ $_i -lt $((${3:-10} * 4)) ] || return 1
		sleep 0.25
		_i=$((_i + 1))
	done
}
# The daemon logs a connection ("conn peer=...") when it has ended it, which can be a
# little after the client has gone: a close waits for TCP to deliver what is in flight.
# conn_mark [LOG] before a client runs; conn_next [LOG] after it: the last connection line,
# once one has been logged since the mark (at most 5 s; then the last line there is).
# LOG: $work/log when not given. Live-offload lines ("moved into kTLS") are not counted.
conn_lines() { grep 'conn peer=' "${1:-$work/log}" 2>/dev/null | grep -v 'live offload\|moved into'; }
conn_mark() { _conn_seen=$(conn_lines "$@" | wc -l); }
conn_next() {
	_i=0
	while [ "$(conn_lines "$@" | wc -l)" -le "$_conn_seen" ] && [ $_i -lt 20 ]; do
		sleep 0.25
		_i=$((_i + 1))
	done
	conn_lines "$@" | tail -n 1
}
# stop_ktlsod: SIGTERM to $pid, and its exit status in $st; after 10 s SIGKILL, st=hung
# and status 1. Not in a subshell: the shell must reap the daemon, or kill -0 sees its
# zombie.
stop_ktlsod() {
	kill -TERM "$pid" 2>/dev/null
	_i=0
	while kill -0 "$pid" 2>/dev/null && [ $_i -lt 40 ]; do sleep 0.25; _i=$((_i + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		st=hung
		return 1
	fi
	wait "$pid"
	st=$?
	return 0
}

# sum FILE: its SHA-256, hex
sum() { sha256sum "$1" | cut -d' ' -f1; }
