/*
 * distance_wasserstein.c - the exact Wasserstein distance of order 1 or 2
 * between two persistence diagrams, internal_p = inf, equal (to rounding)
 * to gudhi.wasserstein.wasserstein_distance, which asks POT's network
 * simplex (ot.emd2) for the optimal transport on a dense matrix.
 *
 * The problem is GUDHI's, as an assignment: rows are A's n points and m
 * copies of the diagonal, columns B's m points and n copies of the
 * diagonal; a point costs its L-infinity distance to the power p to a
 * point, ((d - b) / 2)^p to any diagonal copy, and two copies cost 0.  It
 * is solved by shortest augmenting paths (the Hungarian method in Jonker
 * and Volgenant's form: column reduction, augmenting row reduction, then
 * one Dijkstra on reduced costs per row still free, stopping at the first
 * free column, potentials updated only for what it settled; Jonker,
 * Volgenant 1987), with costs computed from the coordinates when needed:
 * memory O(n + m), never the (n + m)^2 matrix.  Three things make it fast:
 *
 * - Edges that cannot help are left out.  If |a - b|_inf >= h(a) + h(b),
 *   h the half lifetime, sending both to the diagonal costs no more
 *   (h(a)^p + h(b)^p <= (h(a) + h(b))^p), so some optimal matching does
 *   not use that edge.  A point's edges are found in a k-d tree over B
 *   whose nodes know their largest h.
 * - The diagonal copies are never scanned one by one.  A row r reaches
 *   every copy k of B's diagonal at d_r + c(r, diag) - u_r - v_k: one
 *   scalar M (the least d_r + c(r, diag) - u_r of the rows scanned) less
 *   the copy's potential, so the nearest unsettled copy is the one of
 *   largest v_k, the top of a heap.  Likewise a copy of A's diagonal
 *   reaches B's point j at d_r - u_r + h(j)^p - v_j: the scalar least
 *   d_r - u_r, plus the top of a heap of h(j)^p - v_j.
 * - The pairs of diagonal copies matched to each other all have the same
 *   potentials (a copy of A's diagonal reaches every copy of B's at cost
 *   0, so feasibility forces it), hence the same distance in every
 *   Dijkstra: they are kept as one group, settled at once, with one
 *   potential, instead of hundreds of equal steps per augmenting path.
 * - The Dijkstra keeps its frontier in an indexed heap, and the edges of
 *   A's points, once found, in a bounded pool, which the next call keeps
 *   when it is on the same pair (the pipeline asks orders 1 and 2 in a
 *   row: the edges are the same, only their costs differ).
 * Each settled column then costs a few heap operations and one row's
 * edges.  Deterministic: every choice breaks ties by index.
 *
 * Diagrams of n + m <= DISTANCE_WSMALL_MAX go to
 * scaled/distance_wasserstein_small.c instead, which starts from the
 * points the two share (the pipeline's consecutive windows) and is
 * faster there; this path takes the larger ones, and the rare pair the
 * small one declines (a coordinate not finite).
 */
#include "scaled/distance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/distance_common.h"

#define NONE UINT32_MAX
#define LEAF 8         /* most points in a leaf of B's k-d tree */
#define SCAN_MAX 1024  /* most points of B scanned whole, not searched in the tree */
#define EDGE_CACHE 64            /* edges kept, per row and column ... */
#define EDGE_CACHE_MAX 2400000u  /* ... and at most (48 MB: an index, two costs) */

/*
 * A binary min-heap of items 0..cap-1 by key[item], ties by item;
 * pos[item] NONE when out.  Each slot keeps a copy of its item's key
 * (hk), so a sift compares contiguous keys: whoever changes key[item]
 * of an item in the heap calls ih_set() (or ih_lower(), ih_raise() when
 * it knows the way the key moved) next, which copies it.  The layout, not
 * only the order, is what it always was: reduce_rows() reads the top
 * three slots, so it decides ties between equal costs.
 */
struct iheap {
	uint32_t *h, *pos;
	double *key, *hk;
	size_t n;
};

static void ih_place(struct iheap *q, size_t i, uint32_t it, double k)
{
	q->h[i] = it;
	q->hk[i] = k;
	q->pos[it] = (uint32_t)i;
}

static void ih_up(struct iheap *q, size_t i)
{
	uint32_t it = q->h[i];
	double k = q->hk[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		double kp = q->hk[p];
		if (!(k < kp || (k == kp && it < q->h[p])))
			break;
		ih_place(q, i, q->h[p], kp);
		i = p;
	}
	ih_place(q, i, it, k);
}

static void ih_down(struct iheap *q, size_t i)
{
	uint32_t it = q->h[i];
	double k = q->hk[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n) {   /* the lesser child, without a branch to mispredict */
			double k1 = q->hk[c], k2 = q->hk[c + 1];
			c += (k2 < k1) | ((k2 == k1) & (q->h[c + 1] < q->h[c]));
		}
		double kc = q->hk[c];
		if (!(kc < k || (kc == k && q->h[c] < it)))
			break;
		ih_place(q, i, q->h[c], kc);
		i = c;
	}
	ih_place(q, i, it, k);
}

/* Inserts IT, or moves it after its key changed. */
static void ih_set(struct iheap *q, uint32_t it)
{
	if (q->pos[it] == NONE) {
		ih_place(q, q->n++, it, q->key[it]);
		ih_up(q, q->n - 1);
	} else {
		size_t i = q->pos[it];
		q->hk[i] = q->key[it];
		ih_up(q, i);
		ih_down(q, q->pos[it]);
	}
}

/* After IT's key went down (or IT is new): the same as ih_set(), one sift fewer. */
static void ih_lower(struct iheap *q, uint32_t it)
{
	if (q->pos[it] == NONE) {
		ih_set(q, it);
		return;
	}
	size_t i = q->pos[it];
	q->hk[i] = q->key[it];
	ih_up(q, i);
}

/* After IT's key, in the heap, went up (or stayed). */
static void ih_raise(struct iheap *q, uint32_t it)
{
	size_t i = q->pos[it];
	q->hk[i] = q->key[it];
	ih_down(q, i);
}

static void ih_remove(struct iheap *q, uint32_t it)
{
	size_t i = q->pos[it];
	if (i == NONE)
		return;
	q->pos[it] = NONE;
	uint32_t last = q->h[--q->n];
	if (i == q->n)
		return;
	ih_place(q, i, last, q->hk[q->n]);
	ih_up(q, i);
	ih_down(q, q->pos[last]);
}

struct hung {
	const struct distance_pt *pa;
	struct distance_pt *pb;  /* B in k-d order */
	size_t n, m, nn;         /* nn = n + m rows and columns */
	unsigned order;
	double *ha, *hb;         /* half lifetimes */
	double *ga, *gb;         /* cost to the diagonal: half lifetime ^ order */
	const struct distance_pt *src;   /* B as given */
	uint32_t *idx;           /* B's k-d order: position -> index in src */
	struct node {
		double x0, x1, y0, y1, h;   /* a k-d node's box and largest half lifetime */
	} *node;
	struct tpt {
		double x, y, h;
		uint32_t j;
	} *trav;                 /* B's points in the order the tree search visits them */
	uint32_t *near_j;        /* the edges of one of A's points (near()) */
	double *near_c;          /* their L-infinity lengths, then costs */
	uint32_t *eoff, *elen;   /* A's points' edges in the pool, NONE when not there */
	uint32_t *pool_j;
	double *pool_c[2];       /* their costs, order 1 and 2 */
	size_t pool_n, pool_cap;
	double *u, *v;           /* potentials: reduced cost c - u - v >= 0, 0 when matched */
	int32_t *rowm, *colm;
	double *minv;            /* tentative distance of B's points from A's */
	int32_t *way;            /* the row a settled column was reached from */
	uint8_t *used;           /* settled columns */
	int32_t *set;            /* settled columns in order */
	double *setd;            /* and their distances */
	uint32_t *touched;       /* B's points given a tentative distance */
	double *keyg, *keyd;     /* heap keys: h(j)^p - v_j; -v of B's diagonal copies */
	struct iheap front;      /* B's points by tentative distance (per Dijkstra) */
	struct iheap gheap;      /* B's points not settled, by h(j)^p - v_j */
	struct iheap dheap;      /* B's diagonal copies not settled, by largest v */
	uint32_t *gstack;        /* the group: B's diagonal copies matched to A's */
	size_t gsize;
	double vg;               /* their v; their rows' u is -vg */
};

static double power(double x, unsigned order)
{
	return order == 2 ? x * x : x;   /* numpy's x**2.0 is x*x */
}

static double linf(const struct distance_pt *p, const struct distance_pt *q)
{
	double dx = fabs(p->x - q->x), dy = fabs(p->y - q->y);
	return dx < dy ? dy : dx;   /* scipy's chebyshev; fmax() is a call */
}

/*
 * B's points are stored in the order of an implicit k-d tree: the node
 * over [lo, hi) holds its box and largest h at mid = lo + (hi - lo) / 2;
 * its children are [lo, mid) and [mid + 1, hi), down to leaves of at most
 * LEAF points.  Whether no point of a node can be joined to A's point R:
 * every point is at least h(R) + (the node's largest h) away.  Exact in
 * doubles, as rounding is monotone.
 */
static int node_far(const struct hung *h, size_t r, size_t mid)
{
	const struct node *k = &h->node[mid];
	double x = h->pa[r].x, y = h->pa[r].y, rad = h->ha[r] + k->h;
	return (x > k->x1 && x - k->x1 >= rad) || (x < k->x0 && k->x0 - x >= rad) ||
	       (y > k->y1 && y - k->y1 >= rad) || (y < k->y0 && k->y0 - y >= rad);
}

static void build(struct hung *h, uint32_t *idx, size_t lo, size_t hi, int axis)
{
	size_t mid = lo + (hi - lo) / 2;
	if (hi - lo > LEAF) {
		distance_select(h->src, idx, lo, hi, mid, axis);
		build(h, idx, lo, mid, !axis);
		build(h, idx, mid + 1, hi, !axis);
	}
	if (h->m <= SCAN_MAX)
		return;   /* near_scan(): the order is all it needs */
	struct node k = { INFINITY, -INFINITY, INFINITY, -INFINITY, 0 };
	for (size_t j = lo; j < hi; j++) {
		const struct distance_pt *p = &h->src[idx[j]];
		k.x0 = fmin(k.x0, p->x);
		k.x1 = fmax(k.x1, p->x);
		k.y0 = fmin(k.y0, p->y);
		k.y1 = fmax(k.y1, p->y);
		k.h = fmax(k.h, (p->y - p->x) * 0.5);
	}
	h->node[mid] = k;
}

static size_t near_rec(const struct hung *h, size_t r, size_t lo, size_t hi, size_t cnt)
{
	if (lo >= hi)
		return cnt;
	size_t mid = lo + (hi - lo) / 2;
	if (node_far(h, r, mid))
		return cnt;
	if (hi - lo > LEAF) {
		cnt = near_rec(h, r, lo, mid, cnt);
		cnt = near_rec(h, r, mid + 1, hi, cnt);
		lo = mid;   /* then the node's own point */
		hi = mid + 1;
	}
	const struct distance_pt *p = &h->pa[r];
	double ha = h->ha[r];
	for (size_t j = lo; j < hi; j++) {
		double c = linf(p, &h->pb[j]);
		if (c < ha + h->hb[j]) {
			h->near_j[cnt] = (uint32_t)j;
			h->near_c[cnt++] = c;
		}
	}
	return cnt;
}

/*
 * The same edges in the same order, for small B: every point in the
 * order near_rec() would visit it.  The tree prunes little at this size
 * (a node's largest h is a long interval's), and a flat loop is faster.
 */
static size_t near_scan(const struct hung *h, size_t r)
{
	double x = h->pa[r].x, y = h->pa[r].y, ha = h->ha[r];
	size_t cnt = 0;
	for (size_t t = 0; t < h->m; t++) {
		const struct tpt *q = &h->trav[t];
		double dx = fabs(x - q->x), dy = fabs(y - q->y), c = dx < dy ? dy : dx;
		h->near_j[cnt] = q->j;   /* written always, kept when an edge: no branch to mispredict */
		h->near_c[cnt] = c;
		cnt += c < ha + q->h;
	}
	return cnt;
}

/* The order near_rec() visits positions [LO, HI) in, into TRAV from CNT. */
static size_t trav_order(struct hung *h, size_t lo, size_t hi, size_t cnt)
{
	if (lo >= hi)
		return cnt;
	if (hi - lo > LEAF) {
		size_t mid = lo + (hi - lo) / 2;
		cnt = trav_order(h, lo, mid, cnt);
		cnt = trav_order(h, mid + 1, hi, cnt);
		lo = mid;
		hi = mid + 1;
	}
	for (size_t j = lo; j < hi; j++)
		h->trav[cnt++] = (struct tpt){ h->pb[j].x, h->pb[j].y, h->hb[j], (uint32_t)j };
	return cnt;
}

/*
 * The edges of A's point R: B's points J with |R - J|_inf < h(R) + h(J),
 * in *JS, their costs in *CS; how many.  A row is scanned again at every
 * augmenting path that passes it (tens of times on 1,000 points), so
 * the first EDGE_CACHE * (n + m) edges found, EDGE_CACHE_MAX at most,
 * stay in a pool (memory O(n + m) still), with their costs for both
 * orders, kept for the next call on the same pair (ws->wgeo); rows past
 * it are searched each time.
 */
static size_t near(struct hung *h, size_t r, const uint32_t **js, const double **cs)
{
	if (h->eoff[r] != NONE) {
		*js = h->pool_j + h->eoff[r];
		*cs = h->pool_c[h->order - 1] + h->eoff[r];
		return h->elen[r];
	}
	size_t k = h->m <= SCAN_MAX ? near_scan(h, r) : near_rec(h, r, 0, h->m, 0);
	*js = h->near_j;
	*cs = h->near_c;
	if (k <= h->pool_cap - h->pool_n) {
		memcpy(h->pool_j + h->pool_n, h->near_j, k * sizeof(*h->near_j));
		for (size_t t = 0; t < k; t++) {
			h->pool_c[0][h->pool_n + t] = h->near_c[t];
			h->pool_c[1][h->pool_n + t] = power(h->near_c[t], 2);
		}
		h->eoff[r] = (uint32_t)h->pool_n;
		h->elen[r] = (uint32_t)k;
		*cs = h->pool_c[h->order - 1] + h->pool_n;
		h->pool_n += k;
		return k;
	}
	for (size_t t = 0; t < k; t++)
		h->near_c[t] = power(h->near_c[t], h->order);
	return k;
}

/* Column C's potential lowered to V (never raised: its keys, which are -v plus a constant, only go up). */
static void set_v(struct hung *h, size_t c, double v)
{
	h->v[c] = v;
	if (c < h->m) {
		h->keyg[c] = h->gb[c] - v;
		if (h->gheap.pos[c] != NONE)
			ih_raise(&h->gheap, (uint32_t)c);
	} else {
		h->keyd[c - h->m] = -v;
		if (h->dheap.pos[c - h->m] != NONE)
			ih_raise(&h->dheap, (uint32_t)(c - h->m));
	}
}

/* Column reduction (Jonker, Volgenant): v_j is column j's least cost; a
 * column whose cheapest row is still free takes it. */
static void reduce_columns(struct hung *h)
{
	size_t n = h->n, m = h->m, next_da = n;
	for (size_t j = 0; j < m; j++) {
		h->minv[j] = h->gb[j];   /* any copy of A's diagonal */
		h->way[j] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		const uint32_t *js;
		const double *cs;
		size_t k = near(h, i, &js, &cs);
		for (size_t t = 0; t < k; t++) {
			size_t j = js[t];
			double c = cs[t];
			if (c < h->minv[j]) {
				h->minv[j] = c;
				h->way[j] = (int32_t)i;
			}
		}
	}
	for (size_t j = 0; j < m; j++) {
		h->v[j] = h->minv[j];
		int32_t r = h->way[j];
		if (r < 0 && next_da < h->nn)
			r = (int32_t)next_da++;
		else if (r >= 0 && h->rowm[r] >= 0)
			continue;
		if (r >= 0) {
			h->rowm[r] = (int32_t)j;
			h->colm[j] = r;
		}
	}
	/* B's diagonal copies: least cost 0, from A's diagonal copies */
	for (size_t k = 0; k < n && next_da < h->nn; k++) {
		h->rowm[next_da] = (int32_t)(m + k);
		h->colm[m + k] = (int32_t)next_da++;
	}
}

static void consider(double val, size_t j, double *a, size_t *ja, double *b, size_t *jb)
{
	if (*ja == SIZE_MAX || val < *a) {
		*b = *a;
		*jb = *ja;
		*a = val;
		*ja = j;
	} else if (*jb == SIZE_MAX || val < *b) {
		*b = val;
		*jb = j;
	}
}

/* The least and second least c(R, col) - v(col) over all columns. */
static void two_least(struct hung *h, size_t r, double *u1, size_t *j1, double *u2, size_t *j2)
{
	double a = INFINITY, b = INFINITY;
	size_t ja = SIZE_MAX, jb = SIZE_MAX;
	if (r < h->n) {
		const uint32_t *js;
		const double *cs;
		size_t k = near(h, r, &js, &cs);
		for (size_t t = 0; t < k; t++) {
			size_t j = js[t];
			consider(cs[t] - h->v[j], j, &a, &ja, &b, &jb);
		}
	} else {
		for (size_t t = 0; t < 3 && t < h->gheap.n; t++) {   /* the two least keys are among these */
			uint32_t j = h->gheap.h[t];
			consider(h->keyg[j], j, &a, &ja, &b, &jb);
		}
	}
	double cd = r < h->n ? h->ga[r] : 0.;
	for (size_t t = 0; t < 3 && t < h->dheap.n; t++) {
		uint32_t k = h->dheap.h[t];
		consider(cd + h->keyd[k], h->m + k, &a, &ja, &b, &jb);
	}
	*u1 = a;
	*j1 = ja;
	*u2 = b;
	*j2 = jb;
}

/*
 * Augmenting row reduction (Jonker, Volgenant): a free row takes its
 * cheapest column, whose potential drops until the row is indifferent
 * between it and its second choice; the row it displaces tries next.  Two
 * passes, and a bound on the steps so rounding can never make it cycle.
 * Then every row's potential is its least reduced cost: feasible, and
 * every matched edge tight.
 */
static void reduce_rows(struct hung *h)
{
	int32_t *fr = h->set;
	size_t nfree = 0, budget = 4 * h->nn + 64;
	for (size_t r = 0; r < h->nn; r++)
		if (h->rowm[r] < 0)
			fr[nfree++] = (int32_t)r;
	for (int pass = 0; pass < 2; pass++) {
		size_t k = 0, prv = nfree;
		nfree = 0;
		while (k < prv && budget) {
			budget--;
			size_t r = (size_t)fr[k++], j1, j2;
			double u1, u2;
			two_least(h, r, &u1, &j1, &u2, &j2);
			if (j2 == SIZE_MAX || j1 == SIZE_MAX)
				continue;
			int32_t i0 = h->colm[j1];
			if (u1 < u2)
				set_v(h, j1, h->v[j1] - (u2 - u1));
			else if (i0 >= 0) {
				j1 = j2;
				i0 = h->colm[j1];
			}
			h->rowm[r] = (int32_t)j1;
			h->colm[j1] = (int32_t)r;
			if (i0 >= 0) {
				h->rowm[i0] = -1;
				if (u1 < u2)
					fr[--k] = i0;
				else
					fr[nfree++] = i0;
			}
		}
	}
	for (size_t r = 0; r < h->nn; r++) {
		double u1, u2;
		size_t j1, j2;
		two_least(h, r, &u1, &j1, &u2, &j2);
		h->u[r] = u1;
	}
}

/* Relaxes from row R at distance D; *MA, *MD the diagonal scalars. */
static void scan_row(struct hung *h, size_t r, double d, double *ma, int32_t *wa, double *md, int32_t *wd,
		     size_t *nt)
{
	double base = d - h->u[r];
	if (r >= h->n) {
		if (base < *ma) {   /* B's points, through the heap of h^p - v */
			*ma = base;
			*wa = (int32_t)r;
		}
		if (base < *md) {
			*md = base;
			*wd = (int32_t)r;
		}
		return;
	}
	const uint32_t *js;
	const double *cs;
	size_t k = near(h, r, &js, &cs);
	for (size_t t = 0; t < k; t++) {
		size_t j = js[t];
		if (h->used[j])
			continue;
		double val = base + cs[t] - h->v[j];
		if (val < h->minv[j]) {
			if (h->minv[j] == INFINITY)
				h->touched[(*nt)++] = (uint32_t)j;
			h->minv[j] = val;
			h->way[j] = (int32_t)r;
			ih_lower(&h->front, (uint32_t)j);
		}
	}
	if (base + h->ga[r] < *md) {
		*md = base + h->ga[r];
		*wd = (int32_t)r;
	}
}

/* Whether B's diagonal copy K, matched to A's diagonal copy R, belongs in
 * the group (its potentials are the group's); moves it there. */
static void try_group(struct hung *h, size_t k, size_t r)
{
	if (r < h->n || h->v[h->m + k] != h->vg || h->u[r] != -h->vg)
		return;
	ih_remove(&h->dheap, (uint32_t)k);
	h->gstack[h->gsize++] = (uint32_t)k;
}

/* Assigns row S (free) by a shortest augmenting path. */
static void augment(struct hung *h, size_t s)
{
	size_t m = h->m, nset = 0, nt = 0, cur = s, sink, rep = SIZE_MAX, rep_row = 0;
	double ma = INFINITY, md = INFINITY, d = 0, dist, dg = 0;
	int32_t wa = -1, wd = -1;
	for (;;) {
		if (cur != SIZE_MAX)
			scan_row(h, cur, d, &ma, &wa, &md, &wd, &nt);
		double best = INFINITY;
		size_t bj = SIZE_MAX;
		int how = 0;
		if (h->front.n) {
			bj = h->front.h[0];
			best = h->minv[bj];
		}
		if (h->gheap.n && ma + h->keyg[h->gheap.h[0]] < best) {
			bj = h->gheap.h[0];
			best = ma + h->keyg[bj];
			how = 1;
		}
		if (h->dheap.n && md + h->keyd[h->dheap.h[0]] < best) {
			bj = m + h->dheap.h[0];
			best = md + h->keyd[bj - m];
			how = 2;
		}
		if (rep == SIZE_MAX && h->gsize && md - h->vg < best) {
			/* the group, settled at once: through one pair, every
			 * copy of A's diagonal in it offers B's points at d - u */
			dg = md - h->vg;
			rep = h->gstack[h->gsize - 1];
			rep_row = (size_t)h->colm[m + rep];
			h->way[m + rep] = wd;
			if (dg + h->vg < ma) {
				ma = dg + h->vg;
				wa = (int32_t)rep_row;
			}
			cur = SIZE_MAX;
			continue;
		}
		if (how == 2) {
			ih_remove(&h->dheap, (uint32_t)(bj - m));
			h->way[bj] = wd;
		} else {
			if (how == 1)
				h->way[bj] = wa;
			ih_remove(&h->front, (uint32_t)bj);
			ih_remove(&h->gheap, (uint32_t)bj);
		}
		h->used[bj] = 1;
		h->set[nset] = (int32_t)bj;
		h->setd[nset++] = best;
		if (h->colm[bj] < 0) {
			sink = bj;
			dist = best;
			break;
		}
		cur = (size_t)h->colm[bj];
		d = best;
	}
	while (h->front.n)
		ih_remove(&h->front, h->front.h[h->front.n - 1]);
	for (size_t t = 0; t < nt; t++)
		h->minv[h->touched[t]] = INFINITY;
	for (size_t t = 0; t < nset; t++) {
		size_t c = (size_t)h->set[t];
		double dd = dist - h->setd[t];
		if (h->colm[c] >= 0)
			h->u[h->colm[c]] += dd;
		h->used[c] = 0;
		set_v(h, c, h->v[c] - dd);   /* out of its heap: only the key moves */
		if (c < m)
			ih_set(&h->gheap, (uint32_t)c);
		else
			ih_set(&h->dheap, (uint32_t)(c - m));
	}
	if (rep != SIZE_MAX)
		h->vg -= dist - dg;
	h->u[s] += dist;
	distance_augment_path(h->rowm, h->colm, h->way, s, sink);
	if (rep != SIZE_MAX && h->rowm[rep_row] != (int32_t)(m + rep)) {
		/* the path went through the group's pair: it leaves, with the
		 * group's potentials made explicit */
		h->gsize--;
		h->u[rep_row] = -h->vg;
		h->v[m + rep] = h->vg;
		h->keyd[rep] = -h->vg;
		ih_set(&h->dheap, (uint32_t)rep);
		try_group(h, rep, (size_t)h->colm[m + rep]);
	}
	if (sink >= m)
		try_group(h, sink - m, (size_t)h->colm[sink]);
}

static int carve(struct distance_ws *ws, struct hung *h)
{
	size_t n = h->n, m = h->m, nn = h->nn;
	size_t sizes[] = {
		2 * n * sizeof(double), m * sizeof(double),
		2 * nn * sizeof(double), 2 * nn * sizeof(int32_t), m * sizeof(double), nn * sizeof(int32_t), nn,
		nn * sizeof(int32_t), nn * sizeof(double), m * sizeof(uint32_t), m * sizeof(double),
		n * sizeof(double), 2 * m * sizeof(uint32_t), 2 * m * sizeof(uint32_t), 2 * n * sizeof(uint32_t),
		m * sizeof(uint32_t), m * sizeof(double), n * sizeof(uint32_t),
		2 * m * sizeof(double), n * sizeof(double),
	};
	size_t bytes = distance_carve_total(sizes, sizeof(sizes) / sizeof(sizes[0]));
	if (distance_buf_reserve(&ws->scratch, bytes))
		return -1;
	char *c = ws->scratch.p;
	h->ha = distance_carve(&c, sizes[0]);
	h->ga = h->ha + n;
	h->gb = distance_carve(&c, sizes[1]);
	h->u = distance_carve(&c, sizes[2]);
	h->v = h->u + nn;
	h->rowm = distance_carve(&c, sizes[3]);
	h->colm = h->rowm + nn;
	h->minv = distance_carve(&c, sizes[4]);
	h->way = distance_carve(&c, sizes[5]);
	h->used = distance_carve(&c, sizes[6]);
	h->set = distance_carve(&c, sizes[7]);
	h->setd = distance_carve(&c, sizes[8]);
	h->touched = distance_carve(&c, sizes[9]);
	h->keyg = distance_carve(&c, sizes[10]);
	h->keyd = distance_carve(&c, sizes[11]);
	h->front.h = distance_carve(&c, sizes[12]);
	h->front.pos = h->front.h + m;
	h->gheap.h = distance_carve(&c, sizes[13]);
	h->gheap.pos = h->gheap.h + m;
	h->dheap.h = distance_carve(&c, sizes[14]);
	h->dheap.pos = h->dheap.h + n;
	h->near_j = distance_carve(&c, sizes[15]);
	h->near_c = distance_carve(&c, sizes[16]);
	h->gstack = distance_carve(&c, sizes[17]);
	h->front.hk = distance_carve(&c, sizes[18]);
	h->gheap.hk = h->front.hk + m;
	h->dheap.hk = distance_carve(&c, sizes[19]);
	h->front.key = h->minv;
	h->gheap.key = h->keyg;
	h->dheap.key = h->keyd;
	return 0;
}

/*
 * B's k-d tree and the pool of edges, in ws->wgeo: kept from the last
 * call when it was on the same points (the same pair, the other order),
 * else built.  0 or -1.
 */
static int geometry(struct distance_ws *ws, struct hung *h, const struct distance_split *s)
{
	size_t n = h->n, m = h->m, nn = h->nn, pt = sizeof(struct distance_pt);
	size_t pool = nn < EDGE_CACHE_MAX / EDGE_CACHE ? EDGE_CACHE * nn : EDGE_CACHE_MAX;
	size_t sizes[] = {
		m * pt, m * sizeof(double), m * sizeof(struct node), m * sizeof(uint32_t),
		2 * n * sizeof(uint32_t), pool * sizeof(uint32_t), pool * sizeof(double), pool * sizeof(double),
		(m <= SCAN_MAX ? m : 0) * sizeof(struct tpt),
	};
	int hit = ws->wvalid && ws->wn == n && ws->wm == m && !memcmp(ws->wkey.p, s->a, n * pt) &&
		  !memcmp((char *)ws->wkey.p + n * pt, s->b, m * pt);
	size_t bytes = distance_carve_total(sizes, sizeof(sizes) / sizeof(sizes[0]));
	if (!hit) {
		ws->wvalid = ws->wsmall = 0;   /* the small path's edges, if they were there, go */
		if (distance_buf_reserve(&ws->wgeo, bytes) || distance_buf_reserve(&ws->wkey, nn * pt))
			return -1;
	}
	char *c = ws->wgeo.p;
	h->pb = distance_carve(&c, sizes[0]);
	h->hb = distance_carve(&c, sizes[1]);
	h->node = distance_carve(&c, sizes[2]);
	h->idx = distance_carve(&c, sizes[3]);
	h->eoff = distance_carve(&c, sizes[4]);
	h->elen = h->eoff + n;
	h->pool_j = distance_carve(&c, sizes[5]);
	h->pool_c[0] = distance_carve(&c, sizes[6]);
	h->pool_c[1] = distance_carve(&c, sizes[7]);
	h->trav = distance_carve(&c, sizes[8]);
	h->pool_cap = pool;
	h->src = s->b;
	if (hit) {
		h->pool_n = ws->wpool_n;
		return 0;
	}
	h->pool_n = 0;
	for (size_t i = 0; i < n; i++)
		h->eoff[i] = NONE;
	for (size_t j = 0; j < m; j++)
		h->idx[j] = (uint32_t)j;
	if (m)
		build(h, h->idx, 0, m, 0);
	for (size_t j = 0; j < m; j++) {
		h->pb[j] = h->src[h->idx[j]];
		h->hb[j] = (h->pb[j].y - h->pb[j].x) * 0.5;
	}
	if (m <= SCAN_MAX)
		trav_order(h, 0, m, 0);
	memcpy(ws->wkey.p, s->a, n * pt);
	memcpy((char *)ws->wkey.p + n * pt, s->b, m * pt);
	ws->wn = n;
	ws->wm = m;
	ws->wvalid = 1;
	return 0;
}

/* The least sum of edge costs^order over perfect matchings of the finite parts. */
int distance_wasserstein_large(struct distance_ws *ws, const struct distance_split *s, unsigned order,
			       double *out)
{
	struct hung h = { .pa = s->a, .n = s->na, .m = s->nb, .nn = s->na + s->nb, .order = order };
	*out = 0;
	if (!h.nn)
		return 0;
	if (h.nn > INT32_MAX / 2 || carve(ws, &h) || geometry(ws, &h, s))
		return -1;
	/* GUDHI: (d - b) * 2 ** (1 / internal_p - 1), then ** order */
	for (size_t i = 0; i < h.n; i++) {
		h.ha[i] = (h.pa[i].y - h.pa[i].x) * 0.5;
		h.ga[i] = power(h.ha[i], order);
	}
	for (size_t j = 0; j < h.m; j++)
		h.gb[j] = power(h.hb[j], order);
	for (size_t i = 0; i < 2 * h.nn; i++) {
		h.u[i] = 0;
		h.rowm[i] = -1;
	}
	memset(h.used, 0, h.nn);
	reduce_columns(&h);
	for (size_t j = 0; j < h.m; j++) {
		h.minv[j] = INFINITY;
		h.front.pos[j] = h.gheap.pos[j] = NONE;
	}
	h.front.n = h.gheap.n = h.dheap.n = 0;
	for (size_t k = 0; k < h.n; k++)
		h.dheap.pos[k] = NONE;
	for (size_t j = 0; j < h.m; j++) {
		h.keyg[j] = h.gb[j] - h.v[j];
		ih_set(&h.gheap, (uint32_t)j);
	}
	for (size_t k = 0; k < h.n; k++) {
		h.keyd[k] = -h.v[h.m + k];
		ih_set(&h.dheap, (uint32_t)k);
	}
	reduce_rows(&h);
	h.gsize = 0;
	h.vg = h.n ? -h.keyd[h.dheap.h[0]] : 0;
	for (size_t k = 0; k < h.n; k++)
		if (h.colm[h.m + k] >= 0)
			try_group(&h, k, (size_t)h.colm[h.m + k]);
	for (size_t r = 0; r < h.nn; r++)
		if (h.rowm[r] < 0)
			augment(&h, r);
	double sum = 0;
	for (size_t r = 0; r < h.nn; r++) {
		size_t c = (size_t)h.rowm[r];
		if (r < h.n)
			sum += c < h.m ? power(linf(&h.pa[r], &h.pb[c]), order) : h.ga[r];
		else if (c < h.m)
			sum += h.gb[c];
	}
	ws->wpool_n = h.pool_n;
	*out = sum;
	return 0;
}

/* Points by birth, then death: a total order on finite points. */
static int by_point(const void *x, const void *y)
{
	const struct distance_pt *p = x, *q = y;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

/* Whether P's N points are in by_point() order already: the windows'
 * diagrams usually are, and sorting them again was a qsort() of each
 * side per call. */
static int sorted_by_point(const struct distance_pt *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (by_point(&p[i - 1], &p[i]) > 0)
			return 0;
	return 1;
}

/*
 * Order 1: take out the points both diagrams have (as multisets).  The
 * distance of order 1 is a transport distance for a metric (the
 * L-infinity distance, with the diagonal as one point at each point's
 * half lifetime: a metric, since the half lifetime is 1-Lipschitz), and
 * by Kantorovich-Rubinstein duality it depends only on the difference of
 * the two diagrams: what they share cancels.  Consecutive windows share
 * most of their points, so what is left is small.  Not for order 2,
 * whose cost is not a metric: there, sharing a point can make a
 * matching through it cheaper.  S's points are WS's own copies, sorted
 * and compacted here.
 */
static void drop_shared(struct distance_split *s)
{
	struct distance_pt *a = (struct distance_pt *)s->a, *b = (struct distance_pt *)s->b;
	if (!sorted_by_point(a, s->na))
		qsort(a, s->na, sizeof(*a), by_point);
	if (!sorted_by_point(b, s->nb))
		qsort(b, s->nb, sizeof(*b), by_point);
	size_t i = 0, j = 0, ka = 0, kb = 0;
	while (i < s->na && j < s->nb) {
		int c = by_point(&a[i], &b[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			a[ka++] = a[i++];
		} else {
			b[kb++] = b[j++];
		}
	}
	while (i < s->na)
		a[ka++] = a[i++];
	while (j < s->nb)
		b[kb++] = b[j++];
	s->na = ka;
	s->nb = kb;
}

int distance_wasserstein(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			 const struct tdp_interval *b, size_t nb, unsigned order, double *out)
{
	if (order != 1 && order != 2)
		return -2;
	struct distance_split s;
	if (distance_split(ws, a, na, b, nb, &s))
		return -1;
	if (s.nea != s.neb) {
		*out = INFINITY;
		return 0;
	}
	double ess = 0;   /* essential classes: 1-D transport, sorted births */
	for (size_t i = 0; i < s.nea; i++)
		ess += power(fabs(s.ea[i] - s.eb[i]), order);
	if (order == 1)
		drop_shared(&s);
	/* small diagrams (the pipeline's windows): from their equal points */
	double t;
	int rc = distance_wasserstein_small(ws, &s, order, &t);
	if (rc < 0 || (rc > 0 && distance_wasserstein_large(ws, &s, order, &t)))
		return -1;
	*out = order == 2 ? sqrt(t + ess) : t + ess;
	return 0;
}
