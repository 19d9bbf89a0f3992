/*
 * test_number - number_parse() and number_field(): the grammar of a value
 * every decoder (and tdapipe persistence) shares.  What it takes (decimal
 * numbers with sign, point and exponent, blanks around them, subnormals,
 * long digit strings) and what it refuses, with which status (hex floats,
 * inf/nan in every spelling, overflow to inf, blanks inside, junk after).
 * Values are passed in buffers of exactly their length so ASan catches a
 * read past the end.
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

#include "ingest/number.h"

/* number_parse on a copy of S without its NUL. */
static enum number_status parse(const char *s, double *out)
{
	size_t len = strlen(s);
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	enum number_status st = number_parse(p, len, out);
	free(p);
	return st;
}

/* S must parse to exactly WANT (same bits, so -0.0 is not 0.0). */
static void good(const char *s, double want)
{
	double x = NAN;
	enum number_status st = parse(s, &x);
	if (st != NUMBER_OK || memcmp(&x, &want, sizeof(x)))
		print_error("\"%s\": status %d, value %.17g, expected %.17g\n", s, st, x, want);
	assert_int_equal(st, NUMBER_OK);
	assert_memory_equal(&x, &want, sizeof(x));
}

/* S must be refused with status WANT and *out left alone. */
static void bad(const char *s, enum number_status want)
{
	double x = 42.0;
	enum number_status st = parse(s, &x);
	if (st != want)
		print_error("\"%s\": status %d, expected %d\n", s, st, want);
	assert_int_equal(st, want);
	assert_true(x == 42.0);
}

static void test_decimal(void **state)
{
	(void)state;
	good("0", 0.0);
	good("-0", -0.0);
	good("+1.5", 1.5);
	good("-2.25", -2.25);
	good(".5", 0.5);
	good("5.", 5.0);
	good("007", 7.0);
	good("1e3", 1000.0);
	good("1E+3", 1000.0);
	good("2.5e-3", 2.5e-3);
	good("-1.7976931348623157e308", -DBL_MAX);
	good("0.1", 0.1);
}

static void test_blanks(void **state)
{
	(void)state;
	good("  3.5", 3.5);
	good("3.5\t", 3.5);
	good(" \t-1 \t", -1.0);
	bad("", NUMBER_EMPTY);
	bad("   ", NUMBER_EMPTY);
	bad("\t \t", NUMBER_EMPTY);
	bad("1 2", NUMBER_NOT_NUMBER);       /* a blank inside */
	bad("- 1", NUMBER_NOT_NUMBER);
	bad("\n1", NUMBER_NOT_NUMBER);       /* only spaces and tabs are blanks */
	bad("1\r", NUMBER_NOT_NUMBER);
}

/* What strtod takes but a data file did not mean as a number. */
static void test_hex_and_words(void **state)
{
	(void)state;
	bad("0x10", NUMBER_NOT_NUMBER);
	bad("0X1p3", NUMBER_NOT_NUMBER);
	bad("0x1.8p1", NUMBER_NOT_NUMBER);
	bad("-0x1", NUMBER_NOT_NUMBER);
	bad("1d", NUMBER_NOT_NUMBER);
	bad("1f", NUMBER_NOT_NUMBER);
	bad("abc", NUMBER_NOT_NUMBER);
	bad("1,5", NUMBER_NOT_NUMBER);
	bad("true", NUMBER_NOT_NUMBER);
	bad("\"1\"", NUMBER_NOT_NUMBER);
}

static void test_not_finite(void **state)
{
	(void)state;
	static const char *const spell[] = {
		"nan", "NaN", "NAN", "-nan", "+nan", "nan(123)", "nan(abc)",
		"inf", "INF", "-inf", "+Inf", "infinity", "-Infinity", "INFINITY",
		"1e999", "-1e999", "1e309", "2e308",
	};
	for (size_t i = 0; i < sizeof(spell) / sizeof(spell[0]); i++)
		bad(spell[i], NUMBER_NOT_FINITE);
	bad("infinit", NUMBER_NOT_NUMBER);   /* not a spelling strtod takes whole */
	bad("nanx", NUMBER_NOT_NUMBER);
	bad("nan(", NUMBER_NOT_NUMBER);
	bad("in", NUMBER_NOT_NUMBER);
}

/* Only [0-9+-.eE], and the whole field consumed. */
static void test_malformed(void **state)
{
	(void)state;
	bad("+", NUMBER_NOT_NUMBER);
	bad("-", NUMBER_NOT_NUMBER);
	bad(".", NUMBER_NOT_NUMBER);
	bad("e5", NUMBER_NOT_NUMBER);
	bad("1e", NUMBER_NOT_NUMBER);
	bad("1e+", NUMBER_NOT_NUMBER);
	bad("1.2.3", NUMBER_NOT_NUMBER);
	bad("--1", NUMBER_NOT_NUMBER);
	bad("+-1", NUMBER_NOT_NUMBER);
	bad("1-2", NUMBER_NOT_NUMBER);
	bad("1e5e5", NUMBER_NOT_NUMBER);
	bad("1ee5", NUMBER_NOT_NUMBER);
}

/* Underflow is accepted: the nearest double, subnormal or zero. */
static void test_tiny(void **state)
{
	(void)state;
	good("2.2250738585072014e-308", DBL_MIN);
	good("4.9406564584124654e-324", 4.9406564584124654e-324);   /* smallest subnormal */
	good("1e-310", 1e-310);
	good("1e-400", 0.0);
	good("-1e-400", -0.0);
}

/* Digit strings past the stack copy (128 bytes) go through the heap. */
static void test_long(void **state)
{
	(void)state;
	char s[4096];
	memset(s, '0', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	s[0] = '1';
	s[1] = '.';
	good(s, 1.0);
	s[sizeof(s) - 2] = '1';
	good(s, 1.0);                        /* rounds to the nearest double */
	for (size_t i = 0; i + 1 < sizeof(s); i++)
		s[i] = '9';
	bad(s, NUMBER_NOT_FINITE);           /* 4095 nines: past DBL_MAX */
	memset(s, '0', 200);
	strcpy(s + 200, "25e-2");
	good(s, 0.25);
	strcpy(s + 200, "x");
	bad(s, NUMBER_NOT_NUMBER);
}

static void test_field_reasons(void **state)
{
	(void)state;
	char reason[96];
	double x = 0;
	assert_int_equal(number_field("v", " 1.5 ", 5, &x, reason, sizeof(reason)), 0);
	assert_true(x == 1.5);
	assert_int_equal(number_field("v", "  ", 2, &x, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "v: empty");
	assert_int_equal(number_field("v", " 0x1p3 ", 7, &x, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "v: not a number: \"0x1p3\"");
	assert_int_equal(number_field("column 2", "NaN", 3, &x, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "column 2: not finite: \"NaN\"");
	assert_int_equal(number_field("v", "1e999", 5, &x, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "v: not finite: \"1e999\"");
	/* a long value is quoted cut, with "..." */
	const char *longv = "123456789012345678901234567890123456789x";
	assert_int_equal(number_field("v", longv, strlen(longv), &x, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "v: not a number: \"12345678901234567890123456789012\"...");
	/* a small reason buffer is cut, still NUL-terminated */
	char tiny[8];
	assert_int_equal(number_field("value", "abc", 3, &x, tiny, sizeof(tiny)), -1);
	assert_string_equal(tiny, "value: ");
	assert_true(x == 1.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_hex_and_words),
		cmocka_unit_test(test_not_finite),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tiny),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_field_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
