/*
 * fuzz_decode_csv - one CSV line into a point (ingest/decode_csv.c).
 *
 * Input: one byte choosing stream_column and time_column (-1..2 each)
 * and the time_unit (bits 4-5), then the record.  Properties:
 *  - the result is 0 or -1; -1 comes with a reason (non-empty, one
 *    printable line), and the same reason, cut, in a reason buffer of
 *    any smaller size (ASan sees a write past it: the buffer is exact);
 *  - an accepted point has 1..TDP_MAX_DIM finite values, a stream id
 *    exactly when stream_column is set (1..63 bytes of UTF-8, no NUL), a
 *    time exactly when time_column is set;
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

static void decode(const char *rec, size_t len, const struct tdp_source_cfg *cfg, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	char *reason = malloc(RLEN);
	memset(reason, 0x5a, RLEN);
	o->rc = decode_csv(rec, len, cfg, &o->d, reason, RLEN);
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
	for (unsigned i = 0; i < d->dim; i++)
		FUZZ_CHECK(isfinite(d->v[i]), "v[%u] not finite", i);
	FUZZ_CHECK(d->has_stream == (cfg->stream_column >= 0), "has_stream %d", d->has_stream);
	FUZZ_CHECK(d->has_time == (cfg->time_column >= 0), "has_time %d", d->has_time);
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
	size_t len;
	const uint8_t *p = fuzz_bytes(&in, in.n, &len);
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
		int rc = decode_csv(rec, len, &cfg, &d, small, rlen);
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

	if (a.rc == 0) {
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
