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

/* U, and V, in decimal at OUT (room for 20 digits and a sign); return the
 * length.  Integers are written by hand on the per-result path: printf's
 * format parsing cost more than the digits. */
static size_t format_u64(char *out, uint64_t u)
{
	return tdp_u64_digits(out, u);
}

static size_t format_i64(char *out, int64_t v)
{
	if (v >= 0)
		return format_u64(out, (uint64_t)v);
	out[0] = '-';
	return 1 + format_u64(out + 1, -(uint64_t)v);
}

/* tdp_buf_putc with its common case inline: a few calls per interval. */
static inline void put_char(struct tdp_buf *b, char c)
{
	if (!b->failed && b->len < b->cap)
		b->p[b->len++] = c;
	else
		tdp_buf_putc(b, c);
}

static void put_i64(struct tdp_buf *b, int64_t v)
{
	char text[24];
	tdp_buf_append(b, text, format_i64(text, v));
}

/*
 * Build "<stream>/<scale>/<window>" in SMALL, or in a malloc'd block when a
 * caller passes names longer than any configuration allows.  Returns the id
 * with its length in *LEN, or NULL if the allocation failed.
 */
char *encode_result_id(char small[ENCODE_ID_SMALL], size_t *len, const struct tdp_result *r,
		       const char *stream, const char *scale)
{
	char win[24];
	size_t lw = encode_time_window(r) ? format_i64(win, encode_window_k(r)) : format_u64(win, r->window);
	size_t ls = strlen(stream), lc = strlen(scale), n = ls + 1 + lc + 1 + lw;
	char *id = n < ENCODE_ID_SMALL ? small : malloc(n + 1);
	if (!id)
		return NULL;
	memcpy(id, stream, ls);
	id[ls] = '/';
	memcpy(id + ls + 1, scale, lc);
	id[ls + 1 + lc] = '/';
	memcpy(id + ls + 2 + lc, win, lw);
	id[n] = '\0';
	*len = n;
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
		put_i64(b, t);
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
		tdp_buf_puts(b, ",\"window\":");
		put_i64(b, encode_window_k(r));
		tdp_buf_puts(b, ",\"from\":");
		put_event_time(b, tdp_result_from(r), unit);
		tdp_buf_puts(b, ",\"to\":");
		put_event_time(b, tdp_result_to(r), unit);
	} else {
		tdp_buf_puts(b, ",\"window\":");
		tdp_buf_put_u64(b, r->window);
		tdp_buf_puts(b, ",\"first_seq\":");
		tdp_buf_put_u64(b, r->first_seq);
		tdp_buf_puts(b, ",\"last_seq\":");
		tdp_buf_put_u64(b, r->last_seq);
	}
	tdp_buf_puts(b, ",\"start\":");
	encode_put_time(b, r->start, r->flags & TDP_RESULT_START_TIMED, unit);
	tdp_buf_puts(b, ",\"end\":");
	encode_put_time(b, r->end, r->flags & TDP_RESULT_END_TIMED, unit);
	tdp_buf_puts(b, ",\"n\":");
	tdp_buf_put_u64(b, r->n);
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
		tdp_buf_puts(b, first_dim ? "\"" : ",\"");
		tdp_buf_put_u64(b, d);
		tdp_buf_puts(b, "\":[");
		first_dim = false;
		for (uint32_t i = 0; i < r->count[d]; i++, iv++) {
			if (i)
				put_char(b, ',');
			put_char(b, '[');
			tdp_json_double(b, iv->birth);
			put_char(b, ',');
			/* +inf (essential class) is not JSON: tdp_json_double gives null. */
			tdp_json_double(b, iv->death);
			put_char(b, ']');
		}
		tdp_buf_putc(b, ']');
	}
	tdp_buf_putc(b, '}');
	encode_features_jsonl(b, r, sc ? &sc->features : NULL);
	encode_feature_ids_jsonl(b, r, sc);
	encode_score_jsonl(b, r);
	tdp_buf_puts(b, "}\n");
}
