#!/bin/sh
# field_paths: JSON Lines in Telegraf's shape ({"name", "tags": {"host"},
# "fields": {...}, "timestamp"}) and msgpack with nested maps, read with
# stream: tags.host, time: timestamp, values: [fields.usage, fields.temp]
# and extra: ignore, give exactly the results of the same points written
# plainly as {"stream", "t", "v": [..]}; a record whose fields.temp is
# missing or null is a dead letter naming it, and with extra: dead_letter
# a key on no configured path is refused (test_decode_jsonl checks that a
# nested one is named by its path).
. "$(dirname "$0")/../lib.sh"
"$PY" - "$T" <<'PY'
import json, random, sys
import msgpack
T = sys.argv[1]
r = random.Random(7)
plain, tele, packed = [], [], b""
for i in range(1500):
    host = "host-%d" % (i % 3)
    u, c = round(r.gauss(50, 10), 4), round(r.gauss(40, 1), 3)
    plain.append(json.dumps({"stream": host, "t": 1700000000 + i, "v": [u, c]}))
    rec = {"name": "cpu", "tags": {"host": host, "cpu": "cpu-total", "dc": {"rack": i % 4}},
           "fields": {"usage": u, "idle": 100 - u, "temp": c}, "timestamp": 1700000000 + i}
    tele.append(json.dumps(rec))
    packed += msgpack.packb({"fields": {"temp": c, "usage": u}, "timestamp": 1700000000 + i,
                             "tags": {"host": host, "unit": "%"}}, use_bin_type=True)
bad = [{"tags": {"host": "host-0"}, "fields": {"usage": 1.0}, "timestamp": 1700009999},
       {"tags": {"host": "host-0"}, "fields": {"usage": 1.0, "temp": None}, "timestamp": 1700009999}]
open(T + "/plain.jsonl", "w").write("\n".join(plain) + "\n")
open(T + "/tele.jsonl", "w").write("\n".join(tele + [json.dumps(b) for b in bad]) + "\n")
open(T + "/nested.msgpack", "wb").write(packed + b"".join(msgpack.packb(b) for b in bad))
PY
SCALES="scales:
  - {name: cloud, complex: rips, window: 40, slide: 20}"
FIELDS="stream: tags.host, time: timestamp, values: [fields.usage, fields.temp]"
write_config "$T/plain.yaml" "{type: file, path: $T/plain.jsonl, format: jsonl}" "$T/plain.out"
write_config "$T/tele.yaml" "{type: file, path: $T/tele.jsonl, format: jsonl, extra: ignore, $FIELDS}" "$T/tele.out"
write_config "$T/mp.yaml" "{type: file, path: $T/nested.msgpack, format: msgpack, extra: ignore, $FIELDS}" "$T/mp.out"
write_config "$T/strict.yaml" "{type: file, path: $T/tele.jsonl, format: jsonl, $FIELDS}" "$T/strict.out"
run_ok "$T/plain.yaml" 20 "plain run"
for c in tele mp; do
	run_ok "$T/$c.yaml" 20 "$c run"
	cmp -s "$T/plain.out" "$T/$c.out" || die "$c: results differ from the plain records'"
	[ "$(count_lines "$T/$c.out.dead")" -eq 2 ] || die "$c: dead letters: $(cat "$T/$c.out.dead")"
	[ "$(count_lines "$T/$c.out.dead" 'no value for \\"fields.temp\\"')" -eq 2 ] ||
		die "$c: reasons: $(cat "$T/$c.out.dead")"
done
start_run "$T/strict.yaml"
wait_run 20
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "strict run: exit $RUN_RC, expected 1"; }
grep -q 'unknown key \\"name\\"' "$T/strict.out.dead" || die "strict: $(head -n 1 "$T/strict.out.dead")"
note "$(count_lines "$T/plain.out") results from Telegraf-shaped jsonl and nested msgpack equal the plain records'"
