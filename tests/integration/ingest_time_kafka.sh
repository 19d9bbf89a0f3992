#!/bin/sh
# ingest_time_kafka: `event_time: kafka` with a time scale.  A message's
# timestamp (milliseconds) is its event time, exactly; one beyond what int64
# nanoseconds hold is a dead letter saying so; a message below its stream's
# watermark (the newest timestamp of its key so far minus lateness) is a
# "late" dead letter whose time and watermark are written in the source's
# time_unit (seconds here: exact decimals).  The dead-letter file must equal
# what a reference computes, byte for byte.  Only dead letters are checked:
# the results of time scales are the scale workers' (scaled/).
. "$(dirname "$0")/../lib.sh"
"$PY" -c 'import confluent_kafka' 2>/dev/null || { echo "python3-confluent-kafka not installed"; exit 77; }

start_mock mock --topic points:1

"$PY" - "$T" "$BOOT" <<'EOF'
import json, random, sys
from confluent_kafka import Producer
T, boot = sys.argv[1:3]
rng = random.Random(18)
LATENESS = 100            # ms
newest = {}               # stream -> newest timestamp (ms) not late
clock = {"a": 1765000000000, "b": 1765000000000, "c": 1765000300000}
msgs = []                 # (key, value, timestamp ms)
for i in range(1500):
    s = rng.choice(sorted(clock))
    if rng.random() < 0.15:
        ts = clock[s] - rng.choice([0, 1, 99, 100, 101, 150, 400])
    else:
        clock[s] += rng.choice([0, 5, 20, 33, 80, 200])
        ts = clock[s]
    msgs.append((s, '{"v":%d}' % (i % 7), ts))
msgs.insert(700, ("b", '{"v":1}', 9300000000000))   # 9.3e18 ns: beyond int64

def sec(ms):
    """MS milliseconds as an exact decimal number of seconds."""
    q, r = divmod(abs(ms), 1000)
    return ("-" if ms < 0 else "") + str(q) + (("." + ("%03d" % r).rstrip("0")) if r else "")

out = []
for off, (s, v, ts) in enumerate(msgs):
    head = None
    if ts * 10**6 > 2**63 - 1:
        head = '{"reason":%s' % json.dumps(
            "event time %d ms is beyond \u00b1292 years of nanoseconds around 1970" % ts, ensure_ascii=False)
    elif s in newest and ts < newest[s] - LATENESS:
        head = '{"reason":"late","time":%s,"watermark":%s' % (sec(ts), sec(newest[s] - LATENESS))
    else:
        newest[s] = max(newest.get(s, ts), ts)
    if head:
        out.append('%s,"source":"kafka://points/0","offset":%d,"line":0,"record":%s,"truncated":false}\n'
                   % (head, off, json.dumps(v)))
open(T + "/want.dead", "w", encoding="utf-8").write("".join(out))
open(T + "/counts", "w").write("%d %d\n" % (len(msgs), len(out)))

p = Producer({"bootstrap.servers": boot, "enable.idempotence": True, "linger.ms": 5})
for s, v, ts in msgs:
    p.produce("points", v.encode(), s.encode(), timestamp=ts)
if p.flush(60):
    sys.exit("the producer could not deliver everything")
EOF
read NMSG NDEAD <"$T/counts"
note "$NMSG messages, $NDEAD dead letters"

cat >"$T/k.yaml" <<EOF
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: g1, format: jsonl, stop_at_end: true,
         event_time: kafka, lateness: 100ms, properties: {session.timeout.ms: 6000}}
sink: {type: file, path: $T/k.out}
dead_letter: {type: file, path: $T/k.dead}
max_streams: 8
scales:
  - {name: sec, complex: sublevel, window: 1s, slide: 500ms, max_window_points: 1024}
EOF
run_ok "$T/k.yaml" 90 "kafka run (event_time kafka, a time scale)"
stop_mock mock
if ! cmp -s "$T/k.dead" "$T/want.dead"; then
	diff "$T/want.dead" "$T/k.dead" | head -n 10 >&2
	die "dead letters differ from the reference"
fi
echo "ok"
