#!/bin/sh
# tcp_limits: what a crowd of TCP senders can and cannot cost (issue 16, defect 3).
#
# One run, csv over TCP, max_connections 8, idle_timeout 2s:
#  1. 1,000 clients at once, 10 records each, then close: with 8 read at a
#     time the others wait in the backlog, and every one of the 10,000
#     records arrives (before: all but 64 connections accepted and reset,
#     their records gone without a trace); stats count 1,000 accepted and
#     the limit reached, the log says so.
#  2. 8 clients connect and send nothing, holding every slot; a ninth
#     sends 10 records: the idle ones are closed after idle_timeout (they
#     see the close), and the ninth's records arrive.
#  3. A client sends one record and 4 bytes of a second ("r,12" of
#     "r,12345"), then resets the connection: the fragment is a dead letter
#     saying so, never the point 12; stats count the reset and 4 cut bytes.
. "$(dirname "$0")/../lib.sh"

N=1000
for try in 1 2 3; do
	PORT=$("$PY" -c "
import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
	cat >"$T/tcp.yaml" <<EOF
instance: $INSTANCE
source: {type: tcp, host: 127.0.0.1, port: $PORT, format: csv, stream_column: 0,
         max_connections: 8, idle_timeout: 2s}
sink: {type: file, path: $T/out.jsonl}
dead_letter: {type: file, path: $T/dl.jsonl}
scales:
  - {name: s, complex: sublevel, window: 10, slide: 10}
EOF
	start_run "$T/tcp.yaml"
	wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" && break
	wait_run 10
done
grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" || die "no tcp source: $(cat "$T/run.err")"

# ingest's counters: records read, and one connection counter
ingest() {
	stats_json | "$PY" -c "
import json, sys
p = [p for p in json.load(sys.stdin)['processes'] if p['role'] == 'ingest'][0]
print(p['connections']['$1'] if '$1' in p['connections'] else p['$1'])"
}
records_reach() { [ "$(ingest records_in)" -ge "$1" ]; }

# 1. the crowd
"$PY" - "$PORT" "$N" <<'EOF' || die "crowd clients failed"
import asyncio, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
async def client(i):
    for attempt in range(60):
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            break
        except OSError:
            await asyncio.sleep(0.5)
    else:
        raise SystemExit("client %d never connected" % i)
    w.write("".join("c%d,%d\n" % (i, (i * 7 + k * 3) % 11) for k in range(10)).encode())
    await w.drain()
    w.close()
    await w.wait_closed()
async def main():
    await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(n))), 90)
asyncio.run(main())
EOF
wait_for 60 records_reach $((N * 10)) || die "only $(ingest records_in) of $((N * 10)) records arrived; accepted $(ingest accepted)"
[ "$(ingest accepted)" -eq "$N" ] || die "accepted $(ingest accepted) connections, not $N"
[ "$(ingest full)" -ge 1 ] || die "the connection limit was never counted as reached"
grep -q "max_connections (8) open: new connections wait" "$T/run.err" || die "no log line for the limit"
[ "$(ingest bad_records)" -eq 0 ] || die "dead letters from the crowd: $(cat "$T/dl.jsonl")"
note "crowd: $N connections, $((N * 10)) records, limit reached $(ingest full) times"

# 2. idle connections holding every slot
"$PY" - "$PORT" <<'EOF' || die "idle clients failed"
import socket, time
port = int(__import__("sys").argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
time.sleep(0.3)
late = socket.create_connection(("127.0.0.1", port))
late.sendall(b"".join(b"late,%d\n" % (k % 4) for k in range(10)))
late.close()
start = time.time()
for s in idle:
    s.settimeout(10)
    if s.recv(1) != b"":      # closed by ingest after idle_timeout
        raise SystemExit("an idle connection got bytes")
took = time.time() - start
if not 1.0 < took < 9:
    raise SystemExit("idle connections closed after %.1f s, not about idle_timeout (2 s)" % took)
EOF
wait_for 20 records_reach $((N * 10 + 10)) || die "the late client's records did not arrive: $(ingest records_in)"
[ "$(ingest idle_closed)" -ge 8 ] || die "idle closes counted: $(ingest idle_closed)"

# 3. a reset in the middle of a record
"$PY" - "$PORT" <<'EOF' || die "reset client failed"
import socket, struct, time
port = int(__import__("sys").argv[1])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"r,1.5\nr,12")
time.sleep(0.5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()                      # RST
EOF
dl_reset() { grep -q 'reset by the peer inside a record' "$T/dl.jsonl"; }
wait_for 10 dl_reset || die "no dead letter for the reset: $(cat "$T/dl.jsonl" 2>/dev/null)"
[ "$(ingest reset)" -eq 1 ] || die "resets counted: $(ingest reset)"
[ "$(ingest cut_bytes)" -eq 4 ] || die "cut bytes counted: $(ingest cut_bytes)"
grep -q '"record":"r,12"' "$T/dl.jsonl" || die "the dead letter lacks the fragment: $(cat "$T/dl.jsonl")"
[ "$(ingest open)" -eq 0 ] || die "connections still open: $(ingest open)"
# points made: the crowd's, the late client's and r's one whole record
[ "$(ingest records_out)" -eq $((N * 10 + 11)) ] || die "points: $(ingest records_out), not $((N * 10 + 11))"

kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
"$PY" - "$T/out.jsonl" "$N" <<'EOF' || die "results wrong"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
streams = {r["stream"] for r in rs}
want = {"c%d" % i for i in range(int(sys.argv[2]))} | {"late"}
if not want <= streams:
    raise SystemExit("no result for %d streams, e.g. %s" % (len(want - streams), sorted(want - streams)[:3]))
# stream r had one point: its partial window is not published; the fragment
# must not have become a point anywhere
for r in rs:
    if r["stream"] == "r":
        raise SystemExit("a result for stream r: %s" % r)
EOF
[ "$(count_lines "$T/dl.jsonl")" -eq 1 ] || die "dead letters: $(cat "$T/dl.jsonl")"
echo "ok: $N crowding clients, 8 idle ones and a reset, nothing lost unseen"
