#!/bin/sh
# prometheus_scrape: a real Prometheus server scrapes tdapipe-exporter.
#
# A pipeline with a TCP source (two streams of timed points, sent by a
# bounded script that then keeps its connection open, so the run lasts),
# a count scale with events and a time scale, and metrics: on loopback.
# Prometheus (Debian's, on a free loopback port, its data in the test's
# directory) scrapes /metrics every second with honor_labels (the
# exporter's instance label is the tdapipe instance).  Once the pipeline is
# quiet, Prometheus' HTTP API (/api/v1/query) must show the counters at the
# values `tdapipe stats --json` shows; then every panel query of
# contrib/grafana/tdapipe.json ($instance and $__rate_interval filled in)
# must return data from it (the checkpoint age once one is written:
# state.interval 500ms).  For the Kafka panels a second instance runs
# beside the first, scraped by the same Prometheus: a Kafka source and an
# exactly-once Kafka sink on librdkafka's mock cluster (`tdapipe
# kafka-mock`), fed with kcat.  Both runs are then drained with SIGTERM
# and exit 0.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v prometheus >/dev/null || { echo "skip: no prometheus (Debian package prometheus)"; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
command -v kcat >/dev/null || { echo "skip: no kcat"; exit 77; }
N=6000   # points per stream

for try in 1 2 3; do
	PORT=$(free_port) SRC=$(free_port)
	cat >"$T/p.yaml" <<EOC
instance: $INSTANCE
source: {type: tcp, host: 127.0.0.1, port: $SRC, format: jsonl, time_unit: ms, lateness: 100ms}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
events: {type: file, path: $T/events.jsonl}
metrics: {listen: "127.0.0.1:$PORT"}
state: {dir: $T/state, interval: 500ms}
scales:
  - {name: count, complex: sublevel, window: 200, slide: 50, track: {min_persistence: 0.1},
     anomaly: {signal: total, history: 5, threshold: 1}}
  - {name: tick, complex: sublevel, window: 1s, slide: 250ms, max_window_points: 512}
EOC
	start_run "$T/p.yaml"
	wait_for 10 grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/run.err" &&
		wait_for 10 grep -q "listening on tcp://127.0.0.1:$SRC" "$T/run.err" && break
	kill "$(cat "$T/run.pid")" 2>/dev/null || true
	ALLOW_RESTARTS=1 wait_run 20
	note "ports $PORT/$SRC: $(cat "$T/run.err")"
	[ "$try" -lt 3 ] || die "the pipeline never listened"
done

# The Kafka instance: its points produced with kcat, keyed by stream.
start_mock mock --topic kpoints:2 --topic kresults:2
"$PY" -c "
import math
for i in range(600):
    for k in (1, 2):
        print('s%d|{\"stream\":\"s%d\",\"v\":%r}' % (k, k, math.sin(i * 0.05 * k)))
" >"$T/kpoints.txt"
timeout 30 kcat -P -b "$BOOT" -t kpoints -K '|' <"$T/kpoints.txt" || die "kcat -P failed"
KINST=$INSTANCE-k
for try in 1 2 3; do
	KPORT=$(free_port)
	cat >"$T/k.yaml" <<EOC
instance: $KINST
source: {type: kafka, brokers: "$BOOT", topics: kpoints, group: gk, format: jsonl,
         properties: {session.timeout.ms: 6000}}
sink: {type: kafka, brokers: "$BOOT", topic: kresults, format: jsonl, exactly_once: true}
dead_letter: {type: file, path: $T/kdead.jsonl}
metrics: {listen: "127.0.0.1:$KPORT"}
scales:
  - {name: kcount, complex: sublevel, window: 100, slide: 50}
EOC
	"$TDAPIPE" run --fresh -c "$T/k.yaml" >"$T/krun.out" 2>"$T/krun.err" &
	echo $! >"$T/krun.pid"
	wait_for 10 grep -q "serving http://127.0.0.1:$KPORT/metrics" "$T/krun.err" && break
	kill -9 "$(cat "$T/krun.pid")" 2>/dev/null || true
	rm -f "/dev/shm/tdapipe-$KINST"
	note "port $KPORT: $(cat "$T/krun.err")"
	[ "$try" -lt 3 ] || die "the Kafka pipeline never served metrics"
done

# Prometheus, scraping both every second
PROM=$(free_port)
cat >"$T/prometheus.yml" <<EOC
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: tdapipe
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$PORT", "127.0.0.1:$KPORT"]}]
EOC
prometheus --config.file "$T/prometheus.yml" --storage.tsdb.path "$T/tsdb" \
	--web.listen-address "127.0.0.1:$PROM" >"$T/prom.log" 2>&1 &
echo $! >"$T/prom.pid"
wait_for 30 curl -sf "http://127.0.0.1:$PROM/-/ready" || { tail -n 20 "$T/prom.log" >&2; die "prometheus never ready"; }

# the feeder: N points per stream over about 3 s, then it holds on
"$PY" - "$SRC" "$N" "$T/fed" <<'EOF' &
import math, socket, sys, time
port, n, fed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = socket.create_connection(("127.0.0.1", port), timeout=10)
t0 = 1796526000000
for i in range(n):
    lines = ['{"stream":"s%d","t":%d,"v":%r}' % (k, t0 + i * 5, math.sin(i * 0.02 * (k + 1)) * 10) for k in (1, 2)]
    c.sendall(("\n".join(lines) + "\n").encode())
    if i % 200 == 199:
        time.sleep(0.1)
open(fed, "w").close()
time.sleep(120)
EOF
echo $! >"$T/feeder.pid"
wait_for 30 test -f "$T/fed" || die "the feeder did not finish"
wait_stats 30 "proc(s, 'ingest')['records_in'] == 2 * $N and proc(s, 'scaled', 'count')['windows'] == 2 * $(( (N - 200) / 50 + 1 )) and proc(s, 'publish')['records_out'] == sum(proc(s, 'scaled', k)['records_out'] for k in ('count', 'tick'))"
# the Kafka instance read every point and committed its results
wait_for 30 sh -c "\"$TDAPIPE\" stats --instance $KINST --json | \"$PY\" -c '
import json, sys
s = json.load(sys.stdin)
ing = next(p for p in s[\"processes\"] if p[\"role\"] == \"ingest\")
k = s[\"kafka\"]
sys.exit(0 if ing[\"records_in\"] == 1200 and k[\"sink\"][\"txn_commits\"] > 0 else 1)'" ||
	die "the Kafka pipeline did not read its points: $("$TDAPIPE" stats --instance "$KINST" 2>&1 | tail -n 12)"
sleep 0.5
stats_json >"$T/stats.json" || die "stats --json failed"
curl -sf "http://127.0.0.1:$PORT/metrics" >"$T/metrics.txt" || die "/metrics"

"$PY" - "http://127.0.0.1:$PROM" "$T/stats.json" "$T/metrics.txt" "$TDP_ROOT/contrib/grafana/tdapipe.json" "$HERE" <<'EOF' || die "Prometheus does not show what stats shows"
import json, re, sys, time, urllib.parse, urllib.request
prom, stats, metrics, dash, here = sys.argv[1:6]
sys.path.insert(0, here)
import metricscheck
s = json.load(open(stats))
inst = s["instance"]
samples, _ = metricscheck.parse(open(metrics).read())

def query(expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    r = json.load(urllib.request.urlopen(url, timeout=10))
    if r["status"] != "success":
        raise SystemExit("query %s: %s" % (expr, r))
    return r["data"]["result"]

def proc(role, scale=None):
    return next(p for p in s["processes"] if p["role"] == role and p["scale"] == scale)

want = {
    'tdapipe_ingest_points_total{instance="%s"}' % inst: proc("ingest")["records_out"],
    'tdapipe_ingest_records_total{instance="%s"}' % inst: proc("ingest")["records_in"],
    'tdapipe_published_results_total{instance="%s"}' % inst: proc("publish")["records_out"],
}
for why, n in proc("ingest")["dead_letters"].items():
    want['tdapipe_dead_letters_total{instance="%s",reason="%s"}' % (inst, why)] = n
for sc in ("count", "tick"):
    want['tdapipe_windows_total{instance="%s",scale="%s"}' % (inst, sc)] = proc("scaled", sc)["windows"]
    want['tdapipe_scale_points_total{instance="%s",scale="%s"}' % (inst, sc)] = proc("scaled", sc)["records_in"]
    want['tdapipe_compute_seconds_count{instance="%s",scale="%s"}' % (inst, sc)] = proc("scaled", sc)["windows"]
for r in s["rings"]:
    want['tdapipe_ring_pushed_total{instance="%s",scale="%s",ring="%s"}' % (inst, r["scale"], r["ring"])] = r["pushed"]
for t, n in proc("scaled", "count")["events"].items():
    want['tdapipe_events_total{instance="%s",scale="count",type="%s"}' % (inst, t)] = n
deadline, got = time.time() + 30, {}
while time.time() < deadline:
    got = {e: [float(x["value"][1]) for x in query(e)] for e in want}
    if all(got[e] == [float(v)] for e, v in want.items()):
        break
    time.sleep(0.5)
bad = [(e, got.get(e), v) for e, v in want.items() if got.get(e) != [float(v)]]
for e, g, v in bad:
    print("FAIL: Prometheus %s = %s, stats %s" % (e, g, v), file=sys.stderr)
if bad:
    sys.exit(1)
print("# Prometheus reached the stats values of %d series" % len(want))

# every panel query of the dashboard, once rates have samples to go by
deadline = time.time() + 30
while time.time() < deadline and not query('count_over_time(tdapipe_supervisor_up{instance="%s"}[30s]) >= 5' % inst):
    time.sleep(0.5)
d = json.load(open(dash))
exprs = [(p["title"], t["expr"]) for p in d["panels"] if p.get("type") != "row" for t in p.get("targets", [])]
empty = []
for title, expr in exprs:
    q = expr.replace("$instance", ".*").replace("$__rate_interval", "30s")
    if not re.search(r"\btdapipe_[a-z_]+", q):
        empty.append("%s: no tdapipe metric in %s" % (title, expr))
    elif not query(q):
        empty.append("%s: %s" % (title, q))
for e in empty:
    print("FAIL: panel query returned nothing: " + e, file=sys.stderr)
if empty or len(exprs) < 20:
    sys.exit(1)
print("# all %d panel queries returned data" % len(exprs))
EOF

kill "$(cat "$T/feeder.pid")" 2>/dev/null || true
kill -TERM "$(cat "$T/run.pid")" "$(cat "$T/krun.pid")"
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "drained run exited $RUN_RC"; }
kpid=$(cat "$T/krun.pid")
wait_for 30 sh -c "! kill -0 $kpid" || die "the Kafka run did not stop on SIGTERM"
set +e
wait "$kpid"
krc=$?
set -e
rm -f "$T/krun.pid"
[ "$krc" -eq 0 ] || { cat "$T/krun.err" >&2; die "the drained Kafka run exited $krc"; }
stop_mock mock
echo "ok"
