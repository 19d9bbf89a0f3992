/*
 * fuzz_decode_csv - one CSV line into a point (ingest/decode_csv.c).
 *
 * Input: one byte choosing stream_column and time_column (-1..2 each),
 * the time_unit (bits 4-5), configured values (bit 6: columns 3 and 0 or
 * the first free one, in that order) and header names (bit 7: the input's
 * first line is a header naming stream "s", time "t" and values "a",
 * "b"), then the record.  Properties:
 *  - the result is 0 or -1; -1 comes with a reason (non-empty, one
 *    printable line), and the same reason, cut, in a reason buffer of
 *    any smaller size (ASan sees a write past it: the buffer is exact);
 *  - an accepted point has 1..TDP_MAX_DIM values, each finite or absent
 *    (NaN exactly where its bit in absent is set, only with configured
 *    values), a stream id exactly when the stream column is set (1..63
 *    bytes of UTF-8, no NUL), a time exactly when the time column is set;
 *  - decoding is a function of the bytes: twice the same, and one
 *    trailing '\r' changes nothing;
 *  - an accepted record re-written as CSV from its point decodes to the
 *    same point.
 */
#include <math.h>

#include "common/json.h"
#include "common/time_unit.h"
#include "ingest/decode.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_read.h"

#define RLEN 192

struct outcome {
	int rc;
	struct tdp_decoded d;
	char reason[RLEN];
};

/* The columns of this input (csv_columns_header or the indices). */
static struct csv_columns cols;

static void decode(const char *rec, size_t len, const struct tdp_source_cfg *cfg, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	char *reason = malloc(RLEN);
	memset(reason, 0x5a, RLEN);
	o->rc = decode_csv_cols(rec, len, cfg, &cols, &o->d, reason, RLEN);
	FUZZ_CHECK(o->rc == 0 || o->rc == -1, "decode_csv returned %d", o->rc);
	if (o->rc < 0) {
		FUZZ_CHECK(fuzz_reason_ok(reason, RLEN), "a refused record without a one-line reason");
		memcpy(o->reason, reason, RLEN);
	}
	free(reason);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->rc == b->rc && !memcmp(&a->d, &b->d, sizeof(a->d)) && !strcmp(a->reason, b->reason);
}

static void check_point(const struct outcome *o, const struct tdp_source_cfg *cfg)
{
	const struct tdp_decoded *d = &o->d;
	FUZZ_CHECK(d->dim >= 1 && d->dim <= TDP_MAX_DIM, "dim %u", d->dim);
	FUZZ_CHECK(!cols.nvalues || d->dim == cols.nvalues, "dim %u with %u values configured", d->dim, cols.nvalues);
	FUZZ_CHECK(!(d->absent >> d->dim) && (cols.nvalues || !d->absent), "absent bits %#x", d->absent);
	for (unsigned i = 0; i < d->dim; i++)
		FUZZ_CHECK((d->absent >> i & 1) ? isnan(d->v[i]) : isfinite(d->v[i]), "v[%u] %g, absent %d", i, d->v[i],
			   d->absent >> i & 1);
	FUZZ_CHECK(d->has_stream == (cols.stream >= 0), "has_stream %d", d->has_stream);
	FUZZ_CHECK(d->has_time == (cols.time >= 0), "has_time %d", d->has_time);
	(void)cfg;
	if (d->has_stream) {
		size_t n = strnlen(d->stream, sizeof(d->stream));
		FUZZ_CHECK(n >= 1 && n < sizeof(d->stream), "stream id of %zu bytes", n);
		FUZZ_CHECK(jr_utf8_valid(d->stream, n), "stream id not UTF-8");
	}
}

/* The point P as a CSV line of CFG's columns: the id quoted (doubling its
 * quotes), numbers as the shortest text that reads back the same. */
static size_t write_csv(char *out, size_t cap, const struct tdp_decoded *p, const struct tdp_source_cfg *cfg)
{
	size_t o = 0;
	unsigned v = 0;
	int ncols = p->dim + (cfg->stream_column >= 0) + (cfg->time_column >= 0);
	for (int col = 0; col < ncols; col++) {
		char num[TDP_TIME_TEXT_MAX > 32 ? TDP_TIME_TEXT_MAX : 32];
		if (col)
			out[o++] = ',';
		if (col == cfg->stream_column) {
			out[o++] = '"';
			for (const char *c = p->stream; *c; c++) {
				if (*c == '"')
					out[o++] = '"';
				out[o++] = *c;
			}
			out[o++] = '"';
			continue;
		}
		size_t n = col == cfg->time_column ? time_format(num, p->t, cfg->time_unit)
						   : tdp_format_double(num, p->v[v++]);
		memcpy(out + o, num, n);
		o += n;
		FUZZ_CHECK(o < cap, "rewritten line too long");
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t sel = fuzz_u8(&in);
	struct tdp_source_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = TDP_FMT_CSV;
	cfg.max_record = 65536;
	cfg.stream_column = (int)(sel & 3) - 1;          /* -1..2 */
	cfg.time_column = (int)(sel >> 2 & 3) - 1;
	if (cfg.time_column == cfg.stream_column)
		cfg.time_column = -1;                    /* the config refuses one column for both */
	cfg.time_unit = (enum tdp_time_unit)(sel >> 4 & 3);
	cfg.fields.stream.index = cfg.fields.time.index = -1;
	if (sel & 0x40) {
		int other = 0;
		while (other == cfg.stream_column || other == cfg.time_column)
			other++;
		cfg.fields.nvalues = 2;
		cfg.fields.values[0].index = 3;
		cfg.fields.values[1].index = other;
	}
	size_t len;
	const uint8_t *p = fuzz_bytes(&in, in.n, &len);
	const uint8_t *nl = sel & 0x80 ? memchr(p, '\n', len) : NULL;
	csv_columns_init(&cols, &cfg);
	if (nl) {
		/* Names from a header: the same field may not be named twice. */
		static const char *const names[] = {"s", "t", "a", "b"};
		cfg.header = true;
		cfg.stream_column = cfg.time_column = -1;
		cfg.fields.has_stream = cfg.fields.has_time = true;
		snprintf(cfg.fields.stream.name, sizeof(cfg.fields.stream.name), "%s", names[0]);
		snprintf(cfg.fields.time.name, sizeof(cfg.fields.time.name), "%s", names[1]);
		cfg.fields.nvalues = 2;
		for (int i = 0; i < 2; i++) {
			cfg.fields.values[i].index = -1;
			snprintf(cfg.fields.values[i].name, sizeof(cfg.fields.values[i].name), "%s", names[2 + i]);
		}
		char *hdr = fuzz_dup(p, (size_t)(nl - p));
		int rc = csv_columns_header(&cols, &cfg, hdr, (size_t)(nl - p));
		FUZZ_CHECK(rc == (cols.bad ? -1 : 0), "csv_columns_header %d, bad %d", rc, cols.bad);
		FUZZ_CHECK(!cols.bad || fuzz_reason_ok(cols.reason, sizeof(cols.reason)), "a bad header without a reason");
		free(hdr);
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	bool plain = !nl && !(sel & 0x40);   /* decode_csv's own columns */
	char *rec = fuzz_dup(p, len);

	struct outcome a, b;
	decode(rec, len, &cfg, &a);
	decode(rec, len, &cfg, &b);
	FUZZ_CHECK(same(&a, &b), "two decodings of the same bytes differ");
	if (a.rc == 0)
		check_point(&a, &cfg);

	/* A reason buffer of any size gets the same reason, cut. */
	for (size_t rlen = 1; rlen < 48 && a.rc < 0; rlen += 7) {
		char *small = malloc(rlen);
		struct tdp_decoded d;
		int rc = decode_csv_cols(rec, len, &cfg, &cols, &d, small, rlen);
		FUZZ_CHECK(rc == a.rc, "rc %d with a %zu-byte reason buffer, %d otherwise", rc, rlen, a.rc);
		FUZZ_CHECK(memchr(small, '\0', rlen) && !strncmp(small, a.reason, rlen - 1),
			   "reason \"%s\" cut to %zu bytes is not a prefix", a.reason, rlen);
		free(small);
	}

	if (!len || rec[len - 1] != '\r') {
		char *cr = malloc(len + 1);
		memcpy(cr, rec, len);
		cr[len] = '\r';
		decode(cr, len + 1, &cfg, &b);
		FUZZ_CHECK(same(&a, &b), "a trailing CR changed the outcome");
		free(cr);
	}

	if (plain) {
		struct tdp_decoded d;
		char reason[RLEN] = "";
		int rc = decode_csv(rec, len, &cfg, &d, reason, RLEN);
		FUZZ_CHECK(rc == a.rc && (rc ? !strcmp(reason, a.reason) : !memcmp(&d, &a.d, sizeof(d))),
			   "decode_csv and decode_csv_cols of its columns differ");
	}
	if (a.rc == 0 && plain) {
		char line[TDP_MAX_DIM * 32 + 2 * TDP_STREAM_NAME_MAX + 64];
		size_t n = write_csv(line, sizeof(line), &a.d, &cfg);
		char *again = fuzz_dup(line, n);
		decode(again, n, &cfg, &b);
		FUZZ_CHECK(b.rc == 0, "the point rewritten as \"%.*s\" is refused: %s", (int)n, line, b.reason);
		FUZZ_CHECK(!memcmp(&a.d, &b.d, sizeof(a.d)), "the point rewritten as \"%.*s\" differs", (int)n, line);
		free(again);
	}
	free(rec);
	return 0;
}
