#!/bin/sh
# make demo, inside the VM (or natively on a kTLS host): what the kernel can take, then
# ktlsod serving a generated directory, a download with curl, verified, and the proof that
# the kernel did the TLS: the daemon's log line and /proc/net/tls_stat.
set -eu
port=8443
work=$(mktemp -d /tmp/ktlso-demo.XXXXXX)
mkdir "$work/www"

echo "== the kernel's kTLS, as ktlsoctl probe sees it"
ktlsoctl probe || true

echo
echo "== ktlsod serving $work/www on 127.0.0.1:$port"
head -c 16777216 /dev/urandom >"$work/www/demo.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
stat() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat 2>/dev/null || echo 0; }
ktlsod --root "$work/www" --cert "$work/cert.pem" --key "$work/key.pem" \
	--listen 127.0.0.1:$port --workers 1 --log "$work/ktlsod.log" &
pid=$!
i=0
until curl -sk -o /dev/null https://127.0.0.1:$port/nothing 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 40 ] || { echo "ktlsod did not start:"; cat "$work/ktlsod.log"; exit 1; }
	sleep 0.25
done

tx0=$(stat TlsTxSw) rx0=$(stat TlsRxSw)	# after the daemon's own start-up probe

echo
echo "== curl https://127.0.0.1:$port/demo.bin (16 MiB)"
curl -sk -o "$work/dl.bin" -w 'HTTP %{http_code}, %{size_download} bytes, %{speed_download} bytes/s\n' \
	https://127.0.0.1:$port/demo.bin
want=$(sha256sum "$work/www/demo.bin" | cut -d' ' -f1)
got=$(sha256sum "$work/dl.bin" | cut -d' ' -f1)
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
rm -rf "$work"
