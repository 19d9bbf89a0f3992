#!/bin/sh
# bench/features.sh - a section of `make bench` (bench/run.sh), or run
# alone: points/s through `tdapipe run` of one sublevel scale (window 1000,
# slide 100) with every feature and distance on, next to the same scale
# without features, in the same run.
#
# Input: FBENCH_POINTS (1,080,000) points of the ECG sample, repeated, one
# stream, CSV.  Features: summary, Betti curve (100 points), 5 landscape
# layers (100 points each), silhouette (100 points), a 20 x 20 persistence
# image, bottleneck, wasserstein1 and wasserstein2 to the previous window:
# the issue's example block.  Runs alternate between the two configs, RUNS
# (3) of each; points/s is N / wall time of `tdapipe run`, medians.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${FBENCH_POINTS:-1080000}
W=$BUILD/bench
mkdir -p "$W"

input=$W/features-$N.csv
if [ ! -f "$input" ]; then
	/usr/bin/python3 - "$input" "$N" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
x = open("samples/ecg.csv").read().split()
with open(out + ".tmp", "w") as f:
    for i in range(n):
        f.write(x[i % len(x)] + "\n")
os.replace(out + ".tmp", out)
PY
fi

. bench/lib.sh

SUB='name: sub, complex: sublevel, window: 1000, slide: 100'
bench_config foff "{type: file, path: $input, format: csv}" "{$SUB}"
bench_config fon "{type: file, path: $input, format: csv}" "{$SUB, features: {summary: true, betti: {range: [-1, 2], resolution: 100},
      landscape: {layers: 5, range: [-1, 2], resolution: 100},
      silhouette: {range: [-1, 2], resolution: 100, power: 1},
      image: {bandwidth: 0.05, resolution: [20, 20], range: [-1, 2, 0, 3]},
      distance: [bottleneck, wasserstein1, wasserstein2]}}"

alternate "$N" foff fon
off=$(median <"$W/foff.rates")
on=$(median <"$W/fon.rates")
printf '%-44s %14s %14s %8s\n' "sublevel 1000/100, $N points" "off points/s" "on points/s" "on/off"
printf '%-44s %14s %14s %8s\n' "every feature and distance" "$off" "$on" \
	"$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.2f", a / b}')"
echo "   results: $(wc -l <"$W/fon.out" | tr -d ' ') windows with features ($(wc -c <"$W/fon.out" | tr -d ' ') bytes), $(wc -l <"$W/foff.out" | tr -d ' ') without ($(wc -c <"$W/foff.out" | tr -d ' ') bytes)"
