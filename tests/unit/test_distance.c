/*
 * test_distance - the bottleneck and Wasserstein distances on cases small
 * enough to work out by hand: empty diagrams, one point against the
 * diagonal, points of length 0 left out, essential classes (matched by
 * sorted births; +inf when their numbers differ), a pair better matched
 * to each other than to the diagonal, symmetry, the same bits on every
 * call with one workspace (whatever was asked before: the Wasserstein
 * distance keeps a pair's geometry for the next call), equal points of
 * both diagrams ("twins") that a better matching goes through, the small
 * and the large bottleneck search, and a bad order refused.  The comparison with
 * GUDHI on thousands of pairs is tests/oracle/distances.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/distance.h"

static struct distance_ws *ws;

static int setup(void **state)
{
	(void)state;
	ws = distance_ws_new();
	return ws ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	distance_ws_free(ws);
	return 0;
}

static double bn(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb)
{
	double d = -1;
	assert_int_equal(distance_bottleneck(ws, a, na, b, nb, &d), 0);
	return d;
}

static double w(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb, unsigned p)
{
	double d = -1;
	assert_int_equal(distance_wasserstein(ws, a, na, b, nb, p, &d), 0);
	return d;
}

static void test_empty(void **state)
{
	(void)state;
	struct tdp_interval zero[] = { { 1, 1 }, { 2, 2 } };
	assert_true(bn(NULL, 0, NULL, 0) == 0);
	assert_true(w(NULL, 0, NULL, 0, 1) == 0);
	assert_true(w(NULL, 0, NULL, 0, 2) == 0);
	/* length 0 is left out: the same as empty */
	assert_true(bn(zero, 2, NULL, 0) == 0);
	assert_true(w(zero, 2, zero, 1, 2) == 0);
}

static void test_one_point(void **state)
{
	(void)state;
	struct tdp_interval a[] = { { 0, 13 } };
	assert_true(bn(a, 1, NULL, 0) == 6.5);   /* GUDHI's documented example */
	assert_true(bn(NULL, 0, a, 1) == 6.5);
	assert_true(w(a, 1, NULL, 0, 1) == 6.5);
	assert_true(w(a, 1, NULL, 0, 2) == 6.5);
}

static void test_pair(void **state)
{
	(void)state;
	struct tdp_interval a[] = { { 0, 1 }, { 0.5, 2 } }, b[] = { { 0, 1.125 } };
	/* (0,1)-(0,1.125) at 0.125, (0.5,2) to the diagonal at 0.75 */
	assert_true(bn(a, 2, b, 1) == 0.75);
	assert_true(w(a, 2, b, 1, 1) == 0.875);
	assert_true(fabs(w(a, 2, b, 1, 2) - sqrt(0.125 * 0.125 + 0.75 * 0.75)) < 1e-15);
	assert_true(bn(b, 1, a, 2) == 0.75);
	assert_true(w(b, 1, a, 2, 1) == 0.875);
}

static void test_essential(void **state)
{
	(void)state;
	struct tdp_interval a[] = { { 0, INFINITY }, { 3, INFINITY }, { 0, 1 } };
	struct tdp_interval b[] = { { 2.5, INFINITY }, { 1, INFINITY } };
	/* births sorted: 0-1 and 3-2.5; the finite point to the diagonal (0.5) */
	assert_true(bn(a, 3, b, 2) == 1);
	assert_true(w(a, 3, b, 2, 1) == 1 + 0.5 + 0.5);
	assert_true(w(a, 3, b, 2, 2) == sqrt(1 + 0.25 + 0.25));
	assert_true(isinf(bn(a, 3, b, 1)));
	assert_true(isinf(w(a, 3, b, 1, 1)));
	assert_true(isinf(w(a, 1, NULL, 0, 2)));
}

static void test_same_bits(void **state)
{
	(void)state;
	enum { N = 300 };
	struct tdp_interval *a = malloc(sizeof(*a) * N), *b = malloc(sizeof(*b) * N);
	assert_non_null(a);
	assert_non_null(b);
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double u = (double)(x >> 11) / 9007199254740992.0;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double v = (double)(x >> 11) / 9007199254740992.0;
		a[i] = (struct tdp_interval){ u, u + v / 4 };
		b[i] = (struct tdp_interval){ u + (v - 0.5) / 50, u + v / 4 + (u - 0.5) / 50 + 0.02 };
	}
	double d[3][2];
	for (int k = 0; k < 2; k++) {
		d[0][k] = bn(a, N, b, N - k * 17);
		d[1][k] = w(a, N, b, N - k * 17, 1);
		d[2][k] = w(a, N, b, N - k * 17, 2);
	}
	for (int k = 0; k < 2; k++) {
		assert_memory_equal(&d[0][k], &(double){ bn(a, N, b, N - k * 17) }, sizeof(double));
		assert_memory_equal(&d[1][k], &(double){ w(a, N, b, N - k * 17, 1) }, sizeof(double));
		assert_memory_equal(&d[2][k], &(double){ w(a, N, b, N - k * 17, 2) }, sizeof(double));
	}
	/* symmetric, and the bottleneck bounds the order-2 distance's terms */
	assert_true(bn(b, N, a, N) == d[0][0]);
	assert_true(fabs(w(b, N, a, N, 1) - d[1][0]) <= 1e-12 * d[1][0]);
	assert_true(d[0][0] <= d[2][0] && d[2][0] <= d[1][0]);
	free(a);
	free(b);
}

/* Twins help: (0,10) and (2,10) are 2 apart, but through the twin (1,10) each moves by 1. */
static void test_twins(void **state)
{
	(void)state;
	struct tdp_interval a[] = { { 0, 10 }, { 1, 10 } }, b[] = { { 1, 10 }, { 2, 10 } };
	assert_true(bn(a, 2, b, 2) == 1);
	assert_true(bn(b, 2, a, 2) == 1);
	assert_true(w(a, 2, b, 2, 1) == 2);
	assert_true(w(a, 2, b, 2, 2) == sqrt(2));
}

/*
 * A diagram and its copy moved by 1/4 (exact in doubles), every interval
 * longer than 2: the bottleneck is 1/4 both below and above the size
 * where the small diagrams' search hands over to the bisection (na * nb
 * = 2^17), and each Wasserstein order gives the same bits alone as after
 * the other (the geometry kept between calls, or not).
 */
static void test_shifted(void **state)
{
	(void)state;
	enum { N = 400 };
	struct tdp_interval *a = malloc(sizeof(*a) * N), *b = malloc(sizeof(*b) * N);
	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i < N; i++) {
		a[i] = (struct tdp_interval){ i / 8., i / 8. + 2 + (i % 7) };
		b[i] = (struct tdp_interval){ a[i].birth + 0.25, a[i].death + 0.25 };
	}
	assert_true(bn(a, 100, b, 100) == 0.25);
	assert_true(bn(a, N, b, N) == 0.25);
	assert_true(bn(b, N, a, N - 10) > 0.25);
	for (unsigned p = 1; p <= 2; p++) {
		double first = w(a, N, b, N, p), again = w(a, N, b, N, 3 - p);
		(void)again;
		assert_memory_equal(&first, &(double){ w(a, N, b, N, p) }, sizeof(double));
		assert_memory_equal(&first, &(double){ (w(a, 3, b, 3, p), w(a, N, b, N, p)) }, sizeof(double));
	}
	free(a);
	free(b);
}

static void test_bad_order(void **state)
{
	(void)state;
	double d;
	assert_int_equal(distance_wasserstein(ws, NULL, 0, NULL, 0, 3, &d), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_point),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_essential),
		cmocka_unit_test(test_same_bits),
		cmocka_unit_test(test_twins),
		cmocka_unit_test(test_shifted),
		cmocka_unit_test(test_bad_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
