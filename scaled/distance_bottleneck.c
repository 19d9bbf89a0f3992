/*
 * distance_bottleneck.c - the exact bottleneck distance between two
 * persistence diagrams, equal to gudhi.bottleneck_distance(A, B, e=0).
 *
 * The bipartite graph is GUDHI's (and every paper's since Efrat, Itai and
 * Katz): left, the points of A and the projections of the points of B on
 * the diagonal; right, the points of B and the projections of A's.  A
 * point is joined to the other diagram's points, and to its own
 * projection; any two projections are joined at cost 0.  The distance is
 * the least r for which the edges of length <= r hold a perfect matching.
 *
 * Deciding "is there a perfect matching at r" is Hopcroft-Karp where the
 * neighbours of a point are found in a k-d tree over L-infinity squares
 * that deletes what it returns, so each right vertex is touched once per
 * BFS and once per DFS of a phase (Efrat, Itai, Katz 2001, "Geometry helps
 * in bottleneck matching"; Kerber, Morozov, Nigmetov 2017, "Geometry helps
 * to compare persistence diagrams", as in hera): memory O(n), never the
 * n^2 edges GUDHI's exact mode sorts.
 *
 * Searching r: the edge lengths are doubles computed exactly as GUDHI
 * computes them, and "perfect at r" only changes at an edge length, so
 * the answer is the least double r that is perfect.  Non-negative doubles
 * are ordered as their bit patterns, so a bisection of the bit patterns
 * between "nothing" and "everything to the diagonal" finds it exactly in
 * at most 64 decisions, with no list of candidates.  Each decision starts
 * from the maximum matching of the largest r known imperfect (still a
 * matching at any larger r), as GUDHI does, so later decisions only add
 * the few augmenting paths the step between them opened.
 *
 * Small diagrams (na * nb <= DISTANCE_SMALL_MAX) go another way:
 * scaled/distance_bottleneck_small.c.
 */
#include "scaled/distance.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance_common.h"

struct box {
	double x0, x1, y0, y1;
};

/*
 * An implicit k-d tree: the node over positions [lo, hi) holds the point
 * at mid = lo + (hi - lo) / 2 and its children are [lo, mid) and
 * [mid + 1, hi), split on x and y in turn.  Box, count of live points and
 * liveness are kept by the node's mid position.
 */
struct kd {
	const struct distance_pt *pt;
	uint32_t *perm;   /* position -> point */
	struct box *box;
	uint32_t *cnt;
	uint8_t *live;
};

static void kd_build(struct kd *t, size_t lo, size_t hi, int axis)
{
	if (lo >= hi)
		return;
	size_t mid = lo + (hi - lo) / 2;
	distance_select(t->pt, t->perm, lo, hi, mid, axis);
	kd_build(t, lo, mid, !axis);
	kd_build(t, mid + 1, hi, !axis);
	const struct distance_pt *p = &t->pt[t->perm[mid]];
	struct box b = { p->x, p->x, p->y, p->y };
	for (int c = 0; c < 2; c++) {
		size_t clo = c ? mid + 1 : lo, chi = c ? hi : mid;
		if (clo >= chi)
			continue;
		const struct box *cb = &t->box[clo + (chi - clo) / 2];
		b.x0 = fmin(b.x0, cb->x0);
		b.x1 = fmax(b.x1, cb->x1);
		b.y0 = fmin(b.y0, cb->y0);
		b.y1 = fmax(b.y1, cb->y1);
	}
	t->box[mid] = b;
	t->cnt[mid] = (uint32_t)(hi - lo);
	t->live[mid] = 1;
}

/*
 * Whether no point of box B is within R of Q.  Rounding is monotone, so a
 * coordinate difference computed against the box's side bounds the
 * computed differences of every point inside: exact for doubles.
 */
static int box_far(const struct box *b, double qx, double qy, double r)
{
	return (qx > b->x1 && qx - b->x1 > r) || (qx < b->x0 && b->x0 - qx > r) ||
	       (qy > b->y1 && qy - b->y1 > r) || (qy < b->y0 && b->y0 - qy > r);
}

/* max(|dx|, |dy|) <= r, as GUDHI's distance() compares it. */
static int near(const struct distance_pt *p, double qx, double qy, double r)
{
	return fabs(qx - p->x) <= r && fabs(qy - p->y) <= r;
}

/* Some live point of [LO, HI) within R of Q, made dead: its position, or -1. */
static long kd_take(struct kd *t, size_t lo, size_t hi, double qx, double qy, double r)
{
	if (lo >= hi)
		return -1;
	size_t mid = lo + (hi - lo) / 2;
	if (!t->cnt[mid] || box_far(&t->box[mid], qx, qy, r))
		return -1;
	long got = -1;
	if (t->live[mid] && near(&t->pt[t->perm[mid]], qx, qy, r)) {
		t->live[mid] = 0;
		got = (long)mid;
	} else {
		got = kd_take(t, lo, mid, qx, qy, r);
		if (got < 0)
			got = kd_take(t, mid + 1, hi, qx, qy, r);
	}
	if (got >= 0)
		t->cnt[mid]--;
	return got;
}

/* Makes the live point at POS of the tree over [LO, HI) dead. */
static void kd_kill(struct kd *t, size_t lo, size_t hi, size_t pos)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		t->cnt[mid]--;
		if (pos == mid) {
			t->live[mid] = 0;
			return;
		}
		if (pos < mid)
			hi = mid;
		else
			lo = mid + 1;
	}
}

/*
 * The graph and Hopcroft-Karp's state.  Left vertex u < na is A's point u,
 * u >= na the projection of B's point u - na; right vertex v < nb is B's
 * point v, v >= nb the projection of A's point v - nb.
 */
struct bn {
	const struct distance_pt *pa, *pb;
	size_t na, nb, n;     /* n = na + nb vertices a side */
	double *da, *db;      /* the cost of each point to its projection */
	int32_t *ml, *mr;     /* the matching (-1 free) */
	int32_t *sl, *sr;     /* the matching of the largest r known imperfect */
	size_t matched, smatched;
	struct kd all;        /* over B, for the BFS */
	uint32_t *cnt0;       /* all.cnt when every point is live */
	uint32_t *pos_all;    /* B's point -> position in all */
	struct kd lay;        /* over B's points of each layer, for the DFS */
	uint32_t *pos_lay;
	int32_t *layl, *layr; /* BFS layer of each vertex, -1 none (layr: or used) */
	uint32_t *queue;
	uint32_t *disc_p;     /* A's projections reached, by layer */
	uint32_t *start_b, *start_p, *pcur;   /* layer k's range in lay.perm / disc_p */
	uint8_t *pvis;
	uint32_t *pstack;
	uint32_t *stack_l, *stack_r;
	long last;            /* the layer where free right vertices were reached */
};

static void visit(struct bn *g, uint32_t v, long k, size_t *qt, size_t *nbd, size_t *npd)
{
	g->layr[v] = (int32_t)k;
	if (v < g->nb)
		g->lay.perm[(*nbd)++] = v;
	else
		g->disc_p[(*npd)++] = v - (uint32_t)g->nb;
	int32_t w = g->mr[v];
	if (w < 0) {
		if (g->last < 0)
			g->last = k;
	} else if (g->last < 0) {
		g->layl[w] = (int32_t)(k + 1);
		g->queue[(*qt)++] = (uint32_t)w;
	}
}

/*
 * The BFS of a phase: layers from the free left vertices, each right
 * vertex deleted from the search structures as it is reached; stops after
 * the first layer that reaches a free right vertex.  Whether one was.
 */
static int bfs(struct bn *g, double r)
{
	size_t na = g->na, nb = g->nb, n = g->n, qh = 0, qt = 0, nbd = 0, npd = 0, ptop = 0;
	memcpy(g->all.cnt, g->cnt0, nb * sizeof(*g->cnt0));
	memset(g->all.live, 1, nb);
	memset(g->pvis, 0, na);
	for (size_t i = na; i-- > 0;)
		g->pstack[ptop++] = (uint32_t)i;
	for (size_t u = 0; u < n; u++) {
		g->layl[u] = -1;
		g->layr[u] = -1;
	}
	for (size_t u = 0; u < n; u++)
		if (g->ml[u] < 0) {
			g->layl[u] = 0;
			g->queue[qt++] = (uint32_t)u;
		}
	g->last = -1;
	long cur = 0;
	g->start_b[0] = g->start_p[0] = 0;
	while (qh < qt) {
		uint32_t u = g->queue[qh++];
		long k = g->layl[u];
		if (g->last >= 0 && k > g->last)
			break;
		while (k > cur) {
			cur++;
			g->start_b[cur] = (uint32_t)nbd;
			g->start_p[cur] = (uint32_t)npd;
		}
		if (u < na) {
			const struct distance_pt *p = &g->pa[u];
			long pos;
			while ((pos = kd_take(&g->all, 0, nb, p->x, p->y, r)) >= 0)
				visit(g, g->all.perm[pos], k, &qt, &nbd, &npd);
			if (g->da[u] <= r && !g->pvis[u]) {
				g->pvis[u] = 1;
				visit(g, (uint32_t)(nb + u), k, &qt, &nbd, &npd);
			}
		} else {
			uint32_t j = u - (uint32_t)na;
			if (g->db[j] <= r && g->all.live[g->pos_all[j]]) {
				kd_kill(&g->all, 0, nb, g->pos_all[j]);
				visit(g, j, k, &qt, &nbd, &npd);
			}
			while (ptop) {   /* every projection is a neighbour at cost 0 */
				uint32_t i = g->pstack[--ptop];
				if (!g->pvis[i]) {
					g->pvis[i] = 1;
					visit(g, (uint32_t)(nb + i), k, &qt, &nbd, &npd);
				}
			}
		}
	}
	g->start_b[cur + 1] = (uint32_t)nbd;
	g->start_p[cur + 1] = (uint32_t)npd;
	if (g->last < 0)
		return 0;
	for (long k = 0; k <= g->last; k++) {
		kd_build(&g->lay, g->start_b[k], g->start_b[k + 1], 0);
		g->pcur[k] = g->start_p[k];
	}
	for (size_t p = 0; p < g->start_b[g->last + 1]; p++)
		g->pos_lay[g->lay.perm[p]] = (uint32_t)p;
	return 1;
}

/* An unused right vertex of layer K joined to left U at R, now used; or -1. */
static long next_right(struct bn *g, uint32_t u, long k, double r)
{
	size_t na = g->na, nb = g->nb, lo = g->start_b[k], hi = g->start_b[k + 1];
	if (u < na) {
		if (g->da[u] <= r && g->layr[nb + u] == k) {
			g->layr[nb + u] = -1;
			return (long)(nb + u);
		}
		const struct distance_pt *p = &g->pa[u];
		long pos = kd_take(&g->lay, lo, hi, p->x, p->y, r);
		if (pos < 0)
			return -1;
		uint32_t j = g->lay.perm[pos];
		g->layr[j] = -1;
		return j;
	}
	uint32_t j = u - (uint32_t)na;
	if (g->db[j] <= r && g->layr[j] == k) {
		kd_kill(&g->lay, lo, hi, g->pos_lay[j]);
		g->layr[j] = -1;
		return j;
	}
	while (g->pcur[k] < g->start_p[k + 1]) {
		uint32_t v = (uint32_t)nb + g->disc_p[g->pcur[k]++];
		if (g->layr[v] == k) {
			g->layr[v] = -1;
			return v;
		}
	}
	return -1;
}

/* The DFS of a phase: a maximal set of disjoint shortest augmenting paths. */
static void dfs(struct bn *g, double r)
{
	for (size_t u0 = 0; u0 < g->n; u0++) {
		if (g->ml[u0] >= 0 || g->layl[u0] != 0)
			continue;
		long d = 0;
		g->stack_l[0] = (uint32_t)u0;
		while (d >= 0) {
			long v = next_right(g, g->stack_l[d], d, r);
			if (v < 0) {
				d--;   /* a dead end: its mate is used, so it is never reached again */
				continue;
			}
			int32_t w = g->mr[v];
			g->stack_r[d] = (uint32_t)v;
			if (w < 0) {
				for (long i = 0; i <= d; i++) {
					g->ml[g->stack_l[i]] = (int32_t)g->stack_r[i];
					g->mr[g->stack_r[i]] = (int32_t)g->stack_l[i];
				}
				g->matched++;
				break;
			}
			if (d + 1 > g->last || g->layl[w] != d + 1)
				continue;
			g->stack_l[++d] = (uint32_t)w;
		}
	}
}

/* Whether the edges <= R hold a perfect matching; the matching grows to a maximum. */
static int perfect_at(struct bn *g, double r)
{
	while (g->matched < g->n && bfs(g, r))
		dfs(g, r);
	return g->matched == g->n;
}

/* GUDHI: max(|x - m|, |y - m|), m = (x + y) / 2 (not (y - x) / 2: the bits differ). */
static double diag_cost(const struct distance_pt *p)
{
	double m = (p->x + p->y) / 2.;
	return fmax(fabs(p->x - m), fabs(p->y - m));
}

static double from_bits(int64_t b)
{
	double d;
	memcpy(&d, &b, sizeof(d));
	return d;
}

static int64_t to_bits(double d)
{
	int64_t b;
	memcpy(&b, &d, sizeof(b));
	return b;
}

static int carve(struct distance_ws *ws, struct bn *g)
{
	size_t n = g->n, na = g->na, nb = g->nb;
	size_t sizes[] = {
		na * sizeof(double), nb * sizeof(double),
		4 * n * sizeof(int32_t),
		nb * sizeof(uint32_t), nb * sizeof(struct box), nb * sizeof(uint32_t), nb, nb * sizeof(uint32_t),
		nb * sizeof(uint32_t),
		nb * sizeof(uint32_t), nb * sizeof(struct box), nb * sizeof(uint32_t), nb, nb * sizeof(uint32_t),
		2 * n * sizeof(int32_t), n * sizeof(uint32_t), na * sizeof(uint32_t),
		3 * (n + 2) * sizeof(uint32_t), na, na * sizeof(uint32_t), 2 * (n + 1) * sizeof(uint32_t),
	};
	if (distance_buf_reserve(&ws->scratch, distance_carve_total(sizes, sizeof(sizes) / sizeof(sizes[0]))))
		return -1;
	char *c = ws->scratch.p;
	g->da = distance_carve(&c, sizes[0]);
	g->db = distance_carve(&c, sizes[1]);
	g->ml = distance_carve(&c, sizes[2]);
	g->mr = g->ml + n;
	g->sl = g->mr + n;
	g->sr = g->sl + n;
	g->all.perm = distance_carve(&c, sizes[3]);
	g->all.box = distance_carve(&c, sizes[4]);
	g->all.cnt = distance_carve(&c, sizes[5]);
	g->all.live = distance_carve(&c, sizes[6]);
	g->cnt0 = distance_carve(&c, sizes[7]);
	g->pos_all = distance_carve(&c, sizes[8]);
	g->lay.perm = distance_carve(&c, sizes[9]);
	g->lay.box = distance_carve(&c, sizes[10]);
	g->lay.cnt = distance_carve(&c, sizes[11]);
	g->lay.live = distance_carve(&c, sizes[12]);
	g->pos_lay = distance_carve(&c, sizes[13]);
	g->layl = distance_carve(&c, sizes[14]);
	g->layr = g->layl + n;
	g->queue = distance_carve(&c, sizes[15]);
	g->disc_p = distance_carve(&c, sizes[16]);
	g->start_b = distance_carve(&c, sizes[17]);
	g->start_p = g->start_b + n + 2;
	g->pcur = g->start_p + n + 2;
	g->pvis = distance_carve(&c, sizes[18]);
	g->pstack = distance_carve(&c, sizes[19]);
	g->stack_l = distance_carve(&c, sizes[20]);
	g->stack_r = g->stack_l + n + 1;
	return 0;
}

/*
 * Whether the edges <= R hold a perfect matching, starting from the
 * matching of the largest r known imperfect (sl), which becomes this
 * one's maximum matching when R is imperfect too.
 */
static int decide(struct bn *g, double r)
{
	memcpy(g->ml, g->sl, 2 * g->n * sizeof(*g->ml));   /* ml, mr from sl, sr */
	g->matched = g->smatched;
	if (perfect_at(g, r))
		return 1;
	memcpy(g->sl, g->ml, 2 * g->n * sizeof(*g->ml));
	g->smatched = g->matched;
	return 0;
}

/* The finite part: the least r with a perfect matching. */
static int bottleneck_finite(struct distance_ws *ws, const struct distance_split *s, double *out)
{
	struct bn g = { .pa = s->a, .pb = s->b, .na = s->na, .nb = s->nb, .n = s->na + s->nb };
	*out = 0;
	if (!g.n)
		return 0;
	int rc = distance_bottleneck_small(ws, s, out);
	if (rc <= 0)
		return rc;
	if (g.n > INT32_MAX / 2 || carve(ws, &g))
		return -1;
	double hi_r = 0;
	for (size_t i = 0; i < g.na; i++)
		hi_r = fmax(hi_r, g.da[i] = diag_cost(&g.pa[i]));
	for (size_t j = 0; j < g.nb; j++)
		hi_r = fmax(hi_r, g.db[j] = diag_cost(&g.pb[j]));
	g.all.pt = g.lay.pt = g.pb;
	for (size_t j = 0; j < g.nb; j++)
		g.all.perm[j] = (uint32_t)j;
	kd_build(&g.all, 0, g.nb, 0);
	memcpy(g.cnt0, g.all.cnt, g.nb * sizeof(*g.cnt0));
	for (size_t p = 0; p < g.nb; p++)
		g.pos_all[g.all.perm[p]] = (uint32_t)p;
	for (size_t u = 0; u < g.n; u++)
		g.sl[u] = g.sr[u] = -1;
	g.smatched = 0;

	/* Everything to the diagonal is perfect at hi; nothing is below 0. */
	int64_t lo = -1, hi = to_bits(hi_r);
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (decide(&g, from_bits(mid)))
			hi = mid;
		else
			lo = mid;
	}
	*out = from_bits(hi);
	return 0;
}

int distance_bottleneck(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			const struct tdp_interval *b, size_t nb, double *out)
{
	struct distance_split s;
	if (distance_split(ws, a, na, b, nb, &s))
		return -1;
	if (s.nea != s.neb) {
		*out = INFINITY;
		return 0;
	}
	double alive = 0;   /* essential classes: matched by sorted births */
	for (size_t i = 0; i < s.nea; i++)
		alive = fmax(alive, fabs(s.ea[i] - s.eb[i]));
	double r;
	if (bottleneck_finite(ws, &s, &r))
		return -1;
	*out = fmax(alive, r);
	return 0;
}
