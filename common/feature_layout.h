/*
 * feature_layout.h - where each feature lies in a result's features
 * section (record.h), shared by the scale worker that writes it, publish
 * that encodes it, and `tdapipe persistence --features`.
 *
 * The section holds, for every dimension of the scale's dims in
 * increasing order, one block of `width` doubles, whether or not the
 * dimension was computed (a dimension that was not has no features in
 * the encoded result).  In a block, the configured features in this
 * order: summary (count, essential, total, max, entropy; the counts are
 * exact in a double), betti, landscape (layer-major), silhouette, image,
 * then one distance per configured kind in enum tdp_distance order (NaN:
 * none, as when the previous window lacks the dimension; +inf: the
 * diagrams have different numbers of essential classes).
 */
#ifndef TDP_FEATURE_LAYOUT_H
#define TDP_FEATURE_LAYOUT_H

#include <stdint.h>

#include "common/config_features.h"
#include "common/record.h"

#define TDP_FEAT_ABSENT UINT32_MAX

enum { TDP_SUMMARY_COUNT, TDP_SUMMARY_ESSENTIAL, TDP_SUMMARY_TOTAL, TDP_SUMMARY_MAX, TDP_SUMMARY_ENTROPY,
       TDP_SUMMARY_VALUES };

struct tdp_feature_layout {
	uint32_t width;       /* doubles per dimension; 0: the scale has no features */
	uint32_t summary, betti, landscape, silhouette, image, distance; /* offsets, or TDP_FEAT_ABSENT */
	uint32_t ndist;       /* distances configured */
};

static inline uint32_t tdp_feature_take_(uint32_t *at, bool on, uint64_t n)
{
	if (!on)
		return TDP_FEAT_ABSENT;
	uint32_t off = *at;
	*at += (uint32_t)n;
	return off;
}

static inline struct tdp_feature_layout tdp_feature_layout(const struct tdp_features_cfg *f)
{
	struct tdp_feature_layout l = {0};
	uint32_t at = 0;
	l.summary = tdp_feature_take_(&at, f->summary, TDP_SUMMARY_VALUES);
	l.betti = tdp_feature_take_(&at, f->betti.on, f->betti.resolution);
	l.landscape = tdp_feature_take_(&at, f->landscape.on,
					(uint64_t)f->landscape.layers * f->landscape.resolution);
	l.silhouette = tdp_feature_take_(&at, f->silhouette.on, f->silhouette.resolution);
	l.image = tdp_feature_take_(&at, f->image.on, (uint64_t)f->image.resolution[0] * f->image.resolution[1]);
	l.ndist = (uint32_t)__builtin_popcount(f->distances);
	l.distance = tdp_feature_take_(&at, l.ndist > 0, l.ndist);
	l.width = at;
	return l;
}

/* Doubles of the features section of a result with dimensions DIMS_MASK. */
static inline uint32_t tdp_feature_section(const struct tdp_feature_layout *l, uint32_t dims_mask)
{
	return l->width * (uint32_t)__builtin_popcount(dims_mask & ((1u << TDP_MAX_HDIM) - 1));
}

#endif
