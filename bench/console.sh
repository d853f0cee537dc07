#!/usr/bin/env bash
# bench/console.sh: what an attached console costs the server, and what it costs itself, at the
# default refresh (1 s). Two set-ups, each in paired rounds that alternate the order (ABBA) so
# drift cancels, under `wrk -t1 -cC -dD /api/health`:
#  (a) --connect: one `tierbench serve`; rounds with `tierbench console --connect` attached (in a
#      tmux pane on a private socket: a real terminal to draw on) and without. The console's CPU
#      is its whole process; the server's req/s is wrk's.
#  (b) in-process: `tierbench console` (server and console in one process) against
#      `tierbench serve`, each in a tmux pane (see why below), a fresh server each round. The
#      console's CPU is the drawing thread's (the main thread) plus its threads (named
#      tb-cons-*), read from /proc/PID/task.
# Prints each round, then medians and the median of per-round ratios (attached / detached), and
# the console's CPU as a share of one core. tmux's own CPU (the terminal's work) is shown apart.
#
# usage: bench/console.sh [-d SECONDS] [-r ROUNDS] [-c CONNECTIONS] [--connect-only]
#                         [--in-process-only]
#   TIERBENCH=path/to/tierbench skips the build (default: make, then build/tierbench).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION_S=3
ROUNDS=7
CONNS=50
DO_CONNECT=1
DO_INPROC=1
while [ $# -gt 0 ]; do
	case "$1" in
	-d) DURATION_S="$2"; shift 2 ;;
	-r) ROUNDS="$2"; shift 2 ;;
	-c) CONNS="$2"; shift 2 ;;
	--connect-only) DO_INPROC=0; shift ;;
	--in-process-only) DO_CONNECT=0; shift ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "bench/console.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v tmux >/dev/null || need="$need tmux"
if [ -n "$need" ]; then
	echo "installing:$need" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi
if [ -z "${TIERBENCH:-}" ]; then
	make -s all
	TIERBENCH=build/tierbench
fi
TB=$(realpath "$TIERBENCH")

TMP=$(mktemp -d /tmp/tb-bench-console-XXXXXX)
SOCK=$TMP/tmux.sock
SRV_PID=""
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null || true
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# CPU time in nanoseconds, from schedstat (the clock ticks of /proc/PID/stat are 10 ms, too
# coarse for a 1% figure over a few seconds). A thread: its own; a process: all its threads.
thread_ns() {
	awk '{ print $1 }' "$1/schedstat" 2>/dev/null || echo 0
}
process_ns() {
	local sum=0 t
	for t in /proc/"$1"/task/*; do
		sum=$((sum + $(thread_ns "$t")))
	done
	echo "$sum"
}
# An in-process console: the drawing thread (the main one) and the tb-cons-* threads.
console_ns() {
	local pid=$1 sum=0 t
	for t in /proc/"$pid"/task/*; do
		if [ "${t##*/}" = "$pid" ] || grep -q '^tb-cons' "$t/comm" 2>/dev/null; then
			sum=$((sum + $(thread_ns "$t")))
		fi
	done
	echo "$sum"
}
tmux_ns() {
	local pid
	pid=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null) || { echo 0; return; }
	process_ns "$pid"
}
wrk_rps() { # URL -> req/s
	wrk -t1 -c"$CONNS" -d"${DURATION_S}s" "$1" | awk '/^Requests\/sec:/ { print $2 }'
}
# pane_wait PATTERN: until the console's pane shows PATTERN (10 s at most).
pane_wait() {
	local i=0
	while [ $i -lt 100 ]; do
		if tmux -S "$SOCK" capture-pane -p -t c 2>/dev/null | grep -q -- "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench/console.sh: the console did not show '$1'" >&2
	return 1
}
pane_start() { # COMMAND...: the console in a 100x30 tmux pane; prints its pid
	tmux -S "$SOCK" -f /dev/null new-session -d -s c -x 100 -y 30 \
		"exec env LANG=C.UTF-8 TIERBENCH_DB=$TMP/results.db $*"
	tmux -S "$SOCK" display-message -p -t c '#{pane_pid}'
}
pane_stop() {
	tmux -S "$SOCK" send-keys -t c q 2>/dev/null || true
	local i=0
	while tmux -S "$SOCK" has-session -t c 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tmux -S "$SOCK" kill-server 2>/dev/null || true
}
# server_port LOG: the port of serve's first line, once there (10 s at most; a loaded machine
# can take seconds to start 256 threads); exits the bench when it never comes.
server_port() {
	local i=0 p=""
	while [ $i -lt 100 ]; do
		p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$1" 2>/dev/null)
		if [ -n "$p" ] && grep -q 'admin API on' "$1"; then
			echo "$p"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench/console.sh: tierbench serve did not start: $(cat "$1" 2>/dev/null)" >&2
	exit 1
}
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
pct_of_core() { # NANOSECONDS SECONDS
	awk -v t="$1" -v s="$2" 'BEGIN { printf "%.3f", t / 1e9 / s * 100 }'
}

# One attached measurement: wrk's req/s, the console's and tmux's CPU (% of a core) meanwhile.
# $1: a function printing the console's CPU nanoseconds (given its pid).
measure_attached() {
	local ns_fn=$1 pid=$2 url=$3 c0 m0 t0 t1 rps c1 m1
	c0=$($ns_fn "$pid")
	m0=$(tmux_ns)
	t0=$(date +%s.%N)
	rps=$(wrk_rps "$url")
	t1=$(date +%s.%N)
	c1=$($ns_fn "$pid")
	m1=$(tmux_ns)
	local secs
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	echo "$rps $(pct_of_core $((c1 - c0)) "$secs") $(pct_of_core $((m1 - m0)) "$secs")"
}

summary() { # NAME FILE: rounds "detached attached console% tmux%"
	local name=$1 f=$2 d a r c m
	d=$(awk '{ print $1 }' "$f" | median)
	a=$(awk '{ print $2 }' "$f" | median)
	r=$(awk '{ print $2 / $1 }' "$f" | median)
	c=$(awk '{ print $3 }' "$f" | median)
	m=$(awk '{ print $4 }' "$f" | median)
	printf '%-30s %10.0f %10.0f %8.3fx %9.3f%% %8.3f%%\n' "$name" "$d" "$a" "$r" "$c" "$m"
}

echo "wrk -t1 -c$CONNS -d${DURATION_S}s /api/health, $ROUNDS paired rounds (ABBA), refresh 1 s"

if [ "$DO_CONNECT" = 1 ]; then
	"$TB" serve --port 0 --admin-port 0 >"$TMP/srv.log" 2>&1 &
	SRV_PID=$!
	PORT=$(server_port "$TMP/srv.log")
	APORT=$(sed -n 's|.*admin API on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/srv.log")
	URL="http://127.0.0.1:$PORT/api/health"
	wrk_rps "$URL" >/dev/null # warm-up
	: >"$TMP/connect.txt"
	echo "(a) --connect: round  detached req/s  attached req/s  console CPU  tmux CPU"
	for r in $(seq "$ROUNDS"); do
		d=""
		a=""
		order="da"
		[ $((r % 2)) = 0 ] && order="ad"
		for step in $(echo "$order" | fold -w1); do
			if [ "$step" = d ]; then
				d=$(wrk_rps "$URL")
			else
				pid=$(pane_start "$TB" console --connect "http://127.0.0.1:$APORT")
				pane_wait 'remote  live'
				sleep 1.5 # a first sample and a first frame
				read -r a cpu mux < <(measure_attached process_ns "$pid" "$URL")
				pane_stop
			fi
		done
		printf '  %5d %15.0f %15.0f %11.3f%% %8.3f%%\n' "$r" "$d" "$a" "$cpu" "$mux"
		echo "$d $a $cpu $mux" >>"$TMP/connect.txt"
	done
	kill "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=""
fi

if [ "$DO_INPROC" = 1 ]; then
	: >"$TMP/inproc.txt"
	echo "(b) in-process: round  serve req/s  console req/s  console CPU  tmux CPU"
	for r in $(seq "$ROUNDS"); do
		d=""
		a=""
		order="da"
		[ $((r % 2)) = 0 ] && order="ad"
		for step in $(echo "$order" | fold -w1); do
			if [ "$step" = d ]; then
				# In a tmux pane too: a pane is a session of its own, and with the
				# kernel's autogroup scheduling a session's share of the CPU depends on
				# what else runs (measured here: the same `serve` did ~20% less in a pane
				# than in the script's session). Both sides sit in a pane, so only the
				# console differs.
				pane_start "$TB" serve --port 0 --admin-port 0 \
					">$TMP/srv.log" >/dev/null
				PORT=$(server_port "$TMP/srv.log")
				wrk_rps "http://127.0.0.1:$PORT/api/health" >/dev/null # warm-up
				d=$(wrk_rps "http://127.0.0.1:$PORT/api/health")
				tmux -S "$SOCK" kill-server 2>/dev/null || true
				sleep 0.3
			else
				pid=$(pane_start "$TB" console --port 0 --admin-port 0)
				pane_wait 'admin :[0-9]'
				PORT=$(tmux -S "$SOCK" capture-pane -p -t c |
					sed -n '1s|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p')
				wrk_rps "http://127.0.0.1:$PORT/api/health" >/dev/null # warm-up
				read -r a cpu mux < <(measure_attached console_ns "$pid" \
					"http://127.0.0.1:$PORT/api/health")
				pane_stop
			fi
		done
		printf '  %5d %12.0f %14.0f %11.3f%% %8.3f%%\n' "$r" "$d" "$a" "$cpu" "$mux"
		echo "$d $a $cpu $mux" >>"$TMP/inproc.txt"
	done
fi

echo
echo "medians of $ROUNDS rounds; ratio: median of per-round ratios (attached / detached)"
printf '%-30s %10s %10s %9s %10s %9s\n' "" "detached" "attached" "ratio" "console" "tmux"
printf '%-30s %10s %10s %9s %10s %9s\n' "" "req/s" "req/s" "" "CPU/core" "CPU/core"
[ "$DO_CONNECT" = 1 ] && summary "(a) console --connect" "$TMP/connect.txt"
[ "$DO_INPROC" = 1 ] && summary "(b) console vs serve" "$TMP/inproc.txt"
echo "targets: ratio >= 0.98 (the server loses at most 2%), console CPU <= 2% of a core"
