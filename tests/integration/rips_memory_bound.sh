#!/bin/sh
# rips_memory_bound: a Rips scale never loses a window for memory.
#
# 1. Issue 15's case, as a new user ran it: 6,000 points of SciPy's
#    electrocardiogram()[30000:36000] (samples/ecg.csv holds that record),
#    scaled by 1.5 and shifted by 0.25, one value per line, and the scale
#      {name: loop240, complex: rips, window: 240, slide: 120, dims: [0, 1],
#       embed: {dim: 3, lag: 5}}
#    with memory_mb at its default: all 49 windows are published, complete,
#    and equal Debian's ripser on each window's embedded cloud (7 of them
#    used to be dropped: the engine was capped at a start-time estimate).
# 2. The same points through a scale asking for H0..H3 with memory_mb: 2
#    (the distances fit, H2 and H3 cannot): every window is still
#    published, with its H0 (and H1 where it fit) equal to ripser's and the
#    rest named under "incomplete" as memory_mb, never as an empty diagram;
#    `tdapipe stats` counts exactly those windows, the worker logs them and
#    the supervisor's last line counts them.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

"$PY" - "$TDP_ROOT/samples/ecg.csv" "$T/ecg.txt" <<'EOF'
import sys
x = [float(l) for l in open(sys.argv[1]).read().split()][30000:36000]
try:   # the file is SciPy's record: check it where SciPy is at hand
    import warnings
    warnings.simplefilter("ignore")
    from scipy.misc import electrocardiogram
    assert list(electrocardiogram()[30000:36000]) == x, "samples/ecg.csv is not SciPy's ECG"
except ImportError:
    pass
with open(sys.argv[2], "w") as f:
    for v in x:
        f.write(repr(v * 1.5 + 0.25) + "\n")
EOF
SCALES="scales:
  - {name: loop240, complex: rips, window: 240, slide: 120, dims: [0, 1], embed: {dim: 3, lag: 5}}
  - {name: tight, complex: rips, window: 240, slide: 120, dims: [0, 1, 2, 3], embed: {dim: 3, lag: 5}, memory_mb: 2}"
write_config "$T/c.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"

start_run_fifo "$T/c.yaml"
feed "$T/ecg.txt"
wait_stats 60 "proc(s, 'scaled', 'loop240')['windows'] == 49 and proc(s, 'scaled', 'tight')['windows'] == 49 and proc(s, 'publish')['records_out'] == 98"
stats_json >"$T/stats.json" || die "stats --json failed"
"$TDAPIPE" stats --instance "$INSTANCE" >"$T/stats.txt" || die "stats failed"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }

"$PY" - "$HERE" "$T" <<'EOF'
import json, os, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.join(sys.argv[1], "..", "oracle"))
from tdpres import *
from ripser_ref import run_ripser, same_diagrams, tol_ripser
import numpy as np
T = sys.argv[2]
x = np.loadtxt(T + "/ecg.txt")
res = {"loop240": {}, "tight": {}}
for raw, r in read_jsonl(T + "/out.jsonl"):
    res[r["scale"]][r["window"]] = r
for scale in res:
    expect(sorted(res[scale]) == list(range(49)), "%s: windows %s, expected 0..48" % (scale, sorted(res[scale])))

def reference(k, maxdim):
    pts = delay_embed(x[120 * k:120 * k + 240], 3, 5)
    path = "%s/w%d.csv" % (T, k)
    np.savetxt(path, pts, delimiter=",", fmt="%r")
    return run_ripser(path, maxdim), tol_ripser(float(np.max(np.abs(pts))), 3)

def diagrams(r):
    return {int(d): [(b, np.inf if e is None else e) for b, e in iv] for d, iv in r["diagrams"].items()}

incomplete = 0
for k in range(49):
    ref, tol = reference(k, 1)
    full = res["loop240"][k]
    expect("incomplete" not in full, "loop240/%d: incomplete %r under the default memory_mb" % (k, full.get("incomplete")))
    expect(list(full["diagrams"]) == ["0", "1"], "loop240/%d: diagrams %s" % (k, list(full["diagrams"])))
    diff = same_diagrams(diagrams(full), ref, 1, tol)
    expect(not diff, "loop240 window %d vs ripser: %s" % (k, diff))

    r = res["tight"][k]
    got = list(r["diagrams"])
    miss = r.get("incomplete", {})
    expect(got and got[0] == "0", "tight/%d: no H0 (diagrams %s)" % (k, got))
    expect(sorted(got + list(miss)) == ["0", "1", "2", "3"] and not set(got) & set(miss),
           "tight/%d: diagrams %s and incomplete %s do not split H0..H3" % (k, got, miss))
    expect(set(miss.values()) <= {"memory_mb"}, "tight/%d: reasons %s" % (k, miss))
    expect("2" in miss and "3" in miss, "tight/%d: H2 and H3 computed in 2 MiB? %s" % (k, got))
    # what it did compute is exact: the same diagrams as ripser's
    diff = same_diagrams(diagrams(r), ref, [int(d) for d in got], tol)
    expect(not diff, "tight window %d vs ripser: %s" % (k, diff))
    # the same diagrams as the complete scale, bit for bit, where present
    for d in got:
        expect(r["diagrams"][d] == full["diagrams"][d], "tight/%d H%s differs from loop240's" % (k, d))
    incomplete += bool(miss)
print("# loop240: 49 windows complete, equal to ripser; tight: %d windows incomplete, H0 everywhere" % incomplete)

s = json.load(open(T + "/stats.json"))
for scale, want in (("loop240", 0), ("tight", incomplete)):
    p = proc(s, "scaled", scale)
    expect(p["incomplete"]["memory_mb"] == want and sum(p["incomplete"].values()) == want,
           "stats: %s incomplete %r, expected %d memory_mb" % (scale, p["incomplete"], want))
    expect(p["bad_records"] == 0, "stats: %s bad_records %d" % (scale, p["bad_records"]))
rows = {l.split()[0]: l.split() for l in open(T + "/stats.txt") if l.startswith("scaled[")}
head = next(l for l in open(T + "/stats.txt").read().splitlines() if "INCOMPL" in l).split()
col = head.index("INCOMPL")
expect(rows["scaled[tight]"][col] == str(incomplete) and rows["scaled[loop240]"][col] == "0",
       "stats text INCOMPL column: %s" % rows)
err = open(T + "/run.err").read()
expect("scale tight: window 0 of stream default published without H2, H3: memory_mb (2 MiB) "
       "(1 such window so far" in err, "no log line for the first incomplete window")
expect("(%d without some dimension" % incomplete in err.splitlines()[-1], "last line: %r" % err.splitlines()[-1])
expect("loop240" not in err, "the complete scale logged something")
EOF
echo ok
