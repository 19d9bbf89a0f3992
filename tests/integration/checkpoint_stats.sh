#!/bin/sh
# checkpoint_stats: the instance's checkpoints in `tdapipe stats`
# (tdapipe-stats(1), tdapipe-run(1) STATE).
#
# A run on stdin with state: {dir, interval: 100ms} writes a checkpoint
# every 100 ms with the pipeline stopped for it.  While it runs, stats
# --json has a "checkpoint" object: written >= 2, errors 0, pause_ns > 0,
# last_unix_ms a moment ago, and bytes the size of STATE_DIR/checkpoint
# (read between two readings that show the same count, since a newer
# checkpoint may replace it meanwhile); the text form says the same on
# its second line.  The run then ends with exit 0 and the file in place.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N=3000

"$PY" -c "
import math
with open('$T/points.csv', 'w') as f:
    for i in range($N): f.write('%r\n' % math.cos(i * 0.05))
"
cat >"$T/c.yaml" <<EOF
instance: $INSTANCE
source: {type: stdin, format: csv}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
state: {dir: $T/state, interval: 100ms}
scales:
  - {name: lev, complex: sublevel, window: 100, slide: 20}
EOF

start_run_fifo "$T/c.yaml"
feed "$T/points.csv"
wait_stats 20 "proc(s, 'ingest')['records_in'] == $N and s['checkpoint']['written'] >= 2"

"$PY" - "$HERE" "$TDAPIPE" "$INSTANCE" "$T/state/checkpoint" <<'EOF' || die "stats --json checkpoint: see above"
import json, os, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from tdpres import *
tdapipe, inst, path = sys.argv[2:5]

def reading():
    return json.loads(subprocess.run([tdapipe, "stats", "--instance", inst, "--json"], check=True,
                                     capture_output=True, text=True).stdout)

for attempt in range(50):
    a = reading()
    size = os.stat(path).st_size
    b = reading()
    if a["checkpoint"]["written"] == b["checkpoint"]["written"]:
        break
else:
    raise SystemExit("FAIL: a checkpoint between every two readings")
c = a["checkpoint"]
expect(list(c) == ["written", "errors", "last_unix_ms", "pause_ns", "bytes"], "checkpoint keys %s" % list(c))
expect(c["written"] >= 2 and c["errors"] == 0, "checkpoint counts %r" % c)
expect(c["pause_ns"] > 0, "pause_ns %r while running" % c["pause_ns"])
expect(c["pause_ns"] < 5 * 10**9, "pause_ns %r" % c["pause_ns"])
expect(abs(c["last_unix_ms"] / 1e3 - time.time()) < 30, "last_unix_ms %r is not a moment ago" % c["last_unix_ms"])
expect(c["bytes"] > 0 and c["bytes"] == size, "bytes %r, %s has %d" % (c["bytes"], path, size))
print("# checkpoint %r, the file %d bytes (attempt %d)" % (c, size, attempt + 1))
EOF

"$TDAPIPE" stats --instance "$INSTANCE" >"$T/stats.txt" || die "stats failed"
sed -n 2p "$T/stats.txt" | grep -q -E "^checkpoints [0-9]+  errors 0  last [0-9]+\.[0-9] s ago \([0-9-]+T[0-9:.]+Z\)  pause [0-9]+\.[0-9]{3} ms  bytes [1-9][0-9]*$" ||
	die "the checkpoint line: $(head -n 3 "$T/stats.txt")"
sed -n 3p "$T/stats.txt" | grep -q "^PROCESS " || die "the process table moved: $(head -n 3 "$T/stats.txt")"

close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
[ -s "$T/state/checkpoint" ] || die "no checkpoint after the run"
echo "ok"
