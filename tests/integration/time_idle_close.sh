#!/bin/sh
# time_idle_close: windows over event time wait for their stream's
# watermark, and `idle_close` lets a quiet stream's windows out.
#
# A stream of 1 s windows (slide 1 s) gets points at 0.1 s .. 2.5 s and
# then nothing, while its input stays open.  Without idle_close nothing is
# emitted for 2 s of wall time (the watermark, 2.5 s, has passed windows 0
# and 1 only: those two come out at once, window 2 waits); with idle_close
# 300ms window 2 comes out too while the input is still open.  At the end
# of the input both runs hold windows 0, 1, 2 with the same diagrams.
. "$(dirname "$0")/../lib.sh"

"$PY" -c "
import json
with open('$T/points.jsonl', 'w') as f:
    for i in range(1, 26):
        f.write(json.dumps({'stream': 's', 't': i * 100, 'v': (i * 7) % 11}) + '\n')
"
run_case() {   # $1: name, $2: extra source keys
	SCALES="scales:
  - {name: sec, complex: sublevel, window: 1s, slide: 1s}"
	write_config "$T/$1.yaml" "{type: stdin, format: jsonl, time_unit: ms$2}" "$T/$1.jsonl"
	start_run_fifo "$T/$1.yaml"
	feed "$T/points.jsonl"
	wait_for 20 sh -c "[ \$(wc -l <'$T/$1.jsonl') -ge 2 ]" || die "$1: windows 0 and 1 not emitted"
	sleep 2
	got=$(wc -l <"$T/$1.jsonl")
	close_input 20
	wait_run 30
	[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "$1: run exited $RUN_RC"; }
	echo "$got"
}
held=$(run_case wait "")
[ "$held" -eq 2 ] || die "without idle_close, $held windows out before the input ended, expected 2"
let_out=$(run_case idle ", idle_close: 300ms")
[ "$let_out" -eq 3 ] || die "with idle_close 300ms, $let_out windows out while the input was open, expected 3"
cmp -s "$T/wait.jsonl" "$T/idle.jsonl" || die "the results differ: $(diff "$T/wait.jsonl" "$T/idle.jsonl")"
[ "$(wc -l <"$T/idle.jsonl")" -eq 3 ] || die "$(wc -l <"$T/idle.jsonl") results, expected 3"
grep -q '"window":2,"from":2000,"to":3000,' "$T/idle.jsonl" || die "no window 2 over [2, 3) s: $(cat "$T/idle.jsonl")"
echo ok
