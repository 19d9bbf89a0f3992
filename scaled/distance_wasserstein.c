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
 * and Volgenant's form: one row added at a time, a Dijkstra on reduced
 * costs that stops at the first free column, dual potentials updated only
 * for what it settled), with the costs computed from the coordinates when
 * needed: memory O(n + m), never the (n + m)^2 matrix.
 *
 * The diagonal copies are where the square problem would spend its time:
 * a row's scan would visit all n copies of B's diagonal.  It does not
 * need to: a row r reaches every copy k at d_r + c(r, diag) - u_r - v_k,
 * so every unsettled copy's tentative distance is M - v_k for one scalar M
 * (the least of d_r + c(r, diag) - u_r over the rows scanned), and the
 * nearest is the copy of largest potential v_k, kept in a heap.  A scan
 * is then O(m + log n), whatever the number of copies.
 */
#include "scaled/distance.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance_common.h"

struct hung {
	const struct distance_pt *pa, *pb;
	size_t n, m, nn;   /* nn = n + m rows and columns */
	unsigned order;
	double *ga, *gb;   /* cost of each point to the diagonal */
	double *u, *v;     /* potentials: reduced cost c - u - v >= 0, 0 when matched */
	int32_t *rowm, *colm;
	double *minv;      /* tentative distance of B's columns */
	int32_t *way;      /* the row a settled column was reached from */
	uint8_t *used;     /* settled columns */
	int32_t *set;      /* settled columns in order */
	double *setd;      /* and their distances */
	uint32_t *heap;    /* B's diagonal copies not settled, by largest v */
	size_t hn;
};

static double power(double x, unsigned order)
{
	return order == 2 ? x * x : x;   /* numpy's x**2.0 is x*x */
}

static double linf(const struct distance_pt *p, const struct distance_pt *q)
{
	return fmax(fabs(p->x - q->x), fabs(p->y - q->y));   /* scipy's chebyshev */
}

/* Copy K before copy L in the heap: larger potential, then lower index. */
static int heap_before(const struct hung *h, uint32_t k, uint32_t l)
{
	double a = h->v[h->m + k], b = h->v[h->m + l];
	return a > b || (a == b && k < l);
}

static void heap_push(struct hung *h, uint32_t k)
{
	size_t i = h->hn++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!heap_before(h, k, h->heap[parent]))
			break;
		h->heap[i] = h->heap[parent];
		i = parent;
	}
	h->heap[i] = k;
}

static void heap_pop(struct hung *h)
{
	uint32_t k = h->heap[--h->hn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->hn)
			break;
		if (c + 1 < h->hn && heap_before(h, h->heap[c + 1], h->heap[c]))
			c++;
		if (!heap_before(h, h->heap[c], k))
			break;
		h->heap[i] = h->heap[c];
		i = c;
	}
	if (h->hn)
		h->heap[i] = k;
}

/* c(R, j) for B's point J. */
static double cost_b(const struct hung *h, size_t r, size_t j)
{
	return r < h->n ? power(linf(&h->pa[r], &h->pb[j]), h->order) : h->gb[j];
}

/*
 * Relaxes B's columns from row R at distance D; the unsettled one of
 * least tentative distance in *BJ (SIZE_MAX when none), its distance
 * returned.
 */
static double scan_row(struct hung *h, size_t r, double d, size_t *bj)
{
	double base = d - h->u[r], best = INFINITY;
	size_t m = h->m, arg = SIZE_MAX;
	for (size_t j = 0; j < m; j++) {
		if (h->used[j])
			continue;
		double val = base + cost_b(h, r, j) - h->v[j];
		if (val < h->minv[j]) {
			h->minv[j] = val;
			h->way[j] = (int32_t)r;
		}
		if (arg == SIZE_MAX || h->minv[j] < best) {
			best = h->minv[j];
			arg = j;
		}
	}
	*bj = arg;
	return best;
}

/* Assigns row S (free) by a shortest augmenting path. */
static void augment(struct hung *h, size_t s)
{
	size_t m = h->m, nset = 0;
	for (size_t j = 0; j < m; j++)
		h->minv[j] = INFINITY;
	double mdiag = INFINITY, d = 0, dist;
	int32_t mway = -1;
	size_t cur = s, sink;
	for (;;) {
		size_t bj;
		double best = scan_row(h, cur, d, &bj);
		double dv = d + (cur < h->n ? h->ga[cur] : 0.) - h->u[cur];
		if (dv < mdiag) {
			mdiag = dv;
			mway = (int32_t)cur;
		}
		if (h->hn) {
			size_t k = h->heap[0];
			double val = mdiag - h->v[m + k];
			if (bj == SIZE_MAX || val < best) {
				best = val;
				bj = m + k;
				heap_pop(h);
				h->way[bj] = mway;
			}
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
	for (size_t t = 0; t < nset; t++) {
		size_t c = (size_t)h->set[t];
		double dd = dist - h->setd[t];
		h->v[c] -= dd;
		if (h->colm[c] >= 0)
			h->u[h->colm[c]] += dd;
		h->used[c] = 0;
	}
	h->u[s] += dist;
	for (size_t t = 0; t < nset; t++)
		if ((size_t)h->set[t] >= m)
			heap_push(h, (uint32_t)((size_t)h->set[t] - m));
	for (size_t j = sink;;) {
		size_t r = (size_t)h->way[j];
		int32_t prev = h->rowm[r];
		h->rowm[r] = (int32_t)j;
		h->colm[j] = (int32_t)r;
		if (r == s)
			break;
		j = (size_t)prev;
	}
}

/*
 * Jonker and Volgenant's column reduction: each column's potential is its
 * least cost, and a column whose cheapest row is still free takes it (the
 * edge is tight).  Row potentials stay 0, which keeps every reduced cost
 * >= 0.  On diagrams that are perturbations of each other most points
 * find their partner here, and the augmenting paths that remain are short.
 */
static void reduce_columns(struct hung *h)
{
	size_t n = h->n, m = h->m, next_da = n;
	for (size_t j = 0; j < m; j++) {
		double best = h->gb[j];   /* any copy of A's diagonal */
		size_t arg = SIZE_MAX;
		for (size_t i = 0; i < n; i++) {
			double c = power(linf(&h->pa[i], &h->pb[j]), h->order);
			if (c < best) {
				best = c;
				arg = i;
			}
		}
		h->v[j] = best;
		if (arg == SIZE_MAX) {
			if (next_da < h->nn)
				arg = next_da++;
		} else if (h->rowm[arg] >= 0) {
			arg = SIZE_MAX;
		}
		if (arg != SIZE_MAX) {
			h->rowm[arg] = (int32_t)j;
			h->colm[j] = (int32_t)arg;
		}
	}
	/* B's diagonal copies: least cost 0, from A's diagonal copies */
	for (size_t k = 0; k < n && next_da < h->nn; k++) {
		h->rowm[next_da] = (int32_t)(m + k);
		h->colm[m + k] = (int32_t)next_da++;
	}
}

/* The least and second least c(R, col) - v(col) over all columns. */
static void two_least(const struct hung *h, size_t r, double *u1, size_t *j1, double *u2, size_t *j2)
{
	double a = INFINITY, b = INFINITY;
	size_t ja = SIZE_MAX, jb = SIZE_MAX;
	for (size_t j = 0; j < h->m; j++) {
		double val = cost_b(h, r, j) - h->v[j];
		if (ja == SIZE_MAX || val < a) {
			b = a;
			jb = ja;
			a = val;
			ja = j;
		} else if (jb == SIZE_MAX || val < b) {
			b = val;
			jb = j;
		}
	}
	/* B's diagonal copies: the two of largest potential */
	double cd = r < h->n ? h->ga[r] : 0.;
	for (size_t t = 0; t < 3 && t < h->hn; t++) {
		size_t k = h->heap[t];
		double val = cd - h->v[h->m + k];
		if (ja == SIZE_MAX || val < a) {
			b = a;
			jb = ja;
			a = val;
			ja = h->m + k;
		} else if (jb == SIZE_MAX || val < b) {
			b = val;
			jb = h->m + k;
		}
	}
	*u1 = a;
	*j1 = ja;
	*u2 = b;
	*j2 = jb;
}

/*
 * Jonker and Volgenant's augmenting row reduction: a free row takes its
 * cheapest column, whose potential drops until the row is indifferent
 * between it and its second choice; the row it displaces tries next.  An
 * auction without epsilon: cheap steps that settle most of the rows the
 * column reduction left free; two passes, and a bound on the steps so
 * rounding can never make it cycle.  Then every row's potential is its
 * least reduced cost, which makes the potentials feasible and every
 * matched edge tight for the augmentations.
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
			if (j2 == SIZE_MAX)
				continue;
			int32_t i0 = h->colm[j1];
			if (u1 < u2) {
				if (j1 >= h->m) {   /* the heap's top: move it */
					heap_pop(h);
					h->v[j1] -= u2 - u1;
					heap_push(h, (uint32_t)(j1 - h->m));
				} else {
					h->v[j1] -= u2 - u1;
				}
			} else if (i0 >= 0) {
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

static int carve(struct distance_ws *ws, struct hung *h)
{
	size_t n = h->n, m = h->m, nn = h->nn;
	size_t sizes[] = {
		n * sizeof(double), m * sizeof(double), 2 * nn * sizeof(double), 2 * nn * sizeof(int32_t),
		m * sizeof(double), nn * sizeof(int32_t), nn, nn * sizeof(int32_t), nn * sizeof(double),
		n * sizeof(uint32_t),
	};
	size_t bytes = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bytes += distance_carve_size(sizes[i]);
	if (distance_buf_reserve(&ws->scratch, bytes))
		return -1;
	char *c = ws->scratch.p;
	h->ga = distance_carve(&c, sizes[0]);
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
	h->heap = distance_carve(&c, sizes[9]);
	return 0;
}

/* The least sum of edge costs^order over perfect matchings of the finite parts. */
static int transport(struct distance_ws *ws, const struct distance_split *s, unsigned order, double *out)
{
	struct hung h = { .pa = s->a, .pb = s->b, .n = s->na, .m = s->nb, .nn = s->na + s->nb, .order = order };
	*out = 0;
	if (!h.nn)
		return 0;
	if (h.nn > INT32_MAX || carve(ws, &h))
		return -1;
	/* GUDHI: (d - b) * 2 ** (1 / internal_p - 1), then ** order */
	for (size_t i = 0; i < h.n; i++)
		h.ga[i] = power((h.pa[i].y - h.pa[i].x) * 0.5, order);
	for (size_t j = 0; j < h.m; j++)
		h.gb[j] = power((h.pb[j].y - h.pb[j].x) * 0.5, order);
	for (size_t i = 0; i < 2 * h.nn; i++) {
		h.u[i] = 0;   /* costs are >= 0: zero potentials are feasible */
		h.rowm[i] = -1;
	}
	memset(h.used, 0, h.nn);
	reduce_columns(&h);
	h.hn = 0;
	for (size_t k = 0; k < h.n; k++)
		heap_push(&h, (uint32_t)k);
	reduce_rows(&h);
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
	*out = sum;
	return 0;
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
	double t;
	if (transport(ws, &s, order, &t))
		return -1;
	*out = order == 2 ? sqrt(t + ess) : t + ess;
	return 0;
}
