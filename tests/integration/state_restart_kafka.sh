#!/bin/sh
# state_restart_kafka: stop and start an instance in the middle of a Kafka
# topic many times at random moments (fixed seed), by SIGTERM and by a
# SIGKILL of the whole process group; what it published, put together,
# must be one uninterrupted run's results, no id twice.
#
# KSTATE_POINTS points (default 30,000, 8 streams keyed by stream id over
# 4 partitions) are produced into librdkafka's mock cluster, which keeps
# running across every restart (topic, consumer groups and transactions
# live in it).  The reference is the file-source run of the (kt points)
# same points through two scales; a Kafka source reads each stream in
# order, so each stream's results must equal the reference's, in order.
# state.interval is short so that a SIGKILL finds a recent checkpoint;
# the source has stop_at_end, so the last run ends by itself.  Each stop
# comes a random moment after the run has read its first new record (the
# mock holds a group join about 3 s, 7 s after a kill), and every third
# stop is a SIGKILL of the whole group.
#
# (a) Kafka source -> file sink: the results file is continued (cut back
#     to the length the checkpoint committed, then appended to).
# (b) Kafka source -> Kafka topic, exactly_once: the topic read back
#     read_committed holds every result exactly once.
# Both run at once, as two instances (INSTANCE-a, INSTANCE-b), to keep
# the test near 50 s: most of each restart is waiting for the join.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
"$PY" -c 'import confluent_kafka' 2>/dev/null || { echo "skip: python3-confluent-kafka not installed"; exit 77; }
ALLOW_RESTARTS=1
N=${KSTATE_POINTS:-30000}
STOPS=${KSTATE_STOPS:-7}
SPECS="fast:200:50 loop:150:6:0,1"

# The points and the reference: the file-source run of them.  Small
# rings and a costly Rips scale make the workers, not the reading, set
# the pace (ingest waits on a full ring), so a stop falls in the middle
# of the topic rather than after everything is read.
SCALES='scales:
  - {name: fast, complex: sublevel, window: 200, slide: 50, ring: 256}
  - {name: loop, complex: rips, window: 150, slide: 6, dims: [0, 1], ring: 256}'
kt points "$T" "$N" 23
write_config "$T/file.yaml" "{type: file, path: $T/in.jsonl, format: jsonl}" "$T/file.out"
t0=$(date +%s)
run_ok "$T/file.yaml" 60 "file run"
want=$(wc -l <"$T/file.out")
note "reference: $want results of $N points from a file ($(( $(date +%s) - t0 )) s)"

start_mock mock --topic points:4 --topic results:4
timeout 30 kcat -P -b "$BOOT" -t points -K '|' <"$T/keyed.txt" || die "kcat -P failed"

kconfig() {
	# $1: config file, $2: group, $3: sink mapping, $4: state dir
	cat >"$1" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: $2, format: jsonl, stop_at_end: true,
         properties: {session.timeout.ms: 4000, heartbeat.interval.ms: 500}}
sink: $3
dead_letter: {type: file, path: $T/$2.dead}
state: {dir: $4, interval: 150ms}
supervisor: {backoff_min: 5, backoff_max: 40}
$SCALES
EOC
}

# stop_loop CONFIG TAG SEED: start CONFIG (its checkpoint restored), stop
# it at STOPS random moments (every third one a SIGKILL of the group),
# then let a last run end by itself.  Its stderr in $T/TAG.err.
stop_loop() {
	"$PY" -c "
import random
r = random.Random($3)
print(' '.join('%.2f' % r.uniform(0.05, 0.8) for _ in range($STOPS)))" >"$T/$2.moments"
	k=0   # not i: wait_run counts with i
	terms=0
	kills=0
	: >"$T/run.err"
	t0=$(date +%s)
	for m in $(cat "$T/$2.moments") last; do
		echo "=== start $k (stop at $m)" >>"$T/run.err"
		setsid "$TDAPIPE" run -c "$1" >"$T/run.out" 2>>"$T/run.err" &
		pid=$!
		echo $pid >"$T/run.pid"
		if [ "$m" = last ]; then
			wait_run 90
			[ "$RUN_RC" -eq 0 ] || { tail -n 30 "$T/run.err" >&2; die "$2: the last run exited $RUN_RC"; }
			break
		fi
		# The moment counts from when this run reads its first new record:
		# the mock cluster holds a new member's join about 3 s (7 s after a
		# kill), and partitions not read before start a second later.
		wait_reading "$pid"
		sleep "$m"
		kill -0 "$pid" 2>/dev/null || { wait_run 10; note "$2: run $k ended by itself (status $RUN_RC) before its stop"; break; }
		k=$((k + 1))
		if [ $((k % 3)) -eq 0 ]; then
			echo "=== SIGKILL of the group" >>"$T/run.err"
			# not `kill -9 -- -PID`: dash's kill takes no "--" (and fails)
			kill -9 "-$pid" || die "$2: kill -9 of the process group failed"
			kills=$((kills + 1))
		else
			echo "=== SIGTERM" >>"$T/run.err"
			kill -TERM "$pid"
			terms=$((terms + 1))
		fi
		wait_run 60
		[ -f "$4/checkpoint" ] || die "$2: no checkpoint after stop $k"
		n=$(progress_$2)
		echo "$n" >>"$T/$2.progress"
		note "$2: stop $k after $m s: $n results so far"
	done
	cp "$T/run.err" "$T/$2.err"
	note "$2: $terms stops by SIGTERM, $kills kills of the whole group, then a run to the end ($(( $(date +%s) - t0 )) s)"
	[ "$kills" -ge 1 ] && [ "$terms" -ge 1 ] ||
		die "$2: the stops did not happen (the run ended too soon: raise KSTATE_POINTS)"
	grep -q "restored from" "$T/$2.err" || die "$2: no run said it restored the checkpoint"
}

# wait_reading PID: until the instance of supervisor PID has read a record
# more than when first seen (at most 40 s), or PID is gone.
wait_reading() {
	"$PY" - "$TDAPIPE" "$INSTANCE" "$1" <<'EOF' || { tail -n 20 "$T/run.err" >&2; die "run $1 never read anything"; }
import json, os, subprocess, sys, time
tdapipe, inst, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
r0, deadline = None, time.time() + 40
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(0)
    try:
        s = json.loads(subprocess.run([tdapipe, "stats", "--instance", inst, "--json"], capture_output=True,
                                      text=True, timeout=10).stdout)
        if s["supervisor_pid"] == pid:
            n = [p for p in s["processes"] if p["role"] == "ingest"][0]["records_in"]
            if r0 is None:
                r0 = n
            elif n > r0:
                sys.exit(0)
    except (ValueError, KeyError, IndexError, subprocess.TimeoutExpired):
        pass
    time.sleep(0.05)
sys.exit(1)
EOF
}

# progress_TAG: how many results are out so far.
progress_a() { wc -l <"$T/a.out" | tr -d ' '; }
progress_b() {
	timeout 20 kcat -C -b "$BOOT" -t results -e -q -X isolation.level=read_committed -f '%s\n' | wc -l
}

# no_id_twice FILE: every result id (a JSON line's "id") at most once.
no_id_twice() {
	"$PY" - "$1" <<'EOF'
import json, sys
from collections import Counter
ids = Counter(json.loads(l)["id"] for l in open(sys.argv[1]))
twice = {k: n for k, n in ids.items() if n > 1}
if twice:
    sys.exit("FAIL: %d ids published more than once, e.g. %s" % (len(twice), sorted(twice)[:5]))
print("# %d results, no id twice" % sum(ids.values()))
EOF
}

# The two variants run at once (two instances, -a and -b, each in its own
# directory): most of a restart is waiting for the group's join.
REF=$T/file.out
variant_a() {
	kconfig "$T/a.yaml" ga "{type: file, path: $T/a.out}" "$T/a-state"
	stop_loop "$T/a.yaml" a 5 "$T/a-state"
	no_id_twice "$T/a.out" || die "(a) file sink: an id published twice"
	check_results "$T/a.out" $SPECS --same-as "$REF" --per-stream
	[ ! -s "$T/ga.dead" ] || die "(a) dead letters: $(head -3 "$T/ga.dead")"
	note "(a) Kafka -> file: the continued file equals the uninterrupted run's results"
}
variant_b() {
	kconfig "$T/b.yaml" gb "{type: kafka, brokers: \"$BOOT\", topic: results, format: jsonl, exactly_once: true,
       properties: {transaction.timeout.ms: 10000}}" "$T/b-state"
	stop_loop "$T/b.yaml" b 7 "$T/b-state"
	timeout 30 kcat -C -b "$BOOT" -t results -e -q -X isolation.level=read_committed -f '%s\n' >"$T/b.out" ||
		die "kcat -C results failed"
	kt check "$BOOT" results 4 "$REF" || die "(b) read_committed view is not the file run's results exactly once"
	no_id_twice "$T/b.out" || die "(b) Kafka sink: an id published twice"
	check_results "$T/b.out" $SPECS --same-as "$REF" --per-stream
	[ ! -s "$T/gb.dead" ] || die "(b) dead letters: $(head -3 "$T/gb.dead")"
	note "(b) Kafka -> Kafka exactly once: the topic holds the uninterrupted run's results, each once"
}
# Whatever a failed variant left running is killed with the test.
trap 'for f in "$T"/a/run.pid "$T"/b/run.pid; do [ -f "$f" ] && kill -9 "-$(cat "$f")" 2>/dev/null; done; cleanup' EXIT INT TERM
for v in a b; do
	mkdir "$T/$v"
	(T=$T/$v; INSTANCE=$INSTANCE-$v; trap - EXIT INT TERM; "variant_$v") >"$T/$v.log" 2>&1 &
	echo $! >"$T/$v.sub"
done
rc=0
for v in a b; do
	wait "$(cat "$T/$v.sub")" || { rc=1; echo "FAIL: variant ($v):"; }
	sed 's/^/    /' "$T/$v.log"
done
[ "$rc" -eq 0 ] || exit 1
stop_mock mock
