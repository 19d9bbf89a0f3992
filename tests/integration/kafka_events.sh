#!/bin/sh
# kafka_events: the events of tracking and scoring scales (issue 20) in a
# Kafka events topic, exactly once, with the results in the same
# transactions, while publish is killed.
#
# 20,000 points keyed over 4 partitions go through an instance with an
# exactly_once Kafka sink and `events: {type: kafka, topic: ...}`;
# TDAPIPE_CRASH_ROLE=publish TDAPIPE_CRASH_AT=K TDAPIPE_CRASH_ONCE kills
# the first publish at its K-th crash point: step 3 is the first commit of
# a flight, its transaction committed in Kafka and not in the segment (the
# restarted publish reads the results topic back and skips those results:
# their events came with them); 4, 5 and 9 are around it.  For every K a
# read_committed reader must see the file run's results in the results
# topic and the file run's events in the events topic, each exactly once.
# Event messages are keyed by their stream and carry the tdapipe-scale and
# tdapipe-window headers of their result; the msgpack events format gives
# the same events.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
"$PY" -c 'import confluent_kafka, msgpack' 2>/dev/null ||
	{ echo "skip: python3-confluent-kafka or python3-msgpack not installed"; exit 77; }
ALLOW_RESTARTS=1

SCALES='scales:
  - {name: fast, complex: sublevel, window: 200, slide: 50, track: {min_persistence: 1},
     anomaly: {signal: total, history: 10, threshold: 2}}
  - {name: loop, complex: rips, window: 30, slide: 15, dims: [0, 1], track: {dims: [1], min_persistence: 0.5},
     anomaly: {signal: count, dim: 1, history: 5, threshold: 1}}'
kt points "$T" 20000 17
cat >"$T/file.yaml" <<EOC
instance: $INSTANCE
source: {type: file, path: $T/in.jsonl, format: jsonl}
sink: {type: file, path: $T/file.out}
events: {type: file, path: $T/file.events}
dead_letter: {type: file, path: $T/file.dead}
$SCALES
EOC
run_ok "$T/file.yaml" 60 "file run"
[ -s "$T/file.events" ] || die "the file run made no events"
grep -q '"type":"anomaly"' "$T/file.events" || die "the file run made no anomaly event"
note "file run: $(wc -l <"$T/file.out") results, $(wc -l <"$T/file.events") events"

start_mock mock --topic points:4 --topic r3:4 --topic e3:4 --topic r4:4 --topic e4:4 --topic r5:4 --topic e5:4 \
	--topic r9:4 --topic e9:4 --topic rm:4 --topic em:4
timeout 30 kcat -P -b "$BOOT" -t points -K '|' <"$T/keyed.txt" || die "kcat -P failed"

# kafka_config NAME GROUP RESULTS EVENTS [EVENTS-FORMAT]
kafka_config() {
	cat >"$T/$1.yaml" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: $2, format: jsonl, stop_at_end: true,
         properties: {session.timeout.ms: 6000}}
sink: {type: kafka, brokers: "$BOOT", topic: $3, format: jsonl, exactly_once: true}
events: {type: kafka, topic: $4, format: ${5:-jsonl}}
dead_letter: {type: file, path: $T/$1.dead}
$SCALES
EOC
}

for k in 3 4 5 9; do
	kafka_config "k$k" "g$k" "r$k" "e$k"
	TDAPIPE_CRASH_ROLE=publish TDAPIPE_CRASH_AT=$k TDAPIPE_CRASH_ONCE=$T/crashed$k \
		run_ok "$T/k$k.yaml" 90 "run killing publish at step $k"
	[ -e "$T/crashed$k" ] || die "publish never reached crash step $k"
	grep -q "publish killed by signal 9" "$T/run.err" || die "step $k: no publish restart in the log"
	found=$(grep "publish reader: .* results already in" "$T/run.err" | tail -n 1 | sed 's/.*publish reader: \([0-9]*\) results.*/\1/')
	note "step $k: the restarted publish found $found results in the topic"
	[ "$k" -ne 3 ] || [ "$found" -gt 0 ] || die "step 3: the restarted publish found nothing to skip"
	kt check "$BOOT" "r$k" 4 "$T/file.out" || die "killed at step $k: not every result exactly once"
	kt check "$BOOT" "e$k" 4 "$T/file.events" || die "killed at step $k: not every event exactly once"
done

# Keys and headers: the stream, and the scale and window of the result.
timeout 30 kcat -C -b "$BOOT" -t e3 -e -q -f '%k\t%h\t%s\n' >"$T/e3.out" || die "kcat -C e3 failed"
"$PY" - "$T/e3.out" <<'EOF' || die "event messages' keys or headers"
import json, sys
n = 0
for line in open(sys.argv[1]):
    key, hdrs, value = line.rstrip("\n").split("\t", 2)
    e = json.loads(value)
    h = dict(x.split("=", 1) for x in hdrs.split(","))
    assert key == e["stream"], "key %r, stream %r" % (key, e["stream"])
    assert h == {"tdapipe-scale": e["scale"], "tdapipe-window": str(e["window"])}, "headers %r of %s" % (h, e["id"])
    n += 1
print("# e3: %d messages keyed by stream, with tdapipe-scale and tdapipe-window" % n)
EOF

# msgpack events: the same, one map per message.
kafka_config km gm rm em msgpack
run_ok "$T/km.yaml" 90 "run with msgpack events"
kt check "$BOOT" rm 4 "$T/file.out" || die "msgpack events run: not every result exactly once"
"$PY" - "$BOOT" "$T/file.events" <<'EOF' || die "msgpack events differ from the file run's"
import json, sys, time, msgpack
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "mcheck", "isolation.level": "read_committed",
              "enable.partition.eof": True})
c.assign([TopicPartition("em", p, 0) for p in range(4)])
got, eof, deadline = [], set(), time.time() + 60
while len(eof) < 4 and time.time() < deadline:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        if m.error().code() == -191:
            eof.add(m.partition())
        continue
    got.append(msgpack.unpackb(m.value(), raw=False))
c.close()
want = {e["id"]: e for e in map(json.loads, open(sys.argv[2]))}
assert len(eof) == 4, "not every partition read"
assert len(got) == len(want), "%d msgpack events, %d in the file run" % (len(got), len(want))
for e in got:
    assert want.pop(e["id"]) == e, "event %s differs" % e["id"]
print("# em: %d msgpack events, the file run's" % len(got))
EOF
stop_mock mock
echo ok
