#!/bin/sh
# check_config_cli: `tdapipe check-config` and the command line.
#
# The demo config checks out (exit 0, a summary naming its scales); bad
# configs (unknown key, wrong type, missing window, YAML syntax error,
# missing file) exit 100 with FILE:LINE:COL at the offending place;
# `tdapipe run -c BAD` exits 100 too, before creating anything; the --help
# of every command exits 0 and prints a usage; an unknown command, a
# missing argument and an unknown option exit 100.
. "$(dirname "$0")/../lib.sh"

# expect_rc RC OUTFILE CMD...: run CMD (stdout+stderr to OUTFILE), check RC
expect_rc() {
	want=$1 out=$2
	shift 2
	set +e
	"$@" >"$out" 2>&1
	got=$?
	set -e
	[ "$got" -eq "$want" ] || die "'$*' exited $got, expected $want: $(head -c 600 "$out")"
}

cd "$TDP_ROOT"
expect_rc 0 "$T/demo.out" "$TDAPIPE" check-config config/demo.yaml
for s in fast cloud delay; do
	grep -q "$s" "$T/demo.out" || die "check-config summary lacks scale $s: $(cat "$T/demo.out")"
done
[ -f config/example-full.yaml ] && expect_rc 0 "$T/full.out" "$TDAPIPE" check-config config/example-full.yaml

# bad NAME LINE NEEDLE WORD TEXT: TEXT must be refused at NAME:LINE:COL,
# COL being where NEEDLE starts on line LINE, with WORD in the message (by
# check-config, and by run).
bad() {
	name=$1 line=$2 needle=$3 word=$4
	printf '%s' "$5" >"$T/$name.yaml"
	col=$(sed -n "${line}p" "$T/$name.yaml" | awk -v n="$needle" '{ print index($0, n) }')
	[ "$col" -gt 0 ] || die "$name: test bug: \"$needle\" not on line $line"
	expect_rc 100 "$T/$name.out" "$TDAPIPE" check-config "$T/$name.yaml"
	head -n 1 "$T/$name.out" | grep -q "^$T/$name.yaml:$line:$col: " ||
		die "$name: expected $T/$name.yaml:$line:$col: ..., got: $(cat "$T/$name.out")"
	grep -q -- "$word" "$T/$name.out" || die "$name: no \"$word\" in: $(cat "$T/$name.out")"
	[ "$(wc -l <"$T/$name.out")" -eq 1 ] || die "$name: more than one line: $(cat "$T/$name.out")"
	expect_rc 100 "$T/$name.run" "$TDAPIPE" run --fresh -c "$T/$name.yaml"
	grep -q "^$T/$name.yaml:$line:$col: " "$T/$name.run" || die "$name: run said: $(cat "$T/$name.run")"
	[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "$name: run created a segment for a bad config"
}

HEAD="instance: $INSTANCE
source: {type: file, path: $T/in.csv}
sink: {type: file, path: $T/out.jsonl}
"
bad unknown_key 5 "colour" "scales\[0\].colour: unknown key" "${HEAD}scales:
  - {name: a, complex: rips, window: 10, slide: 5, colour: red}
"
bad unknown_key_block 7 "windw" "scales\[0\].windw: unknown key" "${HEAD}scales:
  - name: a
    complex: rips
    windw: 10
    window: 10
    slide: 5
"
bad wrong_type 5 "ten" "scales\[0\].window: expected" "${HEAD}scales:
  - {name: a, complex: rips, window: ten, slide: 5}
"
bad negative 6 "-3" "scales\[1\].window: expected" "${HEAD}scales:
  - {name: a, complex: rips, window: 3, slide: 5}
  - {name: b, complex: rips, window: -3, slide: 5}
"
bad quoted_number 5 '"30"' "scales\[0\].slide: expected" "${HEAD}scales:
  - {name: a, complex: rips, window: 10, slide: \"30\"}
"
bad missing_window 5 "{" "missing required key \"window\"" "${HEAD}scales:
  - {name: a, complex: rips, slide: 5}
"
bad mapping_for_number 5 "{x" "got a mapping" "${HEAD}scales:
  - {name: a, complex: rips, window: 10, slide: {x: 1}}
"
bad top_level_typo 4 "scale:" "scale: unknown key" "${HEAD}scale:
  - {name: a, complex: rips, window: 10, slide: 5}
"
bad bad_enum 2 "kafkaa" "source.type: expected" "instance: $INSTANCE
source: {type: kafkaa, path: $T/in.csv}
scales:
  - {name: a, complex: rips, window: 10, slide: 5}
"
bad duplicate 8 "window: 20" "duplicate key (first given at line 7)" "${HEAD}scales:
  - name: a
    complex: rips
    window: 10
    window: 20
    slide: 5
"
# YAML syntax error: position and the parser's words, no PATH needed.
printf 'instance: x\nsource: {type: file, path: a.csv\nscales: []\n' >"$T/syntax.yaml"
expect_rc 100 "$T/syntax.out" "$TDAPIPE" check-config "$T/syntax.yaml"
grep -q "^$T/syntax.yaml:[0-9]*:[0-9]*: " "$T/syntax.out" || die "syntax error: $(cat "$T/syntax.out")"
expect_rc 100 "$T/nofile.out" "$TDAPIPE" check-config "$T/does-not-exist.yaml"
grep -q "^$T/does-not-exist.yaml: cannot read" "$T/nofile.out" || die "missing file: $(cat "$T/nofile.out")"
expect_rc 100 "$T/nofile.run" "$TDAPIPE" run --fresh -c "$T/does-not-exist.yaml"

# Usage.
expect_rc 0 "$T/help.out" "$TDAPIPE" --help
grep -q "usage: tdapipe" "$T/help.out" || die "--help: $(cat "$T/help.out")"
for cmd in run stats check-config; do
	expect_rc 0 "$T/help-$cmd.out" "$TDAPIPE" $cmd --help
	grep -q "usage: tdapipe $cmd" "$T/help-$cmd.out" || die "$cmd --help: $(cat "$T/help-$cmd.out")"
done
expect_rc 0 "$T/version.out" "$TDAPIPE" --version
expect_rc 100 "$T/unknown.out" "$TDAPIPE" frobnicate
grep -q "unknown command" "$T/unknown.out" || die "unknown command: $(cat "$T/unknown.out")"
expect_rc 100 "$T/none.out" "$TDAPIPE"
expect_rc 100 "$T/run-noarg.out" "$TDAPIPE" run
expect_rc 100 "$T/run-badopt.out" "$TDAPIPE" run --fresh -c config/demo.yaml --frobnicate
expect_rc 100 "$T/run-extra.out" "$TDAPIPE" run --fresh -c config/demo.yaml extra
expect_rc 100 "$T/cc-noarg.out" "$TDAPIPE" check-config
expect_rc 100 "$T/cc-two.out" "$TDAPIPE" check-config config/demo.yaml config/demo.yaml
for p in tdapipe-ingest tdapipe-scaled tdapipe-publish; do
	expect_rc 100 "$T/$p.out" "$BIN/$p"
done
echo "ok"
