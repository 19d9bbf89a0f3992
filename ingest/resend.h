/*
 * resend.h - records a sender sends again after ingest restarts.
 *
 * A file or a Kafka topic is re-read from the committed offset; a tcp,
 * udp or stdin sender cannot be, and after a restart (ingest's, or the
 * whole instance's from a checkpoint) it typically reconnects and sends
 * again records it had already sent.  At ingest's start, once the
 * committed redo log is in the stream table, each stream's newest event
 * time (tdp_stream.newest_t) is its resume mark: a record of that stream
 * with an event time at or before the mark was stamped by a predecessor,
 * and is skipped (counted in tdp_proc.replayed, not a dead letter).
 *
 * This assumes each stream's times increase across the restart: a record
 * is recognised by its time alone.  Records without an event time are
 * never skipped; streams first seen after the start have no mark;
 * `source.resend: keep` turns the rule off (tdapipe.yaml(5)).
 */
#ifndef TDP_RESEND_H
#define TDP_RESEND_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/shm.h"

struct resend {
	int64_t *mark;   /* [stream index < n]: its newest_t at ingest's start (INT64_MIN: none) */
	uint32_t n;      /* streams interned at ingest's start; 0 when the rule is off */
};

/* The marks of SEG's streams, when SRC is a source that cannot be re-read
 * and its resend is skip; none otherwise.  0, or -ENOMEM. */
int resend_init(struct resend *r, const struct tdp_shm *seg, const struct tdp_source_cfg *src);
void resend_fini(struct resend *r);

/* Whether a record of stream IDX, with event time T when HAS_TIME, was
 * sent before ingest's start: skip it. */
static inline bool resend_seen(const struct resend *r, uint32_t idx, bool has_time, int64_t t)
{
	return has_time && idx < r->n && r->mark[idx] != INT64_MIN && t <= r->mark[idx];
}

#endif
