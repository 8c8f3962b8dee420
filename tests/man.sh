#!/usr/bin/env bash
# tests/man.sh: the man pages (man/) against the programs. Every option in a program's help
# and in its getopt table (ktlsoctl: in the help of each of its commands), every command,
# and every setting and section of ktlsod's configuration file (userspace/ktlsod/config.c)
# must have an entry in its page: appear in the tag of a .TP paragraph, where each option
# and setting is described, not merely be mentioned in passing. A default the help gives
# ("(default: X)") is said in the entry of that option (ktlsod(8), ktlsobench(1)) and of
# that setting (ktlsod.conf(5)). And groff and man (run as lintian runs it) find nothing
# to warn about in any page.
# Prints PASS/FAIL/SKIP lines for tests/run-all. Needs a built tree (make). About 2 s.
set -u
cd "$(dirname "$0")/.."
bin=${KTLSO_BIN:-build/bin}
failed=0
pass() { echo "PASS man/$1"; }
fail() { echo "FAIL man/$1: $2"; failed=1; }

for t in groff man lexgrog; do
	command -v "$t" >/dev/null ||
		{ echo "SKIP man/all: $t is not installed (Debian: groff-base, man-db)"; exit 77; }
done
for p in ktlsod ktlsoctl ktlsobench; do
	if [[ ! -x $bin/$p ]]; then
		fail all "$bin/$p is not built (run make)"
		exit 1
	fi
done

# The tags of a page's .TP paragraphs, rendered as text, one a line.
tags() {	# tags PAGE
	{
		printf '.TH T 1\n.nh\n.ad l\n'
		awk 'tp { print; print ".br"; tp = 0; next } /^\.TP( |$)/ { tp = 1 }' "$1"
	} | groff -man -Tascii -rLL=1000n -P-cbou 2>/dev/null | sed 's/^ *//'
}

# Options in a help text: -x and --long after a space, a bracket, a bar or a comma; not
# those of another program ("ktlsod's --listen takes the same syntax").
help_opts() {
	sed -E "s/ktlsod('s)? --?[a-z-]+//g" |
		grep -oE -- '(^|[][ (|,])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ (|,]//'
}

# The long options of the getopt table of a source file.
table_opts() {	# table_opts FILE
	sed -n '/struct option/,/};/p' "$1" | grep -oE '\{ "[a-z0-9-]+"' | sed -E 's/^\{ "/--/; s/"$//'
}

# Commands in a help text: "Usage: PROG CMD [SUB]" lines and a "Commands:" list.
help_cmds() {	# help_cmds PROG < HELP
	local text
	text=$(cat)
	sed -nE "s/^(Usage:)? +$1 ([a-z]+)( ([a-z]+))?( .*|$)/\2 \4/p" <<<"$text" | sed 's/ *$//'
	sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' <<<"$text"
}

# Each .TP entry of a page as one line of text, "TAG @@ BODY"; tags grouped above one body
# (.PD 0) share it.
entries() {	# entries PAGE
	awk '
	function flush() { if (intp) { n++; tag[n] = t; body[n] = b } intp = 0 }
	/^\.TP( |$)/ { flush(); want = 1; next }
	want { t = $0; b = ""; want = 0; intp = 1; next }
	intp && /^\.(SH|SS|PP|P|LP|IP|RS|RE|EX)( |$)/ { flush(); next }
	intp && !/^\.PD/ { b = b "\n" $0 }
	END {
		flush()
		for (i = n - 1; i >= 1; i--) if (body[i] == "") body[i] = body[i + 1]
		print ".TH T 1\n.nh\n.ad l"
		for (i = 1; i <= n; i++) print tag[i] "\n\\& @@" body[i] "\n.br"
	}' "$1" | groff -man -Tascii -rLL=5000n -P-cbou 2>/dev/null | sed 's/^ *//'
}

# "OPTION DEFAULT" for each option of a help text whose description says "(default: X"
# or "(default X".
help_defaults() {
	awk '/^  -/ { if (e) print e; e = $0; next } /^      / && e { e = e " " $0; next }
	     { if (e) print e; e = "" } END { if (e) print e }' |
		sed -nE 's/^ *(-[a-z], )?(--[a-z0-9-]+).*\(default:? ([^;,)]+).*/\2 \3/p'
}

# check_defaults NAME PAGE PREFIX SUFFIX: each "OPTION DEFAULT" of stdin is said in the body
# of the page's entry whose tag starts with PREFIX OPTION-without-dashes SUFFIX.
check_defaults() {
	local name=$1 page=$2 pre=$3 suf=$4 e o v body miss=
	e=$(entries "$page")
	while read -r o v; do
		body=$(grep -E -m1 "^$(re "$pre${o#--}$suf")( |@@)" <<<"$e" | sed 's/.*@@//')
		grep -qE -- "(^|[^A-Za-z0-9-])$(re "$v")([^A-Za-z0-9-]|$)" <<<"$body" || miss+=" $o ($v)"
	done
	if [[ -z $miss ]]; then
		pass "$name"
	else
		fail "$name" "$page does not give the default of$miss"
	fi
}

re() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# missing TAGS WORD...: the words that no tag holds (as a whole word), space-separated.
missing() {
	local t=$1 w out=
	shift
	for w in "$@"; do
		grep -qE -- "(^|[^A-Za-z0-9-])$(re "$w")([^A-Za-z0-9-]|$)" <<<"$t" || out+=" $w"
	done
	echo "${out# }"
}

check_page() {	# check_page NAME PAGE WHAT WORD...
	local name=$1 page=$2 what=$3 miss
	shift 3
	if [[ ! -f $page ]]; then
		fail "$name" "$page does not exist"
		return
	fi
	miss=$(missing "$(tags "$page")" "$@")
	if [[ -z $miss ]]; then
		pass "$name"
	else
		fail "$name" "$page has no entry for the $what: $miss"
	fi
}

h=$("$bin"/ktlsod --help 2>&1)
mapfile -t o < <({ help_opts <<<"$h"; table_opts userspace/ktlsod/config.c; } | sort -u)
check_page ktlsod.8_options man/ktlsod.8 "options of ktlsod --help and its getopt table" "${o[@]}"
d=$(help_defaults <<<"$h")
check_defaults ktlsod.8_defaults man/ktlsod.8 -- "" <<<"$d"
check_defaults ktlsod.conf.5_defaults man/ktlsod.conf.5 "" " =" <<<"$d"

h=$("$bin"/ktlsobench --help 2>&1)
mapfile -t o < <({ help_opts <<<"$h"; table_opts tools/ktlsobench/main.c; } | sort -u)
check_page ktlsobench.1_options man/ktlsobench.1 "options of ktlsobench --help and its getopt table" "${o[@]}"
check_defaults ktlsobench.1_defaults man/ktlsobench.1 -- "" < <(help_defaults <<<"$h")
mapfile -t c < <(help_cmds ktlsobench <<<"$h" | sort -u)
check_page ktlsobench.1_commands man/ktlsobench.1 "commands of ktlsobench --help" "${c[@]}"

# ktlsoctl: the top help, then each command's own ('<command> help'; the commands without
# one print their usage line, on stderr).
h=$("$bin"/ktlsoctl help 2>&1)
all=$h
for cmd in $(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' <<<"$h"); do
	[[ $cmd == help ]] || all+=$'\n'$("$bin"/ktlsoctl "$cmd" help 2>&1)
done
mapfile -t o < <(help_opts <<<"$all" | sort -u)
check_page ktlsoctl.8_options man/ktlsoctl.8 "options of ktlsoctl's help and its commands' help" "${o[@]}"
mapfile -t c < <(help_cmds ktlsoctl <<<"$all" | sort -u)
check_page ktlsoctl.8_commands man/ktlsoctl.8 "commands of ktlsoctl's help" "${c[@]}"

# ktlsod.conf(5): every name config.c takes ('name = ...') and every section ('[cert ').
mapfile -t k < <(grep -oE 'strcmp\(k, "[a-z0-9-]+"\)' userspace/ktlsod/config.c |
	sed -E 's/.*"(.*)".*/\1 =/' | sort -u)
mapfile -t s < <(grep -oE '"\[[a-z]+ "' userspace/ktlsod/config.c | tr -d '" ' | sort -u)
if ((${#k[@]} < 20 || ${#s[@]} < 2)); then
	fail ktlsod.conf.5_settings "found ${#k[@]} settings and ${#s[@]} sections in config.c: has its parser changed shape?"
else
	check_page ktlsod.conf.5_settings man/ktlsod.conf.5 "settings of userspace/ktlsod/config.c" "${k[@]}" "${s[@]}"
fi

# Every page formats without a warning: groff's own, man's as lintian runs it, lexgrog's
# reading of the NAME line (whatis).
for page in man/*.[1-8]; do
	n=$(basename "$page")
	out=$(groff -man -ww -z "$page" 2>&1)
	out+=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
	lexgrog "$page" >/dev/null 2>&1 || out+=" lexgrog cannot read its NAME section"
	if [[ -z $out ]]; then
		pass "lint_$n"
	else
		fail "lint_$n" "$(tr '\n' ' ' <<<"$out")"
	fi
done
exit $failed
