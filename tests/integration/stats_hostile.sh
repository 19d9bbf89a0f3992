#!/bin/sh
# stats_hostile: `tdapipe stats` trusts nothing in /dev/shm (issue 16).
#
# A copy of a live instance's segment, planted under the instance's name
# with one field corrupted (config_off, config_len, procs_off, nprocs,
# nscales 17, max_streams, magic), truncated (with and without a header
# that agrees), empty, or replaced by a symbolic link, a directory or a
# FIFO: stats exits 111 naming what is wrong, without a crash, a
# sanitizer report or a hang.  --watch ends with a message (111) when the
# instance ends and removes its segment, and when the live segment is
# truncated under it (not SIGBUS).  A segment of another uid is refused
# by stats and by run.  A lock held by something that is not the
# instance's supervisor makes run say the name may be squatted and what
# to do, not "supervisor pid 0"; once the holder is gone, run recovers.
# Needs root for the other-uid part (exit 77 after the rest otherwise).
. "$(dirname "$0")/../lib.sh"
SEG=/dev/shm/tdapipe-$INSTANCE
hostile_cleanup() {
	rm -rf "$SEG"
	cleanup
}
trap hostile_cleanup EXIT INT TERM

"$PY" -c "
with open('$T/points.csv', 'w') as f:
    for i in range(3000): f.write('%d\n' % (i * 7919 % 13))
"
SCALES="scales:
  - {name: lev, complex: sublevel, window: 20, slide: 10, ring: 16}
  - {name: cloud, complex: rips, window: 10, slide: 5, ring: 32}
max_streams: 4"
write_config "$T/live.yaml" "{type: stdin, format: csv}" "$T/live.jsonl"
write_config "$T/file.yaml" "{type: file, path: $T/points.csv, format: csv}" "$T/file.jsonl"

# watch_until SECS: wait for the background `stats --watch` to exit; its
# status in $WATCH_RC, which must not be a signal or a sanitizer report.
watch_until() {
	wp=$(cat "$T/watch.pid")
	wait_for "$1" sh -c "! kill -0 $wp" || die "stats --watch still running $1 s later: $(cat "$T/watch.err")"
	set +e
	wait "$wp"
	WATCH_RC=$?
	set -e
	rm -f "$T/watch.pid"
	note "watch: exit $WATCH_RC: $(cat "$T/watch.err")"
	[ "$WATCH_RC" -lt 128 ] || die "stats --watch died of signal $((WATCH_RC - 128))"
	! grep -q "Sanitizer" "$T/watch.err" || die "sanitizer report from stats --watch: $(cat "$T/watch.err")"
}

start_watch() {
	"$TDAPIPE" stats --instance "$INSTANCE" --watch 0.1 >"$T/watch.out" 2>"$T/watch.err" &
	echo $! >"$T/watch.pid"
	wait_for 10 sh -c "[ \$(grep -c '^PROCESS' '$T/watch.out') -ge 2 ]" ||
		die "stats --watch printed no two refreshes: $(cat "$T/watch.err")"
}

# --- a live instance: keep a copy of its segment; --watch to its end -------
start_run_fifo "$T/live.yaml"
feed "$T/points.csv"
wait_stats 20 "proc(s, 'publish')['records_out'] > 0 and all(p['state'] == 'running' for p in s['processes'])"
cp "$SEG" "$T/good.seg"
start_watch
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "live run exited $RUN_RC"; }
watch_until 10
[ "$WATCH_RC" -eq 111 ] || die "stats --watch exited $WATCH_RC when its instance ended, expected 111"
grep -q "not running" "$T/watch.err" || die "no \"not running\" when the instance ended: $(cat "$T/watch.err")"

# --- a live instance whose segment is truncated under --watch -------------
start_run_fifo "$T/live.yaml"
wait_stats 20 "all(p['state'] == 'running' for p in s['processes'])"
start_watch
"$PY" -c "import os; os.truncate('$SEG', 8192)"
watch_until 10
[ "$WATCH_RC" -eq 111 ] || die "stats --watch exited $WATCH_RC on a truncated segment, expected 111"
grep -q "shrank" "$T/watch.err" || die "no \"shrank\" when the segment was truncated: $(cat "$T/watch.err")"
# The pipeline itself takes SIGBUS from the truncation: stop what is left.
kill -9 "$(cat "$T/run.pid")" 2>/dev/null || true
close_input
set +e; wait "$(cat "$T/run.pid")" 2>/dev/null; set -e
rm -f "$T/run.pid"

# --- planted segments -------------------------------------------------------
# plant PYTHON: the segment becomes a copy of the good one, changed by the
# Python statements PYTHON (b: its bytes; put(field, value) writes a header
# field, get(field) reads one; the offsets are struct tdp_shm_header's).
# A regular file there is rewritten in place (a lock on it stays held).
plant() {
	[ -f "$SEG" ] && [ ! -L "$SEG" ] || rm -rf "$SEG"
	"$PY" - "$T/good.seg" "$SEG" "$1" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
F = {'magic': (0, 'Q'), 'layout_version': (8, 'I'), 'total_size': (16, 'Q'), 'nscales': (72, 'I'),
     'nprocs': (76, 'I'), 'max_streams': (80, 'I'), 'config_off': (88, 'Q'), 'config_len': (96, 'Q'),
     'procs_off': (104, 'Q'), 'streams_off': (112, 'Q')}
def get(f): return struct.unpack_from('<' + F[f][1], b, F[f][0])[0]
def put(f, v): struct.pack_into('<' + F[f][1], b, F[f][0], v)
exec(sys.argv[3])
with open(sys.argv[2], 'wb') as f: f.write(b)
EOF
	chmod 600 "$SEG"
}

# refused WHAT EXPECT [STATS-ARGS...]: stats of the planted segment exits
# 111 with EXPECT in its message, prints nothing, and neither crashes,
# hangs nor draws a sanitizer report.
refused() {
	what=$1 expect=$2
	shift 2
	set +e
	timeout 20 "$TDAPIPE" stats --instance "$INSTANCE" "$@" >"$T/h.out" 2>"$T/h.err"
	rc=$?
	set -e
	note "$what: exit $rc: $(cat "$T/h.err")"
	[ "$rc" -ne 124 ] || die "$what: stats hung"
	[ "$rc" -lt 128 ] || die "$what: stats died of signal $((rc - 128))"
	! grep -q "Sanitizer" "$T/h.err" || die "$what: sanitizer report: $(cat "$T/h.err")"
	[ "$rc" -eq 111 ] || die "$what: stats exited $rc, expected 111"
	grep -qF -- "$expect" "$T/h.err" || die "$what: no \"$expect\" in: $(cat "$T/h.err")"
	[ ! -s "$T/h.out" ] || die "$what: stats printed: $(head -c 300 "$T/h.out")"
}

# The copy is sound (the layout this test writes into is the one it
# expects): only its supervisor is gone.
plant "assert get('magic') == 0x3145504950414454 and get('nscales') == 2 and get('nprocs') == 4 and \
get('max_streams') == 4 and get('config_off') == 4096 and get('total_size') == len(b), 'header layout moved'"
refused "the intact copy" "is not running (stale segment"
refused "the intact copy, --json" "is not running (stale segment" --json

plant "put('config_off', 123456789 * 4096)"
refused "config_off far away" "config_off 505679007744 + config_len"
plant "put('config_len', 2**64 - 2)"
refused "config_len huge" "config_len 18446744073709551614 bytes overflows"
plant "put('procs_off', 123456789)"
refused "procs_off misaligned" "procs_off 123456789 is not a multiple of 64"
plant "put('procs_off', 123456789 * 64)"
refused "procs_off far away" "procs_off 7901234496 + nprocs 4 slots"
plant "put('nprocs', 5000)"
refused "nprocs 5000" "nprocs 5000, expected nscales + 2 = 4"
plant "put('nscales', 17); put('nprocs', 19)"
refused "nscales 17" "nscales 17 is not from 1 to 16"
plant "put('max_streams', 2**32 - 1)"
refused "max_streams huge" "max_streams 4294967295 entries"
plant "put('streams_off', get('procs_off'))"
refused "streams_off overlapping" "streams_off"
plant "put('magic', 0x4142434445464748)"
refused "bad magic" "bad magic"
plant "put('layout_version', 0)"
refused "not initialised" "layout_version 0"
plant "del b[8192:]"
refused "truncated" "total_size"
plant "del b[8192:]; put('total_size', 8192)"
refused "truncated, header agreeing" "passes the segment's end (8192 bytes)"
plant "del b[100:]"
refused "shorter than a header" "too small"
plant "del b[:]"
refused "empty" "0 bytes, too small"
plant "b[:] = b'#!/bin/sh\n' * 1000"
refused "something else" "bad magic" --json
rm -rf "$SEG"; ln -s "$T/good.seg" "$SEG"
refused "a symbolic link" "symbolic link"
rm -f "$SEG"; mkdir "$SEG"
refused "a directory" "not a regular file"
rmdir "$SEG"; mkfifo "$SEG"
refused "a FIFO" "not a regular file"
rm -f "$SEG"

# --- a lock held by something that is not the instance's supervisor --------
# run_refused EXPECT: `tdapipe run` of the instance exits 111 saying EXPECT.
run_refused() {
	set +e
	timeout 20 "$TDAPIPE" run --fresh -c "$T/file.yaml" </dev/null >"$T/r.out" 2>"$T/r.err"
	rc=$?
	set -e
	note "run: exit $rc: $(cat "$T/r.err")"
	[ "$rc" -eq 111 ] || die "run exited $rc, expected 111: $(cat "$T/r.err")"
	grep -qF -- "$1" "$T/r.err" || die "no \"$1\" in: $(cat "$T/r.err")"
	! grep -q "supervisor pid 0" "$T/r.err" || die "run still blames \"supervisor pid 0\""
}

"$PY" -c "
import fcntl, os, time
fd = os.open('$SEG', os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
open('$T/squat.ready', 'w').close()
time.sleep(60)
" &
echo $! >"$T/squat.pid"
wait_for 10 test -e "$T/squat.ready" || die "the squatter never took the lock"
run_refused "is locked, but not by a running tdapipe supervisor of this instance"
grep -q "squatted" "$T/r.err" || die "no \"squatted\" in: $(cat "$T/r.err")"
grep -qF "fuser -v $SEG" "$T/r.err" || die "no fuser hint in: $(cat "$T/r.err")"
grep -q "another instance name" "$T/r.err" || die "no \"another instance name\" in: $(cat "$T/r.err")"
plant ""   # a good segment's bytes under the lock: still not a live supervisor
run_refused "the supervisor it names (pid"
refused "stats of the locked copy" "is not running (stale segment"
kill "$(cat "$T/squat.pid")"
wait "$(cat "$T/squat.pid")" 2>/dev/null || true
rm -f "$T/squat.pid"
# The holder gone, the leftover is a stale segment: run replaces it.
run_ok "$T/file.yaml" 60 "run after the squatter left"
[ -s "$T/file.jsonl" ] || die "no results after the squatter left"
[ ! -e "$SEG" ] || die "segment left behind"

# --- a segment of another uid -----------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "not root: cannot plant a segment of another uid (the rest passed)"
	exit 77
fi
plant ""
chown 65534 "$SEG"
refused "another uid's segment" "belongs to uid 65534, not to you (uid 0) or root"
run_refused "belongs to uid 65534"
grep -q "remove it" "$T/r.err" || die "no hint to remove it in: $(cat "$T/r.err")"
[ -e "$SEG" ] || die "run removed another uid's segment"
echo "ok"
