#!/usr/bin/python3
"""Oracle test of the Rips engine at the cloud sizes tdapipe.yaml(5)
documents for the default memory_mb (1024): H0-H1 of 2000 points, H0-H2
of 400, H0-H3 of 150, on uniform, delay-embedded ECG, duplicated (216
distinct points), gridded (every distance tied many times), clustered,
spherical, toroidal and 4-d Gaussian clouds.  Each runs through
`tdapipe persistence --memory-mb 1024`, which caps the engine exactly as
a scale's memory_mb does: it must compute every dimension (exit 0) and
equal Debian's ripser.

Then what happens beyond the bound: with a small --memory-mb the command
prints the dimensions it finished, exactly (equal to ripser), names the
others on stderr with the reason, and exits 1; H0 is there even when the
distances alone do not fit.

Ripser's outputs are cached in $BUILD_CACHE (default build/oracle-cache)
by a hash of the input, so the normal and sanitizer runs of the suite run
ripser once.  Prints "rips sizes: N checks passed, M failed"; exit 1 on
any failure.
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ripser_ref import run_ripser, same_diagrams, tol_ripser  # noqa: E402

BIN = os.environ.get("BIN", "bin")
TDAPIPE = os.path.join(BIN, "tdapipe")
CACHE = os.environ.get("BUILD_CACHE", os.path.join("build", "oracle-cache"))
DEFAULT_MB = 1024
# (max dimension, points): what tdapipe.yaml(5), memory_mb, documents.
SIZES = [(1, 2000), (2, 400), (3, 150)]
KINDS = ["uniform", "ecg", "duplicates", "grid", "clusters", "sphere", "torus", "gauss4"]

tmpdir = tempfile.mkdtemp(prefix="rips-sizes-")
results = []


def cloud(kind, n, seed):
    r = np.random.default_rng(seed)
    if kind == "uniform":
        return r.random((n, 3))
    if kind == "ecg":
        x = np.loadtxt("samples/ecg.csv")[30000:30000 + n + 10] * 1.5 + 0.25
        return np.stack([x[0:n], x[5:n + 5], x[10:n + 10]], axis=1)
    if kind == "duplicates":
        return r.integers(0, 6, size=(n, 3)).astype(float)
    if kind == "grid":
        k = int(np.ceil(n ** (1 / 3)))
        g = np.array([(a, b, c) for a in range(k) for b in range(k) for c in range(k)], float)
        return g[r.permutation(len(g))[:n]]
    if kind == "clusters":
        c = r.random((5, 3)) * 10
        return c[r.integers(0, 5, n)] + r.normal(0, 0.2, (n, 3))
    if kind == "sphere":
        p = r.normal(size=(n, 3))
        return p / np.linalg.norm(p, axis=1, keepdims=True)
    if kind == "torus":
        a, b = r.random(n) * 2 * np.pi, r.random(n) * 2 * np.pi
        return np.c_[(2 + np.cos(a)) * np.cos(b), (2 + np.cos(a)) * np.sin(b), np.sin(a)]
    return r.normal(size=(n, 4))


def write(name, pts):
    path = os.path.join(tmpdir, name + ".csv")
    with open(path, "w") as f:
        for p in pts:
            f.write(",".join(repr(float(x)) for x in p) + "\n")
    return path


def ours(path, maxdim, mb, extra=()):
    r = subprocess.run([TDAPIPE, "persistence", "--dim", str(maxdim), "--memory-mb", str(mb)] +
                       list(extra) + [path], capture_output=True, text=True)
    dg = {}
    for line in r.stdout.splitlines():
        f = line.split()
        d, b, e = (int(f[-3]), float(f[-2]), float(f[-1]))
        dg.setdefault(d, []).append((b, e))
    return r, dg


def record(name, problem):
    results.append((name, problem))


def check_size(kind, maxdim, n):
    name = f"{kind} n={n} H0..H{maxdim}"
    pts = cloud(kind, n, 1000 * maxdim + n)
    path = write(f"{kind}-{maxdim}-{n}", pts)
    r, mine = ours(path, maxdim, DEFAULT_MB)
    if r.returncode != 0:
        return record(name, f"exit {r.returncode} under --memory-mb {DEFAULT_MB}: {r.stderr.strip()}")
    if r.stderr:
        return record(name, f"stderr: {r.stderr.strip()}")
    ref = run_ripser(path, maxdim, cache=CACHE)
    scale = float(np.max(np.abs(pts)))
    record(name, same_diagrams(mine, ref, maxdim, tol_ripser(scale, pts.shape[1])))


def check_beyond():
    """Over the bound: what was finished, exactly; the rest named."""
    pts = cloud("sphere", 230, 7)
    path = write("beyond", pts)
    ref = run_ripser(path, 3, cache=CACHE)
    tol = tol_ripser(1.0, 3)
    seen = set()
    # 2 MiB: the distances of 230 points (1.7 MB) fit, little else does;
    # 1 MiB: not even they do, and H0 comes from the spanning tree.
    for mb in (1, 2, 4, 8, 16):
        name = f"sphere n=230 H0..H3 --memory-mb {mb}"
        r, mine = ours(path, 3, mb)
        done = max(mine) + 1 if mine else 0
        if r.returncode == 0:
            problem = "" if done == 4 else f"exit 0 with only H0..H{done - 1}"
        elif r.returncode != 1:
            problem = f"exit {r.returncode}: {r.stderr.strip()}"
        else:
            missing = ", ".join(f"H{d}" for d in range(done, 4))
            want = f"tdapipe persistence: {missing} not computed: more memory than --memory-mb {mb} (memory_mb)\n"
            problem = "" if r.stderr == want else f"stderr {r.stderr!r}, expected {want!r}"
            if done < 1:
                problem = "no H0"
        if not problem:
            problem = same_diagrams(mine, ref, range(done), tol)
        seen.add(done)
        record(name, problem)
    record("over the bound: H0 only, H0..H1 and more all met", "" if {1, 2} <= seen else f"met {sorted(seen)}")
    # With windows: each window says which of its dimensions are missing.
    path = write("beyond-win", cloud("sphere", 300, 8))
    r, _ = ours(path, 2, 2, ["--window", "230", "--slide", "35"])
    lines = r.stderr.splitlines()
    want = [f"tdapipe persistence: window {k}: H2 not computed: more memory than --memory-mb 2 (memory_mb)"
            for k in range(3)]
    record("over the bound, windows", "" if r.returncode == 1 and lines == want and
           sorted({int(x.split()[1]) for x in r.stdout.splitlines()}) == [0, 1]
           else f"exit {r.returncode}, stderr {lines}")


def main():
    if not os.access(TDAPIPE, os.X_OK):
        print(f"rips sizes: {TDAPIPE} not built")
        return 1
    jobs = [(kind, maxdim, n) for maxdim, n in SIZES for kind in KINDS]
    # Two at a time: the machine has two cores and the suite runs one test.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(check_size, *j) for j in jobs] + [pool.submit(check_beyond)]
        for f in futures:
            f.result()
    failed = [(n, p) for n, p in results if p]
    for n, p in failed[:20]:
        print(f"FAIL {n}: {p}")
    print(f"rips sizes: {len(results) - len(failed)} checks passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
