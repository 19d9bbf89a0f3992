/*
 * compute.h - one window's diagrams, by the scale's complex.
 *
 * The engine entry point of a scale worker: given the window's points in
 * sequence order, fill the intervals of a result block.  All memory is
 * allocated once per scale from its window size (bounded, no per-window
 * allocation).
 */
#ifndef TDP_COMPUTE_H
#define TDP_COMPUTE_H

#include <stddef.h>

#include "common/config.h"
#include "common/record.h"

struct compute {
	const struct tdp_scale_cfg *sc;
	double *cloud;        /* delay-embedded points */
	void *scratch;
	size_t scratch_size;
};

int compute_init(struct compute *c, const struct tdp_scale_cfg *sc, uint32_t dim);
void compute_fini(struct compute *c);

/*
 * Diagrams of the window VALS (N points of DIM values) into R: sets
 * dims_mask and count[], writes the intervals after R (room for N * ndims).
 */
void compute_window(struct compute *c, const double *vals, size_t n, uint32_t dim, struct tdp_result *r);

#endif
