#!/bin/sh
# scale_values: scales take coordinates of the point (value:, values:;
# tdapipe.yaml(5), SCALES) and refuse, each on its own, the points they
# cannot use (issue 23).
#
# One CSV holds a wide stream "w" (three values a,b,c a point) and a
# narrow one "n" (one value), interleaved.  Four scales read it:
#   lev    sublevel, value: 2       takes w's c; refuses n (no coordinate 2)
#   cloud  rips, every coordinate   takes w in 3-D and n in 1-D
#   pair   rips, values: [2, 0]     takes w as (c, a); refuses n
#   plain  sublevel, no selection   takes n; refuses w (three values)
# Every window equals GUDHI's diagram of the same coordinates of the same
# points; each scale counts refused exactly the other stream's points
# (tdapipe stats, text and JSON), with one dead letter each naming the
# scale; nothing is lost and no record is a bad one.  Then a run in which
# every scale refuses every record analyses nothing and exits 1.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
NW=240
NN=300
"$PY" - "$T/in.csv" "$NW" "$NN" <<'EOF'
import random, sys
r = random.Random(23)
nw, nn = int(sys.argv[2]), int(sys.argv[3])
rows, x = [], 0.0
w = [("w", "%.3f,%.3f,%.3f" % (r.uniform(0, 4), r.uniform(0, 4), r.uniform(0, 4))) for _ in range(nw)]
n = []
for _ in range(nn):
    x += r.gauss(0, 1)
    n.append(("n", "%.3f" % x))
while w or n:   # interleaved, each stream in its own order
    src = w if (w and (not n or r.random() < 0.45)) else n
    rows.append("%s,%s" % src.pop(0))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
EOF
SCALES="scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10, value: 2}
  - {name: cloud, complex: rips, window: 40, slide: 20, dims: [0, 1]}
  - {name: pair, complex: rips, window: 40, slide: 20, dims: [0, 1], values: [2, 0]}
  - {name: plain, complex: sublevel, window: 50, slide: 10}"
# On standard input, so the counters can be read while the run is up.
write_config "$T/c.yaml" "{type: stdin, format: csv, stream_column: 0}" "$T/out.jsonl"
start_run_fifo "$T/c.yaml"
feed "$T/in.csv"
NALL=$((NW + NN))
wait_stats 30 "proc(s, 'ingest')['records_in'] == $NALL and all(proc(s, 'scaled', x)['records_in'] == $NALL for x in ('lev', 'cloud', 'pair', 'plain'))"
stats_json >"$T/stats.json"
"$TDAPIPE" stats --instance "$INSTANCE" >"$T/stats.txt"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
grep -q "dead letter" "$T/run.err" && { tail -n 3 "$T/run.err" >&2; die "the run counted dead letters"; }
for x in "REFUSED\[lev\] *$NN" "REFUSED\[pair\] *$NN" "REFUSED\[plain\] *$NW"; do
	grep -q "^$x\$" "$T/stats.txt" || { cat "$T/stats.txt" >&2; die "stats text has no line $x"; }
done
grep -q "REFUSED\[cloud\]" "$T/stats.txt" && die "cloud refused points: $(cat "$T/stats.txt")"

"$PY" - "$HERE" "$T" <<'PYEOF'
import sys
from collections import defaultdict
sys.path.insert(0, sys.argv[1])
from tdpres import *
T = sys.argv[2]
rows = defaultdict(list)
for line in open(T + "/in.csv"):
    s, *v = line.strip().split(",")
    rows[s].append([float(x) for x in v])
res = defaultdict(dict)
for raw, r in read_jsonl(T + "/out.jsonl"):
    expect("lost" not in r and "refused" not in r, "%s: lost or refused in %s" % (r["id"], raw[:200]))
    res[(r["scale"], r["stream"])][r["window"]] = r
expect(set(res) == {("lev", "w"), ("cloud", "w"), ("cloud", "n"), ("pair", "w"), ("plain", "n")},
       "scale/stream pairs with results: %s" % sorted(res))
def cols(stream, take):
    return [[p[c] for c in take] for p in rows[stream]]
cases = (("lev", "w", 50, 10, [2], "sublevel"), ("plain", "n", 50, 10, [0], "sublevel"),
         ("cloud", "w", 40, 20, [0, 1, 2], "rips"), ("cloud", "n", 40, 20, [0], "rips"),
         ("pair", "w", 40, 20, [2, 0], "rips"))
import gudhi, numpy as np
for scale, stream, W, S, take, cx in cases:
    pts = cols(stream, take)
    got = res[(scale, stream)]
    nwin = n_windows(len(pts), W, S)
    expect(sorted(got) == list(range(nwin)), "%s/%s: windows %s, expected 0..%d" % (scale, stream, sorted(got), nwin - 1))
    for k, r in got.items():
        win = pts[k * S:k * S + W]
        expect(r["n"] == W, "%s/%s/%d: n=%r" % (scale, stream, k, r["n"]))
        if cx == "sublevel":
            ref = {0: gudhi_sublevel([p[0] for p in win])}
        else:
            st = gudhi.RipsComplex(points=np.asarray(win)).create_simplex_tree(max_dimension=2)
            st.persistence()
            ref = {d: [(b, None if np.isinf(e) else e) for b, e in st.persistence_intervals_in_dimension(d)]
                   for d in (0, 1)}
        for d, want in ref.items():
            expect(same_diagram(r["diagrams"][str(d)], want),
                   "%s/%s window %d H%d: %r != GUDHI %r" % (scale, stream, k, d, r["diagrams"][str(d)][:5], want[:5]))
    print("# %s/%s: %d windows equal GUDHI on coordinates %s" % (scale, stream, len(got), take))
refused = {"lev": len(rows["n"]), "cloud": 0, "pair": len(rows["n"]), "plain": len(rows["w"])}
dead = defaultdict(list)
for line in open(T + "/out.jsonl.dead"):
    d = json.loads(line)
    dead[d["reason"].split('"')[1] if d["reason"].startswith("scale \"") else "?"].append(d)
for s, n in refused.items():
    expect(len(dead[s]) == n, "%s: %d dead letters name it, expected %d" % (s, len(dead[s]), n))
expect(not dead["?"], "dead letters not naming a scale: %s" % dead["?"][:2])
expect(dead["lev"][0]["reason"] == 'scale "lev": no value for coordinate 2: the point has 1 value',
       "lev's reason: %r" % dead["lev"][0]["reason"])
expect(dead["plain"][0]["reason"] == 'scale "plain" needs one value per point, got 3',
       "plain's reason: %r" % dead["plain"][0]["reason"])
expect(dead["plain"][0]["record"].startswith("w,"), "plain's dead letter: %r" % dead["plain"][0])
st = json.load(open(T + "/stats.json"))
for s, n in refused.items():
    rg = ring(st, "in", s)
    expect(rg["refused"] == n and rg["lost"] == 0 and rg["overflow"] == 0,
           "stats in[%s]: refused %r lost %r, expected %d and 0" % (s, rg["refused"], rg["lost"], n))
ing = proc(st, "ingest")
expect(ing["bad_records"] == 0 and ing["records_out"] == len(rows["w"]) + len(rows["n"]),
       "ingest: bad_records %r, records_out %r" % (ing["bad_records"], ing["records_out"]))
print("# refused: %s, one dead letter each naming the scale; none lost" % refused)
PYEOF

# Every scale refuses every record: dead letters with the first scale's
# reason, nothing analysed, exit 1 (as tests/integration/all_dead_letters.sh).
grep "^w," "$T/in.csv" | head -n 20 >"$T/wide.csv"
SCALES="scales:
  - {name: far, complex: rips, window: 5, slide: 5, value: 5}
  - {name: plain, complex: sublevel, window: 5, slide: 5}"
write_config "$T/bad.yaml" "{type: file, path: $T/wide.csv, format: csv, stream_column: 0}" "$T/bad.jsonl"
start_run "$T/bad.yaml"
wait_run 20
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "every record refused by every scale: exit $RUN_RC, expected 1"; }
tail -n 1 "$T/run.err" | grep -q "but every record (20) was a dead letter" ||
	die "the last line does not say so: $(tail -n 1 "$T/run.err")"
[ "$(count_lines "$T/bad.jsonl.dead" 'scale \\"far\\": no value for coordinate 5: the point has 3 values')" -eq 20 ] ||
	die "dead letters: $(head -n 2 "$T/bad.jsonl.dead")"
[ "$(count_lines "$T/bad.jsonl")" -eq 0 ] || die "results from refused records"
note "every record refused by every scale: 20 dead letters, exit 1"

# By name, with values a record lacks (the issue's plant): a wide csv with
# a header, some pressure fields empty.  The vibration scale takes every
# record and equals a run on the vibration column alone; the scales that
# need pressure refuse exactly the records without it, each with its own
# count and a dead letter naming the scale and the column.
"$PY" - "$T" <<'PY'
import random, sys
T = sys.argv[1]
r = random.Random(31)
with open(T + "/plant.csv", "w") as f, open(T + "/vib.csv", "w") as g:
    f.write("time,temp,pressure,vib\r\n")
    g.write("time,vib\n")
    for i in range(600):
        temp, vib = round(r.gauss(20, 2), 3), round(r.random(), 4)
        pres = "" if i % 7 == 3 else repr(round(r.gauss(1013, 3), 2))
        f.write('%d,%r,%s,"%r"\r\n' % (i, temp, pres, vib))
        g.write("%d,%r\n" % (i, vib))
PY
SCALES="scales:
  - {name: vib1s, complex: sublevel, window: 50, slide: 10, value: vib}
  - {name: tp, complex: rips, window: 30, slide: 15, values: [temp, pressure]}
  - {name: all3, complex: rips, window: 30, slide: 15}"
write_config "$T/plant.yaml" "{type: file, path: $T/plant.csv, format: csv, header: true, time: time,
         values: [temp, pressure, vib]}" "$T/plant.out"
run_ok "$T/plant.yaml" 30 "plant run"
SCALES="scales:
  - {name: vib1s, complex: sublevel, window: 50, slide: 10}"
write_config "$T/vib.yaml" "{type: file, path: $T/vib.csv, format: csv, header: true, time: time}" "$T/vib.out"
run_ok "$T/vib.yaml" 30 "vibration-only run"
grep '"scale":"vib1s"' "$T/plant.out" >"$T/plant.vib"
cmp -s "$T/plant.vib" "$T/vib.out" || die "value: vib differs from the vibration column alone"
missing=$(grep -c '^[0-9]*,[^,]*,,' "$T/plant.csv")
for s in tp all3; do
	n=$(count_lines "$T/plant.out.dead" "scale \\\\\"$s\\\\\": no value in column \\\\\"pressure\\\\\"")
	[ "$n" -eq "$missing" ] || die "scale $s: $n dead letters naming it, expected $missing: $(head -n 2 "$T/plant.out.dead")"
done
[ "$(count_lines "$T/plant.out.dead")" -eq $((2 * missing)) ] || die "other dead letters: $(grep -v pressure "$T/plant.out.dead" | head -2)"
note "value: vib by name equals the column alone; tp and all3 each refused the $missing records without pressure"
