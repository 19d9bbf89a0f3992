/*
 * stats_rate.h - rates per second between two readings of a segment, for
 * `tdapipe stats --watch / --rate` and `tdapipe top` (tdapipe-stats(1),
 * RATES).
 *
 * A counter is a total since the instance started; a rate needs two
 * readings.  A sample copies the counters a rate is made of (under the
 * caller's tdp_bus_guard); two samples make the rates.
 */
#ifndef TDP_STATS_RATE_H
#define TDP_STATS_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"

#define STATS_MAX_PROCS (TDP_MAX_SCALES + 3)   /* ingest, the scales, publish, the exporter */

struct stats_sample {
	uint64_t mono_ns;                      /* CLOCK_MONOTONIC when taken */
	uint32_t nprocs;
	uint64_t in[STATS_MAX_PROCS];          /* per slot: records_in (scaled: points) */
	uint64_t out[STATS_MAX_PROCS];         /* per slot: records_out (publish: results written) */
	uint64_t bad[STATS_MAX_PROCS];         /* per slot: bad_records (ingest: dead letters) */
	uint64_t windows[STATS_MAX_PROCS];     /* per slot: windows computed */
};

/* Copy SEG's counters into S.  Only loads from SEG. */
void stats_sample_take(struct stats_sample *s, const struct tdp_shm *seg);

/* (B - A) / the seconds between them: a counter that went backwards (a
 * slot reset) counts from 0. */
double stats_rate(uint64_t a, uint64_t b, double secs);

/* Seconds from A to B (at least 1 ms, so a rate is always defined). */
double stats_interval(const struct stats_sample *a, const struct stats_sample *b);

/*
 * Append the rates from A to B to OUT: the text table, or (JSON) splice a
 * "rates" member into the JSON object OUT ends with ("...}\n"); A NULL
 * (no earlier reading yet) gives "rates": null and no table.
 */
void stats_rates_print(struct tdp_buf *out, const struct stats_sample *a, const struct stats_sample *b,
		       const struct tdp_shm *seg, const struct tdp_config *cfg, bool json);

#endif
