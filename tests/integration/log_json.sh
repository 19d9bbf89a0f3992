#!/bin/sh
# log_json: with `log: {format: json}` every stderr line of a run is one
# JSON object with time (RFC 3339 UTC, ms), level, process, pid, scale and
# msg, whatever happens: here a scale worker killed (warn, restarted) and
# a sink that fails every write (/dev/full: publish's errors, then the
# supervisor gives up on it, saying the sink side failed and what to do),
# and a Rips scale whose memory_mb leaves dimensions out (its worker's warns).
# The same run with the default text format gives text lines with the
# same fields.
. "$(dirname "$0")/../lib.sh"
walk_csv "$T/in.csv" 200000 5

# conf NAME SINK FORMAT
conf() {
	cat >"$T/$1.yaml" <<YAML
instance: $INSTANCE
source: {type: file, path: $T/in.csv, format: csv}
sink: {type: file, path: $2}
dead_letter: {type: file, path: $T/dl.jsonl}
supervisor: {restart_limit: 3, backoff_min: 400, backoff_max: 800}
log: {format: $3}
scales:
  - {name: slow, complex: rips, window: 200, slide: 1, dims: [0]}
  - {name: lev, complex: sublevel, window: 50, slide: 10}
  - {name: tight, complex: rips, window: 240, slide: 120, dims: [0, 1, 2, 3], embed: {dim: 3, lag: 5}, memory_mb: 2}
YAML
}

# check_lines FILE FORMAT: every line well formed, with the run's fields
check_lines() {
	"$PY" - "$1" "$2" <<'PY'
import json, re, sys
path, fmt = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().splitlines()
if not lines:
    sys.exit("no log lines")
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
PROCS = {"tdapipe", "tdapipe-ingest", "tdapipe-scaled", "tdapipe-publish"}
seen = []
for n, l in enumerate(lines, 1):
    if fmt == "json":
        try:
            o = json.loads(l)
        except ValueError as e:
            sys.exit("line %d not JSON (%s): %r" % (n, e, l))
        if set(o) != {"time", "level", "process", "pid", "scale", "msg"}:
            sys.exit("line %d: fields %r" % (n, sorted(o)))
        if not re.fullmatch(TIME, o["time"]) or o["level"] not in ("error", "warn", "info") \
                or o["process"] not in PROCS or not isinstance(o["pid"], int) or o["pid"] <= 0 \
                or not isinstance(o["msg"], str) or not o["msg"]:
            sys.exit("line %d: bad values: %r" % (n, l))
        if (o["process"] == "tdapipe-scaled") != (o["scale"] is not None):
            sys.exit("line %d: scale %r for %s" % (n, o["scale"], o["process"]))
        seen.append((o["level"], o["process"], o["msg"]))
    else:
        m = re.fullmatch(r"(%s) (error|warn|info) (tdapipe(?:-[a-z]+)?)\[(\d+)\]( scale=\S+)?: (.+)" % TIME, l)
        if not m:
            sys.exit("line %d not a text log line: %r" % (n, l))
        if (m.group(3) == "tdapipe-scaled") != bool(m.group(5)):
            sys.exit("line %d: scale for %s" % (n, m.group(3)))
        seen.append((m.group(2), m.group(3), m.group(6)))
def has(level, proc, pattern):
    if not any(lv == level and p == proc and re.search(pattern, msg) for lv, p, msg in seen):
        sys.exit("no %s line of %s matching %r in:\n%s" % (level, proc, pattern, "\n".join(lines)))
has("warn", "tdapipe", r"^scaled\[slow\] killed by signal 9 .*; restart 1 in")
has("error", "tdapipe-publish", r"^sink: writing results: No space left on device; .*make room")
has("error", "tdapipe", r"^publish exited with status 111; 3 restarts in \d+ s: giving up on it: the sink side failed.*fix the sink")
has("error", "tdapipe", r"finished: some processes failed or were stopped.*; failed \(see above\): publish$")
has("warn", "tdapipe-scaled", r"^scale tight: window \d+ of stream .* published without H")
PY
}

for fmt in json text; do
	conf "$fmt" /dev/full "$fmt"
	# a worker killed while publish is still in its backoff loop (about
	# 2 s before it is given up on): the kill is logged whatever the sink does
	start_run "$T/$fmt.yaml"
	wait_for 10 sh -c "$TDAPIPE stats --instance $INSTANCE --json 2>/dev/null | grep -q '\"scale\":\"slow\",\"pid\":[1-9]'" ||
		die "$fmt: no slow worker: $(cat "$T/run.err")"
	pid=$("$TDAPIPE" stats --instance "$INSTANCE" --json | "$PY" -c '
import json, sys
print([p["pid"] for p in json.load(sys.stdin)["processes"] if p["scale"] == "slow"][0])')
	kill -9 "$pid" || die "$fmt: the slow worker was gone before it could be killed: $(cat "$T/run.err")"
	ALLOW_RESTARTS=1 wait_run 60
	[ "$RUN_RC" -eq 1 ] || die "$fmt: run exited $RUN_RC, expected 1"
	check_lines "$T/run.err" "$fmt" || die "$fmt: log lines"
	note "$fmt: $(wc -l <"$T/run.err") lines, first: $(head -n 1 "$T/run.err")"
done
echo ok
