/*
 * distance_wasserstein_small.c - the Wasserstein distance's transport
 * (scaled/distance_wasserstein.c) for small diagrams, n + m <=
 * DISTANCE_WSMALL_MAX: the pipeline's case, consecutive windows of
 * ~100-200 intervals, most of them equal.  The same assignment problem,
 * solved exactly, starting from what the two diagrams share.
 *
 * The problem, as GUDHI poses it: rows are A's n points, then one copy
 * of the diagonal per point of B (row n + j, j's copy); columns B's m
 * points, then one copy per point of A (column m + i).  A point costs
 * its L-infinity distance to the power p to a point, ((d - b) / 2)^p to
 * its own diagonal copy; a copy costs 0 to a copy.  A point to another
 * point's copy is left out: the copies are interchangeable (they cost 0
 * to each other), so some optimal matching uses only own copies, and
 * every row then has m + 1 or n + 1 columns instead of n + m.  So is a
 * point to a point that is no nearer than both their copies (edges()).
 *
 * The start.  Equal points ("twins": same bits of birth and death,
 * paired as multisets) are matched to each other at cost 0, and their
 * diagonal copies to each other at cost 0.  With every potential 0 this
 * partial assignment is what the Hungarian method keeps between steps:
 * every cost is >= 0 (dual feasible) and every matched edge is tight.
 * So only the points that changed between windows (~10-30 here) are
 * left.  Their columns get their least cost as potential (column
 * reduction: a path then reaches them sooner), and each row still free
 * is matched by one shortest augmenting path: Dijkstra on reduced
 * costs, costs computed from the coordinates, stopping as soon as a free
 * column is settled, potentials updated for what it settled only
 * (Jonker, Volgenant 1987).  A point's own diagonal copy bounds its
 * path, so it settles few columns.
 *
 * Two things keep each Dijkstra step to the columns it reached, with no
 * heap:
 * - A diagonal copy row offers every copy of A's diagonal at d - u_r -
 *   v_c: one scalar (the least d - u_r of those rows scanned) less the
 *   column's potential, applied when columns are compared, instead of n
 *   updates per row.
 * - All the columns at the least distance are settled together (one
 *   scan of the columns); when one of them is free the path ends there.
 *   The copies paired with each other share their potentials (the
 *   feasibility of copy-to-copy edges forces it), so they come at one
 *   distance, in one step, instead of one step each.
 * Edges across calls.  A worker asks for the distance of window k to
 * k+1, then of k+1 to k+2: this call's B is the next one's A.  A point's
 * edges depend only on its bits and the other diagram's points, so the
 * edges found for B's twins' rows (their neighbours among B's points)
 * are kept (xsave()), and the next call, its A equal to them bit for
 * bit, maps them through its own twins and tests only the points
 * without one (edges_known()): ~16 tests a row instead of ~136.  A
 * worker's streams and dimensions take turns: one slot per chain, a few
 * chains (DISTANCE_XSLOTS).
 * Deterministic: ties go to a free column, then to the lowest index;
 * what the next call may reuse (the edges, pool()) is the same whether
 * reused or found again.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance_common.h"

#define NONE UINT32_MAX
#define EDGE_POOL 64   /* edges kept per row and column (pool()) */

struct wsmall {
	const struct distance_pt *a, *b;
	size_t n, m, nn;
	unsigned order;
	double *ha, *hb;        /* half lifetimes */
	double *ga, *gb;        /* cost to the own diagonal copy: half lifetime ^ order */
	uint32_t *eoff, *elen;  /* A's points' edges in the pool, NONE before the row's first scan */
	uint32_t *pool_j;       /* B's points, */
	double *pool_c[2];      /* and the costs, order 1 and 2 */
	size_t pool_n, pool_cap;
	double *u, *v;          /* potentials: c - u - v >= 0, 0 when matched */
	double *minv;           /* tentative distance, +inf when not reached */
	double *setd;           /* settled columns' distances, in order */
	int32_t *rowm, *colm, *way;
	uint32_t *set, *tie;    /* settled columns in order; columns at the least distance (2nn) */
	uint32_t *touch;        /* columns given a finite minv, not settled (but maybe just now) */
	size_t ntouch;
	uint32_t *dord;         /* copies of A's diagonal (columns m..), largest v first */
	uint8_t *used;
	uint32_t *slot;         /* the twins' hash table: B's index + 1, 0 empty */
	size_t mask;
	uint32_t *twa, *twb;    /* each point's twin in the other diagram, NONE if none */
	uint32_t *lone;         /* B's points without a twin, ascending; nlone of them */
	size_t nlone;
	uint32_t *tj;           /* room for m edges (edges_known()) */
	double *tc;
	/* a last call's edges when its B is this A (ws->x[xslot], xsave()), else xoff NULL */
	const uint32_t *xoff, *xj;
	const double *xc;
	int xslot;
	size_t xhits;
};

static double power(double x, unsigned order)
{
	return order == 2 ? x * x : x;   /* numpy's x**2.0 is x*x */
}

static double cost(const struct distance_pt *p, const struct distance_pt *q, unsigned order)
{
	double dx = fabs(p->x - q->x), dy = fabs(p->y - q->y);
	return power(dx < dy ? dy : dx, order);   /* scipy's chebyshev; fmax() is a call */
}

/*
 * Matches each point of A to an unmatched point of B with the same bits,
 * the lowest index first, and their diagonal copies to each other.  B's
 * points go into an open-addressing table in index order, so a probe
 * meets equal points in index order.
 */
static void twins(struct wsmall *w)
{
	for (size_t t = 0; t <= w->mask; t++)
		w->slot[t] = 0;
	for (size_t i = 0; i < w->n; i++)
		w->twa[i] = NONE;
	for (size_t j = 0; j < w->m; j++)
		w->twb[j] = NONE;
	for (size_t j = 0; j < w->m; j++) {
		size_t t = distance_pt_hash(&w->b[j]) & w->mask;
		while (w->slot[t])
			t = (t + 1) & w->mask;
		w->slot[t] = (uint32_t)j + 1;
	}
	for (size_t i = 0; i < w->n; i++) {
		for (size_t t = distance_pt_hash(&w->a[i]) & w->mask; w->slot[t]; t = (t + 1) & w->mask) {
			size_t j = w->slot[t] - 1;
			if (w->colm[j] >= 0 || memcmp(&w->a[i], &w->b[j], sizeof(w->a[i])))
				continue;
			w->rowm[i] = (int32_t)j;
			w->colm[j] = (int32_t)i;
			w->twa[i] = (uint32_t)j;
			w->twb[j] = (uint32_t)i;
			w->rowm[w->n + j] = (int32_t)(w->m + i);
			w->colm[w->m + i] = (int32_t)(w->n + j);
			break;
		}
	}
	w->nlone = 0;
	for (size_t j = 0; j < w->m; j++)
		if (w->twb[j] == NONE)
			w->lone[w->nlone++] = (uint32_t)j;
}

/*
 * Row R's edges from the last call's (w->xoff: A is that call's B, and
 * R's point had a twin there, whose edges were found): those to the
 * points that are R's point's neighbours' twins here, merged by index
 * with those to the points without a twin, tested here.  The same
 * edges, in the same order, with the same costs as the full scan: a
 * twin's coordinates are the neighbour's bits, the expression the same
 * (the row's point first), and the last call tested every point.  How
 * many into JS, CS (room for m); -1 when R has none kept or the twins
 * do not come in index order (diagrams not sorted alike): scan.
 */
static long edges_known(struct wsmall *w, size_t r, uint32_t *js, double *cs)
{
	if (!w->xoff || w->xoff[2 * r] == NONE)
		return -1;
	const struct distance_pt *p = &w->a[r];
	double x = p->x, y = p->y, ha = w->ha[r];
	size_t nt = 0, t0 = w->xoff[2 * r], t1 = t0 + w->xoff[2 * r + 1];
	for (size_t t = t0; t < t1; t++) {
		uint32_t j = w->twa[w->xj[t]];
		if (j == NONE)
			continue;   /* the neighbour left */
		if (nt && j <= w->tj[nt - 1])
			return -1;
		w->tj[nt] = j;
		w->tc[nt++] = w->xc[t];
	}
	size_t k = 0, a = 0;
	for (size_t q = 0; q < w->nlone; q++) {
		uint32_t j = w->lone[q];
		double dx = fabs(x - w->b[j].x), dy = fabs(y - w->b[j].y), c = dx < dy ? dy : dx;
		if (!(c < ha + w->hb[j]))
			continue;
		while (a < nt && w->tj[a] < j) {
			js[k] = w->tj[a];
			cs[k++] = w->tc[a++];
		}
		js[k] = j;
		cs[k++] = c;
	}
	while (a < nt) {
		js[k] = w->tj[a];
		cs[k++] = w->tc[a++];
	}
	w->xhits++;
	return (long)k;
}

/*
 * The edges of A's point R: B's points J with |R - J|_inf < h(R) + h(J),
 * h the half lifetime, into the pool, with their costs.  The others
 * cannot help: sending both to the diagonal costs no more (h(R)^p +
 * h(J)^p <= (h(R) + h(J))^p), so some optimal matching does without
 * them (distance_wasserstein.c leaves out the same).  Found when the
 * row is first scanned, kept: a row is scanned by many paths, many rows
 * (twins far from any change) by none, and the next call on the same
 * pair (the other order, pool()) scans them again.  Past the pool's
 * EDGE_POOL * (n + m), memory linear still, a row's edges go to a spare
 * room after it, found again at each scan.  From the last window's when
 * edges_known() has them.  How many; where in *OFF.
 */
static size_t edges(struct wsmall *w, size_t r, size_t *off)
{
	const struct distance_pt *p = &w->a[r];
	double x = p->x, y = p->y, ha = w->ha[r];
	int keep = w->pool_n + w->m <= w->pool_cap;
	size_t at = keep ? w->pool_n : w->pool_cap;
	uint32_t *js = w->pool_j + at;
	double *cs = w->pool_c[0] + at, *cs2 = w->pool_c[1] + at;
	long known = edges_known(w, r, js, cs);
	size_t k = known < 0 ? 0 : (size_t)known;
	for (size_t j = 0; known < 0 && j < w->m; j++) {
		double dx = fabs(x - w->b[j].x), dy = fabs(y - w->b[j].y), c = dx < dy ? dy : dx;
		js[k] = (uint32_t)j;   /* written always, kept when an edge: no branch to mispredict */
		cs[k] = c;
		k += c < ha + w->hb[j];
	}
	for (size_t t = 0; t < k; t++)
		cs2[t] = cs[t] * cs[t];
	*off = at;
	if (keep) {
		w->eoff[r] = (uint32_t)at;
		w->elen[r] = (uint32_t)k;
		w->pool_n += k;
	}
	return k;
}

/*
 * Column reduction (Jonker, Volgenant), on the columns the twins left
 * free: a free point of B gets as potential its least cost (to its own
 * diagonal copy, then to A's points by index: the first least), which
 * keeps every reduced cost >= 0 (the rows' potentials are 0), and is
 * matched to that row when it is still free.  The free copies of A's
 * diagonal cost 0 from any copy of B's: they take the free ones in
 * order.  The paths that follow then reach the free columns sooner.
 */
static void reduce_columns(struct wsmall *w)
{
	size_t n = w->n, m = w->m;
	double *minc = w->minv;   /* borrowed: +inf again on the way out */
	int32_t *arg = w->way;
	for (size_t j = 0; j < m; j++) {
		minc[j] = w->gb[j];
		arg[j] = (int32_t)(n + j);
		if (w->colm[j] >= 0)
			continue;   /* a twin's: 0 */
		/* the edges of edges(), the same costs, by column */
		double x = w->b[j].x, y = w->b[j].y, hb = w->hb[j];
		for (size_t i = 0; i < n; i++) {
			double dx = fabs(w->a[i].x - x), dy = fabs(w->a[i].y - y), c = dx < dy ? dy : dx;
			if (c < w->ha[i] + hb && power(c, w->order) < minc[j]) {
				minc[j] = power(c, w->order);
				arg[j] = (int32_t)i;
			}
		}
	}
	for (size_t j = 0; j < m; j++) {
		if (w->colm[j] < 0) {
			size_t r = (size_t)arg[j];
			w->v[j] = minc[j];
			if (w->rowm[r] < 0) {
				w->rowm[r] = (int32_t)j;
				w->colm[j] = (int32_t)r;
			}
		}
		minc[j] = INFINITY;
	}
	size_t r = n;
	for (size_t i = 0; i < n; i++) {
		if (w->colm[m + i] >= 0)
			continue;
		while (r < w->nn && w->rowm[r] >= 0)
			r++;
		if (r == w->nn)
			break;
		w->rowm[r] = (int32_t)(m + i);
		w->colm[m + i] = (int32_t)r;
	}
}

/* Column C reached from row R at distance VAL: kept when the nearest yet. */
static void relax(struct wsmall *w, size_t c, double val, size_t r)
{
	if (val < w->minv[c] && !w->used[c]) {
		if (w->minv[c] == INFINITY)
			w->touch[w->ntouch++] = (uint32_t)c;
		w->minv[c] = val;
		w->way[c] = (int32_t)r;
	}
}

/*
 * Relaxes the columns of row R, reached at distance D; *MD, *WD the
 * copies' scalar.  The edges' loop (and augment()'s over the touched
 * columns) works on local restrict copies of w's arrays: under the
 * build's -fno-strict-aliasing every store would reload them from w.
 */
static void scan(struct wsmall *w, size_t r, double d, double *md, int32_t *wd)
{
	double base = d - w->u[r];
	size_t m = w->m;
	if (r >= w->n) {   /* a copy of B's diagonal: its own point, and every copy */
		size_t j = r - w->n;
		relax(w, j, base + w->gb[j] - w->v[j], r);
		if (base < *md) {
			*md = base;
			*wd = (int32_t)r;
		}
		return;
	}
	size_t off = w->eoff[r], k = off == NONE ? edges(w, r, &off) : w->elen[r];
	const uint32_t *restrict js = w->pool_j + off;
	const double *restrict cs = w->pool_c[w->order - 1] + off;
	double *restrict minv = w->minv;
	const double *restrict v = w->v;
	const uint8_t *restrict used = w->used;
	int32_t *restrict way = w->way;
	uint32_t *restrict touch = w->touch;
	size_t ntouch = w->ntouch;
	for (size_t t = 0; t < k; t++) {   /* relax(), inline, on the local copies */
		size_t j = js[t];
		double val = base + cs[t] - v[j];
		if (val < minv[j] && !used[j]) {
			if (minv[j] == INFINITY)
				touch[ntouch++] = (uint32_t)j;
			minv[j] = val;
			way[j] = (int32_t)r;
		}
	}
	w->ntouch = ntouch;
	relax(w, m + r, base + w->ga[r] - w->v[m + r], r);
}

/*
 * Copies of A's diagonal by potential, largest first, ties by index
 * (w->dord): the order the copies' scalar reaches them in.  Insertion,
 * after an augmenting path lowered some potentials: nearly sorted.
 */
static void sort_copies(struct wsmall *w)
{
	const double *v = w->v;
	for (size_t t = 1; t < w->n; t++) {
		uint32_t c = w->dord[t];
		size_t q = t;
		while (q > 0 && (v[w->dord[q - 1]] < v[c] || (v[w->dord[q - 1]] == v[c] && w->dord[q - 1] > c))) {
			w->dord[q] = w->dord[q - 1];
			q--;
		}
		w->dord[q] = c;
	}
}

/* Adds column C at distance E to the tie list TIE, which holds those at the least distance, *BEST. */
static inline void candidate(uint32_t *restrict tie, const int32_t *restrict colm, size_t c, double e, double *best,
			     size_t *ntie, size_t *free_c)
{
	if (e > *best)
		return;
	if (e < *best) {
		*best = e;
		*ntie = 0;
		*free_c = NONE;
	}
	tie[(*ntie)++] = (uint32_t)c;
	if (colm[c] < 0 && c < *free_c)
		*free_c = c;
}

/* Assigns row S (free) by a shortest augmenting path; 0, or -1 when no free column is reachable. */
static int augment(struct wsmall *w, size_t s)
{
	size_t m = w->m, nset = 0, sink, top = 0;
	double md = INFINITY, d = 0, dist;
	int32_t wd = -1;
	w->tie[0] = (uint32_t)s;   /* the rows to scan next, at distance d */
	size_t nrows = 1;
	w->ntouch = 0;
	for (;;) {
		for (size_t t = 0; t < nrows; t++)
			scan(w, w->tie[t], d, &md, &wd);
		/*
		 * The least distance, its columns, and a free one among them:
		 * the columns reached by an edge, then the copies of A's
		 * diagonal reached through the scalar, largest potential first.
		 */
		double best = INFINITY;
		size_t ntie = 0, free_c = NONE;
		size_t keep = 0, ntouch = w->ntouch;
		uint32_t *restrict touch = w->touch, *restrict tie = w->tie;
		const uint8_t *restrict used = w->used;
		const double *restrict minv = w->minv, *restrict v = w->v;
		const int32_t *restrict colm = w->colm;
		for (size_t t = 0; t < ntouch; t++) {
			size_t c = touch[t];
			if (used[c])
				continue;   /* settled: out of the list */
			touch[keep++] = (uint32_t)c;
			double e = minv[c];
			if (c >= m && md - v[c] < e)
				e = md - v[c];
			candidate(tie, colm, c, e, &best, &ntie, &free_c);
		}
		w->ntouch = keep;
		while (top < w->n && w->used[w->dord[top]])
			top++;
		for (size_t t = top; md < INFINITY && t < w->n; t++) {
			size_t c = w->dord[t];
			if (w->used[c])
				continue;
			double e = md - w->v[c];
			if (e > best)
				break;
			if (w->minv[c] == INFINITY)   /* not in the list above */
				candidate(tie, colm, c, e, &best, &ntie, &free_c);
		}
		if (best == INFINITY)
			return -1;
		if (free_c != NONE) {   /* the path ends there: the others wait */
			ntie = 1;
			w->tie[0] = (uint32_t)free_c;
		}
		for (size_t t = 0; t < ntie; t++) {
			size_t c = w->tie[t];
			if (c >= m && !(w->minv[c] <= md - w->v[c]))
				w->way[c] = wd;   /* reached through the copies' scalar */
			w->used[c] = 1;
			w->set[nset] = (uint32_t)c;
			w->setd[nset++] = best;
			w->tie[t] = (uint32_t)w->colm[c];   /* now the row to scan */
		}
		if (free_c != NONE) {
			sink = free_c;
			dist = best;
			break;
		}
		nrows = ntie;
		d = best;
	}
	for (size_t t = 0; t < nset; t++) {
		size_t c = w->set[t];
		double dd = dist - w->setd[t];
		if (w->colm[c] >= 0)
			w->u[w->colm[c]] += dd;
		w->v[c] -= dd;
		w->used[c] = 0;
		w->minv[c] = INFINITY;
	}
	w->u[s] += dist;
	distance_augment_path(w->rowm, w->colm, w->way, s, sink);
	for (size_t t = 0; t < w->ntouch; t++)
		w->minv[w->touch[t]] = INFINITY;
	sort_copies(w);
	return 0;
}

static int carve(struct distance_ws *ws, struct wsmall *w)
{
	size_t n = w->n, m = w->m, nn = w->nn;
	w->mask = 1;
	while (w->mask < 2 * m)
		w->mask <<= 1;
	size_t sizes[] = {
		2 * nn * sizeof(double), 2 * nn * sizeof(double), 3 * nn * sizeof(int32_t),
		5 * nn * sizeof(uint32_t), nn, w->mask * sizeof(uint32_t),
		2 * n * sizeof(double), 2 * m * sizeof(double),
		(n + 3 * m) * sizeof(uint32_t), m * sizeof(double),
	};
	size_t bytes = distance_carve_total(sizes, sizeof(sizes) / sizeof(sizes[0]));
	if (distance_buf_reserve(&ws->scratch, bytes))
		return -1;
	char *c = ws->scratch.p;
	w->u = distance_carve(&c, sizes[0]);
	w->v = w->u + nn;
	w->minv = distance_carve(&c, sizes[1]);
	w->setd = w->minv + nn;
	w->rowm = distance_carve(&c, sizes[2]);
	w->colm = w->rowm + nn;
	w->way = w->colm + nn;
	w->set = distance_carve(&c, sizes[3]);
	w->tie = w->set + nn;
	w->touch = w->tie + 2 * nn;
	w->dord = w->touch + nn;
	w->used = distance_carve(&c, sizes[4]);
	w->slot = distance_carve(&c, sizes[5]);
	w->ha = distance_carve(&c, sizes[6]);
	w->ga = w->ha + n;
	w->hb = distance_carve(&c, sizes[7]);
	w->gb = w->hb + m;
	w->twa = distance_carve(&c, sizes[8]);
	w->twb = w->twa + n;
	w->lone = w->twb + m;
	w->tj = w->lone + m;
	w->tc = distance_carve(&c, sizes[9]);
	w->mask--;
	return 0;
}

/*
 * The pool of edges, in ws->wgeo, which distance_wasserstein.c's
 * geometry shares (whichever wrote it last owns it, ws->wsmall says
 * which): kept from the last call when that was this path's, on the
 * same points (the pipeline asks orders 1 and 2 in a row: the edges are
 * the same, and both costs are kept), else emptied.  The same edges in
 * the same order either way, so the same bits.  0 or -1.
 */
static int pool(struct distance_ws *ws, struct wsmall *w)
{
	size_t n = w->n, m = w->m, pt = sizeof(struct distance_pt);
	size_t cap = n * m < EDGE_POOL * w->nn ? n * m : EDGE_POOL * w->nn;
	size_t sizes[] = { 2 * n * sizeof(uint32_t), (cap + m) * sizeof(uint32_t), 2 * (cap + m) * sizeof(double) };
	int hit = ws->wsmall && ws->wn == n && ws->wm == m && !memcmp(ws->wkey.p, w->a, n * pt) &&
		  !memcmp((char *)ws->wkey.p + n * pt, w->b, m * pt);
	size_t bytes = distance_carve_total(sizes, sizeof(sizes) / sizeof(sizes[0]));
	ws->wsmall = 0;   /* until this call is done with it */
	if (!hit) {
		ws->wvalid = 0;
		if (distance_buf_reserve(&ws->wgeo, bytes) || distance_buf_reserve(&ws->wkey, w->nn * pt))
			return -1;
	}
	char *c = ws->wgeo.p;
	w->eoff = distance_carve(&c, sizes[0]);
	w->elen = w->eoff + n;
	w->pool_j = distance_carve(&c, sizes[1]);
	w->pool_c[0] = distance_carve(&c, sizes[2]);
	w->pool_c[1] = w->pool_c[0] + cap + m;
	w->pool_cap = cap;
	if (hit) {
		w->pool_n = ws->wpool_n;
		return 0;
	}
	w->pool_n = 0;
	for (size_t i = 0; i < n; i++)
		w->eoff[i] = NONE;
	memcpy(ws->wkey.p, w->a, n * pt);
	memcpy((char *)ws->wkey.p + n * pt, w->b, m * pt);
	ws->wn = n;
	ws->wm = m;
	return 0;
}

/*
 * A last call's edges, when its B is this A (bit for bit): per point of
 * A, the offset and count of its neighbours in the slot's j, c (NONE
 * when none were kept), else nothing.
 */
static void xload(struct distance_ws *ws, struct wsmall *w)
{
	w->xoff = NULL;
	w->xslot = -1;
	w->xhits = 0;
	for (int k = 0; k < DISTANCE_XSLOTS && w->n; k++) {
		struct distance_xslot *x = &ws->x[k];
		if (x->n == w->n && !memcmp(x->key.p, w->a, w->n * sizeof(*w->a))) {
			w->xoff = x->off.p;
			w->xj = x->j.p;
			w->xc = x->c.p;
			w->xslot = k;
			return;
		}
	}
}

/*
 * For the next call whose A is this B (the chain's next window): each
 * point of B with a twin whose edges were found and kept gets them (the
 * twin row's place in a copy of the pool), as neighbours of that point
 * among B's (the edges of a point are a function of its bits and B's).  Into the slot this call read (the
 * chain moves on), else the oldest.  Only order 2 saves: order 1's
 * diagrams have the shared points taken out (distance_wasserstein.c),
 * so its pairs do not chain.  -1 out of memory (then the slot is
 * empty).
 */
static int xsave(struct distance_ws *ws, const struct wsmall *w)
{
	size_t m = w->m;
	int k = w->xslot;
	if (k < 0) {
		k = 0;
		for (int t = 1; t < DISTANCE_XSLOTS; t++)
			if (ws->x[t].used < ws->x[k].used)
				k = t;
	}
	struct distance_xslot *x = &ws->x[k];
	x->n = 0;
	x->used = ++ws->xclock;
	/* the pool as it is, in two blocks rather than a copy per point
	 * (~136 small memcpy() calls), and each twin's row's place in it */
	size_t total = w->pool_n;
	if (distance_buf_reserve(&x->key, m * sizeof(*w->b) + 1) ||
	    distance_buf_reserve(&x->off, 2 * m * sizeof(uint32_t) + 1) ||
	    distance_buf_reserve(&x->j, total * sizeof(uint32_t) + 1) ||
	    distance_buf_reserve(&x->c, total * sizeof(double) + 1))
		return -1;
	uint32_t *xoff = x->off.p;
	memcpy(x->j.p, w->pool_j, total * sizeof(uint32_t));
	memcpy(x->c.p, w->pool_c[0], total * sizeof(double));
	for (size_t j = 0; j < m; j++) {
		uint32_t i = w->twb[j];
		int kept = i != NONE && w->eoff[i] != NONE;
		xoff[2 * j] = kept ? w->eoff[i] : NONE;
		xoff[2 * j + 1] = kept ? w->elen[i] : 0;
	}
	memcpy(x->key.p, w->b, m * sizeof(*w->b));
	x->n = m;
	return 0;
}

int distance_wasserstein_small(struct distance_ws *ws, const struct distance_split *s, unsigned order,
			       double *out)
{
	struct wsmall w = { .a = s->a, .b = s->b, .n = s->na, .m = s->nb, .nn = s->na + s->nb, .order = order };
	*out = 0;
	if (w.nn > DISTANCE_WSMALL_MAX)
		return 1;
	for (size_t i = 0; i < w.n; i++)
		if (!isfinite(w.a[i].x) || !isfinite(w.a[i].y))
			return 1;
	for (size_t j = 0; j < w.m; j++)
		if (!isfinite(w.b[j].x) || !isfinite(w.b[j].y))
			return 1;
	if (!w.nn)
		return 0;
	if (carve(ws, &w) || pool(ws, &w))
		return -1;
	/* GUDHI: (d - b) * 2 ** (1 / internal_p - 1), then ** order */
	for (size_t i = 0; i < w.n; i++) {
		w.ha[i] = (w.a[i].y - w.a[i].x) * 0.5;
		w.ga[i] = power(w.ha[i], order);
	}
	for (size_t j = 0; j < w.m; j++) {
		w.hb[j] = (w.b[j].y - w.b[j].x) * 0.5;
		w.gb[j] = power(w.hb[j], order);
	}
	for (size_t c = 0; c < w.nn; c++) {
		w.u[c] = w.v[c] = 0;
		w.rowm[c] = w.colm[c] = -1;
		w.minv[c] = INFINITY;
		w.used[c] = 0;
	}
	twins(&w);
	xload(ws, &w);
	reduce_columns(&w);
	for (size_t i = 0; i < w.n; i++)
		w.dord[i] = (uint32_t)(w.m + i);
	for (size_t r = 0; r < w.nn; r++)
		if (w.rowm[r] < 0 && augment(&w, r))
			return 1;   /* cannot happen with finite costs: the general path decides */
	double sum = 0;
	for (size_t r = 0; r < w.nn; r++) {
		size_t c = (size_t)w.rowm[r];
		if (r < w.n)
			sum += c < w.m ? cost(&w.a[r], &w.b[c], order) : w.ga[r];
		else if (c < w.m)
			sum += w.gb[c];
	}
	ws->wpool_n = w.pool_n;
	ws->wsmall = 1;
	ws->xhits += w.xhits;
	if (order == 2 && xsave(ws, &w))
		return -1;
	*out = sum;
	return 0;
}
