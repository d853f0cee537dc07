#!/usr/bin/env bash
# bench/loadgen.sh: tierbench's load generator side by side with wrk and ab, same target (nginx
# returning a small fixed body on a free loopback port), same flags, in alternating paired
# rounds; prints the median req/s and CPU microseconds per request of each tool and the ratios,
# and the peak RSS of `ab -n N -k` against `tierbench ab -n N -k`. With --flat, also the peak RSS
# of a 60 s `tierbench wrk` run against a 10 s one (memory must stay flat in a run's length).
# CPU is user+system time of each client process (/usr/bin/time), divided by its requests.
#
# usage: bench/loadgen.sh [-d SECONDS] [-r ROUNDS] [-n AB_REQUESTS] [-w NGINX_WORKERS] [--quick]
#                         [--flat]
#   TIERBENCH=path/to/tierbench skips the build (default: make, then build/tierbench).
#   KEEP_RAW=DIR keeps every round's figures (one file per tool and configuration) in DIR.
#   --quick: 1 s runs, 1 round, -n 200000 (a smoke test while developing).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION_S=3
ROUNDS=3
AB_N=1000000
NGX_WORKERS=1
FLAT=0
while [ $# -gt 0 ]; do
	case "$1" in
	-d) DURATION_S="$2"; shift 2 ;;
	-r) ROUNDS="$2"; shift 2 ;;
	-n) AB_N="$2"; shift 2 ;;
	-w) NGX_WORKERS="$2"; shift 2 ;;
	--quick) DURATION_S=1; ROUNDS=1; AB_N=200000; shift ;;
	--flat) FLAT=1; shift ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "bench/loadgen.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v ab >/dev/null || need="$need apache2-utils"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
[ -x /usr/bin/time ] || need="$need time"
command -v python3 >/dev/null || need="$need python3"
if [ -n "$need" ]; then
	echo "installing:$need" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -z "${TIERBENCH:-}" ]; then
	make -s all >&2
	TIERBENCH=build/tierbench
fi

TMP=$(mktemp -d)
NGX_PID=""
cleanup() {
	if [ -n "$NGX_PID" ]; then
		kill "$NGX_PID" 2>/dev/null || true
		wait "$NGX_PID" 2>/dev/null || true
	fi
	if [ -n "${KEEP_RAW:-}" ]; then cp -r "$TMP" "$KEEP_RAW"; fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/nginx.conf" <<EOF
worker_processes $NGX_WORKERS;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        location / { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
EOF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" >"$TMP/nginx.out" 2>&1 &
NGX_PID=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
	sleep 0.05
done
URL="http://127.0.0.1:$PORT/api/health"
ulimit -n 8192 2>/dev/null || true

# measure NAME CMD...: runs CMD under /usr/bin/time; appends "rps cpu_us_per_req rss_kb" to
# $TMP/NAME.
measure() {
	local name="$1"; shift
	/usr/bin/time -f "%U %S %M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || {
		echo "bench/loadgen.sh: $name failed:" >&2; cat "$TMP/err" >&2; return 1; }
	local rps n
	if grep -q "^Requests/sec:" "$TMP/out"; then
		rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/out")
		n=$(awk '/ requests in / {print $1}' "$TMP/out")
	else
		rps=$(awk '/^Requests per second:/ {print $4}' "$TMP/out")
		n=$(awk '/^Complete requests:/ {print $3}' "$TMP/out")
	fi
	read -r u s m <"$TMP/time"
	awk -v r="$rps" -v n="$n" -v u="$u" -v s="$s" -v m="$m" \
		'BEGIN { printf "%s %.3f %s\n", r, (u + s) * 1e6 / (n > 0 ? n : 1), m }' >>"$TMP/$name"
}

median() { # file column
	sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# paired a b col: the median over rounds of (b's figure / a's figure) in the same round.
paired() {
	paste -d' ' "$TMP/$1" "$TMP/$2" | awk -v c="$3" '{ print $(c + 3) / $c }' >"$TMP/ratio"
	median "$TMP/ratio" 1
}

report() { # label a b: medians of each tool, and the median of per-round ratios (b over a)
	local ar ac br bc pr pc
	ar=$(median "$TMP/$2" 1); ac=$(median "$TMP/$2" 2)
	br=$(median "$TMP/$3" 1); bc=$(median "$TMP/$3" 2)
	pr=$(paired "$2" "$3" 1); pc=$(paired "$2" "$3" 2)
	awk -v l="$1" -v ar="$ar" -v ac="$ac" -v br="$br" -v bc="$bc" -v pr="$pr" -v pc="$pc" 'BEGIN {
		printf "%-16s %10.0f %10.0f %7.2fx %9.2f %9.2f %7.2fx\n", l, ar, br, pr, ac, bc, pc }'
}

echo "target: nginx ($NGX_WORKERS worker) on 127.0.0.1:$PORT, ${DURATION_S}s runs, $ROUNDS rounds, $(nproc) cores" >&2
CONFIGS=("-t1 -c50" "-t2 -c200" "-t2 -c1000")
for r in $(seq 1 "$ROUNDS"); do
	for i in "${!CONFIGS[@]}"; do
		# shellcheck disable=SC2086
		set -- ${CONFIGS[$i]}
		# Alternate which tool goes first so drift does not favour one of them.
		if [ $((r % 2)) -eq 1 ]; then
			measure "wrk$i" wrk "$@" -d"${DURATION_S}s" "$URL"
			measure "tbwrk$i" "$TIERBENCH" wrk "$@" -d"${DURATION_S}s" --no-save "$URL"
		else
			measure "tbwrk$i" "$TIERBENCH" wrk "$@" -d"${DURATION_S}s" --no-save "$URL"
			measure "wrk$i" wrk "$@" -d"${DURATION_S}s" "$URL"
		fi
	done
	AB_RUN_N=$((AB_N / 5))
	if [ $((r % 2)) -eq 1 ]; then
		measure ab ab -q -k -c 50 -n "$AB_RUN_N" "$URL"
		measure tbab "$TIERBENCH" ab -q -k -c 50 -n "$AB_RUN_N" --no-save "$URL"
	else
		measure tbab "$TIERBENCH" ab -q -k -c 50 -n "$AB_RUN_N" --no-save "$URL"
		measure ab ab -q -k -c 50 -n "$AB_RUN_N" "$URL"
	fi
	echo "round $r done" >&2
done
measure abmem ab -q -k -c 50 -n "$AB_N" "$URL"
measure tbabmem "$TIERBENCH" ab -q -k -c 50 -n "$AB_N" --no-save "$URL"

echo "medians of $ROUNDS rounds; ratios are tierbench / peer, median of per-round ratios"
printf "%-16s %10s %10s %8s %9s %9s %8s\n" "" "peer req/s" "tb req/s" "ratio" \
	"peer CPU" "tb CPU" "ratio"
echo "                                                  (CPU: client user+system us per request)"
for i in "${!CONFIGS[@]}"; do
	report "wrk ${CONFIGS[$i]}" "wrk$i" "tbwrk$i"
done
report "ab -k -c 50" ab tbab
awk -v a="$(cut -d' ' -f3 "$TMP/abmem")" -v b="$(cut -d' ' -f3 "$TMP/tbabmem")" -v n="$AB_N" \
	'BEGIN { printf "peak RSS, ab -k -n %d: ab %d KB, tierbench %d KB (%.2fx)\n", n, a, b, b / a }'
if [ "$FLAT" = 1 ]; then
	measure flat10 "$TIERBENCH" wrk -t2 -c100 -d10s --no-save "$URL"
	measure flat60 "$TIERBENCH" wrk -t2 -c100 -d60s --no-save "$URL"
	awk -v a="$(cut -d' ' -f3 "$TMP/flat10")" -v b="$(cut -d' ' -f3 "$TMP/flat60")" \
		'BEGIN { printf "peak RSS, tierbench wrk -t2 -c100: 10 s %d KB, 60 s %d KB (%.3fx; target <= 1.10)\n", a, b, b / a }'
fi
