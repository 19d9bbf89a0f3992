/*
 * test_sublevel.c - sublevel_h0() and diagram_sort() on hand-computed cases.
 *
 * Every expected diagram below was worked out by hand with the elder rule
 * on the path graph (vertex i enters at x[i], edge (i, i+1) at
 * max(x[i], x[i+1])) and cross-checked with GUDHI's CubicalComplex.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "scaled/diagram.h"
#include "scaled/sublevel.h"

/*
 * Run sublevel_h0() on X[0..n) with exactly-sized heap buffers (so ASan
 * catches any overrun of OUT or SCRATCH) and check it against WANT.
 */
static void check_sublevel(const double *x, size_t n, const struct tdp_interval *want, size_t nwant)
{
	struct tdp_interval *out = malloc((n ? n : 1) * sizeof(*out));
	void *scratch = malloc(sublevel_scratch_size(n) ? sublevel_scratch_size(n) : 1);

	assert_non_null(out);
	assert_non_null(scratch);
	size_t got = sublevel_h0(x, n, out, scratch);

	assert_int_equal(got, nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_true(out[i].birth == want[i].birth);
		assert_true(out[i].death == want[i].death);
	}
	free(scratch);
	free(out);
}

#define CHECK(x, want) check_sublevel((x), sizeof(x) / sizeof((x)[0]), (want), sizeof(want) / sizeof((want)[0]))

static void test_pi_digits(void **state)
{
	(void)state;
	/* Minima 1 (i=1), 1 (i=3), 2 (i=6).  At 4 the two 1s meet: the later
	 * one (i=3) dies, [1,4).  At 9 the 2 meets the 1s: [2,9). */
	const double x[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	const struct tdp_interval want[] = { { 1, 4 }, { 1, INFINITY }, { 2, 9 } };

	CHECK(x, want);
}

static void test_empty(void **state)
{
	(void)state;
	struct tdp_interval out[1] = { { -7, -7 } };
	size_t scratch[1];

	assert_int_equal(sublevel_scratch_size(0), 0);
	assert_int_equal(sublevel_h0(NULL, 0, out, scratch), 0);
	/* Nothing written. */
	assert_true(out[0].birth == -7 && out[0].death == -7);
}

static void test_single(void **state)
{
	(void)state;
	const double x[] = { 5 };
	const struct tdp_interval want[] = { { 5, INFINITY } };

	CHECK(x, want);
}

static void test_two(void **state)
{
	(void)state;
	const double down[] = { 2, 1 };
	const double same[] = { 1, 1 };
	const struct tdp_interval want1[] = { { 1, INFINITY } };

	CHECK(down, want1);
	CHECK(same, want1);
}

static void test_constant(void **state)
{
	(void)state;
	/* Every merge happens at the birth value: all zero-length, dropped. */
	const double x[] = { 2, 2, 2, 2, 2, 2 };
	const struct tdp_interval want[] = { { 2, INFINITY } };

	CHECK(x, want);
}

static void test_monotone(void **state)
{
	(void)state;
	const double up[] = { -3, -1, 0, 2.5, 7, 100 };
	const double down[] = { 100, 7, 2.5, 0, -1, -3 };
	const struct tdp_interval want[] = { { -3, INFINITY } };

	CHECK(up, want);
	CHECK(down, want);
}

static void test_plateaus(void **state)
{
	(void)state;
	/* The 2-plateau and the 3-plateau are not minima; the 1-plateau is,
	 * and dies at 3 into the 0 at the end. */
	const double x[] = { 2, 2, 1, 1, 3, 3, 0 };
	const struct tdp_interval want[] = { { 0, INFINITY }, { 1, 3 } };

	CHECK(x, want);
}

static void test_tied_minima(void **state)
{
	(void)state;
	/* Two flat minima at the same level: one dies at 1, whichever it is. */
	const double x[] = { 1, 0, 0, 1, 0, 0, 2 };
	const struct tdp_interval want[] = { { 0, 1 }, { 0, INFINITY } };
	/* Three equal minima, equal barriers: two [0,5). */
	const double w[] = { 0, 5, 0, 5, 0 };
	const struct tdp_interval wantw[] = { { 0, 5 }, { 0, 5 }, { 0, INFINITY } };

	CHECK(x, want);
	CHECK(w, wantw);
}

static void test_nested(void **state)
{
	(void)state;
	/* Minima -1 (i=1), -2 (i=3), 0 (i=5).  At 3 (i=2) -1 meets -2 and
	 * dies; at 4 (i=4) 0 meets the -2 component and dies.  The end values
	 * 5 and 6 join at their own value. */
	const double x[] = { 5, -1, 3, -2, 4, 0, 6 };
	const struct tdp_interval want[] = { { -2, INFINITY }, { -1, 3 }, { 0, 4 } };

	CHECK(x, want);
}

static void test_elder_not_leftmost(void **state)
{
	(void)state;
	/* The elder (lower) minimum is on the right: the left one dies. */
	const double x[] = { 1, 4, 0 };
	const struct tdp_interval want[] = { { 0, INFINITY }, { 1, 4 } };

	CHECK(x, want);
}

static void test_sawtooth_large(void **state)
{
	(void)state;
	/* 0,1,0,1,...,0: 50001 minima at 0, each but one dies at 1.  Large
	 * enough to show the sort and the union-find are not recursive. */
	size_t n = 100001;
	double *x = malloc(n * sizeof(*x));
	struct tdp_interval *out = malloc(n * sizeof(*out));
	void *scratch = malloc(sublevel_scratch_size(n));

	assert_non_null(x);
	assert_non_null(out);
	assert_non_null(scratch);
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(i % 2);
	size_t got = sublevel_h0(x, n, out, scratch);

	assert_int_equal(got, 50001);
	for (size_t i = 0; i < 50000; i++)
		assert_true(out[i].birth == 0 && out[i].death == 1);
	assert_true(out[50000].birth == 0 && isinf(out[50000].death));
	free(scratch);
	free(out);
	free(x);
}

static void test_output_sorted(void **state)
{
	(void)state;
	/* A pseudo-random series: the result must be sorted, have exactly one
	 * essential class at the minimum, and only positive lengths. */
	size_t n = 997;
	double *x = malloc(n * sizeof(*x));
	struct tdp_interval *out = malloc(n * sizeof(*out));
	void *scratch = malloc(sublevel_scratch_size(n));
	uint32_t s = 12345;
	double lo = INFINITY;

	assert_non_null(x);
	assert_non_null(out);
	assert_non_null(scratch);
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		x[i] = (double)((s >> 16) % 50);	/* many ties */
		if (x[i] < lo)
			lo = x[i];
	}
	size_t got = sublevel_h0(x, n, out, scratch);
	size_t essential = 0;

	assert_true(got >= 1 && got <= n);
	for (size_t i = 0; i < got; i++) {
		assert_true(out[i].death > out[i].birth);
		if (isinf(out[i].death)) {
			essential++;
			assert_true(out[i].birth == lo);
		}
		if (i > 0)
			assert_true(out[i - 1].birth < out[i].birth ||
				    (out[i - 1].birth == out[i].birth && out[i - 1].death <= out[i].death));
	}
	assert_int_equal(essential, 1);
	free(scratch);
	free(out);
	free(x);
}

static void test_diagram_sort(void **state)
{
	(void)state;
	struct tdp_interval iv[] = {
		{ 2, 9 }, { 1, INFINITY }, { 1, 4 }, { -1, 0 }, { 2, 3 }, { 1, 4 }, { 0, INFINITY },
	};
	const struct tdp_interval want[] = {
		{ -1, 0 }, { 0, INFINITY }, { 1, 4 }, { 1, 4 }, { 1, INFINITY }, { 2, 3 }, { 2, 9 },
	};
	size_t n = sizeof(iv) / sizeof(iv[0]);

	diagram_sort(iv, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(iv[i].birth == want[i].birth);
		assert_true(iv[i].death == want[i].death);
	}
	diagram_sort(iv, 0);	/* no-op, must not touch anything */
	diagram_sort(iv, 1);
	assert_true(iv[0].birth == -1 && iv[0].death == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pi_digits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_two),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_monotone),
		cmocka_unit_test(test_plateaus),
		cmocka_unit_test(test_tied_minima),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_elder_not_leftmost),
		cmocka_unit_test(test_sawtooth_large),
		cmocka_unit_test(test_output_sorted),
		cmocka_unit_test(test_diagram_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
