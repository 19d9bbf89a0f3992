#!/bin/sh
# tests/fuzz/run.sh - run the libFuzzer harnesses built in $FUZZ (make fuzz).
#
#   tests/fuzz/run.sh SECONDS [NAME...]
#
# For each harness, $FUZZ/fuzz_* or the NAMEs given (fuzz_framer, ...):
#  1. replay: every file of its seed corpus, tests/fuzz/corpus/NAME/, runs
#     once (-runs=0), so an input that once failed and was added there
#     stays fixed;
#  2. unless SECONDS is 0, fuzz it for SECONDS seconds from a working
#     corpus, $FUZZ_WORK/NAME/ (default $FUZZ/corpus/NAME/: the seeds
#     copied in, plus whatever earlier runs found), so that the seeds in
#     the repository are never written to.  tests/fuzz/NAME.dict, if
#     there is one, is its dictionary.
# A crash, a property violation (abort), a leak, a sanitizer report, a
# timeout or running out of memory fails the harness: the input is kept
# as $FUZZ/crashes/NAME-crash-<sha1> (or -leak-, -timeout-, -oom-), the
# output in $FUZZ/logs/NAME.log; the others still run.  FUZZ_JOBS
# harnesses run at a time (default 1).  Exit 0, or 1 if any failed.
set -u
cd "$(dirname "$0")/../.."
FUZZ=${FUZZ:-build-fuzz}
FUZZ_WORK=${FUZZ_WORK:-$FUZZ/corpus}
FUZZ_JOBS=${FUZZ_JOBS:-1}
[ $# -ge 1 ] || { echo "usage: $0 SECONDS [NAME...]" >&2; exit 100; }
secs=$1; shift
[ $# -gt 0 ] || set -- $(cd "$FUZZ" && ls fuzz_* 2>/dev/null | grep -v '\.')
[ $# -gt 0 ] || { echo "$0: no harnesses in $FUZZ (make fuzz-build)" >&2; exit 100; }
mkdir -p "$FUZZ/crashes" "$FUZZ/logs" "$FUZZ_WORK"

# one NAME: replay, then fuzz; 0 or 1
run_one() {
	name=$1 bin=$FUZZ/$1 seeds=tests/fuzz/corpus/$1 log=$FUZZ/logs/$1.log
	[ -x "$bin" ] || { echo "FAIL  $name: $bin not built"; return 1; }
	mkdir -p "$seeds" "$FUZZ_WORK/$name"
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
	opts="-error_exitcode=1 -timeout_exitcode=1 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1"
	start=$(date +%s)
	if ! "$bin" $opts -runs=0 "-artifact_prefix=$FUZZ/crashes/$name-" "$seeds" >"$log" 2>&1; then
		echo "FAIL  $name: replaying $seeds (log: $log)"
		tail -n 30 "$log" | sed 's/^/      | /'
		return 1
	fi
	if [ "$secs" -gt 0 ]; then
		cp -R "$seeds/." "$FUZZ_WORK/$name/"
		if ! "$bin" $opts $dict -max_total_time="$secs" "-artifact_prefix=$FUZZ/crashes/$name-" \
			"$FUZZ_WORK/$name" >>"$log" 2>&1; then
			echo "FAIL  $name: see $log and $FUZZ/crashes/$name-*"
			grep -A 12 -E "property violated|ERROR: |runtime error|==ERROR|deadly signal" "$log" |
				head -n 30 | sed 's/^/      | /'
			return 1
		fi
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	printf 'ok    %-22s %4ss  %s runs, %s, corpus %s files\n' "$name" "$(( $(date +%s) - start ))" \
		"${runs:-?}" "${cov:-cov: ?}" "$(ls "$FUZZ_WORK/$name" | wc -l)"
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
