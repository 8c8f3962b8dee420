#!/usr/bin/env bash
# tests/monitoring.sh: the monitoring shipped in dist/ works with what ktlsoctl exports.
# - dist/prometheus/ktlso.rules.yml: promtool check rules, and promtool test rules with
#   tests/monitoring/ktlso.test.yml (each alert fires on its cause and not otherwise);
# - dist/grafana/ktlso.json: valid JSON, every query valid PromQL (checked by promtool as
#   recording rules);
# - every ktlso_* metric the rules and the dashboard use is one ktlsoctl stats --prometheus
#   writes (tools/ktlsoctl), or one of the kernel's tls_stat fields that Linux 6.1 has.
# Prints PASS/FAIL lines for tests/run-all.
set -u
cd "$(dirname "$0")/.."
pass() { echo "PASS monitoring/$1"; }
fail() { echo "FAIL monitoring/$1: $2"; }
t=$(mktemp -d /tmp/ktlso-mon.XXXXXX)
trap 'rm -rf "$t"' EXIT
pt=scripts/promtool
rules=dist/prometheus/ktlso.rules.yml dash=dist/grafana/ktlso.json

if out=$($pt check rules "$rules" 2>&1); then pass rules_check; else fail rules_check "$out"; fi
if out=$($pt test rules tests/monitoring/ktlso.test.yml 2>&1); then
	pass rules_unit_tests
else
	fail rules_unit_tests "$(grep -v '^$' <<<"$out" | head -n 20 | tr '\n' ' ')"
fi

# The dashboard's queries, with Grafana's variables given values, as recording rules.
if python3 - "$dash" "$t/dash.rules.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exprs = []
def walk(o):
	if isinstance(o, dict):
		if isinstance(o.get("expr"), str):
			exprs.append(o["expr"])
		for v in o.values():
			walk(v)
	elif isinstance(o, list):
		for v in o:
			walk(v)
walk(d)
assert d.get("uid") and d.get("panels"), "no uid or no panels"
with open(sys.argv[2], "w") as f:
	f.write("groups:\n  - name: dashboard\n    rules:\n")
	for i, e in enumerate(exprs):
		e = e.replace("$__rate_interval", "5m").replace("$instance", ".*")
		f.write("      - record: dashboard:q%d\n        expr: %s\n" % (i, json.dumps(e)))
PY
then
	if out=$($pt check rules "$t/dash.rules.yml" 2>&1); then pass dashboard_queries; else fail dashboard_queries "$out"; fi
else
	fail dashboard_json "$dash is not a dashboard (invalid JSON, no uid or no panels)"
fi

# Metric names: those ktlsoctl writes (its source's tables), and 6.1's tls_stat fields.
exported=$( {
	sed -n 's/^\t{ "\([a-z_]*\)",.*/ktlso_\1/p' tools/ktlsoctl/stats.c
	grep -oh '"ktlso_[a-z_]*' tools/ktlsoctl/stats.c tools/ktlsoctl/cert.c | tr -d '"'
	for f in TlsCurrTxSw TlsCurrRxSw TlsCurrTxDevice TlsCurrRxDevice; do
		echo "ktlso_kernel_$(sed 's/\([A-Z]\)/_\L\1/g; s/^_//' <<<"$f")"
	done
	for f in TlsTxSw TlsRxSw TlsTxDevice TlsRxDevice TlsDecryptError TlsRxDeviceResync \
		TlsDecryptRetry TlsRxNoPadViolation; do
		echo "ktlso_kernel_$(sed 's/\([A-Z]\)/_\L\1/g; s/^_//' <<<"$f")_total"
	done
} | sort -u)
used=$(grep -ohE 'ktlso_[a-z_]+' "$rules" "$dash" | grep -v '^ktlso_$' | sort -u)
unknown=$(comm -23 <(echo "$used") <(echo "$exported") | tr '\n' ' ')
if [[ -z $unknown && $(wc -l <<<"$used") -ge 10 ]]; then
	pass metrics_exported
else
	fail metrics_exported "used but not exported by ktlsoctl: ${unknown:-none} (used: $(wc -l <<<"$used"))"
fi
