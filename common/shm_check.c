#include "common/shm_check.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/record.h"
#include "common/shm.h"

/*
 * One region of the segment, as its header describes it: OFF_NAME says it
 * starts at OFF and holds N items (COUNT_NAME; NULL for a single struct)
 * of ELEM bytes each (ELEM_NAME when that size is itself a header field),
 * aligned to ALIGN.  Names are the header's field names, so that a refusal
 * says which field to distrust.
 */
struct region {
	const char *off_name;
	uint64_t off;
	const char *count_name;
	uint64_t n;
	const char *unit;
	const char *elem_name;
	uint64_t elem;
	uint64_t align;
};

/* Walking the regions in the order shm.h documents. */
struct walk {
	size_t size;
	uint64_t end;         /* where the previous region ends */
	char prev[64];        /* what it is, for messages */
	char *why;
	size_t whylen;
};

static int refuse(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The region R must start at or after the previous one's end, be aligned
 * for what it holds and end inside the segment. */
static int walk_region(struct walk *w, const struct region *r)
{
	char items[160];
	unsigned long long off = r->off, n = r->n, elem = r->elem;
	if (!r->count_name)
		snprintf(items, sizeof(items), "%llu bytes", elem);
	else if (r->elem_name)
		snprintf(items, sizeof(items), "%s %llu %s of %s %llu bytes", r->count_name, n, r->unit, r->elem_name,
			 elem);
	else if (elem == 1)
		snprintf(items, sizeof(items), "%s %llu bytes", r->count_name, n);
	else
		snprintf(items, sizeof(items), "%s %llu %s of %llu bytes", r->count_name, n, r->unit, elem);

	if (r->off < w->end)
		return refuse(w->why, w->whylen, "%s %llu lies before the end of %s (%llu)", r->off_name, off, w->prev,
			      (unsigned long long)w->end);
	if (r->off % r->align)
		return refuse(w->why, w->whylen, "%s %llu is not a multiple of %llu, the alignment of what it holds",
			      r->off_name, off, (unsigned long long)r->align);
	uint64_t bytes, stop;
	if (__builtin_mul_overflow(r->n, r->elem, &bytes) || __builtin_add_overflow(r->off, bytes, &stop))
		return refuse(w->why, w->whylen, "%s %llu + %s overflows 64 bits", r->off_name, off, items);
	if (stop > w->size)
		return refuse(w->why, w->whylen, "%s %llu + %s passes the segment's end (%zu bytes)", r->off_name, off,
			      items, w->size);
	w->end = stop;
	snprintf(w->prev, sizeof(w->prev), "the region at %.40s", r->off_name);
	return 0;
}

static bool pow2_slots(uint32_t n)
{
	return n >= 2 && (n & (n - 1)) == 0;
}

/* A scale's counts, before any region uses them. */
static int check_scale_counts(const struct tdp_scale_layout *l, uint32_t s, char *why, size_t whylen)
{
	if (!pow2_slots(l->in_slots))
		return refuse(why, whylen, "scales[%u].in_slots %u is not a power of two from 2", s, l->in_slots);
	if (!pow2_slots(l->out_slots))
		return refuse(why, whylen, "scales[%u].out_slots %u is not a power of two from 2", s, l->out_slots);
	if (!l->arena_size)
		return refuse(why, whylen, "scales[%u].arena_size is 0", s);
	if (!l->store_stride)
		return refuse(why, whylen, "scales[%u].store_stride is 0", s);
	if (l->store_dim < 1 || l->store_dim > TDP_MAX_DIM)
		return refuse(why, whylen, "scales[%u].store_dim %u is not from 1 to %d", s, l->store_dim, TDP_MAX_DIM);
	return 0;
}

/* The ring control block at OFF (inside the segment by now) must index the
 * SLOTS slots that SLOTS_NAME says. */
static int check_ring(const void *base, uint64_t off, const char *off_name, uint32_t slots,
		      const char *slots_name, char *why, size_t whylen)
{
	const struct tdp_ring *r = (const struct tdp_ring *)((const char *)base + off);
	if (r->ck.size != slots || r->ck.mask != slots - 1)
		return refuse(why, whylen, "the ring at %s has size %u and mask %#x, not the %s %u", off_name,
			      r->ck.size, r->ck.mask, slots_name, slots);
	return 0;
}

int tdp_shm_check(const void *base, size_t size, char *why, size_t whylen)
{
	const struct tdp_shm_header *h = base;
	if (size < sizeof(*h))
		return refuse(why, whylen, "the segment is %zu bytes, smaller than a header (%zu bytes)", size,
			      sizeof(*h));
	if (h->magic != TDP_SHM_MAGIC)
		return refuse(why, whylen, "bad magic %#llx: not a tdapipe segment", (unsigned long long)h->magic);
	uint32_t version = tdp_load_acquire_u32(&h->layout_version);
	if (version == 0)
		return refuse(why, whylen, "layout_version 0: the segment is not initialised (yet)");
	if (version != TDP_SHM_LAYOUT_VERSION)
		return refuse(why, whylen, "layout_version %u, this tdapipe reads %u: made by a different build", version,
			      TDP_SHM_LAYOUT_VERSION);
	if (h->header_size != sizeof(*h))
		return refuse(why, whylen, "header_size %u, expected %zu", h->header_size, sizeof(*h));
	if (h->total_size != size)
		return refuse(why, whylen, "total_size %llu, but the segment is %zu bytes (truncated or replaced?)",
			      (unsigned long long)h->total_size, size);
	if (!memchr(h->instance, 0, sizeof(h->instance)))
		return refuse(why, whylen, "the instance name is not NUL-terminated within %zu bytes",
			      sizeof(h->instance));
	if (h->nscales < 1 || h->nscales > TDP_MAX_SCALES)
		return refuse(why, whylen, "nscales %u is not from 1 to %d (TDP_MAX_SCALES)", h->nscales,
			      TDP_MAX_SCALES);
	if (h->nprocs != h->nscales + 2 && h->nprocs != h->nscales + 3)
		return refuse(why, whylen, "nprocs %u, expected nscales + 2 = %u (+ 1 with an exporter)", h->nprocs,
			      h->nscales + 2);
	if (h->latest_streams > h->max_streams)
		return refuse(why, whylen, "latest_streams %u above max_streams %u", h->latest_streams, h->max_streams);
	if (h->max_streams < 1)
		return refuse(why, whylen, "max_streams is 0");
	for (uint32_t s = 0; s < h->nscales; s++)
		if (check_scale_counts(&h->scales[s], s, why, whylen))
			return -1;

	struct walk w = {.size = size, .end = h->header_size, .prev = "the header", .why = why, .whylen = whylen};
	const struct region fixed[] = {
		{"config_off", h->config_off, "config_len", h->config_len, "bytes", NULL, 1, 1},
		{"procs_off", h->procs_off, "nprocs", h->nprocs, "slots", NULL, sizeof(struct tdp_proc),
		 alignof(struct tdp_proc)},
		{"streams_off", h->streams_off, "max_streams", h->max_streams, "entries", NULL, sizeof(struct tdp_stream),
		 alignof(struct tdp_stream)},
		{"ingest_commit_off", h->ingest_commit_off, NULL, 1, "", NULL, sizeof(struct tdp_ingest_commit),
		 alignof(struct tdp_ingest_commit)},
		{"publish_commit_off", h->publish_commit_off, NULL, 1, "", NULL, sizeof(struct tdp_publish_commit),
		 alignof(struct tdp_publish_commit)},
		{"dedup_off", h->dedup_off, "nscales x max_streams", (uint64_t)h->nscales * h->max_streams, "entries",
		 NULL, sizeof(int64_t), alignof(int64_t)},
		{"latest_off", h->latest_off, "nscales x latest_streams", (uint64_t)h->nscales * h->latest_streams,
		 "entries", NULL, sizeof(struct tdp_latest), alignof(struct tdp_latest)},
		{"latest_view_off", h->latest_view_off, "nscales x latest_streams",
		 (uint64_t)h->nscales * h->latest_streams, "entries", NULL, sizeof(struct tdp_latest_view),
		 alignof(struct tdp_latest_view)},
		{"kafka_off", h->kafka_off, NULL, 1, "", NULL, sizeof(struct tdp_kafka_block),
		 alignof(struct tdp_kafka_block)},
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (walk_region(&w, &fixed[i]))
			return -1;
	for (uint32_t s = 0; s < h->nscales; s++) {
		const struct tdp_scale_layout *l = &h->scales[s];
		char in_slots[48], out_slots[48], arena_size[48];
		snprintf(in_slots, sizeof(in_slots), "scales[%u].in_slots", s);
		snprintf(out_slots, sizeof(out_slots), "scales[%u].out_slots", s);
		snprintf(arena_size, sizeof(arena_size), "scales[%u].arena_size", s);
		struct region r[] = {
			{"in_ring_off", l->in_ring_off, NULL, 1, "", NULL, sizeof(struct tdp_ring), alignof(struct tdp_ring)},
			{"in_slots_off", l->in_slots_off, in_slots, l->in_slots, "slots", NULL, sizeof(struct tdp_point),
			 alignof(struct tdp_point)},
			{"out_ring_off", l->out_ring_off, NULL, 1, "", NULL, sizeof(struct tdp_ring), alignof(struct tdp_ring)},
			{"out_slots_off", l->out_slots_off, out_slots, l->out_slots, "slots", NULL,
			 sizeof(struct tdp_result_desc), alignof(struct tdp_result_desc)},
			{"arena_off", l->arena_off, arena_size, l->arena_size, "bytes", NULL, 1, sizeof(uint64_t)},
			{"wstate_off", l->wstate_off, "max_streams", h->max_streams, "states", NULL, sizeof(struct tdp_wstate),
			 alignof(struct tdp_wstate)},
		};
		char names[sizeof(r) / sizeof(r[0])][48];
		for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
			snprintf(names[i], sizeof(names[i]), "scales[%u].%s", s, r[i].off_name);
			r[i].off_name = names[i];
			if (walk_region(&w, &r[i]))
				return -1;
		}
		if (check_ring(base, l->in_ring_off, r[0].off_name, l->in_slots, in_slots, why, whylen) ||
		    check_ring(base, l->out_ring_off, r[2].off_name, l->out_slots, out_slots, why, whylen))
			return -1;
	}
	/* The window stores come last (reserved, backed when used). */
	for (uint32_t s = 0; s < h->nscales; s++) {
		const struct tdp_scale_layout *l = &h->scales[s];
		char off_name[48], stride_name[48];
		snprintf(off_name, sizeof(off_name), "scales[%u].store_off", s);
		snprintf(stride_name, sizeof(stride_name), "scales[%u].store_stride", s);
		struct region r = {off_name, l->store_off, "max_streams", h->max_streams, "stores", stride_name,
				   l->store_stride, sizeof(uint64_t)};
		if (walk_region(&w, &r))
			return -1;
	}
	return 0;
}

/* The header fields a config (and the length of its text, which is
 * config_len itself) determines, and how wide each is. */
#define HFIELD(f) {#f, offsetof(struct tdp_shm_header, f), sizeof(((struct tdp_shm_header *)0)->f)}
#define SFIELD(f) {#f, offsetof(struct tdp_scale_layout, f), sizeof(((struct tdp_scale_layout *)0)->f)}
struct field {
	const char *name;
	size_t off, len;
};
static const struct field header_fields[] = {
	HFIELD(header_size), HFIELD(nscales), HFIELD(nprocs), HFIELD(max_streams),
	HFIELD(config_off), HFIELD(procs_off), HFIELD(streams_off), HFIELD(ingest_commit_off),
	HFIELD(publish_commit_off), HFIELD(dedup_off), HFIELD(latest_off), HFIELD(latest_streams), HFIELD(latest_view_off),
	HFIELD(kafka_off),
};
static const struct field scale_fields[] = {
	SFIELD(in_ring_off), SFIELD(in_slots_off), SFIELD(out_ring_off), SFIELD(out_slots_off), SFIELD(arena_off),
	SFIELD(arena_size), SFIELD(in_slots), SFIELD(out_slots), SFIELD(wstate_off), SFIELD(store_off),
	SFIELD(store_stride), SFIELD(store_dim),
};

static uint64_t field_get(const void *base, const struct field *f)
{
	if (f->len == sizeof(uint32_t)) {
		uint32_t v;
		memcpy(&v, (const char *)base + f->off, sizeof(v));
		return v;
	}
	uint64_t v;
	memcpy(&v, (const char *)base + f->off, sizeof(v));
	return v;
}

int tdp_shm_check_config(const void *base, const struct tdp_config *cfg, char *why, size_t whylen)
{
	const struct tdp_shm_header *h = base;
	if (strncmp(h->instance, cfg->instance, sizeof(h->instance)) != 0)
		return refuse(why, whylen, "instance \"%s\", but its config names \"%s\"", h->instance, cfg->instance);
	if (cfg->nscales < 1 || cfg->nscales > TDP_MAX_SCALES)
		return refuse(why, whylen, "its config has %u scales", cfg->nscales);
	struct tdp_shm_header want;
	memset(&want, 0, sizeof(want));
	tdp_shm_layout(cfg, h->config_len, &want);
	for (size_t i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++) {
		const struct field *f = &header_fields[i];
		uint64_t have = field_get(h, f), need = field_get(&want, f);
		if (have != need)
			return refuse(why, whylen, "%s %llu, but its config text lays out %llu", f->name,
				      (unsigned long long)have, (unsigned long long)need);
	}
	for (uint32_t s = 0; s < cfg->nscales; s++)
		for (size_t i = 0; i < sizeof(scale_fields) / sizeof(scale_fields[0]); i++) {
			const struct field *f = &scale_fields[i];
			uint64_t have = field_get(&h->scales[s], f), need = field_get(&want.scales[s], f);
			if (have != need)
				return refuse(why, whylen, "scales[%u].%s %llu, but its config text lays out %llu "
					      "(scale \"%s\")", s, f->name, (unsigned long long)have,
					      (unsigned long long)need, cfg->scales[s].name);
		}
	/* Last: a scale that differs explains a total that differs. */
	if (h->total_size != want.total_size)
		return refuse(why, whylen, "total_size %llu, but its config text lays out %llu",
			      (unsigned long long)h->total_size, (unsigned long long)want.total_size);
	return 0;
}
