#!/bin/sh
# sd_notify: with NOTIFY_SOCKET set (as systemd sets it for a Type=notify
# unit), `tdapipe run` sends READY=1 once every process of the pipeline
# runs, STATUS= lines, WATCHDOG=1 every half of WATCHDOG_USEC when
# WATCHDOG_PID is its pid, and STOPPING=1 when SIGTERM starts the drain.
# The socket here is a Python listener speaking systemd-notify's protocol
# (one datagram of KEY=VALUE lines per message); on READY=1 it reads
# `tdapipe stats --json` at once.  Without NOTIFY_SOCKET, or with one
# nobody listens on, the run is the same as ever.
. "$(dirname "$0")/../lib.sh"
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID
N=5000
walk_csv "$T/points.csv" $N 5
SCALES="scales:
  - {name: a, complex: sublevel, window: 64, slide: 16}
  - {name: b, complex: rips, window: 40, slide: 10}"
write_config "$T/stdin.yaml" "{type: stdin, format: csv}" "$T/notified.jsonl"
write_config "$T/file.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"
now() { "$PY" -c 'import time; print(time.monotonic())'; }

# 1. Under a listener, with a watchdog of 1 s for the run's own pid.
SOCK=$T/notify.sock
"$PY" "$TDP_ROOT/tests/integration/notify_listen.py" "$SOCK" "$T/notify.log" \
	"$TDAPIPE" stats --instance "$INSTANCE" --json &
echo $! >"$T/listen.pid"
wait_for 10 test -S "$SOCK" || die "the listener did not bind $SOCK"
mkfifo "$T/in.fifo"
T_START=$(now)
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 sh -c 'export WATCHDOG_PID=$$; exec "$0" run --fresh -c "$1"' \
	"$TDAPIPE" "$T/stdin.yaml" <"$T/in.fifo" >"$T/run.out" 2>"$T/run.err" &
echo $! >"$T/run.pid"
sleep 120 >"$T/in.fifo" &
echo $! >"$T/holder.pid"
wait_for 10 grep -q READY "$T/notify.log" || { cat "$T/run.err" >&2; die "no READY=1 within 10 s"; }
feed "$T/points.csv"
wait_stats 30 "proc(s, 'ingest')['records_in'] >= $N"
sleep 3   # watchdog kicks and a STATUS with every point read
T_TERM=$(now)
kill -TERM "$(cat "$T/run.pid")"
RUN_PID=$(cat "$T/run.pid")
wait_run 40
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "notified run exited $RUN_RC"; }
close_input
rm -f "$SOCK"
wait_for 5 sh -c "! kill -0 $(cat "$T/listen.pid")" || die "the listener did not end"
rm -f "$T/listen.pid"

"$PY" - "$T/notify.log" "$T_START" "$T_TERM" "$RUN_PID" $N <<'EOPY' || die "notifications: see above"
import json, os, re, statistics, sys
log, t_start, t_term, run_pid, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lines = [json.loads(l) for l in open(log)]
msgs = [l for l in lines if "msg" in l]
def fail(why):
    print("FAIL:", why)
    for l in lines:
        print("  ", {k: v for k, v in l.items() if k != "stats"})
    sys.exit(1)
def with_key(k):
    return [m for m in msgs if k in m["msg"]]
ready = with_key("READY")
if len(ready) != 1 or ready[0]["msg"]["READY"] != "1":
    fail("expected READY=1 exactly once, got %d" % len(ready))
# READY=1 only once every process runs: the stats read right after it say so
stats = [l for l in lines if "stats" in l]
if not stats or not stats[0]["stats"]:
    fail("no stats read at READY=1: %s" % (stats[0].get("err") if stats else "none"))
s = json.loads(stats[0]["stats"])
procs = [p for p in s["processes"] if p["role"] != "exporter"]
if sorted((p["role"], p["scale"] or "") for p in procs) != [("ingest", ""), ("publish", ""), ("scaled", "a"), ("scaled", "b")]:
    fail("processes at READY=1: %s" % procs)
for p in procs:
    if p["state"] != "running" or p["pid"] <= 0 or p["heartbeat_age_ms"] is None:
        fail("at READY=1, %s %s is %s (pid %s)" % (p["role"], p["scale"], p["state"], p["pid"]))
if s["supervisor_pid"] != run_pid:
    fail("stats name supervisor %s, the run is %d" % (s["supervisor_pid"], run_pid))
# STATUS lines: starting/running before the drain, every point read at last
status = [m["msg"]["STATUS"] for m in with_key("STATUS")]
pat = re.compile(r"^(starting|running|draining): 2 scales, (\d+) points read$")
for st in status:
    if not pat.match(st):
        fail("STATUS %r is not 'PHASE: 2 scales, N points read'" % st)
if not ready[0]["msg"].get("STATUS", "").startswith("running: "):
    fail("READY=1 came without a running STATUS")
if not any(st == "running: 2 scales, %d points read" % n for st in status):
    fail("no STATUS says all %d points were read" % n)
before = [m for m in msgs if m["t"] < ready[0]["t"] and "STATUS" in m["msg"]]
if any(not m["msg"]["STATUS"].startswith("starting: ") for m in before):
    fail("a STATUS before READY=1 is not 'starting'")
# STOPPING=1 once, after SIGTERM, with the draining status
stopping = with_key("STOPPING")
if len(stopping) != 1 or stopping[0]["t"] < t_term:
    fail("expected STOPPING=1 once after SIGTERM (at %.3f)" % t_term)
if not stopping[0]["msg"].get("STATUS", "").startswith("draining: "):
    fail("STOPPING=1 without a draining STATUS")
if [m for m in msgs if m["t"] > stopping[0]["t"] and "STATUS" in m["msg"] and not m["msg"]["STATUS"].startswith("draining")]:
    fail("a STATUS after STOPPING=1 is not 'draining'")
# WATCHDOG=1 every 0.5 s (WATCHDOG_USEC=1000000) for the whole run
wd = [m["t"] for m in with_key("WATCHDOG")]
run_s = stopping[0]["t"] - t_start
if len(wd) < int(run_s / 0.5) - 2:
    fail("%d WATCHDOG=1 in %.1f s, expected one every 0.5 s" % (len(wd), run_s))
gaps = [b - a for a, b in zip(wd, wd[1:])]
med = statistics.median(gaps)
if not 0.45 <= med <= 0.7 or max(gaps) >= 1.0:
    fail("WATCHDOG=1 gaps: median %.3f s, max %.3f s; expected 0.5 s, never 1 s" % (med, max(gaps)))
if wd[0] - t_start > 1.0:
    fail("first WATCHDOG=1 %.3f s after the start" % (wd[0] - t_start))
print("# READY=1 after %.2f s, %d STATUS, %d WATCHDOG=1 (median gap %.3f s), STOPPING=1 %.3f s after SIGTERM"
      % (ready[0]["t"] - t_start, len(status), len(wd), med, stopping[0]["t"] - t_term))
EOPY

# 2. A watchdog meant for another pid (WATCHDOG_PID) is not kicked; a file
#    run that ends by itself is still READY=1 before it exits.
"$PY" "$TDP_ROOT/tests/integration/notify_listen.py" "$SOCK" "$T/other.log" &
echo $! >"$T/listen.pid"
wait_for 10 test -S "$SOCK" || die "the listener did not bind $SOCK"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 WATCHDOG_PID=1 run_ok "$T/file.yaml" 60 "file run under a listener"
rm -f "$SOCK"
wait_for 5 sh -c "! kill -0 $(cat "$T/listen.pid")" || die "the listener did not end"
rm -f "$T/listen.pid"
grep -q '"READY": "1"' "$T/other.log" || die "a run that ended by itself sent no READY=1: $(cat "$T/other.log")"
! grep -q WATCHDOG "$T/other.log" || die "WATCHDOG=1 sent for WATCHDOG_PID=1"
cp "$T/clean.jsonl" "$T/listened.jsonl"

# 3. No NOTIFY_SOCKET, or one nobody listens on: the run is the same.
run_ok "$T/file.yaml" 60 "file run without NOTIFY_SOCKET"
check_results "$T/clean.jsonl" a:64:16 b:40:10 --points $N --same-as "$T/listened.jsonl"
NOTIFY_SOCKET=$T/nobody.sock WATCHDOG_USEC=100000 run_ok "$T/file.yaml" 60 "file run with a dead NOTIFY_SOCKET"
check_results "$T/clean.jsonl" a:64:16 b:40:10 --points $N --same-as "$T/listened.jsonl"
grep -q -E "READY=|WATCHDOG=|NOTIFY_SOCKET|sd_notify" "$T/run.err" && die "the run spoke of notifications: $(cat "$T/run.err")"
check_results "$T/notified.jsonl" a:64:16 b:40:10 --points $N --same-as "$T/clean.jsonl"
echo "ok"
