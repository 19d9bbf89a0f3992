/*
 * parse_bench - nanoseconds per number parsed by tdp_parse_double()
 * (common/parse_double.c) next to glibc's strtod, in the same run.
 *
 * usage: parse_bench [COUNT] [RUNS]
 * Inputs, COUNT strings each: uniform random bit patterns (finite) printed
 * as their shortest digits by tdp_format_double (what results files hold:
 * mostly 16-17 digits), the same as %.17g, and 3-decimal sensor readings
 * "%.3f" of x uniform in (-1000, 1000).  Columns: tdp_parse_double on the
 * slice; strtod on the NUL-terminated string (glibc at its best); and
 * tdp_parse_double_glibc (a copy then strtod: what ingest/number.c did,
 * and does in TDP_GLIBC_NUMBERS builds).  Each the median of RUNS runs,
 * the three taking turns; speedup = strtod / ours.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/parse_double.h"

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

/* COUNT NUL-terminated strings back to back; start[i], len[i]. */
struct input {
	const char *name;
	char *text;
	size_t *start, *len;
};

enum conv { OURS, STRTOD, COPY_STRTOD };

/* Sum of the values, so the work is not optimised away. */
static volatile double sink;

/* One pass of converter C over IN: ns per number. */
static double pass(const struct input *in, size_t n, enum conv c)
{
	double sum = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		const char *s = in->text + in->start[i];
		double d = 0;
		if (c == OURS)
			tdp_parse_double(s, in->len[i], &d);
		else if (c == STRTOD)
			d = strtod(s, NULL);
		else
			tdp_parse_double_glibc(s, in->len[i], &d);
		sum += d;
	}
	double t = (now() - t0) * 1e9 / (double)n;
	sink += sum;
	return t;
}

/* The median ns per number of each converter over RUNS passes, the
 * converters taking turns so that a busy machine slows each alike. */
static void ns_per(const struct input *in, size_t n, int runs, double med[3])
{
	double t[3][16];
	for (int r = 0; r < runs; r++)
		for (int c = 0; c < 3; c++)
			t[c][r] = pass(in, n, (enum conv)c);
	for (int c = 0; c < 3; c++) {
		qsort(t[c], (size_t)runs, sizeof(t[c][0]), cmp_double);
		med[c] = t[c][runs / 2];
	}
}

enum kind { SHORTEST, SEVENTEEN, SENSOR };

static int make_input(struct input *in, const char *name, enum kind k, size_t n, uint64_t seed)
{
	in->name = name;
	in->text = malloc(n * 32);
	in->start = malloc(n * sizeof(size_t));
	in->len = malloc(n * sizeof(size_t));
	if (!in->text || !in->start || !in->len)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		char *s = in->text + o;
		size_t l;
		if (k == SENSOR) {
			double x = ((double)(splitmix64(&seed) >> 11) * 0x1p-53 * 2 - 1) * 1000;
			l = (size_t)snprintf(s, 32, "%.3f", x);
		} else {
			uint64_t b = splitmix64(&seed);
			double x;
			memcpy(&x, &b, sizeof(x));
			if (!isfinite(x))
				continue;
			l = k == SHORTEST ? tdp_format_double(s, x) : (size_t)snprintf(s, 32, "%.17g", x);
		}
		in->start[i] = o;
		in->len[i] = l;
		o += l + 1;
		i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 16 || n == 0) {
		fprintf(stderr, "usage: parse_bench [COUNT] [RUNS 1..16]\n");
		return 2;
	}
	struct input in[3];
	if (make_input(&in[0], "random bits, shortest", SHORTEST, n, 42) < 0 ||
	    make_input(&in[1], "random bits, %.17g", SEVENTEEN, n, 43) < 0 ||
	    make_input(&in[2], "sensor, %.3f", SENSOR, n, 44) < 0)
		return 1;
	printf("%-22s %10s %10s %14s %8s\n", "input (ns/number)", "ours", "strtod", "copy+strtod",
	       "speedup");
	for (size_t i = 0; i < 3; i++) {
		double m[3];
		ns_per(&in[i], n, runs, m);
		printf("%-22s %10.1f %10.1f %14.1f %7.1fx\n", in[i].name, m[OURS], m[STRTOD],
		       m[COPY_STRTOD], m[STRTOD] / m[OURS]);
	}
	printf("(%zu numbers, median of %d runs)\n", n, runs);
	for (size_t i = 0; i < 3; i++) {
		free(in[i].text);
		free(in[i].start);
		free(in[i].len);
	}
	return 0;
}
