/*
 * fuzz_encode - the results writers (publish/encode_jsonl.c,
 * encode_msgpack.c) on any result: every header field from the fuzzer's
 * bytes (NaN, infinities, huge counts, any dims_mask and incomplete
 * reasons, count or time scale, event times or sequence numbers in any
 * time unit), intervals of any doubles, stream and scale names of any
 * bytes but NUL, short or longer than ENCODE_ID_SMALL.
 *
 * Properties:
 *  - both writers append: what the buffer held before is kept;
 *  - the JSON line is one line ending in '\n', valid JSON (checked by the
 *    independent reader tests/fuzz/json_read.c), an object whose values
 *    are the result's: integers exactly, doubles as strtod reads them
 *    back (NaN and infinities as null), stream and scale exactly when
 *    they are UTF-8, the id "<stream>/<scale>/<window>"; event times
 *    the exact decimal of their ns in the unit, sequence numbers and a
 *    time scale's signed window integers; from, to and dropped only on
 *    time scales' results, first_seq, last_seq and lost only on others';
 *  - the msgpack map unpacks with msgpack-c, consuming exactly the bytes
 *    written, with the same values (doubles bit for bit, an essential
 *    death as nil, names byte for byte, times in ns as ints and in other
 *    units as the nearest float64);
 *  - both have the same keys in the same order;
 *  - with an events section (issue 20; any header values, events of any
 *    type, dim and doubles, live features, a section that may not fit in
 *    the block): "score" exactly for a scoring section that fits, null
 *    (nil) when not finite; "feature_ids" exactly for a tracking scale's,
 *    one entry per tracked dimension with a diagram, aligned with it,
 *    every id that of a live feature of that dimension equal to the
 *    interval, distinct; encode_events (publish/encode_events.c) writes
 *    one valid JSON line per event, the keys of tdapipe-events(5) in
 *    order, the id "<result id>/<type>/<n>" counting each type, the
 *    window, dim, feature, birth, death and persistence as given (null
 *    when not finite), and in msgpack the same number of maps with the
 *    same keys, consuming exactly the bytes written.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <msgpack.h>

#include "common/buf.h"
#include "common/feature_layout.h"
#include "publish/encode.h"
#include "publish/encode_events.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_json.h"
#include "tests/fuzz/json_read.h"

static const char *const prefix = "earlier bytes\n";

struct want {
	const struct tdp_result *r;
	const char *stream, *scale;
	char *id;
	size_t idlen;
	enum tdp_time_unit unit;
	const struct tdp_features_cfg *f;   /* the scale's features, or NULL */
	const struct tdp_scale_cfg *sc;     /* the scale (track) */
	const struct tdp_result_events *ev; /* the events section when it fits, or NULL */
};

/* ------------------------------------------------------------- jsonl */

/* A double the writer was given, as it must read back. */
static void json_double(const struct jr_value *v, double want, const char *what)
{
	FUZZ_CHECK(v, "%s: missing", what);
	if (!isfinite(want)) {
		FUZZ_CHECK(v->kind == JR_NULL, "%s: a non-finite value not written as null", what);
		return;
	}
	FUZZ_CHECK(v->kind == JR_NUMBER && v->tlen < 40, "%s: not a number", what);
	char buf[40];
	memcpy(buf, v->text, v->tlen);
	buf[v->tlen] = '\0';
	double d = strtod(buf, NULL);
	FUZZ_CHECK(!memcmp(&d, &want, sizeof(d)), "%s: %.17g written as %s", what, want, buf);
}

/*
 * An event time the writer was given (T ns, TIMED) or a sequence number
 * T: read back as a decimal with no exponent, it is exactly T / 10^e (e
 * the unit's power of ten; 0 for a sequence number), with no trailing
 * zero after a point.
 */
static void json_time(const struct jr_value *v, int64_t t, bool timed, enum tdp_time_unit unit, const char *what)
{
	FUZZ_CHECK(v && v->kind == JR_NUMBER && v->tlen < 40, "%s: not a number", what);
	int e = !timed ? 0 : unit == TDP_TIME_S ? 9 : unit == TDP_TIME_MS ? 6 : unit == TDP_TIME_US ? 3 : 0;
	const char *p = v->text, *end = v->text + v->tlen;
	bool neg = p < end && *p == '-';
	p += neg;
	__int128 mag = 0;
	int frac = -1;   /* digits after the point, -1 without one */
	for (; p < end; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		FUZZ_CHECK(*p >= '0' && *p <= '9', "%s: \"%.*s\" is not a plain decimal", what, (int)v->tlen, v->text);
		mag = mag * 10 + (*p - '0');
		frac += frac >= 0;
	}
	FUZZ_CHECK(frac != 0 && frac <= e && (frac < 0 || end[-1] != '0'), "%s: \"%.*s\": fraction digits", what,
		   (int)v->tlen, v->text);
	for (int i = frac < 0 ? 0 : frac; i < e; i++)
		mag *= 10;
	FUZZ_CHECK((neg ? -mag : mag) == (__int128)t && (t != 0 || !neg), "%s: %" PRId64 " written as %.*s", what, t,
		   (int)v->tlen, v->text);
}

/* Member KEY's value V as a signed integer, exactly as written. */
static int64_t json_i64(const struct jr_value *v, const char *key)
{
	FUZZ_CHECK(v && v->kind == JR_NUMBER && v->tlen < 32, "%s: not an integer", key);
	char buf[32], *end;
	memcpy(buf, v->text, v->tlen);
	buf[v->tlen] = '\0';
	errno = 0;
	long long k = strtoll(buf, &end, 10);
	FUZZ_CHECK(*end == '\0' && !errno, "%s: \"%s\" is not a signed integer", key, buf);
	return k;
}

static void json_string(const struct jr_value *v, const char *s, size_t n, const char *what)
{
	FUZZ_CHECK(v && v->kind == JR_STRING, "%s: not a string", what);
	if (jr_utf8_valid(s, n))
		FUZZ_CHECK(v->slen == n && !memcmp(v->str, s, n), "%s: the bytes do not read back", what);
}

static void json_features(const struct want *w, const struct jr_value *o);
static void json_events_keys(const struct want *w, const struct jr_value *o);

static void check_jsonl(const struct want *w, const char *p, size_t len, struct jr_value **root)
{
	const struct tdp_result *r = w->r;
	FUZZ_CHECK(len >= 1 && p[len - 1] == '\n', "the JSON line does not end in a newline");
	FUZZ_CHECK(!memchr(p, '\n', len - 1), "the JSON line holds a newline");
	struct jr_value *o = *root = jr_parse(p, len - 1);
	FUZZ_CHECK(o && o->kind == JR_OBJECT, "not a JSON object: %.*s", (int)len, p);
	FUZZ_CHECK(fuzz_json_u64(jr_get(o, "v"), "v") == 1, "v is not 1");
	json_string(jr_get(o, "id"), w->id, w->idlen, "id");
	json_string(jr_get(o, "stream"), w->stream, strlen(w->stream), "stream");
	json_string(jr_get(o, "scale"), w->scale, strlen(w->scale), "scale");
	bool timed = encode_time_window(r);
	if (timed)
		FUZZ_CHECK(json_i64(jr_get(o, "window"), "window") == encode_window_k(r), "window");
	else
		FUZZ_CHECK(fuzz_json_u64(jr_get(o, "window"), "window") == r->window, "window");
	FUZZ_CHECK(!timed == !!jr_get(o, "first_seq") && !timed == !!jr_get(o, "last_seq") &&
		   timed == !!jr_get(o, "from") && timed == !!jr_get(o, "to"), "first_seq/last_seq/from/to");
	if (timed) {
		json_time(jr_get(o, "from"), r->from, true, w->unit, "from");
		json_time(jr_get(o, "to"), r->to, true, w->unit, "to");
	} else {
		FUZZ_CHECK(fuzz_json_u64(jr_get(o, "first_seq"), "first_seq") == r->first_seq, "first_seq");
		FUZZ_CHECK(fuzz_json_u64(jr_get(o, "last_seq"), "last_seq") == r->last_seq, "last_seq");
	}
	json_time(jr_get(o, "start"), r->start, r->flags & TDP_RESULT_START_TIMED, w->unit, "start");
	json_time(jr_get(o, "end"), r->end, r->flags & TDP_RESULT_END_TIMED, w->unit, "end");
	FUZZ_CHECK(fuzz_json_u64(jr_get(o, "n"), "n") == r->n, "n");
	const struct jr_value *v;
	uint64_t lost = timed ? 0 : r->lost, dropped = timed ? r->dropped : 0;
	FUZZ_CHECK((v = jr_get(o, "lost")) ? fuzz_json_u64(v, "lost") == lost : !lost, "lost");
	FUZZ_CHECK((v = jr_get(o, "dropped")) ? fuzz_json_u64(v, "dropped") == dropped : !dropped, "dropped");
	FUZZ_CHECK((v = jr_get(o, "refused")) ? fuzz_json_u64(v, "refused") == r->refused : !r->refused, "refused");
	FUZZ_CHECK((v = jr_get(o, "landmarks")) ? fuzz_json_u64(v, "landmarks") == r->landmarks : !r->landmarks,
		   "landmarks");
	FUZZ_CHECK((v = jr_get(o, "truncated")) ? fuzz_json_u64(v, "truncated") == r->truncated : !r->truncated,
		   "truncated");
	const struct jr_value *inc = jr_get(o, "incomplete");
	FUZZ_CHECK(!inc == !tdp_result_incomplete_dims(r), "incomplete present: %d", inc != NULL);
	for (unsigned d = 0; inc && d < TDP_MAX_HDIM; d++) {
		char key[2] = {(char)('0' + d), 0};
		const struct jr_value *why = jr_get(inc, key);
		bool want = (r->dims_mask >> d & 1) && r->incomplete[d];
		FUZZ_CHECK(!why == !want, "incomplete[%u]", d);
		if (why)
			FUZZ_CHECK(why->kind == JR_STRING && !strcmp(why->str, tdp_incomplete_name(r->incomplete[d])),
				   "incomplete[%u]: wrong reason", d);
	}
	const struct jr_value *dg = jr_get(o, "diagrams");
	FUZZ_CHECK(dg && dg->kind == JR_OBJECT, "diagrams");
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	size_t ndiag = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		char key[2] = {(char)('0' + d), 0};
		const struct jr_value *a = jr_get(dg, key);
		FUZZ_CHECK(!a == !tdp_result_has_diagram(r, d), "diagram %u present: %d", d, a != NULL);
		if (!a)
			continue;
		ndiag++;
		FUZZ_CHECK(a->kind == JR_ARRAY && a->n == r->count[d], "diagram %u: %zu intervals of %u", d, a->n,
			   r->count[d]);
		for (size_t i = 0; i < a->n; i++, iv++) {
			const struct jr_value *pair = &a->items[i];
			FUZZ_CHECK(pair->kind == JR_ARRAY && pair->n == 2, "diagram %u: interval %zu", d, i);
			json_double(&pair->items[0], iv->birth, "birth");
			json_double(&pair->items[1], iv->death, "death");
		}
	}
	FUZZ_CHECK(ndiag == dg->n, "diagrams: %zu keys, %zu diagrams", dg->n, ndiag);
	json_features(w, o);
	json_events_keys(w, o);
}

/* The features section as JSON: each dimension with a diagram, each
 * value the section's (counts and Betti numbers integers, a non-finite
 * number null), a distance only where the section has one. */
static void json_reals(const struct jr_value *a, const double *x, uint32_t n, bool integers, const char *what)
{
	FUZZ_CHECK(a && a->kind == JR_ARRAY && a->n == n, "%s: not %u values", what, n);
	for (uint32_t i = 0; i < n; i++)
		if (integers)
			FUZZ_CHECK(fuzz_json_u64(&a->items[i], what) == (uint64_t)x[i], "%s[%u]", what, i);
		else
			json_double(&a->items[i], x[i], what);
}

static void json_features(const struct want *w, const struct jr_value *o)
{
	const struct tdp_result *r = w->r;
	const struct jr_value *fe = jr_get(o, "features"), *di = jr_get(o, "distance");
	if (!w->f) {
		FUZZ_CHECK(!fe && !di, "features without a features config");
		return;
	}
	const struct tdp_features_cfg *f = w->f;
	struct tdp_feature_layout l = tdp_feature_layout(f);
	FUZZ_CHECK(fe && fe->kind == JR_OBJECT, "features");
	FUZZ_CHECK(!di == !(r->flags & TDP_RESULT_DISTANCE), "distance present: %d", di != NULL);
	const double *x = tdp_result_features_const(r, tdp_result_nintervals(r));
	size_t nf = 0, nd = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(r->dims_mask >> d & 1))
			continue;
		const double *b = x;
		x += l.width;
		char key[2] = {(char)('0' + d), 0};
		const struct jr_value *e = jr_get(fe, key);
		FUZZ_CHECK(!e == !tdp_result_has_diagram(r, d), "features[%u] present: %d", d, e != NULL);
		if (!e)
			continue;
		nf++;
		FUZZ_CHECK(fuzz_json_u64(jr_get(e, "count"), "count") == (uint64_t)b[l.summary], "count");
		FUZZ_CHECK(fuzz_json_u64(jr_get(e, "essential"), "essential") == (uint64_t)b[l.summary + 1], "essential");
		json_double(jr_get(e, "total"), b[l.summary + 2], "total");
		json_double(jr_get(e, "max"), b[l.summary + 3], "max");
		json_double(jr_get(e, "entropy"), b[l.summary + 4], "entropy");
		json_reals(jr_get(e, "betti"), b + l.betti, f->betti.resolution, true, "betti");
		json_reals(jr_get(e, "landscape"), b + l.landscape, f->landscape.layers * f->landscape.resolution, false,
			   "landscape");
		json_reals(jr_get(e, "silhouette"), b + l.silhouette, f->silhouette.resolution, false, "silhouette");
		json_reals(jr_get(e, "image"), b + l.image, f->image.resolution[0] * f->image.resolution[1], false, "image");
		FUZZ_CHECK(e->n == 9, "features[%u]: %zu keys", d, e->n);
		const struct jr_value *de = di ? jr_get(di, key) : NULL;
		FUZZ_CHECK(!de == !(di && !isnan(b[l.distance])), "distance[%u] present: %d", d, de != NULL);
		if (!de)
			continue;
		nd++;
		json_double(jr_get(de, "bottleneck"), b[l.distance], "bottleneck");
		json_double(jr_get(de, "wasserstein1"), b[l.distance + 1], "wasserstein1");
		json_double(jr_get(de, "wasserstein2"), b[l.distance + 2], "wasserstein2");
		FUZZ_CHECK(de->n == 3, "distance[%u]: %zu keys", d, de->n);
	}
	FUZZ_CHECK(fe->n == nf && (!di || di->n == nd), "features: %zu of %zu dimensions", fe->n, nf);
}

/* Equal doubles, NaN equal to NaN (the order feature ids pair by). */
static bool same_real(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* "score" and "feature_ids" (publish/encode_events.h). */
static void json_events_keys(const struct want *w, const struct jr_value *o)
{
	const struct tdp_result *r = w->r;
	const struct tdp_result_events *e = w->ev;
	const struct jr_value *score = jr_get(o, "score"), *ids = jr_get(o, "feature_ids");
	FUZZ_CHECK(!score == !(e && (e->flags & TDP_EVENTS_SCORED)), "score present: %d", score != NULL);
	if (score)
		json_double(score, e->score, "score");
	FUZZ_CHECK(!ids == !(e && w->sc->track.on), "feature_ids present: %d", ids != NULL);
	if (!ids)
		return;
	FUZZ_CHECK(ids->kind == JR_OBJECT, "feature_ids: not an object");
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	const struct tdp_event *live = tdp_result_event_list(e) + e->nevents;
	size_t ndims = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!tdp_result_has_diagram(r, d))
			continue;
		char key[2] = {(char)('0' + d), 0};
		const struct jr_value *a = jr_get(ids, key);
		FUZZ_CHECK(!a == !(w->sc->track.dims_mask >> d & 1), "feature_ids[%u] present: %d", d, a != NULL);
		if (!a) {
			iv += r->count[d];
			continue;
		}
		ndims++;
		FUZZ_CHECK(a->kind == JR_ARRAY && a->n == r->count[d], "feature_ids[%u]: not %u ids", d, r->count[d]);
		for (size_t i = 0; i < a->n; i++, iv++) {
			if (a->items[i].kind == JR_NULL)
				continue;
			uint64_t id = fuzz_json_u64(&a->items[i], "feature id");
			bool found = false;
			for (uint32_t k = 0; k < e->nlive && !found; k++)
				found = live[k].dim == d && live[k].feature == id && same_real(live[k].birth, iv->birth) &&
					same_real(live[k].death, iv->death);
			FUZZ_CHECK(found, "feature_ids[%u][%zu]: %" PRIu64 " is no live feature equal to the interval", d, i,
				   id);
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(a->items[j].kind == JR_NULL || fuzz_json_u64(&a->items[j], "id") != id,
					   "feature_ids[%u]: %" PRIu64 " twice", d, id);
		}
	}
	FUZZ_CHECK(ids->n == ndims, "feature_ids: %zu keys, %zu tracked diagrams", ids->n, ndims);
}

/* The events of R by encode_events: one JSON line each, as
 * tdapipe-events(5) says; the msgpack maps the same keys. */
static void check_events(const struct want *w)
{
	const struct tdp_result *r = w->r;
	const struct encode_events_ctx ctx = {w->stream, w->scale, w->unit, "signal"};
	struct tdp_buf b;
	tdp_buf_init(&b);
	int n = encode_events(&b, TDP_FMT_JSONL, r, &ctx, NULL, NULL);
	FUZZ_CHECK(tdp_buf_ok(&b), "encode_events failed");
	FUZZ_CHECK(n == (w->ev ? (int)w->ev->nevents : 0), "%d events written", n);
	FUZZ_CHECK(n || !b.len, "bytes without events");
	struct tdp_buf mp;
	tdp_buf_init(&mp);
	FUZZ_CHECK(encode_events(&mp, TDP_FMT_MSGPACK, r, &ctx, NULL, NULL) == n, "msgpack events");
	char *packed = fuzz_dup(mp.p, mp.len);
	size_t off = 0;
	const char *p = b.p, *end = b.len ? b.p + b.len : b.p;
	uint32_t nth[TDP_EVENT_TYPES + 1] = {0};
	static const char *const keys[2][13] = {
		{"v", "id", "type", "stream", "scale", "window", "time", "dim", "feature", "birth", "death", "persistence"},
		{"v", "id", "type", "stream", "scale", "window", "time", "dim", "signal", "value", "median", "mad", "score"},
	};
	const struct tdp_event *ev = n ? tdp_result_event_list(w->ev) : NULL;
	for (int i = 0; i < n; i++, ev++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl, "event %d: no newline", i);
		struct jr_value *o = jr_parse(p, (size_t)(nl - p));
		FUZZ_CHECK(o && o->kind == JR_OBJECT, "event %d: not a JSON object: %.*s", i, (int)(nl - p), p);
		bool anomaly = ev->type == TDP_EVENT_ANOMALY;
		FUZZ_CHECK(o->n == (anomaly ? 13u : 12u), "event %d: %zu keys", i, o->n);
		for (size_t k = 0; k < o->n; k++)
			FUZZ_CHECK(!strcmp(o->items[2 * k].str, keys[anomaly][k]), "event %d: key %zu is %s", i, k,
				   o->items[2 * k].str);
		unsigned t = ev->type < TDP_EVENT_TYPES ? ev->type : TDP_EVENT_TYPES;
		char want_id[900];
		snprintf(want_id, sizeof(want_id), "%s/%s/%" PRIu32, w->id, tdp_event_name(ev->type), nth[t]++);
		json_string(jr_get(o, "id"), want_id, strlen(want_id), "event id");
		json_string(jr_get(o, "stream"), w->stream, strlen(w->stream), "event stream");
		json_string(jr_get(o, "type"), tdp_event_name(ev->type), strlen(tdp_event_name(ev->type)), "type");
		if (encode_time_window(r))
			FUZZ_CHECK(json_i64(jr_get(o, "window"), "window") == encode_window_k(r), "event window");
		else
			FUZZ_CHECK(fuzz_json_u64(jr_get(o, "window"), "window") == r->window, "event window");
		json_time(jr_get(o, "time"), r->end, r->flags & TDP_RESULT_END_TIMED, w->unit, "event time");
		FUZZ_CHECK(fuzz_json_u64(jr_get(o, "dim"), "dim") == ev->dim, "event dim");
		if (anomaly) {
			json_double(jr_get(o, "value"), w->ev->value, "value");
			json_double(jr_get(o, "median"), w->ev->median, "median");
			json_double(jr_get(o, "mad"), w->ev->mad, "mad");
			json_double(jr_get(o, "score"), w->ev->score, "event score");
		} else {
			FUZZ_CHECK(fuzz_json_u64(jr_get(o, "feature"), "feature") == ev->feature, "feature");
			json_double(jr_get(o, "birth"), ev->birth, "birth");
			json_double(jr_get(o, "death"), ev->death, "death");
			json_double(jr_get(o, "persistence"), ev->death - ev->birth, "persistence");
		}
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		FUZZ_CHECK(msgpack_unpack_next(&u, packed, mp.len, &off) == MSGPACK_UNPACK_SUCCESS, "event %d: msgpack", i);
		FUZZ_CHECK(u.data.type == MSGPACK_OBJECT_MAP && u.data.via.map.size == o->n, "event %d: msgpack map", i);
		for (uint32_t k = 0; k < u.data.via.map.size; k++) {
			const msgpack_object *key = &u.data.via.map.ptr[k].key;
			FUZZ_CHECK(key->type == MSGPACK_OBJECT_STR && key->via.str.size == strlen(keys[anomaly][k]) &&
				   !memcmp(key->via.str.ptr, keys[anomaly][k], key->via.str.size), "event %d: msgpack key %u", i, k);
		}
		msgpack_unpacked_destroy(&u);
		jr_free(o);
		p = nl + 1;
	}
	FUZZ_CHECK(p == end && off == mp.len, "bytes after the events");
	free(packed);
	tdp_buf_fini(&mp);
	tdp_buf_fini(&b);
}

/* ----------------------------------------------------------- msgpack */

static bool mp_key(const msgpack_object *k, const char *s)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(s) && !memcmp(k->via.str.ptr, s, k->via.str.size);
}

static uint64_t mp_u64(const msgpack_object *v, const char *what)
{
	FUZZ_CHECK(v->type == MSGPACK_OBJECT_POSITIVE_INTEGER, "%s: not an unsigned integer", what);
	return v->via.u64;
}

static void mp_double(const msgpack_object *v, double want, const char *what)
{
	FUZZ_CHECK(v->type == MSGPACK_OBJECT_FLOAT64 && !memcmp(&v->via.f64, &want, sizeof(want)),
		   "%s: %.17g not packed as that float64", what, want);
}

/* A start, end, from or to: event time T (TIMED) an int in ns, else the
 * float64 nearest to it in UNIT; a sequence number T a float64. */
static void mp_time(const msgpack_object *v, int64_t t, bool timed, enum tdp_time_unit unit, const char *what)
{
	if (!timed || unit != TDP_TIME_NS) {
		mp_double(v, timed ? time_to_double(t, unit) : (double)t, what);
		return;
	}
	if (t >= 0)
		FUZZ_CHECK(mp_u64(v, what) == (uint64_t)t, "%s", what);
	else
		FUZZ_CHECK(v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && v->via.i64 == t, "%s: not %" PRId64, what, t);
}

static void mp_str(const msgpack_object *v, const char *s, size_t n, const char *what)
{
	FUZZ_CHECK(v->type == MSGPACK_OBJECT_STR && v->via.str.size == n && !memcmp(v->via.str.ptr, s, n),
		   "%s: the bytes do not read back", what);
}

static void check_msgpack(const struct want *w, const char *p, size_t len, const struct jr_value *json)
{
	const struct tdp_result *r = w->r;
	bool timed = encode_time_window(r);
	msgpack_unpacked u;
	size_t off = 0;
	msgpack_unpacked_init(&u);
	msgpack_unpack_return rc = msgpack_unpack_next(&u, p, len, &off);
	FUZZ_CHECK(rc == MSGPACK_UNPACK_SUCCESS && off == len, "msgpack-c: %d, %zu of %zu bytes", (int)rc, off, len);
	const msgpack_object *o = &u.data;
	FUZZ_CHECK(o->type == MSGPACK_OBJECT_MAP, "not a map");
	FUZZ_CHECK(o->via.map.size == json->n, "%u keys, the JSON line %zu", o->via.map.size, json->n);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
		FUZZ_CHECK(mp_key(k, json->items[2 * i].str), "key %u is not the JSON line's \"%s\"", i,
			   json->items[2 * i].str);
		if (mp_key(k, "v"))
			FUZZ_CHECK(mp_u64(v, "v") == 1, "v is not 1");
		else if (mp_key(k, "id"))
			mp_str(v, w->id, w->idlen, "id");
		else if (mp_key(k, "stream"))
			mp_str(v, w->stream, strlen(w->stream), "stream");
		else if (mp_key(k, "scale"))
			mp_str(v, w->scale, strlen(w->scale), "scale");
		else if (mp_key(k, "window") && timed)
			mp_time(v, encode_window_k(r), true, TDP_TIME_NS, "window");
		else if (mp_key(k, "window"))
			FUZZ_CHECK(mp_u64(v, "window") == r->window, "window");
		else if (mp_key(k, "first_seq"))
			FUZZ_CHECK(mp_u64(v, "first_seq") == r->first_seq, "first_seq");
		else if (mp_key(k, "last_seq"))
			FUZZ_CHECK(mp_u64(v, "last_seq") == r->last_seq, "last_seq");
		else if (mp_key(k, "from"))
			mp_time(v, r->from, true, w->unit, "from");
		else if (mp_key(k, "to"))
			mp_time(v, r->to, true, w->unit, "to");
		else if (mp_key(k, "start"))
			mp_time(v, r->start, r->flags & TDP_RESULT_START_TIMED, w->unit, "start");
		else if (mp_key(k, "end"))
			mp_time(v, r->end, r->flags & TDP_RESULT_END_TIMED, w->unit, "end");
		else if (mp_key(k, "n"))
			FUZZ_CHECK(mp_u64(v, "n") == r->n, "n");
		else if (mp_key(k, "lost"))
			FUZZ_CHECK(mp_u64(v, "lost") == r->lost, "lost");
		else if (mp_key(k, "dropped"))
			FUZZ_CHECK(mp_u64(v, "dropped") == r->dropped, "dropped");
		else if (mp_key(k, "refused"))
			FUZZ_CHECK(mp_u64(v, "refused") == r->refused, "refused");
		else if (mp_key(k, "landmarks"))
			FUZZ_CHECK(mp_u64(v, "landmarks") == r->landmarks, "landmarks");
		else if (mp_key(k, "truncated"))
			FUZZ_CHECK(mp_u64(v, "truncated") == r->truncated, "truncated");
		else if (mp_key(k, "incomplete")) {
			FUZZ_CHECK(v->type == MSGPACK_OBJECT_MAP, "incomplete: not a map");
			uint32_t j = 0;
			for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
				if (!(r->dims_mask >> d & 1) || !r->incomplete[d])
					continue;
				char key[2] = {(char)('0' + d), 0};
				FUZZ_CHECK(j < v->via.map.size && mp_key(&v->via.map.ptr[j].key, key), "incomplete[%u]", d);
				const char *why = tdp_incomplete_name(r->incomplete[d]);
				mp_str(&v->via.map.ptr[j].val, why, strlen(why), "incomplete reason");
				j++;
			}
			FUZZ_CHECK(j == v->via.map.size, "incomplete: %u entries, %u dimensions", v->via.map.size, j);
		} else if (mp_key(k, "diagrams")) {
			FUZZ_CHECK(v->type == MSGPACK_OBJECT_MAP, "diagrams: not a map");
			const struct tdp_interval *iv = tdp_result_intervals_const(r);
			uint32_t j = 0;
			for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
				if (!tdp_result_has_diagram(r, d))
					continue;
				char key[2] = {(char)('0' + d), 0};
				FUZZ_CHECK(j < v->via.map.size && mp_key(&v->via.map.ptr[j].key, key), "diagram %u", d);
				const msgpack_object *a = &v->via.map.ptr[j++].val;
				FUZZ_CHECK(a->type == MSGPACK_OBJECT_ARRAY && a->via.array.size == r->count[d],
					   "diagram %u: not %u intervals", d, r->count[d]);
				for (uint32_t e = 0; e < r->count[d]; e++, iv++) {
					const msgpack_object *pair = &a->via.array.ptr[e];
					FUZZ_CHECK(pair->type == MSGPACK_OBJECT_ARRAY && pair->via.array.size == 2,
						   "diagram %u: interval %u", d, e);
					mp_double(&pair->via.array.ptr[0], iv->birth, "birth");
					if (isinf(iv->death) && iv->death > 0)
						FUZZ_CHECK(pair->via.array.ptr[1].type == MSGPACK_OBJECT_NIL,
							   "an essential death not packed as nil");
					else
						mp_double(&pair->via.array.ptr[1], iv->death, "death");
				}
			}
			FUZZ_CHECK(j == v->via.map.size, "diagrams: %u entries, %u diagrams", v->via.map.size, j);
		} else if (mp_key(k, "score")) {
			if (isfinite(w->ev->score))
				mp_double(v, w->ev->score, "score");
			else
				FUZZ_CHECK(v->type == MSGPACK_OBJECT_NIL, "a score that is not finite not packed as nil");
		} else if (mp_key(k, "features") || mp_key(k, "distance") || mp_key(k, "feature_ids")) {
			/* the values are the JSON line's (checked there): the same shape here */
			const struct jr_value *j = jr_get(json, mp_key(k, "features") ? "features" :
							  mp_key(k, "distance") ? "distance" : "feature_ids");
			FUZZ_CHECK(j && v->type == MSGPACK_OBJECT_MAP && v->via.map.size == j->n, "features/distance map");
		} else {
			FUZZ_CHECK(false, "unknown key %u", i);
		}
	}
	msgpack_unpacked_destroy(&u);
}

/* ------------------------------------------------------------- input */

/* Doubles the fuzzer picks by a selector byte, so that special values
 * come often: zeros, infinities, NaN, the extremes, or raw bits. */
static double pick_double(struct fuzz_in *in)
{
	static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e308, -1e-308, 5e-324,
					 1.0, 0.1, 1e17, 123456789.125};
	uint8_t s = fuzz_u8(in);
	if (s < 2 * sizeof(special) / sizeof(special[0]))
		return special[s / 2];
	return fuzz_double(in);
}

/* Event times (or sequence numbers) the fuzzer picks by a selector byte:
 * the extremes, zero, a time before the epoch and a 19-digit one come
 * often, or any 64 bits. */
static int64_t pick_time(struct fuzz_in *in)
{
	static const int64_t special[] = {0, -1, INT64_MIN, INT64_MAX, 1765000000123456789, -1500000000, 1000};
	uint8_t s = fuzz_u8(in);
	if (s < 2 * sizeof(special) / sizeof(special[0]))
		return special[s / 2];
	return (int64_t)fuzz_u64(in, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct tdp_result h;
	memset(&h, 0, sizeof(h));
	h.stream = (uint32_t)fuzz_u64(&in, 4);
	h.scale = (uint32_t)fuzz_u64(&in, 4);
	h.dims_mask = (uint32_t)fuzz_u64(&in, 1);
	if (h.dims_mask & 0x80)
		h.dims_mask = (uint32_t)fuzz_u64(&in, 4);   /* any bits, 4 and up too */
	h.window = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.first_seq = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.last_seq = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.flags = fuzz_u8(&in) & (TDP_RESULT_START_TIMED | TDP_RESULT_END_TIMED | TDP_RESULT_TIME_WINDOW);
	if ((h.flags & TDP_RESULT_TIME_WINDOW) && fuzz_u8(&in) < 128)   /* a window near 0 often */
		h.window = TDP_TIME_WINDOW_BIAS + h.window - (1u << 31);
	enum tdp_time_unit unit = (enum tdp_time_unit)(fuzz_u8(&in) % 4);
	h.start = pick_time(&in);
	h.end = pick_time(&in);
	int64_t from = pick_time(&in), to = pick_time(&in);
	tdp_result_set_bounds(&h, from, to);   /* within int64_t: the checks read from and to */
	h.dropped = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.n = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.lost = fuzz_u64(&in, fuzz_u8(&in) % 9);
	h.landmarks = (uint32_t)fuzz_u64(&in, fuzz_u8(&in) % 5);
	h.truncated = (uint32_t)fuzz_u64(&in, fuzz_u8(&in) % 5);
	h.refused = (uint32_t)fuzz_u64(&in, fuzz_u8(&in) % 5);
	uint32_t total = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		h.incomplete[d] = fuzz_u8(&in) % (TDP_INCOMPLETE_REASONS + 2);   /* unknown ones too */
		h.count[d] = fuzz_u8(&in) % 40;
		if (tdp_result_has_diagram(&h, d))
			total += h.count[d];
	}
	/* Every feature on, small grids, or none. */
	static const struct tdp_features_cfg all = {
		.summary = true,
		.betti = { .on = true, .resolution = 3, .range = {0, 1} },
		.landscape = { .on = true, .resolution = 2, .range = {0, 1}, .layers = 2 },
		.silhouette = { .on = true, .resolution = 2, .range = {0, 1}, .power = 1 },
		.image = { .on = true, .bandwidth = 1, .resolution = {2, 2}, .range = {0, 1, 0, 1} },
		.distances = 7,
	};
	const struct tdp_features_cfg *f = fuzz_u8(&in) & 1 ? &all : NULL;
	struct tdp_feature_layout l = tdp_feature_layout(&all);
	h.features = f ? tdp_feature_section(&l, h.dims_mask) : 0;
	if (f && fuzz_u8(&in) & 1)
		h.flags |= TDP_RESULT_DISTANCE;
	char *stream = fuzz_cstr(&in, 300);
	char *scale = fuzz_cstr(&in, 300);
	size_t rsize = tdp_result_size(total) + (size_t)h.features * sizeof(double);
	struct tdp_result *r = malloc(rsize);
	*r = h;
	r->size = (uint32_t)rsize;
	struct tdp_interval *iv = tdp_result_intervals(r);
	for (uint32_t i = 0; i < total; i++) {
		iv[i].birth = pick_double(&in);
		iv[i].death = pick_double(&in);
	}
	/* The section within its contract: counts and Betti numbers whole. */
	double *x = (double *)(iv + total);
	for (uint32_t i = 0; i < h.features; i++) {
		uint32_t at = i % l.width;
		bool whole = at < l.summary + 2 || (at >= l.betti && at < l.betti + all.betti.resolution);
		x[i] = whole ? (double)fuzz_u8(&in) : pick_double(&in);
	}

	/* An events section, maybe: any header values, up to 6 events of any
	 * type (unknown ones too) and 6 live features, equal intervals often;
	 * the block maybe too short for it. */
	struct tdp_scale_cfg sc = {.features = f ? *f : (struct tdp_features_cfg){0}};
	uint8_t evsel = fuzz_u8(&in);
	const struct tdp_result_events *evs = NULL;
	if (evsel & 1) {
		uint32_t nev = fuzz_u8(&in) % 7, nlive = fuzz_u8(&in) % 7;
		size_t at = rsize;
		rsize += sizeof(struct tdp_result_events) + (nev + nlive) * sizeof(struct tdp_event);
		r = realloc(r, rsize);
		iv = tdp_result_intervals(r);
		r->flags |= TDP_RESULT_EVENTS;
		struct tdp_result_events *e = (struct tdp_result_events *)((char *)r + at);
		memset(e, 0, sizeof(*e));
		e->value = pick_double(&in);
		e->median = pick_double(&in);
		e->mad = pick_double(&in);
		e->score = pick_double(&in);
		e->next_id = fuzz_u64(&in, 8);
		e->nevents = nev;
		e->nlive = nlive;
		e->flags = evsel & 2 ? TDP_EVENTS_SCORED : 0;
		struct tdp_event *ev = (struct tdp_event *)(e + 1);
		for (uint32_t i = 0; i < nev + nlive; i++) {
			memset(&ev[i], 0, sizeof(ev[i]));
			ev[i].type = fuzz_u8(&in) % (TDP_EVENT_TYPES + 1);
			ev[i].dim = fuzz_u8(&in) % TDP_MAX_HDIM;
			ev[i].feature = fuzz_u64(&in, fuzz_u8(&in) % 9);
			if (i >= nev)   /* live features' ids are distinct */
				ev[i].feature = ev[i].feature << 3 >> 3 << 3 | (i - nev);
			uint8_t like = fuzz_u8(&in);
			if (i >= nev && total && like < 160) {   /* a live feature equal to an interval */
				ev[i].birth = iv[like % total].birth;
				ev[i].death = iv[like % total].death;
			} else {
				ev[i].birth = pick_double(&in);
				ev[i].death = pick_double(&in);
			}
		}
		r->size = (uint32_t)rsize;
		if (evsel & 4)   /* too short by some bytes */
			r->size -= 1 + fuzz_u8(&in) % (uint32_t)(rsize - at);
		else
			evs = e;
		sc.track.on = evsel & 8;
		sc.track.dims_mask = fuzz_u8(&in);
	}

	char small[ENCODE_ID_SMALL];
	struct want w = {.r = r, .stream = stream, .scale = scale, .unit = unit, .f = f, .sc = &sc, .ev = evs};
	w.id = encode_result_id(small, &w.idlen, r, stream, scale);
	FUZZ_CHECK(w.id, "no id");
	char expect[700];
	int n = encode_time_window(r)
		? snprintf(expect, sizeof(expect), "%s/%s/%" PRId64, stream, scale, encode_window_k(r))
		: snprintf(expect, sizeof(expect), "%s/%s/%" PRIu64, stream, scale, r->window);
	FUZZ_CHECK((size_t)n == w.idlen && !strcmp(w.id, expect) && (w.id == small) == (w.idlen < ENCODE_ID_SMALL),
		   "id \"%s\" of %zu bytes", w.id, w.idlen);

	struct tdp_buf b;
	size_t plen = strlen(prefix);
	tdp_buf_init(&b);
	tdp_buf_puts(&b, prefix);
	encode_result_jsonl(&b, r, stream, scale, unit, &sc);
	FUZZ_CHECK(tdp_buf_ok(&b) && b.len > plen && !memcmp(b.p, prefix, plen), "the JSON writer did not append");
	struct jr_value *json = NULL;
	check_jsonl(&w, b.p + plen, b.len - plen, &json);

	tdp_buf_reset(&b);
	tdp_buf_puts(&b, prefix);
	encode_result_msgpack(&b, r, stream, scale, unit, &sc);
	FUZZ_CHECK(tdp_buf_ok(&b) && b.len > plen && !memcmp(b.p, prefix, plen), "the msgpack writer did not append");
	char *packed = fuzz_dup(b.p + plen, b.len - plen);   /* exact: a read past it is seen */
	check_msgpack(&w, packed, b.len - plen, json);
	check_events(&w);

	free(packed);
	jr_free(json);
	tdp_buf_fini(&b);
	if (w.id != small)
		free(w.id);
	free(r);
	free(stream);
	free(scale);
	return 0;
}
