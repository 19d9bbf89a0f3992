/*
 * test_scale_take.c - whether a scale takes a point, and what it takes
 * (common/scale_take.h): the one decision ingest and the scale workers
 * share.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/scale_take.h"

static struct tdp_scale_cfg scale(enum tdp_complex cx, uint32_t embed, uint32_t n, const uint8_t *coord)
{
	struct tdp_scale_cfg sc;
	memset(&sc, 0, sizeof(sc));
	sc.complex = cx;
	sc.embed_dim = embed;
	sc.values.n = n;
	sc.values.scalar = n == 1;
	for (uint32_t i = 0; i < n; i++)
		sc.values.coord[i] = coord[i];
	return sc;
}

static struct tdp_point point(uint32_t dim, const double *v)
{
	struct tdp_point p;
	memset(&p, 0, sizeof(p));
	p.dim = (uint16_t)dim;
	memcpy(p.v, v, sizeof(double) * dim);
	return p;
}

/* Without a selection: every coordinate, present; a series one value. */
static void test_no_selection(void **state)
{
	(void)state;
	struct tdp_scale_cfg rips = scale(TDP_COMPLEX_RIPS, 0, 0, NULL);
	struct tdp_scale_cfg lev = scale(TDP_COMPLEX_SUBLEVEL, 0, 0, NULL);
	struct tdp_scale_cfg emb = scale(TDP_COMPLEX_RIPS, 3, 0, NULL);
	double v3[3] = {1, 2, 3}, gap[3] = {1, NAN, 3}, one[1] = {5};
	uint32_t c;
	assert_int_equal(tdp_scale_take(&rips, v3, 3, &c), TDP_TAKE);
	assert_int_equal(tdp_scale_take(&rips, gap, 3, &c), TDP_TAKE_ABSENT);
	assert_int_equal(c, 1);
	assert_int_equal(tdp_scale_take(&lev, v3, 3, &c), TDP_TAKE_NOT_SCALAR);
	assert_int_equal(tdp_scale_take(&emb, v3, 3, &c), TDP_TAKE_NOT_SCALAR);
	assert_int_equal(tdp_scale_take(&lev, one, 1, &c), TDP_TAKE);
	one[0] = NAN;
	assert_int_equal(tdp_scale_take(&lev, one, 1, &c), TDP_TAKE_ABSENT);
	assert_int_equal(c, 0);
	/* Dimensions as they were: a scalar scale keeps 1, rips the point's. */
	assert_int_equal(tdp_scale_dim(&lev, 3), 1);
	assert_int_equal(tdp_scale_dim(&rips, 3), 3);
	struct tdp_point p = point(3, v3);
	tdp_scale_select(&rips, &p);
	assert_int_equal(p.dim, 3);
	assert_true(p.v[0] == 1 && p.v[1] == 2 && p.v[2] == 3);
}

/* A selection: each selected coordinate exists and is present, whatever
 * the others hold; the point becomes the selection, in its order. */
static void test_selection(void **state)
{
	(void)state;
	const uint8_t two[] = {2}, rev[] = {2, 0};
	struct tdp_scale_cfg lev = scale(TDP_COMPLEX_SUBLEVEL, 0, 1, two);
	struct tdp_scale_cfg pair = scale(TDP_COMPLEX_RIPS, 0, 2, rev);
	double v3[3] = {1, NAN, 3}, v2[2] = {1, 2};
	uint32_t c;
	assert_int_equal(tdp_scale_take(&lev, v3, 3, &c), TDP_TAKE);   /* coordinate 1 is not its */
	assert_int_equal(tdp_scale_take(&pair, v3, 3, &c), TDP_TAKE);
	assert_int_equal(tdp_scale_take(&lev, v2, 2, &c), TDP_TAKE_NO_COORD);
	assert_int_equal(c, 2);
	assert_int_equal(tdp_scale_take(&pair, v2, 2, &c), TDP_TAKE_NO_COORD);
	assert_int_equal(c, 2);
	v3[0] = NAN;
	assert_int_equal(tdp_scale_take(&pair, v3, 3, &c), TDP_TAKE_ABSENT);
	assert_int_equal(c, 0);
	v3[0] = 1;
	struct tdp_point p = point(3, (double[]){7, 8, 9});
	tdp_scale_select(&pair, &p);
	assert_int_equal(p.dim, 2);
	assert_true(p.v[0] == 9 && p.v[1] == 7 && p.v[2] == 0);
	p = point(3, (double[]){7, 8, 9});
	tdp_scale_select(&lev, &p);
	assert_int_equal(p.dim, 1);
	assert_true(p.v[0] == 9 && p.v[1] == 0);
	/* A refused point still gets the scale's dimension (its store's). */
	p = point(2, v2);
	tdp_scale_select(&pair, &p);
	assert_int_equal(p.dim, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_selection),
		cmocka_unit_test(test_selection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
