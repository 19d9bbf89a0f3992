#!/usr/bin/python3
"""events_check.py - check a scale's events against the rules of
tdapipe-events(5), from the published results alone (and the input series,
for sublevel ids).

    events_check.py --results R.jsonl --events E.jsonl --scale NAME
                    [--min-persistence P --stability S --dims 0,1]
                    [--signal SIG --dim D --history H --threshold Z]
                    [--series S.csv]   # sublevel, one stream, count windows

Checks, for every stream of the scale, window after window:
- every result carries "score" (scales with anomaly) and "feature_ids"
  (scales with track) aligned with its diagrams: an id exactly on the
  intervals of the tracked dimensions whose lifetime is at least
  min_persistence, ids distinct;
- the feature events are exactly what the ids imply: deaths (ids gone,
  with their previous interval), births (new ids), updates (ids in both
  whose lifetimes' ratio is below stability), in that order, each by
  (dimension, id), numbered per type in the event id;
- replaying the events alone gives, at every window, live features whose
  count and intervals are the tracked intervals (ids stable while matched);
- rips: new ids are 0, 1, 2, ... in order; the matching the ids imply is
  bottleneck-optimal (max edge == gudhi.bottleneck_distance of the tracked
  finite parts) and the least costly such matching (scipy's assignment on
  the same graph with longer edges forbidden); essential classes pair in
  order of birth;
- sublevel: an id is the sequence number of a point of the window whose
  value is the interval's birth (--series);
- scores: recomputed from the published signal (distance or summary of the
  results) with the rule of tdapipe-events(5): history of the last H
  values, median, MAD, the MAD-0 rule; anomaly events exactly where the
  history is full and the score reaches the threshold, with their fields.
Exit 1 with the first differences.
"""
import argparse
import collections
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from check_distances import perfect_at  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--results", required=True)
ap.add_argument("--events", required=True)
ap.add_argument("--scale", required=True)
ap.add_argument("--min-persistence", type=float)
ap.add_argument("--stability", type=float, default=0.5)
ap.add_argument("--dims")
ap.add_argument("--signal")
ap.add_argument("--dim", type=int, default=0)
ap.add_argument("--history", type=int, default=50)
ap.add_argument("--threshold", type=float, default=6)
ap.add_argument("--series")
args = ap.parse_args()
track = args.min_persistence is not None
score_on = args.signal is not None

errors = []


def fail(msg):
    errors.append(msg)
    if len(errors) >= 20:
        report()


def report():
    for e in errors:
        print(e)
    print(f"{len(errors)} problem(s)")
    sys.exit(1)


def inf(x):
    return math.inf if x is None else x


results = collections.defaultdict(list)
for line in open(args.results):
    r = json.loads(line)
    if r["scale"] == args.scale:
        results[r["stream"]].append(r)
events = collections.defaultdict(list)
nevents = 0
for line in open(args.events):
    e = json.loads(line)
    if e["scale"] == args.scale:
        events[(e["stream"], e["window"])].append(e)
        nevents += 1
series = None
if args.series:   # "value" or "stream,value" lines
    series = collections.defaultdict(list)
    for line in open(args.series):
        f = line.strip().split(",")
        if f != [""]:
            series[f[0] if len(f) > 1 else "default"].append(float(f[-1]))

rips = None
checked = {"windows": 0, "births": 0, "deaths": 0, "updates": 0, "anomalies": 0, "matchings": 0}


def lifetime(b, d):
    return d - b


def unstable(a, b):
    la, lb = lifetime(*a), lifetime(*b)
    lo, hi = min(la, lb), max(la, lb)
    ratio = (1.0 if math.isinf(lo) else 0.0) if math.isinf(hi) else lo / hi
    return ratio < args.stability


def linf(p, q):
    return max(abs(p[0] - q[0]), abs(p[1] - q[1]))


def diag(p):
    """GUDHI's distance to the diagonal: to the projection ((b+d)/2, (b+d)/2)."""
    m = (p[0] + p[1]) / 2
    return max(abs(p[0] - m), abs(p[1] - m))


def check_matching(where, prev, cur, pairs):
    """PREV, CUR: id -> (b, d), finite; PAIRS: ids in both."""
    import gudhi
    from scipy.optimize import linear_sum_assignment
    a = sorted(prev.items())
    b = sorted(cur.items())
    A = [iv for _, iv in a]
    B = [iv for _, iv in b]
    dstar = gudhi.bottleneck_distance(A, B, e=0) if (A or B) else 0.0
    edges = [linf(prev[i], cur[i]) for i in pairs]
    edges += [diag(iv) for i, iv in a if i not in pairs]
    edges += [diag(iv) for i, iv in b if i not in pairs]
    top = max(edges) if edges else 0.0
    if top < dstar and not perfect_at(A, B, math.nextafter(top, -math.inf)):
        # python3-gudhi 3.7's exact bottleneck overestimates some distances
        # (GUDHI PR #1367): ours is a matching, and none is shorter.
        dstar = top
    if top != dstar:
        fail(f"{where}: the matching's longest edge is {top!r}, the bottleneck distance {dstar!r}")
        return
    n, m = len(A), len(B)
    if n + m == 0:
        return
    big = 1e18
    c = np.full((n + m, m + n), big)
    for i in range(n):
        for j in range(m):
            e = linf(A[i], B[j])
            if e <= dstar:
                c[i, j] = e
        if diag(A[i]) <= dstar:
            c[i, m + i] = diag(A[i])
    for j in range(m):
        if diag(B[j]) <= dstar:
            c[n + j, j] = diag(B[j])
    c[n:, m:] = 0
    ri, ci = linear_sum_assignment(c)
    best = c[ri, ci].sum()
    total = sum(edges)
    if abs(total - best) > 1e-9 * max(1.0, abs(best)):
        fail(f"{where}: the matching costs {total!r}, the least bottleneck-optimal one {best!r}")
    checked["matchings"] += 1


def check_stream(stream, rs):
    global rips
    rs.sort(key=lambda r: r["window"])
    prev = {}            # id -> (dim, b, d) after the previous window
    live = {}            # the same, replayed from events alone
    next_id = 0
    hist = collections.deque(maxlen=args.history)
    tracked_dims = None if args.dims is None else {int(x) for x in args.dims.split(",")}
    for r in rs:
        w = r["window"]
        where = f"{stream}/{args.scale}/{w}"
        checked["windows"] += 1
        evs = events.pop((stream, w), [])
        want = []
        if track:
            fids = r.get("feature_ids")
            if fids is None:
                fail(f"{where}: no feature_ids")
                return
            cur = {}
            skipped = set()
            for dk, ivs in r["diagrams"].items():
                d = int(dk)
                if tracked_dims is not None and d not in tracked_dims:
                    continue
                if dk in r.get("incomplete", {}):
                    skipped.add(d)
                    continue
                ids = fids.get(dk)
                if ids is None or len(ids) != len(ivs):
                    fail(f"{where}: feature_ids[{dk}] is not aligned with diagrams[{dk}]")
                    return
                for iv, i in zip(ivs, ids):
                    b, dd = iv[0], inf(iv[1])
                    should = dd > b and dd - b >= args.min_persistence
                    if should != (i is not None):
                        fail(f"{where}: interval {iv} of H{d} has id {i}")
                    if i is not None:
                        if i in cur:
                            fail(f"{where}: id {i} twice")
                        cur[i] = (d, b, dd)
            for i, v in prev.items():
                if v[0] in skipped:
                    cur[i] = v
            deaths = sorted((v[0], i) for i, v in prev.items() if i not in cur)
            births = sorted((v[0], i) for i, v in cur.items() if i not in prev)
            updates = sorted((v[0], i) for i, v in cur.items()
                             if i in prev and unstable(prev[i][1:], v[1:]))
            for kind, lst, src in (("feature_death", deaths, prev), ("feature_birth", births, cur),
                                   ("feature_update", updates, cur)):
                for n, (d, i) in enumerate(lst):
                    want.append((kind, n, d, i, src[i][1], src[i][2]))
            if rips is None:
                rips = series is None and any(k != "0" for k in r["diagrams"])
            if series is None:   # rips: ids counted, matching optimal per dimension
                for i in sorted(i for _, i in births):
                    if i != next_id:
                        fail(f"{where}: new id {i}, expected {next_id}")
                    next_id = i + 1
                for d in sorted({v[0] for v in list(prev.values()) + list(cur.values())} - skipped):
                    pf = {i: v[1:] for i, v in prev.items() if v[0] == d and not math.isinf(v[2])}
                    cf = {i: v[1:] for i, v in cur.items() if v[0] == d and not math.isinf(v[2])}
                    pairs = set(pf) & set(cf)
                    if set(i for i, v in prev.items() if v[0] == d and math.isinf(v[2])) & set(cf) or \
                       set(i for i, v in cur.items() if v[0] == d and math.isinf(v[2])) & set(pf):
                        fail(f"{where}: an essential class matched to a finite one in H{d}")
                    check_matching(f"{where} H{d}", pf, cf, pairs)
                    pe = sorted((v[1], i) for i, v in prev.items() if v[0] == d and math.isinf(v[2]))
                    ce = [i for i, v in sorted(cur.items(), key=lambda kv: (kv[1][1], kv[0]))
                          if v[0] == d and math.isinf(v[2])]
                    for k, (_, i) in enumerate(pe):
                        if (k < len(ce)) != (i in cur) or (k < len(ce) and i in cur and
                                                           cur[i][1] != cur[ce[k]][1]):
                            fail(f"{where}: essential classes of H{d} not paired in order of birth")
            else:                # sublevel: an id is the minimum's sequence number
                xs = series[stream]
                lo, hi = r.get("first_seq", 0), r.get("last_seq", len(xs) - 1)
                for i, (d, b, dd) in cur.items():
                    if not (lo <= i <= hi) or i >= len(xs) or xs[i] != b:
                        fail(f"{where}: id {i} is not a point of the window with value {b}")
            # Replay the events alone.
            for e in evs:
                t, i = e["type"], e.get("feature")
                if t == "feature_death":
                    if i not in live:
                        fail(f"{where}: death of {i}, not alive")
                    live.pop(i, None)
                elif t == "feature_birth":
                    if i in live:
                        fail(f"{where}: birth of {i}, alive")
                    live[i] = (e["dim"], e["birth"], inf(e["death"]))
                elif t == "feature_update":
                    if i not in live:
                        fail(f"{where}: update of {i}, not alive")
                    live[i] = (e["dim"], e["birth"], inf(e["death"]))
            if set(live) != set(cur):
                fail(f"{where}: live features {sorted(live)} after the events, tracked {sorted(cur)}")
            # Survivors not updated may drift; the rest must be exact.
            for i in live:
                if i in cur and (i not in prev or i in {x for _, x in updates}) and live[i] != cur[i]:
                    fail(f"{where}: feature {i} is {live[i]} after the events, {cur[i]} in the results")
            live = {i: cur[i] for i in cur}
            prev = cur
        if score_on:
            if "score" not in r:
                fail(f"{where}: no score")
                return
            x = None
            if args.signal in ("bottleneck", "wasserstein1", "wasserstein2"):
                x = r.get("distance", {}).get(str(args.dim), {}).get(args.signal)
            else:
                x = r.get("features", {}).get(str(args.dim), {}).get(args.signal)
            if x is not None and not math.isfinite(x):
                x = None
            med = mad = score = None
            if hist:
                h = np.array(hist, dtype=float)
                med = float(np.median(h))
                mad = float(np.median(np.abs(h - med)))
                if x is not None:
                    if mad > 0:
                        score = (x - med) / (1.4826 * mad)
                    else:
                        mean = sum(abs(v - med) for v in hist) / len(hist)
                        score = (x - med) / (1.253314 * mean) if mean > 0 else \
                            0.0 if x == med else math.copysign(math.inf, x - med)
            got = r["score"]
            if (score is None or not math.isfinite(score)) != (got is None) or \
               (got is not None and abs(got - score) > 1e-9 * max(1.0, abs(score))):
                fail(f"{where}: score {got}, expected {score} (x {x}, median {med}, MAD {mad})")
            if x is not None and len(hist) == args.history and score >= args.threshold:
                want.append(("anomaly", 0, args.dim, None, x, (med, mad, score)))
            if x is not None:
                hist.append(x)
        # The events of the window, in order, numbered per type.
        got = []
        for e in evs:
            if e["type"] == "anomaly" and not score_on:
                continue   # not asked to check scores
            pre = f"{stream}/{args.scale}/{w}/{e['type']}/"
            if not e["id"].startswith(pre):
                fail(f"{where}: event id {e['id']}")
            n = int(e["id"][len(pre):])
            if e["type"] == "anomaly":
                got.append(("anomaly", n, e["dim"], None, e["value"], (e["median"], e["mad"], e["score"])))
                checked["anomalies"] += 1
            else:
                got.append((e["type"], n, e["dim"], e["feature"], e["birth"], inf(e["death"])))
                checked[{"feature_birth": "births", "feature_death": "deaths",
                         "feature_update": "updates"}[e["type"]]] += 1
            if e.get("time") != r["end"]:
                fail(f"{where}: event time {e.get('time')}, the window's end {r['end']}")

        def same(a, b):
            if a[:4] != b[:4]:
                return False
            if a[0] != "anomaly":
                return a[4:] == b[4:]
            va = [a[4], *a[5]]
            vb = [b[4], *b[5]]
            return all((p is None or not math.isfinite(p)) and q is None or
                       (q is not None and p is not None and abs(p - q) <= 1e-9 * max(1.0, abs(p)))
                       for p, q in zip(va, vb))
        if len(got) != len(want) or not all(same(a, b) for a, b in zip(want, got)):
            fail(f"{where}: events\n  got  {got}\n  want {want}")


for stream, rs in results.items():
    check_stream(stream, rs)
for k in list(events)[:3]:
    fail(f"events of {k}, which has no result")
if not checked["windows"]:
    fail("no results of the scale")
if errors:
    report()
print(f"{args.scale}: {checked['windows']} windows, {checked['births']} births, {checked['deaths']} deaths, "
      f"{checked['updates']} updates, {checked['anomalies']} anomalies, {checked['matchings']} matchings "
      f"checked against GUDHI/scipy: ok")
