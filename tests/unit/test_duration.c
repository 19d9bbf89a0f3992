/*
 * test_duration - durations as written in a config: every unit, bare
 * numbers, and everything that is not a duration (signs, fractions,
 * spaces, unknown units, leading zeros, 64-bit overflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/duration.h"

static int parse(const char *s, uint64_t bare, uint64_t *ns)
{
	return tdp_duration_parse(s, strlen(s), bare, ns);
}

static void test_units(void **state)
{
	(void)state;
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{"0", 0}, {"7ns", 7}, {"3us", 3000}, {"250ms", 250000000}, {"10s", 10000000000ull},
		{"1m", 60000000000ull}, {"2h", 7200000000000ull}, {"0h", 0},
		{"18446744073709551615ns", UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ns = 1;
		assert_int_equal(parse(ok[i].s, 1000000, &ns), 0);
		assert_true(ns == ok[i].ns);
	}
	uint64_t ns;
	assert_int_equal(parse("1500", 1000000, &ns), 0);   /* bare: milliseconds here */
	assert_true(ns == 1500000000ull);
	assert_int_equal(parse("1500", 0, &ns), -1);        /* no bare numbers here */
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "s", "-1s", "+1s", "1.5s", " 1s", "1 s", "1s ", "1S",
					   "1d", "1sec", "01s", "00", "1msms", "1e3ms", "0x10s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns = 42;
		assert_int_equal(parse(bad[i], 1000000, &ns), -1);
		assert_true(ns == 42);
	}
	uint64_t ns;
	assert_int_equal(parse("18446744073709551616ns", 1, &ns), -2);
	assert_int_equal(parse("5124096h", 1, &ns), -2);      /* > 2^64 ns */
	assert_int_equal(parse("5124095h", 1, &ns), 0);       /* < 2^64 ns */
	/* a length, not a C string: the bytes after LEN are not read */
	assert_int_equal(tdp_duration_parse("30sX", 3, 1, &ns), 0);
	assert_true(ns == 30000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
