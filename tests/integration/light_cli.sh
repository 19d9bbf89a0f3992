#!/bin/sh
# light_cli: `tdapipe` links only what persistence, stats and top need;
# the commands that need librdkafka, cairo or libsystemd run in
# tdapipe-cmd, which tdapipe becomes for them (cli/bindir.c).  Checked:
# - ldd of tdapipe names none of librdkafka, OpenSSL, cairo, libsystemd;
# - tdapipe persistence of a tiny cloud peaks below 4 MB (ripser's own
#   start is ~3.5 MB; with those libraries loaded it was ~8 MB);
# - run, check-config, plot and kafka-mock answer through tdapipe, with
#   tdapipe's pid (execv, not a child);
# - with tdapipe-cmd missing, those say where they looked and exit 111,
#   while persistence still works; TDAPIPE_LIBEXEC does not move it (tests
#   point it at wrapped workers); tdapipe-cmd alone refuses (exit 100);
# - a Kafka property a light command reads (stats -c) is still judged by
#   librdkafka (loaded when needed).
. "$(dirname "$0")/../lib.sh"

libs=$(ldd "$TDAPIPE")
for l in librdkafka libssl libcrypto libcairo libsystemd; do
	case $libs in *"$l"*) die "tdapipe links $l: $(echo "$libs" | grep "$l")" ;; esac
done

printf '0 0\n1 0\n0 1\n1 1\n' >"$T/tiny.txt"
case $libs in *libasan*) asan=1 ;; *) asan= ;; esac   # ASan's shadow memory: no RSS bound
if [ -z "$asan" ] && command -v /usr/bin/time >/dev/null; then
	/usr/bin/time -f '%M' -o "$T/rss" "$TDAPIPE" persistence --dim 1 "$T/tiny.txt" >/dev/null ||
		die "persistence failed"
	[ "$(cat "$T/rss")" -lt 4096 ] || die "tdapipe persistence peaked at $(cat "$T/rss") KB"
fi

for c in run check-config plot kafka-mock; do
	"$TDAPIPE" "$c" --help >"$T/help" 2>&1 || die "tdapipe $c --help failed: $(head -c 300 "$T/help")"
	grep -q "usage: tdapipe $c" "$T/help" || die "tdapipe $c --help: $(head -c 300 "$T/help")"
done

# The same process: kafka-mock reports its own pid in /proc, which must
# be the pid the shell started.
"$TDAPIPE" kafka-mock >"$T/mock.out" 2>"$T/mock.err" &
pid=$!
echo $pid >"$T/mock.pid"
wait_for 20 test -s "$T/mock.out" || die "kafka-mock printed no address: $(cat "$T/mock.err")"
exe=$(readlink "/proc/$pid/exe")
case $exe in */tdapipe-cmd) ;; *) die "tdapipe kafka-mock runs as $exe, not tdapipe-cmd in the same process" ;; esac
kill -TERM "$pid"
wait "$pid" || die "kafka-mock exited $? on SIGTERM"
rm -f "$T/mock.pid"

# tdapipe alone in a directory: no tdapipe-cmd beside it (TDAPIPE_LIBEXEC,
# which moves the pipeline's processes, does not move it).
mkdir "$T/alone"
cp "$TDAPIPE" "$T/alone/tdapipe"
set +e
TDAPIPE_LIBEXEC=$BIN "$T/alone/tdapipe" check-config "$TDP_ROOT/config/demo.yaml" >"$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 111 ] || die "with no tdapipe-cmd, check-config exited $rc: $(cat "$T/out")"
grep -q "$T/alone/tdapipe-cmd" "$T/out" || die "the error does not say where it looked: $(cat "$T/out")"
"$T/alone/tdapipe" persistence --dim 1 "$T/tiny.txt" >/dev/null || die "persistence needs tdapipe-cmd"
TDAPIPE_LIBEXEC=$T/alone "$TDAPIPE" check-config "$TDP_ROOT/config/demo.yaml" >"$T/out" 2>&1 ||
	die "TDAPIPE_LIBEXEC moved tdapipe-cmd too: $(cat "$T/out")"
set +e
"$BIN/tdapipe-cmd" stats >"$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 100 ] || die "tdapipe-cmd stats exited $rc, expected 100"

cat >"$T/kp.yaml" <<EOC
instance: $INSTANCE
source: {type: kafka, brokers: "127.0.0.1:1", topics: t, group: g, properties: {fetch.wait.max.ms: banana}}
sink: {type: stdout}
scales:
  - {name: s, complex: sublevel, window: 10, slide: 5}
EOC
set +e
"$TDAPIPE" stats -c "$T/kp.yaml" >"$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 100 ] && grep -q 'kp.yaml:2:[0-9]*: source.properties.fetch.wait.max.ms: expected a value librdkafka accepts' "$T/out" ||
	die "stats -c did not judge the Kafka property (exit $rc): $(cat "$T/out")"
note "tdapipe: $(echo "$libs" | wc -l) libraries; persistence of a tiny cloud $(cat "$T/rss" 2>/dev/null) KB"
