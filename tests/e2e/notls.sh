#!/bin/sh
# tests/e2e/notls.sh: ktlsod when the kernel's TLS is missing, in whole or for one cipher
# (issue 6, item 4). Runs in a VM booted without tls.ko and without ChaCha20-Poly1305's
# kernel crypto (tests/run-all does this on both kernels):
#   tests/vm/run --kernel 6.1 --no-tls --without-module chacha20poly1305 -- sh tests/e2e/notls.sh
# Prints PASS/FAIL/SKIP lines. POSIX sh (busybox).
#
#   notls     tls.ko absent, and the kernel cannot load it on the TCP_ULP request either
#             (the VM has no /sbin/modprobe and no /lib/modules tree): every connection
#             is served in userspace TLS (TLS 1.3 AES-GCM and ChaCha20, TLS 1.2), each
#             log line gives the reason, the startup line says kTLS is unavailable, and
#             `ktlsoctl sock list` (ktlso.ko loaded) shows the fallback of a live one.
#   nocipher  then tls.ko is loaded by hand (insmod), chacha20poly1305.ko is still absent:
#             a ChaCha20-Poly1305 connection (TLS 1.3 and 1.2) falls back to userspace TLS
#             with the reason logged and shown by ktlsoctl, and is served correctly; an
#             AES-GCM one is offloaded (ktls-txrx, the kernel's tls_stat counts it).
set -u
T=e2e/faults
. "$(dirname "$0")/../lib/e2e.sh"

need_as notls curl openssl ktlsod ktlsoctl kclient sha256sum
if [ "${KTLSO_VM:-}" != 1 ] || [ "${KTLSO_EXPECT_KTLS:-1}" != 0 ]; then
	skip notls "needs the VM without tls.ko: tests/vm/run --no-tls --without-module chacha20poly1305 -- sh $0"
	exit 0
fi
case " ${KTLSO_WITHOUT_MODULES:-} " in
*" chacha20poly1305 "*) nochacha=1 ;;
*) nochacha=0 ;;
esac

e2e_init ktlsod-notls
make_cert || exit 0
head -c 1 /dev/urandom >"$www/f1"
head -c 1048576 /dev/urandom >"$www/f1M"
url=https://127.0.0.1:$port
{ conf_global "state-dir=$work/state"; conf_listeners "$port"; } >"$work/ktlsod.conf"
start_daemon() {
	: >"$work/log"
	start_ktlsod --config "$work/ktlsod.conf" 2>"$work/stderr"
	wait_https "$url/f1"
}
stop_daemon() {
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}
# download NAME CURLOPTS CIPHER: the 1 MiB file, checked; $line: its log line
download() {
	rm -f "$work/dl"
	conn_mark
	# shellcheck disable=SC2086
	curl -sk $2 -o "$work/dl" "$url/f1M" 2>/dev/null
	if [ -f "$work/dl" ] && [ "$(sum "$work/dl")" = "$(sum "$www/f1M")" ]; then
		pass "$1/served"
	else
		fail "$1/served" "the download failed or differs"
	fi
	line=$(conn_next | grep "cipher=$3 ")
}
# hold PORT: one keep-alive connection held open by kclient until $work/fifo closes
hold() {
	rm -f "$work/fifo"
	mkfifo "$work/fifo"
	kclient hold "$1" /f1 1 <"$work/fifo" >"$work/hold.out" 2>&1 &
	hpid=$!
	exec 6>"$work/fifo"
	i=0
	until grep -q holding "$work/hold.out" 2>/dev/null || [ $i -gt 40 ]; do sleep 0.25; i=$((i + 1)); done
}
release() {
	exec 6>&-
	wait $hpid 2>/dev/null
}
t13="--tlsv1.3 --tls13-ciphers"
t12="--tlsv1.2 --tls-max 1.2 --ciphers"
noulp='the kernel has no TLS upper-layer protocol'
nocrypto="the kernel lacks this cipher's crypto algorithm"

# ---------------------------------------------------------------- 1. tls.ko absent
mp=$(cat /proc/sys/kernel/modprobe 2>/dev/null)
echo "# modprobe helper: '$mp' ($([ -x "$mp" ] && echo present || echo absent)); /lib/modules/$(uname -r): $([ -d "/lib/modules/$(uname -r)" ] && echo present || echo absent); left out: ${KTLSO_WITHOUT_MODULES:-none}"
if grep -q '^tls ' /proc/modules; then
	fail notls/absent "tls.ko is loaded; the VM was to boot without it"
	exit 0
fi
out=$(ktlsoctl probe 2>&1)
case $out in
*"tls ulp: $noulp"*) pass notls/probe ;;
*) fail notls/probe "$(echo "$out" | head -n 3)" ;;
esac
# the probe made TCP_ULP requests: had the kernel loaded tls.ko for them, it would be here
if grep -q '^tls ' /proc/modules; then
	fail notls/not_autoloaded "the kernel loaded tls.ko on its own (request_module)"
else
	pass notls/not_autoloaded
fi
if start_daemon; then
	grep -q "kTLS unavailable: $noulp.*; every connection uses userspace TLS" "$work/log" &&
		pass notls/startup_logged || fail notls/startup_logged "$(grep kTLS "$work/log")"
	for v in "tls1.3-AES-128-GCM:$t13 TLS_AES_128_GCM_SHA256:AES-128-GCM" \
		"tls1.3-CHACHA20-POLY1305:$t13 TLS_CHACHA20_POLY1305_SHA256:CHACHA20-POLY1305" \
		"tls1.2-AES-256-GCM:$t12 ECDHE-ECDSA-AES256-GCM-SHA384:AES-256-GCM"; do
		name=${v%%:*} rest=${v#*:}
		download "notls/$name" "${rest%:*}" "${rest#*:}"
		case $line in
		*"offload=userspace fallback=\"$noulp"*) pass "notls/$name/logged" ;;
		*) fail "notls/$name/logged" "${line:-no log line}" ;;
		esac
	done
	hold $port
	out=$(ktlsoctl sock list 2>&1)
	echo "$out" | sed 's/^/# sock list: /'
	case $out in
	*":$port "*"$noulp"*) pass notls/ktlsoctl_shows_fallback ;;
	*) fail notls/ktlsoctl_shows_fallback "no socket on :$port with the reason" ;;
	esac
	release
	if [ -e /proc/net/tls_stat ]; then
		fail notls/no_tls_stat "/proc/net/tls_stat exists: the tls module is there"
	else
		pass notls/no_tls_stat
	fi
	stop_daemon
else
	fail notls/start "ktlsod did not answer: $(tail -n 3 "$work/stderr" "$work/log")"
	kill $pid 2>/dev/null
fi

# ---------------------------------------------------------------- 2. one cipher missing
if [ $nochacha = 0 ]; then
	skip nocipher "chacha20poly1305 was not left out (tests/vm/run --without-module chacha20poly1305)"
elif ! insmod /lib/ktlso/tls.ko; then
	fail nocipher/insmod_tls "insmod /lib/ktlso/tls.ko failed"
else
	if grep -q '^chacha20poly1305 ' /proc/modules || grep -q 'rfc7539(chacha20,poly1305)' /proc/crypto; then
		fail nocipher/absent "ChaCha20-Poly1305's AEAD is in the kernel"
	else
		pass nocipher/absent
	fi
	out=$(ktlsoctl probe 2>&1)
	aes=$(echo "$out" | grep -c 'TLSv1.[23] AES-.*GCM *yes$')
	cha=$(echo "$out" | grep -c "TLSv1.[23] CHACHA20-POLY1305 *$nocrypto")
	if [ "$aes" -ge 4 ] && [ "$cha" = 2 ]; then
		pass nocipher/probe
	else
		fail nocipher/probe "$(echo "$out" | grep 'TLSv1')"
	fi
	if start_daemon; then
		case $(grep 'kTLS available:' "$work/log") in
		*CHACHA*) fail nocipher/startup_logged "$(grep kTLS "$work/log")" ;;
		*"1.3/AES-128-GCM"*) pass nocipher/startup_logged ;;
		*) fail nocipher/startup_logged "$(grep kTLS "$work/log")" ;;
		esac
		stat0=$(awk '/TlsTxSw/ { print $2 }' /proc/net/tls_stat 2>/dev/null)
		for v in "tls1.3-CHACHA20-POLY1305:$t13 TLS_CHACHA20_POLY1305_SHA256:CHACHA20-POLY1305" \
			"tls1.2-CHACHA20-POLY1305:$t12 ECDHE-ECDSA-CHACHA20-POLY1305:CHACHA20-POLY1305"; do
			name=${v%%:*} rest=${v#*:}
			download "nocipher/$name" "${rest%:*}" "${rest#*:}"
			case $line in
			*"offload=userspace fallback=\"$nocrypto"*) pass "nocipher/$name/falls_back" ;;
			*) fail "nocipher/$name/falls_back" "${line:-no log line}" ;;
			esac
		done
		stat1=$(awk '/TlsTxSw/ { print $2 }' /proc/net/tls_stat 2>/dev/null)
		for v in "tls1.3-AES-128-GCM:$t13 TLS_AES_128_GCM_SHA256:AES-128-GCM" \
			"tls1.2-AES-256-GCM:$t12 ECDHE-ECDSA-AES256-GCM-SHA384:AES-256-GCM"; do
			name=${v%%:*} rest=${v#*:}
			download "nocipher/$name" "${rest%:*}" "${rest#*:}"
			case $line in
			*"offload=ktls-txrx "*) pass "nocipher/$name/offloaded" ;;
			*) fail "nocipher/$name/offloaded" "${line:-no log line}" ;;
			esac
		done
		stat2=$(awk '/TlsTxSw/ { print $2 }' /proc/net/tls_stat 2>/dev/null)
		echo "# tls_stat TlsTxSw: $stat0 before, $stat1 after the ChaCha20 downloads, $stat2 after the AES-GCM ones"
		if [ -n "$stat0" ] && [ "$stat1" = "$stat0" ] && [ "$stat2" = $((stat0 + 2)) ]; then
			pass nocipher/tls_stat
		else
			fail nocipher/tls_stat "TlsTxSw $stat0 -> $stat1 (ChaCha20, expected no change) -> $stat2 (AES-GCM, expected +2)"
		fi
		# a live ChaCha20 connection, as ktlsoctl shows it
		rm -f "$work/fifo"
		mkfifo "$work/fifo"
		kclient keys $port /f1 TLS_CHACHA20_POLY1305_SHA256 <"$work/fifo" >"$work/hold.out" 2>&1 &
		hpid=$!
		exec 6>"$work/fifo"
		i=0
		until grep -q holding "$work/hold.out" 2>/dev/null || [ $i -gt 40 ]; do sleep 0.25; i=$((i + 1)); done
		out=$(ktlsoctl sock list 2>&1)
		echo "$out" | sed 's/^/# sock list: /'
		case $out in
		# the whole reason, to its last words (it once stopped at 127 bytes)
		*":$port "*CHACHA20?POLY1305*"$nocrypto"*"enable them in the kernel config"*)
			pass nocipher/ktlsoctl_shows_fallback ;;
		*) fail nocipher/ktlsoctl_shows_fallback "no ChaCha20 socket on :$port with the reason" ;;
		esac
		release
		stop_daemon
	else
		fail nocipher/start "ktlsod did not answer: $(tail -n 3 "$work/stderr" "$work/log")"
		kill $pid 2>/dev/null
	fi
fi
[ $nfail = 0 ] || sed 's/^/# log: /' "$work/log"
exit 0
