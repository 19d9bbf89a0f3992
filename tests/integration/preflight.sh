#!/bin/sh
# preflight: check-config and run check what they can before starting
# anything (issue 22, "fail fast"): the source file, the output
# directories, the listen ports, the Kafka brokers' names.  Each failure
# names the config key; check-config and run exit alike (100: fix the
# config, 111: may pass later); run exits at once, before any segment or
# process exists; --syntax-only skips the checks.  Loopback only; every
# case fails for root too.
. "$(dirname "$0")/../lib.sh"
cd "$T"
seq 1 100 >in.csv
mkdir adir
SCALES='scales:
  - {name: a, complex: sublevel, window: 10, slide: 10}'
# A port held by this test: TCP (listening) or UDP, on 127.0.0.1.
hold_port() { # KIND NAME: the port in $T/NAME.port, the holder's pid in $T/NAME.pid
	"$PY" -c "
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.$1)
s.bind(('127.0.0.1', 0))
if socket.$1 == socket.SOCK_STREAM: s.listen(1)
open(sys.argv[1] + '.port', 'w').write(str(s.getsockname()[1]))
time.sleep(120)" "$2" &
	echo $! >"$2.pid"
	wait_for 10 test -s "$2.port" || die "could not hold a $1 port"
}
hold_port SOCK_STREAM tcpbusy
hold_port SOCK_DGRAM udpbusy
TCPBUSY=$(cat tcpbusy.port) UDPBUSY=$(cat udpbusy.port)

# expect NAME RC MESSAGE: NAME.yaml (instance, scales and the lines on
# stdin) fails check-config and run with RC and MESSAGE, run within 5 s
# and leaving no segment; check-config --syntax-only passes it.
expect() {
	{ echo "instance: $INSTANCE"; cat; echo "$SCALES"; } >"$1.yaml"
	set +e
	"$TDAPIPE" check-config "$1.yaml" >"$1.check.out" 2>"$1.check.err"
	crc=$?
	start=$(date +%s)
	timeout 20 "$TDAPIPE" run --fresh -c "$1.yaml" >"$1.run.out" 2>"$1.run.err"
	rrc=$?
	set -e
	took=$(( $(date +%s) - start ))
	[ "$crc" -eq "$2" ] || { cat "$1.check.err" >&2; die "$1: check-config exited $crc, expected $2"; }
	grep -qF -- "$3" "$1.check.err" || { cat "$1.check.err" >&2; die "$1: check-config: no \"$3\""; }
	[ "$rrc" -eq "$2" ] || { cat "$1.run.err" >&2; die "$1: run exited $rrc, expected $2"; }
	grep -qF -- "$3" "$1.run.err" || { cat "$1.run.err" >&2; die "$1: run: no \"$3\""; }
	[ "$took" -le 5 ] || die "$1: run took ${took}s to refuse"
	! grep -q "segment\|restart\|started" "$1.run.err" || { cat "$1.run.err" >&2; die "$1: run started something"; }
	[ ! -e "/dev/shm/tdapipe-$INSTANCE" ] || die "$1: run left a segment"
	"$TDAPIPE" check-config --syntax-only "$1.yaml" >/dev/null 2>"$1.syntax.err" ||
		{ cat "$1.syntax.err" >&2; die "$1: check-config --syntax-only refused it"; }
	note "$1: exit $2: $(head -n 1 "$1.check.err")"
}

# The source file.
expect nosource 111 "nosource.yaml: source.path: missing.csv: No such file or directory (create it, or fix source.path)" <<EOC
source: {type: file, path: missing.csv, format: csv}
EOC
expect dirsource 100 "source.path: adir: a directory, not a file" <<EOC
source: {type: file, path: adir, format: csv}
EOC
expect undersource 100 "source.path: in.csv/x: Not a directory" <<EOC
source: {type: file, path: in.csv/x, format: csv}
EOC
# The state directory: made if missing, but not under a file.
expect stateunderfile 100 "state.dir: in.csv/state: Not a directory (fix state.dir)" <<EOC
source: {type: file, path: in.csv, format: csv}
state: {dir: in.csv/state}
EOC
# The outputs: their directory must be there and be one; the file, if
# there, not a directory.
expect sinknodir 111 "sink.path: nodir/out.jsonl: no such directory: nodir (create it, or fix sink.path)" <<EOC
source: {type: file, path: in.csv, format: csv}
sink: {type: file, path: nodir/out.jsonl}
EOC
expect sinkunderfile 100 "sink.path: /etc/passwd/out.jsonl: /etc/passwd is not a directory" <<EOC
source: {type: file, path: in.csv, format: csv}
sink: {type: file, path: /etc/passwd/out.jsonl}
EOC
expect sinkisdir 100 "sink.path: adir: a directory, not a file" <<EOC
source: {type: file, path: in.csv, format: csv}
sink: {type: file, path: adir}
EOC
expect deadnodir 111 "dead_letter.path: nodir/dead.jsonl: no such directory: nodir" <<EOC
source: {type: file, path: in.csv, format: csv}
dead_letter: {type: file, path: nodir/dead.jsonl}
EOC
SCALES='scales:
  - {name: a, complex: sublevel, window: 10, slide: 10, track: {min_persistence: 0}}'
expect eventsunderfile 100 "events.path: in.csv/events.jsonl: in.csv is not a directory (fix events.path)" <<EOC
source: {type: file, path: in.csv, format: csv}
events: {type: file, path: in.csv/events.jsonl}
EOC
SCALES='scales:
  - {name: a, complex: sublevel, window: 10, slide: 10}'
# Listen addresses: a port another program holds, an address not of
# this machine (TEST-NET-1).
expect tcpbusy 111 "source.port: tcp 127.0.0.1:$TCPBUSY: Address already in use (another program listens there" <<EOC
source: {type: tcp, host: 127.0.0.1, port: $TCPBUSY, format: csv}
EOC
expect udpbusy 111 "source.port: udp 127.0.0.1:$UDPBUSY: Address already in use" <<EOC
source: {type: udp, host: 127.0.0.1, port: $UDPBUSY, format: csv}
EOC
expect notlocal 100 "source.port: tcp 192.0.2.1:9: cannot listen there: Cannot assign requested address" <<EOC
source: {type: tcp, host: 192.0.2.1, port: 9, format: csv}
EOC
expect metricsbusy 111 "metrics.listen: 127.0.0.1:$TCPBUSY: Address already in use" <<EOC
source: {type: file, path: in.csv, format: csv}
metrics: {listen: "127.0.0.1:$TCPBUSY"}
EOC
# Kafka: a broker name that never resolves (.invalid, RFC 2606); the
# other broker of the list is fine.
expect badbroker 100 "source.brokers: 127.0.0.1:9092,no-such-host.invalid:9092: no-such-host.invalid:" <<EOC
source: {type: kafka, brokers: "127.0.0.1:9092,no-such-host.invalid:9092", topics: [in], format: jsonl}
EOC
expect badsinkbroker 100 "sink.brokers: no-such-host.invalid:9092: no-such-host.invalid:" <<EOC
source: {type: file, path: in.csv, format: csv}
sink: {type: kafka, brokers: "no-such-host.invalid:9092", topic: out}
EOC
# Every failure is said, not only the first; 100 outranks 111.
expect several 100 "sink.path: /etc/passwd/out.jsonl" <<EOC
source: {type: file, path: missing.csv, format: csv}
sink: {type: file, path: /etc/passwd/out.jsonl}
EOC
grep -q "source.path: missing.csv" several.check.err || die "several: the source's failure not said"

# What passes: the same checks on a config that can run here, and then
# it runs.  A free port is free.
PORT=$(free_port)
{ echo "instance: $INSTANCE"; echo "source: {type: file, path: in.csv, format: csv}"
  echo "sink: {type: file, path: out.jsonl}"; echo "metrics: {listen: \"127.0.0.1:$PORT\"}"; echo "$SCALES"; } >good.yaml
"$TDAPIPE" check-config good.yaml >good.out 2>&1 || die "check-config refused a good config: $(cat good.out)"
timeout 60 "$TDAPIPE" run --fresh -c good.yaml >run.out 2>run.err || { cat run.err >&2; die "a good config did not run"; }
[ "$(wc -l <out.jsonl)" -eq 10 ] || die "a good config: $(wc -l <out.jsonl) results, expected 10"
note "a good config passes and runs"
