/*
 * test_rips.c - rips_compute() on clouds whose diagrams are known by hand,
 * its argument and memory contracts, and the combinatorial number system.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.h"
#include "scaled/rips.h"
#include "scaled/rips_cost.h"

static const double SQ2 = 1.4142135623730951;
static const double SQ3 = 1.7320508075688772;

static struct rips_diagram run(rips_ws_t *ws, const double *pts, size_t n, size_t dim, int maxdim,
			       double thr)
{
	struct rips_input in = {RIPS_POINTS, n, dim, pts};
	struct rips_diagram dg;
	assert_int_equal(rips_compute(ws, &in, maxdim, thr, &dg), 0);
	assert_int_equal(dg.maxdim, maxdim);
	return dg;
}

/* COUNT copies of [b, d) are in diagram D of dimension DIM, nothing else. */
static void assert_only(const struct rips_diagram *dg, int dim, size_t count, double b, double d)
{
	assert_int_equal(dg->count[dim], count);
	for (size_t i = 0; i < count; i++) {
		assert_true(fabs(dg->iv[dim][i].birth - b) < 1e-12);
		if (isinf(d))
			assert_true(isinf(dg->iv[dim][i].death));
		else
			assert_true(fabs(dg->iv[dim][i].death - d) < 1e-12);
	}
}

/* H0 of N points that all merge at DEATH: N-1 finite intervals then one essential. */
static void assert_h0(const struct rips_diagram *dg, size_t n, double death)
{
	assert_int_equal(dg->count[0], n);
	for (size_t i = 0; i + 1 < n; i++) {
		assert_true(dg->iv[0][i].birth == 0);
		assert_true(fabs(dg->iv[0][i].death - death) < 1e-12);
	}
	assert_true(dg->iv[0][n - 1].birth == 0 && isinf(dg->iv[0][n - 1].death));
}

static void test_square(void **state)
{
	rips_ws_t *ws = *state;
	const double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	struct rips_diagram dg = run(ws, sq, 4, 2, 2, INFINITY);

	assert_h0(&dg, 4, 1);
	assert_only(&dg, 1, 1, 1, SQ2);
	assert_only(&dg, 2, 0, 0, 0);
	assert_true(fabs(dg.enclosing_radius - SQ2) < 1e-12);
}

static void test_hexagon(void **state)
{
	rips_ws_t *ws = *state;
	double hx[12];
	for (int i = 0; i < 6; i++) {
		hx[2 * i] = cos(i * M_PI / 3);
		hx[2 * i + 1] = sin(i * M_PI / 3);
	}
	/* Side 1: the loop is born at 1; at sqrt3 every vertex sees all but
	 * its opposite, the clique complex is an octahedron (a 2-sphere),
	 * which the long diagonals (2) fill. */
	struct rips_diagram dg = run(ws, hx, 6, 2, 2, INFINITY);
	assert_h0(&dg, 6, 1);
	assert_int_equal(dg.count[1], 1);
	assert_true(fabs(dg.iv[1][0].birth - 1) < 1e-9 && fabs(dg.iv[1][0].death - SQ3) < 1e-9);
	assert_int_equal(dg.count[2], 1);
	assert_true(fabs(dg.iv[2][0].birth - SQ3) < 1e-9 && fabs(dg.iv[2][0].death - 2) < 1e-9);
}

static void test_octahedron(void **state)
{
	rips_ws_t *ws = *state;
	const double oc[] = {1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1};
	struct rips_diagram dg = run(ws, oc, 6, 3, 2, INFINITY);

	assert_h0(&dg, 6, SQ2);
	assert_only(&dg, 1, 0, 0, 0);
	assert_only(&dg, 2, 1, SQ2, 2);
	/* Truncated at 1.5 the sphere never fills. */
	dg = run(ws, oc, 6, 3, 2, 1.5);
	assert_only(&dg, 2, 1, SQ2, INFINITY);
}

static void test_cross_polytope_h3(void **state)
{
	rips_ws_t *ws = *state;
	double cp[8 * 4] = {0};
	for (int i = 0; i < 4; i++) {
		cp[(2 * i) * 4 + i] = 1;
		cp[(2 * i + 1) * 4 + i] = -1;
	}
	/* The boundary of the 4-dimensional cross-polytope is a 3-sphere. */
	struct rips_diagram dg = run(ws, cp, 8, 4, 3, INFINITY);
	assert_h0(&dg, 8, SQ2);
	assert_only(&dg, 1, 0, 0, 0);
	assert_only(&dg, 2, 0, 0, 0);
	assert_only(&dg, 3, 1, SQ2, 2);
}

static void test_tetrahedron(void **state)
{
	rips_ws_t *ws = *state;
	/* A regular tetrahedron: every simplex enters at once, nothing lives. */
	const double te[] = {1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1};
	double e = sqrt(8);
	struct rips_diagram dg = run(ws, te, 4, 3, 3, INFINITY);
	assert_h0(&dg, 4, e);
	for (int d = 1; d <= 3; d++)
		assert_only(&dg, d, 0, 0, 0);
}

static void test_tiny(void **state)
{
	rips_ws_t *ws = *state;
	const double p[] = {0, 0, 3, 4};
	struct rips_diagram dg = run(ws, p, 0, 2, 2, INFINITY);
	for (int d = 0; d <= 2; d++)
		assert_int_equal(dg.count[d], 0);
	dg = run(ws, p, 1, 2, 2, INFINITY);
	assert_only(&dg, 0, 1, 0, INFINITY);
	assert_only(&dg, 1, 0, 0, 0);
	dg = run(ws, p, 2, 2, 1, INFINITY);
	assert_h0(&dg, 2, 5);
	assert_only(&dg, 1, 0, 0, 0);
	/* Duplicate points: zero-length intervals are omitted. */
	const double dup[] = {1, 1, 1, 1, 1, 1};
	dg = run(ws, dup, 3, 2, 2, INFINITY);
	assert_only(&dg, 0, 1, 0, INFINITY);
}

static void test_threshold(void **state)
{
	rips_ws_t *ws = *state;
	const double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	struct rips_diagram dg = run(ws, sq, 4, 2, 1, 1.2);
	assert_h0(&dg, 4, 1);
	assert_only(&dg, 1, 1, 1, INFINITY);
	assert_true(dg.threshold == 1.2);
	dg = run(ws, sq, 4, 2, 1, 0.5);
	assert_only(&dg, 0, 4, 0, INFINITY);
	assert_only(&dg, 1, 0, 0, 0);
	dg = run(ws, sq, 4, 2, 1, 1);	/* edges of length exactly T are in */
	assert_h0(&dg, 4, 1);
	assert_only(&dg, 1, 1, 1, INFINITY);
}

static void test_lower_distance(void **state)
{
	rips_ws_t *ws = *state;
	/* The square again, as distances. */
	const double low[] = {1, SQ2, 1, 1, SQ2, 1};
	struct rips_input in = {RIPS_LOWER_DISTANCE, 4, 0, low};
	struct rips_diagram dg;
	assert_int_equal(rips_compute(ws, &in, 1, INFINITY, &dg), 0);
	assert_h0(&dg, 4, 1);
	assert_only(&dg, 1, 1, 1, SQ2);
}

static void test_bad_arguments(void **state)
{
	rips_ws_t *ws = *state;
	const double low[] = {1, NAN, 1};
	const double neg[] = {1, -1, 1};
	struct rips_input in = {RIPS_LOWER_DISTANCE, 3, 0, low};
	struct rips_diagram dg;
	assert_int_equal(rips_compute(ws, &in, 1, INFINITY, &dg), -EINVAL);
	assert_int_equal(dg.count[0], 0);
	in.data = neg;
	assert_int_equal(rips_compute(ws, &in, 1, INFINITY, &dg), -EINVAL);
	in.data = low + 0;
	assert_int_equal(rips_compute(ws, &in, 4, INFINITY, &dg), -EINVAL);
	assert_int_equal(rips_compute(ws, &in, -1, INFINITY, &dg), -EINVAL);
	assert_int_equal(rips_compute(ws, &in, 1, -1, &dg), -EINVAL);
	assert_int_equal(rips_compute(ws, &in, 1, NAN, &dg), -EINVAL);
	in.data = NULL;
	assert_int_equal(rips_compute(ws, &in, 1, INFINITY, &dg), -EINVAL);
}

/* Diagrams 0..UPTO-1 of GOT equal those of WANT, bit for bit. */
static void assert_same_dims(const struct rips_diagram *got, const struct rips_diagram *want, int upto)
{
	for (int d = 0; d < upto; d++) {
		assert_int_equal(got->count[d], want->count[d]);
		for (size_t i = 0; i < got->count[d]; i++) {
			assert_true(got->iv[d][i].birth == want->iv[d][i].birth);
			assert_true(got->iv[d][i].death == want->iv[d][i].death);
		}
	}
}

/* Over the limit: H0 all the same (from the spanning tree), the rest
 * named as not computed, never more than the limit held. */
static void test_memory_limit(void **state)
{
	rips_ws_t *ref = *state;
	rips_ws_t *ws;
	size_t n = 300;
	double *pts = malloc(n * 2 * sizeof(double));
	assert_non_null(pts);
	for (size_t i = 0; i < 2 * n; i++)
		pts[i] = (double)((i * 7919) % 1000) / 1000;
	struct rips_input in = {RIPS_POINTS, n, 2, pts};
	struct rips_diagram want, dg;
	assert_int_equal(rips_compute(ref, &in, 1, INFINITY, &want), 0);
	assert_int_equal(want.done, 2);
	assert_int_equal(want.why, TDP_INCOMPLETE_NONE);
	assert_int_equal(rips_init(&ws, 64 * 1024), 0);
	assert_int_equal(rips_compute(ws, &in, 1, INFINITY, &dg), -ENOMEM);
	assert_int_equal(dg.done, 1);
	assert_int_equal(dg.why, TDP_INCOMPLETE_MEMORY_MB);
	assert_int_equal(dg.count[1], 0);
	assert_same_dims(&dg, &want, 1);
	struct rips_stats st;
	rips_get_stats(ws, &st);
	assert_true(st.peak_bytes <= 64 * 1024);
	assert_int_equal(st.tight, 1);
	/* Still usable for what fits. */
	const double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	dg = run(ws, sq, 4, 2, 1, INFINITY);
	assert_only(&dg, 1, 1, 1, SQ2);
	rips_fini(ws);
	free(pts);
}

/*
 * Under every memory limit the result is the full diagram, or its first
 * dimensions exactly with the rest named: a failed allocation anywhere
 * never corrupts anything, and every split (H0 only, H0 and H1, all) is
 * met somewhere in the sweep.
 */
static void test_memory_limit_sweep(void **state)
{
	rips_ws_t *ref = *state;
	double pts[60 * 3];
	for (int i = 0; i < 180; i++)
		pts[i] = sin(i * 2.17) + cos(i * 0.31);
	struct rips_input in = {RIPS_POINTS, 60, 3, pts};
	struct rips_diagram want, got;
	assert_int_equal(rips_compute(ref, &in, 2, INFINITY, &want), 0);
	int seen[4] = {0};
	rips_ws_t *fresh;
	struct rips_stats st0;
	assert_int_equal(rips_init(&fresh, 0), 0);
	rips_get_stats(fresh, &st0);
	size_t fresh_bytes = st0.peak_bytes;   /* the workspace's own struct */
	rips_fini(fresh);
	for (double limit = 1024; limit < 64 * 1024 * 1024; limit *= 1.1) {
		rips_ws_t *ws;
		assert_int_equal(rips_init(&ws, (size_t)limit), 0);
		int rc = rips_compute(ws, &in, 2, INFINITY, &got);
		if (rc == 0) {
			assert_int_equal(got.done, 3);
		} else {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(got.why, TDP_INCOMPLETE_MEMORY_MB);
			assert_in_range(got.done, 0, 2);
		}
		seen[got.done]++;
		assert_same_dims(&got, &want, got.done);
		struct rips_stats st;
		rips_get_stats(ws, &st);
		assert_true(st.peak_bytes <= (size_t)limit || st.peak_bytes == fresh_bytes);
		rips_fini(ws);
	}
	/* The H1-but-not-H2 band can be narrower than a step of the sweep:
	 * find the least limit giving H1 by bisection, where H2 does not fit. */
	size_t lo = 1024, hi = 64 << 20;   /* done < 2 at lo, >= 2 at hi */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		rips_ws_t *ws;
		assert_int_equal(rips_init(&ws, mid), 0);
		rips_compute(ws, &in, 2, INFINITY, &got);
		*(got.done >= 2 ? &hi : &lo) = mid;
		rips_fini(ws);
	}
	rips_ws_t *ws;
	assert_int_equal(rips_init(&ws, hi), 0);
	assert_int_equal(rips_compute(ws, &in, 2, INFINITY, &got), -ENOMEM);
	seen[got.done]++;
	assert_same_dims(&got, &want, got.done);
	rips_fini(ws);
	/* done 0 only below the tree's own few KiB */
	assert_true(seen[1] > 0 && seen[2] > 0 && seen[3] > 0);
}

/* A cloud of N points of kind K (0 uniform, 1 clusters, 2 grid with
 * duplicates, 3 circle), seeded. */
static void make_cloud(double *p, size_t n, int kind, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		double u = (double)rand_r(&seed) / RAND_MAX, v = (double)rand_r(&seed) / RAND_MAX;
		switch (kind) {
		case 0: p[2 * i] = u; p[2 * i + 1] = v; break;
		case 1: p[2 * i] = (double)(i % 4) * 5 + u * 0.3; p[2 * i + 1] = v * 0.3; break;
		case 2: p[2 * i] = (double)(i % 7); p[2 * i + 1] = (double)((i / 7) % 5); break;
		default: p[2 * i] = cos(6.283185307179586 * u); p[2 * i + 1] = sin(6.283185307179586 * u); break;
		}
	}
}

/*
 * What a window needs on its own it gets, whatever earlier windows left in
 * the workspace: with the limit set to the larger of two windows' own
 * peaks, a workspace computing one after the other computes both fully.
 * (The worker used to keep the first window's buffers and refuse the
 * second.)  At least one pair must have needed the fresh second try.
 */
static void test_held_buffers_never_refuse(void **state)
{
	(void)state;
	static double a[120 * 2], b[120 * 2];
	int retried = 0;
	for (int t = 0; t < 24; t++) {
		size_t n = 60 + (size_t)(t * 5) % 60;
		make_cloud(a, n, t % 4, (unsigned)t);
		make_cloud(b, n, (t + 1) % 4, (unsigned)t + 100);
		struct rips_input ia = {RIPS_POINTS, n, 2, a}, ib = {RIPS_POINTS, n, 2, b};
		struct rips_diagram dg;
		struct rips_stats st;
		size_t peak[2];
		for (int j = 0; j < 2; j++) {
			rips_ws_t *fresh;
			assert_int_equal(rips_init(&fresh, 0), 0);
			assert_int_equal(rips_compute(fresh, j ? &ib : &ia, 2, INFINITY, &dg), 0);
			rips_get_stats(fresh, &st);
			peak[j] = st.peak_bytes;
			rips_fini(fresh);
		}
		rips_ws_t *ws;
		assert_int_equal(rips_init(&ws, peak[0] > peak[1] ? peak[0] : peak[1]), 0);
		assert_int_equal(rips_compute(ws, &ia, 2, INFINITY, &dg), 0);
		assert_int_equal(rips_compute(ws, &ib, 2, INFINITY, &dg), 0);
		assert_int_equal(dg.done, 3);
		rips_get_stats(ws, &st);
		retried += st.tight;
		rips_fini(ws);
	}
	assert_true(retried > 0);
}

/*
 * A window's outcome under a limit (what is computed, what is not and
 * why, the diagrams) is a function of the window alone: the same in a
 * fresh workspace and after any sequence of other windows, complete or
 * not, in either mode.  A restarted scale worker (a fresh workspace) must
 * publish what the one before it would have (ARCHITECTURE.md, invariant 3).
 */
static void test_outcome_independent_of_history(void **state)
{
	(void)state;
	enum { NW = 6 };
	static double w[NW][130 * 2];
	size_t n[NW];
	for (int i = 0; i < NW; i++) {
		n[i] = 30 + (size_t)i * 20;   /* a large window's buffers, kept, weigh on a small one */
		make_cloud(w[i], n[i], i % 4, 50u + (unsigned)i);
	}
	unsigned seed = 9;
	int partial = 0, complete = 0;
	for (size_t limit = 64 << 10; limit < (3 << 20); limit = limit * 21 / 20) {
		struct rips_diagram ref[NW], got;
		rips_ws_t *fresh[NW];
		for (int i = 0; i < NW; i++) {
			struct rips_input in = {RIPS_POINTS, n[i], 2, w[i]};
			assert_int_equal(rips_init(&fresh[i], limit), 0);
			rips_compute(fresh[i], &in, 2, INFINITY, &ref[i]);
			ref[i].done == 3 ? complete++ : partial++;
		}
		rips_ws_t *ws;
		assert_int_equal(rips_init(&ws, limit), 0);
		for (int step = 0; step < 4 * NW; step++) {
			int i = rand_r(&seed) % NW;
			struct rips_input in = {RIPS_POINTS, n[i], 2, w[i]};
			rips_compute(ws, &in, 2, INFINITY, &got);
			assert_int_equal(got.done, ref[i].done);
			assert_int_equal(got.why, ref[i].why);
			assert_same_dims(&got, &ref[i], got.done);
		}
		rips_fini(ws);
		for (int i = 0; i < NW; i++)
			rips_fini(fresh[i]);
	}
	assert_true(partial > 0 && complete > 0);
}

/* The floor the config checks against memory_mb (tdp_scale_rips_bytes)
 * holds what the engine needs for H0 of the scale's largest cloud, on
 * every kind of cloud, and is not loose: a workspace capped at it always
 * computes H0 with the engine itself (no retry, no spanning tree). */
static void test_floor_bound(void **state)
{
	(void)state;
	static double p[400 * 2];
	for (size_t n = 2; n <= 400; n = n * 3 / 2 + 1) {
		/* H0 and H1: a scale that runs the engine, whose floor is H0's */
		struct tdp_scale_cfg sc = {.complex = TDP_COMPLEX_RIPS, .window = (uint32_t)n, .dims_mask = 3,
					   .threshold = INFINITY};
		uint64_t bound = tdp_scale_rips_bytes(&sc);
		size_t most = 0;
		for (int kind = 0; kind < 4; kind++) {
			make_cloud(p, n, kind, (unsigned)n);
			struct rips_input in = {RIPS_POINTS, n, 2, p};
			rips_ws_t *ws;
			struct rips_diagram dg;
			struct rips_stats st;
			assert_int_equal(rips_init(&ws, bound), 0);
			assert_int_equal(rips_compute(ws, &in, 0, 1e9, &dg), 0);
			rips_get_stats(ws, &st);
			assert_int_equal(st.tight, 0);
			assert_true(st.peak_bytes <= bound);
			if (st.peak_bytes > most)
				most = st.peak_bytes;
			rips_fini(ws);
		}
		assert_true(bound <= 2 * most + (128 << 10));
	}
}

/* More points than 64-bit keys can number beside their diameter's rank
 * (they used to give H0..H2 and name H3 index_range): every dimension is
 * computed, with wide keys, and H0..H2 equal those of a run that asks
 * for H2 only, whose keys fit in 64 bits. */
static void test_wide_keys(void **state)
{
	rips_ws_t *ref = *state;
	size_t n = 2500;
	double *p = malloc(n * 2 * sizeof(double));
	assert_non_null(p);
	unsigned seed = 3;
	for (size_t i = 0; i < 2 * n; i++)
		p[i] = (double)rand_r(&seed) / RAND_MAX;
	/* About 2^14.5 edges within 0.05, each of its own length: 15 bits of
	 * rank beside C(2500, 5) ~ 2^49.5 for H3 do not fit 64 bits; beside
	 * C(2500, 4) ~ 2^40.5 for H2 they do. */
	struct rips_input in = {RIPS_POINTS, n, 2, p};
	struct rips_diagram want, got;
	struct rips_stats st;
	rips_ws_t *ws;
	assert_int_equal(rips_init(&ws, 0), 0);
	assert_int_equal(rips_compute(ws, &in, 3, 0.05, &got), 0);
	assert_int_equal(got.done, 4);
	assert_int_equal(got.why, TDP_INCOMPLETE_NONE);
	rips_get_stats(ws, &st);
	assert_int_equal(st.wide_keys, 1);
	assert_int_equal(rips_compute(ref, &in, 2, 0.05, &want), 0);
	rips_get_stats(ref, &st);
	assert_int_equal(st.wide_keys, 0);
	assert_same_dims(&got, &want, 3);
	assert_true(want.count[1] > 0);
	rips_fini(ws);
	free(p);
}

/* Wide keys forced (TDP_RIPS_KEYS=wide) give the diagrams of narrow
 * ones, bit for bit, H0..H3, on clouds with ties, duplicates and
 * clusters, with and without a threshold. */
static void test_forced_wide_keys(void **state)
{
	rips_ws_t *ref = *state;
	rips_ws_t *ws;
	setenv("TDP_RIPS_KEYS", "wide", 1);
	int rc = rips_init(&ws, 0);
	unsetenv("TDP_RIPS_KEYS");
	assert_int_equal(rc, 0);
	double p[2 * 40];
	for (int kind = 0; kind < 4; kind++) {
		for (int t = 0; t < 2; t++) {
			make_cloud(p, 40, kind, 11u + (unsigned)kind);
			struct rips_input in = {RIPS_POINTS, 40, 2, p};
			struct rips_diagram want, got;
			struct rips_stats st;
			double thr = t ? 0.5 : INFINITY;
			assert_int_equal(rips_compute(ref, &in, 3, thr, &want), 0);
			assert_int_equal(rips_compute(ws, &in, 3, thr, &got), 0);
			rips_get_stats(ws, &st);
			assert_int_equal(st.wide_keys, 1);
			assert_same_dims(&got, &want, 4);
		}
	}
	rips_fini(ws);
}

/* A workspace whose sparse path is forced on (1) or off (0). */
static rips_ws_t *ws_sparse(int on)
{
	rips_ws_t *ws;
	setenv("TDP_RIPS_SPARSE", on ? "1" : "0", 1);
	int rc = rips_init(&ws, 0);
	unsetenv("TDP_RIPS_SPARSE");
	assert_int_equal(rc, 0);
	return ws;
}

/* The sparse path (forced) gives the dense path's diagrams bit for bit,
 * H0..H3, on clouds with ties, duplicates and clusters, and on a lower
 * distance input, at thresholds that cut some, most or no edges. */
static void test_sparse_equals_dense(void **state)
{
	(void)state;
	rips_ws_t *sp = ws_sparse(1), *dn = ws_sparse(0);
	double p[2 * 40];
	const double thr[] = {0.05, 0.3, 0.8, 100};
	for (int kind = 0; kind < 4; kind++) {
		for (int t = 0; t < 4; t++) {
			make_cloud(p, 40, kind, 7u + (unsigned)kind);
			struct rips_input in = {RIPS_POINTS, 40, 2, p};
			struct rips_diagram want, got;
			assert_int_equal(rips_compute(dn, &in, 3, thr[t], &want), 0);
			assert_int_equal(rips_compute(sp, &in, 3, thr[t], &got), 0);
			assert_same_dims(&got, &want, 4);
			/* the grid search of the sparse path leaves the enclosing
			 * radius unknown, and the threshold as given */
			assert_true(isnan(got.enclosing_radius));
			assert_true(got.threshold == thr[t]);
		}
	}
	/* lower distance: integers 1..4, many ties */
	double D[30 * 29 / 2];
	unsigned seed = 5;
	for (size_t e = 0; e < sizeof(D) / sizeof(D[0]); e++)
		D[e] = 1 + rand_r(&seed) % 4;
	struct rips_input in = {RIPS_LOWER_DISTANCE, 30, 0, D};
	for (double th = 1; th <= 4; th++) {
		struct rips_diagram want, got;
		assert_int_equal(rips_compute(dn, &in, 2, th, &want), 0);
		assert_int_equal(rips_compute(sp, &in, 2, th, &got), 0);
		assert_same_dims(&got, &want, 3);
	}
	rips_fini(sp);
	rips_fini(dn);
}

/* A workspace whose sparse path is forced on, searching pairs with SEARCH
 * (TDP_RIPS_SEARCH: "pairs" or "tree"). */
static rips_ws_t *ws_search(const char *search)
{
	rips_ws_t *ws;
	setenv("TDP_RIPS_SPARSE", "1", 1);
	setenv("TDP_RIPS_SEARCH", search, 1);
	int rc = rips_init(&ws, 0);
	unsetenv("TDP_RIPS_SPARSE");
	unsetenv("TDP_RIPS_SEARCH");
	assert_int_equal(rc, 0);
	return ws;
}

/* The sparse path's ball tree (clouds of more than 4 coordinates) gives
 * the diagrams of its every-pair search and of the dense path, bit for
 * bit, H0..H3, in R^5..R^12: uniform clouds with duplicated points,
 * lattice clouds whose thresholds are one of their own distances (ties
 * at exactly the threshold), and collinear points. */
static void test_tree_equals_pairs_equals_dense(void **state)
{
	(void)state;
	rips_ws_t *tree = ws_search("tree"), *pairs = ws_search("pairs"), *dn = ws_sparse(0);
	static double p[36 * 12];
	unsigned seed = 21;
	for (size_t dim = 5; dim <= 12; dim++) {
		for (int kind = 0; kind < 3; kind++) {
			size_t n = 36;
			double dir[12];
			for (size_t c = 0; c < dim; c++)
				dir[c] = (double)rand_r(&seed) / RAND_MAX - 0.5;
			for (size_t i = 0; i < n; i++) {
				for (size_t c = 0; c < dim; c++) {
					double u = (double)rand_r(&seed) / RAND_MAX;
					p[i * dim + c] = kind == 0 ? (i % 6 == 5 ? p[(i - 2) * dim + c] : u)
						       : kind == 1 ? (double)(rand_r(&seed) % 3)
						       : 1 + (double)(i % 12) * 0.25 * dir[c];   /* 3 copies of 12 on a line */
				}
			}
			for (int t = 0; t < 3; t++) {
				size_t a = (size_t)rand_r(&seed) % n, b = (a + 1 + (size_t)t) % n;
				double thr = 0, s = 0;
				for (size_t c = 0; c < dim; c++)
					s += (p[a * dim + c] - p[b * dim + c]) * (p[a * dim + c] - p[b * dim + c]);
				thr = t == 2 ? 0.9 : sqrt(s);	/* a distance of the cloud: ties at it */
				struct rips_input in = {RIPS_POINTS, n, dim, p};
				struct rips_diagram want, got_tree, got_pairs;
				int maxdim = dim <= 6 ? 3 : 2;
				assert_int_equal(rips_compute(dn, &in, maxdim, thr, &want), 0);
				assert_int_equal(rips_compute(pairs, &in, maxdim, thr, &got_pairs), 0);
				assert_int_equal(rips_compute(tree, &in, maxdim, thr, &got_tree), 0);
				assert_same_dims(&got_pairs, &want, maxdim + 1);
				assert_same_dims(&got_tree, &want, maxdim + 1);
				/* the tree leaves the enclosing radius unknown, as the grid */
				assert_true(isnan(got_tree.enclosing_radius));
				assert_false(isnan(got_pairs.enclosing_radius));
			}
		}
	}
	rips_fini(tree);
	rips_fini(pairs);
	rips_fini(dn);
}

/* With a threshold that keeps few pairs the engine holds memory for the
 * edges kept, not for n^2: 6,000 points in the unit square at 0.01 keep
 * about 5,600 of 18 million pairs; the dense floor would be 1.15 GB. */
static void test_sparse_memory(void **state)
{
	(void)state;
	size_t n = 6000;
	double *p = malloc(n * 2 * sizeof(double));
	assert_non_null(p);
	unsigned seed = 9;
	for (size_t i = 0; i < 2 * n; i++)
		p[i] = (double)rand_r(&seed) / RAND_MAX;
	struct rips_input in = {RIPS_POINTS, n, 2, p};
	rips_ws_t *ws;
	struct rips_diagram dg;
	struct rips_stats st;
	assert_int_equal(rips_init(&ws, 8u << 20), 0);   /* 8 MiB */
	assert_int_equal(rips_compute(ws, &in, 2, 0.01, &dg), 0);
	rips_get_stats(ws, &st);
	assert_int_equal(st.tight, 0);
	assert_true(st.peak_bytes < (2u << 20));
	assert_int_equal(dg.count[0], n);   /* distinct points: one H0 interval each */
	rips_fini(ws);
	free(p);
}

#ifndef __SANITIZE_ADDRESS__
/* The machine says no (an address-space limit in a child): H0 still,
 * from the tree, and out_of_memory rather than memory_mb. */
static void test_machine_out_of_memory(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t n = 3000;   /* the floor alone is 288 MB */
		double *p = malloc(n * 3 * sizeof(double));
		if (!p)
			_exit(2);
		for (size_t i = 0; i < 3 * n; i++)
			p[i] = sin((double)i * 0.7);
		struct rlimit rl = {200u << 20, 200u << 20};
		struct rlimit cur;
		getrlimit(RLIMIT_AS, &cur);
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(3);
		rips_ws_t *ws;
		struct rips_diagram dg;
		struct rips_input in = {RIPS_POINTS, n, 3, p};
		if (rips_init(&ws, 0))
			_exit(4);
		int rc = rips_compute(ws, &in, 1, INFINITY, &dg);
		_exit(rc == -ENOMEM && dg.done == 1 && dg.why == TDP_INCOMPLETE_OUT_OF_MEMORY &&
		      dg.count[0] > 0 && isinf(dg.iv[0][dg.count[0] - 1].death) ? 0 : 5);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
#endif

static void test_reuse(void **state)
{
	rips_ws_t *ws = *state;
	const double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	double big[200 * 3];
	for (int i = 0; i < 600; i++)
		big[i] = sin(i * 1.37) * 3;
	run(ws, big, 200, 3, 2, INFINITY);
	struct rips_diagram dg = run(ws, sq, 4, 2, 1, INFINITY);
	assert_h0(&dg, 4, 1);
	assert_only(&dg, 1, 1, 1, SQ2);
	struct rips_stats st;
	rips_get_stats(ws, &st);
	assert_true(st.bytes > 0 && st.bytes <= st.peak_bytes);
}

static void test_binomial(void **state)
{
	(void)state;
	assert_int_equal(rips_binomial(5, 2), 10);
	assert_int_equal(rips_binomial(0, 0), 1);
	assert_int_equal(rips_binomial(3, 5), 0);
	assert_int_equal(rips_binomial(1000, 4), 41417124750LL);
	assert_int_equal(rips_binomial(1u << 20, 5), INT64_MAX);	/* saturates */
	assert_int_equal(rips_binomial(1u << 20, 3), 192153034345676800LL);
	for (uint32_t n = 0; n < 40; n++)
		for (uint32_t k = 1; k <= n; k++)
			assert_int_equal(rips_binomial(n, k), rips_binomial(n - 1, k - 1) + rips_binomial(n - 1, k));
}

/* Every k-subset of {0..n-1}, in colexicographic order, is numbered
 * 0, 1, 2, ... and decodes back to itself. */
static void test_simplex_index(void **state)
{
	(void)state;
	const uint32_t n = 11;
	for (int k = 1; k <= RIPS_MAX_DIM + 2; k++) {
		int64_t expect = 0;
		/* colex: increasing vertex sets compared from the top vertex */
		uint32_t asc[RIPS_MAX_DIM + 2];
		for (int i = 0; i < k; i++)
			asc[i] = (uint32_t)i;
		for (;;) {
			uint32_t v[RIPS_MAX_DIM + 2], back[RIPS_MAX_DIM + 2];
			for (int i = 0; i < k; i++)
				v[i] = asc[k - 1 - i];
			assert_int_equal(rips_simplex_index(v, k), expect);
			rips_simplex_vertices(expect, k, n, back);
			for (int i = 0; i < k; i++)
				assert_int_equal(back[i], v[i]);
			expect++;
			int i = 0;	/* next in colex: bump the lowest vertex that can move */
			while (i < k && asc[i] + 1 == (i + 1 < k ? asc[i + 1] : n))
				i++;
			if (i == k)
				break;
			asc[i]++;
			for (int j = 0; j < i; j++)
				asc[j] = (uint32_t)j;
		}
		assert_int_equal(expect, rips_binomial(n, (uint32_t)k));
	}
}

static int setup(void **state)
{
	rips_ws_t *ws;
	if (rips_init(&ws, 0))
		return -1;
	*state = ws;
	return 0;
}

static int teardown(void **state)
{
	rips_fini(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_square),
		cmocka_unit_test(test_hexagon),
		cmocka_unit_test(test_octahedron),
		cmocka_unit_test(test_cross_polytope_h3),
		cmocka_unit_test(test_tetrahedron),
		cmocka_unit_test(test_tiny),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_lower_distance),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_memory_limit_sweep),
		cmocka_unit_test(test_held_buffers_never_refuse),
		cmocka_unit_test(test_outcome_independent_of_history),
		cmocka_unit_test(test_floor_bound),
		cmocka_unit_test(test_wide_keys),
		cmocka_unit_test(test_forced_wide_keys),
		cmocka_unit_test(test_sparse_equals_dense),
		cmocka_unit_test(test_tree_equals_pairs_equals_dense),
		cmocka_unit_test(test_sparse_memory),
#ifndef __SANITIZE_ADDRESS__
		cmocka_unit_test(test_machine_out_of_memory),
#endif
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_simplex_index),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
