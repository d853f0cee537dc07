#!/bin/sh
# bench/hostile.sh: the full-scale attacks of the README's reliability table against
# `tierbench serve` on loopback: 300 slowloris connections, 200 with --threads 16, 300 slow
# bodies, 2,000 idle connections, slowloris on the admin port (8, and 200 from another address),
# and SIGHUP/SIGQUIT/SIGUSR1. Each attack reconnects what the server closes, runs for its settle
# time plus one probe a second, and stops by itself; one summary line per row.
#
#   bench/hostile.sh                    # build/tierbench (built if missing)
#   TIERBENCH=/tmp/old/tierbench bench/hostile.sh   # another build, e.g. the one before a change
#
# Ports 19300/19301 (HOSTILE_PORT to change). Takes about 2 minutes.
set -eu
cd "$(dirname "$0")/.."
TB=${TIERBENCH:-build/tierbench}
[ -x "$TB" ] || make -s all
P=${HOSTILE_PORT:-19300}
A=$((P + 1))
H=build/bench-hostile
mkdir -p build
cc -std=c11 -D_GNU_SOURCE -I. -O2 -o "$H" bench/hostile.c tests/support/hostile.c -lpthread
SRV=""
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null; SRV=""; }
trap cleanup EXIT INT TERM

serve() {
	"$TB" serve --port "$P" --admin-port "$A" "$@" >/tmp/tb-hostile-srv.log 2>&1 &
	SRV=$!
	i=0
	while ! grep -q 'listening on' /tmp/tb-hostile-srv.log && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# row NAME SERVE_ARGS -- HOSTILE_ARGS...
row() {
	name=$1
	sargs=$2
	shift 2
	# shellcheck disable=SC2086
	serve $sargs
	printf '%-44s ' "$name"
	timeout 120 "$H" "$@" | tail -1 || true
	cleanup
}

row "slowloris 300 -> main, probe /api/health" "" --port "$P" --kind slowloris --conns 300 --reconnect --probes 7
row "slowloris 200, --threads 16 -> main" "--threads 16" --port "$P" --kind slowloris --conns 200 --reconnect --probes 7
row "slow POST bodies 300 -> main" "" --port "$P" --kind slow-body --conns 300 --reconnect --probes 7
row "idle 2000 -> main, probe /api/health" "" --port "$P" --kind idle --conns 2000 --reconnect --probes 7
row "idle 2000 -> main, probe admin /api/stats" "" --port "$P" --kind idle --conns 2000 --reconnect --probe-port "$A" --probe-path /api/stats --probes 5
row "slowloris 300 -> main, probe admin" "" --port "$P" --kind slowloris --conns 300 --reconnect --probe-port "$A" --probe-path /api/stats --probes 5
row "slowloris 8 -> admin, probe admin" "" --port "$A" --kind slowloris --conns 8 --reconnect --probe-path /api/stats --probes 5
row "slowloris 200 from 127.0.0.2 -> admin" "" --port "$A" --kind slowloris --conns 200 --reconnect --source 127.0.0.2 --probe-path /api/stats --probe-source 127.0.0.1 --probes 5
row "idle 2000 -> admin, probe admin" "" --port "$A" --kind idle --conns 2000 --reconnect --probe-path /api/stats --probes 5

for sig in HUP QUIT USR1; do
	serve
	kill -"$sig" "$SRV"
	sleep 0.5
	if kill -0 "$SRV" 2>/dev/null; then
		printf '%-44s still serving; stderr: %s\n' "SIG$sig" "$(grep -v 'listening\|admin API' /tmp/tb-hostile-srv.log | head -1)"
	else
		wait "$SRV" 2>/dev/null && rc=0 || rc=$?
		SRV=""
		printf '%-44s the server died (exit status %s)\n' "SIG$sig" "$rc"
	fi
	cleanup
done
