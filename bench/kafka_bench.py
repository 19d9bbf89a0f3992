#!/usr/bin/python3
"""Kafka benchmark (issue 7): points/s from a Kafka topic through `tdapipe
run` to a Kafka topic, next to kcat consuming the same topic from the same
mock cluster (the ceiling), measured in the same run.

usage: kafka_bench.py    (env BUILD=build, BIN=bin, RUNS=3; KBENCH_RUNS
                          overrides RUNS, KBENCH_POINTS=1000000,
                          KBENCH_PARTITIONS=64, KBENCH_CONSUMER_PROPS)

One `tdapipe kafka-mock` serves the whole benchmark.  Before any timing,
KBENCH_POINTS points are produced once with `kcat -P -K '|'` into topic
`points`: JSON Lines `{"v":...}` keyed by 16 stream ids s0..s15 (round
robin; each stream is the ECG sample, from its own offset).  The mock keeps
only ~5 MiB per partition and drops older messages silently, so an untimed
`kcat -C` first checks that every point is there.

Then, RUNS times, in alternating order:
- kcat: `kcat -C -b BOOT -t points -e -q -o beginning` (no consumer group;
  -e exits at the end of every partition), its output read and discarded by
  this script (which also notes when the first bytes arrive);
- ours, at least once: `tdapipe run` with a Kafka source (fresh group,
  stop_at_end) -> one sublevel scale (window 1000, slide 100) -> Kafka sink
  (idempotent producer), to a fresh results topic;
- ours, exactly_once: the same with a transactional sink.
Rates are points / wall time: over the whole run (process start to exit;
ours includes the consumer group join), and from the first point read (by
ingest; by kcat, its first output) to exit.  The first point's time is bounded by polling
`tdapipe stats --json` every 20 ms until ingest's records_in is non-zero
(polling stops then); the last poll that still showed 0 is taken as the
start, so that rate is a lower bound.  Each run's results are read back with
kcat and counted per stream: S streams of n_s points give
sum(floor((n_s - 1000) / 100) + 1) results.

KBENCH_CONSUMER_PROPS="name=value ..." gives extra librdkafka consumer
properties to both our source and kcat.  With librdkafka 2.0.2, a
consumer-group consumer stops fetching every partition while its queue holds
queued.min.messages (default 100000) or more, and looks again only on the
broker thread's 1-second scan; "queued.min.messages=1000000" shows the rate
without those pauses.

Prints a table of medians; exits 0 when kcat is missing (skipped), non-zero
if a run fails or its results are wrong.
"""
import collections
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import time

BUILD = os.environ.get("BUILD", "build")
BIN = os.environ.get("BIN", "bin")
RUNS = int(os.environ.get("KBENCH_RUNS", os.environ.get("RUNS", "3")))
N = int(os.environ.get("KBENCH_POINTS", "1000000"))
PARTS = int(os.environ.get("KBENCH_PARTITIONS", "64"))
STREAMS = 16
WINDOW, SLIDE = 1000, 100
W = os.path.join(BUILD, "bench", "kafka")
TDAPIPE = os.path.join(BIN, "tdapipe")
KCAT = shutil.which("kcat")
# Extra librdkafka consumer properties, "name=value ...", given to both our
# source and kcat (e.g. KBENCH_CONSUMER_PROPS="queued.min.messages=1000000").
CONSUMER_PROPS = [kv.split("=", 1) for kv in os.environ.get("KBENCH_CONSUMER_PROPS", "").split()]
KCAT_PROPS = [a for k, v in CONSUMER_PROPS for a in ("-X", "%s=%s" % (k, v))]
SOURCE_PROPS = "".join(", %s: %s" % (k, v) for k, v in CONSUMER_PROPS)
VARIANTS = [("alo", "at least once", ""), ("eos", "exactly_once", ", exactly_once: true")]


def die(msg):
    print("kafka_bench: " + msg, file=sys.stderr)
    sys.exit(1)


def fmt(x):
    return "{:,.0f}".format(x)


def make_input():
    """Writes W/keyed.txt ("sK|{json}" lines); returns points per stream."""
    ecg = [l.strip() for l in open("samples/ecg.csv") if l.strip()]
    counts = [0] * STREAMS
    with open(os.path.join(W, "keyed.txt"), "w") as f:
        for i in range(N):
            s = i % STREAMS
            j = counts[s]
            counts[s] += 1
            f.write('s%d|{"v":%s}\n' % (s, ecg[(j + s * 6007) % len(ecg)]))
    return counts


def expected_results(counts):
    return {"s%d" % s: (n - WINDOW) // SLIDE + 1 if n >= WINDOW else 0 for s, n in enumerate(counts)}


def start_mock(topics):
    err = open(os.path.join(W, "mock.err"), "w")
    args = [TDAPIPE, "kafka-mock"]
    for t in topics:
        args += ["--topic", t]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
    r, _, _ = select.select([p.stdout], [], [], 20)
    line = p.stdout.readline().decode().strip() if r else ""
    if not line:
        p.kill()
        die("kafka-mock printed no address: " + open(os.path.join(W, "mock.err")).read())
    return p, line


def kcat_count(boot, topic, fmt_="%k\n", extra=()):
    """Reads TOPIC from the beginning to its end; returns a Counter of lines."""
    out = subprocess.run([KCAT, "-C", "-b", boot, "-t", topic, "-e", "-q", "-o", "beginning",
                          "-f", fmt_] + list(extra), capture_output=True, timeout=120)
    if out.returncode != 0:
        die("kcat -C %s exited %d: %s" % (topic, out.returncode, out.stderr.decode()[-500:]))
    return collections.Counter(out.stdout.decode().split("\n")[:-1])


def run_kcat(boot):
    """One kcat -C over the whole topic, its output drained and discarded;
    returns (whole-process msg/s, from-first-message msg/s, startup s)."""
    err = open(os.path.join(W, "kcat.err"), "w")
    t0 = time.monotonic()
    p = subprocess.Popen([KCAT, "-C", "-b", boot, "-t", "points", "-e", "-q", "-o", "beginning"] + KCAT_PROPS,
                         stdout=subprocess.PIPE, stderr=err)
    first = None
    fd = p.stdout.fileno()
    while os.read(fd, 1 << 20):
        if first is None:
            first = time.monotonic()
    rc = p.wait(timeout=120)
    t1 = time.monotonic()
    if rc != 0 or first is None:
        die("kcat -C points exited %d: %s" % (rc, open(os.path.join(W, "kcat.err")).read()[-500:]))
    return N / (t1 - t0), N / (t1 - first), first - t0


def records_in(instance):
    """Ingest's records_in, or None while the instance is not up yet."""
    out = subprocess.run([TDAPIPE, "stats", "--instance", instance, "--json"],
                         capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        return None
    try:
        s = json.loads(out.stdout)
        return [p for p in s["processes"] if p["role"] == "ingest"][0]["records_in"]
    except (ValueError, KeyError, IndexError):
        return None


def run_ours(boot, variant, sink_extra, i, want):
    """One `tdapipe run`; returns (whole-run pts/s, from-first-point pts/s, startup s)."""
    name = "kb%d-%s-%d" % (os.getpid(), variant, i)
    topic = "results-%s-%d" % (variant, i)
    dead = os.path.join(W, name + ".dead")
    cfg = os.path.join(W, name + ".yaml")
    with open(cfg, "w") as f:
        f.write("instance: %s\n"
                "state: {dir: %s}\n"
                "source: {type: kafka, brokers: \"%s\", topics: points, group: %s, format: jsonl,\n"
                "         stop_at_end: true, properties: {session.timeout.ms: 6000%s}}\n"
                "sink: {type: kafka, brokers: \"%s\", topic: %s, format: jsonl%s}\n"
                "dead_letter: {type: file, path: %s}\n"
                "scales:\n"
                "  - {name: fast, complex: sublevel, window: %d, slide: %d}\n"
                % (name, os.path.join(W, name + "-state"), boot, name, SOURCE_PROPS, boot, topic, sink_extra, dead,
                   WINDOW, SLIDE))
    errpath = os.path.join(W, name + ".err")
    t0 = time.monotonic()
    p = subprocess.Popen([TDAPIPE, "run", "--fresh", "-c", cfg], stdout=subprocess.DEVNULL, stderr=open(errpath, "w"))
    try:
        t_zero = t0   # last time ingest was seen with no point read
        while p.poll() is None:
            t = time.monotonic()
            n = records_in(name)
            if n:
                break
            t_zero = t
            if t - t0 > 60:
                die("%s: no point read after 60 s; stats: %s" % (name, subprocess.run(
                    [TDAPIPE, "stats", "--instance", name], capture_output=True, text=True).stdout))
            time.sleep(0.02)
        rc = p.wait(timeout=180)
    finally:
        if p.poll() is None:
            p.terminate()
            p.wait()
    t1 = time.monotonic()
    if rc != 0:
        die("%s: tdapipe run exited %d: %s" % (name, rc, open(errpath).read()[-2000:]))
    got = kcat_count(boot, topic, extra=["-X", "isolation.level=read_committed"])
    if got != want:
        die("%s: %d results in %s, expected %d (per stream: got %s, want %s)" % (
            name, sum(got.values()), topic, sum(want.values()), dict(got), want))
    if os.path.exists(dead) and os.path.getsize(dead):
        die("%s: dead letters in %s" % (name, dead))
    return N / (t1 - t0), N / (t1 - t_zero), t_zero - t0


def main():
    if not KCAT:
        print("   skipped: kcat not installed")
        return
    if not os.access(TDAPIPE, os.X_OK):
        die("%s not built (make)" % TDAPIPE)
    os.makedirs(W, exist_ok=True)
    counts = make_input()
    want = expected_results(counts)
    topics = ["points:%d" % PARTS] + ["results-%s-%d:%d" % (v, i, PARTS)
                                     for v, _, _ in VARIANTS for i in range(1, RUNS + 1)]
    mock, boot = start_mock(topics)
    try:
        t0 = time.monotonic()
        with open(os.path.join(W, "keyed.txt"), "rb") as f:
            rc = subprocess.run([KCAT, "-P", "-b", boot, "-t", "points", "-K", "|"], stdin=f, timeout=120)
        t_prod = time.monotonic() - t0
        if rc.returncode != 0:
            die("kcat -P exited %d" % rc.returncode)
        parts = kcat_count(boot, "points", "%p\n")
        if sum(parts.values()) != N:
            die("the mock holds %d of the %d points produced (it drops messages beyond ~5 MiB per "
                "partition: fewer KBENCH_POINTS or more KBENCH_PARTITIONS)" % (sum(parts.values()), N))
        print("   %s points (jsonl {\"v\":...}, ECG values) keyed by %d streams, produced once with kcat -P "
              "in %.1f s; all %s in the mock, on %d of %d partitions (at most %s per partition)"
              % (fmt(N), STREAMS, t_prod, fmt(N), len(parts), PARTS, fmt(max(parts.values()))))
        print("   ours: Kafka source (stop_at_end) -> sublevel window %d slide %d -> Kafka sink; "
              "%s results per run, checked per stream with kcat" % (WINDOW, SLIDE, fmt(sum(want.values()))))

        kc, ours = [], {v: [] for v, _, _ in VARIANTS}
        for i in range(1, RUNS + 1):
            order = ["kcat"] + [v for v, _, _ in VARIANTS]
            if i % 2 == 0:
                order.reverse()
            for what in order:
                if what == "kcat":
                    kc.append(run_kcat(boot))
                else:
                    extra = [e for v, _, e in VARIANTS if v == what][0]
                    ours[what].append(run_ours(boot, what, extra, i, want))

        med = lambda rows, k: statistics.median(r[k] for r in rows)
        print("   reference: kcat -C -e -o beginning (no consumer group) reading the whole topic, its output "
              "drained and discarded by this script")
        if CONSUMER_PROPS:
            print("   consumer properties, ours and kcat: %s" % " ".join("=".join(kv) for kv in CONSUMER_PROPS))
        head = "%-58s %14s %14s %7s %7s"
        print(head % ("measure (median of %d)" % RUNS, "ours points/s", "kcat msg/s", "ratio", "target"))
        for v, label, _ in VARIANTS:
            for k, what in ((0, "whole run"), (1, "from first point read")):
                o, r = med(ours[v], k), med(kc, k)
                ok = "met" if o >= 0.8 * r and o >= 500000 else "not met"
                print("%-58s %14s %14s %7.2f %7s" % ("kafka -> kafka, %s sink, %s" % (label, what),
                                                     fmt(o), fmt(r), o / r, ok))
        print("   target (issue 7): >= 0.80 of kcat's rate and >= 500,000 points/s")
        print("   startup (process start to first point read): ours median %.2f s (consumer group join: the "
              "mock, like Kafka, waits 3 s on a new group's first join), kcat %.2f s (no group)" % (statistics.median(r[2] for v in ours for r in ours[v]), med(kc, 2)))
        print("   runs: kcat whole %s; from first message %s" % (
            " ".join(fmt(r[0]) for r in kc), " ".join(fmt(r[1]) for r in kc)))
        for v, label, _ in VARIANTS:
            print("   runs: %s whole %s; from first point %s; startup %s s" % (
                label, " ".join(fmt(r[0]) for r in ours[v]), " ".join(fmt(r[1]) for r in ours[v]),
                " ".join("%.2f" % r[2] for r in ours[v])))
    finally:
        mock.terminate()
        try:
            mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.kill()


if __name__ == "__main__":
    main()
