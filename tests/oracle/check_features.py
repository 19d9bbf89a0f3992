"""Oracle test of scaled/features.c (through build/tools/features_dump)
against python3-gudhi's representations, on random and degenerate
diagrams: empty, one point, ties, essential classes, points on the
diagonal, huge and tiny values, grids that cut intervals and grid points
on births and deaths.

- count, essential: exact;
- total: exactly math.fsum of the finite lifetimes (rounded once);
- max: exact;
- entropy: gudhi.representations.Entropy(mode="scalar") on the finite
  intervals of positive length, within 1e-12 relative (1e-15 absolute);
- betti: gudhi.representations.BettiCurve(resolution, sample_range), exact;
- landscape, silhouette: Landscape(num_landscapes, resolution, sample_range)
  and Silhouette(weight=(d-b)**power, ...) on the finite intervals of
  positive length, within 1e-12 relative;
- image: PersistenceImage(bandwidth, weight=1, resolution=[rx, ry],
  im_range) on the same intervals, within 1e-12 relative (1e-300
  absolute), non-square so that a transposed pixel order fails.
Diagrams of 2000 intervals, duplicated points, wide grids, grids of
20011 points over a handful of intervals.
Exit 0, or 1 with the first differences."""

import json
import math
import os
import random
import subprocess
import sys

import numpy as np
from gudhi.representations import BettiCurve, Entropy, Landscape, PersistenceImage, Silhouette

BUILD = os.environ.get("BUILD", "build")
TOOL = os.path.join(BUILD, "tools", "features_dump")
CASES = int(os.environ.get("FEATURES_ORACLE_CASES", "600"))


def diagram(r, kind):
    if kind == "empty":
        return []
    if kind == "one":
        b = r.uniform(-2, 2)
        return [(b, b + r.uniform(0, 2))]
    if kind == "ties":
        vals = [r.choice((-1.0, 0.0, 0.25, 0.5, 1.0)) for _ in range(2 * r.randint(1, 30))]
        out = []
        for i in range(0, len(vals), 2):
            b, d = sorted(vals[i:i + 2])
            out.append((b, d))
        return out
    if kind == "dupes":
        b = round(r.uniform(-1, 1), 2)
        d = b + round(r.uniform(0, 1), 2)
        return [(b, d)] * r.randint(2, 6) + [(b, b)] * r.randint(0, 3) + [(d, d)]
    if kind == "big":
        out = []
        for _ in range(2000):
            b = r.gauss(0, 1)
            out.append((b, b + abs(r.gauss(0, 1)) * (r.random() < 0.95)))
        return out
    if kind == "extreme":
        return [(r.choice((-1e150, -1e-300, 0.0, 5e-324)), r.choice((1e-300, 1.0, 1e150))) for _ in range(r.randint(1, 20))]
    n = r.randint(1, 400)
    out = []
    for _ in range(n):
        b = round(r.gauss(0, 1), r.choice((1, 3, 17)))
        d = b + abs(round(r.gauss(0, 1), r.choice((1, 3, 17)))) * (r.random() < 0.9)
        out.append((b, d))
    return out


def main():
    r = random.Random(int(os.environ.get("FEATURES_ORACLE_SEED", "19")))
    kinds = ("empty", "one", "ties", "extreme", "random", "random", "random", "dupes", "random", "one", "random",
             "ties", "big")
    bad = 0
    worst, pixels = [0.0], [0]
    for case in range(CASES):
        kind = kinds[case % len(kinds)]
        dg = diagram(r, kind)
        ess = [(round(r.uniform(-2, 1), 2), math.inf) for _ in range(r.choice((0, 0, 1, 3)))]
        allv = dg + ess
        r.shuffle(allv)
        lo = r.choice((-1.0, -2.0, round(r.uniform(-3, 0), 3), 0.25, -50.0))
        hi = lo + r.choice((0.5, 1.0, 3.0, round(r.uniform(0.01, 5), 3), 100.0))
        res = r.choice((2, 3, 10, 100, 101) + ((5000, 20011) if len(allv) <= 50 else ()))
        layers = r.choice((1, 2, 5))
        power = r.choice((1, 1, 2, 0.5))
        # image: non-square (a transposed order fails), resolution 1 on
        # either side, ranges inside, around and across the diagram,
        # reversed ones too (numpy.linspace allows them)
        bw = r.choice((0.05, 0.3, 1.0, 2.5))
        rx, ry = r.choice(((1, 1), (1, 7), (6, 1), (3, 5), (11, 4), (4, 11), (20, 13), (300, 3), (2, 2)))
        x0 = r.choice((-2.0, -1.0, 0.0, round(r.uniform(-3, 1), 3), -50.0))
        x1 = x0 + r.choice((0.5, 2.0, 4.0, round(r.uniform(0.01, 5), 3), 100.0, -1.0))
        y0 = r.choice((0.0, 0.0, 0.5, round(r.uniform(-1, 1), 3)))
        y1 = y0 + r.choice((0.5, 1.0, 3.0, round(r.uniform(0.01, 4), 3), -0.5))
        text = "".join("%r %s\n" % (b, "inf" if math.isinf(d) else repr(d)) for b, d in allv)
        out = subprocess.run([TOOL, repr(lo), repr(hi), str(res), str(layers), repr(power),
                              repr(bw), str(rx), str(ry), repr(x0), repr(x1), repr(y0), repr(y1)], input=text, capture_output=True,
                             text=True, check=True).stdout
        try:
            got = json.loads(out)
        except ValueError:
            sys.exit("FAIL: features_dump printed %r for %r" % (out[:300], text[:300]))
        fin = [(b, d) for b, d in allv if not math.isinf(d) and d != b]
        want = {
            "count": len(fin),
            "essential": len(ess),
            "total": math.fsum(d - b for b, d in fin),
            "max": max((d - b for b, d in fin), default=0.0),
        }
        if fin:
            want["entropy"] = float(Entropy(mode="scalar").fit_transform([np.array(fin)])[0][0])
            if math.isnan(want["entropy"]):
                # a p that underflows to 0: GUDHI computes 0 * log 0; we take the limit, 0
                tot = want["total"]
                want["entropy"] = -math.fsum(p * math.log(p) for p in ((d - b) / tot for b, d in fin) if p > 0)
        else:
            want["entropy"] = 0.0
        arr = np.array(allv, dtype=float).reshape(-1, 2)
        want["betti"] = [int(x) for x in BettiCurve(resolution=res, sample_range=[lo, hi]).fit_transform([arr])[0]]
        fa = np.array(fin, dtype=float).reshape(-1, 2)
        want_land = Landscape(num_landscapes=layers, resolution=res, sample_range=[lo, hi]).fit_transform([fa])[0]
        if sum((d - b) ** power for b, d in fin) > 0:
            want_sil = Silhouette(weight=lambda p: (p[1] - p[0]) ** power, resolution=res,
                                  sample_range=[lo, hi]).fit_transform([fa])[0]
        else:
            want_sil = np.zeros(res)   # GUDHI divides 0 by 0 there (no interval, or all weights underflow)
        problems = []
        want_img = PersistenceImage(bandwidth=bw, weight=lambda p: 1, resolution=[rx, ry],
                                    im_range=[x0, x1, y0, y1]).fit_transform([fa])[0]
        g = np.array(got["image"], dtype=float)
        if g.shape != want_img.shape:
            problems.append("image has %d pixels, GUDHI %d" % (g.size, want_img.size))
        else:
            # 1e-12 of each value, as the curves; 1e-300 absolutely, for
            # pixels made of subnormal exponentials (|error| < 2^-1022 /
            # (2 pi bw^2) there), whose relative precision is gone on both
            # sides.  Splitting the exponential costs up to ~2000 ulps where
            # its argument nears -745 (scaled/features_image.c): 2.5e-13.
            floor = 1e-300
            err = np.abs(g - want_img)
            if not np.all(err <= np.maximum(floor, 1e-12 * np.abs(want_img))):
                i = int(np.argmax(err / np.maximum(floor, 1e-12 * np.abs(want_img))))
                problems.append("image differs, pixel %d (of %dx%d): %r vs GUDHI %r" % (i, rx, ry, g[i], want_img[i]))
            normal = np.abs(want_img) >= 1e-290
            if normal.any():
                worst[0] = max(worst[0], float(np.max(err[normal] / np.abs(want_img[normal]))))
            pixels[0] += g.size
        for key, w in (("landscape", want_land), ("silhouette", want_sil)):
            g = np.array(got[key], dtype=float)
            if g.shape != w.shape or not np.all(np.abs(g - w) <= np.maximum(1e-300, 1e-12 * np.abs(w))):
                i = int(np.argmax(np.abs(g - w))) if g.shape == w.shape else -1
                problems.append("%s differs (%s), at %d: %r vs GUDHI %r" % (key, g.shape, i, g[i] if i >= 0 else None,
                                                                         w[i] if i >= 0 else None))
        for key in ("count", "essential", "total", "max", "betti"):
            if got[key] != want[key]:
                problems.append("%s %r, GUDHI/exact %r" % (key, got[key], want[key]))
        e, we = got["entropy"], want["entropy"]
        if not (abs(e - we) <= max(1e-15, 1e-12 * abs(we))):
            problems.append("entropy %r, GUDHI %r" % (e, we))
        if problems:
            bad += 1
            if bad <= 5:
                print("DIFF case %d (%s, range [%r, %r], resolution %d, %d intervals): %s"
                      % (case, kind, lo, hi, res, len(allv), "; ".join(problems)))
    print("# features oracle: %d diagrams (count, essential, total, max, entropy, Betti curves, landscapes, "
          "silhouettes, images): %s; %d image pixels, worst relative error %.3g where GUDHI's >= 1e-290"
          % (CASES, "all equal to GUDHI's" if not bad else "%d differ" % bad, pixels[0], worst[0]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
