#!/usr/bin/python3
"""notify_listen.py SOCKET LOG STATS_CMD... - stand in for systemd's end of
sd_notify(3): listen on the unix datagram socket SOCKET (NOTIFY_SOCKET),
write each datagram to LOG as one JSON line {"t": monotonic seconds,
"msg": {KEY: VALUE}}, and on READY=1 run STATS_CMD at once and log its
output as {"t": ..., "stats": ...}.  Ends when SOCKET is removed or after
120 s."""
import json, os, socket, subprocess, sys, time

path, log = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
end = time.monotonic() + 120
with open(log, "a", buffering=1) as out:
    while time.monotonic() < end and os.path.exists(path):
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        t = time.monotonic()
        msg = dict(l.split("=", 1) for l in data.decode().split("\n") if "=" in l)
        out.write(json.dumps({"t": t, "msg": msg}) + "\n")
        if msg.get("READY") == "1" and cmd:
            r = subprocess.run(cmd, capture_output=True, text=True)
            out.write(json.dumps({"t": time.monotonic(), "stats": r.stdout, "err": r.stderr}) + "\n")
