/*
 * test_json.c - tdp_json_string(), tdp_format_double(), tdp_json_double().
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

#include "common/json.h"

/* tdp_json_string() of the LEN bytes S must give exactly WANT. */
static void check_string(const char *s, size_t len, const char *want)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_json_string(&b, s, len);
	tdp_buf_putc(&b, '\0');
	assert_true(tdp_buf_ok(&b));
	assert_string_equal(b.p, want);
	tdp_buf_fini(&b);
}

#define CHECK_STRING(lit, want) check_string(lit, sizeof(lit) - 1, want)

static void test_string_plain(void **state)
{
	(void)state;
	CHECK_STRING("", "\"\"");
	CHECK_STRING("abc/def 123", "\"abc/def 123\"");
	CHECK_STRING("\x7f~", "\"\x7f~\"");		/* DEL needs no escape in JSON */
}

static void test_string_quote_backslash(void **state)
{
	(void)state;
	CHECK_STRING("a\"b", "\"a\\\"b\"");
	CHECK_STRING("a\\b", "\"a\\\\b\"");
	CHECK_STRING("\"\\\"", "\"\\\"\\\\\\\"\"");
}

/* Every byte below 0x20 is escaped; the common ones in their short form. */
static void test_string_control(void **state)
{
	(void)state;
	CHECK_STRING("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	CHECK_STRING("\x01" "a\x1f", "\"\\u0001a\\u001f\"");
	CHECK_STRING("a\0b", "\"a\\u0000b\"");	/* a NUL inside LEN is data */
	CHECK_STRING("\x1b[0m", "\"\\u001b[0m\"");
	/* LEN, not a NUL, ends the input. */
	check_string("abcdef", 3, "\"abc\"");

	/* Exhaustively: 0x00..0x1f never appear raw. */
	for (int c = 0; c < 0x20; c++) {
		char in = (char)c, want[16];
		switch (c) {
		case '\n': strcpy(want, "\"\\n\""); break;
		case '\r': strcpy(want, "\"\\r\""); break;
		case '\t': strcpy(want, "\"\\t\""); break;
		case '\b': strcpy(want, "\"\\b\""); break;
		case '\f': strcpy(want, "\"\\f\""); break;
		default: snprintf(want, sizeof(want), "\"\\u%04x\"", c); break;
		}
		check_string(&in, 1, want);
	}
}

/* Well-formed UTF-8 of every length passes through untouched. */
static void test_string_utf8_valid(void **state)
{
	(void)state;
	CHECK_STRING("\xc3\xa9", "\"\xc3\xa9\"");			/* U+00E9 */
	CHECK_STRING("\xc2\x80", "\"\xc2\x80\"");			/* U+0080, smallest 2-byte */
	CHECK_STRING("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* U+20AC */
	CHECK_STRING("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF */
	CHECK_STRING("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	CHECK_STRING("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	CHECK_STRING("a\xc3\xa9\"\xe2\x82\xac", "\"a\xc3\xa9\\\"\xe2\x82\xac\"");
}

/* Bytes that are not UTF-8 become \u00XX of the byte, each on its own. */
static void test_string_utf8_invalid(void **state)
{
	(void)state;
	CHECK_STRING("\x80", "\"\\u0080\"");				/* lone continuation */
	CHECK_STRING("\xff\xfe", "\"\\u00ff\\u00fe\"");
	CHECK_STRING("\xc0\xaf", "\"\\u00c0\\u00af\"");		/* overlong '/' */
	CHECK_STRING("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");	/* overlong 3-byte */
	CHECK_STRING("\xf0\x80\x80\xaf", "\"\\u00f0\\u0080\\u0080\\u00af\"");
	CHECK_STRING("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");	/* surrogate D800 */
	CHECK_STRING("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"");	/* > U+10FFFF */
	CHECK_STRING("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
	/* A truncated sequence: at the end, and cut by an ASCII byte. */
	CHECK_STRING("a\xe2\x82", "\"a\\u00e2\\u0082\"");
	CHECK_STRING("\xe2\x82" "A\xc3\xa9", "\"\\u00e2\\u0082A\xc3\xa9\"");
	/* The length bound is respected inside a sequence. */
	check_string("\xc3\xa9", 1, "\"\\u00c3\"");
}

/* Escaping appends after what the buffer already holds. */
static void test_string_appends(void **state)
{
	(void)state;
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "k:");
	tdp_json_string(&b, "x\"", 2);
	tdp_json_string(&b, "y", 1);
	tdp_buf_putc(&b, '\0');
	assert_string_equal(b.p, "k:\"x\\\"\"\"y\"");
	tdp_buf_fini(&b);
}

/* tdp_format_double(X) must give exactly WANT, and return its length. */
static void check_double(double x, const char *want)
{
	char out[32];
	size_t n = tdp_format_double(out, x);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_format_table(void **state)
{
	(void)state;
	check_double(0.1, "0.1");
	check_double(1, "1");
	check_double(0, "0");
	check_double(-0.0, "-0");
	check_double(-2.5, "-2.5");
	check_double(30, "30");			/* not 3e+01 */
	check_double(100, "100");
	check_double(1234567, "1234567");
	check_double(1.7e12, "1700000000000");
	check_double(-1e16, "-10000000000000000");
	check_double(1e17, "1e+17");
	check_double(1e21, "1e+21");
	check_double(123456789e15, "1.23456789e+23");
	check_double(0.0001, "0.0001");
	check_double(0.00001, "1e-05");
	check_double(1e-300, "1e-300");
	check_double(5e-324, "5e-324");		/* smallest subnormal */
	check_double(DBL_MIN, "2.2250738585072014e-308");
	check_double(DBL_MAX, "1.7976931348623157e+308");
	check_double(1.0 / 3, "0.3333333333333333");
	check_double(0.1 + 0.2, "0.30000000000000004");
	check_double(9007199254740993.0, "9007199254740992");	/* 2^53 + 1 rounds to 2^53 */
	check_double(9007199254740994.0, "9007199254740994");
	check_double(123.456, "123.456");
	check_double(INFINITY, "inf");
	check_double(-INFINITY, "-inf");
	check_double(NAN, "nan");
	check_double(-NAN, "nan");
}

/* Significant digits of the number text S: no sign, point, exponent,
 * leading zeros, or trailing zeros of the integer part ("30" has one). */
static int sig_digits(const char *s)
{
	char d[32];
	int n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && (n || *s != '0'))
			d[n++] = *s;
	while (n > 1 && d[n - 1] == '0')
		n--;
	return n ? n : 1;
}

/* The fewest significant digits, found by trying every precision in turn:
 * an independent check of the binary search in tdp_format_double(). */
static int min_precision(double x)
{
	char t[64];
	for (int p = 1; p < 17; p++) {
		snprintf(t, sizeof(t), "%.*g", p, x);
		if (strtod(t, NULL) == x)
			return p;
	}
	return 17;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/*
 * X formats to text that parses back to the same bits, with no more
 * significant digits than the shortest precision that round-trips, and
 * with an exponent exactly when %.17g would use one.
 */
static void check_shortest(double x)
{
	char out[32], e17[64];
	size_t n = tdp_format_double(out, x);
	assert_int_equal(n, strlen(out));
	char *end;
	double y = strtod(out, &end);
	assert_true(*end == '\0');
	if (memcmp(&x, &y, sizeof(x)))
		fail_msg("%a printed as %s reads back as %a", x, out, y);
	int p = min_precision(x);
	if (sig_digits(out) != p)
		fail_msg("%a printed as %s: %d digits, %d round-trip", x, out, sig_digits(out), p);
	snprintf(e17, sizeof(e17), "%.17g", x);
	assert_int_equal(strchr(out, 'e') != NULL, strchr(e17, 'e') != NULL);
}

static void test_format_shortest(void **state)
{
	(void)state;
	static const double fixed[] = {
		0.1, 0.2, 0.3, 1, 2, 10, 30, 100, 1e5, 123456, 1e15, 1e16, 2e16,
		9.999999999999999e16, 1e17, 1e21, 1e22, 1e23, 0.001, 1e-4, 1.5e-5,
		5e-324, 1e-320, DBL_MIN, DBL_MAX, DBL_EPSILON, M_PI, M_E, -0.0,
		36028797018963970.0, 72057594037927950.0, 12345678901234567.0,
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_shortest(fixed[i]);
		check_shortest(-fixed[i]);
	}

	/* Random bit patterns, and random integers and short decimals (the
	 * values of real streams) where the digit count is small. */
	uint64_t seed = 0x243f6a8885a308d3ULL;
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = rng_next(&seed);
		double x;
		memcpy(&x, &bits, sizeof(x));
		if (isfinite(x))
			check_shortest(x);
		check_shortest((double)(bits >> (bits & 63)));
		check_shortest((double)(int64_t)(bits % 2000001) / 1000 - 1000);
	}
}

/* JSON has no inf or nan: tdp_json_double writes null; else the same text. */
static void test_json_double(void **state)
{
	(void)state;
	static const double xs[] = { 0.1, -0.0, 30, 1e21, 5e-324, INFINITY, -INFINITY, NAN };
	struct tdp_buf b;
	tdp_buf_init(&b);
	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		char want[32];
		if (isfinite(xs[i]))
			tdp_format_double(want, xs[i]);
		else
			strcpy(want, "null");
		tdp_buf_reset(&b);
		tdp_buf_puts(&b, "[");
		tdp_json_double(&b, xs[i]);
		tdp_buf_putc(&b, '\0');
		assert_true(tdp_buf_ok(&b));
		assert_string_equal(b.p + 1, want);
	}
	tdp_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_plain),
		cmocka_unit_test(test_string_quote_backslash),
		cmocka_unit_test(test_string_control),
		cmocka_unit_test(test_string_utf8_valid),
		cmocka_unit_test(test_string_utf8_invalid),
		cmocka_unit_test(test_string_appends),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_shortest),
		cmocka_unit_test(test_json_double),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
