#!/bin/sh
# tests/fuzz/run.sh - run the libFuzzer harnesses built in $FUZZ (make fuzz).
#
#   tests/fuzz/run.sh SECONDS [fuzz_TARGET...]
#
# For each harness, $FUZZ/fuzz_TARGET (all of them by default):
#  1. replay: every file of its seed corpus, tests/fuzz/corpus/TARGET/,
#     runs once (-runs=0), so that an input that once failed and was
#     added there stays fixed;
#  2. unless SECONDS is 0, fuzz it for SECONDS seconds from a working
#     corpus, $FUZZ_WORK/TARGET/ (default $FUZZ/corpus/TARGET/: the seeds
#     copied in, plus whatever earlier runs found), so that the seeds in
#     the repository are never written to.  tests/fuzz/fuzz_TARGET.dict,
#     if there is one, is its dictionary.
# A crash, a property violation (abort), a leak, a sanitizer report, a
# timeout (20 s for one input) or going past 2 GB fails the harness: the
# input is kept as $FUZZ/crashes/fuzz_TARGET-crash-<sha1> (-leak-,
# -timeout-, -oom-), the output in $FUZZ/logs/fuzz_TARGET.log; the other
# harnesses still run.  FUZZ_JOBS harnesses run at a time (default 1).
# Exit 0, or 1 if any failed.
set -u
cd "$(dirname "$0")/../.."
FUZZ=${FUZZ:-build-fuzz}
FUZZ_WORK=${FUZZ_WORK:-$FUZZ/corpus}
FUZZ_JOBS=${FUZZ_JOBS:-1}
[ $# -ge 1 ] || { echo "usage: $0 SECONDS [fuzz_TARGET...]" >&2; exit 100; }
secs=$1; shift
[ $# -gt 0 ] || set -- $(cd "$FUZZ" 2>/dev/null && ls | grep '^fuzz_[A-Za-z0-9_]*$')
[ $# -gt 0 ] || { echo "$0: no harnesses in $FUZZ (make fuzz-build)" >&2; exit 100; }
mkdir -p "$FUZZ/crashes" "$FUZZ/logs" "$FUZZ_WORK"

# why LOG failed, in a few lines
excerpt() {
	grep -A 3 -E "property violated|ERROR: |runtime error|SUMMARY|Test unit written" "$1" |
		grep -v -E "^ *#[0-9]+ " | head -n 24 | sed 's/^/      | /'
}

# one harness: replay, then fuzz; 0 or 1
run_one() {
	name=$1 target=${1#fuzz_}
	bin=$FUZZ/$name seeds=tests/fuzz/corpus/$target work=$FUZZ_WORK/$target log=$FUZZ/logs/$name.log
	[ -x "$bin" ] || { echo "FAIL  $name: $bin not built"; return 1; }
	opts="-error_exitcode=1 -timeout_exitcode=1 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1"
	opts="$opts -artifact_prefix=$FUZZ/crashes/$name-"
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
	start=$(date +%s)
	: >"$log"
	if [ -d "$seeds" ]; then
		if ! "$bin" $opts -runs=0 "$seeds" >>"$log" 2>&1; then
			echo "FAIL  $name: replaying $seeds (log: $log)"
			excerpt "$log"
			return 1
		fi
	else
		echo "# no seed corpus: $seeds" >>"$log"
	fi
	if [ "$secs" -gt 0 ]; then
		mkdir -p "$work"
		[ -d "$seeds" ] && cp -R "$seeds/." "$work/"
		if ! "$bin" $opts $dict -max_total_time="$secs" "$work" >>"$log" 2>&1; then
			echo "FAIL  $name: fuzzing (log: $log)"
			excerpt "$log"
			return 1
		fi
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	printf 'ok    %-22s %4ss  %s runs, %s, corpus %s files\n' "$name" "$(( $(date +%s) - start ))" \
		"${runs:-?}" "${cov:-cov: ?}" "$(ls "$work" 2>/dev/null | wc -l)"
	return 0
}

failed=0
while [ $# -gt 0 ]; do
	pids= i=0
	while [ $# -gt 0 ] && [ $i -lt "$FUZZ_JOBS" ]; do
		run_one "$1" &
		pids="$pids $!" i=$((i + 1))
		shift
	done
	for p in $pids; do
		wait "$p" || failed=1
	done
done
[ "$failed" -eq 0 ] || { echo "fuzz: failures; inputs in $FUZZ/crashes/" >&2; exit 1; }
