#!/bin/sh
# features_pipeline: the features and distances in published results
# (issue 19) equal python3-gudhi's, recomputed from each result's own
# diagrams and the previous result of its stream
# (tests/oracle/check_features_pipeline.py): three streams of a rounded
# random walk (ties, repeated values, a constant stretch) through a
# sublevel scale, a delay-embedded Rips H0-H1 scale and a sublevel scale
# over event time (1 s / 250 ms), with every feature and every distance
# on.  The same run with a msgpack sink carries the same features;
# `tdapipe persistence --features` on one stream's series prints the same
# features and distances as the pipeline published.
. "$(dirname "$0")/../lib.sh"
"$PY" -c 'import gudhi, numpy, sklearn, ot, msgpack' 2>/dev/null ||
	{ echo "skip: $PY cannot import gudhi, numpy, sklearn, ot and msgpack"; exit 77; }

FEATURES='{summary: true, betti: {range: [-3, 3], resolution: 25}, landscape: {layers: 3, range: [-3, 3], resolution: 20}, silhouette: {range: [-3, 3], resolution: 20, power: 2}, image: {bandwidth: 0.2, resolution: [6, 5], range: [-3, 3, 0, 4]}, distance: [bottleneck, wasserstein1, wasserstein2]}'
FEATURES_JSON='{"summary": true, "betti": {"range": [-3, 3], "resolution": 25}, "landscape": {"layers": 3, "range": [-3, 3], "resolution": 20}, "silhouette": {"range": [-3, 3], "resolution": 20, "power": 2}, "image": {"bandwidth": 0.2, "resolution": [6, 5], "range": [-3, 3, 0, 4]}, "distance": ["bottleneck", "wasserstein1", "wasserstein2"]}'

"$PY" - "$T" <<'EOF_PY'
import random, sys
t = sys.argv[1]
r = random.Random(19)
with open(t + "/in.csv", "w") as f, open(t + "/a.txt", "w") as a:
    x = {"a": 0.0, "b": 0.0, "c": 0.0}
    for i in range(900):
        for s in "abc":
            if s == "c" and 300 <= i < 360:
                v = 1.0                      # a constant stretch: empty and one-point diagrams
            else:
                x[s] = max(-2.5, min(2.5, x[s] + r.choice((-0.3, -0.1, 0.0, 0.1, 0.3))))
                v = round(x[s], 1)
            f.write("%s,%d,%r\n" % (s, 1796526000000 + 10 * i, v))   # 100 points per second
            if s == "a":
                a.write("%r\n" % v)
EOF_PY
SCALES="scales:
  - {name: sub, complex: sublevel, window: 100, slide: 25, features: $FEATURES}
  - {name: rips, complex: rips, window: 40, slide: 10, dims: [0, 1], embed: {dim: 2, lag: 3}, features: $FEATURES}
  - {name: tsub, complex: sublevel, window: 1s, slide: 250ms, max_window_points: 200, features: $FEATURES}"
write_config "$T/c.yaml" "{type: file, path: $T/in.csv, format: csv, stream_column: 0, time_column: 1, time_unit: ms}" "$T/out.jsonl"
run_ok "$T/c.yaml" 120
[ -s "$T/out.jsonl" ] || die "no results"
"$PY" "$TDP_ROOT/tests/oracle/check_features_pipeline.py" "$T/out.jsonl" "$FEATURES_JSON" || die "features differ from GUDHI's"

# The same numbers in msgpack.
sed "s|$T/out.jsonl|$T/out.msgpack|; s|path: $T/out.msgpack}|path: $T/out.msgpack, format: msgpack}|" "$T/c.yaml" >"$T/m.yaml"
rm -f "/dev/shm/tdapipe-$INSTANCE"
run_ok "$T/m.yaml" 120
"$PY" - "$T/out.jsonl" "$T/out.msgpack" <<'EOF_PY' || die "msgpack features differ from JSON's"
import json, sys, msgpack
js = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
n = 0
with open(sys.argv[2], "rb") as f:
    for m in msgpack.Unpacker(f, raw=False):
        j = js.pop(m["id"])
        for k in ("features", "distance"):
            if j.get(k) != m.get(k):
                sys.exit("%s: %s differs: %r vs %r" % (m["id"], k, str(j.get(k))[:200], str(m.get(k))[:200]))
        n += 1
if js:
    sys.exit("%d results only in JSON" % len(js))
print("# msgpack: %d results with the same features and distances" % n)
EOF_PY

# tdapipe persistence --features on stream a's series: the same lines.
echo "$FEATURES" >"$T/f.yaml"
"$TDAPIPE" persistence --complex sublevel --window 100 --slide 25 --features "$T/f.yaml" "$T/a.txt" >"$T/cli.jsonl" ||
	die "tdapipe persistence --features failed"
"$PY" - "$T/out.jsonl" "$T/cli.jsonl" <<'EOF_PY' || die "tdapipe persistence --features differs from the pipeline"
import json, sys
pipe = {r["window"]: r for r in map(json.loads, open(sys.argv[1])) if r["stream"] == "a" and r["scale"] == "sub"}
n = 0
for line in open(sys.argv[2]):
    c = json.loads(line)
    p = pipe.pop(c["window"])
    for k in ("features", "distance"):
        if c.get(k) != p.get(k):
            sys.exit("window %d: %s differs" % (c["window"], k))
    n += 1
if pipe or n == 0:
    sys.exit("windows only in the pipeline: %s" % sorted(pipe)[:5])
print("# tdapipe persistence --features: %d windows equal to the pipeline's" % n)
EOF_PY
note "features pipeline: ok"
