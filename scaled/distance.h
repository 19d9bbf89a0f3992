/*
 * distance.h - distances between two persistence diagrams of one
 * dimension, equal to GUDHI's (exact).
 */
#ifndef TDP_DISTANCE_H
#define TDP_DISTANCE_H

#include <stddef.h>

#include "common/record.h"

struct distance_ws;
struct distance_ws *distance_ws_new(void);
void distance_ws_free(struct distance_ws *ws);
int distance_bottleneck(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			const struct tdp_interval *b, size_t nb, double *out);
int distance_wasserstein(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
			 const struct tdp_interval *b, size_t nb, unsigned order, double *out);

#endif
