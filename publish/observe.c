/*
 * observe.c - latency and latest results of committed results
 * (publish/observe.h).
 *
 * A result counts as written when the commit covering it is made: for a
 * file, once the write holding it completed; for a Kafka sink, once its
 * messages are delivered and, with exactly_once, the transaction holding
 * them is committed (publish/sink_kafka.c: the flight settles then).  So
 * the latency is up to the moment a reader of the sink can see the
 * result, measured when publish learns it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"
#include "common/latest.h"
#include "common/ring.h"
#include "publish/encode_events.h"
#include "publish/observe.h"

void observe_latest_of(const struct tdp_result *r, struct tdp_latest *out)
{
	memset(out, 0, sizeof(*out));
	out->flags = TDP_LATEST_SET;
	out->window = r->window;
	out->end = r->end;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!tdp_result_has_diagram(r, d))
			continue;
		out->dims_mask |= 1u << d;
		const struct tdp_interval *iv = tdp_result_dim_intervals_const(r, d);
		for (uint32_t i = 0; i < r->count[d]; i++) {
			if (isinf(iv[i].death)) {
				out->essential[d]++;
			} else if (iv[i].death > iv[i].birth) {
				out->count[d]++;
				out->total[d] += iv[i].death - iv[i].birth;
			}
		}
	}
	const struct tdp_result_events *e = encode_events_of(r);
	if (e && (e->flags & TDP_EVENTS_SCORED) && !isnan(e->score)) {
		out->flags |= TDP_LATEST_SCORED;
		out->score = e->score;
	}
}

/* Persistence of IV for choosing what a latest diagram keeps: essential
 * classes above every finite one. */
static double pers(const struct tdp_interval *iv)
{
	return isinf(iv->death) ? INFINITY : iv->death - iv->birth;
}

/* The K-th largest (0-based) of X[0..N): quickselect, X reordered. */
static double kth_largest(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (x[i] > pivot)
				i++;
			while (x[j] < pivot)
				j--;
			if (i <= j) {
				double t = x[i];
				x[i] = x[j];
				x[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

void observe_diagram_of(const struct tdp_result *r, struct tdp_latest_view *out)
{
	/* Scratch for the persistences of a result with more intervals than
	 * kept: grown as needed, kept for the next (publish is one thread). */
	static double *scratch;
	static size_t cap;
	uint64_t total = 0;
	out->dims_mask = 0;
	out->window = r->window;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		out->kept[d] = out->of[d] = 0;
		if (!tdp_result_has_diagram(r, d))
			continue;
		out->dims_mask |= 1u << d;
		out->of[d] = r->count[d];
		total += r->count[d];
	}
	/* The least persistence kept, and how many of exactly it fit. */
	double floor = -INFINITY;
	uint64_t at_floor = TDP_LATEST_INTERVALS;
	if (total > TDP_LATEST_INTERVALS) {
		if (total > cap) {
			double *p = realloc(scratch, total * sizeof(*p));
			if (!p) {
				out->dims_mask = 0;   /* no diagram this time; the summaries still are */
				return;
			}
			scratch = p;
			cap = total;
		}
		size_t n = 0;
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
			const struct tdp_interval *iv = tdp_result_dim_intervals_const(r, d);
			for (uint32_t i = 0; out->dims_mask >> d & 1 && i < r->count[d]; i++)
				scratch[n++] = pers(&iv[i]);
		}
		floor = kth_largest(scratch, n, TDP_LATEST_INTERVALS - 1);
		uint64_t above = 0;
		for (size_t i = 0; i < n; i++)
			above += scratch[i] > floor;
		at_floor = TDP_LATEST_INTERVALS - above;
	}
	uint32_t k = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(out->dims_mask >> d & 1))
			continue;
		const struct tdp_interval *iv = tdp_result_dim_intervals_const(r, d);
		for (uint32_t i = 0; i < r->count[d] && k < TDP_LATEST_INTERVALS; i++) {
			double p = pers(&iv[i]);
			if (p < floor || (p == floor && !at_floor))
				continue;
			if (p == floor)
				at_floor--;
			out->iv[k++] = iv[i];
			out->kept[d]++;
		}
	}
}

void observe_point_of(const struct tdp_result *r, const struct tdp_latest *latest, struct tdp_latest_point *out)
{
	struct tdp_latest mine;
	const struct tdp_latest *l = latest;
	if (!l) {
		observe_latest_of(r, &mine);
		l = &mine;
	}
	memset(out, 0, sizeof(*out));
	out->window = r->window;
	out->end = r->end;
	out->dims_mask = l->dims_mask;
	memcpy(out->total, l->total, sizeof(out->total));
	if (l->flags & TDP_LATEST_SCORED) {
		out->flags |= TDP_LATEST_POINT_SCORED;
		out->score = l->score;
	}
	const struct tdp_result_events *e = encode_events_of(r);
	const struct tdp_event *ev = e ? tdp_result_event_list(e) : NULL;
	for (uint32_t i = 0; ev && i < e->nevents; i++)
		if (ev[i].type == TDP_EVENT_ANOMALY)
			out->flags |= TDP_LATEST_POINT_ANOMALY;
}

/* Per scale and latest stream: the last result of the commit being
 * observed, whose diagram the view gets (the others' only their point). */
static const struct tdp_result **last_of;
static uint32_t last_streams;

/* One committed result R of scale S, described by D; with VIEWS (the
 * exporter runs), its point into its stream's live-page view too. */
static void observe_one(const struct tdp_shm *seg, uint32_t s, const struct tdp_result_desc *d,
			const struct tdp_result *r, uint64_t now, bool views)
{
	/* read_ns 0: unknown (a descriptor from no point read); a clock
	 * that went back cannot happen with CLOCK_MONOTONIC on one machine,
	 * but a bad value stays out rather than land in the top bucket. */
	if (d->read_ns && d->read_ns <= now)
		tdp_hist_add(tdp_shm_out_ring(seg, s)->latency_hist, now - d->read_ns);
	struct tdp_latest *slot = tdp_shm_latest(seg, s, r->stream);
	struct tdp_latest v;
	if (slot) {
		observe_latest_of(r, &v);
		tdp_latest_write(slot, &v);
	}
	struct tdp_latest_view *view = views ? tdp_shm_latest_view(seg, s, r->stream) : NULL;
	if (view) {
		struct tdp_latest_point pt;
		observe_point_of(r, slot ? &v : NULL, &pt);
		tdp_latest_view_begin(view);
		view->points[view->npoints % TDP_LATEST_HISTORY] = pt;
		view->npoints++;
		tdp_latest_view_end(view);
		if (last_of)
			last_of[(uint64_t)s * last_streams + r->stream] = r;
	}
}

/* The diagrams of the last results observe_one saw, into their views. */
static void write_diagrams(const struct tdp_shm *seg)
{
	static struct tdp_latest_view dv;   /* 8 KB: not on the stack */
	for (uint32_t s = 0; s < seg->hdr->nscales; s++)
		for (uint32_t i = 0; i < last_streams; i++) {
			const struct tdp_result **r = &last_of[(uint64_t)s * last_streams + i];
			struct tdp_latest_view *view = *r ? tdp_shm_latest_view(seg, s, i) : NULL;
			if (!view)
				continue;
			observe_diagram_of(*r, &dv);
			tdp_latest_view_begin(view);
			view->dims_mask = dv.dims_mask;
			view->window = dv.window;
			memcpy(view->kept, dv.kept, sizeof(dv.kept));
			memcpy(view->of, dv.of, sizeof(dv.of));
			uint32_t n = 0;
			for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
				n += dv.kept[d];
			memcpy(view->iv, dv.iv, n * sizeof(dv.iv[0]));
			tdp_latest_view_end(view);
			*r = NULL;
		}
}

/* The first id of scale S in B at or after J (B->n: none). */
static uint32_t next_id(const struct tdp_publish_body *b, uint32_t j, uint32_t s)
{
	while (j < b->n && b->ids[j].scale != s)
		j++;
	return j;
}

void observe_committed(const struct tdp_shm *seg, const struct tdp_publish_body *b, uint64_t now, bool views)
{
	if (views && !last_of) {
		last_streams = seg->hdr->latest_streams;
		last_of = calloc((size_t)seg->hdr->nscales * last_streams + 1, sizeof(*last_of));
	}
	for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
		const struct tdp_ring *ring = tdp_shm_out_ring(seg, s);
		const struct tdp_result_desc *slots = tdp_shm_out_slots(seg, s);
		const char *arena = tdp_shm_arena(seg, s);
		uint64_t asize = seg->hdr->scales[s].arena_size;
		unsigned end = (unsigned)b->consumed[s];
		uint32_t j = next_id(b, 0, s);
		/* Ids are in the order publish read the descriptors, and a
		 * dropped duplicate never comes before the result of its id
		 * that was published: matching them in order pairs each id
		 * with its descriptor. */
		for (unsigned pos = tdp_ring_head(ring); pos != end && j < b->n; pos++) {
			struct tdp_result_desc d;
			if (!tdp_desc_peek(ring, slots, pos, &d))
				break;
			if (d.stream != b->ids[j].stream || d.window != b->ids[j].window)
				continue;
			observe_one(seg, s, &d, (const struct tdp_result *)(arena + d.off % asize), now, views);
			j = next_id(b, j + 1, s);
		}
	}
	if (views && last_of)
		write_diagrams(seg);
}
