#!/usr/bin/python3
"""Oracle test of `tdapipe persistence --complex sublevel` (H0 of the
sublevel-set filtration of a series), whole and by sliding windows, with
--summary and --threshold, against GUDHI's CubicalComplex, window by window.

Sublevel values are input values (no arithmetic), so every comparison is
EXACT: the input is written with repr() of doubles, both sides are parsed as
Python floats, and each window's diagram is compared with GUDHI's as a
multiset of (birth, death) with death > birth (GUDHI's zero-length intervals
dropped, its essential class has death inf).  With --threshold T, GUDHI's
diagram is post-processed as the man page says: intervals born above T
vanish, deaths above T become inf.  With --summary, COUNT must be the number
of finite intervals with death > birth, and TOTAL must be
math.fsum([death - birth ...]): every length rounded to double, then summed
exactly and rounded once.  SUBLEVEL_TOTAL_TOL=r relaxes only that TOTAL
comparison to relative tolerance r (a TOTAL of inf where the exact sum is
finite, or the reverse, still fails: that is an overflow, not rounding).

Also checked on every run: exit 0 and empty stderr, the line format (window
numbers in range and in order, DIM 0, "inf" only as a death), every number
printed with the fewest significant digits that round-trip, intervals sorted
by birth then death within a window, death > birth, one summary line per
window, and no output at all when the series is shorter than the window.

Series families (each case has its own numpy default_rng seed, printed with
any failure): random walks, random walks rounded to a few integer levels,
gaussian noise, strictly increasing/decreasing, constant, periodic (exactly
repeating values), spikes, funnels, random integers 0..3, extreme magnitudes
and signed zeros, lengths that overflow to inf, tiny series; windows W=1,
W=n, S=W, S not dividing n, S=1, S>W (gaps), W>n (no window); thresholds
0, -0, series values, midpoints, the maximum.  Long runs: a random walk and a
rounded walk of 3000 points with W=1000 S=1, and a random walk, a rounded
walk and a funnel running into a walk of 20000 points with W=100 S=7.  Then
standard input, a negative threshold (refused with exit 100 today; if ever
accepted it must be right) and bad usage / input (exit 100, a message, no
output).

Run from the repository root; BIN (default "bin") holds tdapipe.
SUBLEVEL_ORACLE_SEED changes the base seed, SUBLEVEL_ORACLE_ONLY=substring
keeps only the families whose name contains it, SUBLEVEL_ORACLE_LONG=0
skips the long runs, SUBLEVEL_ORACLE_FRACTION=f runs the first f of each
family's cases (same seeds as a full run), SUBLEVEL_ORACLE_VERBOSE=1 lists every run whose TOTAL
differs.  Prints how many windows and checks passed and which
failed (the failing series are kept on disk, with a command to reproduce),
and exits 1 on any failure.
"""
import collections
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import gudhi
import numpy as np

BIN = os.environ.get("BIN", "bin")
TDAPIPE = os.path.join(BIN, "tdapipe")
BASE_SEED = int(os.environ.get("SUBLEVEL_ORACLE_SEED", "20261125"))
ONLY = os.environ.get("SUBLEVEL_ORACLE_ONLY", "")
LONG = os.environ.get("SUBLEVEL_ORACLE_LONG", "1") != "0"
FRACTION = float(os.environ.get("SUBLEVEL_ORACLE_FRACTION", "1"))
TOTAL_TOL = os.environ.get("SUBLEVEL_TOTAL_TOL")
TOTAL_TOL = float(TOTAL_TOL) if TOTAL_TOL not in (None, "") else None
INF = math.inf
MAX_SHOWN = 4                 # failures shown in full, per kind
VERBOSE = os.environ.get("SUBLEVEL_ORACLE_VERBOSE", "") not in ("", "0")
BASE_ARGS = ["persistence", "--complex", "sublevel", "--input", "series"]

tmpdir = tempfile.mkdtemp(prefix="sublevel-oracle-")


# ------------------------------------------------------------- bookkeeping

class Stats:
    def __init__(self):
        self.checks = 0
        self.windows = 0          # (run, window) pairs compared with GUDHI
        self.runs = 0
        self.failures = []        # dicts, in order
        self.by_kind = collections.Counter()
        self.total_fail_runs = collections.Counter()    # (family, seed, n, args) -> windows
        self.total_fail_family = collections.Counter()  # family -> windows
        self.total_fail_naive = 0     # of which TOTAL is the naive sorted-order sum
        self.summary_windows = collections.Counter()    # family -> summary windows checked
        self.kept = {}

    def ok(self, n=1):
        self.checks += n

    def fail(self, kind, case, args, detail, window=None, naive=False):
        self.by_kind[kind] += 1
        if kind == "summary TOTAL":
            self.total_fail_runs[(case.family, case.seed, case.n, " ".join(args))] += 1
            self.total_fail_family[case.family] += 1
            self.total_fail_naive += naive
        path = keep_series(self, case)
        self.failures.append({"kind": kind, "case": case, "args": args,
                              "window": window, "detail": detail, "path": path})


S = Stats()


class Case:
    def __init__(self, family, seed, x):
        self.family = family
        self.seed = seed
        self.x = np.asarray(x, dtype=float)
        self.n = len(self.x)
        self.path = None
        self.cache = {}           # (start, W) -> GUDHI diagram

    def __str__(self):
        return "%s seed=%d n=%d" % (self.family, self.seed, self.n)


def keep_series(stats, case):
    """Copy a failing series where it survives the run."""
    key = (case.family, case.seed)
    if key not in stats.kept:
        safe = "".join(c if c.isalnum() else "_" for c in case.family)
        dst = os.path.join(tempfile.gettempdir(), "sublevel-oracle-fail-%s-%d.txt" % (safe, case.seed))
        write_series(case.x, dst)
        stats.kept[key] = dst
    return stats.kept[key]


def write_series(x, path):
    with open(path, "w") as f:
        f.write("".join(repr(float(v)) + "\n" for v in x))


# ------------------------------------------------------------------ GUDHI

def gudhi_h0(x):
    """Sorted H0 of the sublevel filtration of X, death > birth only."""
    if len(x) == 0:
        return []
    cc = gudhi.CubicalComplex(top_dimensional_cells=x)
    return sorted((float(b), float(d)) for dim, (b, d) in cc.persistence()
                  if dim == 0 and d > b)


def ref_window(case, start, w):
    key = (start, w)
    dg = case.cache.get(key)
    if dg is None:
        dg = gudhi_h0(case.x[start:start + w])
        if w <= 4096:
            case.cache[key] = dg
    return dg


def apply_threshold(dg, thr):
    if thr is None:
        return dg
    out = []
    for b, d in dg:
        if b > thr:
            continue
        out.append((b, INF if d > thr else d))
    out.sort()
    return out


def exact_total(dg):
    """fsum of the finite lengths, each rounded to double first; an exact
    sum beyond the largest double rounds to inf (fsum raises instead)."""
    lengths = [d - b for b, d in dg if d != INF]
    try:
        return math.fsum(lengths)
    except OverflowError:
        return INF


# ------------------------------------------------------------------- ours

def run_ours(args, path, stdin=None):
    S.runs += 1
    return subprocess.run([TDAPIPE] + BASE_ARGS + args + [path], input=stdin,
                          capture_output=True, text=True, timeout=120)


_shortest_ok = {}


def sig_digits(tok):
    t = tok.lstrip("+-")
    mant = t.split("e")[0].split("E")[0]
    return mant.replace(".", "").lstrip("0").rstrip("0")


def shortest(tok):
    """TOK reads back (float), has no more significant digits than the
    shortest round-trip repr of its value, and no padding: no zeros ending a
    fraction ("5.0"), no trailing ".", no leading zeros or "+".  Whether
    large and small magnitudes use an exponent is left free."""
    r = _shortest_ok.get(tok)
    if r is None:
        try:
            v = float(tok)
        except ValueError:
            r = False
        else:
            if math.isnan(v):
                r = False
            elif math.isinf(v):
                r = tok == "inf"
            else:
                mant = tok.lstrip("-").split("e")[0]
                r = "inf" not in tok and "nan" not in tok and "E" not in tok \
                    and not tok.startswith("+") \
                    and len(sig_digits(tok)) == len(sig_digits(repr(v))) \
                    and not ("." in mant and mant[-1] in "0.") \
                    and not (len(mant.split(".")[0]) > 1 and mant.startswith("0"))
        _shortest_ok[tok] = r
    return r


def nwindows(n, w, s):
    return 0 if n < w else (n - w) // s + 1


def diff_text(ours, ref, limit=6):
    co, cr = collections.Counter(ours), collections.Counter(ref)
    only_o = sorted((co - cr).elements())
    only_r = sorted((cr - co).elements())
    return ("only ours %s%s, only gudhi %s%s (ours %d, gudhi %d intervals)"
            % (only_o[:limit], " ..." if len(only_o) > limit else "",
               only_r[:limit], " ..." if len(only_r) > limit else "",
               len(ours), len(ref)))


def check_run_basics(case, args, r):
    if r.returncode != 0 or r.stderr:
        S.fail("exit status", case, args, "exit %d, stderr %r" % (r.returncode, r.stderr[:300]))
        return False
    S.ok()
    return True


def parse_intervals(case, args, out, windowed, k_max):
    """{window: [(b, d), ...]} in printed order, or None after a failure."""
    got = collections.defaultdict(list)
    last = -1
    bad = None
    for ln, line in enumerate(out.splitlines(), 1):
        f = line.split(" ")
        if windowed:
            if len(f) != 4 or not f[0].isdigit() or str(int(f[0])) != f[0]:
                bad = "line %d: %r: expected WINDOW DIM BIRTH DEATH" % (ln, line)
                break
            k = int(f[0])
            if k < last or k >= k_max:
                bad = "line %d: %r: window %d out of order or range (%d windows)" % (ln, line, k, k_max)
                break
            last = k
            f = f[1:]
        else:
            if len(f) != 3:
                bad = "line %d: %r: expected DIM BIRTH DEATH" % (ln, line)
                break
            k = 0
        if f[0] != "0":
            bad = "line %d: %r: dimension is not 0" % (ln, line)
            break
        if not (shortest(f[1]) and shortest(f[2])) or f[1] == "inf":
            bad = "line %d: %r: not a shortest round-trip finite birth / death" % (ln, line)
            break
        got[k].append((float(f[1]), float(f[2])))
    if bad:
        S.fail("output format", case, args, bad)
        return None
    S.ok()
    return got


def check_window(case, args, k, printed, ref):
    """PRINTED (in output order) against REF (sorted)."""
    S.windows += 1
    if any(d <= b for b, d in printed):
        S.fail("death > birth", case, args, "printed %s" % printed[:6], k)
        return
    if any(printed[i] > printed[i + 1] for i in range(len(printed) - 1)):
        S.fail("sorted", case, args, "printed %s" % printed[:10], k)
        return
    S.ok()
    if printed != ref:
        S.fail("intervals", case, args, diff_text(printed, ref), k)
    else:
        S.ok()


def thr_args(thr):
    return [] if thr is None else ["--threshold", repr(float(thr))]


def check_whole(case, thr=None):
    args = thr_args(thr)
    r = run_ours(args, case.path)
    if not check_run_basics(case, args, r):
        return
    got = parse_intervals(case, args, r.stdout, False, 1)
    if got is None:
        return
    ref = apply_threshold(ref_window(case, 0, case.n), thr)
    check_window(case, args, None, got.get(0, []), ref)


def check_windows(case, w, s, thr=None):
    args = ["--window", str(w), "--slide", str(s)] + thr_args(thr)
    r = run_ours(args, case.path)
    if not check_run_basics(case, args, r):
        return
    k_max = nwindows(case.n, w, s)
    if k_max == 0:
        S.windows += 1
        if r.stdout:
            S.fail("no window", case, args, "n=%d < W=%d, yet output %r" % (case.n, w, r.stdout[:200]))
        else:
            S.ok()
        return
    got = parse_intervals(case, args, r.stdout, True, k_max)
    if got is None:
        return
    for k in range(k_max):
        ref = apply_threshold(ref_window(case, k * s, w), thr)
        check_window(case, args, k, got.get(k, []), ref)


def total_equal(ours, want):
    if TOTAL_TOL is None or math.isinf(ours) or math.isinf(want):
        return ours == want
    return abs(ours - want) <= TOTAL_TOL * max(abs(ours), abs(want))


def check_summary(case, w, s, thr=None):
    args = ["--window", str(w), "--slide", str(s), "--summary"] + thr_args(thr)
    r = run_ours(args, case.path)
    if not check_run_basics(case, args, r):
        return
    k_max = nwindows(case.n, w, s)
    lines = r.stdout.splitlines()
    if len(lines) != k_max:
        S.windows += 1
        S.fail("summary lines", case, args, "%d lines for %d windows: %r"
               % (len(lines), k_max, r.stdout[:200]))
        return
    if k_max == 0:
        S.windows += 1
        S.ok()
        return
    for k, line in enumerate(lines):
        S.windows += 1
        S.summary_windows[case.family] += 1
        f = line.split(" ")
        if len(f) != 3 or f[0] != str(k) or not f[1].isdigit() or str(int(f[1])) != f[1] \
                or not shortest(f[2]) or f[2] == "-inf":
            S.fail("summary format", case, args, "line %r (window %d)" % (line, k), k)
            return
        ref = apply_threshold(ref_window(case, k * s, w), thr)
        finite = [(b, d) for b, d in ref if d != INF]
        count, total = int(f[1]), float(f[2])
        if count != len(finite):
            S.fail("summary COUNT", case, args, "COUNT %d, gudhi %d finite intervals %s"
                   % (count, len(finite), finite[:6]), k)
            continue
        S.ok()
        want = exact_total(ref)
        if not total_equal(total, want):
            lengths = [d - b for b, d in finite]
            naive = 0.0
            for x in lengths:
                naive += x
            S.fail("summary TOTAL", case, args,
                   "TOTAL %s, exact fsum %s (diff %.3g, %d lengths; naive sum in sorted order %s)"
                   % (f[2], repr(want), total - want, len(lengths), repr(naive)), k,
                   naive=total == naive)
            continue
        S.ok()


def check_changes(case, w, s):
    """--changes: the previous window's GUDHI diagram, minus the died
    lines, plus the born lines, must be this window's GUDHI diagram
    (window 0: all born); each group sorted; nothing died that was not
    there."""
    args = ["--window", str(w), "--slide", str(s), "--changes"]
    r = run_ours(args, case.path)
    if not check_run_basics(case, args, r):
        return
    k_max = nwindows(case.n, w, s)
    died = collections.defaultdict(list)
    born = collections.defaultdict(list)
    last = (-1, 0)
    for ln, line in enumerate(r.stdout.splitlines(), 1):
        f = line.split(" ")
        if len(f) != 4 or not f[0].isdigit() or f[1] not in ("died", "born") \
                or not (shortest(f[2]) and shortest(f[3])) or f[2] == "inf":
            S.fail("changes format", case, args, "line %d: %r" % (ln, line))
            return
        k = int(f[0])
        key = (k, 0 if f[1] == "died" else 1)   # died lines before born lines
        if k >= k_max or key < last:
            S.fail("changes order", case, args, "line %d: %r after %r" % (ln, line, last))
            return
        last = key
        (died if f[1] == "died" else born)[k].append((float(f[2]), float(f[3])))
    prev = []
    for k in range(k_max):
        S.windows += 1
        ref = ref_window(case, k * s, w)
        cur = collections.Counter(prev)
        bad = None
        for group in (died[k], born[k]):
            if group != sorted(group):
                bad = "not sorted: %s" % group[:6]
        for iv in died[k]:
            if cur[iv] <= 0:
                bad = bad or "died %r was not in the previous window %s" % (iv, prev[:6])
            cur[iv] -= 1
        for iv in born[k]:
            cur[iv] += 1
        got = sorted(cur.elements())
        if bad or got != ref:
            S.fail("changes", case, args, bad or diff_text(got, ref), k)
        else:
            S.ok()
        prev = ref


def expect_error(name, text, args, stdin=False):
    path = os.path.join(tmpdir, "bad.txt")
    with open(path, "w") as f:
        f.write(text)
    S.runs += 1
    r = subprocess.run([TDAPIPE] + BASE_ARGS + args + (["-"] if stdin else [path]),
                       input=text if stdin else None, capture_output=True, text=True, timeout=60)
    c = Case("error: " + name, 0, [])
    if r.returncode != 100 or not r.stderr.strip() or r.stdout:
        S.fail("error exit", c, args, "want exit 100, stderr, no stdout; got exit %d, stdout %r, stderr %r"
               % (r.returncode, r.stdout[:100], r.stderr[:200]))
    else:
        S.ok()


# ----------------------------------------------------------------- series

def funnel(n, off):
    """0, 10, -1, 11, -2, 12, ...: every new minimum is the lowest so far and
    every maximum the highest (shifted by OFF)."""
    i = np.arange(n)
    return np.where(i % 2 == 0, -(i // 2), 10 + i // 2).astype(float) + off


EXTREME = [-0.0, 0.0, 1e300, -1e300, 1e-300, -1e-300, 5e-324, -5e-324, 1.0, -1.0,
           2.5e299, -7e299, 1.7976931348623157e308 / 2, 123456789012345678.0]
OVERFLOW = [1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308,
            8.98846567431158e307, -8.98846567431158e307, 0.0, -0.0, 1.0]


def gen(family, rng, n):
    if family == "random walk":
        return np.cumsum(rng.normal(size=n))
    if family == "rounded walk":
        # few integer levels: long plateaus, repeated values, many ties
        lv = int(rng.integers(1, 4))
        return np.clip(np.round(np.cumsum(rng.normal(scale=0.45, size=n))), -lv, lv)
    if family == "gaussian noise":
        return rng.normal(scale=3.0, size=n)
    if family == "increasing":
        return float(rng.normal()) + np.cumsum(rng.uniform(0.01, 1.0, size=n))
    if family == "decreasing":
        return (float(rng.normal()) + np.cumsum(rng.uniform(0.01, 1.0, size=n)))[::-1].copy()
    if family == "constant":
        v = float(rng.normal()) if rng.integers(0, 2) else float(rng.integers(-3, 4))
        return np.full(n, v)
    if family == "periodic":
        # values repeat exactly: sin of 2*pi*(k mod P)/P, amplitude and
        # offset exact too
        p = int(rng.choice([2, 3, 4, 6, 8, 12, 16, 24]))
        ph = int(rng.integers(0, p))
        k = (np.arange(n) + ph) % p
        kind = int(rng.integers(0, 3))
        if kind == 0:
            return np.sin(2 * math.pi * k / p)
        if kind == 1:
            return np.sin(2 * math.pi * k / p) + 0.5 * np.sin(4 * math.pi * k / p)
        return (k % p).astype(float)          # sawtooth
    if family == "spikes":
        x = np.zeros(n)
        m = int(rng.integers(0, max(1, n // 8) + 2))
        idx = rng.integers(0, n, size=m)
        x[idx] = rng.choice([5.0, -5.0], size=m)
        return x
    if family == "funnel":
        return funnel(n, float(rng.integers(-3, 4)))
    if family == "funnel reversed":
        return funnel(n, float(rng.integers(-3, 4)))[::-1].copy()
    if family == "funnel negated":
        return -funnel(n, float(rng.integers(-3, 4)))
    if family == "ints 0..3":
        return rng.integers(0, 4, size=n).astype(float)
    if family == "extreme":
        if rng.integers(0, 3) == 0:
            return np.cumsum(rng.normal(size=n)) * 1e299
        return rng.choice(EXTREME, size=n)
    if family == "overflow":
        return rng.choice(OVERFLOW, size=n)
    if family == "tiny":
        kind = int(rng.integers(0, 3))
        if kind == 0:
            return rng.normal(size=n)
        if kind == 1:
            return rng.integers(0, 2, size=n).astype(float)
        return rng.choice([-0.0, 0.0, 1.0], size=n)
    raise ValueError(family)


# family, cases, n range (inclusive)
FAMILIES = [
    ("random walk", 60, (2, 260)),
    ("rounded walk", 60, (2, 260)),
    ("gaussian noise", 25, (2, 200)),
    ("increasing", 15, (1, 150)),
    ("decreasing", 15, (1, 150)),
    ("constant", 15, (1, 80)),
    ("periodic", 40, (1, 220)),
    ("spikes", 30, (1, 200)),
    ("funnel", 12, (1, 150)),
    ("funnel reversed", 12, (1, 150)),
    ("funnel negated", 12, (1, 150)),
    ("ints 0..3", 50, (1, 260)),
    ("extreme", 30, (1, 100)),
    ("overflow", 20, (1, 40)),
    ("tiny", 60, (1, 5)),
]


def window_configs(rng, n):
    """(W, S) pairs covering W=1, W=n, S=W, S not dividing n, S=1, S>W,
    W>n."""
    def rint(lo, hi):     # inclusive
        return int(rng.integers(lo, hi + 1)) if hi >= lo else lo
    cfg = [(1, 1), (1, rint(2, 5)), (n, 1), (n, rint(n + 1, n + 4)),
           (n + rint(1, 3), 1)]
    w = rint(2, max(2, n))
    cfg.append((w, w))
    w = rint(2, max(2, n))
    cfg.append((w, 1))
    w = rint(3, max(3, n))
    cands = [s for s in range(2, w) if n % s]
    cfg.append((w, int(rng.choice(cands)) if cands else max(1, w - 1)))
    w = rint(1, max(1, n // 3))
    cfg.append((w, w + rint(1, max(1, w))))
    return cfg


def thresholds(rng, x):
    """Thresholds >= 0 (the CLI refuses negative ones): 0, -0.0, series
    values (ties with births and deaths), midpoints, above the maximum."""
    vals = sorted(set(float(v) for v in x if v >= 0 and math.isfinite(v)))
    out = [0.0]
    if vals:
        out.append(float(rng.choice(vals)))
        if len(vals) > 1:
            i = int(rng.integers(0, len(vals) - 1))
            mid = vals[i] / 2 + vals[i + 1] / 2
            if math.isfinite(mid):
                out.append(mid)
        out.append(vals[-1])
    if rng.integers(0, 4) == 0:
        out.append(-0.0)
    return out


def check_case(case, rng):
    case.path = os.path.join(tmpdir, "series.txt")
    write_series(case.x, case.path)
    check_whole(case)
    for w, s in window_configs(rng, case.n):
        check_windows(case, w, s)
        check_summary(case, w, s)
        check_changes(case, w, s)
    ths = thresholds(rng, case.x)
    for t in ths:
        check_whole(case, t)
    t = float(rng.choice(ths))
    cfgs = window_configs(rng, case.n)
    w, s = cfgs[int(rng.integers(0, len(cfgs)))]
    check_windows(case, w, s, t)
    check_summary(case, w, s, t)
    w, s = max(1, case.n // 4), 1
    check_windows(case, w, s, t)
    check_summary(case, w, s, t)


def check_long(family, seed, n, w, s):
    rng = np.random.default_rng(seed)
    if family == "random walk":
        x = np.cumsum(rng.normal(size=n))
    elif family == "rounded walk":
        x = np.clip(np.round(np.cumsum(rng.normal(scale=0.45, size=n))), -4, 4)
    else:
        # a funnel dropping into a random walk: expiring minima, long trends
        x = np.concatenate([funnel(n // 4, 0.0), np.cumsum(rng.normal(size=n - n // 4)) - n // 8])
    case = Case("long " + family, seed, x)
    case.path = os.path.join(tmpdir, "long.txt")
    write_series(case.x, case.path)
    check_windows(case, w, s)
    check_summary(case, w, s)
    check_changes(case, w, s)
    vals = x[x >= 0]
    if len(vals):
        t = float(np.median(vals))
        check_windows(case, w, s, t)


def check_misc():
    # standard input, and a series given with blanks, CRLF and a blank line
    case = Case("stdin", 0, [3.0, 1.0, 2.0, 0.0, 5.0])
    text = "3\n 1 \r\n\n2.0\n0e0\n+5\n"
    args = ["--window", "3", "--slide", "1"]
    S.runs += 1
    r = subprocess.run([TDAPIPE] + BASE_ARGS + args + ["-"], input=text,
                       capture_output=True, text=True, timeout=60)
    if check_run_basics(case, args, r):
        got = parse_intervals(case, args, r.stdout, True, 3)
        if got is not None:
            for k in range(3):
                check_window(case, args, k, got.get(k, []), ref_window(case, k, 3))
    # a negative threshold: refused cleanly today; if it is ever accepted,
    # it must be right
    case = Case("negative threshold", 0, [-3.0, 1.0, -2.0, 0.0, -5.0, 2.0, -1.0])
    case.path = os.path.join(tmpdir, "neg.txt")
    write_series(case.x, case.path)
    for t in (-1.0, -2.5):
        args = thr_args(t)
        r = run_ours(args, case.path)
        if r.returncode == 100:
            if r.stdout or not r.stderr.strip():
                S.fail("error exit", case, args, "exit 100 but stdout %r, stderr %r" % (r.stdout, r.stderr))
            else:
                S.ok()
        else:
            check_whole(case, t)
            check_windows(case, 4, 2, t)
            check_summary(case, 4, 2, t)
    expect_error("empty file", "", [])
    expect_error("blank lines only", "\n \n", [])
    expect_error("empty stdin", "", [], stdin=True)
    expect_error("two values on a line", "1\n2 3\n", [])
    expect_error("not a number", "1\nabc\n", [])
    expect_error("nan", "1\nnan\n", [])
    expect_error("inf", "1\ninf\n", [])
    expect_error("hex float", "1\n0x10\n", [])
    expect_error("overflowing literal", "1\n1e309\n", [])
    expect_error("window without slide", "1\n2\n", ["--window", "2"])
    expect_error("slide without window", "1\n2\n", ["--slide", "2"])
    expect_error("window 0", "1\n2\n", ["--window", "0", "--slide", "1"])
    expect_error("slide 0", "1\n2\n", ["--window", "1", "--slide", "0"])
    expect_error("negative window", "1\n2\n", ["--window", "-1", "--slide", "1"])
    expect_error("summary without window", "1\n2\n", ["--summary"])
    expect_error("threshold nan", "1\n2\n", ["--threshold", "nan"])
    expect_error("lower-distance input", "1\n2\n", ["--input", "lower-distance"])


# ------------------------------------------------------------------- main

def report(elapsed):
    shown = collections.Counter()
    for f in S.failures:
        shown[f["kind"]] += 1
        if shown[f["kind"]] > MAX_SHOWN:
            continue
        c = f["case"]
        cmd = " ".join([TDAPIPE] + BASE_ARGS + f["args"] + [f["path"]])
        print("FAIL %s: %s, args %s%s\n  %s\n  reproduce: %s"
              % (f["kind"], c, " ".join(f["args"]) or "(whole series)",
                 "" if f["window"] is None else ", window %d" % f["window"],
                 f["detail"], cmd))
    if S.by_kind:
        print("failures by kind: " + ", ".join("%s %d" % kv for kv in sorted(S.by_kind.items())))
    if S.total_fail_runs:
        print("summary TOTAL differs from the exact fsum in %d windows of %d runs%s; in %d of them"
              " TOTAL is the naive left-to-right sum of the sorted lengths.  By family"
              " (failing / summary windows checked):"
              % (sum(S.total_fail_runs.values()), len(S.total_fail_runs),
                 "" if TOTAL_TOL is None else " (relative tolerance %g)" % TOTAL_TOL,
                 S.total_fail_naive))
        fams = [f for f, _, _ in FAMILIES]
        fams += [f for f in S.summary_windows if f not in fams]
        for fam in fams:
            if S.summary_windows[fam]:
                print("  %-20s %6d / %d" % (fam, S.total_fail_family[fam], S.summary_windows[fam]))
        if VERBOSE:
            for (fam, seed, n, args), cnt in sorted(S.total_fail_runs.items()):
                print("  %-20s seed=%d n=%d %s: %d window%s"
                      % (fam, seed, n, args, cnt, "" if cnt == 1 else "s"))
        else:
            print("  (SUBLEVEL_ORACLE_VERBOSE=1 lists every failing run)")
    print("sublevel oracle: %d windows, %d checks passed, %d failed (%d runs, %.1f s%s)"
          % (S.windows, S.checks, len(S.failures), S.runs, elapsed,
             "" if TOTAL_TOL is None else ", TOTAL relative tolerance %g" % TOTAL_TOL))


def main():
    if not os.access(TDAPIPE, os.X_OK):
        print("check_sublevel: %s not built" % TDAPIPE, file=sys.stderr)
        return 2
    t0 = time.monotonic()
    i = 0
    for family, count, (lo, hi) in FAMILIES:
        for j in range(count):
            i += 1
            if ONLY not in family or j >= max(1, round(count * FRACTION)):
                continue
            seed = BASE_SEED * 1000 + i
            rng = np.random.default_rng(seed)
            n = int(rng.integers(lo, hi + 1))
            check_case(Case(family, seed, gen(family, rng, n)), rng)
    if LONG:
        check_long("random walk", BASE_SEED * 1000 + 900001, 3000, 1000, 1)
        check_long("rounded walk", BASE_SEED * 1000 + 900002, 3000, 1000, 1)
        check_long("random walk", BASE_SEED * 1000 + 900003, 20000, 100, 7)
        check_long("rounded walk", BASE_SEED * 1000 + 900004, 20000, 100, 7)
        check_long("funnel+walk", BASE_SEED * 1000 + 900005, 20000, 100, 7)
    if not ONLY:
        check_misc()
    report(time.monotonic() - t0)
    return 1 if S.failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
