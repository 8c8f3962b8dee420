#!/bin/sh
# tests/e2e/testssl.sh: ktlsod's TLS configuration as testssl.sh (Debian's package, 3.0.x)
# judges it. A private PKI (root -> intermediate -> an ECDSA P-256 and an RSA-2048 leaf,
# both for DNS:localhost, served side by side as two [cert] sets) and one ktlsod per
# --tls-min (1.3, and 1.2, the default) on 127.0.0.1, in userspace TLS (--offload off):
# the handshake and everything testssl looks at is the same code whether or not the keys
# go to the kernel afterwards, and this host has no kTLS (the VM has no bash for testssl).
# Per configuration, from testssl's CSV output:
#   no_finding_above_low    no finding of severity MEDIUM, HIGH or CRITICAL
#   old_protocols_refused   SSLv2, SSLv3, TLS 1.0 and TLS 1.1 not offered
#   aead_only               every cipher suite offered is AEAD (AES-GCM, AES-CCM,
#                           ChaCha20-Poly1305), none of the CBC/RC4/3DES/NULL/EXPORT lists
#   chain_of_trust          both certificates' chains verify to the root (--add-ca)
#   tls13_offered           TLS 1.3 offered
#   tls12_refused           (tls-min 1.3) TLS 1.2 not offered
#   tls12_offered           (tls-min 1.2) TLS 1.2 offered
#   tls12_ecdhe_aead_only   (tls-min 1.2) every TLS 1.2 suite is ECDHE with an AEAD
#   ec_groups_only          forward secrecy offered, by elliptic curves only: no
#                           finite-field group (ffdhe8192 costs ~100x an EC handshake)
# Run by 'make testssl' (which installs testssl.sh) and by tests/run-all's host part.
# Prints PASS/FAIL/SKIP lines. KTLSO_E2E_KEEP=1 keeps the work directory (testssl's CSV,
# JSON and log per configuration). KTLSO_TESTSSL_CHECKS replaces the testssl options
# that choose the checks (default below).
set -u
T=e2e/testssl
. "$(dirname "$0")/../lib/e2e.sh"

# Debian installs it as "testssl"; upstream's name is testssl.sh.
testssl=$(command -v testssl || command -v testssl.sh) ||
	{ skip all "testssl.sh is not installed (make deps-testssl)"; exit 0; }
need openssl ktlsod curl bash timeout

# What testssl runs: protocols (-p), cipher categories (-s), forward secrecy (-f), server
# preferences (-P), server defaults and certificates (-S), every vulnerability check (-U),
# every cipher suite it knows (370, by sockets) per protocol (-E), the HTTP response
# headers (-h: HSTS, security headers, banners, cookies). Left out: client simulation
# (-c), GREASE (-g).
checks=${KTLSO_TESTSSL_CHECKS:--p -s -f -P -S -U -E -h}

e2e_init ktlsod-testssl
w=$work
mkdir -p "$w/state"
echo '<h1>testssl</h1>' >"$w/www/index.html"

# ------------------------------------------------------------------ the PKI
cat >"$w/ext.cnf" <<EOC
[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# as a public CA's would have; testssl only reads it (no --phone-out)
crlDistributionPoints = URI:http://crl.ktlso.invalid/inter.crl
EOC
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME ISSUER EXTENSIONS DAYS SUBJECT: NAME.crt from NAME.key
sign() {
	openssl req -new -key "$w/$1.key" -subj "$5" -out "$w/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$w/$1.csr" -CA "$w/$2.crt" -CAkey "$w/$2.key" \
			-CAcreateserial -CAserial "$w/serial" -sha256 -days "$4" \
			-extfile "$w/ext.cnf" -extensions "$3" -out "$w/$1.crt" 2>/dev/null
}
pki() {
	ec "$w/root.key" &&
		openssl req -x509 -new -key "$w/root.key" -subj "/CN=ktlso testssl root" -days 3650 \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign -out "$w/root.crt" 2>/dev/null &&
		ec "$w/inter.key" && sign inter root inter 1825 "/CN=ktlso testssl intermediate" &&
		ec "$w/ecdsa.key" && sign ecdsa inter leaf 365 /CN=localhost &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$w/rsa.key" 2>/dev/null &&
		sign rsa inter leaf 365 /CN=localhost &&
		cat "$w/ecdsa.crt" "$w/inter.crt" >"$w/ecdsa.pem" &&
		cat "$w/rsa.crt" "$w/inter.crt" >"$w/rsa.pem"
}
if ! pki; then
	fail setup "openssl could not make the test PKI"
	exit 0
fi
# the global section without cert, key, tls-min and log: [cert] sets, and start's flags
{
	conf_global cert= key= tls-min= log= workers=1 "trust=$w/root.crt" "state-dir=$w/state"
	conf_cert ecdsa "$w/ecdsa.pem" "$w/ecdsa.key"
	conf_cert rsa "$w/rsa.pem" "$w/rsa.key"
} >"$w/ktlsod.conf"

pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
e2e_on_exit=stop

# start TLSMIN: ktlsod on a free port of 127.0.0.1 ($port), or 1. A port something
# answers on is skipped first: ktlsod binds with SO_REUSEPORT, so another ktlsod of the
# same user (another test) would share it rather than make the start fail. The chain is
# testssl's to judge, hence curl -k.
start() {
	port=$((30000 + $$ % 20000))
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		port=$((port + 1))
		curl -s -o /dev/null --connect-timeout 2 "http://127.0.0.1:$port/"
		[ $? = 7 ] || continue		# 7: could not connect, nobody there
		# shellcheck disable=SC2086
		start_ktlsod --config "$w/ktlsod.conf" --tls-min "$1" --offload off ${2:-} \
			--listen "127.0.0.1:$port" --log "$w/log-$1"
		wait_https "https://127.0.0.1:$port/" && return 0
		kill -0 $pid 2>/dev/null && { stop; return 1; }	# running but not answering
		wait $pid 2>/dev/null			# it exited: the port was taken after all?
		pid=
	done
	return 1
}

# finding ID: testssl's finding(s) for ID, one line each ("ID <cert#N>" per certificate)
finding() { awk -F'","' -v id="$1" 'NR > 1 { i = substr($1, 2); sub(/ <[^>]*>$/, "", i);
	if (i == id) print $5 }' "$csv"; }
# want CHECK offered|"not offered" ID...: PASS when every ID's finding starts so
want() {
	n=$1 pat=$2 bad=""
	shift 2
	for id in "$@"; do
		f=$(finding "$id")
		case $f in
		"$pat"*) ;;
		"") bad="${bad:+$bad; }$id: not tested" ;;
		*) bad="${bad:+$bad; }$id: $f" ;;
		esac
	done
	if [ -z "$bad" ]; then pass "$name/$n: $* $pat"; else fail "$name/$n" "$bad"; fi
}

scan() {	# scan NAME TLSMIN [KTLSOD-FLAGS]
	name=$1
	csv=$w/$name.csv
	if ! start "$2" "${3:-}"; then
		fail "$name/start" "ktlsod --tls-min $2 did not answer: $(tail -n 5 "$w/log-$2" 2>/dev/null)"
		return
	fi
	t0=$(date +%s)
	# shellcheck disable=SC2086
	(cd "$w" && timeout 900 "$testssl" --quiet --color 0 --warnings off -n none \
		--ip 127.0.0.1 --connect-timeout 10 --openssl-timeout 10 --add-ca "$w/root.crt" \
		--csvfile "$csv" --jsonfile-pretty "$w/$name.json" --logfile "$w/$name.log" \
		$checks "localhost:$port" >/dev/null 2>&1)
	st=$?
	t1=$(date +%s)
	stop
	# testssl's status is the sum of its checks' return values (242 and above: its own
	# errors), not a verdict; a scan that ran to the end writes its time into the JSON
	if [ $st = 124 ]; then
		fail "$name/scan" "testssl did not finish in 900 s: $(tail -n 5 "$w/$name.log" 2>/dev/null)"
		return
	fi
	if [ ! -s "$csv" ] || ! grep -q '"scanTime"' "$w/$name.json" 2>/dev/null; then
		fail "$name/scan" "testssl exit $st, no complete output: $(tail -n 5 "$w/$name.log" 2>/dev/null)"
		return
	fi
	echo "# $name (ktlsod --tls-min $2): $(sed -n 's/^## version testssl: \([^ ]*\).*/testssl \1/p' "$w/$name.log"), $((t1 - t0)) s, $(($(wc -l <"$csv") - 1)) findings"
	awk -F'","' 'NR > 1 && $4 == "WARN" { print "# testssl warning: " substr($1, 2) ": " $5 }' "$csv"

	# 1. severities
	bad=$(awk -F'","' 'NR > 1 && ($4 == "MEDIUM" || $4 == "HIGH" || $4 == "CRITICAL") {
		printf "%s%s %s: %s", sep, $4, substr($1, 2), $5; sep = "; " }' "$csv")
	if [ -z "$bad" ]; then
		pass "$name/no_finding_above_low:$(awk -F'","' 'NR > 1 { n[$4]++ } END {
			for (s in n) printf " %s %d", s, n[s] }' "$csv")"
	else
		fail "$name/no_finding_above_low" "$bad"
	fi

	# 2. versions
	# 2a. HTTP headers (-h): nosniff always; HSTS only where the daemon was asked for it
	case " $checks " in
	*" -h "*)
		want header_nosniff nosniff X-Content-Type-Options
		case ${3:-} in
		*--hsts*) want hsts_sent "365 days" HSTS_time ;;
		*) want no_hsts_by_default "not offered" HSTS ;;
		esac
		;;
	esac
	want old_protocols_refused "not offered" SSLv2 SSLv3 TLS1 TLS1_1
	want tls13_offered offered TLS1_3
	if [ "$2" = 1.3 ]; then
		want tls12_refused "not offered" TLS1_2
	else
		want tls12_offered offered TLS1_2
	fi

	# 3. AEAD only: every suite testssl negotiated (-E: 370 suites, each protocol), judged
	# by its IANA name, and testssl's weak categories empty. A row of -E:
	# "cipher-tls1_2_xc02b",...,"TLS 1.2   xc02b   ECDHE-ECDSA-AES128-GCM-SHA256      ECDH 253
	#  AESGCM      128      TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
	awk -F'","' 'NR > 1 && substr($1, 2) ~ /^cipher-(ssl|tls)/ { print $5 }' "$csv" >"$w/$name.ciphers"
	bad=$(awk '{ iana = $NF }
		iana !~ /_(AES_(128|256)_(GCM|CCM)|CHACHA20_POLY1305|(ARIA|CAMELLIA)_(128|256)_GCM)(_8)?(_SHA(256|384))?$/ ||
		/CBC|RC4|DES|NULL|EXPORT|anon/ { printf "%s%s %s %s", sep, $1 " " $2, $4, iana; sep = "; " }' "$w/$name.ciphers")
	for c in NULL aNULL EXPORT LOW 3DES_IDEA AVERAGE; do
		f=$(finding cipherlist_$c)
		case $f in
		"not offered"*) ;;
		*) bad="${bad:+$bad; }cipherlist_$c: ${f:-not tested}" ;;
		esac
	done
	nc=$(wc -l <"$w/$name.ciphers")
	if [ "$nc" = 0 ]; then
		fail "$name/aead_only" "testssl listed no cipher suite"
	elif [ -z "$bad" ]; then
		pass "$name/aead_only: $nc suites: $(awk '{ printf "%s%s", sep, $4; sep = " " }' "$w/$name.ciphers")"
	else
		fail "$name/aead_only" "$bad"
	fi
	if [ "$2" = 1.2 ]; then
		# TLS 1.2: ECDHE key exchange (ECDSA or RSA certificate) and an AEAD, every suite
		grep '^TLS 1\.2 ' "$w/$name.ciphers" >"$w/$name.tls12"
		bad=$(awk '$4 !~ /^ECDHE-(ECDSA|RSA)-/ || $5 != "ECDH" ||
			$NF !~ /^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/ {
			printf "%s%s %s %s", sep, $4, $5, $NF; sep = "; " }' "$w/$name.tls12")
		n=$(wc -l <"$w/$name.tls12")
		if [ "$n" = 0 ]; then
			fail "$name/tls12_ecdhe_aead_only" "testssl listed no TLS 1.2 suite"
		elif [ -z "$bad" ]; then
			pass "$name/tls12_ecdhe_aead_only: $n suites"
		else
			fail "$name/tls12_ecdhe_aead_only" "$bad"
		fi
	fi

	# 4. key exchange: forward secrecy, and only elliptic-curve groups (tls.c, tls_groups)
	f=$(finding PFS)
	curves=$(finding PFS_ECDHE_curves)
	dh=$(finding DH_groups)
	case $f in
	offered*)
		if [ -n "$dh" ]; then
			fail "$name/ec_groups_only" "finite-field groups offered: $dh"
		elif [ -z "$curves" ]; then
			fail "$name/ec_groups_only" "testssl found no ECDHE curve"
		else
			pass "$name/ec_groups_only: forward secrecy with $curves, no finite-field group"
		fi ;;
	*) fail "$name/ec_groups_only" "PFS: ${f:-not tested}" ;;
	esac

	# 5. the chain: both certificates (ECDSA and RSA) verify to the root given with
	# --add-ca, in order, with the intermediate served, and match the name
	keys=$(finding cert_keySize | tr '\n' ',' | sed 's/,$//')
	trust=$(finding cert_chain_of_trust | tr '\n' ';')
	order=$(finding certs_list_ordering_problem | tr '\n' ';')
	count=$(finding certs_countServer | tr '\n' ';')
	host=$(finding cert_trust | tr '\n' ';')
	if [ "$trust" = "passed.;passed.;" ] && [ "$order" = "no;no;" ] && [ "$count" = "2;2;" ] &&
		[ "$(finding cert_trust | grep -c '^Ok')" = 2 ]; then
		pass "$name/chain_of_trust: 2 certificates ($keys), each served with its intermediate, chain passed, hostname ok"
	else
		fail "$name/chain_of_trust" "chain of trust: $trust ordering problem: $order certificates served: $count hostname: $host (keys: $keys; expected 2 leaf certificates, each chain passed)"
	fi
}

scan tls13 1.3
scan tls12 1.2 "--hsts 31536000"
exit 0
