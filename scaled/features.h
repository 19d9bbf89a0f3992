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

#include "common/record.h"

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
 */
void features_betti(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
		    uint64_t *out);

/*
 * gudhi.representations.Landscape(num_landscapes=LAYERS, resolution=RES,
 * sample_range=[LO, HI]) of the finite intervals: OUT[k * RES + j] is
 * sqrt(2) times the k-th largest tent max(h - |x_j - m|, 0) (m, h the
 * interval's midpoint and half length), 0 where fewer intervals.
 */
void features_landscape(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			uint32_t layers, double *out);

/*
 * gudhi.representations.Silhouette(weight=lambda p: (p[1]-p[0])**POWER,
 * resolution=RES, sample_range=[LO, HI]) of the finite intervals: sqrt(2)
 * times the weighted mean of their tents; 0 without one.
 */
void features_silhouette(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			 double power, double *out);

/* numpy.linspace(LO, HI, RES)[I] exactly as numpy computes it (RES >= 2). */
double features_grid(double lo, double hi, uint32_t res, uint32_t i);

#endif
