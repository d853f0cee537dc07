#!/usr/bin/env bash
# bench/store.sh: the result store's costs for the README's "Measured" table (bench/store.c):
# insert, load and list times, file size per run, serialized sizes, run JSON size, for a
# 60-second, 1.2-million-request run with a latency histogram per second.
#
# usage: bench/store.sh [RUNS]   (runs stored and loaded; default 100)
set -euo pipefail
cd "$(dirname "$0")/.."

make -s all >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I. -o "$TMP/store" bench/store.c build/db/db.o build/common/*.o \
	build/reports/*.o $(pkg-config --libs sqlite3 libcjson) -lm -lpthread
"$TMP/store" "$@"
