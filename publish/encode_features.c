/*
 * encode_features.c - the features section of a result, in JSON or
 * msgpack, by one walk over it (walk()) that calls the format's ops: the
 * two encodings cannot disagree on what is shown.
 */
#include "publish/encode_features.h"

#include <math.h>
#include <string.h>

#include "common/feature_layout.h"
#include "common/json.h"

/* What a format does with each part of the walk. */
struct feature_ops {
	void (*map)(void *out, const char *key, unsigned n);   /* "key": { with N entries */
	void (*end)(void *out);                                /* } */
	void (*real)(void *out, const char *key, double x);    /* null when infinite */
	void (*whole)(void *out, const char *key, double x);   /* a count, exact in a double */
	void (*reals)(void *out, const char *key, const double *x, uint32_t n, bool integers);
};

/* The section matches the scale's layout (publish trusts the arena, but a
 * section of another shape is left out rather than misread). */
static bool section_ok(const struct tdp_result *r, const struct tdp_feature_layout *l)
{
	return l->width && r->features == tdp_feature_section(l, r->dims_mask);
}

/* Block of dimension D. */
static const double *block(const struct tdp_result *r, const struct tdp_feature_layout *l, unsigned d)
{
	const double *x = tdp_result_features_const(r, tdp_result_nintervals(r));
	for (unsigned e = 0; e < d; e++)
		x += (r->dims_mask >> e & 1) ? l->width : 0;
	return x;
}

/* Whether dimension D shows features; distances too (DIST). */
static bool shows(const struct tdp_result *r, const struct tdp_feature_layout *l, unsigned d, bool dist)
{
	if (!tdp_result_has_diagram(r, d))
		return false;
	if (!dist)
		return l->width > l->ndist;
	return l->ndist && (r->flags & TDP_RESULT_DISTANCE) && !isnan(block(r, l, d)[l->distance]);
}

static unsigned count_dims(const struct tdp_result *r, const struct tdp_feature_layout *l, bool dist)
{
	unsigned n = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		n += shows(r, l, d, dist);
	return n;
}

unsigned encode_features_keys(const struct tdp_result *r, const struct tdp_features_cfg *f)
{
	if (!f)
		return 0;
	struct tdp_feature_layout l = tdp_feature_layout(f);
	if (!section_ok(r, &l))
		return 0;
	return (l.width > l.ndist) + (l.ndist && (r->flags & TDP_RESULT_DISTANCE));
}

static void walk(const struct tdp_result *r, const struct tdp_features_cfg *f, const struct feature_ops *ops,
		 void *out)
{
	static const char *const summary_keys[TDP_SUMMARY_VALUES] = {
		"count", "essential", "total", "max", "entropy",
	};
	struct tdp_feature_layout l = tdp_feature_layout(f);
	if (!section_ok(r, &l))
		return;
	char key[2] = "0";
	if (l.width > l.ndist) {
		unsigned per_dim = (l.summary != TDP_FEAT_ABSENT ? TDP_SUMMARY_VALUES : 0) +
				   (l.betti != TDP_FEAT_ABSENT) + (l.landscape != TDP_FEAT_ABSENT) +
				   (l.silhouette != TDP_FEAT_ABSENT) + (l.image != TDP_FEAT_ABSENT);
		ops->map(out, "features", count_dims(r, &l, false));
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
			if (!shows(r, &l, d, false))
				continue;
			const double *x = block(r, &l, d);
			key[0] = (char)('0' + d);
			ops->map(out, key, per_dim);
			for (unsigned k = 0; l.summary != TDP_FEAT_ABSENT && k < TDP_SUMMARY_VALUES; k++) {
				if (k == TDP_SUMMARY_COUNT || k == TDP_SUMMARY_ESSENTIAL)
					ops->whole(out, summary_keys[k], x[l.summary + k]);
				else
					ops->real(out, summary_keys[k], x[l.summary + k]);
			}
			if (l.betti != TDP_FEAT_ABSENT)
				ops->reals(out, "betti", x + l.betti, f->betti.resolution, true);
			if (l.landscape != TDP_FEAT_ABSENT)
				ops->reals(out, "landscape", x + l.landscape,
					   f->landscape.layers * f->landscape.resolution, false);
			if (l.silhouette != TDP_FEAT_ABSENT)
				ops->reals(out, "silhouette", x + l.silhouette, f->silhouette.resolution, false);
			if (l.image != TDP_FEAT_ABSENT)
				ops->reals(out, "image", x + l.image,
					   f->image.resolution[0] * f->image.resolution[1], false);
			ops->end(out);
		}
		ops->end(out);
	}
	if (!l.ndist || !(r->flags & TDP_RESULT_DISTANCE))
		return;
	ops->map(out, "distance", count_dims(r, &l, true));
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!shows(r, &l, d, true))
			continue;
		const double *x = block(r, &l, d) + l.distance;
		key[0] = (char)('0' + d);
		ops->map(out, key, l.ndist);
		for (unsigned k = 0; k < TDP_DISTANCES; k++)
			if (f->distances >> k & 1)
				ops->real(out, tdp_distance_name(k), *x++);
		ops->end(out);
	}
	ops->end(out);
}

/* ------------------------------------------------------------------ JSON */

/* B, and whether the next member of the open object is its first. */
struct json_out {
	struct tdp_buf *b;
	bool first;
};

static void json_key(struct json_out *o, const char *key)
{
	tdp_buf_puts(o->b, o->first ? "\"" : ",\"");
	tdp_buf_puts(o->b, key);
	tdp_buf_puts(o->b, "\":");
	o->first = false;
}

static void json_map(void *out, const char *key, unsigned n)
{
	struct json_out *o = out;
	(void)n;
	json_key(o, key);
	tdp_buf_putc(o->b, '{');
	o->first = true;
}

static void json_end(void *out)
{
	struct json_out *o = out;
	tdp_buf_putc(o->b, '}');
	o->first = false;
}

static void json_real(void *out, const char *key, double x)
{
	struct json_out *o = out;
	json_key(o, key);
	tdp_json_double(o->b, x);   /* +inf: null */
}

static void json_reals(void *out, const char *key, const double *x, uint32_t n, bool integers)
{
	struct json_out *o = out;
	json_key(o, key);
	tdp_buf_putc(o->b, '[');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			tdp_buf_putc(o->b, ',');
		if (integers)
			tdp_buf_put_u64(o->b, (uint64_t)x[i]);
		else
			tdp_json_double(o->b, x[i]);
	}
	tdp_buf_putc(o->b, ']');
}

static void json_whole(void *out, const char *key, double x)
{
	struct json_out *o = out;
	json_key(o, key);
	tdp_buf_put_u64(o->b, (uint64_t)x);
}

static const struct feature_ops json_ops = { json_map, json_end, json_real, json_whole, json_reals };

void encode_features_jsonl(struct tdp_buf *b, const struct tdp_result *r, const struct tdp_features_cfg *f)
{
	if (!f)
		return;
	struct json_out o = { b, false };   /* after the result's other members */
	walk(r, f, &json_ops, &o);
}

/* --------------------------------------------------------------- msgpack */

static void mp_map(void *out, const char *key, unsigned n)
{
	encode_pack_cstr(out, key);
	msgpack_pack_map(out, n);
}

static void mp_end(void *out)
{
	(void)out;
}

static void mp_real(void *out, const char *key, double x)
{
	encode_pack_cstr(out, key);
	if (isinf(x))
		msgpack_pack_nil(out);
	else
		msgpack_pack_double(out, x);
}

static void mp_reals(void *out, const char *key, const double *x, uint32_t n, bool integers)
{
	encode_pack_cstr(out, key);
	msgpack_pack_array(out, n);
	for (uint32_t i = 0; i < n; i++)
		if (integers)
			msgpack_pack_uint64(out, (uint64_t)x[i]);
		else
			msgpack_pack_double(out, x[i]);
}

static void mp_whole(void *out, const char *key, double x)
{
	encode_pack_cstr(out, key);
	msgpack_pack_uint64(out, (uint64_t)x);
}

static const struct feature_ops msgpack_ops = { mp_map, mp_end, mp_real, mp_whole, mp_reals };

void encode_features_msgpack(msgpack_packer *pk, const struct tdp_result *r, const struct tdp_features_cfg *f)
{
	if (f)
		walk(r, f, &msgpack_ops, pk);
}
