/*
 * reload_segment.h - the new segment of a reload, made from the old one
 * (cli/reload_apply.c).
 *
 * A reload lays out a segment for the new config and carries over, from
 * the old one taken while no process of the pipeline ran, everything that
 * is not a changed scale's: the stream table, ingest's commit, the Kafka
 * block, publish's commit (its per-scale positions moved to the scales'
 * new places), and for every scale kept as it was its rings, arena, worker
 * states, window stores, de-duplication row, latest results and counters.
 * A scale added or changed starts fresh: each stream already known starts
 * at its next point, so its windows are those that begin after the
 * reload (count windows: the first whose start is at or after it).  A
 * changed scale keeps its de-duplication row and numbers its windows on
 * after the last one published, so no id is ever published twice (with a
 * larger slide, the windows whose numbers were taken are skipped).
 */
#ifndef TDP_RELOAD_SEGMENT_H
#define TDP_RELOAD_SEGMENT_H

#include <stdint.h>

#include "common/shm.h"

/* For each scale of the new config, the old scale it keeps (index), or -1
 * when it starts fresh. */
struct reload_map {
	int32_t from[TDP_MAX_SCALES];
	int32_t was[TDP_MAX_SCALES];   /* fresh ones: the old scale of that name (changed), or -1 (added) */
};

/* Carry OLD (stopped) over into NEU (just laid out for NCFG) by MAP.
 * Process slots: counters carried; pid and state are the caller's. */
void reload_transplant(const struct tdp_shm *old, struct tdp_shm *neu, const struct tdp_config *ncfg,
		       const struct reload_map *map);

#endif
