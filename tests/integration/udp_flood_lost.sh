#!/bin/sh
# udp_flood_lost: after a UDP flood, every point a scale's full ring
# refused is counted lost, the tail of the flood included (issue 16,
# defect 8; before, `lost` stayed below `overflow` by the points dropped
# after the last one the worker got, as long as no later point came).
#
# The worker is stopped (SIGSTOP) while 20,000 datagrams of one point each
# arrive, so its 16-slot ring overflows; continued, it drains the ring and,
# idle, counts the rest: lost == overflow, and pushed + overflow == the
# points ingest stamped.
. "$(dirname "$0")/../lib.sh"
N=20000
for try in 1 2 3; do
	PORT=$("$PY" -c "
import socket; s = socket.socket(type=socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
	SCALES="scales:
  - {name: u, complex: sublevel, window: 100, slide: 100, ring: 16}"
	write_config "$T/u.yaml" "{type: udp, host: 127.0.0.1, port: $PORT, format: csv}" "$T/out.jsonl"
	start_run "$T/u.yaml"
	wait_for 10 grep -q "listening on udp://127.0.0.1:$PORT" "$T/run.err" && break
	wait_run 10
done
grep -q "listening on udp://127.0.0.1:$PORT" "$T/run.err" || die "no udp source: $(cat "$T/run.err")"
wait_stats 20 "proc(s, 'scaled', 'u')['pid'] > 0"
worker=$(stats_get proc:scaled:u:pid)
kill -STOP "$worker"
"$PY" - "$PORT" "$N" <<'EOP'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(type=socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"%d\n" % (i % 13), ("127.0.0.1", port))
    if i % 500 == 499:
        time.sleep(0.005)      # let ingest keep up: the kernel's drops are not ours to count
EOP
stamped() { [ "$(stats_get proc:ingest:-:records_out)" -ge 1000 ]; }
wait_for 10 stamped || die "ingest stamped $(stats_get proc:ingest:-:records_out) points"
sleep 0.5
kill -CONT "$worker"
wait_stats 20 "ring(s, 'in', 'u')['used'] == 0 and ring(s, 'in', 'u')['overflow'] > 0 and ring(s, 'in', 'u')['lost'] == ring(s, 'in', 'u')['overflow']"
wait_stats 5 "ring(s, 'in', 'u')['pushed'] + ring(s, 'in', 'u')['overflow'] == proc(s, 'ingest')['records_out']"
note "$(stats_json | "$PY" -c "import json,sys; r=[r for r in json.load(sys.stdin)['rings'] if r['ring']=='in'][0]; print('pushed %d overflow %d lost %d' % (r['pushed'], r['overflow'], r['lost']))")"
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
echo "ok: lost == overflow after the flood"
