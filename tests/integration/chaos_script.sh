#!/bin/sh
# chaos_script: scripts/chaos against a running instance (tdapipe-chaos(1)).
#
# With --targets scaled --rate 5 --duration 3 --seed, the report (--json)
# says it sent >= 5 SIGKILLs, every one to a scale worker (labels
# scaled[...], never the supervisor's, ingest's or publish's pid); the
# supervisor logged at least that many scale-worker deaths and, once every
# worker runs again, the stats count at least that many restarts; the
# instance keeps running and its run ends with exit 0 once the input ends.
# A second chaos stops by itself when the pid of --until-exit exits, a third
# when the instance ends (both exit 0).  Bad usage exits 100, an instance
# that is not running 111.
#
# Only what chaos is responsible for is checked (signals sent, restarts
# seen, the run finishing), not the results: what a kill costs them is the
# business of kill_scaled_worker.sh.  Three seconds cannot put a worker in
# the failed state: six deaths within 30 s take backoffs of 0.1 + 0.2 + 0.4
# + 0.8 + 1.6 = 3.1 s between them.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ALLOW_RESTARTS=1   # chaos kills processes on purpose
CHAOS=$TDP_ROOT/scripts/chaos
N=${CHAOS_TEST_POINTS:-60000}

# Bad usage and an instance that is not running fail before any signal.
set +e
"$CHAOS" >/dev/null 2>&1; RC1=$?
"$CHAOS" --instance "$INSTANCE" --rate 0 >/dev/null 2>&1; RC2=$?
"$CHAOS" --instance "$INSTANCE" --signals KILL,NOSUCH >/dev/null 2>&1; RC3=$?
"$CHAOS" --instance "$INSTANCE" --targets scaled,bogus >/dev/null 2>&1; RC4=$?
"$CHAOS" --instance "$INSTANCE" --bogus >/dev/null 2>&1; RC5=$?
"$CHAOS" --instance "t$$nosuchinstance" --tdapipe "$TDAPIPE" >"$T/none.out" 2>"$T/none.err"; RC6=$?
set -e
[ "$RC1" -eq 100 ] || die "chaos without --instance exited $RC1, expected 100"
[ "$RC2" -eq 100 ] || die "chaos --rate 0 exited $RC2, expected 100"
[ "$RC3" -eq 100 ] || die "chaos --signals KILL,NOSUCH exited $RC3, expected 100"
[ "$RC4" -eq 100 ] || die "chaos --targets scaled,bogus exited $RC4, expected 100"
[ "$RC5" -eq 100 ] || die "chaos --bogus exited $RC5, expected 100"
[ "$RC6" -eq 111 ] || die "chaos against an instance that is not running exited $RC6, expected 111"
[ ! -s "$T/none.out" ] || die "chaos printed a report for an instance that is not running"

walk_csv "$T/points.csv" "$N" 11
SCALES="scales:
  - {name: fine, complex: sublevel, window: 200, slide: 20}
  - {name: coarse, complex: sublevel, window: 2000, slide: 500}
  - {name: cloud, complex: rips, window: 100, slide: 50, embed: {dim: 2, lag: 1}}"
write_config "$T/chaos.yaml" "{type: stdin, format: csv}" "$T/chaos.jsonl"

start_run_fifo "$T/chaos.yaml"
feed "$T/points.csv"
wait_stats 20 "all(p['state'] == 'running' and p['pid'] > 0 for p in s['processes']) and proc(s, 'scaled', 'fine')['windows'] >= 10"
stats_json >"$T/before.json" || die "stats --json failed before chaos"

# Unknown scale: bad usage once the instance is known.
set +e
"$CHAOS" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --targets "scaled[nosuch]" >/dev/null 2>&1; RC=$?
set -e
[ "$RC" -eq 100 ] || die "chaos --targets scaled[nosuch] exited $RC, expected 100"

set +e
"$CHAOS" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --rate 5 --duration 3 --seed 7 \
	--targets scaled --json >"$T/report.json" 2>"$T/chaos.err"; RC=$?
set -e
[ "$RC" -eq 0 ] || { cat "$T/chaos.err" >&2; die "chaos exited $RC"; }
note "report: $(cut -c1-400 "$T/report.json")"

# Every worker runs again (restarts are counted when the worker is
# restarted, after its backoff); then compare with the report.
wait_stats 20 "all(p['state'] == 'running' for p in s['processes'])"
stats_json >"$T/after.json" || die "stats --json failed after chaos"
"$PY" - "$HERE" "$T/report.json" "$T/before.json" "$T/after.json" "$T/run.err" "$(cat "$T/run.pid")" <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
r = json.load(open(sys.argv[2]))
before, after = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
log, sup = open(sys.argv[5]).read(), int(sys.argv[6])
scaled = {"scaled[%s]" % n for n in ("fine", "coarse", "cloud")}
keys = ["duration_s", "rate_achieved", "total", "by_label", "by_signal", "missed", "skipped"]
expect(list(r)[:len(keys)] == keys, "report keys %s" % list(r))
expect(r["ended"] == "duration" and 2.9 <= r["duration_s"] <= 6.0,
       "ended %r after %r s, expected the 3 s duration" % (r["ended"], r["duration_s"]))
expect(r["seed"] == 7 and r["instance"] == before["instance"], "seed/instance %r %r" % (r["seed"], r["instance"]))
expect(r["total"] >= 5, "only %d signals sent in 3 s at 5/s" % r["total"])
expect(set(r["by_signal"]) == {"KILL"} and r["by_signal"]["KILL"] == r["total"], "by_signal %r" % r["by_signal"])
expect(set(r["by_label"]) == scaled, "by_label %r: expected exactly the scale workers" % r["by_label"])
expect(sum(c["KILL"] for c in r["by_label"].values()) == r["total"], "by_label does not add up to total")
expect(abs(r["rate_achieved"] - r["total"] / r["duration_s"]) < 0.01, "rate_achieved %r" % r["rate_achieved"])
sent = [e for e in r["events"] if e["result"] == "sent"]
missed = [e for e in r["events"] if e["result"] == "missed"]
expect(len(sent) == r["total"] and len(missed) == r["missed"], "events do not match the counts")
spared = {sup} | {p["pid"] for p in before["processes"] if p["role"] != "scaled"}
for e in r["events"]:
    expect(e["label"] in scaled and e["signal"] == "KILL", "event %r" % e)
    expect(e["pid"] > 0 and e["pid"] not in spared, "event %r: the pid of the supervisor, ingest or publish" % e)
# The supervisor saw each kill: logged deaths and counted restarts.
deaths = len(re.findall(r"scaled\[[a-z]+\] killed by signal 9", log))
expect(deaths >= r["total"], "%d SIGKILLs sent, the supervisor logged %d scale-worker deaths" % (r["total"], deaths))
restarts = sum(p["restarts"] for p in after["processes"] if p["role"] == "scaled")
expect(restarts >= r["total"], "%d SIGKILLs sent (%d missed), stats count %d restarts"
       % (r["total"], r["missed"], restarts))
for p in after["processes"]:
    expect(p["state"] == "running", "%s %s: %s after chaos" % (p["role"], p["scale"], p["state"]))
    if p["role"] != "scaled":
        expect(p["restarts"] == 0, "%s restarted %d times: chaos targeted scaled only" % (p["role"], p["restarts"]))
print("# %d SIGKILLs to scale workers (%s), %d missed, %d skipped; %d deaths logged, %d restarts"
      % (r["total"], ", ".join("%s %d" % (k, v["KILL"]) for k, v in r["by_label"].items()),
         r["missed"], r["skipped"], deaths, restarts))
EOF

# --until-exit: stops when that pid exits, well before --duration.  SIGCONT
# to a running process does nothing, so the run is left alone.
sleep 1 &
SLEEP_PID=$!
"$CHAOS" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --signals CONT --rate 20 --duration 60 \
	--until-exit "$SLEEP_PID" --json >"$T/until.json" || die "chaos --until-exit failed"
wait "$SLEEP_PID" || true
"$PY" -c "
import json, sys
r = json.load(open('$T/until.json'))
assert r['ended'] == 'until-exit' and r['duration_s'] < 10, r
assert r['total'] >= 1 and set(r['by_signal']) == {'CONT'}, r
" || die "chaos --until-exit: $(cat "$T/until.json")"

# The instance ending ends chaos, with exit 0 and a (text) report.
# -v logs each signal on stderr: the input ends once chaos has sent one.
"$CHAOS" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --signals CONT --targets scaled --rate 10 \
	--duration 120 -v >"$T/gone.txt" 2>"$T/gone.err" &
echo $! >"$T/chaos.pid"
wait_for 15 grep -q "SIGCONT scaled\[[a-z]*\] pid [0-9]*: sent" "$T/gone.err" ||
	die "chaos -v logged no signal: $(cat "$T/gone.err")"
grep -q "^chaos: instance $INSTANCE (supervisor pid $(cat "$T/run.pid")), seed " "$T/gone.err" ||
	die "chaos -v did not log its start: $(cat "$T/gone.err")"
close_input 60
wait_run 120
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run under chaos exited $RUN_RC"; }
CP=$(cat "$T/chaos.pid")
wait_for 15 sh -c "! kill -0 $CP" || die "chaos did not stop when the instance ended"
set +e
wait "$CP"; RC=$?
set -e
rm -f "$T/chaos.pid"
[ "$RC" -eq 0 ] || { cat "$T/gone.err" >&2; die "chaos exited $RC when the instance ended"; }
grep -q "ended: instance-gone" "$T/gone.txt" || die "chaos report: $(cat "$T/gone.txt")"
grep -q "^TARGET .*CONT .*TOTAL" "$T/gone.txt" || die "chaos report lacks its table: $(cat "$T/gone.txt")"
for sc in fine coarse cloud; do
	grep -q "^scaled\[$sc\] " "$T/gone.txt" || die "chaos report lacks scaled[$sc]: $(cat "$T/gone.txt")"
done
echo "ok"
