/*
 * reload_segment.c - the new segment of a reload (reload_segment.h).
 */
#define _GNU_SOURCE 1   /* SEEK_DATA, SEEK_HOLE */
#include "cli/reload_segment.h"

#include <string.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/commit.h"

#define PAGE 4096u

static bool zero(const unsigned char *p, uint64_t len)
{
	return !len || (p[0] == 0 && !memcmp(p, p + 1, len - 1));
}

/* LEN bytes at OLD_OFF of OLD to NEW_OFF of NEU, only the pages OLD holds
 * and that are not zero: a window store of a time scale is mostly holes,
 * and NEU's pages are zero already. */
static void copy_sparse(const struct tdp_shm *old, struct tdp_shm *neu, uint64_t old_off, uint64_t new_off,
			uint64_t len)
{
	const unsigned char *src = tdp_shm_at(old, 0);
	unsigned char *dst = tdp_shm_at(neu, 0);
	uint64_t end = old_off + len;
	for (off_t at = (off_t)old_off; (uint64_t)at < end;) {
		off_t d = lseek(old->fd, at, SEEK_DATA);
		if (d < 0 || (uint64_t)d >= end)
			return;
		off_t h = lseek(old->fd, d, SEEK_HOLE);
		uint64_t hi = h < 0 || (uint64_t)h > end ? end : (uint64_t)h;
		for (uint64_t p = (uint64_t)d; p < hi;) {
			uint64_t q = (p / PAGE + 1) * PAGE;
			q = q < hi ? q : hi;
			if (!zero(src + p, q - p))
				memcpy(dst + new_off + (p - old_off), src + p, q - p);
			p = q;
		}
		at = (off_t)hi;
	}
}

/* Stream I's next sequence number as ingest will go on from it: its
 * table entry, or the committed batch's redo entry when that is further. */
static uint64_t next_seq(const struct tdp_shm *seg, uint32_t i)
{
	uint64_t n = tdp_load_u64(&tdp_shm_stream(seg, i)->next_seq);
	const struct tdp_ingest_body *b = TDP_LIVE(tdp_shm_ingest_commit(seg));
	for (uint32_t e = 0; e < b->n && e < TDP_INGEST_BATCH; e++)
		if (b->e[e].stream == i && b->e[e].next_seq > n)
			n = b->e[e].next_seq;
	return n;
}

/* Scale S of NEU, kept from scale O of OLD: its regions, byte for byte. */
static void keep_scale(const struct tdp_shm *old, struct tdp_shm *neu, uint32_t o, uint32_t s)
{
	const struct tdp_scale_layout *a = &old->hdr->scales[o], *b = &neu->hdr->scales[s];
	uint64_t max = neu->hdr->max_streams;
	copy_sparse(old, neu, a->in_ring_off, b->in_ring_off, sizeof(struct tdp_ring));
	copy_sparse(old, neu, a->in_slots_off, b->in_slots_off, (uint64_t)a->in_slots * sizeof(struct tdp_point));
	copy_sparse(old, neu, a->out_ring_off, b->out_ring_off, sizeof(struct tdp_ring));
	copy_sparse(old, neu, a->out_slots_off, b->out_slots_off,
		    (uint64_t)a->out_slots * sizeof(struct tdp_result_desc));
	copy_sparse(old, neu, a->arena_off, b->arena_off, a->arena_size);
	copy_sparse(old, neu, a->wstate_off, b->wstate_off, max * sizeof(struct tdp_wstate));
	copy_sparse(old, neu, a->store_off, b->store_off, max * a->store_stride);
	memcpy(tdp_shm_dedup(neu, s), tdp_shm_dedup(old, o), max * sizeof(int64_t));
	for (uint32_t i = 0; i < neu->hdr->latest_streams; i++)
		*tdp_shm_latest(neu, s, i) = *tdp_shm_latest(old, o, i);
	struct tdp_proc *p = tdp_shm_proc(neu, tdp_slot_scale(s));
	*p = *tdp_shm_proc(old, tdp_slot_scale(o));
	p->scale = (int32_t)s;
}

/* Scale S of NEU, fresh: every stream known so far starts at its next
 * point (not at 0, whose points are gone).  WAS: the old scale of its
 * name (changed), whose published window numbers it must not use again,
 * or -1. */
static void fresh_scale(const struct tdp_shm *old, struct tdp_shm *neu, const struct tdp_scale_cfg *sc, uint32_t s,
			int32_t was, uint32_t nstreams)
{
	const int64_t *seen = was >= 0 ? tdp_shm_dedup(old, (uint32_t)was) : NULL;
	if (seen)
		memcpy(tdp_shm_dedup(neu, s), seen, neu->hdr->max_streams * sizeof(int64_t));
	for (uint32_t i = 0; i < nstreams; i++) {
		struct tdp_wstate *w = tdp_shm_wstate(neu, s, i);
		uint64_t n = next_seq(old, i);
		/* count windows: the first that begins at or after it, after
		 * the numbers published; time windows find theirs at the first
		 * point (publish drops the numbers taken) */
		uint64_t k = (n + sc->slide - 1) / sc->slide;
		if (seen && seen[i] >= 0 && (uint64_t)seen[i] >= k)
			k = (uint64_t)seen[i] + 1;
		for (int b = 0; b < 2; b++) {
			w->body[b].next_seq = n;
			w->body[b].next_window = sc->timed ? 0 : k;
		}
	}
}

/* Publish's commit, its per-scale positions and redo log moved by MAP. */
static void move_publish(const struct tdp_shm *old, struct tdp_shm *neu, const struct reload_map *map)
{
	const struct tdp_publish_body *a = TDP_LIVE(tdp_shm_publish_commit(old));
	struct tdp_publish_commit *pc = tdp_shm_publish_commit(neu);
	struct tdp_publish_body *b = &pc->body[1];
	int32_t to[TDP_MAX_SCALES];
	for (uint32_t o = 0; o < TDP_MAX_SCALES; o++)
		to[o] = -1;
	for (uint32_t s = 0; s < neu->hdr->nscales; s++)
		if (map->from[s] >= 0)
			to[map->from[s]] = (int32_t)s;
	b->sink_len = a->sink_len;
	b->events_len = a->events_len;
	for (uint32_t s = 0; s < neu->hdr->nscales; s++)
		if (map->from[s] >= 0) {
			b->consumed[s] = a->consumed[map->from[s]];
			b->released[s] = a->released[map->from[s]];
		}
	b->n = 0;
	for (uint32_t i = 0; i < a->n && i < TDP_PUBLISH_BATCH; i++) {
		const struct tdp_result_id *id = &a->ids[i];
		if (id->scale < TDP_MAX_SCALES && to[id->scale] >= 0) {
			b->ids[b->n] = *id;
			b->ids[b->n++].scale = (uint32_t)to[id->scale];
		}
	}
	/* Committed (not a first run): publish cuts the outputs back to it. */
	tdp_store_release_u64(&pc->ver, 1);
}

void reload_transplant(const struct tdp_shm *old, struct tdp_shm *neu, const struct tdp_config *ncfg,
		       const struct reload_map *map)
{
	struct tdp_shm_header *a = old->hdr, *b = neu->hdr;
	uint32_t nstreams = tdp_load_acquire_u32(&a->nstreams);
	memcpy(tdp_shm_stream(neu, 0), tdp_shm_stream(old, 0), (size_t)nstreams * sizeof(struct tdp_stream));
	memcpy(tdp_shm_ingest_commit(neu), tdp_shm_ingest_commit(old), sizeof(struct tdp_ingest_commit));
	struct tdp_kafka_block *k = tdp_shm_kafka(neu);
	memcpy(k, tdp_shm_kafka(old), sizeof(*k));
	tdp_kafka_reconnect(k);   /* ingest and publish start again */
	move_publish(old, neu, map);
	for (uint32_t s = 0; s < b->nscales; s++) {
		if (map->from[s] >= 0)
			keep_scale(old, neu, (uint32_t)map->from[s], s);
		else
			fresh_scale(old, neu, &ncfg->scales[s], s, map->was[s], nstreams);
	}
	/* ingest, publish and the exporter: their counters go on */
	uint32_t pairs[3][2] = {
		{tdp_slot_ingest(), tdp_slot_ingest()},
		{tdp_slot_publish(a), tdp_slot_publish(b)},
		{tdp_shm_has_exporter(a) ? tdp_slot_exporter(a) : UINT32_MAX,
		 tdp_shm_has_exporter(b) ? tdp_slot_exporter(b) : UINT32_MAX},
	};
	for (int j = 0; j < 3; j++) {
		if (pairs[j][0] == UINT32_MAX || pairs[j][1] == UINT32_MAX)
			continue;
		struct tdp_proc *p = tdp_shm_proc(neu, pairs[j][1]);
		struct tdp_proc keep = *p;   /* role, scale, pid, state as laid out */
		*p = *tdp_shm_proc(old, pairs[j][0]);
		p->role = keep.role;
		p->scale = keep.scale;
		p->pid = 0;
		p->state = TDP_PROC_NEW;
		p->done = 0;
		p->bell.sleeping = 0;
	}
	b->source_shrank = a->source_shrank;
	b->source_shrank_to = a->source_shrank_to;
	b->checkpoints = a->checkpoints;
	b->checkpoint_errors = a->checkpoint_errors;
	b->checkpoint_unix_ms = a->checkpoint_unix_ms;
	b->checkpoint_pause_ns = a->checkpoint_pause_ns;
	b->checkpoint_bytes = a->checkpoint_bytes;
	tdp_store_release_u32(&b->nstreams, nstreams);
}
