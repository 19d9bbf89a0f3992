/*
 * tdapipe-scaled - one scale: keep every stream's window, compute the
 * persistence of each complete window, hand results to publish.
 *
 * Sublevel scales keep, per stream, a sliding structure that every point
 * updates as it arrives (scaled/sublevel_slide.c): closing a window reads
 * the diagram off it, nothing is recomputed.  Rips scales gather the
 * window's points and compute its diagrams (scaled/compute.c).
 *
 * Reads points from the scale's in-ring, writes result blocks into the
 * scale's arena and their descriptors into its out-ring.  Nothing here
 * waits on another scale; if publish is slow, the arena fills and this
 * worker waits, its in-ring fills, and ingest applies the overflow policy.
 *
 * Crash safety (ARCHITECTURE.md, invariant 2).  Everything a successor needs lives
 * in the segment: each stream's window store (its last `window` points)
 * and its committed state (struct tdp_wstate: next_seq, next_window, lost),
 * double-buffered (common/commit.h).  A point is applied as
 *   1. close the windows that end before it (they do not hold it);
 *   2. write it into the store, over the point `window` before it, which
 *      no window still to close holds;
 *   3. commit next_seq past it (and the points skipped before it as lost);
 *   4. close the window that ends at it.
 * and a window is closed as: emit its result (the out-ring push is the
 * commit), then commit next_window past it.  The in-ring's head moves only
 * after the batch is applied.  So a SIGKILL anywhere leaves: points the
 * successor finds again in the ring, recognised as applied by next_seq;
 * windows to close that it closes on start (closing is idempotent up to
 * next_window); and at most one result emitted without next_window moved,
 * which the last descriptor in the out-ring names (it carries stream and
 * window).  Each point is applied once, each result emitted once.  The
 * sliding structures are process memory, rebuilt from the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "scaled/compute.h"
#include "scaled/window.h"

#define BATCH 256

static const char usage[] =
	"usage: tdapipe-scaled --instance NAME --scale NAME\n"
	"Started by `tdapipe run`; computes the windows of one scale.\n";

struct scaled {
	struct tdp_child child;
	uint32_t s;                       /* scale index */
	const struct tdp_scale_cfg *sc;
	struct tdp_wstate *ws;            /* per stream: committed state, in the segment */
	struct tdp_wstate_body *st;       /* per stream: this process's copy of it */
	struct window *windows;           /* per stream: view of its store, attached lazily */
	struct sublevel_slide *slides;    /* sublevel scales: per stream, rebuilt lazily */
	struct compute compute;
	double *vals;                     /* one gathered window */
	struct tdp_result *result;        /* one result being built */
	struct tdp_ring *in, *out;
	struct tdp_point *in_slots;
	struct tdp_result_desc *out_slots;
	char *arena;
	uint64_t arena_size;
	uint64_t overflow_seen;           /* the in-ring's overflow count when the tail was last counted */
};

/* Commit stream I's state as in w->st[i]. */
static void commit_stream(struct scaled *w, uint32_t i)
{
	*TDP_NEXT(&w->ws[i]) = w->st[i];
	tdp_commit(&w->ws[i].ver);
}

/* The view of stream I's store (points of w->st[i].dim values), its
 * memory allocated from /dev/shm on first use so that running out is an
 * error here rather than a SIGBUS later. */
static struct window *stream_window(struct scaled *w, uint32_t i)
{
	struct window *win = &w->windows[i];
	if (win->size)
		return win;
	const struct tdp_scale_layout *l = &w->child.seg.hdr->scales[w->s];
	off_t off = (off_t)(l->store_off + (uint64_t)i * l->store_stride);
	int rc = posix_fallocate(w->child.seg.fd, off, (off_t)l->store_stride);
	if (rc) {
		tdp_log("scale %s: no room in /dev/shm for the window of stream %s (%llu bytes): %s",
			w->sc->name, tdp_shm_stream(&w->child.seg, i)->name,
			(unsigned long long)l->store_stride, strerror(rc));
		exit(TDP_EXIT_SYSTEM);
	}
	window_attach(win, tdp_shm_store(&w->child.seg, w->s, i), w->sc->window, w->st[i].dim);
	return win;
}

/* Sublevel scales: stream I's sliding structure, rebuilt from the store
 * (the committed points of the last window) when this process has none. */
static struct sublevel_slide *stream_slide(struct scaled *w, uint32_t i)
{
	struct sublevel_slide *sl = &w->slides[i];
	if (sl->cap)
		return sl;
	uint32_t size = w->sc->window;
	if (sls_init(sl, size, 0) < 0) {
		tdp_log("out of memory for a window of stream %u", i);
		exit(TDP_EXIT_SYSTEM);
	}
	const struct window *win = stream_window(w, i);
	uint64_t end = w->st[i].next_seq;
	for (uint64_t seq = end > size ? end - size : 0; seq < end; seq++)
		if (window_has(win, seq))
			sls_push(sl, seq, win->v[seq % size]);
	return sl;
}

/* Wait a little for publish to make room, staying visibly alive. */
static void wait_for_publish(struct scaled *w)
{
	tdp_bell_ring(&tdp_shm_proc(&w->child.seg, tdp_slot_publish(w->child.seg.hdr))->bell);
	tdp_child_beat(&w->child);
	tdp_sleep_ms(1);
}

/* Copy result R (SIZE bytes) into the arena and queue its descriptor. */
static void emit(struct scaled *w, const struct tdp_result *r, size_t size)
{
	uint64_t a = w->arena_size;
	uint64_t pos;
	for (;;) {
		pos = tdp_load_u64(&w->out->arena_wpos);
		if (pos % a + size > a)
			pos += a - pos % a;   /* blocks never wrap: skip the tail */
		uint64_t released = tdp_load_acquire_u64(&w->out->arena_released);
		if (pos + size - released <= a && tdp_ring_used(w->out) < tdp_ring_capacity(w->out))
			break;
		wait_for_publish(w);
	}
	/* Claim the space first: a worker killed after this only wastes it. */
	tdp_store_u64(&w->out->arena_wpos, pos + size);
	tdp_crash_point();
	memcpy(w->arena + pos % a, r, size);
	tdp_crash_point();
	struct tdp_result_desc d = {.off = pos, .len = (uint32_t)size, .stream = r->stream, .window = r->window};
	if (!tdp_desc_push(w->out, w->out_slots, &d))
		abort();   /* impossible: we checked for room and are the only producer */
	tdp_counter_add(&w->child.slot->records_out, 1);
}

static unsigned hist_bucket(uint64_t ns)
{
	unsigned b = ns ? 63u - (unsigned)__builtin_clzll(ns) : 0;
	return b < TDP_HIST_BUCKETS ? b : TDP_HIST_BUCKETS - 1;
}

/*
 * Window K of STREAM is published without the dimensions the engine could
 * not compute (result.incomplete names them): count it by reason, and log
 * it, the first windows of each reason and then at powers of two, so that
 * a scale whose every window passes its bound does not flood the log.
 */
static void report_incomplete(struct scaled *w, uint32_t stream, uint64_t k, const struct tdp_result *r,
			      enum tdp_incomplete why)
{
	uint64_t *c = &w->child.slot->incomplete[why];
	tdp_counter_add(c, 1);
	uint64_t seen = *c;   /* we are its only writer */
	if (seen & (seen - 1))
		return;
	char dims[32] = "";
	size_t len = 0;
	for (int d = 0; d < TDP_MAX_HDIM; d++)
		if (r->incomplete[d])
			len += (size_t)snprintf(dims + len, sizeof(dims) - len, "%sH%d", len ? ", " : "", d);
	char bound[48] = "";
	if (why == TDP_INCOMPLETE_MEMORY_MB)
		snprintf(bound, sizeof(bound), " (%u MiB)", w->sc->memory_mb);
	tdp_log("scale %s: window %llu of stream %s published without %s: %s%s "
		"(%llu such window%s so far; see tdapipe-results(5), incomplete)",
		w->sc->name, (unsigned long long)k, tdp_shm_stream(&w->child.seg, stream)->name, dims,
		tdp_incomplete_name(why), bound, (unsigned long long)seen, seen == 1 ? "" : "s");
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
	enum tdp_incomplete why = TDP_INCOMPLETE_NONE;
	uint64_t t0 = tdp_now_ns();
	if (w->slides) {
		struct sublevel_slide *sl = stream_slide(w, stream);
		sls_expire_before(sl, first);
		if (!(n = sl->size))
			return;   /* nothing arrived at all: counted as lost by the stream */
		r->src_seq = sls_first_seq(sl);
		r->start = window_time(win, r->src_seq);
		r->end = window_time(win, sls_last_seq(sl));
		compute_sublevel(&w->compute, sl, r);
	} else {
		if (!(n = window_gather(win, first, w->vals, &r->start, &r->end)))
			return;
		r->src_seq = window_first_present(win, first);
		why = compute_window(&w->compute, w->vals, n, win->dim, r);
	}
	r->src_off = window_off(win, r->src_seq);
	uint64_t dt = tdp_now_ns() - t0;
	r->stream = stream;
	r->scale = w->s;
	r->window = k;
	r->first_seq = first;
	r->last_seq = first + sc->window - 1;
	r->n = n;
	r->lost = sc->window - n;
	uint32_t total = 0;
	for (int d = 0; d < TDP_MAX_HDIM; d++)
		total += r->count[d];
	size_t size = tdp_result_size(total);
	r->size = (uint32_t)size;
	emit(w, r, size);
	tdp_counter_add(&w->child.slot->windows, 1);
	if (why != TDP_INCOMPLETE_NONE)
		report_incomplete(w, stream, k, r, why);
	tdp_counter_add(&w->child.slot->compute_hist[hist_bucket(dt)], 1);
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
		commit_stream(w, i);
		tdp_child_beat(&w->child);   /* a batch may close many windows */
	}
	if (k != b->next_window) {
		b->next_window = k;
		commit_stream(w, i);
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
	if (i >= w->child.seg.hdr->max_streams)
		return;
	struct tdp_wstate_body *b = &w->st[i];
	if (p->seq < b->next_seq)
		return;
	if (!b->dim) {
		if (p->dim == 0 || p->dim > w->child.seg.hdr->scales[w->s].store_dim)
			return;   /* ingest guarantees a scalar for scalar scales */
		b->dim = p->dim;   /* committed with the point */
		start_stream(w, i);
	} else if (p->dim != b->dim) {
		return;   /* ingest guarantees one dimension per stream */
	}
	struct sublevel_slide *sl = w->slides ? stream_slide(w, i) : NULL;
	close_upto(w, i, p->seq);
	window_put(stream_window(w, i), p);
	tdp_crash_point();
	b->lost += p->seq - b->next_seq;
	b->next_seq = p->seq + 1;
	commit_stream(w, i);
	if (sl) {
		sls_expire_before(sl, p->seq + 1 >= w->sc->window ? p->seq + 1 - w->sc->window : 0);
		sls_push(sl, p->seq, p->v[0]);
	}
	close_upto(w, i, p->seq + 1);
}

/*
 * Start: load the committed state, account for a result the predecessor
 * emitted just before it died (the out-ring's last descriptor names it),
 * and close what it had settled but not closed.
 */
static void recover(struct scaled *w)
{
	const struct tdp_shm *seg = &w->child.seg;
	uint32_t max = seg->hdr->max_streams;
	for (uint32_t i = 0; i < max; i++)
		w->st[i] = *TDP_LIVE(&w->ws[i]);
	const struct tdp_result_desc *last = &w->out_slots[tdp_ring_slot(w->out, tdp_ring_tail(w->out) - 1)];
	if (last->len && last->stream < max && w->st[last->stream].next_window <= last->window) {
		w->st[last->stream].next_window = last->window + 1;
		commit_stream(w, last->stream);
	}
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
	commit_stream(w, i);
}

static uint32_t stream_count(const struct scaled *w)
{
	uint32_t n = tdp_load_acquire_u32(&w->child.seg.hdr->nstreams);
	return n < w->child.seg.hdr->max_streams ? n : w->child.seg.hdr->max_streams;
}

/* No more points will come: every stream's tail. */
static void close_tail(struct scaled *w)
{
	uint32_t n = stream_count(w);
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
	uint64_t ov = tdp_load_u64(&w->in->overflow);
	if (ov == w->overflow_seen)
		return false;
	uint32_t n = stream_count(w);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t total = tdp_load_acquire_u64(&tdp_shm_stream(&w->child.seg, i)->next_seq);
		if (tdp_ring_used(w->in))
			return true;   /* points arrived meanwhile: they close the gaps they show */
		close_stream_tail(w, i, total);
	}
	w->overflow_seen = ov;
	return true;   /* windows may have been emitted */
}

static bool ingest_done(const struct scaled *w)
{
	return tdp_load_acquire_u32(&w->child.seg.hdr->ingest_done) != 0;
}

int main(int argc, char **argv)
{
	static struct scaled w;
	const char *instance, *scale;
	tdp_log_init("tdapipe-scaled");
	int rc = tdp_child_args(argc, argv, usage, &instance, &scale);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = tdp_child_start(&w.child, instance, scale, TDP_ROLE_SCALED)))
		return rc;
	struct tdp_child *c = &w.child;
	w.s = c->slot_index - 1;
	w.sc = &c->cfg.scales[w.s];
	w.in = tdp_shm_in_ring(&c->seg, w.s);
	w.in_slots = tdp_shm_in_slots(&c->seg, w.s);
	w.out = tdp_shm_out_ring(&c->seg, w.s);
	w.out_slots = tdp_shm_out_slots(&c->seg, w.s);
	w.arena = tdp_shm_arena(&c->seg, w.s);
	w.arena_size = c->seg.hdr->scales[w.s].arena_size;
	uint32_t max = c->seg.hdr->max_streams;
	w.ws = tdp_shm_wstate(&c->seg, w.s, 0);
	w.st = calloc(max, sizeof(*w.st));
	w.windows = calloc(max, sizeof(struct window));
	if (w.sc->complex == TDP_COMPLEX_SUBLEVEL)
		w.slides = calloc(max, sizeof(struct sublevel_slide));
	/* Only rips scales gather a window's points; sublevel scales read
	 * their sliding structures. */
	w.vals = w.sc->complex == TDP_COMPLEX_RIPS ? malloc(sizeof(double) * w.sc->window * TDP_MAX_DIM) : NULL;
	w.result = malloc(tdp_result_size((uint32_t)tdp_scale_max_intervals(w.sc)));
	if (!w.st || !w.windows || (!w.vals && !w.slides) || !w.result || compute_init(&w.compute, w.sc) < 0) {
		tdp_log("out of memory for scale %s (window %u)", w.sc->name, w.sc->window);
		return TDP_EXIT_SYSTEM;
	}
	recover(&w);
	struct tdp_bell *mine = &c->slot->bell;
	struct tdp_bell *ingest_bell = &tdp_shm_proc(&c->seg, tdp_slot_ingest())->bell;
	struct tdp_bell *publish_bell = &tdp_shm_proc(&c->seg, tdp_slot_publish(c->seg.hdr))->bell;
	struct tdp_idle idle = {0};
	for (;;) {
		static struct tdp_point batch[BATCH];
		unsigned got = tdp_point_peek_many(w.in, w.in_slots, batch, BATCH);
		for (unsigned i = 0; i < got; i++)
			apply_point(&w, &batch[i]);
		/* Applied: only now may ingest reuse the slots. */
		if (got)
			tdp_ring_consume(w.in, got);
		tdp_counter_add(&c->slot->records_in, got);
		tdp_child_beat(c);
		if (got) {
			tdp_bell_ring(ingest_bell);    /* room in our ring, if ingest was blocked */
			tdp_bell_ring(publish_bell);
		}
		if (!tdp_idle_should_sleep(&idle, got > 0))
			continue;
		/* Idle: finished if ingest is done and the ring stayed empty. */
		if (ingest_done(&w) && tdp_ring_used(w.in) == 0) {
			close_tail(&w);
			break;
		}
		if (count_dropped_tail(&w))
			tdp_bell_ring(publish_bell);
		uint32_t seen = tdp_bell_prepare(mine);
		if (tdp_ring_used(w.in) > 0 || ingest_done(&w))
			tdp_bell_cancel(mine);
		else
			tdp_bell_sleep(mine, seen, 100);
	}
	tdp_child_done(c);
	tdp_bell_ring(publish_bell);
	for (uint32_t i = 0; w.slides && i < max; i++)
		sls_fini(&w.slides[i]);
	free(w.st);
	free(w.windows);
	free(w.slides);
	free(w.vals);
	free(w.result);
	compute_fini(&w.compute);
	return TDP_EXIT_OK;
}
