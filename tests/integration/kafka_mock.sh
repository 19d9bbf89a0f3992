#!/bin/sh
# kafka_mock: `tdapipe kafka-mock` starts librdkafka's mock cluster and
# Debian's kcat (a client nobody here wrote) talks to it over loopback.
#
# With --brokers 3 --topic pts:4 the printed bootstrap address answers
# metadata with 3 brokers and the topic with 4 partitions; 2,000 keyed
# lines produced with kcat come back, every one, from kcat consuming the
# topic; with --port P the same works through 127.0.0.1:P.  Bad usage
# exits 100; SIGTERM stops it with exit 0.
. "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }

for bad in "--brokers 0" "--brokers x" "--topic :3" "--topic t:0" "--port 70000" "extra"; do
	set +e
	# shellcheck disable=SC2086
	"$TDAPIPE" kafka-mock $bad >/dev/null 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 100 ] || die "kafka-mock $bad exited $rc, expected 100"
done

start_mock m3 --brokers 3 --topic pts:4
case $BOOT in 127.0.0.1:*) ;; *) die "bootstrap address \"$BOOT\" is not on loopback" ;; esac
timeout 20 kcat -L -b "$BOOT" >"$T/meta.txt" 2>&1 || die "kcat -L failed: $(cat "$T/meta.txt")"
grep -q " 3 brokers:" "$T/meta.txt" || die "metadata lacks 3 brokers: $(cat "$T/meta.txt")"
grep -q 'topic "pts" with 4 partitions' "$T/meta.txt" || die "metadata lacks pts/4: $(cat "$T/meta.txt")"

"$PY" -c "
for i in range(2000):
    print('s%d|%d,%.3f' % (i % 5, i, i * 0.5))
" >"$T/lines.txt"
timeout 30 kcat -P -b "$BOOT" -t pts -K '|' <"$T/lines.txt" || die "kcat -P failed"
timeout 30 kcat -C -b "$BOOT" -t pts -e -q -f '%k|%s\n' >"$T/back.txt" || die "kcat -C failed"
sort "$T/lines.txt" >"$T/a"; sort "$T/back.txt" >"$T/b"
cmp -s "$T/a" "$T/b" || die "consumed $(wc -l <"$T/back.txt") lines, not the 2000 produced"
note "3 brokers, topic pts with 4 partitions: 2000 keyed lines produced and consumed with kcat"
stop_mock m3

port=$("$PY" -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
start_mock mp --port "$port" --topic t1:2
[ "$BOOT" = "127.0.0.1:$port" ] || die "with --port $port the address printed is \"$BOOT\""
seq 1 100 | timeout 30 kcat -P -b "$BOOT" -t t1 || die "kcat -P through --port failed"
n=$(timeout 30 kcat -C -b "$BOOT" -t t1 -e -q | wc -l)
[ "$n" -eq 100 ] || die "through --port: consumed $n of 100"
note "--port $port: bootstrap through the relay, 100 messages back"
stop_mock mp
echo ok
