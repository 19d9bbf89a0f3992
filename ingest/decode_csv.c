/*
 * decode_csv.c - one CSV record into a point (RFC 4180).
 *
 * Any field may be double-quoted: "a,""b""" is the text a,"b, and a
 * quoted field may hold commas and line breaks (the framer keeps such a
 * record whole: ingest/framer.c).  Blanks around a quoted field are
 * passed over; an unquoted field is taken as it stands (numbers and ids
 * trimmed).  Column numbers in reasons are 0-based, like stream_column and
 * time_column in the configuration.  The time column is read by
 * ingest/event_time.c (a ':' makes it a date-time), whose reasons name the
 * time, not the column.
 *
 * Which column is what comes from a struct csv_columns: from the source's
 * indices, or for names from the input's header line (csv_columns_header).
 */
#include "ingest/decode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ingest/event_time.h"
#include "ingest/number.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Room for an unescaped quoted field holding a doubled quote (one
 * without is read in place); a longer one is refused where it is used. */
#define CSV_SCRATCH 512

/* One field: its text, unescaped when quoted. */
struct csv_field {
	const char *p;
	size_t n;          /* its full length, even when longer than the scratch */
	bool quoted;
	char scratch[CSV_SCRATCH];
};

/*
 * The field of column COL starting at REC[*POS]: into *F, *POS moved to
 * the comma after it or to LEN.  A quoted field (blanks before the quote
 * passed over) runs to its closing quote, after which only blanks may
 * come.  Returns 0, or -1 with REASON.
 */
static int next_field(const char *rec, size_t len, size_t *pos, int col, struct csv_field *f,
		      char *reason, size_t rlen)
{
	size_t i = *pos;
	while (i < len && is_blank(rec[i]))
		i++;
	f->quoted = i < len && rec[i] == '"';
	if (!f->quoted) {
		const char *comma = memchr(rec + *pos, ',', len - *pos);
		size_t end = comma ? (size_t)(comma - rec) : len;
		f->p = rec + *pos;
		f->n = end - *pos;
		*pos = end;
		return 0;
	}
	size_t start = ++i, n = 0;
	bool copied = false;
	for (;;) {
		if (i >= len) {
			snprintf(reason, rlen, "column %d: unterminated quoted field", col);
			return -1;
		}
		if (rec[i] == '"') {
			if (i + 1 < len && rec[i + 1] == '"') {
				if (!copied) {   /* from here on the text differs from the bytes */
					memcpy(f->scratch, rec + start, n < CSV_SCRATCH ? n : CSV_SCRATCH);
					copied = true;
				}
				i++;     /* "" is one quote */
			} else {
				i++;
				break;
			}
		}
		if (copied && n < CSV_SCRATCH)
			f->scratch[n] = rec[i];
		n++;
		i++;
	}
	while (i < len && is_blank(rec[i]))
		i++;
	if (i < len && rec[i] != ',') {
		snprintf(reason, rlen, "column %d: text after the closing quote", col);
		return -1;
	}
	f->p = copied ? f->scratch : rec + start;
	f->n = n;
	*pos = i;
	return 0;
}

/* A quoted field too long for the scratch, where its text is needed. */
static bool is_too_long(const struct csv_field *f)
{
	return f->p == f->scratch && f->n > CSV_SCRATCH;
}

static int too_long(const struct csv_field *f, const char *field, char *reason, size_t rlen)
{
	if (!is_too_long(f))
		return 0;
	snprintf(reason, rlen, "%s: quoted field of %zu bytes is too long (at most %d)", field, f->n, CSV_SCRATCH);
	return -1;
}

/* too_long for column COL, its name built only when it is (no printf
 * per column of a good record). */
static int too_long_col(const struct csv_field *f, int col, char *reason, size_t rlen)
{
	if (!is_too_long(f))
		return 0;
	char field[32];
	snprintf(field, sizeof(field), "column %d", col);
	return too_long(f, field, reason, rlen);
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_blank((*p)[*n - 1]))
		(*n)--;
}

void csv_columns_init(struct csv_columns *m, const struct tdp_source_cfg *src)
{
	memset(m, 0, sizeof(*m));
	m->stream = src->stream_column;
	m->time = src->time_column;
	const struct tdp_source_fields *fs = &src->fields;
	m->nvalues = fs->nvalues;
	for (uint32_t i = 0; i < fs->nvalues; i++)
		m->value[i] = fs->values[i].index;   /* -1 for a name, until a header says */
}

bool csv_columns_named(const struct tdp_source_cfg *src)
{
	const struct tdp_source_fields *fs = &src->fields;
	if ((fs->has_stream && fs->stream.index < 0) || (fs->has_time && fs->time.index < 0))
		return true;
	for (uint32_t i = 0; i < fs->nvalues; i++)
		if (fs->values[i].index < 0)
			return true;
	return false;
}

/* Every column the header names F: the first into *COL, how many into *N. */
static void header_find(const char *rec, size_t len, const char *name, int *col, int *n)
{
	size_t pos = 0, want = strlen(name);
	char reason[8];
	struct csv_field f;
	*col = -1;
	*n = 0;
	for (int c = 0;; c++) {
		if (next_field(rec, len, &pos, c, &f, reason, sizeof(reason)) < 0)
			return;
		const char *p = f.p;
		size_t k = f.n;
		if (!f.quoted)
			trim(&p, &k);
		if (k == want && (f.p != f.scratch || k <= CSV_SCRATCH) && !memcmp(p, name, k)) {
			if (*col < 0)
				*col = c;
			(*n)++;
		}
		if (pos >= len)
			return;
		pos++;
	}
}

/* The column of field F (a name looked up in the header) into *COL. */
static int header_column(struct csv_columns *m, const char *rec, size_t len, const struct tdp_field *f,
			 int32_t *col)
{
	if (f->index >= 0) {
		*col = f->index;
		return 0;
	}
	int c, n;
	header_find(rec, len, f->name, &c, &n);
	if (n == 0) {
		snprintf(m->reason, sizeof(m->reason), "the header has no column \"%.64s\"", f->name);
		return -1;
	}
	if (n > 1) {
		snprintf(m->reason, sizeof(m->reason), "the header has column \"%.64s\" %d times", f->name, n);
		return -1;
	}
	*col = c;
	return 0;
}

int csv_columns_header(struct csv_columns *m, const struct tdp_source_cfg *src, const char *rec, size_t len)
{
	const struct tdp_source_fields *fs = &src->fields;
	char reason[160];
	struct csv_field f;
	size_t pos = 0;

	csv_columns_init(m, src);
	if (len && rec[len - 1] == '\r')
		len--;
	/* The header must itself be good CSV. */
	for (int c = 0;; c++) {
		if (next_field(rec, len, &pos, c, &f, reason, sizeof(reason)) < 0) {
			snprintf(m->reason, sizeof(m->reason), "header: %.140s", reason);
			m->bad = true;
			return -1;
		}
		if (pos >= len)
			break;
		pos++;
	}
	if ((fs->has_stream && header_column(m, rec, len, &fs->stream, &m->stream) < 0) ||
	    (fs->has_time && header_column(m, rec, len, &fs->time, &m->time) < 0)) {
		m->bad = true;
		return -1;
	}
	for (uint32_t i = 0; i < fs->nvalues; i++) {
		if (header_column(m, rec, len, &fs->values[i], &m->value[i]) < 0) {
			m->bad = true;
			return -1;
		}
	}
	/* Two names (or a name and an index) of one column. */
	int32_t used[TDP_FIELDS_MAX + 2];
	uint32_t nused = 0;
	if (m->stream >= 0)
		used[nused++] = m->stream;
	if (m->time >= 0)
		used[nused++] = m->time;
	for (uint32_t i = 0; i < m->nvalues; i++)
		used[nused++] = m->value[i];
	for (uint32_t i = 0; i < nused; i++)
		for (uint32_t j = 0; j < i; j++)
			if (used[i] == used[j]) {
				snprintf(m->reason, sizeof(m->reason),
					 "the header puts two configured fields in column %d", (int)used[i]);
				m->bad = true;
				return -1;
			}
	return 0;
}

/* Which coordinate column COL is with the configured values (-1: none). */
static int value_slot(const struct csv_columns *m, int col)
{
	for (uint32_t i = 0; i < m->nvalues; i++)
		if (m->value[i] == col)
			return (int)i;
	return -1;
}

/* "column \"name\" (3)" or "column 3", for reasons about a value column. */
static void value_name(const struct tdp_source_cfg *src, const struct csv_columns *m, uint32_t i, char *out,
		       size_t size)
{
	const struct tdp_field *f = &src->fields.values[i];
	if (f->index < 0)
		snprintf(out, size, "column \"%.64s\" (%d)", f->name, (int)m->value[i]);
	else
		snprintf(out, size, "column %d", (int)m->value[i]);
}

/* A configured field's missing column: today's words for an index. */
static void missing(char *reason, size_t rlen, const char *key, const struct tdp_field *f, int col, int ncols)
{
	if (f->index >= 0 || !f->name[0])
		snprintf(reason, rlen, "%s %d missing: the line has %d column%s", key, col, ncols,
			 ncols == 1 ? "" : "s");
	else
		snprintf(reason, rlen, "column \"%.64s\" (%d) missing: the line has %d column%s", f->name, col,
			 ncols, ncols == 1 ? "" : "s");
}

/*
 * Decode one CSV record; see decode.h.  The first bad column, in column
 * order, is the one reported; then a missing stream or time column; then
 * a value count of 0 or more than TDP_MAX_DIM (every column is still
 * checked, so a record with 17 values reports 17, not "more than 16").
 */
int decode_csv_cols(const char *rec, size_t len, const struct tdp_source_cfg *src, const struct csv_columns *m,
		    struct tdp_decoded *out, char *reason, size_t rlen)
{
	memset(out, 0, sizeof(*out));
	if (m->bad) {
		snprintf(reason, rlen, "%s", m->reason);
		return -1;
	}
	if (len && rec[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(reason, rlen, "empty record");
		return -1;
	}

	size_t pos = 0;
	unsigned nvalues = 0;
	uint32_t seen = 0;   /* configured values found */
	struct csv_field f;
	int col = 0;
	for (;; col++) {
		/* POS is at the first byte of column COL. */
		if (next_field(rec, len, &pos, col, &f, reason, rlen) < 0)
			return -1;
		int slot = -1;
		if (col == m->stream) {
			const char *p = f.p;
			size_t n = f.n;
			if (!f.quoted)
				trim(&p, &n);   /* unquoted ids are trimmed like numbers are */
			if (stream_id_set(out->stream, p, n, reason, rlen) < 0)
				return -1;
			out->has_stream = true;
		} else if (col == m->time) {
			if (too_long_col(&f, col, reason, rlen) < 0 ||
			    event_time_parse(f.p, f.n, EVENT_TIME_FIELD, src->time_unit, &out->t, reason, rlen) < 0)
				return -1;
			out->has_time = true;
		} else if (m->nvalues == 0) {
			double d;
			if (too_long_col(&f, col, reason, rlen) < 0 ||
			    number_fieldf(f.p, f.n, &d, reason, rlen, "column %d", col) < 0)
				return -1;
			if (nvalues < TDP_MAX_DIM)
				out->v[nvalues] = d;
			nvalues++;
		} else if ((slot = value_slot(m, col)) >= 0) {
			const char *p = f.p;
			size_t n = f.n;
			trim(&p, &n);
			seen |= 1u << slot;
			if (n == 0) {
				/* Not there in this record: the scale decides. */
				out->v[slot] = NAN;
				out->absent |= 1u << slot;
			} else {
				if (is_too_long(&f) || number_parse(f.p, f.n, &out->v[slot]) != NUMBER_OK) {
					/* The reason, with the value's name, only now. */
					char name[96];
					value_name(src, m, (uint32_t)slot, name, sizeof(name));
					if (too_long(&f, name, reason, rlen) == 0)
						number_field(name, f.p, f.n, &out->v[slot], reason, rlen);
					return -1;
				}
			}
		}
		if (pos >= len)
			break;
		pos++;   /* the comma; a comma at the end starts an empty last column */
	}

	int ncols = col + 1;
	const struct tdp_source_fields *fs = &src->fields;
	if (m->stream >= 0 && !out->has_stream) {
		missing(reason, rlen, "stream_column", &fs->stream, m->stream, ncols);
		return -1;
	}
	if (m->time >= 0 && !out->has_time) {
		missing(reason, rlen, "time_column", &fs->time, m->time, ncols);
		return -1;
	}
	if (m->nvalues) {
		for (uint32_t i = 0; i < m->nvalues; i++) {
			if (!(seen >> i & 1)) {
				missing(reason, rlen, "value column", &fs->values[i], m->value[i], ncols);
				return -1;
			}
		}
		out->dim = (uint16_t)m->nvalues;
		return 0;
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

int decode_csv(const char *rec, size_t len, const struct tdp_source_cfg *src,
	       struct tdp_decoded *out, char *reason, size_t rlen)
{
	struct csv_columns m;
	csv_columns_init(&m, src);
	return decode_csv_cols(rec, len, src, &m, out, reason, rlen);
}
