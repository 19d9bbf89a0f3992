# bench/lib.sh - shared by the shell benchmarks (sourced, POSIX sh).

# median: the median of the numbers on standard input, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# now: the wall clock in seconds, to the nanosecond.
now() { date +%s.%N; }

# alternate N NAME...: RUNS rounds of `tdapipe run -c $W/NAME.yaml` for each
# NAME in turn (so that a noisy machine slows each config alike); each run's
# N / wall time in points/s is appended to $W/NAME.rates.  A failed run
# stops the benchmark with its last lines of stderr.
alternate() {
	n=$1; shift
	for name in "$@"; do : >"$W/$name.rates"; done
	for _ in $(seq "$RUNS"); do
		for name in "$@"; do
			t0=$(now)
			"$BIN"/tdapipe run --fresh -c "$W/$name.yaml" 2>"$W/$name.err" || {
				echo "tdapipe run -c $W/$name.yaml failed:" >&2; tail -n 5 "$W/$name.err" >&2; exit 1; }
			t1=$(now)
			echo "$t0 $t1" | awk -v n="$n" '{printf "%.0f\n", n / ($2 - $1)}' >>"$W/$name.rates"
		done
	done
}

# bench_config NAME SOURCE SCALE: $W/NAME.yaml, one scale reading SOURCE
# (a YAML mapping), results to $W/NAME.out, dead letters to $W/NAME.dead,
# its state in $W/NAME-state, checkpointed every STATE_INTERVAL (10s).
bench_config() {
	{
		echo "instance: bench-$1-$$"
		echo "source: $2"
		echo "sink: {type: file, path: $W/$1.out, format: jsonl}"
		echo "dead_letter: {type: file, path: $W/$1.dead}"
		echo "max_streams: 4"
		echo "state: {dir: $W/$1-state, interval: ${STATE_INTERVAL:-10s}}"
		echo "scales:"
		echo "  - $3"
	} >"$W/$1.yaml"
}

# ecg_input N: the path of $W/features-N.csv, N values of samples/ecg.csv
# repeated, one a line (written once, then reused by every section).
ecg_input() {
	f=$W/features-$1.csv
	if [ ! -f "$f" ]; then
		/usr/bin/python3 - "$f" "$1" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
x = open("samples/ecg.csv").read().split()
with open(out + ".tmp", "w") as f:
    for i in range(n):
        f.write(x[i % len(x)] + "\n")
os.replace(out + ".tmp", out)
PY
	fi
	echo "$f"
}
