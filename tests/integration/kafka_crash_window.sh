#!/bin/sh
# kafka_crash_window: publish killed right after Kafka has its results but
# before publish's own commit says so - the window the topic read-back is
# for - and at the steps around it.
#
# 20,000 points keyed over 4 partitions go through an instance with an
# exactly_once Kafka sink; TDAPIPE_CRASH_ROLE=publish TDAPIPE_CRASH_AT=K
# TDAPIPE_CRASH_ONCE kills the first publish at its K-th crash point (and
# only it).  Step 3 is the first commit of a flight: its transaction is
# committed in Kafka, the segment does not know.  The restarted publish
# must find those results in the topic (it logs how many), and for every K
# the read_committed view must be the file run's results, each once.
# Without the read-back, step 3 sends the first flight twice.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
"$PY" -c 'import confluent_kafka' 2>/dev/null || { echo "skip: python3-confluent-kafka not installed"; exit 77; }
ALLOW_RESTARTS=1

kafka_reference 20000 17

start_mock mock --topic points:4 --topic r3:4 --topic r4:4 --topic r5:4 --topic r9:4
timeout 30 kcat -P -b "$BOOT" -t points -K '|' <"$T/keyed.txt" || die "kcat -P failed"

for k in 3 4 5 9; do
	cat >"$T/k$k.yaml" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: g$k, format: jsonl, stop_at_end: true,
         properties: {session.timeout.ms: 6000}}
sink: {type: kafka, brokers: "$BOOT", topic: r$k, format: jsonl, exactly_once: true}
dead_letter: {type: file, path: $T/k$k.dead}
$SCALES
EOC
	TDAPIPE_CRASH_ROLE=publish TDAPIPE_CRASH_AT=$k TDAPIPE_CRASH_ONCE=$T/crashed$k \
		run_ok "$T/k$k.yaml" 90 "run killing publish at step $k"
	[ -e "$T/crashed$k" ] || die "publish never reached crash step $k"
	grep -q "publish killed by signal 9" "$T/run.err" || die "step $k: no publish restart in the log"
	found=$(grep "publish reader: .* results already in" "$T/run.err" | tail -n 1 | sed 's/.*publish reader: \([0-9]*\) results.*/\1/')
	note "step $k: the restarted publish found $found results in the topic"
	[ "$k" -ne 3 ] || [ "$found" -gt 0 ] || die "step 3: the restarted publish found nothing to skip"
	kt check "$BOOT" "r$k" 4 "$T/file.out" || die "killed at step $k: not every result exactly once"
done
stop_mock mock
