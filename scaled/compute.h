/*
 * compute.h - one window's diagrams, by the scale's complex.
 *
 * The engine entry point of a scale worker: given the window's points in
 * sequence order, fill the intervals of a result block.  Sublevel scales
 * read the diagram off their stream's sliding structure
 * (scaled/sublevel_slide.c), which the worker keeps up to date point by
 * point; Rips scales computing H0 only use the O(n) minimum spanning
 * tree (scaled/rips_h0.c); every other Rips scale runs the full engine
 * (scaled/rips.c).  Both apply the scale's threshold, after delay
 * embedding and, above max_points, max-min landmark subsampling.
 * Buffers are set up once per scale from its config; the Rips engine's
 * workspace is capped at the scale's memory_mb (its floor, the distances
 * and the edge sort, was checked against it at start).  A window always
 * gets its result: a dimension the engine could not compute is named in
 * the result's incomplete[] with the reason.
 */
#ifndef TDP_COMPUTE_H
#define TDP_COMPUTE_H

#include <stddef.h>

#include "common/config.h"
#include "common/record.h"
#include "scaled/rips.h"
#include "scaled/sublevel_slide.h"

struct compute {
	const struct tdp_scale_cfg *sc;
	double *cloud;        /* delay-embedded points */
	double *landmarks;    /* max_points * TDP_MAX_DIM */
	double *lm_scratch;   /* window doubles */
	void *scratch;        /* sublevel / rips_h0 */
	size_t scratch_size;
	rips_ws_t *rips;      /* the full engine, when the scale needs it */
};

int compute_init(struct compute *c, const struct tdp_scale_cfg *sc);
void compute_fini(struct compute *c);

/*
 * Diagrams of the window VALS (N points of DIM values) into R: sets
 * dims_mask, count[], incomplete[], landmarks and truncated, writes the
 * intervals after R (room for tdp_scale_max_intervals()).  Returns why
 * some dimension was not computed (the same for all that were not), or
 * TDP_INCOMPLETE_NONE.
 */
enum tdp_incomplete compute_window(struct compute *c, const double *vals, size_t n, uint32_t dim, struct tdp_result *r);

/* The same for a sublevel scale: the diagram SL holds now (its window's
 * points), into R.  O(points in the window); cannot fail. */
void compute_sublevel(struct compute *c, const struct sublevel_slide *sl, struct tdp_result *r);

#endif
