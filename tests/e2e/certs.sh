#!/bin/sh
# tests/e2e/certs.sh OFFLOAD: certificates the way operators meet them, with a generated
# PKI (root -> intermediate -> leaves, ECDSA and RSA, expired and not-yet-valid ones):
# "ktlsoctl cert check" and ktlsod's checks at start and SIGHUP for each way a
# certificate goes wrong; the full chain served; SNI and ECDSA/RSA selection; ALPN;
# resumption (TLS 1.3 tickets, TLS 1.2 session IDs), the resumed connection offloaded
# (OFFLOAD: "ktls-txrx" in the VM, "userspace" on a host without kTLS) and serving a
# file intact; expiry warnings and what ktlsoctl shows of them.
# POSIX sh: it also runs under busybox inside the VM. Prints PASS/FAIL/SKIP lines.
set -u
expect=${1:?usage: certs.sh ktls-txrx|userspace}
T=e2e/certs
[ -n "${KTLSO_VM:-}" ] && T=e2e/certs-vm
. "$(dirname "$0")/../lib/e2e.sh"

need openssl ktlsod ktlsoctl sha256sum curl
e2e_init ktlsod-certs
w=$work
port=$((40000 + $$ % 20000))
# $w/state is made by ktlsod, which gives it to the user it runs as (nobody)
mkdir -p "$w/db/new"
: >"$w/db/index.txt"
echo 1000 >"$w/db/serial"
head -c 60000 /dev/urandom | base64 >"$www/file.txt"

# ------------------------------------------------------------------ the PKI
cat >"$w/ca.cnf" <<EOC
[ca]
default_ca = ca_x
[ca_x]
database = $w/db/index.txt
new_certs_dir = $w/db/new
serial = $w/db/serial
default_md = sha256
policy = pol
unique_subject = no
email_in_dn = no
[pol]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::SAN}
[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
export SAN=DNS:unused
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME ISSUER EXTENSIONS [openssl ca options]: NAME.crt from NAME.key
sign() {
	n=$1 by=$2 ext=$3
	shift 3
	openssl req -config "$w/ca.cnf" -new -key "$w/$n.key" -subj "/CN=$n" -out "$w/$n.csr" 2>/dev/null &&
		openssl ca -batch -config "$w/ca.cnf" -cert "$w/$by.pem" -keyfile "$w/$by.key" \
			-in "$w/$n.csr" -out "$w/$n.crt" -notext -extensions "$ext" "$@" 2>/dev/null
}
# leaf NAME ec|rsa SAN [openssl ca options]: NAME.crt, NAME.key, NAME.pem (leaf + intermediate)
leaf() {
	n=$1 kt=$2
	SAN=$3
	shift 3
	if [ "$kt" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$w/$n.key" 2>/dev/null
	else
		ec "$w/$n.key"
	fi
	sign "$n" inter leaf "$@" && cat "$w/$n.crt" "$w/inter.pem" >"$w/$n.pem"
}
pki() {
	ec "$w/root.key" &&
		openssl req -config "$w/ca.cnf" -x509 -new -key "$w/root.key" -subj "/CN=Test Root" \
			-days 3650 -out "$w/root.pem" -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
		ec "$w/inter.key" &&
		{ openssl req -config "$w/ca.cnf" -new -key "$w/inter.key" -subj "/CN=Test Intermediate" \
			-out "$w/inter.csr" 2>/dev/null; } &&
		openssl ca -batch -config "$w/ca.cnf" -cert "$w/root.pem" -keyfile "$w/root.key" \
			-in "$w/inter.csr" -out "$w/inter.pem" -notext -extensions inter -days 3000 \
			2>/dev/null &&
		leaf good ec "DNS:www.test.example,DNS:*.wild.test.example" -days 365 &&
		leaf rsa rsa "DNS:www.test.example,DNS:*.wild.test.example" -days 365 &&
		leaf other ec "DNS:other.test.example" -days 365 &&
		leaf dflt ec "DNS:default.test.example" -days 365 &&
		leaf renewed ec "DNS:www.test.example,DNS:*.wild.test.example" -days 365 &&
		leaf soon ec "DNS:soon.test.example" -days 10 &&
		leaf expired ec "DNS:www.test.example" -startdate 20200101000000Z -enddate 20210101000000Z &&
		leaf future ec "DNS:www.test.example" -startdate 20400101000000Z -enddate 20410101000000Z
}
if ! pki; then
	echo "FAIL $T/setup: openssl could not make the test PKI"
	exit 0
fi
# ktlsod runs as nobody once started and reads the keys again at SIGHUP as nobody
chmod 644 "$w"/*.key
# wrong order: the leaf, then the root, then the intermediate that signed the leaf
cat "$w/good.crt" "$w/root.pem" "$w/inter.pem" >"$w/wrongorder.pem"
pass setup

# ------------------------------------------------------------------ ktlsoctl cert check
# cc NAME EXPECTED_STATUS PATTERN ARGS...: the exit status and a line of the output
cc() {
	n=$1 want=$2 pat=$3
	shift 3
	ktlsoctl cert check "$@" >"$w/cc.out" 2>&1
	st=$?
	if [ $st != "$want" ]; then
		fail "check/$n" "exit $st, expected $want: $(cat "$w/cc.out")"
	elif ! grep -qE "$pat" "$w/cc.out"; then
		fail "check/$n" "no '$pat' in: $(cat "$w/cc.out")"
	else
		pass "check/$n"
	fi
}
tr="--trust $w/root.pem"
cc good 0 "^verdict: ktlsod would serve it$" "$w/good.pem" --key "$w/good.key" $tr \
	--name www.test.example --name a.wild.test.example
cc good/details 0 "^  key: ECDSA P-256" "$w/good.pem" --key "$w/good.key" $tr
cc good/chain 0 "^    2: CN=Test Intermediate, issued by CN=Test Root" "$w/good.pem" $tr
cc good/days_left 0 "^  days left: 36[45]$" "$w/good.pem"
cc rsa/key_type 0 "^  key: RSA 2048" "$w/rsa.pem" --key "$w/rsa.key" $tr
cc missing_intermediate 1 "^error: the chain is incomplete: no certificate for issuer 'CN=Test Intermediate'" \
	"$w/good.crt" --key "$w/good.key" $tr
cc missing_intermediate/warn 0 "^warning: the chain is incomplete" "$w/good.crt" $tr \
	--incomplete-chain warn
cc wrong_order 1 "^error: the chain in .* is out of order: certificate 1 'CN=good' is followed by 'CN=Test Root', which did not sign it; its issuer 'CN=Test Intermediate' is certificate 3" \
	"$w/wrongorder.pem" $tr
cc expired 1 "^error: the certificate 'CN=expired' in .* expired on 2021-01-01 00:00:00 UTC" \
	"$w/expired.pem" --key "$w/expired.key"
cc not_yet_valid 1 "^error: the certificate 'CN=future' in .* is not valid yet: it is valid from 2040-01-01" \
	"$w/future.pem"
cc san_mismatch 1 "^error: the name 'nope.test.example' is not covered by 'CN=good'" \
	"$w/good.pem" --name nope.test.example
cc wildcard_one_label 0 "would serve it" "$w/good.pem" --name x.wild.test.example
cc wildcard_depth 1 "^error: the name 'a.b.wild.test.example' is not covered" "$w/good.pem" \
	--name a.b.wild.test.example
cc wildcard_base 1 "^error: the name 'wild.test.example' is not covered" "$w/good.pem" \
	--name wild.test.example
cc key_mismatch 1 "^error: the private key .*other.key does not match the certificate 'CN=good'" \
	"$w/good.pem" --key "$w/other.key"
cc expiry_warning 0 "^warning: the certificate 'CN=soon' in .* expires on .*, in (9|10) days: renew it" \
	"$w/soon.pem"
cc expiry_threshold 0 "would serve it$" "$w/soon.pem" --expiry-warn-days 5
cc json 0 '"ok":true' -j "$w/good.pem" --key "$w/good.key" $tr
if command -v jsoncheck >/dev/null; then
	ktlsoctl cert check -j "$w/wrongorder.pem" $tr >"$w/cc.json"
	jsoncheck <"$w/cc.json" >/dev/null 2>&1 && pass check/json_valid || fail check/json_valid "$(cat "$w/cc.json")"
fi
ktlsoctl cert check "$w/nonexistent.pem" >"$w/cc.out" 2>&1
check check/unreadable_status $? 1
has check/unreadable "$w/cc.out" "cannot read the certificate file .*nonexistent.pem: No such file"
ktlsoctl cert check >/dev/null 2>&1
check check/usage $? 2

# ------------------------------------------------------------------ refused at start
# refused NAME PATTERN ARGS...: ktlsod must exit 1 and say PATTERN
refused() {
	n=$1 pat=$2
	shift 2
	ktlsod --root "$www" --listen 127.0.0.1:$port --workers 1 --state-dir "$w/state" \
		--log - "$@" >"$w/start.out" 2>&1 &
	rp=$!
	i=0
	while kill -0 $rp 2>/dev/null && [ $i -lt 40 ]; do sleep 0.25; i=$((i + 1)); done
	if kill -0 $rp 2>/dev/null; then
		kill $rp
		wait $rp 2>/dev/null
		fail "start/$n" "ktlsod started"
		return
	fi
	wait $rp
	st=$?
	if [ $st != 1 ]; then
		fail "start/$n" "exit $st: $(cat "$w/start.out")"
	elif ! grep -qE "$pat" "$w/start.out"; then
		fail "start/$n" "no '$pat' in: $(cat "$w/start.out")"
	else
		pass "start/$n"
	fi
}
refused missing_intermediate "certificate error: the chain is incomplete: no certificate for issuer 'CN=Test Intermediate'" \
	--cert "$w/good.crt" --key "$w/good.key" $tr
refused wrong_order "certificate error: the chain in .* is out of order" \
	--cert "$w/wrongorder.pem" --key "$w/good.key"
refused expired "certificate error: the certificate 'CN=expired' .* expired on" \
	--cert "$w/expired.pem" --key "$w/expired.key"
refused not_yet_valid "certificate error: the certificate 'CN=future' .* is not valid yet" \
	--cert "$w/future.pem" --key "$w/future.key"
refused key_mismatch "certificate error: the private key .* does not match" \
	--cert "$w/good.pem" --key "$w/other.key"
cat >"$w/names.conf" <<EOC
[cert www]
cert = $w/good.pem
key = $w/good.key
names = www.test.example, a.b.wild.test.example
EOC
refused san_mismatch "certificate error: the name 'a.b.wild.test.example' is not covered by 'CN=good'" \
	--config "$w/names.conf"
{ conf_cert a "$w/good.pem" "$w/good.key"; conf_cert b "$w/renewed.pem" "$w/renewed.key"; } >"$w/dup.conf"
refused two_of_a_key_type "certificate error: \[cert a\] and \[cert b\] both hold ECDSA P-256 certificates for the same names" \
	--config "$w/dup.conf"
grep -q "the certificates were refused: 1 error" "$w/start.out" && pass start/summary ||
	fail start/summary "$(cat "$w/start.out")"

# ------------------------------------------------------------------ serving
cp "$w/good.pem" "$w/live.pem"
cp "$w/good.key" "$w/live.key"
{
	conf_global "cert=$w/dflt.pem" "key=$w/dflt.key" "trust=$w/root.pem" "state-dir=$w/state"
	conf_listeners "$port"
	conf_cert www-ecdsa "$w/live.pem" "$w/live.key"
	conf_cert www-rsa "$w/rsa.pem" "$w/rsa.key"
	conf_cert other "$w/other.pem" "$w/other.key"
} >"$w/ktlsod.conf"
start_ktlsod --config "$w/ktlsod.conf"
if ! wait_https "https://127.0.0.1:$port/file.txt"; then
	fail serve/start "ktlsod did not answer"
	cat "$w/log" 2>/dev/null
	kill $pid
	exit 0
fi
pass serve/start

# sc ARGS...: an s_client handshake (no request); its output in $w/sc.out
sc() { echo | openssl s_client -connect 127.0.0.1:$port "$@" >"$w/sc.out" 2>&1; }
# sreq ARGS...: the same with a request, answered with Connection: close, so that s_client
# stays until the end and has the TLS 1.3 ticket, which comes after the handshake
sreq() {
	openssl s_client -connect 127.0.0.1:$port -ign_eof "$@" <"$w/req" >"$w/sc.out" 2>&1
}
# served NAME CN ARGS...: the leaf the server sent has CN
served() {
	n=$1 cn=$2
	shift 2
	sc "$@"
	got=$(sed -n 's/^subject=.*CN *= *\([^,]*\).*/\1/p' "$w/sc.out" | head -n 1)
	check "$n" "${got:-none}" "$cn"
}
served sni/exact other -servername other.test.example
served sni/exact_www good -servername www.test.example
served sni/wildcard good -servername x.wild.test.example
served sni/wildcard_depth dflt -servername a.b.wild.test.example
served sni/unknown dflt -servername nobody.test.example
served sni/none dflt -noservername
served sni/case good -servername WWW.Test.Example
served keytype/tls13_ecdsa good -servername www.test.example -sigalgs ecdsa_secp256r1_sha256
served keytype/tls13_rsa rsa -servername www.test.example -sigalgs rsa_pss_rsae_sha256:rsa_pss_pss_sha256
served keytype/tls12_ecdsa good -servername www.test.example -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
served keytype/tls12_rsa rsa -servername www.test.example -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256

# The full chain, in order, and it verifies against the root alone.
sc -servername www.test.example -showcerts -CAfile "$w/root.pem" -verify_return_error
check chain/count "$(grep -c 'BEGIN CERTIFICATE' "$w/sc.out")" 2
has chain/intermediate "$w/sc.out" "^ 1 s:CN *= *Test Intermediate"
has chain/verified "$w/sc.out" "Verify return code: 0 \(ok\)"
sc -servername www.test.example -sigalgs rsa_pss_rsae_sha256 -showcerts -CAfile "$w/root.pem" -verify_return_error
has chain/rsa_verified "$w/sc.out" "Verify return code: 0 \(ok\)"

printf 'GET /file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$w/req"

# ALPN
sc -servername www.test.example -alpn http/1.1
has alpn/http11 "$w/sc.out" "^ALPN protocol: http/1.1"
sc -servername www.test.example -alpn h2,http/1.1
has alpn/h2_and_http11 "$w/sc.out" "^ALPN protocol: http/1.1"
sc -servername www.test.example -alpn http/1.0
has alpn/http10 "$w/sc.out" "^ALPN protocol: http/1.0"
sc -servername www.test.example -alpn http/1.0,http/1.1
has alpn/http10_and_http11 "$w/sc.out" "^ALPN protocol: http/1.1"
sc -servername www.test.example -alpn h2
has alpn/h2_only_refused "$w/sc.out" "alert no application protocol"
grep -q '^Verify return code' "$w/sc.out" && grep -q '^New, TLSv' "$w/sc.out" &&
	fail alpn/h2_only_no_session "a session was established" || pass alpn/h2_only_no_session
sc -servername www.test.example
has alpn/none "$w/sc.out" "^No ALPN negotiated"

# Resumption: a first connection saves the session, the second resumes it, is offloaded
# as configured and serves a file intact.
want=$(sha256sum "$www/file.txt" | cut -d' ' -f1)
for v in 1.3 1.2; do
	o="-servername www.test.example"
	[ $v = 1.2 ] && o="$o -tls1_2"
	rm -f "$w/sess"
	# shellcheck disable=SC2086
	sreq $o -sess_out "$w/sess" -msg -msgfile "$w/msg0"
	has "resume/tls$v/first_full" "$w/sc.out" "^New, TLSv$v"
	has "resume/tls$v/first_full_has_certificate" "$w/msg0" "^<<< .*, Certificate$"
	# shellcheck disable=SC2086
	openssl s_client -connect 127.0.0.1:$port $o -sess_in "$w/sess" -ign_eof <"$w/req" \
		>"$w/res.out" 2>&1
	has "resume/tls$v/reused" "$w/res.out" "^Reused, TLSv$v"
	# the body, on a connection of its own: -quiet keeps it apart from s_client's words,
	# and the messages (-msgfile) show that it resumed: no Certificate from the server
	# shellcheck disable=SC2086
	openssl s_client -connect 127.0.0.1:$port $o -sess_in "$w/sess" -quiet -msg \
		-msgfile "$w/msg" <"$w/req" >"$w/res.body" 2>/dev/null
	if grep -q '^<<< .*ServerHello' "$w/msg" && ! grep -q '^<<< .*, Certificate$' "$w/msg"; then
		pass "resume/tls$v/data_connection_resumed"
	else
		fail "resume/tls$v/data_connection_resumed" "$(grep '^<<<' "$w/msg" | head -n 8)"
	fi
	got=$(tr -d '\r' <"$w/res.body" | sed '1,/^$/d' | sha256sum | cut -d' ' -f1)
	check "resume/tls$v/file_intact" "$got" "$want"
	sleep 0.3
	line=$(grep "conn peer" "$w/log" | grep "tls=TLSv$v" | grep "requests=1 " | tail -n 1)
	case $line in
	*"offload=$expect "*) pass "resume/tls$v/offload" ;;
	*) fail "resume/tls$v/offload" "log line: ${line:-none}" ;;
	esac
	[ $v = 1.2 ] && continue
	# again, from the ticket the resumed connection received (TLS 1.3: a new one each time)
	# shellcheck disable=SC2086
	openssl s_client -connect 127.0.0.1:$port $o -sess_in "$w/sess" -sess_out "$w/sess2" \
		-ign_eof <"$w/req" >"$w/res.out" 2>&1
	# shellcheck disable=SC2086
	openssl s_client -connect 127.0.0.1:$port $o -sess_in "$w/sess2" -ign_eof <"$w/req" \
		>"$w/res2.out" 2>&1
	has "resume/tls$v/chained" "$w/res2.out" "^Reused, TLSv$v"
done
# A session of one certificate set does not resume on another.
rm -f "$w/sess"
sreq -servername www.test.example -sess_out "$w/sess"
echo | openssl s_client -connect 127.0.0.1:$port -servername other.test.example -sess_in "$w/sess" \
	>"$w/sc.out" 2>&1
has resume/not_across_certificates "$w/sc.out" "^New, TLSv1.3"
# 0-RTT stays off: the server does not offer early data in its tickets.
rm -f "$w/sess"
sreq -servername www.test.example -sess_out "$w/sess"
openssl sess_id -in "$w/sess" -text -noout >"$w/sess.txt" 2>&1
if grep -q "Max Early Data: 0" "$w/sess.txt"; then pass early_data_off; else fail early_data_off "$(cat "$w/sess.txt")"; fi

# ------------------------------------------------------------------ what ktlsoctl sees
export KTLSO_STATE_DIR="$w/state"
ktlsoctl stats --prometheus >"$w/prom" 2>&1
has prometheus/expiry_days "$w/prom" '^ktlso_certificate_expiry_days\{name="www-ecdsa",subject="CN=good",file="[^"]*live.pem"\} 36[45]$'
has prometheus/not_after "$w/prom" '^ktlso_certificate_not_after_seconds\{name="www-rsa",subject="CN=rsa",file="[^"]*rsa.pem"\} [0-9]+$'
has prometheus/type "$w/prom" '^# TYPE ktlso_certificate_expiry_days gauge$'
check state/lines "$(grep -vc '^#' "$w/state/certs.tsv")" 4
if ktlsoctl show >"$w/show" 2>&1; then
	has show/certificates "$w/show" "^  www-rsa: CN=rsa \(.*rsa.pem\), RSA 2048, until .*, 36[45] days left, names \*.wild.test.example,www.test.example$"
else
	echo "SKIP $T/show/certificates: ktlsoctl show needs the ktlso module ($(head -n 1 "$w/show"))"
fi

# ------------------------------------------------------------------ SIGHUP
# A failed reload: each broken file keeps the old certificate serving, and says why.
for bad in expired future wrongorder; do
	cp "$w/$bad.pem" "$w/live.pem"
	[ -f "$w/$bad.key" ] && cp "$w/$bad.key" "$w/live.key" || cp "$w/good.key" "$w/live.key"
	: >"$w/log.mark"
	n0=$(grep -c "reload failed" "$w/log")
	kill -HUP $pid
	i=0
	while [ "$(grep -c "reload failed" "$w/log")" = "$n0" ] && [ $i -lt 20 ]; do sleep 0.25; i=$((i + 1)); done
	line=$(grep "reload failed" "$w/log" | tail -n 1)
	case $line in
	*"still serving the previous configuration and certificates: "[0-9]*" error"*"(above)"*) pass "reload/$bad/refused" ;;
	*) fail "reload/$bad/refused" "log: ${line:-no reload line}" ;;
	esac
	served "reload/$bad/old_still_served" good -servername www.test.example
done
tail -n 30 "$w/log" >"$w/log.tail"
has reload/says_why "$w/log.tail" "certificate error: the chain in .*live.pem is out of order"
sc -servername www.test.example -showcerts -CAfile "$w/root.pem" -verify_return_error
has reload/old_chain_verified "$w/sc.out" "Verify return code: 0 \(ok\)"
has reload/old_state_kept "$w/state/certs.tsv" "www-ecdsa	[^	]*live.pem	CN=good	"
# Then a good renewal goes in.
cp "$w/renewed.pem" "$w/live.pem"
cp "$w/renewed.key" "$w/live.key"
kill -HUP $pid
i=0
until grep -q "reloaded certificates" "$w/log" || [ $i -gt 20 ]; do sleep 0.25; i=$((i + 1)); done
has reload/good "$w/log" "reloaded certificates"
served reload/new_served renewed -servername www.test.example
has reload/state_updated "$w/state/certs.tsv" "www-ecdsa	[^	]*live.pem	CN=renewed	"
kill -TERM $pid
wait $pid 2>/dev/null
[ -e "$w/state/certs.tsv" ] && fail state/removed_at_exit "certs.tsv is still there" || pass state/removed_at_exit

# ------------------------------------------------------------------ expiry warnings
# ew NAME DAYS PATTERN: start with the certificate that has ~9 days left, threshold DAYS
ew() {
	rm -f "$w/log3"
	ktlsod --root "$www" --cert "$w/soon.pem" --key "$w/soon.key" --listen 127.0.0.1:$port \
		--workers 1 --state-dir "$w/state" --expiry-warn-days "$2" --log "$w/log3" &
	ep=$!
	wait_line "$w/log3" "listening on"
	kill -TERM $ep
	wait $ep 2>/dev/null
	if grep -qE "$3" "$w/log3"; then
		[ "$1" = none ] && fail "expiry/$1" "$(grep warning "$w/log3")" || pass "expiry/$1"
	else
		[ "$1" = none ] && pass "expiry/$1" || fail "expiry/$1" "no '$3' in: $(cat "$w/log3")"
	fi
}
ew warned 30 "certificate warning: the certificate 'CN=soon' in .*soon.pem expires on .*, in (9|10) days: renew it"
ew none 5 "certificate warning"

# An incomplete chain served on purpose, with a loud warning.
ktlsod --root "$www" --cert "$w/good.crt" --key "$w/good.key" --listen 127.0.0.1:$port \
	--workers 1 --state-dir "$w/state" --trust "$w/root.pem" --incomplete-chain warn \
	--log "$w/log4" &
ip=$!
wait_line "$w/log4" "listening on"
has incomplete_warn/logged "$w/log4" "certificate warning: the chain is incomplete: no certificate for issuer 'CN=Test Intermediate'"
served incomplete_warn/serves good -servername www.test.example
kill -TERM $ip
wait $ip 2>/dev/null

exit 0
