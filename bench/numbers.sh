#!/bin/sh
# bench/numbers.sh - a section of `make bench` (bench/run.sh), or run
# alone: what the number module (common/shortest.c printing,
# common/parse_double.c parsing) gives whole runs, next to a
# TDP_GLIBC_NUMBERS build (glibc printf and strtod; built here into
# build-glibc/ and bin-glibc/), in the same run, alternating:
#  - `tdapipe run`, one sublevel scale (window 1000, slide 100) on
#    NBENCH_POINTS (1,080,000) points of the ECG sample, CSV, no
#    features: points/s = N / wall time;
#  - `tdapipe persistence --complex sublevel --input series --window
#    100000 --slide 1 --summary` on a 1,100,000-point random walk (fixed
#    seed, shortest digits): windows/s = 1,000,001 / wall time.
# RUNS (3) of each, medians; and whether both builds wrote the same bytes.
# Also the CPU time of each (user + sys, all processes of a `tdapipe
# run`, /usr/bin/time): on a shared machine the wall clock moves with the
# others' load, the CPU time much less; and the load average before and
# after, to quote with the figures.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${NBENCH_POINTS:-1080000}
GBUILD=build-glibc
GBIN=bin-glibc
W=$BUILD/bench
mkdir -p "$W"

. bench/lib.sh
make -s --no-print-directory >/dev/null BUILD=$GBUILD BIN=$GBIN TDP_GLIBC_NUMBERS=1 \
	$GBIN/tdapipe $GBIN/tdapipe-ingest $GBIN/tdapipe-scaled $GBIN/tdapipe-publish $GBIN/tdapipe-exporter

input=$(ecg_input "$N")
SRC="{type: file, path: $input, format: csv}"
bench_config nours "$SRC" "{name: sub, complex: sublevel, window: 1000, slide: 100}"
bench_config nglibc "$SRC" "{name: sub, complex: sublevel, window: 1000, slide: 100}"

walk=$W/walk-1100000.txt
if [ ! -f "$walk" ]; then
	/usr/bin/python3 - "$walk" <<'PY'
import random, sys
random.seed(24)
x, out = 0.0, []
for _ in range(1100000):
    x += random.gauss(0, 1)
    out.append(repr(x))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
fi

: >"$W/nours.rates"; : >"$W/nglibc.rates"; : >"$W/pours.rates"; : >"$W/pglibc.rates"
: >"$W/nours.cpu"; : >"$W/nglibc.cpu"; : >"$W/pours.cpu"; : >"$W/pglibc.cpu"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# timed OUT CMD...: CMD, its user + sys seconds (descendants included)
# appended to OUT when /usr/bin/time is there.
timed() {
	out=$1; shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$W/time.tmp" "$@" || return 1
		awk '{printf "%.3f\n", $1 + $2}' "$W/time.tmp" >>"$out"
	else
		"$@"
	fi
}
for _ in $(seq "$RUNS"); do
	for which in ours glibc; do
		if [ $which = ours ]; then b=$BIN; else b=$GBIN; fi
		t0=$(now)
		timed "$W/n$which.cpu" "$b"/tdapipe run --fresh -c "$W/n$which.yaml" 2>"$W/n$which.err" || {
			echo "tdapipe run -c $W/n$which.yaml failed:" >&2; tail -n 5 "$W/n$which.err" >&2; exit 1; }
		t1=$(now)
		echo "$t0 $t1" | awk -v n="$N" '{printf "%.0f\n", n / ($2 - $1)}' >>"$W/n$which.rates"
		t0=$(now)
		timed "$W/p$which.cpu" "$b"/tdapipe persistence --complex sublevel --input series --window 100000 \
			--slide 1 --summary "$walk" >"$W/p$which.out"
		t1=$(now)
		echo "$t0 $t1" | awk '{printf "%.0f\n", 1000001 / ($2 - $1)}' >>"$W/p$which.rates"
	done
done

same() { if cmp -s "$1" "$2"; then echo "identical"; else echo "DIFFERENT"; fi; }
printf '%-52s %12s %12s %8s  %s\n' "run (median of $RUNS)" "ours" "glibc" "ratio" "output"
row() {
	o=$(median <"$W/$2ours.rates")
	g=$(median <"$W/$2glibc.rates")
	printf '%-52s %12s %12s %7sx  %s\n' "$1" "$o" "$g" \
		"$(awk -v a="$o" -v b="$g" 'BEGIN {printf "%.2f", a / b}')" "$3"
}
row "tdapipe run, sublevel 1000/100, points/s" n "$(same "$W/nours.out" "$W/nglibc.out")"
row "persistence --window 100000 --slide 1 --summary, windows/s" p "$(same "$W/pours.out" "$W/pglibc.out")"
# cpurow LABEL NAME: the medians of NAME's CPU seconds, ours and glibc.
cpurow() {
	[ -s "$W/$2ours.cpu" ] || return 0
	o=$(median <"$W/$2ours.cpu")
	g=$(median <"$W/$2glibc.cpu")
	printf '%-52s %12s %12s %7sx\n' "$1" "$o" "$g" "$(awk -v a="$o" -v b="$g" 'BEGIN {printf "%.2f", b / a}')"
}
cpurow "tdapipe run, CPU seconds (user + sys)" n
cpurow "persistence --summary, CPU seconds (user + sys)" p
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
