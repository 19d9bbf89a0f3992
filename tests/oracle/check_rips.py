#!/usr/bin/python3
"""Oracle test of `tdapipe persistence` (Vietoris-Rips, H0..H2) against
Debian's ripser and GUDHI's RipsComplex, on seeded random clouds and on
degenerate inputs, and of the --window path against per-window runs.

Diagrams are compared as multisets of intervals with a tolerance that only
covers float rounding: ripser computes distances in float32 and prints 6
significant digits; GUDHI computes in double like us.  An interval left
unmatched is accepted only if its length is within that tolerance (a tie in
one arithmetic can be a tiny interval in the other).  Run from the repository
root; BIN (default "bin") holds tdapipe; RIPS_ORACLE_SEED and
RIPS_ORACLE_CLOUDS change the random clouds.  Prints "rips oracle: N checks
passed, M failed" and exits 1 on any failure.
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import gudhi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ripser_ref import run_ripser, same_diagrams, tol_ripser  # noqa: E402

BIN = os.environ.get("BIN", "bin")
TDAPIPE = os.path.join(BIN, "tdapipe")
INF = math.inf

passed = 0
failed = 0
tmpdir = tempfile.mkdtemp(prefix="rips-oracle-")


def fail(what, detail):
    global failed
    failed += 1
    if failed <= 20:
        print(f"FAIL {what}: {detail}")


def ok():
    global passed
    passed += 1


def write_points(pts, name="in.txt"):
    path = os.path.join(tmpdir, name)
    with open(path, "w") as f:
        for p in pts:
            f.write(",".join(repr(float(x)) for x in p) + "\n")
    return path


def write_lower(D, name="in.lower"):
    path = os.path.join(tmpdir, name)
    n = len(D)
    with open(path, "w") as f:
        for i in range(1, n):
            f.write(",".join(repr(float(D[i][j])) for j in range(i)) + "\n")
    return path


def ours(path, maxdim, threshold=None, fmt="point-cloud", extra=(), env=None):
    cmd = [TDAPIPE, "persistence", "--dim", str(maxdim), "--input", fmt]
    if threshold is not None:
        cmd += ["--threshold", repr(float(threshold))]
    cmd += list(extra) + [path]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, **env) if env else None)
    return r


def parse_ours(text, maxdim):
    dg = {d: [] for d in range(maxdim + 1)}
    for line in text.splitlines():
        d, b, e = line.split()
        dg[int(d)].append((float(b), float(e)))
    return dg


def run_gudhi(maxdim, pts=None, D=None, threshold=None):
    kw = {}
    if threshold is not None:
        kw["max_edge_length"] = float(threshold)
    if pts is not None:
        rc = gudhi.RipsComplex(points=pts, **kw)
    else:
        rc = gudhi.RipsComplex(distance_matrix=D, **kw)
    st = rc.create_simplex_tree(max_dimension=maxdim + 1)
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    dg = {}
    for d in range(maxdim + 1):
        dg[d] = [(float(b), float(e)) for b, e in st.persistence_intervals_in_dimension(d)
                 if e > b]
    return dg


def tol_gudhi(scale):
    return lambda x: 1e-12 * x + 1e-12 * scale + 1e-15


def kind_cloud(rng, kind, n, dim, levels=4):
    """N points of R^DIM of one KIND of degenerate input: "ties" (an
    integer grid of LEVELS values a coordinate), "duplicates" (a third of
    the points twice), "collinear" (on a line through 0), or "normal"."""
    if kind == "ties":
        return rng.integers(0, levels, size=(n, dim)).astype(float)
    if kind == "duplicates":
        pts = rng.random((n, dim))
        return np.vstack([pts, pts[: n // 3]])
    if kind == "collinear":
        return np.outer(rng.random(n), rng.normal(size=dim))
    return rng.normal(size=(n, dim))


def check_cloud(name, pts, maxdim, threshold=None, with_ripser=True, with_gudhi=True, env=None):
    pts = np.asarray(pts, dtype=float)
    path = write_points(pts)
    r = ours(path, maxdim, threshold, env=env)
    if r.returncode != 0:
        fail(name, f"tdapipe exit {r.returncode}: {r.stderr.strip()}")
        return
    mine = parse_ours(r.stdout, maxdim)
    scale = float(np.max(np.abs(pts))) if pts.size else 1.0
    if with_gudhi:
        g = run_gudhi(maxdim, pts=pts, threshold=threshold)
        diff = same_diagrams(mine, g, maxdim, tol_gudhi(scale))
        fail(name + " vs gudhi", diff) if diff else ok()
    if with_ripser and len(pts) >= 2:
        try:
            rp = run_ripser(path, max(1, maxdim), threshold)
        except RuntimeError as e:
            fail(name + " vs ripser", str(e))
            return
        top = max(1, maxdim)
        mine_r = mine if maxdim >= 1 else parse_ours(ours(path, 1, threshold, env=env).stdout, 1)
        diff = same_diagrams(mine_r, rp, top, tol_ripser(scale, pts.shape[1]))
        fail(name + " vs ripser", diff) if diff else ok()


def check_lower(name, D, maxdim, threshold=None, env=None):
    D = np.asarray(D, dtype=float)
    path = write_lower(D)
    r = ours(path, maxdim, threshold, fmt="lower-distance", env=env)
    if r.returncode != 0:
        fail(name, f"tdapipe exit {r.returncode}: {r.stderr.strip()}")
        return
    mine = parse_ours(r.stdout, maxdim)
    scale = float(np.max(D)) if D.size else 1.0
    g = run_gudhi(maxdim, D=D, threshold=threshold)
    diff = same_diagrams(mine, g, maxdim, tol_gudhi(scale))
    fail(name + " vs gudhi", diff) if diff else ok()
    rp = run_ripser(path, max(1, maxdim), threshold, fmt="lower-distance")
    mine_r = mine if maxdim >= 1 else parse_ours(
        ours(path, 1, threshold, fmt="lower-distance", env=env).stdout, 1)
    diff = same_diagrams(mine_r, rp, max(1, maxdim), lambda x: 1e-5 * x + 1e-6 * scale)
    fail(name + " vs ripser", diff) if diff else ok()


def check_windows(name, pts, maxdim, w, s):
    """--window output equals per-window from-scratch runs, byte for byte."""
    path = write_points(pts, "win.txt")
    r = ours(path, maxdim, extra=["--window", str(w), "--slide", str(s)])
    if r.returncode != 0:
        fail(name, f"tdapipe exit {r.returncode}: {r.stderr.strip()}")
        return
    want = []
    k = 0
    while k * s + w <= len(pts):
        sub = write_points(pts[k * s:k * s + w], "one.txt")
        one = ours(sub, maxdim)
        want += [f"{k} {line}" for line in one.stdout.splitlines()]
        k += 1
    got = r.stdout.splitlines()
    if got != want:
        fail(name, f"{len(got)} lines vs {len(want)} from scratch; first diff "
             f"{next((a, b) for a, b in zip(got + [''], want + ['']) if a != b)}")
    else:
        ok()


def check_windows_lower(name, D, maxdim, w, s):
    """The same for lower-distance input: window k is the sub-matrix of
    points [k*s, k*s+w)."""
    path = write_lower(D, "win.lower")
    r = ours(path, maxdim, fmt="lower-distance", extra=["--window", str(w), "--slide", str(s)])
    if r.returncode != 0:
        fail(name, f"tdapipe exit {r.returncode}: {r.stderr.strip()}")
        return
    want = []
    k = 0
    while k * s + w <= len(D):
        sub = write_lower(D[k * s:k * s + w, k * s:k * s + w], "one.lower")
        one = ours(sub, maxdim, fmt="lower-distance")
        want += [f"{k} {line}" for line in one.stdout.splitlines()]
        k += 1
    if r.stdout.splitlines() != want:
        fail(name, "differs from per-window runs")
    else:
        ok()


def expect_error(name, text, args, fmt="point-cloud", msg=None):
    path = os.path.join(tmpdir, "bad.txt")
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([TDAPIPE, "persistence", "--input", fmt] + args + [path],
                       capture_output=True, text=True)
    if r.returncode != 100 or not r.stderr.strip() or r.stdout or (msg and msg not in r.stderr):
        fail(name, f"exit {r.returncode}, stderr {r.stderr!r}" + (f", expected {msg!r}" if msg else ""))
    else:
        ok()


def main():
    # RIPS_ORACLE_SEED / RIPS_ORACLE_CLOUDS explore beyond the default run.
    rng = np.random.default_rng(int(os.environ.get("RIPS_ORACLE_SEED", "20260425")))
    # Random clouds: 540 of them across H0..H2, shapes and sizes.
    for i in range(int(os.environ.get("RIPS_ORACLE_CLOUDS", "540"))):
        maxdim = i % 3
        dim = int(rng.integers(1, 5))
        n = int(rng.integers(2, [120, 80, 36][maxdim]))
        kind = i % 4
        if kind == 0:
            pts = rng.random((n, dim))
        elif kind == 1:
            pts = rng.normal(size=(n, dim)) * 10
        elif kind == 2:   # noisy circle / sphere
            pts = rng.normal(size=(n, max(dim, 2)))
            pts /= np.linalg.norm(pts, axis=1, keepdims=True)
            pts += 0.05 * rng.normal(size=pts.shape)
        else:             # coarse values: many ties
            pts = rng.integers(0, 4, size=(n, dim)).astype(float)
        thr = None
        if i % 7 == 3:
            thr = float(rng.random() * 1.5)
        check_cloud(f"random #{i} n={n} d={dim} H{maxdim} thr={thr}", pts, maxdim, thr)

    # H3 on small clouds (the engine goes to dimension 3).
    for i in range(20):
        n = int(rng.integers(2, 16))
        dim = int(rng.integers(2, 6))
        pts = rng.random((n, dim)) if i % 3 else rng.integers(0, 3, size=(n, dim)).astype(float)
        check_cloud(f"H3 #{i} n={n} d={dim}", pts, 3)
    # Wide keys (128 bits: the diameter's rank beside a 64-bit simplex
    # index), forced by TDP_RIPS_KEYS=wide on small clouds, thresholds, ties
    # and duplicates included, so that the path is checked in seconds ...
    wide = {"TDP_RIPS_KEYS": "wide"}
    for i in range(40):
        maxdim = 1 + i % 3
        dim = int(rng.integers(1, 5))
        n = int(rng.integers(2, [80, 36, 16][maxdim - 1]))
        if i % 4 == 3:
            pts = rng.integers(0, 3, size=(n, dim)).astype(float)   # ties, duplicates
        else:
            pts = rng.random((n, dim))
        thr = float(rng.random()) if i % 3 == 1 else None
        check_cloud(f"wide keys #{i} n={n} d={dim} H{maxdim} thr={thr}", pts, maxdim, thr,
                    with_gudhi=False, env=wide)
    # ... and where they are needed: C(3000, 5) ~ 2^51 beside the ranks of
    # ~2^14.5 distinct edge lengths do not fit 64 bits (this used to stop
    # at H2 with "too many points for --dim 3").
    check_cloud("wide keys needed: n=3000 in [0,1]^2 H3 thr=0.035", rng.random((3000, 2)), 3, 0.035,
                with_gudhi=False)
    # The sparse path (edges within the threshold and adjacencies, no n x n
    # matrix), forced by TDP_RIPS_SPARSE=1 whatever the share of edges
    # kept: random clouds, duplicated points, integer grids (ties), lower
    # distances, and with wide keys too.
    sparse = {"TDP_RIPS_SPARSE": "1"}
    for i in range(60):
        maxdim = i % 4
        dim = int(rng.integers(1, 5))
        n = int(rng.integers(2, [100, 80, 36, 16][maxdim]))
        pts = kind_cloud(rng, ["ties", "duplicates", "normal"][i % 3], n, dim)
        thr = float(rng.random() * (2.5 if i % 3 else 3.0))
        env = dict(sparse, TDP_RIPS_KEYS="wide") if i % 5 == 4 else sparse
        check_cloud(f"sparse #{i} n={len(pts)} d={dim} H{maxdim} thr={thr} {env}", pts, maxdim, thr,
                    with_gudhi=(i % 2 == 0), env=env)
    for i in range(10):
        n = int(rng.integers(2, 20))
        A = rng.random((n, n)) if i % 2 else rng.integers(1, 5, size=(n, n)).astype(float)
        D = np.tril(A, -1)
        check_lower(f"sparse lower #{i} n={n}", D + D.T, i % 3, [0.3, 2.0][i % 2], env=sparse)
    # Where the engine chooses it: 3,000 noisy points of a Clifford torus
    # at threshold 0.3 keep ~1% of the pairs.
    a, b = rng.uniform(0, 2 * np.pi, (2, 3000))
    torus = np.c_[np.cos(a), np.sin(a), np.cos(b), np.sin(b)] + rng.normal(0, 0.01, (3000, 4))
    check_cloud("sparse chosen: Clifford torus n=3000 H2 thr=0.3", torus, 2, 0.3, with_gudhi=False)
    # The sparse path's ball tree (clouds of more than 4 coordinates; the
    # grid's below, unless TDP_RIPS_SEARCH=tree): uniform, duplicated,
    # lattice (ties) and collinear clouds of R^5..R^12, and R^1..R^4 with
    # the tree forced.
    for i in range(30):
        maxdim = i % 3 + 1
        dim = int(rng.integers(5, 13)) if i % 5 else int(rng.integers(1, 5))
        n = int(rng.integers(2, [70, 36, 16][maxdim - 1]))
        pts = kind_cloud(rng, ["ties", "duplicates", "collinear", "normal"][i % 4], n, dim, levels=3)
        thr = float(rng.random() * 2.5)
        env = dict(sparse, TDP_RIPS_SEARCH="tree")
        check_cloud(f"ball tree #{i} n={len(pts)} d={dim} H{maxdim} thr={thr}", pts, maxdim, thr,
                    with_gudhi=(i % 3 == 0), env=env)
    # Where the engine chooses it: 1,500 random orthogonal 3x3 matrices
    # in R^9 (as Ripser's o3) at 1.0 keep ~1% of the pairs.
    q, r = np.linalg.qr(rng.normal(size=(1500, 3, 3)))
    o3 = (q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]).reshape(1500, 9)
    check_cloud("sparse chosen: o3 n=1500 in R^9 H2 thr=1.0", o3, 2, 1.0, with_gudhi=False)
    # Edge collapse (scaled/rips_collapse.c), forced on by
    # TDP_RIPS_COLLAPSE=on (which takes the sparse path, with or without a
    # threshold) for H1 to H3: ties, duplicates, collinear points, clouds
    # of R^1..R^12 (grid and ball tree), lower distances, wide keys.
    collapse = {"TDP_RIPS_COLLAPSE": "on"}
    for i in range(60):
        maxdim = 1 + i % 3
        dim = int(rng.integers(5, 13)) if i % 4 == 3 else int(rng.integers(1, 5))
        n = int(rng.integers(2, [90, 40, 18][maxdim - 1]))
        pts = kind_cloud(rng, ["ties", "duplicates", "collinear", "normal", "normal"][i % 5], n, dim)
        thr = None if i % 3 == 0 else float(rng.random() * 2.5)
        env = dict(collapse, TDP_RIPS_KEYS="wide") if i % 7 == 6 else collapse
        check_cloud(f"collapse #{i} n={len(pts)} d={dim} H{maxdim} thr={thr} {env}", pts, maxdim, thr,
                    with_gudhi=(i % 2 == 0), env=env)
    for i in range(10):
        n = int(rng.integers(2, 20))
        A = rng.random((n, n)) if i % 2 else rng.integers(1, 5, size=(n, n)).astype(float)
        D = np.tril(A, -1)
        check_lower(f"collapse lower #{i} n={n}", D + D.T, 1 + i % 3, [None, 2.0][i % 2], env=collapse)
    # Where the engine chooses it (the sparse path, H2 and H3): o3 in R^9.
    check_cloud("collapse chosen: o3 n=500 in R^9 H3 thr=1.3", o3[:500], 3, 1.3, with_gudhi=False)
    # Degenerate inputs.
    g2 = [(x, y) for x in range(4) for y in range(4)]
    g3 = [(x, y, z) for x in range(3) for y in range(3) for z in range(3)]
    for md in (0, 1, 2):
        check_cloud(f"grid 4x4 H{md}", g2, md)
        check_cloud(f"grid 3x3x3 H{md}", g3, md)
        check_cloud(f"duplicates H{md}", [(0, 0), (0, 0), (1, 0), (1, 0), (0, 1), (1, 1), (1, 1)], md)
        check_cloud(f"all equal H{md}", [(2, 3)] * 5, md)
        check_cloud(f"collinear H{md}", [(t, 2 * t, -t) for t in (0, 1, 2, 3.5, 7, 7.25)], md)
        pts = rng.random((15, 3))
        pts[:, 2] = 0
        check_cloud(f"coplanar H{md}", pts, md)
        check_cloud(f"n=2 H{md}", [(0, 0), (3, 4)], md)
        check_cloud(f"n=1 H{md}", [(1, 2)], md, with_ripser=False)
        check_cloud(f"threshold cuts all H{md}", rng.random((10, 2)) + 1, md, threshold=1e-9)
        check_cloud(f"threshold 0 duplicates H{md}", [(0, 0), (0, 0), (1, 1)], md, threshold=0)
        oct_ = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
        check_cloud(f"octahedron H{md}", oct_, md)
        pts = rng.normal(size=(30, 3))
        pts /= np.linalg.norm(pts, axis=1, keepdims=True)
        check_cloud(f"sphere H{md}", pts, md)
    # Lower-distance input: random (not necessarily metric) and integer ties.
    for i in range(30):
        n = int(rng.integers(2, 18))
        A = rng.random((n, n)) if i % 2 else rng.integers(1, 5, size=(n, n)).astype(float)
        D = np.tril(A, -1)
        D = D + D.T
        thr = 0.5 if i % 5 == 0 else None
        check_lower(f"lower #{i} n={n} thr={thr}", D, i % 3, thr)
    # n = 0: an empty file is an error (exit 100), as is other bad input.
    expect_error("empty file", "", [])
    expect_error("blank lines only", "\n  \n", [])
    expect_error("ragged rows", "1,2\n3,4\n5\n", [])
    expect_error("not a number", "1,2\n3,x\n", [])
    expect_error("nan", "1,2\nnan,4\n", [])
    # the pipeline's grammar (ingest/number.c): what a source refuses
    expect_error("hex float", "1,2\n3,0x1p3\n", [], msg="bad.txt:2: field 2: not a number: \"0x1p3\"")
    expect_error("infinity", "1,2\n\n-Infinity,4\n", [], msg="bad.txt:3: field 1: not a finite number")
    expect_error("junk after a number", "1,2\n3,4x\n", [], msg="bad.txt:2: field 2: not a number: \"4x\"")
    expect_error("dim 4", "1,2\n3,4\n", ["--dim", "4"])
    expect_error("summary without window", "1,2\n3,4\n", ["--summary"])
    expect_error("lower ragged", "1\n2,3\n4,5\n", [], fmt="lower-distance")
    expect_error("lower negative", "1\n2,-3\n", [], fmt="lower-distance")
    expect_error("distance overflow", "1e300 0\n-1e300 0\n", [])
    expect_error("window 0", "1\n", ["--window", "0", "--slide", "1"])
    # Sliding windows equal from-scratch runs.
    for i, (n, w, s, md) in enumerate([(60, 20, 5, 1), (50, 12, 12, 2), (40, 15, 1, 1),
                                       (45, 10, 20, 0), (30, 30, 7, 2), (70, 25, 3, 2)]):
        t = np.linspace(0, 6 * math.pi, n)
        pts = np.c_[np.cos(t), np.sin(t), 0.1 * rng.normal(size=n)]
        check_windows(f"windows #{i} n={n} W={w} S={s} H{md}", pts, md, w, s)
    A = rng.random((40, 40))
    D = np.tril(A, -1)
    check_windows_lower("windows lower-distance n=40 W=16 S=6 H1", D + D.T, 1, 16, 6)
    print(f"rips oracle: {passed} checks passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
