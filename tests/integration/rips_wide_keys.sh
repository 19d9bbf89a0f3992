#!/bin/sh
# rips_wide_keys: a rips scale whose window has more points than 64-bit
# simplex keys can number beside their diameters' ranks (2,500 points in
# the plane, dims [0, 1, 2, 3], threshold 0.05: C(2500, 5) ~ 2^49.5
# simplices of H3's cofaces and ~2^14.5 distinct edge lengths) computes
# every dimension, with the engine's 128-bit keys; until issue 25 it was
# published with H3 named under "incomplete" as index_range.  The
# diagrams equal `tdapipe persistence` on the same points, which
# tests/oracle/rips.sh checks against ripser on such a case.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N=2500
"$PY" -c "
import numpy as np
pts = np.random.default_rng(25).random(($N, 2))
np.savetxt('$T/cloud.csv', pts, delimiter=',', fmt='%.9f')
"
SCALES="scales:
  - {name: wide, complex: rips, window: $N, slide: $N, dims: [0, 1, 2, 3], threshold: 0.05}"
write_config "$T/c.yaml" "{type: file, path: $T/cloud.csv, format: csv}" "$T/out.jsonl"
run_ok "$T/c.yaml" 120 "run"
"$TDAPIPE" persistence --dim 3 --threshold 0.05 "$T/cloud.csv" >"$T/cli" || die "persistence CLI failed"

"$PY" - "$HERE" "$T" <<'PYEOF'
import sys
from collections import defaultdict
from json import dumps
sys.path.insert(0, sys.argv[1])
from tdpres import *
T = sys.argv[2]
rs = [r for raw, r in read_jsonl(T + "/out.jsonl")]
expect(len(rs) == 1, "%d results, expected 1" % len(rs))
r = rs[0]
expect("incomplete" not in r, "incomplete: %r" % r.get("incomplete"))
expect(list(r["diagrams"].keys()) == ["0", "1", "2", "3"], "diagrams %r" % list(r["diagrams"]))
want = defaultdict(list)
for line in open(T + "/cli"):
    d, b, e = line.split()
    want[int(d)].append((float(b), float(e)))
for d in range(4):
    got = [(float(b), float("inf") if e is None else float(e)) for b, e in r["diagrams"][str(d)]]
    expect(got == want[d], "H%d: pipeline %r != persistence CLI %r" % (d, got[:5], want[d][:5]))
expect(len(want[1]) > 0 and len(want[2]) + len(want[3]) > 0, "no H1, or no H2 and H3: %r" % {d: len(v) for d, v in want.items()})
print("# window 0: H0..H3 equal the persistence CLI (%s)" % {d: len(v) for d, v in sorted(want.items())})
PYEOF
[ $? -eq 0 ] || die "check failed"
echo ok
