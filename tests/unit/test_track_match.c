/*
 * test_track_match - the matching that tracks features across windows
 * (scaled/track_match.h) on cases worked out by hand: empty sides, one
 * point, identical diagrams (the identity), ties and duplicates (lowest
 * index with lowest index), a pair the least-cost matching would join but
 * the bottleneck forbids (rule 1 before rule 2), several bottleneck-optimal
 * matchings of which the cheapest is taken (rule 2), the same answer
 * whatever the workspace did before, bad intervals refused; then every
 * small random pair against an exhaustive search, and a pair large enough
 * that its edges do not all fit the matcher's store.  The comparison with
 * GUDHI and scipy on thousands of pairs is tests/oracle/track_match.sh.
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
#include "scaled/track_match.h"

#define NO TRACK_NONE

static struct track_match_ws *ws;
static struct distance_ws *dws;

static int setup(void **state)
{
	(void)state;
	ws = track_match_ws_new();
	dws = distance_ws_new();
	return ws && dws ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	track_match_ws_free(ws);
	distance_ws_free(dws);
	return 0;
}

static void match(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb, uint32_t *m)
{
	assert_int_equal(track_match(ws, a, na, b, nb, m), 0);
}

/* GUDHI's distance to the diagonal, as distance_bottleneck() measures it. */
static double diag(const struct tdp_interval *p)
{
	double mid = (p->birth + p->death) / 2;
	return fmax(fabs(p->birth - mid), fabs(p->death - mid));
}

static double linf(const struct tdp_interval *p, const struct tdp_interval *q)
{
	return fmax(fabs(p->birth - q->birth), fabs(p->death - q->death));
}

/*
 * M checked a matching; its longest edge into *LONGEST and its cost (a
 * point to the diagonal: (d - b) / 2) into *COST.
 */
static void measure(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb,
		    const uint32_t *m, double *longest, double *cost)
{
	char *used = calloc(nb + 1, 1);
	assert_non_null(used);
	*longest = *cost = 0;
	for (size_t i = 0; i < na; i++) {
		if (m[i] == NO) {
			*longest = fmax(*longest, diag(&a[i]));
			*cost += (a[i].death - a[i].birth) / 2;
			continue;
		}
		assert_true(m[i] < nb);
		assert_false(used[m[i]]);
		used[m[i]] = 1;
		*longest = fmax(*longest, linf(&a[i], &b[m[i]]));
		*cost += linf(&a[i], &b[m[i]]);
	}
	for (size_t j = 0; j < nb; j++)
		if (!used[j]) {
			*longest = fmax(*longest, diag(&b[j]));
			*cost += (b[j].death - b[j].birth) / 2;
		}
	free(used);
}

static double bottleneck(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb)
{
	double d = -1;
	assert_int_equal(distance_bottleneck(dws, a, na, b, nb, &d), 0);
	return d;
}

static void test_empty(void **state)
{
	(void)state;
	struct tdp_interval a[] = { { 0, 1 }, { 2, 5 } };
	uint32_t m[2] = { 7, 7 };
	match(NULL, 0, NULL, 0, m);
	match(NULL, 0, a, 2, m);
	assert_int_equal(m[0], 7);   /* nothing to write */
	match(a, 2, NULL, 0, m);
	assert_int_equal(m[0], NO);
	assert_int_equal(m[1], NO);
}

static void test_one_point(void **state)
{
	(void)state;
	uint32_t m[1];
	struct tdp_interval a[] = { { 0, 4 } }, near[] = { { 0, 4.5 } }, far[] = { { 9, 13 } };
	match(a, 1, near, 1, m);
	assert_int_equal(m[0], 0);   /* 0.5 apart, 2 from the diagonal */
	match(a, 1, far, 1, m);
	assert_int_equal(m[0], NO);  /* 9 apart: one dies, one is born (d* = 2) */
	match(a, 1, a, 1, m);
	assert_int_equal(m[0], 0);
}

/* The same diagram, in the same order: the identity, duplicates included. */
static void test_identical(void **state)
{
	(void)state;
	enum { N = 60 };
	struct tdp_interval a[N];
	uint32_t m[N];
	for (int i = 0; i < N; i++)
		a[i] = (struct tdp_interval){ (i % 7) * 0.25, (i % 7) * 0.25 + 1 + (i % 3) };   /* 21 distinct */
	match(a, N, a, N, m);
	for (int i = 0; i < N; i++)
		assert_int_equal(m[i], i);
}

static void test_ties(void **state)
{
	(void)state;
	uint32_t m[3];
	struct tdp_interval p = { 1, 3 }, q = { 2, 7 };
	/* duplicates: lowest index with lowest index, the extra one dies */
	match((struct tdp_interval[]){ p, p, p }, 3, (struct tdp_interval[]){ p, p }, 2, m);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], NO);
	match((struct tdp_interval[]){ p, q }, 2, (struct tdp_interval[]){ q, p }, 2, m);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 0);
	/* two equal continuations of one point: the lower index takes it */
	struct tdp_interval a0[] = { { 0, 10 }, { 0, 10 } }, b0[] = { { 1, 10 } };
	match(a0, 2, b0, 1, m);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], NO);
	struct tdp_interval b1[] = { { 1, 10 }, { 1, 10 } };
	match(a0, 1, b1, 2, m);
	assert_int_equal(m[0], 0);
	/*
	 * Continuing or dying and being born cost the same (2 = 1 + 1), all
	 * within d* = 3: either is right (the rules do not choose), but the
	 * same one every time.
	 */
	struct tdp_interval a2[] = { { 0, 100 }, { 10, 12 } }, b2[] = { { 3, 100 }, { 12, 14 } };
	match(a2, 2, b2, 2, m);
	assert_int_equal(m[0], 0);
	uint32_t m2[2];
	match(b2, 2, a2, 2, m2);
	match(a2, 2, b2, 2, m2);
	assert_memory_equal(m, m2, sizeof(m2));
}

/*
 * Rule 1 before rule 2.  (0,2) and (1.5,3.5) are 1.5 apart, each 1 from
 * the diagonal: joined they cost 1.5, left 2, but joined the longest edge
 * is 1.5 > d* = 1.  So both to the diagonal.  And the twins: (0,10),
 * (1,10) against (1,10), (2,10), all far from the diagonal; the twins
 * joined would leave (0,10)-(2,10), 2 apart; each moving by 1 is d* = 1.
 */
static void test_bottleneck_first(void **state)
{
	(void)state;
	uint32_t m[2];
	struct tdp_interval a[] = { { 0, 2 } }, b[] = { { 1.5, 3.5 } };
	assert_true(bottleneck(a, 1, b, 1) == 1);
	match(a, 1, b, 1, m);
	assert_int_equal(m[0], NO);
	struct tdp_interval ta[] = { { 0, 10 }, { 1, 10 } }, tb[] = { { 1, 10 }, { 2, 10 } };
	match(ta, 2, tb, 2, m);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1);
}

/*
 * Rule 2 among bottleneck-optimal matchings.  (0,100)-(3,100) sets d* = 3
 * (both far from the diagonal); within 3, (10,50), (10.3,50) against
 * (10.1,50), (10.2,50) may pair either way (0.1 + 0.1 or 0.2 + 0.2: the
 * first), and (0,1), (2.5,3.5), 2.5 apart, may pair, but both to the
 * diagonal is cheaper (0.5 + 0.5).  B in another order than A.
 */
static void test_least_cost(void **state)
{
	(void)state;
	uint32_t m[4];
	struct tdp_interval a[] = { { 0, 100 }, { 10, 50 }, { 10.3, 50 }, { 0, 1 } };
	struct tdp_interval b[] = { { 10.2, 50 }, { 2.5, 3.5 }, { 3, 100 }, { 10.1, 50 } };
	assert_true(bottleneck(a, 4, b, 4) == 3);
	match(a, 4, b, 4, m);
	assert_int_equal(m[0], 2);
	assert_int_equal(m[1], 3);
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], NO);
	double longest, cost;
	measure(a, 4, b, 4, m, &longest, &cost);
	assert_true(longest == 3);
	assert_true(fabs(cost - (3 + 0.1 + 0.1 + 1)) < 1e-12);
}

static uint64_t rng = 2718;

static double uniform(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* N random intervals; on a grid of 1/4 when GRID (ties everywhere). */
static void random_diagram(struct tdp_interval *iv, size_t n, int grid)
{
	for (size_t i = 0; i < n; i++) {
		double b = uniform() * 4, l = uniform() * (uniform() < 0.7 ? 0.5 : 4);
		if (grid) {
			b = round(b * 4) / 4;
			l = round(l * 4) / 4 + 0.25;
		}
		if (!(l > 0))
			l = 0.125;
		iv[i] = (struct tdp_interval){ b, b + l };
	}
}

/* Same answer whatever was asked before, and from a new workspace. */
static void test_deterministic(void **state)
{
	(void)state;
	enum { N = 50, BIG = 400 };
	struct tdp_interval a[N], b[N], *x = malloc(sizeof(*x) * BIG), *y = malloc(sizeof(*y) * BIG);
	uint32_t first[N], again[N], fresh[N], *other = malloc(sizeof(*other) * BIG);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(other);
	random_diagram(a, N, 1);
	random_diagram(b, N, 1);
	random_diagram(x, BIG, 0);
	random_diagram(y, BIG, 0);
	match(a, N, b, N, first);
	match(x, BIG, y, BIG - 30, other);
	match(b, N, a, N - 3, other);
	match(a, 3, b, N, other);
	match(a, N, b, N, again);
	assert_memory_equal(first, again, sizeof(first));
	struct track_match_ws *ws2 = track_match_ws_new();
	assert_non_null(ws2);
	assert_int_equal(track_match(ws2, a, N, b, N, fresh), 0);
	assert_memory_equal(first, fresh, sizeof(first));
	track_match_ws_free(ws2);
	free(x);
	free(y);
	free(other);
}

static void test_bad(void **state)
{
	(void)state;
	uint32_t m[2] = { 7, 7 };
	struct tdp_interval ok[] = { { 0, 1 } };
	struct tdp_interval bad[][1] = { { { NAN, 1 } }, { { 0, INFINITY } }, { { 2, 1 } }, { { -INFINITY, 0 } } };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(track_match(ws, bad[k], 1, ok, 1, m), -2);
		assert_int_equal(track_match(ws, ok, 1, bad[k], 1, m), -2);
	}
	assert_int_equal(m[0], 7);
	/* length 0 is a point on the diagonal: accepted */
	struct tdp_interval zero[] = { { 1, 1 } };
	match(zero, 1, ok, 1, m);
	assert_true(m[0] == 0 || m[0] == NO);
}

/*
 * Of all matchings of A and B (A's points each to a point of B or to the
 * diagonal), the least cost among those whose longest edge is at most R.
 */
static double exhaustive(const struct tdp_interval *a, size_t na, const struct tdp_interval *b, size_t nb,
			 size_t i, char *used, double r)
{
	if (i == na) {
		double c = 0;
		for (size_t j = 0; j < nb; j++)
			if (!used[j]) {
				if (diag(&b[j]) > r)
					return INFINITY;
				c += (b[j].death - b[j].birth) / 2;
			}
		return c;
	}
	double best = diag(&a[i]) <= r ? (a[i].death - a[i].birth) / 2 + exhaustive(a, na, b, nb, i + 1, used, r)
				       : INFINITY;
	for (size_t j = 0; j < nb; j++) {
		if (used[j] || linf(&a[i], &b[j]) > r)
			continue;
		used[j] = 1;
		best = fmin(best, linf(&a[i], &b[j]) + exhaustive(a, na, b, nb, i + 1, used, r));
		used[j] = 0;
	}
	return best;
}

/* Every small random pair (gridded: ties; or not): rules 1 and 2 against the exhaustive search. */
static void test_exhaustive(void **state)
{
	(void)state;
	enum { N = 5 };
	struct tdp_interval a[N], b[N];
	uint32_t m[N];
	char used[N];
	for (int k = 0; k < 3000; k++) {
		size_t na = (size_t)(uniform() * (N + 1)), nb = (size_t)(uniform() * (N + 1));
		random_diagram(a, na, k % 2);
		random_diagram(b, nb, k % 2);
		if (k % 5 == 0 && na && nb)
			b[0] = a[na - 1];   /* a twin */
		match(a, na, b, nb, m);
		double longest, cost, r = bottleneck(a, na, b, nb);
		measure(a, na, b, nb, m, &longest, &cost);
		assert_true(longest == r);
		memset(used, 0, sizeof(used));
		double best = exhaustive(a, na, b, nb, 0, used, r);
		assert_true(cost <= best + 1e-12 * (1 + best));
	}
}

/*
 * Clusters of heavy points and one far from all, so every pair is
 * within d*: more edges than the matcher keeps (2^18), rows found again.  A valid matching of
 * longest edge d*, the same from a new workspace.
 */
static void test_large(void **state)
{
	(void)state;
	enum { N = 700 };
	struct tdp_interval *a = malloc(sizeof(*a) * N), *b = malloc(sizeof(*b) * N);
	uint32_t *m = malloc(sizeof(*m) * N), *m2 = malloc(sizeof(*m2) * N);
	assert_true(a && b && m && m2);
	for (int i = 0; i < N; i++) {
		a[i] = (struct tdp_interval){ uniform() * 2, 10 + uniform() * 2 };
		b[i] = (struct tdp_interval){ uniform() * 2, 10 + uniform() * 2 };
	}
	a[0] = (struct tdp_interval){ 0, 100 };   /* nothing near: d* = 50, every pair an edge */
	match(a, N, b, N - 5, m);
	double longest, cost;
	measure(a, N, b, N - 5, m, &longest, &cost);
	assert_true(longest == bottleneck(a, N, b, N - 5));
	struct track_match_ws *ws2 = track_match_ws_new();
	assert_non_null(ws2);
	assert_int_equal(track_match(ws2, a, N, b, N - 5, m2), 0);
	assert_memory_equal(m, m2, N * sizeof(*m));
	track_match_ws_free(ws2);
	free(a);
	free(b);
	free(m);
	free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_point),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_bottleneck_first),
		cmocka_unit_test(test_least_cost),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_exhaustive),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
