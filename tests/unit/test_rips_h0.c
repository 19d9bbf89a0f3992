/*
 * test_rips_h0.c - rips_h0() on hand-computed clouds, against a naive
 * Kruskal minimum spanning tree, and against the full engine
 * (rips_compute() with maxdim 0), with and without a threshold, on points
 * and on lower-distance triangles.
 *
 * H0 of a Rips filtration: n classes born at 0, one dying at each MST edge
 * length (Kruskal's merges), one essential.  Zero-length edges (duplicate
 * points) give zero-length intervals, which are dropped.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "scaled/rips.h"
#include "scaled/rips_h0.h"

/* Run rips_h0() on IN with exactly-sized heap buffers so ASan sees
 * overruns; returns its status, the count in *COUNT. */
static int run_h0(const struct rips_input *in, double thr, struct tdp_interval **outp, size_t *count)
{
	size_t n = in->n;
	struct tdp_interval *out = malloc((n ? n : 1) * sizeof(*out));
	size_t ss = rips_h0_scratch_size(n);
	void *scratch = malloc(ss ? ss : 1);

	assert_non_null(out);
	assert_non_null(scratch);
	int rc = rips_h0(in, thr, out, scratch, count);

	free(scratch);
	*outp = out;
	return rc;
}

static size_t run_rips(const double *pts, size_t n, size_t dim, struct tdp_interval **outp)
{
	struct rips_input in = {RIPS_POINTS, n, dim, pts};
	size_t got;
	assert_int_equal(run_h0(&in, INFINITY, outp, &got), 0);
	return got;
}

/* Check that the diagram of PTS is [0, d) for each of DEATHS, then [0, inf). */
static void check_rips(const double *pts, size_t n, size_t dim, const double *deaths, size_t nd)
{
	struct tdp_interval *out;
	size_t got = run_rips(pts, n, dim, &out);

	assert_int_equal(got, nd + 1);
	for (size_t i = 0; i < nd; i++) {
		assert_true(out[i].birth == 0.0);
		assert_true(fabs(out[i].death - deaths[i]) <= 1e-12 * deaths[i]);
	}
	assert_true(out[nd].birth == 0.0);
	assert_true(isinf(out[nd].death) && out[nd].death > 0);
	free(out);
}

static void test_empty(void **state)
{
	(void)state;
	struct tdp_interval out[1] = { { -7, -7 } };
	double scratch[1];

	struct rips_input in = {RIPS_POINTS, 0, 2, NULL};
	size_t count = 9;

	assert_int_equal(rips_h0_scratch_size(0), 0);
	assert_int_equal(rips_h0(&in, INFINITY, out, scratch, &count), 0);
	assert_int_equal(count, 0);
	assert_true(out[0].birth == -7 && out[0].death == -7);
}

static void test_one_point(void **state)
{
	(void)state;
	const double p[] = { 3, 4 };

	check_rips(p, 1, 2, NULL, 0);
}

static void test_two_points(void **state)
{
	(void)state;
	const double p[] = { 0, 0, 3, 4 };
	const double d[] = { 5 };

	check_rips(p, 2, 2, d, 1);
}

static void test_four_points(void **state)
{
	(void)state;
	/* MST: (0,0)-(1,0) 1, (0,0)-(0,2) 2, (0,2)-(5,5) sqrt(34);
	 * (1,0)-(5,5) is sqrt(41), longer. */
	const double p[] = { 0, 0, 1, 0, 0, 2, 5, 5 };
	const double d[] = { 1, 2, sqrt(34.0) };

	check_rips(p, 4, 2, d, 3);
}

static void test_duplicates(void **state)
{
	(void)state;
	const double p[] = { 0, 0, 0, 0, 3, 0 };
	const double d[] = { 3 };
	const double same[] = { 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3 };

	check_rips(p, 3, 2, d, 1);
	/* Four copies of one point: only the essential class survives. */
	check_rips(same, 4, 3, NULL, 0);
}

static void test_collinear(void **state)
{
	(void)state;
	/* On a line the MST is the chain of gaps, whatever the input order. */
	const double line[] = { 6, 0, 3, 1 };
	const double d1[] = { 1, 2, 3 };
	/* t * (1, 2, 2), |(1, 2, 2)| = 3: gaps 1 and 2 scaled by 3. */
	const double ray[] = { 0, 0, 0, 3, 6, 6, 1, 2, 2 };
	const double d3[] = { 3, 6 };

	check_rips(line, 4, 1, d1, 3);
	check_rips(ray, 3, 3, d3, 2);
}

static void test_grid(void **state)
{
	(void)state;
	/* 3x3 unit grid: every distance tie; the MST has 8 unit edges. */
	double p[18];
	const double d[] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	for (int i = 0; i < 9; i++) {
		p[2 * i] = i % 3;
		p[2 * i + 1] = i / 3;
	}
	check_rips(p, 9, 2, d, 8);
}

/* The inputs rips_compute() refuses are refused the same way. */
static void test_bad_input(void **state)
{
	(void)state;
	const double dummy[4] = { 0, 1, 2, 3 };
	const double nan_pt[4] = { 0, 1, NAN, 3 };
	const double inf_pt[4] = { 0, 1, INFINITY, 3 };
	const double huge[4] = { 1e300, 0, -1e300, 0 };
	const double huge_line[2] = { 1e300, -1e300 };
	const double neg_lower[3] = { 1, -2, 3 };
	const double inf_lower[3] = { 1, INFINITY, 3 };
	const struct { struct rips_input in; int rc; } cases[] = {
		{{RIPS_POINTS, 4, 0, dummy}, -EINVAL},               /* no coordinates */
		{{RIPS_POINTS, 2, 2, nan_pt}, -EINVAL},
		{{RIPS_POINTS, 2, 2, inf_pt}, -ERANGE},
		/* finite coordinates whose distance overflows: the general path
		 * and the line path say so, not an "essential" infinite death */
		{{RIPS_POINTS, 2, 2, huge}, -ERANGE},
		{{RIPS_POINTS, 2, 1, huge_line}, -ERANGE},
		{{RIPS_LOWER_DISTANCE, 3, 0, neg_lower}, -EINVAL},
		{{RIPS_LOWER_DISTANCE, 3, 0, inf_lower}, -EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tdp_interval *out;
		size_t count;
		assert_int_equal(run_h0(&cases[i].in, INFINITY, &out, &count), cases[i].rc);
		free(out);
	}
}

/* A threshold: tree edges above it leave one more essential class each. */
static void test_threshold(void **state)
{
	(void)state;
	/* Two clusters 10 apart: {0, 1, 3} and {13, 14}. */
	const double x[] = { 0, 1, 3, 13, 14 };
	struct rips_input in = {RIPS_POINTS, 5, 1, x};
	struct tdp_interval *out;
	size_t count;

	assert_int_equal(run_h0(&in, 5, &out, &count), 0);
	assert_int_equal(count, 5);   /* deaths 1, 1, 2 and two essential */
	assert_true(out[0].death == 1 && out[1].death == 1 && out[2].death == 2);
	assert_true(isinf(out[3].death) && isinf(out[4].death));
	free(out);
	/* Threshold exactly at an edge: the edge is in (diameter <= t). */
	assert_int_equal(run_h0(&in, 10, &out, &count), 0);
	assert_int_equal(count, 5);
	assert_true(out[3].death == 10 && isinf(out[4].death));
	free(out);
	/* Threshold 0: every point its own essential class. */
	assert_int_equal(run_h0(&in, 0, &out, &count), 0);
	assert_int_equal(count, 5);
	for (size_t i = 0; i < 5; i++)
		assert_true(out[i].birth == 0 && isinf(out[i].death));
	free(out);
}

/* The lower triangle of the Euclidean distances of P, as the engine does. */
static double *lower_of(const double *p, size_t n, size_t dim)
{
	double *D = malloc((n * (n - 1) / 2 + 1) * sizeof(*D));
	assert_non_null(D);
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			double s = 0;
			for (size_t c = 0; c < dim; c++) {
				double t = p[i * dim + c] - p[j * dim + c];
				s += t * t;
			}
			D[i * (i - 1) / 2 + j] = sqrt(s);
		}
	return D;
}

/*
 * The engine's own H0 (maxdim 0) equals rips_h0(), bit for bit, on points
 * and on their lower triangle, with thresholds below, at and above the
 * edges: the engine falls back on rips_h0() when its H0 does not fit, so
 * a result must not depend on which one ran.
 */
static void test_equals_engine(void **state)
{
	(void)state;
	unsigned seed = 5;
	rips_ws_t *ws;
	assert_int_equal(rips_init(&ws, 0), 0);
	for (int t = 0; t < 300; t++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 40), dim = 1 + (size_t)(rand_r(&seed) % 4);
		double *p = malloc(n * dim * sizeof(*p));
		assert_non_null(p);
		for (size_t i = 0; i < n * dim; i++)
			p[i] = t % 3 ? (double)rand_r(&seed) / RAND_MAX : (double)(rand_r(&seed) % 3);
		double *D = lower_of(p, n, dim);
		double thr = t % 4 == 0 ? INFINITY : (double)(rand_r(&seed) % 100) / 100.0 * (t % 3 ? 1 : 3);
		struct rips_input pin = {RIPS_POINTS, n, dim, p}, lin = {RIPS_LOWER_DISTANCE, n, 0, D};
		for (int kind = 0; kind < 2; kind++) {
			const struct rips_input *in = kind ? &lin : &pin;
			struct rips_diagram dg;
			struct tdp_interval *out;
			size_t count;
			assert_int_equal(rips_compute(ws, in, 0, thr, &dg), 0);
			assert_int_equal(dg.done, 1);
			assert_int_equal(run_h0(in, thr, &out, &count), 0);
			assert_int_equal(count, dg.count[0]);
			assert_memory_equal(out, dg.iv[0], count * sizeof(*out));
			free(out);
		}
		free(D);
		free(p);
	}
	rips_fini(ws);
}

/* Naive Kruskal: all edges, insertion-sorted, union-find without tricks. */
static size_t kruskal(const double *p, size_t n, size_t dim, double *deaths)
{
	size_t ne = n * (n - 1) / 2, k = 0, nd = 0;
	double *w = malloc(ne * sizeof(*w));
	size_t *a = malloc(ne * sizeof(*a)), *b = malloc(ne * sizeof(*b));
	size_t *parent = malloc(n * sizeof(*parent));

	assert_non_null(w);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(parent);
	for (size_t i = 0; i < n; i++) {
		parent[i] = i;
		for (size_t j = i + 1; j < n; j++) {
			double s = 0;

			for (size_t c = 0; c < dim; c++)
				s += (p[i * dim + c] - p[j * dim + c]) * (p[i * dim + c] - p[j * dim + c]);
			w[k] = sqrt(s);
			a[k] = i;
			b[k] = j;
			for (size_t m = k; m > 0 && w[m - 1] > w[m]; m--) {
				double tw = w[m]; w[m] = w[m - 1]; w[m - 1] = tw;
				size_t ta = a[m]; a[m] = a[m - 1]; a[m - 1] = ta;
				size_t tb = b[m]; b[m] = b[m - 1]; b[m - 1] = tb;
			}
			k++;
		}
	}
	for (k = 0; k < ne; k++) {
		size_t ra = a[k], rb = b[k];

		while (parent[ra] != ra)
			ra = parent[ra];
		while (parent[rb] != rb)
			rb = parent[rb];
		if (ra == rb)
			continue;
		parent[ra] = rb;
		if (w[k] > 0)
			deaths[nd++] = w[k];
	}
	free(parent);
	free(b);
	free(a);
	free(w);
	return nd;
}

static void test_random_vs_kruskal(void **state)
{
	(void)state;
	uint32_t s = 777;

	for (size_t trial = 0; trial < 20; trial++) {
		size_t n = 2 + trial * 3, dim = 1 + trial % 4;
		double *p = malloc(n * dim * sizeof(*p));
		double *d = malloc(n * sizeof(*d));

		assert_non_null(p);
		assert_non_null(d);
		for (size_t i = 0; i < n * dim; i++) {
			s = s * 1103515245u + 12345u;
			/* Odd trials: small integers, so ties and duplicates. */
			p[i] = trial % 2 ? (double)((s >> 16) % 4) : (double)(s >> 8) / 16777216.0;
		}
		size_t nd = kruskal(p, n, dim, d);

		check_rips(p, n, dim, d, nd);
		free(d);
		free(p);
	}
}

/*
 * Points on a line take the sorted-gaps path; it must give, bit for bit,
 * what the general MST path gives for the same points embedded in the
 * plane (with ties, duplicates and negative values).
 */
static void test_line_path_equals_general(void **state)
{
	(void)state;
	static double x[150], xy[300], s1[150 * 2], s2[150 * 2];
	static struct tdp_interval a[150], b[150];
	unsigned seed = 11;
	for (int t = 0; t < 2000; t++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 150);
		for (size_t i = 0; i < n; i++) {
			x[i] = t % 2 ? (double)(rand_r(&seed) % 7) - 3 : (double)rand_r(&seed) / RAND_MAX * 10 - 5;
			xy[2 * i] = x[i];
			xy[2 * i + 1] = 0.0;
		}
		struct rips_input in1 = {RIPS_POINTS, n, 1, x}, in2 = {RIPS_POINTS, n, 2, xy};
		size_t na, nb;
		assert_int_equal(rips_h0(&in1, INFINITY, a, s1, &na), 0);
		assert_int_equal(rips_h0(&in2, INFINITY, b, s2, &nb), 0);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na * sizeof(a[0]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_point),
		cmocka_unit_test(test_two_points),
		cmocka_unit_test(test_four_points),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_collinear),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_equals_engine),
		cmocka_unit_test(test_random_vs_kruskal),
		cmocka_unit_test(test_line_path_equals_general),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
