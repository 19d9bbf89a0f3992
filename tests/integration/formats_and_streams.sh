#!/bin/sh
# formats_and_streams: the same records as JSON Lines, msgpack and CSV
# (stream_column, time_column, header) give the same results.
#
# Three streams (one with a non-ASCII name) interleaved at random, each
# point with an event time "t".  Per stream and scale the result lines are
# byte-identical across the three input formats; each stream has exactly
# its complete windows; "start"/"end" are the times of the window's first
# and last point; and a msgpack sink holds the same maps, with the same key
# order, as the jsonl sink (floats as floats, essential deaths nil).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

"$PY" -c 'import msgpack' 2>/dev/null || { echo "skip: $PY cannot import msgpack (apt-get install python3-msgpack)"; exit 77; }

"$PY" - "$T" <<'EOF'
import json, math, random, sys
import msgpack
T = sys.argv[1]
# Times exact in binary and in short decimals: msgpack floats are read
# from their binary value, JSON numbers from their digits (tdapipe.yaml(5)).
r = random.Random(21)
streams = {
    "s1": (600, lambda i: 1000.5 + i * 0.25, lambda i: math.sin(i * 0.2) + r.gauss(0, 0.05)),
    "s-2": (450, lambda i: -50 + i * 1.125, lambda i: float(r.randint(-3, 3))),
    "zeta_\u00fc": (520, lambda i: 1.7e9 + i * 0.125, lambda i: r.gauss(0, 1) * 1e-3),
}
recs = {s: [(s, t(i), v(i)) for i in range(n)] for s, (n, t, v) in streams.items()}
order = [s for s, (n, _, _) in streams.items() for _ in range(n)]
r.shuffle(order)
pos = dict.fromkeys(streams, 0)
seq = []
for s in order:
    seq.append(recs[s][pos[s]])
    pos[s] += 1
with open(T + "/in.jsonl", "w", encoding="utf-8") as f:
    for s, t, v in seq:
        kv = [('"stream"', json.dumps(s, ensure_ascii=r.random() < 0.5)), ('"t"', repr(t)),
              ('"v"', repr(v) if r.random() < 0.7 else "[%r]" % v)]
        r.shuffle(kv)
        f.write("{" + ", ".join("%s: %s" % p for p in kv) + "}\n")
with open(T + "/in.msgpack", "wb") as f:
    for s, t, v in seq:
        m = {"stream": s, "t": t, "v": v if r.random() < 0.7 else [v]}
        if r.random() < 0.5:
            m = dict(reversed(list(m.items())))
        f.write(msgpack.packb(m, use_bin_type=True))
with open(T + "/in.csv", "w", encoding="utf-8") as f:
    f.write("time,stream,value\n")
    for s, t, v in seq:
        f.write("%r,%s,%r\n" % (t, s, v))
json.dump({s: [[t, v] for _, t, v in recs[s]] for s in recs}, open(T + "/truth.json", "w"))
EOF

SCALES="scales:
  - {name: lev, complex: sublevel, window: 40, slide: 10}
  - {name: cloud, complex: rips, window: 30, slide: 15}
  - {name: emb, complex: rips, window: 50, slide: 25, embed: {dim: 3, lag: 2}}"
# run NAME SOURCE-KEYS SINK-FORMAT
run() {
	cat >"$T/$1.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $2}
sink: {type: file, path: $T/$1.out, format: $3}
dead_letter: {type: file, path: $T/$1.dl}
$SCALES
EOF
	start_run "$T/$1.yaml"
	wait_run 30
	[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "$1 run exited $RUN_RC"; }
	[ ! -s "$T/$1.dl" ] || die "$1: dead letters: $(head -n 3 "$T/$1.dl")"
}
run jsonl "$T/in.jsonl, format: jsonl" jsonl
run msgpack "$T/in.msgpack, format: msgpack" jsonl
run csv "$T/in.csv, format: csv, stream_column: 1, time_column: 0, header: true" jsonl
run mpsink "$T/in.jsonl, format: jsonl" msgpack
for fmt in msgpack csv; do
	check_results "$T/$fmt.out" lev:40:10 cloud:30:15 emb:50:25 --same-as "$T/jsonl.out" --per-stream
done

"$PY" - "$HERE" "$T" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
import msgpack
T = sys.argv[2]
truth = json.load(open(T + "/truth.json"))
scales = {"lev": (40, 10), "cloud": (30, 15), "emb": (50, 25)}
g = check_results(T + "/jsonl.out", scales)
expect(sorted({k[0] for k in g}) == sorted(truth), "streams %s, expected %s" % (sorted({k[0] for k in g}), sorted(truth)))
for stream, pts in truth.items():
    for sc, (W, S) in scales.items():
        rs = g.get((stream, sc), [])
        expect([r["window"] for r in rs] == list(range(n_windows(len(pts), W, S))),
               "%s/%s: windows %s, expected 0..%d" % (stream, sc, [r["window"] for r in rs][:5], n_windows(len(pts), W, S) - 1))
        for r in rs:
            k = r["window"]
            expect(float(r["start"]) == pts[k * S][0] and float(r["end"]) == pts[k * S + W - 1][0],
                   "%s: start/end %r/%r, expected the times %r/%r" % (r["id"], r["start"], r["end"], pts[k * S][0], pts[k * S + W - 1][0]))
# The msgpack sink: the same maps as the jsonl sink, in the same order.
with open(T + "/mpsink.out", "rb") as f:
    maps = list(msgpack.Unpacker(f, raw=False, strict_map_key=True))
objs = [r for _, r in read_jsonl(T + "/jsonl.out")]
def key(r): return (r["stream"], r["scale"], r["window"])
expect(len(maps) == len(objs), "msgpack sink: %d maps, jsonl sink %d lines" % (len(maps), len(objs)))
jl = {key(r): r for r in objs}
def same(a, b, where):
    if isinstance(b, float) or (isinstance(a, float) and isinstance(b, int)):
        expect(type(a) is float and a == float(b), "%s: %r (%s) vs json %r" % (where, a, type(a).__name__, b))
    elif isinstance(b, dict):
        expect(isinstance(a, dict) and list(a.keys()) == list(b.keys()),
               "%s: keys %r vs %r" % (where, list(a) if isinstance(a, dict) else a, list(b)))
        for k in b:
            same(a[k], b[k], where + "." + k)
    elif isinstance(b, list):
        expect(isinstance(a, list) and len(a) == len(b), "%s: %r vs %r" % (where, a, b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    else:
        expect(a == b and type(a) is type(b), "%s: %r vs json %r" % (where, a, b))
last = {}
for m in maps:
    expect(isinstance(m, dict), "msgpack sink: not a map: %r" % (m,))
    k = key(m)
    expect(k in jl, "msgpack result %r not in the jsonl sink" % (k,))
    expect(last.get(k[:2], -1) < k[2], "msgpack sink: %r out of order" % (k,))
    last[k[:2]] = k[2]
    for f in ("start", "end"):
        expect(type(m[f]) is float, "%s: %s is %s, expected a float 64" % (m["id"], f, type(m[f]).__name__))
    for iv in m["diagrams"]["0"]:
        expect(type(iv[0]) is float and (iv[1] is None or type(iv[1]) is float), "%s: interval %r" % (m["id"], iv))
    same(m, jl[k], m["id"])
print("# %d results: msgpack sink = jsonl sink" % len(objs))
EOF
echo "ok"
