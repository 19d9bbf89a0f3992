#!/bin/sh
# join: points of several streams become one stream of vectors on ticks of
# event time (scale `join:`).  A reference written from the rules of the
# issue (sample and hold at t = k*every, ticks built once every stream's
# watermark passed them and at the end up to the least newest time, ticks
# without a value or with one older than max_age skipped, the first tick
# at or after the earliest time waiting when the last stream begins)
# gives the joined points; the scale's windows of them must equal GUDHI's
# Rips diagrams.  Gaps (a stream silent for seconds), a stale stream,
# equal times and disorder within the lateness are in the input.  Then:
# the worker killed over and over gives byte-identical results, offline
# (`persistence --config`) equals online, and a record using the joined
# stream's id, or of a stream no scale takes, is a dead letter.
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1
"$PY" - "$T" <<'PY'
import random, sys
T = sys.argv[1]
r = random.Random(8)
clock = 0
x = {"a": 0.0, "b": 10.0, "c": -5.0}
with open(T + "/in.csv", "w") as f:
    f.write("time,sensor,value\n")
    for i in range(6000):
        s = r.choice("aabbc")
        if 2000 <= i < 2100 and s == "c":
            s = "a"                          # c silent for ~10 s: its value goes stale (max_age)
        clock += r.choice((0, 50, 120, 300))  # 0: equal times
        x[s] = round(x[s] + r.gauss(0, 1), 3)
        f.write("%d,%s,%s\n" % (clock - r.choice((0, 0, 60)), s, x[s]))
PY
config() {
	# $1: file, $2: output prefix
	cat >"$1" <<EOC
instance: $INSTANCE
source: {type: file, path: $T/in.csv, format: csv, header: true, stream: sensor, time: time,
         values: [value], time_unit: ms, lateness: 100ms}
sink: {type: file, path: $T/$2.jsonl}
dead_letter: {type: file, path: $T/$2.dead}
supervisor: {backoff_min: 5, backoff_max: 40, restart_limit: 1000, restart_window: 1}
scales:
  - {name: plant, complex: rips, window: 20, slide: 7, dims: [0, 1],
     join: {streams: [a, b, c], every: 1s, max_age: 3s}}
  - {name: lev, complex: sublevel, window: 50, slide: 25}
EOC
}
config "$T/c.yaml" out
"$TDAPIPE" check-config "$T/c.yaml" | grep -q 'join "a", "b", "c" every 1s max_age 3s' ||
	die "check-config does not show the join: $("$TDAPIPE" check-config "$T/c.yaml")"
run_ok "$T/c.yaml" 60 "join run"
[ ! -s "$T/out.dead" ] || die "dead letters: $(head -n 2 "$T/out.dead")"
"$PY" - "$TDP_ROOT/tests/integration" "$T" <<'PY' || exit 1
import sys
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
from tdpres import *
import gudhi, numpy as np
T = sys.argv[2]
EVERY, MAX_AGE, LATE, W, S = 1000, 3000, 100, 20, 7
names = ["a", "b", "c"]
recs = []
for line in list(open(T + "/in.csv"))[1:]:
    tm, s, v = line.strip().split(",")
    recs.append((int(tm), s, float(v)))
# ingest's late rule (none expected here, checked)
newest = {}
for tm, s, v in recs:
    expect(s not in newest or tm >= newest[s] - LATE, "a late point in the input")
    newest[s] = max(newest.get(s, tm), tm)
# the first tick: the earliest time seen when the last stream begins
seen, m = set(), None
for i, (tm, s, v) in enumerate(recs):
    seen.add(s)
    if len(seen) == 3:
        m = min(r[0] for r in recs[:i + 1])
        break
k0 = -(-m // EVERY)
last = min(newest.values())
pts, skipped = [], 0
for k in range(k0, last // EVERY + 1):
    tk = k * EVERY
    vec = []
    for s in names:
        best = None
        for i, (tm, ss, v) in enumerate(recs):
            if ss == s and tm <= tk and (best is None or (tm, i) > (best[0], best[1])):
                best = (tm, i, v)
        if best is None or tk - best[0] > MAX_AGE:
            vec = None
            break
        vec.append(best[2])
    if vec is None:
        skipped += 1
    else:
        pts.append((tk, vec))
res = {r["window"]: r for raw, r in read_jsonl(T + "/out.jsonl") if r["scale"] == "plant"}
nwin = n_windows(len(pts), W, S)
expect(sorted(res) == list(range(nwin)), "windows %s, expected 0..%d (%d joined points)" % (sorted(res)[:5], nwin - 1, len(pts)))
for k, r in res.items():
    win = pts[k * S:k * S + W]
    expect(r["stream"] == "plant" and r["n"] == W and r["start"] == win[0][0] and r["end"] == win[-1][0],
           "window %d: stream %r n %r start %r end %r, expected %r..%r" % (k, r["stream"], r["n"], r["start"], r["end"], win[0][0], win[-1][0]))
    st = gudhi.RipsComplex(points=np.asarray([v for _, v in win])).create_simplex_tree(max_dimension=2)
    st.persistence()
    for d in (0, 1):
        want = [(b, None if np.isinf(e) else e) for b, e in st.persistence_intervals_in_dimension(d)]
        expect(same_diagram(r["diagrams"][str(d)], want), "window %d H%d: %r != GUDHI %r" % (k, d, r["diagrams"][str(d)][:4], want[:4]))
expect(skipped > 0, "the stale stretch skipped no tick")
# while the input is still open, only ticks the join's watermark passed
below = sum(1 for k in range(k0, last // EVERY + 1) if k * EVERY < last - LATE and k * EVERY not in {t for t, _ in pts})
open(T + "/skipped_below", "w").write("%d\n" % below)
print("# %d ticks joined (%d skipped: no value or older than max_age), %d windows equal GUDHI" % (len(pts), skipped, nwin))
PY

# Skipped ticks in stats: every record in, the input still open, the ticks
# the join's watermark passed built; as many skipped as the reference says.
sed -e "s|type: file, path: $T/in.csv|type: stdin|" -e "s|$T/out|$T/live|g" "$T/c.yaml" >"$T/s.yaml"
start_run_fifo "$T/s.yaml"
feed "$T/in.csv"
want=$(cat "$T/skipped_below")
wait_stats 30 "proc(s, 'scaled', 'plant').get('ticks_skipped') == $want" ||
	die "ticks_skipped: $(stats_get proc:scaled:plant:ticks_skipped), expected $want"
"$TDAPIPE" stats --instance "$INSTANCE" | grep -q "^scaled\[plant\] *$want\$" ||
	die "tdapipe stats does not show the skipped ticks: $("$TDAPIPE" stats --instance "$INSTANCE" | grep -A2 JOIN)"
close_input
wait_run 30
note "stats: $want ticks skipped while the input was open, as the reference"

# The workers killed over and over (each incarnation SIGKILLs itself at
# its 400th step: common/crash.h), restarted by the supervisor: the same
# bytes.
config "$T/k.yaml" kill
TDAPIPE_CRASH_AT=400 TDAPIPE_CRASH_ROLE=scaled "$TDAPIPE" run --fresh -c "$T/k.yaml" >"$T/run.out" 2>"$T/run.err" ||
	{ tail -n 5 "$T/run.err" >&2; die "the crashing run failed"; }
kills=$(grep -c "scaled.*plant.*killed by signal 9\|plant.*signal 9" "$T/run.err" || true)
[ "$kills" -ge 5 ] || { grep -i "signal\|restart" "$T/run.err" | head -3 >&2; die "the join worker was killed $kills times"; }
grep '"scale":"plant"' "$T/out.jsonl" >"$T/a"
grep '"scale":"plant"' "$T/kill.jsonl" >"$T/b"
cmp -s "$T/a" "$T/b" || die "after $kills kills of the worker the results differ: $(diff "$T/a" "$T/b" | head -3)"
note "the join scale's worker killed $kills times: results byte-identical"

# Offline equals online.
"$TDAPIPE" persistence --config "$T/c.yaml" --scale plant "$T/in.csv" >"$T/p" 2>"$T/p.err" ||
	{ cat "$T/p.err" >&2; die "persistence --config --scale plant failed"; }
cmp -s "$T/a" "$T/p" || die "offline differs from online"
note "persistence --config --scale plant: the same results"

# A record with the joined stream's id, one of a stream only a join could
# take but does not list (no other scale), dead letters with the reason.
printf 'time,sensor,value\n1,a,1\n2,plant,3\n3,zz,4\n' >"$T/bad.csv"
sed -e "s|$T/in.csv|$T/bad.csv|" -e "s|$T/out|$T/bad|g" -e '/name: lev/d' "$T/c.yaml" >"$T/bad.yaml"
start_run "$T/bad.yaml"
wait_run 30
grep -q 'stream \\"plant\\" is the stream scale \\"plant\\" joins into' "$T/bad.dead" ||
	die "no dead letter for the joined stream's id: $(cat "$T/bad.dead")"
grep -q 'stream \\"zz\\" is in no scale' "$T/bad.dead" || die "no dead letter for a stream no scale takes: $(cat "$T/bad.dead")"
note "the joined stream's id and a stream no scale takes: dead letters"

# Config errors, with where and what.
bad_config() {
	printf 'instance: x\nsource: {type: file, path: %s, format: csv, time_column: 0}\nscales:\n  - %s\n' "$T/in.csv" "$1" >"$T/e.yaml"
	! "$TDAPIPE" check-config --syntax-only "$T/e.yaml" >"$T/e.out" 2>&1 || die "accepted: $1"
	grep -q -- "$2" "$T/e.out" || die "$1: no message matching \"$2\": $(cat "$T/e.out")"
}
bad_config "{name: j, complex: sublevel, window: 5, slide: 5, join: {streams: [a], every: 1s}}" "join: expected no join with complex sublevel"
bad_config "{name: j, complex: rips, window: 5, slide: 5, join: {streams: [a, a], every: 1s}}" "streams\[1\]: expected a stream not listed before"
bad_config "{name: j, complex: rips, window: 5, slide: 5, join: {streams: [a]}}" "every"
bad_config "{name: j, complex: rips, window: 5, slide: 5, join: {streams: [], every: 1s}}" "streams: expected a list of 1 to 16 stream ids"
note "join config errors name the key"
