# tests/lib.sh - shared by the whole-pipeline tests (sourced, POSIX sh).
#
# Every test gets its own temporary directory and instance name, starts
# real processes, and bounds every wait so it stops by itself.
set -eu
: "${TDP_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BIN:=bin}"
: "${BUILD:=build}"
case $BIN in /*) ;; *) BIN=$TDP_ROOT/$BIN ;; esac
case $BUILD in /*) ;; *) BUILD=$TDP_ROOT/$BUILD ;; esac
TDAPIPE=$BIN/tdapipe
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/tdp-test.XXXXXX")
INSTANCE=t$$x$(basename "$0" .sh | tr -cd 'a-z0-9' | cut -c1-16)
cleanup() {
	# stop whatever this test started, then remove its files
	for pidf in "$T"/*.pid; do
		[ -f "$pidf" ] && kill -9 "$(cat "$pidf")" 2>/dev/null || true
	done
	rm -f "/dev/shm/tdapipe-$INSTANCE"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

die() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds or SECS pass.
wait_for() {
	limit=$(( $1 * 10 )); shift
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
	return 0
}

# start_run CONFIG: start `tdapipe run` in the background; pid in $T/run.pid,
# stdout in $T/run.out, stderr in $T/run.err.
start_run() {
	"$TDAPIPE" run -c "$1" >"$T/run.out" 2>"$T/run.err" &
	echo $! >"$T/run.pid"
}

# wait_run SECS: wait for the background run to exit; its status in $RUN_RC.
wait_run() {
	pid=$(cat "$T/run.pid")
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge $(( $1 * 10 )) ]; then
			kill -9 "$pid" 2>/dev/null || true
			cat "$T/run.err" >&2
			die "tdapipe run did not finish within $1 s"
		fi
		sleep 0.1
	done
	set +e
	wait "$pid"
	RUN_RC=$?
	set -e
	rm -f "$T/run.pid"
}

# stats_json: `tdapipe stats --json` of this test's instance.
stats_json() { "$TDAPIPE" stats --instance "$INSTANCE" --json; }

# count_lines FILE [PATTERN]
count_lines() {
	if [ $# -gt 1 ]; then grep -c -- "$2" "$1" || true; else wc -l <"$1" | tr -d ' '; fi
}
