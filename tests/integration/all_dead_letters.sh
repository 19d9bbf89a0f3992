#!/bin/sh
# all_dead_letters: a run in which every record was a dead letter analysed
# nothing; it says so on its last line and exits 1 (tdapipe-run(1), EXIT
# STATUS), while the same input with one good record in it exits 0.
. "$(dirname "$0")/../lib.sh"
printf 'a,b\nnot,numbers\n\n1e999\n' >"$T/bad.csv"
SCALES="scales:
  - {name: lev, complex: sublevel, window: 2, slide: 1}"
write_config "$T/bad.yaml" "{type: file, path: $T/bad.csv, format: csv}" "$T/bad.jsonl"
start_run "$T/bad.yaml"
wait_run 20
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "every record a dead letter: exit $RUN_RC, expected 1"; }
tail -n 1 "$T/run.err" | grep -q "but every record (3) was a dead letter: nothing was analysed" ||
	die "the last line does not say so: $(tail -n 1 "$T/run.err")"
[ "$(count_lines "$T/bad.jsonl.dead")" -eq 3 ] || die "dead letters: $(cat "$T/bad.jsonl.dead")"

{ cat "$T/bad.csv"; echo 1.5; } >"$T/one.csv"
write_config "$T/one.yaml" "{type: file, path: $T/one.csv, format: csv}" "$T/one.jsonl"
run_ok "$T/one.yaml" 20 "one good record among the bad"
tail -n 1 "$T/run.err" | grep -q "; 3 records were dead letters$" ||
	die "the last line: $(tail -n 1 "$T/run.err")"
note "all bad: exit 1, said; one good: exit 0"
