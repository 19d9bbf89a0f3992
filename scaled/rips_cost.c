/*
 * rips_cost.c - the memory model of scaled/rips.c for one scale, kept
 * next to the engine it models so the two change together.
 */
#include "scaled/rips_cost.h"

#include <stdio.h>

#include "scaled/rips.h"

uint32_t tdp_scale_cloud_points(const struct tdp_scale_cfg *sc)
{
	uint64_t n = sc->window;
	if (sc->embed_dim > 0)
		n -= (uint64_t)(sc->embed_dim - 1) * sc->embed_lag;
	if (sc->max_points && n > sc->max_points)
		n = sc->max_points;
	return (uint32_t)n;
}

bool tdp_scale_uses_rips_engine(const struct tdp_scale_cfg *sc)
{
	return sc->complex == TDP_COMPLEX_RIPS && sc->dims_mask != 1;
}

uint64_t tdp_scale_rips_bytes(const struct tdp_scale_cfg *sc)
{
	if (sc->complex != TDP_COMPLEX_RIPS)
		return 0;
	uint64_t n = tdp_scale_cloud_points(sc);
	if (!tdp_scale_uses_rips_engine(sc))
		return 16 * n + (1 << 20);   /* H0 only: Prim's MST, O(n), any threshold */
	/* scaled/rips.c: distances 8 per pair, ranks 4 n^2, edges, their sort
	 * scratch, values and keys 48 more per pair (56 when the keys may be wide:
	 * the edge keys take 16 bytes, not 8); per point its binomials (up to
	 * 6), row maximum, union-find parent and H0 intervals. */
	int maxdim = 0;
	for (int d = 1; d <= RIPS_MAX_DIM; d++)
		if (sc->dims_mask >> d & 1)
			maxdim = d;
	uint64_t pair = rips_may_need_wide_keys(n, maxdim) ? 64 : 56;
	return pair * n * (n - 1) / 2 + 4 * n * n + 128 * n + (64 << 10);
}

int tdp_scale_rips_check(const struct tdp_scale_cfg *sc, char *why, size_t whylen)
{
	uint64_t need = tdp_scale_rips_bytes(sc);
	if (need <= (uint64_t)sc->memory_mb << 20)
		return 0;
	snprintf(why, whylen, "the distances and edge sort of up to %u points need %llu MiB, more than "
		 "memory_mb (%u): lower %s, or set max_points, or raise memory_mb",
		 tdp_scale_cloud_points(sc), (unsigned long long)((need + (1u << 20) - 1) >> 20),
		 sc->memory_mb, sc->timed ? "max_window_points" : "the window");
	return -1;
}
