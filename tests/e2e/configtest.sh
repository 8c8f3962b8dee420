#!/bin/sh
# tests/e2e/configtest.sh: ktlsod -t, the check a unit runs before it starts or reloads
# the daemon (ExecStartPre, ExecReload), and the sample configuration dist/ktlsod.conf.
# Host, no kTLS needed. Prints PASS/FAIL/SKIP lines.
set -u
T=e2e/configtest
. "$(dirname "$0")/../lib/e2e.sh"
need ktlsod openssl
e2e_init ktlsod-configtest
make_cert || exit 0
top=$(cd "$(dirname "$0")/../.." && pwd)

# run NAME STATUS REGEX ARGS...: ktlsod ARGS exits STATUS and its stderr matches REGEX
run() {
	_n=$1 _want=$2 _re=$3
	shift 3
	ktlsod "$@" >"$work/out" 2>&1
	_st=$?
	if [ "$_st" = "$_want" ] && grep -Eq -- "$_re" "$work/out"; then
		pass "$_n"
	else
		fail "$_n" "status $_st (want $_want): $(head -c 600 "$work/out")"
	fi
}

{ conf_global "log=$work/ktlsod.log"; conf_listeners "$port"; } >"$work/good.conf"
run good 0 'the configuration is good: 1 listener' -t --config "$work/good.conf"
run good_equals_form 0 'the configuration is good' --test --config="$work/good.conf"
[ ! -e "$work/ktlsod.log" ] && pass writes_nothing || fail writes_nothing "-t created the log"
run bad_root 1 "-t: --root $work/none: No such file" -t --config "$work/good.conf" --root "$work/none"
run bad_key 1 '-t: certificate error: .*private key' -t --config "$work/good.conf" --key "$work/good.conf"
run bad_log 1 "-t: log: cannot create $work/no/dir/log" -t --config "$work/good.conf" --log "$work/no/dir/log"
if [ "$(id -u)" = 0 ]; then
	run bad_user 1 '-t: --user ktlso-no-such-user: no such user' -t --config "$work/good.conf" --user ktlso-no-such-user
	# run as another user (the packaged unit's ExecStartPre runs as ktlsod): naming a third
	# user is what the daemon would refuse at start, so -t refuses it too
	chmod 755 "$work"; chmod 644 "$work/key.pem" "$work/good.conf"
	out=$(su -s /bin/sh nobody -c "ktlsod -t --config $work/good.conf --log - --user daemon" 2>&1)
	st=$?
	if [ $st = 1 ] && printf '%s\n' "$out" | grep -q -- '--user daemon: only a daemon started as root can switch users'; then
		pass user_switch_refused_unprivileged
	else
		fail user_switch_refused_unprivileged "status $st: $out"
	fi
else
	skip bad_user "only root can name a user to serve as"
fi
run problems_counted 1 'the configuration has 2 problems' -t --config "$work/good.conf" \
	--root "$work/none" --log "$work/no/dir/log"
printf 'root = %s\nofload = txrx\n' "$www" >"$work/typo.conf"
run bad_setting 1 'ofload' -t --config "$work/typo.conf"

# The sample configuration: every setting ktlsod knows is in it (commented out, with its
# default), and with its paths pointed at a real root and certificate it checks good.
sample=$top/dist/ktlsod.conf
missing=
for k in $(sed -n 's/.*!strcmp(k, "\([a-z-]*\)").*/\1/p' "$top/userspace/ktlsod/config.c" | sort -u); do
	grep -Eq "^#?$k = " "$sample" || missing="$missing $k"
done
[ -z "$missing" ] && pass sample_has_every_setting || fail sample_has_every_setting "missing:$missing"
sed -e "s#^root = .*#root = $www#" -e "s#^cert = .*#cert = $work/cert.pem#" \
	-e "s#^key = .*#key = $work/key.pem#" "$sample" >"$work/sample.conf"
run sample_checks_good 0 'the configuration is good: 1 listener' -t --config "$work/sample.conf"
exit 0
