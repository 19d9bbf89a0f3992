#!/bin/sh
# shm_full: a segment whose fixed part (rings, arenas, state) cannot fit
# in /dev/shm is refused when it is created: `tdapipe run` exits 111 with
# a message naming the size, and leaves no segment behind (issue 16,
# defect 6: the segment was sparse, and the first process to touch a page
# past the space died of SIGBUS, again after each restart).  16 scales of
# 16,777,216-slot rings ask for 43 GB: more than the whole /dev/shm here,
# which tmpfs refuses at once without allocating anything.  Skipped where
# /dev/shm is larger than that or has no size.
. "$(dirname "$0")/../lib.sh"
size=$("$PY" -c "import os; s = os.statvfs('/dev/shm'); print(s.f_blocks * s.f_frsize)")
[ "$size" -gt 0 ] && [ "$size" -lt 40000000000 ] || { echo "skip: /dev/shm is $size bytes"; exit 77; }
{
	echo "instance: $INSTANCE"
	echo "source: {type: stdin, format: csv}"
	echo "sink: {type: file, path: $T/out.jsonl}"
	echo "scales:"
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		echo "  - {name: s$i, complex: sublevel, window: 10, slide: 10, ring: 16777216}"
	done
} >"$T/big.yaml"
"$TDAPIPE" check-config "$T/big.yaml" >"$T/check.out" || die "check-config refused the config"
set +e
echo 1 | "$TDAPIPE" run --fresh -c "$T/big.yaml" >"$T/run.out" 2>"$T/run.err"
rc=$?
set -e
cat "$T/run.err"
[ "$rc" -eq 111 ] || die "run exited $rc, expected 111"
grep -q "no room in /dev/shm for the segment's [0-9]* fixed bytes" "$T/run.err" || die "no message naming the space"
[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "the segment was left behind"
! grep -q "SIGBUS\|signal 7" "$T/run.err" || die "a process died of SIGBUS"
echo ok
