#!/bin/sh
# kafka_group: two instances in one consumer group split the partitions and
# together publish what one instance would; one of them is killed mid-run
# (SIGKILL to its supervisor, which takes its processes with it) and the
# other takes its partitions over: every result is in the read_committed
# view exactly once.
#
# The survivor starts the dead instance's partitions at their checkpoints
# (read back from the results topic's tdapipe-checkpoint headers), restores
# their streams there, and computes again only the windows from there on;
# its publish, which reads the results topic again after every assignment,
# sends only those the dead instance had not published.  Also checked: a
# whole instance run a second time (a new segment) after more points came
# starts every partition at its checkpoint and adds exactly the rest.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
"$PY" -c 'import confluent_kafka' 2>/dev/null || { echo "skip: python3-confluent-kafka not installed"; exit 77; }
N=${KGROUP_POINTS:-80000}

kafka_reference "$N" 13

start_mock mock --topic points:8 --topic results:8 --topic again:4 --topic points2:4

# group_config FILE INSTANCE TOPIC EXTRA: one member of group "g".
group_config() {
	cat >"$1" <<EOC
instance: $2
source: {type: kafka, brokers: "$BOOT", topics: points, group: g$3, format: jsonl$4,
         properties: {session.timeout.ms: 6000, heartbeat.interval.ms: 500}}
sink: {type: kafka, brokers: "$BOOT", topic: $3, format: jsonl, exactly_once: true}
dead_letter: {type: file, path: $T/$2.dead}
$SCALES
EOC
}
A=${INSTANCE}a
B=${INSTANCE}b
group_config "$T/a.yaml" "$A" results ""
group_config "$T/b.yaml" "$B" results ""
# assigned INSTANCE: how many partitions its source holds now.
assigned() {
	"$TDAPIPE" stats --instance "$1" --json 2>/dev/null |
		"$PY" -c 'import json, sys; print(sum(p["assigned"] for p in json.load(sys.stdin)["kafka"]["partitions"]))' \
		2>/dev/null || echo 0
}
# A first, holding all 8, then B: B never holds A's other 4 before A dies,
# so it must take them over from their checkpoints.
"$TDAPIPE" run --fresh -c "$T/a.yaml" >"$T/a.out" 2>"$T/a.err" & echo $! >"$T/a.pid"
trap 'rm -f /dev/shm/tdapipe-$A /dev/shm/tdapipe-$B; cleanup' EXIT INT TERM
a_holds_all() { [ "$(assigned "$A")" = 8 ]; }
wait_for 40 a_holds_all || die "A never got the 8 partitions"
"$TDAPIPE" run --fresh -c "$T/b.yaml" >"$T/b.out" 2>"$T/b.err" & echo $! >"$T/b.pid"

# Both must have partitions before the points come, so that A dies in
# the middle of its partitions: had the feed started first, a slow split
# (ASan on a loaded machine) let A finish them before it was killed, and
# B had nothing to take over.
"$PY" - "$TDAPIPE" "$A" "$B" <<'EOF' || die "the two instances never shared the partitions"
import json, subprocess, sys, time
deadline = time.time() + 40
while time.time() < deadline:
    n = []
    for inst in sys.argv[2:]:
        r = subprocess.run([sys.argv[1], "stats", "--instance", inst, "--json"], capture_output=True, text=True)
        try:
            n.append(sum(p["assigned"] for p in json.loads(r.stdout)["kafka"]["partitions"]))
        except (ValueError, KeyError):
            n.append(0)
    if all(n) and sum(n) == 8:
        print("# partitions split %d + %d" % tuple(n))
        sys.exit(0)
    time.sleep(0.2)
sys.exit(1)
EOF

# Feed the points over about 8 s; kill A once it published some results
# (checkpoints for B to start from), while the feed still runs.
kt feed "$T/keyed.txt" "$BOOT" points &
feeder=$!
a_published() {
	"$TDAPIPE" stats --instance "$A" --json 2>/dev/null | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if [p for p in s["processes"] if p["role"] == "publish"][0]["records_out"] >= 300 else 1)'
}
wait_for 40 a_published || die "A never published 300 results"
kill -0 "$feeder" 2>/dev/null || die "the feed ended before A was killed: nothing left for B to take over"
# The partitions B ever held (its segment lists every one it was
# assigned): a slow start (ASan) can cost A its membership for a moment
# and hand B all 8 before the split, and B then resumes those it read
# itself rather than starting them at A's checkpoints.
ever=$("$TDAPIPE" stats --instance "$B" --json | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["kafka"]["partitions"]))')
kill -9 "$(cat "$T/a.pid")"
note "instance A killed (SIGKILL to its supervisor); B had held $ever partitions"
wait "$feeder" || die "the producer failed"

kt wait "$BOOT" results 8 "$want" || { tail -20 "$T/b.err" >&2; die "the results never all arrived"; }
sleep 2
kill -TERM "$(cat "$T/b.pid")"
wait_for 60 sh -c "! kill -0 $(cat "$T/b.pid") 2>/dev/null" || die "B did not stop"
grep -q "every result published" "$T/b.err" || { tail -20 "$T/b.err" >&2; die "B did not finish cleanly"; }

# check TOPIC PARTITIONS: the read_committed view is the file run's results, each once.
check() { kt check "$BOOT" "$1" "$2" "$T/file.out"; }
check results 8 || die "two instances, one killed: not every result exactly once"
grep -h "reader: .* results already in" "$T/b.err" | sed 's/^.*: \([a-z]* reader\)/# B: \1/'

# The survivor started the dead instance's partitions at their checkpoints,
# not at their start, and rebuilt those streams' windows right: what it
# published for them is in the check above, compared line for line.
taken=$(grep -c "starts at offset [1-9][0-9]*, its checkpoint" "$T/b.err" || true)
note "B started $taken partitions at their checkpoints"
if [ "$ever" -lt 8 ]; then
	[ "$taken" -ge 1 ] || { grep kafka "$T/b.err" >&2; die "B read the dead instance's partitions from their start"; }
else
	note "B had held all 8 before A died: none to take over from a checkpoint this time"
fi

# A whole instance run twice, the second time (a new segment) after more
# points came: it starts every partition at its checkpoint, restores its
# streams there (their sequence numbers, hence their windows), and what it
# adds is exactly the rest of the file run's results.
half=$((N / 2))
head -n "$half" "$T/keyed.txt" | kcat -P -b "$BOOT" -t points2 -K '|' || die "kcat -P failed"
group_config "$T/c.yaml" "$INSTANCE" again ", stop_at_end: true"
sed -i 's/topics: points,/topics: points2,/' "$T/c.yaml"
run_ok "$T/c.yaml" 90 "first run"
tail -n +"$((half + 1))" "$T/keyed.txt" | kcat -P -b "$BOOT" -t points2 -K '|' || die "kcat -P failed"
run_ok "$T/c.yaml" 90 "second run"
cp "$T/run.err" "$T/c2.err"
check again 4 || die "a second run, restored from checkpoints, did not add exactly the rest"
taken=$(grep -c "starts at offset [1-9][0-9]*, its checkpoint" "$T/c2.err" || true)
note "second run: $taken of 4 partitions started at their checkpoints"
[ "$taken" -eq 4 ] || { cat "$T/c2.err" >&2; die "the second run did not start every partition at its checkpoint"; }
stop_mock mock
