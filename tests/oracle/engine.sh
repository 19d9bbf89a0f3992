#!/bin/sh
# Oracle test of the scale engine's H0 diagrams against GUDHI and Ripser.
# Exit 77 (skip) when Debian's python3-gudhi or the ripser CLI is missing.
# Uses /usr/bin/python3 on purpose: a python3 earlier on PATH (pyenv, venv)
# does not see Debian's python3-gudhi.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import gudhi, numpy' >/dev/null 2>&1; then
	echo "engine oracle: skipped ($PY cannot import gudhi and numpy)"
	exit 77
fi
if ! command -v ripser >/dev/null 2>&1; then
	echo "engine oracle: skipped (ripser not installed)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
"$PY" "$dir/check_engine.py"
exit $?
