#!/usr/bin/python3
"""bench/events_latency.py - latency from the arrival of a window's last
point to its line in the results file and, when the pipeline writes
them, to its anomaly event in the events file (issue 20).

    events_latency.py BIN DIR SCALE [--rate 20000] [--seconds 12] [--anomaly]

Starts `BIN/tdapipe run` on a TCP source on 127.0.0.1 (a free port,
csv "stream,value", one stream) with the one scale SCALE (a YAML flow
mapping), results and events to files under DIR.  One connection sends
RATE points per second of wall time in batches every millisecond, for
SECONDS; the signal is a sinusoid plus noise whose shape changes every
10,000 points (frequency doubling, a new component, noise, and back), so
a detector has changes to find.  The send time of each point (the
monotonic clock when its batch left) is kept; the results and events
files are polled every millisecond in the same loop, the time each line
appears noted.  Latency of a line = time seen - send time of its window's
last point (sequence number k * slide + window - 1 of window k).  Prints
p50 and p99 over the results lines and over the anomaly events, and how
many; the run is then stopped with SIGTERM.
"""
import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def series(n, seed=20):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    th = 2 * math.pi * t / 40
    seg = (t // 10000).astype(int) % 4
    x = np.where(seg == 0, np.sin(th),
                 np.where(seg == 1, np.sin(2 * th),
                          np.where(seg == 2, np.sin(th) + 0.8 * np.sin(3 * th),
                                   rng.standard_normal(n))))
    return x + 0.3 * rng.standard_normal(n)


class Tail:
    """New complete lines of a file that another process appends to."""

    def __init__(self, path):
        self.path, self.pos, self.part = path, 0, b""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return []
        self.pos += len(data)
        data = self.part + data
        lines = data.split(b"\n")
        self.part = lines.pop()
        return lines


def pct(a, q):
    return "%.1f" % np.percentile(a, q) if len(a) else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("dir")
    ap.add_argument("scale")
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--anomaly", action="store_true",
                    help="the pipeline writes anomaly events: configure and read them")
    a = ap.parse_args()
    W = int(re.search(r"window: *(\d+)", a.scale).group(1))
    D = int(re.search(r"slide: *(\d+)", a.scale).group(1))
    os.makedirs(a.dir, exist_ok=True)
    out, evp, err = (os.path.join(a.dir, f) for f in ("lat.out", "lat.events", "lat.err"))
    for p in (out, evp):
        if os.path.exists(p):
            os.remove(p)
    n = int(a.rate * a.seconds)
    x = series(n)
    payload = [("s,%.6f\n" % v).encode() for v in x]
    for attempt in range(3):
        port = free_port()
        cfg = os.path.join(a.dir, "lat.yaml")
        with open(cfg, "w") as f:
            f.write("instance: bench-lat-%d\n" % os.getpid())
            f.write("state: {dir: %s}\n" % os.path.join(a.dir, "lat-state"))
            f.write("source: {type: tcp, host: 127.0.0.1, port: %d, format: csv, stream_column: 0}\n" % port)
            f.write("sink: {type: file, path: %s, format: jsonl}\n" % out)
            if a.anomaly:
                f.write("events: {type: file, path: %s, format: jsonl}\n" % evp)
            f.write("dead_letter: {type: file, path: %s}\n" % os.path.join(a.dir, "lat.dead"))
            f.write("scales:\n  - %s\n" % a.scale)
        ef = open(err, "w")
        run = subprocess.Popen([os.path.join(a.bin, "tdapipe"), "run", "--fresh", "-c", cfg],
                               stdout=subprocess.DEVNULL, stderr=ef)
        t_end = time.monotonic() + 10
        while time.monotonic() < t_end and run.poll() is None:
            if "listening on tcp://127.0.0.1:%d" % port in open(err).read():
                break
            time.sleep(0.05)
        else:
            run.wait()
            continue
        break
    else:
        sys.exit("events_latency: could not start a tcp source:\n" + open(err).read())

    sock = socket.create_connection(("127.0.0.1", port))
    tails = {"results": Tail(out), "events": Tail(evp)}
    sent = np.zeros(n)
    seen = {"results": [], "events": []}

    def poll():
        now = time.monotonic()
        for kind, t in tails.items():
            for line in t.poll():
                r = json.loads(line)
                if kind == "events" and r.get("type") != "anomaly":
                    continue
                last = r["window"] * D + W - 1
                if last < n:
                    seen[kind].append(now - sent[last])

    t0 = time.monotonic()
    i = 0
    while i < n:
        due = min(n, int((time.monotonic() - t0) * a.rate) + 1)
        if due > i:
            now = time.monotonic()
            sock.sendall(b"".join(payload[i:due]))
            sent[i:due] = now
            i = due
        poll()
        time.sleep(0.001)
    sock.close()
    # the windows whose last point was sent: wait for them (at most 10 s)
    want = (n - W) // D + 1
    t_end = time.monotonic() + 10
    while len(seen["results"]) < want and time.monotonic() < t_end:
        poll()
        time.sleep(0.001)
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    elapsed = time.monotonic() - t0
    print("%-34s %8s %10s %10s" % ("%d points/s for %.0f s (%d points)" % (a.rate, a.seconds, n),
                                   "lines", "p50 ms", "p99 ms"))
    for kind, what in (("results", "results lines (every window)"),
                       ("events", "anomaly events")):
        if kind == "events" and not a.anomaly:
            print("%-34s %8s %10s %10s" % (what, "-", "-", "-"))
            continue
        ms = np.asarray(seen[kind]) * 1e3
        print("%-34s %8d %10s %10s" % (what, len(ms), pct(ms, 50), pct(ms, 99)))
    if len(seen["results"]) < want:
        print("   only %d of %d windows' results within 10 s of the last point: the scale does not keep up"
              % (len(seen["results"]), want))
    print("   latency: time a line appears in the file (polled every ms) - send time of its window's last point;"
          " %.1f s in all" % elapsed)


if __name__ == "__main__":
    main()
