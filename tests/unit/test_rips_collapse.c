/*
 * test_rips_collapse.c - edge collapse (scaled/rips_collapse.h): graphs
 * whose collapse is known by hand (a cone goes to its star, a square's
 * late diagonal goes, its early one stays), edges moved later on real
 * clouds, and rips_compute() giving the same diagrams, H0 to H3, with the
 * collapse forced on as with it off, on clouds made to trip it: ties,
 * duplicate points, collinear points, integer distance matrices.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/rips.h"
#include "scaled/rips_collapse.h"

/* A graph for rips_collapse(): its adjacencies built from edges (u, v,
 * rank) given in non-decreasing rank order. */
struct graph {
	uint32_t n;
	size_t ne;
	uint32_t *off;
	uint64_t *adj;
	uint64_t *ev;
	void *scratch;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void graph_build(struct graph *g, uint32_t n, const uint32_t (*e)[3], size_t ne)
{
	g->n = n;
	g->ne = ne;
	g->off = calloc(n + 1, sizeof(*g->off));
	g->adj = malloc((2 * ne + 1) * sizeof(*g->adj));
	g->ev = malloc((2 * ne + 1) * sizeof(*g->ev));
	g->scratch = malloc(rips_collapse_scratch_size(n));
	assert_non_null(g->off);
	assert_non_null(g->adj);
	assert_non_null(g->ev);
	assert_non_null(g->scratch);
	for (size_t i = 0; i < ne; i++) {
		assert_true(i == 0 || e[i - 1][2] <= e[i][2]);
		g->off[e[i][0] + 1]++;
		g->off[e[i][1] + 1]++;
		g->ev[2 * i] = e[i][2];
		g->ev[2 * i + 1] = (uint64_t)e[i][0] << 32 | e[i][1];
	}
	for (uint32_t i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	uint32_t *cur = calloc(n, sizeof(*cur));
	assert_non_null(cur);
	for (size_t i = 0; i < ne; i++) {
		uint32_t u = e[i][0], v = e[i][1];
		g->adj[g->off[u] + cur[u]++] = (uint64_t)v << 32 | e[i][2];
		g->adj[g->off[v] + cur[v]++] = (uint64_t)u << 32 | e[i][2];
	}
	free(cur);
	for (uint32_t i = 0; i < n; i++)
		qsort(g->adj + g->off[i], g->off[i + 1] - g->off[i], sizeof(uint64_t), cmp_u64);
}

static void graph_free(struct graph *g)
{
	free(g->off);
	free(g->adj);
	free(g->ev);
	free(g->scratch);
}

static size_t collapse_probe(struct graph *g, bool probe)
{
	return rips_collapse(g->n, g->off, g->adj, g->ev, g->ne, probe, g->scratch);
}

static size_t collapse(struct graph *g)
{
	return collapse_probe(g, false);
}

/* The rank the adjacency gives edge (U, V) from both ends (they agree). */
static uint32_t adj_rank(const struct graph *g, uint32_t u, uint32_t v)
{
	uint32_t r[2] = {0, 0}, a[2] = {u, v}, b[2] = {v, u};
	for (int s = 0; s < 2; s++) {
		bool found = false;
		for (uint32_t p = g->off[a[s]]; p < g->off[a[s] + 1]; p++) {
			if ((uint32_t)(g->adj[p] >> 32) == b[s]) {
				r[s] = (uint32_t)g->adj[p];
				found = true;
			}
		}
		assert_true(found);
	}
	assert_int_equal(r[0], r[1]);
	return r[0];
}

/* A cone: apex 0 joined to 1..5 first, then every pair of 1..5.  Each
 * of those is dominated by the apex until the end: all go, the star
 * stays with its ranks. */
static void test_cone_to_star(void **state)
{
	(void)state;
	uint32_t e[15][3];
	size_t ne = 0;
	for (uint32_t i = 1; i <= 5; i++, ne++) {
		e[ne][0] = i;
		e[ne][1] = 0;
		e[ne][2] = (uint32_t)ne;
	}
	for (uint32_t i = 2; i <= 5; i++)
		for (uint32_t j = 1; j < i; j++, ne++) {
			e[ne][0] = i;
			e[ne][1] = j;
			e[ne][2] = (uint32_t)ne;
		}
	struct graph g;
	graph_build(&g, 6, e, ne);
	assert_int_equal(collapse(&g), 5);
	for (size_t i = 0; i < ne; i++) {
		uint32_t want = e[i][1] == 0 ? e[i][2] : RIPS_COLLAPSE_GONE;
		assert_int_equal(g.ev[2 * i], want);
		assert_int_equal(adj_rank(&g, e[i][0], e[i][1]), want);
	}
	graph_free(&g);
}

/* A square 0-1-2-3 (ranks 0..3), then diagonal 0-2 (4), then 1-3 (5).
 * At 5, 1-3's common neighbours 0 and 2 are joined (by 0-2): it goes.
 * 0-2's common neighbours 1 and 3 are not: it stays, at 4; the sides have
 * at most one common neighbour, which comes after them: they stay. */
static void test_square_diagonals(void **state)
{
	(void)state;
	const uint32_t e[6][3] = {{1, 0, 0}, {2, 1, 1}, {3, 2, 2}, {3, 0, 3}, {2, 0, 4}, {3, 1, 5}};
	struct graph g;
	graph_build(&g, 4, e, 6);
	assert_int_equal(collapse(&g), 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(g.ev[2 * i], e[i][2]);
	assert_int_equal(g.ev[2 * 5], RIPS_COLLAPSE_GONE);
	assert_int_equal(adj_rank(&g, 3, 1), RIPS_COLLAPSE_GONE);
	graph_free(&g);
}

/* An edge with no common neighbour, and one whose only common neighbour
 * is a single vertex (a triangle: the last edge goes). */
static void test_path_and_triangle(void **state)
{
	(void)state;
	const uint32_t path[2][3] = {{1, 0, 0}, {2, 1, 1}};
	struct graph g;
	graph_build(&g, 3, path, 2);
	assert_int_equal(collapse(&g), 2);
	graph_free(&g);

	const uint32_t tri[3][3] = {{1, 0, 0}, {2, 0, 1}, {2, 1, 2}};
	graph_build(&g, 3, tri, 3);
	assert_int_equal(collapse(&g), 2);
	assert_int_equal(g.ev[4], RIPS_COLLAPSE_GONE);
	graph_free(&g);
}

/* A cone on 90 leaves (its 4,005 leaf-leaf edges all go), then 700 later
 * edges of a path on other vertices (none goes: no triangle).  A probing
 * collapse sees none of the latest eighth go, and stops there: the cone
 * stays whole, with its ranks. */
static void test_probe_stops(void **state)
{
	(void)state;
	enum { M = 90, P = 700, NE = M + M * (M - 1) / 2 + P };
	uint32_t (*e)[3] = malloc(NE * sizeof(*e));
	assert_non_null(e);
	size_t ne = 0;
	for (uint32_t i = 1; i <= M; i++, ne++)
		memcpy(e[ne], (uint32_t[3]){i, 0, (uint32_t)ne}, sizeof(e[ne]));
	for (uint32_t i = 2; i <= M; i++)
		for (uint32_t j = 1; j < i; j++, ne++)
			memcpy(e[ne], (uint32_t[3]){i, j, (uint32_t)ne}, sizeof(e[ne]));
	for (uint32_t i = 0; i < P; i++, ne++)
		memcpy(e[ne], (uint32_t[3]){M + 2 + i, M + 1 + i, (uint32_t)ne}, sizeof(e[ne]));
	assert_int_equal(ne, NE);
	assert_true(NE >= RIPS_COLLAPSE_PROBE_MIN && P > NE / 8);
	struct graph g;
	graph_build(&g, M + P + 2, e, ne);
	assert_int_equal(collapse_probe(&g, true), NE);
	for (size_t i = 0; i < ne; i++) {
		assert_int_equal(g.ev[2 * i], e[i][2]);
		assert_int_equal(adj_rank(&g, e[i][0], e[i][1]), e[i][2]);
	}
	graph_free(&g);
	graph_build(&g, M + P + 2, e, ne);
	assert_int_equal(collapse_probe(&g, false), M + P);
	graph_free(&g);
	free(e);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* On a random cloud's Rips graph (ranks: distinct distances), edges move
 * later, not only go: and every new rank is above the old one. */
static void test_edges_move_later(void **state)
{
	(void)state;
	enum { N = 120, D = 4 };
	double p[N * D];
	for (size_t i = 0; i < N * D; i++)
		p[i] = unif();
	struct { double d; uint32_t u, v; } *pairs = malloc(N * N * sizeof(*pairs));
	size_t np = 0;
	for (uint32_t i = 1; i < N; i++)
		for (uint32_t j = 0; j < i; j++) {
			double s = 0;
			for (int k = 0; k < D; k++)
				s += (p[i * D + k] - p[j * D + k]) * (p[i * D + k] - p[j * D + k]);
			if (s < 0.5 * 0.5)
				pairs[np++] = (__typeof__(*pairs)){sqrt(s), i, j};
		}
	/* Sort by distance (insertion: small), ranks in that order. */
	for (size_t i = 1; i < np; i++)
		for (size_t j = i; j > 0 && pairs[j - 1].d > pairs[j].d; j--) {
			__typeof__(*pairs) t = pairs[j];
			pairs[j] = pairs[j - 1];
			pairs[j - 1] = t;
		}
	uint32_t (*e)[3] = malloc(np * sizeof(*e));
	for (size_t i = 0; i < np; i++) {
		e[i][0] = pairs[i].u;
		e[i][1] = pairs[i].v;
		e[i][2] = (uint32_t)i;
	}
	struct graph g;
	graph_build(&g, N, e, np);
	size_t kept = collapse(&g), gone = 0, moved = 0;
	for (size_t i = 0; i < np; i++) {
		uint32_t r = (uint32_t)g.ev[2 * i];
		assert_true(r >= e[i][2]);
		assert_int_equal(adj_rank(&g, e[i][0], e[i][1]), r);
		gone += r == RIPS_COLLAPSE_GONE;
		moved += r != RIPS_COLLAPSE_GONE && r != e[i][2];
	}
	assert_int_equal(kept, np - gone);
	assert_true(gone > np / 4);
	assert_true(moved > 0);
	graph_free(&g);
	free(e);
	free(pairs);
}

/* ------------------------------------------------ diagrams, on against off */

struct dg_copy {
	int done;
	size_t count[RIPS_MAX_DIM + 1];
	struct tdp_interval *iv[RIPS_MAX_DIM + 1];
	struct rips_stats st;
};

static struct dg_copy compute(const struct rips_input *in, int maxdim, double thr, const char *mode)
{
	setenv("TDP_RIPS_COLLAPSE", mode, 1);
	rips_ws_t *ws;
	assert_int_equal(rips_init(&ws, 0), 0);
	unsetenv("TDP_RIPS_COLLAPSE");
	struct rips_diagram dg;
	assert_int_equal(rips_compute(ws, in, maxdim, thr, &dg), 0);
	struct dg_copy c = {.done = dg.done};
	for (int d = 0; d <= maxdim; d++) {
		c.count[d] = dg.count[d];
		c.iv[d] = malloc((dg.count[d] + 1) * sizeof(struct tdp_interval));
		assert_non_null(c.iv[d]);
		if (dg.count[d])
			memcpy(c.iv[d], dg.iv[d], dg.count[d] * sizeof(struct tdp_interval));
	}
	rips_get_stats(ws, &c.st);
	rips_fini(ws);
	return c;
}

/* The diagrams with the collapse on equal those with it off, interval
 * for interval (both sorted; the values are the input's own distances).
 * Returns the edges the collapse removed. */
static size_t check_same_mode(const struct rips_input *in, int maxdim, double thr, const char *mode,
			      size_t *kept)
{
	struct dg_copy off = compute(in, maxdim, thr, "off"), on = compute(in, maxdim, thr, mode);
	if (kept)
		*kept = on.st.edges_kept;
	assert_int_equal(on.done, maxdim + 1);
	assert_int_equal(off.done, maxdim + 1);
	assert_int_equal(off.st.edges_kept, off.st.edges);
	assert_true(on.st.edges_kept <= on.st.edges);
	for (int d = 0; d <= maxdim; d++) {
		assert_int_equal(on.count[d], off.count[d]);
		for (size_t i = 0; i < on.count[d]; i++) {
			assert_true(on.iv[d][i].birth == off.iv[d][i].birth);
			assert_true(on.iv[d][i].death == off.iv[d][i].death ||
				    (isinf(on.iv[d][i].death) && isinf(off.iv[d][i].death)));
		}
		free(on.iv[d]);
		free(off.iv[d]);
	}
	return on.st.edges - on.st.edges_kept;
}

static size_t check_same(const struct rips_input *in, int maxdim, double thr)
{
	return check_same_mode(in, maxdim, thr, "on", NULL);
}

/* Random clouds on a coarse integer grid (ties everywhere, duplicate
 * points), in continuous coordinates, and on a line (collinear: every
 * triangle is degenerate), H1 to H3, without and with thresholds. */
static void test_same_diagrams_clouds(void **state)
{
	(void)state;
	size_t removed = 0;
	for (int trial = 0; trial < 240; trial++) {
		size_t dim = 1 + trial % 4, n = 8 + rnd() % (trial % 3 == 2 ? 40 : 22);
		int maxdim = 1 + trial % 3;
		double p[62 * 4];
		int kind = trial % 5;
		for (size_t i = 0; i < n * dim; i++) {
			if (kind <= 1)
				p[i] = (double)(rnd() % 4);	/* ties and duplicates */
			else if (kind == 2)
				p[i] = i % dim ? 0 : (double)(rnd() % 7);   /* collinear, integer */
			else
				p[i] = unif();
		}
		if (kind == 4 && n > 4) {	/* exact duplicates of a continuous point */
			memcpy(p + dim, p, dim * sizeof(double));
			memcpy(p + 2 * dim, p, dim * sizeof(double));
		}
		struct rips_input in = {RIPS_POINTS, n, dim, p};
		double thr = trial % 2 ? INFINITY : (kind <= 2 ? 2.0 : 0.6);
		if (maxdim == 3 && n > 30)
			maxdim = 2;
		removed += check_same(&in, maxdim, thr);
	}
	assert_true(removed > 0);	/* the collapse did run */
}

/* Distance matrices of small integers: many ties, not metric. */
static void test_same_diagrams_integer_matrices(void **state)
{
	(void)state;
	size_t removed = 0;
	for (int trial = 0; trial < 150; trial++) {
		size_t n = 6 + rnd() % 14;
		double d[20 * 19 / 2];
		for (size_t i = 0; i < n * (n - 1) / 2; i++)
			d[i] = (double)(1 + rnd() % (trial % 2 ? 3 : 9));
		struct rips_input in = {RIPS_LOWER_DISTANCE, n, 0, d};
		removed += check_same(&in, 1 + trial % 3, trial % 3 ? INFINITY : 5.0);
	}
	assert_true(removed > 0);
}

/* The default (auto) collapses the sparse path's graph for H2 and H3
 * only: for H1 the apparent pairs already skip most columns, and the
 * collapse costs more than it saves (README.md, Rips). */
static void test_auto_rule(void **state)
{
	(void)state;
	enum { N = 150, D = 5 };
	double p[N * D];
	for (size_t i = 0; i < N * D; i++)
		p[i] = unif();
	struct rips_input in = {RIPS_POINTS, N, D, p};
	setenv("TDP_RIPS_SPARSE", "1", 1);
	struct dg_copy h1 = compute(&in, 1, 0.5, "auto"), h2 = compute(&in, 2, 0.5, "auto");
	unsetenv("TDP_RIPS_SPARSE");
	assert_int_equal(h1.st.edges_kept, h1.st.edges);
	assert_true(h2.st.edges_kept < h2.st.edges);
	for (int d = 0; d <= 2; d++) {
		free(d <= 1 ? h1.iv[d] : NULL);
		free(h2.iv[d]);
	}
}

/* Uniform points of R^8, where few edges go: the default collapse stops
 * after its probe (rips_collapse.h), with the same diagrams, H1 and H2. */
static void test_auto_probe_gives_up(void **state)
{
	(void)state;
	enum { N = 300, D = 8 };
	double *p = malloc(N * D * sizeof(double));
	assert_non_null(p);
	for (size_t i = 0; i < N * D; i++)
		p[i] = unif();
	struct rips_input in = {RIPS_POINTS, N, D, p};
	size_t kept_auto, kept_on;
	setenv("TDP_RIPS_SPARSE", "1", 1);
	size_t gone_auto = check_same_mode(&in, 2, 0.85, "auto", &kept_auto);
	size_t gone_on = check_same_mode(&in, 2, 0.85, "on", &kept_on);
	unsetenv("TDP_RIPS_SPARSE");
	assert_true(kept_auto + gone_auto >= RIPS_COLLAPSE_PROBE_MIN);
	assert_true(gone_auto < (kept_auto + gone_auto) / 8);
	assert_true(gone_on > gone_auto);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cone_to_star),
		cmocka_unit_test(test_square_diagonals),
		cmocka_unit_test(test_path_and_triangle),
		cmocka_unit_test(test_probe_stops),
		cmocka_unit_test(test_edges_move_later),
		cmocka_unit_test(test_same_diagrams_clouds),
		cmocka_unit_test(test_same_diagrams_integer_matrices),
		cmocka_unit_test(test_auto_rule),
		cmocka_unit_test(test_auto_probe_gives_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
