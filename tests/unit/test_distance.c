/*
 * test_distance - the bottleneck and Wasserstein distances on cases small
 * enough to work out by hand: empty diagrams, one point against the
 * diagonal, points of length 0 left out, essential classes (matched by
 * sorted births; +inf when their numbers differ), a pair better matched
 * to each other than to the diagonal, symmetry, the same bits on every
 * call with one workspace (whatever was asked before: the Wasserstein
 * distance keeps a pair's geometry for the next call), equal points of
 * both diagrams ("twins") that a better matching goes through, the small
 * and the large bottleneck search, the small diagrams' Wasserstein path
 * (from the twins) against the general one on random, tied, shifted and
 * sliding-window pairs, chains of windows through one workspace (order
 * 2's edges kept from call to call, the bottleneck's search by birth)
 * against fresh workspaces and shuffled copies, and a bad order refused.  The comparison with
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
#include "scaled/distance_common.h"

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

/* Order 2 from a workspace of its own: nothing kept from earlier windows. */
static double w2_fresh(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb)
{
	double d = -1;
	struct distance_ws *fresh = distance_ws_new();
	assert_non_null(fresh);
	assert_int_equal(distance_wasserstein(fresh, a, na, b, nb, 2, &d), 0);
	distance_ws_free(fresh);
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

static uint64_t rng = 99;

static double uniform(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* A random interval; on a grid of 1/200 when GRID (ties everywhere, as the ECG's). */
static struct tdp_interval interval(int grid)
{
	double b = uniform() * 2 - 1, l = uniform() * (uniform() < 0.8 ? 0.1 : 2);
	if (grid) {
		b = round(b * 200) / 200;
		l = round(l * 200) / 200 + 1. / 200;
	}
	return (struct tdp_interval){ b, b + l };
}

/*
 * The transport of A and B both ways, small path and general one, each
 * order: equal within 1e-12 relative, and exactly 0 when the general
 * one says 0.
 */
static void same_transport(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb)
{
	for (unsigned p = 1; p <= 2; p++) {
		for (int swap = 0; swap < 2; swap++) {
			struct distance_split s;
			double small = -1, large = -1;
			assert_int_equal(swap ? distance_split(ws, b, nb, a, na, &s) : distance_split(ws, a, na, b, nb, &s),
					 0);
			assert_int_equal(distance_wasserstein_small(ws, &s, p, &small), 0);
			assert_int_equal(distance_wasserstein_large(ws, &s, p, &large), 0);
			if (large == 0)
				assert_true(small == 0);
			else if (!(fabs(small - large) <= 1e-12 * large))
				fail_msg("order %u, %zu and %zu points: small %.17g, large %.17g", p, na, nb, small, large);
		}
	}
	/* Order 1 through the public call, which takes out the points both
	 * diagrams have first: the general path's value on the whole. */
	struct distance_split s;
	double large = -1, ess = 0;
	assert_int_equal(distance_split(ws, a, na, b, nb, &s), 0);
	if (s.nea != s.neb)
		return;
	for (size_t i = 0; i < s.nea; i++)
		ess += fabs(s.ea[i] - s.eb[i]);
	assert_int_equal(distance_wasserstein_large(ws, &s, 1, &large), 0);
	double want = large + ess, got = w(a, na, b, nb, 1);
	if (want == 0)
		assert_true(got == 0);
	else if (!(fabs(got - want) <= 1e-12 * want))
		fail_msg("order 1 without the shared points, %zu and %zu points: %.17g, whole %.17g", na, nb, got, want);
}

/* The small diagrams' Wasserstein path (distance_wasserstein_small.c) agrees with the general one. */
static void test_small_wasserstein(void **state)
{
	(void)state;
	enum { N = 300 };
	struct tdp_interval *a = malloc(sizeof(*a) * N), *b = malloc(sizeof(*b) * N);
	assert_non_null(a);
	assert_non_null(b);
	for (int round_ = 0; round_ < 60; round_++) {
		int grid = round_ & 1;
		size_t na = 1 + (size_t)(uniform() * 200), nb = 1 + (size_t)(uniform() * 200);
		/* unrelated */
		for (size_t i = 0; i < na; i++)
			a[i] = interval(grid);
		for (size_t j = 0; j < nb; j++)
			b[j] = interval(grid);
		same_transport(a, na, b, nb);
		/* sliding windows: most intervals kept, some gone, some new, some moved, in another order */
		size_t k = 0;
		for (size_t i = 0; i < na; i++) {
			double x = uniform();
			if (x < 0.08)
				continue;
			b[k] = a[i];
			if (x < 0.12)
				b[k].death += grid ? 1. / 200 : uniform() * 0.01;
			k++;
		}
		for (size_t t = 0; t < na / 10 && k < N; t++)
			b[k++] = interval(grid);
		for (size_t i = k; i > 1; i--) {
			size_t j = (size_t)(uniform() * (double)i);
			struct tdp_interval x = b[i - 1];
			b[i - 1] = b[j];
			b[j] = x;
		}
		same_transport(a, na, b, k);
		/* a shifted copy (equal distances to many points) */
		for (size_t i = 0; i < na; i++)
			b[i] = (struct tdp_interval){ a[i].birth + 1. / 64, a[i].death + 1. / 64 };
		same_transport(a, na, b, na);
		/* duplicates: each point twice in A, once or three times in B */
		size_t n2 = na < N / 3 ? na : N / 3;
		for (size_t i = 0; i < n2; i++) {
			a[n2 + i] = a[i];
			b[3 * i] = b[3 * i + 1] = b[3 * i + 2] = a[i];
		}
		same_transport(a, 2 * n2, b, (size_t)(1 + uniform() * 3 * (double)n2));
		/* identical: exactly 0, through the public call too */
		same_transport(a, na, a, na);
		assert_true(w(a, na, a, na, 1) == 0);
		assert_true(w(a, na, a, na, 2) == 0);
		/* one empty */
		same_transport(a, na, NULL, 0);
	}
	same_transport(NULL, 0, NULL, 0);
	/*
	 * Long intervals, unrelated: every pair an edge, more edges than the
	 * pool keeps (64 per row and column: here it fills up exactly after
	 * 128 rows), the rest found again at each scan.
	 */
	for (int n = 150; n <= 250; n += 50) {
		for (int i = 0; i < n; i++) {
			a[i] = (struct tdp_interval){ uniform(), 2 + uniform() };
			b[i] = (struct tdp_interval){ uniform(), 2 + uniform() };
		}
		same_transport(a, (size_t)n, b, (size_t)n);
	}
	/* not for the small path: too large, or a coordinate not finite */
	struct distance_split s;
	double d;
	struct tdp_interval big[DISTANCE_WSMALL_MAX / 2 + 1], inf = { -INFINITY, 0 };
	for (size_t i = 0; i < DISTANCE_WSMALL_MAX / 2 + 1; i++)
		big[i] = (struct tdp_interval){ (double)i, i + 1. };
	assert_int_equal(distance_split(ws, big, DISTANCE_WSMALL_MAX / 2 + 1, big, DISTANCE_WSMALL_MAX / 2, &s), 0);
	assert_int_equal(distance_wasserstein_small(ws, &s, 1, &d), 1);
	assert_int_equal(distance_split(ws, &inf, 1, NULL, 0, &s), 0);
	assert_int_equal(distance_wasserstein_small(ws, &s, 1, &d), 1);
	free(a);
	free(b);
}

static int by_birth_death(const void *x, const void *y)
{
	const struct tdp_interval *p = x, *q = y;
	if (p->birth != q->birth)
		return p->birth < q->birth ? -1 : 1;
	return (p->death > q->death) - (p->death < q->death);
}

static void shuffle(struct tdp_interval *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(uniform() * (double)i);
		struct tdp_interval x = v[i - 1];
		v[i - 1] = v[j];
		v[j] = x;
	}
}

/*
 * Order 2 on consecutive windows with one workspace, as a worker asks
 * (bottleneck, order 1, order 2 per window): the small path reuses the
 * edges of the last call's B when it is this A (xsave()).  Each value
 * must be the bits a fresh workspace gives, which finds every edge
 * again: windows sorted (the cache used) or shuffled (twins out of
 * order: scanned again), on a grid (ties) or not, with duplicates, with
 * long intervals that fill the edge pool, and a window repeated.  The
 * bottleneck distance of sorted windows (its search by birth) must be
 * the bits of their shuffled copies' (every edge scanned).
 */
static void test_chained_edges(void **state)
{
	(void)state;
	enum { N = 400 };
	struct tdp_interval *d[2];
	size_t nd[2];
	d[0] = malloc(sizeof(**d) * N);
	d[1] = malloc(sizeof(**d) * N);
	struct tdp_interval *sa = malloc(sizeof(*sa) * N), *sb = malloc(sizeof(*sb) * N);
	assert_non_null(d[0]);
	assert_non_null(d[1]);
	assert_non_null(sa);
	assert_non_null(sb);
	for (int chain = 0; chain < 8; chain++) {
		int grid = chain & 1, sorted = !(chain & 2), longs = chain & 4;
		nd[0] = 60 + (size_t)(uniform() * 120);
		for (size_t i = 0; i < nd[0]; i++)
			d[0][i] = longs && i % 3 == 0 ? (struct tdp_interval){ uniform(), 2 + uniform() } : interval(grid);
		for (size_t i = 0; i + 1 < nd[0]; i += 9)
			d[0][i + 1] = d[0][i];   /* duplicates */
		if (sorted)
			qsort(d[0], nd[0], sizeof(*d[0]), by_birth_death);
		for (int step = 0; step < 30; step++) {
			const struct tdp_interval *a = d[step & 1];
			size_t na = nd[step & 1], k = 0;
			struct tdp_interval *b = d[!(step & 1)];
			for (size_t i = 0; i < na && k < N; i++) {
				double x = uniform();
				if (step % 10 != 9 && x < 0.08)
					continue;
				b[k] = a[i];
				if (step % 10 != 9 && x < 0.12)
					b[k].death += grid ? 1. / 200 : uniform() * 0.01;
				k++;
			}
			for (size_t t = 0; step % 10 != 9 && t < na / 10 && k < N; t++)
				b[k++] = interval(grid);
			if (sorted)
				qsort(b, k, sizeof(*b), by_birth_death);
			else
				shuffle(b, k);
			nd[!(step & 1)] = k;
			double got_bn = bn(a, na, b, k);
			if (sorted) {
				/* the bottleneck's search outwards by birth (sorted
				 * diagrams) against its full scan (shuffled copies) */
				memcpy(sa, a, na * sizeof(*a));
				memcpy(sb, b, k * sizeof(*b));
				shuffle(sa, na);
				shuffle(sb, k);
				double want_bn = bn(sa, na, sb, k);
				if (memcmp(&got_bn, &want_bn, sizeof(got_bn)))
					fail_msg("chain %d, step %d: bottleneck %a, shuffled %a", chain, step, got_bn, want_bn);
			}
			(void)w(a, na, b, k, 1);
			double got = w(a, na, b, k, 2), want = w2_fresh(a, na, b, k);
			if (memcmp(&got, &want, sizeof(got)))
				fail_msg("chain %d, step %d (%zu, %zu points): %a, fresh %a", chain, step, na, k, got, want);
		}
	}
	free(d[0]);
	free(d[1]);
	free(sa);
	free(sb);
}

/* One stream's windows: the next diagram from the last, sorted by point. */
struct chain {
	struct tdp_interval d[2][400];
	size_t nd[2];
	int at;
	int rips;   /* births all 0 (as a Rips scale's dimension 0), in no order */
};

static struct tdp_interval chain_interval(const struct chain *c)
{
	struct tdp_interval v = interval(1);
	if (c->rips)
		v = (struct tdp_interval){ 0, v.death - v.birth };
	return v;
}

static void chain_order(const struct chain *c, struct tdp_interval *v, size_t n)
{
	if (c->rips)
		shuffle(v, n);
	else
		qsort(v, n, sizeof(*v), by_birth_death);
}

static void chain_start(struct chain *c, int rips)
{
	c->at = 0;
	c->rips = rips;
	c->nd[0] = 60 + (size_t)(uniform() * 120);
	for (size_t i = 0; i < c->nd[0]; i++)
		c->d[0][i] = chain_interval(c);
	chain_order(c, c->d[0], c->nd[0]);
}

/* Order 2 from the chain's last window to a next one, with WS and a fresh workspace: the same bits; WS's xhits grown. */
static size_t chain_step(struct chain *c)
{
	const struct tdp_interval *a = c->d[c->at];
	struct tdp_interval *b = c->d[!c->at];
	size_t na = c->nd[c->at], k = 0;
	for (size_t i = 0; i < na && k < 400; i++) {
		double x = uniform();
		if (x < 0.08)
			continue;
		b[k] = a[i];
		if (x < 0.12)
			b[k].death += 1. / 200;
		k++;
	}
	for (size_t t = 0; t < na / 10 && k < 400; t++)
		b[k++] = chain_interval(c);
	chain_order(c, b, k);
	size_t hits = ws->xhits;
	(void)w(a, na, b, k, 1);   /* between, as a worker asks: saves nothing */
	double got = w(a, na, b, k, 2), want = w2_fresh(a, na, b, k);
	if (memcmp(&got, &want, sizeof(got)))
		fail_msg("%zu and %zu points: %a, fresh %a", na, k, got, want);
	c->nd[!c->at] = k;
	c->at = !c->at;
	return ws->xhits - hits;
}

/*
 * Streams taking turns in one workspace, as a worker's do: each chain
 * keeps its slot of edges, so from its second step on its rows are
 * served from it (xhits), up to DISTANCE_XSLOTS chains; with more, the
 * oldest slot goes and nothing is served, the values the same.  Then
 * Rips-like chains (births 0, shuffled) among sorted ones.
 */
static void test_interleaved_chains(void **state)
{
	(void)state;
	static struct chain c[DISTANCE_XSLOTS + 1];
	const size_t counts[] = { 1, 3, DISTANCE_XSLOTS, DISTANCE_XSLOTS + 1 };
	for (size_t t = 0; t < sizeof(counts) / sizeof(counts[0]); t++) {
		size_t nc = counts[t];
		for (size_t k = 0; k < nc; k++)
			chain_start(&c[k], 0);
		for (int step = 0; step < 6; step++)
			for (size_t k = 0; k < nc; k++) {
				size_t hits = chain_step(&c[k]);
				if (step > 0 && nc <= DISTANCE_XSLOTS && hits == 0)
					fail_msg("chain %zu of %zu, step %d: no row served from its slot", k, nc, step);
				if (nc > DISTANCE_XSLOTS && hits != 0)
					fail_msg("chain %zu of %zu, step %d: %zu rows from a slot that should be gone", k,
						 nc, step, hits);
			}
	}
	/* Rips-like windows (ties in birth, twins out of index order) mixed
	 * with sorted ones: the same bits as fresh workspaces (chain_step()) */
	for (size_t k = 0; k < DISTANCE_XSLOTS; k++)
		chain_start(&c[k], (int)(k & 1));
	for (int step = 0; step < 12; step++)
		for (size_t k = 0; k < DISTANCE_XSLOTS; k++)
			(void)chain_step(&c[k]);
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
		cmocka_unit_test(test_small_wasserstein),
		cmocka_unit_test(test_chained_edges),
		cmocka_unit_test(test_interleaved_chains),
		cmocka_unit_test(test_bad_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
