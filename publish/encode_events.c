/*
 * encode_events.c - a result's events in JSON or msgpack, by one walk
 * over each event (put_event()) that calls the format's ops, as
 * publish/encode_features.c does: the two encodings cannot disagree on
 * what is shown.
 */
#include "publish/encode_events.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

const struct tdp_result_events *encode_events_of(const struct tdp_result *r)
{
	if (!(r->flags & TDP_RESULT_EVENTS))
		return NULL;
	uint64_t at = tdp_result_size(tdp_result_nintervals(r)) + (uint64_t)r->features * sizeof(double);
	if (at + sizeof(struct tdp_result_events) > r->size)
		return NULL;
	const struct tdp_result_events *e = tdp_result_events_const(r, tdp_result_nintervals(r));
	uint64_t room = (r->size - at - sizeof(*e)) / sizeof(struct tdp_event);
	return (uint64_t)e->nevents + e->nlive <= room ? e : NULL;
}

/* What a format does with each member of an event's map. */
struct event_ops {
	void (*open)(void *out, unsigned nkeys);
	void (*str)(void *out, const char *key, const char *s, size_t n);
	void (*u64)(void *out, const char *key, uint64_t u);
	void (*i64)(void *out, const char *key, int64_t i);
	void (*real)(void *out, const char *key, double x);   /* null when not finite */
	void (*time)(void *out, const char *key, int64_t t, bool timed, enum tdp_time_unit unit);
	void (*close)(void *out);
};

/* The event id "<result id>/<type>/<n>" in SMALL, or malloc'd when it does
 * not fit; NULL when that failed. */
static char *event_id(char *small, size_t cap, size_t *len, const char *rid, const char *type, uint32_t n)
{
	int k = snprintf(small, cap, "%s/%s/%" PRIu32, rid, type, n);
	if (k < 0)
		return NULL;
	*len = (size_t)k;
	if ((size_t)k < cap)
		return small;
	char *id = malloc((size_t)k + 1);
	if (id)
		snprintf(id, (size_t)k + 1, "%s/%s/%" PRIu32, rid, type, n);
	return id;
}

/* Event EV of R (the Nth of its type in the window; ID its id) by OPS. */
static void put_event(const struct event_ops *ops, void *out, const struct tdp_result *r,
		      const struct tdp_result_events *e, const struct tdp_event *ev, const char *id, size_t idlen,
		      const struct encode_events_ctx *ctx)
{
	bool anomaly = ev->type == TDP_EVENT_ANOMALY;
	const char *type = tdp_event_name(ev->type);
	ops->open(out, anomaly ? 13 : 12);
	ops->u64(out, "v", 1);
	ops->str(out, "id", id, idlen);
	ops->str(out, "type", type, strlen(type));
	ops->str(out, "stream", ctx->stream, strlen(ctx->stream));
	ops->str(out, "scale", ctx->scale, strlen(ctx->scale));
	if (encode_time_window(r))
		ops->i64(out, "window", encode_window_k(r));
	else
		ops->u64(out, "window", r->window);
	ops->time(out, "time", r->end, r->flags & TDP_RESULT_END_TIMED, ctx->unit);
	ops->u64(out, "dim", ev->dim);
	if (anomaly) {
		ops->str(out, "signal", ctx->signal, strlen(ctx->signal));
		ops->real(out, "value", e->value);
		ops->real(out, "median", e->median);
		ops->real(out, "mad", e->mad);
		ops->real(out, "score", e->score);
	} else {
		ops->u64(out, "feature", ev->feature);
		ops->real(out, "birth", ev->birth);
		ops->real(out, "death", ev->death);
		ops->real(out, "persistence", ev->death - ev->birth);
	}
	ops->close(out);
}

/* ------------------------------------------------------------------ JSON */

struct json_out {
	struct tdp_buf *b;
	bool first;   /* the next member is the map's first */
};

static void json_key(struct json_out *o, const char *key)
{
	tdp_buf_puts(o->b, o->first ? "\"" : ",\"");
	tdp_buf_puts(o->b, key);
	tdp_buf_puts(o->b, "\":");
	o->first = false;
}

static void json_open(void *out, unsigned nkeys)
{
	struct json_out *o = out;
	(void)nkeys;
	tdp_buf_putc(o->b, '{');
	o->first = true;
}

static void json_str(void *out, const char *key, const char *s, size_t n)
{
	json_key(out, key);
	tdp_json_string(((struct json_out *)out)->b, s, n);
}

static void json_u64(void *out, const char *key, uint64_t u)
{
	json_key(out, key);
	tdp_buf_put_u64(((struct json_out *)out)->b, u);
}

static void json_i64(void *out, const char *key, int64_t i)
{
	json_key(out, key);
	tdp_buf_printf(((struct json_out *)out)->b, "%" PRId64, i);
}

static void json_real(void *out, const char *key, double x)
{
	json_key(out, key);
	tdp_json_double(((struct json_out *)out)->b, x);   /* not finite: null */
}

static void json_time(void *out, const char *key, int64_t t, bool timed, enum tdp_time_unit unit)
{
	json_key(out, key);
	encode_put_time(((struct json_out *)out)->b, t, timed, unit);
}

static void json_close(void *out)
{
	tdp_buf_puts(((struct json_out *)out)->b, "}\n");
}

static const struct event_ops json_ops = { json_open, json_str, json_u64, json_i64, json_real, json_time,
					   json_close };

/* --------------------------------------------------------------- msgpack */

static void mp_open(void *out, unsigned nkeys)
{
	msgpack_pack_map(out, nkeys);
}

static void mp_str(void *out, const char *key, const char *s, size_t n)
{
	encode_pack_cstr(out, key);
	msgpack_pack_str(out, n);
	msgpack_pack_str_body(out, s, n);
}

static void mp_u64(void *out, const char *key, uint64_t u)
{
	encode_pack_cstr(out, key);
	msgpack_pack_uint64(out, u);
}

static void mp_i64(void *out, const char *key, int64_t i)
{
	encode_pack_cstr(out, key);
	msgpack_pack_int64(out, i);
}

static void mp_real(void *out, const char *key, double x)
{
	encode_pack_cstr(out, key);
	if (isfinite(x))
		msgpack_pack_double(out, x);
	else
		msgpack_pack_nil(out);
}

static void mp_time(void *out, const char *key, int64_t t, bool timed, enum tdp_time_unit unit)
{
	encode_pack_cstr(out, key);
	encode_pack_time(out, t, timed, unit);
}

static void mp_close(void *out)
{
	(void)out;
}

static const struct event_ops msgpack_ops = { mp_open, mp_str, mp_u64, mp_i64, mp_real, mp_time, mp_close };

/* ---------------------------------------------------------------- events */

int encode_events(struct tdp_buf *b, enum tdp_format format, const struct tdp_result *r,
		  const struct encode_events_ctx *ctx, encode_event_fn each, void *arg)
{
	const struct tdp_result_events *e = encode_events_of(r);
	if (!e || !e->nevents)
		return 0;
	char rsmall[ENCODE_ID_SMALL], small[ENCODE_ID_SMALL + 32];
	size_t rlen, idlen;
	char *rid = encode_result_id(rsmall, &rlen, r, ctx->stream, ctx->scale);
	if (!rid) {
		b->failed = true;
		return 0;
	}
	struct json_out jo = { b, true };
	msgpack_packer pk;
	encode_packer_init(&pk, b);
	const struct event_ops *ops = format == TDP_FMT_MSGPACK ? &msgpack_ops : &json_ops;
	void *out = format == TDP_FMT_MSGPACK ? (void *)&pk : (void *)&jo;
	uint32_t nth[TDP_EVENT_TYPES + 1] = {0};
	const struct tdp_event *ev = tdp_result_event_list(e);
	int rc = (int)e->nevents;
	for (uint32_t i = 0; i < e->nevents; i++, ev++) {
		unsigned t = ev->type < TDP_EVENT_TYPES ? ev->type : TDP_EVENT_TYPES;
		char *id = event_id(small, sizeof(small), &idlen, rid, tdp_event_name(ev->type), nth[t]++);
		if (!id) {
			b->failed = true;
			break;
		}
		size_t from = b->len;
		put_event(ops, out, r, e, ev, id, idlen, ctx);
		if (id != small)
			free(id);
		if (each && each(arg, b, from, ev) < 0) {
			rc = -1;
			break;
		}
	}
	if (rid != rsmall)
		free(rid);
	return rc;
}

/* ----------------------------------------------------------- feature ids */

/* R's section when SC tracks, with the dimensions shown in *DIMS. */
static const struct tdp_result_events *tracking(const struct tdp_result *r, const struct tdp_scale_cfg *sc,
						uint32_t *dims)
{
	if (!sc || !sc->track.on)
		return NULL;
	const struct tdp_result_events *e = encode_events_of(r);
	*dims = 0;
	for (unsigned d = 0; e && d < TDP_MAX_HDIM; d++)
		if (sc->track.dims_mask >> d & 1 && tdp_result_has_diagram(r, d))
			*dims |= 1u << d;
	return e;
}

unsigned encode_feature_ids_keys(const struct tdp_result *r, const struct tdp_scale_cfg *sc)
{
	uint32_t dims;
	return tracking(r, sc, &dims) != NULL;
}

/* Doubles in a total order, NaN last (equal to itself): intervals are
 * ordered by (birth, death) as the diagrams sort them; a section that
 * holds NaN still sorts and pairs consistently. */
static int real_cmp(double x, double y)
{
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return x < y ? -1 : x > y;
}

static int interval_cmp(double birth, double death, const struct tdp_event *f)
{
	int c = real_cmp(birth, f->birth);
	return c ? c : real_cmp(death, f->death);
}

/* Order of live features by interval (birth, death), then id. */
static int by_interval(const void *a, const void *b)
{
	const struct tdp_event *x = *(const struct tdp_event *const *)a, *y = *(const struct tdp_event *const *)b;
	int c = interval_cmp(x->birth, x->death, y);
	return c ? c : (x->feature > y->feature) - (x->feature < y->feature);
}

/* What a format does with the ids: a dimension's array of N, an id, a null. */
struct ids_ops {
	void (*open)(void *out, unsigned ndims);
	void (*dim)(void *out, unsigned d, uint32_t n, bool first);
	void (*id)(void *out, const struct tdp_event *f, bool first);   /* F NULL: null */
	void (*end_dim)(void *out);
	void (*close)(void *out);
};

/*
 * Walk R's tracked diagrams, each interval paired with the live feature
 * that is it: both in (birth, death) order, so one pass pairs them.  The
 * live features are copied out of order in a block allocated here (a
 * stack one for the usual counts); on allocation failure B is marked
 * failed.
 */
static void walk_ids(const struct tdp_result *r, const struct tdp_scale_cfg *sc, const struct ids_ops *ops,
		     void *out, struct tdp_buf *b)
{
	uint32_t dims;
	const struct tdp_result_events *e = tracking(r, sc, &dims);
	if (!e)
		return;
	const struct tdp_event *small[256], **live = small;
	const struct tdp_event *all = tdp_result_event_list(e) + e->nevents;
	if (e->nlive > sizeof(small) / sizeof(small[0]) && !(live = malloc(sizeof(*live) * e->nlive))) {
		b->failed = true;
		return;
	}
	ops->open(out, (unsigned)__builtin_popcount(dims));
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	bool first_dim = true;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!tdp_result_has_diagram(r, d))
			continue;
		if (!(dims >> d & 1)) {
			iv += r->count[d];
			continue;
		}
		uint32_t n = 0;
		for (uint32_t i = 0; i < e->nlive; i++)
			if (all[i].dim == d)
				live[n++] = &all[i];
		qsort(live, n, sizeof(*live), by_interval);
		ops->dim(out, d, r->count[d], first_dim);
		first_dim = false;
		uint32_t j = 0;
		for (uint32_t i = 0; i < r->count[d]; i++, iv++) {
			while (j < n && interval_cmp(iv->birth, iv->death, live[j]) > 0)
				j++;
			bool same = j < n && interval_cmp(iv->birth, iv->death, live[j]) == 0;
			ops->id(out, same ? live[j++] : NULL, i == 0);
		}
		ops->end_dim(out);
	}
	ops->close(out);
	if (live != small)
		free(live);
}

static void ids_json_open(void *out, unsigned ndims)
{
	(void)ndims;
	tdp_buf_puts(out, ",\"feature_ids\":{");
}

static void ids_json_dim(void *out, unsigned d, uint32_t n, bool first)
{
	(void)n;
	tdp_buf_printf(out, "%s\"%u\":[", first ? "" : ",", d);
}

static void ids_json_id(void *out, const struct tdp_event *f, bool first)
{
	if (!first)
		tdp_buf_putc(out, ',');
	if (f)
		tdp_buf_put_u64(out, f->feature);
	else
		tdp_buf_puts(out, "null");
}

static void ids_json_end(void *out)
{
	tdp_buf_putc(out, ']');
}

static void ids_json_close(void *out)
{
	tdp_buf_putc(out, '}');
}

static const struct ids_ops ids_json_ops = { ids_json_open, ids_json_dim, ids_json_id, ids_json_end,
					     ids_json_close };

void encode_feature_ids_jsonl(struct tdp_buf *b, const struct tdp_result *r, const struct tdp_scale_cfg *sc)
{
	walk_ids(r, sc, &ids_json_ops, b, b);
}

static void ids_mp_open(void *out, unsigned ndims)
{
	encode_pack_cstr(out, "feature_ids");
	msgpack_pack_map(out, ndims);
}

static void ids_mp_dim(void *out, unsigned d, uint32_t n, bool first)
{
	char key = (char)('0' + d);
	(void)first;
	msgpack_pack_str(out, 1);
	msgpack_pack_str_body(out, &key, 1);
	msgpack_pack_array(out, n);
}

static void ids_mp_id(void *out, const struct tdp_event *f, bool first)
{
	(void)first;
	if (f)
		msgpack_pack_uint64(out, f->feature);
	else
		msgpack_pack_nil(out);
}

static void ids_mp_nothing(void *out)
{
	(void)out;
}

static const struct ids_ops ids_mp_ops = { ids_mp_open, ids_mp_dim, ids_mp_id, ids_mp_nothing, ids_mp_nothing };

void encode_feature_ids_msgpack(msgpack_packer *pk, const struct tdp_result *r, const struct tdp_scale_cfg *sc)
{
	walk_ids(r, sc, &ids_mp_ops, pk, pk->data);
}

/* ----------------------------------------------------------------- score */

/* R's section when its scale scores windows. */
static const struct tdp_result_events *scored(const struct tdp_result *r)
{
	const struct tdp_result_events *e = encode_events_of(r);
	return e && (e->flags & TDP_EVENTS_SCORED) ? e : NULL;
}

unsigned encode_score_keys(const struct tdp_result *r)
{
	return scored(r) != NULL;
}

void encode_score_jsonl(struct tdp_buf *b, const struct tdp_result *r)
{
	const struct tdp_result_events *e = scored(r);
	if (!e)
		return;
	tdp_buf_puts(b, ",\"score\":");
	tdp_json_double(b, e->score);
}

void encode_score_msgpack(msgpack_packer *pk, const struct tdp_result *r)
{
	const struct tdp_result_events *e = scored(r);
	if (e)
		mp_real(pk, "score", e->score);
}
