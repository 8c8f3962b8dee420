#!/bin/sh
# tests/e2e/valgrind.sh [REQUESTS]: ktlsod under valgrind's memcheck serving REQUESTS
# (default 1000) requests in userspace TLS (--offload off, so also on a kTLS host), then
# SIGTERM. Every response is checked (status, and the body's SHA-256 against the file);
# valgrind must report no error and no definitely or indirectly lost block
# (--errors-for-leak-kinds=definite,indirect --error-exitcode=99).
# Run by 'make valgrind' (which installs valgrind); prints PASS/FAIL/SKIP lines.
#
# The mix, per connection of 10 keep-alive requests (curl): files of 0 B to 1 MiB around
# the record size, a byte range, a 304, a 404 and a 403 (encoded traversal); every fourth
# connection TLS 1.2, the others TLS 1.3 with the three ciphers in turn.
# One worker thread: valgrind runs one thread at a time and does not release its lock
# around io_uring_enter, so with two workers each would wait for the other's 1 s tick.
set -u
T=e2e/valgrind
n_req=${1:-1000}
. "$(dirname "$0")/../lib/e2e.sh"

need valgrind curl openssl ktlsod sha256sum
e2e_init ktlsod-vg
mkdir -p "$www/sub"
make_cert || exit 0
sizes="0 1 16383 16384 16385 100000 1048576"
for n in $sizes; do head -c $n /dev/urandom >"$www/f$n"; done
echo sub >"$www/sub/file.txt"

valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	--log-file="$work/vg.log" \
	ktlsod --root "$www" --cert "$work/cert.pem" --key "$work/key.pem" --tls-min 1.2 \
	--listen 127.0.0.1:$port --workers 1 --offload off --log "$work/log" \
	--state-dir "$work/state" &
pid=$!
if ! wait_https "https://127.0.0.1:$port/f1" 60; then
	fail start "ktlsod under valgrind did not answer in 60 s"
	kill $pid 2>/dev/null
	cat "$work/vg.log" "$work/log" 2>/dev/null | tail -n 30 | sed 's/^/# /'
	exit 0
fi
pass start
url=https://127.0.0.1:$port
etag=$(curl -sk -I "$url/f1" | tr -d '\r' | sed -n 's/^ETag: //p')

for n in $sizes; do eval "sum_f$n=$(sum "$www/f$n")"; done

# The 10 requests of one connection: "name status [curl config line]" per request.
conn_reqs() {
	for n in 0 16383 16384 16385 100000 1048576; do echo "f$n 200"; done
	echo "range 206 range = \"100-16483\""
	echo "etag 304 header = \"If-None-Match: $(echo "$etag" | sed 's/"/\\\\"/g')\""
	echo "nope 404"
	echo "trav 403 path-as-is"
}
target() {
	case $1 in
	range) echo "$url/f16385" ;;
	etag) echo "$url/f1" ;;
	trav) echo "$url/sub/%2e%2e/%2e%2e/etc/passwd" ;;
	*) echo "$url/$1" ;;
	esac
}
range_sum=$(dd if="$www/f16385" bs=1 skip=100 count=16384 2>/dev/null | sha256sum | cut -d' ' -f1)

bad=0 done_req=0 conns=0
ciphers="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256"
while [ $done_req -lt "$n_req" ]; do
	conns=$((conns + 1))
	if [ $((conns % 4)) = 0 ]; then
		tls="tlsv1.2
tls-max = 1.2"
	else
		tls="tlsv1.3
tls13-ciphers = $(echo $ciphers | cut -d' ' -f$((conns % 3 + 1)))"
	fi
	# One curl, one keep-alive connection: a config file with a "next" per request.
	k=0
	: >"$work/want"
	: >"$work/curl.cfg"
	conn_reqs | while read -r name status extra; do
		k=$((k + 1))
		[ $k -gt 1 ] && echo next >>"$work/curl.cfg"
		cat >>"$work/curl.cfg" <<EOC
$tls
insecure
silent
url = "$(target "$name")"
output = "$work/out$k"
write-out = "%{http_code}\\n"
$extra
EOC
		echo "$name $status" >>"$work/want"
	done
	head -n $((n_req - done_req)) "$work/want" >"$work/want.n"
	if [ "$(wc -l <"$work/want.n")" -lt 10 ]; then
		# the last connection: only as many requests as are left
		awk -v n="$(wc -l <"$work/want.n")" '/^next$/ { c++ } c < n' "$work/curl.cfg" >"$work/c"
		mv "$work/c" "$work/curl.cfg"
	fi
	codes=$(curl -K "$work/curl.cfg" 2>/dev/null)
	i=0
	while read -r name status; do
		i=$((i + 1))
		done_req=$((done_req + 1))
		got=$(echo "$codes" | sed -n "${i}p")
		if [ "$got" != "$status" ]; then
			bad=$((bad + 1))
			[ $bad -le 5 ] && echo "# connection $conns request $i ($name): status '$got', expected $status"
			continue
		fi
		case $name in
		f*) eval want=\$sum_$name ;;
		range) want=$range_sum ;;
		*) continue ;;
		esac
		if [ "$(sum "$work/out$i")" != "$want" ]; then
			bad=$((bad + 1))
			[ $bad -le 5 ] && echo "# connection $conns request $i ($name): body differs"
		fi
	done <"$work/want.n"
	rm -f "$work"/out*
done
if [ $bad = 0 ]; then
	pass "requests: $done_req on $conns connections, every status and body as expected"
else
	fail requests "$bad of $done_req requests wrong"
fi
served=$(grep -c "conn peer" "$work/log")
[ "$served" -ge "$conns" ] && pass "connections_logged: $served" ||
	fail connections_logged "$served conn lines for $conns connections"

kill -TERM $pid
wait $pid
st=$?
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$work/vg.log" | tail -n 1)
def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$work/vg.log" | tail -n 1)
ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$work/vg.log" | tail -n 1)
# No leak summary at all means nothing was allocated at exit: nothing lost.
def=${def:-0} ind=${ind:-0}
if [ "$st" = 0 ] && [ "$errs" = 0 ]; then
	pass "memcheck_errors: 0 (exit $st)"
else
	fail memcheck_errors "valgrind exit $st, ${errs:-?} errors"
	grep -A20 -m3 'Invalid\|uninitialised\|lost in loss record' "$work/vg.log" | head -n 80 | sed 's/^/# /'
fi
if [ "$def" = 0 ] && [ "$ind" = 0 ]; then
	pass "leaks: definitely lost 0 bytes, indirectly lost 0 bytes"
else
	fail leaks "definitely lost $def bytes, indirectly lost $ind bytes"
fi
grep -E 'HEAP SUMMARY|in use at exit|total heap usage|possibly lost|still reachable' "$work/vg.log" | sed 's/^==[0-9]*== */# /'
exit 0
