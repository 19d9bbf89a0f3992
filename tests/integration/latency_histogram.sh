#!/bin/sh
# latency_histogram: point-to-publish latency per scale, and the table of
# each stream's latest result (tdapipe-stats(1), HISTOGRAMS;
# publish/observe.c).
#
# Three streams through a sublevel scale with anomaly scores and a Rips
# scale (H0, H1).  The first part of the points goes through; then publish
# gets SIGSTOP for 1.5 s (under the heartbeat timeout) while the second
# part is fed: those windows are completed by points read while publish is
# stopped, so their latency, which runs from ingest's read to publish's
# write, is over 1 s; measured from the other end (publish's read of the
# result) it would not be.  Checks, with the input still open (stats read
# before the run ends):
#   - each scale's histogram counts exactly the results published for it
#     (the lines of the results file), the first part's before the stop
#     too, and none of those over 1 s cannot be required on a shared
#     machine, but most of the second part's must be: buckets >= 30
#     ((2^30, 2^31] ns and above) hold at least half of them, and the p999
#     is at least 2^31 ns;
#   - the latest-result table (tests/tools/latest_dump) has, for every
#     (scale, stream), the last result of that stream in the results file:
#     its window, and per dimension the finite intervals of positive length,
#     the essential ones and their total persistence computed from its
#     diagrams (exactly: the same sums in the same order), and its score.
# Then the input closes and the run must exit 0 with nothing restarted.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N1=3000
N2=3000

"$PY" - "$T" "$N1" "$N2" <<'EOF'
import math, random, sys
t, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(21)
rows = ["%s,%r" % (s, round(math.sin(i * 0.05 * (k + 1)) + r.uniform(-0.3, 0.3), 6))
        for i in range(n1 + n2) for k, s in enumerate(("s0", "s1", "s2"))]
open(t + "/part1.csv", "w").write("".join(x + "\n" for x in rows[:3 * n1]))
open(t + "/part2.csv", "w").write("".join(x + "\n" for x in rows[3 * n1:]))
EOF
cat >"$T/l.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: csv, stream_column: 0}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
scales:
  - {name: sub, complex: sublevel, window: 100, slide: 20, anomaly: {signal: total, history: 5, threshold: 3}}
  - {name: loop, complex: rips, window: 40, slide: 20, dims: [0, 1]}
EOF
# complete windows per stream of N points, summed over the 3 streams
wins() { echo $(( 3 * ( ($1 - 100) / 20 + 1 ) )) $(( 3 * ( ($1 - 40) / 20 + 1 ) )); }
set -- $(wins $N1); W1SUB=$1 W1LOOP=$2
set -- $(wins $((N1 + N2))); WSUB=$1 WLOOP=$2

start_run_fifo "$T/l.yaml"
feed "$T/part1.csv"
wait_stats 30 "proc(s, 'publish')['records_out'] == $W1SUB + $W1LOOP and ring(s, 'out', 'sub')['used'] == 0 and ring(s, 'out', 'loop')['used'] == 0"
stats_json >"$T/stats1.json" || die "stats --json failed"

PUB=$(stats_get proc:publish:-:pid)
kill -STOP "$PUB"
feed "$T/part2.csv"
sleep 1.5
kill -CONT "$PUB"
wait_stats 30 "proc(s, 'publish')['records_out'] == $WSUB + $WLOOP and ring(s, 'out', 'sub')['used'] == 0 and ring(s, 'out', 'loop')['used'] == 0"
stats_json >"$T/stats2.json" || die "stats --json failed"
"$BUILD/tools/latest_dump" "$INSTANCE" >"$T/latest.jsonl" || die "latest_dump failed"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }

"$PY" - "$HERE" "$T" "$W1SUB $W1LOOP $WSUB $WLOOP" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
t = sys.argv[2]
w1sub, w1loop, wsub, wloop = map(int, sys.argv[3].split())
lines = [json.loads(x) for x in open(t + "/results.jsonl")]
per_scale = {"sub": sum(1 for r in lines if r["scale"] == "sub"), "loop": sum(1 for r in lines if r["scale"] == "loop")}
expect(per_scale == {"sub": wsub, "loop": wloop}, "results per scale %r, expected %d and %d" % (per_scale, wsub, wloop))

def hist(path, scale):
    s = json.load(open(path))
    return ring(s, "out", scale)["latency_hist"], ring(s, "out", scale)

for scale, first, total in (("sub", w1sub, wsub), ("loop", w1loop, wloop)):
    h1, _ = hist(t + "/stats1.json", scale)
    h2, r2 = hist(t + "/stats2.json", scale)
    expect(sum(h1) == first, "%s: %d latencies after the first part, %d results published" % (scale, sum(h1), first))
    expect(sum(h2) == total, "%s: %d latencies at the end, %d results published" % (scale, sum(h2), total))
    slow = sum(h2[30:]) - sum(h1[30:])
    expect(slow * 2 >= total - first,
           "%s: %d of the %d results written after publish's 1.5 s stop took over 2^30 ns: %r"
           % (scale, slow, total - first, h2))
    expect(r2["latency_p999_ns"] >= 2 << 30, "%s: p999 %d ns with a 1.5 s stop" % (scale, r2["latency_p999_ns"]))
    print("# %s: %d results, %d over 1.07 s; p50 %d p99 %d p999 %d ns"
          % (scale, total, sum(h2[30:]), r2["latency_p50_ns"], r2["latency_p99_ns"], r2["latency_p999_ns"]))

last = {}
for r in lines:
    last[(r["scale"], r["stream"])] = r
latest = {(e["scale"], e["stream"]): e for e in map(json.loads, open(t + "/latest.jsonl"))}
expect(sorted(latest) == sorted(last), "latest entries %s, streams in the results %s" % (sorted(latest), sorted(last)))
for key, r in last.items():
    e = latest[key]
    expect(e["window"] == r["window"], "%s: latest window %r, last result's %r" % (key, e["window"], r["window"]))
    expect(e["end"] == r["end"], "%s: latest end %r, last result's %r" % (key, e["end"], r["end"]))
    for d in range(4):
        iv = r["diagrams"].get(str(d), [])
        count = sum(1 for b, x in iv if x is not None and x > b)
        essential = sum(1 for b, x in iv if x is None)
        total = 0.0
        for b, x in iv:
            if x is not None:
                total += x - b
        got = (e["count"][d], e["essential"][d], e["total"][d])
        expect(got == (count, essential, total), "%s H%d: latest (count, essential, total) %r, result %r"
               % (key, d, got, (count, essential, total)))
        expect(bool(e["dims_mask"] >> d & 1) == (str(d) in r["diagrams"]), "%s: dims_mask %d" % (key, e["dims_mask"]))
    if key[0] == "sub":
        expect("score" in r and e["score"] == r["score"], "%s: latest score %r, result %r" % (key, e["score"], r.get("score")))
        expect(e["scored"] == (r["score"] is not None), "%s: scored %r, score %r" % (key, e["scored"], r["score"]))
    else:
        expect(not e["scored"] and "score" not in r, "%s: a score without anomaly: %r" % (key, e))
print("# latest table: %d entries equal to each stream's last result" % len(latest))
EOF
