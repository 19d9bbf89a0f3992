/*
 * distance_common.c - the workspace of scaled/distance.h and the split of
 * diagrams into finite points and essential births.
 */
#include "scaled/distance_common.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct distance_ws *distance_ws_new(void)
{
	return calloc(1, sizeof(struct distance_ws));
}

void distance_ws_free(struct distance_ws *ws)
{
	if (!ws)
		return;
	free(ws->pa.p);
	free(ws->pb.p);
	free(ws->ea.p);
	free(ws->eb.p);
	free(ws->scratch.p);
	free(ws->cand.p);
	free(ws->wgeo.p);
	free(ws->wkey.p);
	for (size_t k = 0; k < DISTANCE_XSLOTS; k++) {
		free(ws->x[k].key.p);
		free(ws->x[k].off.p);
		free(ws->x[k].j.p);
		free(ws->x[k].c.p);
	}
	free(ws);
}

int distance_buf_reserve(struct distance_buf *buf, size_t bytes)
{
	if (bytes <= buf->cap)
		return 0;
	size_t cap = buf->cap ? buf->cap : 4096;
	while (cap < bytes) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	/* The contents need not survive: free first, so the peak is one block. */
	free(buf->p);
	buf->p = malloc(cap);
	buf->cap = buf->p ? cap : 0;
	return buf->p ? 0 : -1;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* Splits one diagram; *NF finite points into PTS, *NE births into ESS. */
static int split_one(struct distance_buf *pts, struct distance_buf *ess, const struct tdp_interval *iv,
		     size_t n, size_t *nf, size_t *ne)
{
	size_t f = 0, e = 0;
	for (size_t i = 0; i < n; i++) {
		if (iv[i].death == INFINITY)
			e++;
		else if (iv[i].death > iv[i].birth)
			f++;
	}
	if (distance_buf_reserve(pts, f * sizeof(struct distance_pt) + 1) ||
	    distance_buf_reserve(ess, e * sizeof(double) + 1))
		return -1;
	struct distance_pt *p = pts->p;
	double *b = ess->p;
	f = e = 0;
	for (size_t i = 0; i < n; i++) {
		if (iv[i].death == INFINITY)
			b[e++] = iv[i].birth;
		else if (iv[i].death > iv[i].birth)   /* length 0 is left out (and NaN) */
			p[f++] = (struct distance_pt){ iv[i].birth, iv[i].death };
	}
	qsort(b, e, sizeof(*b), cmp_double);
	*nf = f;
	*ne = e;
	return 0;
}

int distance_split(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
		   const struct tdp_interval *b, size_t nb, struct distance_split *out)
{
	if (split_one(&ws->pa, &ws->ea, a, na, &out->na, &out->nea) ||
	    split_one(&ws->pb, &ws->eb, b, nb, &out->nb, &out->neb))
		return -1;
	out->a = ws->pa.p;
	out->b = ws->pb.p;
	out->ea = ws->ea.p;
	out->eb = ws->eb.p;
	return 0;
}

static int before(const struct distance_pt *pt, uint32_t i, uint32_t j, int axis)
{
	double a = axis ? pt[i].y : pt[i].x, b = axis ? pt[j].y : pt[j].x;
	return a < b || (a == b && i < j);
}

static void swap32(uint32_t *v, size_t i, size_t j)
{
	uint32_t t = v[i];
	v[i] = v[j];
	v[j] = t;
}

void distance_select(const struct distance_pt *pt, uint32_t *v, size_t lo, size_t hi, size_t k, int axis)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, last = hi - 1;
		/* median of three, moved to LAST */
		if (before(pt, v[mid], v[lo], axis))
			swap32(v, mid, lo);
		if (before(pt, v[last], v[lo], axis))
			swap32(v, last, lo);
		if (before(pt, v[mid], v[last], axis))
			swap32(v, mid, last);
		size_t store = lo;
		for (size_t i = lo; i < last; i++)
			if (before(pt, v[i], v[last], axis))
				swap32(v, i, store++);
		swap32(v, store, last);
		if (k == store)
			return;
		if (k < store)
			hi = store;
		else
			lo = store + 1;
	}
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

int distance_search(struct distance_search *s, int (*decide)(void *arg, double r), void *arg, double *out)
{
	while (s->c0 < s->c1) {
		size_t lt, gt;
		double r = kth(s->cand, s->c0, s->c1, s->c0 + (s->c1 - s->c0) / 2);
		partition3(s->cand, s->c0, s->c1, r, &lt, &gt);   /* equal candidates go together */
		int got = decide(arg, r);
		if (got < 0)
			return -1;
		if (got) {
			s->ub = r;
			s->c1 = lt;
		} else {
			s->c0 = gt;
		}
	}
	*out = s->ub;
	return 0;
}
