#!/bin/sh
# Oracle test of `tdapipe persistence` (Vietoris-Rips H0..H2) against
# Debian's ripser and GUDHI (tests/oracle/check_rips.py).  Exit 77 (skip)
# when ripser or python3-gudhi is missing.  Uses /usr/bin/python3 on
# purpose: a python3 earlier on PATH (pyenv, venv) does not see Debian's
# python3-gudhi.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, numpy' >/dev/null 2>&1; then
	echo "rips oracle: skipped ($PY cannot import gudhi and numpy)"
	exit 77
fi
if ! [ -x /usr/bin/ripser ]; then
	echo "rips oracle: skipped (/usr/bin/ripser not installed)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
BIN=${BIN:-bin} exec "$PY" tests/oracle/check_rips.py
