#!/usr/bin/python3
"""metricscheck.py - the exporter's /metrics against `tdapipe stats --json`.

  metricscheck.py compare METRICS STATS   every counter and gauge that stats
                                          also shows has stats' value; the
                                          histograms are cumulative, end in
                                          +Inf and count the windows
  metricscheck.py documented METRICS MAN  every family is in tdapipe-metrics(7)

Exit 0, or 1 with the first differences on stderr.  Used by
metrics_endpoint.sh and prometheus_scrape.sh.
"""
import json
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, ((label, value), ...) sorted): float}, and the # TYPE lines."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample: %r" % line)
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


def value(samples, name, **labels):
    """The one sample of NAME whose labels include LABELS (None if none)."""
    got = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    if len(got) > 1:
        raise ValueError("%s %s: %d samples" % (name, labels, len(got)))
    return got[0] if got else None


def expectations(stats):
    """(metric, labels, value) that /metrics must show, from STATS."""
    out = []
    role_metrics = {
        "ingest": [("records_in", "tdapipe_ingest_records_total"), ("records_out", "tdapipe_ingest_points_total")],
        "scaled": [("records_in", "tdapipe_scale_points_total"), ("windows", "tdapipe_windows_total"),
                   ("records_out", "tdapipe_scale_results_total")],
        "publish": [("records_in", "tdapipe_publish_taken_total"), ("records_out", "tdapipe_published_results_total"),
                    ("bad_records", "tdapipe_publish_duplicates_total")],
    }
    for p in stats["processes"]:
        who = {"process": p["role"]}
        if p["scale"] is not None:
            who["scale"] = p["scale"]
        out.append(("tdapipe_process_restarts_total", who, p["restarts"]))
        out.append(("tdapipe_process_hangs_total", who, p["hangs"]))
        out.append(("tdapipe_process_state", dict(who, state=p["state"]), 1))
        out.append(("tdapipe_process_up", who, 1 if p["state"] == "running" and p["pid"] > 0 else 0))
        scale = {"scale": p["scale"]} if p["scale"] is not None else {}
        for key, metric in role_metrics.get(p["role"], []):
            out.append((metric, scale, p[key]))
        if p["role"] == "ingest":
            # one sample per reason, which stats also sums to bad_records
            for why, n in p["dead_letters"].items():
                out.append(("tdapipe_dead_letters_total", {"reason": why}, n))
            if "replayed" in p:   # sources whose senders send again
                out.append(("tdapipe_ingest_replayed_total", {}, p["replayed"]))
        if p["role"] == "scaled":
            out.append(("tdapipe_compute_seconds_count", scale, p["windows"]))
            for t, n in p.get("events", {}).items():
                out.append(("tdapipe_events_total", dict(scale, type=t), n))
            for w, n in p["incomplete"].items():
                out.append(("tdapipe_incomplete_windows_total", dict(scale, reason=w), n))
    for r in stats["rings"]:
        who = {"scale": r["scale"], "ring": r["ring"]}
        for key in ("capacity", "used", "high_water"):
            out.append(("tdapipe_ring_%s_slots" % key, who, r[key]))
        for key in ("pushed", "popped", "overflow"):
            out.append(("tdapipe_ring_%s_total" % key, who, r[key]))
        if "lost" in r:
            out.append(("tdapipe_lost_points_total", {"scale": r["scale"]}, r["lost"]))
        if "latency_hist" in r:
            # the point-to-publish histogram, bucket by bucket (cumulative)
            total = 0
            for i, n in enumerate(r["latency_hist"][:-1]):
                total += n
                out.append(("tdapipe_publish_latency_seconds_bucket", {"scale": r["scale"], "le": "%.12g" % (2.0 ** (i + 1) * 1e-9)}, total))
            out.append(("tdapipe_publish_latency_seconds_count", {"scale": r["scale"]}, total + r["latency_hist"][-1]))
    # the checkpoint gauges are compared in compare(): a checkpoint may
    # fall between the two readings
    out.append(("tdapipe_streams", {}, stats["streams"]))
    out.append(("tdapipe_ingest_done", {}, 1 if stats["ingest_done"] else 0))
    return out


def check_histograms(samples, types, bad):
    for name, typ in types.items():
        if typ != "histogram":
            continue
        series = {}
        for (n, ls), v in samples.items():
            if n == name + "_bucket":
                key = tuple(l for l in ls if l[0] != "le")
                le = dict(ls)["le"]
                series.setdefault(key, []).append((float("inf") if le == "+Inf" else float(le), v))
        if not series:
            bad.append("histogram %s has no buckets" % name)
        for key, bs in series.items():
            bs.sort()
            counts = [v for _, v in bs]
            if counts != sorted(counts) or bs[-1][0] != float("inf"):
                bad.append("%s%s: buckets not cumulative or no +Inf: %s" % (name, key, bs))
            if samples.get((name + "_count", key)) != counts[-1]:
                bad.append("%s%s: _count %s, +Inf bucket %s" % (name, key, samples.get((name + "_count", key)), counts[-1]))
            if [le for le, _ in bs[:-1]] != [2.0 ** (i + 1) * 1e-9 for i in range(len(bs) - 1)]:
                bad.append("%s%s: bucket bounds are not 2^(i+1) ns" % (name, key))


def compare(metrics_path, stats_path):
    samples, types = parse(open(metrics_path).read())
    stats = json.load(open(stats_path))
    bad = []
    checked = 0
    for name, labels, want in expectations(stats):
        got = value(samples, name, instance=stats["instance"], **labels)
        checked += 1
        if got != want:
            bad.append("%s%s: /metrics %s, stats %s" % (name, labels, got, want))
    check_histograms(samples, types, bad)
    # checkpoints: the supervisor may write one between the two readings
    # (stats is read after /metrics): then stats has more; else the same
    c = stats["checkpoint"]
    inst = stats["instance"]
    got = {k: value(samples, m, instance=inst) for k, m in (
        ("written", "tdapipe_checkpoints_total"), ("errors", "tdapipe_checkpoint_errors_total"),
        ("ts", "tdapipe_checkpoint_timestamp_seconds"), ("pause", "tdapipe_checkpoint_pause_seconds"),
        ("bytes", "tdapipe_checkpoint_bytes"))}
    checked += 5
    if None in got.values():
        bad.append("checkpoint families missing: %s" % got)
    elif got["written"] > c["written"] or got["errors"] > c["errors"]:
        bad.append("checkpoints: /metrics %s, later stats %s" % (got, c))
    elif got["written"] == c["written"] and got["errors"] == c["errors"] and (
            got["bytes"] != c["bytes"] or abs(got["ts"] - c["last_unix_ms"] / 1e3) > 1e-6 or
            abs(got["pause"] - c["pause_ns"] * 1e-9) > 1e-12):
        bad.append("checkpoint: /metrics %s, stats %s" % (got, c))
    # dead letters: every class counted once, by reason alone
    for p in stats["processes"]:
        if p["role"] == "ingest" and sum(p["dead_letters"].values()) != p["bad_records"]:
            bad.append("stats: dead_letters %s do not sum to bad_records %s" % (p["dead_letters"], p["bad_records"]))
    if any(n == "tdapipe_dead_letters_total" and "reason" not in dict(ls) for (n, ls) in samples):
        bad.append("tdapipe_dead_letters_total has a sample without reason")
    # publish fills the latency histograms and the latest-result table:
    # once results were published, both must show in /metrics
    published = sum(p["records_out"] for p in stats["processes"] if p["role"] == "publish")
    if published:
        lat = sum(v for (n, ls), v in samples.items() if n == "tdapipe_publish_latency_seconds_count")
        if lat != published:
            bad.append("latency histograms count %s results, publish wrote %s" % (lat, published))
        if not any(n == "tdapipe_latest_window" for (n, ls) in samples):
            bad.append("no tdapipe_latest_window sample after %d results" % published)
    for b in bad[:20]:
        print("FAIL: " + b, file=sys.stderr)
    if not bad:
        print("# /metrics equals stats --json on %d values" % checked)
    return 1 if bad else 0


def documented(metrics_path, man_path):
    _, types = parse(open(metrics_path).read())
    man = open(man_path).read().replace("\\-", "-")
    missing = [n for n in types if not re.search(r"^\.B %s$" % re.escape(n), man, re.M)]
    for n in missing:
        print("FAIL: %s is not in %s" % (n, man_path), file=sys.stderr)
    return 1 if missing or not types else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    sys.exit(compare(*sys.argv[2:4]) if cmd == "compare" else documented(*sys.argv[2:4]))
