#!/bin/sh
# csv_header_restart: SIGKILL of ingest in the middle of a csv file whose
# columns are placed by header names.  The restarted ingest resumes past
# the header line, so it reads the header again from the start of the
# file: every column stays mapped (no dead letter), and the results are
# byte-identical to a clean run's.
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1   # this test kills ingest on purpose
N=100000
"$PY" - "$T/wide.csv" "$N" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w", newline="") as f:
    f.write('"vib",sensor,time,pressure,temp\r\n')
    x = 0.0
    for i in range(int(sys.argv[2])):
        x += r.gauss(0, 1)
        f.write('%r,"s, %d",%d,%r,%r\r\n' % (round(r.random(), 3), i % 2, i, round(x, 4), round(x * 0.5 + r.random(), 4)))
PY
for name in kill clean; do
	cat >"$T/$name.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $T/wide.csv, format: csv, header: true, stream: sensor, time: time, values: [temp, pressure, vib]}
sink: {type: file, path: $T/$name.jsonl}
dead_letter: {type: file, path: $T/$name.dl}
scales:
  - {name: slow, complex: rips, window: 300, slide: 10}
EOF
done

start_run "$T/kill.yaml"
wait_stats 20 "proc(s, 'scaled', 'slow')['windows'] >= 100"
IPID=$(stats_get proc:ingest:-:pid)
READ=$(stats_get proc:ingest:-:records_out)
[ "$READ" -lt "$N" ] || die "ingest had already stamped every point ($READ) before the kill"
kill -9 "$IPID"
wait_for 15 grep -q "ingest killed by signal 9 (Killed); restart 1 in" "$T/run.err" \
	|| die "ingest restart not logged: $(cat "$T/run.err")"
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run with a killed ingest exited $RUN_RC"; }
[ ! -s "$T/kill.dl" ] || die "dead letters after the restart: $(head -n 3 "$T/kill.dl")"
run_ok "$T/clean.yaml" 60 "clean run"
cmp -s "$T/kill.jsonl" "$T/clean.jsonl" || die "results after the restart differ from a clean run's"
note "ingest killed after $READ of $N records; the restarted one mapped the header again: $(count_lines "$T/kill.jsonl") results as a clean run's"
