/*
 * rips_balltree.h - the pairs of a point cloud within a distance, exactly,
 * through a ball tree: the neighbour search of the Rips engine's sparse
 * path (scaled/rips.c) for clouds of more coordinates than its grid serves.
 *
 * Exact means the very set {(i, j): rips_euclid(i, j) <= thr}, with the
 * distances computed by rips_euclid(), the formula and rounding of the
 * engine's dense distance matrix: the tree only skips pairs of balls that
 * are farther apart than the threshold (with a margin for rounding), and
 * every pair it reports was measured as the dense path measures it.
 *
 * A ball tree rather than a k-d tree: Ripser's clouds of many coordinates
 * lie near low-dimensional sets (o3: a 3-manifold in R^9), where balls
 * split along the cloud's own long axis shrink with depth but boxes split
 * one coordinate at a time do not (measured on o3, n 4096, threshold 1.4:
 * a k-d tree with leaves of 12 still measured 78% of the pairs).
 *
 * The tree lives in memory the caller gives it (rips_balltree_size()
 * bytes), so that the engine counts it against its memory limit.
 */
#ifndef TDP_RIPS_BALLTREE_H
#define TDP_RIPS_BALLTREE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Euclidean distance of P and Q (DIM coordinates): the one formula,
 * summation order and rounding of every Rips distance of a point cloud. */
static inline double rips_euclid(const double *p, const double *q, size_t dim)
{
	double s = 0;
	for (size_t c = 0; c < dim; c++) {
		double t = p[c] - q[c];
		s += t * t;
	}
	return sqrt(s);
}

struct rips_ballnode;

struct rips_balltree {
	size_t n, dim;
	uint32_t *perm;             /* the points, leaf by leaf */
	double *xyz;                /* their coordinates in that order (copied bit for bit) */
	double *key;                /* build scratch, per point */
	struct rips_ballnode *node; /* node 0 is the root */
	double *center;             /* per node, dim coordinates */
	size_t nodes;
};

/* Bytes of memory (8-aligned) a tree over N points of DIM coordinates
 * needs: about 6 DIM + 16 bytes a point. */
size_t rips_balltree_size(size_t n, size_t dim);

/* Build the tree over the N points PTS (DIM coordinates each, finite) in
 * MEM (rips_balltree_size(n, dim) bytes, 8-aligned).  PTS is not kept.
 * No allocation. */
void rips_balltree_build(struct rips_balltree *t, const double *pts, size_t n, size_t dim, void *mem);

/* Whether T's balls are finite: false when coordinates near the largest
 * double overflow the means; then T must not be searched. */
bool rips_balltree_finite(const struct rips_balltree *t);

/* Called once per pair (i, j), i > j, with d = rips_euclid(point i,
 * point j) <= thr, in no particular order. */
typedef void rips_pair_fn(void *ctx, uint32_t i, uint32_t j, double d);

/*
 * Every pair of T's points within THR (>= 0, finite), each once, to EMIT
 * (NULL: only counted).  Stops early once more than LIMIT pairs were met
 * and then returns LIMIT + 1; else returns the number of pairs.
 */
size_t rips_balltree_pairs(const struct rips_balltree *t, double thr, size_t limit, rips_pair_fn *emit,
			   void *ctx);

#endif
