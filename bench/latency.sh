#!/bin/sh
# bench/latency.sh - a section of `make bench` (bench/run.sh), or run
# alone: point-to-publish latency p50/p99/p999 of the sublevel bench (one
# sublevel scale, window 1000, slide 100) fed over TCP at 25%, 50% and 90%
# of its maximum rate (a file source run), as `tdapipe stats --json`
# shows it; medians of RUNS (3) runs.  LBENCH_SECONDS (4) of sending per
# run, LBENCH_POINTS (4,320,000) for the maximum.  bench/latency.py.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
/usr/bin/python3 bench/latency.py "$BIN" "$BUILD/bench/latency" --runs "$RUNS" \
	--seconds "${LBENCH_SECONDS:-4}" --points "${LBENCH_POINTS:-4320000}"
