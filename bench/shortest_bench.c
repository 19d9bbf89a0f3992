/*
 * shortest_bench - nanoseconds per double of tdp_format_double() (digits
 * by common/shortest.c) next to tdp_format_double_glibc() (the former
 * snprintf + strtod precision search), and of tdp_shortest() alone.
 *
 * usage: shortest_bench [COUNT] [RUNS]
 * Inputs: COUNT uniform random bit patterns (finite, nonzero: mostly 16-17
 * digits), and COUNT "nice" decimals round(x, 3) for x uniform in
 * [0, 1000) (what sensor readings look like: short digits).  One table
 * row per input and converter, the median of RUNS runs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/shortest.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum conv { OURS, GLIBC, DIGITS };

/* Sum of lengths, so the work is not optimised away. */
static volatile size_t sink;

static double ns_per(const double *xs, size_t n, enum conv c, int runs)
{
	double t[16];
	for (int r = 0; r < runs; r++) {
		char out[32];
		size_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			if (c == OURS) {
				sum += tdp_format_double(out, xs[i]);
			} else if (c == GLIBC) {
				sum += tdp_format_double_glibc(out, xs[i]);
			} else {
				int e;
				sum += (size_t)tdp_shortest(xs[i], out, &e) + (size_t)e;
			}
		}
		t[r] = (now() - t0) * 1e9 / (double)n;
		sink += sum;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	return t[runs / 2];
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 16 || n == 0) {
		fprintf(stderr, "usage: shortest_bench [COUNT] [RUNS 1..16]\n");
		return 2;
	}
	double *bits = malloc(n * sizeof(double)), *nice = malloc(n * sizeof(double));
	if (!bits || !nice)
		return 1;
	uint64_t s = 42;
	for (size_t i = 0; i < n;) {
		uint64_t b = splitmix64(&s);
		double x;
		memcpy(&x, &b, sizeof(x));
		if (isfinite(x) && x != 0)
			bits[i++] = x;
	}
	for (size_t i = 0; i < n; i++) {
		double x = (double)(splitmix64(&s) >> 11) * 0x1p-53 * 1000;
		nice[i] = round(x * 1000) / 1000;
	}
	printf("%-22s %14s %14s %14s %8s\n", "input (ns/number)", "tdp_shortest", "format ours",
	       "format glibc", "speedup");
	const struct { const char *name; const double *xs; } in[] = {
		{"random bit patterns", bits}, {"round(x, 3), x<1000", nice},
	};
	for (size_t i = 0; i < 2; i++) {
		double d = ns_per(in[i].xs, n, DIGITS, runs);
		double o = ns_per(in[i].xs, n, OURS, runs);
		double g = ns_per(in[i].xs, n, GLIBC, runs);
		printf("%-22s %14.1f %14.1f %14.1f %7.1fx\n", in[i].name, d, o, g, g / o);
	}
	printf("(%zu numbers, median of %d runs)\n", n, runs);
	free(bits);
	free(nice);
	return 0;
}
