#!/bin/sh
# live_page: the exporter's live page (GET /, issue 26) in a real
# browser while a pipeline runs.
#
# Two streams through a scoring sublevel scale and a Rips scale with H0
# and H1, fed through a FIFO so the run stays up; then headless Chromium
# loads http://127.0.0.1:PORT/ (--dump-dom, after the page's polls of
# /v1/latest have drawn), and:
# - every stream and scale of the run has its card (data-stream,
#   data-scale), and only those;
# - each card's diagram has one mark (class "iv hD") per interval of the
#   result of the window it shows (data-window), per dimension, looked up
#   in the results file; that window is one GET /v1/latest gave during the
#   load (the race with new windows is allowed for by taking every answer
#   fetched before and after);
# - /v1/latest agrees with the results file: the diagrams of its window,
#   and its series the last windows in order, anomalies where the events
#   file has them;
# - the page names no external script, stylesheet or font;
# - a screenshot is kept (live_page.png in the test's log directory).
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skip: no chromium (Debian package chromium)"; exit 77; }
ART=$BUILD/test-logs
mkdir -p "$ART"

"$PY" - "$T" <<'EOF_PY'
import math, random, sys
r = random.Random(7)
with open(sys.argv[1] + "/in.csv", "w") as f:
    for i in range(30000):
        for s in ("left", "right"):
            k = i + (0 if s == "left" else 500)
            v = math.sin(k * 0.1) if (k // 3000) % 2 == 0 else 2 * r.random() - 1
            f.write("%s,%r\n" % (s, round(v + r.gauss(0, 0.05), 3)))
EOF_PY
split -n l/3 "$T/in.csv" "$T/part."

started=false
for try in 1 2 3; do
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	cat >"$T/live.yaml" <<EOC
instance: $INSTANCE
source: {type: stdin, format: csv, stream_column: 0}
sink: {type: file, path: $T/results.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
events: {type: file, path: $T/events.jsonl}
metrics: {listen: "127.0.0.1:$PORT", streams: 10}
scales:
  - {name: lev, complex: sublevel, window: 100, slide: 25, anomaly: {signal: total, history: 6, threshold: 2}}
  - {name: loop, complex: rips, window: 60, slide: 60, dims: [0, 1], embed: {dim: 2, lag: 8}}
EOC
	start_run_fifo "$T/live.yaml"
	if wait_for 10 grep -q "serving http://127.0.0.1:$PORT/metrics" "$T/run.err"; then
		started=true
		break
	fi
	close_input
	wait_run 20 || true
done
$started || { cat "$T/run.err" >&2; die "the exporter never served"; }

# The page is served and self-contained.
curl -sf "$URL/" >"$T/page.html" || die "GET / failed"
grep -q '<svg\|createElementNS' "$T/page.html" || die "GET / is not the page"
bad=$(grep -Eio '<script[^>]+src=[^>]*>|<link[^>]*>|@import[^;]*|url\([^)]*\)|https?://[^"'"'"' )]*' "$T/page.html" |
	grep -v '^http://www.w3.org/2000/svg$' || true)
[ -z "$bad" ] || die "the page loads something from outside: $bad"

# Feed a part, let windows be published, then load the page while more
# arrive.
feed "$T/part.aa"
wait_for 20 sh -c "curl -sf $URL/v1/latest | grep -q '\"scale\":\"loop\"'" || die "/v1/latest never had the loop scale"
close_feed() { wait_for 20 sh -c "! kill -0 $(cat "$T/feed.pid")" || die "feeding stalled"; rm -f "$T/feed.pid"; }
close_feed
feed "$T/part.ab"
i=0
( while [ ! -f "$T/stop.poll" ]; do
	i=$((i + 1)); curl -sf "$URL/v1/latest" >"$T/latest.$i.json" || true; sleep 0.2
  done ) &
echo $! >"$T/poll.pid"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom "$URL/" \
	>"$T/dom.html" 2>"$T/chromium.err" || { tail -n 20 "$T/chromium.err" >&2; die "chromium --dump-dom failed"; }
"$CHROMIUM" --headless --no-sandbox --disable-gpu --virtual-time-budget=3000 --window-size=1300,900 \
	--screenshot="$ART/live_page.png" "$URL/" >/dev/null 2>&1 || note "no screenshot: chromium --screenshot failed"
touch "$T/stop.poll"
wait "$(cat "$T/poll.pid")" 2>/dev/null || true
close_feed
feed "$T/part.ac"
close_input 60
wait_run 60
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }

"$PY" - "$T" <<'EOF_PY' || die "the page does not show the latest results"
import glob, html.parser, json, sys
T = sys.argv[1]
res = {}
for line in open(T + "/results.jsonl"):
    r = json.loads(line)
    res[(r["stream"], r["scale"], r["window"])] = r
anomalies = {(e["stream"], e["scale"], e["window"]) for e in map(json.loads, open(T + "/events.jsonl"))
             if e["type"] == "anomaly"}
keys = {(s, c) for s, c, _ in res}

class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cards, self.cur, self.updates = [], None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.updates = a.get("data-updates")
        if tag == "section" and "data-stream" in a:
            self.cur = {"stream": a["data-stream"], "scale": a["data-scale"], "window": int(a["data-window"]),
                        "marks": {}}
            self.cards.append(self.cur)
        cls = a.get("class", "").split()
        if tag == "circle" and self.cur is not None and "iv" in cls:
            d = [c[1:] for c in cls if c.startswith("h")][0]
            self.cur["marks"][d] = self.cur["marks"].get(d, 0) + 1

dom = Dom()
dom.feed(open(T + "/dom.html").read())
if not dom.updates:
    sys.exit("the page never drew /v1/latest (no data-updates on body)")
shown = {(c["stream"], c["scale"]) for c in dom.cards}
if shown != keys:
    sys.exit("cards for %s, the run has %s" % (sorted(shown), sorted(keys)))
answers = []
for f in sorted(glob.glob(T + "/latest.*.json")):
    try:
        answers.append(json.load(open(f)))
    except ValueError:
        pass   # cut by the end of the poll
if not answers:
    sys.exit("no answer of /v1/latest during the load")
served = {(e["stream"], e["scale"], e["window"]) for a in answers for e in a["entries"]}
for c in dom.cards:
    k = (c["stream"], c["scale"], c["window"])
    if k not in res:
        sys.exit("card %s/%s shows window %d, not in the results" % k)
    want = {d: len(iv) for d, iv in res[k]["diagrams"].items() if iv}
    if c["marks"] != want:
        sys.exit("card %s/%s window %d: marks %r, the result has %r" % (k + (c["marks"], want)))
    if k not in served and not any(k[:2] == s[:2] and s[2] < k[2] for s in served):
        sys.exit("card %s/%s window %d: no /v1/latest of the load showed it or an earlier one" % k)
drawn = set()
for a in answers:
    for e in a["entries"]:
        k = (e["stream"], e["scale"], e["window"])
        if e["diagrams"] is None:
            continue   # the file had no result of it yet when the tail was read (at the start)
        drawn.add(k[:2])
        if k not in res or e["diagrams"] != res[k]["diagrams"]:
            sys.exit("/v1/latest %s/%s window %d: diagrams differ from the results file" % k)
        ws = [w["window"] for w in e["series"]]
        # the series comes from the file's tail, which may lag the segment's window by a poll
        # (and is empty until the tail holds a result of it)
        if ws and (ws[-1] > e["window"] or ws != sorted(ws) or len(ws) > a["history"]):
            sys.exit("/v1/latest %s/%s: series windows %r" % (k[:2] + (ws[-5:],)))
        for w in e["series"]:
            kk = (e["stream"], e["scale"], w["window"])
            if w["score"] != res[kk].get("score"):
                sys.exit("/v1/latest %s/%s window %d: score %r, result %r" % (kk + (w["score"], res[kk].get("score"))))
            if w["anomaly"] and kk not in anomalies:
                sys.exit("/v1/latest %s/%s window %d: an anomaly the events file lacks" % kk)
if not any(e["series"] for a in answers for e in a["entries"]):
    sys.exit("/v1/latest never served a series")
if drawn != keys:
    sys.exit("/v1/latest never served a diagram of %s" % sorted(keys - drawn))
print("# %d cards, %d answers of /v1/latest, %d results, %d anomalies" % (
    len(dom.cards), len(answers), len(res), len(anomalies)))
EOF_PY
note "the page drew every stream and scale with one mark per interval; screenshot: $ART/live_page.png"
