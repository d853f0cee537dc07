#!/bin/sh
# tests/it_console.sh: `tierbench console` driven under tmux (a private server socket, -S), on
# ephemeral ports. Load from `tierbench wrk` shows as non-zero req/s and latency; `l` starts a
# load test whose client panel fills and whose run is saved and listed; resizing re-flows the
# layout (two columns at 130x40, "too small" at 60x20); q exits 0 with the terminal restored
# (alternate screen off, cursor on), and so do SIGTERM, SIGINT and a crash signal (SIGSEGV,
# re-raised); --connect shows a remote server, then "disconnected, retrying" when it goes away
# while keys still work; `wrk --live` shows the client panel and prints wrk's report after it,
# and is off when stdout is not a terminal; --frame prints one frame. Skips (exit 0, says so)
# when tmux is missing or cannot start. Runs in about 45 s.
set -u
. "$(dirname "$0")/lib.sh"
TB=${TIERBENCH:-build/tierbench}
case $TB in /*) ;; *) TB=$(pwd)/$TB ;; esac
T=$(mktemp -d /tmp/tb-it-console-XXXXXX)
SOCK=$T/tmux.sock
SRV_PID=""
WRK_PID=""
FAILS=0
PASSES=0
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	[ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	[ -f "$T/pane" ] && sed 's/^/    | /' "$T/pane" >&2
	FAILS=$((FAILS + 1))
}
pass() {
	PASSES=$((PASSES + 1))
}
check() { # NAME COMMAND...: pass when the command succeeds
	name=$1
	shift
	if "$@"; then pass; else fail "$name"; fi
}

if ! command -v tmux >/dev/null 2>&1; then
	echo "it_console.sh: tmux not installed, skipped"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

tm() {
	tmux -S "$SOCK" "$@"
}
cap() {
	tm capture-pane -p -t tb >"$T/pane" 2>/dev/null
}
# wait_for PATTERN SECONDS: until the pane matches the (basic) regular expression.
wait_for() {
	_n=0
	while [ $_n -lt $(($2 * 10)) ]; do
		cap
		grep -q -- "$1" "$T/pane" && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}
pane() { # FORMAT: a pane variable, e.g. #{alternate_on}
	tm display-message -p -t tb "$1"
}
# The pane runs run.sh: the command (its pid in $T/child.pid), then "EXIT=status" and a sleep,
# so the terminal's state after the command is the pane's state.
cat >"$T/run.sh" <<EOF
#!/bin/sh
ulimit -c 0 # the SIGSEGV case must not leave a core file behind
sh -c 'echo \$\$ >"\$0"; exec "\$@"' "$T/child.pid" env LANG=C.UTF-8 TIERBENCH_DB=$T/results.db "\$@"
echo "EXIT=\$?"
exec sleep 600
EOF
# wait_exit SECONDS: until the command has exited; prints its status.
wait_exit() {
	wait_for '^EXIT=[0-9]*' "$1" || return 1
	sed -n 's/^EXIT=\([0-9]*\).*/\1/p' "$T/pane" | tail -1
}
restored() { # the terminal is back: alternate screen off, cursor shown
	[ "$(pane '#{alternate_on}')" = 0 ] && [ "$(pane '#{cursor_flag}')" = 1 ]
}
# respawn ARGS...: runs tierbench ARGS in the pane (the old command is killed).
respawn() {
	rm -f "$T/child.pid"
	tm respawn-pane -k -t tb "sh $T/run.sh $*"
	tm clear-history -t tb
}

CONSOLE="$TB console --port 0 --admin-port 0 --threads 64"
if ! tm -f /dev/null new-session -d -s tb -x 100 -y 30 "sh $T/run.sh $CONSOLE" 2>"$T/tmux.err"; then
	echo "it_console.sh: tmux cannot start here ($(cat "$T/tmux.err")), skipped"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

# ---- the in-process server under load -----------------------------------------------------
if ! wait_for 'admin :[0-9]' 10; then
	fail "the console did not come up"
	echo "$PASSES passed, $FAILS failed"
	exit 1
fi
PORT=$(sed -n '1s|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$T/pane")
check "header: threads busy/total" wait_for 'threads [0-9]*/64  conns [0-9]*  CPU' 3
check "footer lists the keys" grep -q 'q quit  p pause' "$T/pane"
"$TB" wrk -t1 -c10 -d4s --no-save "http://127.0.0.1:$PORT/api/health" >"$T/wrk.out" 2>&1 &
WRK_PID=$!
check "server req/s shows the load" wait_for '^Server [1-9][0-9.]*k* req/s' 6
check "latency now has figures" grep -q '^Latency 1s p50 [0-9]' "$T/pane"
check "the health route counts" grep -q '^health  *[0-9]' "$T/pane"
# Braille cells are U+2800..U+28FF: E2 A0..A3 xx in UTF-8.
check "braille chart drawn" env LC_ALL=C grep -q "$(printf '\342[\240-\243]')" "$T/pane"
wait "$WRK_PID"
WRK_PID=""

# ---- a load test from the console -------------------------------------------------------------
tm send-keys -t tb l
check "l opens the form" wait_for 'Start a load test' 3
# The form starts on the options field: replace them with a short test.
i=0
while [ $i -lt 20 ]; do
	tm send-keys -t tb BSpace
	i=$((i + 1))
done
tm send-keys -t tb -l -- '-c 10 -d 6s'
tm send-keys -t tb Enter
check "the load test starts" wait_for 'Load test: wrk-like -c 10 -d 6s' 3
check "progress and ETA" wait_for '%  [0-9.]*s of 6s  ETA' 3
check "client panel fills (req/s)" wait_for '^Client [1-9][0-9.]*k* req/s' 4
check "client latency percentiles" wait_for '^Client .*p50 [0-9].*p99 [0-9]' 3

# ---- resizing re-flows the layout -------------------------------------------------------------
tm resize-window -t tb -x 130 -y 40
check "two columns at 130x40" wait_for '^Server .*│Client ' 3
tm resize-window -t tb -x 60 -y 20
check "too small at 60x20" wait_for 'terminal too small: 60x20' 3
tm send-keys -t tb l # ignored while too small (only q works there)
tm resize-window -t tb -x 100 -y 30
check "back to one column at 100x30" wait_for '^Client .*req/s' 3
check "keys other than q ignored while too small" sh -c "! grep -q 'Start a load test' '$T/pane'"

check "the run is saved" wait_for 'run [0-9]* saved' 8
tm send-keys -t tb 3
check "runs view lists it" wait_for '^ *1  [0-9-]* [0-9:]*  wrk ' 6
check "the store has it" sh -c "TIERBENCH_DB=$T/results.db $TB runs | grep -q ' wrk '"

# ---- q restores the terminal --------------------------------------------------------------------
tm send-keys -t tb q
check "q: exit status 0" [ "$(wait_exit 8)" = 0 ]
check "q: terminal restored" restored
check "q: the server stopped" grep -q 'tierbench console: stopped' "$T/pane"

# ---- SIGTERM, SIGINT and a crash signal ----------------------------------------------------------------
for sig in TERM INT SEGV; do
	respawn "$CONSOLE"
	if ! wait_for 'admin :[0-9]' 10; then
		fail "SIG$sig: the console did not come up"
		continue
	fi
	kill -s "$sig" "$(cat "$T/child.pid")"
	status=$(wait_exit 8)
	check "SIG$sig: exits" [ -n "$status" ]
	check "SIG$sig: terminal restored" restored
	if [ "$sig" != SEGV ]; then
		check "SIG$sig: exit status 0" [ "$status" = 0 ]
	else
		# 139 (128+11) normally; a sanitizer build reports and exits 1.
		check "SIGSEGV: ends in failure" [ "$status" != 0 ]
	fi
done

# ---- --connect: a remote server, then none ---------------------------------------------------
"$TB" serve --port 0 --admin-port 0 --threads 32 >"$T/srv.log" 2>&1 &
SRV_PID=$!
SPORT=$(wait_port "$T/srv.log")
APORT=$(sed -n 's|.*admin API on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/srv.log")
if [ -z "$SPORT" ] || [ -z "$APORT" ]; then
	fail "tierbench serve did not start: $(cat "$T/srv.log")"
else
	"$TB" console --connect "http://127.0.0.1:$APORT" --frame --width 100 --height 30 \
		>"$T/frame.txt" 2>"$T/frame.err"
	check "--frame: exit 0" [ $? = 0 ]
	check "--frame: 30 rows" [ "$(wc -l <"$T/frame.txt")" = 30 ]
	check "--frame: remote header" grep -q 'remote  live, every 1s' "$T/frame.txt"
	respawn "$TB console --connect http://127.0.0.1:$APORT --refresh 250"
	check "--connect: comes up" wait_for 'remote  live' 5
	"$TB" wrk -t1 -c10 -d2s --no-save "http://127.0.0.1:$SPORT/api/health" >/dev/null 2>&1
	check "--connect: shows the load" wait_for '^health  *[0-9]' 3
	kill "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
	check "--connect: disconnected, retrying" wait_for 'disconnected (.*), retrying in [0-9]*s' 5
	tm send-keys -t tb 2
	check "--connect: keys still work while disconnected" wait_for '^Routes (req/s' 3
	tm send-keys -t tb q
	check "--connect: q exits 0" [ "$(wait_exit 5)" = 0 ]
	"$TB" console --connect "http://127.0.0.1:$APORT" --frame --refresh 250 >"$T/frame.txt" \
		2>"$T/frame.err"
	check "--frame of a dead server: exit 1" [ $? = 1 ]
	check "--frame of a dead server: says so" grep -q 'disconnected' "$T/frame.txt"
fi

# ---- wrk --live -------------------------------------------------------------------------------------
"$TB" serve --port 0 --no-admin --threads 32 >"$T/srv2.log" 2>&1 &
SRV_PID=$!
SPORT=$(wait_port "$T/srv2.log")
respawn "$TB wrk -t1 -c10 -d3s --live --no-save http://127.0.0.1:$SPORT/api/health"
check "--live: the client panel" wait_for 'tierbench --live' 4
check "--live: req/s" wait_for '^Client [1-9][0-9.]*k* req/s' 4
check "--live: wrk's report after" wait_for '^Requests/sec:' 8
check "--live: exit 0" [ "$(wait_exit 3)" = 0 ]
check "--live: terminal restored" restored
"$TB" wrk -t1 -c2 -d1s --live --no-save "http://127.0.0.1:$SPORT/api/health" >"$T/live.out" 2>&1
check "--live off a terminal: the report" grep -q '^Requests/sec:' "$T/live.out"
check "--live off a terminal: no escape codes" [ "$(tr -d -c '\033' <"$T/live.out" | wc -c)" = 0 ]

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
