/*
 * test_decode_jsonl - decode_jsonl(): good records (scalar, vector, stream
 * and time, escapes in the stream id, whitespace, key order) and every
 * kind of bad one (syntax errors, unknown and duplicate keys, null, wrong
 * types, nesting, NaN/Inf/overflow, non-JSON numbers, too many values),
 * with the exact reason.  Records are passed in buffers of exactly their
 * length so ASan catches a read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/decode.h"

/* The unit numeric times count (test_time_forms changes it). */
static enum tdp_time_unit unit_now = TDP_TIME_S;

/* decode_jsonl on a copy of the LEN bytes of REC; returns its result. */
static int run(const char *rec, size_t len, struct tdp_decoded *out, char *reason)
{
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, rec, len);
	reason[0] = '\0';
	int rc = decode_jsonl(p, len, unit_now, out, reason, 192);
	free(p);
	return rc;
}

static void good(const char *rec, struct tdp_decoded *out)
{
	char reason[192];
	int rc = run(rec, strlen(rec), out, reason);
	if (rc != 0)
		print_error("record %s: %s\n", rec, reason);
	assert_int_equal(rc, 0);
}

/* REC must be rejected with exactly the reason WANT. */
static void bad_n(const char *rec, size_t len, const char *want)
{
	char reason[192];
	struct tdp_decoded d;
	int rc = run(rec, len, &d, reason);
	if (rc != -1)
		print_error("record %s accepted\n", rec);
	assert_int_equal(rc, -1);
	assert_string_equal(reason, want);
}

static void bad(const char *rec, const char *want)
{
	bad_n(rec, strlen(rec), want);
}

static void test_scalar(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("{\"v\": 3.5}", &d);
	assert_int_equal(d.dim, 1);
	assert_true(d.v[0] == 3.5);
	assert_false(d.has_stream);
	assert_false(d.has_time);
	good("{\"v\":-0.1}", &d);
	assert_true(d.v[0] == -0.1);
	good("{\"v\":0}", &d);
	assert_true(d.v[0] == 0);
	good("{\"v\":1E+2}", &d);
	assert_true(d.v[0] == 100);
	good("{\"v\":-12.5e-1}", &d);
	assert_true(d.v[0] == -1.25);
}

static void test_vector(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("{\"v\": [0.5, -1.25]}", &d);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 0.5 && d.v[1] == -1.25);
	good("{\"v\":[7]}", &d);
	assert_int_equal(d.dim, 1);
	assert_true(d.v[0] == 7);
	good("{\"v\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}", &d);
	assert_int_equal(d.dim, 16);
	for (int i = 0; i < 16; i++)
		assert_true(d.v[i] == i + 1);
}

static void test_stream_and_time(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("{\"stream\": \"s1\", \"t\": 12.5, \"v\": 3.2}", &d);
	assert_true(d.has_stream);
	assert_string_equal(d.stream, "s1");
	assert_true(d.has_time);
	assert_true(d.t == 12500000000);   /* 12.5 s in ns */
	assert_true(d.v[0] == 3.2);
	/* Any key order, integer time. */
	good("{\"v\":[1,2],\"t\":-2000,\"stream\":\"x\"}", &d);
	assert_string_equal(d.stream, "x");
	assert_true(d.t == -2000000000000);
	assert_int_equal(d.dim, 2);
	/* 63 bytes is the longest id. */
	char rec[128];
	int n = snprintf(rec, sizeof(rec), "{\"stream\":\"");
	memset(rec + n, 'z', 63);
	strcpy(rec + n + 63, "\",\"v\":1}");
	good(rec, &d);
	assert_int_equal(strlen(d.stream), 63);
}

/* REC, decoded with numeric times in UNIT, must have the event time NS. */
static void time_is(const char *rec, enum tdp_time_unit unit, int64_t ns)
{
	struct tdp_decoded d;
	unit_now = unit;
	good(rec, &d);
	unit_now = TDP_TIME_S;
	assert_true(d.has_time);
	assert_int_equal(d.t, ns);
}

/* REC, decoded with numeric times in UNIT, must be refused with WANT. */
static void time_bad(const char *rec, enum tdp_time_unit unit, const char *want)
{
	unit_now = unit;
	bad(rec, want);
	unit_now = TDP_TIME_S;
}

/* "t" as a number in each unit, exactly; as an RFC 3339 string (escapes
 * decoded), whatever the unit; out of range and bad strings refused with
 * event_time.c's reason. */
static void test_time_forms(void **state)
{
	(void)state;
	time_is("{\"t\": 1765000000.125, \"v\": 1}", TDP_TIME_S, 1765000000125000000);
	time_is("{\"t\": 1765000000125, \"v\": 1}", TDP_TIME_MS, 1765000000125000000);
	time_is("{\"t\": -1.5, \"v\": 1}", TDP_TIME_US, -1500);
	time_is("{\"t\": 9223372036854775807, \"v\": 1}", TDP_TIME_NS, INT64_MAX);
	time_is("{\"t\": 0.1, \"v\": 1}", TDP_TIME_S, 100000000);   /* the decimal, not the double */
	time_is("{\"t\": 1e-10, \"v\": 1}", TDP_TIME_S, 0);
	time_is("{\"t\": 1.5e-9, \"v\": 1}", TDP_TIME_S, 2);         /* a tie: away from zero */
	time_is("{\"t\": 12E3, \"v\": 1}", TDP_TIME_MS, 12000000000);
	time_is("{\"t\": -0, \"v\": 1}", TDP_TIME_S, 0);
	time_is("{\"t\": \"2026-12-06T03:12:22.125Z\", \"v\": 1}", TDP_TIME_MS, 1796526742125000000);
	time_is("{\"t\": \"2026-12-06T03:12:22.125Z\", \"v\": 1}", TDP_TIME_NS, 1796526742125000000);
	time_is("{\"t\": \"1969-12-31T23:59:59.9999999995Z\", \"v\": 1}", TDP_TIME_S, -1);
	time_is("{\"t\": \"1970-01-01T02:00:00+02:00\", \"v\": 1}", TDP_TIME_S, 0);
	time_is("{\"t\": \"1970-01-01\\u005400:00:01Z\", \"v\": 1}", TDP_TIME_S, 1000000000);
	time_bad("{\"t\": 9223372036854775808, \"v\": 1}", TDP_TIME_NS,
		 "event time \"9223372036854775808\" ns is beyond ±292 years of nanoseconds around 1970");
	time_bad("{\"t\": 9300000000, \"v\": 1}", TDP_TIME_S,
		 "event time \"9300000000\" s is beyond ±292 years of nanoseconds around 1970");
	time_bad("{\"t\": \"2262-04-12T00:00:00Z\", \"v\": 1}", TDP_TIME_S,
		 "event time \"2262-04-12T00:00:00Z\" is beyond ±292 years of nanoseconds around 1970");
	time_bad("{\"t\": \"2026-13-01T00:00:00Z\", \"v\": 1}", TDP_TIME_S,
		 "event time \"2026-13-01T00:00:00Z\": month 13 is not 01-12");
	time_bad("{\"t\": \"1765000000\", \"v\": 1}", TDP_TIME_S,
		 "event time \"1765000000\": not an RFC 3339 date-time "
		 "(YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
	/* A date-time longer than the unescaping buffer, escapes and all. */
	char rec[512];
	int n = snprintf(rec, sizeof(rec), "{\"t\": \"1970-01-01\\u005400:00:00.");
	memset(rec + n, '0', 300);
	snprintf(rec + n + 300, sizeof(rec) - (size_t)n - 300, "1Z\", \"v\": 1}");
	time_is(rec, TDP_TIME_S, 0);
	rec[n + 9] = '6';   /* the first digit past ns rounds up */
	time_is(rec, TDP_TIME_S, 1);
}

static void test_whitespace(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("  {\t\"v\" :\r [ 1 ,\n2 ] , \"t\" : 3 }  \t", &d);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[1] == 2 && d.t == 3000000000);
}

static void test_escapes(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("{\"stream\":\"a\\\"b\\\\c\\/\\nd\\t\\u00e9\\u20ac\\ud83d\\ude00\",\"v\":1}", &d);
	assert_string_equal(d.stream, "a\"b\\c/\nd\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	good("{\"stream\":\"\\u0041\\b\\f\\r\",\"v\":1}", &d);
	assert_string_equal(d.stream, "A\b\f\r");
	/* Raw UTF-8 is copied as it is. */
	good("{\"stream\":\"\xce\xbb\",\"v\":1}", &d);
	assert_string_equal(d.stream, "\xce\xbb");
	/* Escapes in a key. */
	good("{\"\\u0076\":2}", &d);
	assert_true(d.v[0] == 2);

	bad("{\"stream\":\"\\x\",\"v\":1}", "syntax error at byte 11: bad escape in a string");
	bad("{\"stream\":\"\\u12g4\",\"v\":1}", "syntax error at byte 11: bad \\u escape");
	bad("{\"stream\":\"\\u12", "syntax error at byte 11: bad \\u escape");
	bad("{\"stream\":\"\\ud800\",\"v\":1}", "syntax error at byte 11: lone surrogate in a \\u escape");
	bad("{\"stream\":\"\\ud800\\u0041\",\"v\":1}", "syntax error at byte 11: lone surrogate in a \\u escape");
	bad("{\"stream\":\"\\udc00\",\"v\":1}", "syntax error at byte 11: lone surrogate in a \\u escape");
	bad("{\"stream\":\"a\tb\",\"v\":1}", "syntax error at byte 12: control character in a string");
	bad("{\"stream\":\"\\u0000\",\"v\":1}", "stream id contains a NUL byte");
	bad("{\"stream\":\"\\", "syntax error at byte 10: unterminated string");
}

static void test_stream_id(void **state)
{
	(void)state;
	char rec[512];
	int n = snprintf(rec, sizeof(rec), "{\"stream\":\"");
	memset(rec + n, 'z', 64);
	strcpy(rec + n + 64, "\",\"v\":1}");
	bad(rec, "stream id longer than 63 bytes");
	/* 32 escapes of a 2-byte character: 64 bytes once unescaped. */
	n = snprintf(rec, sizeof(rec), "{\"stream\":\"");
	for (int i = 0; i < 32; i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, "\\u00e9");
	snprintf(rec + n, sizeof(rec) - (size_t)n, "\",\"v\":1}");
	bad(rec, "stream id longer than 63 bytes");
	bad("{\"stream\":\"\",\"v\":1}", "stream id empty");
	/* Bytes that are not UTF-8 would read as another id once escaped
	 * ("\xff" as "\u00ff", which is "\xc3\xbf"): refused, never merged. */
	bad("{\"stream\":\"\xff\",\"v\":1}", "stream id is not valid UTF-8 (byte 0xff at 0)");
	bad("{\"stream\":\"ab\xc3(\",\"v\":1}", "stream id is not valid UTF-8 (byte 0xc3 at 2)");
	bad("{\"stream\":\"\xc0\xaf\",\"v\":1}", "stream id is not valid UTF-8 (byte 0xc0 at 0)");   /* overlong */
	struct tdp_decoded d;
	good("{\"stream\":\"\xc3\xbf\",\"v\":1}", &d);
	assert_string_equal(d.stream, "\xc3\xbf");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	bad("", "empty record");
	bad(" \t", "empty record");
	bad("v=1.5", "not a JSON object");
	bad("1.5", "not a JSON object");
	bad("[1]", "expected a JSON object, got an array");
	bad("\"v\": 1}", "expected a JSON object, got a string");
	bad("null", "expected a JSON object, got null");
	bad("{\"v\": 1.5", "syntax error: record ends early, expected ',' or '}'");
	bad("{\"v\": 1.5 ", "syntax error: record ends early, expected ',' or '}'");
	bad("{", "syntax error: record ends early, expected a key string");
	bad("{\"v\": [1.5,]}", "syntax error at byte 11: trailing comma");
	bad("{\"v\": 1.5,}", "syntax error at byte 10: trailing comma");
	bad("{,\"v\":1}", "syntax error at byte 1: expected a key string, got \",\"");
	bad("{v: 1}", "syntax error at byte 1: expected a key string, got \"v\"");
	bad("{\"v\" 1}", "syntax error at byte 5: expected ':', got \"1\"");
	bad("{\"v\":}", "syntax error at byte 5: expected a value, got \"}\"");
	bad("{\"v\":", "syntax error: record ends early, expected a value");
	bad("{\"v\":1 \"t\":2}", "syntax error at byte 7: expected ',' or '}', got \"\"\"");
	bad("{\"v\":[1 2]}", "syntax error at byte 8: expected ',' or ']', got \"2\"");
	bad("{\"v\":[1,2}", "syntax error at byte 9: expected ',' or ']', got \"}\"");
	bad("{\"v\":[1,", "syntax error: record ends early, expected a value");
	bad("{\"v\":[", "syntax error: record ends early, expected a value");
	bad("{\"stream\":\"abc", "syntax error at byte 10: unterminated string");
	bad("{\"v", "syntax error at byte 1: unterminated string");
	bad("{\"v\":1} x", "syntax error at byte 8: trailing garbage after the object");
	bad("{\"v\":1}{\"v\":2}", "syntax error at byte 7: trailing garbage after the object");
	bad("{\"v\":1}}", "syntax error at byte 7: trailing garbage after the object");
	/* A NUL byte is not whitespace. */
	bad_n("{\"v\":1}\0", 8, "syntax error at byte 7: trailing garbage after the object");
}

static void test_keys(void **state)
{
	(void)state;
	bad("{\"v\": 1.5, \"x\": 2}", "unknown key \"x\"");
	bad("{\"value\": 1.5}", "unknown key \"value\"");
	bad("{\"V\": 1.5}", "unknown key \"V\"");
	bad("{\"\": 1.5}", "unknown key \"\"");
	bad("{\"stream\\n\": 1.5}", "unknown key \"stream?\"");
	bad("{\"v\":1,\"v\":2}", "duplicate key \"v\"");
	bad("{\"t\":1,\"v\":2,\"t\":3}", "duplicate key \"t\"");
	bad("{\"stream\":\"a\",\"stream\":\"a\",\"v\":1}", "duplicate key \"stream\"");
	bad("{\"t\":1}", "missing key \"v\"");
	bad("{}", "missing key \"v\"");
	bad("{ }", "missing key \"v\"");
	char rec[128], want[128];
	snprintf(rec, sizeof(rec), "{\"%s\":1}", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ");
	snprintf(want, sizeof(want), "unknown key \"%s\"...", "abcdefghijklmnopqrstuvwxyz012345");
	bad(rec, want);
}

static void test_null_and_types(void **state)
{
	(void)state;
	bad("{\"v\": null}", "v: expected a number or an array of numbers, got null");
	bad("{\"v\": \"abc\"}", "v: expected a number or an array of numbers, got a string");
	bad("{\"v\": true}", "v: expected a number or an array of numbers, got a boolean");
	bad("{\"v\": {\"a\": 1}}", "v: expected a number or an array of numbers, got an object");
	bad("{\"v\": []}", "no values");
	bad("{\"v\": [ ]}", "no values");
	bad("{\"v\": [1, \"2\"]}", "v[1]: expected a number, got a string");
	bad("{\"v\": [null]}", "v[0]: expected a number, got null");
	bad("{\"v\": [[1]]}", "v[0]: expected a number, got an array");
	bad("{\"v\": [{}]}", "v[0]: expected a number, got an object");
	bad("{\"stream\": 5, \"v\": 1}", "stream: expected a string, got a number");
	bad("{\"stream\": null, \"v\": 1}", "stream: expected a string, got null");
	bad("{\"stream\": {\"a\": 1}, \"v\": 1}", "stream: expected a string, got an object");
	bad("{\"stream\": [\"a\"], \"v\": 1}", "stream: expected a string, got an array");
	bad("{\"t\": \"x\", \"v\": 1}", "event time \"x\": not an RFC 3339 date-time "
	    "(YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
	bad("{\"t\": null, \"v\": 1}", "t: expected a number or a string, got null");
	bad("{\"t\": false, \"v\": 1}", "t: expected a number or a string, got a boolean");
	bad("{\"t\": [1], \"v\": 1}", "t: expected a number or a string, got an array");
	bad("{\"t\": {}, \"v\": 1}", "t: expected a number or a string, got an object");
}

static void test_numbers(void **state)
{
	(void)state;
	bad("{\"v\": NaN}", "v: not finite: \"NaN\"");
	bad("{\"v\": nan}", "v: not finite: \"nan\"");
	bad("{\"v\": Infinity}", "v: not finite: \"Infinity\"");
	bad("{\"v\": -Infinity}", "v: not finite: \"-Infinity\"");
	bad("{\"v\": -1e999}", "v: not finite: \"-1e999\"");
	bad("{\"v\": [1, 1e999]}", "v[1]: not finite: \"1e999\"");
	bad("{\"t\": 1e400, \"v\": 1}", "event time \"1e400\" s is beyond ±292 years of nanoseconds around 1970");
	bad("{\"t\": NaN, \"v\": 1}", "t: not finite: \"NaN\"");
	bad("{\"t\": +1, \"v\": 1}", "t: not a number: \"+1\"");
	bad("{\"t\": .5, \"v\": 1}", "t: not a number: \".5\"");
	bad("{\"v\": 0x10}", "v: not a number: \"0x10\"");
	bad("{\"v\": 0x1p3}", "v: not a number: \"0x1p3\"");
	bad("{\"v\": +1}", "v: not a number: \"+1\"");
	bad("{\"v\": .5}", "v: not a number: \".5\"");
	bad("{\"v\": 1.}", "v: not a number: \"1.\"");
	bad("{\"v\": 01}", "v: not a number: \"01\"");
	bad("{\"v\": -}", "v: not a number: \"-\"");
	bad("{\"v\": 1e}", "v: not a number: \"1e\"");
	bad("{\"v\": 1.5abc}", "v: not a number: \"1.5abc\"");
	bad("{\"v\": abc}", "v: not a number: \"abc\"");
	bad("{\"v\": nul}", "v: not a number: \"nul\"");
}

static void test_too_many_values(void **state)
{
	(void)state;
	char rec[256];
	int n = snprintf(rec, sizeof(rec), "{\"v\": [");
	for (int i = 1; i <= 17; i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, "%s%d", i > 1 ? "," : "", i);
	snprintf(rec + n, sizeof(rec) - (size_t)n, "]}");
	bad(rec, "too many values: 17 (at most 16)");
	/* Elements past the 16th are still checked. */
	rec[n - 1] = 'x';
	bad(rec, "v[16]: not a number: \"1x\"");
}

/* extra: ignore (decode_jsonl_extra): keys besides stream, t, v are
 * passed over with any JSON value, checked as strictly as the rest;
 * without it the same records are refused. */
static void test_extra_ignore(void **state)
{
	(void)state;
	static const char *const good_recs[] = {
		"{\"host\": \"a\", \"v\": 1.5, \"unit\": \"C\"}",
		"{\"tags\": {\"site\": \"x\", \"n\": [1, 2.5e3, {\"deep\": [true, false, null]}]}, \"v\": 2}",
		"{\"v\": [1, 2], \"ok\": true, \"none\": null, \"n\": -0.5, \"s\": \"\\u00e9\\\"\"}",
		"{\"e\": {}, \"a\": [], \"stream\": \"s\", \"t\": 3, \"v\": 4}",
	};
	for (size_t i = 0; i < sizeof(good_recs) / sizeof(good_recs[0]); i++) {
		struct tdp_decoded d;
		char reason[192] = "";
		int rc = decode_jsonl_extra(good_recs[i], strlen(good_recs[i]), TDP_TIME_S, true, &d, reason, sizeof(reason));
		if (rc != 0)
			print_error("record %s: %s\n", good_recs[i], reason);
		assert_int_equal(rc, 0);
		assert_int_equal(decode_jsonl(good_recs[i], strlen(good_recs[i]), TDP_TIME_S, &d, reason,
					      sizeof(reason)), -1);
		assert_non_null(strstr(reason, "unknown key"));
	}
	struct tdp_decoded d;
	char reason[192];
	const char *r = "{\"tags\": {\"n\": [1, 2.5e3]}, \"stream\": \"s\", \"v\": [7, 8]}";
	assert_int_equal(decode_jsonl_extra(r, strlen(r), TDP_TIME_S, true, &d, reason, sizeof(reason)), 0);
	assert_string_equal(d.stream, "s");
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 7 && d.v[1] == 8);
	/* still strict: bad values under an ignored key, and the known keys' rules */
	static const struct { const char *rec, *want; } bad_recs[] = {
		{"{\"x\": 01, \"v\": 1}", "an ignored key's value: not a number: \"01\""},
		{"{\"x\": [1, 2, \"v\": 1}", "syntax error at byte 16: expected ',' or ']', got \":\""},
		{"{\"x\": {\"a\" 1}, \"v\": 1}", "syntax error at byte 11: expected ':', got \"1\""},
		{"{\"x\": , \"v\": 1}", "syntax error at byte 6: expected a value, got \",\""},
		{"{\"x\": 1}", "missing key \"v\""},
		{"{\"v\": 1, \"v\": 2}", "duplicate key \"v\""},
	};
	for (size_t i = 0; i < sizeof(bad_recs) / sizeof(bad_recs[0]); i++) {
		int rc = decode_jsonl_extra(bad_recs[i].rec, strlen(bad_recs[i].rec), TDP_TIME_S, true, &d, reason,
					    sizeof(reason));
		assert_int_equal(rc, -1);
		if (strcmp(reason, bad_recs[i].want))
			print_error("record %s: %s\n", bad_recs[i].rec, reason);
		assert_string_equal(reason, bad_recs[i].want);
	}
	/* nesting under an ignored key is bounded */
	char deep[200];
	size_t n = 0;
	n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"x\": ");
	for (int k = 0; k < 40; k++)
		deep[n++] = '[';
	for (int k = 0; k < 40; k++)
		deep[n++] = ']';
	n += (size_t)snprintf(deep + n, sizeof(deep) - n, ", \"v\": 1}");
	assert_int_equal(decode_jsonl_extra(deep, n, TDP_TIME_S, true, &d, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "an ignored key's value nests deeper than 32");
}

/* A source with fields STREAM, TIME (NULL: not configured) and the
 * values VALS (NULL-terminated). */
static struct tdp_source_cfg fields_cfg(const char *stream, const char *time, const char *const *vals,
					enum tdp_extra extra)
{
	struct tdp_source_cfg c;
	memset(&c, 0, sizeof(c));
	c.format = TDP_FMT_JSONL;
	c.extra = extra;
	c.time_unit = TDP_TIME_S;
	c.stream_column = c.time_column = -1;
	c.fields.stream.index = c.fields.time.index = -1;
	if (stream) {
		c.fields.has_stream = true;
		snprintf(c.fields.stream.name, sizeof(c.fields.stream.name), "%s", stream);
	}
	if (time) {
		c.fields.has_time = true;
		snprintf(c.fields.time.name, sizeof(c.fields.time.name), "%s", time);
	}
	for (; vals && *vals; vals++) {
		struct tdp_field *f = &c.fields.values[c.fields.nvalues++];
		f->index = -1;
		snprintf(f->name, sizeof(f->name), "%s", *vals);
	}
	return c;
}

static int run_src(const struct tdp_source_cfg *c, const char *rec, struct tdp_decoded *d, char *reason)
{
	size_t len = strlen(rec);
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, rec, len);
	reason[0] = '\0';
	int rc = decode_jsonl_src(p, len, c, d, reason, 192);
	free(p);
	return rc;
}

/* Telegraf's shape: stream, time and values by dotted path, the tags
 * ignored (extra: ignore) or refused by their path; absent and null
 * values are absent, not a bad record; stream and time are required
 * once configured. */
static void test_field_paths(void **state)
{
	(void)state;
	static const char *const vals[] = {"fields.usage", "fields.temp", NULL};
	struct tdp_source_cfg c = fields_cfg("tags.host", "timestamp", vals, TDP_EXTRA_IGNORE);
	struct tdp_decoded d;
	char reason[192];
	const char *tele = "{\"name\":\"cpu\",\"tags\":{\"host\":\"a\",\"cpu\":\"cpu0\"},"
			   "\"fields\":{\"usage\":1.5,\"temp\":40,\"idle\":[1,{\"x\":null}]},\"timestamp\":1700000000}";
	assert_int_equal(run_src(&c, tele, &d, reason), 0);
	assert_string_equal(d.stream, "a");
	assert_true(d.has_time && d.t == 1700000000LL * 1000000000LL);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 1.5 && d.v[1] == 40);
	assert_int_equal(d.absent, 0);

	/* absent, then null */
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":{\"temp\":3},\"timestamp\":1}", &d, reason), 0);
	assert_int_equal(d.dim, 2);
	assert_int_equal(d.absent, 1);
	assert_true(isnan(d.v[0]) && d.v[1] == 3);
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":{\"usage\":2,\"temp\":null},\"timestamp\":1}",
				 &d, reason), 0);
	assert_int_equal(d.absent, 2);
	assert_true(d.v[0] == 2 && isnan(d.v[1]));
	/* "fields" not an object: the values are absent, the key is extra */
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":7,\"timestamp\":1}", &d, reason), 0);
	assert_int_equal(d.absent, 3);

	/* stream and time are required once configured */
	assert_int_equal(run_src(&c, "{\"fields\":{\"usage\":1},\"timestamp\":1}", &d, reason), -1);
	assert_string_equal(reason, "missing field \"tags.host\" (the stream)");
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":{\"usage\":1}}", &d, reason), -1);
	assert_string_equal(reason, "missing field \"timestamp\" (the time)");
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":{\"usage\":\"x\"},\"timestamp\":1}", &d, reason), -1);
	assert_string_equal(reason, "fields.usage: expected a number, got a string");
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\",\"host\":\"b\"},\"timestamp\":1}", &d, reason), -1);
	assert_string_equal(reason, "duplicate key \"tags.host\"");

	/* dead_letter: a key on no configured path is refused by its path;
	 * the objects on the way to a path are not extra */
	c.extra = TDP_EXTRA_DEAD_LETTER;
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\"},\"fields\":{\"usage\":1,\"temp\":2},\"timestamp\":1}",
				 &d, reason), 0);
	assert_int_equal(run_src(&c, "{\"tags\":{\"host\":\"a\",\"cpu\":\"c\"},\"timestamp\":1}", &d, reason), -1);
	assert_string_equal(reason, "unknown key \"tags.cpu\"");
}

/* Without fields, decode_jsonl_src is decode_jsonl_extra; with only a
 * stream path, "v" stays the values (a number or an array). */
static void test_field_defaults(void **state)
{
	(void)state;
	struct tdp_source_cfg c = fields_cfg(NULL, NULL, NULL, TDP_EXTRA_DEAD_LETTER);
	struct tdp_decoded d;
	char reason[192];
	assert_int_equal(run_src(&c, "{\"stream\":\"s\",\"t\":1,\"v\":[1,2]}", &d, reason), 0);
	assert_int_equal(d.dim, 2);
	assert_int_equal(run_src(&c, "{\"x\":1,\"v\":1}", &d, reason), -1);
	assert_string_equal(reason, "unknown key \"x\"");
	c = fields_cfg("meta.id", NULL, NULL, TDP_EXTRA_DEAD_LETTER);
	assert_int_equal(run_src(&c, "{\"meta\":{\"id\":\"q\"},\"t\":2,\"v\":[1,2,3]}", &d, reason), 0);
	assert_string_equal(d.stream, "q");
	assert_true(d.has_time && d.dim == 3);
	assert_int_equal(run_src(&c, "{\"meta\":{\"id\":\"q\"},\"t\":2}", &d, reason), -1);
	assert_string_equal(reason, "missing key \"v\"");
	/* a key holding a dot is on no path: "meta.id" is not meta's id */
	c.extra = TDP_EXTRA_IGNORE;
	assert_int_equal(run_src(&c, "{\"meta.id\":\"q\",\"v\":1}", &d, reason), -1);
	assert_string_equal(reason, "missing field \"meta.id\" (the stream)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_stream_and_time),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_stream_id),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_null_and_types),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_too_many_values),
		cmocka_unit_test(test_extra_ignore),
		cmocka_unit_test(test_field_paths),
		cmocka_unit_test(test_field_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
