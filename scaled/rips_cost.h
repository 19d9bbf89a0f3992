/*
 * rips_cost.h - what a rips scale costs the engine: the points it computes
 * on and the memory floor of one window (scaled/rips.c), checked against
 * the scale's memory_mb when the config is loaded.
 */
#ifndef TDP_RIPS_COST_H
#define TDP_RIPS_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

/* Points of the cloud a rips scale computes on: the window, less the
 * delay embedding's span, capped by max_points. */
uint32_t tdp_scale_cloud_points(const struct tdp_scale_cfg *sc);

/* Whether SC runs the full Rips engine: a rips scale computing more than
 * H0.  H0 alone, with or without a threshold, uses an O(n) spanning tree. */
bool tdp_scale_uses_rips_engine(const struct tdp_scale_cfg *sc);

/*
 * The floor of the Rips engine's memory for one window of scale SC: what
 * every dimension needs before any reduction, the distances (8 bytes a
 * pair), their ranks (a 4-byte square) and the edge sort (48 bytes a
 * pair): 32 n^2 and a little, 36 n^2 when the keys of its H2 or H3 may
 * be wide (rips_may_need_wide_keys()), for the scale's largest cloud
 * (test_rips checks it against the engine's peak).  A threshold may make
 * a window take the engine's sparse path, which needs less; the floor
 * assumes the dense one.  A config whose floor exceeds
 * memory_mb is refused at start; above the floor, what a window's
 * reduction needs depends on its data, and the worker caps it at
 * memory_mb while it runs.  H0 alone uses an O(n) spanning tree.  0 for
 * sublevel scales.
 */
uint64_t tdp_scale_rips_bytes(const struct tdp_scale_cfg *sc);

/* Whether the floor of SC fits its memory_mb: 0, or -1 with why not (and
 * what to change) in WHY, WHYLEN bytes with the NUL.  Always 0 for
 * sublevel scales. */
int tdp_scale_rips_check(const struct tdp_scale_cfg *sc, char *why, size_t whylen);

#endif
