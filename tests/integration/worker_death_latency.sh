#!/bin/sh
# worker_death_latency: while one scale's worker is dead, the other scales'
# results keep coming out on time.
#
# Points are fed at a steady rate (4,000/s) into a FIFO, each stamped with
# its wall-clock send time as event time.  A reader follows the sink file
# and takes, for each result, latency = when its line appeared - the event
# time of the window's last point.  The victim's worker is SIGSTOPped for
# about 1.5 s (the supervisor's hang detection, heartbeat_timeout 700 ms,
# kills and restarts it), then SIGKILLed once more.  The untouched scales'
# latency during the outages is printed next to their latency before it,
# and must stay bounded (p99 below 1 s on this shared machine; their
# median is a few ms).  The victim, whose ring held its points meanwhile,
# catches up: every scale's results are complete, none reports lost points.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ALLOW_RESTARTS=1   # this test stops and kills a worker on purpose

SCALES="supervisor: {heartbeat_timeout: 700}
scales:
  - {name: victim, complex: sublevel, window: 200, slide: 20}
  - {name: quick, complex: sublevel, window: 50, slide: 5}
  - {name: cloud, complex: rips, window: 40, slide: 10, dims: [0, 1]}"
write_config "$T/lat.yaml" "{type: stdin, format: csv, time_column: 0}" "$T/lat.jsonl"
rm -f "$T/in.fifo"
mkfifo "$T/in.fifo"
"$TDAPIPE" run --fresh -c "$T/lat.yaml" <"$T/in.fifo" >"$T/run.out" 2>"$T/run.err" &
echo $! >"$T/run.pid"

"$PY" - "$HERE" "$TDAPIPE" "$INSTANCE" "$T/in.fifo" "$T/lat.jsonl" <<'EOF'
import errno, json, os, random, signal, sys, threading, time
sys.path.insert(0, sys.argv[1])
from tdpres import *
tdapipe, inst, fifo, sink = sys.argv[2:6]
RATE, SECS = 4000, 7.0
N = int(RATE * SECS)
seen = []            # (scale, latency s, wall time seen)
done = threading.Event()

def follow():
    while not os.path.exists(sink) and not done.is_set():
        time.sleep(0.001)
    with open(sink, 'rb') as f:
        buf = b''
        while True:
            chunk = f.read()
            now = time.time()
            if chunk:
                buf += chunk
                *lines, buf = buf.split(b'\n')
                for l in lines:
                    r = json.loads(l)
                    seen.append((r['scale'], now - r['end'], now))
            elif done.is_set():
                return
            else:
                time.sleep(0.002)

reader = threading.Thread(target=follow, daemon=True)   # never keeps a failed test alive
reader.start()
deadline = time.time() + 20   # the run opens the FIFO for reading; never wait for it forever
while True:
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        break
    except OSError as e:
        expect(e.errno == errno.ENXIO and time.time() < deadline, 'the run never opened its input: %s' % e)
        time.sleep(0.01)
os.set_blocking(fd, True)
out = os.fdopen(fd, 'w', buffering=1 << 16)
wait_stats(tdapipe, inst, lambda s: all(p['state'] == 'running' for p in s['processes']), 20)
rnd = random.Random(3)
x = 0.0
t0 = time.time()
outage = []          # (start, end) wall times of the victim's outages
sent = 0
stopped_pid = None
hangs = 0
while sent < N:
    now = time.time()
    due = min(N, int((now - t0) * RATE))
    while sent < due:
        x += rnd.gauss(0, 1)
        out.write('%.6f,%.3f\n' % (time.time(), x))
        sent += 1
    out.flush()
    el = now - t0
    if stopped_pid is None and el > 2.0:
        v = proc(stats_of(tdapipe, inst), 'scaled', 'victim')
        stopped_pid = v['pid']
        os.kill(stopped_pid, signal.SIGSTOP)
        outage.append([time.time(), None])
        print('# %.2f s: SIGSTOP victim pid %d' % (el, stopped_pid))
    if outage and outage[-1][1] is None:
        v = proc(stats_of(tdapipe, inst), 'scaled', 'victim')
        if v['state'] == 'running' and v['pid'] not in (0, stopped_pid) and v['heartbeat_age_ms'] < 50:
            outage[-1][1] = time.time()
            print('# %.2f s: victim back (pid %d, hangs %d, restarts %d)' % (el, v['pid'], v['hangs'], v['restarts']))
            hangs = v['hangs']
            if len(outage) == 1:
                time.sleep(0.5)
                os.kill(v['pid'], signal.SIGKILL)
                outage.append([time.time(), None])
                print('# %.2f s: SIGKILL victim pid %d' % (time.time() - t0, v['pid']))
    time.sleep(0.002)
out.close()
expect(len(outage) == 2 and all(e for _, e in outage), 'victim did not come back after both outages: %r' % outage)
expect(hangs >= 1, 'the SIGSTOP was not detected as a hang (hangs %d)' % hangs)
time.sleep(0.1)
while stats_of(tdapipe, inst) is not None and time.time() - t0 < SECS + 30:
    time.sleep(0.05)
done.set()
reader.join()

def q(xs, f):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(f * len(xs)))] * 1000 if xs else float('nan')
during = lambda w: any(a <= w <= b for a, b in outage)
print('# %-8s %22s %34s' % ('scale', 'before the outage (ms)', 'during the outages (ms)'))
for sc in ('quick', 'cloud', 'victim'):
    before = [l for s_, l, w in seen if s_ == sc and w < outage[0][0]]
    dur = [l for s_, l, w in seen if s_ == sc and during(w)]
    print('# %-8s p50 %6.1f p99 %6.1f max %6.1f   p50 %6.1f p99 %6.1f max %7.1f  (%d results)'
          % (sc, q(before, .5), q(before, .99), q(before, 1), q(dur, .5), q(dur, .99), q(dur, 1), len(dur)))
    if sc != 'victim':
        expect(len(dur) >= 20, 'scale %s published only %d results during the outages' % (sc, len(dur)))
        expect(q(dur, .99) < 1000, 'scale %s: p99 latency %.0f ms during the outages' % (sc, q(dur, .99)))
print('# outages: %s s' % ', '.join('%.2f' % (b - a) for a, b in outage))
for sc, (W, S) in {'victim': (200, 20), 'quick': (50, 5), 'cloud': (40, 10)}.items():
    n = sum(1 for s_, _, _ in seen if s_ == sc)
    expect(n == n_windows(N, W, S), 'scale %s: %d results, expected %d' % (sc, n, n_windows(N, W, S)))
EOF
wait_run 30
[ "$RUN_RC" -eq 0 ] || { cat "$T/run.err" >&2; die "run exited $RUN_RC"; }
! grep -q '"lost"' "$T/lat.jsonl" || die "a result reports lost points"
grep -q "hung" "$T/run.err" || die "the supervisor did not log the hang"
echo ok
