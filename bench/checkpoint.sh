#!/bin/sh
# bench/checkpoint.sh - a section of `make bench` (bench/run.sh), or run
# alone: what checkpointing the state costs (tdapipe-run(1), State).
#
# Points/s through `tdapipe run` of CBENCH_POINTS (4,000,000) values of
# the ECG sample, one sublevel scale 1000/100 and one Rips scale 100/50
# (H0, H1), with state.interval 0 (a checkpoint only at the end: the
# reference) and with 1 s and 100 ms, alternated, RUNS (3) of each,
# medians.  Then, during one more run at 100 ms, the pause of each
# periodic checkpoint (the pipeline SIGSTOPped for the copy) and the
# checkpoint's size, as `tdapipe stats --json` reports them.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${CBENCH_POINTS:-4000000}
W=$BUILD/bench
mkdir -p "$W"
. bench/lib.sh
input=$(ecg_input "$N")

SCALE='{name: sub, complex: sublevel, window: 1000, slide: 100}
  - {name: cloud, complex: rips, window: 100, slide: 50, dims: [0, 1], embed: {dim: 2, lag: 3}}'
STATE_INTERVAL=0 bench_config cnone "{type: file, path: $input, format: csv}" "$SCALE"
STATE_INTERVAL=1s bench_config c1s "{type: file, path: $input, format: csv}" "$SCALE"
STATE_INTERVAL=100ms bench_config c100ms "{type: file, path: $input, format: csv}" "$SCALE"
alternate "$N" cnone c1s c100ms
ref=$(median <"$W/cnone.rates")
printf '%-44s %14s %14s %8s\n' "state.interval ($N points, 2 scales)" "points/s" "interval 0" "ratio"
for c in c1s:1s c100ms:100ms; do
	name=${c%%:*}
	r=$(median <"$W/$name.rates")
	printf '%-44s %14s %14s %8s\n' "${c#*:}" "$r" "$ref" "$(awk -v a="$r" -v b="$ref" 'BEGIN {printf "%.3f", a / b}')"
done

# The pauses: stats read every 50 ms during a run at 100 ms.
"$BIN"/tdapipe run --fresh -c "$W/c100ms.yaml" 2>"$W/c100ms.err" &
pid=$!
inst=$(sed -n 's/^instance: //p' "$W/c100ms.yaml")
: >"$W/pauses"
while kill -0 "$pid" 2>/dev/null; do
	"$BIN"/tdapipe stats --instance "$inst" --json 2>/dev/null |
		/usr/bin/python3 -c "
import json, sys
c = json.load(sys.stdin).get('checkpoint', {})
if c.get('written'): print(c['written'], c['pause_ns'], c['bytes'])" >>"$W/pauses" 2>/dev/null || true
	sleep 0.05
done
wait "$pid"
/usr/bin/python3 - "$W/pauses" <<'PY'
import statistics, sys
seen = {}
for line in open(sys.argv[1]):
    n, p, b = map(int, line.split())
    if p:
        seen[n] = (p, b)
if not seen:
    print("   pauses: no periodic checkpoint seen (run too short?)")
    sys.exit(0)
ps = sorted(p for p, _ in seen.values())
bs = [b for _, b in seen.values()]
print("   pause of the pipeline per checkpoint (%d seen): median %.1f ms, max %.1f ms; checkpoint %.1f MB"
      % (len(ps), statistics.median(ps) / 1e6, ps[-1] / 1e6, statistics.median(bs) / 1e6))
PY
