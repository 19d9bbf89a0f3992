/*
 * config_features.h - a scale's `features:` block (tdapipe.yaml(5),
 * FEATURES): which summaries of each window's diagrams its results carry,
 * on which grids, and which distances to the stream's previous window.
 *
 * Every grid has a fixed range and resolution from the config, never
 * fitted to a window, so that windows of one scale are comparable; the
 * definitions are GUDHI's (scaled/features.h, scaled/distance.h).
 */
#ifndef TDP_CONFIG_FEATURES_H
#define TDP_CONFIG_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDP_FEATURE_MAX_RES 10000u       /* points of a curve's grid */
#define TDP_FEATURE_MAX_LAYERS 100u      /* landscape layers */
#define TDP_FEATURE_MAX_PIXELS 250000u   /* pixels of an image */
#define TDP_FEATURE_MAX_WIDTH (1u << 20) /* values per dimension, all features together */

/* The distances to the previous window, in the order results list them. */
enum tdp_distance { TDP_DIST_BOTTLENECK, TDP_DIST_WASSERSTEIN1, TDP_DIST_WASSERSTEIN2, TDP_DISTANCES };

/* The distance's key in results and config ("bottleneck", ...). */
const char *tdp_distance_name(unsigned d);

/* betti, landscape and silhouette: a curve sampled at RES evenly spaced
 * points of [range[0], range[1]], ends included. */
struct tdp_curve_cfg {
	bool on;
	uint32_t resolution;
	double range[2];
	uint32_t layers;     /* landscape */
	double power;        /* silhouette: intervals weighted by their lifetime to this power */
};

/* image: a persistence image on (birth, persistence). */
struct tdp_image_cfg {
	bool on;
	double bandwidth;
	uint32_t resolution[2];  /* pixels along birth, along persistence */
	double range[4];         /* birth from, to; persistence from, to */
};

struct tdp_features_cfg {
	bool summary;            /* count, essential, total, max, entropy */
	struct tdp_curve_cfg betti, landscape, silhouette;
	struct tdp_image_cfg image;
	uint32_t distances;      /* bit (1 << enum tdp_distance) */
};

/* Whether F asks for anything at all. */
bool tdp_features_any(const struct tdp_features_cfg *f);

/* The config section that reads a features block into a struct
 * tdp_features_cfg (common/config_schema.h). */
struct tdp_cfg_section;
extern const struct tdp_cfg_section tdp_features_section;

/*
 * Read the features block in the YAML file PATH (its top level is the
 * block itself, as under a scale's `features:`) into *F, for
 * `tdapipe persistence --features`.  0, or -1 with
 * "PATH:LINE:COL: features.KEY: expected ..." in ERR.
 */
int tdp_features_load(const char *path, struct tdp_features_cfg *f, char *err, size_t errlen);

#endif
