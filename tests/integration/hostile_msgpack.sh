#!/bin/sh
# hostile_msgpack: a sender cannot make ingest decode points it did not
# send (issue 16, defects 1 and 2), through the real pipeline.
#
# TCP, msgpack, one result per point (sublevel, window 1):
#  1. connection "big": 3 points, one 3 MB string whose bytes repeat the
#     map {"v": 5} (81 a1 76 05), 3 points, sent in 4 KiB writes: exactly
#     6 results (it used to be ~488,000), and one dead letter giving the
#     string's exact size; decoding resumed right after it.
#  2. connection "bad": 3 points, a 0xc1 byte, 1,000 points: 3 results,
#     one dead letter saying nothing after that byte is decoded, and the
#     server closes the connection (the sender sees it); the log says so.
#  3. connection "after": 5 points: 5 results, the source still serves.
# File, msgpack: 4 points (12 bytes each), 0xc1, 50 points: 4 results,
# one dead letter naming byte 48, and the run ends (exit 0).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

PORT=$("$PY" -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
SCALES="scales:
  - {name: one, complex: sublevel, window: 1, slide: 1}"
write_config "$T/tcp.yaml" "{type: tcp, host: 127.0.0.1, port: $PORT, format: msgpack}" "$T/tcp.out"
start_run "$T/tcp.yaml"
wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" || { cat "$T/run.err" >&2; die "no listener"; }

"$PY" - "$PORT" "$T" <<'EOF' || die "the senders failed"
import socket, struct, sys, time
port, T = int(sys.argv[1]), sys.argv[2]

def point(stream, v):
    s = stream.encode()
    return b"\x82\xa6stream" + bytes([0xa0 | len(s)]) + s + b"\xa1v" + struct.pack(">Bd", 0xcb, v)

def send(data, piece=4096):
    c = socket.create_connection(("127.0.0.1", port))
    for i in range(0, len(data), piece):
        c.sendall(data[i:i + piece])
    return c

decoy = b"\x81\xa1v\x05" * 750000                      # 3,000,000 bytes
big = b"".join(point("big", i) for i in (1, 2, 3)) + b"\xdb" + struct.pack(">I", len(decoy)) + decoy + \
      b"".join(point("big", i) for i in (4, 5, 6))
c = send(big)
c.close()
open(T + "/decoy.size", "w").write("%d\n" % (5 + len(decoy)))

bad = b"".join(point("bad", i) for i in (1, 2, 3)) + b"\xc1" + b"".join(point("bad", i) for i in range(1000))
c = socket.create_connection(("127.0.0.1", port))
c.sendall(bad[:len(bad) // 2])
c.settimeout(10)
closed = False
try:
    c.sendall(bad[len(bad) // 2:])
    closed = c.recv(1) == b""                          # the server shut it down
except (ConnectionResetError, BrokenPipeError):
    closed = True
except socket.timeout:
    pass
c.close()
if not closed:
    sys.exit("the server did not close the connection that sent a byte that is not msgpack")

c = send(b"".join(point("after", i) for i in range(5)))
c.close()
EOF
wait_stats 20 "proc(s, 'publish')['records_out'] == 14"
kill -TERM "$(cat "$T/run.pid")"
wait_run 20
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "tcp run exited $RUN_RC"; }

# file: the rest after a byte that is not msgpack is not decoded
"$PY" - "$T" <<'EOF'
import struct, sys
def point(v): return b"\x81\xa1v" + struct.pack(">Bd", 0xcb, v)
open(sys.argv[1] + "/bad.msgpack", "wb").write(b"".join(point(i) for i in range(4)) + b"\xc1" +
                                            b"".join(point(i) for i in range(50)))
EOF
write_config "$T/file.yaml" "{type: file, path: $T/bad.msgpack, format: msgpack}" "$T/file.out"
run_ok "$T/file.yaml" 30 "file run"

"$PY" - "$HERE" "$T" <<'EOF'
import json, sys
from collections import Counter
sys.path.insert(0, sys.argv[1])
from tdpres import *
T = sys.argv[2]
got = Counter(r["stream"] for raw, r in read_jsonl(T + "/tcp.out"))
expect(got == {"big": 6, "bad": 3, "after": 5}, "tcp results per stream: %s, expected big 6, bad 3, after 5" % dict(got))
vals = sorted(r["diagrams"]["0"][0][0] for raw, r in read_jsonl(T + "/tcp.out") if r["stream"] == "big")
expect(vals == [1, 2, 3, 4, 5, 6], "big: values %s" % vals)
dl = [json.loads(l) for l in open(T + "/tcp.out.dead")]
expect(len(dl) == 2, "tcp dead letters: %d, expected 2: %s" % (len(dl), [d["reason"] for d in dl]))
dl.sort(key=lambda d: not d["reason"].startswith("record of"))   # connections interleave
size = int(open(T + "/decoy.size").read())
expect(dl[0]["reason"] == "record of %d bytes longer than max_record (65536 bytes)" % size and dl[0]["truncated"],
       "oversized dead letter: %r" % dl[0]["reason"])
expect(dl[1]["reason"].startswith("not msgpack: byte 0xc1 at offset ") and
       dl[1]["reason"].endswith("nothing after it in this input is decoded"), "reject dead letter: %r" % dl[1]["reason"])
err = open(T + "/run.err").read()
expect("not msgpack at byte" in err and "nothing after it is read" in err, "no log line for the rejected connection")
got = [r["diagrams"]["0"][0][0] for raw, r in read_jsonl(T + "/file.out")]
expect(got == [0, 1, 2, 3], "file results %s, expected the 4 points before the bad byte" % got)
dl = [json.loads(l) for l in open(T + "/file.out.dead")]
expect(len(dl) == 1 and dl[0]["reason"].startswith("not msgpack: byte 0xc1 at offset 48 "),
       "file dead letters: %s" % [d["reason"] for d in dl])
print("# tcp: 14 results from 14 points among a 3 MB decoy and a bad byte; file: 4 of 4")
EOF
echo ok
