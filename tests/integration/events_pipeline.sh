#!/bin/sh
# events_pipeline: the events of tracking and scoring scales (issue 20) as
# publish writes them, tdapipe-events(5), on three streams whose shape
# changes (a sine that doubles its frequency, then noise), through a
# sublevel scale, a delay-embedded Rips scale, a sublevel scale over event
# time with windows before 1970 (negative window numbers) and a scale
# without events.
#
# - Results: every result of a scoring scale carries "score", of a
#   tracking scale "feature_ids"; the plain scale's are as before.
# - Events file: every line a JSON object with the keys of
#   tdapipe-events(5) in order; ids STREAM/SCALE/WINDOW/TYPE/N with N
#   counting each type from 0 in its window; window and time those of a
#   published result ("time" its "end"); deaths, births, updates (each by
#   dimension and feature), then the anomaly; persistence = death - birth,
#   null with an essential death; an anomaly's signal, value, median, mad
#   and score those of its window (score = the result's); a feature's id
#   among the result's feature_ids (deaths aside).  (What the events mean
#   is tests/integration/events_check.py's part.)
# - msgpack events: the same maps, key for key, value for value.
# (Runs are compared line for line, in any order: scales interleave
# differently from one run to the next.)
# - Results and events both on stdout: each line whole, a result's events
#   right after it, the same lines as the files; events on stdout with a
#   results file, and results on stdout with an events file: the same.
. "$(dirname "$0")/../lib.sh"
"$PY" -c 'import msgpack, numpy' 2>/dev/null || { echo "skip: $PY cannot import msgpack and numpy"; exit 77; }

"$PY" - "$T" <<'EOF_PY'
import math, random, sys
t = sys.argv[1]
r = random.Random(20)
with open(t + "/in.csv", "w") as f:
    for i in range(3000):
        for s in ("a", "b\"/x", "c"):
            k = i + (0 if s == "a" else 400 if s == "c" else 800)
            if k < 1200:
                v = math.sin(k * 0.2)
            elif k < 2200:
                v = math.sin(k * 0.4)
            else:
                v = 3 * r.random() - 1.5
            v = round(v + r.gauss(0, 0.05), 3)
            f.write('"%s",%d,%r\n' % (s.replace('"', '""'), -20000 + 10 * i, v))
EOF_PY

SCALES="scales:
  - {name: lev, complex: sublevel, window: 100, slide: 20, features: {summary: true},
     track: {min_persistence: 0.3, stability: 0.6}, anomaly: {signal: total, history: 10, threshold: 3}}
  - {name: loop, complex: rips, window: 60, slide: 30, dims: [0, 1], embed: {dim: 2, lag: 4},
     track: {dims: [1], min_persistence: 0.1}, anomaly: {signal: count, dim: 1, history: 8, threshold: 2}}
  - {name: tlev, complex: sublevel, window: 1s, slide: 500ms, track: {min_persistence: 0.5},
     anomaly: {signal: entropy, history: 5, threshold: 2}}
  - {name: plain, complex: sublevel, window: 50, slide: 50}"
SRC="{type: file, path: $T/in.csv, format: csv, stream_column: 0, time_column: 1, time_unit: ms}"

# same A B: the same lines (scales interleave differently from run to run)
same() {
	sort "$1" >"$T/same.a"
	sort "$2" >"$T/same.b"
	cmp -s "$T/same.a" "$T/same.b"
}

# config NAME SINK EVENTS: $T/NAME.yaml
config() {
	cat >"$T/$1.yaml" <<EOC
instance: $INSTANCE
source: $SRC
sink: $2
events: $3
dead_letter: {type: file, path: $T/$1.dead}
$SCALES
EOC
}

config files "{type: file, path: $T/out.jsonl}" "{type: file, path: $T/events.jsonl}"
run_ok "$T/files.yaml" 120
check_results "$T/out.jsonl" "lev:100:20" "loop:60:30:0,1" "tlev:1s:500ms" "plain:50:50" --time-unit ms
"$PY" - "$T" <<'EOF_PY' || die "events do not follow tdapipe-events(5)"
import json, math, sys
t = sys.argv[1]
SIGNAL = {"lev": "total", "loop": "count", "tlev": "entropy"}
TRACK = {"lev": ["0"], "loop": ["1"], "tlev": ["0"]}
KEYS = ["v", "id", "type", "stream", "scale", "window", "time", "dim"]
FEAT = ["feature", "birth", "death", "persistence"]
ANOM = ["signal", "value", "median", "mad", "score"]
ORDER = {"feature_death": 0, "feature_birth": 1, "feature_update": 2, "anomaly": 3}
def fail(msg):
    sys.exit(msg)
results = {}
for line in open(t + "/out.jsonl"):
    r = json.loads(line)
    results[(r["stream"], r["scale"], r["window"])] = r
    if r["scale"] == "plain":
        if "score" in r or "feature_ids" in r:
            fail("%s: a scale without events has score or feature_ids" % r["id"])
        continue
    if "score" not in r:
        fail("%s: no score" % r["id"])
    if list(r.get("feature_ids", {}).keys()) != [d for d in TRACK[r["scale"]] if d in r["diagrams"]]:
        fail("%s: feature_ids %r" % (r["id"], r.get("feature_ids")))
events, last = {}, {}
types = dict.fromkeys(ORDER, 0)
for i, line in enumerate(open(t + "/events.jsonl"), 1):
    e = json.loads(line)
    where = "events.jsonl:%d" % i
    want = KEYS + (ANOM if e.get("type") == "anomaly" else FEAT)
    if list(e.keys()) != want:
        fail("%s: keys %s, expected %s" % (where, list(e.keys()), want))
    if e["v"] != 1 or e["type"] not in ORDER:
        fail("%s: v %r type %r" % (where, e["v"], e["type"]))
    key = (e["stream"], e["scale"], e["window"])
    r = results.get(key)
    if r is None:
        fail("%s: no result %r" % (where, key))
    if e["time"] != r["end"]:
        fail("%s: time %r, the result's end %r" % (where, e["time"], r["end"]))
    evs = events.setdefault(key, [])
    n = sum(1 for x in evs if x["type"] == e["type"])
    if e["id"] != "%s/%s/%d/%s/%d" % (e["stream"], e["scale"], e["window"], e["type"], n):
        fail("%s: id %r" % (where, e["id"]))
    sort_key = (ORDER[e["type"]], e["dim"], e.get("feature", 0))
    if evs and sort_key <= (ORDER[evs[-1]["type"]], evs[-1]["dim"], evs[-1].get("feature", 0)):
        fail("%s: out of order after %s" % (where, evs[-1]["id"]))
    sc = (e["stream"], e["scale"])
    if not evs and sc in last and last[sc] >= e["window"]:
        fail("%s: window %d after window %d" % (where, e["window"], last[sc]))
    last[sc] = e["window"]
    evs.append(e)
    types[e["type"]] += 1
    if e["type"] == "anomaly":
        if e["signal"] != SIGNAL[e["scale"]] or e["dim"] != (1 if e["scale"] == "loop" else 0):
            fail("%s: signal %r dim %r" % (where, e["signal"], e["dim"]))
        if e["score"] != r["score"] or e["score"] is not None and e["score"] < {"lev": 3, "loop": 2, "tlev": 2}[e["scale"]]:
            fail("%s: score %r, the result's %r" % (where, e["score"], r["score"]))
        for k in ("value", "median", "mad"):
            if not (e[k] is None or isinstance(e[k], (int, float))):
                fail("%s: %s %r" % (where, k, e[k]))
    else:
        if str(e["dim"]) not in TRACK[e["scale"]] or not isinstance(e["feature"], int):
            fail("%s: dim %r feature %r" % (where, e["dim"], e["feature"]))
        if e["death"] is None:
            if e["persistence"] is not None:
                fail("%s: persistence of an essential class %r" % (where, e["persistence"]))
        elif e["persistence"] != e["death"] - e["birth"]:
            fail("%s: persistence %r" % (where, e["persistence"]))
        ids = r.get("feature_ids", {}).get(str(e["dim"]), [])
        if e["type"] != "feature_death" and e["feature"] not in ids:
            fail("%s: feature %d not among the result's ids" % (where, e["feature"]))
if not all(types.values()):
    fail("some type never occurred: %r" % types)
if not any(w < 0 for (s, sc, w) in events if sc == "tlev"):
    fail("no event in a negative window of tlev")
print("# %d events (%s) in %d windows" % (sum(types.values()), ", ".join("%s %d" % kv for kv in types.items()), len(events)))
EOF_PY

# msgpack events: the same maps.
config mp "{type: file, path: $T/out2.jsonl}" "{type: file, path: $T/events.msgpack, format: msgpack}"
rm -f "/dev/shm/tdapipe-$INSTANCE"
run_ok "$T/mp.yaml" 120
same "$T/out.jsonl" "$T/out2.jsonl" || die "results differ with msgpack events"
"$PY" - "$T/events.jsonl" "$T/events.msgpack" <<'EOF_PY' || die "msgpack events differ from JSON's"
import json, sys, msgpack
js = {e["id"]: e for e in map(json.loads, open(sys.argv[1]))}
with open(sys.argv[2], "rb") as f:
    mp = list(msgpack.Unpacker(f, raw=False))
if len(mp) != len(js):
    sys.exit("%d msgpack events, %d JSON" % (len(mp), len(js)))
for m in mp:
    j = js.pop(m["id"])
    if list(m.keys()) != list(j.keys()) or m != j:
        sys.exit("%s: %r vs %r" % (j["id"], m, j))
    for k, v in m.items():
        if isinstance(j[k], float) != isinstance(v, float) and not isinstance(v, float):
            sys.exit("%s: %s is %r in msgpack" % (j["id"], k, v))
EOF_PY

# Both on stdout: whole lines, a result's events right after it.
config out "{type: stdout}" "{type: stdout}"
rm -f "/dev/shm/tdapipe-$INSTANCE"
"$TDAPIPE" run --fresh -c "$T/out.yaml" 2>"$T/both.err" | cat >"$T/both.out" ||
	{ cat "$T/both.err" >&2; die "run with results and events on stdout failed"; }
"$PY" - "$T" <<'EOF_PY' || die "results and events on one stdout"
import json, sys
t = sys.argv[1]
res, evs, cur, pending = [], [], None, {}
for line in open(t + "/out.jsonl"):
    pending.setdefault((json.loads(line)["id"]), None)
by_result = {}
for line in open(t + "/events.jsonl"):
    e = json.loads(line)
    by_result.setdefault("%s/%s/%d" % (e["stream"], e["scale"], e["window"]), []).append(line)
for i, line in enumerate(open(t + "/both.out"), 1):
    o = json.loads(line)   # a whole line: it parses
    if "type" in o:
        if cur is None or not by_result.get(cur) or by_result[cur][0] != line:
            sys.exit("both.out:%d: event %s not where its result's next event goes" % (i, o["id"]))
        by_result[cur].pop(0)
        evs.append(line)
    else:
        if cur is not None and by_result.get(cur):
            sys.exit("both.out:%d: result %s before the rest of %s's events" % (i, o["id"], cur))
        cur = o["id"]
        res.append(line)
if sorted(res) != sorted(open(t + "/out.jsonl")) or sorted(evs) != sorted(open(t + "/events.jsonl")):
    sys.exit("not the files' lines: %d results, %d events" % (len(res), len(evs)))
print("# stdout: %d results, %d events, each result's events after it" % (len(res), len(evs)))
EOF_PY

# The jq examples of tdapipe-events(5) run on these events, and the one
# that keeps the results of a shared stdout keeps them all.
if command -v jq >/dev/null; then
	"$PY" - "$TDP_ROOT/man/tdapipe-events.5" "$T" <<'EOF_PY' || die "a jq example of tdapipe-events(5) fails"
import re, subprocess, sys
roff = {"\\-": "-", "\\(aq": "'", "\\(dq": '"', "\\e": "\\"}
blocks = re.findall(r"^\.EX\n(.*?)^\.EE$", open(sys.argv[1]).read(), re.M | re.S)
jq = [b for b in blocks if b.startswith("jq ")]
if len(jq) < 2:
    sys.exit("only %d jq examples" % len(jq))
for cmd in jq:
    for k, v in roff.items():
        cmd = cmd.replace(k, v)
    cmd = cmd.replace("beat", "loop")
    p = subprocess.run(["sh", "-c", cmd], cwd=sys.argv[2], capture_output=True, text=True, timeout=60)
    if p.returncode != 0 or not p.stdout:
        sys.exit("`%s` exited %d, %d lines: %s" % (cmd, p.returncode, p.stdout.count("\n"), p.stderr[:500]))
    print("# tdapipe-events(5): `%s`: %d lines" % (cmd.split("\n")[0], p.stdout.count("\n")))
EOF_PY
	jq -c 'select(has("type") | not)' "$T/both.out" >"$T/both.results"
	same "$T/both.results" "$T/out.jsonl" || die "jq's results of a shared stdout are not the results"
fi

# Events on stdout with a results file; results on stdout with an events file.
config evout "{type: file, path: $T/out3.jsonl}" "{type: stdout}"
rm -f "/dev/shm/tdapipe-$INSTANCE"
run_ok "$T/evout.yaml" 120
same "$T/run.out" "$T/events.jsonl" || die "events on stdout differ from the events file"
same "$T/out3.jsonl" "$T/out.jsonl" || die "results differ with events on stdout"
config resout "{type: stdout}" "{type: file, path: $T/events4.jsonl}"
rm -f "/dev/shm/tdapipe-$INSTANCE"
run_ok "$T/resout.yaml" 120
same "$T/run.out" "$T/out.jsonl" || die "results on stdout differ from the results file"
same "$T/events4.jsonl" "$T/events.jsonl" || die "the events file differs with results on stdout"
echo ok
