/*
 * latest_view.c - GET /v1/latest: the latest result of every stream in
 * every scale as JSON, for the live page (exporter/page.c) and anyone
 * else (tdapipe-metrics(7)).
 *
 * Which streams and scales come from the segment's latest-result table,
 * as the gauges of metrics_latest.c do, and are bounded the same way
 * (metrics.streams per scale).  The diagram (at most TDP_LATEST_INTERVALS
 * intervals, the most persistent: "truncated" says some were left out)
 * and the last LATEST_HISTORY windows (end, score, total persistence,
 * anomaly) come from the view publish keeps beside it in the segment
 * (struct tdp_latest_view), whatever the sink; until publish has kept
 * one, from the end of the results and events files when they are JSON
 * Lines files (exporter/latest_tail.c), else null and empty.
 *
 * {"v":1,"history":N,"source":"FILE"|null,"entries":[{"stream":S,"scale":C,
 *   "window":K,"end":T,"score":Z|null,"betti":{"D":n},"intervals":{"D":n},
 *   "diagrams":{"D":[[b,d|null],...]}|null,"truncated":bool,
 *   "series":[{"window":K,"end":T,"score":Z|null,"total":{"D":x},"anomaly":bool},...]},...]}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/latest.h"
#include "exporter/exporter.h"
#include "exporter/latest_tail.h"

static void number_or_null(struct tdp_buf *b, double x, bool have)
{
	if (have && isfinite(x))
		latest_put_double(b, x);
	else
		tdp_buf_puts(b, "null");
}

static void per_dim_u32(struct tdp_buf *b, const char *name, const struct tdp_latest *v, const uint32_t *x)
{
	tdp_buf_printf(b, ",\"%s\":{", name);
	bool first = true;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(v->dims_mask >> d & 1))
			continue;
		tdp_buf_printf(b, "%s\"%u\":%u", first ? "" : ",", d, x[d]);
		first = false;
	}
	tdp_buf_putc(b, '}');
}

/* A series point's end: its total persistence in the dimensions of DIMS,
 * whether it has an anomaly, and the closing brace. */
static void point_tail(struct tdp_buf *b, uint32_t dims, const double *total, bool anomaly)
{
	tdp_buf_puts(b, ",\"total\":{");
	bool first = true;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(dims >> d & 1))
			continue;
		tdp_buf_printf(b, "%s\"%u\":", first ? "" : ",", d);
		latest_put_double(b, total[d]);
		first = false;
	}
	tdp_buf_printf(b, "},\"anomaly\":%s}", anomaly ? "true" : "false");
}

static void series(struct tdp_buf *b, const struct tail_key *k)
{
	tdp_buf_puts(b, ",\"series\":[");
	for (size_t i = 0; k && i < k->nh; i++) {
		const struct tail_window *h = &k->h[i];
		tdp_buf_printf(b, "%s{\"window\":%lld,\"end\":", i ? "," : "", (long long)h->window);
		latest_put_double(b, h->end);
		tdp_buf_puts(b, ",\"score\":");
		number_or_null(b, h->score, h->scored);
		point_tail(b, h->dims, h->total, h->anomaly);
	}
	tdp_buf_putc(b, ']');
}

/* DG's intervals as the results write diagrams; *TRUNCATED when the
 * result had more than were kept. */
static void diagram_json(struct tdp_buf *b, const struct tdp_latest_view *dg, bool *truncated)
{
	uint32_t at = 0;
	bool first = true;
	*truncated = false;
	tdp_buf_putc(b, '{');
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(dg->dims_mask >> d & 1))
			continue;
		*truncated |= dg->kept[d] < dg->of[d];
		tdp_buf_printf(b, "%s\"%u\":[", first ? "" : ",", d);
		first = false;
		for (uint32_t i = 0; i < dg->kept[d] && at < TDP_LATEST_INTERVALS; i++, at++) {
			tdp_buf_puts(b, i ? ",[" : "[");
			latest_put_double(b, dg->iv[at].birth);
			tdp_buf_putc(b, ',');
			latest_put_double(b, dg->iv[at].death);   /* inf: null */
			tdp_buf_putc(b, ']');
		}
		tdp_buf_putc(b, ']');
	}
	tdp_buf_putc(b, '}');
}

/* The view's points up to its diagram's window, oldest first, as
 * series() writes the file's (BIAS: unbiased window numbers). */
static void view_series(struct tdp_buf *b, const struct tdp_latest_view *v, uint64_t bias)
{
	tdp_buf_puts(b, ",\"series\":[");
	uint64_t from = v->npoints > TDP_LATEST_HISTORY ? v->npoints - TDP_LATEST_HISTORY : 0;
	bool first = true;
	for (uint64_t j = from; j < v->npoints; j++) {
		const struct tdp_latest_point *p = &v->points[j % TDP_LATEST_HISTORY];
		if (p->window > v->window)
			break;   /* appended after the diagram: the next read has both */
		tdp_buf_printf(b, "%s{\"window\":%lld,\"end\":%lld,\"score\":", first ? "" : ",",
			       (long long)(p->window - bias), (long long)p->end);
		first = false;
		number_or_null(b, p->score, p->flags & TDP_LATEST_POINT_SCORED);
		point_tail(b, p->dims_mask, p->total, p->flags & TDP_LATEST_POINT_ANOMALY);
	}
	tdp_buf_putc(b, ']');
}

/* The view's point of window W, or NULL. */
static const struct tdp_latest_point *view_point(const struct tdp_latest_view *v, uint64_t w)
{
	uint64_t from = v->npoints > TDP_LATEST_HISTORY ? v->npoints - TDP_LATEST_HISTORY : 0;
	for (uint64_t j = v->npoints; j-- > from;)
		if (v->points[j % TDP_LATEST_HISTORY].window == w)
			return &v->points[j % TDP_LATEST_HISTORY];
	return NULL;
}

static const struct tail_key *find(const struct tail_key *k, size_t n, const char *stream, const char *scale)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].stream, stream) && !strcmp(k[i].scale, scale))
			return &k[i];
	return NULL;
}

void latest_view_render(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	size_t nk;
	const struct tail_key *keys = latest_tail(cfg, &nk);
	tdp_buf_printf(b, "{\"v\":1,\"history\":%d,\"source\":", LATEST_HISTORY);
	if (keys)
		tdp_json_string(b, cfg->sink.path, strlen(cfg->sink.path));
	else
		tdp_buf_puts(b, "null");
	tdp_buf_puts(b, ",\"entries\":[");
	uint32_t ns = tdp_seg_nstreams(seg), per = seg->hdr->latest_streams;
	if (ns > per)
		ns = per;
	bool first = true;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const char *scale = cfg->scales[s].name;
		for (uint32_t i = 0; i < ns; i++) {
			const struct tdp_latest *slot = tdp_shm_latest(seg, s, i);
			struct tdp_latest v;
			if (!slot || !tdp_latest_read(slot, &v) || !(v.flags & TDP_LATEST_SET))
				continue;
			char stream[TDP_STREAM_NAME_MAX + 1];
			tdp_seg_string(stream, tdp_shm_stream(seg, i)->name, sizeof(tdp_shm_stream(seg, i)->name));
			const struct tail_key *k = find(keys, nk, stream, scale);
			const struct tail_window *last = k && k->nh ? &k->h[k->nh - 1] : NULL;
			/* The live-page view publish keeps in the segment (the
			 * exporter runs), whatever the sink: its diagram's window,
			 * and the points up to it. */
			const struct tdp_latest_view *vs = tdp_shm_latest_view(seg, s, i);
			static struct tdp_latest_view vw;
			bool own = vs && tdp_latest_view_read(vs, &vw) && vw.dims_mask;
			const struct tdp_latest_point *pt = own ? view_point(&vw, vw.window) : NULL;
			if (own && !pt)
				own = false;   /* its point left the ring: cannot be */
			tdp_buf_puts(b, first ? "{\"stream\":" : ",{\"stream\":");
			first = false;
			tdp_json_string(b, stream, strlen(stream));
			tdp_buf_puts(b, ",\"scale\":");
			tdp_json_string(b, scale, strlen(scale));
			/* The view's window when there is one; else the file's newest,
			 * whose diagram the file has; else the segment's (time windows
			 * unbiased). */
			uint64_t bias = cfg->scales[s].timed ? TDP_TIME_WINDOW_BIAS : 0;
			int64_t window = (int64_t)(v.window - bias);
			if (own) {
				tdp_buf_printf(b, ",\"window\":%lld,\"end\":%lld,\"score\":", (long long)(vw.window - bias),
					       (long long)pt->end);
				number_or_null(b, pt->score, pt->flags & TDP_LATEST_POINT_SCORED);
			} else {
				tdp_buf_printf(b, ",\"window\":%lld,\"end\":", (long long)(last ? last->window : window));
				if (last)
					latest_put_double(b, last->end);
				else
					tdp_buf_printf(b, "%lld", (long long)v.end);
				tdp_buf_puts(b, ",\"score\":");
				if (last)
					number_or_null(b, last->score, last->scored);
				else
					number_or_null(b, v.score, v.flags & TDP_LATEST_SCORED);
			}
			per_dim_u32(b, "betti", &v, v.essential);
			per_dim_u32(b, "intervals", &v, v.count);
			tdp_buf_puts(b, ",\"diagrams\":");
			bool truncated = false;
			if (own)
				diagram_json(b, &vw, &truncated);
			else
				tdp_buf_puts(b, k && k->diagrams ? k->diagrams : "null");
			tdp_buf_printf(b, ",\"truncated\":%s", truncated ? "true" : "false");
			if (own)
				view_series(b, &vw, bias);
			else
				series(b, k);
			tdp_buf_putc(b, '}');
		}
	}
	tdp_buf_puts(b, "]}\n");
}
