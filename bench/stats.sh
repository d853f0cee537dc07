#!/usr/bin/env bash
# bench/stats.sh: what the server's live stats cost their readers and the server.
#  (a) one snapshot (srv_stats_fill, the work behind /api/stats and /metrics) with 256 worker
#      threads that have all recorded requests, measured directly by bench/stats_snapshot.c built
#      against this tree and against commit ddd7e77 (before the histogram rewrite: every merge
#      walked all 23,220 buckets), checked out with `git worktree add` into a temporary
#      directory and removed afterwards. Three cases: load going on between polls with a 5 ms
#      and a 50 ms latency tail, and no new requests. Rounds alternate old/new; prints medians
#      and the median of per-round ratios.
#  (b) `tierbench serve` throughput (wrk -t1 -c50 /api/health) with /api/stats polled 4 times a
#      second (one keep-alive client, full JSON with timeline) against not polled, in
#      alternating paired rounds (ABBA order); prints each round and the median of per-round
#      ratios. Target: at most 1% difference.
#
# usage: bench/stats.sh [-d SECONDS] [-r ROUNDS] [--snapshot-only] [--throughput-only]
#   TIERBENCH=path/to/tierbench skips the build (default: make, then build/tierbench).
#   OLD_COMMIT=<commit> compares against another commit (default ddd7e77).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION_S=3
ROUNDS=5
DO_SNAPSHOT=1
DO_THROUGHPUT=1
OLD_COMMIT=${OLD_COMMIT:-ddd7e77}
while [ $# -gt 0 ]; do
	case "$1" in
	-d) DURATION_S="$2"; shift 2 ;;
	-r) ROUNDS="$2"; shift 2 ;;
	--snapshot-only) DO_THROUGHPUT=0; shift ;;
	--throughput-only) DO_SNAPSHOT=0; shift ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) echo "bench/stats.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v python3 >/dev/null || need="$need python3"
if [ -n "$need" ]; then
	echo "installing:$need" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi

TMP=$(mktemp -d /tmp/tb-bench-stats-XXXXXX)
OLD_TREE=""
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$OLD_TREE" ]; then
		git worktree remove --force "$OLD_TREE" 2>/dev/null || true
		git worktree prune 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

CC=${CC:-cc}
BENCH_CFLAGS="-O2 -g -std=c11 -D_GNU_SOURCE"
BENCH_LIBS="-lcivetweb -lz -lm -lpthread"

if [ "$DO_SNAPSHOT" = 1 ]; then
	echo "== (a) one snapshot, 256 threads that all recorded requests ($ROUNDS rounds)" >&2
	# shellcheck disable=SC2086
	$CC $BENCH_CFLAGS -I. -o "$TMP/snap_new" bench/stats_snapshot.c server/*.c common/*.c $BENCH_LIBS
	OLD_TREE="$TMP/old"
	git worktree add --quiet --detach "$OLD_TREE" "$OLD_COMMIT"
	# Built there from the old tree's own sources, with the same helper and flags (the helper's
	# TB_SNAPSHOT_OLD: the snapshot was a plain struct then).
	HELPER="$PWD/bench/stats_snapshot.c"
	# shellcheck disable=SC2086
	(cd "$OLD_TREE" && $CC $BENCH_CFLAGS -DTB_SNAPSHOT_OLD -I. -o "$TMP/snap_old" "$HELPER" \
		server/*.c common/*.c $BENCH_LIBS)
	git worktree remove --force "$OLD_TREE"
	git worktree prune
	OLD_TREE=""
	# name: args of stats_snapshot (THREADS PER_THREAD SNAPSHOTS BETWEEN TAIL_US)
	CASES=("load, 5 ms tail|256 2000 101 12500 5000" "load, 50 ms tail|256 2000 101 12500 50000"
		"no new requests|256 2000 101 0 5000")
	echo "snapshot = srv_stats_fill, median of 101 per run; json = srv_stats_json of it (new)"
	printf '%-20s %14s %14s %16s %12s\n' case "old fill us" "new fill us" "old/new (med)" "new json us"
	for c in "${CASES[@]}"; do
		name=${c%%|*}
		args=${c#*|}
		OLD_US="" NEW_US="" RATIOS="" JSON_US=""
		for r in $(seq 1 "$ROUNDS"); do
			# shellcheck disable=SC2086
			if [ $((r % 2)) = 1 ]; then
				o=$("$TMP/snap_old" $args); n=$("$TMP/snap_new" $args)
			else
				n=$("$TMP/snap_new" $args); o=$("$TMP/snap_old" $args)
			fi
			ou=$(echo "$o" | awk '{print $2}')
			nu=$(echo "$n" | awk '{print $2}')
			OLD_US="$OLD_US $ou"
			NEW_US="$NEW_US $nu"
			JSON_US="$JSON_US $(echo "$n" | awk '{print $4}')"
			RATIOS="$RATIOS $(awk -v a="$ou" -v b="$nu" 'BEGIN {print a / b}')"
		done
		printf '%-20s %14.1f %14.1f %15.1fx %12.1f\n' "$name" "$(echo "$OLD_US" | median)" \
			"$(echo "$NEW_US" | median)" "$(echo "$RATIOS" | median)" "$(echo "$JSON_US" | median)"
		if [ -z "${POLL_US:-}" ]; then # the first case: load between polls, 5 ms tail
			POLL_US=$(awk -v f="$(echo "$NEW_US" | median)" -v j="$(echo "$JSON_US" | median)" \
				'BEGIN {print f + j}')
			POLL_US_OLD=$(awk -v f="$(echo "$OLD_US" | median)" -v j="$(echo "$JSON_US" | median)" \
				'BEGIN {print f + j}')
		fi
	done
fi

if [ "$DO_THROUGHPUT" = 1 ]; then
	if [ -z "${TIERBENCH:-}" ]; then
		make -s all >&2
		TIERBENCH=build/tierbench
	fi
	echo >&2
	echo "== (b) tierbench serve, wrk -t1 -c50 -d${DURATION_S}s /api/health, /api/stats polled" \
		"4/s vs not, $ROUNDS paired rounds, $(nproc) cores" >&2
	free_port() {
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
	}
	P=$(free_port)
	A=$(free_port)
	"$TIERBENCH" serve --port "$P" --admin-port "$A" >"$TMP/serve.log" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$P/api/health" && curl -s -o /dev/null \
			"http://127.0.0.1:$A/api/stats" && break
		sleep 0.05
	done
	# One keep-alive client reading the whole JSON every 0.25 s, as a dashboard would; python's
	# per-poll cost is small next to a 3 s run, and it runs only in the polled rounds.
	cat >"$TMP/poll.py" <<'EOF'
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
n = 0
next_t = time.monotonic()
while True:
    c.request("GET", "/api/stats")
    r = c.getresponse()
    r.read()
    n += 1
    next_t += 0.25
    time.sleep(max(0.0, next_t - time.monotonic()))
EOF
	SRV_PID=${PIDS[-1]}
	HZ=$(getconf CLK_TCK)
	cputicks() { awk '{print $14 + $15}' /proc/"$SRV_PID"/stat; }
	# Prints "req/s server-CPU-us-per-request" of one wrk run.
	run_wrk() {
		local c0 c1 out
		c0=$(cputicks)
		out=$(wrk -t1 -c50 -d"${DURATION_S}s" "http://127.0.0.1:$P/api/health")
		c1=$(cputicks)
		echo "$out" | awk -v c0="$c0" -v c1="$c1" -v hz="$HZ" '
			/requests in/ {n = $1} /Requests\/sec/ {rps = $2}
			END {printf "%s %.2f\n", rps, n ? (c1 - c0) * 1e6 / hz / n : 0}'
	}
	polled() {
		python3 "$TMP/poll.py" "$A" &
		local pp=$!
		sleep 0.3
		local rps
		rps=$(run_wrk)
		kill "$pp" 2>/dev/null || true
		wait "$pp" 2>/dev/null || true
		echo "$rps"
	}
	quiet() {
		sleep 0.3
		run_wrk
	}
	run_wrk >/dev/null # warm-up: threads, caches, the CPU frequency
	RATIOS="" CPU_RATIOS="" Q_ALL="" P_ALL="" Q_CPU_ALL=""
	for r in $(seq 1 "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			q=$(quiet); p=$(polled)
		else
			p=$(polled); q=$(quiet)
		fi
		read -r q_rps q_cpu <<<"$q"
		read -r p_rps p_cpu <<<"$p"
		ratio=$(awk -v a="$p_rps" -v b="$q_rps" 'BEGIN {print a / b}')
		cpu_ratio=$(awk -v a="$p_cpu" -v b="$q_cpu" 'BEGIN {print b ? a / b : 0}')
		RATIOS="$RATIOS $ratio"
		CPU_RATIOS="$CPU_RATIOS $cpu_ratio"
		Q_ALL="$Q_ALL $q_rps"
		Q_CPU_ALL="$Q_CPU_ALL $q_cpu"
		P_ALL="$P_ALL $p_rps"
		printf 'round %2d  not polled %7.0f req/s %5.1f us CPU/req   polled %7.0f req/s %5.1f us CPU/req   req/s polled/not %.3f\n' \
			"$r" "$q_rps" "$q_cpu" "$p_rps" "$p_cpu" "$ratio" >&2
	done
	range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.3f..%.3f", lo, hi}'; }
	printf 'median req/s: not polled %.0f, polled %.0f\n' "$(echo "$Q_ALL" | median)" \
		"$(echo "$P_ALL" | median)"
	awk -v m="$(echo "$RATIOS" | median)" -v c="$(echo "$CPU_RATIOS" | median)" \
		-v rr="$(echo "$RATIOS" | range)" -v cr="$(echo "$CPU_RATIOS" | range)" -v n="$ROUNDS" 'BEGIN {
		printf "req/s polled / not polled:  %.3f (median of %d per-round ratios, range %s): %+.1f%% (target: within 1%%)\n", m, n, rr, (m - 1) * 100
		printf "server CPU per request, polled / not: %.3f (range %s): %+.1f%%\n", c, cr, (c - 1) * 100 }'
	if [ -n "${POLL_US:-}" ]; then
		# The wrk A/B above cannot resolve 1% on a shared machine; the direct figure can: 4 polls
		# a second cost 4 x (snapshot + JSON) of CPU, against what the server spends per second.
		awk -v us="$POLL_US" -v old="$POLL_US_OLD" -v rps="$(echo "$Q_ALL" | median)" \
			-v q_cpu="$(echo "$Q_CPU_ALL" | median)" 'BEGIN {
			srv_us_per_s = rps * q_cpu
			printf "direct: 4 x %.0f us (snapshot + JSON) = %.2f ms CPU per second = %.2f%% of the server'"'"'s CPU at %.0f req/s (old code: %.1f%%)\n",
				us, 4 * us / 1e3, 400 * us / srv_us_per_s, rps, 400 * old / srv_us_per_s }'
	fi
fi
