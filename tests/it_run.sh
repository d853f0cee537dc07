#!/bin/sh
# tests/it_run.sh: integration test of `tierbench run`: the command line, --dry-run on the shipped
# examples, scenario errors (exit 2, JSON path named), then real runs against `tierbench serve` on
# an ephemeral loopback port: thresholds (exit 0 / 99), the store (--db, TIERBENCH_DB,
# --no-save, a foreign file), --json FILE and --json -. Runs in about 5 s.
set -u
. "$(dirname "$0")/lib.sh"
TB=${TIERBENCH:-build/tierbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/tb-it-run-XXXXXX)
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
# expect_rc WANT GOT WHAT
expect_rc() {
	[ "$1" = "$2" ] || fail "$3: exit $2, want $1 (stderr: $(head -c 400 "$T/err"))"
}
# expect_in FILE TEXT WHAT
expect_in() {
	grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1"): $(head -c 400 "$1")"
}

# ---- command line and validation (no network) ----
"$TB" run --help >"$T/out" 2>"$T/err"
expect_rc 0 $? "run --help"
expect_in "$T/out" "usage: tierbench run" "run --help"

"$TB" run >"$T/out" 2>"$T/err"
expect_rc 2 $? "run without a file"
expect_in "$T/err" "missing SCENARIO.json" "run without a file"

"$TB" run --frobnicate x.json >"$T/out" 2>"$T/err"
expect_rc 2 $? "unknown option"
expect_in "$T/err" "unknown option --frobnicate" "unknown option"

for f in "$ROOT"/examples/*.json; do
	case "$f" in *-body.json) continue ;; esac
	"$TB" run --dry-run "$f" >"$T/out" 2>"$T/err"
	expect_rc 0 $? "dry run of $f"
	expect_in "$T/out" "Dry run: the scenario is valid" "dry run of $f"
done

"$TB" run --dry-run --target http://127.0.0.1:1234/x "$ROOT/examples/health.json" >"$T/out" 2>"$T/err"
expect_rc 0 $? "--target"
expect_in "$T/out" "target      http://127.0.0.1:1234/x" "--target"
"$TB" run --dry-run --target ftp://x "$ROOT/examples/health.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "bad --target"
expect_in "$T/err" "--target: invalid URL" "bad --target"

cat >"$T/bad.json" <<'EOF'
{"target": "http://127.0.0.1:9", "stages": [
  {"duration": "1s", "connections": 1},
  {"duration": "1s", "connections": 1},
  {"duration": "ten seconds", "connections": 1}]}
EOF
"$TB" run --dry-run "$T/bad.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "bad duration"
expect_in "$T/err" "bad.json: stages[2].duration: expected a duration like \"10s\"" "bad duration"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "bad duration: want one line of error, got $(cat "$T/err")"

printf '{"target": "http://h", "stages": [}' >"$T/broken.json"
"$TB" run "$T/broken.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "invalid JSON"
expect_in "$T/err" "invalid JSON at line 1, column" "invalid JSON"

"$TB" run "$T/nonexistent.json" >"$T/out" 2>"$T/err"
expect_rc 2 $? "missing file"
expect_in "$T/err" "No such file or directory" "missing file"

# ---- real runs ----
"$TB" serve --port 0 --no-admin --threads 16 >"$T/srv.log" 2>&1 &
SRV_PID=$!
PORT=$(wait_port "$T/srv.log")
if [ -z "$PORT" ]; then
	fail "tierbench serve did not start: $(cat "$T/srv.log")"
	exit 1
fi

cat >"$T/ok.json" <<EOF
{"target": "http://127.0.0.1:$PORT", "threads": 2, "timeout": "2s",
 "stages": [{"duration": "500ms", "connections": 4},
            {"duration": "500ms", "rate": 400, "connections": 4}],
 "requests": [{"path": "/api/health", "weight": 3},
              {"method": "POST", "path": "/api/echo", "body": "hello"}],
 "thresholds": ["error_rate < 0.01", "requests > 100", "p99_ms < 1000"]}
EOF
"$TB" run --db "$T/store/r.db" --json "$T/run.json" --label it --tier small "$T/ok.json" \
	>"$T/out" 2>"$T/err"
rc=$?
if grep -q "not built yet" "$T/err"; then
	echo "SKIP: live runs (the load generator is not built yet)"
	[ "$FAILS" -eq 0 ] || exit 1
	exit 0
fi
expect_rc 0 $rc "passing scenario"
expect_in "$T/out" "PASS  error_rate < 0.01" "passing scenario"
expect_in "$T/out" "All 3 thresholds passed" "passing scenario"
expect_in "$T/out" "Total" "passing scenario"
expect_in "$T/err" "Run 1 saved to $T/store/r.db" "passing scenario"
expect_in "$T/run.json" '"schema":"tierbench.run/2"' "run JSON"
expect_in "$T/run.json" '"id":1' "run JSON"
expect_in "$T/run.json" '"tool":"run"' "run JSON"
expect_in "$T/run.json" '"label":"it"' "run JSON"
expect_in "$T/run.json" '"tier":"small"' "run JSON"
expect_in "$T/run.json" '"scenario_file":' "run JSON"
expect_in "$T/run.json" '"latency_uncorrected_us":{' "run JSON"

cat >"$T/fail.json" <<EOF
{"target": "http://127.0.0.1:$PORT", "stages": [{"duration": "300ms", "connections": 2}],
 "thresholds": ["rps > 100000000", "p50_ms < 1000"]}
EOF
TIERBENCH_DB="$T/env.db" "$TB" run "$T/fail.json" >"$T/out" 2>"$T/err"
expect_rc 99 $? "failing threshold"
expect_in "$T/out" "FAIL  rps > 100000000" "failing threshold"
expect_in "$T/out" "PASS  p50_ms < 1000" "failing threshold"
expect_in "$T/out" "1 of 2 thresholds failed" "failing threshold"
expect_in "$T/err" "saved to $T/env.db" "TIERBENCH_DB"
[ -f "$T/env.db" ] || fail "TIERBENCH_DB: no store at $T/env.db"

"$TB" run --no-save --db "$T/nosave.db" --json - "$T/fail.json" >"$T/out" 2>"$T/err"
expect_rc 99 $? "--json -"
[ ! -e "$T/nosave.db" ] || fail "--no-save created $T/nosave.db"
[ "$(head -c 10 "$T/out")" = '{"schema":' ] || fail "--json -: stdout is not the JSON: $(head -c 200 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--json -: stdout has more than the JSON line"
expect_in "$T/err" "Thresholds" "--json - puts the summary on stderr"

echo "not a database, just some text that is long enough to fill a SQLite header page" >"$T/foreign.db"
"$TB" run --db "$T/foreign.db" --json "$T/foreign.json" "$T/ok.json" >"$T/out" 2>"$T/err"
expect_rc 1 $? "foreign store"
expect_in "$T/err" "not a tierbench result store" "foreign store"
[ -s "$T/foreign.json" ] || fail "foreign store: the JSON result was not written"

[ "$FAILS" -eq 0 ] || { echo "it_run: $FAILS failure(s)" >&2; exit 1; }
echo "it_run: ok"
