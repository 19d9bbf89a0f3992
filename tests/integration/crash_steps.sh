#!/bin/sh
# crash_steps: the real tdapipe-scaled, -publish and -ingest, each killed
# at every one of its crash points in turn (TDAPIPE_CRASH_AT) and started
# again, produce exactly a clean run's output: nothing lost, nothing
# published twice.  The sweep itself is tests/tools/crash_steps.c, which
# plays the supervisor and the neighbours on a segment of its own; it
# fails at the first step whose output differs.
. "$(dirname "$0")/../lib.sh"
TOOL=$BUILD/tools/crash_steps
[ -x "$TOOL" ] || { echo "skip: $TOOL not built"; exit 77; }
"$TOOL" "$BIN" "$T" || die "a process killed at one of its crash steps did not give a clean run's output"
echo ok
