/*
 * test_anomaly.c - the anomaly score's rules (scaled/anomaly.h,
 * tdapipe-events(5)): the robust z-score against the history, medians of
 * odd and even counts, the MAD-0 rule and its mean-deviation fallback,
 * infinite scores, a partial and a wrapped ring, the threshold only once
 * the history is full, and the signals read off a result (summary values
 * and distances, none for a first window or a dimension not computed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/anomaly.h"

static struct anomaly make(struct tdp_anomaly_cfg *cfg, unsigned signal, uint32_t history, double threshold)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->on = true;
	cfg->signal = signal;
	cfg->history = history;
	cfg->threshold = threshold;
	struct anomaly a;
	assert_int_equal(anomaly_init(&a, cfg), 0);
	return a;
}

static void test_robust_z(void **state)
{
	(void)state;
	struct tdp_anomaly_cfg cfg;
	struct anomaly a = make(&cfg, TDP_SIGNAL_TOTAL, 5, 3);
	struct tdp_result_events e;
	/* Odd count: median 3, deviations 2 1 0 1 7 -> MAD 1. */
	double h[5] = {1, 2, 3, 4, 10};
	assert_false(anomaly_score(&a, h, 5, 0, 4, &e));
	assert_true(e.median == 3 && e.mad == 1 && e.history == 5);
	assert_true(e.score == (4 - 3) / (1.4826 * 1));
	/* The threshold, reached exactly: an anomaly. */
	double x = 3 + 3 * 1.4826;
	assert_true(anomaly_score(&a, h, 5, 0, x, &e) == (e.score >= 3));
	assert_true(anomaly_score(&a, h, 5, 0, 3 + 4 * 1.4826, &e));
	/* Below the median: negative, never an anomaly. */
	assert_false(anomaly_score(&a, h, 5, 0, -100, &e));
	assert_true(e.score < -3);
	anomaly_fini(&a);
}

static void test_even_and_partial(void **state)
{
	(void)state;
	struct tdp_anomaly_cfg cfg;
	struct anomaly a = make(&cfg, TDP_SIGNAL_TOTAL, 6, 2);
	struct tdp_result_events e;
	/* Four of six slots: median (2+4)/2 = 3, deviations 2 1 1 5 -> MAD 1.5. */
	double h[6] = {4, 1, 8, 2, 99, 99};
	assert_false(anomaly_score(&a, h, 4, 4, 100, &e));   /* not full: no anomaly, still a score */
	assert_true(e.median == 3 && e.mad == 1.5 && e.history == 4);
	assert_true(e.score == (100 - 3) / (1.4826 * 1.5));
	/* Empty history: no median, no score. */
	assert_false(anomaly_score(&a, h, 0, 0, 1, &e));
	assert_true(isnan(e.median) && isnan(e.mad) && isnan(e.score) && e.history == 0);
	/* No value: median and MAD, no score. */
	assert_false(anomaly_score(&a, h, 4, 4, NAN, &e));
	assert_true(e.median == 3 && isnan(e.score));
	anomaly_fini(&a);
}

static void test_mad_zero(void **state)
{
	(void)state;
	struct tdp_anomaly_cfg cfg;
	struct anomaly a = make(&cfg, TDP_SIGNAL_COUNT, 5, 6);
	struct tdp_result_events e;
	/* MAD 0 (three of five equal): the mean deviation, 1.253314 x. */
	double h[5] = {2, 2, 2, 5, 9};
	assert_false(anomaly_score(&a, h, 5, 0, 3, &e));
	assert_true(e.mad == 0);
	double mean = (0 + 0 + 0 + 3 + 7) / 5.0;
	assert_true(e.score == (3 - 2) / (1.253314 * mean));
	/* All equal: 0 at the median, infinite elsewhere (an anomaly above). */
	double same[5] = {7, 7, 7, 7, 7};
	assert_false(anomaly_score(&a, same, 5, 0, 7, &e));
	assert_true(e.score == 0);
	assert_true(anomaly_score(&a, same, 5, 0, 7.5, &e));
	assert_true(isinf(e.score) && e.score > 0);
	assert_false(anomaly_score(&a, same, 5, 0, 6, &e));
	assert_true(isinf(e.score) && e.score < 0);
	anomaly_fini(&a);
}

/* The mean deviation sums the ring oldest first: a wrapped ring gives the
 * sum in arrival order, whatever the slots. */
static void test_wrapped_ring(void **state)
{
	(void)state;
	struct tdp_anomaly_cfg cfg;
	struct anomaly a = make(&cfg, TDP_SIGNAL_COUNT, 7, 6);
	struct tdp_result_events e1, e2;
	/* MAD 0 (four of seven equal); three deviations to sum. */
	double arrival[7] = {1, 0.1, 1, 0.7, 1, 1e-16, 1};
	double ring[7];
	for (int i = 0; i < 7; i++)   /* oldest in slot 3: the next one goes there */
		ring[(3 + i) % 7] = arrival[i];
	assert_false(anomaly_score(&a, arrival, 7, 0, 1.5, &e1));
	assert_false(anomaly_score(&a, ring, 7, 3, 1.5, &e2));
	assert_true(e1.mad == 0 && e1.median == 1);
	double sum = 0;
	for (int i = 0; i < 7; i++)
		sum += fabs(arrival[i] - 1);
	assert_true(e1.score == 0.5 / (1.253314 * (sum / 7)));
	assert_true(e1.score == e2.score && e1.median == e2.median);
	anomaly_fini(&a);
}

/* Signals read off a result: summaries of the dimension's diagram. */
static void test_signals(void **state)
{
	(void)state;
	struct {
		struct tdp_result r;
		struct tdp_interval iv[8];
	} b;
	memset(&b, 0, sizeof(b));
	b.r.dims_mask = 3;
	b.r.count[0] = 2;
	b.r.count[1] = 3;
	b.iv[0] = (struct tdp_interval){0, INFINITY};
	b.iv[1] = (struct tdp_interval){0, 1};
	b.iv[2] = (struct tdp_interval){1, 2};
	b.iv[3] = (struct tdp_interval){1, 4};
	b.iv[4] = (struct tdp_interval){5, 5};   /* length 0: left out */
	struct tdp_anomaly_cfg cfg;
	double x;
	struct anomaly a = make(&cfg, TDP_SIGNAL_TOTAL, 3, 6);
	cfg.dim = 1;
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, NULL, &x), 0);
	assert_true(x == 4);
	cfg.signal = TDP_SIGNAL_COUNT;
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, NULL, &x), 0);
	assert_true(x == 2);
	/* Not computed: no value. */
	b.r.incomplete[1] = TDP_INCOMPLETE_MEMORY_MB;
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, NULL, &x), 0);
	assert_true(isnan(x));
	b.r.incomplete[1] = 0;
	anomaly_fini(&a);
	/* Distances: none without a previous window, exact with one. */
	a = make(&cfg, TDP_SIGNAL_BOTTLENECK, 3, 6);
	cfg.dim = 1;
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, NULL, &x), 0);
	assert_true(isnan(x));
	struct tdp_interval piv[2] = {{0, INFINITY}, {1, 3}};
	struct diagram_view prev = {.mask = 3, .count = {1, 1}, .iv = piv};
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, &prev, &x), 0);
	/* {(1,3)} vs {(1,2), (1,4)}: (1,3)->(1,4) costs 1, (1,2) to the
	 * diagonal 0.5; or (1,3)->(1,2) 1 and (1,4) 1.5: bottleneck 1. */
	assert_true(x == 1);
	/* H0 has different numbers of essential classes: infinite, none. */
	cfg.dim = 0;
	struct tdp_interval piv0[2] = {{0, 1}, {1, 3}};
	prev.iv = piv0;
	assert_int_equal(anomaly_signal(&a, &b.r, NULL, &prev, &x), 0);
	assert_true(isnan(x));
	anomaly_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robust_z),
		cmocka_unit_test(test_even_and_partial),
		cmocka_unit_test(test_mad_zero),
		cmocka_unit_test(test_wrapped_ring),
		cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
