/*
 * track_match.h - which feature of the previous window continues as which
 * feature of the current one: the matching that gives topological
 * features stable ids across windows ("Rips scales match consecutive
 * diagrams by the optimal bottleneck matching; ties broken
 * deterministically").  The caller (scaled/events*.c) passes one homology
 * dimension's tracked features of each window; an A left to the diagonal
 * dies, a B no A continues is born.
 *
 * The matching, of A's points to B's or to the diagonal (and B's to the
 * diagonal), with edges measured as distance_bottleneck() measures them
 * (scaled/distance.h): L-infinity max(|b1 - b2|, |d1 - d2|) between two
 * points; a point to the diagonal, its distance to its projection,
 * (d - b) / 2 as GUDHI computes it in doubles.  It is, in this order:
 *
 *   1. bottleneck-optimal: its longest edge is d*, distance_bottleneck()'s
 *      value, equal to gudhi.bottleneck_distance(A, B, e=0);
 *   2. of those, one of least total cost (sum of its edges, a point to
 *      the diagonal costing (d - b) / 2): the order 1 Wasserstein
 *      matching restricted to edges <= d*, so an id follows its nearest
 *      continuation, not an arbitrary one within d*;
 *   3. deterministic: the same inputs in the same order give the same
 *      output bits, whatever the workspace was used for before.  Ties
 *      are broken by index: equal points of A and B pair lowest index
 *      with lowest index (identical diagrams: the identity; duplicates
 *      in order), and each choice the algorithm makes between equal
 *      costs takes the lowest index (track_match.c).  Which of two
 *      matchings of exactly equal cost comes out is fixed that way, not
 *      by a further rule (continuing at cost h_a + h_b may lose to dying
 *      and being born at h_a + h_b).
 *
 * Cost.  d* as distance_bottleneck() computes it, then O(na nb) to find
 * the edges (<= d*, and not longer than both points' way to the
 * diagonal), then at most max(na, nb) shortest augmenting paths, each
 * O((E + n) log n) at worst (E the edges it scans; it stops at the first
 * free node it settles, usually after a few): O(n (na nb + n) log n) at
 * worst, n = na + nb.  Memory O(na + nb) plus an edge store of at most 2^18 edges
 * (3 MB; rows that do not fit are found again when scanned), plus
 * distance_bottleneck()'s, all kept in the workspace and reused: once it
 * has grown, a call allocates nothing.  CPU time per call, -O2
 * (bench/track_match_bench.c; a next window's diagram, or an unrelated
 * one): 10 + 10 points 1-2 us, 50 + 50 22-26 us, 500 + 500 10-15 ms,
 * of which d* (distance_bottleneck()) is 0.7, 9-11 us and 7-10 ms.
 */
#ifndef TDP_TRACK_MATCH_H
#define TDP_TRACK_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

#define TRACK_NONE UINT32_MAX   /* matched to the diagonal */

struct track_match_ws;

/* A workspace with nothing reserved yet; NULL when memory ran out. */
struct track_match_ws *track_match_ws_new(void);
void track_match_ws_free(struct track_match_ws *ws);

/*
 * A[0..na) previous, B[0..nb) current: finite intervals (birth < death,
 * both finite; birth == death is accepted, as a point on the diagonal),
 * in any order, at most 2^30 each.  Writes a_to_b[i] = the index in B
 * matched to A[i], or TRACK_NONE (matched to the diagonal: it dies); a B
 * no A_TO_B names is born.  0; -1 when memory ran out; -2 when an
 * interval is not finite or ends before it starts, or a side is larger
 * (a_to_b not written).
 */
int track_match(struct track_match_ws *ws, const struct tdp_interval *a, size_t na,
		const struct tdp_interval *b, size_t nb, uint32_t *a_to_b);

#endif
