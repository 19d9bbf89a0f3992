#!/bin/sh
# second_instance_refused: while an instance runs, a second `tdapipe run` of
# the same instance exits 111 saying "already running" with the pid of the
# running supervisor, and leaves the first alone: its segment, its
# processes, and its sink and dead-letter files (which a second supervisor
# must not truncate); the first then finishes with every result.
. "$(dirname "$0")/../lib.sh"
N1=3000 N2=2000

"$PY" -c "
import math
with open('$T/part1.csv', 'w') as f:
    f.write('not-a-number\n')
    for i in range($N1): f.write('%r\n' % math.sin(i * 0.05))
with open('$T/part2.csv', 'w') as f:
    for i in range($N1, $N1 + $N2): f.write('%r\n' % math.sin(i * 0.05))
"
cat >"$T/a.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
scales:
  - {name: lev, complex: sublevel, window: 100, slide: 10}
  - {name: cloud, complex: rips, window: 50, slide: 25}
EOF

start_run_fifo "$T/a.yaml"
feed "$T/part1.csv"
wait_stats 20 "proc(s, 'scaled', 'lev')['windows'] >= $(( (N1 - 100) / 10 + 1 )) and proc(s, 'publish')['records_out'] >= $(( (N1 - 100) / 10 + 1 + (N1 - 50) / 25 + 1 ))"
SUP=$(cat "$T/run.pid")
PIDS_BEFORE=$(stats_json | "$PY" -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin)["processes"]))')
wait_for 5 sh -c "[ -s '$T/dead.jsonl' ]" || die "the bad record never reached the dead-letter file"
LINES_BEFORE=$(count_lines "$T/results.jsonl")
[ "$LINES_BEFORE" -gt 0 ] || die "no results written yet"

# The second supervisor, same config: refused, quickly, without side effects.
set +e
"$TDAPIPE" run --fresh -c "$T/a.yaml" </dev/null >"$T/second.out" 2>"$T/second.err" &
echo $! >"$T/second.pid"
set -e
wait_for 10 sh -c "! kill -0 $(cat "$T/second.pid")" || die "second run did not exit within 10 s"
set +e
wait "$(cat "$T/second.pid")"
RC2=$?
set -e
rm -f "$T/second.pid"
[ "$RC2" -eq 111 ] || die "second run exited $RC2, expected 111 ($(cat "$T/second.err"))"
grep -q "already running" "$T/second.err" || die "no \"already running\" in: $(cat "$T/second.err")"
grep -q "$SUP" "$T/second.err" || die "supervisor pid $SUP not in: $(cat "$T/second.err")"

kill -0 "$SUP" || die "the first supervisor died"
[ -e "/dev/shm/tdapipe-$INSTANCE" ] || die "the second run removed the live segment"
[ "$(stats_get top:supervisor_pid)" = "$SUP" ] || die "segment now names supervisor $(stats_get top:supervisor_pid)"
PIDS_AFTER=$(stats_json | "$PY" -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin)["processes"]))')
[ "$PIDS_BEFORE" = "$PIDS_AFTER" ] || die "processes changed: $PIDS_BEFORE -> $PIDS_AFTER"
for p in $PIDS_AFTER; do kill -0 "$p" || die "process $p died"; done
[ "$(count_lines "$T/results.jsonl")" -ge "$LINES_BEFORE" ] || die "the second run truncated the sink"
[ -s "$T/dead.jsonl" ] || die "the second run truncated the dead-letter file"

# The first goes on and finishes normally.
feed "$T/part2.csv"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "first run exited $RUN_RC"; }
[ "$(count_lines "$T/dead.jsonl")" -eq 1 ] || die "dead letters: $(cat "$T/dead.jsonl")"
check_results "$T/results.jsonl" lev:100:10 cloud:50:25 --points $((N1 + N2))
echo "ok"
