/*
 * count_windows.c - windows that count points: window k of a stream
 * holds its sequence numbers [k*slide, k*slide+window).
 *
 * Sublevel scales keep, per stream, a sliding structure that every point
 * updates as it arrives (scaled/sublevel_slide.c): closing a window reads
 * the diagram off it, nothing is recomputed.  Rips scales gather the
 * window's points and compute its diagrams (scaled/compute.c).
 *
 * Crash safety (ARCHITECTURE.md, invariant 2).  Everything a successor
 * needs lives in the segment: each stream's window store (its last
 * `window` points) and its committed state (struct tdp_wstate: next_seq,
 * next_window, lost), double-buffered (common/commit.h).  A point is
 * applied as
 *   1. close the windows that end before it (they do not hold it);
 *   2. write it into the store, over the point `window` before it, which
 *      no window still to close holds;
 *   3. commit next_seq past it (and the points skipped before it as lost;
 *      a point the scale refuses, common/scale_take.h, is written as a tag
 *      alone in step 2 and counted refused here, so windows count it
 *      refused, neither present nor lost);
 *   4. close the window that ends at it.
 * and a window is closed as: emit its result (the out-ring push is the
 * commit), then commit next_window past it.  The in-ring's head moves only
 * after the batch is applied.  So a SIGKILL anywhere leaves: points the
 * successor finds again in the ring, recognised as applied by next_seq;
 * windows to close that it closes on start (closing is idempotent up to
 * next_window); and at most one result emitted without next_window moved,
 * which the last descriptor in the out-ring names (it carries stream and
 * window: scaled/main.c).  Each point is applied once, each result emitted
 * once.  The sliding structures are process memory, rebuilt from the store.
 */
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/crash.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "scaled/scaled.h"

struct count_state {
	struct window *windows;           /* per stream: view of its store, attached lazily */
	struct sublevel_slide *slides;    /* sublevel scales: per stream, rebuilt lazily */
	uint64_t overflow_seen;           /* the in-ring's overflow count when the tail was last counted */
};

static struct count_state *state_of(struct scaled *w)
{
	return w->kind_state;
}

/* The view of stream I's store (points of w->st[i].dim values). */
static struct window *stream_window(struct scaled *w, uint32_t i)
{
	struct window *win = &state_of(w)->windows[i];
	if (!win->size)
		window_attach(win, scaled_store(w, i), w->sc->window, w->st[i].dim);
	return win;
}

/* Sublevel scales: stream I's sliding structure, rebuilt from the store
 * (the committed points of the last window) when this process has none. */
static struct sublevel_slide *stream_slide(struct scaled *w, uint32_t i)
{
	struct sublevel_slide *sl = &state_of(w)->slides[i];
	if (sl->cap)
		return sl;
	uint32_t size = w->sc->window;
	if (sls_init(sl, size, 0) < 0) {
		tdp_log_error("out of memory for a window of stream %u", i);
		exit(TDP_EXIT_SYSTEM);
	}
	const struct window *win = stream_window(w, i);
	uint64_t end = w->st[i].next_seq;
	for (uint64_t seq = end > size ? end - size : 0; seq < end; seq++)
		if (window_has(win, seq))
			sls_push(sl, seq, win->v[seq % size]);
	return sl;
}

/* R's first and last points: FIRST and LAST of WIN, their times and
 * whether those are event times. */
static void set_span(struct tdp_result *r, const struct window *win, uint64_t first, uint64_t last)
{
	r->src_seq = first;
	r->src_off = window_off(win, first);
	r->start = window_time(win, first);
	r->end = window_time(win, last);
	r->flags = (window_timed(win, first) ? TDP_RESULT_START_TIMED : 0) |
		   (window_timed(win, last) ? TDP_RESULT_END_TIMED : 0);
}

/* Compute and emit window K of stream STREAM, if any of its points arrived. */
static void close_window(struct scaled *w, uint32_t stream, uint64_t k)
{
	const struct tdp_scale_cfg *sc = w->sc;
	const struct window *win = stream_window(w, stream);
	uint64_t first = k * sc->slide;
	struct tdp_result *r = w->result;
	memset(r, 0, sizeof(*r));
	size_t n;
	uint64_t last;
	enum tdp_incomplete why = TDP_INCOMPLETE_NONE;
	uint64_t t0 = tdp_now_ns();
	if (state_of(w)->slides) {
		struct sublevel_slide *sl = stream_slide(w, stream);
		sls_expire_before(sl, first);
		if (!(n = sl->size))
			return;   /* nothing arrived at all: counted as lost by the stream */
		last = sls_last_seq(sl);
		set_span(r, win, sls_first_seq(sl), last);
		compute_sublevel(&w->compute, sl, r);
		w->window_slide = sl;
	} else {
		int64_t t_first, t_last;   /* set_span reads them with their flags */
		if (!(n = window_gather(win, first, w->vals, &t_first, &t_last)))
			return;
		last = window_last_present(win, first);
		set_span(r, win, window_first_present(win, first), last);
		why = compute_window(&w->compute, w->vals, n, win->dim, r);
	}
	uint64_t dt = tdp_now_ns() - t0;
	r->stream = stream;
	r->window = k;
	r->first_seq = first;
	r->last_seq = first + sc->window - 1;
	r->n = n;
	r->refused = window_refused(win, first);
	r->lost = sc->window - n - r->refused;
	/* The latency runs from the read of the window's last point present:
	 * the one that completed it, unless the window's tail was lost (then
	 * the wait for a later point or the end shows as latency).  From the
	 * store, so a successor recomputing the window counts its downtime. */
	scaled_emit(w, why, dt, window_read_ns(win, last));
}

/*
 * Close stream I's windows that end before UPTO, every point before which
 * is settled (applied, or never coming), committing next_window after each.
 * Windows lying wholly after the last applied point hold nothing and are
 * stepped over.
 */
static void close_upto(struct scaled *w, uint32_t i, uint64_t upto)
{
	struct tdp_wstate_body *b = &w->st[i];
	uint64_t k = b->next_window;
	while (window_next_closable(&k, upto, b->next_seq, w->sc->window, w->sc->slide)) {
		close_window(w, i, k);
		b->next_window = ++k;
		scaled_commit(w, i);
		tdp_child_beat(&w->child);   /* a batch may close many windows */
	}
	if (k != b->next_window) {
		b->next_window = k;
		scaled_commit(w, i);
	}
}

/*
 * Stream I's first point in this scale: a stream that a checkpoint
 * restored starts at its base point (struct tdp_stream), not at 0.  The
 * points before it are not lost, and the windows that begin before it
 * were published by whoever had the stream before (they are not computed
 * again from part of their points).  Committed with the point.
 */
static void start_stream(struct scaled *w, uint32_t i)
{
	struct tdp_wstate_body *b = &w->st[i];
	uint64_t base = tdp_shm_stream(&w->child.seg, i)->base_seq;
	if (b->next_seq >= base)
		return;
	b->next_seq = base;
	b->next_window = (base + w->sc->slide - 1) / w->sc->slide;
}

/* Apply one point (steps 1-4 of the file comment); a replay of a point
 * already applied changes nothing. */
static void apply_point(struct scaled *w, const struct tdp_point *p)
{
	uint32_t i = p->stream;
	bool first;
	struct tdp_wstate_body *b = scaled_point_state(w, p, &first);
	if (!b)
		return;
	if (first)
		start_stream(w, i);
	struct sublevel_slide *sl = state_of(w)->slides ? stream_slide(w, i) : NULL;
	bool refused = p->flags & TDP_POINT_REFUSED;
	close_upto(w, i, p->seq);
	window_put(stream_window(w, i), p);   /* refused: its tag alone, for the windows' counts */
	tdp_crash_point();
	b->lost += p->seq - b->next_seq;
	b->refused += refused;
	b->next_seq = p->seq + 1;
	scaled_commit(w, i);
	if (sl) {
		sls_expire_before(sl, p->seq + 1 >= w->sc->window ? p->seq + 1 - w->sc->window : 0);
		if (!refused)
			sls_push(sl, p->seq, p->v[0]);
	}
	close_upto(w, i, p->seq + 1);
}

/* Start: close what the predecessor had settled but not closed. */
static void recover(struct scaled *w)
{
	uint32_t max = w->child.seg.hdr->max_streams;
	for (uint32_t i = 0; i < max; i++)
		if (w->st[i].dim)
			close_upto(w, i, w->st[i].next_seq);
}

/*
 * Stream I had TOTAL points (ingest's committed count): close the windows
 * that it completed but whose last points never reached this scale
 * (dropped on overflow), so no arrived point was there to close them, and
 * count those points lost.  Windows none of whose points arrived have no
 * result.
 */
static void close_stream_tail(struct scaled *w, uint32_t i, uint64_t total)
{
	struct tdp_wstate_body *b = &w->st[i];
	const struct tdp_stream *e = tdp_shm_stream(&w->child.seg, i);
	if (!b->dim && b->next_seq < e->base_seq)
		b->next_seq = e->base_seq;   /* none reached this scale: from its base on */
	if (b->next_seq >= total)
		return;
	if (b->dim)
		close_upto(w, i, total);
	b->lost += total - b->next_seq;
	b->next_seq = total;
	scaled_commit(w, i);
}

/* No more points will come: every stream's tail. */
static void finish(struct scaled *w)
{
	uint32_t n = scaled_stream_count(w);
	for (uint32_t i = 0; i < n; i++)
		close_stream_tail(w, i, tdp_shm_stream(&w->child.seg, i)->next_seq);
}

/*
 * Idle, after ingest dropped points for this scale: count the ones
 * dropped at the end of what it sent so far now, not when (if ever) a
 * later point of the stream arrives, so that `lost` matches `overflow`
 * once the ring is drained.  A stream's committed count covers only
 * batches already in every ring (or dropped), so with the ring seen empty
 * after reading it, every point below it that is not applied was dropped.
 */
static bool count_dropped_tail(struct scaled *w)
{
	struct count_state *cs = state_of(w);
	uint64_t ov = tdp_load_u64(&w->in->overflow);
	if (ov == cs->overflow_seen)
		return false;
	uint32_t n = scaled_stream_count(w);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t total = tdp_load_acquire_u64(&tdp_shm_stream(&w->child.seg, i)->next_seq);
		if (tdp_ring_used(w->in))
			return true;   /* points arrived meanwhile: they close the gaps they show */
		close_stream_tail(w, i, total);
	}
	cs->overflow_seen = ov;
	return true;   /* windows may have been emitted */
}

static int init(struct scaled *w)
{
	uint32_t max = w->child.seg.hdr->max_streams;
	struct count_state *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -1;
	w->kind_state = cs;
	cs->windows = calloc(max, sizeof(struct window));
	if (w->sc->complex == TDP_COMPLEX_SUBLEVEL)
		cs->slides = calloc(max, sizeof(struct sublevel_slide));
	return cs->windows && (cs->slides || w->sc->complex != TDP_COMPLEX_SUBLEVEL) ? 0 : -1;
}

static void fini(struct scaled *w)
{
	struct count_state *cs = state_of(w);
	if (!cs)
		return;
	for (uint32_t i = 0; cs->slides && i < w->child.seg.hdr->max_streams; i++)
		sls_fini(&cs->slides[i]);
	free(cs->windows);
	free(cs->slides);
	free(cs);
	w->kind_state = NULL;
}

const struct window_kind count_windows = {
	.init = init, .recover = recover, .apply = apply_point, .idle = count_dropped_tail,
	.finish = finish, .fini = fini,
};
