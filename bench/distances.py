"""The reference half of the distances benchmark (bench/run.sh): writes
the random diagram pairs, then times GUDHI on them, per call, median of
RUNS runs.

  distances.py DIR RUNS

Writes DIR/dist-<N>.txt (one pair in tests/tools/distance_dump's input
format: "NA NB", then the intervals with %.17g) and prints, one a line,
"<metric> <N> <seconds per call> <value>" for metric bottleneck
(gudhi.bottleneck_distance(A, B, e=0)), w1 and w2
(gudhi.wasserstein.wasserstein_distance(A, B, order=p, internal_p=inf),
POT's ot.emd2).  bench/distance_bench.c reads both and times ours.

The pairs: A has N points, births uniform in [0, 1], lifetimes
exponential with mean 0.1; B is A with 90% of its points moved by
N(0, 0.01) in each coordinate (kept above the diagonal), the rest
dropped, and 5% new points of A's law: two diagrams of different sizes
that are perturbations of each other.  Fixed seeds.

GUDHI's exact bottleneck sorts all (2N)^2 distances: at N = 10,000 that
is ~3 GB and tens of seconds a call, so it is timed once there
(RUNS_10K, default 1); Wasserstein at 10,000 is left out (POT's dense
matrix and network simplex take minutes)."""

import os
import statistics
import sys
import time
import warnings

import numpy as np
import gudhi
from gudhi.wasserstein import wasserstein_distance

SIZES = {"bottleneck": (100, 1000, 10000), "w1": (100, 1000), "w2": (100, 1000)}


def pair(n, seed):
    rng = np.random.default_rng(seed)
    b = rng.uniform(0, 1, n)
    A = np.c_[b, b + rng.exponential(0.1, n)]
    keep = rng.permutation(n)[: int(0.9 * n)]
    B = A[keep] + rng.normal(0, 0.01, (len(keep), 2))
    B[:, 1] = np.maximum(B[:, 1], B[:, 0])
    extra = int(0.05 * n)
    eb = rng.uniform(0, 1, extra)
    B = np.r_[B, np.c_[eb, eb + rng.exponential(0.1, extra)]]
    return A, B


def write(path, A, B):
    with open(path + ".tmp", "w") as f:
        f.write("%d %d\n" % (len(A), len(B)))
        for x, y in np.r_[A, B]:
            f.write("%.17g %.17g\n" % (x, y))
    os.replace(path + ".tmp", path)


def per_call(fn, runs):
    """Median over RUNS of the seconds per call, each run repeating the
    call until 0.2 s have passed."""
    out = []
    for _ in range(runs):
        k, t0 = 0, time.perf_counter()
        while True:
            v = fn()
            k += 1
            dt = time.perf_counter() - t0
            if dt >= 0.2:
                break
        out.append(dt / k)
    return statistics.median(out), v


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    runs_10k = int(os.environ.get("RUNS_10K", "1"))
    warnings.simplefilter("ignore")
    pairs = {}
    for n in sorted({n for s in SIZES.values() for n in s}):
        A, B = pair(n, 1000 + n)
        write(os.path.join(d, "dist-%d.txt" % n), A, B)
        pairs[n] = A, B
    for metric, sizes in SIZES.items():
        for n in sizes:
            A, B = pairs[n]
            if metric == "bottleneck":
                fn = lambda: gudhi.bottleneck_distance(A, B, 0)
            else:
                p = 1 if metric == "w1" else 2
                fn = lambda: wasserstein_distance(A, B, order=p, internal_p=np.inf)
            s, v = per_call(fn, runs_10k if n >= 10000 else runs)
            print("%s %d %.6g %.17g" % (metric, n, s, v), flush=True)


if __name__ == "__main__":
    main()
