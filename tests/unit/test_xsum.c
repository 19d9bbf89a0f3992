/*
 * test_xsum.c - the exact double accumulator: cancellation a running
 * double gets wrong, round-to-nearest-even of the final value (ties,
 * sticky bits far below, subnormals, overflow), add/sub in any order
 * returning exactly to zero, and carry normalization at its threshold.
 *
 * Random sums are checked against an independent exact reference: values
 * k * 2^e over a range narrow enough that k << (e - emin) fits in an
 * __int128, whose conversion to double (libgcc) is correctly rounded.
 * All randomness is splitmix64 from fixed seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/xsum.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A uniform integer in [lo, hi]. */
static int rand_range(uint64_t *rng, int lo, int hi)
{
	return lo + (int)(splitmix64(rng) % (uint64_t)(hi - lo + 1));
}

/* Bit-for-bit equality, so that -0.0 != +0.0 and a one-ulp error fails. */
static void assert_same_double(double got, double want)
{
	if (memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("got %a, want %a", got, want);
}

/* The sum of the N values XS, added in order, read back. */
static double xsum_of(const double *xs, size_t n)
{
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	for (size_t i = 0; i < n; i++)
		tdp_xsum_add(&s, xs[i]);
	return tdp_xsum_value(&s);
}

#define SUM(...) xsum_of((const double[]){__VA_ARGS__}, \
			 sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

/* The exact integer REF times 2^SCALE, correctly rounded (see the header). */
static double ref_value(__int128 ref, int scale)
{
	return ldexp((double)ref, scale);
}

static void test_empty_and_zero(void **state)
{
	(void)state;
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	assert_same_double(tdp_xsum_value(&s), 0.0);
	tdp_xsum_add(&s, -0.0);
	assert_same_double(tdp_xsum_value(&s), 0.0);	/* never -0.0 */
	tdp_xsum_add(&s, -1.0);
	tdp_xsum_add(&s, 1.0);
	assert_same_double(tdp_xsum_value(&s), 0.0);
	tdp_xsum_sub(&s, 0.5);
	tdp_xsum_add(&s, 0.5);
	assert_same_double(tdp_xsum_value(&s), 0.0);
}

/* The drift that motivates the accumulator: a double sum loses the 1. */
static void test_cancellation(void **state)
{
	(void)state;
	volatile double big = 1e16;
	assert_true(big + 1.0 - big != 1.0);		/* the naive sum is wrong */
	assert_same_double(SUM(1e16, 1.0, -1e16), 1.0);

	struct tdp_xsum s;
	tdp_xsum_init(&s);
	tdp_xsum_add(&s, 1e16);
	tdp_xsum_add(&s, 1.0);
	tdp_xsum_sub(&s, 1e16);
	assert_same_double(tdp_xsum_value(&s), 1.0);
	/* extremes cancel too: only the tiny survivor remains */
	tdp_xsum_add(&s, DBL_MAX);
	tdp_xsum_add(&s, 0x1p-1074);
	tdp_xsum_sub(&s, 1.0);
	tdp_xsum_sub(&s, DBL_MAX);
	assert_same_double(tdp_xsum_value(&s), 0x1p-1074);
}

/* Ties go to the even neighbour; anything below the tie, however far,
 * breaks it (the sticky bit). */
static void test_round_half_even(void **state)
{
	(void)state;
	const double p53 = 0x1p53;
	assert_same_double(SUM(p53, 1.0), p53);
	assert_same_double(SUM(p53, 3.0), p53 + 4);
	assert_same_double(SUM(p53, 5.0), p53 + 4);
	assert_same_double(SUM(p53, 1.0, 1.0), p53 + 2);	/* exact, no tie */
	assert_same_double(SUM(p53, 1.0, 0x1p-1074), p53 + 2);
	assert_same_double(SUM(p53, 1.0, -0x1p-1074), p53);
	assert_same_double(SUM(p53, 3.0, -0x1p-1074), p53 + 2);
	assert_same_double(SUM(1.0, 0x1p-53), 1.0);
	assert_same_double(SUM(1.0, 0x1p-53, 0x1p-1074), 1.0 + 0x1p-52);
	assert_same_double(SUM(1.0, 0x1p-52, 0x1p-53), 1.0 + 0x1p-51);
	/* the sticky bit inside the top three limbs, below the top 64 bits */
	assert_same_double(SUM(p53, 1.0, 0x1p-15), p53 + 2);
	assert_same_double(SUM(p53, 1.0, -0x1p-15), p53);
	/* the sticky bit from a limb far below the top three */
	assert_same_double(SUM(0x1p900, 0x1p847, 0x1p-1000), 0x1p900 + 0x1p848);
	assert_same_double(SUM(0x1p900, 0x1p847, -0x1p-1000), 0x1p900);
	/* not a tie: below the half goes down, above goes up */
	assert_same_double(SUM(p53, 0.75), p53);
	assert_same_double(SUM(p53, 1.25), p53 + 2);
}

/* Ties at every alignment against the limbs, broken by a bit D places
 * below the half ulp, D from 1 (next to it) to hundreds (many limbs down). */
static void test_ties_everywhere(void **state)
{
	(void)state;
	uint64_t rng = 5;
	for (int i = 0; i < 20000; i++) {
		int e = rand_range(&rng, -1000, 900);		/* weight of the ulp */
		int d = rand_range(&rng, 1, 1074 + e - 1);	/* tiny = 2^(e-1-d) >= 2^-1074 */
		uint64_t m = splitmix64(&rng) >> 11 | UINT64_C(1) << 52;
		double base = ldexp((double)m, e), up = ldexp((double)(m + 1), e);
		double half = ldexp(1, e - 1), tiny = ldexp(1, e - 1 - d);
		double sign = splitmix64(&rng) & 1 ? -1 : 1;
		double tie = m & 1 ? up : base;
		assert_same_double(SUM(sign * base, sign * half), sign * tie);
		assert_same_double(SUM(sign * base, sign * half, sign * tiny), sign * up);
		assert_same_double(SUM(sign * tiny, sign * half, sign * base), sign * up);
		assert_same_double(SUM(sign * base, sign * half, -sign * tiny), sign * base);
	}
}

static void test_negative(void **state)
{
	(void)state;
	const double p53 = 0x1p53;
	assert_same_double(SUM(-1.0), -1.0);
	assert_same_double(SUM(1.0, -3.0), -2.0);
	assert_same_double(SUM(-p53, -1.0), -p53);
	assert_same_double(SUM(-p53, -3.0), -(p53 + 4));
	assert_same_double(SUM(-p53, -1.0, -0x1p-1074), -(p53 + 2));
	assert_same_double(SUM(-1e16, 1e16, -0.5), -0.5);
	assert_same_double(SUM(-0x1p-1074), -0x1p-1074);
	assert_same_double(SUM(0x1p-1074, -0x1p-1073), -0x1p-1074);
	assert_same_double(SUM(-DBL_MAX, 0x1p970, -0x1p970), -DBL_MAX);

	struct tdp_xsum s;
	tdp_xsum_init(&s);
	tdp_xsum_sub(&s, 1e300);
	tdp_xsum_add(&s, 1e-300);
	tdp_xsum_sub(&s, 2e-300);
	tdp_xsum_add(&s, 1e300);
	assert_same_double(tdp_xsum_value(&s), -1e-300);
}

/* Subnormal inputs and results are exact: the accumulator's unit is 2^-1074. */
static void test_subnormal(void **state)
{
	(void)state;
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	for (int i = 0; i < 1000; i++)
		tdp_xsum_add(&s, 5e-324);
	assert_same_double(tdp_xsum_value(&s), ldexp(1000, -1074));

	assert_same_double(SUM(DBL_MIN, -0x1p-1074), nextafter(DBL_MIN, 0));
	assert_same_double(SUM(nextafter(DBL_MIN, 0), 0x1p-1074), DBL_MIN);
	assert_same_double(SUM(DBL_MIN, 0x1p-1074), nextafter(DBL_MIN, 1));
	assert_same_double(SUM(1.0, 0x1p-1074, -1.0), 0x1p-1074);
	assert_same_double(SUM(0x1p-1030, 0x1p-1070, 0x1p-1074), 0x1p-1030 + 0x1p-1070 + 0x1p-1074);
	assert_same_double(SUM(-0x1p-1030, -0x1p-1074), -(0x1p-1030 + 0x1p-1074));
}

/* Beyond the double range the value is infinite, and comes back exactly
 * when the excess is removed. */
static void test_overflow(void **state)
{
	(void)state;
	assert_same_double(SUM(DBL_MAX, DBL_MAX), INFINITY);
	assert_same_double(SUM(-DBL_MAX, -DBL_MAX), -INFINITY);
	assert_same_double(SUM(DBL_MAX, DBL_MAX, -DBL_MAX), DBL_MAX);
	/* half an ulp above DBL_MAX is a tie, and DBL_MAX is odd: infinity */
	assert_same_double(SUM(DBL_MAX, 0x1p970), INFINITY);
	assert_same_double(SUM(DBL_MAX, 0x1p970, -0x1p-1074), DBL_MAX);
	assert_same_double(SUM(DBL_MAX, 0x1p969), DBL_MAX);
	assert_same_double(SUM(-DBL_MAX, -0x1p970), -INFINITY);

	/* an infinity counts as 2^1024 and cancels when subtracted (xsum.h) */
	assert_same_double(SUM(1.0, INFINITY), INFINITY);
	assert_same_double(SUM(1.0, -INFINITY), -INFINITY);
	assert_same_double(SUM(1.0, INFINITY, -DBL_MAX, -0x1p971), 1.0);
	assert_same_double(SUM(1.0, NAN, 2.0, -(double)NAN), 3.0);

	/* so far beyond that the carries reach the top limb: 2^15 * 2^1023
	 * is 2^2112 units, all of it in the top limb */
	for (int sign = 1; sign >= -1; sign -= 2) {
		struct tdp_xsum t;
		tdp_xsum_init(&t);
		for (int i = 0; i < (1 << 15); i++)
			tdp_xsum_add(&t, sign * 0x1p1023);
		assert_same_double(tdp_xsum_value(&t), sign * INFINITY);
		for (int i = 0; i < (1 << 15) - 1; i++)
			tdp_xsum_sub(&t, sign * 0x1p1023);
		assert_same_double(tdp_xsum_value(&t), sign * 0x1p1023);
	}
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	for (int sign = 1; sign >= -1; sign -= 2) {
		for (int i = 0; i < (1 << 20); i++)
			tdp_xsum_add(&s, sign * DBL_MAX);
		assert_same_double(tdp_xsum_value(&s), sign * INFINITY);
		for (int i = 0; i < (1 << 20) - 1; i++)
			tdp_xsum_sub(&s, sign * DBL_MAX);
		assert_same_double(tdp_xsum_value(&s), sign * DBL_MAX);
		tdp_xsum_sub(&s, sign * DBL_MAX);
		assert_same_double(tdp_xsum_value(&s), 0.0);
	}
}

/* A random double of either sign, any 53-bit significand, 2^-300..2^300. */
static double wild_double(uint64_t *rng)
{
	uint64_t m = splitmix64(rng) >> 11 | UINT64_C(1) << 52;
	double x = ldexp((double)m, rand_range(rng, -300, 300) - 52);
	return splitmix64(rng) & 1 ? -x : x;
}

static void shuffle(double *a, size_t n, uint64_t *rng)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(splitmix64(rng) % (i + 1));
		double t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* Adding 100000 wildly different doubles and removing them again, in
 * orders unrelated to each other, leaves exactly zero. */
static void test_add_sub_any_order(void **state)
{
	(void)state;
	enum { N = 100000 };
	uint64_t rng = 42;
	double *xs = malloc(N * sizeof(*xs));
	double *ops = malloc(2 * N * sizeof(*ops));
	assert_non_null(xs);
	assert_non_null(ops);
	for (size_t i = 0; i < N; i++) {
		xs[i] = wild_double(&rng);
		ops[2 * i] = xs[i];
		ops[2 * i + 1] = -xs[i];
	}
	struct tdp_xsum s;

	/* all adds first, then all subs in another order */
	tdp_xsum_init(&s);
	shuffle(xs, N, &rng);
	for (size_t i = 0; i < N; i++)
		tdp_xsum_add(&s, xs[i]);
	double total = tdp_xsum_value(&s);
	assert_true(isfinite(total) && total != 0.0);
	shuffle(xs, N, &rng);
	for (size_t i = 0; i < N; i++)
		tdp_xsum_sub(&s, xs[i]);
	assert_same_double(tdp_xsum_value(&s), 0.0);

	/* +x and -x interleaved at random, with reads in between */
	tdp_xsum_init(&s);
	shuffle(ops, 2 * N, &rng);
	for (size_t i = 0; i < 2 * N; i++) {
		tdp_xsum_add(&s, ops[i]);
		if (i % 10007 == 0)
			assert_true(isfinite(tdp_xsum_value(&s)));
	}
	assert_same_double(tdp_xsum_value(&s), 0.0);

	/* and the total does not depend on the order */
	tdp_xsum_init(&s);
	for (size_t i = 0; i < N; i++)
		tdp_xsum_sub(&s, xs[i]);
	assert_same_double(tdp_xsum_value(&s), -total);
	free(xs);
	free(ops);
}

/* Random integers below 2^40 of both signs, added and subtracted; the
 * value read every 1000 operations equals the exact integer sum rounded. */
static void test_integers_exact(void **state)
{
	(void)state;
	uint64_t rng = 7;
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	__int128 ref = 0;
	for (int i = 1; i <= 1000000; i++) {
		int64_t k = (int64_t)(splitmix64(&rng) >> 24);	/* < 2^40 */
		if (splitmix64(&rng) & 1)
			k = -k;
		if (i % 3 == 0) {
			tdp_xsum_sub(&s, (double)k);
			ref -= k;
		} else {
			tdp_xsum_add(&s, (double)k);
			ref += k;
		}
		if (i % 1000 == 0)
			assert_same_double(tdp_xsum_value(&s), ref_value(ref, 0));
	}
	/* a sum far beyond 2^53: the rounding is real */
	for (int i = 0; i < 10000; i++) {
		double k = (double)(splitmix64(&rng) >> 12);	/* < 2^52 */
		tdp_xsum_add(&s, k);
		ref += (__int128)k;
	}
	assert_true(ref > ((__int128)1 << 60));
	assert_same_double(tdp_xsum_value(&s), ref_value(ref, 0));
}

/* Multiples of 2^-20 with 52-bit numerators: fractions, so the rounding
 * of the total happens below the binary point. */
static void test_fractions_exact(void **state)
{
	(void)state;
	uint64_t rng = 11;
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	__int128 ref = 0;				/* in units of 2^-20 */
	for (int i = 1; i <= 200000; i++) {
		int64_t k = (int64_t)(splitmix64(&rng) >> 12);
		int neg = (int)(splitmix64(&rng) & 1);
		double x = ldexp((double)k, -20);
		if (neg) {
			tdp_xsum_sub(&s, x);
			ref -= k;
		} else {
			tdp_xsum_add(&s, x);
			ref += k;
		}
		if (i % 997 == 0)
			assert_same_double(tdp_xsum_value(&s), ref_value(ref, -20));
	}
	assert_same_double(tdp_xsum_value(&s), ref_value(ref, -20));
}

/* Values k * 2^(e + OFFSET), k < 2^30, e in [-40, 40]: 80 bit positions,
 * so every alignment against the 32-bit limbs, at the bottom (subnormal),
 * middle and top of the double range. */
static void test_spread_exact(void **state)
{
	(void)state;
	static const int offsets[] = { -1034, -500, 0, 300, 900, 940 };
	uint64_t rng = 13;
	for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
		int scale = offsets[o] - 40;		/* the reference's unit */
		struct tdp_xsum s;
		tdp_xsum_init(&s);
		__int128 ref = 0;
		for (int i = 1; i <= 20000; i++) {
			int64_t k = (int64_t)(splitmix64(&rng) >> 34);
			int e = rand_range(&rng, -40, 40);
			double x = ldexp((double)k, e + offsets[o]);
			__int128 kk = (__int128)k << (e + 40);
			if (splitmix64(&rng) & 1) {
				tdp_xsum_sub(&s, x);
				ref -= kk;
			} else {
				tdp_xsum_add(&s, x);
				ref += kk;
			}
			if (i % 101 == 0)
				assert_same_double(tdp_xsum_value(&s), ref_value(ref, scale));
		}
		assert_same_double(tdp_xsum_value(&s), ref_value(ref, scale));
	}
}

/* Ten million adds of 1.0 and of 0.1: exact counts, where a running
 * double is exact for 1.0 but drifts for 0.1. */
static void test_many_ops(void **state)
{
	(void)state;
	enum { N = 10000000 };
	struct tdp_xsum s;
	tdp_xsum_init(&s);
	for (int i = 0; i < N; i++)
		tdp_xsum_add(&s, 1.0);
	assert_same_double(tdp_xsum_value(&s), (double)N);

	tdp_xsum_init(&s);
	double naive = 0;
	for (int i = 0; i < N; i++) {
		tdp_xsum_add(&s, 0.1);
		naive += 0.1;
	}
	int e;
	double m = frexp(0.1, &e);			/* 0.1 = M * 2^E, M in [0.5, 1) */
	__int128 k = (__int128)ldexp(m, 53);
	double want = ref_value(k * N, e - 53);
	assert_same_double(tdp_xsum_value(&s), want);
	assert_true(naive != want);
}

/* The limbs as K additions of X would leave them with no normalization
 * in between (the representation the header documents), for a normal X
 * whose significand lands at bit 31 (exponent field 32). */
static void forge(struct tdp_xsum *s, int64_t k, uint64_t m)
{
	unsigned __int128 v = (unsigned __int128)m << 31;
	tdp_xsum_init(s);
	s->limb[0] = k * (int64_t)(uint32_t)v;
	s->limb[1] = k * (int64_t)(uint32_t)(v >> 32);
	s->limb[2] = k * (int64_t)(uint64_t)(v >> 64);
	s->pending = (uint32_t)(k < 0 ? -k : k);
	s->lo = 0;
	s->hi = 2;
	s->fresh = 0;
}

/* Just before the normalization threshold, with the limbs as full as
 * TDP_XSUM_NORM_EVERY - 1 operations of a 53-bit significand make them,
 * more operations cross the threshold: normalization runs, the sum stays
 * exact, and (under UBSan) no limb overflows. */
static void test_normalize_threshold(void **state)
{
	(void)state;
	const uint64_t m = (UINT64_C(1) << 53) - 1;
	const double x = ldexp((double)m, 31 - 1074);
	const int64_t k = (int64_t)TDP_XSUM_NORM_EVERY - 1;
	struct tdp_xsum s;

	forge(&s, k, m);
	assert_same_double(tdp_xsum_value(&s), ref_value((__int128)k * (__int128)m, 31 - 1074));
	for (int sign = 1; sign >= -1; sign -= 2) {
		forge(&s, sign * k, m);
		for (int i = 0; i < 1000; i++)
			tdp_xsum_add(&s, sign * x);
		assert_true(s.pending < 1000);		/* it normalized on the way */
		__int128 want = (__int128)(sign * (k + 1000)) * (__int128)m;
		assert_same_double(tdp_xsum_value(&s), ref_value(want, 31 - 1074));
	}
}

/* Reading the value changes nothing: reads interleaved with operations
 * give the same as one read at the end. */
static void test_value_is_pure(void **state)
{
	(void)state;
	uint64_t rng = 99;
	struct tdp_xsum a, b;
	tdp_xsum_init(&a);
	tdp_xsum_init(&b);
	for (int i = 0; i < 50000; i++) {
		double x = wild_double(&rng);
		tdp_xsum_add(&a, x);
		tdp_xsum_add(&b, x);
		if (i % 7 == 0) {
			tdp_xsum_sub(&a, x / 3);
			tdp_xsum_sub(&b, x / 3);
		}
		(void)tdp_xsum_value(&a);
	}
	assert_same_double(tdp_xsum_value(&a), tdp_xsum_value(&b));
}

/* The limbs in use and the kept value: an accumulator whose memory held
 * garbage before init, read after every operation while the sum changes
 * sign and the limbs in use grow and shrink (values k * 2^e, e from a
 * narrow window that moves from -1074 (subnormals, limb 0) to 2^940 (the
 * top limbs), a far value added and removed now and then, every 5000
 * operations all undone back to zero), equals the exact reference every
 * time; and a read with nothing changed in between returns the same. */
static void test_range_and_kept_value(void **state)
{
	(void)state;
	enum { BATCH = 5000 };
	uint64_t rng = 2024;
	static const int base[] = {-1074, -1060, -600, -100, 0, 33, 500, 940};
	static double done[BATCH];		/* the values added (subtracted: negated) */
	for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
		struct tdp_xsum s;
		memset(&s, 0xa5, sizeof(s));
		tdp_xsum_init(&s);
		assert_same_double(tdp_xsum_value(&s), 0.0);
		__int128 ref = 0;		/* in units of 2^base[b] */
		int n = 0;
		for (int i = 0; i < 4 * BATCH; i++) {
			int64_t k = (int64_t)(splitmix64(&rng) % (UINT64_C(1) << 40)) - (INT64_C(1) << 39);
			int sh = rand_range(&rng, 0, 40);
			double x = ldexp((double)k, base[b] + sh);	/* exact: |k| < 2^40 */
			if (splitmix64(&rng) & 1) {
				tdp_xsum_add(&s, x);
				ref += (__int128)k * ((__int128)1 << sh);
				done[n++] = x;
			} else {
				tdp_xsum_sub(&s, x);
				ref -= (__int128)k * ((__int128)1 << sh);
				done[n++] = -x;
			}
			if (i % 97 == 0) {		/* far away and back: the range widens */
				double far = base[b] > 0 ? 0x1p-1000 : 0x1p+900, v;
				tdp_xsum_add(&s, far);
				v = tdp_xsum_value(&s);
				if (base[b] > 0)	/* a tie may go up, nothing else moves */
					assert_true(v == ref_value(ref, base[b]) ||
						    v == nextafter(ref_value(ref, base[b]), INFINITY));
				else
					assert_same_double(v, far);
				tdp_xsum_sub(&s, far);
			}
			double want = ref_value(ref, base[b]);
			assert_same_double(tdp_xsum_value(&s), want);
			assert_same_double(tdp_xsum_value(&s), want);
			if (n == BATCH) {		/* undo them all, in reverse */
				while (n > 0)
					tdp_xsum_sub(&s, done[--n]);
				ref = 0;
				assert_same_double(tdp_xsum_value(&s), 0.0);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_zero),
		cmocka_unit_test(test_cancellation),
		cmocka_unit_test(test_round_half_even),
		cmocka_unit_test(test_ties_everywhere),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_subnormal),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_add_sub_any_order),
		cmocka_unit_test(test_integers_exact),
		cmocka_unit_test(test_fractions_exact),
		cmocka_unit_test(test_spread_exact),
		cmocka_unit_test(test_many_ops),
		cmocka_unit_test(test_normalize_threshold),
		cmocka_unit_test(test_value_is_pure),
		cmocka_unit_test(test_range_and_kept_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
