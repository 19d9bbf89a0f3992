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
 * search for their cheapest edge (outwards from their birth when the
 * diagrams come sorted by it, as the windows' do).  The answer is an
 * edge length; lo is tried first (often the answer), then the lengths
 * strictly between, bisected by their median (distance_search()).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance_common.h"

#define NONE UINT32_MAX

/* fmax() of two numbers, not NaN, inline (fmax() is a call). */
static double max2(double a, double b)
{
	return a < b ? b : a;
}

static double min2(double a, double b)
{
	return b < a ? b : a;
}

/*
 * An edge's length as distance_bottleneck.c's decisions compare it
 * (near(): both sides <= r), either way round: |a - b| == |b - a| exactly.
 */
static double edge(const struct distance_pt *p, const struct distance_pt *q)
{
	return max2(fabs(p->x - q->x), fabs(p->y - q->y));
}

struct small {
	const struct distance_pt *pa, *pb;
	size_t na, nb;
	const double *da, *db;
	int32_t *mate;      /* the heavy point matched to each, A's then B's; -1 none */
	uint32_t *seen;     /* stamps, A's then B's */
	uint32_t stamp;
	size_t budget;      /* edges the decisions may still look at */
};

/*
 * Kuhn's decisions cost up to (heavy points)^2 x (points) each: with most
 * points heavy (long intervals everywhere, no twins) the tree-based
 * Hopcroft-Karp of distance_bottleneck.c is faster.  So the decisions of
 * a call may look at BUDGET_PER_EDGE x na x nb edges (and 1024) in all;
 * past that the call gives up and distance_bottleneck.c's bisection
 * starts over (its cheap first decisions, at tiny r, are what it needs:
 * handing it these candidates, dense graphs from the first, made it
 * slower).  Deterministic: the count is.
 */
#define BUDGET_PER_EDGE 8

/*
 * An augmenting path from heavy point P of one diagram (its points PS)
 * into the other (QS, NQ points, their mates QM, stamps QSEEN), edges
 * <= R: 1 found (and flipped), 0 none, -1 the budget ran out.  Depth at
 * most the matching's size, at most min(na, nb) <= sqrt(DISTANCE_SMALL_MAX).
 */
static int augment(struct small *s, const struct distance_pt *ps, uint32_t p, const struct distance_pt *qs,
		   size_t nq, int32_t *qm, uint32_t *qseen, double r)
{
	const struct distance_pt *pp = &ps[p];
	if (s->budget < nq)
		return -1;
	s->budget -= nq;
	/* a free neighbour first: most paths are one edge, and the search stays shallow */
	for (size_t q = 0; q < nq; q++)
		if (qm[q] < 0 && qseen[q] != s->stamp && edge(pp, &qs[q]) <= r) {
			qseen[q] = s->stamp;
			qm[q] = (int32_t)p;
			return 1;
		}
	if (s->budget < nq)
		return -1;
	s->budget -= nq;
	for (size_t q = 0; q < nq; q++) {
		if (qseen[q] == s->stamp || edge(pp, &qs[q]) > r)
			continue;
		qseen[q] = s->stamp;
		int got = qm[q] < 0 ? 1 : augment(s, ps, (uint32_t)qm[q], qs, nq, qm, qseen, r);
		if (got > 0)
			qm[q] = (int32_t)p;
		if (got)
			return got;
	}
	return 0;
}

/*
 * Whether the points of PS (NP) farther than R from the diagonal (DP) can
 * all be matched into QS: 1, 0; -1 out of budget.
 */
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
		int got = augment(s, ps, (uint32_t)p, qs, nq, qm, qseen, r);
		if (got <= 0)
			return got;
	}
	return 1;
}

/* Whether the edges <= R hold a perfect matching (see the top): 1, 0; -1 out of budget. */
static int decide(void *arg, double r)
{
	struct small *s = arg;
	int a = covers(s, s->pa, s->na, s->da, s->pb, s->nb, s->mate + s->na, s->seen + s->na, r);
	return a <= 0 ? a : covers(s, s->pb, s->nb, s->db, s->pa, s->na, s->mate, s->seen, r);
}

/* Whether the N points of P come by x, nondecreasing. */
static int by_x(const struct distance_pt *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!(p[i - 1].x <= p[i].x))
			return 0;
	return 1;
}

/*
 * The least edge from P to the NQ points of QS, sorted by x: outwards
 * from where P's x falls, each way until the x distance alone is no
 * less than the least edge yet.  An edge is at least its x distance,
 * which only grows outwards (rounding is monotone), so the points left
 * out cannot be nearer: the same minimum as every edge's.
 */
static double nearest_by_x(const struct distance_pt *p, const struct distance_pt *qs, size_t nq)
{
	size_t l = 0, r = nq;
	while (l < r) {
		size_t mid = l + (r - l) / 2;
		if (qs[mid].x < p->x)
			l = mid + 1;
		else
			r = mid;
	}
	double b = INFINITY;
	int up = 1, down = 1;
	for (r = l; up || down;) {
		if (up && (r == nq || fabs(p->x - qs[r].x) >= b))
			up = 0;
		else if (up)
			b = min2(b, edge(p, &qs[r++]));
		if (down && (l == 0 || fabs(p->x - qs[l - 1].x) >= b))
			down = 0;
		else if (down)
			b = min2(b, edge(p, &qs[--l]));
	}
	return b;
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
			    .mate = (int32_t *)(table + tsize), .seen = table + tsize + n,
			    .budget = BUDGET_PER_EDGE * na * nb + 1024 };
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
		size_t t = distance_pt_hash(&g->pa[i]) & (tsize - 1);
		while (table[t] != NONE)
			t = (t + 1) & (tsize - 1);
		table[t] = (uint32_t)i;
	}
	for (size_t j = 0; j < nb; j++)
		for (size_t t = distance_pt_hash(&g->pb[j]) & (tsize - 1); table[t] != NONE; t = (t + 1) & (tsize - 1)) {
			uint32_t i = table[t];
			if (twin[i] == NONE && !memcmp(&g->pa[i], &g->pb[j], sizeof(g->pa[i]))) {
				twin[i] = (uint32_t)j;
				twin[na + j] = i;
				break;
			}
		}
	/*
	 * The others' cheapest edge (best), and cheapest to another such
	 * (bestu, nn).  The windows' diagrams come sorted by birth: then
	 * the cheapest edge is a search outwards from the point's x, and
	 * the others (those without a twin, LONE: A's, then B's, by index)
	 * are few.
	 */
	int sorted = by_x(g->pa, na) && by_x(g->pb, nb);
	uint32_t *lone = (uint32_t *)sm.seen;   /* borrowed: zeroed again below */
	size_t nla = 0, nl = 0;
	for (size_t u = 0; u < n; u++)
		if (twin[u] == NONE) {
			lone[nl++] = (uint32_t)(u < na ? u : u - na);
			nla += u < na;
		}
	for (size_t u = 0; u < n; u++) {
		if (twin[u] != NONE)
			continue;
		const struct distance_pt *p = u < na ? &g->pa[u] : &g->pb[u - na], *qs = u < na ? g->pb : g->pa;
		const uint32_t *qtwin = u < na ? twin + na : twin;
		size_t nq = u < na ? nb : na;
		double b = INFINITY, bu = INFINITY;
		uint32_t at = NONE;
		if (sorted) {
			b = nearest_by_x(p, qs, nq);
			const uint32_t *ql = u < na ? lone + nla : lone;
			size_t nql = u < na ? nl - nla : nla;
			for (size_t t = 0; t < nql; t++) {
				double e = edge(p, &qs[ql[t]]);
				if (e < bu) {
					bu = e;
					at = ql[t];
				}
			}
		}
		for (size_t q = 0; !sorted && q < nq; q++) {
			double e = edge(p, &qs[q]);
			b = min2(b, e);
			if (qtwin[q] == NONE && e < bu) {
				bu = e;
				at = (uint32_t)q;
			}
		}
		best[u] = b;
		bestu[u] = bu;
		nn[u] = at;
	}
	memset(sm.seen, 0, n * sizeof(*sm.seen));
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
	int got = decide(g, lo);
	if (got) {
		*out = lo;
		return got < 0;
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
	struct distance_search srch = { .cand = cand, .c0 = 0, .c1 = nc, .ub = ub };
	return distance_search(&srch, decide, g, out) ? 1 : 0;
}

