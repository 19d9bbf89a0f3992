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
	rm -f "/dev/shm/tdapipe-$INSTANCE" "/dev/shm/tdapipe-$INSTANCE"-*
	rm -rf "./$INSTANCE"*-state   # the default state.dir of configs without one (INSTANCE, INSTANCEa, INSTANCE-k ...)
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
# stdout in $T/run.out, stderr in $T/run.err.  Every run starts from
# nothing (--fresh: the state of an earlier run of the instance is
# discarded) unless FRESH is set and empty (FRESH= : restore it).
start_run() {
	"$TDAPIPE" run ${FRESH---fresh} -c "$1" >"$T/run.out" 2>"$T/run.err" &
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
	# Children log to the supervisor's stderr: a sanitizer report or a
	# restart nobody asked for (ALLOW_RESTARTS=1 in the tests that kill)
	# fails the test even when the output came out right.
	if grep -q -E "ERROR: [A-Za-z]+Sanitizer|runtime error:" "$T/run.err"; then
		cat "$T/run.err" >&2
		die "sanitizer report on the run's stderr"
	fi
	if [ -z "${ALLOW_RESTARTS:-}" ] && grep -q "; restart [0-9]* in " "$T/run.err"; then
		cat "$T/run.err" >&2
		die "a process died and was restarted during the run"
	fi
}

# walk_csv FILE N SEED [STEPS]: N points of a random walk on the integers
# 0..15, one per line (small diagrams, yet Rips windows still cost
# O(window^2)); STEPS is the Python tuple of steps, default (-1, 0, 0, 0, 1).
walk_csv() {
	"$PY" -c "
import random
r = random.Random($3); x = 8
with open('$1', 'w') as f:
    for i in range($2):
        x = min(15, max(0, x + r.choice(${4:-(-1, 0, 0, 0, 1)})))
        f.write('%d\\n' % x)
"
}

# gauss_csv FILE N SEED: N points of a Gaussian random walk, one a line
# (what the stop/start and reload tests feed).
gauss_csv() {
	"$PY" -c "
import random
r = random.Random($3); x = 0.0
with open('$1', 'w') as f:
    for i in range($2):
        x += r.gauss(0, 1)
        f.write('%r\\n' % x)
"
}

# run_ok CONFIG [SECS] [WHAT]: run CONFIG to its end (at most SECS, default
# 60); it must exit 0, else its stderr is shown and the test fails.
run_ok() {
	start_run "$1"
	wait_run "${2:-60}"
	[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "${3:-run of $1} exited $RUN_RC"; }
}

# stats_json: `tdapipe stats --json` of this test's instance.
stats_json() { "$TDAPIPE" stats --instance "$INSTANCE" --json; }

# count_lines FILE [PATTERN]
count_lines() {
	if [ $# -gt 1 ]; then grep -c -- "$2" "$1" || true; else wc -l <"$1" | tr -d ' '; fi
}

# --- helpers of the whole-pipeline tests (tests/integration) ---------------

# start_run_fifo CONFIG: like start_run, with standard input read from the
# FIFO $T/in.fifo, which a `sleep` (pid in $T/holder.pid) keeps open so
# that the instance stays up until close_input.  Feed it with feed FILE.
start_run_fifo() {
	rm -f "$T/in.fifo"
	mkfifo "$T/in.fifo"
	"$TDAPIPE" run ${FRESH---fresh} -c "$1" <"$T/in.fifo" >"$T/run.out" 2>"$T/run.err" &
	echo $! >"$T/run.pid"
	sleep 120 >"$T/in.fifo" &
	echo $! >"$T/holder.pid"
}

# feed FILE: write FILE into the running instance's FIFO (in the
# background; pid in $T/feed.pid, reaped by close_input).
feed() {
	cat "$1" >"$T/in.fifo" &
	echo $! >"$T/feed.pid"
}

# close_input [SECS]: wait (at most SECS, default 20) for the feeder to have
# written everything, then end the input (end of file for ingest).
close_input() {
	if [ -f "$T/feed.pid" ]; then
		fp=$(cat "$T/feed.pid")
		wait_for "${1:-20}" sh -c "! kill -0 $fp" || die "feeding the FIFO did not finish"
		rm -f "$T/feed.pid"
	fi
	if [ -f "$T/holder.pid" ]; then
		kill "$(cat "$T/holder.pid")" 2>/dev/null || true
		rm -f "$T/holder.pid"
	fi
}

# wait_stats SECS EXPR: poll `tdapipe stats --json` until the Python
# expression EXPR is true of it (see tests/integration/tdpres.py: s is the
# stats, proc(s, role, scale), ring(s, dir, scale)); fails after SECS.
wait_stats() {
	"$PY" "$TDP_ROOT/tests/integration/tdpres.py" wait "$1" "$TDAPIPE" "$INSTANCE" "$2" ||
		{ cat "$T/run.err" >&2; die "stats never satisfied: $2"; }
}

# check_results GOT SCALE:W:S[:DIMS]... [--points [STREAM=]N]...
#     [--same-as CLEAN [--per-stream]] [--cut SCALE=N] [--ignore SCALE]
# The results file GOT follows tdapipe-results(5) (DIMS like 0,1; default
# 0); with --points (stream "default" unless named), each stream has
# exactly its complete windows of every scale; with --same-as, each
# scale's lines (each stream's, --per-stream) are byte-identical, in the
# same order, to CLEAN's, a clean run of the same input; --cut SCALE=N:
# that scale saw only the first N points (a failed worker).  Prints a
# summary; fails the test with the first difference.
check_results() {
	"$PY" "$TDP_ROOT/tests/integration/tdpres.py" check "$@" || die "results of $1: see above"
}

# stats_get PATH: one value of the stats, e.g. proc:ingest:-:records_in,
# ring:in:fast:overflow, top:supervisor_pid.
stats_get() {
	stats_json | "$PY" "$TDP_ROOT/tests/integration/tdpres.py" get "$1"
}

# write_config FILE SOURCE SINK: a config for this test's instance reading
# SOURCE (a YAML mapping), writing results to the file SINK and dead
# letters to SINK.dead, with the scales in $SCALES (a "scales:" block).
write_config() {
	cat >"$1" <<EOC
instance: $INSTANCE
source: $2
sink: {type: file, path: $3}
dead_letter: {type: file, path: $3.dead}
$SCALES
EOC
}

# free_port [SOCK_STREAM|SOCK_DGRAM]: a port of 127.0.0.1 free right now
# (another program may take it before it is used: retry on a clash).
free_port() {
	"$PY" -c "
import socket, sys
s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1]))
s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()" "${1:-SOCK_STREAM}"
}

# kt ARGS...: a step of the Kafka tests (tests/integration/kafkatest.py).
kt() { "$PY" "$TDP_ROOT/tests/integration/kafkatest.py" "$@"; }

# kafka_reference N SEED: N points of 8 streams ($T/in.jsonl, and
# $T/keyed.txt for a producer: kt points) and the file-source run of them
# through two scales (one sublevel, one Rips H0-H1, left in $SCALES) into
# $T/file.out: what the Kafka runs must publish.  Their count in $want.
kafka_reference() {
	SCALES='scales:
  - {name: fast, complex: sublevel, window: 200, slide: 50}
  - {name: loop, complex: rips, window: 30, slide: 15, dims: [0, 1]}'
	kt points "$T" "$1" "$2"
	write_config "$T/file.yaml" "{type: file, path: $T/in.jsonl, format: jsonl}" "$T/file.out"
	run_ok "$T/file.yaml" 60 "file run"
	want=$(wc -l <"$T/file.out")
}

# start_mock NAME ARGS...: `tdapipe kafka-mock ARGS` in the background, its
# bootstrap address in $BOOT; stop_mock NAME stops it and checks it exits 0.
start_mock() {
	name=$1; shift
	"$TDAPIPE" kafka-mock "$@" >"$T/$name.out" 2>"$T/$name.err" &
	echo $! >"$T/$name.pid"
	wait_for 20 test -s "$T/$name.out" || { cat "$T/$name.err" >&2; die "kafka-mock $* printed no address"; }
	BOOT=$(head -n 1 "$T/$name.out")
}

stop_mock() {
	pid=$(cat "$T/$1.pid")
	kill -TERM "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	rm -f "$T/$1.pid"
	[ "$rc" -eq 0 ] || die "kafka-mock exited $rc on SIGTERM: $(cat "$T/$1.err")"
}
