/*
 * decode_csv.c - one CSV line into a point.
 *
 * Fields are separated by commas and are not quoted, except that the
 * stream column may be an RFC 4180 double-quoted field ("a,""b""" is the
 * id a,"b) so that ids can hold commas.  Column numbers in reasons are
 * 0-based, like stream_column and time_column in the configuration.  The
 * time column is read by ingest/event_time.c (a ':' makes it a date-time),
 * whose reasons name the time, not the column.
 */
#include "ingest/decode.h"

#include <stdio.h>
#include <string.h>

#include "ingest/event_time.h"
#include "ingest/number.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse the double-quoted field starting at REC[*POS] (blanks before the
 * quote already skipped) and set the stream id from it.  On success *POS is
 * just past the field: at the comma or at LEN.  Blanks may follow the
 * closing quote, nothing else.  Returns 0, or -1 with REASON.
 */
static int quoted_stream(const char *rec, size_t len, size_t *pos, int col,
			 struct tdp_decoded *out, char *reason, size_t rlen)
{
	char id[TDP_STREAM_NAME_MAX];
	size_t n = 0;        /* bytes of the unescaped id, even past the buffer */
	size_t i = *pos + 1;
	for (;;) {
		if (i >= len) {
			snprintf(reason, rlen, "column %d: unterminated quoted field", col);
			return -1;
		}
		if (rec[i] == '"') {
			if (i + 1 < len && rec[i + 1] == '"') {
				i++;     /* "" is one quote */
			} else {
				i++;
				break;
			}
		}
		if (n < sizeof(id))
			id[n] = rec[i];
		n++;
		i++;
	}
	while (i < len && is_blank(rec[i]))
		i++;
	if (i < len && rec[i] != ',') {
		snprintf(reason, rlen, "column %d: text after the closing quote", col);
		return -1;
	}
	*pos = i;
	if (stream_id_set(out->stream, id, n, reason, rlen) < 0)
		return -1;
	out->has_stream = true;
	return 0;
}

/*
 * Decode one CSV line; see decode.h.  The first bad column, in column
 * order, is the one reported; then a missing stream or time column; then
 * a value count of 0 or more than TDP_MAX_DIM (every column is still
 * checked, so a record with 17 values reports 17, not "more than 16").
 */
int decode_csv(const char *rec, size_t len, const struct tdp_source_cfg *src,
	       struct tdp_decoded *out, char *reason, size_t rlen)
{
	memset(out, 0, sizeof(*out));
	if (len && rec[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(reason, rlen, "empty record");
		return -1;
	}

	size_t pos = 0;
	unsigned nvalues = 0;
	int col = 0;
	for (;; col++) {
		/* POS is at the first byte of column COL. */
		size_t start = pos;
		if (col == src->stream_column) {
			size_t q = pos;
			while (q < len && is_blank(rec[q]))
				q++;
			if (q < len && rec[q] == '"') {
				pos = q;
				if (quoted_stream(rec, len, &pos, col, out, reason, rlen) < 0)
					return -1;
				goto next;
			}
		}
		{
			const char *comma = memchr(rec + pos, ',', len - pos);
			pos = comma ? (size_t)(comma - rec) : len;
		}
		if (col == src->stream_column) {
			/* Unquoted ids are trimmed like numbers are. */
			size_t a = start, b = pos;
			while (a < b && is_blank(rec[a]))
				a++;
			while (b > a && is_blank(rec[b - 1]))
				b--;
			if (stream_id_set(out->stream, rec + a, b - a, reason, rlen) < 0)
				return -1;
			out->has_stream = true;
		} else if (col == src->time_column) {
			if (event_time_parse(rec + start, pos - start, EVENT_TIME_FIELD, src->time_unit,
					     &out->t, reason, rlen) < 0)
				return -1;
			out->has_time = true;
		} else {
			double d;
			if (number_fieldf(rec + start, pos - start, &d, reason, rlen, "column %d", col) < 0)
				return -1;
			if (nvalues < TDP_MAX_DIM)
				out->v[nvalues] = d;
			nvalues++;
		}
next:
		if (pos >= len)
			break;
		pos++;   /* the comma; a comma at the end starts an empty last column */
	}

	int ncols = col + 1;
	if (src->stream_column >= 0 && !out->has_stream) {
		snprintf(reason, rlen, "stream_column %d missing: the line has %d column%s",
			 src->stream_column, ncols, ncols == 1 ? "" : "s");
		return -1;
	}
	if (src->time_column >= 0 && !out->has_time) {
		snprintf(reason, rlen, "time_column %d missing: the line has %d column%s",
			 src->time_column, ncols, ncols == 1 ? "" : "s");
		return -1;
	}
	if (nvalues == 0) {
		snprintf(reason, rlen, "no values");
		return -1;
	}
	if (nvalues > TDP_MAX_DIM) {
		snprintf(reason, rlen, "too many values: %u (at most %d)", nvalues, TDP_MAX_DIM);
		return -1;
	}
	out->dim = (uint16_t)nvalues;
	return 0;
}
