#!/bin/sh
# tests/run.sh - every test of the suite, one program per behaviour.
#
#   unit:        $BUILD/tests/test_*            (cmocka, one per source file)
#   oracle:      tests/oracle/*.sh              (our diagrams vs GUDHI / ripser)
#   integration: tests/integration/*.sh         (real processes, shm, sockets)
#   man:         mandoc -Tlint on man/*
#
# A program passes with exit 0, is skipped with exit 77 (liburing's
# convention: the machine lacks what it needs), fails otherwise.
# ONLY=pattern runs the tests whose name contains pattern.
# TEST_TIMEOUT=secs: a test running longer fails (default 1200).
# Ends with "N passed, N failed, N skipped"; exit 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
export BUILD BIN
export TDP_ROOT=$(pwd)
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
pass=0 fail=0 skip=0 failed=""

run_one() {
	name=$1; shift
	case $name in *${ONLY:-}*) ;; *) return ;; esac
	log=$LOGDIR/$(echo "$name" | tr '/' '_').log
	start=$(date +%s)
	# A hung test fails (124) instead of hanging the suite (programs and
	# scripts; the shell functions here run as they are).
	if [ -f "$1" ]; then
		timeout -k 10 "${TEST_TIMEOUT:-1200}" "$@" >"$log" 2>&1
	else
		"$@" >"$log" 2>&1
	fi
	rc=$?
	[ "$rc" -ne 124 ] || echo "timed out after ${TEST_TIMEOUT:-1200} s (TEST_TIMEOUT)" >>"$log"
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-48s %3ss\n' "$name" "$secs" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-48s %3ss  (%s)\n' "$name" "$secs" "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"
	   printf 'FAIL  %-48s %3ss  exit %s\n' "$name" "$secs" "$rc"
	   sed 's/^/      | /' "$log" | tail -n 40 ;;
	esac
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in tests/oracle/*.sh tests/integration/*.sh; do
	[ -x "$t" ] && run_one "$t" "$t"
done
man_lint() {
	for m in man/*.[0-9]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		if [ -n "$out" ]; then echo "$out"; return 1; fi
	done
	echo "linted: $(ls man/*.[0-9] | wc -l) pages"
}
run_one man/lint man_lint

echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
