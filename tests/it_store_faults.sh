#!/bin/sh
# tests/it_store_faults.sh: the result store under faults, through the binary, against
# `tierbench serve` on an ephemeral loopback port:
#   - SIGKILL while `runs import` saves 512 runs (three times): PRAGMA integrity_check is ok,
#     the runs saved before are unchanged, and only whole runs were added;
#   - four processes saving at once (imports, then wrk runs): every run saved;
#   - a file that is not a store, a read-only file, a read-only directory, a full disk (a 512 KiB
#     tmpfs): one error line naming the cause, the store file unchanged (checksum), the run's
#     report still printed and its --json file still written; a JSON file that cannot be written
#     leaves the earlier one as it was.
# Needs the sqlite3 shell (installed when missing and root; else its checks are skipped). As root
# the read-only cases run as nobody (root writes read-only files) and the full disk is a tmpfs
# mount (skipped with a message where mounting is refused). Runs in about 15 s.
set -u
. "$(dirname "$0")/lib.sh"
TB=${TIERBENCH:-build/tierbench}
case $TB in /*) ;; *) TB=$(pwd)/$TB ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/tb-it-store-XXXXXX)
chmod 755 "$T"
SRV_PID=""
MOUNTED=""
FAILS=0
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
skip() {
	echo "SKIP: $*"
}
sum() {
	cksum <"$1" 2>/dev/null || echo missing
}

# ---- the sqlite3 shell ----
HAVE_SQLITE=1
if ! command -v sqlite3 >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		sh "$ROOT/scripts/deps.sh" sqlite3 >/dev/null 2>&1
	fi
	command -v sqlite3 >/dev/null 2>&1 || HAVE_SQLITE=0
fi
[ "$HAVE_SQLITE" -eq 1 ] || skip "the sqlite3 shell is missing (and not root): integrity checks"
q() {
	sqlite3 "$1" "$2" 2>&1
}
# What identifies the stored runs with id <= $2: every column of runs and of their child rows.
runs_digest() {
	sqlite3 "$1" "SELECT * FROM runs WHERE id <= $2 ORDER BY id;
		SELECT * FROM run_seconds WHERE run_id <= $2 ORDER BY run_id, unix_s;
		SELECT * FROM run_status WHERE run_id <= $2 ORDER BY run_id, code;
		SELECT * FROM run_errors WHERE run_id <= $2 ORDER BY run_id, class;" | cksum
}
integrity_ok() {
	[ "$HAVE_SQLITE" -eq 1 ] || return 0
	r=$(q "$1" "PRAGMA integrity_check")
	[ "$r" = ok ] || fail "$2: integrity_check says: $r"
}

# ---- the server ----
"$TB" serve --port 0 --no-admin --threads 8 >"$T/srv.log" 2>&1 &
SRV_PID=$!
PORT=$(wait_port "$T/srv.log")
if [ -z "$PORT" ]; then
	fail "tierbench serve did not start: $(cat "$T/srv.log")"
	exit 1
fi
URL="http://127.0.0.1:$PORT/api/health"

# wrk_save DB JSON [RUNNER...]: a 300 ms run saved in DB, its JSON in JSON; stdout to $T/out,
# stderr to $T/err; the exit status is wrk's.
wrk_save() {
	_db=$1
	_json=$2
	shift 2
	"$@" "$TB" wrk -t1 -c2 -d300ms --db "$_db" --json "$_json" "$URL" >"$T/out" 2>"$T/err"
}
# expect_fault WHAT STATUS TEXT JSON: wrk exited 0 (a store failure is a warning), printed its
# report, wrote JSON, and said one line holding TEXT.
expect_fault() {
	echo "$1: $(head -n 1 "$T/err")"
	[ "$2" -eq 0 ] || fail "$1: exit $2, want 0 (the run itself worked)"
	grep -q "Requests/sec:" "$T/out" || fail "$1: the report was not printed"
	[ "$(head -c 10 "$4" 2>/dev/null)" = '{"schema":' ] || fail "$1: the JSON result was not written"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: want one error line, got: $(cat "$T/err")"
	grep -qF -- "$3" "$T/err" || fail "$1: '$3' not in: $(cat "$T/err")"
}

# ---- a big export: one real run, doubled to 512 ----
mkdir -p "$T/src"
wrk_save "$T/src/src.db" "$T/src/one.run.json" || fail "first run: $(cat "$T/err")"
"$TB" runs --db "$T/src/src.db" export 1 >"$T/src/one.json" 2>/dev/null ||
	fail "export: cannot export run 1"
sed -e 's/^{"schema":"tierbench.runs\/1","runs":\[//' -e 's/\]}$//' "$T/src/one.json" >"$T/src/b1"
i=1
while [ $i -lt 512 ]; do
	{ cat "$T/src/b$i" && printf ',' && cat "$T/src/b$i"; } >"$T/src/b$((i * 2))"
	rm -f "$T/src/b$i"
	i=$((i * 2))
done
{ printf '{"schema":"tierbench.runs/1","runs":['; cat "$T/src/b512"; printf ']}\n'; } >"$T/big.json"
# 64 runs, for the four imports at once.
one=$(sed -e 's/^{"schema":"tierbench.runs\/1","runs":\[//' -e 's/\]}$//' "$T/src/one.json")
{
	printf '{"schema":"tierbench.runs/1","runs":['
	j=1
	while [ $j -le 64 ]; do
		[ $j -gt 1 ] && printf ','
		printf '%s' "$one"
		j=$((j + 1))
	done
	printf ']}\n'
} >"$T/mid.json"
SECONDS_PER_RUN=""
[ "$HAVE_SQLITE" -eq 1 ] && SECONDS_PER_RUN=$(q "$T/src/src.db" "SELECT count(*) FROM run_seconds WHERE run_id = 1")

# ---- SIGKILL while saving ----
DB="$T/kill/r.db"
"$TB" runs --db "$DB" import "$T/mid.json" >/dev/null 2>"$T/err" || fail "import: $(cat "$T/err")"
if [ "$HAVE_SQLITE" -eq 1 ]; then
	killed_mid=0
	for round in 1 2 3; do
		base=$(q "$DB" "SELECT max(id) FROM runs")
		before=$(runs_digest "$DB" "$base")
		"$TB" runs --db "$DB" import "$T/big.json" >/dev/null 2>&1 &
		pid=$!
		# Kill it once it is saving: as soon as a run more than before is visible (WAL: this
		# reader does not block the writer), at most 10 s from now.
		k=0
		while [ $k -lt 1000 ]; do
			now=$(q "$DB" "SELECT count(*) FROM runs WHERE id > $base" 2>/dev/null)
			[ -n "$now" ] && [ "$now" -gt 0 ] 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.01
			k=$((k + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		integrity_ok "$DB" "SIGKILL round $round"
		[ "$(runs_digest "$DB" "$base")" = "$before" ] ||
			fail "SIGKILL round $round: the runs saved before changed"
		added=$(q "$DB" "SELECT count(*) FROM runs WHERE id > $base")
		partial=$(q "$DB" "SELECT count(*) FROM runs WHERE id > $base AND
			(SELECT count(*) FROM run_seconds WHERE run_id = runs.id) != $SECONDS_PER_RUN")
		[ "$partial" = 0 ] || fail "SIGKILL round $round: $partial runs with part of a timeline"
		[ "$added" -lt 512 ] && killed_mid=$((killed_mid + 1))
		last=$(q "$DB" "SELECT max(id) FROM runs")
		"$TB" runs --db "$DB" show "$last" >/dev/null 2>"$T/err" ||
			fail "SIGKILL round $round: run $last does not load: $(cat "$T/err")"
	done
	[ $killed_mid -ge 1 ] || fail "SIGKILL: every import finished before it was killed"
	echo "SIGKILL during saves: $killed_mid of 3 imports killed mid-way; store intact"
fi

# ---- four processes saving at once ----
DB="$T/four/r.db"
for p in 1 2 3 4; do
	"$TB" runs --db "$DB" import "$T/mid.json" >/dev/null 2>"$T/four.err.$p" &
	eval "pid$p=\$!"
done
for p in 1 2 3 4; do
	eval "wait \$pid$p" || fail "four imports at once: import $p failed: $(cat "$T/four.err.$p")"
done
for p in 1 2 3 4; do
	"$TB" wrk -t1 -c2 -d300ms --db "$DB" --json "$T/four.$p.json" "$URL" >/dev/null 2>"$T/four.werr.$p" &
	eval "pid$p=\$!"
done
for p in 1 2 3 4; do
	eval "wait \$pid$p"
	grep -q "saved to $DB" "$T/four.werr.$p" ||
		fail "four wrk runs at once: run $p not saved: $(cat "$T/four.werr.$p")"
done
if [ "$HAVE_SQLITE" -eq 1 ]; then
	n=$(q "$DB" "SELECT count(*) FROM runs")
	[ "$n" = 260 ] || fail "four processes at once: $n runs stored, want 4 x 64 + 4"
	integrity_ok "$DB" "four processes at once"
fi

# ---- a file that is not a store ----
printf 'notes: not a database, long enough to be mistaken for nothing in particular\n' >"$T/notes.db"
s0=$(sum "$T/notes.db")
wrk_save "$T/notes.db" "$T/notes.json"
expect_fault "not a store" $? "not a tierbench result store" "$T/notes.json"
[ "$(sum "$T/notes.db")" = "$s0" ] || fail "not a store: the file was changed"

# ---- read-only file and directory (as nobody when root: root may write anything) ----
AS=""
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		AS="-"
	fi
fi
# nobody must be able to run the binary (not so in a clone under /root).
[ -n "$AS" ] && [ "$AS" != "-" ] && ! $AS "$TB" --version >/dev/null 2>&1 && AS="--"
if [ "$AS" = "-" ]; then
	skip "read-only file and directory: root without setpriv"
elif [ "$AS" = "--" ]; then
	skip "read-only file and directory: user nobody cannot run $TB"
else
	RO="$T/ro"
	J="$T/ro-json" # where nobody may write the JSON results
	mkdir -m 755 "$RO" "$J"
	[ -n "$AS" ] && chown 65534:65534 "$RO" "$J"
	wrk_save "$RO/r.db" "$RO/first.json" $AS || fail "read-only: first save: $(cat "$T/err")"
	chmod 444 "$RO/r.db"
	s0=$(sum "$RO/r.db")
	wrk_save "$RO/r.db" "$RO/ro-file.json" $AS
	expect_fault "read-only file" $? "(the file is read-only)" "$RO/ro-file.json"
	[ "$(sum "$RO/r.db")" = "$s0" ] || fail "read-only file: the store was changed"
	chmod 644 "$RO/r.db"
	rm -f "$RO/r.db-wal" "$RO/r.db-shm" # what SQLite left from its read-only open
	chmod 555 "$RO"
	wrk_save "$RO/r.db" "$J/ro-dir.json" $AS
	expect_fault "read-only directory" $? "is not writable; the store needs its -wal and -shm" \
		"$J/ro-dir.json"
	[ "$(sum "$RO/r.db")" = "$s0" ] || fail "read-only directory: the store was changed"
	wrk_save "$RO/new.db" "$J/ro-new.json" $AS
	expect_fault "new store in a read-only directory" $? "is not writable" "$J/ro-new.json"
	[ ! -e "$RO/new.db" ] || fail "new store in a read-only directory: a file was created"
	chmod 755 "$RO"
	[ "$HAVE_SQLITE" -eq 1 ] && [ "$(q "$RO/r.db" "SELECT count(*) FROM runs")" != 1 ] &&
		fail "read-only: the first run is gone"
fi

# ---- a full disk ----
FULL="$T/full"
mkdir "$FULL"
if [ "$(id -u)" -ne 0 ]; then
	skip "full disk: mounting a tmpfs needs root"
elif ! mount -t tmpfs -o size=512k tmpfs "$FULL" 2>"$T/mount.err"; then
	skip "full disk: mount -t tmpfs refused here: $(cat "$T/mount.err")"
else
	MOUNTED=$FULL
	wrk_save "$FULL/r.db" "$T/full-first.json" || fail "full disk: first save: $(cat "$T/err")"
	printf '{"earlier": true}\n' >"$FULL/keep.json"
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
	s0=$(sum "$FULL/r.db")
	k0=$(sum "$FULL/keep.json")
	wrk_save "$FULL/r.db" "$T/full.json"
	expect_fault "full disk" $? "No space left on device" "$T/full.json"
	[ "$(sum "$FULL/r.db")" = "$s0" ] || fail "full disk: the store was changed"
	wrk_save "$FULL/new.db" "$T/full-new.json"
	expect_fault "new store on a full disk" $? "No space left on device" "$T/full-new.json"
	[ ! -e "$FULL/new.db" ] || fail "new store on a full disk: an empty file was left behind"
	"$TB" wrk -t1 -c2 -d300ms --no-save --json "$FULL/keep.json" "$URL" >"$T/out" 2>"$T/err"
	grep -q "Requests/sec:" "$T/out" || fail "full disk, --json there: the report was not printed"
	grep -q "JSON result not written: $FULL/keep.json: No space left on device" "$T/err" ||
		fail "full disk, --json there: $(cat "$T/err")"
	[ "$(sum "$FULL/keep.json")" = "$k0" ] || fail "full disk: the earlier JSON file was changed"
	ls "$FULL" | grep -q 'keep.json.tmp' && fail "full disk: a temporary JSON file was left"
	rm -f "$FULL/filler"
	integrity_ok "$FULL/r.db" "full disk"
	wrk_save "$FULL/r.db" "$T/full-again.json" || true
	grep -q "Run 2 saved to $FULL/r.db" "$T/err" ||
		fail "full disk: no save once space was freed: $(cat "$T/err")"
	echo "full disk: refused with ENOSPC, store and JSON intact, saving again once freed"
fi

[ "$FAILS" -eq 0 ] || {
	echo "it_store_faults: $FAILS failure(s)" >&2
	exit 1
}
echo "it_store_faults: ok"
