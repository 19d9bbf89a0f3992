/*
 * test_window - sequence-addressed windows: storage, gathering with
 * missing points, replays ignored, and which windows close after a gap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scaled/window.h"

static struct tdp_point pt(uint64_t seq, double v)
{
	struct tdp_point p;
	memset(&p, 0, sizeof(p));
	p.seq = seq;
	p.t = 100.0 + (double)seq;
	p.dim = 1;
	p.v[0] = v;
	return p;
}

static void test_gather_in_order(void **state)
{
	(void)state;
	struct window w;
	assert_int_equal(window_init(&w, 4, 1), 0);
	for (uint64_t s = 0; s < 10; s++) {
		struct tdp_point p = pt(s, (double)s * 2);
		assert_int_equal(window_put(&w, &p), 0);
	}
	double vals[4], t0 = 0, t1 = 0;
	assert_int_equal(window_gather(&w, 6, vals, &t0, &t1), 4);
	for (int i = 0; i < 4; i++)
		assert_true(vals[i] == (double)(6 + i) * 2);
	assert_true(t0 == 106.0 && t1 == 109.0);
	/* a window that slid out is gone */
	assert_int_equal(window_gather(&w, 2, vals, &t0, &t1), 0);
	/* replay of an applied point is refused and changes nothing */
	struct tdp_point old = pt(8, -1);
	assert_int_equal(window_put(&w, &old), -1);
	assert_int_equal(window_gather(&w, 6, vals, &t0, &t1), 4);
	assert_true(vals[2] == 16.0);
	window_fini(&w);
}

static void test_gather_with_gap(void **state)
{
	(void)state;
	struct window w;
	assert_int_equal(window_init(&w, 5, 1), 0);
	uint64_t seqs[] = {0, 1, 4, 5};   /* 2 and 3 lost */
	for (int i = 0; i < 4; i++) {
		struct tdp_point p = pt(seqs[i], (double)seqs[i]);
		assert_int_equal(window_put(&w, &p), 0);
	}
	double vals[5], t0, t1;
	assert_int_equal(window_gather(&w, 1, vals, &t0, &t1), 3);   /* 1, 4, 5 */
	assert_true(vals[0] == 1 && vals[1] == 4 && vals[2] == 5);
	window_fini(&w);
}

struct seen {
	uint64_t k[64];
	int n;
};

static void record(void *ctx, uint64_t k)
{
	struct seen *s = ctx;
	if (s->n < 64)
		s->k[s->n] = k;
	s->n++;
}

/* Without gaps, each window closes exactly once, at its last point. */
static void test_closed_no_gaps(void **state)
{
	(void)state;
	struct seen s = {0};
	const uint32_t W = 10, S = 3;
	for (uint64_t seq = 0; seq < 40; seq++)
		window_each_closed(seq, seq, W, S, record, &s);
	/* windows k with k*3 + 9 <= 39: k = 0..10 */
	assert_int_equal(s.n, 11);
	for (int i = 0; i < 11; i++)
		assert_int_equal(s.k[i], (uint64_t)i);
}

static void test_closed_after_gap(void **state)
{
	(void)state;
	struct seen s = {0};
	/* W=10, S=3; points 0..11 came (next expected 12), then 30 arrives.
	 * Windows ending in [12, 30]: k=1 (3..12) .. k=7 (21..30).  Those
	 * holding earlier points start before 12: k <= 3.  And k=7 ends at 30. */
	window_each_closed(12, 30, 10, 3, record, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.k[0], 1);
	assert_int_equal(s.k[1], 2);
	assert_int_equal(s.k[2], 3);
	assert_int_equal(s.k[3], 7);
	/* The first point of a stream arrives late: only its window. */
	s.n = 0;
	window_each_closed(0, 29, 10, 5, record, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.k[0], 4);
	/* ... and when it ends no window, nothing. */
	s.n = 0;
	window_each_closed(0, 30, 10, 5, record, &s);
	assert_int_equal(s.n, 0);
}

static void test_closed_huge_gap_is_bounded(void **state)
{
	(void)state;
	struct seen s = {0};
	/* A gap of 10^15 points with slide 1 visits only the windows that
	 * hold points, not 10^15 empty ones (this would never finish). */
	window_each_closed(100, 1000000000000000ull, 8, 1, record, &s);
	/* windows ending 100..106 hold old points (start <= 99), then the last */
	assert_int_equal(s.n, 8);
	assert_int_equal(s.k[0], 93);
	assert_int_equal(s.k[6], 99);
	assert_int_equal(s.k[7], 1000000000000000ull - 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gather_in_order),
		cmocka_unit_test(test_gather_with_gap),
		cmocka_unit_test(test_closed_no_gaps),
		cmocka_unit_test(test_closed_after_gap),
		cmocka_unit_test(test_closed_huge_gap_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
