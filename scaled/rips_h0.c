/*
 * rips_h0.c - H0 of the Vietoris-Rips filtration of a point cloud.
 *
 * Every vertex is present at 0 and edge {p, q} enters at |p - q|, so H0 is
 * the union-find run of Kruskal's algorithm on the complete graph: each
 * merge kills one class at the current edge length, and the multiset of
 * merge lengths is the multiset of edge weights of any minimum spanning
 * tree (all MSTs share it).  Prim's algorithm finds an MST in O(n^2) time
 * without ever materialising the n(n-1)/2 edges, which for a dense
 * Euclidean graph is both faster and smaller than sorting them.
 */
#include "scaled/rips_h0.h"

#include <math.h>
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
 * Scratch: for every point not yet in the tree, its index and its squared
 * distance to the tree.
 */
size_t rips_h0_scratch_size(size_t n)
{
	return n * (sizeof(double) + sizeof(size_t));
}

/*
 * PTS: N points of DIM coordinates, row-major, all finite and small enough
 * (|c| < ~1e150) that squared distances do not overflow.  Writes to OUT
 * (room for n intervals) [0, d) for every MST edge of length d > 0 and one
 * essential [0, +inf), sorted by diagram_sort().  Returns the count; 0 when
 * n == 0.  SCRATCH: rips_h0_scratch_size(n) bytes, 8-aligned.  No
 * allocation.
 *
 * Edges of length 0 (duplicate points) are zero-length intervals and are
 * dropped, as GUDHI and Ripser do.  Prim works on squared distances:
 * sqrt is monotone, so the tree is the same and only n-1 roots are taken.
 */
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
static size_t rips_h0_line(const double *pts, size_t n, struct tdp_interval *out, double *sorted)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		sorted[i] = pts[i];
	qsort(sorted, n, sizeof(double), double_cmp);
	for (size_t i = 1; i < n; i++) {
		double gap = sorted[i] - sorted[i - 1];
		double d = sqrt(gap * gap);
		if (d > 0.0) {
			out[count].birth = 0.0;
			out[count].death = d;
			count++;
		}
	}
	out[count].birth = 0.0;
	out[count].death = INFINITY;
	count++;
	diagram_sort(out, count);
	return count;
}

size_t rips_h0(const double *pts, size_t n, size_t dim, struct tdp_interval *out, void *scratch)
{
	double *best = scratch;
	size_t *rest, nrest, last = 0, count = 0;

	if (n == 0)
		return 0;
	if (dim == 1)
		return rips_h0_line(pts, n, out, best);
	rest = (size_t *)(best + n);
	nrest = n - 1;
	/* Point 0 starts the tree; rest[0..nrest) are the points outside it. */
	for (size_t k = 0; k < nrest; k++) {
		rest[k] = k + 1;
		best[k] = INFINITY;
	}

	while (nrest > 0) {
		const double *p = pts + last * dim;
		size_t arg = 0;

		/* Relax against the point added last, and pick the nearest. */
		for (size_t k = 0; k < nrest; k++) {
			double d2 = point_dist2(p, pts + rest[k] * dim, dim);

			if (d2 < best[k])
				best[k] = d2;
			if (best[k] < best[arg])
				arg = k;
		}

		double d = sqrt(best[arg]);

		if (d > 0.0) {
			out[count].birth = 0.0;
			out[count].death = d;
			count++;
		}
		last = rest[arg];
		/* Swap-remove: order in rest[] does not matter. */
		nrest--;
		rest[arg] = rest[nrest];
		best[arg] = best[nrest];
	}

	out[count].birth = 0.0;
	out[count].death = INFINITY;
	count++;
	diagram_sort(out, count);
	return count;
}
