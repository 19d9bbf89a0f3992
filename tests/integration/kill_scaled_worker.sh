#!/bin/sh
# kill_scaled_worker: SIGKILL of one scale worker while results flow.
#
# The supervisor restarts it (stats: restarts >= 1, last_exit "signal 9";
# the restart is logged on stderr); while it is dead the other scales keep
# producing (their window counts grow between two stats samples taken
# during the backoff); every scale's output, the killed one's included, is
# complete and byte-identical to a clean run's (the restarted worker goes
# on from the window state it finds in the segment: nothing lost, nothing
# twice); the run exits 0.
#
# Points are integers in [0, 15] so that the diagrams stay small while the
# Rips windows still cost O(window^2).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ALLOW_RESTARTS=1   # this test kills processes on purpose
N=${KILL_TEST_POINTS:-250000}

walk_csv "$T/points.csv" "$N" 5
SCALES="scales:
  - {name: slow, complex: rips, window: 300, slide: 10}
  - {name: victim, complex: sublevel, window: 500, slide: 250}
  - {name: mid, complex: rips, window: 100, slide: 50, embed: {dim: 2, lag: 1}}"
write_config "$T/kill.yaml" "{type: stdin, format: csv}" "$T/kill.jsonl"
write_config "$T/clean.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"

start_run_fifo "$T/kill.yaml"
feed "$T/points.csv"
# Results flowing, and most of the work still ahead.
wait_stats 20 "proc(s, 'scaled', 'slow')['windows'] >= 200 and proc(s, 'scaled', 'victim')['windows'] >= 2"

# Kill the victim; sample the stats until it runs again.  If the backoff
# was too short to see the others progress in it, kill it again (the
# backoff doubles: 100, 200, 400 ms).
"$PY" - "$HERE" "$TDAPIPE" "$INSTANCE" <<'EOF'
import os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from tdpres import *
tdapipe, inst = sys.argv[2], sys.argv[3]
others = ("slow", "mid")
for attempt in range(1, 4):
    s = stats_of(tdapipe, inst)
    v = proc(s, "scaled", "victim")
    expect(v["state"] == "running" and v["pid"] > 0, "victim not running before kill %d: %r" % (attempt, v))
    expect(proc(s, "scaled", "slow")["state"] == "running", "the slow scale finished before kill %d" % attempt)
    os.kill(v["pid"], signal.SIGKILL)
    print("# kill %d: victim pid %d" % (attempt, v["pid"]))
    backoff = []
    end = time.monotonic() + 15
    while True:
        s = stats_of(tdapipe, inst)
        expect(s is not None, "instance gone while the victim was restarting")
        v = proc(s, "scaled", "victim")
        if v["state"] == "backoff":
            backoff.append({n: proc(s, "scaled", n)["windows"] for n in others})
        if v["state"] == "running" and v["restarts"] >= attempt:
            break
        expect(v["state"] in ("running", "backoff"), "victim in state %r after the kill" % v["state"])
        expect(time.monotonic() < end, "victim not restarted within 15 s: %r" % v)
        time.sleep(0.005)
    expect(v["last_exit"] == "signal 9", "victim last_exit %r, expected \"signal 9\"" % v["last_exit"])
    expect(v["restarts"] == attempt, "victim restarts %r after kill %d" % (v["restarts"], attempt))
    print("# kill %d: %d stats samples during the backoff: %s" % (attempt, len(backoff), backoff[:1] + backoff[-1:]))
    if len(backoff) >= 2:
        for n in others:
            expect(backoff[-1][n] > backoff[0][n],
                   "scale %s made no progress while the victim was dead: %r" % (n, backoff))
        break
else:
    fail("never caught two stats samples during a backoff (stats too slow?)")
for n in others:
    p = proc(s, "scaled", n)
    expect(p["restarts"] == 0 and p["state"] == "running", "scale %s disturbed: %r" % (n, p))
EOF

grep -q "scaled\[victim\] killed by signal 9" "$T/run.err" || die "no restart logged: $(cat "$T/run.err")"
grep -q "restart 1 in" "$T/run.err" || die "no restart logged: $(cat "$T/run.err")"
close_input 60
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run with a killed worker exited $RUN_RC"; }

run_ok "$T/clean.yaml" 60 "clean run"

check_results "$T/kill.jsonl" slow:300:10 victim:500:250 mid:100:50 --points "$N" --same-as "$T/clean.jsonl"
! grep -q '"lost":' "$T/kill.jsonl" || die "$(grep -c '"lost":' "$T/kill.jsonl") results report lost points"
note "every scale identical to the clean run, the killed one included; no result reports lost points"
echo "ok"
