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
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bell.h"
#include "common/child.h"
#include "common/clock.h"
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
	struct window *windows;           /* per stream index, lazily set up */
	struct sublevel_slide *slides;    /* sublevel scales: per stream index, lazily set up */
	struct compute compute;
	double *vals;                     /* one gathered window */
	struct tdp_result *result;        /* one result being built */
	struct tdp_ring *in, *out;
	struct tdp_point *in_slots;
	struct tdp_result_desc *out_slots;
	char *arena;
	uint64_t arena_size;
};

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
		pos = atomic_load_explicit((_Atomic uint64_t *)&w->out->arena_wpos, memory_order_relaxed);
		if (pos % a + size > a)
			pos += a - pos % a;   /* blocks never wrap: skip the tail */
		uint64_t released = atomic_load_explicit((_Atomic uint64_t *)&w->out->arena_released,
							 memory_order_acquire);
		if (pos + size - released <= a && tdp_ring_used(w->out) < tdp_ring_capacity(w->out))
			break;
		wait_for_publish(w);
	}
	/* Claim the space first: a worker killed after this only wastes it. */
	atomic_store_explicit((_Atomic uint64_t *)&w->out->arena_wpos, pos + size, memory_order_relaxed);
	memcpy(w->arena + pos % a, r, size);
	struct tdp_result_desc d = {.off = pos, .len = (uint32_t)size};
	if (!tdp_desc_push(w->out, w->out_slots, &d))
		abort();   /* impossible: we checked for room and are the only producer */
	tdp_counter_add(&w->child.slot->records_out, 1);
}

static unsigned hist_bucket(uint64_t ns)
{
	unsigned b = ns ? 63u - (unsigned)__builtin_clzll(ns) : 0;
	return b < TDP_HIST_BUCKETS ? b : TDP_HIST_BUCKETS - 1;
}

/* Compute and emit window K of stream STREAM, if any of its points arrived. */
static void close_window(struct scaled *w, uint32_t stream, const struct window *win, uint64_t k)
{
	const struct tdp_scale_cfg *sc = w->sc;
	uint64_t first = k * sc->slide;
	struct tdp_result *r = w->result;
	memset(r, 0, sizeof(*r));
	size_t n;
	int rc = 0;
	uint64_t t0 = tdp_now_ns();
	if (w->slides) {
		struct sublevel_slide *sl = &w->slides[stream];
		if (sl->cap)
			sls_expire_before(sl, first);
		if (!sl->cap || !(n = sl->size))
			return;   /* nothing arrived at all: counted by the ring's overflow */
		r->start = window_time(win, sls_first_seq(sl));
		r->end = window_time(win, sls_last_seq(sl));
		compute_sublevel(&w->compute, sl, r);
	} else {
		if (!(n = window_gather(win, first, w->vals, &r->start, &r->end)))
			return;
		rc = compute_window(&w->compute, w->vals, n, win->dim, r);
	}
	uint64_t dt = tdp_now_ns() - t0;
	if (rc < 0) {
		/* Over the scale's memory bound (or the engine's key range): not
		 * emitted, but never silently: logged and counted. */
		tdp_log("scale %s: window %llu of stream %s not computed: %s", sc->name,
			(unsigned long long)k, tdp_shm_stream(&w->child.seg, stream)->name, strerror(-rc));
		tdp_counter_add(&w->child.slot->bad_records, 1);
		return;
	}
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
	tdp_counter_add(&w->child.slot->compute_hist[hist_bucket(dt)], 1);
}

/* Sublevel scales: apply P to its stream's sliding structure, after
 * expiring what no window ending at P can hold. */
static void slide_point(struct scaled *w, const struct tdp_point *p)
{
	struct sublevel_slide *sl = &w->slides[p->stream];
	uint32_t size = w->sc->window;
	if (!sl->cap && sls_init(sl, size, 0) < 0) {
		tdp_log("out of memory for a window of stream %u", p->stream);
		exit(TDP_EXIT_SYSTEM);
	}
	sls_expire_before(sl, p->seq + 1 >= size ? p->seq + 1 - size : 0);
	sls_push(sl, p->seq, p->v[0]);
}

struct closer {
	struct scaled *w;
	uint32_t stream;
	const struct window *win;
	const struct tdp_point *pending;   /* sublevel: the point, until a window needs it */
};

static void close_cb(void *ctx, uint64_t k)
{
	struct closer *cl = ctx;
	/* Windows that ended in a gap before the point close without it. */
	if (cl->pending && k * cl->w->sc->slide + cl->w->sc->window > cl->pending->seq) {
		slide_point(cl->w, cl->pending);
		cl->pending = NULL;
	}
	close_window(cl->w, cl->stream, cl->win, k);
}

/* Apply one point; close every window it completes, including windows
 * whose last points were lost before it arrived. */
static void apply_point(struct scaled *w, const struct tdp_point *p)
{
	const struct tdp_scale_cfg *sc = w->sc;
	if (p->stream >= w->child.seg.hdr->max_streams)
		return;
	struct window *win = &w->windows[p->stream];
	if (!win->size && window_init(win, sc->window, p->dim) < 0) {
		tdp_log("out of memory for a window of stream %u", p->stream);
		exit(TDP_EXIT_SYSTEM);
	}
	if (p->dim != win->dim)
		return;   /* ingest guarantees one dimension per stream */
	uint64_t old_next = win->next_seq;
	if (window_put(win, p) < 0)
		return;   /* a replay of a point already applied */
	struct closer cl = {w, p->stream, win, w->slides ? p : NULL};
	window_each_closed(old_next, p->seq, sc->window, sc->slide, close_cb, &cl);
	if (cl.pending)
		slide_point(w, p);
}

/*
 * No more points will come: close the windows that the stream completed
 * but whose last points never reached this scale (dropped on overflow), so
 * no arrived point was there to close them.  Windows none of whose points
 * arrived have no result (close_window skips them).
 */
static void close_tail(struct scaled *w)
{
	uint32_t nstreams = atomic_load_explicit((_Atomic uint32_t *)&w->child.seg.hdr->nstreams,
						 memory_order_acquire);
	for (uint32_t i = 0; i < nstreams && i < w->child.seg.hdr->max_streams; i++) {
		const struct window *win = &w->windows[i];
		uint64_t total = tdp_shm_stream(&w->child.seg, i)->next_seq;   /* points the stream had */
		if (!win->size || !win->next_seq || win->next_seq >= total)
			continue;
		/* As if the stream's last point had arrived: the same windows close
		 * (the one ending there only if it holds an earlier point). */
		struct closer cl = {w, i, win, NULL};
		window_each_closed(win->next_seq, total - 1, w->sc->window, w->sc->slide, close_cb, &cl);
	}
}

static bool ingest_done(const struct scaled *w)
{
	return atomic_load_explicit((_Atomic uint32_t *)&w->child.seg.hdr->ingest_done,
				    memory_order_acquire) != 0;
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
	w.windows = calloc(c->seg.hdr->max_streams, sizeof(struct window));
	if (w.sc->complex == TDP_COMPLEX_SUBLEVEL &&
	    !(w.slides = calloc(c->seg.hdr->max_streams, sizeof(struct sublevel_slide)))) {
		tdp_log("out of memory for scale %s", w.sc->name);
		return TDP_EXIT_SYSTEM;
	}
	/* Only rips scales gather a window's points; sublevel scales read
	 * their sliding structures. */
	w.vals = w.sc->complex == TDP_COMPLEX_RIPS ? malloc(sizeof(double) * w.sc->window * TDP_MAX_DIM) : NULL;
	w.result = malloc(tdp_result_size((uint32_t)tdp_scale_max_intervals(w.sc)));
	if (!w.windows || (!w.vals && !w.slides) || !w.result || compute_init(&w.compute, w.sc) < 0) {
		tdp_log("out of memory for scale %s (window %u)", w.sc->name, w.sc->window);
		return TDP_EXIT_SYSTEM;
	}
	struct tdp_bell *mine = &c->slot->bell;
	struct tdp_bell *ingest_bell = &tdp_shm_proc(&c->seg, tdp_slot_ingest())->bell;
	struct tdp_bell *publish_bell = &tdp_shm_proc(&c->seg, tdp_slot_publish(c->seg.hdr))->bell;
	struct tdp_idle idle = {0};
	for (;;) {
		static struct tdp_point batch[BATCH];
		unsigned got = tdp_point_pop_many(w.in, w.in_slots, batch, BATCH);
		for (unsigned i = 0; i < got; i++)
			apply_point(&w, &batch[i]);
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
		uint32_t seen = tdp_bell_prepare(mine);
		if (tdp_ring_used(w.in) > 0 || ingest_done(&w))
			tdp_bell_cancel(mine);
		else
			tdp_bell_sleep(mine, seen, 100);
	}
	tdp_child_done(c);
	tdp_bell_ring(publish_bell);
	for (uint32_t i = 0; i < c->seg.hdr->max_streams; i++) {
		if (w.windows[i].size)
			window_fini(&w.windows[i]);
		if (w.slides)
			sls_fini(&w.slides[i]);
	}
	free(w.windows);
	free(w.slides);
	free(w.vals);
	free(w.result);
	compute_fini(&w.compute);
	return TDP_EXIT_OK;
}
