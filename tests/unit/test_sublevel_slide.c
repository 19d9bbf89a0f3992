/*
 * The sliding-window sublevel structure against sublevel_h0() from
 * scratch, after every single push and expire: the diagram (exactly), the
 * summaries, and the change log replayed onto the previous diagram.
 *
 * TDP_SOAK_OPS, TDP_SOAK_CAP and TDP_SOAK_SEED (environment) set the
 * number of random operations, the largest window and the seed of the
 * random run; the suite runs 1,000,000 operations on windows of up to 64
 * points, `make soak` many more and larger.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/xsum.h"
#include "scaled/diagram.h"
#include "scaled/sublevel.h"
#include "scaled/sublevel_slide.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Series families, one value at a time: ties, plateaus, monotone runs and
 * funnels are where a pairing goes wrong. */
enum family { WALK, LEVELS, UP, DOWN, CONSTANT, FUNNEL, SPIKES, SMALLINT, NFAMILY };

struct gen {
	enum family f;
	double v;
	uint64_t k;
};

static double next_value(struct gen *g)
{
	uint64_t k = g->k++;
	switch (g->f) {
	case WALK:
		return g->v += unif() - 0.5;
	case LEVELS:
		if (rnd() % 4 == 0)
			g->v += (double)(int)(rnd() % 5) - 2;
		return g->v;
	case UP:
		return (double)k;
	case DOWN:
		return -(double)k;
	case CONSTANT:
		return 3.0;
	case FUNNEL:
		return k % 2 ? 1000.0 + (double)k : -(double)k;
	case SPIKES:
		return rnd() % 10 ? 0.0 : (rnd() % 2 ? 5.0 : -5.0);
	case SMALLINT:
	default:
		return (double)(rnd() % 4);
	}
}

static int cmp_iv(const void *a, const void *b)
{
	const struct tdp_interval *x = a, *y = b;
	if (x->birth != y->birth)
		return x->birth < y->birth ? -1 : 1;
	if (x->death != y->death)
		return x->death < y->death ? -1 : 1;
	return 0;
}

struct model {
	double *vals;                 /* the window, oldest first */
	size_t n;
	struct tdp_interval *want, *got, *prev, *tmp;
	size_t nprev;
	/* the change log of one period, applied to prev */
	struct tdp_interval *born, *died;
	size_t nborn, ndied;
	void *scratch;
};

static void on_change(void *ctx, double birth, double death, bool born)
{
	struct model *m = ctx;
	struct tdp_interval iv = {birth, death};
	if (born)
		m->born[m->nborn++] = iv;
	else
		m->died[m->ndied++] = iv;
}

/* prev - died + born must be the current diagram, as multisets. */
static void check_changes(struct model *m, struct sublevel_slide *s, size_t nwant)
{
	m->nborn = m->ndied = 0;
	sls_changes(s, on_change, m);
	size_t n = m->nprev;
	memcpy(m->tmp, m->prev, n * sizeof(*m->tmp));
	for (size_t d = 0; d < m->ndied; d++) {
		size_t j = 0;
		while (j < n && cmp_iv(&m->tmp[j], &m->died[d]))
			j++;
		if (j == n)
			fail_msg("died [%.17g, %.17g) was not in the previous diagram", m->died[d].birth,
				 m->died[d].death);
		m->tmp[j] = m->tmp[--n];
	}
	for (size_t b = 0; b < m->nborn; b++)
		m->tmp[n++] = m->born[b];
	assert_int_equal(n, nwant);
	qsort(m->tmp, n, sizeof(*m->tmp), cmp_iv);
	struct tdp_interval *w = m->want;
	qsort(w, nwant, sizeof(*w), cmp_iv);
	for (size_t i = 0; i < n; i++) {
		assert_true(m->tmp[i].birth == w[i].birth);
		assert_true(m->tmp[i].death == w[i].death);
	}
	memcpy(m->prev, w, nwant * sizeof(*w));
	m->nprev = nwant;
}

static void check(struct model *m, struct sublevel_slide *s, bool changes)
{
	size_t nw = m->n ? sublevel_h0(m->vals, m->n, m->want, m->scratch) : 0;
	size_t ng = sls_diagram(s, m->got);
	assert_int_equal(ng, nw);
	for (size_t i = 0; i < nw; i++) {
		if (m->got[i].birth != m->want[i].birth || m->got[i].death != m->want[i].death)
			fail_msg("interval %zu of %zu: got [%.17g, %.17g) want [%.17g, %.17g)", i, nw,
				 m->got[i].birth, m->got[i].death, m->want[i].birth, m->want[i].death);
	}
	struct sls_summary sum;
	sls_summary(s, &sum);
	uint64_t count = 0;
	double max = 0;
	struct tdp_xsum total;
	tdp_xsum_init(&total);
	for (size_t i = 0; i < nw; i++) {
		double p = m->want[i].death - m->want[i].birth;
		if (!isfinite(m->want[i].death))
			continue;
		count++;
		tdp_xsum_add(&total, p);
		if (p > max)
			max = p;
	}
	assert_int_equal(sum.count, count);
	if (s->flags & SLS_TRACK_MAX)
		assert_true(sum.max == max);
	else
		assert_true(isnan(sum.max));
	double t = tdp_xsum_value(&total);
	if (sum.total != t)
		fail_msg("total %.17g, from scratch %.17g", sum.total, t);
	for (size_t i = 0; i < nw; i++)
		if (isinf(m->want[i].death))
			assert_true(sum.min == m->want[i].birth);
	if (!m->n)
		assert_true(isnan(sum.min));
	if (changes)
		check_changes(m, s, nw);
}

static void run_random(uint64_t seed, uint64_t ops, uint32_t maxcap, unsigned flags)
{
	rng_state = seed;
	size_t big = maxcap + 1;
	struct model m = {0};
	m.vals = malloc(big * sizeof(double));
	m.want = malloc(big * sizeof(*m.want));
	m.got = malloc(big * sizeof(*m.got));
	m.prev = malloc(big * sizeof(*m.prev));
	m.tmp = malloc(4 * big * sizeof(*m.tmp));
	m.born = malloc(4 * big * sizeof(*m.born));
	m.died = malloc(4 * big * sizeof(*m.died));
	m.scratch = malloc(sublevel_scratch_size(big));
	assert_non_null(m.scratch);

	uint64_t done = 0;
	while (done < ops) {
		uint32_t cap = 1 + (uint32_t)(rnd() % maxcap);
		struct sublevel_slide s;
		assert_int_equal(sls_init(&s, cap, flags), 0);
		struct gen g = {(enum family)(rnd() % NFAMILY), 0, 0};
		m.n = 0;
		m.nprev = 0;
		uint64_t seq = rnd() % 1000, len = 50 + rnd() % (400 + 4 * (uint64_t)maxcap);
		/* Report changes every `every` operations, like a window slide. */
		uint64_t every = 1 + rnd() % 5;
		/* Pushes out of 8 operations: from shrinking to sliding full. */
		uint64_t pushes = 4 + rnd() % 4;
		for (uint64_t k = 0; k < len && done < ops; k++, done++) {
			bool push = m.n == 0 || (m.n < cap && rnd() % 8 < pushes);
			if (push) {
				double v = next_value(&g);
				seq += 1 + (rnd() % 8 == 0 ? rnd() % 5 : 0);   /* gaps, like lost points */
				sls_push(&s, seq, v);
				m.vals[m.n++] = v;
			} else {
				uint32_t drop = 1 + (uint32_t)(rnd() % 3);
				if (drop > m.n)
					drop = (uint32_t)m.n;
				if (rnd() % 2) {
					for (uint32_t d = 0; d < drop; d++)
						sls_expire_one(&s);
				} else {
					/* by sequence number: everything below the drop-th's */
					uint64_t first = drop < m.n ? 0 : sls_last_seq(&s) + 1;
					if (drop < m.n) {
						/* the seq of the point at index drop: walk the ring */
						uint32_t slot = s.head + drop;
						if (slot >= s.cap)
							slot -= s.cap;
						first = s.seq[slot];
					}
					sls_expire_before(&s, first);
				}
				memmove(m.vals, m.vals + drop, (m.n - drop) * sizeof(double));
				m.n -= drop;
			}
			check(&m, &s, (flags & SLS_TRACK_CHANGES) && k % every == 0);
		}
		sls_fini(&s);
	}
	free(m.vals);
	free(m.want);
	free(m.got);
	free(m.prev);
	free(m.tmp);
	free(m.born);
	free(m.died);
	free(m.scratch);
}

static void test_random_ops(void **state)
{
	(void)state;
	const char *e = getenv("TDP_SOAK_OPS"), *c = getenv("TDP_SOAK_CAP"), *sd = getenv("TDP_SOAK_SEED");
	uint64_t ops = e ? strtoull(e, NULL, 10) : 1000000;
	uint32_t cap = c ? (uint32_t)strtoul(c, NULL, 10) : 64;
	run_random(sd ? strtoull(sd, NULL, 10) : 42, ops, cap ? cap : 64, SLS_TRACK_MAX | SLS_TRACK_CHANGES);
	/* What scale workers run: no heap, no log. */
	run_random(sd ? strtoull(sd, NULL, 10) + 1 : 43, ops / 4, cap ? cap : 64, 0);
}

/* Windows of a fixed size sliding by one over a long walk: the shape the
 * scale workers use, with a bigger window. */
static void test_slide_by_one(void **state)
{
	(void)state;
	rng_state = 7;
	const uint32_t w = 500;
	struct sublevel_slide s;
	assert_int_equal(sls_init(&s, w, SLS_TRACK_MAX), 0);
	struct model m = {0};
	m.vals = malloc(w * sizeof(double));
	m.want = malloc((w + 1) * sizeof(*m.want));
	m.got = malloc((w + 1) * sizeof(*m.got));
	m.scratch = malloc(sublevel_scratch_size(w));
	double *all = malloc(20000 * sizeof(double));
	double v = 0;
	for (int i = 0; i < 20000; i++)
		all[i] = v += unif() - 0.5;
	for (uint64_t i = 0; i < 20000; i++) {
		if (s.size == w)
			sls_expire_one(&s);
		sls_push(&s, i, all[i]);
		if (i % 37 == 0 || i + 1 == 20000) {
			m.n = s.size;
			memcpy(m.vals, all + (i + 1 - s.size), m.n * sizeof(double));
			check(&m, &s, false);
		}
	}
	sls_fini(&s);
	free(all);
	free(m.vals);
	free(m.want);
	free(m.got);
	free(m.scratch);
}

/* The funnel: one expiry changes every interval, each exactly once more. */
static void test_funnel_cascade(void **state)
{
	(void)state;
	const double x[] = {0, 5, 3, 6, 2, 7, 1, 8};
	struct sublevel_slide s;
	assert_int_equal(sls_init(&s, 8, SLS_TRACK_MAX | SLS_TRACK_CHANGES), 0);
	for (int i = 0; i < 8; i++)
		sls_push(&s, (uint64_t)i, x[i]);
	struct tdp_interval out[8];
	size_t n = sls_diagram(&s, out);
	/* (0,inf) (1,7) (2,6) (3,5) */
	assert_int_equal(n, 4);
	assert_true(out[0].birth == 0 && isinf(out[0].death));
	assert_true(out[3].birth == 3 && out[3].death == 5);
	struct model m = {0};
	struct tdp_interval born[8], died[8];
	m.born = born;
	m.died = died;
	sls_changes(&s, on_change, &m);   /* start a period */
	m.nborn = m.ndied = 0;
	sls_expire_one(&s);
	n = sls_diagram(&s, out);
	/* (1,inf) (2,7) (3,6) */
	assert_int_equal(n, 3);
	assert_true(out[0].birth == 1 && isinf(out[0].death));
	assert_true(out[1].birth == 2 && out[1].death == 7);
	assert_true(out[2].birth == 3 && out[2].death == 6);
	sls_changes(&s, on_change, &m);
	assert_int_equal(m.ndied, 4);   /* (0,inf) (1,7) (2,6) (3,5) */
	assert_int_equal(m.nborn, 3);   /* (1,inf) (2,7) (3,6) */
	struct sls_summary sum;
	sls_summary(&s, &sum);
	assert_int_equal(sum.count, 2);
	assert_true(sum.total == 8 && sum.max == 5 && sum.min == 1);
	sls_fini(&s);
}

/* A spike far above the rest, added and expired, leaves no rounding
 * residue in the total (a running double sum would). */
static void test_total_exact(void **state)
{
	(void)state;
	struct sublevel_slide s;
	assert_int_equal(sls_init(&s, 4, SLS_TRACK_MAX), 0);
	const double x[] = {0, 1e17, 0, 0.5, 0.25, 0.5, 0.125, 0.5};
	for (int i = 0; i < 8; i++) {
		if (s.size == 4)
			sls_expire_one(&s);
		sls_push(&s, (uint64_t)i, x[i]);
	}
	/* window 0.5 0.25 0.5 0.125 0.5 -> last four: 0.25 0.5 0.125 0.5 */
	struct sls_summary sum;
	sls_summary(&s, &sum);
	assert_int_equal(sum.count, 1);
	assert_true(sum.total == 0.25);
	assert_true(sum.max == 0.25);
	sls_fini(&s);
}

static void test_bytes_per_point(void **state)
{
	(void)state;
	assert_true(sls_bytes_per_point() <= 64);
}

/* The value of family F (next_value's, and three more for the diagram's
 * order: signed zeros, births spread over the whole double range, and a
 * few values repeated in long runs of equal births) at step K. */
static double order_value(struct gen *g, int f)
{
	switch (f) {
	case NFAMILY:
		return (double[]){0.0, -0.0, 1.0, -1.0, 0.5}[rnd() % 5];
	case NFAMILY + 1:
		return ldexp(unif() - 0.5, (int)(rnd() % 2040) - 1070) * (rnd() % 50 ? 1 : 1e300);
	case NFAMILY + 2:
		return (double)(rnd() % 3) + (rnd() % 2 ? 0.0 : (double)(rnd() % 1000) / 7);
	default:
		g->f = (enum family)f;
		return next_value(g);
	}
}

/* sls_diagram() writes the same bytes as diagram_sort() of the window's
 * intervals in position order (its order before a faster sort), for
 * windows of 100 to 6000 points (so diagrams of 64 to more than 2048
 * intervals, where it bucket-sorts) of every family, ties, signed zeros
 * and infinities included, with and without SLS_TRACK_MAX. */
static void test_diagram_order_bytes(void **state)
{
	(void)state;
	static const uint32_t caps[] = {100, 1000, 6000};
	rng_state = 11;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t w = caps[c];
		struct tdp_interval *got = malloc(w * sizeof(*got)), *want = malloc(w * sizeof(*want));
		assert_non_null(got);
		assert_non_null(want);
		for (int f = 0; f < 2 * (NFAMILY + 3); f++) {
			struct sublevel_slide s;
			struct gen g = {0};
			/* without the heap (the scale workers'), and with it */
			assert_int_equal(sls_init(&s, w, f % 2 ? SLS_TRACK_MAX : 0), 0);
			for (uint64_t i = 0; i < 4 * (uint64_t)w; i++) {
				if (s.size == w)
					sls_expire_one(&s);
				sls_push(&s, i, order_value(&g, f / 2));
				if (i % (w / 7) != 0)
					continue;
				size_t nw = 0;
				for (uint32_t k = 0, slot = s.head; k < s.size; k++, slot = (slot + 1) % s.cap) {
					double d = s.lside[slot] < s.rside[slot] ? s.lside[slot] : s.rside[slot];
					if (d > s.x[slot])
						want[nw++] = (struct tdp_interval){s.x[slot], d};
				}
				diagram_sort(want, nw);
				size_t ng = sls_diagram(&s, got);
				if (ng != nw)
					fail_msg("window %u, family %d, push %llu: %zu intervals, want %zu",
						 w, f / 2, (unsigned long long)i, ng, nw);
				if (memcmp(got, want, nw * sizeof(*got)) != 0)
					fail_msg("window %u, family %d, push %llu: %zu intervals differ from diagram_sort's",
						 w, f / 2, (unsigned long long)i, nw);
			}
			sls_fini(&s);
		}
		free(got);
		free(want);
	}
}

/* The exact total is kept from the first sls_summary() on: read first
 * after thousands of pushes and expiries (spikes of 1e16 among small
 * values, where a rounded running sum would drift), it equals the total
 * from scratch, and so does every later one, with and without the heap. */
static void test_total_from_first_summary(void **state)
{
	(void)state;
	const uint32_t w = 300;
	for (unsigned flags = 0; flags <= SLS_TRACK_MAX; flags += SLS_TRACK_MAX) {
		rng_state = 5;
		struct sublevel_slide s;
		assert_int_equal(sls_init(&s, w, flags), 0);
		struct model m = {0};
		m.vals = malloc(w * sizeof(double));
		m.want = malloc((w + 1) * sizeof(*m.want));
		m.got = malloc((w + 1) * sizeof(*m.got));
		m.scratch = malloc(sublevel_scratch_size(w));
		enum { N = 6000 };
		double *all = malloc(N * sizeof(double));
		double v = 0;
		for (int i = 0; i < N; i++)
			all[i] = rnd() % 50 ? (v += unif() - 0.5) : 1e16 * unif();
		for (uint64_t i = 0; i < N; i++) {
			if (s.size == w)
				sls_expire_one(&s);
			sls_push(&s, i, all[i]);
			if (i == 4000 || (i > 4000 && i % 41 == 0)) {
				assert_true(s.total_on == (i > 4000));
				m.n = s.size;
				memcpy(m.vals, all + (i + 1 - s.size), m.n * sizeof(double));
				check(&m, &s, false);
			}
		}
		sls_fini(&s);
		free(all);
		free(m.vals);
		free(m.want);
		free(m.got);
		free(m.scratch);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_funnel_cascade),
		cmocka_unit_test(test_total_exact),
		cmocka_unit_test(test_bytes_per_point),
		cmocka_unit_test(test_slide_by_one),
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_diagram_order_bytes),
		cmocka_unit_test(test_total_from_first_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
