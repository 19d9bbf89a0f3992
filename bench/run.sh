#!/bin/sh
# bench/run.sh - what `make bench` prints: our figures next to a reference
# measured in the same run, medians of RUNS runs (default 3).
#
#  1. ring: point records/s between two processes through a tdp ring, next to
#     memcpy of the same records (the physical limit on this machine).
#  2. end to end: points/s through `tdapipe run` (file source -> scales ->
#     file sink) on the ECG sample repeated to POINTS points, for the demo
#     config with 1, 2 and 4 scales and for one sublevel scale (window 1000,
#     slide 100), next to GUDHI computing the same windows' diagrams from
#     scratch (compute only, no I/O) on the same input.
#  3. time windows: a time scale next to a count scale with the same mean
#     points per window (bench/time_windows.sh); features on vs off
#     (bench/features.sh); point-to-publish latency at 25/50/90% of the
#     maximum rate (bench/latency.sh); metrics scraped at 10 Hz vs none
#     (bench/metrics_scrape.sh); then rips, sliding
#     sublevel and Kafka sections (below), and anomaly events (bench/events.sh).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
POINTS=${POINTS:-1080000}
W=$BUILD/bench
mkdir -p "$W"

echo "== ring: 2 processes, 168-byte point records (median of $RUNS)"
"$BUILD"/tools/ring_bench 20000000 "$RUNS"
echo

input=$W/ecg-x$((POINTS / 108000)).csv
if [ ! -f "$input" ]; then
	i=0
	: >"$input"
	while [ $i -lt $((POINTS / 108000)) ]; do cat samples/ecg.csv >>"$input"; i=$((i + 1)); done
fi
n=$(wc -l <"$input" | tr -d ' ')

. bench/lib.sh

# run_config NAME SCALES...: time `tdapipe run` RUNS times; prints points/s.
run_config() {
	name=$1; shift
	cfg=$W/$name.yaml
	{
		echo "instance: bench-$name-$$"
		echo "state: {dir: $W/$name-state}"
		echo "source: {type: file, path: $input, format: csv}"
		echo "sink: {type: file, path: $W/$name.out, format: jsonl}"
		echo "dead_letter: {type: file, path: $W/$name.dead}"
		echo "scales:"
		for s in "$@"; do echo "  - $s"; done
	} >"$cfg"
	r=0
	for r in $(seq "$RUNS"); do
		t0=$(now)
		"$BIN"/tdapipe run --fresh -c "$cfg" 2>/dev/null
		t1=$(now)
		echo "$t0 $t1" | awk -v n="$n" '{printf "%.0f\n", n / ($2 - $1)}'
	done | median
}

FAST='{name: fast, complex: sublevel, window: 256, slide: 32}'
CLOUD='{name: cloud, complex: rips, window: 200, slide: 50}'
DELAY='{name: delay, complex: rips, window: 300, slide: 100, embed: {dim: 3, lag: 4}}'
SLOW='{name: long, complex: sublevel, window: 1000, slide: 100}'

# The reference: GUDHI computing the same windows from scratch (compute
# only, extrapolated from a sample of windows; bench/gudhi_windows.py).
ref() { /usr/bin/python3 bench/gudhi_windows.py "$input" "$@"; }

echo "== end to end: $n points of samples/ecg.csv (repeated), file -> scales -> jsonl file (median of $RUNS)"
echo "   reference: GUDHI computing the same windows' H0 from scratch, compute only, no I/O"
printf '%-40s %14s %14s %8s\n' "pipeline" "ours points/s" "GUDHI points/s" "ratio"
row() { printf '%-40s %14s %14s %8s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN {printf "%.1f", a / b}')"; }
row "sublevel window 1000 slide 100" "$(run_config sub1000 "$SLOW")" "$(ref sublevel:1000:100)"
row "demo, 1 scale (fast)" "$(run_config demo1 "$FAST")" "$(ref sublevel:256:32)"
row "demo, 2 scales (fast, cloud)" "$(run_config demo2 "$FAST" "$CLOUD")" "$(ref sublevel:256:32 rips:200:50)"
row "demo, 3 scales (config/demo.yaml)" "$(run_config demo3 "$FAST" "$CLOUD" "$DELAY")" \
	"$(ref sublevel:256:32 rips:200:50 rips:300:100:3:4)"
row "demo, 4 scales (+ sublevel 1000/100)" "$(run_config demo4 "$FAST" "$CLOUD" "$DELAY" "$SLOW")" \
	"$(ref sublevel:256:32 rips:200:50 rips:300:100:3:4 sublevel:1000:100)"

# Time windows (issue 18): a time scale (sublevel, 1s / 100ms at 1000
# points/s of event time) next to a count scale with the same mean points
# per window (1000 / 100), alternated in the same run; bench/time_windows.sh.
echo
echo "== time windows: tdapipe run, a time scale next to a count scale with the same mean points per window (median of $RUNS; bench/time_windows.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/time_windows.sh

# Numbers (common/shortest.c): the shortest round-trip digits of a double
# by Schubfach, next to the glibc precision search it replaced.
echo
echo "== numbers: formatting a double, shortest round-trip digits, ours vs glibc snprintf+strtod (median of $RUNS; bench/shortest_bench.c)"
"$BUILD"/tools/shortest_bench 200000 "$RUNS"
# and parsing (common/parse_double.c, Eisel-Lemire) next to strtod.
echo
echo "== numbers: parsing a double, ours vs glibc strtod (median of $RUNS; bench/parse_bench.c)"
"$BUILD"/tools/parse_bench 200000 "$RUNS"
# What they give whole runs: tdapipe run and tdapipe persistence next to a
# TDP_GLIBC_NUMBERS build (bench/numbers.sh builds it into bin-glibc/).
echo
echo "== numbers: tdapipe run and persistence, ours vs a TDP_GLIBC_NUMBERS build (median of $RUNS; bench/numbers.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/numbers.sh

# Features and distances (issue 19): the sublevel 1000/100 scale with every
# feature and distance on, next to the same scale without; bench/features.sh.
echo
echo "== features: tdapipe run, sublevel 1000/100 with every feature and distance on vs off (median of $RUNS; bench/features.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/features.sh

# Point-to-publish latency (issue 21): the sublevel 1000/100 scale fed over
# TCP at 25%, 50% and 90% of its maximum rate (a file source run), p50 /
# p99 / p999 from the pipeline's own histogram; bench/latency.sh.  ~1 minute.
echo
echo "== latency: point to publish, sublevel 1000/100 over tcp at 25/50/90% of the maximum rate (median of $RUNS; bench/latency.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/latency.sh
# Metrics (issue 21): the same sublevel 1000/100 run without metrics, with
# the exporter idle, and scraped at 10 Hz; bench/metrics_scrape.sh.
echo
# What checkpointing the state costs: state.interval 1 s and 100 ms next
# to 0 (only at the end), and the pause per checkpoint; bench/checkpoint.sh.
echo "== checkpoints: tdapipe run with periodic checkpoints vs only at the end (median of $RUNS; bench/checkpoint.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/checkpoint.sh
echo

echo "== metrics: tdapipe run, sublevel 1000/100 without metrics vs the exporter scraped at 10 Hz (median of $RUNS; bench/metrics_scrape.sh)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS bench/metrics_scrape.sh

echo
echo "== rips: tdapipe persistence vs ripser, same inputs (median of $RUNS; bench/rips_bench.py)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS RIPS_BENCH_LARGE=${RIPS_BENCH_LARGE:-1} /usr/bin/python3 bench/rips_bench.py

# Sliding sublevel H0 (scaled/sublevel_slide.h), slide 1, W = 1e3/1e5/1e6,
# on a random walk and the ECG sample repeated: ours sliding next to
# recomputing every window from scratch, ours (sublevel_h0) and GUDHI's
# cubical complex on the same values (the C program writes them for the
# Python script); plus memory per window point.  ~1.5 minutes.
echo
echo "== sublevel sliding: slide 1, ours sliding vs recomputing each window (ours, GUDHI) (median of $RUNS; bench/sublevel_bench.c)"
SUB=$W/sublevel
mkdir -p "$SUB"
rm -f "$SUB/gudhi.txt"
"$BUILD"/tools/sublevel_bench write "$SUB"
RUNS=$RUNS /usr/bin/python3 bench/sublevel_gudhi.py "$SUB" >"$SUB/gudhi.txt.tmp"
mv "$SUB/gudhi.txt.tmp" "$SUB/gudhi.txt"
"$BUILD"/tools/sublevel_bench run "$SUB" "$RUNS"

# Kafka (issue 7): points/s from a Kafka topic through `tdapipe run` (Kafka
# source -> sublevel 1000/100 -> Kafka sink, at least once and exactly_once)
# next to kcat -C reading the same topic from the same mock cluster, in the
# same run; KBENCH_POINTS (1,000,000), KBENCH_RUNS (RUNS), KBENCH_PARTITIONS
# (64), KBENCH_CONSUMER_PROPS.  Skipped without kcat.  ~1 minute.
echo
echo "== kafka: Kafka topic -> tdapipe run -> Kafka topic, next to kcat consuming the same topic (median of ${KBENCH_RUNS:-$RUNS}; bench/kafka_bench.py)"
BUILD=$BUILD BIN=$BIN RUNS=$RUNS /usr/bin/python3 bench/kafka_bench.py

# Distances between diagrams (scaled/distance.h): the exact bottleneck
# next to gudhi.bottleneck_distance(e=0), Wasserstein p = 1, 2 next to
# gudhi.wasserstein.wasserstein_distance (POT), on the same random pairs
# (bench/distances.py writes them and times GUDHI; bench/distance_bench.c
# times ours).  GUDHI's exact bottleneck at 10,000 points sorts ~4e8
# distances: ~3 GB and a minute, timed once (RUNS_10K).  ~3 minutes.
echo
echo "== distances: ours vs GUDHI (bottleneck e=0) and POT through GUDHI (wasserstein), per call, median of $RUNS"
DIST=$W/distances
mkdir -p "$DIST"
/usr/bin/python3 bench/distances.py "$DIST" "$RUNS" >"$DIST/ref.txt.tmp"
mv "$DIST/ref.txt.tmp" "$DIST/ref.txt"
"$BUILD"/tools/distance_bench "$DIST" "$RUNS"

# Anomaly events (issue 20): detection rate, delay and false alarms on
# labelled series (changes of shape with the same mean and variance, level
# shifts, spikes, noise-only streams) next to a baseline detector on the
# raw values (robust z of each window's mean and variance), then the
# latency of results and events over TCP at a steady rate; the Python
# model of the detector until the pipeline has `anomaly:`.  ~1.5 minutes.
echo
echo "== events: anomaly detection on labelled series, ours vs a baseline on the raw values (bench/events.sh)"
BUILD=$BUILD BIN=$BIN bench/events.sh
