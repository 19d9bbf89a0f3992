#!/bin/sh
# Oracle test of the bottleneck and Wasserstein distances
# (scaled/distance_*.c) against python3-gudhi and POT, on random and
# degenerate diagram pairs (tests/oracle/check_distances.py).
# Exit 77 (skip) when gudhi, numpy or POT (ot) is missing.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, gudhi.wasserstein, numpy, ot' >/dev/null 2>&1; then
	echo "distances oracle: skipped ($PY cannot import gudhi, numpy and ot)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
BUILD=${BUILD:-build} exec "$PY" tests/oracle/check_distances.py
