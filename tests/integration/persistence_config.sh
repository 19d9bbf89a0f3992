#!/bin/sh
# persistence_config: `tdapipe persistence --config FILE --scale NAME` runs
# one scale of a pipeline config offline and prints exactly the results the
# pipeline publishes for that scale: count and time windows, sublevel and
# Rips with an embedding, features, distances and events; from a file and
# from standard input, in JSON Lines and msgpack.  It leaves nothing behind
# (no temporary directory, no segment), and refuses what cannot work.
. "$(dirname "$0")/../lib.sh"
"$PY" - "$T" <<'PY'
import random, sys
T = sys.argv[1]
r = random.Random(23); x = [0.0, 0.0]; t = [0, 0]
with open(T + "/in.csv", "w") as f:
    f.write("stream,time,value\n")
    for i in range(12000):
        s = r.randrange(2)
        x[s] = round(x[s] + r.gauss(0, 1), 2)
        t[s] += r.choice((1, 2, 5))
        f.write("s%d,%d,%s\n" % (s, t[s] - r.choice((0, 0, 2)), x[s]))
        if i % 997 == 0:
            f.write("s%d,%d,oops\n" % (s, t[s]))
PY
cat >"$T/c.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $T/in.csv, format: csv, header: true, stream_column: 0, time_column: 1,
         time_unit: ms, lateness: 5ms}
sink: {type: file, path: $T/out.jsonl}
dead_letter: {type: file, path: $T/out.dead}
events: {type: file, path: $T/out.events}
scales:
  - name: fast
    complex: sublevel
    window: 100
    slide: 25
    features: {summary: true, betti: {range: [-20, 20], resolution: 9}, distance: [bottleneck, wasserstein1]}
    track: {min_persistence: 2, stability: 0.5}
    anomaly: {signal: wasserstein1, history: 10, threshold: 3}
  - {name: tsec, complex: sublevel, window: 1s, slide: 250ms}
  - {name: cloud, complex: rips, window: 40, slide: 20, dims: [0, 1], embed: {dim: 2, lag: 2}}
  - {name: tcloud, complex: rips, window: 500ms, slide: 250ms, dims: [0, 1], max_window_points: 30}
EOF
run_ok "$T/c.yaml" 120 "pipeline run"
TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
export TMPDIR
for s in fast tsec cloud tcloud; do
	grep "\"scale\":\"$s\"" "$T/out.jsonl" >"$T/want-$s" || die "the pipeline made no results for $s"
	extra=
	[ "$s" != fast ] || extra="--events $T/p.events"
	"$TDAPIPE" persistence --config "$T/c.yaml" --scale "$s" $extra "$T/in.csv" >"$T/got-$s" 2>"$T/err-$s" ||
		{ cat "$T/err-$s" >&2; die "persistence --scale $s failed"; }
	cmp -s "$T/want-$s" "$T/got-$s" ||
		die "scale $s: offline differs from the pipeline: $(diff "$T/want-$s" "$T/got-$s" | head -3)"
	grep -q "dead letters" "$T/err-$s" || die "scale $s: the dead letters were not shown: $(head -3 "$T/err-$s")"
	note "scale $s: $(count_lines "$T/got-$s") results equal the pipeline's"
done
cmp -s "$T/out.events" "$T/p.events" || die "events differ: $(diff "$T/out.events" "$T/p.events" | head -3)"
note "events equal the pipeline's ($(count_lines "$T/p.events"))"

# Standard input, and the sink's format (msgpack) kept.
sed 's|sink: {type: file, path: [^}]*}|sink: {type: file, path: '"$T"'/mp.out, format: msgpack}|' "$T/c.yaml" >"$T/m.yaml"
"$TDAPIPE" persistence --config "$T/m.yaml" --scale cloud - <"$T/in.csv" >"$T/got-mp" 2>"$T/err-mp" ||
	{ cat "$T/err-mp" >&2; die "persistence from stdin failed"; }
"$PY" - "$T/got-mp" "$T/want-cloud" <<'PY' || exit 1
import json, msgpack, sys
got = list(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False, strict_map_key=False))
want = [json.loads(l) for l in open(sys.argv[2])]
if len(got) != len(want):
    sys.exit("FAIL: %d msgpack results from stdin, %d in the pipeline's" % (len(got), len(want)))
for g, w in zip(got, want):
    if g["id"] != w["id"] or g["n"] != w["n"]:
        sys.exit("FAIL: msgpack result %s differs from %s" % (g["id"], w["id"]))
print("# msgpack from standard input: %d results, same ids and sizes" % len(got))
PY

# Field paths: the same points as Telegraf-style JSON Lines.
"$PY" - "$T" <<'PY'
import json, sys
T = sys.argv[1]
with open(T + "/in.csv") as f, open(T + "/in.jsonl", "w") as g:
    next(f)
    for line in f:
        s, t, v = line.rstrip("\n").split(",")
        if v == "oops":
            continue
        g.write(json.dumps({"name": "plant", "tags": {"sensor": s, "unit": "C"}, "timestamp": int(t),
                            "fields": {"value": float(v)}}) + "\n")
PY
sed -e "s|path: $T/in.csv, format: csv, header: true, stream_column: 0, time_column: 1,|path: $T/in.jsonl, format: jsonl, stream: tags.sensor, time: timestamp, values: [fields.value], extra: ignore,|" \
    -e "s|$T/out|$T/j-out|g" "$T/c.yaml" >"$T/j.yaml"
grep -q "tags.sensor" "$T/j.yaml" || die "the jsonl config was not made"
run_ok "$T/j.yaml" 120 "pipeline run on JSON Lines"
grep '"scale":"tsec"' "$T/j-out.jsonl" >"$T/want-j"
"$TDAPIPE" persistence --config "$T/j.yaml" --scale tsec "$T/in.jsonl" >"$T/got-j" 2>"$T/err-j" ||
	{ cat "$T/err-j" >&2; die "persistence on JSON Lines failed"; }
[ -s "$T/want-j" ] && cmp -s "$T/want-j" "$T/got-j" || die "JSON Lines with field paths: offline differs from the pipeline"
note "JSON Lines with field paths (tags.sensor, timestamp, fields.value): $(count_lines "$T/got-j") results equal the pipeline's"

[ -z "$(ls -A "$TMPDIR")" ] || die "left behind in TMPDIR: $(ls -A "$TMPDIR")"
! ls /dev/shm | grep -q "tdapipe-persistence-" || die "a segment was left in /dev/shm: $(ls /dev/shm | grep persistence)"

# Refusals, with exit 100 and what is wrong.
refuse() {
	# $1: expected message pattern, then the arguments
	want=$1; shift
	rc=0
	"$TDAPIPE" persistence "$@" >"$T/r.out" 2>"$T/r.err" || rc=$?
	[ "$rc" -eq 100 ] || die "persistence $*: exit $rc, expected 100"
	grep -q -- "$want" "$T/r.err" || die "persistence $*: no message matching \"$want\": $(cat "$T/r.err")"
}
refuse 'has no scale "nope" (its scales: fast, tsec, cloud, tcloud)' --config "$T/c.yaml" --scale nope "$T/in.csv"
refuse "go together" --config "$T/c.yaml" "$T/in.csv"
refuse "no other option" --config "$T/c.yaml" --scale fast --window 10 --slide 5 "$T/in.csv"
refuse "makes no events" --config "$T/c.yaml" --scale cloud --events "$T/x.events" "$T/in.csv"
echo "instance: [" >"$T/bad.yaml"
refuse "bad.yaml:" --config "$T/bad.yaml" --scale fast "$T/in.csv"
refuse "collapse goes with --complex rips" --complex sublevel --collapse on "$T/in.csv"
note "unknown scale, missing --scale, mixed options, events of a scale without them, a bad config, --collapse of a series: refused"
