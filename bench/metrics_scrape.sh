#!/bin/sh
# bench/metrics_scrape.sh - a section of `make bench` (bench/run.sh), or run
# alone: what watching costs.  Points/s through `tdapipe run` of the
# sublevel bench (one scale, window 1000, slide 100, as bench/features.sh)
# without metrics, with the exporter up but not scraped, and with a
# scraper fetching /metrics at 10 Hz for the whole run (issue 21: scraping
# costs at most 2% of the points/s, scraped / not scraped >= 0.98).
#
# Input: MBENCH_POINTS (8,640,000: about 2 s a run, 20 scrapes) points of
# the ECG sample, repeated, one stream, CSV.  The configs alternate, RUNS (3) rounds; points/s is N /
# wall time of `tdapipe run`, medians; the scraper's successful scrapes
# per run are printed too (a scraper that never got through measures
# nothing), and the exporter's own CPU time per second of a scraped run
# (all its threads, from /proc schedstat, start-up included): the most a
# scrape can take from the pipeline, and a figure the machine's noise does
# not drown.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
N=${MBENCH_POINTS:-8640000}
W=$BUILD/bench
mkdir -p "$W"

. bench/lib.sh
input=$(ecg_input "$N")

PORT=$(/usr/bin/python3 -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
SRC="{type: file, path: $input, format: csv}"
SUB='{name: sub, complex: sublevel, window: 1000, slide: 100}'
bench_config mnone "$SRC" "$SUB"
for name in midle mscrape; do
	bench_config "$name" "$SRC" "$SUB"
	echo "metrics: {listen: \"127.0.0.1:$PORT\"}" >>"$W/$name.yaml"
done

# scrape FILE: GET /metrics every 100 ms (a plain socket: the scraper's
# own CPU must not be what is measured) until killed; the count of whole
# answers in FILE (rewritten after each).  Returns once it is ready to go,
# so that its start-up is not timed either.
scrape() {
	rm -f "$1.ready"
	/usr/bin/python3 - "$PORT" "$1" "bench-mscrape-$$" <<'PY' &
import os, socket, sys, time
port, out, inst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def exporter_cpu():
    """CPU seconds the instance's exporter used so far, all its threads
    (schedstat: nanoseconds, not clock ticks); 0 when not found."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
            if cmd[0].endswith(b"tdapipe-exporter") and inst.encode() in cmd:
                tasks = os.listdir("/proc/%s/task" % pid)
                return sum(int(open("/proc/%s/task/%s/schedstat" % (pid, t)).read().split()[0])
                           for t in tasks) / 1e9
        except (OSError, IndexError, ValueError):
            pass
    return 0.0

req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
ok, nxt = 0, time.monotonic()
open(out + ".ready", "w").close()
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
            c.sendall(req)
            r = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                r += d
        if r.startswith(b"HTTP/1.1 200"):
            ok += 1
            open(out, "w").write("%d %.6f\n" % (ok, exporter_cpu()))
    except OSError:
        pass
    nxt += 0.1
    time.sleep(max(0.0, nxt - time.monotonic()))
PY
	SCRAPER=$!
	i=0
	while [ ! -f "$1.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

for name in mnone midle mscrape; do : >"$W/$name.rates"; done
: >"$W/mscrape.scrapes"
: >"$W/mscrape.cpu"
for _ in $(seq "$RUNS"); do
	for name in mnone midle mscrape; do
		[ "$name" = mscrape ] && scrape "$W/mscrape.count"
		t0=$(now)
		"$BIN"/tdapipe run --fresh -c "$W/$name.yaml" 2>"$W/$name.err" || {
			echo "tdapipe run -c $W/$name.yaml failed:" >&2; tail -n 5 "$W/$name.err" >&2; exit 1; }
		t1=$(now)
		if [ "$name" = mscrape ]; then
			kill "$SCRAPER"; wait "$SCRAPER" 2>/dev/null || true
			read -r got cpu <"$W/mscrape.count" 2>/dev/null || got=0 cpu=0
			echo "$got" >>"$W/mscrape.scrapes"
			# the exporter's CPU time (at its last scrape) per second of the run
			echo "$t0 $t1 $cpu" | awk '{printf "%.6f\n", $3 / ($2 - $1)}' >>"$W/mscrape.cpu"
			rm -f "$W/mscrape.count" "$W/mscrape.count.ready"
		fi
		echo "$t0 $t1" | awk -v n="$N" '{printf "%.0f\n", n / ($2 - $1)}' >>"$W/$name.rates"
	done
done

base=$(median <"$W/mnone.rates")
idle=$(median <"$W/midle.rates")
printf '%-48s %14s %10s\n' "sublevel 1000/100, $N points" "points/s" "vs none"
for row in "mnone|no metrics" "midle|exporter up, not scraped" "mscrape|exporter scraped at 10 Hz"; do
	name=${row%%|*}
	rate=$(median <"$W/$name.rates")
	printf '%-48s %14s %10s\n' "${row#*|}" "$rate" "$(awk -v a="$rate" -v b="$base" 'BEGIN {printf "%.3f", a / b}')"
done
echo "   scraping at 10 Hz / not scraping: $(awk -v a="$(median <"$W/mscrape.rates")" -v b="$idle" 'BEGIN {printf "%.3f", a / b}') (issue 21: at least 0.98)"
echo "   scrapes per scraped run: $(tr '\n' ' ' <"$W/mscrape.scrapes")"
echo "   the exporter's CPU while scraped at 10 Hz: $(median <"$W/mscrape.cpu" | awk '{printf "%.2f%%", $1 * 100}') of one core (median; what a scrape can take from the pipeline at most)"
