/*
 * test_decode_csv - decode_csv(): good lines of every shape (scalar,
 * vector, stream and time columns, quoted stream ids, CRLF, blanks) and
 * every kind of bad line, with the exact reason.  Records are passed in
 * buffers of exactly their length so ASan catches a read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/decode.h"

static struct tdp_source_cfg cfg(int stream_column, int time_column)
{
	struct tdp_source_cfg c;
	memset(&c, 0, sizeof(c));
	c.format = TDP_FMT_CSV;
	c.stream_column = stream_column;
	c.time_column = time_column;
	c.max_record = 65536;
	return c;
}

/* The unit numeric times count (test_time_column changes it). */
static enum tdp_time_unit unit_now = TDP_TIME_S;

/* decode_csv on a copy of LINE without its NUL; returns its result. */
static int run(const char *line, int scol, int tcol, struct tdp_decoded *out, char *reason)
{
	size_t len = strlen(line);
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, line, len);
	struct tdp_source_cfg c = cfg(scol, tcol);
	c.time_unit = unit_now;
	reason[0] = '\0';
	int rc = decode_csv(p, len, &c, out, reason, 192);
	free(p);
	return rc;
}

/* LINE must decode; the point goes to *OUT. */
static void good(const char *line, int scol, int tcol, struct tdp_decoded *out)
{
	char reason[192];
	int rc = run(line, scol, tcol, out, reason);
	if (rc != 0)
		print_error("line \"%s\": %s\n", line, reason);
	assert_int_equal(rc, 0);
}

/* LINE must be rejected with exactly the reason WANT. */
static void bad(const char *line, int scol, int tcol, const char *want)
{
	char reason[192];
	struct tdp_decoded d;
	int rc = run(line, scol, tcol, &d, reason);
	if (rc != -1)
		print_error("line \"%s\" accepted\n", line);
	assert_int_equal(rc, -1);
	assert_string_equal(reason, want);
}

static void test_scalar(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("3.5", -1, -1, &d);
	assert_int_equal(d.dim, 1);
	assert_true(d.v[0] == 3.5);
	assert_false(d.has_stream);
	assert_false(d.has_time);
	good("-0.1", -1, -1, &d);
	assert_true(d.v[0] == -0.1);   /* strtod: the nearest double, exactly */
	good("  42\t", -1, -1, &d);
	assert_true(d.v[0] == 42.0);
	good("4.9e-324", -1, -1, &d);  /* the smallest subnormal is finite */
	assert_true(d.v[0] > 0);
	good("1e-999", -1, -1, &d);    /* underflow to 0 is a value, not an error */
	assert_true(d.v[0] == 0);
	good("+.5E+1", -1, -1, &d);
	assert_true(d.v[0] == 5.0);
}

static void test_vector(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("1,2.5, -3e2 ,4", -1, -1, &d);
	assert_int_equal(d.dim, 4);
	assert_true(d.v[0] == 1 && d.v[1] == 2.5 && d.v[2] == -300 && d.v[3] == 4);
	good("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", -1, -1, &d);
	assert_int_equal(d.dim, 16);
	for (int i = 0; i < 16; i++)
		assert_true(d.v[i] == i + 1);
	good("1.0,2.0,3.0", -1, -1, &d);   /* a dimension check is the caller's */
	assert_int_equal(d.dim, 3);
}

static void test_stream_and_time_columns(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("s1,1.5,12.25,2.5", 0, 2, &d);
	assert_true(d.has_stream);
	assert_string_equal(d.stream, "s1");
	assert_true(d.has_time);
	assert_true(d.t == 12250000000);   /* 12.25 s in ns */
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 1.5 && d.v[1] == 2.5);

	good("7,-3, sensor a ", 2, 0, &d);   /* ids are trimmed like numbers */
	assert_string_equal(d.stream, "sensor a");
	assert_true(d.t == 7000000000);
	assert_int_equal(d.dim, 1);
	assert_true(d.v[0] == -3);

	good("1e3,abc", 1, -1, &d);   /* the stream column need not be numeric */
	assert_string_equal(d.stream, "abc");
	assert_false(d.has_time);

	/* 63 bytes is the longest id. */
	char line[128];
	memset(line, 'x', 63);
	strcpy(line + 63, ",1");
	good(line, 0, -1, &d);
	assert_int_equal(strlen(d.stream), 63);
}

/* LINE, its time in column 0 counted in UNIT, must have the time NS. */
static void time_is(const char *line, enum tdp_time_unit unit, int64_t ns)
{
	struct tdp_decoded d;
	unit_now = unit;
	good(line, -1, 0, &d);
	unit_now = TDP_TIME_S;
	assert_true(d.has_time);
	assert_int_equal(d.t, ns);
}

/* LINE, its time in column 0 counted in UNIT, must be refused with WANT. */
static void time_bad(const char *line, enum tdp_time_unit unit, const char *want)
{
	unit_now = unit;
	bad(line, -1, 0, want);
	unit_now = TDP_TIME_S;
}

/* The time column: a number in each unit, exactly; a field with a ':' is
 * an RFC 3339 date-time (a space for the T too); reasons from
 * event_time.c. */
static void test_time_column(void **state)
{
	(void)state;
	time_is("1765000000.5,1", TDP_TIME_S, 1765000000500000000);
	time_is(" 1765000000500 ,1", TDP_TIME_MS, 1765000000500000000);
	time_is("-7,1", TDP_TIME_US, -7000);
	time_is("42,1", TDP_TIME_NS, 42);
	time_is("1e-9,1", TDP_TIME_S, 1);
	time_is("2026-12-06T03:12:22.125Z,1", TDP_TIME_S, 1796526742125000000);
	time_is("2026-12-06 03:12:22.125Z,1", TDP_TIME_NS, 1796526742125000000);
	time_is("1969-12-31T23:59:59-00:00,1", TDP_TIME_MS, -1000000000);
	time_bad("9300000000,1", TDP_TIME_S,
		 "event time \"9300000000\" s is beyond ±292 years of nanoseconds around 1970");
	time_bad("-9223372036854775809,1", TDP_TIME_NS,
		 "event time \"-9223372036854775809\" ns is beyond ±292 years of nanoseconds around 1970");
	time_bad("2026-12-06T25:00:00Z,1", TDP_TIME_S, "event time \"2026-12-06T25:00:00Z\": hour 25 is not 00-23");
	time_bad("12:30,1", TDP_TIME_S,
		 "event time \"12:30\": not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)");
	time_bad(",1", TDP_TIME_S, "event time: empty");
}

static void test_quoted_stream(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("1.5,\"a,\"\"b\"\"\",2", 1, -1, &d);
	assert_string_equal(d.stream, "a,\"b\"");
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 1.5 && d.v[1] == 2);

	good("  \"x y\"\t,1", 0, -1, &d);   /* blanks around the quotes, kept inside */
	assert_string_equal(d.stream, "x y");
	assert_true(d.v[0] == 1);

	good("3,\" s \"", 1, -1, &d);       /* quoted last column */
	assert_string_equal(d.stream, " s ");

	/* RFC 4180: any column may be quoted, values too. */
	good("\"1\",2", -1, -1, &d);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 1 && d.v[1] == 2);
	bad("\"abc,1", 0, -1, "column 0: unterminated quoted field");
	bad("\"ab\"\"", 0, -1, "column 0: unterminated quoted field");
	bad("\"a\"b,1", 0, -1, "column 0: text after the closing quote");
	bad("\"\",1", 0, -1, "stream id empty");
	bad("\xff,1", 0, -1, "stream id is not valid UTF-8 (byte 0xff at 0)");
	bad("s\xed\xa0\x80,1", 0, -1, "stream id is not valid UTF-8 (byte 0xed at 1)");   /* a surrogate */
}

static void test_crlf(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("1,2\r", -1, -1, &d);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[1] == 2);
	good("s,5\r", 0, -1, &d);
	assert_string_equal(d.stream, "s");
	good("\"q\",1\r", 0, -1, &d);
	assert_string_equal(d.stream, "q");
	good("1,\"q\"\r", 1, -1, &d);   /* the \r is not part of the quoted field */
	assert_string_equal(d.stream, "q");
}

static void test_empty(void **state)
{
	(void)state;
	bad("", -1, -1, "empty record");
	bad("\r", -1, -1, "empty record");
	bad(" ", -1, -1, "column 0: empty");
	bad("1.5,", -1, -1, "column 1: empty");
	bad(",2.5", -1, -1, "column 0: empty");
	bad("1.5,,2.5", -1, -1, "column 1: empty");
	bad("1, \t ,2", -1, -1, "column 1: empty");
	bad("1,2,\r", -1, -1, "column 2: empty");
	bad("s,,1", 0, -1, "column 1: empty");
	bad(",1", 0, -1, "stream id empty");
	bad(" \t,1", 0, -1, "stream id empty");
}

static void test_not_a_number(void **state)
{
	(void)state;
	bad("abc,1.5", -1, -1, "column 0: not a number: \"abc\"");
	bad("1.5,abc", -1, -1, "column 1: not a number: \"abc\"");
	bad("0x1p3", -1, -1, "column 0: not a number: \"0x1p3\"");
	bad("1,0X10", -1, -1, "column 1: not a number: \"0X10\"");
	bad("1.5.2", -1, -1, "column 0: not a number: \"1.5.2\"");
	bad("1e", -1, -1, "column 0: not a number: \"1e\"");
	bad("--1", -1, -1, "column 0: not a number: \"--1\"");
	bad("1 2", -1, -1, "column 0: not a number: \"1 2\"");
	bad("-", -1, -1, "column 0: not a number: \"-\"");
	bad(".", -1, -1, "column 0: not a number: \".\"");
	bad("nanx", -1, -1, "column 0: not a number: \"nanx\"");
	bad("x,1", -1, 0, "event time: not a number: \"x\"");   /* the time column */
	bad("1,2;3", -1, -1, "column 1: not a number: \"2;3\"");
	/* Control bytes show as '?' in the reason. */
	bad("1\x01", -1, -1, "column 0: not a number: \"1?\"");
	/* Long input is cut to 32 bytes in the reason. */
	char line[128], want[128];
	memset(line, 'a', 100);
	line[100] = '\0';
	snprintf(want, sizeof(want), "column 0: not a number: \"%.32s\"...", line);
	bad(line, -1, -1, want);
}

static void test_not_finite(void **state)
{
	(void)state;
	bad("nan,1", -1, -1, "column 0: not finite: \"nan\"");
	bad("NaN,1", -1, -1, "column 0: not finite: \"NaN\"");
	bad("-nan(0x1),1", -1, -1, "column 0: not finite: \"-nan(0x1)\"");
	bad("1,inf", -1, -1, "column 1: not finite: \"inf\"");
	bad("1, INF ", -1, -1, "column 1: not finite: \"INF\"");
	bad("-Infinity,1", -1, -1, "column 0: not finite: \"-Infinity\"");
	bad("1e999,1", -1, -1, "column 0: not finite: \"1e999\"");
	bad("1,-1e999", -1, -1, "column 1: not finite: \"-1e999\"");
	bad("s,1,nan", 0, 2, "event time: not finite: \"nan\"");   /* a time too */
}

static void test_too_many_values(void **state)
{
	(void)state;
	char line[256];
	int n = 0;
	for (int i = 1; i <= 17; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%d", i > 1 ? "," : "", i);
	bad(line, -1, -1, "too many values: 17 (at most 16)");
	/* 17 columns with a stream column are 16 values: fine. */
	struct tdp_decoded d;
	good(line, 5, -1, &d);
	assert_int_equal(d.dim, 16);
	assert_string_equal(d.stream, "6");
	assert_true(d.v[5] == 7);
	/* Every column is checked, even past the 16th. */
	strcat(line, ",x");
	bad(line, -1, -1, "column 17: not a number: \"x\"");
	line[strlen(line) - 1] = '9';
	bad(line, -1, -1, "too many values: 18 (at most 16)");
}

static void test_missing_columns(void **state)
{
	(void)state;
	bad("1,2,3", 4, -1, "stream_column 4 missing: the line has 3 columns");
	bad("1", -1, 1, "time_column 1 missing: the line has 1 column");
	bad("s,1", 0, 2, "time_column 2 missing: the line has 2 columns");
	bad("s,1", 0, 1, "no values");
	bad("s", 0, -1, "no values");
	bad("5", -1, 0, "no values");
}

static void test_stream_id_length(void **state)
{
	(void)state;
	char line[160];
	memset(line, 'x', 64);
	strcpy(line + 64, ",1");
	bad(line, 0, -1, "stream id longer than 63 bytes");
	line[0] = '"';
	memset(line + 1, 'y', 64);
	strcpy(line + 65, "\",1");
	bad(line, 0, -1, "stream id longer than 63 bytes");
	/* "" unescapes to one byte, so 62 + 1 fits. */
	line[0] = '"';
	memset(line + 1, 'y', 62);
	strcpy(line + 63, "\"\"\",1");
	struct tdp_decoded d;
	good(line, 0, -1, &d);
	assert_int_equal(strlen(d.stream), 63);
	assert_int_equal(d.stream[62], '"');
	/* A NUL would cut the id short. */
	char nul[] = {'a', '\0', 'b', ',', '1'};
	struct tdp_source_cfg c = cfg(0, -1);
	char reason[192];
	assert_int_equal(decode_csv(nul, sizeof(nul), &c, &d, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "stream id contains a NUL byte");
}

/* The reason is always NUL-terminated, even in a small buffer. */
static void test_small_reason(void **state)
{
	(void)state;
	struct tdp_source_cfg c = cfg(-1, -1);
	struct tdp_decoded d;
	char reason[8];
	memset(reason, 'Z', sizeof(reason));
	assert_int_equal(decode_csv("abc", 3, &c, &d, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "column ");
}

/* A header source: stream "sensor", time "time", values VALS (names,
 * NULL-terminated). */
static struct tdp_source_cfg named(const char *const *vals)
{
	struct tdp_source_cfg c = cfg(-1, -1);
	c.header = true;
	c.fields.has_stream = c.fields.has_time = true;
	c.fields.stream.index = c.fields.time.index = -1;
	snprintf(c.fields.stream.name, sizeof(c.fields.stream.name), "sensor");
	snprintf(c.fields.time.name, sizeof(c.fields.time.name), "time");
	for (; vals && *vals; vals++) {
		struct tdp_field *f = &c.fields.values[c.fields.nvalues++];
		f->index = -1;
		snprintf(f->name, sizeof(f->name), "%s", *vals);
	}
	return c;
}

/* decode_csv_cols of REC (exactly its bytes) with columns M. */
static int run_cols(const struct tdp_source_cfg *c, const struct csv_columns *m, const char *rec,
		    struct tdp_decoded *d, char *reason)
{
	size_t len = strlen(rec);
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, rec, len);
	reason[0] = '\0';
	int rc = decode_csv_cols(p, len, c, m, d, reason, 192);
	free(p);
	return rc;
}

/* RFC 4180 in every column: quoted numbers, times and ids, embedded
 * commas, doubled quotes and line breaks, CRLF. */
static void test_rfc4180(void **state)
{
	(void)state;
	struct tdp_decoded d;
	good("\"1.5\", \"2\" ,\"-3e2\"\r", -1, -1, &d);
	assert_int_equal(d.dim, 3);
	assert_true(d.v[0] == 1.5 && d.v[1] == 2 && d.v[2] == -300);
	good("\"12\",\"a,\"\"b\"\"\nc\",\"4\"\r", 1, 0, &d);
	assert_string_equal(d.stream, "a,\"b\"\nc");
	assert_true(d.has_time && d.t == 12000000000LL);
	assert_true(d.v[0] == 4);
	bad("1,\"2\"x", -1, -1, "column 1: text after the closing quote");
	bad("1,\"2", -1, -1, "column 1: unterminated quoted field");
	bad("1,\"\"", -1, -1, "column 1: empty");
}

/* Header names map columns in any order; configured values come in
 * their order whatever the columns'; an empty value is absent. */
static void test_header_mapping(void **state)
{
	(void)state;
	static const char *const vals[] = {"temp", "pressure", "vib", NULL};
	struct tdp_source_cfg c = named(vals);
	struct csv_columns m;
	struct tdp_decoded d;
	char reason[192];
	const char *hdr = "vib,\"sensor\",time, temp ,pressure,unused\r";
	assert_int_equal(csv_columns_header(&m, &c, hdr, strlen(hdr)), 0);
	assert_int_equal(m.stream, 1);
	assert_int_equal(m.time, 2);
	assert_int_equal(m.value[0], 3);
	assert_int_equal(m.value[1], 4);
	assert_int_equal(m.value[2], 0);
	assert_int_equal(run_cols(&c, &m, "0.5,\"pump,1\",7,20,1013,x\r", &d, reason), 0);
	assert_string_equal(d.stream, "pump,1");
	assert_int_equal(d.dim, 3);
	assert_true(d.v[0] == 20 && d.v[1] == 1013 && d.v[2] == 0.5);
	assert_int_equal(d.absent, 0);

	/* empty and blank value fields are absent: NAN and their bit */
	assert_int_equal(run_cols(&c, &m, ",s,7,20, ,x", &d, reason), 0);
	assert_int_equal(d.dim, 3);
	assert_int_equal(d.absent, 6);
	assert_true(d.v[0] == 20 && isnan(d.v[1]) && isnan(d.v[2]));
	/* a bad number still is bad, named by its column */
	assert_int_equal(run_cols(&c, &m, "1,s,7,abc,2,x", &d, reason), -1);
	assert_string_equal(reason, "column \"temp\" (3): not a number: \"abc\"");
	/* a line too short for a configured column */
	assert_int_equal(run_cols(&c, &m, "1,s,7,2", &d, reason), -1);
	assert_string_equal(reason, "column \"pressure\" (4) missing: the line has 4 columns");
	/* an empty time stays a bad record */
	assert_int_equal(run_cols(&c, &m, "1,s,,2,3", &d, reason), -1);
	assert_string_equal(reason, "event time: empty");

	/* headers that do not fit: every record refused with the reason */
	const char *miss = "time,sensor,temp,vib";
	assert_int_equal(csv_columns_header(&m, &c, miss, strlen(miss)), -1);
	assert_string_equal(m.reason, "the header has no column \"pressure\"");
	assert_int_equal(run_cols(&c, &m, "1,s,2,3", &d, reason), -1);
	assert_string_equal(reason, "the header has no column \"pressure\"");
	const char *twice = "time,sensor,temp,pressure,vib,temp";
	assert_int_equal(csv_columns_header(&m, &c, twice, strlen(twice)), -1);
	assert_string_equal(m.reason, "the header has column \"temp\" 2 times");
	const char *broken = "time,\"sensor,temp";
	assert_int_equal(csv_columns_header(&m, &c, broken, strlen(broken)), -1);
	assert_string_equal(m.reason, "header: column 1: unterminated quoted field");

	/* values by index, no header: in their order, other columns not read */
	c = cfg(1, -1);
	c.fields.nvalues = 2;
	c.fields.values[0].index = 3;
	c.fields.values[1].index = 0;
	csv_columns_init(&m, &c);
	assert_int_equal(run_cols(&c, &m, "1.5,s,junk,2.5", &d, reason), 0);
	assert_true(d.dim == 2 && d.v[0] == 2.5 && d.v[1] == 1.5);
	assert_int_equal(run_cols(&c, &m, ",s,junk,2.5", &d, reason), 0);
	assert_int_equal(d.absent, 2);
	assert_int_equal(run_cols(&c, &m, "1,s,junk", &d, reason), -1);
	assert_string_equal(reason, "value column 3 missing: the line has 3 columns");

	/* names for stream and time only: every other column is a value */
	c = named(NULL);
	const char *h2 = "a,time,b,sensor";
	assert_int_equal(csv_columns_header(&m, &c, h2, strlen(h2)), 0);
	assert_int_equal(run_cols(&c, &m, "1,5,2,s", &d, reason), 0);
	assert_int_equal(d.dim, 2);
	assert_true(d.v[0] == 1 && d.v[1] == 2 && d.t == 5000000000LL);
	assert_int_equal(run_cols(&c, &m, "1,5,,s", &d, reason), -1);
	assert_string_equal(reason, "column 2: empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_stream_and_time_columns),
		cmocka_unit_test(test_time_column),
		cmocka_unit_test(test_quoted_stream),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_rfc4180),
		cmocka_unit_test(test_header_mapping),
		cmocka_unit_test(test_not_a_number),
		cmocka_unit_test(test_not_finite),
		cmocka_unit_test(test_too_many_values),
		cmocka_unit_test(test_missing_columns),
		cmocka_unit_test(test_stream_id_length),
		cmocka_unit_test(test_small_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
