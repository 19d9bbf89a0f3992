/*
 * kafka_source.h - ingest's Kafka consumer: one member of a consumer
 * group, reading the configured topics a batch of messages at a time.
 *
 * Every partition it is ever assigned is interned in the segment's Kafka
 * block (struct tdp_kpart); points carry that index, and ingest's commit
 * records, per index, the offset to resume at.  On assignment a partition
 * starts from there when this instance has read it before (a restarted
 * ingest continues exactly where the committed batch ended); else where
 * this instance first started it (kpart.start: read from, never committed
 * yet); else at its checkpoint's commit offset, which the results topic
 * holds (ks->restore reads it back, ks->restart_at says where: the start
 * of the windows its streams still need); else at the group's committed
 * offset, else at auto.offset.reset (earliest unless the properties say
 * otherwise).  Every assignment is counted in the Kafka block: publish
 * then reads the results topic again.
 */
#ifndef TDP_KAFKA_SOURCE_H
#define TDP_KAFKA_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/kafka.h"

#define KAFKA_SOURCE_BATCH 256

struct kafka_source {
	struct tdp_kafka_client *status;   /* first member: see common/kafka.c */
	struct tdp_kafka_block *kb;
	int64_t *pos;          /* [TDP_KAFKA_MAX_PARTS] next offset per partition index, -1 none (the caller's) */
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	rd_kafka_message_t *msgs[KAFKA_SOURCE_BATCH];
	ssize_t nmsgs;
	bool eof[TDP_KAFKA_MAX_PARTS];   /* stop_at_end: reached the end, nothing after */
	bool paused[TDP_KAFKA_MAX_PARTS];   /* kafka_source_pause(): not fetched */
	const rd_kafka_topic_t *last_rkt; /* the last message's partition, for a quick index */
	int32_t last_partition;
	int last_idx;
	uint64_t wm_ns;        /* when the watermarks were last read */
	bool overflowed;       /* more partitions than TDP_KAFKA_MAX_PARTS were offered */
	/* Called before partitions are given up (revoked): returns once what
	 * was read from them is published, so that whoever gets them next
	 * finds those results in the results topic. */
	void (*drain)(void *ctx);
	/* Called once per assignment holding partitions this instance has no
	 * position for, before they are assigned: read the checkpoints (-1:
	 * fatal, the consumer stops).  Then restart_at gives where such a
	 * partition starts, -1 when no checkpoint names it. */
	int (*restore)(void *ctx);
	int64_t (*restart_at)(void *ctx, const char *topic, int32_t partition);
	void *ctx;             /* the callbacks' */
	bool failed;           /* restore failed: kafka_source_poll returns -1 */
};

/*
 * Join CFG's group and subscribe to its topics.  POS (kept by the caller,
 * TDP_KAFKA_MAX_PARTS entries) says where partitions this instance read
 * before resume.  0, or -1 with ERR.
 */
int kafka_source_open(struct kafka_source *ks, const struct tdp_source_cfg *cfg, const char *instance,
		      struct tdp_kafka_block *kb, int64_t *pos, char *err, size_t errlen);
void kafka_source_close(struct kafka_source *ks);

/*
 * Up to KAFKA_SOURCE_BATCH messages within TIMEOUT_MS, in ks->msgs (error
 * events included: m->err set).  Frees the previous batch first.  Returns
 * how many, or -1 after a fatal error (logged).
 */
ssize_t kafka_source_poll(struct kafka_source *ks, int timeout_ms);

/* The partition index of M (interned when its partition was assigned), -1 if none. */
int kafka_source_part(struct kafka_source *ks, const rd_kafka_message_t *m);

/* Note that M (an RD_KAFKA_RESP_ERR__PARTITION_EOF event or a message) was seen. */
void kafka_source_seen(struct kafka_source *ks, const rd_kafka_message_t *m, int idx);

/*
 * Stop (PAUSE) or go on fetching partition IDX.  librdkafka drops what it
 * fetched of a paused partition and fetches again from the next message
 * not yet handed out: nothing is lost or read twice.  An assignment or a
 * revocation resumes it.  0, or -1 (logged).
 */
int kafka_source_pause(struct kafka_source *ks, int idx, bool pause);

/* stop_at_end: partitions are assigned and every one is at its end. */
bool kafka_source_at_end(const struct kafka_source *ks);

_Static_assert(offsetof(struct kafka_source, status) == 0, "the error callback finds status first");

#endif
