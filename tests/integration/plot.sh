#!/bin/sh
# plot: `tdapipe plot` (issue 26) draws what a pipeline published.
#
# A pipeline of two scales (a sublevel scale with features, distances
# and an anomaly block; a delay-embedded Rips scale with H0 and H1) over
# two streams, written as JSON Lines and as msgpack, then:
# - SVGs well-formed (xmllint); a diagram has one mark per interval of
#   its window (class "iv hD"), per dimension, the diagonal, the line of
#   essential classes and two axes; a barcode one bar per interval,
#   longest first in each dimension; a series one point per window with
#   a value and one mark per anomaly event of its stream and scale;
# - the same SVG bytes from msgpack as from JSON Lines, from standard
#   input as from the file, and from one run to the next;
# - PNGs of the size asked for (the IHDR chunk);
# - golden SVGs of a small fixed input (tests/golden/plot/), byte for
#   byte (GOLDEN_UPDATE=1 rewrites them);
# - a stream, scale, window or dimension not in the file, an unknown
#   feature, a feature the scale lacks: exit 100 and a message naming it.
. "$(dirname "$0")/../lib.sh"
command -v xmllint >/dev/null || { echo "skip: no xmllint (Debian libxml2-utils)"; exit 77; }
GOLD=$TDP_ROOT/tests/golden/plot

"$PY" - "$T" <<'EOF_PY'
import math, random, sys
r = random.Random(26)
with open(sys.argv[1] + "/in.csv", "w") as f:
    for i in range(2400):
        for s in ("a", "b"):
            k = i + (0 if s == "a" else 300)
            v = math.sin(k * 0.15) if k < 1500 else 2.5 * r.random() - 1.25
            f.write("%s,%r\n" % (s, round(v + r.gauss(0, 0.05), 3)))
EOF_PY
SCALES="scales:
  - {name: lev, complex: sublevel, window: 120, slide: 40,
     features: {summary: true, distance: [bottleneck]},
     anomaly: {signal: total, history: 6, threshold: 2}}
  - {name: loop, complex: rips, window: 80, slide: 80, dims: [0, 1], embed: {dim: 2, lag: 10}}"
for fmt in jsonl msgpack; do
	cat >"$T/$fmt.yaml" <<EOC
instance: $INSTANCE
source: {type: file, path: $T/in.csv, format: csv, stream_column: 0}
sink: {type: file, path: $T/out.$fmt, format: $fmt}
events: {type: file, path: $T/events.$fmt, format: $fmt}
dead_letter: {type: file, path: $T/dead}
$SCALES
EOC
	run_ok "$T/$fmt.yaml" 60 "$fmt run"
done
grep -q '"type":"anomaly"' "$T/events.jsonl" || die "the run has no anomaly event to mark"

P() { "$TDAPIPE" plot "$@"; }
P diagram --stream a --scale loop "$T/out.jsonl" -o "$T/diagram.svg"
P diagram --stream b --scale lev --window 3 "$T/out.jsonl" -o "$T/diagram3.svg"
P barcode --stream a --scale loop "$T/out.jsonl" -o "$T/barcode.svg"
P series --stream a --scale lev --events "$T/events.jsonl" "$T/out.jsonl" -o "$T/series.svg"
P series --stream b --scale lev --feature entropy --events "$T/events.jsonl" "$T/out.jsonl" -o "$T/entropy.svg"
P series --stream a --scale lev --feature bottleneck "$T/out.jsonl" -o "$T/bottleneck.svg"
P series --stream a --scale loop --feature betti@0.1 --dim 1 "$T/out.jsonl" -o "$T/betti.svg"
for f in "$T"/*.svg; do
	xmllint --noout "$f" || die "$(basename "$f"): not well-formed XML"
done

"$PY" - "$T" <<'EOF_PY' || die "the plots do not show the results"
import json, math, re, sys
import xml.etree.ElementTree as ET
T = sys.argv[1]
NS = "{http://www.w3.org/2000/svg}"
res = [json.loads(l) for l in open(T + "/out.jsonl")]
ev = [json.loads(l) for l in open(T + "/events.jsonl")]

def marks(path):
    """[(tag, classes, element)] of every element of PATH with a class."""
    out = []
    for e in ET.parse(T + "/" + path).getroot().iter():
        if "class" in e.attrib:
            out.append((e.tag.replace(NS, ""), e.attrib["class"].split(), e))
    return out

def count(ms, cls, tag=None):
    return sum(1 for t, c, _ in ms if cls in c and (tag is None or t == tag))

def window(stream, scale, k=None):
    w = [r for r in res if r["stream"] == stream and r["scale"] == scale]
    return w[-1] if k is None else next(r for r in w if r["window"] == k)

def fail(msg):
    print("FAIL:", msg); sys.exit(1)

for path, r in (("diagram.svg", window("a", "loop")), ("diagram3.svg", window("b", "lev", 3))):
    ms = marks(path)
    for d, iv in r["diagrams"].items():
        got = count(ms, "h" + d, "circle")
        if got != len(iv):
            fail("%s: %d marks of H%s, window %s has %d intervals" % (path, got, d, r["id"], len(iv)))
    if count(ms, "iv") != sum(len(iv) for iv in r["diagrams"].values()):
        fail("%s: %d interval marks in all" % (path, count(ms, "iv")))
    for cls, n in (("diagonal", 1), ("infinity", 1), ("axis", 2)):
        if count(ms, cls) != n:
            fail("%s: %d elements of class %s, expected %d" % (path, count(ms, cls), cls, n))
    if "window %d " % r["window"] not in "".join(e.text or "" for t, c, e in ms if "title" in c):
        fail("%s: the title does not name window %d" % (path, r["window"]))
    # Essential classes sit on the line of infinity, the others below it.
    inf_y = next(float(e.attrib["y1"]) for t, c, e in ms if "infinity" in c)
    ys = [float(e.attrib["cy"]) for t, c, e in ms if "iv" in c]
    ess = sum(1 for iv in r["diagrams"].values() for p in iv if p[1] is None)
    if sum(1 for y in ys if y == inf_y) != ess:
        fail("%s: %d marks on the line of infinity, %d essential classes" % (path, ys.count(inf_y), ess))

r = window("a", "loop")
ms = marks("barcode.svg")
for d, iv in r["diagrams"].items():
    bars = [e for t, c, e in ms if t == "rect" and "h" + d in c]
    if len(bars) != len(iv):
        fail("barcode: %d bars of H%s, %d intervals" % (len(bars), d, len(iv)))
    widths = [float(e.attrib["width"]) for e in bars]
    if widths != sorted(widths, reverse=True):
        fail("barcode: H%s bars not longest first: %r" % (d, widths[:10]))
    lengths = sorted((math.inf if p[1] is None else p[1] - p[0]) for p in iv)[::-1]
    if lengths and lengths[0] == math.inf and widths[0] < max(widths[1:] or [0]):
        fail("barcode: the essential class is not the longest bar")

def series(path, stream, scale, value):
    ms = marks(path)
    w = [r for r in res if r["stream"] == stream and r["scale"] == scale]
    want = sum(1 for r in w if value(r) is not None)
    if count(ms, "pt", "circle") != want:
        fail("%s: %d points, %d windows with a value" % (path, count(ms, "pt", "circle"), want))
    return ms, w

ms, w = series("series.svg", "a", "lev", lambda r: r.get("score"))
an = [e for e in ev if e["type"] == "anomaly" and e["stream"] == "a" and e["scale"] == "lev"]
if count(ms, "event", "line") != len(an) or count(ms, "anomaly", "circle") != len(an):
    fail("series.svg: %d event lines and %d anomaly marks, %d anomaly events" % (
        count(ms, "event"), count(ms, "anomaly"), len(an)))
ms, w = series("entropy.svg", "b", "lev", lambda r: r["features"]["0"]["entropy"])
an = [e for e in ev if e["type"] == "anomaly" and e["stream"] == "b" and e["scale"] == "lev"]
if count(ms, "event", "line") != len(an):
    fail("entropy.svg: %d event lines, %d anomaly events" % (count(ms, "event"), len(an)))
series("bottleneck.svg", "a", "lev", lambda r: r.get("distance", {}).get("0", {}).get("bottleneck"))
series("betti.svg", "a", "loop", lambda r: 1)
print("# %d results, %d anomaly events: marks match" % (len(res), sum(e["type"] == "anomaly" for e in ev)))
EOF_PY

# The same bytes from msgpack, from standard input, and again.
P diagram --stream a --scale loop "$T/out.msgpack" -o "$T/diagram.mp.svg"
cmp -s "$T/diagram.svg" "$T/diagram.mp.svg" || die "the diagram of the msgpack results differs from the JSON Lines one"
P series --stream a --scale lev --events "$T/events.msgpack" "$T/out.msgpack" -o "$T/series.mp.svg"
cmp -s "$T/series.svg" "$T/series.mp.svg" || die "the series of the msgpack results and events differs"
P barcode --stream a --scale loop - <"$T/out.jsonl" >"$T/barcode.stdin.svg"
cmp -s "$T/barcode.svg" "$T/barcode.stdin.svg" || die "the barcode from standard input differs"
P barcode --stream a --scale loop "$T/out.jsonl" -o "$T/barcode.again.svg"
cmp -s "$T/barcode.svg" "$T/barcode.again.svg" || die "two barcodes of the same input differ"

# PNGs of the stated size.
P diagram --stream a --scale loop --size 640x480 "$T/out.jsonl" -o "$T/diagram.png"
P series --stream b --scale lev --size 1000x300 --events "$T/events.jsonl" "$T/out.jsonl" -o "$T/series.png"
P barcode --stream a --scale loop --format png "$T/out.jsonl" >"$T/barcode.png"
for want in diagram.png:640x480 series.png:1000x300 barcode.png:800x600; do
	got=$("$PY" -c '
import struct, sys
d = open(sys.argv[1], "rb").read(33)
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR", "not a PNG"
print("%dx%d" % struct.unpack(">II", d[16:24]))' "$T/${want%%:*}") || die "${want%%:*}: not a PNG"
	[ "$got" = "${want#*:}" ] || die "${want%%:*}: $got, expected ${want#*:}"
done

# Golden files: a small fixed input, byte for byte.
golden() {
	name=$1; shift
	P "$@" "$GOLD/results.jsonl" -o "$T/$name"
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		cp "$T/$name" "$GOLD/$name"
	fi
	cmp -s "$T/$name" "$GOLD/$name" || { diff "$GOLD/$name" "$T/$name" | head -n 20 >&2; die "$name differs from $GOLD/$name"; }
}
golden diagram.svg diagram --stream s
golden barcode.svg barcode --stream s --window 2
golden series.svg series --stream s --feature total --events "$GOLD/events.jsonl"

# Errors: exit 100 and a message that names what is wrong.
refuse() {
	want=$1; shift
	rc=0
	P "$@" >"$T/err.out" 2>"$T/err.txt" || rc=$?
	[ "$rc" -eq 100 ] || die "plot $*: exit $rc, expected 100"
	grep -qF -- "$want" "$T/err.txt" || die "plot $*: message \"$(cat "$T/err.txt")\" lacks \"$want\""
}
refuse 'no results of stream "zz"' diagram --stream zz --scale lev "$T/out.jsonl"
refuse 'no results of scale "zz" for stream "a"' diagram --stream a --scale zz "$T/out.jsonl"
refuse 'no window 9999 of a/lev' diagram --stream a --scale lev --window 9999 "$T/out.jsonl"
refuse 'no window -1 of a/lev' barcode --stream a --scale lev --window -1 "$T/out.msgpack"
refuse 'several streams (a, b): choose one with --stream' diagram "$T/out.jsonl"
refuse 'several scales' diagram --stream a "$T/out.jsonl"
refuse 'no diagram of dimension 1' diagram --stream a --scale lev --dim 1 "$T/out.jsonl"
refuse 'needs an anomaly block' series --stream a --scale loop --feature score "$T/out.jsonl"
refuse 'expected score, total' series --stream a --scale lev --feature nope "$T/out.jsonl"
refuse 'expected diagram, barcode or series' pie "$T/out.jsonl"
refuse "$T/dead: no results" diagram "$T/dead"
printf '{"v":1,"stream":"a"\n' >"$T/broken.jsonl"
refuse 'broken.jsonl:1: not a JSON object' diagram "$T/broken.jsonl"
refuse 'No such file' diagram "$T/missing.jsonl"
note "diagrams, barcodes, series: marks match the results; msgpack = JSON Lines; golden files equal"
