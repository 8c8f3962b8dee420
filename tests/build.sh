#!/usr/bin/env bash
# tests/build.sh: what 'make' and 'make install' do to a machine, as a packager sees them.
# Prints PASS/FAIL lines for tests/run-all. Needs a built tree (make).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/ktlso-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS build/$1"; }
fail() { echo "FAIL build/$1: $2"; }
check() { if eval "$2"; then pass "$1"; else fail "$1" "$3"; fi; }

# Build-only goals never run scripts/deps (apt-get); the README's test goals do.
plain=$(env -u NODEPS make -n -B O="$tmp/o" all 2>&1)
check make_installs_nothing '! grep -q scripts/deps <<<"$plain" && grep -q "ktlsod/main.c" <<<"$plain"' \
	"make all would run scripts/deps or builds nothing: $(grep -m1 scripts/deps <<<"$plain")"
inst=$(env -u NODEPS make -n install DESTDIR="$tmp/d" 2>&1)
check install_installs_no_packages '! grep -q scripts/deps <<<"$inst"' "make install would run scripts/deps"
t=$(env -u NODEPS make -n test 2>&1)
check test_sets_up '[[ $(grep -c scripts/deps <<<"$t") -ge 1 ]]' "make test would not run scripts/deps"
nd=$(make -n NODEPS=1 test 2>&1)
check nodeps_honoured '! grep -q scripts/deps <<<"$nd"' "NODEPS=1 make test would still run scripts/deps"

# Distribution flags reach every compile and link; -Werror only when WERROR is not 0.
f=$(make -n -B O="$tmp/o" CPPFLAGS=-DKTLSO_PKG_CPP LDFLAGS=-Wl,-z,ktlso-ld all 2>&1)
cc=$(grep -c -- ' -c -o ' <<<"$f") cpp=$(grep -- ' -c -o ' <<<"$f" | grep -c -- -DKTLSO_PKG_CPP)
ld=$(grep -- '-o [^ ]*/bin/' <<<"$f" | grep -vc -- -Wl,-z,ktlso-ld)
check cppflags_honoured '((cc > 10 && cpp == cc))' "CPPFLAGS in $cpp of $cc compiles"
check ldflags_honoured '((ld == 0))' "LDFLAGS missing from $ld links"
check werror_default '[[ $(grep -- " -c -o " <<<"$f" | grep -c -- -Werror) == "$cc" ]]' \
	"-Werror missing from some compiles"
w=$(make -n -B O="$tmp/o" WERROR=0 all 2>&1)
check werror_off '! grep -q -- -Werror <<<"$w"' "WERROR=0 still compiles with -Werror"

# A missing library is an error that names the Debian packages, before any compile.
m=$(make -B O="$tmp/o" PKGS="openssl ktlso-no-such-lib" all 2>&1); st=$?
check missing_library_named '((st != 0)) && grep -q "apt-get install libssl-dev" <<<"$m" &&
	[[ -z $(find "$tmp/o" -name "*.o" 2>/dev/null) ]]' "status $st: $(tail -n 2 <<<"$m" | tr '\n' ' ')"

# make install / uninstall with DESTDIR and the directory variables.
d=$tmp/stage
if make -s install DESTDIR="$d" PREFIX=/usr SYSCONFDIR=/etc >"$tmp/install.log" 2>&1; then
	check install_files '[[ -x $d/usr/sbin/ktlsod && -x $d/usr/bin/ktlsoctl && -x $d/usr/bin/ktlsobench &&
		-f $d/usr/share/bash-completion/completions/ktlsoctl ]]' \
		"missing: $(cd "$d" && find . -type f | tr '\n' ' ')"
	check install_sample_config '[[ -f $d/etc/ktlsod/ktlsod.conf && -f $d/etc/logrotate.d/ktlsod &&
		-f $d/usr/lib/sysusers.d/ktlsod.conf && -f $d/usr/lib/systemd/system/ktlsod.service ]]' \
		"no sample configuration, logrotate, sysusers or unit: $(cd "$d" && find . -type f | tr '\n' ' ')"
	# a configuration already there is the operator's: install leaves it as it is
	echo "# mine" >"$d/etc/ktlsod/ktlsod.conf"
	make -s install DESTDIR="$d" PREFIX=/usr SYSCONFDIR=/etc >/dev/null 2>&1
	check install_keeps_config '[[ $(cat "$d/etc/ktlsod/ktlsod.conf") == "# mine" ]]' \
		"make install replaced an existing /etc/ktlsod/ktlsod.conf"
	make -s uninstall DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
	left=$(find "$d" -type f)
	check uninstall_removes '[[ $left == "$d/etc/ktlsod/ktlsod.conf" ]]' "left behind: $left"
else
	fail install "$(tail -n 3 "$tmp/install.log" | tr '\n' ' ')"
fi

# ktlsoctl's bash completion offers every command and every option its help lists.
bc=/usr/share/bash-completion/bash_completion
if [[ -f $bc && -x build/bin/ktlsoctl ]]; then
	comp() {	# comp WORDS...: what completing the last word offers
		bash -c 'source "$1"; source dist/completion/ktlsoctl; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_ktlsoctl; printf "%s\n" "${COMPREPLY[@]}"' comp "$bc" "$@"
	}
	miss=
	top_words=$(comp ktlsoctl '')
	for w in $(build/bin/ktlsoctl help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
		grep -qx "$w" <<<"$top_words" || miss+=" $w"
	done
	for c in sock policy monitor stats cert probe; do
		for o in $(build/bin/ktlsoctl help | sed -n "s/^  $c  *//p" | grep -oE -- '--?[a-z][a-z-]*' | sort -u); do
			words=$(if [[ $c == cert ]]; then comp ktlsoctl cert check x.pem -; else comp ktlsoctl "$c" -; fi)
			[[ $c == sock || $c == policy ]] && words=$(comp ktlsoctl "$c" list -
				comp ktlsoctl "$c" offload 1 -; comp ktlsoctl "$c" load -)
			grep -qx -- "$o" <<<"$words" || miss+=" $c:$o"
		done
	done
	check completion_covers_help '[[ -z $miss ]]' "not offered:$miss"
else
	echo "SKIP build/completion_covers_help: bash-completion is not installed (scripts/deps deb) or ktlsoctl not built"
fi

# The units in dist/systemd are valid (systemd-analyze verify, without man pages).
if command -v systemd-analyze >/dev/null; then
	u=$(mktemp -d /tmp/ktlso-units.XXXXXX)
	# (the units name ktlsoctl without a path, for whichever prefix installed it: systemd
	# looks in its own search path, which here has no ktlsoctl; this build's stands in)
	for f in dist/systemd/*; do
		sed -E "s#^(Exec[A-Za-z]*=)(ktlsoctl|ktlsod) #\1$PWD/build/bin/\2 #" "$f" >"$u/${f##*/}"
	done
	out=$(systemd-analyze verify --man=no "$u"/* 2>&1)
	check units_verify '[[ -z $out ]]' "$out"
	# the issue's bar for the daemon's sandbox: an exposure of 2.5 or lower
	sec=$(systemd-analyze security --offline=yes "$u/ktlsod.service" 2>&1 |
		sed -n 's/.*Overall exposure level for ktlsod.service: \([0-9.]*\).*/\1/p')
	check unit_exposure '[[ -n $sec ]] && awk -v s="$sec" "BEGIN { exit !(s <= 2.5) }"' \
		"systemd-analyze security: ${sec:-no figure} (want 2.5 or lower)"
	echo "# ktlsod.service exposure (systemd-analyze security --offline): ${sec:-?}"
	rm -rf "$u"
else
	echo "SKIP build/units_verify: systemd-analyze is not installed"
fi
