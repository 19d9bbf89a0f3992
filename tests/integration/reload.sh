#!/bin/sh
# reload: SIGHUP reads the config again and never stops the pipeline
# (tdapipe-run(1), RELOAD).  While points flow in through a FIFO:
#   1. a config that does not load is refused with its file:line:column;
#   2. a changed supervisor setting (heartbeat_timeout, drain_timeout) and
#      state.interval are applied ("reloaded");
#   3. a changed sink is refused, saying so; the running one stays
#      (scales added, removed, changed: reload_scales.sh);
#   4. the same file again is "unchanged".
# Through all of it no process is restarted (same pids, before and after),
# and the output is what a run without reloads writes.
. "$(dirname "$0")/../lib.sh"
N=12000
gauss_csv "$T/points.csv" "$N" 5
head -n $((N / 2)) "$T/points.csv" >"$T/first.csv"
tail -n +$((N / 2 + 1)) "$T/points.csv" >"$T/second.csv"
SCALES="scales:
  - {name: cloud, complex: rips, window: 60, slide: 20}
  - {name: quick, complex: sublevel, window: 64, slide: 16}"
write_config "$T/stdin.yaml" "{type: stdin, format: csv}" "$T/out.jsonl"
cp "$T/stdin.yaml" "$T/orig.yaml"
write_config "$T/file.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/clean.jsonl"

pids() { stats_json | "$PY" -c "import json,sys; print(' '.join(str(p['pid']) for p in json.load(sys.stdin)['processes']))"; }
# hup PATTERN: send SIGHUP, wait until the run's log says PATTERN
hup() {
	before=$(grep -c "SIGHUP" "$T/run.err" || true)
	kill -HUP "$(cat "$T/run.pid")"
	wait_for 10 sh -c "[ \$(grep -c SIGHUP '$T/run.err') -gt $before ]" || die "SIGHUP was not answered"
	grep "SIGHUP" "$T/run.err" | tail -n 1 | grep -q -- "$1" ||
		die "after SIGHUP expected \"$1\", got: $(grep SIGHUP "$T/run.err" | tail -n 1)"
	kill -0 "$(cat "$T/run.pid")" || die "the run ended after SIGHUP"
	note "$(grep SIGHUP "$T/run.err" | tail -n 1 | sed 's/^.*SIGHUP/SIGHUP/' | cut -c1-110)"
}

start_run_fifo "$T/stdin.yaml"
feed "$T/first.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $((N / 2))"
P0=$(pids)

printf 'scales:\n  - {name: x, window: [\n' >>"$T/stdin.yaml"
hup "stdin.yaml:[0-9]*:[0-9]*: .*not reloaded; the running config stays"
cp "$T/orig.yaml" "$T/stdin.yaml"
printf 'supervisor: {heartbeat_timeout: 20000, drain_timeout: 45s}\nstate: {interval: 2s}\n' >>"$T/stdin.yaml"
hup "reloaded: supervisor settings and state.interval applied"
cp "$T/stdin.yaml" "$T/good.yaml"
sed "s|path: $T/out.jsonl|path: $T/elsewhere.jsonl|" "$T/good.yaml" >"$T/stdin.yaml"
hup 'the sink changed; .*the running config stays'
cp "$T/good.yaml" "$T/stdin.yaml"
hup "unchanged"

feed "$T/second.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $N"
P1=$(pids)
[ "$P0" = "$P1" ] || die "processes were restarted: pids $P0, then $P1"
close_input
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "the run exited $RUN_RC"; }
run_ok "$T/file.yaml" 40 "file run"
check_results "$T/out.jsonl" cloud:60:20 quick:64:16 --points "$N" --same-as "$T/clean.jsonl"
note "pids unchanged through four reloads: $P0"
