/*
 * test_rips_h0.c - rips_h0() on hand-computed clouds and against a naive
 * Kruskal minimum spanning tree.
 *
 * H0 of a Rips filtration: n classes born at 0, one dying at each MST edge
 * length (Kruskal's merges), one essential.  Zero-length edges (duplicate
 * points) give zero-length intervals, which are dropped.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "scaled/rips_h0.h"

/* Run rips_h0() with exactly-sized heap buffers so ASan sees overruns. */
static size_t run_rips(const double *pts, size_t n, size_t dim, struct tdp_interval **outp)
{
	struct tdp_interval *out = malloc((n ? n : 1) * sizeof(*out));
	size_t ss = rips_h0_scratch_size(n);
	void *scratch = malloc(ss ? ss : 1);

	assert_non_null(out);
	assert_non_null(scratch);
	size_t got = rips_h0(pts, n, dim, out, scratch);

	free(scratch);
	*outp = out;
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

	assert_int_equal(rips_h0_scratch_size(0), 0);
	assert_int_equal(rips_h0(NULL, 0, 2, out, scratch), 0);
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

static void test_zero_dim(void **state)
{
	(void)state;
	/* Points in R^0 all coincide. */
	const double dummy[1] = { 0 };

	check_rips(dummy, 5, 0, NULL, 0);
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
		size_t na = rips_h0(x, n, 1, a, s1), nb = rips_h0(xy, n, 2, b, s2);
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
		cmocka_unit_test(test_zero_dim),
		cmocka_unit_test(test_random_vs_kruskal),
		cmocka_unit_test(test_line_path_equals_general),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
