#!/usr/bin/python3
"""bench/latency.py - point-to-publish latency of the sublevel bench
(one sublevel scale, window 1000, slide 100) at 25%, 50% and 90% of the
pipeline's maximum rate, as the pipeline itself measures it (issue 21:
the scale's latency histogram, tdapipe-stats(1) HISTOGRAMS).

    latency.py BIN DIR [--runs 3] [--seconds 4] [--points 4320000]

1. The maximum rate: `tdapipe run` of POINTS points of samples/ecg.csv
   (repeated) from a file source, POINTS / wall time, median of RUNS.
2. For each fraction of it, RUNS times: `tdapipe run` on a TCP source
   (127.0.0.1, a free port, csv, one stream); one connection sends the
   same values at that rate, in batches every millisecond, for SECONDS.
   The connection then stays open until publish has written every window
   the points complete (stats), `tdapipe stats --json` is read (the
   histogram of the out-ring), and only then is it closed and the run
   stopped: a closed source would end the run and its segment.
Prints p50/p99/p999 in ms per rate (medians over the runs; each is a
bucket's upper bound, a power of two of ns) and the rate the sender
reached.  The sender is a Python process on the same 2 cores as the
pipeline: at 90% it competes with ingest for CPU, as a local producer
would.
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

from events_latency import free_port   # bench/: the script's own directory

WINDOW, SLIDE = 1000, 100
SCALE = "{name: sub, complex: sublevel, window: %d, slide: %d}" % (WINDOW, SLIDE)


def values(n):
    """N lines of the ECG sample, repeated, as bytes, and each line's end."""
    lines = open("samples/ecg.csv", "rb").read().split()
    data = b"\n".join(lines[i % len(lines)] for i in range(n)) + b"\n"
    return data, (np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1).tolist()


def config(path, instance, source, out):
    with open(path, "w") as f:
        f.write("instance: %s\n" % instance)
        f.write("state: {dir: %s-state}\n" % out)
        f.write("source: %s\n" % source)
        f.write("sink: {type: file, path: %s, format: jsonl}\n" % out)
        f.write("dead_letter: {type: file, path: %s.dead}\n" % out)
        f.write("max_streams: 4\n")
        f.write("scales:\n  - %s\n" % SCALE)


def max_rate(tdapipe, d, data, n, runs):
    src = os.path.join(d, "lat-in.csv")
    with open(src, "wb") as f:
        f.write(data)
    cfg = os.path.join(d, "lat-file.yaml")
    config(cfg, "bench-latf-%d" % os.getpid(), "{type: file, path: %s, format: csv}" % src,
           os.path.join(d, "lat-file.out"))
    rates = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run([tdapipe, "run", "--fresh", "-c", cfg], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        rates.append(n / (time.monotonic() - t0))
    return statistics.median(rates)


def stats(tdapipe, instance):
    p = subprocess.run([tdapipe, "stats", "--instance", instance, "--json"], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else None


def start(tdapipe, d, instance):
    """`tdapipe run` on a TCP source: (process, port)."""
    err = os.path.join(d, "lat.err")
    for _ in range(3):
        port = free_port()
        cfg = os.path.join(d, "lat-tcp.yaml")
        config(cfg, instance, "{type: tcp, host: 127.0.0.1, port: %d, format: csv}" % port,
               os.path.join(d, "lat-tcp.out"))
        run = subprocess.Popen([tdapipe, "run", "--fresh", "-c", cfg], stdout=subprocess.DEVNULL, stderr=open(err, "w"))
        t_end = time.monotonic() + 10
        while time.monotonic() < t_end and run.poll() is None:
            if "listening on tcp://127.0.0.1:%d" % port in open(err).read():
                return run, port
            time.sleep(0.05)
        run.kill()
        run.wait()
    sys.exit("latency: could not start a tcp source:\n" + open(err).read())


def one_run(tdapipe, d, data, ends, rate, seconds):
    """Send at RATE for SECONDS; the out-ring's entry of the stats once
    every window is published, and the rate reached."""
    instance = "bench-lat-%d" % os.getpid()
    run, port = start(tdapipe, d, instance)
    n = min(len(ends), int(rate * seconds))
    view = memoryview(data)
    sock = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    i = 0
    while i < n:
        due = min(n, int((time.monotonic() - t0) * rate) + 1)
        if due > i:
            sock.sendall(view[ends[i - 1] if i else 0:ends[due - 1]])
            i = due
        else:
            time.sleep(0.0005)
    reached = n / (time.monotonic() - t0)
    want = (n - WINDOW) // SLIDE + 1
    t_end = time.monotonic() + 60
    out = None
    while time.monotonic() < t_end:
        s = stats(tdapipe, instance)
        ring = s and [r for r in s["rings"] if r["ring"] == "out"][0]
        if ring and sum(ring["latency_hist"]) >= want:   # counted at publish's commit, after the write
            out = ring
            break
        time.sleep(0.05)
    sock.close()
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    if out is None:
        sys.exit("latency: the windows of %d points at %.0f points/s were not all published within 60 s"
                 % (n, rate))
    if sum(out["latency_hist"]) != want:
        sys.exit("latency: %d latencies for %d results" % (sum(out["latency_hist"]), want))
    return out, reached


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("dir")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--points", type=int, default=4320000)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    tdapipe = os.path.join(a.bin, "tdapipe")
    top = max_rate(tdapipe, a.dir, values(a.points)[0], a.points, a.runs)
    data, ends = values(max(a.points, int(0.9 * top * a.seconds) + 1))
    print("maximum: %.0f points/s (file source, %d points, median of %d)" % (top, a.points, a.runs))
    print("%-26s %14s %10s %10s %10s %8s" % ("tcp, sublevel 1000/100", "sent points/s", "p50 ms", "p99 ms",
                                           "p999 ms", "results"))
    for frac in (0.25, 0.5, 0.9):
        q = {k: [] for k in ("latency_p50_ns", "latency_p99_ns", "latency_p999_ns")}
        reached, count = [], 0
        for _ in range(a.runs):
            out, r = one_run(tdapipe, a.dir, data, ends, frac * top, a.seconds)
            for k in q:
                q[k].append(out[k])
            reached.append(r)
            count = sum(out["latency_hist"])
        print("%-26s %14.0f %10.3f %10.3f %10.3f %8d" % (
            "%d%% of the maximum" % round(frac * 100), statistics.median(reached),
            statistics.median(q["latency_p50_ns"]) / 1e6, statistics.median(q["latency_p99_ns"]) / 1e6,
            statistics.median(q["latency_p999_ns"]) / 1e6, count))
    print("   latency: ingest's read of a window's last point to publish's write of its result"
          " (tdapipe stats --json, read before the source closes); quantiles are bucket upper bounds")


if __name__ == "__main__":
    main()
