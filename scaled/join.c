/*
 * join.c - a scale whose points are several streams' values on ticks of
 * event time (config join:, tdapipe.yaml(5) JOIN).
 *
 * At each tick t = k*every the joined point holds, for each listed stream
 * in the order listed, its latest value with event time <= t (sample and
 * hold; equal times: the later arrival).  Tick t is built once every
 * listed stream's watermark (its newest time minus the source's
 * lateness) has passed it, so no point at or before t can still come:
 * the join's watermark is the least of them.  At the end of the input,
 * ticks go on up to the least of the streams' newest times.  A tick at
 * which some stream has no value yet, or only one older than max_age, is
 * skipped and counted.  The first tick is the first multiple of every at
 * or after the earliest time waiting when every stream has begun.  The
 * joined points form the stream named after the scale (ingest interns
 * it, ingest/join_streams.c), with the tick as event time, and go through
 * the scale's own windows (counts or durations: the inner kind, which
 * this wraps).  Points of streams the join does not list are passed
 * over.
 *
 * Each listed stream's points wait for the join's watermark in its store
 * (pend: TDP_PEND_MIN slots by sequence number, as time windows' points
 * wait for theirs); a point whose slot still holds one waiting is left
 * out (counted dropped): the join cannot run ahead of a stream that
 * lags that far.  A heap in process memory orders each stream's waiting
 * points by (time, arrival).
 *
 * Crash safety (ARCHITECTURE.md, invariant 2), in the stream states
 * (struct tdp_wstate):
 *   apply:  write the pend slot; commit the stream's next_seq, newest_t;
 *   settle: (for the tick being built, each point at or before it) commit
 *           the stream's hold_v, last_t/last_seq, settled;
 *   tick:   the joined point (sequence number: the joined stream's
 *           next_seq) through the inner kind, whose commit of the joined
 *           stream carries join_next past the tick; a skipped tick
 *           commits join_next and join_skipped.
 * Each step depends only on committed state, so a successor that rebuilds
 * the heaps from the pend slots (the points after last_t/last_seq) and
 * advances again builds the same ticks with the same numbers; the inner
 * kind recognises a joined point it already applied by its number.  A
 * listed stream's state keeps dim 0 (the inner kind leaves it alone) and
 * join_next 1 once it has begun.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/counter.h"
#include "common/crash.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "scaled/key_heap.h"
#include "scaled/scaled.h"

typedef __int128 wide;
#define NEVER ((wide)1 << 100)   /* a watermark past every time: the input ended */

struct raw {
	int64_t idx;                /* the stream's index, -1 until interned */
	bool ready;                 /* pend attached and heap rebuilt by this process */
	struct window pend;
	struct key *heap;
	uint32_t nheap;
};

struct join_state {
	const struct window_kind *inner;
	uint32_t n;
	struct raw raw[TDP_MAX_DIM];
	int64_t vidx;               /* the joined stream's index, -1 until found */
	uint32_t known;             /* streams of the table looked at so far */
	int8_t *listed;             /* per stream index: its place in the list + 1, 0: not listed */
	uint64_t read_ns;           /* the read time of the point that moved the watermark */
	uint64_t dropped;           /* points left out (logged at powers of two) */
};

static struct join_state *js_of(const struct scaled *w)
{
	return w->join_state;
}

/* Whether a point with key K of a stream in state B is still to be put
 * in order. */
static bool pending(const struct tdp_wstate_body *b, struct key k)
{
	return b->settled == 0 || key_less((struct key){b->last_t, b->last_seq}, k);
}


static int64_t floor_div(wide a, int64_t b)
{
	wide q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (int64_t)q;
}

/* ------------------------------------------------------------- streams */

/* Look at the streams interned since last time: the listed ones and the
 * joined one, by name. */
static void learn_streams(struct scaled *w)
{
	struct join_state *js = js_of(w);
	uint32_t n = scaled_stream_count(w);
	for (; js->known < n; js->known++) {
		const char *name = tdp_shm_stream(&w->child.seg, js->known)->name;
		int j = tdp_join_index(&w->sc->join, name);
		if (j >= 0) {
			js->raw[j].idx = js->known;
			js->listed[js->known] = (int8_t)(j + 1);
		} else if (!strcmp(name, w->sc->name)) {
			js->vidx = js->known;
		}
	}
}

/* Listed stream J's pend slots and heap, from its store on first use. */
static struct raw *raw_of(struct scaled *w, uint32_t j)
{
	struct raw *r = &js_of(w)->raw[j];
	if (r->ready)
		return r;
	uint32_t i = (uint32_t)r->idx;
	const struct tdp_wstate_body *b = &w->st[i];
	window_attach(&r->pend, scaled_store(w, i), TDP_PEND_MIN, 1);
	r->heap = malloc(sizeof(*r->heap) * TDP_PEND_MIN);
	if (!r->heap) {
		tdp_log_error("scale %s: out of memory for stream %u", w->sc->name, i);
		exit(TDP_EXIT_SYSTEM);
	}
	r->nheap = 0;
	uint64_t end = b->next_seq;
	for (uint64_t seq = end > TDP_PEND_MIN ? end - TDP_PEND_MIN : 0; seq < end; seq++) {
		if (!window_has(&r->pend, seq))
			continue;
		struct key k = {r->pend.t[seq % TDP_PEND_MIN], seq};
		if (pending(b, k))
			key_heap_push(r->heap, &r->nheap, k);
	}
	r->ready = true;
	return r;
}

/* ------------------------------------------------------------- ticks */

/* The least of the listed streams' newest times (the last tick at the
 * end of the input); -NEVER until every one has a point. */
static wide least_newest(struct scaled *w)
{
	struct join_state *js = js_of(w);
	wide least = NEVER;
	for (uint32_t j = 0; j < js->n; j++) {
		if (js->raw[j].idx < 0)
			return -NEVER;
		const struct tdp_wstate_body *b = &w->st[js->raw[j].idx];
		if (!b->join_next || b->newest_t == INT64_MIN)
			return -NEVER;
		if (b->newest_t < least)
			least = b->newest_t;
	}
	return least;
}

/* The join's watermark: the least of the listed streams' (each one's
 * newest time minus the lateness). */
static wide join_watermark(struct scaled *w)
{
	wide least = least_newest(w);
	return least <= -NEVER ? -NEVER : least - (wide)w->child.cfg.source.lateness_ns;
}

/* Put listed stream J's least waiting point in order: its value held. */
static void settle_one(struct scaled *w, uint32_t j)
{
	struct raw *r = raw_of(w, j);
	uint32_t i = (uint32_t)r->idx;
	struct tdp_wstate_body *b = &w->st[i];
	struct key x = r->heap[0];
	b->hold_v = r->pend.v[x.seq % TDP_PEND_MIN];
	b->last_t = x.t;
	b->last_seq = x.seq;
	b->settled++;
	scaled_commit(w, i);
	key_heap_pop(r->heap, &r->nheap);
}

/* Build tick K (time TK) of the joined stream (state VB, index V). */
static void build_tick(struct scaled *w, uint32_t v, int64_t k, int64_t tk)
{
	struct join_state *js = js_of(w);
	const struct tdp_join_cfg *jc = &w->sc->join;
	struct tdp_wstate_body *vb = &w->st[v];
	struct tdp_point p = {
		.seq = vb->next_seq, .t = tk, .stream = v, .dim = (uint16_t)js->n, .flags = TDP_POINT_TIMED,
		.read_ns = js->read_ns,
	};
	bool ok = true;
	for (uint32_t j = 0; j < js->n && ok; j++) {
		const struct tdp_wstate_body *b = &w->st[js->raw[j].idx];
		ok = b->settled && (!jc->max_age_ns || (uint64_t)((wide)tk - b->last_t) <= jc->max_age_ns);
		p.v[j] = b->hold_v;
	}
	vb->join_next = (uint64_t)(k + 1) + TDP_TIME_WINDOW_BIAS;
	if (!ok) {
		vb->join_skipped++;
		scaled_commit(w, v);
		tdp_store_u64(&w->child.slot->ticks_skipped, vb->join_skipped);   /* exact: the committed count */
		return;
	}
	js->inner->apply(w, &p);   /* commits the joined stream, join_next with it */
	scaled_commit(w, v);       /* (a joined point is never a replay: its number is next_seq) */
}

/*
 * Build the ticks the join's watermark LIMIT passed (at the END of the
 * input: up to the least newest time), settling before each the points
 * at or before it.
 */
static void advance(struct scaled *w, wide limit, bool end)
{
	struct join_state *js = js_of(w);
	if (limit <= -NEVER || js->vidx < 0)
		return;
	uint32_t v = (uint32_t)js->vidx;
	int64_t every = (int64_t)w->sc->join.every_ns;
	wide last = end ? least_newest(w) : NEVER;
	if (last <= -NEVER)
		return;   /* the input ended before every stream began: no tick */
	if (!w->st[v].join_next) {
		/* The first tick: at or after the earliest time waiting now. */
		wide m = NEVER;
		for (uint32_t j = 0; j < js->n; j++) {
			struct raw *r = raw_of(w, j);
			if (r->nheap && r->heap[0].t < m)
				m = r->heap[0].t;
		}
		if (m == NEVER)
			return;
		int64_t k0 = -floor_div(-m, every);   /* ceil */
		w->st[v].join_next = (uint64_t)k0 + TDP_TIME_WINDOW_BIAS;
		scaled_commit(w, v);
	}
	for (;;) {
		int64_t k = (int64_t)(w->st[v].join_next - TDP_TIME_WINDOW_BIAS);
		wide tk = (wide)k * every;
		if (tk >= limit || tk > last || tk > INT64_MAX)
			return;
		for (uint32_t j = 0; j < js->n; j++) {
			struct raw *r = raw_of(w, j);
			while (r->nheap && r->heap[0].t <= tk)
				settle_one(w, j);
		}
		build_tick(w, v, k, (int64_t)tk);
		tdp_child_beat(&w->child);   /* a gap may hold many ticks */
	}
}

/* ------------------------------------------------------------- applying */

static void left_out(struct scaled *w, const struct tdp_point *p, const char *why)
{
	struct join_state *js = js_of(w);
	tdp_counter_add(&w->child.slot->dropped, 1);
	uint64_t n = ++js->dropped;
	if (tdp_log_nth(n))
		tdp_log_warn("scale %s: a point of stream %s at %lld ns left out of the join: %s (%llu such "
			     "point%s so far; tdapipe.yaml(5), JOIN)", w->sc->name,
			     tdp_shm_stream(&w->child.seg, p->stream)->name, (long long)p->t, why,
			     (unsigned long long)n, n == 1 ? "" : "s");
}

static void apply_point(struct scaled *w, const struct tdp_point *p)
{
	struct join_state *js = js_of(w);
	if (p->stream >= w->child.seg.hdr->max_streams)
		return;
	if (p->stream >= js->known || js->vidx < 0)
		learn_streams(w);
	uint32_t i = p->stream;
	struct tdp_wstate_body *b = &w->st[i];
	if (p->seq < b->next_seq)
		return;   /* applied before a restart */
	int j = js->listed[i] - 1;
	if (j < 0) {
		/* Not joined here: its numbers move on, nothing else. */
		b->next_seq = p->seq + 1;
		scaled_commit(w, i);
		return;
	}
	if (!b->join_next) {   /* its first point here, committed with it */
		b->join_next = 1;
		b->newest_t = INT64_MIN;
		uint64_t base = tdp_shm_stream(&w->child.seg, i)->base_seq;
		if (b->next_seq < base)
			b->next_seq = base;
	}
	js->read_ns = p->read_ns;
	uint64_t gap = p->seq - b->next_seq;
	struct key k = {p->t, p->seq};
	struct raw *r = raw_of(w, (uint32_t)j);
	bool timed = p->flags & TDP_POINT_TIMED;
	const char *why = NULL;
	if (p->flags & TDP_POINT_REFUSED)
		b->refused++;   /* no value here, but its time moves the watermark */
	else if (!timed || !pending(b, k))
		why = "it came after later points were put in order";
	else if (p->seq >= TDP_PEND_MIN && window_has(&r->pend, p->seq - TDP_PEND_MIN) &&
		 pending(b, (struct key){r->pend.t[p->seq % TDP_PEND_MIN], p->seq - TDP_PEND_MIN}))
		why = "its stream has 65536 points waiting for the other streams' watermarks";
	bool keep = !(p->flags & TDP_POINT_REFUSED) && !why;
	if (why)
		left_out(w, p, why);
	if (keep) {
		window_put(&r->pend, p);
		tdp_crash_point();
	}
	b->lost += gap;
	b->next_seq = p->seq + 1;
	if (timed && p->t > b->newest_t)
		b->newest_t = p->t;
	scaled_commit(w, i);
	if (keep)
		key_heap_push(r->heap, &r->nheap, k);
	advance(w, join_watermark(w), false);
}

/* ------------------------------------------------------ the loop's calls */

static int init(struct scaled *w)
{
	struct join_state *js = calloc(1, sizeof(*js));
	if (!js)
		return -1;
	w->join_state = js;
	js->inner = w->sc->timed ? &time_windows : &count_windows;
	js->n = w->sc->join.n;
	js->vidx = -1;
	for (uint32_t j = 0; j < TDP_MAX_DIM; j++)
		js->raw[j].idx = -1;
	js->listed = calloc(w->child.seg.hdr->max_streams, 1);
	return js->listed ? js->inner->init(w) : -1;
}

static void recover(struct scaled *w)
{
	js_of(w)->inner->recover(w);
	learn_streams(w);
	if (js_of(w)->vidx >= 0)
		tdp_store_u64(&w->child.slot->ticks_skipped, w->st[js_of(w)->vidx].join_skipped);
	js_of(w)->read_ns = 0;
	advance(w, join_watermark(w), false);
}

static bool idle(struct scaled *w)
{
	return js_of(w)->inner->idle(w);
}

static void finish(struct scaled *w)
{
	learn_streams(w);
	advance(w, NEVER, true);
	js_of(w)->inner->finish(w);
}

static void fini(struct scaled *w)
{
	struct join_state *js = js_of(w);
	if (!js)
		return;
	js->inner->fini(w);
	for (uint32_t j = 0; j < TDP_MAX_DIM; j++)
		free(js->raw[j].heap);
	free(js->listed);
	free(js);
	w->join_state = NULL;
}

const struct window_kind join_windows = {
	.init = init, .recover = recover, .apply = apply_point, .idle = idle, .finish = finish, .fini = fini,
};
