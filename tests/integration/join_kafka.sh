#!/bin/sh
# join_kafka: a join scale fed from Kafka partitions that librdkafka hands
# out unevenly in event time (ingest/kafka_align.h).  Streams a (100
# points/s, 100,000 points), b (10/s) and c (1/s) each keyed to a
# partition of their own; c's partition holds first 120,000 records of a
# stream no scale takes (d), so a arrives whole long before c begins, and
# a's points would wait in the join's store of 65,536 a stream.  Checked:
# - with the partitions read in step (the default), the results equal, as
#   a set of lines, those of a file run of the same records in time order,
#   no point is left out, and ingest says it paused a's partition;
# - with TDP_KAFKA_ALIGN=off the same run leaves points out and loses
#   results (so this input does test the pausing);
# - a join whose stream never comes (e) still ends at the end of the topic:
#   a poll that brings nothing resumes what was paused (said in the log).
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }

"$PY" - "$T" <<'EOF'
import math, sys
T = sys.argv[1]
rows = {"a": [(k * 10, round(math.sin(k * 0.01), 3)) for k in range(100000)],
        "b": [(k * 100, round(math.cos(k * 0.05), 3)) for k in range(10000)],
        "c": [(k * 1000, round((k % 13) * 0.1, 3)) for k in range(1000)],
        "d": [(k * 8, 0.5) for k in range(120000)]}
for s, r in rows.items():
    with open("%s/p_%s.txt" % (T, s), "w") as f:
        f.writelines("%s|%d,%s\n" % (s, t, v) for t, v in r)
with open(T + "/in.csv", "w") as f:
    f.writelines("%s,%d,%s\n" % (s, t, v) for t, s, v in sorted((t, s, v) for s in rows for t, v in rows[s]))
EOF

SCALES='scales:
  - {name: plant, complex: rips, window: 20, slide: 10, dims: [0, 1],
     join: {streams: [a, b, c], every: 1s, max_age: 3s}}'
write_config "$T/file.yaml" "{type: file, path: $T/in.csv, format: csv, stream: 0, time: 1, values: [2], time_unit: ms}" \
	"$T/file.out"
run_ok "$T/file.yaml" 60 "file run"
[ "$(count_lines "$T/file.out")" -ge 95 ] || die "the file run gave $(count_lines "$T/file.out") results, not ~99"

# The mock keeps ~5 MiB a partition: these are ~1.5 MB each.
start_mock mock --topic pts:3
for s in a:0 b:1 d:2 c:2; do
	timeout 30 kcat -P -b "$BOOT" -t pts -p "${s#*:}" -K '|' <"$T/p_${s%:*}.txt" || die "kcat -P ${s%:*} failed"
done

kafka_run() { # NAME [ENV=VALUE]: a run of the topic from its start, results in $T/NAME.out
	write_config "$T/$1.yaml" "{type: kafka, brokers: \"$BOOT\", topics: pts, group: $1, format: csv, time: 0,
         values: [1], time_unit: ms, stop_at_end: true, properties: {session.timeout.ms: 6000}}" "$T/$1.out"
	if [ $# -gt 1 ]; then
		env "$2" "$TDAPIPE" run --fresh -c "$T/$1.yaml" >"$T/run.out" 2>"$T/run.err" &
		echo $! >"$T/run.pid"
		wait_run 90
		[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "$1 exited $RUN_RC"; }
	else
		run_ok "$T/$1.yaml" 90 "$1"
	fi
	cp "$T/run.err" "$T/$1.err"
}

kafka_run aligned
grep -q 'left out of the join' "$T/aligned.err" &&
	die "points left out of the join: $(grep -m 1 'left out' "$T/aligned.err")"
grep -q 'kafka://pts/0 paused' "$T/aligned.err" || die "ingest did not say it paused a's partition"
sort "$T/file.out" >"$T/want"
sort "$T/aligned.out" >"$T/got"
cmp -s "$T/want" "$T/got" ||
	die "the Kafka run's results differ from the file run's: $(count_lines "$T/got") against $(count_lines "$T/want")"

kafka_run unaligned TDP_KAFKA_ALIGN=off
grep -q 'left out of the join' "$T/unaligned.err" ||
	die "without pausing no point was left out: this input no longer tests it"
[ "$(count_lines "$T/unaligned.out")" -lt "$(count_lines "$T/want")" ] ||
	die "without pausing the results are all there: this input no longer tests it"

# A listed stream that never comes: the end of the topic still ends the run.
SCALES='scales:
  - {name: plant, complex: rips, window: 20, slide: 10, dims: [0, 1],
     join: {streams: [a, e], every: 1s}}'
kafka_run missing
grep -q 'read on with' "$T/missing.err" || die "nothing said a paused partition was read on: $(cat "$T/missing.err")"
note "join over Kafka: $(count_lines "$T/got") results as the file run's; $(count_lines "$T/unaligned.out") without pausing"
