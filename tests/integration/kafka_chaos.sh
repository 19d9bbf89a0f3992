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
#   of Produce, Fetch, EndTxn and InitProducerId with retriable errors, and
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

SCALES='scales:
  - {name: fast, complex: sublevel, window: 200, slide: 50}
  - {name: loop, complex: rips, window: 30, slide: 15, dims: [0, 1]}'

"$PY" - "$T" "$N" <<'EOF'
import json, random, sys
T, n = sys.argv[1], int(sys.argv[2])
r = random.Random(11)
x = [0.0] * 8
with open(T + "/in.jsonl", "w") as f, open(T + "/keyed.txt", "w") as k:
    for i in range(n):
        s = r.randrange(8)
        x[s] = round(x[s] + r.gauss(0, 1), 3)
        line = '{"stream":"s%d","v":%r}' % (s, x[s])
        f.write(line + "\n"); k.write("s%d|%s\n" % (s, line))
EOF
write_config "$T/file.yaml" "{type: file, path: $T/in.jsonl, format: jsonl}" "$T/file.out"
run_ok "$T/file.yaml" 60 "file run"
want=$(wc -l <"$T/file.out")

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
"$PY" - "$T/keyed.txt" "$BOOT" <<'EOF' &
import sys, time
from confluent_kafka import Producer
lines = [l.rstrip("\n").split("|", 1) for l in open(sys.argv[1])]
p = Producer({"bootstrap.servers": sys.argv[2], "enable.idempotence": True, "message.timeout.ms": 0,
              "linger.ms": 5})
step = max(1, len(lines) // 80)
for i in range(0, len(lines), step):
    for k, v in lines[i:i + step]:
        while True:
            try:
                p.produce("points", v.encode(), k.encode())
                break
            except BufferError:
                p.poll(0.1)
    p.poll(0)
    time.sleep(0.1)
left = p.flush(120)
sys.exit(1 if left else 0)
EOF
feeder=$!

sleep 2
"$CHAOS" --instance "$INSTANCE" --rate 3 --duration 8 --signals KILL --seed 3 --json \
	--tdapipe "$TDAPIPE" >"$T/chaos.json" 2>"$T/chaos.err" &
chaos=$!
ctl errors Produce 3 NOT_ENOUGH_REPLICAS
ctl errors Fetch 3 NOT_LEADER_FOR_PARTITION
ctl errors EndTxn 2 COORDINATOR_LOAD_IN_PROGRESS
sleep 2
ctl down 1
sleep 2
ctl up 1
ctl errors InitProducerId 2 COORDINATOR_NOT_AVAILABLE
wait "$chaos" || die "chaos failed: $(cat "$T/chaos.err")"
wait "$feeder" || die "the producer failed"

# Wait for every result in the topic, then stop the instance.
"$PY" - "$BOOT" "$want" <<'EOF' || { tail -20 "$T/run.err" >&2; die "the results never all arrived"; }
import sys, time
from confluent_kafka import Consumer, TopicPartition
boot, want = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 120
while time.time() < deadline:
    c = Consumer({"bootstrap.servers": boot, "group.id": "probe"})
    n = sum(c.get_watermark_offsets(TopicPartition("results", p), timeout=5)[1] for p in range(8))
    c.close()
    if n >= want:
        sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
EOF
sleep 2   # anything still on its way shows up as a duplicate below
kill -TERM "$(cat "$T/run.pid")"
wait_run 60
[ "$RUN_RC" -eq 0 ] || { tail -20 "$T/run.err" >&2; die "the run exited $RUN_RC after SIGTERM"; }

"$PY" - "$BOOT" "$T" <<'EOF' || die "read_committed view is not the file run's results exactly once"
import json, sys, time
from collections import Counter
from confluent_kafka import Consumer, TopicPartition
boot, T = sys.argv[1], sys.argv[2]
c = Consumer({"bootstrap.servers": boot, "group.id": "check", "isolation.level": "read_committed",
              "enable.partition.eof": True})
c.assign([TopicPartition("results", p, 0) for p in range(8)])
got, eof, deadline = [], set(), time.time() + 60
while len(eof) < 8 and time.time() < deadline:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        if m.error().code() == -191:
            eof.add(m.partition())
        continue
    got.append(m.value().decode())
c.close()
want = [l.rstrip("\n") for l in open(T + "/file.out")]
chaos = json.load(open(T + "/chaos.json"))
cnt, wc = Counter(got), Counter(want)
missing = sum((wc - cnt).values()); extra = sum((cnt - wc).values())
print("# %d results read_committed, %d expected: %d missing, %d extra; chaos: %s" %
      (len(got), len(want), missing, extra, json.dumps(chaos["by_label"])))
assert len(eof) == 8, "did not reach the end of every partition"
assert missing == 0 and extra == 0
EOF
grep -c "results already in" "$T/run.err" | sed 's/^/# publish starts and read-backs: /'
exec 3>&-
kill -TERM "$(cat "$T/mock.pid")" 2>/dev/null || true
