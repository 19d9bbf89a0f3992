#!/usr/bin/python3
"""Reference for the end-to-end benchmark: how many points per second GUDHI
sustains computing the same windows' H0 diagrams from scratch (compute only:
no parsing, no I/O), on the same input.

usage: gudhi_windows.py FILE SCALE...   where SCALE is
  sublevel:W:S  |  rips:W:S  |  rips:W:S:D:L (delay embedding dim D lag L)
Windows of each scale are sampled (at most SAMPLE of them, evenly spread)
and the time per window is extrapolated to all windows of the input; the
pipeline runs every scale on every point, so the scales' times add up.
Prints one number: points per second.
"""
import sys
import time

import gudhi
import numpy as np

SAMPLE = 40


def window_diagram(x, kind, d, lag):
    if kind == "sublevel":
        cc = gudhi.CubicalComplex(top_dimensional_cells=x)
        return cc.persistence()
    pts = x.reshape(-1, 1)
    if d:
        m = len(x) - (d - 1) * lag
        pts = np.stack([x[i * lag:i * lag + m] for i in range(d)], axis=1)
    st = gudhi.RipsComplex(points=pts).create_simplex_tree(max_dimension=1)
    return st.persistence()


def main():
    x = np.loadtxt(sys.argv[1])
    n = len(x)
    total = 0.0
    for spec in sys.argv[2:]:
        parts = spec.split(":")
        kind, w, s = parts[0], int(parts[1]), int(parts[2])
        d, lag = (int(parts[3]), int(parts[4])) if len(parts) > 3 else (0, 0)
        nwin = (n - w) // s + 1
        ks = np.linspace(0, nwin - 1, min(SAMPLE, nwin)).astype(int)
        t0 = time.perf_counter()
        for k in ks:
            window_diagram(x[k * s:k * s + w], kind, d, lag)
        total += (time.perf_counter() - t0) / len(ks) * nwin
    print(f"{n / total:.0f}")


if __name__ == "__main__":
    main()
