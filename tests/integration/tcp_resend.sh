#!/bin/sh
# tcp_resend: a TCP sender that sends everything again after ingest died.
#
# A sender cannot be re-read from an offset: when ingest is SIGKILLed in
# the middle of its stream, the supervisor restarts it and the sender
# reconnects and sends every record again from the first.  With the
# default `resend: skip` each stream's records at or before its newest
# event time when the new ingest started are skipped and counted
# (replayed, exactly the records sent before the kill), and the results
# are byte-identical to an uninterrupted run's; with `resend: keep` the
# same scenario stamps them twice: more results than the uninterrupted
# run, which is what the skip prevents (tdapipe.yaml(5), SOURCE, resend).
. "$(dirname "$0")/../lib.sh"
ALLOW_RESTARTS=1   # this test kills ingest on purpose
N=1000             # points per stream, two streams, interleaved
HALF=1037          # records sent before the kill (not a window boundary)

"$PY" - "$T" "$N" <<'EOF'
import math, random, sys
T, N = sys.argv[1], int(sys.argv[2])
r = random.Random(22)
lines = []
for i in range(N):   # times strictly increase per stream
    lines.append('{"stream": "a", "t": %d, "v": %r}' % (1000 + 2 * i, round(math.sin(i * 0.1) + r.gauss(0, 0.1), 6)))
    lines.append('{"stream": "b", "t": %d, "v": %r}' % (5000 + 3 * i, round((i % 37) * 0.5 + r.gauss(0, 0.2), 6)))
open(T + "/lines.jsonl", "w").write("\n".join(lines) + "\n")
EOF

SCALES="scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10}"
WINDOWS=$(( 2 * ((N - 50) / 10 + 1) ))   # of both streams

# start_tcp NAME RESEND: a run listening on a free port ($PORT), results in
# $T/NAME.out; retries with another port if that one was taken meanwhile.
start_tcp() {
	for try in 1 2 3; do
		PORT=$(free_port SOCK_STREAM)
		cat >"$T/$1.yaml" <<EOF
instance: $INSTANCE
source: {type: tcp, host: 127.0.0.1, port: $PORT, format: jsonl, resend: $2}
sink: {type: file, path: $T/$1.out}
dead_letter: {type: file, path: $T/$1.dl}
$SCALES
EOF
		start_run "$T/$1.yaml"
		if wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err"; then
			return 0
		fi
		wait_run 10
		note "port $PORT: $(cat "$T/run.err")"
	done
	die "could not start a tcp source"
}

# send MODE: the sender, in the background (pid in $T/send.pid).  once:
# every record on one connection.  again: the first $HALF records, then,
# once $T/go exists, a new connection (retried while ingest restarts)
# with every record from the first.
send() {
	rm -f "$T/go"
	"$PY" - "$T" "$PORT" "$1" "$HALF" >"$T/send.log" 2>&1 <<'EOF' &
import os, socket, sys, time
T, port, mode, half = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
lines = open(T + "/lines.jsonl", "rb").read().split(b"\n")[:-1]
def connect():
    end = time.time() + 30
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)
def send(c, part):
    for i in range(0, len(part), 97):   # pieces, records cut across reads
        c.sendall(b"\n".join(part[i:i + 97]) + b"\n")
        time.sleep(0.001)
c = connect()
if mode == "again":
    send(c, lines[:half])
    end = time.time() + 30
    while not os.path.exists(T + "/go"):
        if time.time() > end:
            sys.exit("no go")
        time.sleep(0.02)
    c.close()
    # As a sender does: on a reset, again from the first record.  (A
    # killed process's listening socket can outlive it for a moment, held
    # by its io_uring: a connection made to it then is reset.)
    for attempt in range(5):
        try:
            c = connect()
            send(c, lines)
            break
        except ConnectionError as e:
            print("sending again after %s" % e)
            c.close()
            time.sleep(0.1)
    else:
        sys.exit("reset five times")
else:
    send(c, lines)
c.shutdown(socket.SHUT_WR)
c.close()
EOF
	echo $! >"$T/send.pid"
}

sent() {
	sp=$(cat "$T/send.pid")
	wait_for 30 sh -c "! kill -0 $sp" || die "the sender did not finish: $(cat "$T/send.log")"
	set +e
	wait "$sp"
	rc=$?
	set -e
	rm -f "$T/send.pid"
	[ "$rc" -eq 0 ] || die "the sender failed: $(cat "$T/send.log")"
}

# stop: SIGTERM once every result of COND is published; exit 0 expected.
stop() {
	wait_stats 30 "$1"
	sleep 0.3
	stats_json >"$T/stats.json" || die "stats --json failed"
	kill -TERM "$(cat "$T/run.pid")"
	wait_run 30
	[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC after SIGTERM"; }
}

stat() { "$PY" "$TDP_ROOT/tests/integration/tdpres.py" get "$1" <"$T/stats.json"; }

# kill_and_resend NAME RESEND: the sender's first half, ingest killed once
# it has committed it, the sender's whole stream again.
kill_and_resend() {
	start_tcp "$1" "$2"
	send again
	wait_stats 20 "proc(s, 'ingest')['records_out'] >= $HALF"
	IPID=$(stats_get proc:ingest:-:pid)
	kill -9 "$IPID"
	wait_for 15 grep -q "ingest killed by signal 9 (Killed); restart 1 in" "$T/run.err" \
		|| die "ingest restart not logged: $(cat "$T/run.err")"
	wait_for 15 sh -c "[ \$(grep -c 'listening on tcp://' '$T/run.err') -ge 2 ]" \
		|| die "the restarted ingest is not listening: $(cat "$T/run.err")"
	touch "$T/go"
	sent
}

# --- uninterrupted -------------------------------------------------------
start_tcp clean skip
send once
sent
stop "proc(s, 'publish')['records_out'] >= $WINDOWS"
[ "$(stat proc:ingest:-:replayed)" -eq 0 ] || die "replayed records in the uninterrupted run"
[ ! -s "$T/clean.dl" ] || die "clean dead letters: $(head -n 3 "$T/clean.dl")"
check_results "$T/clean.out" lev:50:10 --points "a=$N" --points "b=$N"

# --- killed, sent again, skipped ------------------------------------------
kill_and_resend skip skip
stop "proc(s, 'publish')['records_out'] >= $WINDOWS and proc(s, 'ingest')['replayed'] >= $HALF"
R=$(stat proc:ingest:-:replayed)
[ "$R" -eq "$HALF" ] || die "replayed $R, expected the $HALF records sent before the kill"
[ ! -s "$T/skip.dl" ] || die "dead letters: $(head -n 3 "$T/skip.dl")"
check_results "$T/skip.out" lev:50:10 --points "a=$N" --points "b=$N" --same-as "$T/clean.out"
cmp -s "$T/skip.out" "$T/clean.out" || die "results differ from the uninterrupted run's"

# --- killed, sent again, kept: duplicated points ---------------------------
kill_and_resend keep keep
stop "proc(s, 'publish')['records_out'] > $WINDOWS"
R=$(stat proc:ingest:-:replayed)
[ "$R" -eq 0 ] || die "replayed $R with resend: keep"
got=$(count_lines "$T/keep.out")
want=$(count_lines "$T/clean.out")
[ "$got" -gt "$want" ] || die "resend: keep gave $got results, not more than the uninterrupted $want"
note "results: uninterrupted $want, skip $(count_lines "$T/skip.out"), keep $got; replayed $HALF"

# --- the whole instance stopped and started again (tdapipe-run(1), STATE) -
# SIGTERM (a checkpoint at the stop), or SIGKILL of the whole group (the
# last periodic one): the next run restores it, the sender sends
# everything again, and the results are the uninterrupted run's.
restart_instance() {
	start_tcp "$1" skip
	printf 'state: {dir: %s, interval: 100ms}\n' "$T/st-$1" >>"$T/$1.yaml"
	wait_run_stop() { kill -TERM "$(cat "$T/run.pid")"; wait_run 30; }
	wait_run_stop   # started once only to find a free port: now with state
	setsid "$TDAPIPE" run --fresh -c "$T/$1.yaml" >"$T/run.out" 2>"$T/run.err" &
	echo $! >"$T/run.pid"
	wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" || die "$1: not listening"
	send again
	wait_stats 20 "proc(s, 'ingest')['records_out'] >= $HALF"
	sleep 0.3
	if [ "$1" = term ]; then
		kill -TERM "$(cat "$T/run.pid")"
	else
		kill -KILL "-$(cat "$T/run.pid")"
	fi
	wait_run 30
	# The killed ingest's listening socket is let go by its io_uring a
	# moment after it died: the port may still be taken (exit 111, as
	# systemd's Restart= would retry); so do we, for a few seconds.
	for try in 1 2 3 4 5 6 7 8 9 10; do
		setsid "$TDAPIPE" run -c "$T/$1.yaml" >"$T/run.out" 2>"$T/run.err" &
		echo $! >"$T/run.pid"
		wait_for 10 sh -c "grep -q 'listening on tcp://127.0.0.1:$PORT' '$T/run.err' ||
			! kill -0 $(cat "$T/run.pid")" || die "$1: neither listening nor ended"
		grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" && break
		wait_run 10
		note "$1: try $try: $(tail -n 1 "$T/run.err" | cut -c1-120)"
		[ "$RUN_RC" -eq 111 ] || { cat "$T/run.err" >&2; die "$1: the restart exited $RUN_RC"; }
		sleep 0.3
	done
	grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" || die "$1: not listening again"
	grep -q "restored from" "$T/run.err" || die "$1: the checkpoint was not restored: $(cat "$T/run.err")"
	touch "$T/go"
	sent
	stop "proc(s, 'publish')['records_out'] >= $WINDOWS"
	R=$(stat proc:ingest:-:replayed)
	[ "$R" -gt 0 ] || die "$1: nothing replayed after the restart"
	check_results "$T/$1.out" lev:50:10 --points "a=$N" --points "b=$N" --same-as "$T/clean.out"
	note "$1: stopped, started again, $R records re-sent and skipped; results as uninterrupted"
}
restart_instance term
restart_instance kill
echo "ok"
