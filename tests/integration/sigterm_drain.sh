#!/bin/sh
# sigterm_drain: SIGTERM starts a drain: ingest stops reading, but every
# point that reached a ring is computed and every result published, and the
# run exits 0.
#
# N points go in through a FIFO that stays open (so the source never ends by
# itself); once ingest has read all N, and while the slow scale is still
# working through its ring, the supervisor gets SIGTERM.  The output must
# hold every window the N points complete: byte for byte (per scale) what a
# run on the same N points from a file writes.
. "$(dirname "$0")/../lib.sh"
N=12000

"$PY" -c "
import random
r = random.Random(11); x = 0.0
with open('$T/points.csv', 'w') as f:
    for i in range($N):
        x += r.gauss(0, 1)
        f.write('%r\n' % x)
"
SCALES="scales:
  - {name: slow, complex: rips, window: 300, slide: 6}
  - {name: quick, complex: sublevel, window: 64, slide: 16}"
write_config "$T/stdin.yaml" "{type: stdin, format: csv}" "$T/drained.jsonl"
write_config "$T/file.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"

start_run_fifo "$T/stdin.yaml"
feed "$T/points.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $N and ring(s, 'in', 'slow')['pushed'] >= $N"
SLOW_AT_TERM=$(stats_get proc:scaled:slow:windows)
note "slow scale had computed $SLOW_AT_TERM windows when SIGTERM was sent"
kill -TERM "$(cat "$T/run.pid")"
wait_run 40
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "drained run exited $RUN_RC, expected 0"; }
grep -q "draining" "$T/run.err" || die "no drain logged: $(cat "$T/run.err")"
[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "segment left behind after the drain"
close_input

run_ok "$T/file.yaml" 40 "file run"

check_results "$T/drained.jsonl" slow:300:6 quick:64:16 --points "$N" --same-as "$T/clean.jsonl"
echo "ok"
