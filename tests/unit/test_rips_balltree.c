/*
 * test_rips_balltree.c - the ball tree's pairs are exactly the pairs that
 * every-pair measuring finds (scaled/rips_balltree.h), with the same
 * distances bit for bit, on clouds made to trip a tree: duplicates,
 * distances tied at exactly the threshold, collinear and lattice points,
 * R^1 to R^12, thresholds from 0 to past the diameter.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/rips_balltree.h"

struct found {
	size_t n, len;
	double *d;        /* n x n: the distance reported for (i, j), i > j; -1 if not */
	size_t calls;
};

static void record(void *ctx, uint32_t i, uint32_t j, double d)
{
	struct found *f = ctx;
	assert_true(i > j);
	assert_true(i < f->n);
	assert_true(f->d[(size_t)i * f->n + j] < 0);	/* each pair once */
	f->d[(size_t)i * f->n + j] = d;
	f->calls++;
}

/* The tree's pairs within THR equal every pair's, distances bit for bit;
 * and the count alone and a count cut at a limit agree with them. */
static void check(const double *p, size_t n, size_t dim, double thr)
{
	void *mem = malloc(rips_balltree_size(n, dim) + 8);
	struct found f = {n, 0, malloc(n * n * sizeof(double)), 0};
	assert_non_null(mem);
	assert_non_null(f.d);
	for (size_t i = 0; i < n * n; i++)
		f.d[i] = -1;
	struct rips_balltree t;
	rips_balltree_build(&t, p, n, dim, mem);
	assert_true(rips_balltree_finite(&t));
	size_t got = rips_balltree_pairs(&t, thr, SIZE_MAX, record, &f);
	size_t want = 0;
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			double d = rips_euclid(p + i * dim, p + j * dim, dim);
			double r = f.d[i * n + j];
			if (d <= thr) {
				want++;
				assert_true(r == d);
			} else {
				assert_true(r < 0);
			}
		}
	}
	assert_int_equal(got, want);
	assert_int_equal(f.calls, want);
	assert_int_equal(rips_balltree_pairs(&t, thr, SIZE_MAX, NULL, NULL), want);
	if (want > 0)
		assert_int_equal(rips_balltree_pairs(&t, thr, want - 1, NULL, NULL), want);   /* cut: limit + 1 */
	free(f.d);
	free(mem);
}

static double unit(unsigned *seed)
{
	return (double)rand_r(seed) / RAND_MAX;
}

/* Uniform clouds of 1 to 12 coordinates, with some points repeated. */
static void test_random_with_duplicates(void **state)
{
	(void)state;
	unsigned seed = 1;
	for (size_t dim = 1; dim <= 12; dim++) {
		size_t n = 150;
		double *p = malloc(n * dim * sizeof(double));
		assert_non_null(p);
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < dim; c++)
				p[i * dim + c] = i % 5 == 4 ? p[(i - 3) * dim + c] : unit(&seed);
		const double thr[] = {0, 0.05, 0.3, 0.6, 1.0, 10};
		for (size_t k = 0; k < sizeof(thr) / sizeof(thr[0]); k++)
			check(p, n, dim, thr[k]);
		free(p);
	}
}

/* Lattice points (integer coordinates): distances tie in bunches, and the
 * thresholds are distances of the cloud itself, met exactly. */
static void test_ties_at_threshold(void **state)
{
	(void)state;
	unsigned seed = 2;
	for (size_t dim = 5; dim <= 12; dim++) {
		size_t n = 200;
		double *p = malloc(n * dim * sizeof(double));
		assert_non_null(p);
		for (size_t i = 0; i < n * dim; i++)
			p[i] = (double)(rand_r(&seed) % 4);
		for (int k = 0; k < 4; k++) {
			size_t a = (size_t)rand_r(&seed) % n, b = (size_t)rand_r(&seed) % n;
			check(p, n, dim, rips_euclid(p + a * dim, p + b * dim, dim));
		}
		free(p);
	}
}

/* Collinear points, evenly spaced and jittered along a line of R^9 that
 * is not an axis, and a cloud at one place. */
static void test_collinear_and_coincident(void **state)
{
	(void)state;
	const size_t dim = 9, n = 120;
	double p[120 * 9], dir[9];
	unsigned seed = 3;
	for (size_t c = 0; c < dim; c++)
		dir[c] = unit(&seed) - 0.5;
	for (int jitter = 0; jitter < 2; jitter++) {
		for (size_t i = 0; i < n; i++) {
			double s = (double)i * 0.1 + (jitter ? unit(&seed) * 0.01 : 0);
			for (size_t c = 0; c < dim; c++)
				p[i * dim + c] = 3 + s * dir[c];
		}
		double step = rips_euclid(p + 1 * dim, p, dim);
		check(p, n, dim, step);
		check(p, n, dim, 2 * step);
		check(p, n, dim, 0.37);
	}
	for (size_t i = 0; i < n * dim; i++)
		p[i] = 0.25;
	check(p, n, dim, 0);
	check(p, n, dim, 1);
}

/* A cloud larger than a few leaves, at thresholds keeping few pairs:
 * where the tree skips most of them. */
static void test_larger_cloud(void **state)
{
	(void)state;
	const size_t dim = 6, n = 1500;
	double *p = malloc(n * dim * sizeof(double));
	assert_non_null(p);
	unsigned seed = 4;
	for (size_t i = 0; i < n * dim; i++)
		p[i] = unit(&seed);
	check(p, n, dim, 0.15);
	check(p, n, dim, 0.3);
	free(p);
}

/* Coordinates near the largest double overflow the balls: the tree says
 * so, and the engine then measures every pair. */
static void test_overflow_reported(void **state)
{
	(void)state;
	double p[40 * 5];
	for (size_t i = 0; i < 40 * 5; i++)
		p[i] = 1.5e308 * (i % 2 ? 1 : 0.9);
	void *mem = malloc(rips_balltree_size(40, 5));
	assert_non_null(mem);
	struct rips_balltree t;
	rips_balltree_build(&t, p, 40, 5, mem);
	assert_false(rips_balltree_finite(&t));
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_with_duplicates),
		cmocka_unit_test(test_ties_at_threshold),
		cmocka_unit_test(test_collinear_and_coincident),
		cmocka_unit_test(test_larger_cloud),
		cmocka_unit_test(test_overflow_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
