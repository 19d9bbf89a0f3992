#!/bin/sh
# malformed_records: bad records go to the dead-letter file, once each, with
# their line number, offset, bytes and a reason, are counted in ingest's
# bad_records, and change nothing else: the results equal, byte for byte,
# those of a run on the good lines alone.
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

csv_bad = [
    "abc,1.5",                       # non-numeric (first line: must not set the dimension)
    "1.5,abc",                       # non-numeric
    "1.5,",                          # empty field
    ",2.5",                          # empty field
    "1.5,,2.5",                      # empty field in the middle
    "nan,1",                         # NaN
    "NaN,1",
    "1,inf",                         # infinities
    "-Infinity,1",
    "1e999,1",                       # overflows to inf
    "1,-1e999",
    ",".join(str(i) for i in range(1, 18)),   # 17 values
    "1.0,2.0,3.0",                   # dimension 3 in a 2-D stream
    "4.0",                           # dimension 1 in a 2-D stream
    ",".join(str(i) for i in range(1, 17)),   # 16 values: wrong dimension
    "1." + "0" * 120 + "1,2.5",      # a good point, but longer than max_record
    "2.5," + "3" * 300,              # over max_record by far
]
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
echo "ok"
