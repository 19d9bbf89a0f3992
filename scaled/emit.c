/*
 * emit.c - a scale worker's results into its arena and out-ring, and the
 * counters and logs that go with them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/crash.h"
#include "common/counter.h"
#include "common/exitcode.h"
#include "common/hist.h"
#include "common/log.h"
#include "scaled/events.h"
#include "scaled/prev_diagram.h"
#include "scaled/scaled.h"

void scaled_commit(struct scaled *w, uint32_t i)
{
	*TDP_NEXT(&w->ws[i]) = w->st[i];
	tdp_commit(&w->ws[i].ver);
}

void scaled_reserve(struct scaled *w, uint32_t i, uint64_t off, uint64_t len)
{
	const struct tdp_scale_layout *l = &w->child.seg.hdr->scales[w->s];
	uint64_t at = l->store_off + (uint64_t)i * l->store_stride + off;
	if (i >= w->child.seg.hdr->max_streams || off + len > l->store_stride || at + len > w->child.seg.size) {
		/* A bug: posix_fallocate would grow the segment past its layout,
		 * and no successor could map it again. */
		tdp_log_error("scale %s: store reservation outside the segment (stream %u, offset %llu, %llu bytes)",
			      w->sc->name, i, (unsigned long long)off, (unsigned long long)len);
		abort();
	}
	int rc = posix_fallocate(w->child.seg.fd, (off_t)at, (off_t)len);
	if (rc) {
		tdp_log_error("scale %s: no room in /dev/shm for the window of stream %s (%llu bytes): %s",
			w->sc->name, tdp_shm_stream(&w->child.seg, i)->name, (unsigned long long)len, strerror(rc));
		exit(TDP_EXIT_SYSTEM);
	}
}

void *scaled_store(struct scaled *w, uint32_t i)
{
	scaled_reserve(w, i, 0, w->child.seg.hdr->scales[w->s].store_stride);
	return tdp_shm_store(&w->child.seg, w->s, i);
}

uint32_t scaled_stream_count(const struct scaled *w)
{
	uint32_t n = tdp_load_acquire_u32(&w->child.seg.hdr->nstreams);
	return n < w->child.seg.hdr->max_streams ? n : w->child.seg.hdr->max_streams;
}

/* Wait a little for publish to make room, staying visibly alive. */
static void wait_for_publish(struct scaled *w)
{
	tdp_bell_ring(&tdp_shm_proc(&w->child.seg, tdp_slot_publish(w->child.seg.hdr))->bell);
	tdp_child_beat(&w->child);
	tdp_sleep_ms(1);
}

/* Copy result R (SIZE bytes) into the arena and queue its descriptor. */
static void emit(struct scaled *w, const struct tdp_result *r, size_t size, uint64_t read_ns)
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
	struct tdp_result_desc d = {.off = pos, .len = (uint32_t)size, .stream = r->stream, .window = r->window,
				    .read_ns = read_ns};
	if (!tdp_desc_push(w->out, w->out_slots, &d))
		abort();   /* impossible: we checked for room and are the only producer */
	tdp_counter_add(&w->child.slot->records_out, 1);
}

/* The number a window is called by in logs: k itself for time scales. */
static long long window_label(const struct tdp_result *r)
{
	return r->flags & TDP_RESULT_TIME_WINDOW ? (long long)(r->window - TDP_TIME_WINDOW_BIAS) :
	       (long long)r->window;
}

/*
 * Window R was published without the dimensions the engine could not
 * compute (result.incomplete names them): count it by reason, and log
 * it, the first windows of each reason and then at powers of two, so that
 * a scale whose every window passes its bound does not flood the log.
 */
static void report_incomplete(struct scaled *w, const struct tdp_result *r, enum tdp_incomplete why)
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
	tdp_log_warn("scale %s: window %lld of stream %s published without %s: %s%s "
		"(%llu such window%s so far; see tdapipe-results(5), incomplete)",
		w->sc->name, window_label(r), tdp_shm_stream(&w->child.seg, r->stream)->name, dims,
		tdp_incomplete_name(why), bound, (unsigned long long)seen, seen == 1 ? "" : "s");
}

/* Out of memory for what a window's result carries: the worker exits (and
 * is restarted). */
static void out_of_memory(struct scaled *w, const struct tdp_result *r, const char *what)
{
	tdp_log_warn("scale %s: out of memory for the %s of window %lld of stream %s", w->sc->name, what,
		window_label(r), tdp_shm_stream(&w->child.seg, r->stream)->name);
	exit(TDP_EXIT_SYSTEM);
}

/* R's features and events, against its stream's previous window; R kept
 * as that. */
static void add_sections(struct scaled *w, struct tdp_result *r)
{
	struct diagram_view prev;
	bool keeps = tdp_scale_needs_prev(w->sc);
	bool has_prev = keeps && scaled_prev_view(w, r->stream, &prev);
	r->features = 0;
	if (w->features.l.width &&
	    result_features_fill(&w->features, r, has_prev && w->features.l.ndist ? &prev : NULL) < 0)
		out_of_memory(w, r, "features");
	if (w->events && scaled_events_add(w, r, has_prev ? &prev : NULL) < 0)
		out_of_memory(w, r, "events");
	if (keeps)
		scaled_prev_keep(w, r);
}

void scaled_emit(struct scaled *w, enum tdp_incomplete why, uint64_t dt, uint64_t read_ns)
{
	struct tdp_result *r = w->result;
	if (w->features.l.width || w->events) {
		uint64_t t0 = tdp_now_ns();
		add_sections(w, r);
		dt += tdp_now_ns() - t0;
	}
	size_t size = tdp_result_size(tdp_result_nintervals(r)) + (size_t)r->features * sizeof(double) +
		      scaled_events_size(r);
	r->size = (uint32_t)size;
	r->scale = w->s;
	emit(w, r, size, read_ns);
	tdp_counter_add(&w->child.slot->windows, 1);
	if (why != TDP_INCOMPLETE_NONE)
		report_incomplete(w, r, why);
	tdp_hist_add(w->child.slot->compute_hist, dt);
}
