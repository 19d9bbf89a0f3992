/*
 * results_topic.h - reading a Kafka results topic back, read_committed.
 *
 * Every result tdapipe sends to Kafka carries headers: tdapipe-scale (the
 * scale name), tdapipe-window (the window number) and, when its points
 * came from a Kafka source, tdapipe-checkpoint:
 *
 *     SEQ OFF COMMIT PARTITION TOPIC
 *
 * meaning, once this result is in the topic: every window of the result's
 * stream not yet published starts at or after the stream's point SEQ,
 * which is the message at offset OFF of source partition (TOPIC,
 * PARTITION); and re-reading that partition from offset COMMIT meets
 * every point any of its streams still needs (COMMIT is also the offset
 * an exactly_once sink commits for the group in the same transaction).
 * Publish writes them (publish/checkpoint.c); both publish and ingest read
 * the topic back into a struct topic_seen.
 */
#ifndef TDP_RESULTS_TOPIC_H
#define TDP_RESULTS_TOPIC_H

#include <stdint.h>

#include "common/child.h"
#include "common/kafka.h"
#include "common/topic_seen.h"

#define RESULTS_CHECKPOINT_HEADER "tdapipe-checkpoint"

struct results_topic {
	const char *role;                 /* "publish" or "ingest": names the reader's client id */
	struct tdp_kafka_client *status;  /* where read errors are counted */
	int32_t nparts;                   /* partitions of the topic as last read */
	int64_t *read_to;                 /* [nparts]: how far each has been read back */
	struct topic_seen seen;           /* everything found so far */
};

void results_topic_init(struct results_topic *rt, const char *role, struct tdp_kafka_client *status);
void results_topic_fini(struct results_topic *rt);

/*
 * Read C's sink topic from where the last call stopped (its beginning, the
 * first time) to its end now, read_committed, into rt->seen.  Waits,
 * beating, while the cluster is unreachable.  0, or an exit code after
 * logging.
 */
int results_topic_read(struct results_topic *rt, struct tdp_child *c);

/* Format a tdapipe-checkpoint value into OUT. */
void results_checkpoint_format(char *out, size_t len, uint64_t seq, uint64_t off, int64_t commit,
			       const char *topic, int32_t partition);

/* Parse one (LEN bytes, not NUL-terminated); 0, or -1 if malformed. */
int results_checkpoint_parse(const char *v, size_t len, uint64_t *seq, uint64_t *off, int64_t *commit,
			     char topic[TDP_KAFKA_TOPIC_MAX], int32_t *partition);

#endif
