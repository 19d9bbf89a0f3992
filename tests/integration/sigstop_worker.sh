#!/bin/sh
# sigstop_worker: a scale worker that stops beating (SIGSTOP) is found hung,
# killed and restarted by the supervisor (tdapipe-run(1), Hangs).
#
# heartbeat_timeout is 500 ms.  The first half of the points goes through;
# once the victim has taken all of them (idle, nothing in flight) it gets
# SIGSTOP, and the second half is fed: more than its ring holds, so with
# the block policy ingest stalls on it and only the hang kill can let the
# run go on.  Checks: the supervisor logs "scaled[victim] hung: no
# heartbeat for N ms; killing it" with N >= 500, not sooner than the
# timeout after the stop; stats show the victim running again under a new
# pid with hangs 1, restarts 1, last_exit "signal 9", the old pid gone; no
# other process hung or restarted, and the fresh worker is not killed for
# its predecessor's stale heartbeat (restarted workers start through a
# wrapper that waits 250 ms before the exec, so their first beat comes late:
# counted from the stale beat, that start would be a second hang); the run
# exits 0 with every result of a clean run present exactly once and
# byte-identical, the hung scale's too (its windows live in the segment
# and survive the kill).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ALLOW_RESTARTS=1   # the hung worker is restarted on purpose
N1=20000
N2=20000
N=$((N1 + N2))

walk_csv "$T/points.csv" "$N" 11 "(-1, 0, 0, 1)"
head -n "$N1" "$T/points.csv" >"$T/part1.csv"
tail -n "+$((N1 + 1))" "$T/points.csv" >"$T/part2.csv"
SCALES="scales:
  - {name: victim, complex: sublevel, window: 500, slide: 250, ring: 1024}
  - {name: steady, complex: rips, window: 100, slide: 50}
supervisor: {heartbeat_timeout: 500, backoff_min: 50, backoff_max: 200}"
write_config "$T/hang.yaml" "{type: stdin, format: csv}" "$T/hang.jsonl"
SCALES="scales:
  - {name: victim, complex: sublevel, window: 500, slide: 250, ring: 1024}
  - {name: steady, complex: rips, window: 100, slide: 50}"
write_config "$T/clean.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"

# The helpers, with tdapipe-scaled behind a wrapper that starts slowly once
# $T/slow-start exists (the restart).
mkdir "$T/libexec"
ln -s "$BIN/tdapipe-ingest" "$BIN/tdapipe-publish" "$T/libexec/"
cat >"$T/libexec/tdapipe-scaled" <<EOS
#!/bin/sh
[ -f "$T/slow-start" ] && sleep 0.25
exec "$BIN/tdapipe-scaled" "\$@"
EOS
chmod +x "$T/libexec/tdapipe-scaled"
export TDAPIPE_LIBEXEC="$T/libexec"
start_run_fifo "$T/hang.yaml"
unset TDAPIPE_LIBEXEC
feed "$T/part1.csv"
wait_stats 30 "all(proc(s, 'scaled', n)['records_in'] == $N1 for n in ('victim', 'steady')) and ring(s, 'in', 'victim')['used'] == 0"

"$PY" - "$HERE" "$TDAPIPE" "$INSTANCE" "$T" <<'EOF'
import os, signal, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from tdpres import *
tdapipe, inst, T = sys.argv[2], sys.argv[3], sys.argv[4]
s = stats_of(tdapipe, inst)
v = proc(s, "scaled", "victim")
expect(v["state"] == "running" and v["pid"] > 0 and v["hangs"] == 0, "victim before the stop: %r" % v)
old = v["pid"]
open(T + "/slow-start", "w").close()
os.kill(old, signal.SIGSTOP)
stopped = time.monotonic()
print("# SIGSTOP victim pid %d" % old)
# The rest of the input: more than the victim's ring, so ingest blocks on it.
feeder = subprocess.Popen(["sh", "-c", 'cat "$0" >"$1"', T + "/part2.csv", T + "/in.fifo"])
open(T + "/feed2.pid", "w").write(str(feeder.pid))
seen = None
while True:
    s = stats_of(tdapipe, inst)
    expect(s is not None, "instance gone while the victim was stopped")
    v = proc(s, "scaled", "victim")
    if seen is None and v["hangs"] >= 1:
        seen = time.monotonic() - stopped
    if v["hangs"] >= 1 and v["state"] == "running" and v["pid"] not in (0, old):
        break
    expect(time.monotonic() - stopped < 15, "stopped victim not killed and restarted within 15 s: %r" % v)
    time.sleep(0.02)
expect(seen >= 0.35, "victim declared hung %.3f s after SIGSTOP, before the 500 ms heartbeat_timeout" % seen)
try:
    os.kill(old, 0)
    fail("the hung victim (pid %d) is still alive" % old)
except ProcessLookupError:
    pass
expect(v["restarts"] == 1 and v["last_exit"] == "signal 9", "victim after the hang kill: %r" % v)
# The fresh worker beats; its predecessor's stale beat must not get it killed.
time.sleep(1.5)
s = stats_of(tdapipe, inst)
v = proc(s, "scaled", "victim")
expect(v["hangs"] == 1 and v["restarts"] == 1 and v["state"] == "running",
       "victim 1.5 s after its restart: %r" % v)
for p in s["processes"]:
    if p["scale"] != "victim":
        expect(p["hangs"] == 0 and p["restarts"] == 0 and p["state"] == "running",
               "%s %s disturbed: %r" % (p["role"], p["scale"], p))
feeder.wait(timeout=30)
expect(feeder.returncode == 0, "feeding the second half failed")
print("# victim pid %d killed %.2f s after SIGSTOP, running again as pid %d" % (old, seen, v["pid"]))
EOF
rm -f "$T/feed2.pid"

grep -E "scaled\[victim\] hung: no heartbeat for [0-9]+ ms; killing it" "$T/run.err" >"$T/hung.log" ||
	{ cat "$T/run.err" >&2; die "no hang logged"; }
ms=$(sed -n 's/.*no heartbeat for \([0-9]*\) ms.*/\1/p' "$T/hung.log" | head -n 1)
[ "$ms" -ge 500 ] || die "hang logged after $ms ms without a heartbeat, below heartbeat_timeout 500"
[ "$(count_lines "$T/hung.log")" -eq 1 ] || die "more than one hang logged: $(cat "$T/hung.log")"
grep -q "scaled\[victim\] killed by signal 9 .*(hung); restart 1 in" "$T/run.err" ||
	{ cat "$T/run.err" >&2; die "the hang kill's restart was not logged"; }

close_input 30
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run with a hung worker exited $RUN_RC"; }
run_ok "$T/clean.yaml" 60 "clean run"

check_results "$T/hang.jsonl" victim:500:250 steady:100:50 --points "$N" --same-as "$T/clean.jsonl"
echo "ok"
