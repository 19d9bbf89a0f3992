/*
 * time_windows.c - windows over event time, as Flink's sliding windows.
 *
 * Window k of a stream covers event times [k*slide, k*slide + window)
 * (k may be negative).  Its points are the stream's points with a time in
 * it, ordered by (time, arrival): the series a sublevel scale filters and
 * a delay embedding walks.  Points arrive out of order, within the
 * source's lateness; the stream's watermark is its newest time minus the
 * lateness, ingest refuses points below it (dead letters, reason late),
 * and a window is emitted once the watermark reaches its end (or the
 * input ends, or idle_close passes): no point can join it after that.
 *
 * Per stream, in its store in the segment (common/shm.h):
 *   pend  the points not yet in order (time >= watermark), in slots by
 *         sequence number (tdp_time_pend_slots: max_window_points, at
 *         least 65536);
 *   held  the points in order that some open window keeps, a ring by
 *         position, tagged with their settled index h (their place in
 *         the (time, arrival) order of the stream's points).
 * Points move from pend to held in (time, arrival) order as the watermark
 * passes them ("settling", a heap in process memory orders them).  Before
 * a point of time t settles, every window ending at or before t is
 * closed, so when window k closes the points settled so far are exactly
 * its points and those before it: if its first point has index a_k, it
 * holds settled - a_k points, and keeps the first max_window_points (C)
 * of them, a contiguous run of held.  A point is held only when the
 * newest window it falls in keeps it (rank h - a_J < C); since a_k grows
 * with k, every window that keeps it then does too.  Held therefore needs
 * at most C per window a point can fall in, which is its size.
 *
 * The pend slots bound the points waiting: a point arriving when the slot it
 * needs still holds a point not in order settles the points up to that
 * one early; a later point that would come before them is counted as
 * dropped.  idle_close emits a quiet stream's windows the same way.
 *
 * Crash safety (ARCHITECTURE.md, invariant 2): each step below writes
 * into slots no committed state refers to and then commits the stream's
 * state (struct tdp_wstate: next_seq, newest_t, settled, held_head,
 * held_tail, last_t/last_seq, next_window) with one release store:
 *   apply:  [settle early] write the pend slot; commit next_seq, newest_t;
 *   settle: [close windows ending before it] write the held slot; commit
 *           settled, held_head, last;
 *   close:  emit the result; commit next_window, held_tail.
 * A successor rebuilds the heap from pend (the slots of the last pend-size
 * sequence numbers that sort after last_t/last_seq),
 * and closes and settles what the watermark already passed.
 *
 * Latency (a result's read_ns, tdapipe-stats(1)): a time window can be
 * emitted only once the watermark passes its end, so its latency runs
 * from the read of the point whose arrival moved the watermark there (or
 * forced the early settling that closed it), not from its own last point:
 * waiting for the watermark is the lateness the config asks for, not
 * pipeline delay.  A window closed by idle_close or the end of the input
 * counts from then.  A successor closing what the watermark had already
 * passed counts from the stream's last point applied, whose read time the
 * pend store keeps: the downtime is latency.
 */
#define _GNU_SOURCE 1   /* fallocate(2) */
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/crash.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "scaled/key_heap.h"
#include "scaled/scaled.h"

typedef __int128 wide;   /* window bounds: k * slide + window may pass int64_t */
#define NEVER ((wide)1 << 100)   /* a watermark past every time: the input ended */

struct tw_stream {
	bool ready;                 /* views attached and heap rebuilt by this process */
	struct window pend;         /* tdp_time_pend_slots() slots by sequence number */
	struct window held;         /* held_slots slots by ring position; tag = h + 1 */
	struct key *heap;           /* the pending points, least (t, seq) first */
	uint32_t nheap;
	bool j_known;               /* j, a_j: the newest window holding a settled point, */
	int64_t j;                  /* and the settled index of its first point */
	uint64_t a_j;
	struct sublevel_slide sl;   /* sublevel: fed from held up to held position `fed` */
	bool sl_ok;
	uint64_t fed;
	uint64_t reserved_chunk;    /* held chunks reserved in /dev/shm by this process: below this + 1 */
	bool reserved_any;
	uint64_t last_wall;         /* CLOCK_MONOTONIC of its last point, for idle_close */
};

struct time_state {
	struct tw_stream *streams;
	uint64_t held_slots;        /* H */
	uint64_t pend_bytes;        /* where held begins in a store */
	uint64_t behind;            /* points left out for coming after points settled early */
	uint64_t close_read_ns;     /* the read_ns of windows closed now: see the file comment */
};

static struct time_state *state_of(const struct scaled *w)
{
	return w->kind_state;
}

/* ---------------------------------------------------------- arithmetic */

static int64_t floor_div(wide a, int64_t b)
{
	wide q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (int64_t)q;
}

static int64_t slide_of(const struct scaled *w)
{
	return (int64_t)w->sc->slide_ns;
}

/* The newest window holding T, and the oldest. */
static int64_t k_hi(const struct scaled *w, int64_t t)
{
	return floor_div(t, slide_of(w));
}

static int64_t k_lo(const struct scaled *w, wide t)
{
	return floor_div(t - (wide)w->sc->window_ns, slide_of(w)) + 1;
}

static wide k_start(const struct scaled *w, int64_t k)
{
	return (wide)k * slide_of(w);
}

static wide k_end(const struct scaled *w, int64_t k)
{
	return k_start(w, k) + (wide)w->sc->window_ns;
}

static int64_t clamp64(wide v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

static int64_t next_k(const struct tdp_wstate_body *b)
{
	return (int64_t)(b->next_window - TDP_TIME_WINDOW_BIAS);
}

static void set_next_k(struct tdp_wstate_body *b, int64_t k)
{
	b->next_window = (uint64_t)k + TDP_TIME_WINDOW_BIAS;
}

static struct key last_key(const struct tdp_wstate_body *b)
{
	return (struct key){b->last_t, b->last_seq};
}

/* Whether a point with key K is still to be settled (not in order yet). */
static bool pending(const struct tdp_wstate_body *b, struct key k)
{
	return b->settled == 0 || key_less(last_key(b), k);
}

/* The stream's watermark: its newest time minus the lateness. */
static wide watermark(const struct scaled *w, const struct tdp_wstate_body *b)
{
	if (b->newest_t == INT64_MIN)
		return -NEVER;
	return (wide)b->newest_t - (wide)w->child.cfg.source.lateness_ns;
}

/* ---------------------------------------------------------------- held */

static uint64_t held_slot(const struct time_state *s, uint64_t pos)
{
	return pos % s->held_slots;
}

static int64_t held_t(const struct scaled *w, const struct tw_stream *ts, uint64_t pos)
{
	return ts->held.t[held_slot(state_of(w), pos)];
}

static uint64_t held_h(const struct scaled *w, const struct tw_stream *ts, uint64_t pos)
{
	return ts->held.tag[held_slot(state_of(w), pos)] - 1;
}

/*
 * Reserve (MODE 0) or give back (FALLOC_FL_PUNCH_HOLE) the pages of held
 * chunk C (a slot chunk, 0..H/CHUNK-1) of stream I, in each of the ring's
 * four columns.  Reserving is what keeps /dev/shm running out an error
 * rather than a SIGBUS; giving back keeps memory at what is held.
 */
static void held_chunk(struct scaled *w, uint32_t i, uint64_t c, int mode)
{
	const struct time_state *s = state_of(w);
	const struct tdp_scale_layout *l = &w->child.seg.hdr->scales[w->s];
	uint64_t store = l->store_off + (uint64_t)i * l->store_stride;
	const uint64_t widths[4] = {8, 8, 8, 8 * (uint64_t)w->st[i].dim};   /* tag, t, off, values */
	uint64_t col = s->pend_bytes;   /* each column's start, within the store */
	for (int k = 0; k < 4; k++) {
		uint64_t lo = col + c * TDP_HELD_CHUNK * widths[k];
		uint64_t hi = lo + TDP_HELD_CHUNK * widths[k];
		col += s->held_slots * widths[k];
		if (!mode) {
			scaled_reserve(w, i, lo, hi - lo);
			continue;
		}
		lo = (lo + 4095) & ~(uint64_t)4095;   /* whole pages only: neighbours stay */
		hi &= ~(uint64_t)4095;
		if (hi > lo)
			(void)fallocate(w->child.seg.fd, mode, (off_t)(store + lo), (off_t)(hi - lo));
	}
}

/* Held position POS of stream I is about to be written: its chunk reserved. */
static void held_reserve(struct scaled *w, uint32_t i, struct tw_stream *ts, uint64_t pos)
{
	uint64_t chunk = pos / TDP_HELD_CHUNK;
	if (ts->reserved_any && chunk <= ts->reserved_chunk)
		return;
	held_chunk(w, i, chunk % (state_of(w)->held_slots / TDP_HELD_CHUNK), 0);
	ts->reserved_any = true;
	ts->reserved_chunk = chunk;
}

/* Let go of held positions [FROM, TO) of stream I: give back the chunks
 * wholly behind TO that the ring has not come round to again. */
static void held_release(struct scaled *w, uint32_t i, uint64_t from, uint64_t to)
{
	uint64_t nchunks = state_of(w)->held_slots / TDP_HELD_CHUNK;
	uint64_t head_chunk = w->st[i].held_head / TDP_HELD_CHUNK;
	for (uint64_t c = from / TDP_HELD_CHUNK; c < to / TDP_HELD_CHUNK; c++)
		if (c + nchunks > head_chunk)
			held_chunk(w, i, c % nchunks, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
}

/* -------------------------------------------------------------- streams */

/* Stream I's process memory, set up from its store on first use. */
static struct tw_stream *stream_of(struct scaled *w, uint32_t i)
{
	struct time_state *s = state_of(w);
	struct tw_stream *ts = &s->streams[i];
	if (ts->ready)
		return ts;
	const struct tdp_wstate_body *b = &w->st[i];
	uint32_t cap = tdp_time_pend_slots(w->sc);
	char *store = (char *)tdp_shm_store(&w->child.seg, w->s, i);
	scaled_reserve(w, i, 0, s->pend_bytes);
	window_attach(&ts->pend, store, cap, b->dim);
	/* Held is laid out as a window (scaled/window.h) of held_slots, which
	 * may pass window_attach's 32 bits. */
	ts->held.dim = b->dim;
	ts->held.tag = (uint64_t *)(store + s->pend_bytes);
	ts->held.t = (int64_t *)(ts->held.tag + s->held_slots);
	ts->held.off = (uint64_t *)(ts->held.t + s->held_slots);
	ts->held.read_ns = NULL;   /* TDP_HELD_WORDS: windows take their closing point's read time */
	ts->held.v = (double *)(ts->held.off + s->held_slots);
	ts->heap = malloc(sizeof(*ts->heap) * cap);
	if (!ts->heap || (w->sc->complex == TDP_COMPLEX_SUBLEVEL && sls_init(&ts->sl, w->sc->max_window_points, 0) < 0)) {
		tdp_log_error("scale %s: out of memory for stream %u", w->sc->name, i);
		exit(TDP_EXIT_SYSTEM);
	}
	/* The points not yet in order: the last `cap` sequence numbers' slots
	 * that sort after the last point settled. */
	ts->nheap = 0;
	uint64_t end = b->next_seq;
	for (uint64_t seq = end > cap ? end - cap : 0; seq < end; seq++) {
		if (!window_has(&ts->pend, seq))
			continue;
		struct key k = {ts->pend.t[seq % cap], seq};
		if (pending(b, k))
			key_heap_push(ts->heap, &ts->nheap, k);
	}
	ts->last_wall = tdp_now_ns();
	ts->ready = true;
	return ts;
}

/*
 * The settled index of the first point of window J, the newest window
 * holding the point about to settle (index settled).  Times settle in
 * order, so J only grows: a new J starts at this point; the same J as
 * the last point's keeps its start; after a restart, the same J is found
 * again as the run of held points from its start (its first point is
 * held: it is first in its newest window).
 */
static uint64_t first_of_newest(struct scaled *w, uint32_t i, struct tw_stream *ts, int64_t j)
{
	const struct tdp_wstate_body *b = &w->st[i];
	if (ts->j_known && ts->j == j)
		return ts->a_j;
	uint64_t a = b->settled;
	if (!ts->j_known && b->settled && k_hi(w, b->last_t) == j) {
		wide start = k_start(w, j);
		for (uint64_t pos = b->held_head; pos-- > b->held_tail && held_t(w, ts, pos) >= start;)
			a = held_h(w, ts, pos);
	}
	ts->j_known = true;
	ts->j = j;
	ts->a_j = a;
	return a;
}

/* ---------------------------------------------------------- closing */

/*
 * Emit window K of stream I, if it holds a point.  Every point settled
 * so far lies before its end (closing comes before settling past it).
 */
static void close_window(struct scaled *w, uint32_t i, struct tw_stream *ts, int64_t k)
{
	const struct tdp_wstate_body *b = &w->st[i];
	wide start = k_start(w, k), end = k_end(w, k);
	uint64_t pos = b->held_tail;
	while (pos < b->held_head && held_t(w, ts, pos) < start)
		pos++;
	if (pos == b->held_head || held_t(w, ts, pos) >= end)
		return;
	uint64_t a = held_h(w, ts, pos);
	uint64_t total = b->settled - a;
	uint64_t n = total < w->sc->max_window_points ? total : w->sc->max_window_points;
	struct tdp_result *r = w->result;
	memset(r, 0, sizeof(*r));
	enum tdp_incomplete why = TDP_INCOMPLETE_NONE;
	uint64_t t0 = tdp_now_ns();
	const struct time_state *s = state_of(w);
	if (w->sc->complex == TDP_COMPLEX_SUBLEVEL) {
		/* The structure holds held positions [.., fed): a run ending
		 * within this window's, as windows' runs only move forward. */
		if (!ts->sl_ok || ts->fed < pos || ts->fed > pos + n) {
			sls_clear(&ts->sl);
			ts->fed = pos;
			ts->sl_ok = true;
		}
		sls_expire_before(&ts->sl, a);
		for (; ts->fed < pos + n; ts->fed++)
			sls_push(&ts->sl, held_h(w, ts, ts->fed), ts->held.v[held_slot(s, ts->fed)]);
		compute_sublevel(&w->compute, &ts->sl, r);
		w->window_slide = &ts->sl;
	} else {
		uint32_t dim = b->dim;
		for (uint64_t j = 0; j < n; j++)
			memcpy(w->vals + j * dim, ts->held.v + held_slot(s, pos + j) * dim, sizeof(double) * dim);
		why = compute_window(&w->compute, w->vals, n, dim, r);
	}
	uint64_t dt = tdp_now_ns() - t0;
	r->stream = i;
	r->window = (uint64_t)k + TDP_TIME_WINDOW_BIAS;
	tdp_result_set_bounds(r, start, end);
	r->start = held_t(w, ts, pos);
	r->end = held_t(w, ts, pos + n - 1);
	r->flags = TDP_RESULT_TIME_WINDOW | TDP_RESULT_START_TIMED | TDP_RESULT_END_TIMED;
	r->n = n;
	r->dropped = total - n;
	/* No resume point: a Kafka checkpoint falls back to the stream's base
	 * (publish/checkpoint.c), and publish drops what it already wrote. */
	r->src_seq = 0;
	r->src_off = 0;
	scaled_emit(w, why, dt, s->close_read_ns);
	if (total > n)
		tdp_counter_add(&w->child.slot->dropped, total - n);
}

/*
 * Close stream I's windows that end at or before LIMIT, in order, each
 * committed with next_window past it and the held points no later window
 * keeps let go.  Windows holding nothing are stepped over, not visited.
 */
static void close_upto(struct scaled *w, uint32_t i, struct tw_stream *ts, wide limit)
{
	struct tdp_wstate_body *b = &w->st[i];
	if (limit < (wide)INT64_MIN)
		return;   /* no watermark yet */
	for (;;) {
		int64_t k = next_k(b);
		/* Held points before window k: none of the open windows keeps
		 * them (a successor may have moved next_window past them). */
		uint64_t from = b->held_tail;
		wide start = k_start(w, k);
		while (b->held_tail < b->held_head && held_t(w, ts, b->held_tail) < start)
			b->held_tail++;
		if (b->held_tail != from) {
			scaled_commit(w, i);
			held_release(w, i, from, b->held_tail);
		}
		if (b->held_tail == b->held_head) {
			/* Nothing held: the windows ending by LIMIT are empty. */
			if (limit < NEVER && k_lo(w, limit) > k) {
				set_next_k(b, k_lo(w, limit));
				scaled_commit(w, i);
			}
			return;
		}
		/* The first window holding the first held point (window k holds it
		 * or lies before it). */
		int64_t first = k_lo(w, held_t(w, ts, b->held_tail));
		if (first > k)
			k = first;
		if (k_end(w, k) > limit) {
			if (k != next_k(b)) {
				set_next_k(b, k);
				scaled_commit(w, i);
			}
			return;
		}
		close_window(w, i, ts, k);
		set_next_k(b, k + 1);
		scaled_commit(w, i);
		tdp_child_beat(&w->child);   /* a batch may close many windows */
	}
}

/* ------------------------------------------------------------ settling */

/* Put stream I's least pending point in order (held, if a window keeps it). */
static void settle_one(struct scaled *w, uint32_t i, struct tw_stream *ts)
{
	struct tdp_wstate_body *b = &w->st[i];
	const struct time_state *s = state_of(w);
	struct key x = ts->heap[0];
	close_upto(w, i, ts, x.t);
	uint64_t h = b->settled;
	uint64_t a = first_of_newest(w, i, ts, k_hi(w, x.t));
	if (h - a < w->sc->max_window_points) {
		if (b->held_head - b->held_tail == s->held_slots) {
			tdp_log_warn("scale %s: stream %u holds %llu points, its bound: one left out", w->sc->name, i,
				(unsigned long long)s->held_slots);   /* cannot happen: see the file comment */
			tdp_counter_add(&w->child.slot->dropped, 1);
		} else {
			uint64_t pos = b->held_head, slot = held_slot(s, pos), from = x.seq % ts->pend.size;
			held_reserve(w, i, ts, pos);
			memcpy(ts->held.v + slot * b->dim, ts->pend.v + from * b->dim, sizeof(double) * b->dim);
			ts->held.t[slot] = x.t;
			ts->held.off[slot] = ts->pend.off[from];
			ts->held.tag[slot] = h + 1;
			tdp_crash_point();
			b->held_head++;
		}
	}
	b->settled = h + 1;
	b->last_t = x.t;
	b->last_seq = x.seq;
	scaled_commit(w, i);
	key_heap_pop(ts->heap, &ts->nheap);
}

/* Settle what stream I's watermark LIMIT passed, then close the windows
 * it reached. */
static void advance(struct scaled *w, uint32_t i, struct tw_stream *ts, wide limit)
{
	while (ts->nheap && (wide)ts->heap[0].t < limit)
		settle_one(w, i, ts);
	close_upto(w, i, ts, limit);
}

/* ------------------------------------------------------------- applying */

static void apply_point(struct scaled *w, const struct tdp_point *p)
{
	uint32_t i = p->stream;
	bool first;
	struct tdp_wstate_body *b = scaled_point_state(w, p, &first);
	if (!b)
		return;
	if (first) {   /* committed with the point */
		b->newest_t = INT64_MIN;
		b->next_window = 0;   /* the earliest window there is: empty ones are stepped over */
		uint64_t base = tdp_shm_stream(&w->child.seg, i)->base_seq;
		if (b->next_seq < base)
			b->next_seq = base;
	}
	struct tw_stream *ts = stream_of(w, i);
	ts->last_wall = tdp_now_ns();
	state_of(w)->close_read_ns = p->read_ns;
	struct key k = {p->t, p->seq};
	uint64_t gap = p->seq - b->next_seq;
	if (p->flags & TDP_POINT_REFUSED) {
		/* In no window, counted refused (not lost); its time moves the
		 * watermark as it moved ingest's. */
		b->lost += gap;
		b->refused++;
		b->next_seq = p->seq + 1;
		if ((p->flags & TDP_POINT_TIMED) && p->t > b->newest_t)
			b->newest_t = p->t;
		scaled_commit(w, i);
		advance(w, i, ts, watermark(w, b));
		return;
	}
	if (!(p->flags & TDP_POINT_TIMED) || !pending(b, k)) {
		/* Before what is already in order (only after an early settle
		 * or idle_close): in no window.  Untimed: ingest refuses them.
		 * Logged, the first and then at powers of two. */
		tdp_counter_add(&w->child.slot->dropped, 1);
		uint64_t n = ++state_of(w)->behind;
		if (tdp_log_nth(n))
			tdp_log_warn("scale %s: a point of stream %s at %lld ns came after points of later times were put "
				"in order early (a full buffer of waiting points, or idle_close): left out of its "
				"windows (%llu such point%s so far; tdapipe.yaml(5), EVENT TIME)", w->sc->name,
				tdp_shm_stream(&w->child.seg, i)->name, (long long)p->t, (unsigned long long)n,
				n == 1 ? "" : "s");
		b->lost += gap;
		b->next_seq = p->seq + 1;
		scaled_commit(w, i);
		return;
	}
	uint32_t cap = ts->pend.size;
	if (p->seq >= cap && window_has(&ts->pend, p->seq - cap)) {
		struct key old = {ts->pend.t[p->seq % cap], p->seq - cap};
		while (ts->nheap && pending(b, old))
			settle_one(w, i, ts);   /* its slot is needed: settle up to it early */
	}
	window_put(&ts->pend, p);
	tdp_crash_point();
	b->lost += gap;
	b->next_seq = p->seq + 1;
	if (p->t > b->newest_t)
		b->newest_t = p->t;
	scaled_commit(w, i);
	key_heap_push(ts->heap, &ts->nheap, k);
	advance(w, i, ts, watermark(w, b));
}

/* ---------------------------------------------------------- the gauges */

/* Refresh the scale's gauges in its process slot (tdapipe-stats(1)). */
static void gauges(struct scaled *w)
{
	uint32_t n = scaled_stream_count(w);
	uint64_t open = 0, waiting = 0;
	int64_t newest = INT64_MIN, lowest = INT64_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const struct tdp_wstate_body *b = &w->st[i];
		struct tw_stream *ts = &state_of(w)->streams[i];
		if (!b->dim || !ts->ready)
			continue;
		if (b->newest_t > newest)
			newest = b->newest_t;
		waiting += ts->nheap;
		if (!ts->nheap && b->held_tail == b->held_head)
			continue;
		int64_t oldest = b->held_tail < b->held_head ? held_t(w, ts, b->held_tail) : ts->heap[0].t;
		int64_t from = k_lo(w, oldest) > next_k(b) ? k_lo(w, oldest) : next_k(b);
		int64_t to = k_hi(w, b->newest_t);
		if (to >= from)
			open += (uint64_t)(to - from + 1);
		int64_t wm = clamp64(watermark(w, b));
		if (wm < lowest)
			lowest = wm;
	}
	tdp_store_u64(&w->child.slot->open_windows, open);
	tdp_store_u64(&w->child.slot->waiting, waiting);
	tdp_store_u64((uint64_t *)&w->child.slot->newest_ns, (uint64_t)newest);
	tdp_store_u64((uint64_t *)&w->child.slot->watermark_ns, (uint64_t)lowest);
}

/* ---------------------------------------------------- the loop's calls */

static int init(struct scaled *w)
{
	struct time_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	w->kind_state = s;
	s->streams = calloc(w->child.seg.hdr->max_streams, sizeof(*s->streams));
	s->held_slots = tdp_time_held_slots(w->sc);
	uint64_t dim = w->child.seg.hdr->scales[w->s].store_dim;
	s->pend_bytes = ((uint64_t)tdp_time_pend_slots(w->sc) * (TDP_WINDOW_WORDS + dim) * 8 + 4095) & ~(uint64_t)4095;
	tdp_store_u64((uint64_t *)&w->child.slot->newest_ns, (uint64_t)INT64_MIN);
	tdp_store_u64((uint64_t *)&w->child.slot->watermark_ns, (uint64_t)INT64_MAX);
	return s->streams ? 0 : -1;
}

/* Start: settle and close what the committed watermarks already passed. */
static void recover(struct scaled *w)
{
	uint32_t max = w->child.seg.hdr->max_streams;
	for (uint32_t i = 0; i < max; i++) {
		if (!w->st[i].dim)
			continue;
		struct tw_stream *ts = stream_of(w, i);
		uint64_t last = w->st[i].next_seq - 1;   /* the point whose arrival moved the watermark */
		state_of(w)->close_read_ns = window_has(&ts->pend, last) ? window_read_ns(&ts->pend, last) : tdp_now_ns();
		advance(w, i, ts, watermark(w, &w->st[i]));
	}
	gauges(w);
}

/* Stream I will get no more points now: all its windows out, and
 * next_window past the newest point's, however the windows before were
 * stepped over (a successor may have taken another path to here). */
static void flush(struct scaled *w, uint32_t i)
{
	struct tdp_wstate_body *b = &w->st[i];
	advance(w, i, stream_of(w, i), NEVER);
	if (b->newest_t != INT64_MIN && next_k(b) <= k_hi(w, b->newest_t)) {
		set_next_k(b, k_hi(w, b->newest_t) + 1);
		scaled_commit(w, i);
	}
}

static bool idle(struct scaled *w)
{
	uint64_t close_after = w->child.cfg.source.idle_close_ns;
	bool emitted = false;
	if (close_after) {
		uint64_t now = tdp_now_ns();
		uint32_t n = scaled_stream_count(w);
		for (uint32_t i = 0; i < n; i++) {
			struct tw_stream *ts = &state_of(w)->streams[i];
			const struct tdp_wstate_body *b = &w->st[i];
			if (!ts->ready || (!ts->nheap && b->held_tail == b->held_head) ||
			    now - ts->last_wall < close_after)
				continue;
			uint64_t before = w->child.slot->records_out;
			state_of(w)->close_read_ns = now;
			flush(w, i);
			emitted |= w->child.slot->records_out != before;
		}
	}
	gauges(w);
	return emitted;
}

/* No more points will come: every stream's windows, and the points that
 * never reached this scale (dropped on overflow) counted lost. */
static void finish(struct scaled *w)
{
	uint32_t n = scaled_stream_count(w);
	state_of(w)->close_read_ns = tdp_now_ns();
	for (uint32_t i = 0; i < n; i++) {
		struct tdp_wstate_body *b = &w->st[i];
		uint64_t total = tdp_shm_stream(&w->child.seg, i)->next_seq;
		if (b->dim)
			flush(w, i);
		if (b->next_seq < total) {
			b->lost += total - b->next_seq;
			b->next_seq = total;
			scaled_commit(w, i);
		}
	}
	gauges(w);
}

static void fini(struct scaled *w)
{
	struct time_state *s = state_of(w);
	if (!s)
		return;
	for (uint32_t i = 0; s->streams && i < w->child.seg.hdr->max_streams; i++) {
		free(s->streams[i].heap);
		if (s->streams[i].sl.cap)
			sls_fini(&s->streams[i].sl);
	}
	free(s->streams);
	free(s);
	w->kind_state = NULL;
}

const struct window_kind time_windows = {
	.init = init, .recover = recover, .apply = apply_point, .idle = idle, .finish = finish, .fini = fini,
};
