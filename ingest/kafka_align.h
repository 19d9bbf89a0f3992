/*
 * kafka_align.h - Kafka partitions read in step for the scales that join
 * streams (scaled/join.c; tdapipe.yaml(5), JOIN).
 *
 * A join holds each listed stream's points until every listed stream's
 * watermark has passed them, in a store of TDP_PEND_MIN points per
 * stream, and leaves out a point that finds its stream's store full.  A
 * file or a socket brings the streams interleaved as they were written;
 * Kafka brings each partition as librdkafka fetched it, so a stream keyed
 * to one partition can arrive minutes of event time ahead of a stream on
 * another, and a dense one fills its store while the sparse one's
 * partition waits (measured: 3 streams on 3 partitions, one 100 times
 * denser: 86 of 199 results, thousands of points left out).
 *
 * After every poll, for each stream a join lists, ingest counts the points
 * it has sent that the scale has not yet put in order: the stream's next
 * sequence number past the last one the join settled, read from the
 * scale's committed state in the segment (struct tdp_wstate: settled,
 * last_seq), ring contents included.  A partition carrying a stream with
 * KAFKA_ALIGN_HIGH or more waiting is paused (librdkafka stops fetching
 * it), and resumed once every such stream of it is below KAFKA_ALIGN_LOW.
 * A poll that brings no message while the paused partitions' counts did
 * not fall resumes them all, until their streams are below KAFKA_ALIGN_LOW
 * again: the streams holding the join back are not in the topic yet, or
 * share a partition with those ahead, and reading on is the only way
 * forward (as it was before this).
 *
 * Results do not depend on it: only the order in which partitions are read
 * does, and a join's output is a function of each stream's points in their
 * own order; what it changes is that points are no longer left out.
 * TDP_KAFKA_ALIGN=off in ingest's environment turns it off (for tests).
 */
#ifndef TDP_KAFKA_ALIGN_H
#define TDP_KAFKA_ALIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/shm.h"

/* A quarter of a join's store: even a restarted ingest, which cannot tell
 * the points it sent before from the store's, stays within it. */
#define KAFKA_ALIGN_HIGH (TDP_PEND_MIN / 4)
#define KAFKA_ALIGN_LOW (TDP_PEND_MIN / 8)

struct ingest;

struct kafka_align {
	bool off;              /* TDP_KAFKA_ALIGN=off */
	uint64_t held;         /* at the last step: points waiting in the paused partitions' streams */
	uint64_t pauses;       /* partitions paused so far (logged at powers of two) */
	uint64_t forced;       /* partitions resumed by a poll that brought nothing */
	/* Resumed so: not paused again until its streams are below
	 * KAFKA_ALIGN_LOW (else each resumption would let one fetch in). */
	bool read_on[TDP_KAFKA_MAX_PARTS];
};

void kafka_align_init(struct kafka_align *a);

/* After a poll and its batch: pause and resume partitions.  GOT: messages
 * (not events) the poll brought. */
void kafka_align_step(struct kafka_align *a, struct ingest *in, uint64_t got);

#endif
