/*
 * config_join.h - a scale's `join:` (tdapipe.yaml(5), JOIN): points of
 * several streams made one stream of vectors on event time,
 *
 *   join: {streams: [temp, pressure, vib], every: 1s, max_age: 5s}
 *
 * At each tick t = k*every (epoch-aligned), the vector holds each listed
 * stream's latest value with event time <= t, in the order listed
 * (scaled/join.c).  The scale's windows run over the joined stream, named
 * after the scale.
 */
#ifndef TDP_CONFIG_JOIN_H
#define TDP_CONFIG_JOIN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/record.h"

struct tdp_join_cfg {
	bool on;
	uint32_t n;                                   /* listed streams, 1..TDP_MAX_DIM */
	char streams[TDP_MAX_DIM][TDP_STREAM_NAME_MAX];
	uint64_t every_ns;                            /* the ticks' spacing (required) */
	uint64_t max_age_ns;                          /* a value older than this at a tick: skipped
							 (0: no limit, the default) */
};

struct tdp_cfg_section;
struct tdp_cfg_ctx;
struct tdp_ynode;
struct tdp_scale_cfg;
extern const struct tdp_cfg_section tdp_join_section;

/* What a join asks of its scale (complex rips, no embedding, at most one
 * coordinate of each stream), checked once the scale is read. */
int tdp_join_scale_rules(struct tdp_cfg_ctx *c, const char *path, const struct tdp_scale_cfg *sc,
			 const struct tdp_ynode *join);

/* The index of stream NAME in J's list, or -1. */
int tdp_join_index(const struct tdp_join_cfg *j, const char *name);

#endif
