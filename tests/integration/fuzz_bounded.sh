#!/bin/sh
# fuzz_bounded: every libFuzzer harness of tests/fuzz/ (make fuzz) builds,
# replays its whole seed corpus (tests/fuzz/corpus/TARGET/, regressions
# included) without a failure, and then fuzzes for its share of about a
# minute in all without a crash or a property violation.  `make fuzz`
# (FUZZ_SECONDS each) and `make soak` run them long.
#
# The harnesses are their own build (clang, ASan + UBSan, build-fuzz/),
# whichever build the suite is testing, so they run once: in the plain
# suite, skipped (77) in the ASan one (BUILD=build-asan).  Skipped too
# without clang and libFuzzer (Debian: clang libclang-rt-dev).
# FUZZ_TOTAL=SECONDS changes the minute; a failing input is kept in
# build-fuzz/crashes/.
. "$(dirname "$0")/../lib.sh"
cd "$TDP_ROOT"

case $BUILD in
*asan*) echo "the fuzz harnesses run in the plain suite (they are sanitized builds already)"; exit 77 ;;
esac
command -v clang >/dev/null 2>&1 || { echo "no clang"; exit 77; }
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$T/probe.c"
clang -fsanitize=fuzzer -o "$T/probe" "$T/probe.c" >"$T/probe.log" 2>&1 ||
	{ cat "$T/probe.log"; echo "clang cannot link libFuzzer (libclang-rt-dev)"; exit 77; }

# The build runs from within make test: keep its jobserver out of ours.
start=$(date +%s)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j"$(nproc)" --no-print-directory fuzz-build ||
	die "make fuzz-build failed"
note "built in $(( $(date +%s) - start )) s"

names=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
n=$(echo $names | wc -w)
total=${FUZZ_TOTAL:-60}
each=$(( total / n - 1 ))   # replaying and starting take about a second more
[ "$each" -ge 2 ] || each=2
note "$n harnesses, $each s each"
# A fresh working corpus: the seeds, not what earlier runs found, so that
# the run takes the same time every time.
FUZZ=build-fuzz FUZZ_WORK=$T/corpus tests/fuzz/run.sh "$each" $names || die "a fuzz harness failed"
