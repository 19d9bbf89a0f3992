/*
 * track.h - tracked features (tdapipe-events(5)): the intervals of a
 * scale's tracked dimensions whose lifetime is at least min_persistence,
 * each with an id that it keeps from window to window while it persists.
 *
 * Sublevel scales know a feature exactly: the local minimum that gives
 * birth to it, whose sequence number is its id (time scales: its position
 * in the stream's (time, arrival) order); the structure that computes the
 * diagram names it (sls_tracked).  Rips scales match the previous
 * window's live features to this window's tracked intervals, one
 * dimension at a time: the finite ones by a bottleneck-optimal matching,
 * the least costly of those (scaled/track_match.h), the essential ones in
 * order of birth, as GUDHI matches them; a new feature takes the stream's
 * next id (0, 1, ...).  Either way, a live feature without a successor
 * dies, an interval without a predecessor is born, and a pair whose
 * lifetimes' ratio (smaller over larger; two infinite ones: 1, one: 0)
 * is below `stability` is updated.  A dimension the window has no
 * diagram of (not computed: incomplete) keeps its features as they were.
 */
#ifndef TDP_TRACK_H
#define TDP_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"
#include "scaled/sublevel_slide.h"

struct track_match_ws;

struct track {
	const struct tdp_scale_cfg *sc;
	size_t cap;                      /* most tracked features (the scale's interval cap) */
	struct tdp_event *cur;           /* this window's tracked intervals, one dimension */
	struct tdp_event *ev[3];         /* deaths, births, updates (enum tdp_event_type) */
	size_t nev[3];
	/* rips */
	struct track_match_ws *match;
	struct tdp_interval *fa, *fb;    /* the finite parts being matched */
	uint32_t *ia, *ib, *a_to_b, *b_from;
};

/* 0, or -1 out of memory. */
int track_init(struct track *t, const struct tdp_scale_cfg *sc);
void track_fini(struct track *t);

/*
 * Window R of a stream whose live features after its previous window are
 * PREV[0..NPREV) (by dimension, then id): its tracked features into LIVE
 * (room for the cap; by dimension, then id), the events into t->ev[]
 * (each by dimension, then id), *NEXT_ID past the ids it gave.  SL:
 * sublevel scales, the structure holding R's window.  Returns the live
 * count, or -1 out of memory.
 */
long track_window(struct track *t, const struct tdp_event *prev, size_t nprev, const struct tdp_result *r,
		  const struct sublevel_slide *sl, uint64_t *next_id, struct tdp_event *live);

/* Rips: dimension D of the window (its tracked intervals in t->cur[0..N)),
 * PREV the live features of D; appends D's live features to LIVE. */
long track_rips_dim(struct track *t, unsigned d, const struct tdp_event *prev, size_t nprev, size_t n,
		    uint64_t *next_id, struct tdp_event *live);
int track_rips_init(struct track *t);
void track_rips_fini(struct track *t);

/* What the parts share: an event of TYPE for feature F of dimension D. */
void track_event(struct track *t, unsigned type, unsigned d, uint64_t f, double birth, double death);
/* Whether a pair of lifetimes is unstable: their ratio below stability. */
int track_unstable(const struct track *t, const struct tdp_event *was, double birth, double death);

#endif
