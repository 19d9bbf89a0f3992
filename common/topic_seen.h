/*
 * topic_seen.h - what a Kafka results topic already holds, by stream name:
 * for each (stream, scale), the highest window found there; for each
 * stream, the furthest checkpoint its results carried (the point its
 * unpublished windows start at or after, and that point's source
 * partition and offset); and for each source partition, the highest
 * commit offset (where re-reading it rebuilds every window still to
 * publish).  See common/results_topic.h for the header carrying them.
 *
 * Publish reads the topic (read_committed) when it starts and again after
 * every partition assignment of the source, and never sends a result whose
 * window is not above what the topic holds.  Ingest reads it when it is
 * assigned a partition it has no position for, and starts the partition
 * and its streams at their checkpoints.  Names, not stream indexes: the
 * results were written by this instance before it restarted, or by
 * another instance of the group, and their streams may not be interned
 * here yet.
 */
#ifndef TDP_TOPIC_SEEN_H
#define TDP_TOPIC_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"
#include "common/shm.h"

struct topic_seen_entry {
	char name[TDP_STREAM_NAME_MAX];   /* "" = empty slot */
	int64_t window[TDP_MAX_SCALES];   /* -1 none */
	uint32_t part;                    /* checkpoint: 1 + index in parts[], 0 = none */
	uint64_t ck_seq, ck_off;          /* checkpoint: sequence number and source offset of one point */
};

/* A source partition checkpoints named. */
struct topic_seen_part {
	char topic[TDP_KAFKA_TOPIC_MAX];
	int32_t partition;
	int64_t commit;                   /* highest commit offset found, -1 none */
};

struct topic_seen {
	struct topic_seen_entry *e;
	size_t cap, n;                     /* cap a power of two */
	struct topic_seen_part *parts;     /* [TDP_KAFKA_MAX_PARTS], allocated on first use */
	uint32_t nparts;
};

void topic_seen_init(struct topic_seen *ts);
void topic_seen_fini(struct topic_seen *ts);

/* Record that window WINDOW of (NAME, SCALE) is in the topic.  -1 on ENOMEM. */
int topic_seen_add(struct topic_seen *ts, const char *name, size_t len, uint32_t scale, uint64_t window);

/* The windows recorded for NAME ([TDP_MAX_SCALES]), or NULL. */
const int64_t *topic_seen_get(const struct topic_seen *ts, const char *name);

/*
 * Record a checkpoint of stream NAME: its point SEQ is at offset OFF of
 * (TOPIC, PARTITION), and that partition may be re-read from COMMIT.  The
 * furthest of each is kept (every one found was true when written, and
 * stays a safe place to restart from).  0, -1 on ENOMEM or a table full.
 */
int topic_seen_checkpoint(struct topic_seen *ts, const char *name, size_t len, const char *topic,
			  int32_t partition, uint64_t seq, uint64_t off, int64_t commit);

/* Stream NAME's entry (windows and checkpoint), or NULL. */
const struct topic_seen_entry *topic_seen_find(const struct topic_seen *ts, const char *name);

/* (TOPIC, PARTITION)'s entry, or NULL when no checkpoint named it. */
const struct topic_seen_part *topic_seen_part(const struct topic_seen *ts, const char *topic, int32_t partition);

#endif
