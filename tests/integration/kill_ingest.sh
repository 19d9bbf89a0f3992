#!/bin/sh
# kill_ingest: SIGKILL of ingest in the middle of a file.
#
# "A restarted ingest resumes a file at the first record it had not
# finished" (tdapipe-run(1)): the supervisor restarts it, it goes on where
# the dead one stopped with the same sequence numbers, and the output is
# byte-identical, scale by scale, to a clean run's (no point read twice,
# none skipped, no result lost or duplicated); the run exits 0.
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1   # this test kills processes on purpose
N=200000

walk_csv "$T/points.csv" "$N" 8
for name in kill clean; do
	cat >"$T/$name.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $T/points.csv, format: csv}
sink: {type: file, path: $T/$name.jsonl}
dead_letter: {type: file, path: $T/$name.dl}
scales:
  - {name: slow, complex: rips, window: 300, slide: 10}
  - {name: lev, complex: sublevel, window: 500, slide: 250}
EOF
done

start_run "$T/kill.yaml"
wait_stats 20 "proc(s, 'scaled', 'slow')['windows'] >= 200"
IPID=$(stats_get proc:ingest:-:pid)
READ=$(stats_get proc:ingest:-:records_out)
[ "$READ" -lt "$N" ] || die "ingest had already stamped every point ($READ) before the kill"
kill -9 "$IPID"
# The restarted ingest may finish the file and exit before stats sees it
# running: the supervisor's log is the witness of the restart.
wait_for 15 grep -q "ingest killed by signal 9 (Killed); restart 1 in" "$T/run.err" \
	|| die "ingest restart not logged: $(cat "$T/run.err")"
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run with a killed ingest exited $RUN_RC"; }
grep -q "ingest killed by signal 9" "$T/run.err" || die "no restart logged: $(cat "$T/run.err")"
run_ok "$T/clean.yaml" 60 "clean run"
[ ! -s "$T/kill.dl" ] || die "dead letters after the restart: $(head -n 3 "$T/kill.dl")"

check_results "$T/kill.jsonl" slow:300:10 lev:500:250 --points "$N" --same-as "$T/clean.jsonl"
echo "ok"
