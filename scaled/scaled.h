/*
 * scaled.h - what the parts of one scale worker share: its view of the
 * segment, the result being built, and the two kinds of windows.
 *
 * A scale's windows count points (scaled/count_windows.c: window k holds
 * sequence numbers [k*slide, k*slide+window)) or span event time
 * (scaled/time_windows.c: window k holds times [k*slide, k*slide+window)
 * once the stream's watermark passes it).  Each kind is a table of
 * operations the worker's loop (scaled/main.c) calls; both emit results
 * through scaled/emit.c and keep what a successor needs in the segment,
 * committed with common/commit.h (ARCHITECTURE.md, invariant 2).
 */
#ifndef TDP_SCALED_H
#define TDP_SCALED_H

#include <stdbool.h>
#include <stdint.h>

#include "common/child.h"
#include "common/ring.h"
#include "common/scale_take.h"
#include "common/shm.h"
#include "scaled/compute.h"
#include "scaled/result_features.h"
#include "scaled/window.h"

struct scaled {
	struct tdp_child child;
	uint32_t s;                       /* scale index */
	const struct tdp_scale_cfg *sc;
	struct tdp_wstate *ws;            /* per stream: committed state, in the segment */
	struct tdp_wstate_body *st;       /* per stream: this process's copy of it */
	struct compute compute;
	double *vals;                     /* rips: one gathered window */
	struct tdp_result *result;        /* one result being built */
	struct tdp_ring *in, *out;
	struct tdp_point *in_slots;
	struct tdp_result_desc *out_slots;
	char *arena;
	uint64_t arena_size;
	void *kind_state;                 /* the window kind's own process memory */
	void *join_state;                 /* join scales: the join's (scaled/join.c) */
	struct result_features features;  /* what results carry besides diagrams */
	uint8_t *prev_reserved;           /* per stream, bits: 1 its previous diagram's slots
					     (scaled/prev_diagram.c), 2 its events slots
					     (scaled/events_state.c) are reserved */
	struct scaled_events *events;     /* scales with track or anomaly (scaled/events.c), else NULL */
	const struct sublevel_slide *window_slide; /* sublevel: the structure holding the window being
						      emitted, whose minima name tracked features */
};

/* One kind of windows: what the worker's loop asks of it. */
struct window_kind {
	int (*init)(struct scaled *w);                             /* 0, or -1 out of memory */
	void (*recover)(struct scaled *w);                         /* at start, after loading the state */
	void (*apply)(struct scaled *w, const struct tdp_point *p);/* one point from the in-ring */
	bool (*idle)(struct scaled *w);                            /* the ring is empty: true if it emitted */
	void (*finish)(struct scaled *w);                          /* no more points will come */
	void (*fini)(struct scaled *w);
};

extern const struct window_kind count_windows, time_windows;
/* A join scale's: its listed streams' values on ticks, through the scale's
 * count or time windows (scaled/join.c). */
extern const struct window_kind join_windows;

/* Commit stream I's state as in w->st[i]. */
void scaled_commit(struct scaled *w, uint32_t i);

/* Stream I's store in the segment: reserved in /dev/shm on first use, so
 * running out is an error here (exit) rather than a SIGBUS later. */
void *scaled_store(struct scaled *w, uint32_t i);

/* Reserve LEN bytes at OFF in stream I's store alone (time windows reserve
 * theirs as they fill); exits the same way when /dev/shm is full. */
void scaled_reserve(struct scaled *w, uint32_t i, uint64_t off, uint64_t len);

/*
 * The committed state of P's stream if P is a point to apply: a known
 * stream, not applied yet (a replay after a restart is not), of the
 * stream's dimension.  NULL otherwise.  *FIRST says P is the stream's
 * first point here: its dimension is set (committed with the point), and
 * the kind starts the stream.
 */
static inline struct tdp_wstate_body *scaled_point_state(struct scaled *w, const struct tdp_point *p, bool *first)
{
	*first = false;
	if (p->stream >= w->child.seg.hdr->max_streams)
		return NULL;
	struct tdp_wstate_body *b = &w->st[p->stream];
	if (p->seq < b->next_seq)
		return NULL;
	if (!b->dim) {
		if (p->dim == 0 || p->dim > w->child.seg.hdr->scales[w->s].store_dim)
			return NULL;   /* ingest guarantees a scalar for scalar scales */
		b->dim = p->dim;
		*first = true;
	} else if (p->dim != b->dim) {
		return NULL;   /* ingest guarantees one dimension per stream */
	}
	return b;
}

/*
 * P as scale SC sees it, before any window: its coordinates those the
 * scale takes (value:, values:), or, when the scale refuses it
 * (tdp_scale_take, the very decision ingest counted it refused by),
 * marked TDP_POINT_REFUSED: it then moves its stream's sequence on
 * without entering a window, counted refused, not lost.
 */
static inline void scaled_select(const struct tdp_scale_cfg *sc, struct tdp_point *p)
{
	uint32_t coord;
	if (p->dim > TDP_MAX_DIM)
		return;   /* scaled_point_state refuses it */
	if (tdp_scale_take(sc, p->v, p->dim, &coord) != TDP_TAKE)
		p->flags |= TDP_POINT_REFUSED;
	tdp_scale_select(sc, p);
}

/* Streams interned so far (bounded by max_streams). */
uint32_t scaled_stream_count(const struct scaled *w);

/*
 * w->result, filled in by the caller (diagram, window, stream, counts),
 * into the arena and out-ring: its features added (and, with distances,
 * its diagrams kept as the stream's previous window, committed by the
 * caller's next scaled_commit of the stream), its size set, counted, its
 * compute time DT and an incomplete dimension (WHY) reported.  READ_NS,
 * when ingest read the point that closed the window, goes into the
 * descriptor only (publish's latency histogram), never into the result:
 * results stay a function of the input.  Blocks while publish has no room.
 */
void scaled_emit(struct scaled *w, enum tdp_incomplete why, uint64_t dt, uint64_t read_ns);

#endif
