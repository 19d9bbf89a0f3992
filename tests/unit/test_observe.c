/*
 * test_observe - what publish records of the results it commits
 * (publish/observe.c), on a real segment layout: a result's latest-table
 * entry (finite intervals of positive length, essential ones, total
 * persistence, the dimensions computed, the score when there is one),
 * and, per commit, each published result's latency in its scale's
 * histogram exactly once: not for duplicates publish dropped, not for
 * descriptors past the commit, not for an unknown read time; the latest
 * entry only for streams the table has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "common/hist.h"
#include "common/latest.h"
#include "common/ring.h"
#include "publish/observe.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static int setup(void **state)
{
	(void)state;
	return seg_from_yaml(&fx, SEG_MEMORY, "unit-observe",
			     "source: {type: stdin}\n"
			     "max_streams: 8\n"
			     "metrics: {listen: 127.0.0.1:9464, streams: 2}\n"
			     "scales:\n"
			     "  - {name: a, complex: sublevel, window: 10, slide: 5,\n"
			     "     anomaly: {signal: total, history: 5, threshold: 3}}\n"
			     "  - {name: b, complex: rips, window: 10, slide: 5, dims: [0, 1]}\n");
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

/* A result in BUF: H0 {[0,1], [0.5,0.5], [0,inf]}, H1 {[1,3], [2,2.5]},
 * H2 asked for and not computed; with SCORE, an events section. */
static struct tdp_result *make_result(void *buf, uint32_t stream, uint64_t window, bool events, double score)
{
	struct tdp_result *r = buf;
	memset(r, 0, sizeof(*r));
	r->stream = stream;
	r->window = window;
	r->end = 40 + (int64_t)window;
	r->dims_mask = 7;
	r->count[0] = 3;
	r->count[1] = 2;
	r->incomplete[2] = TDP_INCOMPLETE_MEMORY_MB;
	struct tdp_interval *iv = tdp_result_intervals(r);
	iv[0] = (struct tdp_interval){0, 1};
	iv[1] = (struct tdp_interval){0.5, 0.5};
	iv[2] = (struct tdp_interval){0, INFINITY};
	iv[3] = (struct tdp_interval){1, 3};
	iv[4] = (struct tdp_interval){2, 2.5};
	size_t size = tdp_result_size(5);
	if (events) {
		r->flags |= TDP_RESULT_EVENTS;
		struct tdp_result_events *e = (struct tdp_result_events *)((char *)r + size);
		*e = (struct tdp_result_events){.value = 1, .median = NAN, .mad = NAN, .score = score,
						.flags = TDP_EVENTS_SCORED};
		size += sizeof(*e);
	}
	r->size = (uint32_t)size;
	return r;
}

static void test_latest_of(void **state)
{
	(void)state;
	uint64_t buf[64];
	struct tdp_latest l;
	observe_latest_of(make_result(buf, 1, 7, true, 2.5), &l);
	assert_int_equal(l.flags, TDP_LATEST_SET | TDP_LATEST_SCORED);
	assert_int_equal(l.window, 7);
	assert_int_equal(l.end, 47);
	assert_int_equal(l.dims_mask, 3);   /* H2 was not computed */
	assert_int_equal(l.count[0], 1);    /* [0.5, 0.5] has no length */
	assert_int_equal(l.essential[0], 1);
	assert_true(l.total[0] == 1.0);
	assert_int_equal(l.count[1], 2);
	assert_int_equal(l.essential[1], 0);
	assert_true(l.total[1] == 2.5);
	assert_int_equal(l.count[2], 0);
	assert_true(l.score == 2.5);
	/* A first window has no score (NaN); +inf is a score. */
	observe_latest_of(make_result(buf, 1, 7, true, NAN), &l);
	assert_int_equal(l.flags, TDP_LATEST_SET);
	observe_latest_of(make_result(buf, 1, 7, true, INFINITY), &l);
	assert_int_equal(l.flags, TDP_LATEST_SET | TDP_LATEST_SCORED);
	assert_true(isinf(l.score));
	observe_latest_of(make_result(buf, 1, 7, false, 0), &l);
	assert_int_equal(l.flags, TDP_LATEST_SET);
}

/* Put a result of STREAM, WINDOW into scale S's arena at *POS and its
 * descriptor, read at READ_NS, into its out-ring. */
static void push(uint32_t s, uint64_t *pos, uint32_t stream, uint64_t window, uint64_t read_ns)
{
	uint64_t buf[64];
	struct tdp_result *r = make_result(buf, stream, window, s == 0, 1.5 + (double)window);
	r->scale = s;
	memcpy(tdp_shm_arena(&fx.seg, s) + *pos, r, r->size);
	struct tdp_result_desc d = {.off = *pos, .len = r->size, .stream = stream, .window = window,
				    .read_ns = read_ns};
	assert_true(tdp_desc_push(tdp_shm_out_ring(&fx.seg, s), tdp_shm_out_slots(&fx.seg, s), &d));
	*pos += (r->size + 7) & ~7u;
}

static uint64_t hist_total(uint32_t s)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++)
		n += tdp_shm_out_ring(&fx.seg, s)->latency_hist[i];
	return n;
}

static void test_committed(void **state)
{
	(void)state;
	assert_int_equal(fx.seg.hdr->latest_streams, 2);
	uint64_t pos[2] = {0, 0}, now = 1000000000;
	push(0, &pos[0], 0, 0, now - 5000);
	push(0, &pos[0], 1, 0, 0);             /* unknown read time: latest only */
	push(0, &pos[0], 0, 0, now - 7000);    /* a duplicate, dropped by publish */
	push(1, &pos[1], 3, 2, now - 3000000); /* stream 3: no latest entry */
	push(0, &pos[0], 0, 1, now - 100);
	push(1, &pos[1], 1, 4, now - 2);
	push(0, &pos[0], 1, 9, now - 1);       /* read past the commit */
	struct tdp_publish_body b;
	memset(&b, 0, offsetof(struct tdp_publish_body, ids));
	const struct tdp_result_id ids[] = {{0, 0, 0}, {0, 1, 0}, {1, 3, 2}, {0, 0, 1}, {1, 1, 4}};
	b.n = sizeof(ids) / sizeof(ids[0]);
	memcpy(b.ids, ids, sizeof(ids));
	b.consumed[0] = 4;
	b.consumed[1] = 2;
	observe_committed(&fx.seg, &b, now, true);

	const uint64_t *h0 = tdp_shm_out_ring(&fx.seg, 0)->latency_hist;
	const uint64_t *h1 = tdp_shm_out_ring(&fx.seg, 1)->latency_hist;
	assert_int_equal(hist_total(0), 2);
	assert_int_equal(h0[tdp_hist_bucket(5000)], 1);   /* (4096, 8192] */
	assert_int_equal(h0[tdp_hist_bucket(100)], 1);
	assert_int_equal(hist_total(1), 2);
	assert_int_equal(h1[tdp_hist_bucket(3000000)], 1);
	assert_int_equal(h1[0], 1);                       /* 2 ns: [0, 2] */
	assert_int_equal(tdp_hist_quantile(h1, 0.99), 1u << 22);

	struct tdp_latest l;
	assert_true(tdp_latest_read(tdp_shm_latest(&fx.seg, 0, 0), &l));
	assert_int_equal(l.window, 1);   /* the later of its two */
	assert_true(l.flags & TDP_LATEST_SCORED);
	assert_true(l.score == 2.5);
	assert_true(tdp_latest_read(tdp_shm_latest(&fx.seg, 0, 1), &l));
	assert_int_equal(l.window, 0);   /* window 9 is not committed yet */
	assert_true(tdp_latest_read(tdp_shm_latest(&fx.seg, 1, 1), &l));
	assert_int_equal(l.window, 4);
	assert_int_equal(l.flags, TDP_LATEST_SET);
	assert_int_equal(l.seq, 2);      /* written once */
	assert_null(tdp_shm_latest(&fx.seg, 1, 3));
	assert_true(tdp_latest_read(tdp_shm_latest(&fx.seg, 1, 0), &l));
	assert_int_equal(l.flags, 0);    /* never written */

	/* The live-page views beside them: every committed result's point,
	 * the diagram of each stream's last one, whole (5 intervals). */
	static struct tdp_latest_view vw;
	assert_true(tdp_latest_view_read(tdp_shm_latest_view(&fx.seg, 0, 0), &vw));
	assert_int_equal(vw.window, 1);
	assert_int_equal(vw.npoints, 2);     /* windows 0 and 1 (the duplicate was dropped) */
	assert_int_equal(vw.points[0].window, 0);
	assert_int_equal(vw.points[1].window, 1);
	assert_true(vw.points[1].flags & TDP_LATEST_POINT_SCORED);
	assert_true(vw.points[1].score == 2.5);
	assert_true(vw.points[1].total[1] == 2.5);   /* [1,3] and [2,2.5] */
	assert_int_equal(vw.dims_mask, 3);   /* H2 was not computed */
	assert_int_equal(vw.kept[0], 3);
	assert_int_equal(vw.of[0], 3);
	assert_int_equal(vw.kept[1], 2);
	assert_true(vw.iv[2].birth == 0 && isinf(vw.iv[2].death));
	assert_true(vw.iv[4].birth == 2 && vw.iv[4].death == 2.5);
	memset(&b, 0, offsetof(struct tdp_publish_body, ids));
	push(1, &pos[1], 0, 5, now);
	b.n = 1;
	b.ids[0] = (struct tdp_result_id){1, 0, 5};
	b.consumed[0] = 4;
	b.consumed[1] = 3;
	observe_committed(&fx.seg, &b, now, false);
	assert_true(tdp_latest_view_read(tdp_shm_latest_view(&fx.seg, 1, 0), &vw));
	assert_int_equal(vw.seq, 0);     /* without the exporter: no view written */
	assert_int_equal(vw.npoints, 0);
}

/* More intervals than a latest diagram keeps: the most persistent, the
 * essential ones first, ties in the result's order, each dimension in
 * its own order. */
static void test_diagram_of(void **state)
{
	(void)state;
	static char buf[1 << 16];
	struct tdp_result *r = (struct tdp_result *)buf;
	memset(r, 0, sizeof(*r));
	r->dims_mask = 3;
	r->count[0] = 300;
	r->count[1] = 100;
	struct tdp_interval *iv = tdp_result_intervals(r);
	for (uint32_t i = 0; i < 300; i++)   /* H0: persistence i % 150, one essential */
		iv[i] = (struct tdp_interval){0, i == 7 ? INFINITY : (double)(i % 150)};
	for (uint32_t i = 0; i < 100; i++)   /* H1: persistence 1000 + i */
		iv[300 + i] = (struct tdp_interval){1, 1001 + (double)i};
	r->size = (uint32_t)tdp_result_size(400);
	static struct tdp_latest_view dg;
	observe_diagram_of(r, &dg);
	/* 256 kept: H1's 100, the essential class, then H0's 155 most
	 * persistent: 149 down to 73, twice each (154), and the first of the
	 * two at 72. */
	assert_int_equal(dg.kept[1], 100);
	assert_int_equal(dg.of[0], 300);
	assert_int_equal(dg.kept[0] + dg.kept[1], TDP_LATEST_INTERVALS);
	uint32_t inf = 0, n72 = 0;
	for (uint32_t i = 0; i < dg.kept[0]; i++) {
		double p = dg.iv[i].death - dg.iv[i].birth;
		inf += isinf(p);
		if (!isinf(p))
			assert_true(p >= 72);
		n72 += p == 72;
	}
	assert_int_equal(inf, 1);
	assert_int_equal(n72, 1);            /* of the two at the floor, the first */
	assert_true(dg.iv[dg.kept[0]].birth == 1 && dg.iv[dg.kept[0]].death == 1001);   /* H1 in order */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_of),
		cmocka_unit_test(test_diagram_of),
		cmocka_unit_test(test_committed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
