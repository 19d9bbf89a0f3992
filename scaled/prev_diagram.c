#include "scaled/prev_diagram.h"

#include <string.h>

#include "common/crash.h"
#include "common/log.h"

/* Slot SLOT of stream I's previous diagrams, reserved in /dev/shm the
 * first time this process touches the stream's slots. */
static struct tdp_interval *slot_of(struct scaled *w, uint32_t i, unsigned slot)
{
	const struct tdp_scale_cfg *sc = w->sc;
	uint64_t off = tdp_scale_prev_off(sc);
	if (!(w->prev_reserved[i] & 1)) {
		scaled_reserve(w, i, off, tdp_scale_prev_bytes(sc));
		w->prev_reserved[i] |= 1;
	}
	char *store = (char *)tdp_shm_store(&w->child.seg, w->s, i);
	return (struct tdp_interval *)(store + off) + (uint64_t)slot * tdp_scale_max_intervals(sc);
}

bool scaled_prev_view(struct scaled *w, uint32_t i, struct diagram_view *v)
{
	const struct tdp_wstate_body *b = &w->st[i];
	if (!b->prev_set)
		return false;
	v->mask = b->prev_mask;
	memcpy(v->count, b->prev_count, sizeof(v->count));
	v->iv = slot_of(w, i, b->prev_slot);
	return true;
}

void scaled_prev_keep(struct scaled *w, const struct tdp_result *r)
{
	struct tdp_wstate_body *b = &w->st[r->stream];
	unsigned slot = b->prev_set ? 1u - b->prev_slot : 0;
	struct tdp_interval *dst = slot_of(w, r->stream, slot);
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	uint32_t mask = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		b->prev_count[d] = 0;
		if (!(r->dims_mask >> d & 1))
			continue;
		if (tdp_result_has_diagram(r, d)) {
			memcpy(dst, iv, (size_t)r->count[d] * sizeof(*iv));
			dst += r->count[d];
			iv += r->count[d];
			b->prev_count[d] = r->count[d];
			mask |= 1u << d;
		}
	}
	tdp_crash_point();
	b->prev_mask = (uint16_t)mask;
	b->prev_slot = (uint8_t)slot;
	b->prev_set = 1;
}

void scaled_prev_recover(struct scaled *w, const struct tdp_result_desc *d)
{
	uint64_t at = d->off % w->arena_size;
	const struct tdp_result *r = (const struct tdp_result *)(w->arena + at);
	bool ok = at + d->len <= w->arena_size && d->len >= sizeof(*r) && r->size == d->len &&
		  r->stream == d->stream && r->window == d->window;
	uint64_t n = 0;
	for (unsigned k = 0; ok && k < TDP_MAX_HDIM; k++) {
		ok = r->count[k] <= tdp_scale_dim_cap(w->sc, (int)k);
		n += r->count[k];
	}
	if (ok && tdp_result_size(0) + n * sizeof(struct tdp_interval) <= d->len) {
		scaled_prev_keep(w, r);
		return;
	}
	tdp_log_warn("scale %s: the last result in the arena does not check out; the next window of its stream "
		"has no distances", w->sc->name);
	w->st[d->stream].prev_set = 0;
}
