#!/bin/sh
# live_latest_any_sink: GET /v1/latest serves each stream's latest diagram
# whatever the sink (here standard output, which the exporter cannot
# read back): publish keeps it in the segment beside the latest result.
# A window with more intervals than are kept (TDP_LATEST_INTERVALS, 256)
# is served "truncated", with the most persistent of its intervals; the
# others whole, equal to the published result of that window.  The
# series (last windows' end and total persistence) comes from the segment
# too, equal to the published results'.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
"$PY" - "$T" <<'EOF_PY'
import random, sys
r = random.Random(3)
x = {"s1": 0.0, "s2": 0.0}
with open(sys.argv[1] + "/in.csv", "w") as f:
    for i in range(40000):
        for s in ("s1", "s2"):
            x[s] = round(x[s] + r.gauss(0, 1), 3)
            f.write("%s,%r\n" % (s, x[s]))
EOF_PY
started=false
for try in 1 2 3; do
	PORT=$(free_port)
	cat >"$T/c.yaml" <<EOC
instance: $INSTANCE
source: {type: stdin, format: csv, stream_column: 0}
sink: {type: stdout}
dead_letter: {type: file, path: $T/dead.jsonl}
metrics: {listen: "127.0.0.1:$PORT"}
scales:
  - {name: small, complex: sublevel, window: 100, slide: 50}
  - {name: big, complex: sublevel, window: 3000, slide: 1000}
EOC
	start_run_fifo "$T/c.yaml"
	if wait_for 10 grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/run.err"; then
		started=true
		break
	fi
	close_input
	wait_run 10
done
$started || die "the exporter did not start"
feed "$T/in.csv"
# Let the feed finish, then ask while the run is still up (stdin open).
wait_for 30 sh -c "[ \$(grep -c '\"scale\":\"big\"' '$T/run.out') -ge 76 ]" || die "the results did not come"
sleep 0.5
curl -fsS "http://127.0.0.1:$PORT/v1/latest" >"$T/latest.json" || die "GET /v1/latest failed"
close_input
wait_run 30
[ "$RUN_RC" -eq 0 ] || { tail -n 5 "$T/run.err" >&2; die "the run exited $RUN_RC"; }
"$PY" - "$T" <<'EOF_PY' || exit 1
import json, math, sys
T = sys.argv[1]
res = {}
for line in open(T + "/run.out"):
    r = json.loads(line)
    res[(r["stream"], r["scale"], r["window"])] = r
a = json.load(open(T + "/latest.json"))
if a["source"] is not None:
    sys.exit("FAIL: a source file for a stdout sink: %r" % a["source"])
seen = set()
for e in a["entries"]:
    k = (e["stream"], e["scale"], e["window"])
    r = res.get(k)
    if r is None or e["diagrams"] is None:
        sys.exit("FAIL: %s/%s window %d: no diagram, or not a published window" % k)
    got, want = e["diagrams"]["0"], r["diagrams"]["0"]
    pers = lambda iv: math.inf if iv[1] is None else iv[1] - iv[0]
    if len(want) <= 256:
        if e["truncated"] or got != want:
            sys.exit("FAIL: %s/%s window %d: the diagram differs from the published one" % k)
    else:
        if not e["truncated"] or len(got) != 256:
            sys.exit("FAIL: %s/%s window %d: %d intervals of %d, truncated %r" % (k + (len(got), len(want), e["truncated"])))
        floor = sorted((pers(iv) for iv in want), reverse=True)[255]
        if any(pers(iv) < floor for iv in got) or sum(pers(iv) > floor for iv in want) > 256:
            sys.exit("FAIL: %s/%s window %d: not the most persistent intervals" % k)
        it = iter(want)
        if not all(any(iv == w for w in it) for iv in got):
            sys.exit("FAIL: %s/%s window %d: kept intervals not in the result's order" % k)
    ws = [p["window"] for p in e["series"]]
    if not ws or ws[-1] != e["window"] or ws != list(range(ws[0], ws[0] + len(ws))) or len(ws) > a["history"]:
        sys.exit("FAIL: %s/%s: series windows %r" % (k[:2] + (ws[-5:],)))
    for p in e["series"]:
        rr = res[(e["stream"], e["scale"], p["window"])]
        tot = sum(iv[1] - iv[0] for iv in rr["diagrams"]["0"] if iv[1] is not None)
        if p["end"] != rr["end"] or abs(p["total"]["0"] - tot) > 1e-9 * max(1.0, abs(tot)) or p["anomaly"]:
            sys.exit("FAIL: %s/%s window %d: series point %r, result end %r total %r" % (k[:2] + (p["window"], p, rr["end"], tot)))
    seen.add(k[:2])
want_keys = {(s, c) for s in ("s1", "s2") for c in ("small", "big")}
if seen != want_keys:
    sys.exit("FAIL: entries for %s, expected %s" % (sorted(seen), sorted(want_keys)))
big = [e for e in a["entries"] if e["scale"] == "big"]
print("# stdout sink: 4 latest diagrams served; big windows %s of %s intervals (truncated to the most persistent)" % (
    [len(e["diagrams"]["0"]) for e in big], [len(res[(e["stream"], "big", e["window"])]["diagrams"]["0"]) for e in big]))
EOF_PY
