/*
 * rips_adj.h - the sparse path's adjacency (scaled/rips.c), which the
 * edge collapse (scaled/rips_collapse.c) rewrites in place: vertex i's
 * neighbours are ADJ[OFF[i]..OFF[i+1]), each entry neighbour << 32 |
 * rank, increasing (by neighbour).
 */
#ifndef TDP_RIPS_ADJ_H
#define TDP_RIPS_ADJ_H

#include <stddef.h>
#include <stdint.h>

/* The place of J in I's adjacency, -1 if not there. */
static inline int64_t rips_adj_find(const uint32_t *off, const uint64_t *adj, uint32_t i, uint32_t j)
{
	size_t lo = off[i], hi = off[i + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t w = (uint32_t)(adj[mid] >> 32);
		if (w == j)
			return (int64_t)mid;
		if (w < j)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

#endif
