#!/usr/bin/python3
"""Reference for the sliding sublevel benchmark (bench/sublevel_bench.c):
GUDHI recomputing H0 of every window from scratch, slide 1, on the same
series.

usage: sublevel_gudhi.py DIR      (env RUNS=3, GUDHI_SECONDS=2)

Reads DIR/<input>-<W>.txt (written by `sublevel_bench write DIR`: the
series' first W + 10,000 values, one a line, %.17g so the values are the
C program's exactly).  Per file, RUNS runs; each computes
gudhi.CubicalComplex(top_dimensional_cells=window).persistence() for
windows k = 0, 1, 2, ... (x[k:k+W]) until GUDHI_SECONDS have passed, and
at least one window.  Prints "<input> <W> <windows/s>" per file, the
median of the runs, for sublevel_bench run DIR to read.

Before timing, checks that GUDHI's diagram of window 0 (H0 intervals with
death > birth, and the essential one) equals DIR/<input>-<W>.diag
(sublevel_h0's, same values, compared exactly); exits 1 if not.
"""
import glob
import os
import sys
import time

import gudhi
import numpy as np

RUNS = int(os.environ.get("RUNS", "3"))
SECONDS = float(os.environ.get("GUDHI_SECONDS", "2"))


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def gudhi_h0(win):
    pairs = gudhi.CubicalComplex(top_dimensional_cells=win).persistence()
    return sorted((b, d) for dim, (b, d) in pairs if dim == 0 and d > b)


def load_diag(path):
    with open(path) as f:
        return sorted(tuple(float(v) for v in line.split()) for line in f if line.strip())


def one_run(x, w):
    nwin = len(x) - w + 1
    k = 0
    t0 = time.perf_counter()
    while True:
        s = k % nwin
        gudhi.CubicalComplex(top_dimensional_cells=x[s:s + w]).persistence()
        k += 1
        dt = time.perf_counter() - t0
        if dt >= SECONDS:
            return k / dt


def main():
    d = sys.argv[1]
    files = glob.glob(os.path.join(d, "*-*.txt"))
    files.sort(key=lambda p: (os.path.basename(p).split("-")[0],
                              int(os.path.basename(p)[:-4].split("-")[1])))
    for path in files:
        name, w = os.path.basename(path)[:-4].split("-")
        w = int(w)
        x = np.loadtxt(path)
        want = load_diag(path[:-4] + ".diag")
        got = gudhi_h0(x[:w])
        if got != want:
            diff = set(got) ^ set(want)
            sys.exit("sublevel_gudhi: %s W=%d window 0: GUDHI %d intervals, sublevel_h0 %d; e.g. %s"
                     % (name, w, len(got), len(want), sorted(diff)[:3]))
        rate = median([one_run(x, w) for _ in range(RUNS)])
        print("%s %d %.6g" % (name, w, rate))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
