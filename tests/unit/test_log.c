/*
 * test_log.c - the log line formats (common/log.c): text and JSON lines,
 * their time, escaping, and lines cut to fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/config_metrics.h"
#include "common/json.h"
#include "common/log.h"

/* 2026-12-06T19:40:02.123Z, plus 456789 ns that are not printed. */
#define T0 (1796586002LL * 1000000000LL + 123456789LL)

static const char *fmt(char *out, size_t cap, int format, enum tdp_log_level lv, const char *scale,
		       const char *msg)
{
	struct tdp_log_line l = {format, T0, lv, "tdapipe-publish", 1234, scale, msg};
	size_t n = tdp_log_format_line(out, cap, &l);
	assert_true(n > 0 && n <= cap);
	assert_int_equal(out[n - 1], '\n');
	out[n - 1] = 0;
	return out;
}

static void text_lines(void **state)
{
	(void)state;
	char b[512];
	assert_string_equal(fmt(b, sizeof(b), TDP_LOG_TEXT, TDP_LOG_ERROR, NULL, "sink: full"),
			    "2026-12-06T19:40:02.123Z error tdapipe-publish[1234]: sink: full");
	assert_string_equal(fmt(b, sizeof(b), TDP_LOG_TEXT, TDP_LOG_INFO, "fast", "x"),
			    "2026-12-06T19:40:02.123Z info tdapipe-publish[1234] scale=fast: x");
	assert_string_equal(fmt(b, sizeof(b), TDP_LOG_TEXT, TDP_LOG_WARN, "", "two\nlines"),
			    "2026-12-06T19:40:02.123Z warn tdapipe-publish[1234]: two lines");
}

static void json_lines(void **state)
{
	(void)state;
	char b[512];
	assert_string_equal(fmt(b, sizeof(b), TDP_LOG_JSON, TDP_LOG_ERROR, NULL, "sink: \"x\"\\\n\t\x01"),
			    "{\"time\":\"2026-12-06T19:40:02.123Z\",\"level\":\"error\",\"process\":\"tdapipe-publish\","
			    "\"pid\":1234,\"scale\":null,\"msg\":\"sink: \\\"x\\\"\\\\\\n\\t\\u0001\"}");
	assert_string_equal(fmt(b, sizeof(b), TDP_LOG_JSON, TDP_LOG_WARN, "f\"s", "caf\xc3\xa9 \xff"),
			    "{\"time\":\"2026-12-06T19:40:02.123Z\",\"level\":\"warn\",\"process\":\"tdapipe-publish\","
			    "\"pid\":1234,\"scale\":\"f\\\"s\",\"msg\":\"caf\xc3\xa9 \\u00ff\"}");
}

/* A long message is cut, and the line stays one valid JSON object. */
static void cut_lines(void **state)
{
	(void)state;
	char msg[3000], b[256];
	memset(msg, '"', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	fmt(b, sizeof(b), TDP_LOG_JSON, TDP_LOG_INFO, "s", msg);
	size_t n = strlen(b);
	assert_true(n < sizeof(b));
	assert_memory_equal(b + n - 4, "\\\"\"}", 4);   /* a whole \" then the end */
	assert_int_equal(tdp_utf8_check(b, n), n);
	/* a multi-byte character is never split */
	for (size_t i = 0; i + 2 < sizeof(msg); i += 2)
		msg[i] = '\xc3', msg[i + 1] = '\xa9';
	fmt(b, sizeof(b), TDP_LOG_JSON, TDP_LOG_INFO, NULL, msg);
	assert_int_equal(tdp_utf8_check(b, strlen(b)), strlen(b));
	fmt(b, sizeof(b), TDP_LOG_TEXT, TDP_LOG_INFO, NULL, msg);
	assert_true(strlen(b) == sizeof(b) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_lines),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(cut_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
