#!/bin/sh
# state_restart: stop and start an instance many times at random moments,
# gracefully (SIGTERM) and by a SIGKILL of the whole process group; the
# concatenated output must equal one uninterrupted run's, no id twice.
#
# Windows of event time are in (STATE_TIME=0 leaves them out).  They
# once showed, in about one run of ten, a window with one point too many
# after a kill of the whole group: a kill inside a window slot's write
# left the old point's tag over the new point's words, and the successor
# settled the new point twice (fixed in scaled/window.c, test_window).
#
# The input is a file of STATE_POINTS points (default 800,000, three
# streams, times in ms); five scales cover every kind of state a
# successor must take from the checkpoint: count windows (sublevel and
# Rips), windows of event time (points waiting for the watermark), the
# previous diagram (distances) and tracked features and score history
# (events).  After a kill the next run recovers the segment the group
# left; after every other kill /dev/shm is emptied too (a reboot), and
# state.interval is short so that the checkpoint it falls back to is
# recent; the results, events and dead-letter files are continued
# (cut back to what the checkpoint committed, then appended to).
#
# A drain cut short by supervisor.drain_timeout keeps what was pending in
# the checkpoint, and the next run publishes it.  Then the refusals: a
# checkpoint with one byte flipped, one cut short, one written with
# another source (scales may change: state_scales_change.sh), and an
# output cut shorter than the checkpoint says are each refused at start,
# with a message, and nothing is changed; --fresh starts from nothing.
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1
N=${STATE_POINTS:-800000}
if [ "${STATE_TIME:-1}" = 0 ]; then STATE_TIME=; else STATE_TIME=1; fi
STOPS=${STATE_STOPS:-12}

"$PY" -c "
import random
r = random.Random(11); x = [0.0] * 3; t = [0] * 3
with open('$T/points.csv', 'w') as f:
    for i in range($N):
        s = r.randrange(3)
        x[s] = round(x[s] + r.gauss(0, 1), 2)
        t[s] += r.choice((1, 1, 2, 5))
        f.write('s%d,%d,%s\n' % (s, t[s] - r.choice((0, 0, 0, 3)), x[s]))
        if i % 9973 == 0:
            f.write('s%d,not-a-time,1\n' % s)
"

config() {
	# $1: config file, $2: output prefix, $3: state dir, $4: more supervisor keys
	cat >"$1" <<EOC
instance: $INSTANCE
source: {type: file, path: $T/points.csv, format: csv, stream_column: 0, time_column: 1, time_unit: ms${STATE_TIME:+,
         lateness: 10ms}}
sink: {type: file, path: $T/$2.jsonl}
dead_letter: {type: file, path: $T/$2.dead}
events: {type: file, path: $T/$2.events}
state: {dir: $3, interval: 150ms}
supervisor: {backoff_min: 5, backoff_max: 40${4:+, $4}}
scales:
  - {name: fast, complex: sublevel, window: 100, slide: 25,
     features: {summary: true, distance: [bottleneck, wasserstein1]},
     track: {min_persistence: 2, stability: 0.5}, anomaly: {signal: wasserstein1, history: 10, threshold: 3}}
  - {name: slow, complex: sublevel, window: 2000, slide: 500}
  - {name: cloud, complex: rips, window: 40, slide: 20, dims: [0, 1]}
EOC
	if [ -n "${STATE_TIME:-}" ]; then cat >>"$1" <<EOC
  - {name: tfast, complex: sublevel, window: 1s, slide: 250ms}
  - {name: tcloud, complex: rips, window: 500ms, slide: 250ms, dims: [0, 1], max_window_points: 40}
EOC
	fi
}
SPECS="fast:100:25 slow:2000:500 cloud:40:20:0,1"
[ -z "${STATE_TIME:-}" ] || SPECS="$SPECS tfast:1s:250ms tcloud:500ms:250ms:0,1"

config "$T/clean.yaml" clean "$T/clean-state"
run_ok "$T/clean.yaml" 300 "clean run"
[ -s "$T/clean.events" ] || die "the clean run made no events"
[ -f "$T/clean-state/checkpoint" ] || die "a finished run left no checkpoint"

# Stop and start until a run ends by itself.  Random moments from a fixed
# seed; every third stop kills the whole group (supervisor included).
config "$T/c.yaml" out "$T/state"
"$PY" -c "
import random
r = random.Random(3)
print(' '.join('%.2f' % r.uniform(0.02, 0.12) for _ in range($STOPS)))" >"$T/moments"
k=0   # not i: wait_run counts with i
terms=0
kills=0
reboots=0
for m in $(cat "$T/moments") last; do
	started=$(grep -c "instance $INSTANCE: " "$T/run.err" 2>/dev/null || true)
	setsid "$TDAPIPE" run -c "$T/c.yaml" >"$T/run.out" 2>>"$T/run.err" &
	pid=$!
	echo $pid >"$T/run.pid"
	# The moment counts from the pipeline's start, not from the restore
	# before it (a kill during a restore leaves a segment nobody can
	# recover, only the checkpoint: that case is covered, this loop
	# wants the running kind).
	wait_for 30 sh -c "[ \$(grep -c 'instance $INSTANCE: ' '$T/run.err') -gt ${started:-0} ] || ! kill -0 $pid" ||
		die "run $k did not start"
	if [ "$m" = last ]; then
		wait_run 300
		[ "$RUN_RC" -eq 0 ] || { tail -n 20 "$T/run.err" >&2; die "the last run exited $RUN_RC"; }
		break
	fi
	sleep "$m"
	kill -0 "$pid" 2>/dev/null || { wait_run 10; note "run $k ended by itself (status $RUN_RC) before its stop"; break; }
	k=$((k + 1))
	if [ $((k % 3)) -eq 0 ]; then
		kill -KILL "-$pid" || die "could not kill the group of $pid"
		kills=$((kills + 1))
	else
		kill -TERM "$pid"
		terms=$((terms + 1))
	fi
	wait_run 60
	if [ $((k % 3)) -eq 0 ]; then
		[ "$RUN_RC" -ne 0 ] || die "stop $k: the group was not killed"
		# every other kill, a reboot too: /dev/shm emptied, only the
		# checkpoint left (else the next run recovers the segment)
		if [ $((kills % 2)) -eq 0 ]; then
			rm -f "/dev/shm/tdapipe-$INSTANCE"
			reboots=$((reboots + 1))
		fi
	else
		[ "$RUN_RC" -eq 0 ] || { tail -n 20 "$T/run.err" >&2; die "stop $k: SIGTERM gave $RUN_RC"; }
	fi
	[ -f "$T/state/checkpoint" ] || die "no checkpoint after stop $k"
done
cp "$T/run.err" "$T/loop.err"
note "$terms stops by SIGTERM, $kills kills of the whole group ($reboots with /dev/shm emptied), then a run to the end"
[ "$kills" -ge 2 ] && [ "$terms" -ge 1 ] || die "the stops did not happen (the run ended too soon: raise STATE_POINTS)"
grep -q "recovered the state the killed supervisor (pid [0-9]*) left in /dev/shm/tdapipe-$INSTANCE" "$T/loop.err" ||
	die "no run recovered the segment a killed group left"
grep -q "restored from" "$T/run.err" || die "no run said it restored the checkpoint"

check_results "$T/out.jsonl" $SPECS --time-unit ms --same-as "$T/clean.jsonl"
"$PY" - "$T/out.jsonl" <<'EOF' || exit 1
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
twice = len(ids) - len(set(ids))
if twice:
    sys.exit("FAIL: %d ids published twice" % twice)
print("# %d results, no id twice" % len(ids))
EOF
sort "$T/clean.events" >"$T/a"
sort "$T/out.events" >"$T/b"
cmp -s "$T/a" "$T/b" || die "events differ from the uninterrupted run's: $(diff "$T/a" "$T/b" | head -5)"
cmp -s "$T/clean.dead" "$T/out.dead" ||
	die "dead letters differ from the uninterrupted run's: $(diff "$T/clean.dead" "$T/out.dead" | head -5)"
note "results, events and dead letters equal the uninterrupted run's"

# --- a drain cut short by supervisor.drain_timeout: the rest is kept ------
config "$T/d.yaml" drain "$T/dstate" "drain_timeout: 1ms"
"$TDAPIPE" run --fresh -c "$T/d.yaml" >"$T/run.out" 2>"$T/run.err" &
echo $! >"$T/run.pid"
sleep 0.4
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
grep -q "drain did not finish within 1 ms: stopping what is left" "$T/run.err" ||
	{ cat "$T/run.err" >&2; die "the drain was not cut short"; }
cp "$T/run.err" "$T/cut.err"
"$TDAPIPE" run -c "$T/d.yaml" >"$T/run.out" 2>"$T/run.err" || { cat "$T/run.err" >&2; die "run after the cut failed"; }
grep -q "restored from" "$T/run.err" || die "the run after the cut did not restore the checkpoint"
check_results "$T/drain.jsonl" $SPECS --time-unit ms --same-as "$T/clean.jsonl"
note "a drain cut after 1 ms kept what was pending: the next run published it"

# --- refusals: nothing is applied, nothing is changed ---------------------
FRESH=   # start_run restores from here on
refused() {
	# $1: what, $2: expected message pattern
	before=$(cksum <"$T/out.jsonl")
	start_run "$T/c.yaml"
	wait_run 30
	[ "$RUN_RC" -ne 0 ] || die "$1: the run started"
	grep -q -- "$2" "$T/run.err" || { cat "$T/run.err" >&2; die "$1: no message matching \"$2\""; }
	[ "$(cksum <"$T/out.jsonl")" = "$before" ] || die "$1: the results file changed"
	[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "$1: a segment was left"
	note "$1: refused ($(grep -o -- "$2.*" "$T/run.err" | head -1 | cut -c1-100))"
}
cp "$T/state/checkpoint" "$T/good"
"$PY" -c "
import sys
b = bytearray(open('$T/good', 'rb').read()); b[len(b) // 2] ^= 0x40
open('$T/state/checkpoint', 'wb').write(b)"
refused "a flipped byte" "checksum does not match"
head -c 50000 "$T/good" >"$T/state/checkpoint"
refused "a cut checkpoint" "cut short or damaged"
cp "$T/good" "$T/state/checkpoint"
sed 's/time_unit: ms/time_unit: us/' "$T/c.yaml" >"$T/c2.yaml"
cp "$T/c.yaml" "$T/c.orig"; cp "$T/c2.yaml" "$T/c.yaml"
refused "another config" 'another config (the source differs)'
cp "$T/c.orig" "$T/c.yaml"
cp "$T/out.jsonl" "$T/out.full"
head -c 1000 "$T/out.full" >"$T/out.jsonl"
refused "a results file cut short" "sink.path .* holds 1000 bytes"
cp "$T/out.full" "$T/out.jsonl"

# The checkpoint is intact again: a run continues (nothing new to read).
run_ok "$T/c.yaml" 60 "run from the restored checkpoint"
cmp -s "$T/out.jsonl" "$T/out.full" || die "a run with nothing new to read changed the results"
# --fresh: from nothing, the outputs emptied and written again.
"$TDAPIPE" run --fresh -c "$T/c.yaml" >"$T/run.out" 2>"$T/run.err" || die "--fresh run failed"
grep -q "restored from" "$T/run.err" && die "--fresh restored the checkpoint"
check_results "$T/out.jsonl" $SPECS --time-unit ms --same-as "$T/clean.jsonl"
note "--fresh starts from nothing"
