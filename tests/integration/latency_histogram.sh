#!/bin/sh
# latency_histogram: point-to-publish latency per scale, and the table of
# each stream's latest result (tdapipe-stats(1), HISTOGRAMS;
# publish/observe.c).
#
# Three streams, with event times, through a sublevel scale with anomaly
# scores, a Rips scale (H0, H1) and a time scale (whose windows take the
# read time of the point that moved the watermark past them: the
# windows of the second part are closed by its points too).  The first
# part of the points goes through; then publish
# gets SIGSTOP for 1.5 s (under the heartbeat timeout) while the second
# part is fed: those windows are completed by points read while publish is
# stopped, so their latency, which runs from ingest's read to publish's
# write, is over 1 s; measured from the other end (publish's read of the
# result) it would not be.  Checks, with the input still open (stats read
# before the run ends, once every point is applied and every result
# written):
#   - each scale's histogram counts exactly the results published for it
#     (the lines of the results file then), the first part's before the stop
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
rows = ['{"stream":"%s","t":%d,"v":%r}' % (s, 10 * i, round(math.sin(i * 0.05 * (k + 1)) + r.uniform(-0.3, 0.3), 6))
        for i in range(n1 + n2) for k, s in enumerate(("s0", "s1", "s2"))]
open(t + "/part1.jsonl", "w").write("".join(x + "\n" for x in rows[:3 * n1]))
open(t + "/part2.jsonl", "w").write("".join(x + "\n" for x in rows[3 * n1:]))
EOF
cat >"$T/l.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: jsonl, time_unit: ms}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
events: {type: file, path: $T/events.jsonl}
scales:
  - {name: sub, complex: sublevel, window: 100, slide: 20, anomaly: {signal: total, history: 5, threshold: 3}}
  - {name: loop, complex: rips, window: 40, slide: 20, dims: [0, 1]}
  - {name: tsub, complex: sublevel, window: 1s, slide: 500ms}
EOF
# Every point of N per stream applied by every scale, every result
# emitted written (the out-rings given back after publish's commit).
quiet() {
	echo "(all(proc(s, 'scaled', k)['records_in'] == 3 * $1 and ring(s, 'in', k)['used'] == 0 and
	          ring(s, 'out', k)['used'] == 0 for k in ('sub', 'loop', 'tsub')) and
	       proc(s, 'publish')['records_out'] == sum(r['pushed'] for r in s['rings'] if r['ring'] == 'out'))"
}

start_run_fifo "$T/l.yaml"
feed "$T/part1.jsonl"
wait_stats 30 "$(quiet $N1)"
stats_json >"$T/stats1.json" || die "stats --json failed"
cp "$T/results.jsonl" "$T/results1.jsonl"

PUB=$(stats_get proc:publish:-:pid)
kill -STOP "$PUB"
feed "$T/part2.jsonl"
sleep 1.5
kill -CONT "$PUB"
wait_stats 30 "$(quiet $((N1 + N2)))"
stats_json >"$T/stats2.json" || die "stats --json failed"
cp "$T/results.jsonl" "$T/results2.jsonl"
"$BUILD/tools/latest_dump" "$INSTANCE" >"$T/latest.jsonl" || die "latest_dump failed"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }

"$PY" - "$HERE" "$T" "$N1 $N2" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
t = sys.argv[2]
n1, n2 = map(int, sys.argv[3].split())
scales = ("sub", "loop", "tsub")
def per_scale(path):
    lines = [json.loads(x) for x in open(path)]
    return lines, {k: sum(1 for r in lines if r["scale"] == k) for k in scales}
_, got1 = per_scale(t + "/results1.jsonl")
lines, got2 = per_scale(t + "/results2.jsonl")
wins = lambda n, w, s: 3 * ((n - w) // s + 1)   # complete count windows, 3 streams
expect((got1["sub"], got1["loop"], got2["sub"], got2["loop"]) ==
       (wins(n1, 100, 20), wins(n1, 40, 20), wins(n1 + n2, 100, 20), wins(n1 + n2, 40, 20)),
       "count scales' results %r then %r" % (got1, got2))
expect(got2["tsub"] > got1["tsub"] > 0, "time scale results %d then %d" % (got1["tsub"], got2["tsub"]))

def hist(path, scale):
    s = json.load(open(path))
    return ring(s, "out", scale)["latency_hist"], ring(s, "out", scale)

for scale in scales:
    first, total = got1[scale], got2[scale]
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
    # a time scale's window k is kept biased; ends are event times in ns (the results: ms)
    expect(e["window"] - (1 << 62 if key[0] == "tsub" else 0) == r["window"],
           "%s: latest window %r, last result's %r" % (key, e["window"], r["window"]))
    expect(e["end"] == r["end"] * 1000000, "%s: latest end %r, last result's %r" % (key, e["end"], r["end"]))
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
    if key[0] == "sub":   # the one scale with anomaly
        expect("score" in r and e["score"] == r["score"], "%s: latest score %r, result %r" % (key, e["score"], r.get("score")))
        expect(e["scored"] == (r["score"] is not None), "%s: scored %r, score %r" % (key, e["scored"], r["score"]))
    else:
        expect(not e["scored"] and "score" not in r, "%s: a score without anomaly: %r" % (key, e))
print("# latest table: %d entries equal to each stream's last result" % len(latest))
EOF
