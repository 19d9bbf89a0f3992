#!/bin/sh
# bench/time_windows.sh - a section of `make bench` (bench/run.sh), or run
# alone: points/s through `tdapipe run` of a time scale next to a count
# scale with the same mean points per window, in the same run.
#
# Input: TBENCH_POINTS (1,000,000) points of the ECG sample (repeated) as
# JSON Lines {"t": ms, "v": x}, one stream, at 1000 points per second of
# event time (t = i ms plus a random fraction of a millisecond, in order).
# Count scale: sublevel, window 1000 points, slide 100.  Time scale:
# sublevel, window 1s, slide 100ms: 1000 points per window on average, the
# same number of windows.  Both configs read the same file with the same
# source keys (time_unit ms, lateness 0); runs alternate between the two,
# RUNS (3) of each; points/s is N / wall time of `tdapipe run`, medians.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${TBENCH_POINTS:-1000000}
W=$BUILD/bench
mkdir -p "$W"

input=$W/time-$N.jsonl
if [ ! -f "$input" ]; then
	/usr/bin/python3 - "$input" "$N" <<'PY'
import random, sys
out, n = sys.argv[1], int(sys.argv[2])
x = open("samples/ecg.csv").read().split()
r = random.Random(18)
t0 = 1796526000000
with open(out + ".tmp", "w") as f:
    for i in range(n):
        f.write('{"t":%d.%03d,"v":%s}\n' % (t0 + i, r.randrange(1000), x[i % len(x)]))
import os
os.replace(out + ".tmp", out)
PY
fi

. bench/lib.sh

bench_config tcount "{type: file, path: $input, format: jsonl, time_unit: ms}" '{name: count, complex: sublevel, window: 1000, slide: 100}'
bench_config ttime "{type: file, path: $input, format: jsonl, time_unit: ms}" '{name: time, complex: sublevel, window: 1s, slide: 100ms, max_window_points: 2000}'

alternate "$N" tcount ttime
c=$(median <"$W/tcount.rates")
t=$(median <"$W/ttime.rates")
printf '%-52s %14s %14s %8s\n' "scale (sublevel, $N points, 1000 points/s)" "count points/s" "time points/s" "time/count"
printf '%-52s %14s %14s %8s\n' "count 1000/100 vs time 1s/100ms" "$c" "$t" \
	"$(awk -v a="$t" -v b="$c" 'BEGIN {printf "%.2f", a / b}')"
echo "   results: count $(wc -l <"$W/tcount.out" | tr -d ' ') windows, time $(wc -l <"$W/ttime.out" | tr -d ' ') windows; dead letters: $(cat "$W/tcount.dead" "$W/ttime.dead" | wc -l | tr -d ' ')"
