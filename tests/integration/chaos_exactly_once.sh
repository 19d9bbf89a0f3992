#!/bin/sh
# chaos_exactly_once: kill anything, lose nothing, publish nothing twice.
#
# A stream of CHAOS_POINTS points (default 1,000,000, four streams, with
# event times in milliseconds in disorder within the lateness) goes
# through five scales (two sublevel and one rips counting points, one
# sublevel and one rips over event time: scaled/time_windows.c; one of
# each kind with features and distances to the previous window, and with
# tracked features and anomaly scores (events), which a successor must
# take from the segment) twice: once undisturbed,
# once while scripts/chaos sends SIGKILL (and some SIGSEGV) to random
# processes - ingest, the three workers and publish - at CHAOS_RATE
# signals per second (default 20).  The second run must end normally and
# its output must be byte-identical to the first, scale by scale, line by
# line (results carry no wall-clock field; only the interleaving of scales
# in the file may differ), and so must its events.  The chaos report must show >= 10 signals per
# second achieved and ingest and publish among the victims.
#
# `make chaos` runs the long version: more points, higher rates, SIGSTOP
# too (left to the supervisor's hang detection), several seeds and random
# window sizes (CHAOS_POINTS, CHAOS_RATE, CHAOS_SIGNALS, CHAOS_ROUNDS,
# CHAOS_RANDOM=1).
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1   # chaos kills processes on purpose
ulimit -c 0        # SIGSEGV must not leave core files
# A SIGSEGV sent by chaos is a kill, not a bug: let it kill the process
# instead of a sanitizer's handler reporting it (which fails the test).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}handle_segv=0"
CHAOS=$TDP_ROOT/scripts/chaos
N=${CHAOS_POINTS:-1000000}
RATE=${CHAOS_RATE:-20}
ROUNDS=${CHAOS_ROUNDS:-1}
MIN_RATE=${CHAOS_MIN_RATE:-10}
SIGNALS=${CHAOS_SIGNALS:-KILL=9,SEGV=1}

"$PY" -c "
import random
r = random.Random(5); x = [0.0] * 4; t = [-5000] * 4
with open('$T/points.csv', 'w') as f:
    for i in range($N):
        s = r.randrange(4)
        x[s] = round(x[s] + r.gauss(0, 1), 2)
        t[s] += r.choice((0, 1, 1, 2, 7))
        f.write('s%d,%d,%s\n' % (s, t[s] - r.choice((0, 0, 0, 3, 30)), x[s]))
"

round_config() {
	# $1: round number; random windows with CHAOS_RANDOM=1
	if [ -n "${CHAOS_RANDOM:-}" ]; then
		eval "$("$PY" -c "
import random
r = random.Random($1)
w1 = r.choice((16, 100, 333)); w2 = r.choice((1000, 4000, 20000)); w3 = r.choice((20, 40, 64))
print('W1=%d S1=%d W2=%d S2=%d W3=%d S3=%d' % (w1, r.randint(1, w1), w2, r.randint(w2 // 8, w2), w3, r.randint(w3 // 2, w3)))
")"
	else
		W1=100 S1=50 W2=2000 S2=1000 W3=40 S3=20
	fi
	SCALES="supervisor: {backoff_min: 5, backoff_max: 40, restart_limit: 1000, restart_window: 1, heartbeat_timeout: 500}
events: {type: file, path: $T/$2.events}
scales:
  - {name: fast, complex: sublevel, window: $W1, slide: $S1,
     features: {summary: true, betti: {range: [-50, 50], resolution: 10},
                distance: [bottleneck, wasserstein1, wasserstein2]},
     track: {min_persistence: 2, stability: 0.5}, anomaly: {signal: wasserstein1, history: 10, threshold: 3}}
  - {name: slow, complex: sublevel, window: $W2, slide: $S2}
  - {name: cloud, complex: rips, window: $W3, slide: $S3, dims: [0, 1]}
  - {name: tfast, complex: sublevel, window: 1s, slide: 250ms}
  - {name: tcloud, complex: rips, window: 2s, slide: 1s, dims: [0, 1], max_window_points: 40,
     features: {summary: true, distance: [bottleneck, wasserstein2]},
     track: {min_persistence: 0.5, stability: 0.5}, anomaly: {signal: bottleneck, dim: 1, history: 8, threshold: 3}}"
	write_config "$T/c.yaml" "{type: file, path: $T/points.csv, format: csv, stream_column: 0, time_column: 1,
	time_unit: ms, lateness: 40ms}" "$T/$2.jsonl"
}

r=1
while [ $r -le "$ROUNDS" ]; do
	round_config $r clean
	t0=$(date +%s.%N)
	run_ok "$T/c.yaml" 600 "clean run"
	t1=$(date +%s.%N)

	round_config $r chaos
	start_run "$T/c.yaml"
	runpid=$(cat "$T/run.pid")
	wait_for 20 test -e "/dev/shm/tdapipe-$INSTANCE" || die "the instance never started"
	"$CHAOS" --instance "$INSTANCE" --tdapipe "$TDAPIPE" --rate "$RATE" --fixed --duration 3600 \
		--signals "$SIGNALS" --targets all --seed "$r" --until-exit "$runpid" --json \
		>"$T/chaos.json" 2>"$T/chaos.err" &
	echo $! >"$T/chaos.pid"
	wait_run 900
	chaospid=$(cat "$T/chaos.pid")
	wait_for 30 sh -c "! kill -0 $chaospid" || die "chaos did not stop after the run ended"
	rm -f "$T/chaos.pid"
	t2=$(date +%s.%N)
	[ "$RUN_RC" -eq 0 ] || { tail -n 30 "$T/run.err" >&2; die "run under chaos exited $RUN_RC"; }

	check_results "$T/chaos.jsonl" "fast:$W1:$S1" "slow:$W2:$S2" "cloud:$W3:$S3:0,1" "tfast:1s:250ms" \
		"tcloud:2s:1s:0,1" --time-unit ms --same-as "$T/clean.jsonl"
	sort "$T/clean.events" >"$T/clean.events.sorted"
	sort "$T/chaos.events" >"$T/chaos.events.sorted"
	[ -s "$T/clean.events" ] || die "the clean run made no events"
	cmp -s "$T/clean.events.sorted" "$T/chaos.events.sorted" ||
		die "events under chaos differ from the clean run's: $(diff "$T/clean.events.sorted" "$T/chaos.events.sorted" | head -5)"
	note "round $r: $(wc -l <"$T/clean.events") events, the same under chaos"
	"$PY" - "$T/chaos.json" "$MIN_RATE" "$t0" "$t1" "$t2" "$N" <<'EOF' || exit 1
import json, sys
report, min_rate = sys.argv[1], float(sys.argv[2])
t0, t1, t2, n = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
r = json.load(open(report))
labels = r['by_label']
hit = lambda l: sum(labels.get(l, {}).values())
rate = r['rate_achieved']
print('# %d points; clean run %.1f s, under chaos %.1f s' % (n, t1 - t0, t2 - t1))
print('# chaos: %d signals in %.1f s (%.1f/s): %s; missed %d' % (r['total'], r['duration_s'], rate,
      ', '.join('%s %d' % (l, hit(l)) for l in sorted(labels)), r['missed']))
if rate < min_rate:
    sys.exit('FAIL: chaos achieved %.1f signals/s, below %.1f' % (rate, min_rate))
if hit('ingest') < 1 or hit('publish') < 1:
    sys.exit('FAIL: chaos never hit ingest and publish both')
EOF
	deaths=$(grep -c "; restart [0-9]* in " "$T/run.err" || true)
	note "round $r: the supervisor restarted processes $deaths times"
	[ "$deaths" -ge 10 ] || die "only $deaths restarts: chaos did not really kill"
	r=$((r + 1))
done
