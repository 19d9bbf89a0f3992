"""Debian's ripser as the reference for Vietoris-Rips diagrams, shared by
the oracle tests (check_rips.py, check_rips_sizes.py) and the pipeline
tests that compare results with it (tests/integration/rips_memory_bound.sh).

Diagrams are {dim: [(birth, death)]} with death math.inf for essential
classes.  They are compared as multisets of intervals with a tolerance
that only covers float rounding: ripser computes distances in float32 and
prints 6 significant digits, tdapipe computes in double.  An interval
left unmatched is accepted only if its length is within that tolerance (a
tie in one arithmetic can be a tiny interval in the other).
"""
import hashlib
import math
import os
import re
import subprocess

RIPSER = "/usr/bin/ripser"
INF = math.inf
IVAL = re.compile(r"^\s*\[([^,]*),([^)]*)\)\s*$")


def parse_ripser(text, top):
    dg = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"persistence intervals in dim (\d+):", line)
        if m:
            cur = int(m.group(1))
            dg[cur] = []
            continue
        m = IVAL.match(line)
        if m and cur is not None:
            b = float(m.group(1))
            e = m.group(2).strip()
            dg[cur].append((b, INF if e == "" else float(e)))
    return {d: dg.get(d, []) for d in range(top + 1)}


def run_ripser(path, maxdim, threshold=None, fmt="point-cloud", cache=None):
    """ripser's diagrams of the file PATH in dimensions 0..max(1, MAXDIM)
    (Debian's ripser 1.2.1 may crash with --dim 0).  CACHE: a directory
    where the output is kept by a hash of the input and the arguments, so
    that a suite run twice (normal and sanitizer builds) runs ripser once
    per input; the reference is the same program's output either way."""
    top = max(1, maxdim)
    cmd = [RIPSER, "--format", fmt, "--dim", str(top)]
    if threshold is not None:
        cmd += ["--threshold", repr(float(threshold))]
    key = None
    if cache:
        h = hashlib.sha256(" ".join(cmd).encode())
        with open(path, "rb") as f:
            h.update(f.read())
        st = os.stat(RIPSER)
        h.update(("%d %d" % (st.st_size, st.st_mtime_ns)).encode())
        key = os.path.join(cache, h.hexdigest())
        if os.path.exists(key):
            with open(key) as f:
                return parse_ripser(f.read(), top)
    r = subprocess.run(cmd + [path], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ripser exit {r.returncode}: {r.stderr.strip()}")
    if key:
        os.makedirs(cache, mode=0o700, exist_ok=True)
        with open(key + ".tmp", "w") as f:
            f.write(r.stdout)
        os.replace(key + ".tmp", key)
    return parse_ripser(r.stdout, top)


def close(a, b, tol):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol(max(abs(a), abs(b)))


def same_diagrams(mine, theirs, dims, tol):
    """'' if the diagrams of DIMS (an int: 0..dims; or an iterable) are
    equal as multisets within TOL, else a description."""
    for d in (range(dims + 1) if isinstance(dims, int) else dims):
        a = sorted(mine.get(d, []))
        b = sorted(theirs.get(d, []))
        used = [False] * len(b)
        left = []
        for x in a:
            hit = -1
            for j, y in enumerate(b):
                if not used[j] and close(x[0], y[0], tol) and close(x[1], y[1], tol):
                    hit = j
                    break
            if hit < 0:
                left.append(x)
            else:
                used[hit] = True
        right = [y for j, y in enumerate(b) if not used[j]]
        short = lambda iv: not math.isinf(iv[1]) and iv[1] - iv[0] <= 2 * tol(abs(iv[1]))
        bad_l = [x for x in left if not short(x)]
        bad_r = [y for y in right if not short(y)]
        if bad_l or bad_r:
            return f"dim {d}: only ours {bad_l[:5]}, only theirs {bad_r[:5]}"
    return ""


def tol_ripser(scale, dim):
    """Float32 coordinates of magnitude up to SCALE in DIM dimensions."""
    absolute = 8 * math.sqrt(max(dim, 1)) * 2.0 ** -24 * scale
    return lambda x: 1e-5 * x + 4 * absolute + 1e-12
