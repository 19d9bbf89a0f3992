#!/bin/sh
# stats_json: `tdapipe stats` of a running instance.
#
# --json parses and has the documented shape (tdapipe-stats(1)): the
# supervisor's pid, one process per role (ingest, scaled per scale,
# publish) with live pids in state running, and an in and an out ring per
# scale with capacity/used/pushed/popped/overflow/high_water; the counters
# add up once N points went through (records, windows, ring pushes/pops).
# The text form (-c FILE) names every scale; stats of an instance that is
# not running exits 111, and bad usage exits 100.  A scale with track and
# anomaly has "events" by type, which add up to the events file's lines,
# and the text form an EVENTS table; the other scales have none.  Every
# reading has its time (RFC 3339 UTC, ms) and the instance's uptime;
# --rate S gives the rates per second between two readings S apart (points
# fed in between show in every scale's rate), --watch has "rates": null in
# its first refresh.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N=5000

"$PY" -c "
import math
with open('$T/points.csv', 'w') as f:
    for i in range($N): f.write('%r\n' % math.cos(i * 0.03))
"
cat >"$T/s.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
events: {type: file, path: $T/events.jsonl}
scales:
  - {name: alpha, complex: sublevel, window: 100, slide: 20, ring: 1024, track: {min_persistence: 0.1},
     anomaly: {signal: total, history: 5, threshold: 1}}
  - {name: beta-2, complex: rips, window: 40, slide: 40}
  - {name: gamma_3, complex: rips, window: 60, slide: 15, embed: {dim: 2, lag: 1}, overflow: block}
EOF

start_run_fifo "$T/s.yaml"
feed "$T/points.csv"
EXPECT_WIN="{'alpha': $(( (N - 100) / 20 + 1 )), 'beta-2': $(( (N - 40) / 40 + 1 )), 'gamma_3': $(( (N - 60) / 15 + 1 ))}"
wait_stats 20 "all(proc(s, 'scaled', k)['windows'] == v for k, v in $EXPECT_WIN.items()) and proc(s, 'publish')['records_out'] == sum($EXPECT_WIN.values())"
# every event made is in the events file once publish has written it
EVENTS_SUM="sum(proc(s, 'scaled', 'alpha')['events'].values())"
wait_for 10 "$PY" -c "import sys; sys.path.insert(0, '$HERE'); from tdpres import *
s = stats_of('$TDAPIPE', '$INSTANCE'); sys.exit(0 if $EVENTS_SUM == sum(1 for _ in open('$T/events.jsonl')) > 0 else 1)" ||
	die "the events counted in stats never matched the events file: $(stats_json | head -c 2000)"
stats_json >"$T/stats.json" || die "stats --json failed"
"$PY" - "$HERE" "$T/stats.json" "$(cat "$T/run.pid")" "$INSTANCE" "$N" "$EXPECT_WIN" <<'EOF'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
s = json.load(open(sys.argv[2]))
sup, inst, N, wins = int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), eval(sys.argv[6])
scales = ["alpha", "beta-2", "gamma_3"]
expect(list(s.keys()) == ["time", "uptime_seconds", "instance", "supervisor_pid", "streams", "ingest_done",
                          "processes", "rings", "checkpoint"], "top-level keys %s" % list(s.keys()))
expect(list(s["checkpoint"]) == ["written", "errors", "last_unix_ms", "pause_ns", "bytes"] and
       all(isinstance(v, int) and v >= 0 for v in s["checkpoint"].values()), "checkpoint %r" % s["checkpoint"])
import datetime, re, time
expect(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s["time"]) is not None, "time %r" % s["time"])
when = datetime.datetime.strptime(s["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
expect(abs(when.timestamp() - time.time()) < 60, "time %r is not now" % s["time"])
expect(isinstance(s["uptime_seconds"], float) and 0 < s["uptime_seconds"] < 600, "uptime %r" % s["uptime_seconds"])
expect(s["instance"] == inst, "instance %r" % s["instance"])
expect(s["supervisor_pid"] == sup, "supervisor_pid %r, expected %d" % (s["supervisor_pid"], sup))
expect(s["streams"] == 1, "streams %r" % s["streams"])
expect(s["ingest_done"] is False, "ingest_done %r with the input still open" % s["ingest_done"])
pkeys = ["role", "scale", "pid", "state", "restarts", "hangs", "last_exit", "records_in", "records_out",
         "bad_records", "windows", "compute_p50_ns", "compute_p99_ns", "heartbeat_age_ms", "incomplete"]
roles = [(p["role"], p["scale"]) for p in s["processes"]]
expect(roles == [("ingest", None)] + [("scaled", n) for n in scales] + [("publish", None)],
       "processes %s" % roles)
pids = set()
for p in s["processes"]:
    expect(list(p.keys()) == pkeys + (["dead_letters", "replayed"] if p["role"] == "ingest" else [])
           + (["events"] if p["scale"] == "alpha" else []), "process keys %s" % list(p.keys()))
    expect(p["state"] == "running", "%s %s state %r" % (p["role"], p["scale"], p["state"]))
    expect(p["restarts"] == 0 and p["hangs"] == 0 and p["last_exit"] is None, "%s: restarts %r hangs %r last_exit %r" % (p["role"], p["restarts"], p["hangs"], p["last_exit"]))
    expect(isinstance(p["pid"], int) and p["pid"] > 0, "pid %r" % p["pid"])
    os.kill(p["pid"], 0)   # alive
    stat = open("/proc/%d/stat" % p["pid"]).read()
    expect(int(stat[stat.rindex(")") + 2:].split()[1]) == sup, "pid %d is not a child of the supervisor" % p["pid"])
    pids.add(p["pid"])
    for k in pkeys[7:-1]:
        expect(isinstance(p[k], int) and p[k] >= 0, "%s %s: %s=%r" % (p["role"], p["scale"], k, p[k]))
    expect(p["incomplete"] == {"memory_mb": 0, "out_of_memory": 0, "index_range": 0, "distance_range": 0,
                               "invalid_input": 0}, "%s %s: incomplete %r" % (p["role"], p["scale"], p["incomplete"]))
    expect(p["heartbeat_age_ms"] < 5000, "%s heartbeat %d ms old" % (p["role"], p["heartbeat_age_ms"]))
expect(len(pids) == 5, "pids not distinct: %s" % pids)
ev = proc(s, "scaled", "alpha")["events"]
expect(list(ev.keys()) == ["feature_birth", "feature_death", "feature_update", "anomaly"], "events keys %s" % list(ev))
expect(all(isinstance(v, int) for v in ev.values()) and ev["feature_birth"] > 0 and ev["anomaly"] > 0,
       "events %r" % ev)
ing = proc(s, "ingest")
expect(ing["records_in"] == N and ing["records_out"] == N and ing["bad_records"] == 0 and ing["replayed"] == 0,
       "ingest counters %r" % ing)
expect(ing["dead_letters"] == {"malformed": 0, "too_long": 0, "cut": 0, "late": 0, "no_time": 0,
                               "too_many_streams": 0, "dimension": 0, "partition": 0},
       "ingest dead_letters %r" % ing["dead_letters"])
for n in scales:
    w = proc(s, "scaled", n)
    expect(w["records_in"] == N, "scaled[%s] records_in %r" % (n, w["records_in"]))
    expect(w["windows"] == wins[n] and w["records_out"] == wins[n], "scaled[%s] windows %r / out %r" % (n, w["windows"], w["records_out"]))
    expect(w["compute_p50_ns"] > 0 and w["compute_p99_ns"] >= w["compute_p50_ns"], "scaled[%s] compute times %r" % (n, w))
pub = proc(s, "publish")
expect(pub["records_in"] == sum(wins.values()) and pub["records_out"] == sum(wins.values()) and pub["bad_records"] == 0,
       "publish counters %r" % pub)
rkeys = ["ring", "scale", "capacity", "used", "pushed", "popped", "overflow", "high_water"]
expect([(r["ring"], r["scale"]) for r in s["rings"]] == [(d, n) for n in scales for d in ("in", "out")],
       "rings %s" % [(r["ring"], r["scale"]) for r in s["rings"]])
for r in s["rings"]:
    lkeys = ["latency_p50_ns", "latency_p99_ns", "latency_p999_ns", "latency_hist"]
    expect(list(r.keys()) == rkeys + (["refused", "lost"] if r["ring"] == "in" else lkeys), "ring keys %s" % list(r.keys()))
    if r["ring"] == "out":   # one latency per result published, quantiles that are bucket bounds
        h = r["latency_hist"]
        expect(len(h) == 40 and sum(h) == wins[r["scale"]], "out[%s] latency_hist %r" % (r["scale"], h))
        expect(all(r[k] in [2 << i for i in range(40)] for k in lkeys[:3]) and
               r["latency_p50_ns"] <= r["latency_p99_ns"] <= r["latency_p999_ns"], "out[%s] latency %r" % (r["scale"], r))
    expect(r.get("lost", 0) == 0, "%s[%s]: lost %r with nothing dropped" % (r["ring"], r["scale"], r.get("lost")))
    want = N if r["ring"] == "in" else wins[r["scale"]]
    expect(r["pushed"] == want and r["popped"] == want and r["used"] == 0 and r["overflow"] == 0,
           "%s[%s]: %r, expected %d pushed and popped" % (r["ring"], r["scale"], r, want))
    expect(0 < r["high_water"] <= r["capacity"], "%s[%s] high_water %r" % (r["ring"], r["scale"], r))
expect(ring(s, "in", "alpha")["capacity"] in (1023, 1024), "in[alpha] capacity %r for ring: 1024" % ring(s, "in", "alpha")["capacity"])
expect(ring(s, "in", "beta-2")["capacity"] in (65535, 65536), "in[beta-2] default capacity %r" % ring(s, "in", "beta-2")["capacity"])
print("# stats --json consistent after %d points" % N)
EOF

"$TDAPIPE" stats -c "$T/s.yaml" >"$T/stats.txt" || die "stats -c failed"
for sc in alpha beta-2 gamma_3; do
	grep -q "scaled\[$sc\]" "$T/stats.txt" || die "text stats lack scaled[$sc]: $(cat "$T/stats.txt")"
	grep -q "in\[$sc\]" "$T/stats.txt" || die "text stats lack the ring in[$sc]"
	grep -q "out\[$sc\]" "$T/stats.txt" || die "text stats lack the ring out[$sc]"
done
grep -q "$(cat "$T/run.pid")" "$T/stats.txt" || die "text stats lack the supervisor pid"
grep -q "^PROCESS .* RESTARTS HANGS LAST-EXIT" "$T/stats.txt" || die "text stats lack the HANGS column: $(head -n 2 "$T/stats.txt")"
grep -q "^EVENTS  *FEATURE-BIRTH  *FEATURE-DEATH  *FEATURE-UPDATE  *ANOMALY" "$T/stats.txt" || die "text stats lack the EVENTS table"
[ "$(sed -n '/^EVENTS/,/^[A-Z]/p' "$T/stats.txt" | grep -c '^scaled')" -eq 1 ] || die "EVENTS rows: $(cat "$T/stats.txt")"
for role in ingest publish; do grep -q "^$role " "$T/stats.txt" || die "text stats lack $role"; done
grep -q "^LATENCY  *RESULTS  *P50-MS  *P99-MS  *P999-MS" "$T/stats.txt" || die "text stats lack the LATENCY table"
sed -n 2p "$T/stats.txt" | grep -q "^checkpoints [0-9]*  errors [0-9]*  last " ||
	die "text stats lack the checkpoint line: $(head -n 3 "$T/stats.txt")"
head -n 1 "$T/stats.txt" | grep -q "^instance $INSTANCE .*  time [0-9-]*T[0-9:.]*Z  up [0-9]* s$" ||
	die "text stats lack the time of reading: $(head -n 1 "$T/stats.txt")"
! grep -q "^RATES" "$T/stats.txt" || die "text stats without --rate show rates"

# --- rates: M more points between two readings 1.5 s apart ----------------
M=3000
"$PY" -c "
with open('$T/more.csv', 'w') as f:
    for i in range($M): f.write('%r\n' % (i % 17 * 0.1))
"
"$TDAPIPE" stats --instance "$INSTANCE" --json --rate 1.5 >"$T/rate.json" 2>"$T/rate.err" &
RP=$!
sleep 0.3
feed "$T/more.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] == $N + $M and all(proc(s, 'scaled', k)['records_in'] == $N + $M for k in $EXPECT_WIN)"
wait "$RP" || die "stats --rate failed: $(cat "$T/rate.err")"
"$PY" - "$HERE" "$T/rate.json" "$M" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
s, M = json.load(open(sys.argv[2])), int(sys.argv[3])
r = s["rates"]
expect(list(r) == ["interval_seconds", "read_per_second", "dead_letters_per_second", "published_per_second", "scales"],
       "rates keys %s" % list(r))
secs = r["interval_seconds"]
expect(1.4 < secs < 3, "interval %r for --rate 1.5" % secs)
# the M points all came in between the two readings (rates have one decimal)
expect(abs(r["read_per_second"] * secs - M) <= secs, "read %r/s over %r s, expected %d points" % (r["read_per_second"], secs, M))
expect(r["dead_letters_per_second"] == 0, "dead letters %r/s" % r["dead_letters_per_second"])
expect(r["published_per_second"] > 0, "published %r/s" % r["published_per_second"])
expect([x["scale"] for x in r["scales"]] == ["alpha", "beta-2", "gamma_3"], "rates scales %r" % r["scales"])
for x in r["scales"]:
    expect(abs(x["points_per_second"] * secs - M) <= secs and x["windows_per_second"] > 0, "scale rates %r" % x)
print("# --rate: %r" % r)
PY
"$TDAPIPE" stats --instance "$INSTANCE" --rate 0.2 >"$T/rate.txt" || die "stats --rate (text) failed"
grep -q "^RATES/S (0\.[0-9]* s)  *READ  *DEAD-LETTERS  *PUBLISHED$" "$T/rate.txt" || die "no rates table: $(cat "$T/rate.txt")"
grep -q "^scaled\[gamma_3\]  *0\.0  *0\.0$" "$T/rate.txt" || die "no idle scale rates: $(cat "$T/rate.txt")"
"$TDAPIPE" stats --instance "$INSTANCE" --json --watch 0.2 >"$T/watch.json" 2>&1 &
WP=$!
wait_for 10 sh -c "[ \$(wc -l <'$T/watch.json') -ge 2 ]" || die "stats --watch: $(cat "$T/watch.json")"
kill "$WP"
"$PY" -c "
import json, sys
a, b = [json.loads(l) for l in open('$T/watch.json').read().splitlines()[:2]]
sys.exit(0 if a['rates'] is None and b['rates']['read_per_second'] == 0 else 'watch rates: %r, %r' % (a['rates'], b['rates']))
" || die "stats --watch rates"
N=$((N + M))

close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }

set +e
"$TDAPIPE" stats --instance "$INSTANCE" --json >"$T/gone.out" 2>"$T/gone.err"; RC=$?
"$TDAPIPE" stats -c "$T/s.yaml" >/dev/null 2>&1; RC2=$?
"$TDAPIPE" stats --instance "t$$nosuchinstance" >/dev/null 2>&1; RC3=$?
"$TDAPIPE" stats >/dev/null 2>&1; RC4=$?
"$TDAPIPE" stats -c "$T/s.yaml" --instance "$INSTANCE" >/dev/null 2>&1; RC5=$?
"$TDAPIPE" stats --instance "$INSTANCE" --bogus >/dev/null 2>&1; RC6=$?
set -e
[ "$RC" -eq 111 ] || die "stats --json of a finished instance exited $RC, expected 111"
[ ! -s "$T/gone.out" ] || die "stats of a finished instance printed: $(cat "$T/gone.out")"
grep -q "not running" "$T/gone.err" || die "no \"not running\" in: $(cat "$T/gone.err")"
[ "$RC2" -eq 111 ] || die "stats -c of a finished instance exited $RC2, expected 111"
[ "$RC3" -eq 111 ] || die "stats of an unknown instance exited $RC3, expected 111"
[ "$RC4" -eq 100 ] || die "stats without an instance exited $RC4, expected 100"
[ "$RC5" -eq 100 ] || die "stats with both -c and --instance exited $RC5, expected 100"
[ "$RC6" -eq 100 ] || die "stats with an unknown option exited $RC6, expected 100"
echo "ok"
