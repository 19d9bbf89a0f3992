#!/bin/sh
# malformed_records: bad records go to the dead-letter file, once each, with
# their line number, offset, bytes and a reason, are counted in ingest's
# bad_records and each once in its class (dead_letters: malformed, too
# long, a dimension change; with a time scale and max_streams also late,
# no time, too many streams), and change nothing else: the results equal,
# byte for byte, those of a run on the good lines alone.
#
# Two inputs: CSV of 2-D points (read from stdin so that the counters can be
# read before the instance ends) and JSON Lines of scalars (a file).  Bad
# kinds: non-numeric, empty field, NaN, inf, 1e999, 17 values, a dimension
# other than the stream's first point's, a line over max_record, and for
# jsonl a syntax error, an unknown key, wrongly typed stream / t / v.  The
# first line is bad, so it must not fix the stream's dimension; blank lines
# are not records but still count in line numbers.
. "$(dirname "$0")/../lib.sh"

"$PY" - "$T" <<'EOF'
import json, random, sys
T = sys.argv[1]
rng = random.Random(7)
MAXREC = 64

def csv_good():
    return "%r,%r" % (rng.uniform(-5, 5), rng.uniform(-5, 5))

# each with the class stats counts it in (tdapipe-stats(1) DEAD-LETTERS)
csv_bad_classes = [
    ("abc,1.5", "malformed"),        # non-numeric (first line: must not set the dimension)
    ("1.5,abc", "malformed"),        # non-numeric
    ("1.5,", "malformed"),           # empty field
    (",2.5", "malformed"),           # empty field
    ("1.5,,2.5", "malformed"),       # empty field in the middle
    ("nan,1", "malformed"),          # NaN
    ("NaN,1", "malformed"),
    ("1,inf", "malformed"),          # infinities
    ("-Infinity,1", "malformed"),
    ("1e999,1", "malformed"),        # overflows to inf
    ("1,-1e999", "malformed"),
    (",".join(str(i) for i in range(1, 18)), "malformed"),   # 17 values
    ("1.0,2.0,3.0", "dimension"),    # dimension 3 in a 2-D stream
    ("4.0", "dimension"),            # dimension 1 in a 2-D stream
    (",".join(str(i) for i in range(1, 17)), "dimension"),   # 16 values: wrong dimension
    ("1." + "0" * 120 + "1,2.5", "too_long"),   # a good point, but longer than max_record
    ("2.5," + "3" * 300, "too_long"),           # over max_record by far
]
csv_bad = [text for text, _ in csv_bad_classes]
classes = {}
for _, c in csv_bad_classes:
    classes[c] = classes.get(c, 0) + 1
json.dump(classes, open("%s/csv.classes.json" % T, "w"))
jsonl_good_kinds = [
    lambda: '{"v": %r}' % rng.uniform(-5, 5),
    lambda: '{"v": [%r]}' % rng.uniform(-5, 5),
    lambda: '{"stream": "default", "v": %r}' % rng.uniform(-5, 5),
]
jsonl_bad = [
    '{"v": "abc"}',                  # non-numeric (first line)
    '{"v": 1.5',                     # syntax error
    '{"v": [1.5,]}',                 # syntax error
    'v=1.5',                         # not JSON at all
    '{"v": 1.5, "x": 2}',            # unknown key
    '{"value": 1.5}',                # unknown key, no v
    '{"v": []}',                     # no value
    '{"v": null}',                   # not a number
    '{"v": NaN}',                    # NaN
    '{"v": Infinity}',               # inf
    '{"v": -1e999}',                 # overflows to -inf
    '{"v": [%s]}' % ",".join(str(i) for i in range(1, 18)),   # 17 values
    '{"v": [1.5, 2.5]}',             # dimension 2 in a scalar stream
    '{"stream": 5, "v": 1}',         # stream not a string
    '{"t": "x", "v": 1}',            # t not a number
    '{"v": 1.' + "0" * 100 + '1}',   # a good point, but longer than max_record
]

def make(name, good_fn, bad, ngood, blank_every):
    """Write NAME.all (good and bad mixed), NAME.good (good lines only, same
    order) and NAME.bad.json (the bad ones: line, offset, text)."""
    lines = [bad[0]]
    rest = list(bad[1:])
    positions = sorted(rng.sample(range(1, ngood), len(rest)))
    goods = [good_fn() for _ in range(ngood)]
    out, goodonly, badinfo = [], [], []
    bi = 0
    off = 0
    lineno = 0
    def emit(text, is_bad):
        nonlocal off, lineno
        lineno += 1
        if is_bad:
            badinfo.append({"line": lineno, "offset": off, "text": text})
        out.append(text)
        off += len(text.encode()) + 1
    emit(bad[0], True)
    for i, g in enumerate(goods):
        while bi < len(rest) and positions[bi] == i:
            emit(rest[bi], True)
            bi += 1
        if i % blank_every == blank_every - 1:
            emit("", False)
        emit(g, False)
        goodonly.append(g)
    open("%s/%s.all" % (T, name), "w").write("\n".join(out) + "\n")
    open("%s/%s.good" % (T, name), "w").write("\n".join(goodonly) + "\n")
    json.dump(badinfo, open("%s/%s.bad.json" % (T, name), "w"))

make("csv", csv_good, csv_bad, 300, 37)
make("jsonl", lambda: rng.choice(jsonl_good_kinds)(), jsonl_bad, 300, 41)
EOF

# $1: name, $2: source line, $3: format, $4: sink, $5: dead letter, $6: scales
write_config() {
	{
		echo "instance: $INSTANCE"
		echo "source: {$2, format: $3, max_record: 64}"
		echo "sink: {type: file, path: $4}"
		echo "dead_letter: {type: file, path: $5}"
		echo "scales:"
		echo "$6"
	} >"$T/$1.yaml"
}
CSV_SCALES="  - {name: near, complex: rips, window: 10, slide: 3}
  - {name: wide, complex: rips, window: 25, slide: 25}"
JSONL_SCALES="  - {name: lev, complex: sublevel, window: 16, slide: 4}
  - {name: emb, complex: rips, window: 20, slide: 7, embed: {dim: 2, lag: 2}}"

# checkdl DEADLETTERS BADINFO SOURCE
checkdl() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import json, sys
dl_path, bad_path, source = sys.argv[1:4]
bad = json.load(open(bad_path))
dls = [json.loads(l) for l in open(dl_path, encoding="utf-8")]
by_line = {}
for d in dls:
    for k in ("reason", "source", "offset", "line", "record", "truncated"):
        assert k in d, "dead letter without %s: %r" % (k, d)
    assert d["line"] not in by_line, "line %d dead-lettered twice: %r / %r" % (d["line"], by_line[d["line"]], d)
    by_line[d["line"]] = d
want = {b["line"]: b for b in bad}
assert sorted(by_line) == sorted(want), "dead-lettered lines %s, expected %s" % (sorted(by_line), sorted(want))
for line, b in want.items():
    d = by_line[line]
    assert isinstance(d["reason"], str) and d["reason"].strip(), "line %d: empty reason" % line
    assert d["source"] == source, "line %d: source %r, expected %r" % (line, d["source"], source)
    assert d["offset"] == b["offset"], "line %d: offset %r, expected %r" % (line, d["offset"], b["offset"])
    text = b["text"]
    if len(text.encode()) > 64:
        assert d["truncated"] is True, "line %d: over max_record but truncated=%r" % (line, d["truncated"])
        assert d["record"] == text[:64], "line %d: record %r, expected the first 64 bytes" % (line, d["record"])
        assert "max_record" in d["reason"], "line %d: reason %r" % (line, d["reason"])
    else:
        assert d["truncated"] is False, "line %d: truncated=%r" % (line, d["truncated"])
        assert d["record"] == text, "line %d: record %r, expected %r" % (line, d["record"], text)
print("# %d dead letters, one per bad line" % len(dls))
EOF
}

# check_classes STATS WANT: ingest's dead_letters in STATS (stats --json)
# are WANT (a JSON object of the nonzero classes; every other class 0) and
# sum to its bad_records.
check_classes() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
ing = next(p for p in s["processes"] if p["role"] == "ingest")
got = ing["dead_letters"]
assert sorted(got) == sorted(["malformed", "too_long", "cut", "late", "no_time", "too_many_streams",
                              "dimension", "partition"]), "classes %s" % sorted(got)
full = {k: want.get(k, 0) for k in got}
assert got == full, "dead_letters %s, expected %s" % (got, full)
assert sum(got.values()) == ing["bad_records"], "dead_letters %s do not sum to bad_records %d" % (got, ing["bad_records"])
print("# dead letters by class: %s" % {k: v for k, v in got.items() if v})
EOF
}

# compare_runs GOT GOOD SCALES: complete windows of the 300 good points,
# identical to the good-lines run's
compare_runs() {
	check_results "$1" $3 --points 300 --same-as "$2"
}

# --- CSV on stdin: dead letters, counters, results -------------------------
NBAD_CSV=$("$PY" -c "import json; print(len(json.load(open('$T/csv.bad.json'))))")
NREC_CSV=$(grep -c . "$T/csv.all")
write_config csv "type: stdin" csv "$T/csv.out" "$T/csv.dl" "$CSV_SCALES"
start_run_fifo "$T/csv.yaml"
feed "$T/csv.all"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $NREC_CSV"
sleep 0.3   # a chance to count a record twice, if ingest would
BAD=$(stats_get proc:ingest:-:bad_records)
IN=$(stats_get proc:ingest:-:records_in)
OUT=$(stats_get proc:ingest:-:records_out)
[ "$BAD" -eq "$NBAD_CSV" ] || die "csv: ingest bad_records $BAD, expected $NBAD_CSV"
[ "$IN" -eq "$NREC_CSV" ] || die "csv: ingest records_in $IN, expected $NREC_CSV"
[ "$OUT" -eq $((NREC_CSV - NBAD_CSV)) ] || die "csv: ingest records_out $OUT, expected $((NREC_CSV - NBAD_CSV))"
stats_json >"$T/csv.stats.json" || die "stats --json failed"
check_classes "$T/csv.stats.json" "$(cat "$T/csv.classes.json")" || die "csv: dead letters by class"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "csv run exited $RUN_RC"; }
checkdl "$T/csv.dl" "$T/csv.bad.json" stdin

write_config csvgood "type: file, path: $T/csv.good" csv "$T/csvgood.out" "$T/csvgood.dl" "$CSV_SCALES"
run_ok "$T/csvgood.yaml" 30 "csv good-lines run"
[ ! -s "$T/csvgood.dl" ] || die "dead letters from the good lines: $(head -n 2 "$T/csvgood.dl")"
compare_runs "$T/csv.out" "$T/csvgood.out" "near:10:3 wide:25:25"

# --- JSON Lines from a file -------------------------------------------------
write_config jsonl "type: file, path: $T/jsonl.all" jsonl "$T/jsonl.out" "$T/jsonl.dl" "$JSONL_SCALES"
run_ok "$T/jsonl.yaml" 30 "jsonl run"
checkdl "$T/jsonl.dl" "$T/jsonl.bad.json" "$T/jsonl.all"

write_config jsonlgood "type: file, path: $T/jsonl.good" jsonl "$T/jsonlgood.out" "$T/jsonlgood.dl" "$JSONL_SCALES"
run_ok "$T/jsonlgood.yaml" 30 "jsonl good-lines run"
[ ! -s "$T/jsonlgood.dl" ] || die "dead letters from the good lines: $(head -n 2 "$T/jsonlgood.dl")"
compare_runs "$T/jsonl.out" "$T/jsonlgood.out" "lev:16:4 emb:20:7"

# --- every class the stamp checks: a time scale and max_streams 2 ----------
# Each bad line is counted once, in its class; the classes sum to bad_records
# and the dead-letter file has one line per bad record.
cat >"$T/classes.jsonl" <<'EOF'
{"stream":"a","t":1000,"v":1}
{"stream":"b","t":1000,"v":2}
{"stream":"c","t":1000,"v":3}
{"stream":"a","t":1200,"v":1}
{"stream":"a","t":1050,"v":1}
{"stream":"a","v":1}
{"stream":"a","t":1300,"v":[1,2]}
{"stream":"a","t":1300,"v":x}
{"stream":"a","t":1300,"v":1.00000000000000000000000000000000000000001}
{"stream":"b","t":800,"v":2}
{"stream":"d","t":1400,"v":1}
{"stream":"a","t":1400,"v":1}
EOF
# too_many_streams: c, d (max_streams 2); late: a at 1050 under 1200 - 100,
# b at 800 under 1000 - 100; no_time: a without t; dimension: two values
# for a sublevel scale; malformed: v is x; too_long: over max_record 64
CLASSES='{"too_many_streams": 2, "late": 2, "no_time": 1, "dimension": 1, "malformed": 1, "too_long": 1}'
cat >"$T/classes.yaml" <<EOC
instance: $INSTANCE
source: {type: stdin, format: jsonl, max_record: 64, time_unit: ms, lateness: 100ms}
max_streams: 2
sink: {type: file, path: $T/classes.out}
dead_letter: {type: file, path: $T/classes.dl}
scales:
  - {name: sec, complex: sublevel, window: 1s, slide: 500ms}
EOC
start_run_fifo "$T/classes.yaml"
feed "$T/classes.jsonl"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= 12"
sleep 0.3   # a chance to count a record twice, if ingest would
stats_json >"$T/classes.stats.json" || die "stats --json failed"
check_classes "$T/classes.stats.json" "$CLASSES" || die "dead letters by class"
[ "$(stats_get proc:ingest:-:bad_records)" -eq 8 ] || die "classes: bad_records $(stats_get proc:ingest:-:bad_records), expected 8"
[ "$(stats_get proc:ingest:-:late)" -eq 2 ] || die "classes: late $(stats_get proc:ingest:-:late), expected 2"
"$TDAPIPE" stats --instance "$INSTANCE" >"$T/classes.stats.txt" || die "stats failed"
grep -q "^DEAD-LETTERS  *malformed 1 too_long 1 late 2 no_time 1 too_many_streams 2 dimension 1$" "$T/classes.stats.txt" ||
	die "stats: no DEAD-LETTERS line of the classes: $(cat "$T/classes.stats.txt")"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "classes run exited $RUN_RC"; }
[ "$(wc -l <"$T/classes.dl")" -eq 8 ] || die "classes: $(wc -l <"$T/classes.dl") dead letters, expected 8"
echo "ok"
