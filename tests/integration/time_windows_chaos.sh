#!/bin/sh
# time_windows_chaos: windows over event time survive kills (issue 18).
#
# Four dense streams (about 500 points/s each, 150 s of event time with
# disorder within and beyond the lateness, late points and records without
# time: about 268,000 records, tests/tools/time_windows_ref.py --dense)
# through two sublevel time scales (1s / 250ms; 3s / 100ms with
# max_window_points 1000, so windows are cut) and a delay-embedded Rips
# H0-H1 time scale (200ms / 100ms), once undisturbed and once while
# scripts/chaos sends SIGKILL and SIGSEGV at 20 per second to every process
# (window state and out-of-order points live in the segment).  Each scale's
# results must be byte-identical to the clean run's, in the same order,
# and so must the dead letters.  What the clean run computes is checked
# against the reference by time_windows_oracle.sh on smaller inputs.
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1   # chaos kills processes on purpose
ulimit -c 0        # SIGSEGV must not leave core files
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}handle_segv=0"
RATE=${CHAOS_RATE:-20}

d=$T/case
"$PY" "$TDP_ROOT/tests/tools/time_windows_ref.py" case --dir "$d" --instance "$INSTANCE" \
	--seed 1900 --unit ms --lateness 50ms --dense --streams 4 --seconds 150
# fast restarts, and a third scale
sed -i 's|^max_streams: 16$|max_streams: 16\nsupervisor: {backoff_min: 5, backoff_max: 40, restart_limit: 1000, restart_window: 1, heartbeat_timeout: 500}|' "$d/c.yaml"
echo "  - {name: r, complex: rips, window: 200ms, slide: 100ms, dims: [0, 1], embed: {dim: 2, lag: 1}, max_window_points: 400}" >>"$d/c.yaml"
grep -q '^supervisor:' "$d/c.yaml" || die "config: no supervisor line added"

run_ok "$d/c.yaml" 120 "clean run"
mv "$d/out.jsonl" "$d/clean.jsonl"
mv "$d/out.jsonl.dead" "$d/clean.dead"

start_run "$d/c.yaml"
runpid=$(cat "$T/run.pid")
wait_for 20 test -e "/dev/shm/tdapipe-$INSTANCE" || die "the instance never started"
"$TDP_ROOT/scripts/chaos" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --rate "$RATE" --fixed --duration 3600 \
	--signals KILL=9,SEGV=1 --targets all --seed 18 --until-exit "$runpid" --json \
	>"$T/chaos.json" 2>"$T/chaos.err" &
echo $! >"$T/chaos.pid"
wait_run 300
chaospid=$(cat "$T/chaos.pid")
wait_for 30 sh -c "! kill -0 $chaospid" || die "chaos did not stop after the run ended"
rm -f "$T/chaos.pid"
[ "$RUN_RC" -eq 0 ] || { tail -n 30 "$T/run.err" >&2; die "run under chaos exited $RUN_RC"; }

"$PY" - "$d" "$T/chaos.json" <<'EOF'
import json, sys
d, report = sys.argv[1:3]
fail = []
def by_scale(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        out.setdefault(json.loads(line)["scale"], []).append(line)
    return out
got, want = by_scale(d + "/out.jsonl"), by_scale(d + "/clean.jsonl")
if sorted(got) != sorted(want) or sorted(want) != ["a", "d", "r"]:
    fail.append("scales %s, the clean run %s" % (sorted(got), sorted(want)))
for s in sorted(want):
    a, b = got.get(s, []), want[s]
    if a != b:
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        fail.append("scale %s: %d results, the clean run %d; first difference at line %d:\n  got      %s  expected %s"
                    % (s, len(a), len(b), i + 1, a[i][:300] if i < len(a) else "(none)\n",
                       b[i][:300] if i < len(b) else "(none)\n"))
if open(d + "/out.jsonl.dead", "rb").read() != open(d + "/clean.dead", "rb").read():
    fail.append("dead letters differ from the clean run's")
r = json.load(open(report))
hits = {l: sum(v.values()) for l, v in r["by_label"].items()}
print("# chaos: %d signals in %.1f s: %s" % (r["total"], r["duration_s"],
      ", ".join("%s %d" % kv for kv in sorted(hits.items()))))
if r["total"] < 30 or not hits.get("ingest") or not hits.get("publish"):
    fail.append("chaos sent %d signals (ingest %d, publish %d): too few to tell"
                % (r["total"], hits.get("ingest", 0), hits.get("publish", 0)))
print("# results: %s; dead letters: %d" % (", ".join("%s %d" % (s, len(v)) for s, v in sorted(want.items())),
      sum(1 for _ in open(d + "/clean.dead"))))
for f in fail:
    print("FAIL: " + f)
sys.exit(1 if fail else 0)
EOF
deaths=$(grep -c "; restart [0-9]* in " "$T/run.err" || true)
note "the supervisor restarted processes $deaths times"
[ "$deaths" -ge 10 ] || die "only $deaths restarts: chaos did not really kill"
echo ok
