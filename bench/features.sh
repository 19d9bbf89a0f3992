#!/bin/sh
# bench/features.sh - a section of `make bench` (bench/run.sh), or run
# alone: points/s through `tdapipe run` of one sublevel scale (window 1000,
# slide 100) without features, with each feature alone, and with every
# feature and distance on, in the same run.
#
# Input: FBENCH_POINTS (1,080,000) points of the ECG sample, repeated, one
# stream, CSV.  Features as in the issue's example block: summary, Betti
# curve (100 points), 5 landscape layers (100 points each), silhouette (100
# points), a 20 x 20 persistence image, bottleneck, wasserstein1 and
# wasserstein2 to the previous window.  Runs alternate between the configs,
# RUNS (3) of each; points/s is N / wall time of `tdapipe run`, medians.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${FBENCH_POINTS:-1080000}
W=$BUILD/bench
mkdir -p "$W"

. bench/lib.sh
input=$(ecg_input "$N")

SUB='name: sub, complex: sublevel, window: 1000, slide: 100'
SRC="{type: file, path: $input, format: csv}"
BETTI='betti: {range: [-1, 2], resolution: 100}'
LAND='landscape: {layers: 5, range: [-1, 2], resolution: 100}'
SIL='silhouette: {range: [-1, 2], resolution: 100, power: 1}'
IMG='image: {bandwidth: 0.05, resolution: [20, 20], range: [-1, 2, 0, 3]}'
# name, what the row says, the features block ("" for none)
set -- \
	foff "no features" "" \
	fsum "summary" "summary: true" \
	fbetti "betti (100 points)" "$BETTI" \
	fland "landscape (5 x 100)" "$LAND" \
	fsil "silhouette (100)" "$SIL" \
	fimg "image (20 x 20)" "$IMG" \
	fbot "bottleneck" "distance: [bottleneck]" \
	fwas "wasserstein1, wasserstein2" "distance: [wasserstein1, wasserstein2]" \
	fon "every feature and distance (the issue's block)" \
	"summary: true, $BETTI, $LAND, $SIL, $IMG, distance: [bottleneck, wasserstein1, wasserstein2]"
names=""
rows=""
while [ $# -ge 3 ]; do
	if [ -z "$3" ]; then
		bench_config "$1" "$SRC" "{$SUB}"
	else
		bench_config "$1" "$SRC" "{$SUB, features: {$3}}"
	fi
	names="$names $1"
	rows="$rows$1|$2
"
	shift 3
done

# shellcheck disable=SC2086
alternate "$N" $names
off=$(median <"$W/foff.rates")
printf '%-48s %14s %8s %12s\n' "sublevel 1000/100, $N points" "points/s" "on/off" "MB out"
printf '%s' "$rows" | while IFS='|' read -r name what; do
	rate=$(median <"$W/$name.rates")
	printf '%-48s %14s %8s %12s\n' "$what" "$rate" \
		"$(awk -v a="$rate" -v b="$off" 'BEGIN {printf "%.2f", a / b}')" \
		"$(wc -c <"$W/$name.out" | awk '{printf "%.1f", $1 / 1e6}')"
done
echo "   $(wc -l <"$W/fon.out" | tr -d ' ') windows in each run"
