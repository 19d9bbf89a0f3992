#!/bin/sh
# kafka_pipeline: points produced with kcat into librdkafka's mock cluster
# go through a pipeline with a Kafka source and a Kafka sink, and the
# results read back with kcat equal, line for line, those of a file-source
# run of the same records.
#
# Four streams keyed by stream id over a 4-partition topic, interleaved at
# random, and five malformed records.  Checked:
# - at-least-once sink (idempotent producer), source with stop_at_end: the
#   run exits 0 by itself; results (kcat, value = one JSON object) equal
#   the file run's; every message is keyed by its stream and carries the
#   tdapipe-scale / tdapipe-window / tdapipe-checkpoint headers; dead letters have the file
#   run's reasons, "source":"kafka://points/P" and the message offsets;
# - exactly_once sink without stop_at_end: `stats --json` shows the source
#   and sink up, every partition read to its end (lag 0) and a committed
#   transaction; after SIGTERM, python3-confluent-kafka reading
#   read_committed sees every result exactly once;
# - event_time kafka: results' start/end are the messages' timestamps.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }

SCALES='scales:
  - {name: fast, complex: sublevel, window: 60, slide: 20}
  - {name: loop, complex: rips, window: 24, slide: 12, dims: [0, 1]}'

"$PY" - "$T" <<'EOF'
import json, math, random, sys
T = sys.argv[1]
r = random.Random(7)
streams = ["s0", "s1", "s2", "s3"]
n = {"s0": 900, "s1": 700, "s2": 640, "s3": 500}
order = [s for s in streams for _ in range(n[s])]
r.shuffle(order)
pos = dict.fromkeys(streams, 0)
bad = ['{"stream": "s1", "v": "x"}', 'not json', '{"stream": "s2", "v": [1, 2]}',
       '{"stream": "s0", "t": 1, "v": 1, "w": 2}', '{"stream": "s3", "v": NaN}', '{}']
with open(T + "/in.jsonl", "w") as f, open(T + "/keyed.txt", "w") as k:
    for i, s in enumerate(order):
        j = pos[s]; pos[s] += 1
        line = json.dumps({"stream": s, "t": j * 0.5, "v": math.sin(j * 0.3) + r.gauss(0, 0.1)})
        f.write(line + "\n"); k.write("%s|%s\n" % (s, line))
        if i % 500 == 250:
            b = bad[(i // 500) % len(bad)]
            key = json.loads(b).get("stream", "s0") if b.startswith("{") and "NaN" not in b else "s0"
            f.write(b + "\n"); k.write("%s|%s\n" % (key, b))
EOF

# The reference: the same records from a file.
write_config "$T/file.yaml" "{type: file, path: $T/in.jsonl, format: jsonl}" "$T/file.out"
run_ok "$T/file.yaml" 60 "file run"

start_mock mock --topic points:4 --topic results:4 --topic results2:4 --topic results3:2 --topic dead:2
timeout 30 kcat -P -b "$BOOT" -t points -K '|' <"$T/keyed.txt" || die "kcat -P failed"

kafka_config() { # FILE GROUP SINK-TOPIC EXTRA-SOURCE EXTRA-SINK
	cat >"$1" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "$BOOT", topics: points, group: $2, format: jsonl$4,
         properties: {session.timeout.ms: 6000}}
sink: {type: kafka, brokers: "$BOOT", topic: $3, format: jsonl$5}
dead_letter: {type: file, path: $T/$2.dead}
$SCALES
EOC
}

# 1. At least once, stop_at_end.
kafka_config "$T/k1.yaml" g1 results ", stop_at_end: true" ""
run_ok "$T/k1.yaml" 90 "kafka run (stop_at_end)"
timeout 30 kcat -C -b "$BOOT" -t results -e -q -f '%k\t%h\t%s\n' >"$T/k1.out" || die "kcat -C results failed"
"$PY" - "$T" <<'EOF' || die "kafka results differ from the file run"
import json, sys
T = sys.argv[1]
want = sorted(l.rstrip("\n") for l in open(T + "/file.out"))
got, msgs, last = [], 0, {}
for line in open(T + "/k1.out"):
    key, hdrs, value = line.rstrip("\n").split("\t", 2)
    r = json.loads(value)
    assert key == r["stream"], "key %r is not the stream of %s" % (key, value[:80])
    h = dict(x.split("=", 1) for x in hdrs.split(","))
    ck = h.pop("tdapipe-checkpoint").split(" ")
    assert h == {"tdapipe-scale": r["scale"], "tdapipe-window": str(r["window"])}, hdrs
    # SEQ OFF COMMIT PARTITION TOPIC: the stream restarts at or before this
    # window, its partition at or before the stream, and never backwards.
    seq, off, commit, part = map(int, ck[:4])
    assert ck[4] == "points" and 0 <= part < 4 and commit <= off and seq <= r["first_seq"], hdrs
    prev = last.get(key, (seq, off))
    assert (seq, off) >= prev and (seq > prev[0]) == (off > prev[1]), (hdrs, prev)
    last[key] = (seq, off)
    got.append(value)
got.sort()
assert len(want) > 100, "the file run gave only %d results" % len(want)
if got != want:
    extra = set(got) - set(want); missing = set(want) - set(got)
    sys.exit("FAIL: %d results from kafka, %d from the file; %d missing, %d extra, %d duplicated" %
             (len(got), len(want), len(missing), len(extra), len(got) - len(set(got))))
def reasons(path):
    return [json.loads(l) for l in open(path)]
fd, kd = reasons(T + "/file.out.dead"), reasons(T + "/g1.dead")
assert len(kd) == len(fd) == 5, (len(kd), len(fd))
assert sorted(d["reason"] for d in kd) == sorted(d["reason"] for d in fd), (kd, fd)
for d in kd:
    assert d["source"].startswith("kafka://points/") and d["line"] == 0, d
print("# %d results through kafka equal the file run's; 5 dead letters with partition and offset" % len(got))
EOF

# 2. Exactly once, runs until stopped: stats, then SIGTERM.
kafka_config "$T/k2.yaml" g2 results2 "" ", exactly_once: true"
start_run "$T/k2.yaml"
nres=$(wc -l <"$T/file.out")
"$PY" - "$TDAPIPE" "$INSTANCE" "$nres" <<'EOF' || { cat "$T/run.err" >&2; die "stats never showed the whole topic read"; }
import json, subprocess, sys, time
tdapipe, inst, nres = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 60
while True:
    try:
        s = json.loads(subprocess.run([tdapipe, "stats", "--instance", inst, "--json"], capture_output=True,
                                      text=True, timeout=10).stdout)
        k = s.get("kafka", {})
        parts = k.get("partitions", [])
        pub = [p for p in s["processes"] if p["role"] == "publish"][0]
        if (len(parts) == 4 and all(p["lag"] == 0 and p["assigned"] for p in parts)
                and pub["records_out"] == nres and k["sink"]["txn_commits"] > 0):
            assert k["source"]["state"] == "up" and k["sink"]["state"] == "up", k
            assert sum(p["position"] or 0 for p in parts) == sum(p["end"] for p in parts) > 0
            print("# stats: source and sink up, 4 partitions at lag 0, %d transactions" % k["sink"]["txn_commits"])
            break
    except (ValueError, KeyError, IndexError, subprocess.TimeoutExpired):
        pass
    if time.time() > deadline:
        sys.exit("FAIL: last stats: %s" % s)
    time.sleep(0.2)
EOF
kill -TERM "$(cat "$T/run.pid")"
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "exactly_once run exited $RUN_RC after SIGTERM"; }
if "$PY" -c 'import confluent_kafka' 2>/dev/null; then
	"$PY" "$TDP_ROOT/tests/integration/kafkatest.py" check "$BOOT" results2 4 "$T/file.out" ||
		die "read_committed view differs from the file run"
else
	note "python3-confluent-kafka not installed: read_committed check skipped"
fi

# 3. event_time kafka: the message timestamps (set by kcat's producer),
# also as the time of a scale whose windows are durations (each stream is
# one key, so one partition: its watermark does not depend on how the
# partitions interleave); dead letters to a Kafka topic.
kafka_config "$T/k3.yaml" g3 results3 ", stop_at_end: true, event_time: kafka, lateness: 1s" ""
echo "  - {name: tk, complex: sublevel, window: 200ms, slide: 100ms}" >>"$T/k3.yaml"
sed -i "s|^dead_letter: .*|dead_letter: {type: kafka, brokers: \"$BOOT\", topic: dead}|" "$T/k3.yaml"
run_ok "$T/k3.yaml" 90 "kafka run (event_time kafka)"
timeout 30 kcat -C -b "$BOOT" -t results3 -e -q -f '%s\n' >"$T/k3.out" || die "kcat -C results3 failed"
"$PY" - "$T" <<'EOF' || die "event_time kafka"
import json, sys, time
T = sys.argv[1]
rows = [json.loads(l) for l in open(T + "/k3.out")]
assert rows, "no results"
now = time.time()
for r in rows:
    assert now - 3600 < r["start"] <= r["end"] <= now, r
timed = [r for r in rows if r["scale"] == "tk"]
points = {"s0": 900, "s1": 700, "s2": 640, "s3": 500}   # the valid records written above
for s, n in points.items():
    ws = [r for r in timed if r["stream"] == s]
    # every point falls in two windows of 200 ms sliding by 100 ms
    assert sum(r["n"] for r in ws) == 2 * n, (s, n, sum(r["n"] for r in ws))
    for r in ws:
        assert round(r["from"] * 10) == r["window"] and r["from"] <= r["start"] <= r["end"] < r["to"], r
print("# event_time kafka: %d results, start/end within the last hour (message timestamps); "
      "%d windows of 200 ms over them hold every point twice" % (len(rows), len(timed)))
EOF
timeout 30 kcat -C -b "$BOOT" -t dead -e -q -f '%k\t%s\n' >"$T/dead.out" || die "kcat -C dead failed"
"$PY" - "$T" <<'EOF' || die "dead letters in a Kafka topic"
import json, sys
T = sys.argv[1]
want = sorted(json.loads(l)["reason"] for l in open(T + "/file.out.dead"))
rows = [l.rstrip("\n").split("\t", 1) for l in open(T + "/dead.out")]
got = sorted(json.loads(v)["reason"] for k, v in rows)
assert got == want, (got, want)
for k, v in rows:
    d = json.loads(v)
    assert d["source"].startswith("kafka://points/") and d["line"] == 0, d
    # keyed like the message they came in
    assert k in ("s0", "s1", "s2", "s3"), k
print("# dead letters to a Kafka topic: %d, the file run's reasons, with partition and offset" % len(rows))
EOF
stop_mock mock
