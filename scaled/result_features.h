/*
 * result_features.h - a result's features section (record.h,
 * common/feature_layout.h): the summaries, curves and images of each of
 * its diagrams (scaled/features.h) and their distances to the previous
 * window's (scaled/distance.h), as the scale's features config asks.
 *
 * Used by the scale worker before it emits a result and by
 * `tdapipe persistence --features`, so both give the same numbers.
 */
#ifndef TDP_RESULT_FEATURES_H
#define TDP_RESULT_FEATURES_H

#include "common/config_features.h"
#include "common/feature_layout.h"
#include "common/record.h"
#include "scaled/diagram.h"

struct distance_ws;

struct result_features {
	const struct tdp_features_cfg *f;
	struct tdp_feature_layout l;
	struct distance_ws *dws;   /* scales with distances */
	double *scratch;           /* betti: two doubles per interval of the largest diagram */
	size_t scratch_n;
	struct image_memo *image;  /* image: the factors seen in earlier windows */
};

/* For results of up to MAX_INTERVALS intervals; 0, or -1 out of memory. */
int result_features_init(struct result_features *rf, const struct tdp_features_cfg *f, uint64_t max_intervals);
void result_features_fini(struct result_features *rf);

/*
 * Write R's features section after its intervals (room for
 * tdp_scale_max_result()) and set r->features; PREV is the stream's
 * previous window (NULL: R is its first), whose distances to R are then
 * in the section with TDP_RESULT_DISTANCE set.  0, or -1 out of memory
 * (a distance's workspace, or the Betti curve's scratch beyond what init
 * reserved).
 */
int result_features_fill(struct result_features *rf, struct tdp_result *r, const struct diagram_view *prev);

#endif
