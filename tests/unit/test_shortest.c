/*
 * test_shortest.c - tdp_shortest() and the layout tdp_format_double()
 * gives its digits.
 *
 * Three references, none sharing code with common/shortest.c:
 *  - Python's repr (tests/unit/shortest_cases.py, run from here): digits
 *    and exponent must be equal, on the hard cases and 100,000 random
 *    doubles (TDP_SHORTEST_PY_N);
 *  - glibc's correctly rounded printf under directed rounding: the
 *    (L-1)-digit decimals just below and above |x| must not read back
 *    (so none shorter does: the rounding interval is an interval), and
 *    the L digits must be the closest of the L-digit ones that do;
 *  - the former glibc search (tdp_format_double_glibc): byte-identical
 *    text whenever it found as few digits, else exactly one more.
 * on the hard cases and TDP_SHORTEST_N (1,000,000) random bit patterns
 * from TDP_SHORTEST_SEED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fenv.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/shortest.h"

static double of_bits(uint64_t b)
{
	double x;
	memcpy(&x, &b, sizeof(x));
	return x;
}

static uint64_t bits_of(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof(b));
	return b;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);
	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* The significant digits D and exponent E (value 0.D * 10^E) of the
 * %e text S ("d.ddde+XX"), trailing zeros dropped. */
static void sci_digits(const char *s, char d[40], int *e)
{
	int n = 0;
	const char *c = s;
	for (; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			d[n++] = *c;
	assert_true(*c == 'e');
	while (n > 1 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	*e = atoi(c + 1) + 1;
}

/* AX (> 0) to L significant digits in %e form, rounded by MODE. */
static void round_to(char *out, double ax, int l, int mode)
{
	fesetround(mode);
	snprintf(out, 40, "%.*e", l - 1, ax);
	fesetround(FE_TONEAREST);
}

static int reads_back(const char *s, double ax)
{
	return bits_of(strtod(s, NULL)) == bits_of(ax);
}

/* tdp_shortest(X) against glibc's printf under directed rounding. */
static void check_reference(double x)
{
	double ax = fabs(x);
	char d[18], buf[40], lo[40], hi[40], want[40];
	int e, we;
	int n = tdp_shortest(x, d, &e);
	assert_in_range(n, 1, 17);
	assert_int_equal(strlen(d), n);
	assert_true(d[0] >= '1' && d[0] <= '9' && d[n - 1] != '0');
	snprintf(buf, sizeof(buf), "0.%se%d", d, e);
	if (!reads_back(buf, ax))
		fail_msg("%a: %s does not read back", x, buf);
	if (n > 1) {
		round_to(lo, ax, n - 1, FE_DOWNWARD);
		round_to(hi, ax, n - 1, FE_UPWARD);
		if (reads_back(lo, ax) || reads_back(hi, ax))
			fail_msg("%a: %s not shortest: %s / %s", x, buf, lo, hi);
	}
	round_to(lo, ax, n, FE_DOWNWARD);
	round_to(hi, ax, n, FE_UPWARD);
	int lo_in = reads_back(lo, ax), hi_in = reads_back(hi, ax);
	assert_true(lo_in || hi_in);
	if (lo_in && hi_in)
		round_to(want, ax, n, FE_TONEAREST);	/* the closer, ties even */
	else
		strcpy(want, lo_in ? lo : hi);
	sci_digits(want, buf, &we);
	if (strcmp(buf, d) || we != e)
		fail_msg("%a: 0.%se%d, want 0.%se%d", x, d, e, buf, we);
}

/* Significant digits of formatted number S: no sign, point, exponent,
 * leading or trailing zeros ("1700000000000" has 2). */
static int sig_digits(const char *s)
{
	char d[40];
	int n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && (n || *s != '0'))
			d[n++] = *s;
	while (n && d[n - 1] == '0')
		n--;
	return n;
}

/* tdp_format_double(X) reads back, and equals the glibc search's text
 * when that has as many digits; counts in *LONGER where it has more. */
static void check_layout(double x, unsigned long *longer)
{
	char a[32], b[32], d[18];
	int e;
	size_t na = tdp_format_double(a, x), nb = tdp_format_double_glibc(b, x);
	assert_int_equal(na, strlen(a));
	assert_int_equal(nb, strlen(b));
	if (bits_of(strtod(a, NULL)) != bits_of(x))
		fail_msg("%a: %s does not read back", x, a);
	int n = tdp_shortest(x, d, &e), nold = sig_digits(b);
#ifdef TDP_GLIBC_NUMBERS
	assert_string_equal(a, b);	/* the switch: the glibc search itself */
#else
	assert_int_equal(sig_digits(a), n);
#endif
	if (nold == n) {
		if (strcmp(a, b))
			fail_msg("%a: %s, glibc search %s", x, a, b);
	} else {
		if (nold != n + 1)
			fail_msg("%a: %s, glibc search %s", x, a, b);
		++*longer;
	}
}

static void check_both(double x, unsigned long *longer)
{
	if (x == 0 || !isfinite(x))	/* the neighbours of the extremes */
		return;
	check_reference(x);
	check_reference(-x);
	check_layout(x, longer);
	check_layout(-x, longer);
}

static void test_hard_cases(void **state)
{
	(void)state;
	static const double xs[] = {
		5e-324, 1e-323, 1.5e-323, 2.225073858507201e-308 /* largest subnormal */,
		DBL_MIN, DBL_MAX, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1.0, 9007199254740991.0,
		9007199254740992.0, 9007199254740994.0, 9007199254740996.0, 1e16, 1e17,
		123456789012345680.0, 1125899906842624.25, 1125899906842624.75, 5e-5, 1e-5,
		1e-4, 1e21, 1e22, 1e23, 2e23, 9.5, 0.5, 1.5e300, 2.5, 30.0, 1.7e12, 4.35,
		0.005, 299792458.0, 2.4703282292062327e-308, 8.41e21, 5.0e-310,
		0.30000000000000004, 1.7976931348623155e308,
	};
	unsigned long longer = 0;
	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
		check_both(xs[i], &longer);
	assert_int_equal(bits_of(nextafter(DBL_MIN, 0)), 0x000fffffffffffffull);
	check_both(nextafter(DBL_MIN, 0), &longer);
	check_both(nextafter(DBL_MAX, 0), &longer);
	for (int k = -323; k <= 308; k++) {
		char s[16];
		snprintf(s, sizeof(s), "1e%d", k);
		check_both(strtod(s, NULL), &longer);
	}
	for (int k = -1074; k <= 1023; k++) {
		double p = ldexp(1.0, k);
		check_both(p, &longer);
		check_both(nextafter(p, 0), &longer);
		check_both(nextafter(p, INFINITY), &longer);
	}
	/* 2^53 + 1 and its neighbourhood: integers no longer all exact */
	for (uint64_t i = 0; i < 64; i++)
		check_both((double)(9007199254740993ull + i * 2), &longer);
	/* the glibc search is one digit longer at 46 powers of two alone */
	print_message("hard cases: glibc search longer at %lu\n", longer);
	assert_true(longer >= 46);
}

/* Known texts: the layout the glibc search had, and the known difference. */
static void test_layout(void **state)
{
	(void)state;
	static const struct { double x; const char *s; } cases[] = {
		{0.0, "0"}, {-0.0, "-0"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {1.5e300, "1.5e+300"},
		{-2.5, "-2.5"}, {30, "30"}, {1.7e12, "1700000000000"}, {1e16, "10000000000000000"},
		{1e17, "1e+17"}, {123456789012345680.0, "1.2345678901234568e+17"},
		{5e-324, "5e-324"}, {DBL_MAX, "1.7976931348623157e+308"}, {1e-4, "0.0001"},
		{0.00012345, "0.00012345"}, {1.2345e20, "1.2345e+20"}, {123.456, "123.456"},
		{9007199254740993.0, "9007199254740992"}, {1.0 / 3, "0.3333333333333333"},
		{-1e-300, "-1e-300"}, {1e100, "1e+100"}, {12345678901234567.0, "12345678901234568"},
		{0.5, "0.5"}, {1125899906842624.25, "1125899906842624.2"},
		/* 2^-1017: %.16g is not in the lopsided interval, another 16-digit
		 * decimal is; the glibc search said 7.1202363472230444e-307 */
		{0x1p-1017, "7.120236347223045e-307"},
	};
	char out[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = tdp_format_double(out, cases[i].x);
#ifdef TDP_GLIBC_NUMBERS
		if (cases[i].x == 0x1p-1017)
			continue;
#endif
		assert_string_equal(out, cases[i].s);
		assert_int_equal(n, strlen(cases[i].s));
	}
	assert_int_equal(tdp_format_double(out, NAN), 3);
	assert_string_equal(out, "nan");
	tdp_format_double(out, INFINITY);
	assert_string_equal(out, "inf");
	tdp_format_double(out, -INFINITY);
	assert_string_equal(out, "-inf");

	char d[18];
	int e;
	assert_int_equal(tdp_shortest(0.0, d, &e), 0);
	assert_int_equal(tdp_shortest(INFINITY, d, &e), 0);
	assert_int_equal(tdp_shortest(NAN, d, &e), 0);
	assert_int_equal(tdp_shortest(-0.001234, d, &e), 4);
	assert_string_equal(d, "1234");
	assert_int_equal(e, -2);
}

/* Python's repr, digit for digit. */
static void test_python(void **state)
{
	(void)state;
	unsigned long n = env_ul("TDP_SHORTEST_PY_N", 100000);
	unsigned long seed = env_ul("TDP_SHORTEST_SEED", 1);
	const char *root = getenv("TDP_ROOT");
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/unit/shortest_cases.py %lu %lu",
		 root ? root : ".", n, seed);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[128], want[40], d[18];
	unsigned long lines = 0, longer = 0, checked_ref = 0;
	while (fgets(line, sizeof(line), p)) {
		uint64_t bits;
		int we, e;
		if (sscanf(line, "%16" SCNx64 " %39s %d", &bits, want, &we) != 3)
			fail_msg("bad line: %s", line);
		double x = of_bits(bits);
		tdp_shortest(x, d, &e);
		if (strcmp(d, want) || e != we)
			fail_msg("%016" PRIx64 " (%a): 0.%se%d, repr 0.%se%d", bits, x, d, e, want, we);
		check_layout(x, &longer);
		if (lines % 8 == 0) {
			check_reference(x);
			checked_ref++;
		}
		lines++;
	}
	assert_int_equal(pclose(p), 0);
	print_message("python repr: %lu doubles equal (%lu random), glibc search longer at %lu\n",
		      lines, n, longer);
	assert_true(lines > n);
	assert_true(checked_ref > 0);
}

/* Random bit patterns against glibc. */
static void test_random(void **state)
{
	(void)state;
	unsigned long n = env_ul("TDP_SHORTEST_N", 1000000);
	uint64_t s = env_ul("TDP_SHORTEST_SEED", 1);
	unsigned long done = 0, longer = 0;
	while (done < n) {
		double x = of_bits(splitmix64(&s));
		if (!isfinite(x) || x == 0)
			continue;
		check_reference(x);
		check_layout(x, &longer);
		done++;
	}
	print_message("random: %lu bit patterns, glibc search longer at %lu\n", done, longer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_hard_cases),
		cmocka_unit_test(test_python),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
