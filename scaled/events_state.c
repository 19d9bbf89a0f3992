#include "scaled/events_state.h"

#include <math.h>
#include <string.h>

#include "common/crash.h"
#include "common/log.h"

struct tdp_events_slot *events_slot(struct scaled *w, uint32_t i, unsigned slot)
{
	const struct tdp_scale_cfg *sc = w->sc;
	uint64_t off = tdp_scale_events_off(sc);
	if (!(w->prev_reserved[i] & 2)) {
		scaled_reserve(w, i, off, tdp_scale_events_bytes(sc));
		w->prev_reserved[i] |= 2;
	}
	char *store = (char *)tdp_shm_store(&w->child.seg, w->s, i);
	return (struct tdp_events_slot *)(store + off + slot * tdp_scale_events_slot_bytes(sc));
}

struct tdp_events_slot *events_state_now(struct scaled *w, uint32_t i)
{
	const struct tdp_wstate_body *b = &w->st[i];
	return b->ev_set ? events_slot(w, i, b->ev_slot) : NULL;
}

struct tdp_events_slot *events_state_next(struct scaled *w, uint32_t i)
{
	const struct tdp_wstate_body *b = &w->st[i];
	return events_slot(w, i, b->ev_set ? 1u - b->ev_slot : 0);
}

void events_state_switch(struct scaled *w, uint32_t i)
{
	struct tdp_wstate_body *b = &w->st[i];
	tdp_crash_point();
	b->ev_slot = (uint8_t)(b->ev_set ? 1u - b->ev_slot : 0);
	b->ev_set = 1;
}

void events_history_push(const struct scaled *w, struct tdp_events_slot *from, struct tdp_events_slot *to,
			 double x)
{
	uint32_t cap = w->sc->anomaly.on ? w->sc->anomaly.history : 0;
	if (!cap)
		return;
	to->hist_n = from ? from->hist_n : 0;
	to->hist_pos = from ? from->hist_pos : 0;
	if (from && to->hist_n)
		memcpy(events_history(to), events_history(from), sizeof(double) * cap);
	if (isnan(x))
		return;
	events_history(to)[to->hist_pos] = x;
	to->hist_pos = to->hist_pos + 1 < cap ? to->hist_pos + 1 : 0;
	if (to->hist_n < cap)
		to->hist_n++;
}

void scaled_events_recover(struct scaled *w, const struct tdp_result_desc *d)
{
	uint64_t at = d->off % w->arena_size;
	const struct tdp_result *r = (const struct tdp_result *)(w->arena + at);
	uint64_t cap = tdp_scale_max_intervals(w->sc);
	bool ok = at + d->len <= w->arena_size && d->len >= sizeof(*r) && r->size == d->len &&
		  r->stream == d->stream && r->window == d->window && (r->flags & TDP_RESULT_EVENTS);
	for (unsigned k = 0; ok && k < TDP_MAX_HDIM; k++)
		ok = r->count[k] <= tdp_scale_dim_cap(w->sc, (int)k);
	uint64_t n = ok ? tdp_result_nintervals(r) : 0;
	uint64_t head = tdp_result_size(0) + n * sizeof(struct tdp_interval) + (uint64_t)r->features * sizeof(double);
	const struct tdp_result_events *e = NULL;
	if (ok && head + sizeof(*e) <= d->len) {
		e = tdp_result_events_const(r, (uint32_t)n);
		ok = e->nlive <= cap && e->nevents <= 3 * cap + 1 &&
		     head + sizeof(*e) + ((uint64_t)e->nevents + e->nlive) * sizeof(struct tdp_event) <= d->len &&
		     (w->sc->track.on || !e->nlive);
	} else {
		ok = false;
	}
	if (!ok) {
		tdp_log_warn("scale %s: the last result in the arena does not check out; tracking and scores of its "
			"stream start again", w->sc->name);
		w->st[d->stream].ev_set = 0;
		return;
	}
	struct tdp_events_slot *now = events_state_now(w, d->stream), *next = events_state_next(w, d->stream);
	events_history_push(w, now, next, e->value);
	next->next_id = e->next_id;
	next->nlive = e->nlive;
	if (e->nlive)
		memcpy(events_live(w, next), tdp_result_event_list(e) + e->nevents, sizeof(struct tdp_event) * e->nlive);
	events_state_switch(w, d->stream);
}
