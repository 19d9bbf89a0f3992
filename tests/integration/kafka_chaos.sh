#!/bin/sh
# kafka_chaos: exactly once from a Kafka topic to a Kafka topic while
# processes are killed and the broker fails.
#
# KCHAOS_POINTS points (default 120,000, 8 streams keyed by stream id, 8
# partitions) are produced at a steady rate while an instance
# reads them (Kafka source) and writes its results with an exactly_once
# (transactional) Kafka sink.  Meanwhile:
# - scripts/chaos SIGKILLs ingest, publish and the workers at random;
# - the mock cluster (tdapipe kafka-mock --control) fails the next requests
#   of Produce, Fetch, EndTxn, InitProducerId and, for the source offsets
#   each transaction commits, AddOffsetsToTxn and TxnOffsetCommit with
#   retriable errors, and
#   takes its broker down for 2 s and up again.
# Then a read_committed reader (python3-confluent-kafka) must see every
# result of a file-source run of the same records exactly once: none lost,
# none twice.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
"$PY" -c 'import confluent_kafka' 2>/dev/null || { echo "skip: python3-confluent-kafka not installed"; exit 77; }
ALLOW_RESTARTS=1
ulimit -c 0
CHAOS=$TDP_ROOT/scripts/chaos
N=${KCHAOS_POINTS:-120000}

kafka_reference "$N" 11

mkfifo "$T/ctl"
"$TDAPIPE" kafka-mock --control --topic points:8 --topic results:8 <"$T/ctl" >"$T/mock.out" 2>"$T/mock.err" &
echo $! >"$T/mock.pid"
exec 3>"$T/ctl"
wait_for 20 test -s "$T/mock.out" || die "kafka-mock printed no address: $(cat "$T/mock.err")"
BOOT=$(head -n 1 "$T/mock.out")
ctl() { echo "$*" >&3; }

cat >"$T/k.yaml" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: chaos, format: jsonl,
         properties: {session.timeout.ms: 6000, heartbeat.interval.ms: 500}}
sink: {type: kafka, brokers: "$BOOT", topic: results, format: jsonl, exactly_once: ${KCHAOS_EOS:-true},
       properties: {transaction.timeout.ms: 10000}}
dead_letter: {type: file, path: $T/k.dead}
supervisor: {restart_limit: 1000, backoff_min: 50, backoff_max: 500}
$SCALES
EOC
start_run "$T/k.yaml"

# Feed the points over about 8 s while everything below happens (a
# producer that waits out the broker's outage, unlike kcat, which gives up).
kt feed "$T/keyed.txt" "$BOOT" points &
feeder=$!

sleep 2
"$CHAOS" --instance "$INSTANCE" --rate 3 --duration 8 --signals KILL --seed 3 --json \
	--tdapipe "$TDAPIPE" >"$T/chaos.json" 2>"$T/chaos.err" &
chaos=$!
ctl errors Produce 3 NOT_ENOUGH_REPLICAS
ctl errors Fetch 3 NOT_LEADER_FOR_PARTITION
ctl errors EndTxn 2 COORDINATOR_LOAD_IN_PROGRESS
ctl errors AddOffsetsToTxn 2 COORDINATOR_LOAD_IN_PROGRESS
ctl errors TxnOffsetCommit 2 COORDINATOR_LOAD_IN_PROGRESS
sleep 2
ctl down 1
sleep 2
ctl up 1
ctl errors InitProducerId 2 COORDINATOR_NOT_AVAILABLE
wait "$chaos" || die "chaos failed: $(cat "$T/chaos.err")"
wait "$feeder" || die "the producer failed"

# Wait for every result in the topic, then stop the instance.
kt wait "$BOOT" results 8 "$want" || { tail -20 "$T/run.err" >&2; die "the results never all arrived"; }
sleep 2   # anything still on its way shows up as a duplicate below
kill -TERM "$(cat "$T/run.pid")"
wait_run 60
[ "$RUN_RC" -eq 0 ] || { tail -20 "$T/run.err" >&2; die "the run exited $RUN_RC after SIGTERM"; }

kt check "$BOOT" results 8 "$T/file.out" || die "read_committed view is not the file run's results exactly once"
"$PY" -c 'import json, sys; print("# chaos: " + json.dumps(json.load(open(sys.argv[1]))["by_label"]))' "$T/chaos.json"
grep -c "publish reader: .* results already in" "$T/run.err" | sed 's/^/# publish starts and read-backs: /'
exec 3>&-
kill -TERM "$(cat "$T/mock.pid")" 2>/dev/null || true
