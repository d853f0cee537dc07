#!/usr/bin/env bash
# bench/server.sh: tierbench serve side by side with nginx (`return 200` with the same body) and
# the seed's Python ThreadingMixIn server (bench/seed_server.py), all measured with
# `wrk -t1 -c50` against /api/health in alternating rounds; prints the median req/s of each,
# the ratios, the cost of recording stats (against --no-stats), and context switches and
# server CPU time per request (from /proc, medians over rounds). Everything listens on free loopback ports and is stopped on exit.
#
# usage: bench/server.sh [-d SECONDS] [-r ROUNDS] [-c CONNECTIONS] [--nginx-workers N|auto]
#                        [--naive] [--strace]
#   --naive adds bench/naive_civetweb.c (CivetWeb used the textbook way) as a baseline.
#   TIERBENCH=path/to/tierbench skips the build (default: make, then build/tierbench).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION_S=3
ROUNDS=3
CONNS=50
STRACE=0
NGINX_WORKERS=auto
NAIVE=0
while [ $# -gt 0 ]; do
	case "$1" in
	-d) DURATION_S="$2"; shift 2 ;;
	-r) ROUNDS="$2"; shift 2 ;;
	-c) CONNS="$2"; shift 2 ;;
	--strace) STRACE=1; shift ;;
	--naive) NAIVE=1; shift ;;
	--nginx-workers) NGINX_WORKERS="$2"; shift 2 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "bench/server.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v nginx >/dev/null || need="$need nginx-light"
command -v python3 >/dev/null || need="$need python3"
if [ -n "$need" ]; then
	echo "installing:$need" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi

if [ -z "${TIERBENCH:-}" ]; then
	make -s all >&2
	TIERBENCH=build/tierbench
fi

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port: wait until something answers /api/health
	for _ in $(seq 1 100); do
		if curl -s -o /dev/null "http://127.0.0.1:$1/api/health" 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "bench/server.sh: nothing answers on port $1" >&2
	return 1
}

HEALTH_BODY='{"status":"ok","service":"tierbench"}'

P_TB=$(free_port)
"$TIERBENCH" serve --port "$P_TB" --admin-port 0 >"$TMP/tb.log" 2>&1 &
PID_TB=$!; PIDS+=("$PID_TB")
P_NOSTATS=$(free_port)
"$TIERBENCH" serve --port "$P_NOSTATS" --no-admin --no-stats >"$TMP/tbn.log" 2>&1 &
PID_NOSTATS=$!; PIDS+=("$PID_NOSTATS")
P_NGX=$(free_port)
cat >"$TMP/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP;
  uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server {
    listen 127.0.0.1:$P_NGX;
    location / { default_type application/json; return 200 '$HEALTH_BODY'; }
  }
}
EOF
nginx -c "$TMP/nginx.conf" -p "$TMP" &
PID_NGX=$!; PIDS+=("$PID_NGX")
P_PY=$(free_port)
python3 bench/seed_server.py "$P_PY" >/dev/null 2>&1 &
PID_PY=$!; PIDS+=("$PID_PY")
for p in "$P_TB" "$P_NOSTATS" "$P_NGX" "$P_PY"; do wait_port "$p"; done

NAMES=(tierbench tierbench-nostats nginx python-seed)
PORTS=("$P_TB" "$P_NOSTATS" "$P_NGX" "$P_PY")
SPIDS=("$PID_TB" "$PID_NOSTATS" "$PID_NGX" "$PID_PY")

if [ "$NAIVE" = 1 ]; then
	cc -O2 -o "$TMP/naive" bench/naive_civetweb.c -lcivetweb -lpthread
	mkdir -p "$TMP/www"
	P_NAIVE=$(free_port)
	"$TMP/naive" "$P_NAIVE" "$TMP/www" &
	PID_NAIVE=$!; PIDS+=("$PID_NAIVE")
	wait_port "$P_NAIVE"
	NAMES+=(civetweb-naive)
	PORTS+=("$P_NAIVE")
	SPIDS+=("$PID_NAIVE")
fi

# Sum of voluntary + involuntary context switches of a process tree's threads.
ctxsw() {
	local total=0 pid t v
	for pid in "$1" $(pgrep -P "$1" || true); do
		for t in /proc/"$pid"/task/*/status; do
			v=$(awk '/ctxt_switches/ {s += $2} END {print s + 0}' "$t" 2>/dev/null || echo 0)
			total=$((total + v))
		done
	done
	echo "$total"
}

# CPU time (user + system, in clock ticks) of a process tree.
cputicks() {
	local total=0 pid v
	for pid in "$1" $(pgrep -P "$1" || true); do
		v=$(awk '{print $14 + $15}' /proc/"$pid"/stat 2>/dev/null || echo 0)
		total=$((total + v))
	done
	echo "$total"
}
HZ=$(getconf CLK_TCK)

declare -A RPS CSW CPU
echo "wrk -t1 -c$CONNS -d${DURATION_S}s /api/health, $ROUNDS rounds, $(nproc) cores," \
	"nginx worker_processes $NGINX_WORKERS" >&2
for r in $(seq 1 "$ROUNDS"); do
	for i in "${!NAMES[@]}"; do
		n=${NAMES[$i]}
		before=$(ctxsw "${SPIDS[$i]}")
		cpu_before=$(cputicks "${SPIDS[$i]}")
		out=$(wrk -t1 -c"$CONNS" -d"${DURATION_S}s" "http://127.0.0.1:${PORTS[$i]}/api/health")
		cpu_after=$(cputicks "${SPIDS[$i]}")
		after=$(ctxsw "${SPIDS[$i]}")
		rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
		reqs=$(echo "$out" | awk '/requests in/ {print $1}')
		cs=$(awk -v a="$after" -v b="$before" -v n="$reqs" 'BEGIN {printf "%.2f", n ? (a - b) / n : 0}')
		us=$(awk -v a="$cpu_after" -v b="$cpu_before" -v n="$reqs" -v hz="$HZ" \
			'BEGIN {printf "%.1f", n ? (a - b) * 1e6 / hz / n : 0}')
		RPS[$n]="${RPS[$n]:-} $rps"
		CSW[$n]="${CSW[$n]:-} $cs"
		CPU[$n]="${CPU[$n]:-} $us"
		printf 'round %d  %-18s %10.0f req/s  %5s ctx switches/req  %6s us CPU/req\n' \
			"$r" "$n" "$rps" "$cs" "$us" >&2
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo
printf '%-18s %12s %16s %12s %12s\n' server "req/s (med)" "min..max" "ctx sw/req" "CPU us/req"
declare -A MED
for n in "${NAMES[@]}"; do
	MED[$n]=$(echo "${RPS[$n]}" | median)
	range=$(echo "${RPS[$n]}" | tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f..%.0f", lo, hi}')
	printf '%-18s %12.0f %16s %12s %12s\n' "$n" "${MED[$n]}" "$range" \
		"$(echo "${CSW[$n]}" | median)" "$(echo "${CPU[$n]}" | median)"
done
# Ratios within each round (the servers ran seconds apart) are steadier than ratios of medians
# on a machine whose load drifts; both are printed.
paired() { # numerator-name denominator-name -> median of per-round ratios
	paste <(echo "${RPS[$1]}" | tr ' ' '\n' | grep -v '^$') <(echo "${RPS[$2]}" | tr ' ' '\n' | grep -v '^$') |
		awk '{print $1 / $2}' | median
}
cpu_med() { echo "${CPU[$1]}" | median; }
echo
awk -v tb="${MED[tierbench]}" -v ng="${MED[nginx]}" -v py="${MED[python-seed]}" \
	-v ns="${MED[tierbench-nostats]}" -v p_ng="$(paired tierbench nginx)" \
	-v p_py="$(paired tierbench python-seed)" -v p_ns="$(paired tierbench tierbench-nostats)" \
	-v c_tb="$(cpu_med tierbench)" -v c_ns="$(cpu_med tierbench-nostats)" 'BEGIN {
	printf "                          of medians  per-round median\n"
	printf "tierbench / nginx        %8.2f x  %8.2f x   (target >= 0.85)\n", tb / ng, p_ng
	printf "tierbench / python-seed  %8.1f x  %8.1f x   (target >= 50)\n", tb / py, p_py
	printf "stats recording cost     %8.1f %%  %8.1f %%   (1 - req/s with / without stats; target <= 3%%)\n", (1 - tb / ns) * 100, (1 - p_ns) * 100
	printf "stats CPU cost           %8.1f %%               (CPU us/req with / without stats - 1)\n", (c_tb / c_ns - 1) * 100
}'
if [ "$NAIVE" = 1 ]; then
	awk -v nv="${MED[civetweb-naive]}" -v ng="${MED[nginx]}" -v p_nv="$(paired civetweb-naive nginx)" \
		'BEGIN { printf "civetweb-naive / nginx   %8.2f x  %8.2f x\n", nv / ng, p_nv }'
fi

if [ "$STRACE" = 1 ] && command -v strace >/dev/null; then
	echo
	echo "syscalls per request (strace -c -f, 1 s of wrk; strace slows the server):"
	idx="0 2"
	[ "$NAIVE" = 1 ] && idx="0 2 4"
	for i in $idx; do
		n=${NAMES[$i]}
		pids=$(for p in "${SPIDS[$i]}" $(pgrep -P "${SPIDS[$i]}" || true); do printf -- '-p %s ' "$p"; done)
		# shellcheck disable=SC2086
		timeout 4 strace -f -c -o "$TMP/strace.$n" $pids 2>/dev/null &
		spid=$!
		sleep 0.5
		reqs=$(wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${PORTS[$i]}/api/health" | awk '/requests in/ {print $1}')
		wait "$spid" 2>/dev/null || true
		awk -v n="$reqs" -v name="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
			printf "  %-18s %-16s %6.2f/req\n", name, $NF, $4 / n }' "$TMP/strace.$n" | sort -k3 -g -r | head -6
	done
fi
