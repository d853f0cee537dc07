#!/bin/sh
# tests/it_html.sh: renders the HTML report with headless Chromium and checks that its charts are
# drawn: data pixels inside every chart's plot frame. The page is tests/data/report_page.html,
# which check_reports_html proves is what reports/html.c writes for its fixed data. A first run
# with a measuring script added reports where each plot frame is laid out; the page itself is
# then screenshot and the PNG read with python3. A copy of the page with the data removed must
# read as blank, so the check can fail. Installs chromium with apt-get when missing and root;
# skips (exit 0, with a message) when it cannot be installed or run. Each Chromium run is killed
# after 60 s. Runs in about 10 s.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAGE="$ROOT/tests/data/report_page.html"
T=$(mktemp -d /tmp/tb-it-html-XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
FAILS=0
fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}
skip() {
	echo "SKIP: it_html: $*"
	exit 0
}

find_chromium() {
	for c in chromium chromium-browser google-chrome; do
		command -v "$c" 2>/dev/null && return 0
	done
	return 1
}

CHROMIUM=$(find_chromium)
if [ -z "$CHROMIUM" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "it_html: installing chromium with apt-get (once per machine)"
	export DEBIAN_FRONTEND=noninteractive
	# The package lists may be missing or stale on a fresh machine: update once and retry.
	timeout 900 apt-get install -y -qq --no-install-recommends chromium >"$T/apt.log" 2>&1 ||
		{ timeout 300 apt-get update -qq >>"$T/apt.log" 2>&1 &&
			timeout 900 apt-get install -y -qq --no-install-recommends chromium \
				>>"$T/apt.log" 2>&1; }
	CHROMIUM=$(find_chromium)
fi
[ -n "$CHROMIUM" ] || skip "no chromium, and it could not be installed (needs root and apt-get)"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to read the screenshots"
[ -f "$PAGE" ] || { echo "FAIL: $PAGE is missing" >&2; exit 1; }

# chrome NAME ARGS...: one headless Chromium run with its own fresh profile. timeout(1) signals
# its whole process group, so the renderer and helper processes go with the browser.
WIDTH=800
chrome() {
	_name=$1
	shift
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --no-first-run --disable-quic \
		--disable-sync --disable-extensions --disable-dev-shm-usage --hide-scrollbars \
		--force-device-scale-factor=1 --user-data-dir="$T/profile-$_name" "$@" 2>"$T/$_name.err"
}

# The page with a script that writes where each plot frame is (CSS pixels, page coordinates)
# and how tall the page is into the body's attributes, for --dump-dom to show. The script does
# not change the layout, so the screenshot of the page itself lines up with it.
python3 - "$PAGE" "$T/measure.html" "$T/blank.html" <<'EOF' || { echo "FAIL: cannot prepare pages" >&2; exit 1; }
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
script = """<script>
var r = [];
document.querySelectorAll("svg.chart").forEach(function (svg) {
  var b = svg.querySelector("rect.plot").getBoundingClientRect();
  r.push([svg.id, Math.round(b.left + scrollX), Math.round(b.top + scrollY),
          Math.round(b.width), Math.round(b.height)].join(","));
});
document.body.setAttribute("data-plots", r.join(";"));
document.body.setAttribute("data-height", document.documentElement.scrollHeight);
</script>
"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", script + "</body>"))
# The same page with every chart's data group emptied: what "not drawn" looks like.
blank, n = re.subn(r'(<g class="data"[^>]*>\n).*?(</g>\n)', r"\1\2", page, flags=re.S)
assert n > 0, "no data groups in the page"
open(sys.argv[3], "w", encoding="utf-8").write(blank)
EOF

chrome measure --window-size=$WIDTH,1000 --dump-dom "file://$T/measure.html" >"$T/dom.html"
rc=$?
if [ $rc -ne 0 ] || ! grep -q 'data-plots="' "$T/dom.html"; then
	# A Chromium that cannot start here (no display libraries, a broken profile) is an
	# environment problem, not the report's: say so and skip.
	why="exit $rc"
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && why="killed after 60 s"
	skip "chromium did not run ($why): $(tail -3 "$T/measure.err" | tr '\n' ' ')"
fi
PLOTS=$(sed -n 's/.*data-plots="\([^"]*\)".*/\1/p' "$T/dom.html" | head -1)
HEIGHT=$(sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' "$T/dom.html" | head -1)
NSVG=$(grep -c '<svg ' "$PAGE")
NPLOTS=$(echo "$PLOTS" | tr ';' '\n' | grep -c .)
[ "$NPLOTS" -eq "$NSVG" ] || fail "measured $NPLOTS plot frames, the page has $NSVG charts"
[ -n "$HEIGHT" ] && [ "$HEIGHT" -gt 0 ] || fail "no page height from the measuring run"
echo "it_html: $NPLOTS charts, page ${WIDTH}x${HEIGHT:-0} px"

# The page as shipped, without the measuring script: it must read with no script at all.
cp "$PAGE" "$T/page.html"
chrome page --window-size=$WIDTH,"${HEIGHT:-4000}" --screenshot="$T/page.png" \
	"file://$T/page.html" >/dev/null
[ -s "$T/page.png" ] || fail "no screenshot of the page: $(tail -3 "$T/page.err" | tr '\n' ' ')"
chrome blank --window-size=$WIDTH,"${HEIGHT:-4000}" --screenshot="$T/blank.png" \
	"file://$T/blank.html" >/dev/null
[ -s "$T/blank.png" ] || fail "no screenshot of the blank page: $(tail -3 "$T/blank.err" | tr '\n' ' ')"

# check_png PNG drawn|blank: every plot frame of PLOTS must hold data pixels (drawn) or none
# (blank). Data pixels are dark (the first series of every chart is black) or blue (the
# second); the red SLO line and its label, the light grid and anti-aliased edges are not. The
# frame itself is left out by looking 3 px inside it.
check_png() {
	python3 - "$1" "$2" "$PLOTS" <<'EOF'
import struct, sys, zlib

path, want, plots = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{path}: not a PNG")
pos, idat = 8, []
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos : pos + 8])
    body = data[pos + 8 : pos + 8 + n]
    pos += 12 + n
    if typ == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif typ == b"IDAT":
        idat.append(body)
if depth != 8 or ctype not in (2, 6) or interlace != 0:
    sys.exit(f"{path}: PNG of depth {depth}, colour type {ctype}: not read here")
bpp = 3 if ctype == 2 else 4
stride = w * bpp
raw = zlib.decompress(b"".join(idat))

rects = []
for item in plots.split(";"):
    name, x, y, rw, rh = item.split(",")
    rects.append((name, int(x), int(y), int(rw), int(rh)))
last_row = min(h, max(y + rh for _, _, y, _, rh in rects))

# PNG row filters (RFC 2083, 6): rows are rebuilt one after another down to the last needed.
rows, prev, i = [], bytearray(stride), 0
for _ in range(last_row):
    f = raw[i]
    line = bytearray(raw[i + 1 : i + 1 + stride])
    i += 1 + stride
    if f == 1:
        for x in range(bpp, stride):
            line[x] = (line[x] + line[x - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
    elif f == 4:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line

bad = 0
for name, x0, y0, rw, rh in rects:
    ink, cols = 0, set()
    for y in range(y0 + 3, min(y0 + rh - 3, len(rows))):
        line = rows[y]
        for x in range(x0 + 3, min(x0 + rw - 3, w)):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            if max(r, g, b) < 110 or b - r > 60:
                ink += 1
                cols.add(x)
    cover = len(cols) / max(1, rw - 6)
    drawn = ink >= 150 and cover >= 0.3
    print(f"  {name}: {ink} data pixels over {cover:.0%} of the plot's width: "
          f"{'drawn' if drawn else 'blank'}")
    if drawn != (want == "drawn"):
        bad += 1
sys.exit(1 if bad else 0)
EOF
}

if [ -s "$T/page.png" ]; then
	echo "it_html: the page"
	check_png "$T/page.png" drawn || fail "a chart of the page is not drawn (see above)"
fi
if [ -s "$T/blank.png" ]; then
	echo "it_html: the page without data (the check must see blank plots)"
	check_png "$T/blank.png" blank || fail "the check sees data where there is none"
fi

if [ "$FAILS" -ne 0 ]; then
	echo "it_html: $FAILS failed"
	exit 1
fi
echo "it_html: OK"
