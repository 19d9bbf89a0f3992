#!/usr/bin/python3
"""time_windows_ref - the reference for windows over event time (issue 18),
written from the specification, not from the C code.

    time_windows_ref.py case --dir D --instance I --seed N --unit U
                             [--lateness DUR] [--max-window-points N]
        [--format jsonl|csv|msgpack] [--streams N] [--extra-scales]
                             [--extremes] [--dense] [--stdin]
        writes D/in.FORMAT (a random multi-stream input), D/c.yaml (the
        config that reads it, sink D/out.jsonl, dead letters
        D/out.jsonl.dead) and D/case.json (the parameters);
    time_windows_ref.py check --dir D
        computes the expected results and dead letters of D/in.jsonl from
        the specification below and compares them with the pipeline's
        D/out.jsonl and D/out.jsonl.dead.  Exit 0 when equal, 1 with the
        differences (by kind, the first 6 of each in full);
    time_windows_ref.py expect --dir D --out FILE
        writes the expected results (FILE) and dead letters (FILE.dead) in
        the pipeline's format, to diff with a run's by hand.

The input (seeded): 3-5 streams, each with its own epoch (one straddling
1970-01-01, one before it, one in 2026, the others any of these), 6-9 s
of event time at about 35 points/s with exponential gaps, a few gaps of
1.2-3 s (empty windows between), runs of duplicate times; arrival order
disturbed within the lateness (those points are on time) and beyond it
(those are mostly late), plus points placed exactly at the watermark (not
late) and 1 ns below it (late); times written as exact decimals in the
unit, with an exponent, with extra digits that round (ties included),
and as RFC 3339 strings (Z, z, offsets, t and space separators, fractions
of 0 to 12 digits); a few records without "t" and a few blank lines.

The specification (tdapipe.yaml(5), tdapipe-results(5), issue 18):
- An event time is an integer count of ns since the epoch: a number in the
  source's time_unit, or an RFC 3339 string, converted exactly and rounded
  once to the nearest ns, ties away from zero (for RFC 3339, of the whole
  instant).
- Per stream, in arrival (file) order: watermark = newest non-late time of
  the stream minus lateness (none before its first point).  A point with
  t < watermark is late: dead letter {"reason": "late", "time": T,
  "watermark": W, "source", "offset", "line", "record", "truncated":
  false}, T and W exact decimals in time_unit; it is in no window.  A
  record without "t": dead letter whose reason starts "no event time".
- Window k (any integer) of a scale covers [k*slide, k*slide + window) ns.
  Its points are the stream's non-late points with t in it, ordered by
  (t, arrival); beyond max_window_points the first ones are kept and
  "dropped" counts the rest.  Windows without points have no result; at
  the end of a finite file every window with points is published.
- sublevel: H0 of the sublevel filtration of the kept values in that
  order (GUDHI's cubical complex; exact, as tests/oracle/check_sublevel.py).
  rips: the kept series delay-embedded (dim, lag), then Vietoris-Rips
  H0..H1 (GUDHI, and Debian's ripser when installed; the tolerances of
  tests/oracle/check_rips.py and tests/oracle/ripser_ref.py).  A window
  whose series is too short to embed has empty diagrams.
- A result: {"v":1,"id":"STREAM/SCALE/K","stream","scale","window":K,
  "from","to","start","end","n",["dropped",]...,"diagrams":{"0":...}},
  from/to the window's bounds, start/end the times of its first and last
  kept point, in time_unit as exact decimals; no first_seq, last_seq, lost.
  A window is published once its stream's watermark passes its end: each
  stream's windows of a scale are in increasing k in the results file.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal, getcontext, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

getcontext().prec = 200
UNIT_EXP = {"s": 9, "ms": 6, "us": 3, "ns": 0}
DUR_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
INF = math.inf
PER_KIND = 6                  # differences shown in full, per kind

# The two scales of every case (the brief of issue 18's tests).
SCALES = [
    {"name": "a", "complex": "sublevel", "window": "1s", "slide": "250ms", "dims": [0]},
    {"name": "r", "complex": "rips", "window": "1s", "slide": "500ms", "dims": [0, 1],
     "embed": (2, 1), "max_points": 1000},
]
# max_points: with the default max_window_points (65536), a Rips scale
# must subsample to pass the memory check at start (common/config.c); the
# windows here hold a few dozen points, so nothing is subsampled.


# ------------------------------------------------------------- event times

def duration_ns(text):
    m = re.fullmatch(r"(0|[1-9][0-9]*)(ns|us|ms|s|m|h)?", text)
    if not m or (m.group(2) is None and text != "0"):
        raise ValueError("not a duration: %r" % text)
    return int(m.group(1)) * DUR_NS[m.group(2) or "ns"]


def round_away(x):
    """The Decimal X rounded to the nearest integer, ties away from zero."""
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


RFC3339 = re.compile(r"[ \t]*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
                     r"([Zz]|[+-]\d{2}:\d{2})[ \t]*")


def rfc3339_ns(s):
    m = RFC3339.fullmatch(s)
    if not m:
        raise ValueError("not an RFC 3339 date-time: %r" % s)
    y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
    if ss == 60:
        raise ValueError("leap seconds are not generated here: %r" % s)
    off = 0
    if m.group(8) not in "Zz":
        sign = -1 if m.group(8)[0] == "-" else 1
        off = sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    secs = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off
    frac = Decimal("0." + m.group(7)) if m.group(7) else Decimal(0)
    return round_away((Decimal(secs) + frac) * 10**9)


def time_ns(value, unit):
    """A record's "t" as parsed with Decimal numbers: ns since the epoch."""
    if isinstance(value, str):
        return rfc3339_ns(value)
    if isinstance(value, Decimal):
        return round_away(value.scaleb(UNIT_EXP[unit]))
    raise ValueError("t is neither a number nor a string: %r" % (value,))


def in_unit(ns, unit):
    """NS in UNIT as an exact Decimal."""
    return Decimal(unit_text(ns, unit))


def unit_text(ns, unit):   # common/time_unit.c's time_format
    """NS in UNIT as the shortest exact decimal text."""
    e = UNIT_EXP[unit]
    neg, mag = ns < 0, abs(ns)
    ip, fp = divmod(mag, 10**e) if e else (mag, 0)
    s = str(ip)
    if e and fp:
        s += "." + ("%0*d" % (e, fp)).rstrip("0")
    return ("-" if neg else "") + s


def self_test():
    """A few conversions stated in ingest/event_time.h and RFC 3339."""
    d = lambda t, u: time_ns(Decimal(t), u)
    assert d("1.0000000005", "s") == 1000000001
    assert d("1.00000000049999999999", "s") == 1000000000
    assert d("2.5", "ns") == 3 and d("-2.5", "ns") == -3
    assert d("-0", "s") == 0 and d("1e-400", "s") == 0
    assert d("1765000000123456789e-6", "ms") == 1765000000123456789
    assert rfc3339_ns("1970-01-01T00:00:00Z") == 0
    assert rfc3339_ns("1969-12-31T23:59:59.5Z") == -500000000
    assert rfc3339_ns("1969-12-31T23:59:59.0000000005Z") == -1000000000   # a tie, whole instant
    assert rfc3339_ns("1970-01-01T00:00:00.0000000005Z") == 1
    assert rfc3339_ns("2026-12-06T03:12:22.125Z") == 1796526742125000000
    assert rfc3339_ns("2026-12-06T08:42:22.125+05:30") == 1796526742125000000
    assert rfc3339_ns("2026-12-05t19:12:22.125-08:00") == 1796526742125000000
    assert rfc3339_ns("1600-02-29 00:00:00z") == days_from_civil(1600, 2, 29) * 86400 * 10**9
    assert civil_from_days(days_from_civil(1967, 3, 1)) == (1967, 3, 1)
    assert unit_text(-1500000000, "s") == "-1.5" and unit_text(5, "ms") == "0.000005"
    assert unit_text(0, "us") == "0" and unit_text(-7, "ns") == "-7"


# ------------------------------------------------------------- the input

def rfc3339_text(rng, ns):
    """An RFC 3339 string for NS, in one of the forms a writer may use,
    some with more than 9 fraction digits that round back to NS."""
    base, extra = ns, ""
    r = rng.random()
    if r < 0.12:                       # a tie of the whole instant, rounding to NS
        base, extra = (ns - 1, "5") if ns > 0 else (ns, "5" if ns < 0 else "4")
        extra += "0" * rng.randint(0, 2)
    elif r < 0.2:
        extra = rng.choice(["4", "49", "4999", "1", "0"])
    secs, fr = divmod(base, 10**9)
    off = rng.choice([0] * 6 + [330, -480, 60, -(9 * 60 + 30), 0])
    local = secs + off * 60
    days, sod = divmod(local, 86400)
    y, mo, d = civil_from_days(days)
    frac = "%09d" % fr + extra
    if not extra:
        frac = frac.rstrip("0")
        if frac and rng.random() < 0.2:
            frac = "%09d" % fr        # zeros kept
    text = "%04d-%02d-%02d%s%02d:%02d:%02d" % (
        y, mo, d, rng.choice("T" * 12 + "t "), sod // 3600, sod // 60 % 60, sod % 60)
    if frac:
        text += "." + frac
    if off == 0:
        text += rng.choice(["Z"] * 8 + ["z", "+00:00", "-00:00"])
    else:
        text += "%s%02d:%02d" % ("+" if off > 0 else "-", abs(off) // 60, abs(off) % 60)
    assert rfc3339_ns(text) == ns, (text, ns)
    return '"%s"' % text


def number_text(rng, ns, unit):
    """NS in UNIT as JSON number text: shortest, with an exponent, or with
    extra digits that round back to NS (ties away from zero included)."""
    e = UNIT_EXP[unit]
    r = rng.random()
    if r < 0.5:
        text = unit_text(ns, unit)
    elif r < 0.7:
        k = rng.randint(0, 3)
        text = "%d%s-%d" % (ns * 10**k, rng.choice("eE"), e + k) if e + k else str(ns)
    else:
        if ns > 0:
            off = rng.choice(["-0.5", "-0.4999", "0.25", "0.4999999"])
        elif ns < 0:
            off = rng.choice(["0.5", "0.4999", "-0.25", "-0.4999999"])
        else:
            off = rng.choice(["0.4", "-0.4", "0.0000001"])
        text = format((Decimal(ns) + Decimal(off)).scaleb(-e), "f")
    assert time_ns(Decimal(text), unit) == ns, (text, ns, unit)
    return text


def time_text(rng, ns, unit):
    return rfc3339_text(rng, ns) if rng.random() < 0.4 else number_text(rng, ns, unit)


def record(rng, stream, t_text, v):
    v_text = repr(float(v))
    kind = rng.random()
    if t_text is None:
        return '{"stream": "%s", "v": %s}' % (stream, v_text)
    if kind < 0.7:
        return '{"stream":"%s","t":%s,"v":%s}' % (stream, t_text, v_text)
    if kind < 0.9:
        return '{"t": %s, "stream": "%s", "v": %s}' % (t_text, stream, v_text)
    return '{"v":%s , "t" :%s,"stream":"%s"}' % (v_text, t_text, stream)


EPOCHS = {
    "epoch": lambda rng: -rng.randint(2 * 10**9, 5 * 10**9),                  # straddles 1970
    "1967": lambda rng: -(3 * 365 * 86400 * 10**9) + rng.randint(0, 10**12),  # before 1970
    "2026": lambda rng: 1796526742 * 10**9 + rng.randint(0, 10**12),
    # the ends of the range (int64 ns: 1677-09-21 to 2262-04-11), where
    # k*slide and k*slide + window may be beyond it (--extremes)
    "min": lambda rng: -2**63 + rng.choice([0, rng.randint(0, 2 * 10**8)]),
    "max": lambda rng: 2**63 - 1 - 5 * 10**9 - rng.randint(0, 10**9),   # runs to the end
}
I64 = (-2**63, 2**63 - 1)


def gen_stream(rng, kind, lateness, mean_gap=28e6, seconds=None):
    """[(t_ns, value)] of one stream in arrival order."""
    t = EPOCHS[kind](rng)
    if rng.random() < 0.5:
        t -= t % 10**6                 # whole milliseconds: more ties
        if t < I64[0]:
            t += 10**6
    span = (seconds or rng.randint(6, 9)) * 10**9
    end = min(t + span, I64[1])
    pts, v = [], 0.0
    while t < end:
        v += rng.gauss(0, 1)
        val = round(v) if rng.random() < 0.3 else round(v, 3)
        pts.append([t, val])
        r = rng.random()
        if r < 0.08:
            gap = 0                    # the same time again
        elif r < 0.08 + 0.005 * mean_gap / 28e6:
            gap = rng.randint(12 * 10**8, 3 * 10**9)
        else:
            gap = int(rng.expovariate(1 / mean_gap))
            if rng.random() < 0.5:
                gap -= gap % 10**6
        t += gap
    # arrival order: most on time, some held back within the lateness
    # (on time), some beyond it (late unless nothing newer came first)
    keyed = []
    for i, (t, val) in enumerate(pts):
        r = rng.random()
        if r < 0.12 and lateness > 0:
            delay = rng.randint(0, max(0, lateness * 9 // 10))
        elif r < 0.2:
            delay = lateness + rng.randint(10**6, 4 * 10**8)
        else:
            delay = 0
        keyed.append((t + delay, i, t, val))
    keyed.sort()
    out, newest = [], None
    for _, _, t, val in keyed:
        out.append((t, val))
        newest = t if newest is None else max(newest, t)
        r = rng.random()
        if newest - lateness - 1 < I64[0]:
            continue
        if r < 0.02:                   # exactly at the watermark: on time
            out.append((newest - lateness, round(rng.gauss(0, 3), 2)))
        elif r < 0.04:                 # 1 ns below it: late
            out.append((newest - lateness - 1, round(rng.gauss(0, 3), 2)))
    return out


def pending_input(seed, unit):
    """One stream: 70,000 points 1 ms apart, in order, then two on time
    that arrive behind many others: 0.5 ms (69,999.5 ms before the newest)
    and 69,000.5 ms.  With a lateness of 100 s nothing is late, and more
    than 65,536 points wait above the watermark when the first of the two
    arrives: both belong in their windows like any point on time."""
    rng = random.Random(seed)
    base = -10**9 * rng.randint(1, 5)
    recs = [(base + i * 10**6, round(rng.gauss(0, 1), 3)) for i in range(70000)]
    recs += [(base + 5 * 10**5, -9.0), (base + 69000 * 10**6 + 5 * 10**5, 9.0)]
    return "".join('{"stream":"p1","t":%s,"v":%r}\n' % (number_text(rng, t, unit), v)
                   for t, v in recs).encode()


def msgpack_record(rng, stream, ns, v, unit):
    """A MessagePack map; t (unless NS is None) as an RFC 3339 string, an
    integer in the unit when NS is a whole number of it, or a float64 (then
    the time is that double's exact value, rounded to ns)."""
    import msgpack
    m = [("stream", stream)]
    if ns is not None:
        e = UNIT_EXP[unit]
        r = rng.random()
        if r < 0.35:
            t = rfc3339_text(rng, ns)[1:-1]
        elif r < 0.65 and ns % 10**e == 0:
            t = ns // 10**e
        else:
            t = float(Decimal(ns).scaleb(-e))
        m.append(("t", t))
    m.append(("v", float(v)))
    if rng.random() < 0.3:
        rng.shuffle(m)
    return msgpack.packb(dict(m), use_bin_type=True)


def make_input(seed, unit, lateness, fmt="jsonl", nstreams=None, extremes=False, dense=False,
               seconds=None):
    """The input file's bytes: the streams interleaved at random in FMT
    (jsonl, csv: "stream,t,v" lines, or msgpack maps)."""
    rng = random.Random(seed)
    nstreams = nstreams or rng.randint(3, 5)
    first = ["min", "max", "epoch"] if extremes else ["epoch", "1967", "2026"]
    kinds = first + [rng.choice(["epoch", "1967", "2026"]) for _ in range(nstreams - 3)]
    rng.shuffle(kinds)
    streams = {"s%d" % (i + 1): gen_stream(rng, k, lateness, 2e6 if dense else 28e6, seconds)
               for i, k in enumerate(kinds)}
    left = {s: list(p) for s, p in streams.items()}
    recs = []                          # (stream, ns or None, value); None: a blank line
    while left:
        names = sorted(left)
        s = rng.choices(names, weights=[len(left[n]) for n in names])[0]
        t, val = left[s].pop(0)
        if not left[s]:
            del left[s]
        r = rng.random()
        if r < 0.01:
            recs.append((s, None, val))                # no event time
        elif r < 0.015:
            recs.append(None)
        recs.append((s, t, val))
    recs.insert(rng.randint(0, len(recs)), ("only-untimed", None, 1.5))
    if fmt == "msgpack":
        return b"".join(msgpack_record(rng, *r, unit) for r in recs if r is not None)
    lines = []
    for r in recs:
        if r is None:
            lines.append("")
        elif fmt == "jsonl":
            lines.append(record(rng, r[0], None if r[1] is None else time_text(rng, r[1], unit), r[2]))
        elif r[1] is not None:         # csv: every record has its time (stream,t,v)
            lines.append("%s,%s,%r" % (r[0], time_text(rng, r[1], unit).strip('"'), float(r[2])))
    return ("\n".join(lines) + "\n").encode()


EXTRA_SCALES = [
    # slide longer than the window: points between windows are in none
    {"name": "g", "complex": "sublevel", "window": "100ms", "slide": "250ms", "dims": [0]},
    # a window that is not a multiple of the slide
    {"name": "o", "complex": "sublevel", "window": "700ms", "slide": "300ms", "dims": [0]},
    # Rips of the values as points on a line, no embedding
    {"name": "p", "complex": "rips", "window": "2s", "slide": "1s", "dims": [0], "max_points": 1000},
]


DENSE_SCALES = [
    # about 500 points per second: 500 points a window, and 1500 in 30
    # windows at once; the first 1000 kept
    {"name": "a", "complex": "sublevel", "window": "1s", "slide": "250ms", "dims": [0]},
    {"name": "d", "complex": "sublevel", "window": "3s", "slide": "100ms", "dims": [0],
     "max_window_points": 1000},
]


def case_scales(case):
    if case.get("dense"):
        return DENSE_SCALES
    return SCALES + (EXTRA_SCALES if case.get("extra_scales") else [])


def config_text(instance, d, case, lateness_text):
    unit, fmt, mwp = case["unit"], case["format"], case["max_window_points"]
    where = "type: stdin" if case.get("stdin") else "type: file, path: %s/%s" % (d, input_name(fmt))
    src = "{%s, format: %s, time_unit: %s%s%s}" % (
        where, fmt, unit,
        ", stream_column: 0, time_column: 1" if fmt == "csv" else "",
        ", lateness: %s" % lateness_text if lateness_text is not None else "")
    out = ["instance: %s" % instance, "source: %s" % src,
           "sink: {type: file, path: %s/out.jsonl}" % d,
           "dead_letter: {type: file, path: %s/out.jsonl.dead}" % d, "max_streams: 16", "scales:"]
    for sc in case_scales(case):
        f = ["name: %s" % sc["name"], "complex: %s" % sc["complex"], "window: %s" % sc["window"],
             "slide: %s" % sc["slide"]]
        if sc["complex"] == "rips":
            f.append("dims: [%s]" % ", ".join(map(str, sc["dims"])))
        if sc.get("embed"):
            f.append("embed: {dim: %d, lag: %d}" % sc["embed"])
        if sc.get("max_points"):
            f.append("max_points: %d" % sc["max_points"])
        if mwp or sc.get("max_window_points"):
            f.append("max_window_points: %d" % (mwp or sc["max_window_points"]))
        out.append("  - {%s}" % ", ".join(f))
    return "\n".join(out) + "\n"


def input_name(fmt):
    return "in." + fmt


# ------------------------------------------------------------- the reference

def read_records(path, fmt, unit):
    """[(offset, line, raw bytes, stream, t in ns or None, value)] of the
    input file PATH in FMT; line is 0 for msgpack."""
    data = open(path, "rb").read()
    out = []
    if fmt == "msgpack":
        import msgpack
        u = msgpack.Unpacker(raw=False, strict_map_key=False)
        u.feed(data)
        off = 0
        for obj in u:
            end = u.tell()
            t = obj.get("t")
            if isinstance(t, bool) or t is None:
                ns = None
            elif isinstance(t, int):
                ns = t * 10**UNIT_EXP[unit]
            elif isinstance(t, float):
                ns = round_away(Decimal(t).scaleb(UNIT_EXP[unit]))
            else:
                ns = rfc3339_ns(t)
            out.append((off, 0, data[off:end], obj.get("stream", "default"), ns, float(obj["v"])))
            off = end
        return out
    off = 0
    for lineno, raw in enumerate(data.split(b"\n")[:-1], 1):
        here = off
        off += len(raw) + 1
        text = raw.decode("utf-8")
        if not text.strip():
            continue
        if fmt == "csv":
            f = text.split(",")
            t = f[1] if ":" in f[1] else Decimal(f[1])
            out.append((here, lineno, raw, f[0], time_ns(t, unit), float(f[2])))
            continue
        obj = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        ns = time_ns(obj["t"], unit) if "t" in obj else None
        out.append((here, lineno, raw, obj.get("stream", "default"), ns, float(obj["v"])))
    return out


# TIME_REF_BOUNDS=man: model the bound tdapipe.yaml(5) documents (Bounds)
# on points waiting for the watermark, which the specification above does
# not have: a scale holds at most max(max_window_points, 65536) of them
# per stream, a point that needs the slot (its sequence number modulo
# that) of a waiting point first puts the waiting points up to that one in
# order, and a point that would sort before points already in order is
# left out of every window of the scale.
BOUNDS = os.environ.get("TIME_REF_BOUNDS", "spec")


def left_out(pts, slots, lateness):
    """Arrival numbers of the points of one stream (PTS: its points not
    late, in arrival order) that the documented bound leaves out."""
    import heapq
    heap, waiting, out = [], {}, set()
    front = None                       # the last (t, arrival) put in order
    newest = None

    def settle():
        nonlocal front
        t, a, seq = heapq.heappop(heap)
        del waiting[seq]
        front = (t, a)

    for seq, p in enumerate(pts):
        key = (p[0], p[1])
        if seq >= slots and seq - slots in waiting:
            lim = waiting[seq - slots]
            while heap and heap[0][:2] <= lim:
                settle()
        if front is not None and key < front:
            out.add(p[1])
            continue
        heapq.heappush(heap, (p[0], p[1], seq))
        waiting[seq] = key
        newest = p[0] if newest is None else max(newest, p[0])
        while heap and heap[0][0] < newest - lateness:
            settle()
    return out


def expected(path, unit, lateness, scales, mwp, fmt="jsonl", source=None):
    """(results {id: dict}, dead letters [dict]) of the input file PATH
    (read from SOURCE, default PATH: the dead letters' "source")."""
    streams = defaultdict(list)        # stream -> [(t, arrival, value, line or offset)]
    newest = {}
    dead = []
    for arrival, (off, line, raw, stream, t, v) in enumerate(read_records(path, fmt, unit)):
        letter = {"source": source or path, "offset": off, "line": line, "record": raw, "truncated": False}
        if t is None:
            dead.append(dict(letter, reason="no event time"))
            continue
        if stream in newest and t < newest[stream] - lateness:
            dead.append(dict(letter, reason="late", time=in_unit(t, unit),
                             watermark=in_unit(newest[stream] - lateness, unit)))
            continue
        newest[stream] = max(newest.get(stream, t), t)
        streams[stream].append((t, arrival, v, line or off))
    results = {}
    for sc in scales:
        W, S = duration_ns(sc["window"]), duration_ns(sc["slide"])
        cap = mwp or sc.get("max_window_points") or 65536
        for stream, pts in streams.items():
            out = left_out(pts, max(cap, 65536), lateness) if BOUNDS == "man" else set()
            wins = defaultdict(list)
            for p in pts:
                if p[1] in out:
                    continue
                for k in range((p[0] - W) // S + 1, p[0] // S + 1):
                    wins[k].append(p)
            for k, ps in wins.items():
                ps.sort(key=lambda p: (p[0], p[1]))
                kept = ps[:cap]
                rid = "%s/%s/%d" % (stream, sc["name"], k)
                results[rid] = {
                    "stream": stream, "scale": sc["name"], "window": k,
                    "from": in_unit(k * S, unit), "to": in_unit(k * S + W, unit),
                    "start": in_unit(kept[0][0], unit), "end": in_unit(kept[-1][0], unit),
                    "n": len(kept), "dropped": len(ps) - len(kept),
                    "values": [p[2] for p in kept], "lines": [p[3] for p in kept], "sc": sc}
    return results, dead


def gudhi_sublevel(x):
    import gudhi
    if not x:
        return {0: []}
    cc = gudhi.CubicalComplex(top_dimensional_cells=x)
    return {0: sorted((float(b), float(d)) for dim, (b, d) in cc.persistence()
                      if dim == 0 and d > b)}


def embed(x, dim, lag):
    m = len(x) - (dim - 1) * lag
    return [[x[i + j * lag] for j in range(dim)] for i in range(max(0, m))]


def gudhi_rips(pts, maxdim):
    import gudhi
    if not pts:
        return {d: [] for d in range(maxdim + 1)}
    st = gudhi.RipsComplex(points=pts).create_simplex_tree(max_dimension=maxdim + 1)
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    return {d: [(float(b), float(e)) for b, e in st.persistence_intervals_in_dimension(d) if e > b]
            for d in range(maxdim + 1)}


def tol_gudhi(scale):          # tests/oracle/check_rips.py
    return lambda x: 1e-12 * x + 1e-12 * scale + 1e-15


# ------------------------------------------------------------- comparison

class Diffs:
    """Differences, each filed under a kind: the word before the first
    space or digit of its detail ("missing", "unexpected", "from", "H0",
    "vs", "reason", ...)."""
    def __init__(self):
        self.items = []

    def add(self, what, detail):
        self.items.append((re.match(r"[A-Za-z_]+[0-9]?", detail).group(0) or detail[:12], what, detail))

    def report(self):
        by = defaultdict(list)
        for kind, what, detail in self.items:
            by[kind].append((what, detail))
        for kind, items in by.items():
            for what, detail in items[:PER_KIND]:
                print("DIFF %s: %s" % (what, detail))
            if len(items) > PER_KIND:
                print("DIFF ... %d more of kind %r" % (len(items) - PER_KIND, kind))
        print("differences by kind: %s" % ", ".join("%s %d" % (k, len(v)) for k, v in by.items()))


def order_ok(iv):
    keys = [(b, INF if d is None else d) for b, d in iv]
    return keys == sorted(keys) and all(d is None or d > b for b, d in iv)


def fmt_dec(x):
    return str(x) if isinstance(x, Decimal) else repr(x)


def compare_result(rid, got, want, diffs, ripser_dir):
    sc = want["sc"]
    dims = sc["dims"]
    keys = list(got)
    head = ["v", "id", "stream", "scale", "window", "from", "to", "start", "end", "n"]
    extra = [k for k in keys[len(head):-1] if k not in ("dropped", "landmarks", "truncated", "incomplete")]
    if keys[:len(head)] != head or keys[-1] != "diagrams" or extra:
        diffs.add(rid, "keys %s, expected %s[, dropped, ...], diagrams" % (keys, head))
    for k in ("first_seq", "last_seq", "lost"):
        if k in got:
            diffs.add(rid, "has %s=%s (count scales only)" % (k, fmt_dec(got[k])))
    if got.get("v") != 1:
        diffs.add(rid, "v=%r" % got.get("v"))
    for k in ("stream", "scale"):
        if got.get(k) != want[k]:
            diffs.add(rid, "%s %r, expected %r" % (k, got.get(k), want[k]))
    if not (isinstance(got.get("window"), Decimal) and got["window"] == want["window"]
            and "." not in str(got["window"]) and "e" not in str(got["window"]).lower()):
        diffs.add(rid, "window %r, expected %d" % (got.get("window"), want["window"]))
    for k in ("from", "to", "start", "end", "n"):
        if not isinstance(got.get(k), Decimal) or got[k] != want[k]:
            diffs.add(rid, "%s %s, expected %s" % (k, fmt_dec(got.get(k)), fmt_dec(want[k])))
    if want["dropped"]:
        if got.get("dropped") != want["dropped"]:
            diffs.add(rid, "dropped %s, expected %d" % (fmt_dec(got.get("dropped")), want["dropped"]))
    elif "dropped" in got:
        diffs.add(rid, "dropped %s, expected none (absent)" % fmt_dec(got["dropped"]))
    for k in ("landmarks", "truncated", "incomplete"):
        if k in got:
            diffs.add(rid, "%s %r on a window of %d points" % (k, got[k], want["n"]))
    dg = got.get("diagrams")
    if not isinstance(dg, dict) or list(dg) != [str(d) for d in dims]:
        diffs.add(rid, "diagrams keys %r, expected %r" % (list(dg) if isinstance(dg, dict) else dg,
                                                          [str(d) for d in dims]))
        return
    mine = {}
    for d in dims:
        iv = [[float(b), None if e is None else float(e)] for b, e in dg[str(d)]]
        if not order_ok(iv):
            diffs.add(rid, "H%d intervals not sorted, or death <= birth: %s" % (d, iv[:8]))
        mine[d] = sorted((b, INF if e is None else e) for b, e in iv)
    x = want["values"]
    if sc["complex"] == "sublevel":
        ref = gudhi_sublevel(x)
        if mine[0] != ref[0]:
            co, cr = set(mine[0]), set(ref[0])
            diffs.add(rid, "H0 differs from GUDHI (exact): only ours %s, only GUDHI %s; "
                      "series (%d values, input lines (msgpack: offsets) %s...) %s"
                      % (sorted(co - cr)[:6], sorted(cr - co)[:6], len(x), want["lines"][:8], x[:12]))
        return
    from ripser_ref import same_diagrams, run_ripser, tol_ripser
    pts = embed(x, *sc["embed"]) if sc.get("embed") else [[v] for v in x]
    scale = max((abs(c) for p in pts for c in p), default=1.0) or 1.0
    maxdim = max(dims)
    ref = gudhi_rips(pts, maxdim)
    diff = same_diagrams(mine, ref, dims, tol_gudhi(scale))
    if diff:
        diffs.add(rid, "vs GUDHI: %s; series (%d values, input lines (msgpack: offsets) %s...) %s"
                  % (diff, len(x), want["lines"][:8], x[:12]))
    if ripser_dir and len(pts) >= 2:
        path = os.path.join(ripser_dir, "w.csv")
        with open(path, "w") as f:
            f.write("".join(",".join(repr(c) for c in p) + "\n" for p in pts))
        rp = run_ripser(path, max(1, maxdim))
        diff = same_diagrams(mine, rp, dims, tol_ripser(scale, len(pts[0])))
        if diff:
            diffs.add(rid, "vs ripser: %s" % diff)


def compare_dead(got, want, diffs):
    if len(got) != len(want):
        diffs.add("dead letters", "count %d, expected %d" % (len(got), len(want)))
    # keyed by offset (msgpack has no lines), shown as "line N" or "offset N"
    key = lambda d: d.get("offset")
    by_line = {key(d): d for d in got}
    want_lines = [key(w) for w in want]
    if [key(d) for d in got] != want_lines and sorted(by_line) == sorted(want_lines):
        diffs.add("dead letters", "not in input order: offsets %s" % [key(d) for d in got][:20])
    for off in sorted(set(by_line) - set(want_lines), key=str):
        d = by_line[off]
        diffs.add("dead letter offset %s" % off, "unexpected: %s" % json.dumps(d, default=str)[:300])
    for w in want:
        d = by_line.get(key(w))
        where = "dead letter %s" % ("line %d" % w["line"] if w["line"] else "offset %d" % w["offset"])
        if d is None:
            diffs.add(where, "missing: expected %s" % json.dumps(w, default=repr)[:300])
            continue
        reason = d.get("reason")
        if w["reason"] == "late":
            if reason != "late":
                diffs.add(where, "reason %r, expected \"late\" (time %s, watermark %s)"
                          % (reason, w["time"], w["watermark"]))
            for k in ("time", "watermark"):
                if not isinstance(d.get(k), Decimal) or d[k] != w[k]:
                    diffs.add(where, "%s %s, expected %s" % (k, fmt_dec(d.get(k)), w[k]))
        elif not (isinstance(reason, str) and reason.startswith("no event time")):
            diffs.add(where, "reason %r, expected one starting \"no event time\"" % reason)
        for k in ("source", "offset", "line", "truncated"):
            if d.get(k) != w[k]:
                diffs.add(where, "%s %r, expected %r" % (k, d.get(k), w[k]))
        if "record_base64" in d:
            import base64
            rec = base64.b64decode(d["record_base64"])
        else:
            rec = d.get("record", "").encode("utf-8", "surrogatepass")
        if rec != w["record"]:
            diffs.add(where, "record %r, expected %r" % (rec, w["record"]))


def load_jsonl(path, diffs):
    out = []
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        diffs.add(path, "last line not terminated")
    for i, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            out.append(json.loads(raw, parse_float=Decimal, parse_int=Decimal))
        except ValueError as e:
            diffs.add("%s:%d" % (path, i), "not JSON (%s): %r" % (e, raw[:200]))
    return out


def check(d):
    case = json.load(open(os.path.join(d, "case.json")))
    unit, lateness, mwp = case["unit"], case["lateness_ns"], case["max_window_points"]
    diffs = Diffs()
    fmt = case.get("format", "jsonl")
    want_res, want_dead = expected(os.path.join(d, input_name(fmt)), unit, lateness, case_scales(case),
                                   mwp, fmt, "stdin" if case.get("stdin") else None)
    got_rows = load_jsonl(os.path.join(d, "out.jsonl"), diffs)
    dead_path = os.path.join(d, "out.jsonl.dead")
    got_dead = load_jsonl(dead_path, diffs) if os.path.exists(dead_path) else []
    got = {}
    last = {}
    for r in got_rows:
        rid = r.get("id")
        if rid in got:
            diffs.add(str(rid), "published twice")
        got[rid] = r
        # a window is published once its stream's watermark passes its end,
        # so each stream's windows of a scale come out in increasing k
        key = (r.get("stream"), r.get("scale"))
        if key in last and isinstance(r.get("window"), Decimal) and not r["window"] > last[key]:
            diffs.add(str(rid), "order: published after window %s of %s/%s" % (last[key], *key))
        last[key] = r.get("window")
    for rid in sorted(set(got) - set(want_res), key=str):
        r = got[rid]
        diffs.add(str(rid), "unexpected result: from %s to %s n %s start %s end %s"
                  % tuple(fmt_dec(r.get(k)) for k in ("from", "to", "n", "start", "end")))
    for rid in sorted(set(want_res) - set(got)):
        w = want_res[rid]
        diffs.add(rid, "missing result: from %s to %s n %d (input lines or offsets %s)"
                  % (w["from"], w["to"], w["n"], w["lines"][:8]))
    ripser_dir = None
    if os.access("/usr/bin/ripser", os.X_OK) and os.environ.get("TIME_REF_RIPSER", "1") != "0":
        ripser_dir = tempfile.mkdtemp(prefix="time-ref-")
    for rid in sorted(set(got) & set(want_res)):
        compare_result(rid, got[rid], want_res[rid], diffs, ripser_dir)
    compare_dead(got_dead, want_dead, diffs)
    if ripser_dir:
        import shutil
        shutil.rmtree(ripser_dir, ignore_errors=True)
    per_scale = defaultdict(int)
    for w in want_res.values():
        per_scale[w["scale"]] += 1
    late = sum(1 for w in want_dead if w["reason"] == "late")
    what = ("%sseed %d, %s, time_unit %s, lateness %s ns, max_window_points %s: %s results (%s), "
            "%d dropped in %d windows, %d dead letters (%d late, %d without t)"
            % ("bounds as in tdapipe.yaml(5): " if BOUNDS == "man" else "", case["seed"], fmt, unit, lateness, mwp or "default",
               len(want_res), ", ".join("%s %d" % kv for kv in sorted(per_scale.items())),
               sum(w["dropped"] for w in want_res.values()),
               sum(1 for w in want_res.values() if w["dropped"]),
               len(want_dead), late, len(want_dead) - late))
    if diffs.items:
        diffs.report()
        print("FAIL %s: %d differences" % (what, len(diffs.items)))
        return 1
    print("# %s: all equal" % what)
    return 0


def write_expected(d, out):
    """The results and dead letters as the specification has them, in the
    pipeline's format (diagrams from GUDHI), to OUT and OUT.dead: to diff
    with a run's by hand, and to test this checker."""
    case = json.load(open(os.path.join(d, "case.json")))
    unit = case["unit"]
    fmt = case.get("format", "jsonl")
    res, dead = expected(os.path.join(d, input_name(fmt)), unit, case["lateness_ns"], case_scales(case),
                         case["max_window_points"], fmt, "stdin" if case.get("stdin") else None)
    num = lambda x: unit_text(int(x.scaleb(UNIT_EXP[unit])), unit)
    jnum = lambda v: "null" if v == INF else repr(v).replace("inf", "null")
    with open(out, "w") as f:
        for rid in sorted(res, key=lambda i: (res[i]["scale"], res[i]["stream"], res[i]["window"])):
            w = res[rid]
            sc = w["sc"]
            if sc["complex"] == "sublevel":
                dg = gudhi_sublevel(w["values"])
            else:
                pts = embed(w["values"], *sc["embed"]) if sc.get("embed") else [[v] for v in w["values"]]
                dg = gudhi_rips(pts, max(sc["dims"]))
            f.write('{"v":1,"id":%s,"stream":%s,"scale":%s,"window":%d,"from":%s,"to":%s,'
                    '"start":%s,"end":%s,"n":%d,%s"diagrams":{%s}}\n'
                    % (json.dumps(rid), json.dumps(w["stream"]), json.dumps(w["scale"]), w["window"],
                       num(w["from"]), num(w["to"]), num(w["start"]), num(w["end"]), w["n"],
                       '"dropped":%d,' % w["dropped"] if w["dropped"] else "",
                       ",".join('"%d":[%s]' % (k, ",".join("[%s,%s]" % (jnum(b), jnum(e))
                                                            for b, e in sorted(dg[k])))
                                for k in sc["dims"])))
    with open(out + ".dead", "w") as f:
        for w in dead:
            parts = ['"reason":%s' % json.dumps(w["reason"])]
            if w["reason"] == "late":
                parts += ['"time":%s' % num(w["time"]), '"watermark":%s' % num(w["watermark"])]
            parts += ['"%s":%s' % (k, json.dumps(w[k])) for k in ("source", "offset", "line")]
            try:
                parts.append('"record":%s' % json.dumps(w["record"].decode("utf-8")))
            except UnicodeDecodeError:
                import base64
                parts.append('"record":"","record_base64":"%s"' % base64.b64encode(w["record"]).decode())
            parts.append('"truncated":false')
            f.write("{%s}\n" % ",".join(parts))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("case")
    c.add_argument("--dir", required=True)
    c.add_argument("--instance", required=True)
    c.add_argument("--seed", type=int, required=True)
    c.add_argument("--unit", choices=sorted(UNIT_EXP), required=True)
    c.add_argument("--lateness", help="a duration, e.g. 50ms; absent: the default (0)")
    c.add_argument("--max-window-points", type=int)
    c.add_argument("--format", choices=["jsonl", "csv", "msgpack"], default="jsonl")
    c.add_argument("--streams", type=int, help="how many streams (default 3 to 5)")
    c.add_argument("--seconds", type=int, help="event time per stream (default 6 to 9 s)")
    c.add_argument("--pending", action="store_true",
                   help="instead of random streams, 70,000 points and two far behind (pending_input); "
                   "with --dense scales, jsonl, a lateness of at least 70s")
    c.add_argument("--stdin", action="store_true",
                   help="the source is standard input (the shell feeds it D/in.FORMAT)")
    c.add_argument("--dense", action="store_true",
                   help="about 500 points/s per stream, sublevel scales only (see DENSE_SCALES)")
    c.add_argument("--extremes", action="store_true",
                   help="two streams at the ends of the int64 ns range (1677 and 2262)")
    c.add_argument("--extra-scales", action="store_true",
                   help="three more scales: slide > window, window not a multiple of the slide, "
                   "Rips without embedding")
    k = sub.add_parser("check")
    k.add_argument("--dir", required=True)
    e = sub.add_parser("expect")
    e.add_argument("--dir", required=True)
    e.add_argument("--out", required=True)
    sub.add_parser("self-test")
    a = ap.parse_args()
    self_test()
    if a.cmd == "self-test":
        print("# time_windows_ref: self-test ok")
        return 0
    if a.cmd == "check":
        return check(a.dir)
    if a.cmd == "expect":
        write_expected(a.dir, a.out)
        return 0
    os.makedirs(a.dir, exist_ok=True)
    lateness = duration_ns(a.lateness) if a.lateness is not None else 0
    case = {"seed": a.seed, "unit": a.unit, "lateness_ns": lateness, "format": a.format,
            "max_window_points": a.max_window_points, "extra_scales": a.extra_scales,
            "dense": a.dense, "stdin": a.stdin}
    with open(os.path.join(a.dir, input_name(a.format)), "wb") as f:
        f.write(pending_input(a.seed, a.unit) if a.pending else
                make_input(a.seed, a.unit, lateness, a.format, a.streams, a.extremes, a.dense, a.seconds))
    with open(os.path.join(a.dir, "c.yaml"), "w") as f:
        f.write(config_text(a.instance, a.dir, case, a.lateness))
    with open(os.path.join(a.dir, "case.json"), "w") as f:
        json.dump(case, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
