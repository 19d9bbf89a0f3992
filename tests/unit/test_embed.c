/*
 * test_embed.c - delay_embed_count() and delay_embed().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scaled/embed.h"

static void test_count(void **state)
{
	(void)state;
	/* n - (d-1)L when positive, else 0. */
	assert_int_equal(delay_embed_count(10, 3, 2), 6);
	assert_int_equal(delay_embed_count(5, 3, 2), 1);
	assert_int_equal(delay_embed_count(4, 3, 2), 0);
	assert_int_equal(delay_embed_count(2, 3, 2), 0);
	assert_int_equal(delay_embed_count(0, 1, 1), 0);
	assert_int_equal(delay_embed_count(7, 1, 5), 7);	/* dim 1: the series */
	assert_int_equal(delay_embed_count(7, 4, 0), 7);	/* lag 0: repeated coordinate */
	assert_int_equal(delay_embed_count(7, 0, 1), 0);	/* dim 0: nothing */
	/* (d-1)L must not wrap around in 32 bits. */
	assert_int_equal(delay_embed_count(100, 3, UINT32_MAX), 0);
	assert_int_equal(delay_embed_count(100, UINT32_MAX, 2), 0);
}

static void test_embed_values(void **state)
{
	(void)state;
	const double x[] = { 0, 1, 2, 3, 4, 5, 6 };
	const double want[] = { 0, 2, 4, 1, 3, 5, 2, 4, 6 };
	double out[10];

	out[9] = -1;
	assert_int_equal(delay_embed_count(7, 3, 2), 3);
	delay_embed(x, 7, 3, 2, out);
	for (int i = 0; i < 9; i++)
		assert_true(out[i] == want[i]);
	assert_true(out[9] == -1);	/* nothing past the last point */
}

static void test_embed_lag1(void **state)
{
	(void)state;
	const double x[] = { 3, 1, 4, 1, 5 };
	const double want[] = { 3, 1, 1, 4, 4, 1, 1, 5 };
	double out[9];

	out[8] = -1;
	delay_embed(x, 5, 2, 1, out);
	for (int i = 0; i < 8; i++)
		assert_true(out[i] == want[i]);
	assert_true(out[8] == -1);
}

static void test_embed_dim1_copy(void **state)
{
	(void)state;
	const double x[] = { 2.5, -1, 7 };
	double out[4] = { 0, 0, 0, -1 };

	delay_embed(x, 3, 1, 9, out);
	for (int i = 0; i < 3; i++)
		assert_true(out[i] == x[i]);
	assert_true(out[3] == -1);
}

static void test_embed_too_short(void **state)
{
	(void)state;
	const double x[] = { 1, 2 };
	double out[1] = { -1 };

	delay_embed(x, 2, 3, 1, out);
	assert_true(out[0] == -1);
	delay_embed(NULL, 0, 2, 1, out);
	assert_true(out[0] == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_embed_values),
		cmocka_unit_test(test_embed_lag1),
		cmocka_unit_test(test_embed_dim1_copy),
		cmocka_unit_test(test_embed_too_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
