/*
 * features.h - summaries of one persistence diagram, with GUDHI's
 * definitions (issue 19; the oracle is python3-gudhi 3.7).
 *
 * Every function takes one dimension's intervals.  Intervals of length 0
 * (birth == death) are left out of every feature; essential intervals
 * (death +inf) count only where said.  Nothing here allocates.
 *
 * The first part of the features of issue 19: the engine side, checked
 * against GUDHI by tests/oracle/check_features.py; results do not carry
 * them yet.
 */
#ifndef TDP_FEATURES_H
#define TDP_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include <math.h>

#include "common/record.h"

/* Whether V counts as a finite interval: a finite death other than its
 * birth. */
static inline int features_finite(const struct tdp_interval *v)
{
	return !isinf(v->death) && v->death != v->birth;
}

struct feature_summary {
	uint64_t count;       /* finite intervals */
	uint64_t essential;   /* infinite ones */
	double total;         /* sum of the finite lifetimes, exact, rounded once */
	double max;           /* the largest finite lifetime, 0 when none */
	double entropy;       /* -sum p ln p, p = lifetime / total (gudhi Entropy, mode
				 "scalar"); 0 for an empty diagram; a p that underflows to 0
				 adds 0, its limit (GUDHI gives NaN there) */
};

void features_summary(const struct tdp_interval *iv, size_t n, struct feature_summary *out);

/*
 * gudhi.representations.BettiCurve(resolution=RES, sample_range=[LO, HI]):
 * at each of RES (>= 2) points x of numpy.linspace(LO, HI, RES), the
 * number of intervals with birth <= x < death, essential ones included.
 * On a sorted grid (finite LO < HI, as configs have it) each interval
 * adds to the index range it covers: O(N log RES + RES), SCRATCH unused.
 * Otherwise SCRATCH: 2 * N doubles, clobbered (sorted births and deaths:
 * O(N log N + RES) rather than O(N RES)).
 */
void features_betti(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
		    double *scratch, uint64_t *out);

/*
 * gudhi.representations.Landscape(num_landscapes=LAYERS, resolution=RES,
 * sample_range=[LO, HI]) of the finite intervals: OUT[k * RES + j] is
 * sqrt(2) times the k-th largest tent max(h - |x_j - m|, 0) (m, h the
 * interval's midpoint and half length), 0 where fewer intervals.  Each
 * interval visits only the grid points inside it (found by bisection):
 * O(N log RES + LAYERS * the points covered), plus O(LAYERS RES).
 */
void features_landscape(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			uint32_t layers, double *out);

/*
 * gudhi.representations.Silhouette(weight=lambda p: (p[1]-p[0])**POWER,
 * resolution=RES, sample_range=[LO, HI]) of the finite intervals: sqrt(2)
 * times the weighted mean of their tents; 0 without one.  Like the
 * landscape, each interval visits only the grid points inside it.
 */
void features_silhouette(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			 double power, double *out);

/* numpy.linspace(LO, HI, RES)[I] exactly as numpy 1.24 computes it (RES >= 1). */
double features_grid(double lo, double hi, uint32_t res, uint32_t i);

/*
 * gudhi.representations.PersistenceImage(bandwidth=BW, weight=lambda p: 1,
 * resolution=[RX, RY], im_range=[R[0], R[1], R[2], R[3]]) of the finite
 * intervals of length > 0, on (birth, persistence): RX * RY values in
 * GUDHI's order, pixel (i, j) at OUT[j * RX + i], i.e. row-major with the
 * persistence index j the row (GUDHI sums into a [RY, RX] array and
 * flattens it).  x_i = numpy.linspace(R[0], R[1], RX)[i], y_j likewise
 * on R[2], R[3], RY; RX, RY >= 1 (one point: the range's start).  Pixel
 * (i, j) is
 *
 *	sum over intervals of exp(-((b - x_i)^2 + (d - b - y_j)^2) / (2 BW^2))
 *	/ (BW^2 * 2 * pi)
 *
 * (the Gaussian's own normalisation, not the pixel area).  The exponential
 * is split into x and y factors, so it costs O(N (RX + RY)) exp() and
 * O(N RX RY) multiply-adds at worst, fewer where the factors are 0; equal
 * to GUDHI within 1e-12 relative (checked by
 * tests/oracle/check_features.py).  BW > 0 with 2 BW^2 a normal double.
 * 0, or -1 when memory for RX + RY factors ran out.
 */
int features_image(const struct tdp_interval *iv, size_t n, double bw, uint32_t rx, uint32_t ry,
		   const double range[4], double *out);

/*
 * The same image for a run of diagrams with one BW, RX, RY and RANGE (a
 * scale's windows), remembering the factors of the births and
 * persistences it has seen: consecutive windows share most of their
 * intervals, so most factors come back without an exp().  The same bits
 * whatever the memo holds (features_image() is this with a memo of one
 * row per axis).  The memo is at
 * most about MAX_BYTES (at least one row per axis); NULL when out of
 * memory.
 */
struct image_memo;
struct image_memo *image_memo_new(double bw, uint32_t rx, uint32_t ry, const double range[4], size_t max_bytes);
void image_memo_free(struct image_memo *m);
void features_image_memo(struct image_memo *m, const struct tdp_interval *iv, size_t n, double *out);

#endif
