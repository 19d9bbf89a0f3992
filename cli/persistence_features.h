/*
 * persistence_features.h - `tdapipe persistence --features FILE`: the
 * features and distances of each window, as a scale with that features
 * block would publish them (scaled/result_features.h), one JSON line per
 * window: {"window":K,"features":{..},"distance":{..}}.
 */
#ifndef TDP_PERSISTENCE_FEATURES_H
#define TDP_PERSISTENCE_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/config_features.h"
#include "scaled/result_features.h"

struct persistence_features {
	struct tdp_features_cfg cfg;
	struct result_features rf;
	struct tdp_buf cur;    /* the window's result block being built */
	struct tdp_buf prev;   /* the previous window's intervals */
	struct diagram_view prev_view;
	bool have_prev;
	struct tdp_buf line;
};

/* Load the features block in PATH; 0, or an exit code after a message. */
int persistence_features_init(struct persistence_features *pf, const char *path);
void persistence_features_fini(struct persistence_features *pf);

/* Start a window whose diagrams are those of DIMS_MASK. */
void persistence_features_start(struct persistence_features *pf, unsigned dims_mask);

/* Dimension D's diagram (dimensions in increasing order; one not given
 * was not computed).  0, or -1 out of memory. */
int persistence_features_add(struct persistence_features *pf, unsigned d, const struct tdp_interval *iv, size_t n);

/* Print window K's line.  0, or -1 out of memory. */
int persistence_features_print(struct persistence_features *pf, size_t k);

#endif
