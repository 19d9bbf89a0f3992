/*
 * rips_h0.c - H0 of the Vietoris-Rips filtration in O(n) memory.
 *
 * Every vertex is present at 0 and edge {p, q} enters at d(p, q), so H0 is
 * the union-find run of Kruskal's algorithm on the complete graph: each
 * merge kills one class at the current edge length, and the multiset of
 * merge lengths is the multiset of edge weights of any minimum spanning
 * tree (all MSTs share it).  Truncated at a threshold, the complex is the
 * graph of the edges within it, whose components are those of the tree
 * without its longer edges: each tree edge above the threshold leaves one
 * more class alive for ever.  Prim's algorithm finds an MST in O(n^2) time
 * without ever materialising the n(n-1)/2 edges, which for a dense
 * Euclidean graph is both faster and smaller than sorting them.
 */
#include "scaled/rips_h0.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "scaled/diagram.h"

/* Squared Euclidean distance; the square root is taken once per MST edge. */
static inline double point_dist2(const double *a, const double *b, size_t dim)
{
	double s = 0.0;

	for (size_t k = 0; k < dim; k++) {
		double d = a[k] - b[k];

		s += d * d;
	}
	return s;
}

/*
 * Scratch: for every point not yet in the tree, its index and its
 * (squared, for points) distance to the tree.
 */
size_t rips_h0_scratch_size(size_t n)
{
	return n * (sizeof(double) + sizeof(size_t));
}

/* Tree edges, one at a time, into the diagram: finite deaths within the
 * threshold, one more essential class for each edge above it. */
struct h0_out {
	struct tdp_interval *iv;
	size_t count, essential;
	double thr;
};

static inline void h0_edge(struct h0_out *o, double d)
{
	if (d > o->thr)
		o->essential++;
	else if (d > 0.0) {	/* duplicate points: zero-length, dropped */
		o->iv[o->count].birth = 0.0;
		o->iv[o->count].death = d;
		o->count++;
	}
}

static size_t h0_finish(struct h0_out *o)
{
	for (size_t i = 0; i <= o->essential; i++) {
		o->iv[o->count].birth = 0.0;
		o->iv[o->count].death = INFINITY;
		o->count++;
	}
	diagram_sort(o->iv, o->count);
	return o->count;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * Points on a line (a scalar series taken as a cloud): the Euclidean MST
 * joins each point to its neighbour in sorted order, so the H0 deaths are
 * the gaps between consecutive sorted values.  O(n log n) instead of
 * O(n^2).  Deaths are computed as sqrt(gap^2), like the general path, so
 * the two agree to the bit.
 */
static int h0_line(const double *pts, size_t n, struct h0_out *o, double *sorted)
{
	for (size_t i = 0; i < n; i++)
		sorted[i] = pts[i];
	qsort(sorted, n, sizeof(double), double_cmp);
	for (size_t i = 1; i < n; i++) {
		double gap = sorted[i] - sorted[i - 1];
		double d = sqrt(gap * gap);
		if (isinf(d))
			return -ERANGE;
		h0_edge(o, d);
	}
	return 0;
}

/*
 * Prim's algorithm: the tree grows from point 0; BEST[k] is the distance
 * of REST[k], a point outside it, to the tree.  Each pair is measured
 * exactly once (when the first of its points joins), so checking every
 * distance measured checks them all for overflow.  LOWER: IN is a lower
 * triangle and distances are read; else points and distances are squared, the root
 * taken once per tree edge (sqrt is monotone: the same tree).
 */
static inline __attribute__((always_inline)) int h0_prim(const struct rips_input *in, bool lower,
							  struct h0_out *o, void *scratch)
{
	size_t n = in->n, dim = in->dim;
	const double *data = in->data;
	double *best = scratch;
	size_t *rest = (size_t *)(best + n), nrest = n - 1, last = 0;
	bool bad = false;

	for (size_t k = 0; k < nrest; k++) {
		rest[k] = k + 1;
		best[k] = INFINITY;
	}
	while (nrest > 0) {
		size_t arg = 0;

		/* Relax against the point added last, and pick the nearest. */
		for (size_t k = 0; k < nrest; k++) {
			size_t j = rest[k];
			double x;
			if (lower)
				x = last > j ? data[last * (last - 1) / 2 + j] : data[j * (j - 1) / 2 + last];
			else
				x = point_dist2(data + last * dim, data + j * dim, dim);
			if (!lower)
				bad |= !(x <= DBL_MAX);	/* overflowed */
			if (x < best[k])
				best[k] = x;
			if (best[k] < best[arg])
				arg = k;
		}
		if (bad)
			return -ERANGE;   /* rips_input_check() excluded every other bad value */
		h0_edge(o, lower ? best[arg] : sqrt(best[arg]));
		last = rest[arg];
		/* Swap-remove: order in rest[] does not matter. */
		nrest--;
		rest[arg] = rest[nrest];
		best[arg] = best[nrest];
	}
	return 0;
}

int rips_h0(const struct rips_input *in, double threshold, struct tdp_interval *out, void *scratch,
	    size_t *count)
{
	struct h0_out o = {out, 0, 0, threshold};
	int rc;

	*count = 0;
	if ((rc = rips_input_check(in)) || in->n == 0)
		return rc;
	if (in->kind == RIPS_LOWER_DISTANCE)
		rc = h0_prim(in, true, &o, scratch);
	else if (in->dim == 1)
		rc = h0_line(in->data, in->n, &o, scratch);
	else
		rc = h0_prim(in, false, &o, scratch);
	if (rc == 0)
		*count = h0_finish(&o);
	return rc;
}
