#!/bin/sh
# Oracle test of the matching that tracks features across windows
# (scaled/track_match.c) against python3-gudhi's bottleneck distance and
# scipy's assignment, on random and degenerate diagram pairs
# (tests/oracle/check_track_match.py).
# Exit 77 (skip) when gudhi, numpy or scipy is missing.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, numpy, scipy.optimize' >/dev/null 2>&1; then
	echo "track_match oracle: skipped ($PY cannot import gudhi, numpy and scipy)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
BUILD=${BUILD:-build} exec "$PY" tests/oracle/check_track_match.py
