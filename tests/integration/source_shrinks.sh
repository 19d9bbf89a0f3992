#!/bin/sh
# source_shrinks: a source file truncated while being read (issue 16,
# defect 8; before: exit 0 and no word of it).
#
# The only scale's worker is held back (a wrapper waits for a file before
# it execs the worker) so that its ring fills and ingest waits (overflow:
# block) early in a 27 MB file; the file is then truncated to 5,000,003
# bytes, in the middle of a line, and the worker let go.  Ingest reads to the new end and logs that the file shrank;
# the fragment of the cut line is one dead letter saying so, not a point;
# the run publishes what was read and exits 1, its last line saying why.
. "$(dirname "$0")/../lib.sh"
"$PY" -c "
with open('$T/big.csv', 'w') as f:
    for i in range(3000000): f.write('%d.%06d\n' % (i % 97, i % 7))
"
[ "$(wc -c <"$T/big.csv")" -gt 20000000 ] || die "the input is too small"
SCALES="scales:
  - {name: s, complex: sublevel, window: 1000, slide: 1000, ring: 1024}"
write_config "$T/c.yaml" "{type: file, path: $T/big.csv, format: csv}" "$T/out.jsonl"
mkdir "$T/libexec"
ln -s "$BIN/tdapipe-ingest" "$BIN/tdapipe-publish" "$T/libexec/"
cat >"$T/libexec/tdapipe-scaled" <<EOS
#!/bin/sh
i=0
while [ ! -f "$T/go" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done
exec "$BIN/tdapipe-scaled" "\$@"
EOS
chmod +x "$T/libexec/tdapipe-scaled"
export TDAPIPE_LIBEXEC="$T/libexec"
start_run "$T/c.yaml"
# ingest is blocked once the ring is full and nothing takes from it
wait_stats 20 "ring(s, 'in', 's')['used'] == ring(s, 'in', 's')['capacity']"
truncate -s 5000003 "$T/big.csv"
touch "$T/go"
wait_run 60
[ "$RUN_RC" -eq 1 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC, not 1"; }
grep -q "shrank to 5000003 bytes while being read" "$T/run.err" || die "ingest did not say: $(cat "$T/run.err")"
tail -n 1 "$T/run.err" | grep -q "but the source file shrank to 5000003 bytes" ||
	die "the last line does not say: $(tail -n 1 "$T/run.err")"
[ "$(count_lines "$T/out.jsonl.dead")" -eq 1 ] || die "dead letters: $(cat "$T/out.jsonl.dead")"
grep -q '"reason":"the file shrank while being read inside a record' "$T/out.jsonl.dead" ||
	die "dead letter: $(cat "$T/out.jsonl.dead")"
# every whole line before the cut became a point, and nothing else
lines=$(head -c 5000003 "$T/big.csv" | wc -l)
"$PY" - "$T/out.jsonl" "$lines" <<'EOP' || die "results"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
want = int(sys.argv[2]) // 1000
if len(rs) != want:
    raise SystemExit("%d results, expected %d (whole windows of %s points)" % (len(rs), want, sys.argv[2]))
EOP
echo "ok: shrinking source reported, fragment dead-lettered, exit 1"
