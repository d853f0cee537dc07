#!/usr/bin/env bash
# bench/reports.sh: the commands that read the store, over a store of 10,000 runs: `runs`,
# `runs --limit 0` (every row), `report` of two labels with 200 repeats each, `report --tiers`,
# `capacity` and `tier`. Target: each under 1 s. The store is filled with a short real sweep
# against `tierbench serve` and 10,000 copies of one real wrk run (runs import), spread over
# 50 labels and 4 tier tags. Prints the median of hyperfine's runs for each command.
#
# usage: bench/reports.sh [-n RUNS] [-r REPEATS]
#   TIERBENCH=path/to/tierbench skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

NRUNS=10000
REPEATS=5
while [ $# -gt 0 ]; do
	case "$1" in
	-n) NRUNS="$2"; shift 2 ;;
	-r) REPEATS="$2"; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "bench/reports.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
command -v hyperfine >/dev/null || {
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hyperfine >/dev/null
}
if [ -z "${TIERBENCH:-}" ]; then
	make -s all >&2
	TIERBENCH=build/tierbench
fi
TB=$(realpath "$TIERBENCH")
TMP=$(mktemp -d)
SRV=""
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
export TIERBENCH_DB="$TMP/results.db"

"$TB" serve --port 0 --admin-port 0 >"$TMP/srv.log" 2>&1 &
SRV=$!
for _ in $(seq 1 50); do
	PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/srv.log")
	[ -n "$PORT" ] && break
	sleep 0.1
done
URL="http://127.0.0.1:$PORT/api/health"
"$TB" sweep --conns 1,2,4,8,16 --duration 300ms "$URL" >/dev/null 2>&1
"$TB" wrk -t1 -c4 -d1s "$URL" >/dev/null 2>&1
ONE=$("$TB" runs --limit 1 --format csv | tail -1 | cut -d, -f1)
"$TB" runs export "$ONE" >"$TMP/one.json" 2>/dev/null
python3 - "$TMP/one.json" "$NRUNS" >"$TMP/many.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
run = doc["runs"][0]
n = int(sys.argv[2])
tiers = ["micro", "compact", "standard", ""]
runs = []
for i in range(n):
    r = dict(run)
    r["label"] = "label-%d" % (i % 50)
    r["tier"] = tiers[i % 4]
    r["start_unix_s"] = run["start_unix_s"] - n + i
    runs.append(r)
json.dump({"schema": doc["schema"], "runs": runs}, sys.stdout)
EOF
echo "filling the store with $NRUNS runs..." >&2
t0=$(date +%s.%N)
"$TB" runs import "$TMP/many.json" >/dev/null
t1=$(date +%s.%N)
echo "$(python3 -c "print('imported %d runs in %.1f s' % ($NRUNS, $t1 - $t0))"), store $(du -h "$TIERBENCH_DB" | cut -f1)" >&2

printf '%-44s %10s %8s\n' "command ($NRUNS runs in the store)" "median" "target"
bench() { # name command...
	local name=$1
	shift
	hyperfine -N -w 1 -r "$REPEATS" --export-json "$TMP/h.json" "$*" >/dev/null 2>&1
	python3 - "$TMP/h.json" "$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
m = r["median"]
print("%-44s %8.3f s %8s" % (sys.argv[2], m, "ok" if m < 1 else "OVER 1 s"))
EOF
}
bench "runs" "$TB" runs
bench "runs --limit 0 --format csv (every row)" "$TB" runs --limit 0 --format csv
bench "report label-1 label-2 (200 runs each)" "$TB" report label-1 label-2
bench "report --tiers" "$TB" report --tiers
bench "capacity (the sweep)" "$TB" capacity --slo p99\<100ms
bench "tier --users 5000" "$TB" tier --users 5000 --slo p99\<100ms
