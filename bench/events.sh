#!/bin/sh
# bench/events.sh - a section of `make bench` (bench/run.sh), or run alone:
# anomaly events (issue 20) on labelled series, next to a baseline
# detector on the raw values in the same run; then their latency.
#
# Detection.  bench/events_series.py writes, from seed EBENCH_SEED (2; the
# scale below was chosen on seed 1, bench/events_model.py tune), 30
# changes of each kind (four changes of shape with the same mean and
# variance, level shifts, spikes) after stable stretches longer than the
# history, and 10 noise-only streams of 1000 windows each with a full
# history (cached under $BUILD/bench/events).  `tdapipe run` reads them
# with the scale SCALE + ANOMALY below, in two instances at once (the
# labelled streams, the noise-only ones: two cores); bench/events_eval.py
# prints per kind the detection rate, the delays, and false alarms per
# 10,000 windows, next to the baseline (robust z of each window's mean and
# of its variance, same history and threshold).
#
# Until the pipeline supports `anomaly:` (check-config refuses the key),
# the scale runs with the signal as a feature instead and the Python model
# of the detector (bench/events_model.py) makes the events from it; the
# table then says so.  With anomaly support, the pipeline's own events
# are evaluated, and compared with the model's on the same results.
#
# Latency (bench/events_latency.py): the same scale on a TCP source fed
# each of ELAT_RATES ("10000 20000") points/s for ELAT_SECONDS (30) s, one
# run each (a percentile over ~500-1000 windows at slide 600); p50 and p99
# of the time from sending a window's last point to its line in the
# results file and to its anomaly event in the events file.  The section
# takes about 1.5 minutes on the shared 2-core machine, 1 of them latency.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
SEED=${EBENCH_SEED:-2}
W=$BUILD/bench/events
mkdir -p "$W"

# The scale, chosen with the Python model on seed 1 (bench/events_model.py
# tune on the pipeline's features; 40 changes a kind, 10,000 noise-only
# windows): the best detection of the shape changes with at most 1 false
# alarm per 10,000 noise-only windows, for each scale tried:
#   rips 200/50,  embed 2/10, bottleneck H1, T 10    32%  (1 / 10k)
#   rips 200/200, embed 2/10, total H0, T 6          29%  (1 / 10k)
#   rips 200/100, embed 3/8,  wasserstein1 H0, T 8   56%  (1 / 10k)
#   rips 200/50,  embed 3/8,  wasserstein1 H1, T 7   59%  (1 / 10k)
#   rips 200/100, embed 5/5,  wasserstein1 H1, T 8   65%  (1 / 10k)
#   rips 300/100, embed 3/8,  wasserstein1 H1, T 7   74%  (1 / 10k)
#   rips 400/100, embed 3/8,  wasserstein1 H1, T 7   84%  (0 in 4,000; 20
#                 a kind: twice the time of 300, past this section's budget)
# (history 50; T 5 reaches 90% at 300/100 with 10 false alarms per 10k;
# history 100 at 300/100, 30 a kind: 77% at T 6 with 1 per 10k, no better.)
# A second grid (2026-12-06; 20 changes a kind, 6,000 noise-only windows;
# false alarms on the noise-only streams / on the stable stretches):
#   rips 300/150, embed 3/8,  wasserstein1 H1, T 7   70%  (1.7 / 0)
#   rips 300/300, embed 3/8,  wasserstein1 H0, T 7   60%  (0 / 0)
#   rips 300/100, embed 3/12, wasserstein1 H0, T 10  56%  (0 / 0)
#   rips 300/100, embed 4/6,  wasserstein1 H1, T 8   80%  (0 / 0); on seed
#                 2 (this section's table): 73% (0 / 0), where 3/8 T 7 has
#                 79% (2 / 0); but a 4-dimensional embedding costs twice the
#                 time a window: at 20,000 points/s the worker falls behind
#                 (results p50 43 ms, p99 143 ms, against 4.6 / 15 ms)
#   rips 300/100, embed 5/5,  wasserstein1 H1, T 8   73%  (1.7 / 0)
#   rips 300/100, embed 6/4,  wasserstein2 H1, T 7   91%  (0 / 58): alarms
#                 on the periodic stretches before the changes
#   rips 400/100, embed 4/6,  wasserstein1 H1, T 7   90%  (10 / 0)
# None of the Rips scales reaches the issue's target, 90% at 1 per 10k:
# where detection reaches 90%, false alarms on noise or on the periodic
# stretches are 10 to 60 per 10k.
# A third grid (2026-12-07): sublevel scales (H0 of the series itself, no
# embedding; seed 1, 40 changes a kind, 10,000 noise-only windows, ~2,700
# windows of stable stretches; the best signal of each scale at <= 1 per
# 10k on noise; false alarms noise / stable):
#   sublevel 200/50,    total H0, T 6          29%  (0 / 0)
#   sublevel 300/100,   wasserstein1 H0, T 6   34%  (1 / 0)
#   sublevel 500/100,   total H0, T 5          41%  (1 / 0)
#   sublevel 300/300,   total H0, T 5          46%  (1 / 0)
#   sublevel 1000/200,  wasserstein1 H0, T 8   48%  (1 / 0)
#   sublevel 400/200,   total H0, T 4          56%  (1 / 6.9)
#   sublevel 1000/250,  wasserstein1 H0, T 8   64%  (1 / 0)
#   sublevel 600/300,   wasserstein2 H0, T 7   67%  (1 / 0)
#   sublevel 600/600,   wasserstein1 H0, T 9   76%  (0 / 0)
#   sublevel 800/400,   wasserstein1 H0, T 8   83%  (0 / 0)
#   sublevel 1000/500,  wasserstein1 H0, T 10  89%  (1 / 0)
#   sublevel 800/800,   wasserstein2 H0, T 6   94%  (0 / 0); wasserstein1
#                 T 9 85% (0 / 0)
#   sublevel 1000/1000, wasserstein1 H0, T 9   93%  (0 / 0)
#   sublevel 1200/600,  wasserstein1 H0, T 8   98%  (0 / 0); T 9 95%,
#                 T 10 93% (0 / 0); T 7 100% (2 / 0)
#   sublevel 1600/800,  wasserstein1 H0, T 10  99%  (0 / 0); T 9 100% (1 / 0)
# count and entropy never pass 24% at <= 1 per 10k.  On the raw series the
# noise (sd 0.2 to 0.4) makes most of the H0 intervals: at 300/100 total
# after a frequency doubling is only 1.2x its level before (median over the
# changes; 0.97x after a period doubling), and its score on noise-only
# windows reaches 5.7: small windows see little.  What works is a window
# of 25 to 40 periods sliding by half of it, scored by wasserstein1: the
# long intervals of the sine's minima dominate that distance, and half the
# window is new at each slide.  (More overlap loses: 1000/200 48%, 1000/250
# 64%, against 1000/500 89%.)
# The threshold: at least 1 above the highest score of a window without a
# change (noise-only or stable stretch) on seed 1, as the lowest threshold
# at 0 false alarms sits just above that and would not hold on another
# seed.  Those scores: 5.6 (800/800, wasserstein2: T 7, 87%), 8.9
# (1000/1000: T 10, 90%), 7.7 (1200/600: T 9, 95%), 9.2 (1600/800: T 11,
# 99%).  The scale is 1200/600 at T 9: 1000/1000 sits on the target's
# edge, and 1600/800 adds a third to the delay and more work a window.
# On seed 2 (this section's table): 94% (0 / 0); seed 3, run once after
# the choice: 97.5% (2 / 0, scores 9.5 and 10.2).
COMPLEX=sublevel
WIN=1200
SLIDE=600
EMBED=
DIMS='[0]'
SIGNAL=wasserstein1
DIM=0
HIST=50
THR=9
SCALE="name: beat, complex: $COMPLEX, window: $WIN, slide: $SLIDE, dims: $DIMS${EMBED:+, embed: $EMBED}"
ANOMALY="anomaly: {signal: $SIGNAL, dim: $DIM, history: $HIST, threshold: $THR}"
case $SIGNAL in
bottleneck | wasserstein*) FEATURES="features: {distance: [$SIGNAL]}" ;;
*) FEATURES="features: {summary: true}" ;;
esac

series=$W/series-s$SEED-w$WIN-d$SLIDE-h$HIST
if [ ! -f "$series.json" ]; then
	/usr/bin/python3 bench/events_series.py "$series.csv" "$series.json.tmp" \
		--seed "$SEED" --window "$WIN" --slide "$SLIDE" --history "$HIST" --per-kind 30
	grep -v '^noise-' "$series.csv" >"$series.lab.csv"
	grep '^noise-' "$series.csv" >"$series.noise.csv"
	mv "$series.json.tmp" "$series.json"
fi

# config NAME INPUT SCALE [EVENTS]: $W/NAME.yaml
config() {
	{
		echo "instance: bench-$1-$$"
		echo "state: {dir: $W/$1-state}"
		echo "source: {type: file, path: $2, format: csv, stream_column: 0}"
		echo "sink: {type: file, path: $W/$1.out, format: jsonl}"
		[ -z "${4:-}" ] || echo "events: {type: file, path: $W/$1.events, format: jsonl}"
		echo "dead_letter: {type: file, path: $W/$1.dead}"
		echo "scales:"
		echo "  - {$3}"
	} >"$W/$1.yaml"
}

config eprobe "$series.lab.csv" "$SCALE, $ANOMALY, $FEATURES" events
if "$BIN"/tdapipe check-config "$W/eprobe.yaml" >"$W/eprobe.err" 2>&1; then
	MODE=pipeline
elif grep -q -E 'anomaly|events' "$W/eprobe.err"; then
	MODE=model
else
	echo "tdapipe check-config $W/eprobe.yaml failed:" >&2
	cat "$W/eprobe.err" >&2
	exit 1
fi

for part in lab noise; do
	if [ $MODE = pipeline ]; then
		config "e$part" "$series.$part.csv" "$SCALE, $ANOMALY, $FEATURES" events
	else
		config "e$part" "$series.$part.csv" "$SCALE, $FEATURES"
	fi
	rm -f "$W/e$part.out" "$W/e$part.events"
	"$BIN"/tdapipe run --fresh -c "$W/e$part.yaml" 2>"$W/e$part.err" &
	echo $! >"$W/e$part.pid"
done
for part in lab noise; do
	wait "$(cat "$W/e$part.pid")" || {
		echo "tdapipe run -c $W/e$part.yaml failed:" >&2; tail -n 5 "$W/e$part.err" >&2; exit 1; }
done
cat "$W/elab.out" "$W/enoise.out" >"$W/eall.out"

SCALE_SAYS="$COMPLEX window $WIN slide $SLIDE${EMBED:+, embed $EMBED}, anomaly $SIGNAL H$DIM, history $HIST, threshold $THR"
if [ $MODE = pipeline ]; then
	cat "$W/elab.events" "$W/enoise.events" >"$W/eall.events"
	/usr/bin/python3 bench/events_eval.py "$series.json" "$series.csv" --threshold "$THR" \
		--events "$W/eall.events" --signal "$SIGNAL" --title \
		"$SCALE_SAYS; seed $SEED; ours: tdapipe's anomaly events | baseline: robust z of window mean, variance"
	echo "   the Python model of the detector on the same results:"
	/usr/bin/python3 bench/events_eval.py "$series.json" "$series.csv" --threshold "$THR" \
		--model "$W/eall.out" --signal "$SIGNAL" --dim "$DIM" --same-as "$W/eall.events" ||
		echo "   (they differ: the pipeline's detector is not the one the scale was chosen with)"
else
	echo "(pipeline without anomaly support: Python model of the detector)"
	/usr/bin/python3 bench/events_eval.py "$series.json" "$series.csv" --threshold "$THR" \
		--model "$W/eall.out" --signal "$SIGNAL" --dim "$DIM" --title \
		"$SCALE_SAYS; seed $SEED; ours: the Python model on tdapipe's $SIGNAL | baseline: robust z of window mean, variance"
	if [ -n "$EMBED" ]; then how="--embed $(echo "$EMBED" | sed 's/[^0-9,]//g')"; else how=--sublevel; fi
	# shellcheck disable=SC2086
	/usr/bin/python3 bench/events_model.py check "$series.json" "$series.csv" "$W/eall.out" \
		--signal "$SIGNAL" --dim "$DIM" $how --windows 40 ||
		echo "   (the pipeline's $SIGNAL differs from GUDHI's: the model's table is not the pipeline's)"
fi
rm -f "$W/eall.out" "$W/eall.events" "$W"/e*.pid

echo
echo "== events latency: the scale above on a TCP source at a steady rate (bench/events_latency.py)"
if [ $MODE = pipeline ]; then LAT_ANOMALY="--anomaly"; LAT_SCALE="{$SCALE, $ANOMALY}"; else LAT_ANOMALY=""; LAT_SCALE="{$SCALE}"; fi
for rate in ${ELAT_RATES:-10000 20000}; do
	# shellcheck disable=SC2086
	/usr/bin/python3 bench/events_latency.py "$BIN" "$W/latency" "$LAT_SCALE" \
		--rate "$rate" --seconds "${ELAT_SECONDS:-30}" $LAT_ANOMALY
done
