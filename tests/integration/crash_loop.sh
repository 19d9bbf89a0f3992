#!/bin/sh
# crash_loop: a scale worker that keeps dying is marked failed, and only it.
#
# With supervisor {restart_limit: 3, restart_window: 30} the test kills the
# victim with SIGKILL each time it runs again (at most 6 kills): it must be
# restarted exactly 3 times and marked failed at the 4th death, within the
# window (tdapipe-run(1), Crash loops).  Checks: stats --json show it
# "failed" with restarts 3, hangs 0, pid 0, last_exit "signal 9", and the
# give-up is logged; the rest of the input is then fed, more than the
# victim's ring holds: ingest does not stall on the failed scale (its
# ring counts the points as overflow, pushed + overflow = every point),
# the other scale takes every point and its results are complete and
# byte-identical to a clean run's; the victim's results are exactly the
# clean run's for the points it took before the loop (the windows of the
# first part of the input); `tdapipe run` exits 1 and logs that processes
# failed.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ALLOW_RESTARTS=1   # the victim is killed on purpose
N1=10000
N2=20000
N=$((N1 + N2))

"$PY" -c "
import math
with open('$T/points.csv', 'w') as f:
    for i in range($N): f.write('%r\n' % round(math.sin(i * 0.05) * 10, 3))
"
head -n "$N1" "$T/points.csv" >"$T/part1.csv"
tail -n "+$((N1 + 1))" "$T/points.csv" >"$T/part2.csv"
SCALES="scales:
  - {name: victim, complex: sublevel, window: 200, slide: 100, ring: 1024}
  - {name: steady, complex: rips, window: 100, slide: 50}
supervisor: {restart_limit: 3, restart_window: 30, backoff_min: 20, backoff_max: 80}"
write_config "$T/loop.yaml" "{type: stdin, format: csv}" "$T/loop.jsonl"
SCALES="scales:
  - {name: victim, complex: sublevel, window: 200, slide: 100, ring: 1024}
  - {name: steady, complex: rips, window: 100, slide: 50}"
write_config "$T/clean.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"

start_run_fifo "$T/loop.yaml"
feed "$T/part1.csv"
wait_stats 30 "all(proc(s, 'scaled', n)['records_in'] == $N1 for n in ('victim', 'steady'))"

"$PY" - "$HERE" "$TDAPIPE" "$INSTANCE" "$T/kills" <<'EOF'
import os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from tdpres import *
tdapipe, inst = sys.argv[2], sys.argv[3]
start = time.monotonic()
kills, last = 0, 0
while True:
    s = stats_of(tdapipe, inst)
    expect(s is not None, "instance gone during the crash loop")
    v = proc(s, "scaled", "victim")
    if v["state"] == "failed":
        break
    expect(time.monotonic() - start < 20, "victim not failed 20 s after the first kill: %r" % v)
    if v["state"] == "running" and v["pid"] > 0 and v["pid"] != last:
        expect(kills < 6, "victim still restarted after %d kills with restart_limit 3: %r" % (kills, v))
        os.kill(v["pid"], signal.SIGKILL)
        kills += 1
        last = v["pid"]
    time.sleep(0.01)
elapsed = time.monotonic() - start
expect(kills == 4, "victim failed after %d kills, expected 4 (3 restarts, then given up)" % kills)
expect(v["restarts"] == 3 and v["hangs"] == 0 and v["pid"] == 0 and v["last_exit"] == "signal 9",
       "failed victim: %r" % v)
expect(elapsed < 30, "the four deaths took %.1f s, more than restart_window" % elapsed)
for p in s["processes"]:
    if p["scale"] != "victim":
        expect(p["state"] == "running" and p["restarts"] == 0, "%s %s disturbed: %r" % (p["role"], p["scale"], p))
open(sys.argv[4], "w").write("%d %.1f" % (kills, elapsed))
EOF
grep -q "scaled\[victim\] killed by signal 9 .*; 3 restarts in 30 s: giving up on it" "$T/run.err" ||
	{ cat "$T/run.err" >&2; die "the give-up was not logged"; }

# The rest of the input goes past the failed scale's full ring.
feed "$T/part2.csv"
wait_stats 30 "proc(s, 'ingest')['records_out'] == $N and proc(s, 'scaled', 'steady')['records_in'] == $N"
stats_json >"$T/stats.json"
close_input 30
wait_run 60
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "run with a failed worker exited $RUN_RC, expected 1"; }
grep -q "finished: some processes failed" "$T/run.err" || { cat "$T/run.err" >&2; die "no failed finish logged"; }
run_ok "$T/clean.yaml" 60 "clean run"

"$PY" - "$HERE" "$T/stats.json" "$N" "$(cat "$T/kills")" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
s, N = json.load(open(sys.argv[2])), int(sys.argv[3])
kills, secs = sys.argv[4].split()
v = proc(s, "scaled", "victim")
expect(v["state"] == "failed" and v["restarts"] == 3, "victim once the input was in: %r" % v)
vr = ring(s, "in", "victim")
expect(vr["overflow"] > 0 and vr["pushed"] + vr["overflow"] == N,
       "in[victim] of the failed scale: pushed %d + overflow %d, expected %d points" % (vr["pushed"], vr["overflow"], N))
st = ring(s, "in", "steady")
expect(st["pushed"] == N and st["overflow"] == 0, "in[steady]: %r" % st)
print("# crash loop: victim killed %s times in %s s, restarted 3, then failed; in[victim] overflow %d; run exit 1"
      % (kills, secs, vr["overflow"]))
EOF
# steady complete and identical to the clean run; the failed victim, the
# clean run's windows of the points before its crash loop
check_results "$T/loop.jsonl" victim:200:100 steady:100:50 --points "$N" --cut "victim=$N1" --same-as "$T/clean.jsonl"
echo "ok"
