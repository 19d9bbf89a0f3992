/*
 * rips_balltree.c - exact fixed-radius pairs through a ball tree (see
 * rips_balltree.h).
 *
 * A node is a ball: the mean of its points and the largest distance from
 * it to one of them.  It splits at the median of the points' projections
 * on the line through two far points (a, the farthest from the mean; b,
 * the farthest from a), down to leaves of at most LEAF points or of
 * points that all coincide.  The pairs come from a self-join of the tree
 * with itself ("dual-tree"): two nodes whose balls are farther apart than
 * the threshold are skipped together, a pair of leaves is measured only
 * when their balls are close, and each pair of points is met once.
 *
 * Skipping is safe against rounding.  The triangle inequality bounds
 * every pair of the two balls by d(centers) - rA - rB in exact arithmetic;
 * each computed distance is within a relative 1e-14 of the exact one (a
 * sum of squares of a few dozen terms), so the prune, which asks
 * d(centers) > (rA + rB + thr)(1 + 1e-9), never skips a pair whose
 * computed distance is <= thr.  A pair that is not skipped is measured by
 * rips_euclid() on bit-identical copies of the coordinates: the dense
 * path's very number (in either order: rounding to nearest is symmetric,
 * so fl(p - q) = -fl(q - p) and the squares are equal).
 */
#include "scaled/rips_balltree.h"

#include <stdbool.h>
#include <string.h>

#define LEAF 8                       /* split a node of more points */
#define MIN_LEAF ((LEAF + 1) / 2)    /* every leaf but a lone root holds at least this many */
#define MARGIN (1 + 1e-9)

struct rips_ballnode {
	uint32_t begin, end;   /* its points: perm[begin..end) */
	uint32_t left, right;  /* children; left 0 for a leaf (the root is nobody's child) */
	double radius;
};

static size_t node_cap(size_t n)
{
	return 2 * (n / MIN_LEAF + 1);
}

size_t rips_balltree_size(size_t n, size_t dim)
{
	size_t perm = (n * sizeof(uint32_t) + 7) / 8 * 8;
	return perm + n * (dim + 1) * sizeof(double) +
	       node_cap(n) * (sizeof(struct rips_ballnode) + dim * sizeof(double));
}

/* Reorder A[lo..hi) so that A[k] holds the point of k-th least KEY,
 * those before it no greater, those after no less (Hoare's selection). */
static void select_kth(const double *key, uint32_t *a, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
	hi--;	/* inclusive from here */
	while (lo < hi) {
		double x = key[a[lo + (hi - lo) / 2]];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (key[a[i]] < x)
				i++;
			while (key[a[j]] > x)
				j--;
			if (i <= j) {
				uint32_t s = a[i];
				a[i++] = a[j];
				a[j--] = s;
			}
		}
		/* [lo, j] <= x, (j, i) == x, [i, hi] >= x */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* The point of perm[begin..end) farthest from X. */
static uint32_t farthest(const struct rips_balltree *t, const double *pts, uint32_t begin, uint32_t end,
			 const double *x, double *far)
{
	uint32_t best = t->perm[begin];
	*far = -1;
	for (uint32_t e = begin; e < end; e++) {
		double d = rips_euclid(pts + (size_t)t->perm[e] * t->dim, x, t->dim);
		if (d > *far) {
			*far = d;
			best = t->perm[e];
		}
	}
	return best;
}

/* Node ID over perm[begin..end): its ball, and its children if it splits. */
static void build(struct rips_balltree *t, const double *pts, size_t id, uint32_t begin, uint32_t end)
{
	struct rips_ballnode *nd = &t->node[id];
	size_t dim = t->dim;
	double *c = t->center + id * dim;
	nd->begin = begin;
	nd->end = end;
	nd->left = nd->right = 0;
	memset(c, 0, dim * sizeof(double));
	for (uint32_t e = begin; e < end; e++)
		for (size_t k = 0; k < dim; k++)
			c[k] += pts[(size_t)t->perm[e] * dim + k];
	for (size_t k = 0; k < dim; k++)
		c[k] /= end - begin;
	uint32_t a = farthest(t, pts, begin, end, c, &nd->radius);
	if (end - begin <= LEAF || t->nodes + 2 > node_cap(t->n))
		return;
	double ab;
	const double *pa = pts + (size_t)a * dim;
	const double *pb = pts + (size_t)farthest(t, pts, begin, end, pa, &ab) * dim;
	if (!(ab > 0))
		return;	/* every point at one place: a leaf */
	for (uint32_t e = begin; e < end; e++) {
		const double *p = pts + (size_t)t->perm[e] * dim;
		double s = 0;
		for (size_t k = 0; k < dim; k++)
			s += (p[k] - pa[k]) * (pb[k] - pa[k]);
		t->key[t->perm[e]] = s;
	}
	uint32_t mid = begin + (end - begin) / 2;
	select_kth(t->key, t->perm, begin, end, mid);
	nd->left = (uint32_t)t->nodes;
	nd->right = (uint32_t)t->nodes + 1;
	t->nodes += 2;
	build(t, pts, nd->left, begin, mid);
	build(t, pts, t->node[id].right, mid, end);
}

void rips_balltree_build(struct rips_balltree *t, const double *pts, size_t n, size_t dim, void *mem)
{
	size_t perm = (n * sizeof(uint32_t) + 7) / 8 * 8, cap = node_cap(n);
	t->n = n;
	t->dim = dim;
	t->perm = mem;
	t->xyz = (double *)((char *)mem + perm);
	t->key = t->xyz + n * dim;
	t->center = t->key + n;
	t->node = (struct rips_ballnode *)(t->center + cap * dim);
	t->nodes = 1;
	for (size_t i = 0; i < n; i++)
		t->perm[i] = (uint32_t)i;
	if (n)
		build(t, pts, 0, 0, (uint32_t)n);
	else
		t->nodes = 0;
	/* Leaf by leaf, so that measuring two leaves reads two runs. */
	for (size_t e = 0; e < n; e++)
		memcpy(t->xyz + e * dim, pts + (size_t)t->perm[e] * dim, dim * sizeof(double));
}

bool rips_balltree_finite(const struct rips_balltree *t)
{
	for (size_t i = 0; i < t->nodes; i++)
		if (!isfinite(t->node[i].radius))
			return false;
	return true;
}

struct join {
	const struct rips_balltree *t;
	double thr;
	size_t count, limit;
	rips_pair_fn *emit;
	void *ctx;
};

/* Whether no point of ball A is within THR of one of ball B. */
static inline bool apart(const struct join *j, const double *ca, double ra, const double *cb, double rb)
{
	double s = 0, m = (ra + rb + j->thr) * MARGIN;
	for (size_t c = 0; c < j->t->dim; c++) {
		double t = ca[c] - cb[c];
		s += t * t;
	}
	return s > m * m;	/* squares: no root, and the margin covers their rounding */
}

/* The pairs between leaf A and leaf B (A == B: within it). */
static void leaf_pairs(struct join *j, size_t a, size_t b)
{
	const struct rips_balltree *t = j->t;
	const struct rips_ballnode *A = &t->node[a], *B = &t->node[b];
	const double *cb = t->center + b * t->dim;
	size_t dim = t->dim;
	for (uint32_t x = A->begin; x < A->end; x++) {
		const double *px = t->xyz + (size_t)x * dim;
		uint32_t y = a == b ? x + 1 : B->begin;
		if (B->end - y >= 4 && apart(j, px, 0, cb, B->radius))
			continue;
		for (; y < B->end; y++) {
			/* Either order: fl(p - q) = -fl(q - p), the same square. */
			double d = rips_euclid(px, t->xyz + (size_t)y * dim, dim);
			if (d <= j->thr) {
				uint32_t i = t->perm[x], k = t->perm[y];
				if (j->emit && j->count < j->limit)
					j->emit(j->ctx, i > k ? i : k, i > k ? k : i, d);
				j->count++;
			}
		}
	}
}

static void join(struct join *j, size_t a, size_t b)
{
	const struct rips_balltree *t = j->t;
	const struct rips_ballnode *A = &t->node[a], *B = &t->node[b];
	if (j->count > j->limit ||
	    (a != b && apart(j, t->center + a * t->dim, A->radius, t->center + b * t->dim, B->radius)))
		return;
	bool aleaf = !A->left, bleaf = !B->left;
	if (aleaf && bleaf) {
		leaf_pairs(j, a, b);
	} else if (a == b) {
		join(j, A->left, A->left);
		join(j, A->left, A->right);
		join(j, A->right, A->right);
	} else if (bleaf || (!aleaf && A->radius >= B->radius)) {
		join(j, A->left, b);
		join(j, A->right, b);
	} else {
		join(j, a, B->left);
		join(j, a, B->right);
	}
}

size_t rips_balltree_pairs(const struct rips_balltree *t, double thr, size_t limit, rips_pair_fn *emit,
			   void *ctx)
{
	if (limit == SIZE_MAX)
		limit--;	/* LIMIT + 1 must fit */
	struct join j = {t, thr, 0, limit, emit, ctx};
	if (t->nodes)
		join(&j, 0, 0);
	return j.count > limit ? limit + 1 : j.count;
}
