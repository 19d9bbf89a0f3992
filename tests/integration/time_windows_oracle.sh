#!/bin/sh
# time_windows_oracle: windows over event time (issue 18) equal a
# reference written from the specification (tests/tools/time_windows_ref.py):
# random multi-stream JSON Lines with irregular gaps, duplicate times,
# disorder within and beyond the lateness, points exactly at and 1 ns below
# the watermark, times before 1970 and RFC 3339 strings mixed with numbers,
# records without "t"; a sublevel scale (1s / 250ms) and a delay-embedded
# Rips H0-H1 scale (1s / 500ms).  Every case's results (the same ids; from,
# to, start, end, n, dropped exactly; diagrams equal to GUDHI's exactly for
# sublevel, to GUDHI's and ripser's within float rounding for Rips) and
# dead letters (late: time and watermark exactly; no event time) must
# equal the reference's.  Cases: time units ms, s, ns and us, lateness
# 50ms, 200ms and the default 0, max_window_points 7 (dropped).
# TIME_ORACLE_SEED shifts the seeds.
. "$(dirname "$0")/../lib.sh"
REF="$TDP_ROOT/tests/tools/time_windows_ref.py"
"$PY" -c 'import gudhi, numpy' 2>/dev/null || { echo "skip: $PY cannot import gudhi and numpy"; exit 77; }
"$PY" "$REF" self-test

base=${TIME_ORACLE_SEED:-1800}
failed=0
n=0
# seed unit lateness max_window_points ("-": the default)
for c in "1 ms 50ms -" "2 s 50ms -" "3 ns 50ms -" "4 ms 200ms 7" "5 us - -" "6 s 50ms 7"; do
	set -- $c
	n=$((n + 1))
	d=$T/case$n
	args="--seed $((base + $1)) --unit $2"
	[ "$3" = - ] || args="$args --lateness $3"
	[ "$4" = - ] || args="$args --max-window-points $4"
	"$PY" "$REF" case --dir "$d" --instance "$INSTANCE" $args
	run_ok "$d/c.yaml" 60 "case $n ($args)"
	if ! "$PY" "$REF" check --dir "$d"; then
		failed=$((failed + 1))
		echo "# case $n ($args): input, config and outputs in $d (KEEP=1 keeps them);"
		echo "#   $PY $REF expect --dir $d --out $d/want.jsonl writes what was expected"
	fi
done
[ "$failed" -eq 0 ] || die "$failed of $n cases differ from the reference"
echo ok
