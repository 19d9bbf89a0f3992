#include "scaled/events.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/counter.h"
#include "scaled/anomaly.h"
#include "scaled/events_state.h"
#include "scaled/track.h"

struct scaled_events {
	bool track_on, anomaly_on;
	struct track track;
	struct anomaly anomaly;
};

int scaled_events_init(struct scaled *w)
{
	const struct tdp_scale_cfg *sc = w->sc;
	struct scaled_events *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	w->events = e;
	if (sc->track.on) {
		if (track_init(&e->track, sc) < 0)
			return -1;
		e->track_on = true;
	}
	if (sc->anomaly.on) {
		if (anomaly_init(&e->anomaly, &sc->anomaly) < 0)
			return -1;
		e->anomaly_on = true;
	}
	return 0;
}

void scaled_events_fini(struct scaled *w)
{
	struct scaled_events *e = w->events;
	if (!e)
		return;
	if (e->track_on)
		track_fini(&e->track);
	if (e->anomaly_on)
		anomaly_fini(&e->anomaly);
	free(e);
	w->events = NULL;
}

static struct tdp_result_events *section_of(struct tdp_result *r)
{
	return (struct tdp_result_events *)tdp_result_events_const(r, tdp_result_nintervals(r));
}

size_t scaled_events_size(const struct tdp_result *r)
{
	if (!(r->flags & TDP_RESULT_EVENTS))
		return 0;
	const struct tdp_result_events *e = tdp_result_events_const(r, tdp_result_nintervals(r));
	return sizeof(*e) + ((size_t)e->nevents + e->nlive) * sizeof(struct tdp_event);
}

int scaled_events_add(struct scaled *w, struct tdp_result *r, const struct diagram_view *prev)
{
	struct scaled_events *se = w->events;
	uint32_t i = r->stream;
	struct tdp_events_slot *now = events_state_now(w, i), *next = events_state_next(w, i);
	struct tdp_result_events *e = section_of(r);
	struct tdp_event *ev = (struct tdp_event *)(e + 1);
	memset(e, 0, sizeof(*e));
	e->value = e->median = e->mad = e->score = NAN;
	next->next_id = now ? now->next_id : 0;
	next->nlive = 0;
	uint32_t n = 0;
	if (se->track_on) {
		struct track *t = &se->track;
		long live = track_window(t, now ? events_live(w, now) : NULL, now ? now->nlive : 0, r,
					 w->window_slide, &next->next_id, events_live(w, next));
		if (live < 0)
			return -1;
		next->nlive = (uint32_t)live;
		/* The section's order: deaths, births, updates. */
		static const unsigned order[] = { TDP_EVENT_DEATH, TDP_EVENT_BIRTH, TDP_EVENT_UPDATE };
		for (unsigned k = 0; k < 3; k++) {
			unsigned type = order[k];
			memcpy(ev + n, t->ev[type], sizeof(*ev) * t->nev[type]);
			n += (uint32_t)t->nev[type];
			tdp_counter_add(&w->child.slot->events[type], t->nev[type]);
		}
	}
	if (se->anomaly_on) {
		struct anomaly *a = &se->anomaly;
		double x;
		if (anomaly_signal(a, r, w->features.l.width ? &w->features : NULL, prev, &x) < 0)
			return -1;
		e->value = x;
		e->flags |= TDP_EVENTS_SCORED;
		if (anomaly_score(a, now ? events_history(now) : NULL, now ? now->hist_n : 0, now ? now->hist_pos : 0,
				  x, e)) {
			memset(&ev[n], 0, sizeof(ev[n]));
			ev[n].type = TDP_EVENT_ANOMALY;
			ev[n].dim = (uint8_t)w->sc->anomaly.dim;
			n++;
			tdp_counter_add(&w->child.slot->events[TDP_EVENT_ANOMALY], 1);
		}
		events_history_push(w, now, next, x);
	}
	e->next_id = next->next_id;
	e->nevents = n;
	e->nlive = next->nlive;
	memcpy(ev + n, events_live(w, next), sizeof(*ev) * next->nlive);
	r->flags |= TDP_RESULT_EVENTS;
	events_state_switch(w, i);
	return 0;
}
