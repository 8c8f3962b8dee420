#!/usr/bin/env bash
# tests/dkms.sh: ktlso.ko built by DKMS from the tree 'make install-dkms' installs, as the
# ktlso-dkms package has it, for the 6.1 VM kernel (Debian 12's: this host's release and
# dkms), then loaded in that kernel's VM. Nothing on the host changes: dkms runs with its
# trees under a temporary directory and, in a private mount namespace, a tmpfs over
# /var/lib/dkms (where it would keep the MOK signing key it makes). Needs root (unshare).
# Prints PASS/FAIL/SKIP lines for tests/run-all.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
pass() { echo "PASS dkms/$1"; }
fail() { echo "FAIL dkms/$1: $2"; }
skip() { echo "SKIP dkms/$1: $2"; exit 0; }

command -v dkms >/dev/null || skip all "dkms is not installed (scripts/deps deb)"
[[ $(id -u) == 0 ]] || skip all "needs root for a private mount namespace (unshare)"
abi=$(scripts/kver 6.1 2>/dev/null) && hd=$(scripts/kver --headers 6.1 2>/dev/null) ||
	skip all "no 6.1 VM kernel in build/kernels (make deps)"
ver=$(cat VERSION)
t=$(mktemp -d /tmp/ktlso-dkms.XXXXXX)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/dkms" "$t/inst"
make -s install-dkms DESTDIR="$t" DKMSDIR=/src MODLOADDIR=/modules-load.d ||
	{ fail install "make install-dkms failed"; exit 1; }

dkms_run() {	# dkms_run ARGS...: dkms on the temporary trees, the host's /var/lib/dkms untouched
	unshare --mount --propagation private -- sh -c \
		'mount -t tmpfs tmpfs /var/lib/dkms 2>/dev/null || mount -t tmpfs tmpfs /tmp/.ktlso-no-dkms; exec "$@"' \
		dkms dkms "$@" --kernelsourcedir "$hd" --dkmstree "$t/dkms" --sourcetree "$t/src" \
		--installtree "$t/inst"
}

if [[ -f $t/src/ktlso-$ver/dkms.conf ]] && grep -qx "PACKAGE_VERSION=\"$ver\"" "$t/src/ktlso-$ver/dkms.conf" &&
	[[ $(sed -n '/^[a-z]/p' "$t/modules-load.d/ktlso.conf" | tr '\n' ' ') == "tls ktlso " ]]; then
	pass install_tree
else
	fail install_tree "dkms.conf without version $ver, or modules-load.d/ktlso.conf not 'tls ktlso'"
fi

out=$(dkms_run build "ktlso/$ver" -k "$abi" 2>&1)
ko=$(find "$t/dkms" -name ktlso.ko -path "*/$abi/*" | head -n1)
if [[ -n $ko ]]; then
	pass "build_$abi"
else
	fail "build_$abi" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"
fi

# Kernels before 6.1 are refused by BUILD_EXCLUSIVE_KERNEL (dkms exits 77), not half-built.
out=$(dkms_run build "ktlso/$ver" -k 5.10.0-30-amd64 2>&1)
st=$?
if [[ $st == 77 ]] && grep -q BUILD_EXCLUSIVE <<<"$out"; then
	pass refuses_5.10
else
	fail refuses_5.10 "dkms exited $st: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

# The DKMS module is the one the VM suites test: it loads and answers with this version.
[[ -n $ko ]] || exit 1
src=$(modinfo -F srcversion "$ko")
got=$(KTLSO_KO=$ko tests/vm/run --kernel 6.1 -- \
	sh -c 'ktlsoctl version && echo "srcversion $(cat /sys/module/ktlso/srcversion)"' 2>&1)
if grep -q "^module: $ver " <<<"$got" && grep -qx "srcversion $src" <<<"$got"; then
	pass "loads_in_$abi"
else
	fail "loads_in_$abi" "$(tail -n 3 <<<"$got" | tr '\n' ' ')"
fi
