/*
 * test_landmarks - max-min subsampling: the first point first, then the
 * farthest from those chosen (ties to the lowest index), deterministic,
 * and the chosen set covers every point within the last max-min distance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/landmarks.h"

static void test_line(void **state)
{
	(void)state;
	/* points 0, 1, 2, 10 on a line: 0 first, then 10 (the farthest), then
	 * 2 (2 away from {0, 10}, where 1 is only 1 away) */
	double pts[] = {0, 1, 2, 10}, out[3], scratch[4];
	landmarks_maxmin(pts, 4, 1, 3, out, scratch);
	assert_true(out[0] == 0 && out[1] == 10 && out[2] == 2);
}

static void test_ties_lowest_index(void **state)
{
	(void)state;
	/* a square: from corner 0 the farthest is the opposite corner 2; then
	 * corners 1 and 3 tie: the lower index wins */
	double pts[] = {0, 0, 1, 0, 1, 1, 0, 1}, out[6], scratch[4];
	landmarks_maxmin(pts, 4, 2, 3, out, scratch);
	assert_true(out[0] == 0 && out[1] == 0);
	assert_true(out[2] == 1 && out[3] == 1);
	assert_true(out[4] == 1 && out[5] == 0);
}

static void test_covering_radius(void **state)
{
	(void)state;
	enum { N = 400, M = 40, D = 3 };
	static double pts[N * D], out[M * D], out2[M * D], scratch[N];
	unsigned seed = 5;
	for (int i = 0; i < N * D; i++)
		pts[i] = (double)rand_r(&seed) / RAND_MAX;
	landmarks_maxmin(pts, N, D, M, out, scratch);
	landmarks_maxmin(pts, N, D, M, out2, scratch);
	assert_memory_equal(out, out2, sizeof(out));   /* deterministic */
	/* every chosen landmark is one of the points, chosen once */
	for (int j = 0; j < M; j++) {
		int found = 0;
		for (int i = 0; i < N; i++)
			found += !memcmp(out + j * D, pts + i * D, sizeof(double) * D);
		assert_int_equal(found, 1);
		for (int k = 0; k < j; k++)
			assert_memory_not_equal(out + j * D, out + k * D, sizeof(double) * D);
	}
	/* covering: no point is farther from the landmarks than the smallest
	 * distance between two landmarks chosen (the max-min property) */
	double sep = INFINITY, cover = 0;
	for (int j = 0; j < M; j++)
		for (int k = 0; k < j; k++) {
			double s = 0;
			for (int c = 0; c < D; c++)
				s += (out[j * D + c] - out[k * D + c]) * (out[j * D + c] - out[k * D + c]);
			sep = fmin(sep, sqrt(s));
		}
	for (int i = 0; i < N; i++) {
		double best = INFINITY;
		for (int j = 0; j < M; j++) {
			double s = 0;
			for (int c = 0; c < D; c++)
				s += (pts[i * D + c] - out[j * D + c]) * (pts[i * D + c] - out[j * D + c]);
			best = fmin(best, sqrt(s));
		}
		cover = fmax(cover, best);
	}
	assert_true(cover <= sep + 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_ties_lowest_index),
		cmocka_unit_test(test_covering_radius),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
