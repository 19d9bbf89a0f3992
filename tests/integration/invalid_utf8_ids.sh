#!/bin/sh
# invalid_utf8_ids: a stream id is text (issue 16, defect 7).  Records whose
# stream id is not valid UTF-8 ("\xff") are dead letters, never merged
# with the id their escaped form would read as ("\xc3\xbf", "ÿ"), and each
# dead letter keeps the record's bytes exactly (record_base64).  CSV and
# JSON Lines, through the real pipeline.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
"$PY" - "$T" <<'EOF2'
import sys
T = sys.argv[1]
with open(T + "/in.jsonl", "wb") as f:
    for i in range(20):
        sid = b"\xc3\xbf" if i % 2 == 0 else b"\xff"
        f.write(b'{"stream":"' + sid + b'","v":%d}\n' % i)
with open(T + "/in.csv", "wb") as f:
    for i in range(20):
        f.write((b"\xc3\xbf" if i % 2 == 0 else b"x\xfe") + b",%d\n" % i)
EOF2
SCALES="scales:
  - {name: a, complex: sublevel, window: 5, slide: 5}"
write_config "$T/j.yaml" "{type: file, path: $T/in.jsonl, format: jsonl}" "$T/j.out"
run_ok "$T/j.yaml" 30 "jsonl run"
write_config "$T/c.yaml" "{type: file, path: $T/in.csv, format: csv, stream_column: 0}" "$T/c.out"
run_ok "$T/c.yaml" 30 "csv run"
"$PY" - "$HERE" "$T" <<'EOF2'
import base64, json, sys
sys.path.insert(0, sys.argv[1])
from tdpres import *
T = sys.argv[2]
for fmt, bad, name in (("j", b"\xff", "jsonl"), ("c", b"x\xfe", "csv")):
    res = [r for raw, r in read_jsonl(T + "/%s.out" % fmt)]
    expect([r["stream"] for r in res] == ["\u00ff", "\u00ff"], "%s: results %s" % (name, [r["stream"] for r in res]))
    expect(all(r["n"] == 5 for r in res), "%s: a window held points of the invalid id" % name)
    lines = open(T + "/%s.%s" % ("in", "jsonl" if fmt == "j" else "csv"), "rb").read().split(b"\n")
    dl = [json.loads(l) for l in open(T + "/%s.out.dead" % fmt, encoding="utf-8")]
    expect(len(dl) == 10, "%s: %d dead letters, expected 10" % (name, len(dl)))
    for k, d in enumerate(dl):
        expect(d["reason"].startswith("stream id is not valid UTF-8"), "%s: reason %r" % (name, d["reason"]))
        expect(base64.b64decode(d["record_base64"]) == lines[2 * k + 1],
               "%s: dead letter %d does not hold the record's bytes: %r" % (name, k, d.get("record_base64")))
print("# jsonl and csv: the valid id's 10 points in 2 windows, the 10 others dead letters with their exact bytes")
EOF2
echo ok
