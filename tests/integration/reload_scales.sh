#!/bin/sh
# reload_scales: SIGHUP adds, removes and changes scales while points flow
# (tdapipe-run(1), RELOAD).  Four scales run on a FIFO; half the points
# in, the config loses "gone", changes "chg" (its slide) and gains "add";
# "keep" and "cloud" stay as they were.  Then:
#   - keep and cloud: their processes have the same pids as before, and
#     their results equal a run without reload (byte for byte, per scale);
#   - gone: drained: every window the first half completes, no more;
#   - chg (window 50 slide 10, then 40 and 5): its old windows of the
#     first half, then windows of the new size beginning at or after the
#     reload (numbered after the last one published: no id twice);
#   - add: the windows that begin at or after the reload.
. "$(dirname "$0")/../lib.sh"
N=12000
N1=6000
gauss_csv "$T/points.csv" "$N" 8
head -n $N1 "$T/points.csv" >"$T/first.csv"
tail -n +$((N1 + 1)) "$T/points.csv" >"$T/second.csv"
KEEP='  - {name: keep, complex: sublevel, window: 64, slide: 16}
  - {name: cloud, complex: rips, window: 40, slide: 20, dims: [0, 1]}'
SCALES="scales:
$KEEP
  - {name: gone, complex: sublevel, window: 100, slide: 50}
  - {name: chg, complex: sublevel, window: 50, slide: 10}"
write_config "$T/live.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"
write_config "$T/clean.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"
write_config "$T/half.yaml" "{type: file, path: $T/first.csv, format: csv}" "$T/half.jsonl"
SCALES="scales:
  - {name: add, complex: sublevel, window: 80, slide: 40}
$KEEP
  - {name: chg, complex: sublevel, window: 40, slide: 5}"
write_config "$T/next.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"

pid_of() { stats_json | "$PY" -c "
import json, sys
print(' '.join(str(p['pid']) for p in json.load(sys.stdin)['processes'] if p.get('scale') == sys.argv[1]))" "$1"; }

start_run_fifo "$T/live.yaml"
feed "$T/first.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $N1"
K0=$(pid_of keep) C0=$(pid_of cloud)
[ -n "$K0" ] && [ -n "$C0" ] || die "no pids for keep and cloud"
cp "$T/next.yaml" "$T/live.yaml"
kill -HUP "$(cat "$T/run.pid")"
wait_for 20 grep -q "SIGHUP: scales added" "$T/run.err" || { cat "$T/run.err" >&2; die "the reload was not done"; }
note "$(grep 'SIGHUP: scales added' "$T/run.err" | sed 's/^.*SIGHUP/SIGHUP/')"
wait_stats 20 "proc(s, 'scaled', 'add')['state'] == 'running' and proc(s, 'publish')['state'] == 'running'"
K1=$(pid_of keep) C1=$(pid_of cloud)
[ "$K0 $C0" = "$K1 $C1" ] || die "kept scales' pids changed: keep $K0 -> $K1, cloud $C0 -> $C1"
feed "$T/second.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $N"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "the run exited $RUN_RC"; }
grep -q "; restart [0-9]* in" "$T/run.err" && die "a process was restarted"

run_ok "$T/clean.yaml" 60 "clean run"
run_ok "$T/half.yaml" 60 "first-half run"
check_results "$T/out.jsonl" keep:64:16 cloud:40:20:0,1 --ignore gone --ignore chg --ignore add \
	--same-as "$T/clean.jsonl"
"$PY" - "$T/out.jsonl" "$T/half.jsonl" "$N1" "$N" <<'PY' || exit 1
import json, sys
out, half, n1, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rs = [json.loads(l) for l in open(out)]
ids = [r["id"] for r in rs]
assert len(ids) == len(set(ids)), "ids published twice: %d" % (len(ids) - len(set(ids)))
by = {}
for r in rs:
    by.setdefault(r["scale"], []).append(r)
hs = {}
for l in open(half):
    r = json.loads(l)
    hs.setdefault(r["scale"], []).append(l.strip())
got = lambda s: [json.dumps(r, separators=(",", ":")) for r in by.get(s, [])]
# gone: drained: exactly the first half's windows
g = [l for l in open(out) if '"scale":"gone"' in l]
assert [l.strip() for l in g] == hs["gone"], "gone: %d results, the first half has %d" % (len(g), len(hs["gone"]))
# chg: the first half's windows (50/10), then 40/5 from the reload on
c = [l.strip() for l in open(out) if '"scale":"chg"' in l]
old = [l for l in c if json.loads(l)["last_seq"] < n1]
assert old == hs["chg"], "chg before the reload: %d results, the first half has %d" % (len(old), len(hs["chg"]))
new = [json.loads(l) for l in c if json.loads(l)["last_seq"] >= n1]
last_old = max(json.loads(l)["window"] for l in old)
k0 = max(-(-n1 // 5), last_old + 1)
want = list(range(k0, (n - 40) // 5 + 1))
assert [r["window"] for r in new] == want, "chg after: windows %s..., want %s..." % ([r["window"] for r in new][:3], want[:3])
for r in new:
    assert r["first_seq"] == r["window"] * 5 and r["n"] == 40, r["id"]
# add: windows that begin at or after the reload
a = by["add"]
want = list(range(-(-n1 // 40), (n - 80) // 40 + 1))
assert [r["window"] for r in a] == want, "add: windows %s..., want %s..." % ([r["window"] for r in a][:3], want[:3])
print("# gone %d (drained), chg %d + %d (from window %d), add %d; no id twice" % (len(g), len(old), len(new), k0, len(a)))
PY
note "keep and cloud kept their pids ($K1, $C1) and their results"

# --- reloads while the points flow -----------------------------------------
# 8 reloads, 0.2 s apart, alternating between two scale sets, while a
# feeder writes 60,000 points at about 20,000 a second: keep and cloud
# never stop (same pids) and their results are a clean run's; no id twice.
N=60000
gauss_csv "$T/points.csv" "$N" 9
SCALES="scales:
$KEEP
  - {name: gone, complex: sublevel, window: 100, slide: 50}"
write_config "$T/a.yaml" "{type: stdin, format: csv}" "$T/flow.jsonl"
write_config "$T/clean2.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean2.jsonl"
SCALES="scales:
  - {name: add, complex: rips, window: 30, slide: 30}
$KEEP"
write_config "$T/b.yaml" "{type: stdin, format: csv}" "$T/flow.jsonl"
cp "$T/a.yaml" "$T/live.yaml"
start_run_fifo "$T/live.yaml"
"$PY" - "$T/points.csv" "$T/in.fifo" <<'PY' &
import sys, time
lines = open(sys.argv[1]).read().splitlines(True)
with open(sys.argv[2], "w") as f:
    for i in range(0, len(lines), 200):
        f.write("".join(lines[i:i + 200]))
        f.flush()
        time.sleep(0.01)
PY
echo $! >"$T/feed.pid"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= 2000"
K0=$(pid_of keep) C0=$(pid_of cloud)
for r in 1 2 3 4 5 6 7 8; do
	if [ $((r % 2)) -eq 1 ]; then cp "$T/b.yaml" "$T/live.yaml"; else cp "$T/a.yaml" "$T/live.yaml"; fi
	before=$(grep -c "SIGHUP: scales added" "$T/run.err" || true)
	kill -HUP "$(cat "$T/run.pid")"
	wait_for 20 sh -c "[ \$(grep -c 'SIGHUP: scales added' '$T/run.err') -gt $before ]" ||
		{ cat "$T/run.err" >&2; die "reload $r was not done"; }
	sleep 0.2
done
K1=$(pid_of keep) C1=$(pid_of cloud)
close_input 30
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "the run with reloads exited $RUN_RC"; }
[ "$K0 $C0" = "$K1 $C1" ] || die "kept scales' pids changed through 8 reloads: $K0 $C0 -> $K1 $C1"
grep -q "; restart [0-9]* in" "$T/run.err" && die "a process was restarted"
run_ok "$T/clean2.yaml" 60 "clean run"
check_results "$T/flow.jsonl" keep:64:16 cloud:40:20:0,1 --ignore gone --ignore add --same-as "$T/clean2.jsonl"
"$PY" -c "
import json, sys
ids = [json.loads(l)['id'] for l in open('$T/flow.jsonl')]
assert len(ids) == len(set(ids)), 'ids twice: %d' % (len(ids) - len(set(ids)))
print('# 8 reloads under flow: %d results, no id twice' % len(ids))"
