/*
 * encode_jsonl.c - a result block as one JSON line (tdapipe-results(5)).
 *
 * Keys are written in a fixed order with no whitespace so that the same
 * result always gives the same bytes: consumers may diff or hash lines.
 */
#include "publish/encode.h"
#include "publish/encode_events.h"
#include "publish/encode_features.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

/*
 * Build "<stream>/<scale>/<window>" in SMALL, or in a malloc'd block when a
 * caller passes names longer than any configuration allows.  Returns the id
 * with its length in *LEN, or NULL if the allocation failed.
 */
char *encode_result_id(char small[ENCODE_ID_SMALL], size_t *len, const struct tdp_result *r,
		       const char *stream, const char *scale)
{
	char win[24];
	if (encode_time_window(r))
		snprintf(win, sizeof(win), "%" PRId64, encode_window_k(r));
	else
		snprintf(win, sizeof(win), "%" PRIu64, r->window);
	int n = snprintf(small, ENCODE_ID_SMALL, "%s/%s/%s", stream, scale, win);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	if ((size_t)n < ENCODE_ID_SMALL)
		return small;
	char *id = malloc((size_t)n + 1);
	if (!id)
		return NULL;
	snprintf(id, (size_t)n + 1, "%s/%s/%s", stream, scale, win);
	return id;
}

/* An event time exactly in UNIT (a window's bound may pass int64_t at the
 * ends of the range). */
static void put_event_time(struct tdp_buf *b, __int128 t, enum tdp_time_unit unit)
{
	char text[TDP_TIME_TEXT_MAX];
	tdp_buf_append(b, text, time_format_wide(text, t, unit));
}

void encode_put_time(struct tdp_buf *b, int64_t t, bool timed, enum tdp_time_unit unit)
{
	if (timed)
		put_event_time(b, t, unit);
	else
		tdp_buf_printf(b, "%" PRId64, t);
}

/*
 * Append R as one '\n'-terminated JSON line to B.  STREAM and SCALE are
 * any bytes up to their NUL (escaped here); event times are written in
 * UNIT.  Diagrams of dimensions whose bit is set in dims_mask follow in
 * increasing dimension, each with the count[d] intervals stored after the
 * header, in their stored order.  On allocation failure B is marked
 * failed (tdp_buf_ok()).
 */
void encode_result_jsonl(struct tdp_buf *b, const struct tdp_result *r, const char *stream, const char *scale,
			 enum tdp_time_unit unit, const struct tdp_scale_cfg *sc)
{
	char small[ENCODE_ID_SMALL];
	size_t idlen;
	char *id = encode_result_id(small, &idlen, r, stream, scale);
	if (!id) {
		b->failed = true;
		return;
	}

	tdp_buf_puts(b, "{\"v\":1,\"id\":");
	/* The id is escaped as a whole, like any other string value. */
	tdp_json_string(b, id, idlen);
	if (id != small)
		free(id);
	tdp_buf_puts(b, ",\"stream\":");
	tdp_json_string(b, stream, strlen(stream));
	tdp_buf_puts(b, ",\"scale\":");
	tdp_json_string(b, scale, strlen(scale));
	bool timed = encode_time_window(r);
	if (timed) {
		tdp_buf_printf(b, ",\"window\":%" PRId64 ",\"from\":", encode_window_k(r));
		put_event_time(b, tdp_result_from(r), unit);
		tdp_buf_puts(b, ",\"to\":");
		put_event_time(b, tdp_result_to(r), unit);
	} else {
		tdp_buf_printf(b, ",\"window\":%" PRIu64 ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64,
			       r->window, r->first_seq, r->last_seq);
	}
	tdp_buf_puts(b, ",\"start\":");
	encode_put_time(b, r->start, r->flags & TDP_RESULT_START_TIMED, unit);
	tdp_buf_puts(b, ",\"end\":");
	encode_put_time(b, r->end, r->flags & TDP_RESULT_END_TIMED, unit);
	tdp_buf_printf(b, ",\"n\":%" PRIu64, r->n);
	/* Absent rather than 0 so complete windows, the normal case, stay
	 * short.  A time window loses no point (late ones are dead letters):
	 * it may drop some past max_window_points. */
	uint64_t short_by = timed ? r->dropped : r->lost;
	if (short_by > 0)
		tdp_buf_printf(b, timed ? ",\"dropped\":%" PRIu64 : ",\"lost\":%" PRIu64, short_by);
	/* Points of the window the scale cannot use (value:, values:): only
	 * scales that refuse points ever write it. */
	if (r->refused > 0)
		tdp_buf_printf(b, ",\"refused\":%" PRIu32, r->refused);
	if (r->landmarks > 0)
		tdp_buf_printf(b, ",\"landmarks\":%" PRIu32, r->landmarks);
	if (r->truncated > 0)
		tdp_buf_printf(b, ",\"truncated\":%" PRIu32, r->truncated);
	if (tdp_result_incomplete_dims(r)) {
		/* The dimensions asked for but not computed, and why: they have
		 * no entry in "diagrams", so "no features" is never "not computed". */
		tdp_buf_puts(b, ",\"incomplete\":{");
		bool first = true;
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
			if (!(r->dims_mask >> d & 1) || !r->incomplete[d])
				continue;
			tdp_buf_printf(b, "%s\"%u\":\"%s\"", first ? "" : ",", d, tdp_incomplete_name(r->incomplete[d]));
			first = false;
		}
		tdp_buf_putc(b, '}');
	}

	tdp_buf_puts(b, ",\"diagrams\":{");
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	bool first_dim = true;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!tdp_result_has_diagram(r, d))
			continue;
		tdp_buf_printf(b, "%s\"%u\":[", first_dim ? "" : ",", d);
		first_dim = false;
		for (uint32_t i = 0; i < r->count[d]; i++, iv++) {
			tdp_buf_puts(b, i ? ",[" : "[");
			tdp_json_double(b, iv->birth);
			tdp_buf_putc(b, ',');
			/* +inf (essential class) is not JSON: tdp_json_double gives null. */
			tdp_json_double(b, iv->death);
			tdp_buf_putc(b, ']');
		}
		tdp_buf_putc(b, ']');
	}
	tdp_buf_putc(b, '}');
	encode_features_jsonl(b, r, sc ? &sc->features : NULL);
	encode_feature_ids_jsonl(b, r, sc);
	encode_score_jsonl(b, r);
	tdp_buf_puts(b, "}\n");
}
