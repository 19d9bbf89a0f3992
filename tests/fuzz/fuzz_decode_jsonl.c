/*
 * fuzz_decode_jsonl - one JSON Lines record into a point
 * (ingest/decode_jsonl.c), checked against an independent strict JSON
 * reader (tests/fuzz/json_read.c).  Numeric times count milliseconds
 * (the unit does not change what is valid JSON; event_time.c's own
 * harness covers the units).
 *
 * Properties:
 *  - the result is 0 or -1; -1 comes with a reason (non-empty, one
 *    printable line), the same one cut in a smaller reason buffer;
 *  - the decoder accepts a record exactly when it is one valid JSON text
 *    holding an object whose keys are "v" (a finite number or 1 to
 *    TDP_MAX_DIM of them), optionally "t" (a number, or a string, that
 *    ingest/event_time.c reads as an event time in the unit) and
 *    "stream" (1..63 bytes of UTF-8 without NUL), each at most once; and
 *    the point holds what the JSON says (numbers as strtod reads them);
 *  - decoding is a function of the bytes, one trailing '\r' aside;
 *  - the point re-written as JSON (common/json.c) decodes to itself;
 *  - with configured fields (stream "m.s", values "a.x", "a.y", extra
 *    ignore: decode_jsonl_src), only valid JSON is accepted, and then the
 *    point holds what the reader finds on those paths: a number, or NaN
 *    with its absent bit where the path is missing or null.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "ingest/decode.h"
#include "ingest/event_time.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_read.h"

#define RLEN 192
#define UNIT TDP_TIME_MS

struct outcome {
	int rc;
	struct tdp_decoded d;
	char reason[RLEN];
};

static void decode(const char *rec, size_t len, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	char *reason = malloc(RLEN);
	o->rc = decode_jsonl(rec, len, UNIT, &o->d, reason, RLEN);
	FUZZ_CHECK(o->rc == 0 || o->rc == -1, "decode_jsonl returned %d", o->rc);
	if (o->rc < 0) {
		FUZZ_CHECK(fuzz_reason_ok(reason, RLEN), "a refused record without a one-line reason");
		memcpy(o->reason, reason, RLEN);
	}
	free(reason);
}

/* A JSON number's value as strtod reads its text; false when not finite. */
static bool number_of(const struct jr_value *v, double *out)
{
	if (v->kind != JR_NUMBER)
		return false;
	char buf[512];
	char *s = v->tlen < sizeof(buf) ? buf : malloc(v->tlen + 1);
	memcpy(s, v->text, v->tlen);
	s[v->tlen] = '\0';
	*out = strtod(s, NULL);
	if (s != buf)
		free(s);
	return isfinite(*out);
}

/* What the reader says the record is: *WANT the point when it is one. */
static bool expect_point(const char *rec, size_t len, struct tdp_decoded *want)
{
	memset(want, 0, sizeof(*want));
	struct jr_value *root = jr_parse(rec, len);
	bool ok = root && root->kind == JR_OBJECT;
	bool seen_v = false;
	for (size_t i = 0; ok && i < root->n; i++) {
		const struct jr_value *k = &root->items[2 * i], *v = &root->items[2 * i + 1];
		if (k->slen == 1 && k->str[0] == 'v' && !seen_v) {
			seen_v = true;
			if (v->kind == JR_ARRAY) {
				ok = v->n >= 1 && v->n <= TDP_MAX_DIM;
				for (size_t j = 0; ok && j < v->n; j++)
					ok = number_of(&v->items[j], &want->v[j]);
				want->dim = (uint16_t)v->n;
			} else {
				ok = number_of(v, &want->v[0]);
				want->dim = 1;
			}
		} else if (k->slen == 1 && k->str[0] == 't' && !want->has_time) {
			char why[RLEN];
			ok = (v->kind == JR_NUMBER &&
			      event_time_parse(v->text, v->tlen, EVENT_TIME_NUMBER, UNIT, &want->t, why, sizeof(why)) == 0) ||
			     (v->kind == JR_STRING &&
			      event_time_parse(v->str, v->slen, EVENT_TIME_STRING, UNIT, &want->t, why, sizeof(why)) == 0);
			want->has_time = true;
		} else if (k->slen == 6 && !memcmp(k->str, "stream", 6) && !want->has_stream) {
			ok = v->kind == JR_STRING && v->slen >= 1 && v->slen < TDP_STREAM_NAME_MAX &&
			     !memchr(v->str, '\0', v->slen);
			if (ok)
				memcpy(want->stream, v->str, v->slen);
			want->has_stream = true;
		} else {
			ok = false;   /* unknown or duplicate key */
		}
	}
	jr_free(root);
	if (!ok || !seen_v) {
		memset(want, 0, sizeof(*want));
		return false;
	}
	return true;
}

/* The point as a JSON line of ours, without the newline. */
static void write_jsonl(struct tdp_buf *b, const struct tdp_decoded *p)
{
	tdp_buf_putc(b, '{');
	if (p->has_stream) {
		tdp_buf_puts(b, "\"stream\":");
		tdp_json_string(b, p->stream, strlen(p->stream));
		tdp_buf_putc(b, ',');
	}
	if (p->has_time) {
		char num[TDP_TIME_TEXT_MAX];
		tdp_buf_puts(b, "\"t\":");
		tdp_buf_append(b, num, time_format(num, p->t, UNIT));
		tdp_buf_putc(b, ',');
	}
	tdp_buf_puts(b, "\"v\":[");
	for (unsigned i = 0; i < p->dim; i++) {
		if (i)
			tdp_buf_putc(b, ',');
		tdp_json_double(b, p->v[i]);
	}
	tdp_buf_puts(b, "]}");
}

/* The value at dotted PATH in object O (first members), or NULL. */
static const struct jr_value *jr_path(const struct jr_value *o, const char *path)
{
	char key[64];
	while (o && o->kind == JR_OBJECT) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		memcpy(key, path, n);
		key[n] = '\0';
		o = jr_get(o, key);
		if (!dot)
			return o;
		path = dot + 1;
	}
	return NULL;
}

/* decode_jsonl_src with fields, against the JSON reader. */
static void check_fields(const char *rec, size_t size)
{
	static const char *const vals[] = {"a.x", "a.y"};
	struct tdp_source_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = TDP_FMT_JSONL;
	cfg.time_unit = UNIT;
	cfg.extra = TDP_EXTRA_IGNORE;
	cfg.fields.has_stream = true;
	snprintf(cfg.fields.stream.name, sizeof(cfg.fields.stream.name), "m.s");
	cfg.fields.stream.index = cfg.fields.time.index = -1;
	cfg.fields.nvalues = 2;
	for (int i = 0; i < 2; i++) {
		cfg.fields.values[i].index = -1;
		snprintf(cfg.fields.values[i].name, sizeof(cfg.fields.values[i].name), "%s", vals[i]);
	}
	char *reason = malloc(RLEN);
	struct tdp_decoded d;
	int rc = decode_jsonl_src(rec, size, &cfg, &d, reason, RLEN);
	FUZZ_CHECK(rc == 0 || rc == -1, "decode_jsonl_src returned %d", rc);
	FUZZ_CHECK(rc == 0 || fuzz_reason_ok(reason, RLEN), "fields: a refused record without a one-line reason");
	free(reason);
	if (rc != 0)
		return;
	struct jr_value *root = jr_parse(rec, size);
	FUZZ_CHECK(root && root->kind == JR_OBJECT, "fields: accepted a record that is not a JSON object");
	const struct jr_value *s = jr_path(root, "m.s");
	FUZZ_CHECK(s && s->kind == JR_STRING && d.has_stream && !strcmp(s->str, d.stream), "fields: the stream differs");
	FUZZ_CHECK(d.dim == 2, "fields: dim %u", d.dim);
	for (int i = 0; i < 2; i++) {
		const struct jr_value *v = jr_path(root, vals[i]);
		if (!v || v->kind == JR_NULL) {
			FUZZ_CHECK((d.absent >> i & 1) && isnan(d.v[i]), "fields: %s absent, not so in the point", vals[i]);
			continue;
		}
		FUZZ_CHECK(v->kind == JR_NUMBER && !(d.absent >> i & 1), "fields: %s is no number but accepted", vals[i]);
		char num[512];
		size_t n = v->tlen < sizeof(num) - 1 ? v->tlen : sizeof(num) - 1;
		memcpy(num, v->text, n);
		num[n] = '\0';
		FUZZ_CHECK(strtod(num, NULL) == d.v[i], "fields: %s is %s, the point has %g", vals[i], num, d.v[i]);
	}
	jr_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rec = fuzz_dup(data, size);
	struct outcome a, b;
	struct tdp_decoded want;

	decode(rec, size, &a);
	decode(rec, size, &b);
	FUZZ_CHECK(a.rc == b.rc && !memcmp(&a.d, &b.d, sizeof(a.d)) && !strcmp(a.reason, b.reason),
		   "two decodings of the same bytes differ");
	bool valid = expect_point(rec, size, &want);
	FUZZ_CHECK(valid == (a.rc == 0), "decode_jsonl %s a record the JSON reader %s (reason: %s)",
		   a.rc == 0 ? "accepts" : "refuses", valid ? "accepts" : "refuses", a.reason);
	if (valid)
		FUZZ_CHECK(!memcmp(&want, &a.d, sizeof(want)), "the point differs from what the JSON says");

	/* extra: ignore accepts at least what the strict decoder does, the
	 * same point; whatever it refuses, it says why in one line. */
	{
		char *reason = malloc(RLEN);
		struct tdp_decoded d;
		int rc = decode_jsonl_extra(rec, size, UNIT, true, &d, reason, RLEN);
		FUZZ_CHECK(rc == 0 || rc == -1, "decode_jsonl_extra returned %d", rc);
		FUZZ_CHECK(rc == 0 || fuzz_reason_ok(reason, RLEN), "extra: a refused record without a one-line reason");
		if (a.rc == 0)
			FUZZ_CHECK(rc == 0 && !memcmp(&d, &a.d, sizeof(d)), "extra: ignore changed an accepted record");
		free(reason);
	}

	check_fields(rec, size);

	for (size_t rlen = 1; rlen < 48 && a.rc < 0; rlen += 7) {
		char *small = malloc(rlen);
		struct tdp_decoded d;
		int rc = decode_jsonl(rec, size, UNIT, &d, small, rlen);
		FUZZ_CHECK(rc == a.rc, "rc %d with a %zu-byte reason buffer, %d otherwise", rc, rlen, a.rc);
		FUZZ_CHECK(memchr(small, '\0', rlen) && !strncmp(small, a.reason, rlen - 1),
			   "reason \"%s\" cut to %zu bytes is not a prefix", a.reason, rlen);
		free(small);
	}

	char *cr = malloc(size + 1);
	memcpy(cr, rec, size);
	cr[size] = '\r';
	decode(cr, size + 1, &b);
	FUZZ_CHECK(a.rc == b.rc && !memcmp(&a.d, &b.d, sizeof(a.d)), "a trailing CR changed the outcome");
	free(cr);

	if (a.rc == 0) {
		struct tdp_buf line;
		tdp_buf_init(&line);
		write_jsonl(&line, &a.d);
		FUZZ_CHECK(tdp_buf_ok(&line), "out of memory");
		char *again = fuzz_dup(line.p, line.len);
		decode(again, line.len, &b);
		FUZZ_CHECK(b.rc == 0 && !memcmp(&a.d, &b.d, sizeof(a.d)), "the point rewritten as %.*s: %s",
			   (int)line.len, line.p, b.rc ? b.reason : "differs");
		free(again);
		tdp_buf_fini(&line);
	}
	free(rec);
	return 0;
}
