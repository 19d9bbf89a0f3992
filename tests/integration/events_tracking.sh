#!/bin/sh
# events_tracking: the events of scales with track and anomaly follow the
# rules of tdapipe-events(5), checked from the published results and
# events alone (tests/integration/events_check.py): ids on exactly the
# tracked intervals, births, deaths and updates exactly what they imply,
# replayed events giving the tracked intervals at every window, Rips
# matchings bottleneck-optimal and least costly (GUDHI, scipy), sublevel
# ids the minima's sequence numbers, and scores recomputed from the
# published distances and summaries with anomaly events exactly where the
# history is full and the score reaches the threshold.
#
# Inputs: three streams of a rounded random walk (ties), one of them flat
# for a while and then moving (MAD 0: infinite scores); a sublevel scale
# counting points, a delay-embedded Rips H0-H1 scale whose stretches of
# sine and noise make loops appear and vanish, and a sublevel scale over
# event time.
. "$(dirname "$0")/../lib.sh"
"$PY" -c 'import gudhi, numpy, scipy' 2>/dev/null ||
	{ echo "skip: $PY cannot import gudhi, numpy and scipy"; exit 77; }

"$PY" - "$T" <<'EOF_PY'
import math, random, sys
t = sys.argv[1]
r = random.Random(20)
with open(t + "/in.csv", "w") as f, open(t + "/series.csv", "w") as s:
    x = {"a": 0.0, "b": 0.0, "c": 0.0}
    for i in range(6000):
        for k in "abc":
            if k == "c" and i < 2500:
                v = 1.0                          # flat: empty diagrams, count 0, MAD 0
            elif k == "b":
                # sine stretches and noise stretches: loops come and go
                ph = (i // 400) % 3
                v = round(math.sin(i * 2 * math.pi / (25 + 15 * ph)) + r.gauss(0, 0.05 + 0.3 * (ph == 2)), 2)
            else:
                x[k] = max(-9.0, min(9.0, x[k] + r.choice((-1.0, -0.5, 0.0, 0.5, 1.0))))
                v = x[k]
            f.write("%s,%d,%r\n" % (k, 1796526000000 + 10 * i, v))
            s.write("%s,%r\n" % (k, v))
EOF_PY
SCALES="events: {type: file, path: $T/events.jsonl}
scales:
  - {name: sub, complex: sublevel, window: 120, slide: 20,
     features: {summary: true, distance: [bottleneck]},
     track: {min_persistence: 1.5, stability: 0.7}, anomaly: {signal: bottleneck, history: 12, threshold: 2.5}}
  - {name: count, complex: sublevel, window: 60, slide: 30, features: {summary: true},
     track: {min_persistence: 0.5, stability: 0.5}, anomaly: {signal: count, history: 5, threshold: 3}}
  - {name: loop, complex: rips, window: 80, slide: 20, dims: [0, 1], embed: {dim: 2, lag: 6},
     features: {summary: true, distance: [wasserstein2]},
     track: {min_persistence: 0.2, stability: 0.6}, anomaly: {signal: wasserstein2, dim: 1, history: 10, threshold: 3}}
  - {name: tsub, complex: sublevel, window: 1s, slide: 250ms, max_window_points: 200, features: {summary: true},
     track: {min_persistence: 1}, anomaly: {signal: total, history: 8, threshold: 2}}"
write_config "$T/c.yaml" "{type: file, path: $T/in.csv, format: csv, stream_column: 0, time_column: 1, time_unit: ms}" "$T/out.jsonl"
run_ok "$T/c.yaml" 300
[ -s "$T/out.jsonl" ] || die "no results"
[ -s "$T/events.jsonl" ] || die "no events"
CHECK="$PY $TDP_ROOT/tests/integration/events_check.py --results $T/out.jsonl --events $T/events.jsonl"
$CHECK --scale sub --min-persistence 1.5 --stability 0.7 --signal bottleneck --history 12 --threshold 2.5 \
	--series "$T/series.csv" || die "scale sub: events break the rules"
$CHECK --scale count --min-persistence 0.5 --stability 0.5 --signal count --history 5 --threshold 3 \
	--series "$T/series.csv" || die "scale count: events break the rules"
$CHECK --scale loop --min-persistence 0.2 --stability 0.6 --dims 0,1 --signal wasserstein2 --dim 1 --history 10 \
	--threshold 3 || die "scale loop: events break the rules"
$CHECK --scale tsub --min-persistence 1 --stability 0.5 --signal total --history 8 --threshold 2 \
	--series "$T/series.csv" || die "scale tsub: events break the rules"
# Every kind of event happened, and an infinite score (flat stream c).
for ty in feature_birth feature_death feature_update anomaly; do
	grep -q "\"type\":\"$ty\"" "$T/events.jsonl" || die "no $ty event"
done
grep '"scale":"count"' "$T/events.jsonl" | grep '"stream":"c"' | grep -q '"type":"anomaly".*"mad":0,.*"score":null' ||
	die "no anomaly with an infinite score on the flat stream"

# The same run again: the same events (a function of the input; only the
# interleaving of scales and streams in the file may differ).
sort "$T/events.jsonl" >"$T/events1.sorted"
rm -f "/dev/shm/tdapipe-$INSTANCE"
run_ok "$T/c.yaml" 300
sort "$T/events.jsonl" | cmp -s "$T/events1.sorted" - || die "a second run gave other events"
echo ok
