/*
 * test_parse_double.c - tdp_parse_double() against glibc's strtod, bit for
 * bit, and against its grammar: the same inputs accepted and rejected.
 *
 * Every check parses a slice followed by a digit that is not part of it,
 * so reading past LEN shows as a wrong value.  Inputs:
 *  - TDP_PARSE_N (1,000,000) random bit patterns from TDP_PARSE_SEED,
 *    each as %.17g, as its shortest digits (tdp_shortest), as
 *    tdp_format_double writes it, and as %.Ng with N random in 1..20
 *    (decimals near every rounding edge), plus a 3-decimal sensor value;
 *    `make soak` runs 10^8;
 *  - the hard classes: zeros, subnormals, DBL_MIN/DBL_MAX and just past
 *    them, every power of ten 1e-350..1e310, exact halfway points between
 *    neighbouring doubles written out in full (up to ~770 digits) and a
 *    hair above and below them, 17-20-digit and long mantissas, large
 *    exponents, leading zeros;
 *  - random strings over [0-9+-.eE]: accepted exactly when strtod takes
 *    them whole.
 * The exact big-integer decision is also run alone on all of these (on
 * every 64th random string), from a candidate one double below, at and
 * one above strtod's: it must land on strtod's double.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/parse_double.h"
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

static unsigned long checked, decided;
/* Every how many checks the exact decision is run too (it is slow). */
static unsigned long decide_period = 1;

/*
 * S (NUL-terminated) must be accepted by both or rejected by both, and
 * when accepted read as the same bits.  The slice handed to
 * tdp_parse_double is followed by '7', not by the NUL.
 */
static void check(const char *s)
{
	size_t n = strlen(s);
	char small[256];
	char *buf = n + 2 <= sizeof(small) ? small : malloc(n + 2);
	assert_non_null(buf);
	memcpy(buf, s, n);
	buf[n] = '7';
	buf[n + 1] = '\0';

	char *end;
	double want = strtod(s, &end);
	int want_ok = n > 0 && end == s + n;
	double got = 12345.0;
	int ok = tdp_parse_double(buf, n, &got) == 0;
	if (ok != want_ok || (ok && bits_of(got) != bits_of(want))) {
		print_error("%.200s%s: strtod %s %a (%016" PRIx64 "), tdp_parse_double %s %a (%016" PRIx64 ")\n",
			    s, n > 200 ? "..." : "", want_ok ? "takes" : "rejects", want, bits_of(want),
			    ok ? "takes" : "rejects", got, bits_of(got));
		fail();
	}
	if (!ok)
		assert_true(got == 12345.0);   /* *OUT untouched */
#ifndef TDP_GLIBC_NUMBERS
	/* The exact decision from a candidate one below, on, one above. */
	uint64_t b = bits_of(fabs(want));
	if (ok && checked % decide_period == 0)
		for (int nudge = -1; nudge <= 1; nudge++) {
			double x;
			if ((nudge < 0 && b == 0) || (nudge > 0 && !isfinite(want)))
				continue;
			if (tdp_parse_double_decide(buf, n, b + (uint64_t)(int64_t)nudge, &x) == 0 &&
			    bits_of(x) != bits_of(want)) {
				print_error("%.200s%s: strtod %a, decide from %+d %a\n", s, n > 200 ? "..." : "",
					    want, nudge, x);
				fail();
			}
			decided++;
		}
#endif
	if (buf != small)
		free(buf);
	checked++;
}

static void checkf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void checkf(const char *fmt, ...)
{
	char s[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(s));
	check(s);
}

/* X written as its shortest digits, "0.DDDe+E" and "DDDeE'" (integer digits). */
static void check_shortest(double x)
{
	char d[18];
	int e;
	int n = tdp_shortest(x, d, &e);
	if (n == 0)
		return;
	const char *sign = signbit(x) ? "-" : "";
	checkf("%s0.%se%d", sign, d, e);
	checkf("%s%se%d", sign, d, e - n);
	char t[32];
	tdp_format_double(t, x);
	check(t);
}

static void check_double(double x, uint64_t *rng)
{
	checkf("%.17g", x);
	check_shortest(x);
	checkf("%.*g", (int)(splitmix64(rng) % 20) + 1, x);
}

static void test_grammar(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"", "+", "-", ".", "+.", "-.", "e", "e5", ".e5", "1e", "1e+", "1e-", "1E5", "1e+5",
		"1.", "1.e5", ".5", "-.5e-3", "+1", "--1", "+-1", "1-", "1+", "1.2.3", "1e5e5",
		"1e5.", "1.5e", "00", "-0", "+0", "0.", "-0.0e0", "0e999999999999999999", "1ee5",
		"1e+-5", "..1", "1..", "5.e", "e.5",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i]);
#ifndef TDP_GLIBC_NUMBERS   /* there tdp_parse_double is strtod */
	/* Not in the grammar, although strtod takes them: the decoders keep
	 * them out before they ask (see ingest/number.c). */
	static const char *const outside[] = { " 1", "1 ", "0x10", "inf", "nan", "1,5", "1e5 " };
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		double d = 0;
		assert_int_equal(tdp_parse_double(outside[i], strlen(outside[i]), &d), -1);
	}
#endif

	/* Random strings over the grammar's alphabet. */
	static const char alpha[] = "0123456789+-.eE";
	uint64_t rng = 7;
	for (int i = 0; i < 200000; i++) {
		char s[16];
		int n = (int)(splitmix64(&rng) % 14);
		for (int k = 0; k < n; k++) {
			uint64_t r = splitmix64(&rng) % 100;
			/* mostly digits, so that many of them parse */
			s[k] = r < 70 ? (char)('0' + r % 10) : alpha[10 + r % 5];
		}
		s[n] = '\0';
		check(s);
	}
}

static void test_edges(void **state)
{
	(void)state;
	checkf("%.17g", DBL_MAX);
	checkf("%.17g", -DBL_MAX);
	checkf("%.17g", DBL_MIN);
	checkf("%.17g", DBL_TRUE_MIN);
	checkf("%.17g", nextafter(DBL_MIN, 0));
	checkf("%.17g", -DBL_TRUE_MIN);
	static const char *const cases[] = {
		"0", "-0", "0.0", "-0.0e-999", "0e400", "1e400", "-1e400", "1e309", "1e308",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623158079e308",
		"1.797693134862315807937289714053e308",   /* halfway to 2^1024: inf */
		"1.7976931348623159e308", "-1.7976931348623159e308",
		"2.2250738585072014e-308", "2.2250738585072011e-308", "2.2250738585072012e-308",
		"2.2250738585072013e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "2.4703282292062326e-324", "5e-324", "3e-324", "2e-324",
		"1e-324", "1e-400", "-1e-400",
		"9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
		"9007199254740993.0000000000000000000000001", "9007199254740992.9999999999999999999",
		"18014398509481985", "18014398509481986", "18014398509481987",
		"7.038531e-26", "7.0385307e-26", "7.038530907418162e-26",
		"8.988465674311579e307", "8.98846567431158e307", "9007199254740993e-10",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"0.1", "0.2", "0.3", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"123456789012345678901", "99999999999999999999", "18446744073709551615",
		"18446744073709551616", "18446744073709551617", "9999999999999999999e-20",
		"1e0000000000000000000000000000000001", "1e99999999999999999999999", "1e-99999999999999999999",
		"0.000000000000000000000000000000000000000000000000000000000001e60",
		"00000000000000000000000000000000000000001.5", "-000.000e+000",
		"3.14159265358979323846264338327950288419716939937510582097494459",
		"2.718281828459045235360287471352662497757247093699959574966967627724",
		"4.4501477170144022721148195934182639518696390927032912960468522194496444440421538910330590478162701758282983178260792422137401728773891892910553144148156412434867599762821265346585071045737627442980259622449029037796981144446145705102663115100318287949527959668236039986479250965780342141637013812613333119898765515451440315261253813266652951306000184917766328660755595837392240989947807556594098101021612198814605258742579179000071675999344145086087205681577915435923018910334964869420614052182892431445797605163650903606514140377217442262561590244668525767372446430075513332450079650686719491377688478005309963967709758965844137894433796621993967316936280457084866613206797017728916080020698679408551343728867675409720757232455434770912461317493580281734466552734375e-308",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i]);
	for (int k = -350; k <= 310; k++) {
		checkf("1e%d", k);
		checkf("-1e%d", k);
		checkf("9.99999999999999999e%d", k);
		checkf("0.%0*d1", k > 0 && k < 400 ? k : 1, 0);
	}
	/* 17 to 20 significant digits and long mantissas, at every exponent. */
	uint64_t rng = 11;
	for (int i = 0; i < 100000; i++) {
		char d[64];
		int nd = 17 + (int)(splitmix64(&rng) % 4);
		if (i % 10 == 0)
			nd = 21 + (int)(splitmix64(&rng) % 40);
		d[0] = (char)('1' + splitmix64(&rng) % 9);
		for (int k = 1; k < nd; k++)
			d[k] = (char)('0' + splitmix64(&rng) % 10);
		d[nd] = '\0';
		int e = (int)(splitmix64(&rng) % 700) - 350;
		checkf("%se%d", d, e);
		checkf("%.1s.%se%d", d, d + 1, e);
	}
}

/*
 * The exact midpoint between X and the next double up, written out in
 * full (long double holds it exactly: 54 bits, and its exponent range
 * covers the subnormals'), then the same a hair above and below: ties to
 * even, and the long mantissas that W and W + 1 cannot decide.
 */
static void check_halfway(double x)
{
	double y = nextafter(x, INFINITY);
	if (!isfinite(y))
		return;
	long double mid = ((long double)x + (long double)y) / 2;
	static char s[1300];
	int n = snprintf(s, sizeof(s) - 8, "%.1100Le", mid);
	assert_true(n > 0 && (size_t)n < sizeof(s) - 8);
	/* drop the zeros after the last digit of the exact expansion */
	char *e = strchr(s, 'e');
	char exp_part[16];
	snprintf(exp_part, sizeof(exp_part), "%s", e);
	char *last = e - 1;
	while (*last == '0' || *last == '.')
		last--;
	assert_true(*last > '0' && *last <= '9');
	last[1] = '\0';
	char *tail = last + 1;
	strcpy(tail, exp_part);
	check(s);
	strcpy(tail, "0000000000000001");   /* above */
	strcat(tail, exp_part);
	check(s);
	(*last)--;                        /* below */
	strcpy(tail, "9999999999999999999");
	strcat(tail, exp_part);
	check(s);
}

static void test_halfway(void **state)
{
	(void)state;
	uint64_t rng = 13;
	for (int i = 0; i < 3000; i++) {
		uint64_t b = splitmix64(&rng) & 0x7FFFFFFFFFFFFFFFull;
		if (i % 3 == 0)
			b &= 0x000FFFFFFFFFFFFFull;         /* subnormal */
		else if (i % 3 == 1)
			b = (b & 0x000FFFFFFFFFFFFFull) | ((uint64_t)(1023 + (int)(splitmix64(&rng) % 130) - 65) << 52);
		double x = of_bits(b);
		if (isfinite(x))
			check_halfway(x);
	}
	check_halfway(9007199254740992.0);
	check_halfway(DBL_MIN);
	check_halfway(nextafter(DBL_MIN, 0));
	check_halfway(0);
	check_halfway(nextafter(DBL_MAX, 0));
	check_halfway(1.0);
}

static void test_random(void **state)
{
	(void)state;
	unsigned long n = env_ul("TDP_PARSE_N", 1000000);
	uint64_t rng = env_ul("TDP_PARSE_SEED", 1);
	unsigned long before = checked, before_decided = decided;
	decide_period = 64;
	for (unsigned long i = 0; i < n; i++) {
		double x = of_bits(splitmix64(&rng));
		if (!isfinite(x))
			continue;
		check_double(x, &rng);
		if (i % 16 == 0) {
			/* a sensor value: 3 decimals, magnitudes up to 10^5 */
			double v = (double)(int64_t)(splitmix64(&rng) % 200000001) / 1000.0 - 100000.0;
			checkf("%.3f", v);
		}
	}
	decide_period = 1;
	print_message("random: %lu bit patterns, %lu strings, %lu exact decisions\n", n, checked - before,
		      decided - before_decided);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_halfway),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
