#!/bin/sh
# rips_higher_dims: rips scales with dims [0, 1, 2] compute, window by
# window, exactly what `tdapipe persistence --window` computes on the same
# points (that CLI is checked against ripser and GUDHI by
# tests/oracle/rips.sh); a threshold is applied (H0 alone with a
# threshold runs the spanning tree, not the engine: the same diagrams, and
# several essential classes); above max_points the
# cloud is subsampled to max-min landmarks, said in the result, and the
# diagram equals GUDHI's on those landmarks.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N=400
"$PY" -c "
import numpy as np
rng = np.random.default_rng(4)
t = rng.uniform(0, 2 * np.pi, $N)
pts = np.stack([np.cos(t), np.sin(t), 0.3 * np.cos(3 * t)], axis=1) + rng.normal(0, 0.05, ($N, 3))
np.savetxt('$T/cloud.csv', pts, delimiter=',', fmt='%.6f')
"
SCALES="scales:
  - {name: full, complex: rips, window: 60, slide: 20, dims: [0, 1, 2]}
  - {name: cut, complex: rips, window: 50, slide: 25, dims: [1], threshold: 0.4}
  - {name: h0cut, complex: rips, window: 50, slide: 25, dims: [0], threshold: 0.2}
  - {name: lm, complex: rips, window: 100, slide: 50, dims: [0, 1], max_points: 30}"
write_config "$T/c.yaml" "{type: file, path: $T/cloud.csv, format: csv}" "$T/out.jsonl"
run_ok "$T/c.yaml" 60 "run"
"$TDAPIPE" persistence --dim 2 --window 60 --slide 20 "$T/cloud.csv" >"$T/full.cli" || die "persistence CLI failed"
"$TDAPIPE" persistence --dim 1 --threshold 0.4 --window 50 --slide 25 "$T/cloud.csv" >"$T/cut.cli" || die "persistence CLI failed"
"$TDAPIPE" persistence --dim 0 --threshold 0.2 --window 50 --slide 25 "$T/cloud.csv" >"$T/h0cut.cli" || die "persistence CLI failed"

"$PY" - "$HERE" "$T" "$N" <<'PYEOF'
import sys
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
from tdpres import *
import numpy as np
T, N = sys.argv[2], int(sys.argv[3])
path = T + "/out.jsonl"
res = defaultdict(dict)
for raw, r in read_jsonl(path):
    res[r["scale"]][r["window"]] = r

def cli(path):
    """WINDOW DIM BIRTH DEATH lines -> {window: {dim: [(b, d)]}} as text."""
    out = defaultdict(lambda: defaultdict(list))
    for line in open(path):
        k, d, b, e = line.split()
        out[int(k)][int(d)].append((b, e))
    return out

def as_text(iv):
    from json import dumps
    return [(dumps(b), "inf" if e is None else dumps(e)) for b, e in iv]

def same(ours, theirs):
    # same doubles: compare as floats parsed from both texts
    a = [(float(b), float(e)) for b, e in ours]
    b = [(float(x), float(y)) for x, y in theirs]
    return a == b

for scale, W, S, dims, cli_path in (("full", 60, 20, (0, 1, 2), T + "/full.cli"),
                                    ("cut", 50, 25, (1,), T + "/cut.cli"),
                                    ("h0cut", 50, 25, (0,), T + "/h0cut.cli")):
    want = cli(cli_path)
    got = res[scale]
    expect(len(got) == n_windows(N, W, S), "%s: %d windows, expected %d" % (scale, len(got), n_windows(N, W, S)))
    for k, r in got.items():
        expect(list(r["diagrams"].keys()) == [str(d) for d in dims], "%s/%d: diagrams %r" % (scale, k, list(r["diagrams"])))
        for d in dims:
            expect(same(as_text(r["diagrams"][str(d)]), want[k][d]),
                   "%s window %d H%d: pipeline %r != persistence CLI %r" % (scale, k, d, r["diagrams"][str(d)][:5], want[k][d][:5]))
    print("# %s: %d windows equal the persistence CLI in dims %s" % (scale, len(got), dims))
ess = [sum(e is None for b, e in r["diagrams"]["0"]) for r in res["h0cut"].values()]
expect(max(ess) > 1, "h0cut: no window with more than one essential class at threshold 0.2: %s" % ess)
h1 = sum(len(r["diagrams"]["1"]) for r in res["full"].values())
expect(h1 > 0, "no H1 class in any window of a noisy circle")

# landmarks: max-min from the window's first point, ties to the lowest index
pts = np.loadtxt(T + "/cloud.csv", delimiter=",")
def maxmin(P, m):
    dist = np.full(len(P), np.inf)
    pick, chosen = 0, []
    for _ in range(m):
        chosen.append(pick)
        dist = np.minimum(dist, ((P - P[pick]) ** 2).sum(axis=1))
        dist[chosen] = -1
        pick = int(np.argmax(dist))
    return P[chosen]
import gudhi
for k, r in res["lm"].items():
    expect(r.get("landmarks") == 30, "lm/%d: landmarks %r, expected 30" % (k, r.get("landmarks")))
    L = maxmin(pts[k * 50:k * 50 + 100], 30)
    st = gudhi.RipsComplex(points=L).create_simplex_tree(max_dimension=2)
    st.persistence()
    for d in (0, 1):
        ref = [tuple(p) for p in st.persistence_intervals_in_dimension(d)]
        ref = [(b, None if np.isinf(e) else e) for b, e in ref]
        expect(same_diagram(r["diagrams"][str(d)], ref),
               "lm window %d H%d: %r != gudhi on the landmarks %r" % (k, d, r["diagrams"][str(d)], ref))
print("# lm: %d windows on 30 landmarks equal GUDHI" % len(res["lm"]))
PYEOF
echo ok
