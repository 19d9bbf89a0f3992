/*
 * sublevel.h - H0 of the sublevel-set filtration of a scalar series.
 *
 * The series x[0..n) lives on a path graph: vertex i has value x[i], edge
 * (i, i+1) enters at max(x[i], x[i+1]).  Every local minimum is born at its
 * value and dies, by the elder rule, when its component merges into one with
 * a lower (older) minimum.  The result is what GUDHI's CubicalComplex gives
 * with the series as top-dimensional cells, after dropping zero-length
 * intervals.
 */
#ifndef TDP_SUBLEVEL_H
#define TDP_SUBLEVEL_H

#include <stddef.h>

#include "common/record.h"

/* Bytes of scratch memory sublevel_h0() needs for a series of N values. */
size_t sublevel_scratch_size(size_t n);

/*
 * Write the H0 diagram of x[0..n) to OUT (room for n intervals): every
 * interval with death > birth and one essential interval [min x, +inf),
 * sorted as diagram_sort() does.  Returns the count; 0 when n == 0.
 * SCRATCH: sublevel_scratch_size(n) bytes, 8-aligned.  No allocation.
 */
size_t sublevel_h0(const double *x, size_t n, struct tdp_interval *out, void *scratch);

#endif
