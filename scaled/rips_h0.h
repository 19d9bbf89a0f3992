/*
 * rips_h0.h - H0 of the Vietoris-Rips filtration in O(n) memory.
 *
 * Every point is born at 0; the finite deaths are the edge lengths of a
 * minimum spanning tree (Kruskal's merges are exactly the H0 deaths), plus
 * one essential class per component.  Exact, O(n^2) time with Prim's
 * algorithm on the implicit complete graph, O(n) memory.  Rips scales
 * that compute H0 alone use it instead of the engine, and the engine
 * (scaled/rips.c) falls back on it when its own H0 does not fit.
 */
#ifndef TDP_RIPS_H0_H
#define TDP_RIPS_H0_H

#include <stddef.h>

#include "common/record.h"
#include "scaled/rips.h"

/* Bytes of scratch memory rips_h0() needs for N points. */
size_t rips_h0_scratch_size(size_t n);

/*
 * H0 of IN (points or a lower-distance triangle, as rips_compute() takes
 * them) truncated at THRESHOLD (INFINITY: none): [0, d) for every tree
 * edge of length 0 < d <= THRESHOLD, and [0, inf) once for each component
 * of the complex at THRESHOLD (one, plus the tree edges above it).  OUT
 * (room for n intervals) gets them sorted as diagram_sort() does, *COUNT
 * their number (0 when n == 0).  SCRATCH: rips_h0_scratch_size(n) bytes,
 * 8-aligned.  No allocation.
 *
 * Returns 0; -ERANGE when a distance overflows a double; -EINVAL for a
 * NaN coordinate or a negative, NaN or infinite distance.  The same
 * errors, for the same inputs, as rips_compute().
 */
int rips_h0(const struct rips_input *in, double threshold, struct tdp_interval *out, void *scratch,
	    size_t *count);

#endif
