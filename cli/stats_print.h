/*
 * stats_print.h - what `tdapipe stats` prints of a segment (tdapipe-stats(1)).
 *
 * The reading half of `tdapipe stats`, apart from finding, mapping and
 * guarding the segment (cli/stats.c), so that the fuzzer
 * (tests/fuzz/fuzz_stats_segment.c) runs exactly this code on segments
 * that passed the checks.
 */
#ifndef TDP_STATS_PRINT_H
#define TDP_STATS_PRINT_H

#include <stdbool.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"

/*
 * Append the time of the reading (RFC 3339 UTC, ms) and the instance's
 * uptime, then the processes, rings, time scales' gauges (when CFG has time
 * scales) and Kafka clients that SEG records to OUT,
 * as the text tables or as one JSON object (JSON) and a newline.  SEG
 * passed tdp_shm_check and tdp_shm_check_config against CFG, the config
 * parsed from its own text.  Only loads from SEG; the counts and indexes
 * that change while the pipeline runs are bounded here, where they are
 * used, and strings are copied out of the segment before they are
 * formatted, so that the caller may run it under tdp_bus_guard.
 */
void stats_print(struct tdp_buf *out, const struct tdp_shm *seg, const struct tdp_config *cfg, bool json);

#endif
