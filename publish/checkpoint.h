/*
 * checkpoint.h - where each stream, and each source partition, could be
 * re-read from: what publish writes into every result it sends to a Kafka
 * results topic (the tdapipe-checkpoint header, common/results_topic.h)
 * and what an exactly_once sink commits for the source's group in each
 * transaction.
 *
 * A stream's checkpoint is a point (sequence number and source offset) at
 * or before the start of every window of it not yet published.  Per scale
 * that is the first point of the last window published (it is computed
 * again, and not sent again), or, before any, the stream's base point in
 * this segment (struct tdp_stream); the stream's checkpoint is the
 * earliest over the scales, and never earlier than one the topic already
 * holds for it (a restarted publish learns those from the read-back).  A
 * partition's commit offset is the earliest checkpoint offset over its
 * streams: every stream ingest met after it is new past it, since ingest
 * reads a partition in order.  All of them only ever move forward, so one
 * computed a while ago is still safe to restart from.
 */
#ifndef TDP_CHECKPOINT_H
#define TDP_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "common/record.h"
#include "common/shm.h"

struct cp_point {
	uint64_t seq1;   /* sequence number + 1; 0 = none */
	uint64_t off;
};

struct checkpoint {
	const struct tdp_shm *seg;
	struct cp_point *last;     /* [scale * max_streams + stream]: first point of the last window sent */
	struct cp_point *floor;    /* [stream]: from the results topic */
	int64_t commit[TDP_KAFKA_MAX_PARTS];   /* per source partition index, -1 none yet */
};

int checkpoint_init(struct checkpoint *cp, const struct tdp_shm *seg);
void checkpoint_fini(struct checkpoint *cp);

/* Result R of scale S is being sent. */
void checkpoint_sent(struct checkpoint *cp, uint32_t s, const struct tdp_result *r);

/* The topic holds checkpoint (SEQ, OFF) for STREAM. */
void checkpoint_floor(struct checkpoint *cp, uint32_t stream, uint64_t seq, uint64_t off);

/* Recompute every partition's commit offset from its streams' checkpoints. */
void checkpoint_refresh(struct checkpoint *cp);

/* The tdapipe-checkpoint value for STREAM into OUT; false when the stream
 * did not come from a Kafka partition. */
bool checkpoint_header(struct checkpoint *cp, uint32_t stream, char *out, size_t len);

/* The commit offsets of the partitions assigned to the source now (after
 * a refresh), for the transaction; NULL on ENOMEM. */
rd_kafka_topic_partition_list_t *checkpoint_offsets(struct checkpoint *cp);

#endif
