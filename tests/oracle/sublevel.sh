#!/bin/sh
# Oracle test of `tdapipe persistence --complex sublevel` (H0 of a series,
# whole, by sliding windows, --summary, --threshold) against GUDHI's cubical
# complex, window by window and exactly (tests/oracle/check_sublevel.py).
# Exit 77 (skip) when python3-gudhi or numpy is missing.  Uses
# /usr/bin/python3 on purpose: a python3 earlier on PATH (pyenv, venv) does
# not see Debian's python3-gudhi.  SUBLEVEL_TOTAL_TOL=r compares the
# summary TOTAL with relative tolerance r instead of exactly.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, numpy' >/dev/null 2>&1; then
	echo "sublevel oracle: skipped ($PY cannot import gudhi and numpy)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
# Under the ASan+UBSan build (make asan) the same program runs on half of
# each family's cases: that pass looks for memory errors, the plain one for
# wrong diagrams, and process starts under ASan cost most of its time.
case ${BIN:-bin} in
*asan*) SUBLEVEL_ORACLE_FRACTION=${SUBLEVEL_ORACLE_FRACTION:-0.5}; export SUBLEVEL_ORACLE_FRACTION ;;
esac
BIN=${BIN:-bin} exec "$PY" tests/oracle/check_sublevel.py
