#!/bin/sh
# csv_header_fields: CSV as users have it (issue 23).  A long-form file
# (time,sensor,value, a header, RFC 4180 quoted sensor names holding
# commas, quotes and a line break) gives each sensor its own stream, and
# every window's diagram equals GUDHI's sublevel persistence of that
# sensor's values; a wide file (CRLF, quoted fields, the header's columns
# in another order than values:) gives 3-d points whose rips diagrams
# equal GUDHI's; an empty value field is a dead letter naming its column.
# A header that lacks a configured column makes every record a dead
# letter saying so, and the run says all were.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
"$PY" - "$T" <<'PY'
import random, sys
T = sys.argv[1]
r = random.Random(23)
names = ['pump, north', 'fan "big"', 'valve\nline']
def q(s):
    return '"' + s.replace('"', '""') + '"'
t = 1700000000.0
with open(T + "/long.csv", "w", newline="") as f:
    f.write("time,sensor,value\n")
    for i in range(900):
        t += r.choice((0.1, 0.25, 1.0))            # irregular rates
        s = names[r.randrange(3)]
        f.write("%.3f,%s,%r\n" % (t, q(s), round(r.gauss(0, 1) + i % 7 * 0.2, 6)))
with open(T + "/wide.csv", "w", newline="") as f:
    f.write('vib,time,"temp",pressure,note\r\n')
    for i in range(240):
        temp, pres, vib = round(r.gauss(20, 2), 4), round(r.gauss(1013, 3), 3), round(r.random(), 5)
        tq = q(repr(temp)) if i % 3 == 0 else repr(temp)
        f.write('%r,%d,%s,%r,%s\r\n' % (vib, i, tq, pres, q("a, \"note\"") if i % 2 else "x"))
    f.write('0.5,240,,1000,x\r\n')                   # temp empty: no value
with open(T + "/missing.csv", "w") as f:
    f.write("time,sensor,temp\n1,a,2\n2,a,3\n")
PY
SCALES="scales:
  - {name: lev, complex: sublevel, window: 20, slide: 10}"
write_config "$T/long.yaml" "{type: file, path: $T/long.csv, format: csv, header: true, stream: sensor, time: time, values: [value]}" "$T/long.out"
run_ok "$T/long.yaml" 20 "long-form run"
[ ! -s "$T/long.out.dead" ] || die "long-form dead letters: $(head -n 2 "$T/long.out.dead")"

SCALES="scales:
  - {name: cloud, complex: rips, window: 30, slide: 15}"
write_config "$T/wide.yaml" "{type: file, path: $T/wide.csv, format: csv, header: true, time: time, values: [temp, pressure, vib]}" "$T/wide.out"
run_ok "$T/wide.yaml" 20 "wide run"
[ "$(count_lines "$T/wide.out.dead")" -eq 1 ] || die "wide: dead letters: $(cat "$T/wide.out.dead")"
grep -q 'no value in column \\"temp\\"' "$T/wide.out.dead" || die "wide: reason: $(cat "$T/wide.out.dead")"
grep -q '"line":242' "$T/wide.out.dead" || die "wide: the dead letter's line: $(cat "$T/wide.out.dead")"

"$PY" - "$HERE" "$T" <<'PY'
import csv, sys
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
from tdpres import read_jsonl, reference_diagram, same_diagram, expect, n_windows
T = sys.argv[2]
# long-form: each sensor a stream, its values in file order
vals = defaultdict(list)
with open(T + "/long.csv", newline="") as f:
    for row in csv.DictReader(f):
        vals[row["sensor"]].append(float(row["value"]))
got = defaultdict(dict)
for raw, r in read_jsonl(T + "/long.out"):
    got[r["stream"]][r["window"]] = r
expect(sorted(got) == sorted(vals), "streams %r, expected %r" % (sorted(got), sorted(vals)))
n = 0
for s, x in vals.items():
    expect(len(got[s]) == n_windows(len(x), 20, 10), "%r: %d windows of %d points" % (s, len(got[s]), len(x)))
    for k, r in got[s].items():
        ref = reference_diagram(x[k * 10:k * 10 + 20], "sublevel")
        expect(same_diagram(r["diagrams"]["0"], ref), "%r window %d: %r != GUDHI %r" % (s, k, r["diagrams"]["0"], ref))
        n += 1
# wide: points (temp, pressure, vib), whatever the header's order
pts = []
with open(T + "/wide.csv", newline="") as f:
    for row in csv.DictReader(f):
        if row["temp"]:
            pts.append((float(row["temp"]), float(row["pressure"]), float(row["vib"])))
w = {r["window"]: r for raw, r in read_jsonl(T + "/wide.out")}
expect(len(w) == n_windows(len(pts), 30, 15), "wide: %d windows of %d points" % (len(w), len(pts)))
for k, r in w.items():
    ref = reference_diagram(pts[k * 15:k * 15 + 30], "rips")
    expect(same_diagram(r["diagrams"]["0"], ref, rel=1e-6), "wide window %d differs from GUDHI" % k)
print("# long-form: %d windows of 3 quoted sensors equal GUDHI; wide: %d rips windows equal GUDHI" % (n, len(w)))
PY

SCALES="scales:
  - {name: lev, complex: sublevel, window: 2, slide: 1}"
write_config "$T/missing.yaml" "{type: file, path: $T/missing.csv, format: csv, header: true, stream: sensor, time: time, values: [value]}" "$T/missing.out"
start_run "$T/missing.yaml"
wait_run 20
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "missing column: exit $RUN_RC, expected 1"; }
[ "$(count_lines "$T/missing.out.dead" 'the header has no column \\"value\\"')" -eq 2 ] ||
	die "missing column: dead letters: $(cat "$T/missing.out.dead")"
grep -q 'csv header: the header has no column "value"' "$T/run.err" || die "missing column not logged: $(cat "$T/run.err")"
note "a header without the column: 2 dead letters naming it, logged, exit 1"
