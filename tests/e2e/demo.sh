#!/bin/sh
# make demo, inside the VM (or natively on a kTLS host): what the kernel can take, then
# ktlsod serving a generated directory, a download with curl, verified, and the proof that
# the kernel did the TLS: the daemon's log line and /proc/net/tls_stat.
set -eu
T=demo
. "$(dirname "$0")/../lib/e2e.sh"
e2e_init ktlso-demo
port=8443

echo "== the kernel's kTLS, as ktlsoctl probe sees it"
ktlsoctl probe || true

echo
echo "== ktlsod serving $work/www on 127.0.0.1:$port"
head -c 16777216 /dev/urandom >"$work/www/demo.bin"
make_cert || exit 1
stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat 2>/dev/null || echo 0; }
start_ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen 127.0.0.1:$port --workers 1 --log "$work/ktlsod.log"
wait_https https://127.0.0.1:$port/nothing || { echo "ktlsod did not start:"; cat "$work/ktlsod.log"; exit 1; }

tx0=$(stat TlsTxSw) rx0=$(stat TlsRxSw)	# after the daemon's own start-up probe

echo
echo "== curl https://127.0.0.1:$port/demo.bin (16 MiB)"
curl -sk -o "$work/dl.bin" -w 'HTTP %{http_code}, %{size_download} bytes, %{speed_download} bytes/s\n' \
	https://127.0.0.1:$port/demo.bin
want=$(sum "$www/demo.bin")
got=$(sum "$work/dl.bin")
echo "sha256 served:     $want"
echo "sha256 downloaded: $got"
[ "$want" = "$got" ] || { echo "MISMATCH"; exit 1; }
tx1=$(stat TlsTxSw) rx1=$(stat TlsRxSw)

echo
echo "== was it offloaded?"
echo "ktlsod's log line for the download:"
grep 'conn peer' "$work/ktlsod.log" | tail -n 1 | sed 's/^/  /'
echo "/proc/net/tls_stat: TlsTxSw $tx0 -> $tx1, TlsRxSw $rx0 -> $rx1 (kTLS contexts the kernel created for it)"
kill $pid
wait $pid 2>/dev/null || true
