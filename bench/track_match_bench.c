/*
 * track_match_bench - the matching that tracks features across windows
 * (scaled/track_match.h) per call, next to the bottleneck distance it
 * starts from (distance_bottleneck()) and the order-1 Wasserstein
 * distance (the least-cost transport without the bottleneck bound),
 * measured in the same run on the same pairs.
 *
 * usage: track_match_bench [RUNS]
 *
 * Pairs of N + N points (N = 10, 50, 500, 2000), two kinds: "next", the
 * next window's diagram (each point moved by up to 2% of the scale, a
 * tenth replaced), the pipeline's case; "unrelated", two independent
 * diagrams.  Per call: one run repeats the call (one workspace, as in a
 * worker) until 0.2 s of this thread's CPU time have passed; the figure
 * is the median of RUNS runs (default 3), in microseconds of CPU time (a
 * busy machine does not inflate it as it does wall-clock time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "scaled/distance.h"
#include "scaled/track_match.h"

#define MAX_RUNS 15
#define RUN_NS   200000000ull

static uint64_t rng = 1;

static double uniform(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* A Rips-like diagram: births in [0, 1), most lifetimes short. */
static void diagram(struct tdp_interval *iv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double b = uniform(), l = 0.02 + uniform() * (uniform() < 0.8 ? 0.1 : 0.6);
		iv[i] = (struct tdp_interval){ b, b + l };
	}
}

/* The next window's: moved a little, a tenth replaced. */
static void next(const struct tdp_interval *a, struct tdp_interval *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (uniform() < 0.1) {
			diagram(&b[i], 1);
			continue;
		}
		double db = (uniform() - 0.5) * 0.02, dd = (uniform() - 0.5) * 0.02;
		b[i] = (struct tdp_interval){ a[i].birth + db, a[i].death + dd };
		if (!(b[i].death > b[i].birth))
			b[i] = a[i];
	}
}

enum what { MATCH, BOTTLENECK, WASSERSTEIN };

struct ctx {
	struct track_match_ws *tws;
	struct distance_ws *dws;
	const struct tdp_interval *a, *b;
	size_t n;
	uint32_t *m;
};

static int call(struct ctx *c, enum what w)
{
	double d;
	switch (w) {
	case MATCH:
		return track_match(c->tws, c->a, c->n, c->b, c->n, c->m);
	case BOTTLENECK:
		return distance_bottleneck(c->dws, c->a, c->n, c->b, c->n, &d);
	default:
		return distance_wasserstein(c->dws, c->a, c->n, c->b, c->n, 1, &d);
	}
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* Microseconds per call, median of RUNS runs; negative when a call failed. */
static double per_call(struct ctx *c, enum what w, int runs)
{
	double t[MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = cpu_ns(), t1;
		unsigned long calls = 0;
		do {
			if (call(c, w))
				return -1;
			calls++;
			t1 = cpu_ns();
		} while (t1 - t0 < RUN_NS);
		t[r] = (double)(t1 - t0) / 1e3 / (double)calls;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	return t[runs / 2];
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3;
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: track_match_bench [RUNS (1..%d)]\n", MAX_RUNS);
		return 100;
	}
	static const size_t sizes[] = { 10, 50, 500, 2000 };
	struct ctx c = { .tws = track_match_ws_new(), .dws = distance_ws_new() };
	if (!c.tws || !c.dws)
		return 1;
	printf("%-10s %6s %14s %14s %14s\n", "pair", "N+N", "match us", "bottleneck us", "W1 us");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		struct tdp_interval *a = malloc(sizeof(*a) * n), *b = malloc(sizeof(*b) * n);
		c.m = malloc(sizeof(*c.m) * n);
		if (!a || !b || !c.m)
			return 1;
		for (int kind = 0; kind < 2; kind++) {
			diagram(a, n);
			if (kind == 0)
				next(a, b, n);
			else
				diagram(b, n);
			c.a = a;
			c.b = b;
			c.n = n;
			double t[3];
			for (int w = 0; w < 3; w++)
				if ((t[w] = per_call(&c, (enum what)w, runs)) < 0)
					return 1;
			printf("%-10s %6zu %14.2f %14.2f %14.2f\n", kind ? "unrelated" : "next", n, t[0], t[1], t[2]);
		}
		free(a);
		free(b);
		free(c.m);
	}
	track_match_ws_free(c.tws);
	distance_ws_free(c.dws);
	return 0;
}
