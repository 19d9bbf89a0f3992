#!/usr/bin/python3
"""bench/events_eval.py - detection rate, delay and false alarms of the
pipeline's anomaly events on the labelled series of bench/events_series.py,
next to a baseline detector on the raw values, in the same run (issue 20).

    events_eval.py LABELS.json SERIES.csv --threshold T (--events EVENTS.jsonl
                   | --model RESULTS.jsonl --signal S --dim D) [--scale NAME]

The window, slide and history are the labels' (the series were generated
for them).  Either the pipeline's events (--events: the `anomaly` events
of scale NAME, the default every scale), or the Python model of the
detector (--model, below) applied to the pipeline's results.

Windows.  A count scale's window k of a stream holds its sequence numbers
[k D, k D + W); only complete windows exist.  A stream's change at
sequence number C (its first changed point) is first contained by window
k0 = max(0, ceil((C - W + 1) / D)); the last window containing it is
k1 = floor(C / D).

Detection.  A change is detected when an anomaly event of its stream is at
a window k with k0 <= k <= max(k1, k0 + 2): a window whose span contains
the change, or one of the 2 windows after the first that contains it.
The first such event gives the delay: k - k0 in windows, and
(k D + W - 1) - C in points of event time (the event's "time", the end of
its window, minus the change's; time is the sequence number here).

False alarms.  Per 10,000 windows: on the noise-only streams, every event
over the windows whose history is full (a window can only alarm then); on
the stable stretch before each change, the events at windows k < k0 over
those windows k < k0 whose history is full.

The detector (tdapipe.yaml(5), anomaly).  Per window the signal x, here
the window's features or distance for homology dimension D from the
pipeline's results; a window without a value (a stream's first, for a
distance; an infinite distance) is skipped.  h = the last H defined
values before this window; m = median(h), MAD = median(|h - m|),
score = (x - m) / (1.4826 MAD), or, if MAD = 0, over
1.253314 mean(|h - m|), and if that is 0 too, 0 when x = m, else +-inf.
An event when h holds H values and score >= T.

The baseline.  The same windows of the raw values, the same rule, H and
T, applied to each window's mean and to its variance (population); an
alarm when either |score| >= T (two-sided, which can only help it).
"""
import argparse
import collections
import json
import math

import numpy as np

SHAPE = ["freq_doubling", "new_component", "period_doubling", "periodic_to_noise"]
KINDS = SHAPE + ["level_shift", "spike"]
DISTANCES = ("bottleneck", "wasserstein1", "wasserstein2")


def robust_score(h, x):
    """The pipeline's score of x against the history h (a sequence);
    returns (score, median, mad)."""
    h = np.asarray(h, dtype=float)
    m = float(np.median(h))
    dev = np.abs(h - m)
    mad = float(np.median(dev))
    den = 1.4826 * mad if mad > 0 else 1.253314 * float(dev.mean())
    if den > 0:
        s = (x - m) / den
    elif x == m:
        s = 0.0
    else:
        s = math.copysign(math.inf, x - m)
    return s, m, mad


def detect(xs, history, threshold, two_sided=False):
    """xs: {window: x or None}.  Returns ({window: (score, median, mad)} for
    the windows that alarm, set of windows whose history was full)."""
    h = collections.deque(maxlen=history)
    alarms, full = {}, set()
    for k in sorted(xs):
        x = xs[k]
        if x is None or not math.isfinite(x):
            continue
        if len(h) == history:
            full.add(k)
            s, m, mad = robust_score(h, x)
            if (abs(s) if two_sided else s) >= threshold:
                alarms[k] = (s, m, mad)
        h.append(x)
    return alarms, full


def signal_of(r, signal, dim):
    """The signal of one result line (a dict), or None."""
    d = str(dim)
    if signal in DISTANCES:
        v = r.get("distance", {}).get(d, {}).get(signal)
    else:
        v = r.get("features", {}).get(d, {}).get(signal)
    return None if v is None else float(v)


def read_results(path, signals):
    """{stream: {window: {(signal, dim): x}}} from a results file."""
    out = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[r["stream"]][r["window"]] = {sd: signal_of(r, *sd) for sd in signals}
    return out


def model_alarms(results, signal, dim, history, threshold):
    """The Python model's alarms: {stream: ({window: ...}, full)}."""
    return {s: detect({k: v[(signal, dim)] for k, v in ws.items()}, history, threshold)
            for s, ws in results.items()}


def read_events(path, scale, history, labels, signal):
    """The pipeline's anomaly events as {stream: ({window: ...}, full)};
    full is every window with a full history of defined values, which the
    events file does not say: taken as the windows from H on, or H + 1 on
    for a distance (a stream's first window has none), as long as the
    values are finite (they are, on these series)."""
    ev = collections.defaultdict(dict)
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e.get("type") != "anomaly" or (scale and e["scale"] != scale):
                continue
            ev[e["stream"]][e["window"]] = (e["score"], e["median"], e["mad"])
    out = {}
    for s, lab in labels["streams"].items():
        nw = (lab["n"] - labels["window"]) // labels["slide"] + 1
        first = history + (1 if signal in DISTANCES else 0)
        out[s] = (ev.get(s, {}), set(range(first, nw)))
    return out


def baseline_alarms(csv, labels, history, threshold):
    """The baseline on the raw values: {stream: ({window: ...}, full)}."""
    W, D = labels["window"], labels["slide"]
    vals = collections.defaultdict(list)
    with open(csv) as f:
        for line in f:
            s, v = line.split(",")
            vals[s].append(float(v))
    out = {}
    for s, x in vals.items():
        x = np.asarray(x)
        nw = (len(x) - W) // D + 1
        win = np.lib.stride_tricks.sliding_window_view(x, W)[::D][:nw]
        am, fm = detect(dict(enumerate(win.mean(axis=1))), history, threshold, True)
        av, _ = detect(dict(enumerate(win.var(axis=1))), history, threshold, True)
        out[s] = ({**am, **av}, fm)
    return out


def evaluate(alarms, labels):
    """Per kind: (changes, detected, [delay windows], [delay points]) and
    false alarms: {"noise": (alarms, windows), "stable": (alarms, windows)}."""
    W, D = labels["window"], labels["slide"]
    per = {k: [0, 0, [], []] for k in KINDS}
    fa = {"noise": [0, 0], "stable": [0, 0]}
    for s, lab in labels["streams"].items():
        al, full = alarms.get(s, ({}, set()))
        if lab["kind"] == "noise":
            fa["noise"][0] += sum(1 for k in al if k in full)
            fa["noise"][1] += len(full)
            continue
        C = lab["change"]
        k0 = max(0, -(-(C - W + 1) // D))
        k1 = C // D
        fa["stable"][0] += sum(1 for k in al if k < k0 and k in full)
        fa["stable"][1] += sum(1 for k in full if k < k0)
        p = per[lab["kind"]]
        p[0] += 1
        hit = [k for k in sorted(al) if k0 <= k <= max(k1, k0 + 2)]
        if hit:
            p[1] += 1
            p[2].append(hit[0] - k0)
            p[3].append(hit[0] * D + W - 1 - C)
    return per, fa


def table(title, ours, base, labels):
    """Print the table: ours and the baseline side by side."""
    po, fo = evaluate(ours, labels)
    pb, fb = evaluate(base, labels)
    print(title)
    print("%-20s %7s | %9s %8s %9s | %9s %8s %9s" % (
        "change", "changes", "detected", "delay w", "delay pts",
        "baseline", "delay w", "delay pts"))

    def cells(p):
        n, d, dw, dp = p
        if not d:
            return "%4d/%-4d %8s %9s" % (d, n, "-", "-")
        return "%4d/%-4d %8.1f %9.0f" % (d, n, np.median(dw), np.median(dp))
    tot = {"o": [0, 0], "b": [0, 0]}
    for k in KINDS:
        if not po[k][0]:
            continue
        print("%-20s %7d | %s | %s" % (k, po[k][0], cells(po[k]), cells(pb[k])))
        if k in SHAPE:
            for key, p in (("o", po[k]), ("b", pb[k])):
                tot[key][0] += p[1]
                tot[key][1] += p[0]

    def rate(a):
        return "%5.1f%%" % (100.0 * a[0] / a[1]) if a[1] else "-"
    print("%-20s %7d | %9s %18s | %9s" % ("shape changes", tot["o"][1], rate(tot["o"]), "", rate(tot["b"])))

    def far(f):
        return "%d in %d windows = %.2f / 10k" % (f[0], f[1], 1e4 * f[0] / f[1]) if f[1] else "-"
    print("false alarms, noise-only:   ours %s; baseline %s" % (far(fo["noise"]), far(fb["noise"])))
    print("false alarms, before change: ours %s; baseline %s" % (far(fo["stable"]), far(fb["stable"])))
    print("   detected: an event at a window containing the change or within 2 windows of the first;")
    print("   delays are medians over the detected changes, in windows after the first containing the")
    print("   change and in points (event time) from the change to the detecting window's end")
    return po, fo, pb, fb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labels")
    ap.add_argument("csv")
    ap.add_argument("--threshold", type=float, required=True)
    ap.add_argument("--events")
    ap.add_argument("--model")
    ap.add_argument("--signal")
    ap.add_argument("--dim", type=int)
    ap.add_argument("--scale")
    ap.add_argument("--title", default="")
    ap.add_argument("--same-as", metavar="EVENTS",
                    help="with --model: compare the model's alarms with these events instead")
    a = ap.parse_args()
    labels = json.load(open(a.labels))
    H = labels["history"]
    if a.events:
        ours = read_events(a.events, a.scale, H, labels, a.signal)
    else:
        res = read_results(a.model, [(a.signal, a.dim)])
        ours = model_alarms(res, a.signal, a.dim, H, a.threshold)
    if a.same_as:
        got = read_events(a.same_as, a.scale, H, labels, a.signal)
        both = only_p = only_m = 0
        for s in labels["streams"]:
            p, m = set(got[s][0]), set(ours.get(s, ({}, ()))[0])
            both += len(p & m)
            only_p += len(p - m)
            only_m += len(m - p)
        print("   pipeline's anomaly events vs the Python model's on the same results: %d at the same"
              " windows, %d only in the pipeline's, %d only in the model's" % (both, only_p, only_m))
        return 0 if only_p == only_m == 0 else 1
    base = baseline_alarms(a.csv, labels, H, a.threshold)
    table(a.title, ours, base, labels)


if __name__ == "__main__":
    main()
