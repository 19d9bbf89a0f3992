"""An independent exact bottleneck distance, for the oracles: the smallest
candidate cost (an L-infinity distance between two points, or a point's
half lifetime to the diagonal) at which the bipartite graph of the two
diagrams, each augmented with the other's diagonal projections, has a
perfect matching (scipy's maximum_bipartite_matching), found by binary
search over the sorted candidates.  Essential classes (death None or
inf) are matched by sorted births, infinite when their numbers differ,
as GUDHI does.

Why: python3-gudhi 3.7.1's exact mode (e=0) is wrong on some inputs: its
Graph_matching::multi_augment gives up on an augmenting path that exists
(GUDHI/gudhi-devel PR #1367, merged 2026-08, "Fix bottleneck distance
asymmetry"), so it reports a larger distance.  An oracle that finds our
value below GUDHI's checks it against this one."""

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching


def _split(dg):
    fin, ess = [], []
    for b, d in dg:
        d = math.inf if d is None else d
        if d == b:
            continue
        (ess if math.isinf(d) else fin).append((b, d))
    return fin, sorted(b for b, _ in ess)


def bottleneck(a, b):
    fa, ea = _split(a)
    fb, eb = _split(b)
    if len(ea) != len(eb):
        return math.inf
    ess = max((abs(x - y) for x, y in zip(ea, eb)), default=0.0)
    n, m = len(fa), len(fb)
    size = n + m
    if size == 0:
        return ess
    # rows: A's points, then B's diagonal copies; columns: B's points, then A's.
    cost = np.full((size, size), math.inf)
    for i, (b1, d1) in enumerate(fa):
        for j, (b2, d2) in enumerate(fb):
            cost[i, j] = max(abs(b1 - b2), abs(d1 - d2))
        cost[i, m + i] = (d1 - b1) / 2
    for j, (b2, d2) in enumerate(fb):
        cost[n + j, j] = (d2 - b2) / 2
        cost[n + j, m:] = 0.0
    cands = np.unique(cost[np.isfinite(cost)])
    lo, hi = 0, len(cands) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        g = csr_matrix((cost <= cands[mid]).astype(np.int8))
        if (maximum_bipartite_matching(g, perm_type="column") >= 0).all():
            hi = mid
        else:
            lo = mid + 1
    return max(float(cands[lo]), ess)
