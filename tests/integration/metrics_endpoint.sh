#!/bin/sh
# metrics_endpoint: tdapipe-exporter under `tdapipe run` (tdapipe-metrics(7)).
#
# With metrics: on a free loopback port: `promtool check metrics` accepts
# /metrics, every family there is in tdapipe-metrics(7), and once the
# pipeline is quiet every counter and gauge stats --json also shows has
# its value (metricscheck.py; dead letters by reason, the input having
# malformed lines and points of another dimension; histograms cumulative,
# bounds 2^(i+1) ns, _count = windows); HEAD answers without a body; /stats.json is stats'
# JSON; /healthz and /readyz say 200 "ok".  Bad requests: an unknown path
# 404, POST 405, a 100 KB header refused (no 200), and 50 slow clients
# holding connections while more input is fed: the pipeline still takes
# all of it and /metrics still answers within 5 s.  The exporter stopped
# (SIGSTOP) past heartbeat_timeout is not judged hung (it cannot beat);
# killed, it is restarted and answers again.  A scale worker killed
# into a crash loop (restart_limit 1) makes /healthz and /readyz 503 with
# "scaled[beta] failed"; the run exits 1 and the exporter is stopped (the
# port closed).  Then a port already in use at start: check-config and
# run refuse the config (111, naming metrics.listen) before starting
# anything; one taken while running (the exporter killed, its port taken
# before its restart): the exporter says which metrics.listen, is given
# up on, and the run still exits 0.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v promtool >/dev/null || { echo "skip: no promtool (Debian package prometheus)"; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
N1=4000 N2=4000 NBAD=6   # p1's bad lines: 4 malformed, 2 of another dimension

"$PY" -c "
import math
with open('$T/p1.csv', 'w') as f:
    for i in range($N1):
        f.write('%r\n' % math.cos(i * 0.03))
        if i % 1000 == 500: f.write('abc\n')     # malformed (4 of them)
        if i % 2000 == 700: f.write('1.5,2.5\n') # dimension (2)
with open('$T/p2.csv', 'w') as f:
    for i in range($N1, $N1 + $N2): f.write('%r\n' % math.cos(i * 0.03))
"

# start_metrics_run: a run on stdin (start_run_fifo) with the exporter on a
# free port ($PORT, $URL); retries with another port on a clash.
start_metrics_run() {
	for try in 1 2 3; do
		PORT=$(free_port)
		URL=http://127.0.0.1:$PORT
		cat >"$T/m.yaml" <<EOC
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
events: {type: file, path: $T/events.jsonl}
metrics: {listen: "127.0.0.1:$PORT", streams: 10}
supervisor: {restart_limit: 1, restart_window: 60, backoff_min: 20, backoff_max: 40, heartbeat_timeout: 2000}
scales:
  - {name: alpha, complex: sublevel, window: 100, slide: 20, track: {min_persistence: 0.1},
     anomaly: {signal: total, history: 5, threshold: 1}}
  - {name: beta, complex: rips, window: 40, slide: 40}
EOC
		start_run_fifo "$T/m.yaml"
		wait_for 10 grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/run.err" && return 0
		close_input
		ALLOW_RESTARTS=1 wait_run 20
		note "port $PORT: $(cat "$T/run.err")"
	done
	die "the exporter never served"
}

# status PATH [CURL ARGS]: the HTTP status of a request (000: no answer).
status() {
	p=$1; shift
	curl -s -o "$T/body" -w '%{http_code}' -m 5 "$@" "$URL$p" || true
}

start_metrics_run
feed "$T/p1.csv"
WIN_A=$(( (N1 - 100) / 20 + 1 )) WIN_B=$(( N1 / 40 ))
wait_stats 30 "proc(s, 'scaled', 'alpha')['windows'] == $WIN_A and proc(s, 'scaled', 'beta')['windows'] == $WIN_B and proc(s, 'publish')['records_out'] == $((WIN_A + WIN_B))"
sleep 0.3   # publish's last commit and events

# --- /metrics: valid, documented, equal to stats --------------------------
[ "$(status /metrics)" = 200 ] || die "/metrics: $(cat "$T/body")"
cp "$T/body" "$T/metrics.txt"
stats_json >"$T/stats.json" || die "stats --json failed"
promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 ||
	die "promtool check metrics refused /metrics: $(head -n 20 "$T/promtool.out")"
"$PY" "$HERE/metricscheck.py" documented "$T/metrics.txt" "$TDP_ROOT/man/tdapipe-metrics.7" ||
	die "/metrics has families tdapipe-metrics(7) does not list"
"$PY" "$HERE/metricscheck.py" compare "$T/metrics.txt" "$T/stats.json" || die "/metrics differs from stats --json"
for want in malformed:4 dimension:2 late:0; do
	grep -q '^tdapipe_dead_letters_total{instance="'"$INSTANCE"'",reason="'"${want%:*}"'"} '"${want#*:}"'$' "$T/metrics.txt" ||
		die "no tdapipe_dead_letters_total of ${want%:*} = ${want#*:}: $(grep dead_letters "$T/metrics.txt")"
done
grep -q '^tdapipe_windows_total{instance="'"$INSTANCE"'",scale="alpha"} '"$WIN_A"'$' "$T/metrics.txt" ||
	die "no tdapipe_windows_total of alpha = $WIN_A: $(grep windows_total "$T/metrics.txt")"
"$PY" -c "
import socket
c = socket.create_connection(('127.0.0.1', $PORT), timeout=5)
c.sendall(b'HEAD /metrics HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')
r = b''
while True:
    d = c.recv(65536)
    if not d: break
    r += d
head, _, body = r.partition(b'\\r\\n\\r\\n')
assert head.startswith(b'HTTP/1.1 200'), head
assert b'Content-Type: text/plain; version=0.0.4' in head, head
assert body == b'', body[:200]
" || die "HEAD /metrics: a 200 with the format's content type and no body expected"

# --- /stats.json, /healthz, /readyz ---------------------------------------
[ "$(status /stats.json)" = 200 ] || die "/stats.json: $(cat "$T/body")"
"$PY" -c "
import json, sys
s = json.load(open('$T/body'))
assert s['instance'] == '$INSTANCE', s['instance']
roles = [p['role'] for p in s['processes']]
assert roles == ['ingest', 'scaled', 'scaled', 'publish', 'exporter'], roles
" || die "/stats.json is not stats' JSON: $(head -c 500 "$T/body")"
for p in /healthz /readyz; do
	[ "$(status $p)" = 200 ] && [ "$(cat "$T/body")" = ok ] || die "$p while running: $(cat "$T/body")"
done

# --- bad requests ---------------------------------------------------------
[ "$(status /nope)" = 404 ] || die "unknown path: $(cat "$T/body")"
[ "$(status /metrics -X POST -d x=1)" = 405 ] || die "POST: $(cat "$T/body")"
[ "$(status /metrics -X DELETE)" = 405 ] || die "DELETE: $(cat "$T/body")"
"$PY" -c "print('X-Big: ' + 'a' * 100000)" >"$T/big.hdr"
BIG=$(status /metrics -H @"$T/big.hdr")
[ "$BIG" != 200 ] || die "a 100 KB header was answered 200"
note "100 KB header: HTTP $BIG"

# 50 slow clients hold connections open (a request line and half a
# header, a byte a second) while more input goes through
"$PY" - "$PORT" "$T/slow.ready" <<'EOF' &
import socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
conns = []
for i in range(50):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    conns.append(c)
open(ready, "w").close()
end = time.time() + 8
while time.time() < end:
    for c in conns:
        try:
            c.sendall(b"a")
        except OSError:
            pass
    time.sleep(1)
EOF
echo $! >"$T/slow.pid"
wait_for 10 test -f "$T/slow.ready" || die "the slow clients could not connect"
feed "$T/p2.csv"
WIN_A2=$(( (N1 + N2 - 100) / 20 + 1 ))
wait_stats 30 "proc(s, 'scaled', 'alpha')['windows'] == $WIN_A2 and proc(s, 'ingest')['records_in'] == $((N1 + N2 + NBAD))"
[ "$(status /metrics)" = 200 ] || die "/metrics with 50 slow clients: $(cat "$T/body")"
grep -q "^tdapipe_windows_total{instance=\"$INSTANCE\",scale=\"alpha\"} $WIN_A2\$" "$T/body" ||
	die "/metrics with 50 slow clients is stale: $(grep windows_total "$T/body")"
kill "$(cat "$T/slow.pid")" 2>/dev/null || true
rm -f "$T/slow.pid"

# --- the exporter: exempt from hang detection, restarted when it dies -----
EXP=$(stats_get proc:exporter:-:pid)
kill -STOP "$EXP"
sleep 3   # longer than heartbeat_timeout (2 s): a beating process would be killed
kill -CONT "$EXP"
[ "$(stats_get proc:exporter:-:pid)" = "$EXP" ] && [ "$(stats_get proc:exporter:-:hangs)" = 0 ] ||
	die "the stopped exporter was judged hung: $(grep exporter "$T/run.err")"
[ "$(status /healthz)" = 200 ] || die "/healthz after SIGCONT: $(cat "$T/body")"
ALLOW_RESTARTS=1
kill -9 "$EXP"
wait_for 10 sh -c "[ \"\$(curl -s -m 2 $URL/healthz)\" = ok ]" || die "the exporter was not restarted: $(cat "$T/run.err")"
[ "$(stats_get proc:exporter:-:restarts)" = 1 ] || die "exporter restarts: $(stats_get proc:exporter:-:restarts)"

# --- a scale in a crash loop: unhealthy, not ready ------------------------
for k in 1 2 3 4; do
	[ "$(stats_get proc:scaled:beta:state)" = failed ] && break
	pid=$(stats_get proc:scaled:beta:pid)
	[ "$pid" -gt 0 ] 2>/dev/null && kill -9 "$pid"
	wait_for 5 sh -c "[ \"\$('$TDAPIPE' stats --instance $INSTANCE --json | '$PY' '$HERE/tdpres.py' get proc:scaled:beta:pid)\" != $pid ]" || true
done
wait_stats 10 "proc(s, 'scaled', 'beta')['state'] == 'failed'"
for p in /healthz /readyz; do
	[ "$(status $p)" = 503 ] || die "$p with a failed scale: HTTP $(status $p) $(cat "$T/body")"
	grep -q "^scaled\[beta\] failed" "$T/body" || die "$p reason: $(cat "$T/body")"
done
close_input
wait_run 30
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "run with a failed scale exited $RUN_RC, expected 1"; }
[ "$(grep -c "exporter .*; restart" "$T/run.err")" -eq 1 ] || die "the exporter was restarted other than once: $(grep exporter "$T/run.err")"
[ "$(status /metrics)" = 000 ] || die "the exporter still answers after the run"

# --- the port taken: refused at start; while running, the exporter gives up
"$PY" -c "
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
open('$T/taken.port', 'w').write(str(s.getsockname()[1])); time.sleep(60)" &
echo $! >"$T/taker.pid"
wait_for 5 test -s "$T/taken.port" || die "could not take a port"
TAKEN=$(cat "$T/taken.port")
cat >"$T/taken.yaml" <<EOC
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/taken.jsonl}
dead_letter: {type: file, path: $T/taken.dead}
metrics: {listen: "127.0.0.1:$TAKEN"}
supervisor: {restart_limit: 2, restart_window: 60, backoff_min: 1000, backoff_max: 1000}
scales:
  - {name: alpha, complex: sublevel, window: 100, slide: 20}
EOC
for cmd in "check-config $T/taken.yaml" "run -c $T/taken.yaml"; do
	set +e
	$TDAPIPE $cmd </dev/null >"$T/taken.out" 2>"$T/taken.err"
	rc=$?
	set -e
	[ "$rc" -eq 111 ] || { cat "$T/taken.err" >&2; die "$cmd with metrics.listen taken exited $rc, expected 111"; }
	grep -q "metrics.listen: 127.0.0.1:$TAKEN: Address already in use" "$T/taken.err" ||
		die "$cmd: no message naming metrics.listen: $(cat "$T/taken.err")"
done
[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "a run refused at start left a segment"
kill "$(cat "$T/taker.pid")" 2>/dev/null || true
# Taken while running: the exporter's port taken between its death and
# its restart (backoff 1 s).
TAKEN=$(free_port)
sed -i "s/listen: \"127.0.0.1:[0-9]*\"/listen: \"127.0.0.1:$TAKEN\"/" "$T/taken.yaml"
start_run_fifo "$T/taken.yaml"
wait_for 15 curl -s -o /dev/null "http://127.0.0.1:$TAKEN/healthz" || { cat "$T/run.err" >&2; die "no exporter on $TAKEN"; }
XPID=$(stats_json | "$PY" -c 'import json,sys; print([p["pid"] for p in json.load(sys.stdin)["processes"] if p["role"] == "exporter"][0])')
kill -9 "$XPID"
"$PY" -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for _ in range(200):
    try: s.bind(('127.0.0.1', $TAKEN)); break
    except OSError: time.sleep(0.005)
s.listen(1); open('$T/retaken', 'w').write('ok'); time.sleep(60)" &
echo $! >"$T/taker.pid"
wait_for 5 test -s "$T/retaken" || die "could not take the exporter's port"
wait_for 15 grep -q "exporter .*giving up on it" "$T/run.err" || { cat "$T/run.err" >&2; die "the exporter was not given up on"; }
grep -q "metrics.listen 127.0.0.1:$TAKEN: Address already in use" "$T/run.err" || die "no message naming metrics.listen: $(cat "$T/run.err")"
feed "$T/p1.csv"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "a run whose exporter could not listen exited $RUN_RC"; }
[ "$(count_lines "$T/taken.jsonl")" -eq "$WIN_A" ] || die "results: $(count_lines "$T/taken.jsonl"), expected $WIN_A"
echo "ok"
