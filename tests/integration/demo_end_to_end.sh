#!/bin/sh
# demo_end_to_end: the scales of config/demo.yaml on samples/ecg.csv, end to
# end through ingest, every scale worker and publish.
#
# Checks: exit 0; exactly the windows k with k*slide+window <= 108000 for
# every scale; every line valid JSON with the keys of tdapipe-results(5) in
# their order; ids unique; windows in order per scale; first_seq, last_seq,
# start, end, n right; intervals sorted with one essential H0 class; no
# dead letters; and for ~15 random windows per scale, the diagram equals
# GUDHI's on the same window (cubical for sublevel, Rips on the points or on
# the numpy delay embedding), as multisets, 1e-9 relative.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

"$PY" -c 'import gudhi, numpy' 2>/dev/null || { echo "skip: $PY cannot import gudhi and numpy"; exit 77; }

DATA=$TDP_ROOT/samples/ecg.csv
[ -f "$DATA" ] || die "missing $DATA"
{
	echo "instance: $INSTANCE"
	echo "source: {type: file, path: $DATA, format: csv}"
	echo "sink: {type: file, path: $T/results.jsonl, format: jsonl}"
	echo "dead_letter: {type: file, path: $T/dead.jsonl}"
	sed -n '/^scales:/,$p' "$TDP_ROOT/config/demo.yaml"
} >"$T/demo.yaml"

run_ok "$T/demo.yaml" 50 "tdapipe run"
[ ! -s "$T/dead.jsonl" ] || die "dead letters on the clean sample: $(head -n 3 "$T/dead.jsonl")"
[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "segment left behind after a clean exit"
[ ! -s "$T/run.out" ] || die "stdout not empty with a file sink"

"$PY" - "$HERE" "$T/demo.yaml" "$DATA" "$T/results.jsonl" <<'EOF'
import random, re, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
import numpy as np

cfg, data, res = sys.argv[2:5]
scales = {}
for m in re.finditer(r"-\s*\{name:\s*([\w-]+),\s*complex:\s*(\w+),\s*window:\s*(\d+),\s*slide:\s*(\d+)([^\n]*)",
                     open(cfg).read()):
    emb = re.search(r"embed:\s*\{dim:\s*(\d+),\s*lag:\s*(\d+)\}", m.group(5))
    scales[m.group(1)] = dict(complex=m.group(2), W=int(m.group(3)), S=int(m.group(4)),
                              embed=(int(emb.group(1)), int(emb.group(2))) if emb else None)
expect(len(scales) >= 3, "could not read the demo's scales: %r" % scales)
x = np.loadtxt(data, dtype=float)
N = len(x)
expect(N == 108000, "sample has %d points" % N)

groups = check_results(res, {k: (v["W"], v["S"]) for k, v in scales.items()})
rng = random.Random(1234)
checked = 0
for name, sc in sorted(scales.items()):
    W, S = sc["W"], sc["S"]
    rs = groups.get(("default", name), [])
    want = n_windows(N, W, S)
    expect(len(rs) == want, "scale %s: %d results, expected %d" % (name, len(rs), want))
    expect([r["window"] for r in rs] == list(range(want)), "scale %s: windows not 0..%d in order" % (name, want - 1))
    for r in rs:
        k = r["window"]
        expect(r["n"] == W and "lost" not in r, "%s: n=%r" % (r["id"], r["n"]))
        expect(float(r["start"]) == k * S and float(r["end"]) == k * S + W - 1,
               "%s: start/end %r/%r without times" % (r["id"], r["start"], r["end"]))
    for r in rng.sample(rs, min(15, len(rs))) + [rs[0], rs[-1]]:
        k = r["window"]
        win = x[k * S: k * S + W]
        ref = reference_diagram(win, sc["complex"], sc["embed"])
        ours = [tuple(p) for p in r["diagrams"]["0"]]
        expect(same_diagram(ours, ref),
               "%s: diagram differs from GUDHI\n  ours: %s\n  gudhi: %s" % (r["id"], clean(ours)[:20], clean(ref)[:20]))
        checked += 1
print("# %d results checked, %d diagrams against GUDHI" % (sum(len(v) for v in groups.values()), checked))
EOF
echo "ok"
