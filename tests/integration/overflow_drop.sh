#!/bin/sh
# overflow_drop: a scale with `overflow: drop` and a tiny ring loses points,
# counts them, says so in its results, and disturbs nobody else.
#
# Points are fed fast through a FIFO kept open, so the counters can be read
# while the instance is up.  Checks: the drop ring's overflow > 0 and
# pushed + overflow == points ingest stamped; the block rings took every
# point (overflow 0); once drained, lost == overflow for the dropping scale
# (its tail included); the dropping scale's results carry "lost" with
# n + lost == window, start/end inside the window, and (tumbling windows,
# N a multiple of the window) their n add up to the points its ring took;
# the block scales' results are complete and equal a clean run's.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
W=2000
N=$((W * 40))

"$PY" -c "
import random
r = random.Random(17)
with open('$T/points.csv', 'w') as f:
    for i in range($N): f.write('%r\n' % r.uniform(0, 100))
"
cat >"$T/drop.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/drop.jsonl}
dead_letter: {type: file, path: $T/dead1.jsonl}
scales:
  - {name: lossy, complex: rips, window: $W, slide: $W, overflow: drop, ring: 16}
  - {name: steady, complex: sublevel, window: 100, slide: 50}
  - {name: careful, complex: rips, window: 64, slide: 32, overflow: block, ring: 1024}
EOF
cat >"$T/clean.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $T/points.csv, format: csv}
sink: {type: file, path: $T/clean.jsonl}
dead_letter: {type: file, path: $T/dead2.jsonl}
scales:
  - {name: steady, complex: sublevel, window: 100, slide: 50}
  - {name: careful, complex: rips, window: 64, slide: 32}
EOF

start_run_fifo "$T/drop.yaml"
feed "$T/points.csv"
# Once its ring is drained and it idles, the dropping worker has counted
# every dropped point lost, the stream's tail included (issue 16: after a
# flood, lost used to stay below overflow by the points dropped after the
# last one it got, until the input ended).
wait_stats 30 "proc(s, 'ingest')['records_out'] == $N and all(r['used'] == 0 for r in s['rings'] if r['ring'] == 'in') and ring(s, 'in', 'lossy')['lost'] == ring(s, 'in', 'lossy')['overflow']"
stats_json >"$T/stats.json"
"$PY" - "$HERE" "$T/stats.json" "$N" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
s, N = json.load(open(sys.argv[2])), int(sys.argv[3])
expect(proc(s, "ingest")["records_out"] == N, "ingest stamped %d points" % proc(s, "ingest")["records_out"])
lossy = ring(s, "in", "lossy")
expect(lossy["capacity"] in (15, 16), "in[lossy] capacity %r for ring: 16" % lossy["capacity"])
expect(lossy["overflow"] > 0, "in[lossy]: no overflow with a 16-slot ring: %r" % lossy)
expect(lossy["pushed"] + lossy["overflow"] == N, "in[lossy]: pushed %d + overflow %d != %d points"
       % (lossy["pushed"], lossy["overflow"], N))
expect(lossy["high_water"] <= lossy["capacity"], "in[lossy] high_water %r" % lossy)
expect(proc(s, "scaled", "lossy")["records_in"] == lossy["pushed"], "scaled[lossy] read %d of %d pushed"
       % (proc(s, "scaled", "lossy")["records_in"], lossy["pushed"]))
for sc in ("steady", "careful"):
    r = ring(s, "in", sc)
    expect(r["overflow"] == 0 and r["pushed"] == N and r["lost"] == 0, "in[%s] (block): %r" % (sc, r))
for p in s["processes"]:
    expect(p["state"] == "running" and p["restarts"] == 0, "%s %s: %r" % (p["role"], p["scale"], p))
open(sys.argv[2] + ".pushed", "w").write("%d %d %d" % (lossy["pushed"], lossy["overflow"], lossy["lost"]))
print("# in[lossy]: %d pushed, %d overflow, %d lost so far" % (lossy["pushed"], lossy["overflow"], lossy["lost"]))
EOF
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
run_ok "$T/clean.yaml" 60 "clean run"

check_results "$T/drop.jsonl" steady:100:50 careful:64:32 --ignore lossy --points "$N" --same-as "$T/clean.jsonl"
"$PY" - "$HERE" "$T/drop.jsonl" "$W" $(cat "$T/stats.json.pushed") <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
got = sys.argv[2]
W, pushed = int(sys.argv[3]), int(sys.argv[4])
overflow, lost = int(sys.argv[5]), int(sys.argv[6])
scales = {"lossy": (W, W), "steady": (100, 50), "careful": (64, 32)}
g = check_results(got, scales)
rs = g.get(("default", "lossy"), [])
expect(rs, "no results at all from the dropping scale")
expect(any("lost" in r for r in rs), "no result of the dropping scale reports lost points")
for r in rs:
    expect(r["first_seq"] <= r["start"] <= r["end"] <= r["last_seq"] and r["end"] - r["start"] + 1 >= r["n"],
           "%s: start %r end %r n %r outside the window" % (r["id"], r["start"], r["end"], r["n"]))
total = sum(r["n"] for r in rs)
expect(total == pushed, "the dropping scale's results hold %d points, its ring took %d (windows %s)"
       % (total, pushed, [r["window"] for r in rs][-3:]))
# The worker counts the points it never got, exactly: from the gaps in
# sequence numbers, and the tail from ingest's committed count once idle.
expect(lost == overflow, "stats: lost %d, overflow %d" % (lost, overflow))
expect(sum(r.get("lost", 0) for r in rs) <= lost, "results report more lost points than the stats")
print("# lossy: %d results holding %d points (%d lost)" % (len(rs), total, sum(r.get("lost", 0) for r in rs)))
EOF
echo "ok"
