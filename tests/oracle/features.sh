#!/bin/sh
# Oracle test of the diagram features (scaled/features*.c: summary,
# entropy, Betti curves, landscapes, silhouettes, persistence images)
# against python3-gudhi's representations, on
# random and degenerate diagrams (tests/oracle/check_features.py).
# Exit 77 (skip) when python3-gudhi or numpy is missing.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, numpy, sklearn' >/dev/null 2>&1; then
	echo "features oracle: skipped ($PY cannot import gudhi, numpy and sklearn)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
BUILD=${BUILD:-build} exec "$PY" tests/oracle/check_features.py
