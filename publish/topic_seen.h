/*
 * topic_seen.h - the results a Kafka results topic already holds, by
 * stream name: for each (stream, scale), the highest window found there.
 *
 * Publish reads the topic (read_committed) when it starts and again after
 * every partition assignment of the source, and never sends a result whose
 * window is not above what the topic holds.  Names, not stream indexes:
 * the results were written by this instance before it restarted, or by
 * another instance of the group, and their streams may not be interned
 * here yet.
 */
#ifndef TDP_TOPIC_SEEN_H
#define TDP_TOPIC_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"

struct topic_seen_entry {
	char name[TDP_STREAM_NAME_MAX];   /* "" = empty slot */
	int64_t window[TDP_MAX_SCALES];   /* -1 none */
};

struct topic_seen {
	struct topic_seen_entry *e;
	size_t cap, n;                     /* cap a power of two */
};

void topic_seen_init(struct topic_seen *ts);
void topic_seen_fini(struct topic_seen *ts);

/* Record that window WINDOW of (NAME, SCALE) is in the topic.  -1 on ENOMEM. */
int topic_seen_add(struct topic_seen *ts, const char *name, size_t len, uint32_t scale, uint64_t window);

/* The windows recorded for NAME ([TDP_MAX_SCALES]), or NULL. */
const int64_t *topic_seen_get(const struct topic_seen *ts, const char *name);

#endif
