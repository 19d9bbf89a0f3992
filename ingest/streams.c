#include "ingest/streams.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* strcmp(A, B) == 0 for the short names streams have, without the call. */
static inline bool same_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		if (*a != *b)
			return false;
		if (!*a)
			return true;
	}
}

static uint32_t count(const struct tdp_shm *seg)
{
	return tdp_load_acquire_u32(&seg->hdr->nstreams);
}

static void index_put(struct streams *st, const char *name, uint32_t idx)
{
	uint32_t i = hash_name(name) & st->mask;
	while (st->slots[i])
		i = (i + 1) & st->mask;
	st->slots[i] = idx + 1;
}

int streams_init(struct streams *st, const struct tdp_shm *seg)
{
	st->seg = seg;
	uint32_t cap = 16;
	while (cap < seg->hdr->max_streams * 2)
		cap *= 2;
	st->slots = calloc(cap, sizeof(uint32_t));
	if (!st->slots)
		return -ENOMEM;
	st->mask = cap - 1;
	st->last = -1;
	uint32_t n = count(seg);
	for (uint32_t i = 0; i < n; i++)
		index_put(st, tdp_shm_stream(seg, i)->name, i);
	return 0;
}

void streams_fini(struct streams *st)
{
	free(st->slots);
	st->slots = NULL;
}

/* NAME's index, or -1 with *SLOT the free slot it would take. */
static int64_t lookup(const struct streams *st, const char *name, uint32_t *slot)
{
	uint32_t i = hash_name(name) & st->mask;
	while (st->slots[i]) {
		uint32_t idx = st->slots[i] - 1;
		if (same_name(tdp_shm_stream(st->seg, idx)->name, name))
			return idx;
		i = (i + 1) & st->mask;
	}
	*slot = i;
	return -1;
}

/* Names are unique in the table (intern adds one only when lookup finds
 * none), so the last index matching NAME is the one lookup would find. */
int64_t streams_find(struct streams *st, const char *name)
{
	if (st->last >= 0 && same_name(tdp_shm_stream(st->seg, (uint32_t)st->last)->name, name))
		return st->last;
	uint32_t slot;
	int64_t idx = lookup(st, name, &slot);
	if (idx >= 0)
		st->last = idx;
	return idx;
}

int64_t streams_intern(struct streams *st, const char *name, const struct stream_origin *o)
{
	uint32_t i;
	int64_t found = lookup(st, name, &i);
	if (found >= 0)
		return found;
	uint32_t n = count(st->seg);
	if (n >= st->seg->hdr->max_streams)
		return -ENOSPC;
	struct tdp_stream *e = tdp_shm_stream(st->seg, n);
	memset(e, 0, sizeof(*e));
	strncpy(e->name, name, sizeof(e->name) - 1);
	/* Where it starts, before anyone can see the entry. */
	e->kpart = o->kpart;
	e->base_seq = e->next_seq = o->base_seq;
	e->base_off = o->base_off;
	e->newest_t = INT64_MIN;   /* no event time yet: no watermark */
	tdp_store_release_u32(&st->seg->hdr->nstreams, n + 1);
	st->slots[i] = n + 1;
	return n;
}
