#!/usr/bin/python3
"""bench/events_model.py - the Python model of the pipeline's anomaly
detector (tdapipe.yaml(5), anomaly; issue 20), its check against GUDHI,
and the grid that chose the scale of bench/events.sh.

The model is the score rule of bench/events_eval.py (detect) applied to
the signal of each window.  The signal is read from the pipeline's own
results (features summary and distance, issue 19), which the pipeline
computes today; `check` recomputes it from the raw values with GUDHI on
a sample of windows, so that the model does not rest on those features
alone:

    events_model.py check LABELS CSV RESULTS --signal S --dim D (--embed d,L | --sublevel)
                          [--windows 60]

prints the largest difference between the pipeline's value and GUDHI's:
Rips on the delay embedding (gudhi.RipsComplex, full filtration), or with
--sublevel the sublevel filtration of the window as a path (a
gudhi.SimplexTree: point i at its value, edge i, i+1 at the larger),
gudhi.bottleneck_distance(a, b, e=0) and
gudhi.wasserstein.wasserstein_distance(a, b, order=p, internal_p=inf)
to the stream's previous window, zero-length intervals dropped; total
(sum of finite lifetimes), entropy (-sum p ln p, p = lifetime / total)
and count (finite intervals).

    events_model.py tune LABELS RESULTS --history H,.. --threshold T,..

prints detection per kind and false alarms for every signal (bottleneck,
wasserstein1, wasserstein2, total, entropy, count) and dimension (0, 1)
found in RESULTS (which must carry features summary and every distance),
for each history and threshold: the table the scale was chosen from.
The grids of bench/events.sh were made so: events_series.py --seed 1
--per-kind 40 with the scale's window and slide and --history 50, then
`tdapipe run` on that CSV with the scale plus
`features: {summary: true, distance: [bottleneck, wasserstein1,
wasserstein2]}` (any complex: rips with embed, or sublevel), then tune on
its results.
"""
import argparse
import collections
import json
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import events_eval as E  # noqa: E402

SIGNALS = ["bottleneck", "wasserstein1", "wasserstein2", "total", "entropy", "count"]


def embed(x, d, lag):
    n = len(x) - (d - 1) * lag
    return np.stack([x[i * lag:i * lag + n] for i in range(d)], axis=1)


def diagram(x, d, lag, dim):
    """The Rips diagram of dimension dim of the delay embedding of x,
    zero-length intervals dropped."""
    import gudhi
    st = gudhi.RipsComplex(points=embed(np.asarray(x), d, lag)).create_simplex_tree(max_dimension=1)
    st.collapse_edges()
    st.expansion(dim + 1)
    st.compute_persistence()
    a = np.asarray(st.persistence_intervals_in_dimension(dim)).reshape(-1, 2)
    return a[a[:, 1] > a[:, 0]]


def sublevel_diagram(x):
    """The H0 diagram of the sublevel filtration of the series x (the
    pipeline's complex: sublevel), zero-length intervals dropped."""
    import gudhi
    st = gudhi.SimplexTree()
    for i, v in enumerate(x):
        st.insert([i], filtration=float(v))
    for i in range(len(x) - 1):
        st.insert([i, i + 1], filtration=float(max(x[i], x[i + 1])))
    st.compute_persistence()
    a = np.asarray(st.persistence_intervals_in_dimension(0)).reshape(-1, 2)
    return a[a[:, 1] > a[:, 0]]


def value(signal, a, prev):
    import gudhi
    import gudhi.wasserstein
    fin = a[np.isfinite(a[:, 1])]
    life = fin[:, 1] - fin[:, 0]
    if signal == "total":
        return float(life.sum())
    if signal == "count":
        return float(len(fin))
    if signal == "entropy":
        if not len(life):
            return 0.0
        p = life / life.sum()
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())
    if prev is None:
        return None
    if signal == "bottleneck":
        return float(gudhi.bottleneck_distance(a, prev, e=0))
    order = int(signal[-1])
    return float(gudhi.wasserstein.wasserstein_distance(a, prev, order=order, internal_p=np.inf))


def check(a):
    labels = json.load(open(a.labels))
    W, D = labels["window"], labels["slide"]
    if a.sublevel:
        def dgm(x):
            return sublevel_diagram(x)
    else:
        d, lag = (int(v) for v in a.embed.split(","))

        def dgm(x):
            return diagram(x, d, lag, a.dim)
    rng = np.random.default_rng(7)
    names = sorted(labels["streams"])
    pick = collections.defaultdict(set)
    for _ in range(a.windows):
        s = names[rng.integers(len(names))]
        nw = (labels["streams"][s]["n"] - W) // D + 1
        pick[s].add(int(rng.integers(1, nw)))
    vals = collections.defaultdict(list)
    with open(a.csv) as f:
        for line in f:
            s, v = line.split(",")
            if s in pick:
                vals[s].append(float(v))
    want = {}
    with open(a.results) as f:
        for line in f:
            r = json.loads(line)
            if r["window"] in pick.get(r["stream"], ()):
                want[(r["stream"], r["window"])] = E.signal_of(r, a.signal, a.dim)
    worst, n = 0.0, 0
    for s, ks in pick.items():
        x = np.asarray(vals[s])
        for k in ks:
            cur = dgm(x[k * D:k * D + W])
            prev = dgm(x[(k - 1) * D:(k - 1) * D + W])
            g = value(a.signal, cur, prev)
            p = want.get((s, k))
            if g is None or p is None:
                continue
            worst = max(worst, abs(g - p) / max(1.0, abs(g)))
            n += 1
    print("   model check: %s of H%d on %d sampled windows, pipeline vs GUDHI from the raw values:"
          " largest difference %.2g (relative above 1)" % (a.signal, a.dim, n, worst))
    return 0 if worst < 1e-6 else 1


def tune(a):
    labels = json.load(open(a.labels))
    sigs = [(s, d) for s in SIGNALS for d in (0, 1)]
    res = E.read_results(a.results, sigs)
    sigs = [sd for sd in sigs if any(v[sd] is not None for ws in res.values() for v in ws.values())]
    print("%-3s %-12s %3s %5s %6s | %s | %s" % (
        "H", "signal", "dim", "T", "shape", " ".join("%6s" % k[:6] for k in E.KINDS),
        "false alarms /10k: noise, before change"))
    for H in (int(h) for h in a.history.split(",")):
        for s, d in sigs:
            for T in (float(t) for t in a.threshold.split(",")):
                per, fa = E.evaluate(E.model_alarms(res, s, d, H, T), labels)
                sh = sum(per[k][1] for k in E.SHAPE) / max(1, sum(per[k][0] for k in E.SHAPE))
                print("%-3d %-12s %3d %5.1f %5.1f%% | %s | %5.2f %5.2f" % (
                    H, s, d, T, 100 * sh,
                    " ".join("%6s" % ("%d/%d" % (per[k][1], per[k][0])) for k in E.KINDS),
                    1e4 * fa["noise"][0] / max(1, fa["noise"][1]),
                    1e4 * fa["stable"][0] / max(1, fa["stable"][1])))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("labels")
    c.add_argument("csv")
    c.add_argument("results")
    c.add_argument("--signal", required=True)
    c.add_argument("--dim", type=int, required=True)
    how = c.add_mutually_exclusive_group(required=True)
    how.add_argument("--embed", help="d,L: a Rips scale on this delay embedding")
    how.add_argument("--sublevel", action="store_true", help="a sublevel scale (H0)")
    c.add_argument("--windows", type=int, default=60)
    t = sub.add_parser("tune")
    t.add_argument("labels")
    t.add_argument("results")
    t.add_argument("--history", default="50")
    t.add_argument("--threshold", default="5,6,8")
    a = ap.parse_args()
    sys.exit(check(a) if a.cmd == "check" else tune(a))


if __name__ == "__main__":
    main()
