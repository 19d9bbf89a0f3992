#!/bin/sh
# extra_keys: JSON Lines as collectors write them (tags, units, nested
# fields beside stream, t and v).  With `extra: ignore` the results equal
# those of the same points without the extra keys; by default every such
# record is a dead letter "unknown key", and a run of nothing else exits 1.
. "$(dirname "$0")/../lib.sh"
"$PY" - "$T" <<'PY'
import json, random, sys
T = sys.argv[1]
r = random.Random(6)
plain, tagged = [], []
for i in range(3000):
    s = "s%d" % (i % 3)
    v = round(r.gauss(0, 1) + i % 17 * 0.1, 6)
    plain.append(json.dumps({"stream": s, "t": i, "v": v}))
    rec = {"host": "node-%d" % (i % 5), "stream": s, "unit": "degC",
           "tags": {"site": "plant", "rack": [1, 2.5e3, {"ok": True, "x": None}]}, "t": i, "v": v}
    tagged.append(json.dumps(rec))
open(T + "/plain.jsonl", "w").write("\n".join(plain) + "\n")
open(T + "/tagged.jsonl", "w").write("\n".join(tagged) + "\n")
PY
SCALES="scales:
  - {name: lev, complex: sublevel, window: 50, slide: 10}"
write_config "$T/plain.yaml" "{type: file, path: $T/plain.jsonl, format: jsonl}" "$T/plain.out"
write_config "$T/ignore.yaml" "{type: file, path: $T/tagged.jsonl, format: jsonl, extra: ignore}" "$T/ignore.out"
write_config "$T/strict.yaml" "{type: file, path: $T/tagged.jsonl, format: jsonl}" "$T/strict.out"
run_ok "$T/plain.yaml" 30 "plain run"
run_ok "$T/ignore.yaml" 30 "extra: ignore run"
[ ! -s "$T/ignore.out.dead" ] || die "dead letters with extra: ignore: $(head -n 2 "$T/ignore.out.dead")"
cmp -s "$T/plain.out" "$T/ignore.out" || die "extra: ignore changed the results"
start_run "$T/strict.yaml"
wait_run 30
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "strict run: exit $RUN_RC, expected 1"; }
[ "$(count_lines "$T/strict.out.dead")" -eq 3000 ] || die "strict: $(count_lines "$T/strict.out.dead") dead letters"
grep -q 'unknown key \\"host\\"' "$T/strict.out.dead" || die "strict: no unknown-key reason: $(head -n 1 "$T/strict.out.dead")"
note "$(count_lines "$T/ignore.out") results with extra: ignore, as without the keys; 3000 dead letters by default"
