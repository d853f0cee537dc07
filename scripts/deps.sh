#!/bin/sh
# Installs the Debian packages tierbench builds and tests with, only when one is missing.
# Called by `make deps` (and so by `make run` / `make test`); uses sudo when not root.
# Extra package names as arguments are installed too (`make fuzz` asks for clang's).
set -eu
pkgs="build-essential pkg-config libcivetweb-dev libncurses-dev libsqlite3-dev
libcurl4-openssl-dev libcjson-dev check libhttp-parser-dev zlib1g-dev curl tmux $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
