#!/bin/sh
# csv_header_tcp: each TCP connection has its own csv header.  Two
# connections order the columns differently (time,sensor,value and
# value,"sensor",time, quoted, CRLF) and a third lacks the value column,
# all sent at once in pieces that cut records anywhere.  The first two
# give exactly the results of a file holding their records; every record
# of the third is a dead letter naming the missing column, logged once,
# and it holds nothing up.
. "$(dirname "$0")/../lib.sh"
N=2000
"$PY" - "$T" "$N" <<'EOF'
import json, random, sys
T, N = sys.argv[1], int(sys.argv[2])
r = random.Random(11)
a = [(i, "a, 1", round(r.gauss(0, 1), 5)) for i in range(N)]
b = [(i, 'b "2"', round(r.gauss(3, 1), 5)) for i in range(N)]
def q(s):
    return '"' + s.replace('"', '""') + '"'
conn = {
    "a": "time,sensor,value\n" + "".join("%d,%s,%r\n" % (t, q(s), v) for t, s, v in a),
    "b": 'value,"sensor",time\r\n' + "".join("%r,%s,%d\r\n" % (v, q(s), t) for t, s, v in b),
    "c": "time,sensor,temp\n" + "".join("%d,c,%r\n" % (i, 0.5) for i in range(N)),
}
json.dump(conn, open(T + "/conn.json", "w"))
with open(T + "/file.csv", "w") as f:
    f.write("time,sensor,value\n")
    for rec in a + b:
        f.write("%d,%s,%r\n" % (rec[0], q(rec[1]), rec[2]))
EOF
SCALES="scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10}"
FIELDS="header: true, stream: sensor, time: time, values: [value]"
for try in 1 2 3; do
	PORT=$(free_port SOCK_STREAM)
	write_config "$T/tcp.yaml" "{type: tcp, host: 127.0.0.1, port: $PORT, format: csv, $FIELDS}" "$T/tcp.out"
	start_run "$T/tcp.yaml"
	wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" && break
	wait_run 10
	[ "$try" -lt 3 ] || die "could not start a tcp source: $(cat "$T/run.err")"
done
"$PY" - "$T" "$PORT" <<'EOF'
import json, random, socket, sys, time
T, port = sys.argv[1], int(sys.argv[2])
data = {k: v.encode() for k, v in json.load(open(T + "/conn.json")).items()}
conns = {k: socket.create_connection(("127.0.0.1", port), timeout=10) for k in data}
pos = dict.fromkeys(data, 0)
r = random.Random(5)
while any(pos[k] < len(data[k]) for k in data):
    for k, c in conns.items():
        if pos[k] < len(data[k]):
            n = r.randint(1, 2000)
            c.sendall(data[k][pos[k]:pos[k] + n])
            pos[k] += n
    time.sleep(0.001)
for c in conns.values():
    c.shutdown(socket.SHUT_WR)
    c.close()
EOF
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $((3 * N)) and s['streams'] == 2"
sleep 0.2
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "tcp run exited $RUN_RC after SIGTERM"; }
[ "$(count_lines "$T/tcp.out.dead")" -eq "$N" ] || die "$(count_lines "$T/tcp.out.dead") dead letters, expected $N"
[ "$(count_lines "$T/tcp.out.dead" 'the header has no column \\"value\\"')" -eq "$N" ] ||
	die "dead letters without the reason: $(head -n 2 "$T/tcp.out.dead")"
[ "$(count_lines "$T/run.err" 'csv header: the header has no column "value"')" -eq 1 ] ||
	die "the bad header is not logged once: $(cat "$T/run.err")"
write_config "$T/file.yaml" "{type: file, path: $T/file.csv, format: csv, $FIELDS}" "$T/file.out"
run_ok "$T/file.yaml" 20 "file run"
check_results "$T/tcp.out" lev:50:10 --points "a, 1=$N" --points "b \"2\"=$N" --same-as "$T/file.out" --per-stream
note "two headers in two column orders map alike; the third connection's $N records are dead letters naming the column"
