/*
 * counter.h - the segment's counters: 64-bit slots, each with one writer,
 * read without locks by `tdapipe stats` and whoever else maps the segment.
 * The writer's update is a relaxed load and store (no read-modify-write:
 * nobody else writes), so a reader sees the old or the new value.
 */
#ifndef TDP_COUNTER_H
#define TDP_COUNTER_H

#include <stdint.h>

#include "common/atomics.h"

static inline void tdp_counter_add(uint64_t *c, uint64_t n)
{
	tdp_store_u64(c, tdp_load_u64(c) + n);
}

/* Raise a high-water mark to V. */
static inline void tdp_counter_max(uint64_t *c, uint64_t v)
{
	if (v > tdp_load_u64(c))
		tdp_store_u64(c, v);
}

static inline uint64_t tdp_counter_get(const uint64_t *c)
{
	return tdp_load_u64(c);
}

#endif
