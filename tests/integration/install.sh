#!/bin/sh
# make install honours PREFIX and DESTDIR: binaries, man pages, configs, and
# the installed tdapipe finds its helper programs next to itself.
. "$(dirname "$0")/../lib.sh"
cd "$TDP_ROOT"
make --no-print-directory -s install PREFIX=/opt/tdp DESTDIR="$T/root" BUILD="$BUILD" BIN="$BIN" >"$T/install.log" 2>&1 \
	|| { cat "$T/install.log"; die "make install failed"; }
R=$T/root/opt/tdp
for f in bin/tdapipe bin/tdapipe-ingest bin/tdapipe-scaled bin/tdapipe-publish bin/tdapipe-chaos \
	 share/man/man1/tdapipe-chaos.1 share/man/man1/tdapipe-kafka-mock.1 share/man/man1/tdapipe.1 share/man/man1/tdapipe-run.1 share/man/man1/tdapipe-stats.1 \
	 share/man/man5/tdapipe.yaml.5 share/man/man5/tdapipe-results.5 share/tdapipe/demo.yaml \
	 lib/systemd/system/tdapipe@.service; do
	[ -e "$R/$f" ] || die "missing $f after install"
done
[ -x "$R/bin/tdapipe-scaled" ] || die "tdapipe-scaled not executable"
# the installed chaos finds the installed tdapipe next to itself
set +e
"$R/bin/tdapipe-chaos" --instance "t$$nosuch" >/dev/null 2>"$T/chaos.err"
rc=$?
set -e
[ "$rc" -eq 111 ] && grep -q "is not running" "$T/chaos.err" ||
	die "installed tdapipe-chaos on a missing instance exited $rc: $(cat "$T/chaos.err")"
# the installed supervisor runs a pipeline with the installed helpers
printf '1\n2\n3\n4\n' >"$T/in.csv"
cat >"$T/c.yaml" <<EOC
instance: $INSTANCE
source: {type: file, path: $T/in.csv}
sink: {type: file, path: $T/out.jsonl}
dead_letter: {type: file, path: $T/dead.jsonl}
scales:
  - {name: s, complex: sublevel, window: 2, slide: 2}
EOC
"$R/bin/tdapipe" run --fresh -c "$T/c.yaml" 2>"$T/err" || { cat "$T/err"; die "installed tdapipe run failed"; }
[ "$(count_lines "$T/out.jsonl")" = 2 ] || die "expected 2 results, got $(count_lines "$T/out.jsonl")"
echo "install ok"
