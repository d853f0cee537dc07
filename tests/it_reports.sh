#!/bin/sh
# tests/it_reports.sh: integration test of the commands that read the store, end to end against
# `tierbench serve` on ephemeral loopback ports: a sweep with --server-stats (a group whose steps
# carry the server's CPU), capacity and tier from it, `runs show` printing a stored wrk and ab
# run line for line as they first printed, report with repeats, export/import, label, delete,
# and the one-line errors (no sweep yet, a bad price file, a bad export). Runs in about 10 s.
set -u
. "$(dirname "$0")/lib.sh"
TB=${TIERBENCH:-build/tierbench}
T=$(mktemp -d /tmp/tb-it-reports-XXXXXX)
SRV_PID=""
FAILS=0
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
expect_rc() {
	[ "$1" = "$2" ] || fail "$3: exit $2, want $1 (stderr: $(head -c 400 "$T/err"))"
}
expect_in() {
	grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1"): $(head -c 600 "$1")"
}
export TIERBENCH_DB="$T/results.db"

# ---- before any sweep: say what to run first ----
"$TB" tier --users 100 >"$T/out" 2>"$T/err"
expect_rc 1 $? "tier with no sweep"
expect_in "$T/err" "run tierbench sweep URL first" "tier with no sweep"
"$TB" capacity >"$T/out" 2>"$T/err"
expect_rc 1 $? "capacity with no sweep"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sed '0,/"vcpu": *[0-9.]*/! {0,/"vcpu": *[0-9.]*/ s/"vcpu": *[0-9.]*/"vcpu": "four"/}' \
	"$ROOT/data/prices-naver.json" >"$T/p.json"
"$TB" tier --users 100 --prices "$T/p.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "tier with a bad price file"
expect_in "$T/err" "p.json: tiers[1].vcpu: expected a number" "bad price file names the field"

# ---- a server with its admin API ----
"$TB" serve --port 0 --admin-port 0 >"$T/srv.log" 2>&1 &
SRV_PID=$!
PORT=$(wait_port "$T/srv.log")
APORT=$(sed -n 's|.*admin API on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/srv.log" | head -1)
if [ -z "$PORT" ] || [ -z "$APORT" ]; then
	echo "FAIL: tierbench serve did not start: $(cat "$T/srv.log")" >&2
	exit 1
fi
URL="http://127.0.0.1:$PORT"

# ---- a sweep: one group, a run per step, the server's CPU per step ----
"$TB" sweep --conns 1,2,4,8 --duration 500ms --slo 'p99<50ms' \
	--server-stats "http://127.0.0.1:$APORT" --label sweep1 "$URL/api/work?us=100" \
	>"$T/out" 2>"$T/err"
expect_rc 0 $? "sweep"
expect_in "$T/out" "saved as group g:1" "sweep"
expect_in "$T/err" "step 4/4: 8 connections" "sweep progress"
"$TB" runs --groups >"$T/out" 2>"$T/err"
expect_in "$T/out" "g:1" "runs --groups"
"$TB" runs show g:1 --format csv >"$T/out" 2>"$T/err"
expect_rc 0 $? "runs show g:1"
[ "$(grep -c ',wrk,' "$T/out")" = 4 ] || fail "runs show g:1: want 4 steps: $(cat "$T/out")"

# ---- capacity: the server's own CPU time per request is known for every step ----
"$TB" capacity --slo 'p99<50ms' --format json >"$T/cap.json" 2>"$T/err"
expect_rc 0 $? "capacity"
python3 - "$T/cap.json" <<'EOF' || fail "capacity JSON: $(head -c 800 "$T/cap.json")"
import json, sys
d = json.load(open(sys.argv[1]))
pts = d["points"]["rows"]
assert len(pts) == 4, pts
for p in pts:
    cpu = p["server_cpu_us_per_req"]
    # /api/work?us=100 burns 100 us of CPU per request: the server's figure must say so
    assert isinstance(cpu, (int, float)) and 90 < cpu < 1000, p
figures = {r["figure"]: r for r in d["capacity"]["rows"]}
assert "Capacity within SLO" in figures, figures
EOF
"$TB" capacity g:1 --slo 'p99<50ms' --format html -o "$T/cap.html" 2>"$T/err"
expect_rc 0 $? "capacity html"
expect_in "$T/cap.html" "<svg" "capacity html has charts"
"$TB" capacity g:99 >"$T/out" 2>"$T/err"
expect_rc 1 $? "capacity of a missing group"

# ---- tier from the sweep ----
"$TB" tier --users 200 --think-time 1s --slo 'p99<50ms' >"$T/out" 2>"$T/err"
expect_rc 0 $? "tier"
expect_in "$T/out" "Monthly (KRW)" "tier picks from the Naver table"
expect_in "$T/out" "capacity from sweep g:1" "tier names its measurement"
"$TB" tier --rps 500 --prices aws --format json >"$T/out" 2>"$T/err"
expect_rc 0 $? "tier --prices aws"
expect_in "$T/out" "USD" "tier --prices aws"

# ---- runs show: a stored wrk and ab run print line for line as they did ----
"$TB" wrk -t1 -c4 -d500ms --latency --label w "$URL/api/health" >"$T/wrk.out" 2>"$T/err"
expect_rc 0 $? "wrk"
WID=$(sed -n 's/^Run \([0-9]*\) saved.*/\1/p' "$T/err")
"$TB" runs show "$WID" >"$T/show.out" 2>"$T/err"
expect_rc 0 $? "runs show wrk"
if ! sed -n '/^Running/,/^Transfer/p' "$T/show.out" | cmp -s - "$T/wrk.out"; then
	fail "runs show does not reprint the wrk report: $(diff "$T/wrk.out" "$T/show.out" | head)"
fi
expect_in "$T/show.out" "Per second" "runs show has the timeline"
"$TB" ab -n 300 -c 3 -k "$URL/api/health" >"$T/ab.out" 2>"$T/err"
expect_rc 0 $? "ab"
AID=$(sed -n 's/^Run \([0-9]*\) saved.*/\1/p' "$T/err")
"$TB" runs show "$AID" >"$T/show.out" 2>"$T/err"
expect_rc 0 $? "runs show ab"
if ! sed -n '/^This is tierbench ab/,/longest request/p' "$T/show.out" | cmp -s - "$T/ab.out"; then
	fail "runs show does not reprint the ab report: $(diff "$T/ab.out" "$T/show.out" | head)"
fi

# ---- report: repeats of two configurations ----
for i in 1 2 3; do
	"$TB" wrk -t1 -c2 -d300ms --label fast "$URL/api/health" >/dev/null 2>&1
	"$TB" wrk -t1 -c2 -d300ms --label slow "$URL/api/delay?ms=2" >/dev/null 2>&1
done
"$TB" report fast slow >"$T/out" 2>"$T/err"
expect_rc 0 $? "report"
grep -Eq '^fast +3 ' "$T/out" || fail "report: the fast row has 3 runs: $(cat "$T/out")"
grep -Eq '^slow +3 ' "$T/out" || fail "report: the slow row has 3 runs: $(cat "$T/out")"
expect_in "$T/out" "Against fast" "report ratio table"
expect_in "$T/out" "n=3+3: too few runs" "report: 3+3 runs cannot reach p < 0.05"
"$TB" report fast slow --format csv >"$T/out" 2>"$T/err"
expect_in "$T/out" "config,runs,rps" "report csv"
"$TB" report nosuchlabel >"$T/out" 2>"$T/err"
expect_rc 1 $? "report of an unknown label"
expect_in "$T/err" "no runs with label" "report of an unknown label"

# ---- export, import, label, delete ----
"$TB" runs export "$WID" g:1 >"$T/export.json" 2>"$T/err"
expect_rc 0 $? "export"
TIERBENCH_DB="$T/other.db" "$TB" runs import "$T/export.json" >"$T/out" 2>"$T/err"
expect_rc 0 $? "import"
[ "$(grep -c '^Imported run' "$T/out")" = 5 ] || fail "import: want 5 runs: $(cat "$T/out")"
TIERBENCH_DB="$T/other.db" "$TB" runs show 1 >"$T/show2.out" 2>"$T/err"
"$TB" runs show "$WID" >"$T/show.out" 2>"$T/err"
# The imported run prints the same report (its id differs).
sed -n '/^Running/,/^Transfer/p' "$T/show.out" >"$T/a"
sed -n '/^Running/,/^Transfer/p' "$T/show2.out" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "imported run prints differently: $(diff "$T/a" "$T/b" | head)"
printf '{"schema": "tierbench.runs/1", "runs": [{"schema": "tierbench.run/2"}]}' >"$T/bad.json"
"$TB" runs import "$T/bad.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "import of a bad export"
expect_in "$T/err" "runs[0].histograms: missing" "import of a bad export"
"$TB" runs label "$WID" relabelled >"$T/out" 2>"$T/err"
expect_rc 0 $? "runs label"
"$TB" runs --label relabelled --format json >"$T/out" 2>"$T/err"
expect_in "$T/out" "\"id\": $WID" "runs --label after a relabel"
"$TB" runs delete "$WID" </dev/null >"$T/out" 2>"$T/err"
expect_rc 2 $? "runs delete without --yes off a terminal"
"$TB" runs delete "$WID" --yes >"$T/out" 2>"$T/err"
expect_rc 0 $? "runs delete --yes"
"$TB" runs show "$WID" >"$T/out" 2>"$T/err"
expect_rc 1 $? "runs show of a deleted run"

if [ "$FAILS" -gt 0 ]; then
	echo "it_reports: $FAILS failure(s)"
	exit 1
fi
echo "it_reports: ok"
