#!/usr/bin/python3
"""bench/events_series.py - labelled series for the anomaly benchmark
(bench/events.sh, issue 20), from a fixed seed.

    events_series.py OUT.csv LABELS.json --seed S --window W --slide D --history H
                     [--per-kind 40] [--noise-streams 10] [--noise-windows 1000]

Writes OUT.csv, one point a line, "stream,value" (read with
`source: {type: file, format: csv, stream_column: 0}`), and LABELS.json:

    {"seed": S, "window": W, "slide": D, "history": H,
     "streams": {"NAME": {"kind": KIND, "change": C, "n": N}, ...}}

where C is the sequence number (within the stream, from 0) of the first
point after the change, null for the noise-only streams.

Labelled streams, PER_KIND of each kind, one change each.  Before the
change: a sinusoid of period P (uniform in [30, 50] points, random
phase) plus white Gaussian noise (its standard deviation a fraction
uniform in [0.2, 0.4] of the stretch's), for a stable stretch of
(H + 2) * D + W + U[0, 20 D) points, so a window that contains the change
has a full history of H windows (and distances) behind it, at a random
offset from the slide grid.  After the change, W + 6 D points of:

    freq_doubling      the same sinusoid at twice the frequency
    new_component      plus a component of a third of the period, amplitude 0.8
    period_doubling    plus a subharmonic (period 2P), amplitude 0.7
    periodic_to_noise  white Gaussian noise only
    level_shift        the same signal, the level moved by 2 to 3 sd (either way)
    spike              the same signal, one point 5 to 8 sd away (either way)

The first four are changes of shape: each stretch (before, after) is
normalised to mean 0 and variance 1 on its own sample, then both are
scaled to the stream's mean and standard deviation (uniform in [-5, 5]
and [0.5, 2]), so the series' mean and variance are the same on both
sides.  The phase is continuous across the change.

Noise-only streams: NOISE_STREAMS streams of H + 1 + NOISE_WINDOWS
windows' worth of points, alternately white Gaussian noise and AR(1)
noise (phi 0.7), normalised likewise; with the defaults at least 10,000
windows with a full history.
"""
import argparse
import json
import math
import os

import numpy as np

KINDS = ["freq_doubling", "new_component", "period_doubling",
         "periodic_to_noise", "level_shift", "spike"]
SHAPE = KINDS[:4]


def norm(x):
    return (x - x.mean()) / x.std()


def labelled(rng, kind, pre, post):
    P = rng.uniform(30, 50)
    phase = rng.uniform(0, 2 * math.pi)
    frac = rng.uniform(0.2, 0.4)
    mu, sd = rng.uniform(-5, 5), rng.uniform(0.5, 2)
    t = np.arange(pre + post, dtype=float)
    th = 2 * math.pi * t / P + phase
    clean = math.sqrt(1 - frac * frac)

    def noisy(s, n):  # a clean signal s (any scale) with noise, var 1
        return clean * norm(s) + frac * rng.standard_normal(n)

    a = norm(noisy(np.sin(th[:pre]), pre))
    tb = th[pre:]
    if kind == "freq_doubling":
        # continue the phase at twice the rate
        s = np.sin(th[pre] + 2 * (tb - th[pre]))
    elif kind == "new_component":
        s = np.sin(tb) + 0.8 * np.sin(3 * tb + rng.uniform(0, 2 * math.pi))
    elif kind == "period_doubling":
        s = np.sin(tb) + 0.7 * np.sin(tb / 2 + rng.uniform(0, 2 * math.pi))
    elif kind == "periodic_to_noise":
        s = None
    else:
        s = np.sin(tb)
    if kind == "periodic_to_noise":
        b = norm(rng.standard_normal(post))
    elif kind in SHAPE:
        b = norm(noisy(s, post))
    else:
        # level shift and spike: the same process, no renormalisation
        b = noisy(s, post)
        if kind == "level_shift":
            b = b + rng.choice([-1, 1]) * rng.uniform(2, 3)
        else:
            b[0] += rng.choice([-1, 1]) * rng.uniform(5, 8)
    return mu + sd * np.concatenate([a, b])


def noise(rng, i, n):
    e = rng.standard_normal(n)
    if i % 2:
        x = np.empty(n)
        x[0] = e[0]
        for j in range(1, n):
            x[j] = 0.7 * x[j - 1] + e[j]
        e = x
    return rng.uniform(-5, 5) + rng.uniform(0.5, 2) * norm(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("labels")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--window", type=int, required=True)
    ap.add_argument("--slide", type=int, required=True)
    ap.add_argument("--history", type=int, required=True)
    ap.add_argument("--per-kind", type=int, default=40)
    ap.add_argument("--noise-streams", type=int, default=10)
    ap.add_argument("--noise-windows", type=int, default=1000)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    W, D, H = a.window, a.slide, a.history
    streams = {}
    tmp = a.csv + ".tmp"
    with open(tmp, "w") as f:
        for kind in KINDS:
            for i in range(a.per_kind):
                name = "%s-%02d" % (kind, i)
                pre = (H + 2) * D + W + int(rng.integers(0, 20 * D))
                x = labelled(rng, kind, pre, W + 6 * D)
                streams[name] = {"kind": kind, "change": pre, "n": len(x)}
                f.write("".join("%s,%.6f\n" % (name, v) for v in x))
        for i in range(a.noise_streams):
            name = "noise-%02d" % i
            n = (H + 1 + a.noise_windows - 1) * D + W
            x = noise(rng, i, n)
            streams[name] = {"kind": "noise", "change": None, "n": n}
            f.write("".join("%s,%.6f\n" % (name, v) for v in x))
    os.replace(tmp, a.csv)
    with open(a.labels + ".tmp", "w") as f:
        json.dump({"seed": a.seed, "window": W, "slide": D, "history": H,
                   "streams": streams}, f)
    os.replace(a.labels + ".tmp", a.labels)


if __name__ == "__main__":
    main()
