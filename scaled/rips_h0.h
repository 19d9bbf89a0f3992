/*
 * rips_h0.h - H0 of the Vietoris-Rips filtration of a point cloud.
 *
 * Every point is born at 0; the finite deaths are the edge lengths of a
 * Euclidean minimum spanning tree (Kruskal's merges are exactly the H0
 * deaths), plus one essential class.  Exact, O(n^2) time with Prim's
 * algorithm on the implicit complete graph, O(n) memory.
 */
#ifndef TDP_RIPS_H0_H
#define TDP_RIPS_H0_H

#include <stddef.h>

#include "common/record.h"

/* Bytes of scratch memory rips_h0() needs for N points. */
size_t rips_h0_scratch_size(size_t n);

/*
 * PTS: N points of DIM coordinates, row-major.  Writes to OUT (room for n
 * intervals) every interval [0, d) with d > 0 and one essential [0, +inf),
 * sorted as diagram_sort() does.  Returns the count; 0 when n == 0.
 * SCRATCH: rips_h0_scratch_size(n) bytes, 8-aligned.  No allocation.
 */
size_t rips_h0(const double *pts, size_t n, size_t dim, struct tdp_interval *out, void *scratch);

#endif
