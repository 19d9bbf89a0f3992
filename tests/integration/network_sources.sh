#!/bin/sh
# network_sources: points over TCP and UDP on 127.0.0.1.
#
# TCP: two concurrent connections, one stream each (jsonl), sent in small
# pieces that split records across reads; a record is completed by its
# connection's close even without a final newline.  After SIGTERM the run
# exits 0 and each stream's results equal those of a file run on the same
# per-stream data.  UDP: datagrams of a few jsonl lines each (the last
# without a newline), sent slowly; the results equal a file run's.
. "$(dirname "$0")/../lib.sh"
NA=3000 NB=2500 NU=2000

"$PY" - "$T" "$NA" "$NB" "$NU" <<'EOF'
import json, math, random, sys
T, NA, NB, NU = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = random.Random(3)
def lines(stream, n, f):
    return ['{"stream": "%s", "v": %r}' % (stream, f(i)) for i in range(n)]
a = lines("alpha", NA, lambda i: math.sin(i * 0.1) + r.gauss(0, 0.1))
b = lines("beta", NB, lambda i: (i % 37) * 0.5 + r.gauss(0, 0.2))
u = lines("udp", NU, lambda i: math.cos(i * 0.05) * 3 + r.gauss(0, 0.3))
json.dump({"alpha": a, "beta": b, "udp": u}, open(T + "/lines.json", "w"))
open(T + "/tcp-file.jsonl", "w").write("\n".join(a + b) + "\n")
open(T + "/udp-file.jsonl", "w").write("\n".join(u) + "\n")
EOF

SCALES="scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10}
  - {name: cloud, complex: rips, window: 40, slide: 20, embed: {dim: 2, lag: 2}}"

# start_net TYPE SOCKTYPE NAME: start a run listening on a free port ($PORT);
# retries with another port if that one was taken meanwhile.
start_net() {
	for try in 1 2 3; do
		PORT=$(free_port "$2")
		cat >"$T/$3.yaml" <<EOF
instance: $INSTANCE
source: {type: $1, host: 127.0.0.1, port: $PORT, format: jsonl}
sink: {type: file, path: $T/$3.out}
dead_letter: {type: file, path: $T/$3.dl}
$SCALES
EOF
		start_run "$T/$3.yaml"
		if wait_for 10 grep -q "listening on $1://127.0.0.1:$PORT" "$T/run.err"; then
			return 0
		fi
		wait_run 10
		note "port $PORT: $(cat "$T/run.err")"
	done
	die "could not start a $1 source"
}

file_run() {
	cat >"$T/$1.yaml" <<EOF
instance: $INSTANCE
source: {type: file, path: $2, format: jsonl}
sink: {type: file, path: $T/$1.out}
dead_letter: {type: file, path: $T/$1.dl}
$SCALES
EOF
	start_run "$T/$1.yaml"
	wait_run 30
	[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "file run $1 exited $RUN_RC"; }
}

# compare GOT WANT STREAM=POINTS...: complete windows of each stream,
# each stream's identical to the file run's
compare() {
	got=$1 want=$2; shift 2
	pts=""
	for p in "$@"; do pts="$pts --points $p"; done
	check_results "$got" lev:50:10 cloud:40:20 $pts --same-as "$want" --per-stream
}

# --- TCP -------------------------------------------------------------------
start_net tcp SOCK_STREAM tcp
"$PY" - "$T" "$PORT" <<'EOF'
import json, random, socket, sys, time
T, port = sys.argv[1], int(sys.argv[2])
L = json.load(open(T + "/lines.json"))
data = {k: ("\n".join(L[k]) + ("\n" if k == "alpha" else "")).encode() for k in ("alpha", "beta")}
conns = {k: socket.create_connection(("127.0.0.1", port), timeout=10) for k in data}
pos = dict.fromkeys(data, 0)
r = random.Random(9)
while any(pos[k] < len(data[k]) for k in data):
    for k, c in conns.items():
        if pos[k] < len(data[k]):
            n = r.randint(1, 3000)     # cuts records anywhere
            c.sendall(data[k][pos[k]:pos[k] + n])
            pos[k] += n
    time.sleep(0.001)
for c in conns.values():
    c.shutdown(socket.SHUT_WR)
    c.close()
EOF
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $((NA + NB)) and s['streams'] == 2"
sleep 0.2
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "tcp run exited $RUN_RC after SIGTERM"; }
[ ! -s "$T/tcp.dl" ] || die "tcp dead letters: $(head -n 3 "$T/tcp.dl")"
file_run tcpfile "$T/tcp-file.jsonl"
compare "$T/tcp.out" "$T/tcpfile.out" "alpha=$NA" "beta=$NB"

# --- UDP -------------------------------------------------------------------
start_net udp SOCK_DGRAM udp
"$PY" - "$T" "$PORT" <<'EOF'
import json, socket, sys, time
T, port = sys.argv[1], int(sys.argv[2])
u = json.load(open(T + "/lines.json"))["udp"]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(0, len(u), 5):
    chunk = u[i:i + 5]
    # the last datagram's last record has no newline: the datagram ends it
    s.sendto(("\n".join(chunk) + ("\n" if i % 2 == 0 else "")).encode(), ("127.0.0.1", port))
    time.sleep(0.0005)
s.close()
EOF
wait_stats 20 "proc(s, 'ingest')['records_in'] >= $NU"
sleep 0.2
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "udp run exited $RUN_RC after SIGTERM"; }
[ ! -s "$T/udp.dl" ] || die "udp dead letters: $(head -n 3 "$T/udp.dl")"
file_run udpfile "$T/udp-file.jsonl"
compare "$T/udp.out" "$T/udpfile.out" "udp=$NU"
echo "ok"
