/*
 * sublevel.c - H0 of the sublevel-set filtration of a scalar series, in
 * one linear pass.
 *
 * Vertices enter in increasing (value, index) order (ties broken by index,
 * so the order is total and the choice between equal minima is
 * deterministic; the diagram is the same either way).  On a path, vertex e
 * merges two components exactly when both neighbours entered before it,
 * i.e. e is a local maximum of the order.  At that moment the component on
 * its left is the run of vertices strictly between the previous greater
 * vertex and e, and the one on its right the run up to the next greater
 * vertex (a greater vertex has not entered yet, so it bounds the
 * component).  Each component's minimum is its oldest vertex, so by the
 * elder rule the younger of the two minima - the larger (value, index) -
 * dies at x[e].  (This is the classical pairing of minima with maxima of a
 * 1-D function; Edelsbrunner & Harer, Computational Topology, VII.)
 *
 * Previous/next greater vertices come from one monotone stack: a vertex is
 * popped by the first greater vertex to its right, and at that moment the
 * minimum of the run between them is known.  Each stack entry keeps the
 * minimum of the run to its left.  O(n) time plus sorting the output.
 */
#include "scaled/sublevel.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "scaled/diagram.h"

/* No vertex: an empty run. */
#define NONE SIZE_MAX

/* The filtration order: by value, ties broken by index. */
static inline bool vertex_less(const double *x, size_t a, size_t b)
{
	if (x[a] != x[b])
		return x[a] < x[b];
	return a < b;
}

/* The lower of two vertices (either may be NONE). */
static inline size_t vertex_min(const double *x, size_t a, size_t b)
{
	if (a == NONE)
		return b;
	if (b == NONE)
		return a;
	return vertex_less(x, a, b) ? a : b;
}

size_t sublevel_scratch_size(size_t n)
{
	return 2 * n * sizeof(size_t);
}

size_t sublevel_h0(const double *x, size_t n, struct tdp_interval *out, void *scratch)
{
	size_t *stack = scratch;          /* vertices, increasing index, decreasing order */
	size_t *left_min = stack + n;     /* lowest vertex of the run left of stack[k] */
	size_t top = 0, count = 0;
	size_t run_min = NONE;            /* lowest vertex since the stack's top */

	if (n == 0)
		return 0;
	/* i == n is a sentinel greater than everything: it pops the rest. */
	for (size_t i = 0; i <= n; i++) {
		while (top > 0 && (i == n || vertex_less(x, stack[top - 1], i))) {
			size_t e = stack[--top];
			size_t l = left_min[top], r = run_min;
			if (l != NONE && r != NONE) {
				/* e joins two components: the younger minimum dies */
				size_t young = vertex_less(x, l, r) ? r : l;
				if (x[e] > x[young]) {
					out[count].birth = x[young];
					out[count].death = x[e];
					count++;
				}
			}
			/* e and its left run belong to the run before the next top */
			run_min = vertex_min(x, vertex_min(x, run_min, l), e);
		}
		if (i == n)
			break;
		stack[top] = i;
		left_min[top] = run_min;
		top++;
		run_min = NONE;
	}
	/* Everything was folded into one run: its minimum never dies. */
	out[count].birth = x[run_min];
	out[count].death = INFINITY;
	count++;
	diagram_sort(out, count);
	return count;
}
