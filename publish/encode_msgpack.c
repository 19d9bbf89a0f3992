/*
 * encode_msgpack.c - a result block as one msgpack map (tdapipe-results(5)).
 *
 * The map has the keys of the JSON line in the same order, so a consumer can
 * switch formats without touching anything but the decoder.  Integers use
 * msgpack's shortest int form (unsigned but for a time scale's negative
 * window), every double is a float64 (never narrowed to float32, so
 * values are exact) and an essential death is nil.  Event times are ints
 * when the source's time_unit is ns, else the float64 nearest to the time
 * in that unit; start and end that are sequence numbers stay float64, as
 * they always were.
 */
#include "publish/encode.h"
#include "publish/encode_events.h"
#include "publish/encode_features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

/* Diagram keys are the dimension as one decimal digit. */
_Static_assert(TDP_MAX_HDIM <= 10, "diagram keys are single digits");

/*
 * msgpack_packer write callback: append to the tdp_buf in DATA.  Returns
 * -1 once the buffer has failed, though the packer's callers (and ours)
 * only look at tdp_buf_ok() at the end.
 */
static int buf_write(void *data, const char *p, size_t n)
{
	struct tdp_buf *b = data;
	tdp_buf_append(b, p, n);
	return tdp_buf_ok(b) ? 0 : -1;
}

void encode_packer_init(msgpack_packer *pk, struct tdp_buf *b)
{
	msgpack_packer_init(pk, b, buf_write);
}

void encode_pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Pack "KEY": U, the key a str and U the shortest uint. */
static void pack_key_u64(msgpack_packer *pk, const char *key, uint64_t u)
{
	encode_pack_cstr(pk, key);
	msgpack_pack_uint64(pk, u);
}

/* Pack event time T (ns) in UNIT: an int in ns, else the nearest float64;
 * a window's bound may pass int64_t at the ends of the range, and is then
 * a float64 in any unit. */
static void pack_event_time(msgpack_packer *pk, __int128 t, enum tdp_time_unit unit)
{
	if (unit == TDP_TIME_NS && t >= INT64_MIN && t <= INT64_MAX)
		msgpack_pack_int64(pk, (int64_t)t);
	else
		msgpack_pack_double(pk, time_to_double_wide(t, unit));
}

void encode_pack_time(msgpack_packer *pk, int64_t t, bool timed, enum tdp_time_unit unit)
{
	if (timed)
		pack_event_time(pk, t, unit);
	else
		msgpack_pack_double(pk, (double)t);
}

/* Pack a death as float64, or nil for +inf (an essential class), the
 * msgpack counterpart of JSON's null. */
static void pack_death(msgpack_packer *pk, double x)
{
	if (isinf(x) && x > 0)
		msgpack_pack_nil(pk);
	else
		msgpack_pack_double(pk, x);
}

/*
 * Append R as one msgpack map to B: the keys of encode_result_jsonl() in
 * the same order ("lost" or "dropped", "refused", "landmarks", "truncated",
 * "incomplete" only when nonzero), "incomplete" a map from the dimension
 * as a decimal str to the reason's name, "diagrams" a map from the
 * dimension as a decimal str to an array of [birth, death] arrays.
 * STREAM and SCALE are packed as str with their bytes unchanged; event
 * times are in UNIT.  On allocation failure B is marked failed
 * (tdp_buf_ok()).
 */
void encode_result_msgpack(struct tdp_buf *b, const struct tdp_result *r, const char *stream, const char *scale,
			   enum tdp_time_unit unit, const struct tdp_scale_cfg *sc)
{
	char small[ENCODE_ID_SMALL];
	size_t idlen;
	char *id = encode_result_id(small, &idlen, r, stream, scale);
	if (!id) {
		b->failed = true;
		return;
	}

	msgpack_packer pk;
	encode_packer_init(&pk, b);

	bool timed = encode_time_window(r);
	uint64_t short_by = timed ? r->dropped : r->lost;
	unsigned nincomplete = tdp_result_incomplete_dims(r);
	msgpack_pack_map(&pk, 11 + (short_by > 0) + (r->refused > 0) + (r->landmarks > 0) + (r->truncated > 0) + (nincomplete > 0) +
			      encode_features_keys(r, sc ? &sc->features : NULL) + encode_feature_ids_keys(r, sc) +
			      encode_score_keys(r));
	pack_key_u64(&pk, "v", 1);
	encode_pack_cstr(&pk, "id");
	msgpack_pack_str(&pk, idlen);
	msgpack_pack_str_body(&pk, id, idlen);
	if (id != small)
		free(id);
	encode_pack_cstr(&pk, "stream");
	encode_pack_cstr(&pk, stream);
	encode_pack_cstr(&pk, "scale");
	encode_pack_cstr(&pk, scale);
	if (timed) {
		encode_pack_cstr(&pk, "window");
		msgpack_pack_int64(&pk, encode_window_k(r));
		encode_pack_cstr(&pk, "from");
		pack_event_time(&pk, tdp_result_from(r), unit);
		encode_pack_cstr(&pk, "to");
		pack_event_time(&pk, tdp_result_to(r), unit);
	} else {
		pack_key_u64(&pk, "window", r->window);
		pack_key_u64(&pk, "first_seq", r->first_seq);
		pack_key_u64(&pk, "last_seq", r->last_seq);
	}
	encode_pack_cstr(&pk, "start");
	encode_pack_time(&pk, r->start, r->flags & TDP_RESULT_START_TIMED, unit);
	encode_pack_cstr(&pk, "end");
	encode_pack_time(&pk, r->end, r->flags & TDP_RESULT_END_TIMED, unit);
	pack_key_u64(&pk, "n", r->n);
	if (short_by > 0)
		pack_key_u64(&pk, timed ? "dropped" : "lost", short_by);
	if (r->refused > 0)
		pack_key_u64(&pk, "refused", r->refused);
	if (r->landmarks > 0)
		pack_key_u64(&pk, "landmarks", r->landmarks);
	if (r->truncated > 0)
		pack_key_u64(&pk, "truncated", r->truncated);
	if (nincomplete > 0) {
		encode_pack_cstr(&pk, "incomplete");
		msgpack_pack_map(&pk, nincomplete);
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
			if (!(r->dims_mask >> d & 1) || !r->incomplete[d])
				continue;
			char key = (char)('0' + d);
			msgpack_pack_str(&pk, 1);
			msgpack_pack_str_body(&pk, &key, 1);
			encode_pack_cstr(&pk, tdp_incomplete_name(r->incomplete[d]));
		}
	}

	encode_pack_cstr(&pk, "diagrams");
	unsigned ndims = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		ndims += tdp_result_has_diagram(r, d);
	msgpack_pack_map(&pk, ndims);
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!tdp_result_has_diagram(r, d))
			continue;
		char key = (char)('0' + d);
		msgpack_pack_str(&pk, 1);
		msgpack_pack_str_body(&pk, &key, 1);
		msgpack_pack_array(&pk, r->count[d]);
		for (uint32_t i = 0; i < r->count[d]; i++, iv++) {
			msgpack_pack_array(&pk, 2);
			msgpack_pack_double(&pk, iv->birth);
			pack_death(&pk, iv->death);
		}
	}
	encode_features_msgpack(&pk, r, sc ? &sc->features : NULL);
	encode_feature_ids_msgpack(&pk, r, sc);
	encode_score_msgpack(&pk, r);
}
