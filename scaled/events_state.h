/*
 * events_state.h - what a scale with events keeps per stream between
 * windows, in the segment: the tracked features alive after the last
 * window emitted (their ids) and the anomaly score's history.
 *
 * Kept as prev_diagram.h keeps the previous diagram: a stream's store
 * ends with two events slots (common/shm.h, tdp_scale_events_off); its
 * committed state (struct tdp_wstate_body: ev_set, ev_slot) says which
 * holds the state after the last window.  Emitting window k reads that
 * slot, writes the state after k into the other and points the process's
 * copy of the state at it; the commit that moves next_window past k
 * switches both at once.  A worker killed between the emit and that
 * commit leaves k's result in the arena: its events section holds the
 * live features after k and k's signal value, from which the successor
 * rebuilds the slot (scaled_events_recover), so later windows are the
 * same bytes as in an undisturbed run.
 */
#ifndef TDP_EVENTS_STATE_H
#define TDP_EVENTS_STATE_H

#include "scaled/scaled.h"

/* Slot SLOT (0 or 1) of stream I, reserved in /dev/shm on first use. */
struct tdp_events_slot *events_slot(struct scaled *w, uint32_t i, unsigned slot);

/* The score history of slot E (anomaly.history doubles, a ring) and its
 * live features (after the history). */
static inline double *events_history(struct tdp_events_slot *e)
{
	return (double *)(e + 1);
}
static inline struct tdp_event *events_live(const struct scaled *w, struct tdp_events_slot *e)
{
	return (struct tdp_event *)(events_history(e) + (w->sc->anomaly.on ? w->sc->anomaly.history : 0));
}

/* Stream I's state after its last window as of w->st[i]; NULL: none yet. */
struct tdp_events_slot *events_state_now(struct scaled *w, uint32_t i);

/* The slot the state after the window being emitted goes into (the one
 * events_state_now does not name). */
struct tdp_events_slot *events_state_next(struct scaled *w, uint32_t i);

/* The next slot holds the state after the window: name it in w->st[i]
 * (committed by the caller's next scaled_commit of the stream). */
void events_state_switch(struct scaled *w, uint32_t i);

/* Value X (not NaN) after the history of FROM (NULL: empty) into TO's. */
void events_history_push(const struct scaled *w, struct tdp_events_slot *from, struct tdp_events_slot *to,
			 double x);

/* At start: the result the out-ring's last descriptor D names was
 * emitted but not committed; rebuild its stream's state after it from its
 * events section (checked first; one that does not check out is logged
 * and the stream's tracking and history start again). */
void scaled_events_recover(struct scaled *w, const struct tdp_result_desc *d);

#endif
