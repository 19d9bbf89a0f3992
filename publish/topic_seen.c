#include "publish/topic_seen.h"

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

int topic_seen_add(struct topic_seen *ts, const char *name, size_t len, uint32_t scale, uint64_t window)
{
	if (len == 0 || len >= TDP_STREAM_NAME_MAX || memchr(name, '\0', len) || scale >= TDP_MAX_SCALES)
		return 0;   /* not a name tdapipe gives a stream: not ours */
	if (2 * (ts->n + 1) > ts->cap && grow(ts) < 0)
		return -1;
	struct topic_seen_entry *e = slot(ts, name, len);
	if (!e->name[0]) {
		memcpy(e->name, name, len);
		e->name[len] = '\0';
		for (int s = 0; s < TDP_MAX_SCALES; s++)
			e->window[s] = -1;
		ts->n++;
	}
	if ((int64_t)window > e->window[scale])
		e->window[scale] = (int64_t)window;
	return 0;
}

const int64_t *topic_seen_get(const struct topic_seen *ts, const char *name)
{
	if (!ts->cap)
		return NULL;
	const struct topic_seen_entry *e = slot(ts, name, strlen(name));
	return e->name[0] ? e->window : NULL;
}
