/*
 * landmarks.h - max-min (farthest point) subsampling of a point cloud.
 *
 * When a window holds more points than a scale's max_points, the Rips
 * filtration is computed on M landmarks chosen greedily: the window's first
 * point, then again and again the point farthest from those chosen so far
 * (ties: the lowest index).  The landmarks cover the cloud within the last
 * max-min distance, so the diagram is within that distance (bottleneck) of
 * the full one (de Silva & Carlsson, "Topological estimation using witness
 * complexes", 2004).  Deterministic: the same window gives the same
 * landmarks.  Results say "landmarks": M when it applied.
 */
#ifndef TDP_LANDMARKS_H
#define TDP_LANDMARKS_H

#include <stddef.h>

/*
 * Choose M of the N points PTS (DIM coordinates each, row-major; M <= N)
 * and write them, in the order chosen, to OUT (M * DIM doubles).
 * SCRATCH: N doubles.  O(N * M * DIM) time, no allocation.
 */
void landmarks_maxmin(const double *pts, size_t n, size_t dim, size_t m, double *out, double *scratch);

#endif
