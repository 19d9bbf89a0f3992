"""tdpres - reading and checking tdapipe results in the integration tests.

Imported by the tests/integration/*.sh scripts (run under /usr/bin/python3):

    import sys; sys.path.insert(0, HERE); from tdpres import *

Everything here raises Failure with a readable message; the scripts let it
propagate (traceback + exit 1) so that the shell script fails.
"""

import json
import math
import sys
from collections import defaultdict

KEYS = ["v", "id", "stream", "scale", "window", "first_seq", "last_seq",
        "start", "end", "n", "lost", "refused", "landmarks", "truncated", "diagrams", "features", "distance",
        "feature_ids", "score"]
# present only when nonzero; features and distance only when configured
# (distance: not in a stream's first window); feature_ids and score only
# for scales with track and anomaly (tdapipe-events(5))
OPTIONAL = ("lost", "refused", "landmarks", "truncated", "features", "distance", "feature_ids", "score")
# Results of time scales (window and slide durations): no sequence numbers.
TIME_KEYS = ["v", "id", "stream", "scale", "window", "from", "to",
             "start", "end", "n", "dropped", "landmarks", "truncated", "diagrams", "features", "distance",
             "feature_ids", "score"]
TIME_OPTIONAL = ("dropped", "landmarks", "truncated", "features", "distance", "feature_ids", "score")
UNIT_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def duration_ns(text):
    """A config duration ("250ms", "1s") in ns, or None for a count."""
    import re
    m = re.fullmatch(r"(\d+)(ns|us|ms|s|m|h)", text)
    return int(m.group(1)) * UNIT_NS[m.group(2)] if m else None


def is_time_scale(spec):
    return isinstance(spec[0], tuple)


def check_time_result(r, spec, where, time_unit):
    """One result of a time scale: window k (signed), from = k*slide and
    to = from + window in TIME_UNIT, exactly; n >= 1."""
    from fractions import Fraction
    (W, S), u = spec[0], UNIT_NS[time_unit]
    k = r["window"]
    expect(isinstance(k, int) and not isinstance(k, bool), "%s: window=%r" % (where, k))
    expect(Fraction(str(r["from"])) == Fraction(k * S, u), "%s: from %r, window %d" % (where, r["from"], k))
    expect(Fraction(str(r["to"])) == Fraction(k * S + W, u), "%s: to %r, window %d" % (where, r["to"], k))
    expect(isinstance(r["n"], int) and r["n"] >= 1, "%s: n=%r" % (where, r["n"]))
    if "dropped" in r:
        expect(isinstance(r["dropped"], int) and r["dropped"] > 0, "%s: dropped=%r" % (where, r["dropped"]))
    expect(Fraction(str(r["from"])) <= Fraction(str(r["start"])) <= Fraction(str(r["end"])) < Fraction(str(r["to"])),
           "%s: start %r, end %r outside [%r, %r)" % (where, r["start"], r["end"], r["from"], r["to"]))


class Failure(Exception):
    pass


def fail(msg):
    raise Failure(msg)


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def n_windows(npoints, window, slide):
    """Windows k with k*slide + window <= npoints (results(5))."""
    return 0 if npoints < window else (npoints - window) // slide + 1


_cache = {}


def read_jsonl(path):
    """[(raw line, dict in key order)], every line valid JSON ending in a
    newline.  Cached: call forget(path) if the file changes."""
    import os
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    if key in _cache:
        return _cache[key]
    out = []
    with open(path, "rb") as f:
        data = f.read()
    expect(data == b"" or data.endswith(b"\n"), "%s: last line not terminated" % path)
    for i, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            fail("%s:%d: not valid JSON (%s): %r" % (path, i, e, raw[:200]))
        expect(isinstance(obj, dict), "%s:%d: not an object" % (path, i))
        out.append((raw.decode("utf-8"), obj))
    _cache[key] = out
    return out


def check_interval_order(iv, where):
    """Sorted by birth, then death, essential (None) last among equal births;
    birth < death; no zero-length interval."""
    keys = []
    for p in iv:
        if (type(p) is not list or len(p) != 2 or type(p[0]) not in (int, float)
                or not (p[1] is None or (type(p[1]) in (int, float) and p[1] > p[0]))):
            fail("%s: interval %r: expected [birth, null or death > birth]" % (where, p))
        keys.append((p[0], math.inf if p[1] is None else p[1]))
    if keys != sorted(keys):
        bad = next(i for i in range(len(keys) - 1) if keys[i] > keys[i + 1])
        fail("%s: intervals not sorted: %r then %r" % (where, iv[bad], iv[bad + 1]))


def check_results(path, scales, dims=(0,), ignore=(), time_unit="s"):
    """Check every result line of PATH against the schema of
    tdapipe-results(5).  SCALES maps a scale name to (window, slide) or
    (window, slide, dims); a time scale's window and slide are a pair
    ((window_ns, slide_ns), None[, dims]), its times in TIME_UNIT.  Lines
    of the scales in IGNORE are skipped.  Returns {(stream, scale): [obj,
    ...]} in file order."""
    rows = read_jsonl(path)
    seen = set()
    groups = defaultdict(list)
    for i, (raw, r) in enumerate(rows, 1):
        where = "%s:%d" % (path, i)
        if r.get("scale") in ignore:
            continue
        expect(r.get("scale") in scales, "%s: unknown scale %r" % (where, r.get("scale")))
        timed = is_time_scale(scales[r["scale"]])
        keys = list(r.keys())
        want = ([k for k in TIME_KEYS if k not in TIME_OPTIONAL or k in r] if timed else
                [k for k in KEYS if k not in OPTIONAL or k in r])
        expect(keys == want, "%s: keys %s, expected %s" % (where, keys, want))
        expect(r["v"] == 1, "%s: v=%r" % (where, r["v"]))
        W, S = scales[r["scale"]][:2]
        sdims = scales[r["scale"]][2] if len(scales[r["scale"]]) > 2 else dims
        k = r["window"]
        if timed:
            check_time_result(r, scales[r["scale"]], where, time_unit)
            expect(r["id"] == "%s/%s/%d" % (r["stream"], r["scale"], k), "%s: id %r" % (where, r["id"]))
            expect(r["id"] not in seen, "%s: duplicate id %r" % (where, r["id"]))
            seen.add(r["id"])
        for key in ("window", "first_seq", "last_seq", "n") if not timed else ():
            expect(isinstance(r[key], int) and r[key] >= 0, "%s: %s=%r" % (where, key, r[key]))
        if not timed:
            expect(r["id"] == "%s/%s/%d" % (r["stream"], r["scale"], k), "%s: id %r" % (where, r["id"]))
            expect(r["id"] not in seen, "%s: duplicate id %r" % (where, r["id"]))
            seen.add(r["id"])
            expect(r["first_seq"] == k * S, "%s: first_seq %r != %d" % (where, r["first_seq"], k * S))
            expect(r["last_seq"] == k * S + W - 1,
                   "%s: last_seq %r != %d" % (where, r["last_seq"], k * S + W - 1))
            lost = r.get("lost", 0)
            if "lost" in r:
                expect(isinstance(lost, int) and lost > 0, "%s: lost=%r" % (where, lost))
            refused = r.get("refused", 0)
            if "refused" in r:
                expect(isinstance(refused, int) and refused > 0, "%s: refused=%r" % (where, refused))
            expect(r["n"] >= 1 and r["n"] + lost + refused == W,
                   "%s: n=%r lost=%r refused=%r window=%d" % (where, r["n"], lost, refused, W))
        for key in ("start", "end"):
            expect(isinstance(r[key], (int, float)) and not isinstance(r[key], bool),
                   "%s: %s=%r" % (where, key, r[key]))
        d = r["diagrams"]
        expect(isinstance(d, dict) and list(d.keys()) == [str(x) for x in sdims],
               "%s: diagrams keys %r" % (where, list(d.keys()) if isinstance(d, dict) else d))
        for dim in sdims:
            iv = d[str(dim)]
            check_interval_order(iv, "%s dim %d" % (where, dim))
            if dim == 0:
                ess = [p for p in iv if p[1] is None]
                expect(len(ess) == 1, "%s: %d essential H0 classes, expected 1" % (where, len(ess)))
        if "score" in r:
            expect(r["score"] is None or (isinstance(r["score"], (int, float)) and not isinstance(r["score"], bool)),
                   "%s: score=%r" % (where, r["score"]))
        for dk, ids in r.get("feature_ids", {}).items():
            expect(dk in d and isinstance(ids, list) and len(ids) == len(d[dk]),
                   "%s: feature_ids[%s] not aligned with diagrams" % (where, dk))
            got = [i for i in ids if i is not None]
            expect(all(isinstance(i, int) and i >= 0 for i in got) and len(set(got)) == len(got),
                   "%s: feature_ids[%s]=%r" % (where, dk, ids))
        g = groups[(r["stream"], r["scale"])]
        expect(not g or g[-1]["window"] < k,
               "%s: window %d after window %d of %s/%s" % (where, k, g[-1]["window"] if g else -1,
                                                           r["stream"], r["scale"]))
        g.append(r)
    return groups


def same_lines(a, b, what):
    """Byte-identical lists of lines, with the first difference shown."""
    if a == b:
        return
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            fail("%s: line %d differs:\n  got      %s\n  expected %s" % (what, i + 1, x[:300], y[:300]))
    fail("%s: %d lines, expected %d (first extra: %s)" % (
        what, len(a), len(b), (a[len(b)] if len(a) > len(b) else b[len(a)])[:300]))


def check_run(got, scales, points=None, clean=None, per_stream=False, cut=None, ignore=(), time_unit="s"):
    """The check of a disturbed run (tests/lib.sh check_results): GOT
    follows the schema; with POINTS ({stream: points}), each stream has
    exactly its complete windows of every scale (CUT {scale: points}: that
    scale saw only the first points of the input); with CLEAN, the results
    of a clean run of the same input, each scale's lines (each stream's and
    scale's, PER_STREAM) are byte-identical to CLEAN's, in the same order
    (those of its windows of the CUT points).  Returns a summary line."""
    cut = cut or {}
    g = check_results(got, scales, ignore=ignore, time_unit=time_unit)
    runs = [(got, g, cut)]
    if clean is not None:
        runs.append((clean, check_results(clean, scales, ignore=ignore, time_unit=time_unit), {}))
    for path, groups, cuts in runs if points else []:
        for stream, n in points.items():
            for sc, spec in scales.items():
                if is_time_scale(spec):
                    continue   # how many windows depends on the times, not the count
                W, S = spec[:2]
                want = n_windows(cuts.get(sc, n), W, S)
                wins = [r["window"] for r in groups.get((stream, sc), [])]
                if wins != list(range(want)):
                    missing = sorted(set(range(want)) - set(wins))
                    fail("%s: %s/%s: %d results, expected windows 0..%d (%d points); missing %s, extra %s"
                         % (path, stream, sc, len(wins), want - 1, cuts.get(sc, n), missing[:5],
                            sorted(set(wins) - set(range(want)))[:5]))
    if clean is not None:
        def keep(r):
            return r["scale"] in scales and (r["scale"] not in cut or
                                             r["window"] < n_windows(cut[r["scale"]], *scales[r["scale"]][:2]))
        def by(path, only_cut):
            out = defaultdict(list)
            for raw, r in read_jsonl(path):
                if r["scale"] in scales and (not only_cut or keep(r)):
                    out[(r["stream"] if per_stream else "", r["scale"])].append(raw)
            return out
        a, b = by(got, False), by(clean, True)
        expect(sorted(a) == sorted(b), "%s: groups %s, the clean run %s: %s" % (got, sorted(a), clean, sorted(b)))
        for key in sorted(b):
            same_lines(a[key], b[key], "%s vs the clean run %s, %s" % (got, clean, "/".join(x for x in key if x)))
    counts = defaultdict(int)
    for (stream, sc), rs in g.items():
        counts[sc] += len(rs)
    return "# %s: %s%s" % (got, ", ".join("%s %d results" % kv for kv in sorted(counts.items())),
                           "; identical to the clean run" if clean is not None else "")


def main_check(argv):
    """tdpres.py check GOT SCALE:W:S[:DIMS]... [--points [STREAM=]N]...
    [--same-as CLEAN [--per-stream]] [--cut SCALE=N] [--ignore SCALE]:
    check_run; DIMS like 0,1 (default 0).  Exit 0, or 1 with the reason."""
    import argparse
    ap = argparse.ArgumentParser(prog="tdpres.py check")
    ap.add_argument("got")
    ap.add_argument("scales", nargs="+", metavar="SCALE:W:S[:DIMS]")
    ap.add_argument("--points", action="append", default=[], metavar="[STREAM=]N")
    ap.add_argument("--same-as", dest="clean", metavar="CLEAN")
    ap.add_argument("--per-stream", action="store_true")
    ap.add_argument("--cut", action="append", default=[], metavar="SCALE=N")
    ap.add_argument("--ignore", action="append", default=[], metavar="SCALE")
    ap.add_argument("--time-unit", default="s", choices=("s", "ms", "us", "ns"))
    a = ap.parse_args(argv)
    scales = {}
    for spec in a.scales:
        f = spec.split(":")
        if len(f) not in (3, 4):
            ap.error("scale %r: expected NAME:WINDOW:SLIDE[:DIMS]" % spec)
        extra = (tuple(int(x) for x in f[3].split(",")),) if len(f) == 4 else ()
        wn, sn = duration_ns(f[1]), duration_ns(f[2])
        scales[f[0]] = ((wn, sn), None) + extra if wn and sn else (int(f[1]), int(f[2])) + extra
    points = {}
    for p in a.points:
        stream, _, n = p.rpartition("=")
        points[stream or "default"] = int(n)
    cut = {sc: int(n) for sc, n in (c.split("=") for c in a.cut)}
    try:
        print(check_run(a.got, scales, points or None, a.clean, a.per_stream, cut, tuple(a.ignore),
                        a.time_unit))
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


# ------------------------------------------------------------- diagrams

def clean(iv):
    return sorted((float(b), math.inf if d is None else float(d)) for b, d in iv
                  if d is None or d > b)


def close(a, b, rel=1e-9, abs_tol=1e-12):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(abs_tol, rel * max(abs(a), abs(b)))


def same_diagram(ours, ref, rel=1e-9):
    ours, ref = clean(ours), clean(ref)
    return len(ours) == len(ref) and all(close(a[0], b[0], rel) and close(a[1], b[1], rel)
                                         for a, b in zip(ours, ref))


def gudhi_sublevel(x):
    import gudhi
    import numpy as np
    cc = gudhi.CubicalComplex(top_dimensional_cells=np.asarray(x, dtype=float))
    return [(b, d) for dim, (b, d) in cc.persistence() if dim == 0]


def gudhi_rips(pts):
    import gudhi
    import numpy as np
    pts = np.asarray(pts, dtype=float)
    if pts.ndim == 1:
        pts = pts.reshape(-1, 1)
    st = gudhi.RipsComplex(points=pts).create_simplex_tree(max_dimension=1)
    return [(b, d) for dim, (b, d) in st.persistence() if dim == 0]


def delay_embed(x, d, lag):
    import numpy as np
    x = np.asarray(x, dtype=float)
    m = len(x) - (d - 1) * lag
    return np.stack([x[j * lag: j * lag + m] for j in range(d)], axis=1)


def reference_diagram(window_values, complex_, embed=None):
    if complex_ == "sublevel":
        return gudhi_sublevel(window_values)
    if embed:
        return gudhi_rips(delay_embed(window_values, embed[0], embed[1]))
    return gudhi_rips(window_values)


# ------------------------------------------------------------- stats

def proc(stats, role, scale=None):
    for p in stats["processes"]:
        if p["role"] == role and (scale is None or p["scale"] == scale):
            return p
    fail("no process %s %s in stats" % (role, scale))


def ring(stats, direction, scale):
    for r in stats["rings"]:
        if r["ring"] == direction and r["scale"] == scale:
            return r
    fail("no ring %s[%s] in stats" % (direction, scale))


def stats_of(tdapipe, instance):
    """`tdapipe stats --json` of INSTANCE, or None when it fails."""
    import subprocess
    p = subprocess.run([tdapipe, "stats", "--instance", instance, "--json"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def wait_stats(tdapipe, instance, cond, timeout):
    """Poll the stats until COND(stats) is true; the stats, or None."""
    import time
    end = time.monotonic() + timeout
    while True:
        s = stats_of(tdapipe, instance)
        if s is not None and cond(s):
            return s
        if time.monotonic() > end:
            return None
        time.sleep(0.05)


if __name__ == "__main__":
    if sys.argv[1] == "check":
        main_check(sys.argv[2:])
        sys.exit(0)
    if sys.argv[1] == "wait":
        # tdpres.py wait SECS TDAPIPE INSTANCE EXPR: exit 0 once EXPR holds
        timeout, tdapipe, instance, expr = float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        last = []
        def cond(s):
            last[:] = [s]
            return eval(expr, dict(globals(), s=s))
        if wait_stats(tdapipe, instance, cond, timeout) is None:
            print("last stats: %s" % (json.dumps(last[0]) if last else "none"), file=sys.stderr)
            sys.exit(1)
        sys.exit(0)
    # tdpres.py get PATH < stats.json: print one value (for shell use),
    # e.g.  proc:scaled:fast:pid   ring:in:fast:overflow   top:ingest_done
    stats = json.load(sys.stdin)
    parts = sys.argv[2].split(":")
    if parts[0] == "proc":
        v = proc(stats, parts[1], parts[2] if parts[2] != "-" else None)[parts[3]]
    elif parts[0] == "ring":
        v = ring(stats, parts[1], parts[2])[parts[3]]
    else:
        v = stats[parts[1]]
    print(json.dumps(v) if not isinstance(v, str) else v)
