/*
 * sublevel.c - H0 of the sublevel-set filtration of a scalar series.
 *
 * Vertices enter in increasing (value, index) order; vertex i joins the
 * components of its already-present neighbours i-1 and i+1 at value x[i],
 * since edge (i, i±1) enters at max(x[i], x[i±1]) = x[i] for a neighbour
 * that is already present.  Components are kept in a union-find whose root
 * is always the component's lowest vertex (its minimum), so at a merge the
 * elder rule is a comparison of the two roots: the younger minimum - the
 * larger (value, index) - dies, the elder survives and stays root.
 */
#include "scaled/sublevel.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "scaled/diagram.h"

/* parent[] value of a vertex that has not entered the filtration yet. */
#define SUB_ABSENT SIZE_MAX

/*
 * The filtration order: by value, ties broken by index.  Breaking ties by
 * index makes the order total, so which of two equal minima "dies" is
 * deterministic (the diagram is the same either way: both were born at the
 * same value).
 */
static inline bool vertex_less(const double *x, size_t a, size_t b)
{
	if (x[a] != x[b])
		return x[a] < x[b];
	return a < b;
}

static void vertex_sift_down(const double *x, size_t *idx, size_t root, size_t n)
{
	size_t v = idx[root];

	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			break;
		if (child + 1 < n && vertex_less(x, idx[child], idx[child + 1]))
			child++;
		if (!vertex_less(x, v, idx[child]))
			break;
		idx[root] = idx[child];
		root = child;
	}
	idx[root] = v;
}

/*
 * Sort the indices IDX[0..n) by (x[i], i).  Heapsort rather than qsort():
 * the comparator needs X (qsort() has no context argument) and qsort() may
 * allocate; heapsort is in place, iterative and O(n log n) worst case.
 */
static void vertex_sort(const double *x, size_t *idx, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		vertex_sift_down(x, idx, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		size_t top = idx[0];

		idx[0] = idx[end];
		idx[end] = top;
		vertex_sift_down(x, idx, 0, end);
	}
}

/*
 * Root of I's component, halving the path on the way (every other node
 * is re-pointed to its grandparent): iterative, no recursion depth.
 */
static size_t component_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/*
 * Scratch: the sorted vertex order and the union-find parents, one size_t
 * each per value.
 */
size_t sublevel_scratch_size(size_t n)
{
	return 2 * n * sizeof(size_t);
}

/*
 * Write the H0 diagram of X[0..n) to OUT (room for n intervals): one finite
 * interval [x[younger root], x[i]) per merge where it has positive length,
 * then the essential [min x, +inf), all sorted by diagram_sort().  Returns
 * the count (at most n: n-1 merges plus the essential class); 0 for n == 0.
 * X must not contain NaN (ingest rejects it; with NaN the result is
 * meaningless but memory-safe).  SCRATCH: sublevel_scratch_size(n) bytes,
 * 8-aligned.  No allocation.
 *
 * A vertex that enters next to a present neighbour merges at its own value,
 * which is exactly a zero-length interval [x[i], x[i]); those are dropped,
 * as GUDHI's persistence() does by default (min_persistence = 0 keeps only
 * death - birth > 0).  Plateaus therefore yield no spurious classes.
 */
size_t sublevel_h0(const double *x, size_t n, struct tdp_interval *out, void *scratch)
{
	size_t *idx = scratch, *parent, count = 0;

	if (n == 0)
		return 0;
	parent = idx + n;
	for (size_t i = 0; i < n; i++) {
		idx[i] = i;
		parent[i] = SUB_ABSENT;
	}
	vertex_sort(x, idx, n);

	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];

		/* i - 1 wraps to SIZE_MAX for i == 0: out of range like n. */
		size_t nb[2] = { i - 1, i + 1 };

		parent[i] = i;
		for (int side = 0; side < 2; side++) {
			size_t j = nb[side];

			if (j >= n || parent[j] == SUB_ABSENT)
				continue;

			size_t ri = component_find(parent, i);
			size_t rj = component_find(parent, j);

			if (ri == rj)
				continue;
			/* Elder rule: the component with the later minimum dies. */
			size_t elder = vertex_less(x, ri, rj) ? ri : rj;
			size_t younger = elder == ri ? rj : ri;

			if (x[i] > x[younger]) {
				out[count].birth = x[younger];
				out[count].death = x[i];
				count++;
			}
			parent[younger] = elder;
		}
	}

	/* The first vertex in the order is the global minimum; it never dies. */
	out[count].birth = x[idx[0]];
	out[count].death = INFINITY;
	count++;
	diagram_sort(out, count);
	return count;
}
