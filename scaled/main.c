/*
 * tdapipe-scaled - one scale: keep every stream's windows, compute the
 * persistence of each complete window, hand results to publish.
 *
 * Reads points from the scale's in-ring, writes result blocks into the
 * scale's arena and their descriptors into its out-ring.  Nothing here
 * waits on another scale; if publish is slow, the arena fills and this
 * worker waits, its in-ring fills, and ingest applies the overflow policy.
 *
 * The windows themselves are a kind chosen by the scale's config:
 * counts of points (scaled/count_windows.c) or spans of event time
 * (scaled/time_windows.c).  This loop only feeds them points, tells them
 * when the ring is idle and when input has ended, and at start accounts
 * for the one result a predecessor may have emitted just before it died.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/counter.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "scaled/events.h"
#include "scaled/events_state.h"
#include "scaled/prev_diagram.h"
#include "scaled/scaled.h"

#define BATCH 256

static const char usage[] =
	"usage: tdapipe-scaled --instance NAME --scale NAME\n"
	"Started by `tdapipe run`; computes the windows of one scale.\n";

/*
 * Start: load the committed state, and account for a result the
 * predecessor emitted just before it died, which the out-ring's last
 * descriptor names (stream, window), before committing next_window past
 * it.  Then the kind closes what was settled but not closed.
 */
static void recover(struct scaled *w, const struct window_kind *kind)
{
	uint32_t max = w->child.seg.hdr->max_streams;
	for (uint32_t i = 0; i < max; i++)
		w->st[i] = *TDP_LIVE(&w->ws[i]);
	const struct tdp_result_desc *last = &w->out_slots[tdp_ring_slot(w->out, tdp_ring_tail(w->out) - 1)];
	if (last->len && last->stream < max && w->st[last->stream].next_window <= last->window) {
		/* Its diagrams are the stream's previous window now. */
		if (tdp_scale_needs_prev(w->sc))
			scaled_prev_recover(w, last);
		if (w->events)
			scaled_events_recover(w, last);
		w->st[last->stream].next_window = last->window + 1;
		scaled_commit(w, last->stream);
	}
	kind->recover(w);
}

static bool ingest_done(const struct scaled *w)
{
	return tdp_load_acquire_u32(&w->child.seg.hdr->ingest_done) != 0;
}

/* A stop (the supervisor's drain) is not the end of the input: windows
 * still open stay open, kept in the checkpoint for the next run
 * (cli/state.h), which goes on filling them. */
static bool stopping(const struct scaled *w)
{
	return tdp_load_acquire_u32(&w->child.seg.hdr->stop) != 0;
}

int main(int argc, char **argv)
{
	static struct scaled w;
	const char *instance, *scale;
	tdp_log_init("tdapipe-scaled");
	tdp_child_reexec_on_usr1(argv);   /* a reload moves this worker to the new segment */
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
	const struct window_kind *kind = w.sc->join.on ? &join_windows : w.sc->timed ? &time_windows : &count_windows;
	/* Only rips scales gather a window's points; sublevel scales read
	 * their sliding structures. */
	w.vals = w.sc->complex == TDP_COMPLEX_RIPS ? malloc(sizeof(double) * w.sc->window * TDP_MAX_DIM) : NULL;
	w.result = malloc(tdp_scale_max_result(w.sc));
	w.prev_reserved = calloc(max, 1);
	if (!w.st || (!w.vals && w.sc->complex == TDP_COMPLEX_RIPS) || !w.result || !w.prev_reserved ||
	    compute_init(&w.compute, w.sc) < 0 || kind->init(&w) < 0 ||
	    result_features_init(&w.features, &w.sc->features, tdp_scale_max_intervals(w.sc)) < 0 ||
	    (tdp_scale_has_events(w.sc) && scaled_events_init(&w) < 0)) {
		tdp_log_error("out of memory for scale %s (window %u)", w.sc->name, w.sc->window);
		return TDP_EXIT_SYSTEM;
	}
	recover(&w, kind);
	struct tdp_bell *mine = &c->slot->bell;
	struct tdp_bell *ingest_bell = &tdp_shm_proc(&c->seg, tdp_slot_ingest())->bell;
	struct tdp_bell *publish_bell = &tdp_shm_proc(&c->seg, tdp_slot_publish(c->seg.hdr))->bell;
	struct tdp_idle idle = {0};
	for (;;) {
		static struct tdp_point batch[BATCH];
		unsigned got = tdp_point_peek_many(w.in, w.in_slots, batch, BATCH);
		for (unsigned i = 0; i < got; i++) {
			scaled_select(w.sc, &batch[i]);
			kind->apply(&w, &batch[i]);
		}
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
			if (!stopping(&w))
				kind->finish(&w);
			break;
		}
		if (kind->idle(&w))
			tdp_bell_ring(publish_bell);
		uint32_t seen = tdp_bell_prepare(mine);
		if (tdp_ring_used(w.in) > 0 || ingest_done(&w))
			tdp_bell_cancel(mine);
		else
			tdp_bell_sleep(mine, seen, 100);
	}
	tdp_child_done(c);
	tdp_bell_ring(publish_bell);
	kind->fini(&w);
	free(w.st);
	free(w.vals);
	free(w.result);
	free(w.prev_reserved);
	compute_fini(&w.compute);
	result_features_fini(&w.features);
	scaled_events_fini(&w);
	return TDP_EXIT_OK;
}
