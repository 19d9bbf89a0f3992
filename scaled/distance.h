/*
 * distance.h - the bottleneck and Wasserstein distances between two
 * persistence diagrams, with GUDHI's definitions (the oracle is
 * python3-gudhi 3.7 and POT: tests/oracle/check_distances.py).
 *
 * Each call takes one homology dimension's intervals of two diagrams, in
 * any order.  Intervals of length 0 (birth == death) are left out, as from
 * every feature; essential intervals (death +inf) are matched among
 * themselves by sorted births, as GUDHI does, and when the two diagrams
 * have different numbers of them the distance is +inf.  Two empty
 * diagrams are at distance 0.
 *
 * Both are exact, deterministic (same inputs, same bits, whatever was
 * asked before) and take memory linear in the number of intervals (the
 * bottleneck of small diagrams, na * nb <= 2^17, up to 1 MB more; the
 * Wasserstein of small diagrams, n + m <= 2048, an edge store of up to
 * ~2.6 MB), kept in a struct distance_ws that grows as needed and is
 * reused across calls; so a worker computing a distance per window
 * allocates only while windows grow.  The order 1 Wasserstein distance
 * leaves out the points both diagrams have (distance_wasserstein.c says
 * why that is exact); order 2 keeps them.
 */
#ifndef TDP_DISTANCE_H
#define TDP_DISTANCE_H

#include <stddef.h>

#include "common/record.h"

struct distance_ws;

/* A workspace with nothing reserved yet; NULL when memory ran out. */
struct distance_ws *distance_ws_new(void);
void distance_ws_free(struct distance_ws *ws);

/*
 * gudhi.bottleneck_distance(A, B, e=0): the smallest r such that the
 * points can be matched to each other or to the diagonal with every edge
 * at most r, edges measured as GUDHI measures them in doubles (L-infinity
 * between points; to the diagonal, the distance to the point's projection
 * ((b+d)/2, (b+d)/2)).  0 and *OUT, or -1 when memory ran out.
 */
int distance_bottleneck(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			const struct tdp_interval *b, size_t nb, double *out);

/*
 * gudhi.wasserstein.wasserstein_distance(A, B, order=ORDER,
 * internal_p=inf), essential parts kept: the p-th root of the least sum,
 * over matchings, of each edge's L-infinity length to the power ORDER (a
 * point to the diagonal: (d - b) / 2).  ORDER 1 or 2.  0 and *OUT, -1
 * when memory ran out, -2 for another ORDER.
 */
int distance_wasserstein(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			 const struct tdp_interval *b, size_t nb, unsigned order, double *out);

#endif
