#include "common/topic_seen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a of the first LEN bytes of S. */
static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

void topic_seen_init(struct topic_seen *ts)
{
	memset(ts, 0, sizeof(*ts));
}

void topic_seen_fini(struct topic_seen *ts)
{
	free(ts->e);
	free(ts->parts);
	memset(ts, 0, sizeof(*ts));
}

static struct topic_seen_entry *slot(const struct topic_seen *ts, const char *name, size_t len)
{
	size_t i = hash(name, len) & (ts->cap - 1);
	while (ts->e[i].name[0] && (strlen(ts->e[i].name) != len || memcmp(ts->e[i].name, name, len)))
		i = (i + 1) & (ts->cap - 1);
	return &ts->e[i];
}

static int grow(struct topic_seen *ts)
{
	struct topic_seen old = *ts;
	ts->cap = old.cap ? old.cap * 2 : 64;
	if (!(ts->e = calloc(ts->cap, sizeof(*ts->e)))) {
		*ts = old;
		return -1;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].name[0])
			*slot(ts, old.e[i].name, strlen(old.e[i].name)) = old.e[i];
	free(old.e);
	return 0;
}

/* NAME's entry, added if new; NULL on ENOMEM. */
static struct topic_seen_entry *entry(struct topic_seen *ts, const char *name, size_t len)
{
	if (2 * (ts->n + 1) > ts->cap && grow(ts) < 0)
		return NULL;
	struct topic_seen_entry *e = slot(ts, name, len);
	if (!e->name[0]) {
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		for (int s = 0; s < TDP_MAX_SCALES; s++)
			e->window[s] = -1;
		ts->n++;
	}
	return e;
}

/* Not a name tdapipe gives a stream: not ours. */
static bool foreign(const char *name, size_t len)
{
	return len == 0 || len >= TDP_STREAM_NAME_MAX || memchr(name, '\0', len);
}

int topic_seen_add(struct topic_seen *ts, const char *name, size_t len, uint32_t scale, uint64_t window)
{
	if (foreign(name, len) || scale >= TDP_MAX_SCALES)
		return 0;
	struct topic_seen_entry *e = entry(ts, name, len);
	if (!e)
		return -1;
	if ((int64_t)window > e->window[scale])
		e->window[scale] = (int64_t)window;
	return 0;
}

const struct topic_seen_entry *topic_seen_find(const struct topic_seen *ts, const char *name)
{
	if (!ts->cap)
		return NULL;
	const struct topic_seen_entry *e = slot(ts, name, strlen(name));
	return e->name[0] ? e : NULL;
}

const int64_t *topic_seen_get(const struct topic_seen *ts, const char *name)
{
	const struct topic_seen_entry *e = topic_seen_find(ts, name);
	return e ? e->window : NULL;
}

static struct topic_seen_part *part_of(const struct topic_seen *ts, const char *topic, int32_t partition)
{
	for (uint32_t i = 0; i < ts->nparts; i++)
		if (ts->parts[i].partition == partition && !strcmp(ts->parts[i].topic, topic))
			return &ts->parts[i];
	return NULL;
}

const struct topic_seen_part *topic_seen_part(const struct topic_seen *ts, const char *topic, int32_t partition)
{
	return part_of(ts, topic, partition);
}

int topic_seen_checkpoint(struct topic_seen *ts, const char *name, size_t len, const char *topic,
			  int32_t partition, uint64_t seq, uint64_t off, int64_t commit)
{
	if (foreign(name, len) || strlen(topic) >= TDP_KAFKA_TOPIC_MAX)
		return 0;
	struct topic_seen_part *tp = part_of(ts, topic, partition);
	if (!tp) {
		if (!ts->parts && !(ts->parts = calloc(TDP_KAFKA_MAX_PARTS, sizeof(*ts->parts))))
			return -1;
		if (ts->nparts >= TDP_KAFKA_MAX_PARTS)
			return -1;
		tp = &ts->parts[ts->nparts++];
		snprintf(tp->topic, sizeof(tp->topic), "%s", topic);
		tp->partition = partition;
		tp->commit = -1;
	}
	if (commit > tp->commit)
		tp->commit = commit;
	struct topic_seen_entry *e = entry(ts, name, len);
	if (!e)
		return -1;
	if (!e->part || seq > e->ck_seq) {
		e->part = (uint32_t)(tp - ts->parts) + 1;
		e->ck_seq = seq;
		e->ck_off = off;
	}
	return 0;
}
