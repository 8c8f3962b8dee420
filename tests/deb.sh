#!/usr/bin/env bash
# tests/deb.sh: 'make deb' builds the Debian packages into build/deb/ from a clean export
# of the tree (lintian with no error), and what they hold is what an operator needs:
# hardened binaries, the DKMS tree with its version, the boot-time module list, the man pages.
# Prints PASS/FAIL/SKIP lines for tests/run-all. About 30 s.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
pass() { echo "PASS deb/$1"; }
fail() { echo "FAIL deb/$1: $2"; }
command -v dpkg-buildpackage >/dev/null && command -v dh_dkms >/dev/null ||
	{ echo "SKIP deb/all: debhelper or dh-dkms is not installed (scripts/deps deb)"; exit 0; }
ver=$(cat VERSION)
d=build/deb
if ! out=$(make -s deb NODEPS=1 2>&1); then
	fail build "$(tail -n 8 <<<"$out" | tr '\n' ' ')"
	exit 1
fi
pass build_and_lintian
for p in ktlsod ktlsoctl ktlsobench; do
	[[ -f $d/${p}_${ver}_amd64.deb ]] || fail "package_$p" "no $d/${p}_${ver}_amd64.deb"
done
[[ -f $d/ktlso-dkms_${ver}_all.deb ]] || fail package_ktlso-dkms "no $d/ktlso-dkms_${ver}_all.deb"

x=$(mktemp -d /tmp/ktlso-deb.XXXXXX)
trap 'rm -rf "$x" "$x.list"' EXIT
for f in "$d"/*.deb; do dpkg-deb -x "$f" "$x"; done

# dpkg-buildflags' hardening reached the binaries: PIE, full RELRO, fortified calls.
for b in usr/sbin/ktlsod usr/bin/ktlsoctl usr/bin/ktlsobench; do
	h=$(readelf -W -h -l -d --dyn-syms "$x/$b" 2>/dev/null)
	why=
	grep -q 'Type:.*DYN' <<<"$h" || why+=" not PIE;"
	grep -q GNU_RELRO <<<"$h" || why+=" no RELRO;"
	grep -q 'BIND_NOW\|FLAGS.*NOW' <<<"$h" || why+=" no BIND_NOW;"
	grep -q '__[a-z_]*_chk' <<<"$h" || why+=" no _FORTIFY_SOURCE call;"
	if [[ -z $why ]]; then pass "hardened_${b##*/}"; else fail "hardened_${b##*/}" "$why"; fi
done

c=$x/usr/src/ktlso-$ver/dkms.conf
if grep -qx "PACKAGE_VERSION=\"$ver\"" "$c" 2>/dev/null && grep -qx 'AUTOINSTALL="yes"' "$c" &&
	[[ -f $x/usr/src/ktlso-$ver/kmod/main.c && -f $x/usr/src/ktlso-$ver/include/uapi/linux/ktlso.h ]]; then
	pass dkms_tree
else
	fail dkms_tree "usr/src/ktlso-$ver/ lacks dkms.conf with its version, AUTOINSTALL or sources"
fi
if [[ $(grep -v '^#' "$x/usr/lib/modules-load.d/ktlso.conf" 2>/dev/null | tr '\n' ' ') == "tls ktlso " ]]; then
	pass modules_load
else
	fail modules_load "usr/lib/modules-load.d/ktlso.conf does not load tls, then ktlso"
fi
dpkg-deb -I "$d/ktlso-dkms_${ver}_all.deb" postinst 2>/dev/null | grep -q 'dkms' &&
	pass dkms_postinst || fail dkms_postinst "ktlso-dkms's postinst does not run dkms"

# DKMS is the ktlso-dkms package's alone; the metrics timer is shipped, not enabled.
other=$(for p in ktlsod ktlsoctl ktlsobench; do dpkg-deb -c "$d/${p}_${ver}_amd64.deb" | grep usr/src/ >/dev/null &&
	echo "$p"; dpkg-deb -I "$d/${p}_${ver}_amd64.deb" postinst 2>/dev/null | grep -q DKMS && echo "$p"; done)
[[ -z $other ]] && pass dkms_only_in_dkms_package || fail dkms_only_in_dkms_package "DKMS files or scripts in: $other"
pi=$(dpkg-deb -I "$d/ktlsoctl_${ver}_amd64.deb" postinst 2>/dev/null)
# (dh_installsystemd --no-enable: enabled again on upgrade only if the admin had enabled it)
if dpkg-deb -c "$d/ktlsoctl_${ver}_amd64.deb" >"$x.list" && grep -q 'systemd/system/ktlso-textfile.timer$' "$x.list" &&
	grep -q "deb-systemd-helper debian-installed 'ktlso-textfile.timer'" <<<"$pi" &&
	! grep -q 'deb-systemd-invoke start' <<<"$pi"; then
	pass textfile_timer_disabled
else
	fail textfile_timer_disabled "ktlso-textfile.timer missing from ktlsoctl, or enabled/started by its postinst"
fi

# Every page of man/ is in a package, and every program a package ships has its page in
# that package (lintian's no-manual-page only warns).
miss=
for m in man/*.[1-8]; do
	n=${m##*/}
	[[ -f $x/usr/share/man/man${n##*.}/$n.gz ]] || miss+=" $n"
done
[[ -z $miss ]] && pass man_pages_shipped || fail man_pages_shipped "not in any package:$miss (add them to debian/<package>.install)"
miss=
for f in "$d"/*.deb; do
	list=$(dpkg-deb -c "$f")
	for b in $(grep -oE '\./usr/s?bin/[^ ]+$' <<<"$list"); do
		grep -qE "\./usr/share/man/man[1-8]/${b##*/}\.[1-8]\.gz$" <<<"$list" || miss+=" ${f##*/}:${b##*/}"
	done
done
[[ -z $miss ]] && pass programs_have_pages || fail programs_have_pages "no man page beside:$miss"

# ktlsod: its unit (not started until configured), the sample configuration as a conffile,
# the ktlsod user made by systemd-sysusers, logrotate.
pi=$(dpkg-deb -I "$d/ktlsod_${ver}_amd64.deb" postinst 2>/dev/null)
cf=$(dpkg-deb -I "$d/ktlsod_${ver}_amd64.deb" conffiles 2>/dev/null)
dpkg-deb -c "$d/ktlsod_${ver}_amd64.deb" >"$x.list"
if grep -q 'systemd/system/ktlsod.service$' "$x.list" && grep -q 'usr/lib/sysusers.d/ktlsod.conf$' "$x.list" &&
	grep -qx /etc/ktlsod/ktlsod.conf <<<"$cf" && grep -qx /etc/logrotate.d/ktlsod <<<"$cf" &&
	grep -q 'systemd-sysusers.* ktlsod.conf' <<<"$pi" &&
	grep -q "deb-systemd-helper debian-installed 'ktlsod.service'" <<<"$pi" &&
	! grep -q "deb-systemd-invoke start 'ktlsod.service'" <<<"$pi"; then
	pass ktlsod_service_package
else
	fail ktlsod_service_package "unit, conffiles ($cf), sysusers or the not-started unit missing"
fi
