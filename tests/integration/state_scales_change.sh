#!/bin/sh
# state_scales_change: an instance stopped, its config's scales edited
# (one removed, one changed, one added), started again: the checkpoint is
# restored and moved to the new scales as a reload would
# (tdapipe-run(1), State): the scales kept go on where they stopped
# (their results those of one uninterrupted run), the changed and added
# ones begin after the restart, no id twice.  A change to anything else
# (here the sink) is still refused.
. "$(dirname "$0")/../lib.sh"
N=12000
N1=5000
gauss_csv "$T/points.csv" "$N" 4
head -n $N1 "$T/points.csv" >"$T/first.csv"
tail -n +$((N1 + 1)) "$T/points.csv" >"$T/second.csv"
KEEP='  - {name: keep, complex: sublevel, window: 64, slide: 16}
  - {name: cloud, complex: rips, window: 40, slide: 20, dims: [0, 1]}'
SCALES="scales:
$KEEP
  - {name: gone, complex: sublevel, window: 100, slide: 50}
  - {name: chg, complex: sublevel, window: 50, slide: 10}"
write_config "$T/c.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"
write_config "$T/clean.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"
echo "state: {dir: $T/state}" >>"$T/c.yaml"

start_run_fifo "$T/c.yaml"
feed "$T/first.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $N1"
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "the first run exited $RUN_RC"; }
close_input

SCALES="scales:
  - {name: add, complex: sublevel, window: 80, slide: 40}
$KEEP
  - {name: chg, complex: sublevel, window: 40, slide: 5}"
write_config "$T/c.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"
echo "state: {dir: $T/state}" >>"$T/c.yaml"
sed "s|path: $T/out.jsonl|path: $T/other.jsonl|" "$T/c.yaml" >"$T/sink.yaml"
FRESH=
start_run "$T/sink.yaml"
wait_run 20
[ "$RUN_RC" -eq 100 ] || { cat "$T/run.err" >&2; die "a changed sink: exit $RUN_RC, expected 100"; }
grep -q "another config (the sink differs)" "$T/run.err" || { cat "$T/run.err" >&2; die "no message for the sink"; }

start_run_fifo "$T/c.yaml"
feed "$T/second.csv"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "the second run exited $RUN_RC"; }
grep -q "restored from" "$T/run.err" || die "the checkpoint was not restored"
grep -q "start: scales added: add; changed (restarted fresh): chg; removed (drained): gone" "$T/run.err" ||
	{ cat "$T/run.err" >&2; die "the scales were not moved"; }
run_ok "$T/clean.yaml" 60 "clean run"
check_results "$T/out.jsonl" keep:64:16 cloud:40:20:0,1 --ignore gone --ignore chg --ignore add \
	--same-as "$T/clean.jsonl"
"$PY" - "$T/out.jsonl" "$N1" "$N" <<'PY' || exit 1
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
n1, n = int(sys.argv[2]), int(sys.argv[3])
ids = [r["id"] for r in rs]
assert len(ids) == len(set(ids)), "ids twice"
add = [r["window"] for r in rs if r["scale"] == "add"]
assert add == list(range(-(-n1 // 40), (n - 80) // 40 + 1)), "add: %s..." % add[:3]
new = [r for r in rs if r["scale"] == "chg" and r["first_seq"] >= n1]
assert new and all(r["n"] == 40 and r["first_seq"] == r["window"] * 5 for r in new), "chg after the restart"
gone = [r for r in rs if r["scale"] == "gone"]
assert gone and all(r["last_seq"] < n1 for r in gone), "gone after the restart"
print("# kept scales as uninterrupted; add %d, chg %d new windows; gone none after the restart" % (len(add), len(new)))
PY
