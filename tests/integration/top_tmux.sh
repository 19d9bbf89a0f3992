#!/bin/sh
# top_tmux: `tdapipe top` on a real terminal (tmux), read off the screen.
#
# A TCP source is fed three streams for a few seconds.  `tdapipe top` runs
# in a detached tmux session of 200x50; its screen must show every
# process, every scale with a nonzero points/s while data flows, the
# last checkpoint under the first line (state.interval 200ms), and the
# stream names; q and Ctrl-C must end it with status 0 and give the screen
# back.  A
# second top must end by itself (status 0, saying why) when the instance
# ends.
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "no tmux"; exit 77; }
TMUX_SOCK=$T/tmux.sock
tm() { tmux -S "$TMUX_SOCK" "$@"; }
cleanup_tmux() { tm kill-server 2>/dev/null || true; cleanup; }
trap cleanup_tmux EXIT INT TERM

PORT=$("$PY" -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
cat >"$T/top.yaml" <<YAML
instance: $INSTANCE
source: {type: tcp, host: 127.0.0.1, port: $PORT, format: jsonl}
sink: {type: file, path: $T/out.jsonl}
dead_letter: {type: file, path: $T/dl.jsonl}
state: {dir: $T/state, interval: 200ms}
scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10}
  - {name: cloud, complex: rips, window: 40, slide: 20, embed: {dim: 2, lag: 2}}
YAML
start_run "$T/top.yaml"
wait_for 10 grep -q "listening on tcp://127.0.0.1:$PORT" "$T/run.err" || die "no tcp source: $(cat "$T/run.err")"

# about 1500 points/s over three streams for 12 s at most, then close
"$PY" - "$PORT" 12 <<'PY' &
import math, socket, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
c = socket.create_connection(("127.0.0.1", port), timeout=10)
end, i = time.time() + secs, 0
while time.time() < end:
    lines = "".join('{"stream": "%s", "v": %r}\n' % (s, math.sin(i * k) + (i % 7) * 0.1)
                    for s, k in (("alpha", 0.1), ("beta", 0.05), ("gamma-3", 0.2)))
    try:
        c.sendall(lines.encode())
    except OSError:   # the run was stopped
        break
    i += 1
    if i % 50 == 0:
        time.sleep(0.1)
c.close()
PY
echo $! >"$T/feed.pid"

# start_top NAME: top in a detached 200x50 session NAME; its status in $T/NAME.rc
start_top() {
	tm new-session -d -s "$1" -x 200 -y 50 \
		"$TDAPIPE top --instance $INSTANCE --interval 0.5 --streams 5 2>$T/$1.err; echo \$? >$T/$1.rc; sleep 30"
}
screen() { tm capture-pane -p -t "$1"; }

# check_screen FILE: every process running, every scale flowing, the streams
check_screen() {
	"$PY" - "$1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
text = "\n".join(lines)
if len(lines) < 2 or not re.match(r"checkpoint ([0-9]+s ago \(pause [0-9]+\.[0-9] ms\)  written [1-9][0-9]*)", lines[1]):
    sys.exit("no checkpoint line under the first: %r" % lines[:2])
for p in ("ingest", "scaled[lev]", "scaled[cloud]", "publish"):
    if not any(l.startswith(p + " ") and " running " in l for l in lines):
        sys.exit("process %s not shown running" % p)
for s in ("lev", "cloud"):
    rows = [l.split() for l in lines if l.startswith(s + " ")]
    if not rows or not re.fullmatch(r"[0-9.]+", rows[0][1]) or float(rows[0][1]) <= 0:
        sys.exit("scale %s: no nonzero points/s: %r" % (s, rows))
for n in ("alpha", "beta", "gamma-3"):
    if not re.search(r"^%s +(lev|cloud|-) " % re.escape(n), text, re.M):
        sys.exit("stream %s not shown" % n)
PY
}

start_top view
ok=""
for i in $(seq 1 40); do
	sleep 0.25
	screen view >"$T/screen.txt" 2>/dev/null || continue
	if check_screen "$T/screen.txt" 2>"$T/why.txt"; then ok=1; break; fi
done
[ -n "$ok" ] || { cat "$T/screen.txt" "$T/view.err" 2>/dev/null; die "top's screen: $(cat "$T/why.txt")"; }
note "screen:"; sed 's/^/# /' "$T/screen.txt" | head -24

tm send-keys -t view q
wait_for 5 test -s "$T/view.rc" || die "q did not end top: $(screen view)"
[ "$(cat "$T/view.rc")" = 0 ] || die "top exited $(cat "$T/view.rc") on q: $(cat "$T/view.err")"
# the terminal given back: the alternate screen left, top's frame gone
! screen view | grep -q "PROCESS" || die "top's frame still on screen after q"

# Ctrl-C ends it the same way
start_top intr
wait_for 5 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t intr | grep -q PROCESS" || die "top shows nothing: $(cat "$T/intr.err")"
tm send-keys -t intr C-c
wait_for 5 test -s "$T/intr.rc" || die "Ctrl-C did not end top: $(screen intr)"
[ "$(cat "$T/intr.rc")" = 0 ] || die "top exited $(cat "$T/intr.rc") on Ctrl-C: $(cat "$T/intr.err")"
! screen intr | grep -q "PROCESS" || die "top's frame still on screen after Ctrl-C"

# a second top ends by itself when the instance does
start_top gone
wait_for 5 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t gone | grep -q PROCESS" || die "second top shows nothing"
kill -TERM "$(cat "$T/run.pid")"
wait_run 30
wait_for 5 test -s "$T/gone.rc" || die "top did not end with its instance: $(screen gone)"
[ "$(cat "$T/gone.rc")" = 0 ] || die "top exited $(cat "$T/gone.rc") when the instance ended: $(cat "$T/gone.err")"
grep -q "not running" "$T/gone.err" || die "top did not say the instance ended: $(cat "$T/gone.err")"
set +e
"$TDAPIPE" top --instance "$INSTANCE" </dev/null >/dev/null 2>&1; RC=$?
"$TDAPIPE" top --interval 0 --instance "$INSTANCE" >/dev/null 2>&1; RC2=$?
set -e
[ "$RC" -eq 111 ] || die "top of an instance not running exited $RC, expected 111"
[ "$RC2" -eq 100 ] || die "top --interval 0 exited $RC2, expected 100"
echo "ok"
