#!/bin/sh
# output_paths: the supervisor empties the sink and dead-letter files at
# start, so it must never empty anything else (issue 16, defect 5).
#  - An output path that is a symbolic link (planted by someone else) is
#    refused: exit 100, the link's target untouched.
#  - An output that is the source under another name ("./in.csv" for
#    "in.csv", a hard link) is refused at load, by device and inode: exit
#    100 from run and check-config, the source untouched.
#  - The same for the events file; one in a directory that does not
#    exist: exit 111 at start, naming it, before any output is emptied.
. "$(dirname "$0")/../lib.sh"
cd "$T"
seq 1 100 >in.csv
echo "precious" >victim.txt
cat >base.yaml <<EOC
instance: $INSTANCE
source: {type: file, path: in.csv, format: csv}
scales:
  - {name: a, complex: sublevel, window: 10, slide: 10}
EOC
# expect_refused NAME SINK DEAD WHAT: run and check-config must both refuse
expect_refused() {
	{ cat base.yaml; echo "sink: {type: file, path: $2}"; echo "dead_letter: {type: file, path: $3}"; } >"$1.yaml"
	set +e
	"$TDAPIPE" run --fresh -c "$1.yaml" >"$1.out" 2>"$1.err"
	rc=$?
	set -e
	[ "$rc" -eq 100 ] || { cat "$1.err" >&2; die "$1: run exited $rc, expected 100"; }
	grep -q -- "$4" "$1.err" || { cat "$1.err" >&2; die "$1: no message \"$4\""; }
	cmp -s in.csv "$T/in.copy" || die "$1: the source was changed"
	[ "$(cat victim.txt)" = precious ] || die "$1: the link's target was truncated"
}
cp in.csv "$T/in.copy"
ln -s victim.txt sink-link.jsonl
ln -s victim.txt dead-link.jsonl
expect_refused sinklink sink-link.jsonl dead.jsonl "sink-link.jsonl: a symbolic link: outputs are not written through one"
expect_refused deadlink out.jsonl dead-link.jsonl "dead-link.jsonl: a symbolic link: outputs are not written through one"
expect_refused dotslash out.jsonl ./in.csv "dead_letter.path: expected a file other than source.path"
ln in.csv hard.csv
expect_refused hardlink hard.csv dead.jsonl "sink.path: expected a file other than source.path"
"$TDAPIPE" check-config hardlink.yaml >/dev/null 2>&1 && die "check-config accepted a sink that is the source"
# The events file (issue 20): a link refused like the sink's, the
# victim untouched; a directory that does not exist fails at start
# (exit 111) naming the file, before any process starts or any output is
# emptied.
events_run() { # NAME EVENTS-PATH
	{ cat base.yaml | sed 's/slide: 10}/slide: 10, track: {min_persistence: 0}}/'
	  echo "sink: {type: file, path: out.jsonl}"; echo "dead_letter: {type: file, path: dead.jsonl}"
	  echo "events: {type: file, path: $2}"; } >"$1.yaml"
	set +e
	"$TDAPIPE" run --fresh -c "$1.yaml" >"$1.out" 2>"$1.err"
	rc=$?
	set -e
}
ln -s victim.txt events-link.jsonl
events_run evlink events-link.jsonl
[ "$rc" -eq 100 ] || { cat evlink.err >&2; die "an events link: run exited $rc, expected 100"; }
grep -q "events-link.jsonl: a symbolic link" evlink.err || die "evlink: no message: $(cat evlink.err)"
[ "$(cat victim.txt)" = precious ] || die "the events link's target was truncated"
echo "an earlier run's" >out.jsonl
events_run evdir nodir/events.jsonl
[ "$rc" -eq 111 ] || { cat evdir.err >&2; die "events in a missing directory: run exited $rc, expected 111"; }
grep -q "nodir/events.jsonl: no such directory: nodir" evdir.err || die "evdir: no message: $(cat evdir.err)"
grep -q "tdapipe-" evdir.err && die "evdir: processes started: $(cat evdir.err)"
[ "$(cat out.jsonl)" = "an earlier run's" ] || die "evdir: the sink was emptied before the run failed"
# and a plain run still works
{ cat base.yaml; echo "sink: {type: file, path: out.jsonl}"; echo "dead_letter: {type: file, path: dead.jsonl}"; } >ok.yaml
run_ok "$T/ok.yaml" 30
[ "$(wc -l <out.jsonl)" -eq 10 ] || die "the plain run wrote $(wc -l <out.jsonl) results, expected 10"
echo ok
