#!/bin/sh
# stale_segment: a supervisor killed with SIGKILL takes its children with it
# (PR_SET_PDEATHSIG) and leaves its segment behind; `tdapipe stats` then
# reports the instance as not running (111), and the next `tdapipe run` of
# the instance removes the stale segment, starts, and completes normally.
. "$(dirname "$0")/../lib.sh"
N=4000

"$PY" -c "
import math
with open('$T/points.csv', 'w') as f:
    for i in range($N): f.write('%r\n' % (math.sin(i * 0.07) + 0.1 * math.cos(i * 1.3)))
"
SCALES="scales:
  - {name: lev, complex: sublevel, window: 128, slide: 16}
  - {name: cloud, complex: rips, window: 60, slide: 20, embed: {dim: 2, lag: 3}}"
write_config "$T/first.yaml" "{type: stdin, format: csv}" "$T/first.jsonl"
write_config "$T/second.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/second.jsonl"

start_run_fifo "$T/first.yaml"
feed "$T/points.csv"
wait_stats 20 "proc(s, 'publish')['records_out'] > 0 and all(p['state'] == 'running' and p['pid'] > 0 for p in s['processes'])"
SUP=$(cat "$T/run.pid")
KIDS=$(stats_json | "$PY" -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin)["processes"]))')
[ "$(echo "$KIDS" | wc -w)" -eq 4 ] || die "expected 4 child pids, got: $KIDS"
for p in $KIDS; do kill -0 "$p" || die "child $p not alive before the kill"; done

kill -9 "$SUP"
wait_run 5
[ "$RUN_RC" -eq 137 ] || die "supervisor exit status $RUN_RC, expected 137 (SIGKILL)"
for p in $KIDS; do
	# gone, or at most a zombie waiting for init to reap it
	wait_for 5 sh -c "! kill -0 $p 2>/dev/null || grep -q '^[0-9]* (.*) Z' /proc/$p/stat" ||
		die "child $p still alive 5 s after its supervisor was killed"
done
[ -e "/dev/shm/tdapipe-$INSTANCE" ] || die "no segment left behind (expected a stale one)"
close_input

set +e
"$TDAPIPE" stats --instance "$INSTANCE" --json >"$T/stale-stats.out" 2>"$T/stale-stats.err"
RC=$?
set -e
[ "$RC" -eq 111 ] || die "stats on a stale segment exited $RC, expected 111 (not running): $(cat "$T/stale-stats.out")"

run_ok "$T/second.yaml" 30 "run over a stale segment"
[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "segment left behind after the clean run"
grep -q "removed the stale segment /dev/shm/tdapipe-$INSTANCE of a dead supervisor (pid $SUP)" "$T/run.err" \
	|| die "stale segment recovery not logged with the dead supervisor's pid: $(cat "$T/run.err")"
check_results "$T/second.jsonl" lev:128:16 cloud:60:20 --points "$N"
! grep -q '"lost":' "$T/second.jsonl" || die "lost points after a fresh start"
echo "ok"
