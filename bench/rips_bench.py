#!/usr/bin/python3
"""Rips persistence benchmark: `tdapipe persistence` next to Debian's
`ripser` on the same inputs, measured in the same run (issue 4).

usage: rips_bench.py            (env BUILD=build, BIN=bin, RUNS=3,
                                 RIPS_BENCH_LARGE=0, RUNS_LARGE=1,
                                 RIPS_BENCH_ONLY=, RIPS_BENCH_NOCOLLAPSE=0)

Ripser's own benchmark kinds (issue 25), generated here with fixed seeds:
random 3x3 orthogonal matrices as points of R^9 (o3), points on the
3-sphere, 50 random points of R^16, and (RIPS_BENCH_LARGE=1, as `make
bench` sets it) the large o3 cases and 20,000 and 50,000 noisy points of
the Clifford torus in R^4, each run RUNS_LARGE times (about 7 minutes).

Inputs are generated deterministically (numpy, fixed seeds) into
$BUILD/bench/rips/.  Every case runs ours and ripser RUNS times each; the
table shows the median wall time, the median CPU time (user + system, from
wait4: what a loaded machine changes least), the peak RSS (one more run of
each under /usr/bin/time, see peak_rss), and whether the diagrams agree: per dimension, the multisets of
finite intervals with death > birth, matched within float rounding (rel 1e-5
plus abs 1e-6: ripser computes in single precision and prints 6 significant
digits, tdapipe computes in double).

Sliding windows: the ECG sample delay-embedded (dim 3, lag 4) into a point
cloud; windows of 300 rows, slide 30, 100 windows.  ripser runs once per
window (one file per window, written beforehand, not timed; times summed,
peak RSS the max over windows) against one `tdapipe persistence --window 300
--slide 30` call over the first 300 + 99*30 rows.

RIPS_BENCH_ONLY=a,b runs only the cases whose names contain a or b (the
large ones too: it implies RIPS_BENCH_LARGE=1).  RIPS_BENCH_NOCOLLAPSE=1
also runs ours with `--collapse off` on every single input (RUNS times,
plus one for its peak RSS) and prints its figures on a line below the
row: what the edge collapse changes.

Debian's ripser 1.2.1 may crash with --dim 0, so every case uses dim >= 1.
Exits 0 whether or not diagrams agree (the table says so); non-zero only if
a program fails.
"""
import bisect
import os
import subprocess
import sys
import time

import numpy as np

BUILD = os.environ.get("BUILD", "build")
BIN = os.environ.get("BIN", "bin")
RUNS = int(os.environ.get("RUNS", "3"))
RIPSER = os.environ.get("RIPSER", "/usr/bin/ripser")
TIME = "/usr/bin/time"
W = os.path.join(BUILD, "bench", "rips")
OURS = os.path.join(BIN, "tdapipe")

REL, ABS = 1e-5, 1e-6

WINDOW, SLIDE, NWIN = 300, 30, 100
EMBED_DIM, EMBED_LAG = 3, 4


def save(name, pts):
    path = os.path.join(W, name)
    np.savetxt(path, pts, fmt="%.7g", delimiter=",")
    return path


def noisy_circle(n, seed):
    r = np.random.default_rng(seed)
    t = r.uniform(0, 2 * np.pi, n)
    p = np.c_[np.cos(t), np.sin(t), np.zeros(n)]
    return p + r.normal(0, 0.1, (n, 3))


def torus(n, seed, big=2.0, small=0.5):
    r = np.random.default_rng(seed)
    u, v = r.uniform(0, 2 * np.pi, (2, n))
    return np.c_[(big + small * np.cos(v)) * np.cos(u),
                 (big + small * np.cos(v)) * np.sin(u),
                 small * np.sin(v)]


def uniform(n, d, seed):
    return np.random.default_rng(seed).uniform(0, 1, (n, d))


def delay_embed(x, d, lag):
    m = len(x) - (d - 1) * lag
    return np.stack([x[i * lag:i * lag + m] for i in range(d)], axis=1)


def sine_embedded(n, d, lag):
    # period 2*pi/0.1 ~ 62.8 samples (irrational: no repeated points);
    # lag 16 ~ a quarter period.
    x = np.sin(0.1 * np.arange(n + (d - 1) * lag))
    return delay_embed(x, d, lag)


def o3(n, seed):
    """n random orthogonal 3x3 matrices (Haar on O(3)), flattened in R^9."""
    a = np.random.default_rng(seed).normal(size=(n, 3, 3))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return q.reshape(n, 9)


def sphere3(n, seed):
    p = np.random.default_rng(seed).normal(size=(n, 4))
    return p / np.linalg.norm(p, axis=1, keepdims=True)


def clifford_torus(n, seed, noise=0.01):
    """(cos a, sin a, cos b, sin b) in R^4, with Gaussian noise."""
    r = np.random.default_rng(seed)
    a, b = r.uniform(0, 2 * np.pi, (2, n))
    p = np.c_[np.cos(a), np.sin(a), np.cos(b), np.sin(b)]
    return p + r.normal(0, noise, p.shape)


def run(argv, out_path):
    """Run argv with stdout to out_path; return its wall time and its CPU
    time (user + system, from wait4) in seconds."""
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        code = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    if code != 0:
        sys.exit("%s: exit %d: %s" % (" ".join(argv), code, err.strip()))
    return t1 - t0, ru.ru_utime + ru.ru_stime


def peak_rss(argv, out_path):
    """Peak RSS of argv in KiB, from a separate run under /usr/bin/time.

    Not ru_maxrss of a child forked by this script: Linux carries the
    parent's high-water mark (this Python with numpy, ~30 MB) across fork
    and exec into the child's ru_maxrss.  /usr/bin/time is small and reads
    ru_maxrss from wait4 of its own child."""
    rss = out_path + ".rss"
    run([TIME, "-f", "%M", "-o", rss] + argv, out_path)
    with open(rss) as f:
        return int(f.read().split()[-1])


def parse_ripser(path):
    """{dim: [(birth, death)]} of finite intervals, from ripser's output."""
    diag, dim = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("persistence intervals in dim"):
                dim = int(line.split()[-1].rstrip(":"))
                diag.setdefault(dim, [])
            elif line.startswith("[") and dim is not None:
                b, d = line[1:-1].split(",")
                if d.strip():
                    diag[dim].append((float(b), float(d)))
    return diag


def parse_ours(path, windowed):
    """{dim: [...]} or, windowed, {window: {dim: [...]}}; finite only."""
    res = {}
    with open(path) as f:
        for line in f:
            v = line.split()
            if not v:
                continue
            if windowed:
                tgt = res.setdefault(int(v[0]), {})
                v = v[1:]
            else:
                tgt = res
            dim, b, d = int(v[0]), float(v[1]), v[2]
            tgt.setdefault(dim, [])
            if d != "inf":
                tgt[dim].append((b, float(d)))
    return res


def close(x, y):
    return abs(x - y) <= ABS + REL * max(abs(x), abs(y))


def significant(iv):
    b, d = iv
    return d > b and not close(b, d)


def compare(ours, ref, dims):
    """None if the diagrams agree, else a short reason."""
    for k in range(dims + 1):
        a = sorted((i for i in ours.get(k, []) if significant(i)), key=lambda i: i[1])
        r = sorted((i for i in ref.get(k, []) if significant(i)), key=lambda i: i[1])
        if len(a) != len(r):
            return "H%d: %d vs %d intervals" % (k, len(a), len(r))
        deaths = [i[1] for i in r]
        used = [False] * len(r)
        for b, d in a:
            lo = bisect.bisect_left(deaths, d - ABS - REL * abs(d) * 1.01)
            for j in range(lo, len(r)):
                if deaths[j] > d + ABS + REL * abs(d) * 1.01:
                    j = -1
                    break
                if not used[j] and close(d, deaths[j]) and close(b, r[j][0]):
                    used[j] = True
                    break
            else:
                j = -1
            if j < 0:
                return "H%d: ours [%.9g, %.9g) not in ripser's" % (k, b, d)
    return None


def median(xs):
    xs = sorted(xs)
    return xs[(len(xs) - 1) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def medians(runs):
    """(median wall, median CPU) of a list of run() results."""
    return median([r[0] for r in runs]), median([r[1] for r in runs])


def single_case(name, path, dim, threshold=None, runs=None):
    thr = ["--threshold", repr(threshold)] if threshold is not None else []
    ours = [OURS, "persistence", "--dim", str(dim)] + thr + [path]
    ripser = [RIPSER, "--format", "point-cloud", "--dim", str(dim)] + thr + [path]
    ours_out, rip_out = path + ".ours", path + ".ripser"
    ot, rt = [], []
    for _ in range(runs or RUNS):
        ot.append(run(ours, ours_out))
        rt.append(run(ripser, rip_out))
    why = compare(parse_ours(ours_out, False), parse_ripser(rip_out), dim)
    extra = None
    if os.environ.get("RIPS_BENCH_NOCOLLAPSE", "0") == "1":
        off = ours[:2] + ["--collapse", "off"] + ours[2:]
        off_out = path + ".ours-nocollapse"
        ft = [run(off, off_out) for _ in range(runs or RUNS)]
        fwhy = compare(parse_ours(off_out, False), parse_ripser(rip_out), dim)
        (w, c) = medians(ft)
        extra = "%-44s %9.1f %9s %8s %9.1f %10s %6s %8.1f %9s  %s" % (
            "  (ours with --collapse off)", w * 1e3, "", "", c * 1e3, "", "",
            peak_rss(off, off_out) / 1024, "", "identical" if fwhy is None else "DIFFER (%s)" % fwhy)
    return (name, medians(ot), medians(rt), peak_rss(ours, ours_out), peak_rss(ripser, rip_out), why,
            extra)


def sliding_case(name, cloud, dim):
    rows = WINDOW + (NWIN - 1) * SLIDE
    path = save("ecg-embed-d%d-l%d.csv" % (EMBED_DIM, EMBED_LAG), cloud[:rows])
    wins = [save("ecg-win%03d.csv" % k, cloud[k * SLIDE:k * SLIDE + WINDOW])
            for k in range(NWIN)]
    ours = [OURS, "persistence", "--dim", str(dim), "--window", str(WINDOW),
            "--slide", str(SLIDE), path]
    ripser = [RIPSER, "--format", "point-cloud", "--dim", str(dim)]
    ours_out = path + ".ours"
    ot, rt = [], []
    for _ in range(RUNS):
        ot.append(run(ours, ours_out))
        each = [run(ripser + [w], w + ".ripser") for w in wins]
        rt.append((sum(e[0] for e in each), sum(e[1] for e in each)))
    got = parse_ours(ours_out, True)
    why = None
    if sorted(got) != list(range(NWIN)):
        why = "ours has %d windows, want %d" % (len(got), NWIN)
    for k, w in enumerate(wins):
        if why:
            break
        r = compare(got.get(k, {}), parse_ripser(w + ".ripser"), dim)
        if r:
            why = "window %d: %s" % (k, r)
    orss = peak_rss(ours, ours_out)
    rrss = max(peak_rss(ripser + [w], w + ".ripser") for w in wins)
    return name, medians(ot), medians(rt), orss, rrss, why, None


def main():
    os.makedirs(W, exist_ok=True)
    ecg = np.loadtxt("samples/ecg.csv")
    cases = [
        ("circle R^3 n=500, H0-H1", save("circle500.csv", noisy_circle(500, 1)), 1),
        ("circle R^3 n=1000, H0-H1", save("circle1000.csv", noisy_circle(1000, 2)), 1),
        ("torus R^3 n=1000, H0-H1", save("torus1000.csv", torus(1000, 3)), 1),
        ("uniform [0,1]^4 n=200, H0-H2", save("uniform4-200.csv", uniform(200, 4, 4)), 2),
        ("sine embed d=10 lag=16 n=500, H0-H1",
         save("sine-d10-500.csv", sine_embedded(500, 10, 16)), 1),
        # Ripser's benchmark kinds (issue 25)
        ("sphere S^3 n=192, H0-H2", save("sphere3-192.csv", sphere3(192, 192)), 2),
        ("random R^16 n=50, H0-H3", save("random16-50.csv", uniform(50, 16, 50)), 3),
        ("o3 n=1024, H0-H3 t=1.8", save("o3-1024.csv", o3(1024, 1024)), 3, 1.8),
    ]
    only = [x for x in os.environ.get("RIPS_BENCH_ONLY", "").split(",") if x]
    if os.environ.get("RIPS_BENCH_LARGE", "0") == "1" or only:
        large = int(os.environ.get("RUNS_LARGE", "1"))
        cases += [
            ("o3 n=2048, H0-H2 t=1.6", save("o3-2048.csv", o3(2048, 2048)), 2, 1.6, large),
            ("o3 n=4096, H0-H2 t=1.4", save("o3-4096.csv", o3(4096, 4096)), 2, 1.4, large),
            ("o3 n=4096, H0-H3 t=1.4 (wide keys)", save("o3-4096.csv", o3(4096, 4096)), 3, 1.4, large),
            ("Clifford torus R^4 n=20000, H0-H1 t=0.15",
             save("clifford-20000.csv", clifford_torus(20000, 20000)), 1, 0.15, large),
            ("Clifford torus R^4 n=50000, H0-H2 t=0.15",
             save("clifford-50000.csv", clifford_torus(50000, 50000)), 2, 0.15, large),
        ]
    hdr = ("case", "ours ms", "ripser ms", "speedup", "ours cpu", "ripser cpu", "cpu x",
           "ours MB", "ripser MB", "diagrams")
    fmt = "%-44s %9s %9s %8s %9s %10s %6s %8s %9s  %s"
    print(fmt % hdr)
    sys.stdout.flush()
    rows = [lambda c=c: single_case(*c) for c in cases if not only or any(x in c[0] for x in only)]
    ecg_name = "ECG embed d=3 lag=4: 100 windows 300/30, H0-H1"
    if not only or any(x in ecg_name for x in only):
        rows.append(lambda: sliding_case(ecg_name, delay_embed(ecg, EMBED_DIM, EMBED_LAG), 1))
    for f in rows:
        name, (ot, oc), (rt, rc), om, rm, why, extra = f()
        print(fmt % (name, "%.1f" % (ot * 1e3), "%.1f" % (rt * 1e3), "%.2f" % (rt / ot),
                     "%.1f" % (oc * 1e3), "%.1f" % (rc * 1e3), "%.2f" % (rc / max(oc, 1e-6)),
                     "%.1f" % (om / 1024), "%.1f" % (rm / 1024),
                     "identical" if why is None else "DIFFER (%s)" % why))
        if extra:
            print(extra)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
