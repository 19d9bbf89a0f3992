"""kafkatest.py - what the Kafka pipeline tests do with python3-confluent-kafka
(a client nobody here wrote), as subcommands:

  points DIR N SEED        DIR/in.jsonl (file source) and DIR/keyed.txt
                           ("stream|record" lines for a producer): N points
                           of 8 random-walk streams s0..s7
  feed KEYED BOOT TOPIC    produce KEYED's lines over about 8 s (80 slices,
                           0.1 s apart), waiting out broker outages
  wait BOOT TOPIC PARTS N  until TOPIC's PARTS partitions hold >= N messages
                           (at most 120 s)
  check BOOT TOPIC PARTS WANT
                           read TOPIC read_committed to its end: its values
                           must be WANT's lines (a result file), each once
Exit 0, or 1 with the reason on stderr.
"""
import random
import sys
import time
from collections import Counter


def points(d, n, seed):
    r = random.Random(seed)
    x = [0.0] * 8
    with open(d + "/in.jsonl", "w") as f, open(d + "/keyed.txt", "w") as k:
        for _ in range(n):
            s = r.randrange(8)
            x[s] = round(x[s] + r.gauss(0, 1), 3)
            line = '{"stream":"s%d","v":%r}' % (s, x[s])
            f.write(line + "\n")
            k.write("s%d|%s\n" % (s, line))


def feed(keyed, boot, topic):
    from confluent_kafka import Producer
    lines = [l.rstrip("\n").split("|", 1) for l in open(keyed)]
    # Unlike kcat, which gives up when every broker is down, this producer
    # retries for ever (message.timeout.ms 0).
    p = Producer({"bootstrap.servers": boot, "enable.idempotence": True, "message.timeout.ms": 0,
                  "linger.ms": 5})
    step = max(1, len(lines) // 80)
    for i in range(0, len(lines), step):
        for k, v in lines[i:i + step]:
            while True:
                try:
                    p.produce(topic, v.encode(), k.encode())
                    break
                except BufferError:
                    p.poll(0.1)
        p.poll(0)
        time.sleep(0.1)
    if p.flush(120):
        sys.exit("the producer could not deliver everything")


def wait(boot, topic, nparts, want):
    from confluent_kafka import Consumer, TopicPartition
    deadline = time.time() + 120
    while time.time() < deadline:
        c = Consumer({"bootstrap.servers": boot, "group.id": "probe"})
        n = sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] for p in range(nparts))
        c.close()
        if n >= want:
            return
        time.sleep(0.5)
    sys.exit("%s never held %d messages" % (topic, want))


def check(boot, topic, nparts, want_path):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": boot, "group.id": "check", "isolation.level": "read_committed",
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, 0) for p in range(nparts)])
    got, eof, deadline = [], set(), time.time() + 60
    while len(eof) < nparts and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:   # _PARTITION_EOF
                eof.add(m.partition())
            continue
        got.append(m.value().decode())
    c.close()
    want = [l.rstrip("\n") for l in open(want_path)]
    cnt, wc = Counter(got), Counter(want)
    missing, extra = sum((wc - cnt).values()), sum((cnt - wc).values())
    print("# %s: %d results read_committed, %d expected: %d missing, %d extra"
          % (topic, len(got), len(want), missing, extra))
    if len(eof) < nparts:
        sys.exit("did not reach the end of every partition of %s" % topic)
    if missing or extra:
        sys.exit("%s is not the expected results exactly once" % topic)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "points":
        points(args[0], int(args[1]), int(args[2]))
    elif cmd == "feed":
        feed(args[0], args[1], args[2])
    elif cmd == "wait":
        wait(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "check":
        check(args[0], args[1], int(args[2]), args[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
