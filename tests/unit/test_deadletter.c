/*
 * test_deadletter - deadletter_format(): the exact line, key order, one
 * '\n' per dead letter whatever the record holds (quotes, backslashes,
 * newlines, control bytes, invalid UTF-8, NUL, msgpack bytes), appending
 * to what the buffer already holds; deadletter_format_time(): a late
 * point's time and watermark, exact in the source's unit, after reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ingest/deadletter.h"

/* deadletter_format_time into an empty buffer must give exactly WANT. */
static void check_time(const char *source, uint64_t off, uint64_t line, const char *raw, size_t rawlen,
		       bool truncated, const char *reason, const struct deadletter_time *time, const char *want)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	deadletter_format_time(&b, source, off, line, raw, rawlen, truncated, reason, time);
	assert_true(tdp_buf_ok(&b));
	tdp_buf_putc(&b, '\0');
	assert_string_equal(b.p, want);
	assert_int_equal(b.len - 1, strlen(want));   /* no NUL inside */
	tdp_buf_fini(&b);
}

/* deadletter_format into an empty buffer must give exactly WANT. */
static void check(const char *source, uint64_t off, uint64_t line, const char *raw, size_t rawlen,
		  bool truncated, const char *reason, const char *want)
{
	check_time(source, off, line, raw, rawlen, truncated, reason, NULL, want);
}

static void test_plain(void **state)
{
	(void)state;
	check("samples/x.csv", 123, 7, "abc,1.5", 7, false, "column 0: not a number: \"abc\"",
	      "{\"reason\":\"column 0: not a number: \\\"abc\\\"\",\"source\":\"samples/x.csv\","
	      "\"offset\":123,\"line\":7,\"record\":\"abc,1.5\",\"truncated\":false}\n");
}

static void test_truncated_and_big_numbers(void **state)
{
	(void)state;
	check("stdin", UINT64_MAX, 0, "1.000", 5, true, "record longer than max_record (64 bytes)",
	      "{\"reason\":\"record longer than max_record (64 bytes)\",\"source\":\"stdin\","
	      "\"offset\":18446744073709551615,\"line\":0,\"record\":\"1.000\",\"truncated\":true}\n");
}

/* Quotes, backslashes, control characters and invalid UTF-8 in the record
 * (and in the reason and source) are escaped, valid UTF-8 is kept; a
 * record that is not all UTF-8 also comes as base64, its bytes exactly. */
static void test_escaping(void **state)
{
	(void)state;
	static const char raw[] = "a\"b\\c\n\t\r\x01\x1f\x7f|\xff\xc3(|\xc3\xa9|\0z";
	check("dir/we\"ird\\name", 0, 1, raw, sizeof(raw) - 1, false, "bad \"x\"\n\\",
	      "{\"reason\":\"bad \\\"x\\\"\\n\\\\\",\"source\":\"dir/we\\\"ird\\\\name\","
	      "\"offset\":0,\"line\":1,"
	      "\"record\":\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\x7f|\\u00ff\\u00c3(|\xc3\xa9|\\u0000z\","
	      "\"record_base64\":\"YSJiXGMKCQ0BH398/8MofMOpfAB6\",\"truncated\":false}\n");
}

/* msgpack records are bytes (exactly, in base64); an empty record is "". */
static void test_binary_and_empty(void **state)
{
	(void)state;
	static const char raw[] = "\x81\xa1v\xc1";
	check("in.msgpack", 42, 0, raw, 4, false, "not msgpack: parse error",
	      "{\"reason\":\"not msgpack: parse error\",\"source\":\"in.msgpack\","
	      "\"offset\":42,\"line\":0,\"record\":\"\\u0081\\u00a1v\\u00c1\",\"record_base64\":\"gaF2wQ==\","
	      "\"truncated\":false}\n");
	check("s", 1, 2, "", 0, false, "empty record",
	      "{\"reason\":\"empty record\",\"source\":\"s\",\"offset\":1,\"line\":2,"
	      "\"record\":\"\",\"truncated\":false}\n");
	check(NULL, 1, 2, NULL, 0, false, NULL,
	      "{\"reason\":\"\",\"source\":\"\",\"offset\":1,\"line\":2,"
	      "\"record\":\"\",\"truncated\":false}\n");
}

/* base64 at every length modulo 3, with its padding (RFC 4648). */
static void test_base64_padding(void **state)
{
	(void)state;
	check("s", 0, 0, "\xff", 1, false, "r",
	      "{\"reason\":\"r\",\"source\":\"s\",\"offset\":0,\"line\":0,\"record\":\"\\u00ff\","
	      "\"record_base64\":\"/w==\",\"truncated\":false}\n");
	check("s", 0, 0, "\xff\xfe", 2, false, "r",
	      "{\"reason\":\"r\",\"source\":\"s\",\"offset\":0,\"line\":0,\"record\":\"\\u00ff\\u00fe\","
	      "\"record_base64\":\"//4=\",\"truncated\":false}\n");
	check("s", 0, 0, "a\xfe\xfd", 3, false, "r",
	      "{\"reason\":\"r\",\"source\":\"s\",\"offset\":0,\"line\":0,\"record\":\"a\\u00fe\\u00fd\","
	      "\"record_base64\":\"Yf79\",\"truncated\":false}\n");
}

/* Dead letters append: two of them are two lines after what was there. */
static void test_appends(void **state)
{
	(void)state;
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "prefix\n");
	deadletter_format(&b, "f", 0, 1, "x\ny", 3, false, "r1");
	deadletter_format(&b, "f", 4, 2, "z", 1, false, "r2");
	tdp_buf_putc(&b, '\0');
	assert_true(tdp_buf_ok(&b));
	assert_string_equal(b.p,
			    "prefix\n"
			    "{\"reason\":\"r1\",\"source\":\"f\",\"offset\":0,\"line\":1,\"record\":\"x\\ny\",\"truncated\":false}\n"
			    "{\"reason\":\"r2\",\"source\":\"f\",\"offset\":4,\"line\":2,\"record\":\"z\",\"truncated\":false}\n");
	int nl = 0;
	for (size_t i = 0; i < b.len; i++)
		nl += b.p[i] == '\n';
	assert_int_equal(nl, 3);
	tdp_buf_fini(&b);
}

/* Only RAWLEN bytes of the record are written, not up to a NUL. */
static void test_rawlen(void **state)
{
	(void)state;
	check("f", 0, 1, "abcdef", 3, true, "r",
	      "{\"reason\":\"r\",\"source\":\"f\",\"offset\":0,\"line\":1,\"record\":\"abc\",\"truncated\":true}\n");
}

/* A late point: time and watermark right after reason, exact decimals in
 * the unit (check: without them, deadletter_format's line). */
static void test_time_and_watermark(void **state)
{
	(void)state;
	struct deadletter_time ms = {1765000000100500000, 1765000000200000000, TDP_TIME_MS};
	check_time("m.jsonl", 40, 3, "{\"t\":1765000000100.5,\"v\":1}", 27, false, "late", &ms,
		   "{\"reason\":\"late\",\"time\":1765000000100.5,\"watermark\":1765000000200,"
		   "\"source\":\"m.jsonl\",\"offset\":40,\"line\":3,"
		   "\"record\":\"{\\\"t\\\":1765000000100.5,\\\"v\\\":1}\",\"truncated\":false}\n");
	struct deadletter_time s = {-1500000000, INT64_MIN, TDP_TIME_S};
	check_time("m.jsonl", 70, 4, "x", 1, false, "late", &s,
		   "{\"reason\":\"late\",\"time\":-1.5,\"watermark\":-9223372036.854775808,"
		   "\"source\":\"m.jsonl\",\"offset\":70,\"line\":4,\"record\":\"x\",\"truncated\":false}\n");
	struct deadletter_time ns = {INT64_MAX, -1, TDP_TIME_NS};
	check_time("m.jsonl", 80, 5, "y", 1, true, "late", &ns,
		   "{\"reason\":\"late\",\"time\":9223372036854775807,\"watermark\":-1,"
		   "\"source\":\"m.jsonl\",\"offset\":80,\"line\":5,\"record\":\"y\",\"truncated\":true}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_truncated_and_big_numbers),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_binary_and_empty),
		cmocka_unit_test(test_base64_padding),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_rawlen),
		cmocka_unit_test(test_time_and_watermark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
