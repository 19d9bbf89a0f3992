#!/bin/sh
# Oracle test of the Rips engine at the cloud sizes tdapipe.yaml(5)
# documents for the default memory_mb, against Debian's ripser, and of what
# happens beyond a memory bound (tests/oracle/check_rips_sizes.py).  Exit
# 77 (skip) when ripser or numpy is missing.  /usr/bin/python3 on purpose
# (see rips.sh).
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
	echo "rips sizes: skipped ($PY cannot import numpy)"
	exit 77
fi
if ! [ -x /usr/bin/ripser ]; then
	echo "rips sizes: skipped (/usr/bin/ripser not installed)"
	exit 77
fi
case "$0" in
*/*)	dir=${0%/*} ;;
*)	dir=. ;;
esac
cd "$dir/../.." || exit 1
BIN=${BIN:-bin} exec "$PY" tests/oracle/check_rips_sizes.py
