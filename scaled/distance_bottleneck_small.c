/*
 * distance_bottleneck_small.c - the bottleneck distance (scaled/distance.h)
 * for small diagrams, na * nb <= DISTANCE_SMALL_MAX: the pipeline's case,
 * consecutive windows of ~100-300 intervals, most of them equal.  The
 * same least perfect r as distance_bottleneck.c's search, so the same
 * bits, found with fewer and much cheaper decisions.
 *
 * The decision.  A perfect matching at r (see distance_bottleneck.c) is
 * the same as a matching of A's points to B's with edges <= r that
 * covers every point farther than r from the diagonal ("heavy": the
 * others go to their projections, and the projections left over pair up
 * at cost 0).  By the Mendelsohn-Dulmage theorem, one covering A's heavy
 * points and one covering B's exist together exactly when each exists
 * alone.  So a decision is two small matchings, of the heavy points only,
 * by augmenting paths (Kuhn): a few long intervals, not the whole graph.
 *
 * The search.  The answer is at least every point's cheapest edge (it
 * must be matched somewhere: lo) and at most the longest edge of any
 * perfect matching (equal points paired, mutual nearest neighbours
 * paired, the rest to the diagonal: ub).  Equal points ("twins", most of
 * two consecutive windows) are paired through a hash, and only the others
 * search for their cheapest edge.  The answer is an edge length; lo is
 * tried first (often the answer), then the lengths strictly between,
 * bisected by their median.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance_common.h"

#define NONE UINT32_MAX

/* A point's bits, mixed (twins, below). */
static size_t hash(const struct distance_pt *p)
{
	uint64_t x, y;
	memcpy(&x, &p->x, sizeof(x));
	memcpy(&y, &p->y, sizeof(y));
	uint64_t h = x * 0x9e3779b97f4a7c15ull ^ (y + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ h >> 29);
}

/* fmax() of two numbers, not NaN, inline (fmax() is a call). */
static double max2(double a, double b)
{
	return a < b ? b : a;
}

static double min2(double a, double b)
{
	return b < a ? b : a;
}

/* An edge's length as the decisions compare it (near(): both sides <= r). */
static double edge(const struct distance_pt *p, const struct distance_pt *q)
{
	return max2(fabs(p->x - q->x), fabs(p->y - q->y));
}

static void swapd(double *c, size_t i, size_t j)
{
	double t = c[i];
	c[i] = c[j];
	c[j] = t;
}

/* Orders C[LO, HI) as < P, == P, > P; the bounds of the middle in *LT, *GT. */
static void partition3(double *c, size_t lo, size_t hi, double p, size_t *lt, size_t *gt)
{
	size_t a = lo, i = lo, b = hi;
	while (i < b) {
		if (c[i] < p)
			swapd(c, a++, i++);
		else if (c[i] > p)
			swapd(c, i, --b);
		else
			i++;
	}
	*lt = a;
	*gt = b;
}

/* The K-th smallest of C[LO, HI) (quickselect, median of three); C reordered. */
static double kth(double *c, size_t lo, size_t hi, size_t k)
{
	for (;;) {
		double x = c[lo], y = c[lo + (hi - lo) / 2], z = c[hi - 1];
		double p = x < y ? (y < z ? y : fmax(x, z)) : (x < z ? x : fmax(y, z));
		size_t lt, gt;
		partition3(c, lo, hi, p, &lt, &gt);
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return p;
	}
}

struct small {
	const struct distance_pt *pa, *pb;
	size_t na, nb;
	const double *da, *db;
	int32_t *mate;      /* a point's mate of the other diagram, A's then B's; -1 none */
	uint32_t *seen;     /* stamps, A's then B's */
	uint32_t stamp;
};

/*
 * An augmenting path from heavy point P of one diagram (its points PS)
 * into the other (QS, NQ points, their mates QM, stamps QSEEN), edges
 * <= R: whether found (and flipped).  Depth at most the matching's size,
 * which is at most min(na, nb) <= sqrt(DISTANCE_SMALL_MAX).
 */
static int augment(struct small *s, const struct distance_pt *ps, uint32_t p, const struct distance_pt *qs,
		   size_t nq, int32_t *qm, uint32_t *qseen, double r)
{
	const struct distance_pt *pp = &ps[p];
	for (size_t q = 0; q < nq; q++) {
		if (qseen[q] == s->stamp || edge(pp, &qs[q]) > r)
			continue;
		qseen[q] = s->stamp;
		if (qm[q] < 0 || augment(s, ps, (uint32_t)qm[q], qs, nq, qm, qseen, r)) {
			qm[q] = (int32_t)p;
			return 1;
		}
	}
	return 0;
}

/* Whether the points of PS (NP) farther than R from the diagonal (DP) can all be matched into QS. */
static int covers(struct small *s, const struct distance_pt *ps, size_t np, const double *dp,
		  const struct distance_pt *qs, size_t nq, int32_t *qm, uint32_t *qseen, double r)
{
	size_t heavy = 0;
	for (size_t p = 0; p < np; p++)
		heavy += dp[p] > r;
	if (heavy > nq)
		return 0;
	for (size_t q = 0; q < nq; q++)
		qm[q] = -1;
	for (size_t p = 0; p < np; p++) {
		if (dp[p] <= r)
			continue;
		if (++s->stamp == 0) {   /* wrapped: no stale stamp may look current */
			memset(s->seen, 0, (s->na + s->nb) * sizeof(*s->seen));
			s->stamp = 1;
		}
		if (!augment(s, ps, (uint32_t)p, qs, nq, qm, qseen, r))
			return 0;
	}
	return 1;
}

/* Whether the edges <= R hold a perfect matching (see the top). */
static int decide(struct small *s, double r)
{
	return covers(s, s->pa, s->na, s->da, s->pb, s->nb, s->mate + s->na, s->seen + s->na, r) &&
	       covers(s, s->pb, s->nb, s->db, s->pa, s->na, s->mate, s->seen, r);
}

/* GUDHI: max(|x - m|, |y - m|), m = (x + y) / 2 (not (y - x) / 2: the bits differ). */
static double diag_cost(const struct distance_pt *p)
{
	double m = (p->x + p->y) / 2.;
	return fmax(fabs(p->x - m), fabs(p->y - m));
}

int distance_bottleneck_small(struct distance_ws *ws, const struct distance_split *sp, double *out)
{
	size_t na = sp->na, nb = sp->nb, n = na + nb, tsize = 16;
	if (na * nb > DISTANCE_SMALL_MAX)
		return 1;
	while (tsize < 2 * na)
		tsize *= 2;
	if (distance_buf_reserve(&ws->cand, (na * nb + 5 * n + 1) * sizeof(double) +
						    (5 * n + tsize) * sizeof(uint32_t)))
		return -1;
	double *cand = ws->cand.p, *best = cand + na * nb + n + 1, *bestu = best + n;   /* A's, then B's */
	double *dd = bestu + n;
	uint32_t *nn = (uint32_t *)(dd + n), *twin = nn + n, *table = twin + n;
	struct small sm = { .pa = sp->a, .pb = sp->b, .na = na, .nb = nb, .da = dd, .db = dd + na,
			    .mate = (int32_t *)(table + tsize), .seen = table + tsize + n };
	struct small *g = &sm;
	double hi_r = 0;
	for (size_t u = 0; u < n; u++) {
		dd[u] = diag_cost(u < na ? &sp->a[u] : &sp->b[u - na]);
		hi_r = fmax(hi_r, dd[u]);
		sm.seen[u] = 0;
	}
	if (!isfinite(hi_r))
		return 1;   /* the bisection copes */
	for (size_t u = 0; u < n; u++) {
		best[u] = bestu[u] = INFINITY;
		nn[u] = twin[u] = NONE;
	}
	/*
	 * Twins, equal points of A and B, paired one to one through a hash
	 * of A's: most of two consecutive windows' points.  A twin's cheapest
	 * edge is 0, so only the others need a search for theirs.
	 */
	for (size_t t = 0; t < tsize; t++)
		table[t] = NONE;
	for (size_t i = 0; i < na; i++) {
		size_t t = hash(&g->pa[i]) & (tsize - 1);
		while (table[t] != NONE)
			t = (t + 1) & (tsize - 1);
		table[t] = (uint32_t)i;
	}
	for (size_t j = 0; j < nb; j++)
		for (size_t t = hash(&g->pb[j]) & (tsize - 1); table[t] != NONE; t = (t + 1) & (tsize - 1)) {
			uint32_t i = table[t];
			if (twin[i] == NONE && !memcmp(&g->pa[i], &g->pb[j], sizeof(g->pa[i]))) {
				twin[i] = (uint32_t)j;
				twin[na + j] = i;
				break;
			}
		}
	/* the others' cheapest edge (best), and cheapest to another such (bestu, nn) */
	for (size_t i = 0; i < na; i++)
		if (twin[i] == NONE)
			for (size_t j = 0; j < nb; j++) {
				double e = edge(&g->pa[i], &g->pb[j]);
				best[i] = min2(best[i], e);
				if (twin[na + j] == NONE && e < bestu[i]) {
					bestu[i] = e;
					nn[i] = (uint32_t)j;
				}
			}
	for (size_t j = 0; j < nb; j++)
		if (twin[na + j] == NONE)
			for (size_t i = 0; i < na; i++) {
				double e = edge(&g->pa[i], &g->pb[j]);
				best[na + j] = min2(best[na + j], e);
				if (twin[i] == NONE && e < bestu[na + j]) {
					bestu[na + j] = e;
					nn[na + j] = (uint32_t)i;
				}
			}
	/* lo: every point's cheapest edge; ub: twins and mutual nearest paired, or both to the diagonal */
	double lo = 0, ub = 0;
	for (size_t i = 0; i < na; i++) {
		if (twin[i] != NONE)
			continue;
		lo = max2(lo, min2(best[i], g->da[i]));
		uint32_t j = nn[i];
		if (j != NONE && nn[na + j] == i)
			ub = max2(ub, min2(bestu[i], max2(g->da[i], g->db[j])));
		else
			ub = max2(ub, g->da[i]);
	}
	for (size_t j = 0; j < nb; j++) {
		if (twin[na + j] != NONE)
			continue;
		lo = max2(lo, min2(best[na + j], g->db[j]));
		uint32_t i = nn[na + j];
		if (i == NONE || nn[i] != j)
			ub = max2(ub, g->db[j]);
	}
	ub = min2(ub, hi_r);
	if (lo >= ub) {
		*out = ub;
		return 0;
	}
	if (decide(g, lo)) {
		*out = lo;
		return 0;
	}
	/*
	 * The answer is ub or a length strictly between: of an edge to the
	 * diagonal, or of an edge (i, j) shorter than max(da_i, db_j), as a
	 * longer one is never needed: i and j to their projections, and the
	 * two projections their mates were (both projections: only those
	 * reach a point's own projection) to each other, is no longer.  So
	 * one of i, j is more than lo from the diagonal.
	 */
	size_t nc = 0;
	for (size_t i = 0; i < na; i++)
		if (g->da[i] > lo) {
			if (g->da[i] < ub)
				cand[nc++] = g->da[i];
			for (size_t j = 0; j < nb; j++) {
				double e = edge(&g->pa[i], &g->pb[j]);
				if (e > lo && e < ub && e < max2(g->da[i], g->db[j]))
					cand[nc++] = e;
			}
		}
	for (size_t j = 0; j < nb; j++)
		if (g->db[j] > lo) {
			if (g->db[j] < ub)
				cand[nc++] = g->db[j];
			for (size_t i = 0; i < na; i++) {
				double e = edge(&g->pa[i], &g->pb[j]);
				if (g->da[i] <= lo && e > lo && e < ub && e < g->db[j])
					cand[nc++] = e;
			}
		}
	size_t c0 = 0, c1 = nc;
	while (c0 < c1) {
		double r = kth(cand, c0, c1, c0 + (c1 - c0) / 2);
		size_t lt, gt;
		partition3(cand, c0, c1, r, &lt, &gt);
		if (decide(g, r)) {
			ub = r;
			c1 = lt;
		} else {
			c0 = gt;
		}
	}
	*out = ub;
	return 0;
}

