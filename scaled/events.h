/*
 * events.h - a scale's events (tdapipe-events(5)): each window's tracked
 * features (scaled/track.h) compared with the stream's previous window's,
 * and its anomaly score (scaled/anomaly.h), as the result's events
 * section (record.h), which publish writes to the events sink.
 *
 * The state this needs between windows is in the segment
 * (scaled/events_state.h), so a worker's successor goes on with the same
 * ids and history: events are as much a function of the input as results.
 */
#ifndef TDP_EVENTS_H
#define TDP_EVENTS_H

#include "scaled/diagram.h"
#include "scaled/scaled.h"

/* For scale W (track or anomaly): w->events; 0, or -1 out of memory. */
int scaled_events_init(struct scaled *w);
void scaled_events_fini(struct scaled *w);

/*
 * Append R's events section after its features (room for
 * tdp_scale_max_result()), set TDP_RESULT_EVENTS, count them, and keep the
 * stream's state after R (committed by the caller's next scaled_commit of
 * the stream).  PREV: the stream's previous diagrams, when the scale keeps
 * them (NULL: none).  0, or -1 out of memory.
 */
int scaled_events_add(struct scaled *w, struct tdp_result *r, const struct diagram_view *prev);

/* Bytes of R's events section (0 without one). */
size_t scaled_events_size(const struct tdp_result *r);

#endif
