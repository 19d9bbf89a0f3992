/*
 * test_track.c - tracked features (scaled/track.h): sublevel ids are the
 * minima's sequence numbers, and the events of a slide are the
 * difference of two windows' tracked sets (checked against a plain
 * reference over thousands of slides of a random walk with ties); Rips
 * bookkeeping: new ids in order, essential classes paired by birth, a
 * dimension not computed kept as it was, untracked dimensions ignored,
 * updates exactly below the stability ratio.  (The matching itself:
 * tests/unit/test_track_match.c and tests/oracle/track_match.sh; the
 * pipeline's events: tests/integration/events_pipeline.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scaled/track.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static struct tdp_config cfg_of(const char *scale)
{
	static char text[1024];
	snprintf(text, sizeof(text), "instance: t\nsource: {type: stdin}\nscales:\n  - %s\n", scale);
	struct tdp_config cfg;
	char err[512];
	if (tdp_config_parse(text, strlen(text), "t.yaml", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	return cfg;
}

/* The reference: which ids of A are not in B (both by id). */
static size_t missing(const struct tdp_event *a, size_t na, const struct tdp_event *b, size_t nb,
		      struct tdp_event *out)
{
	size_t k = 0, j = 0;
	for (size_t i = 0; i < na; i++) {
		while (j < nb && b[j].feature < a[i].feature)
			j++;
		if (j == nb || b[j].feature != a[i].feature)
			out[k++] = a[i];
	}
	return k;
}

static void test_sublevel_slides(void **state)
{
	(void)state;
	struct tdp_config cfg = cfg_of("{name: s, complex: sublevel, window: 60, slide: 1, "
				       "track: {min_persistence: 1.5, stability: 0.6}}");
	struct track t;
	assert_int_equal(track_init(&t, &cfg.scales[0]), 0);
	struct sublevel_slide sl;
	assert_int_equal(sls_init(&sl, 60, 0), 0);
	size_t cap = t.cap;
	struct tdp_event *prev = calloc(cap, sizeof(*prev)), *live = calloc(cap, sizeof(*live));
	struct tdp_event *want = calloc(cap, sizeof(*want)), *cur = calloc(cap, sizeof(*cur));
	uint64_t rng = 7, next_id = 0, births = 0, deaths = 0, updates = 0;
	size_t nprev = 0;
	double x = 0;
	struct tdp_result r;
	memset(&r, 0, sizeof(r));
	for (uint64_t seq = 0; seq < 4000; seq++) {
		x += (double)((int)(splitmix64(&rng) % 7) - 3);   /* integers: ties */
		if (sl.size == 60)
			sls_expire_one(&sl);
		sls_push(&sl, seq, x);
		long n = track_window(&t, prev, nprev, &r, &sl, &next_id, live);
		assert_true(n >= 0);
		size_t ncur = sls_tracked(&sl, 1.5, cur);
		assert_int_equal((size_t)n, ncur);
		for (size_t i = 0; i < ncur; i++) {
			assert_true(live[i].feature == cur[i].feature && live[i].birth == cur[i].birth &&
				    live[i].death == cur[i].death);
			/* the id is a point of the window whose value is the birth */
			assert_true(cur[i].feature <= seq && cur[i].feature + 60 > seq);
		}
		size_t nd = missing(prev, nprev, cur, ncur, want);
		assert_int_equal(t.nev[TDP_EVENT_DEATH], nd);
		for (size_t i = 0; i < nd; i++)
			assert_true(t.ev[TDP_EVENT_DEATH][i].feature == want[i].feature &&
				    t.ev[TDP_EVENT_DEATH][i].birth == want[i].birth &&
				    t.ev[TDP_EVENT_DEATH][i].death == want[i].death &&
				    t.ev[TDP_EVENT_DEATH][i].type == TDP_EVENT_DEATH);
		size_t nb = missing(cur, ncur, prev, nprev, want);
		assert_int_equal(t.nev[TDP_EVENT_BIRTH], nb);
		for (size_t i = 0; i < nb; i++)
			assert_true(t.ev[TDP_EVENT_BIRTH][i].feature == want[i].feature);
		/* updates: both, lifetime ratio below 0.6 */
		size_t nu = 0;
		for (size_t i = 0, j = 0; i < ncur; i++) {
			while (j < nprev && prev[j].feature < cur[i].feature)
				j++;
			if (j < nprev && prev[j].feature == cur[i].feature) {
				double a = prev[j].death - prev[j].birth, b = cur[i].death - cur[i].birth;
				double lo = fmin(a, b), hi = fmax(a, b);
				double ratio = isinf(hi) ? (isinf(lo) ? 1 : 0) : lo / hi;
				if (ratio < 0.6) {
					assert_true(nu < t.nev[TDP_EVENT_UPDATE]);
					assert_true(t.ev[TDP_EVENT_UPDATE][nu].feature == cur[i].feature);
					assert_true(t.ev[TDP_EVENT_UPDATE][nu].death == cur[i].death);
					nu++;
				}
			}
		}
		assert_int_equal(t.nev[TDP_EVENT_UPDATE], nu);
		births += nb;
		deaths += nd;
		updates += nu;
		memcpy(prev, live, (size_t)n * sizeof(*prev));
		nprev = (size_t)n;
	}
	/* The walk must have exercised every kind. */
	assert_true(births > 100 && deaths > 100 && updates > 10);
	assert_int_equal(next_id, 0);   /* sublevel ids are sequence numbers */
	free(prev);
	free(live);
	free(want);
	free(cur);
	sls_fini(&sl);
	track_fini(&t);
}

/* A Rips result with the given H0 and H1 intervals. */
struct block {
	struct tdp_result r;
	struct tdp_interval iv[16];
};

static void set_result(struct block *b, const struct tdp_interval *h0, uint32_t n0, const struct tdp_interval *h1,
		       uint32_t n1)
{
	memset(b, 0, sizeof(*b));
	b->r.dims_mask = 3;
	b->r.count[0] = n0;
	b->r.count[1] = n1;
	if (n0)
		memcpy(b->iv, h0, n0 * sizeof(*h0));
	if (n1)
		memcpy(b->iv + n0, h1, n1 * sizeof(*h1));
}

static void test_rips_bookkeeping(void **state)
{
	(void)state;
	struct tdp_config cfg = cfg_of("{name: r, complex: rips, window: 8, slide: 1, dims: [0, 1], "
				       "threshold: 5, track: {dims: [1], min_persistence: 0.5, stability: 0.5}}");
	struct track t;
	assert_int_equal(track_init(&t, &cfg.scales[0]), 0);
	struct tdp_event live[32], prev[32];
	uint64_t next_id = 0;
	struct block b;
	/* Window 1: H1 has two essential classes (threshold) and three finite
	 * intervals, one too short; H0 is not tracked. */
	struct tdp_interval h0[1] = {{0, INFINITY}};
	struct tdp_interval h1a[5] = {{1, 1.2}, {1, 3}, {2, INFINITY}, {2.5, 4}, {3, INFINITY}};
	set_result(&b, h0, 1, h1a, 5);
	long n = track_window(&t, NULL, 0, &b.r, NULL, &next_id, live);
	assert_int_equal(n, 4);
	assert_int_equal(t.nev[TDP_EVENT_BIRTH], 4);
	assert_int_equal(next_id, 4);
	for (int i = 0; i < 4; i++) {   /* ids in diagram order, all H1 */
		assert_int_equal(live[i].feature, (uint64_t)i);
		assert_int_equal(live[i].dim, 1);
	}
	memcpy(prev, live, sizeof(*live) * (size_t)n);
	/* Window 2: the essential class born at 3 is gone, the one at 2 now
	 * born at 2.1; (1,3) -> (1,3.2) stays; a new (10,14) is born, far
	 * from the rest, which makes the bottleneck distance 2, so that
	 * (2.5,4) -> (2.5,3.2) (0.8, cheaper than both to the diagonal) is
	 * matched although its lifetime fell below half: an update. */
	struct tdp_interval h1b[4] = {{1, 3.2}, {2.1, INFINITY}, {2.5, 3.2}, {10, 14}};
	set_result(&b, h0, 1, h1b, 4);
	n = track_window(&t, prev, 4, &b.r, NULL, &next_id, live);
	assert_int_equal(n, 4);
	assert_int_equal(t.nev[TDP_EVENT_DEATH], 1);
	assert_true(t.ev[TDP_EVENT_DEATH][0].feature == 3 && t.ev[TDP_EVENT_DEATH][0].birth == 3);
	assert_int_equal(t.nev[TDP_EVENT_BIRTH], 1);
	assert_true(t.ev[TDP_EVENT_BIRTH][0].feature == 4 && t.ev[TDP_EVENT_BIRTH][0].birth == 10);
	assert_int_equal(t.nev[TDP_EVENT_UPDATE], 1);
	assert_true(t.ev[TDP_EVENT_UPDATE][0].feature == 2 && t.ev[TDP_EVENT_UPDATE][0].death == 3.2);
	/* live: survivors by id (0: (1,3.2), 1: (2.1,inf), 2: (2.5,3.2)), then 4 */
	assert_true(live[0].feature == 0 && live[0].death == 3.2);
	assert_true(live[1].feature == 1 && live[1].birth == 2.1 && isinf(live[1].death));
	assert_true(live[2].feature == 2 && live[3].feature == 4);
	memcpy(prev, live, sizeof(*live) * (size_t)n);
	/* Window 3: H1 not computed: everything as it was, no events. */
	set_result(&b, h0, 1, NULL, 0);
	b.r.incomplete[1] = TDP_INCOMPLETE_MEMORY_MB;
	n = track_window(&t, prev, 4, &b.r, NULL, &next_id, live);
	assert_int_equal(n, 4);
	assert_memory_equal(live, prev, sizeof(*live) * 4);
	assert_true(t.nev[0] + t.nev[1] + t.nev[2] == 0);
	/* Window 4: empty H1: everything dies, by id. */
	set_result(&b, h0, 1, NULL, 0);
	n = track_window(&t, prev, 4, &b.r, NULL, &next_id, live);
	assert_int_equal(n, 0);
	assert_int_equal(t.nev[TDP_EVENT_DEATH], 4);
	for (int i = 1; i < 4; i++)
		assert_true(t.ev[TDP_EVENT_DEATH][i - 1].feature < t.ev[TDP_EVENT_DEATH][i].feature);
	track_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sublevel_slides),
		cmocka_unit_test(test_rips_bookkeeping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
