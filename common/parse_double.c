/*
 * parse_double.c - correctly rounded decimal -> double, without strtod on
 * the common path.
 *
 * Three steps, each exact where it answers (after fast_float, Lemire,
 * "Number parsing at a gigabyte per second", Software: Practice and
 * Experience 51(8), 2021):
 *
 *  1. The digits are read into W, at most 19 significant ones (W < 10^19
 *     < 2^64), and the decimal exponent Q such that the value is
 *     W * 10^Q; digits past the 19th only move Q and mark W truncated.
 *  2. Clinger's fast path: W <= 2^53 and |Q| <= 22 make W and 10^|Q|
 *     exact doubles, so one IEEE multiply or divide is the correctly
 *     rounded result.
 *  3. Eisel-Lemire: W (normalised) times a 128-bit approximation of 5^Q
 *     (common/parse_double_table.h) gives the top bits of the value; its
 *     low bits tell whether the truncated product could still round
 *     either way, which is (Lemire, section 5) only when they are all
 *     ones outside the exponents where 5^Q is exact.  A truncated W is
 *     tried as W and W + 1 (its value lies between them): the same double
 *     for both is the answer.
 *
 * What is left undecided (those rare products, and a truncated W whose
 * two bounds round apart, e.g. a long exactly-halfway mantissa) goes to
 * glibc's strtod on a NUL-terminated copy: exact, and slow only for the
 * inputs that need it.  A big-integer comparison (fast_float's
 * digit_comp) would remove that last libc call; it is not needed for
 * exactness.
 */
#include "common/parse_double.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse_double_table.h"

/* The glibc fallback copies short inputs to the stack. */
#define PARSE_STACK 128

int tdp_parse_double_glibc(const char *s, size_t len, double *out)
{
	char small[PARSE_STACK];
	char *copy = small;
	if (len == 0)
		return -1;
	if (len >= sizeof(small)) {
		copy = malloc(len + 1);
		if (!copy)
			return -1;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	char *end;
	double d = strtod(copy, &end);
	bool whole = end == copy + len;
	if (copy != small)
		free(copy);
	if (!whole)
		return -1;
	*out = d;
	return 0;
}

#ifdef TDP_GLIBC_NUMBERS
int tdp_parse_double(const char *s, size_t len, double *out)
{
	return tdp_parse_double_glibc(s, len, out);
}
#else

#define MANT_BITS 52                     /* explicit mantissa bits of a double */
#define EXP_BIAS 1023
#define EXP_INF 0x7FF
#define MAX_DIGITS 19                    /* 10^19 - 1 < 2^64 */
#define UNDECIDED UINT64_MAX             /* not a double's bits without its sign */

static const double exact_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline uint64_t mul_high(uint64_t a, uint64_t b, uint64_t *lo)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	*lo = (uint64_t)p;
	return (uint64_t)(p >> 64);
}

/*
 * Eisel-Lemire: the bits (sign aside) of the double nearest W * 10^Q for
 * W != 0 and Q in [PARSE_Q_MIN, PARSE_Q_MAX], or UNDECIDED.  Follows
 * fast_float's compute_float (decimal_to_binary.h) line by line, with its
 * original guard for the undecidable product kept.
 */
static uint64_t eisel_lemire(uint64_t w, int q)
{
	int lz = __builtin_clzll(w);
	w <<= lz;
	const uint64_t *p5 = parse_pow5[q - PARSE_Q_MIN];
	uint64_t lo, hi = mul_high(w, p5[0], &lo);
	/* Only the top MANT_BITS + 3 bits matter; when all bits below them
	 * are ones a carry from the next 64 bits of 5^Q could reach them. */
	const uint64_t below = UINT64_MAX >> (MANT_BITS + 3);
	if ((hi & below) == below) {
		uint64_t lo2, hi2 = mul_high(w, p5[1], &lo2);
		lo += hi2;
		if (hi2 > lo)
			hi++;
	}
	/* 5^Q is exact in the table for -27 <= Q <= 55; elsewhere a product
	 * whose low half is all ones may be a hair below a rounding edge. */
	if (lo == UINT64_MAX && (q < -27 || q > 55))
		return UNDECIDED;

	int upper = (int)(hi >> 63);
	int shift = upper + 64 - MANT_BITS - 3;
	uint64_t m = hi >> shift;
	/* floor(log2(10^Q)) = (217706 Q) >> 16 over the table's range */
	int p2 = (int)(((217706 * q) >> 16) + 63 + upper - lz + EXP_BIAS);
	if (p2 <= 0) {
		/* Subnormal (or zero).  Ties cannot occur here: a decimal
		 * exactly halfway between two subnormals needs more than 19
		 * digits. */
		if (-p2 + 1 >= 64)
			return 0;
		m >>= -p2 + 1;
		m += m & 1;
		m >>= 1;
		/* rounding up may have made it the smallest normal */
		p2 = m < (1ull << MANT_BITS) ? 0 : 1;
		return ((uint64_t)p2 << MANT_BITS) | m;
	}
	/* Exactly halfway (possible only where 5^Q and the product are
	 * exact): round to even, i.e. down when the kept bit is even. */
	if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << shift) == hi)
		m &= ~1ull;
	m += m & 1;
	m >>= 1;
	if (m >= (2ull << MANT_BITS)) {
		m = 1ull << MANT_BITS;
		p2++;
	}
	m &= ~(1ull << MANT_BITS);
	if (p2 >= EXP_INF)
		return (uint64_t)EXP_INF << MANT_BITS;
	return ((uint64_t)p2 << MANT_BITS) | m;
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The eight bytes at P are all ASCII digits (fast_float's test). */
static inline bool eight_digits(const char *p, uint64_t *v)
{
	memcpy(v, p, 8);
	return !(((*v + 0x4646464646464646ull) | (*v - 0x3030303030303030ull)) & 0x8080808080808080ull);
}

/* Their value, first digit most significant (little-endian loads), in
 * three multiplies instead of eight (fast_float). */
static inline uint64_t eight_value(uint64_t v)
{
	const uint64_t mask = 0x000000FF000000FFull;
	const uint64_t mul1 = 0x000F424000000064ull;   /* 100 + (1000000 << 32) */
	const uint64_t mul2 = 0x0000271000000001ull;   /* 1 + (10000 << 32) */
	v -= 0x3030303030303030ull;
	v = v * 10 + (v >> 8);
	return (((v & mask) * mul1) + (((v >> 16) & mask) * mul2)) >> 32;
}

/* The value read: -1^NEG * W * 10^Q, W exact unless TRUNCATED (then the
 * value is above W * 10^Q and below (W + 1) * 10^Q). */
struct decimal {
	uint64_t w;
	int64_t q;
	bool neg, truncated;
};

/* After the mantissa at *PP: an optional exponent [eE][+-]?D+, into *E. */
static inline int scan_exponent(const char **pp, const char *end, int64_t *e)
{
	const char *p = *pp;
	*e = 0;
	if (p == end || (*p != 'e' && *p != 'E'))
		return 0;
	p++;
	bool neg = false;
	if (p < end && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++;
	}
	if (p == end || !is_digit(*p))
		return -1;
	/* Saturate at 10^15: past it only 0 and inf remain, unless the
	 * digit count (at most LEN) cancels it, i.e. for a petabyte of
	 * digits. */
	int64_t v = 0;
	for (; p < end && is_digit(*p); p++)
		if (v < 1000000000000000)
			v = v * 10 + (*p - '0');
	*e = neg ? -v : v;
	*pp = p;
	return 0;
}

/*
 * The mantissa digit by digit, keeping the first MAX_DIGITS significant
 * ones: for inputs with more digits than that (leading zeros included),
 * which scan() hands over.
 */
static int scan_long(const char *p, const char *end, struct decimal *d)
{
	uint64_t w = 0;
	int ndigits = 0;
	bool truncated = false;
	int64_t adj = 0;
	const char *digits = p;
	for (; p < end && is_digit(*p); p++) {
		unsigned c = (unsigned)(*p - '0');
		if (w == 0 && c == 0)
			continue;               /* leading zero */
		if (ndigits < MAX_DIGITS) {
			w = w * 10 + c;
			ndigits++;
		} else {
			adj++;
			truncated |= c != 0;
		}
	}
	size_t nint = (size_t)(p - digits);
	size_t nfrac = 0;
	if (p < end && *p == '.') {
		const char *frac = ++p;
		for (; p < end && is_digit(*p); p++) {
			unsigned c = (unsigned)(*p - '0');
			if (w == 0 && c == 0) {
				adj--;
			} else if (ndigits < MAX_DIGITS) {
				w = w * 10 + c;
				ndigits++;
				adj--;
			} else {
				truncated |= c != 0;
			}
		}
		nfrac = (size_t)(p - frac);
	}
	int64_t e;
	if (nint + nfrac == 0 || scan_exponent(&p, end, &e) < 0 || p != end)
		return -1;
	d->w = w;
	d->q = e + adj;
	d->truncated = truncated;
	return 0;
}

/*
 * S[0..LEN) into D, or -1 when it is not of the grammar (parse_double.h).
 * The common case, at most 19 digits in all, without a test per digit:
 * they cannot overflow W; eight at a time where eight are there.
 */
static inline int scan(const char *s, size_t len, struct decimal *d)
{
	const char *p = s, *end = s + len;
	d->neg = false;
	if (p < end && (*p == '+' || *p == '-')) {
		d->neg = *p == '-';
		p++;
	}
	const char *mant = p;
	uint64_t w = 0, v8;
	while (end - p >= 8 && eight_digits(p, &v8)) {
		w = w * 100000000 + eight_value(v8);
		p += 8;
	}
	for (; p < end && is_digit(*p); p++)
		w = w * 10 + (uint64_t)(*p - '0');
	int64_t ndigits = p - mant, nfrac = 0;
	if (p < end && *p == '.') {
		const char *frac = ++p;
		while (end - p >= 8 && eight_digits(p, &v8)) {
			w = w * 100000000 + eight_value(v8);
			p += 8;
		}
		for (; p < end && is_digit(*p); p++)
			w = w * 10 + (uint64_t)(*p - '0');
		nfrac = p - frac;
		ndigits += nfrac;
	}
	if (ndigits > MAX_DIGITS)
		return scan_long(mant, end, d);   /* W wrapped: read again */
	int64_t e;
	if (ndigits == 0 || scan_exponent(&p, end, &e) < 0 || p != end)
		return -1;
	d->w = w;
	d->q = e - nfrac;
	d->truncated = false;
	return 0;
}

int tdp_parse_double(const char *s, size_t len, double *out)
{
	struct decimal d;
	if (scan(s, len, &d) < 0)
		return -1;

	double v;
	if (d.w == 0) {
		v = 0.0;
		goto done;
	}
	if (!d.truncated && d.q >= -22 && d.q <= 22 && d.w <= (1ull << 53)) {
		v = (double)d.w;
		v = d.q < 0 ? v / exact_pow10[-d.q] : v * exact_pow10[d.q];
		goto done;
	}
	uint64_t bits;
	if (d.q < PARSE_Q_MIN) {
		bits = 0;               /* < 10^19 * 10^-343, under half the least subnormal */
	} else if (d.q > PARSE_Q_MAX) {
		bits = (uint64_t)EXP_INF << MANT_BITS;   /* >= 10^309 */
	} else {
		bits = eisel_lemire(d.w, (int)d.q);
		if (bits != UNDECIDED && d.truncated && eisel_lemire(d.w + 1, (int)d.q) != bits)
			bits = UNDECIDED;
	}
	if (bits == UNDECIDED)
		return tdp_parse_double_glibc(s, len, out);
	memcpy(&v, &bits, sizeof(v));
done:
	*out = d.neg ? -v : v;
	return 0;
}
#endif
