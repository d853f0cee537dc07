#!/usr/bin/env bash
# scripts/check-layers.sh: proves the include rules of STYLE.md (Layout) with grep, in well under a
# second: which part may include which library's header, and which other parts' headers. Prints one
# OK line, or one line per violation (file:line: what, and the rule) and exits 1. Run by
# `make check-layers` and CI. tests/ and bench/ (standalone baselines) are exempt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Parts whose headers a part may include besides its own, and then only their public header
# (<part>/<part>.h; every common/ header but a *_int.h). main is main.c.
declare -A MAY=(
    [common]=""
    [db]="common"
    [reports]="common"
    [server]="common"
    [loadgen]="common"
    [console]="common server loadgen"
    [cli]="common db reports server loadgen console"
    [main]="cli"
)
# Headers that other parts may include although they are not named after their part. Empty on
# purpose: STYLE.md says one public header per part; add one here only with the team's consent.
PUBLIC_EXTRA=""

# Sets `owners` to the parts that may include library header $1 (empty: anyone may).
lib_owners() {
    case "$1" in
    civetweb.h) owners="server" ;;
    sqlite3.h | sqlite3ext.h) owners="db" ;;
    sys/epoll.h | http_parser.h) owners="loadgen" ;;
    curses.h | ncurses.h | ncursesw/* | ncurses/* | panel.h | menu.h | form.h | term.h)
        owners="console" ;;
    curl/*) owners="loadgen console" ;;
    *) owners="" ;;
    esac
}

# Every C file that is not exempt, and every include line in them: "file:line:text".
mapfile -t files < <(find . \( -path ./.git -o -path './build*' -o -path ./tests \
    -o -path ./bench \) -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print |
    sed 's|^\./||' | sort)
declare -A INCS # file -> newline-separated "line<TAB>kind<TAB>resolved name" (kind: sys or proj)
re='^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]+)[>"]'
nincs=0
for f in "${files[@]}"; do
    dir=$(dirname "$f")
    INCS[$f]=""
    while IFS= read -r l; do
        [[ $l =~ $re ]] || continue
        line=${BASH_REMATCH[1]} delim=${BASH_REMATCH[2]} name=${BASH_REMATCH[3]}
        kind=sys
        # "x.h" looks next to the including file first, then in -I. (the tree's root); <x/y.h>
        # reaches the tree only through -I.
        if [[ $delim == '"' && -f $dir/$name && $dir != . ]]; then
            name=$(realpath -m --relative-to=. "$dir/$name")
            kind=proj
        elif [[ -f $name ]]; then
            name=$(realpath -m --relative-to=. "$name")
            kind=proj
        fi
        INCS[$f]+="$line"$'\t'"$kind"$'\t'"$name"$'\n'
        nincs=$((nincs + 1))
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f" || true)
done

part_of() { # sets `part`: the folder of a tree file, main for main.c, "" when in no part
    case "$1" in
    main.c) part=main ;;
    */*) part=${1%%/*}; [[ -v MAY[$part] ]] || part="" ;;
    *) part="" ;;
    esac
}

is_public() { # true when header $1 of part $2 may be included by other parts
    case "$1" in
    "$2/$2.h") return 0 ;;
    *_int.h) return 1 ;;
    esac
    [[ $2 == common || " $PUBLIC_EXTRA " == *" $1 "* ]]
}

# The restricted libraries a project header pulls in, through any depth of project headers.
declare -A LIBS_OF VISITING
libs_of() { # sets LIBS_OF[$1]
    local h=$1 out="" line kind name
    [[ -v LIBS_OF[$h] ]] && return
    [[ -v VISITING[$h] ]] && return # an include cycle; the guard stops it in C too
    VISITING[$h]=1
    while IFS=$'\t' read -r line kind name; do
        [[ -n $line ]] || continue
        if [[ $kind == sys ]]; then
            lib_owners "$name"
            [[ -n $owners ]] && out+="$name "
        else
            libs_of "$name"
            out+="${LIBS_OF[$name]:-}"
        fi
    done <<<"${INCS[$h]:-}"
    LIBS_OF[$h]=$out
}

nbad=0
bad() {
    echo "$1"
    nbad=$((nbad + 1))
}

for f in "${files[@]}"; do
    part_of "$f"
    me=$part
    if [[ -z $me ]]; then
        bad "$f: outside every part (tests/ and bench/ are exempt); give it a part or a rule in $0"
        continue
    fi
    label="$me/"
    [[ $me == main ]] && label=main.c
    others=""
    for o in ${MAY[$me]}; do others+=", $o/"; done
    while IFS=$'\t' read -r line kind name; do
        [[ -n $line ]] || continue
        where="$f:$line"
        if [[ $kind == sys ]]; then
            lib_owners "$name"
            if [[ -n $owners && " $owners " != *" $me "* ]]; then
                bad "$where: includes <$name>: only ${owners// //, }/ may"
            fi
            continue
        fi
        part_of "$name"
        them=$part
        if [[ $them == "$me" ]]; then
            continue
        fi
        if [[ -z $them || " ${MAY[$me]} " != *" $them "* ]]; then
            if [[ $me == main ]]; then
                rule="main.c may include only cli/'s public header"
            elif [[ -z $others ]]; then
                rule="$label may include only its own headers"
            else
                rule="$label may include only its own headers and the public ones of ${others#, }"
            fi
            bad "$where: includes \"$name\": $rule"
            continue
        fi
        if ! is_public "$name" "$them"; then
            if [[ $name == *_int.h ]]; then
                why="internal to $them/"
            else
                why="not $them/'s public header"
            fi
            bad "$where: includes \"$name\": $why ($label may include $them/$them.h)"
            continue
        fi
        # An allowed header must not carry a library this part may not include.
        libs_of "$name"
        for lib in ${LIBS_OF[$name]}; do
            lib_owners "$lib"
            if [[ " $owners " != *" $me "* ]]; then
                bad "$where: includes \"$name\", which pulls in <$lib>: only ${owners// //, }/ may"
            fi
        done
    done <<<"${INCS[$f]}"
done

if [[ $nbad -eq 0 ]]; then
    echo "check-layers: OK (${#files[@]} files, $nincs includes)"
    exit 0
fi
echo "check-layers: $nbad violations (${#files[@]} files, $nincs includes)"
exit 1
