#!/usr/bin/python3
"""Oracle test: the scale engine's H0 diagrams against GUDHI and Ripser.

Runs $BUILD/tools/engine_diagram (BUILD defaults to "build") on a few
hundred seeded windows and compares its output with

  sublevel        gudhi.CubicalComplex(top_dimensional_cells=x), H0
  rips            gudhi.RipsComplex(points).create_simplex_tree(1), H0
                  and the Debian `ripser` CLI (--format point-cloud)
  rips --embed    the same two, on the delay embedding built in numpy

as multisets of intervals after dropping zero-length ones.  Prints
"engine oracle: N checks passed, M failed" and exits 1 on any mismatch,
showing the first few with their input.

Must run under Debian's /usr/bin/python3 (python3-gudhi, numpy).
"""

import math
import os
import re
import subprocess
import sys

import gudhi
import numpy as np

BUILD = os.environ.get("BUILD", "build")
ENGINE = os.path.join(BUILD, "tools", "engine_diagram")
SEED = 20240611

# GUDHI computes in double: only printing/summation-order noise.
REL, ABS = 1e-6, 1e-9
# Ripser reads float32 coordinates, computes float32 distances and prints
# with 6 significant digits: relative 1e-5 for the printing, and an absolute
# term for the coordinate rounding (up to 2^-24 |c| per coordinate, so a
# short edge between far-from-origin points can be off by far more than
# 1e-5 of its own length).  See ripser_abs().
RIPSER_REL = 1e-5

MAX_SHOWN = 5


class Oracle:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.shown = 0

    def check(self, what, ok, detail):
        if ok:
            self.passed += 1
            return
        self.failed += 1
        self.shown += 1
        if self.shown <= MAX_SHOWN:
            print("MISMATCH %s\n%s\n" % (what, detail), file=sys.stderr)
        elif self.shown <= 10 * MAX_SHOWN:
            print("MISMATCH %s" % what, file=sys.stderr)


def fmt_num(v):
    return "%.17g" % v


def fmt_input(text, limit=600):
    one = text.replace("\n", " | ")
    return one if len(one) <= limit else one[:limit] + " ..."


def run_engine(args, text):
    p = subprocess.run([ENGINE] + args, input=text, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def parse_engine(out):
    iv = []
    for line in out.splitlines():
        b, d = line.split()
        iv.append((float(b), math.inf if d == "inf" else float(d)))
    return iv


def clean(iv):
    """Multiset form: drop zero-length intervals, sort."""
    return sorted((float(b), float(d)) for b, d in iv if d > b)


def close(a, b, rel, abs_tol=ABS):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(abs_tol, rel * max(abs(a), abs(b)))


def same_diagram(ours, ref, rel, abs_tol=ABS):
    ours, ref = clean(ours), clean(ref)
    if len(ours) != len(ref):
        return False
    return all(close(a[0], b[0], rel, abs_tol) and close(a[1], b[1], rel, abs_tol)
               for a, b in zip(ours, ref))


def ripser_abs(pts):
    """Absolute error bound of a float32 distance between points of PTS:
    each coordinate is rounded by up to 2^-24 of the largest magnitude, on
    both ends, over sqrt(dim) coordinates; x4 for float32 arithmetic."""
    pts = np.asarray(pts, dtype=float)
    big = float(np.max(np.abs(pts))) if pts.size else 0.0
    return max(ABS, 8.0 * math.sqrt(pts.shape[1]) * 2.0 ** -24 * big)


def is_sorted(iv):
    return all(iv[i] <= iv[i + 1] for i in range(len(iv) - 1))


def gudhi_sublevel(x):
    cc = gudhi.CubicalComplex(top_dimensional_cells=np.asarray(x, dtype=float))
    return [(b, d) for dim, (b, d) in cc.persistence() if dim == 0]


def gudhi_rips(pts):
    st = gudhi.RipsComplex(points=pts).create_simplex_tree(max_dimension=1)
    return [(b, d) for dim, (b, d) in st.persistence() if dim == 0]


INTERVAL_RE = re.compile(r"^\s*\[\s*([^,]*),\s*([^)]*)\)\s*$")


def ripser_h0(pts):
    """H0 from the ripser CLI.  --dim 1, not --dim 0: Debian's ripser 1.2.1
    aborts (binomial_coeff_table assertion) with --dim 0 on most inputs,
    after printing only part of the dim-0 intervals."""
    text = "".join(",".join(fmt_num(c) for c in p) + "\n" for p in pts)
    p = subprocess.run(["ripser", "--format", "point-cloud", "--dim", "1"],
                       input=text, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("ripser exited %d: %s" % (p.returncode, p.stderr.strip()))
    iv, in_dim0 = [], False
    for line in p.stdout.splitlines():
        if line.startswith("persistence intervals in dim"):
            in_dim0 = line.strip() == "persistence intervals in dim 0:"
            continue
        if not in_dim0:
            continue
        m = INTERVAL_RE.match(line)
        if not m:
            continue
        b = float(m.group(1))
        d = m.group(2).strip()
        iv.append((b, math.inf if d == "" else float(d)))
    return iv


def describe(ours, ref):
    return "  ours: %s\n  ref:  %s" % (clean(ours), clean(ref))


# ---------------------------------------------------------------- windows

def series_cases(rng):
    cases = []
    for _ in range(60):
        n = int(rng.integers(2, 400))
        cases.append(("random walk", np.cumsum(rng.normal(size=n))))
    for _ in range(40):
        n = int(rng.integers(2, 300))
        cases.append(("gaussian noise", rng.normal(scale=3.0, size=n)))
    for _ in range(50):
        n = int(rng.integers(2, 300))
        hi = int(rng.integers(2, 6))
        cases.append(("integers with ties", rng.integers(0, hi, size=n).astype(float)))
    for _ in range(30):
        vals = rng.integers(-5, 5, size=int(rng.integers(1, 30))).astype(float)
        reps = rng.integers(1, 8, size=len(vals))
        cases.append(("plateaus", np.repeat(vals, reps)))
    for n in (1, 2, 3, 17, 100):
        cases.append(("constant", np.full(n, float(rng.normal()))))
    for n in (2, 5, 50, 200):
        inc = np.cumsum(rng.uniform(0.01, 1.0, size=n))
        cases.append(("strictly increasing", inc))
        cases.append(("strictly decreasing", inc[::-1].copy()))
    for n in (1, 2, 3, 10, 101):
        x = np.zeros(n)
        x[n // 2] = 10.0
        cases.append(("single spike", x))
        cases.append(("single dip", -x))
    for _ in range(5):
        cases.append(("n=1", rng.normal(size=1)))
        cases.append(("n=2", rng.normal(size=2)))
        cases.append(("n=2 tied", np.full(2, float(rng.integers(0, 3)))))
    for _ in range(4):
        t = np.linspace(0, 6 * math.pi, int(rng.integers(50, 500)))
        cases.append(("noisy sine", np.sin(t) + rng.normal(scale=0.3, size=len(t))))
    cases.append(("large random walk", np.cumsum(rng.normal(size=5000))))
    cases.append(("large integer ties", rng.integers(0, 3, size=5000).astype(float)))
    return cases


def cloud_cases(rng):
    cases = []
    for _ in range(40):
        n = int(rng.integers(3, 150))
        cases.append(("uniform R^2", rng.uniform(-1, 1, size=(n, 2))))
    for _ in range(30):
        n = int(rng.integers(3, 120))
        cases.append(("gaussian R^3", rng.normal(size=(n, 3))))
    for (a, b) in ((2, 2), (3, 3), (4, 5), (6, 6), (10, 3)):
        g = np.array([[i, j] for i in range(a) for j in range(b)], dtype=float)
        cases.append(("integer grid", g[rng.permutation(len(g))]))
    for k in (2, 3, 4):
        g = np.array([[i, j, l] for i in range(k) for j in range(k) for l in range(k)], dtype=float)
        cases.append(("integer cube grid", g * 2.0))
    for _ in range(20):
        n = int(rng.integers(5, 80))
        cases.append(("small integer box (ties, duplicates)",
                      rng.integers(0, 4, size=(n, 2)).astype(float)))
    for _ in range(12):
        base = rng.normal(size=(int(rng.integers(1, 20)), 2))
        dup = base[rng.integers(0, len(base), size=int(rng.integers(1, 20)))]
        cases.append(("duplicate points", np.vstack([base, dup])))
    cases.append(("all identical", np.tile([[1.5, -2.0, 3.0]], (7, 1))))
    for _ in range(6):
        n = int(rng.integers(2, 40))
        t = rng.uniform(-5, 5, size=n)
        d = rng.normal(size=3)
        cases.append(("collinear R^3", np.outer(t, d) + rng.normal(size=3)))
        cases.append(("collinear R^1", t.reshape(-1, 1)))
    for _ in range(4):
        cases.append(("1 point", rng.normal(size=(1, int(rng.integers(1, 4))))))
        cases.append(("2 points", rng.normal(size=(2, int(rng.integers(1, 4))))))
    for _ in range(12):
        n = int(rng.integers(10, 200))
        th = rng.uniform(0, 2 * math.pi, size=n)
        c = np.stack([np.cos(th), np.sin(th)], axis=1) + rng.normal(scale=0.05, size=(n, 2))
        cases.append(("noisy circle", c))
    cases.append(("large uniform R^2", rng.uniform(size=(400, 2))))
    return cases


def embed_cases(rng):
    cases = []
    for _ in range(80):
        n = int(rng.integers(1, 250))
        d = int(rng.integers(1, 5))
        lag = int(rng.integers(1, 8))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            t = np.arange(n) * rng.uniform(0.05, 0.5)
            x = np.sin(t) + rng.normal(scale=0.05, size=n)
            name = "embedded noisy sine"
        elif kind == 1:
            x = np.cumsum(rng.normal(size=n))
            name = "embedded random walk"
        else:
            x = rng.integers(0, 4, size=n).astype(float)
            name = "embedded integer series"
        cases.append(("%s D=%d L=%d" % (name, d, lag), x, d, lag))
    # Too short to embed anything, and exactly one point.
    cases.append(("embed too short", np.arange(5.0), 3, 3))
    cases.append(("embed one point", np.arange(5.0), 3, 2))
    return cases


def numpy_embed(x, d, lag):
    m = len(x) - (d - 1) * lag
    if m <= 0:
        return np.zeros((0, d))
    return np.stack([x[j * lag: j * lag + m] for j in range(d)], axis=1)


# ---------------------------------------------------------------- checks

def check_series(o, name, x):
    text = "".join(fmt_num(v) + "\n" for v in x)
    rc, out, err = run_engine(["sublevel"], text)
    what = "sublevel %s (n=%d)" % (name, len(x))
    if rc != 0:
        o.check(what, False, "  engine exit %d: %s\n  input: %s" % (rc, err.strip(), fmt_input(text)))
        return
    ours = parse_engine(out)
    if len(x) == 0:
        # GUDHI's CubicalComplex crashes on an empty complex; nothing to ask it.
        o.check(what + " empty", ours == [], "  ours: %s" % ours)
        return
    ok = is_sorted(ours) and all(d > b for b, d in ours)
    o.check(what + " sorted, positive lengths", ok, "  ours: %s" % ours)
    ref = gudhi_sublevel(x)
    o.check(what + " vs gudhi cubical", same_diagram(ours, ref, REL),
            describe(ours, ref) + "\n  input: " + fmt_input(text))


def check_cloud(o, name, pts, args=None, text=None):
    if text is None:
        sep = "," if len(pts) % 2 else " "
        text = "".join(sep.join(fmt_num(c) for c in p) + "\n" for p in pts)
        args = ["rips"]
    rc, out, err = run_engine(args, text)
    what = "%s %s (n=%d)" % (" ".join(args), name, len(pts))
    if rc != 0:
        o.check(what, False, "  engine exit %d: %s\n  input: %s" % (rc, err.strip(), fmt_input(text)))
        return
    ours = parse_engine(out)
    if len(pts) == 0:
        o.check(what + " empty", ours == [], "  ours: %s" % ours)
        return
    ok = is_sorted(ours) and all(b == 0 and d > 0 for b, d in ours)
    o.check(what + " sorted, born at 0", ok, "  ours: %s" % ours)
    ref = gudhi_rips(pts)
    o.check(what + " vs gudhi rips", same_diagram(ours, ref, REL),
            describe(ours, ref) + "\n  input: " + fmt_input(text))
    if len(pts) >= 2:
        # ripser 1.2.1 aborts on a single point.
        try:
            ref = ripser_h0(pts)
            ok = same_diagram(ours, ref, RIPSER_REL, ripser_abs(pts))
            detail = describe(ours, ref)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            ok, detail = False, "  %s" % e
        o.check(what + " vs ripser", ok, detail + "\n  input: " + fmt_input(text))


def check_embed(o, name, x, d, lag):
    text = "".join(fmt_num(v) + "\n" for v in x)
    check_cloud(o, name, numpy_embed(np.asarray(x, dtype=float), d, lag),
                ["rips", "--embed", str(d), str(lag)], text)


def check_bad_input(o):
    for args, text in ((["sublevel"], "1\nabc\n"),
                       (["sublevel"], "1\nnan\n"),
                       (["rips"], "1,2\n3\n"),
                       (["rips", "--embed", "0", "1"], "1\n2\n"),
                       (["rips", "--embed", "2"], "1\n"),
                       (["nonsense"], "")):
        rc, _, err = run_engine(args, text)
        o.check("bad input %s %r -> exit 2" % (args, text), rc == 2 and err != "",
                "  exit %d, stderr %r" % (rc, err))


def main():
    if not os.access(ENGINE, os.X_OK):
        print("check_engine: %s not built" % ENGINE, file=sys.stderr)
        return 2
    rng = np.random.default_rng(SEED)
    o = Oracle()
    windows = 0

    check_series(o, "n=0", np.zeros(0))
    check_cloud(o, "no points", np.zeros((0, 2)))
    windows += 2
    for name, x in series_cases(rng):
        check_series(o, name, x)
        windows += 1
    for name, pts in cloud_cases(rng):
        check_cloud(o, name, pts)
        windows += 1
    for name, x, d, lag in embed_cases(rng):
        check_embed(o, name, x, d, lag)
        windows += 1
    check_bad_input(o)

    print("engine oracle: %d checks passed, %d failed (%d windows)"
          % (o.passed, o.failed, windows))
    return 1 if o.failed else 0


if __name__ == "__main__":
    sys.exit(main())
