/*
 * parse_double.c - correctly rounded decimal -> double, without strtod on
 * the common path.
 *
 * Four steps, each exact where it answers (after fast_float, Lemire,
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
 *  4. What is left undecided (those rare products, and a truncated W
 *     whose two bounds round apart, e.g. a long exactly-halfway
 *     mantissa) is decided exactly in big-integer arithmetic: the
 *     decimal against the midpoints around the Eisel-Lemire candidate
 *     (decide()).  Slow (microseconds) and only for such inputs.
 *
 * glibc's strtod on a NUL-terminated copy is still behind decide(), for
 * big integers that would not fit: that cannot happen for input of the
 * grammar (the sizes are bounded; the tests never reach it).
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
 * original guard for the undecidable product kept; without GUARD the
 * answer there is at most one double off (a candidate for decide()).
 */
static uint64_t eisel_lemire(uint64_t w, int q, bool guard)
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
	if (guard && lo == UINT64_MAX && (q < -27 || q > 55))
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
	const char *mant;        /* the first digit or '.', after the sign */
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
static inline __attribute__((always_inline)) int scan(const char *s, size_t len, struct decimal *d)
{
	const char *p = s, *end = s + len;
	if (len == 0)
		return -1;
	/* without a branch: signs come in any mix */
	d->neg = *p == '-';
	p += *p == '-' || *p == '+';
	const char *mant = p;
	d->mant = mant;
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

/*
 * The exact decision, for what Eisel-Lemire leaves open: a candidate B0
 * is at most one double away from the answer, so comparing the decimal
 * value D with the midpoints between B0 and its neighbours in big-integer
 * arithmetic settles it (the idea of fast_float's digit_comp; Clinger,
 * "How to read floating point numbers accurately", PLDI 1990, algorithm
 * R).  D keeps its first BIG_DIGITS significant digits and whether any
 * later one is nonzero: a midpoint has at most 767 significant digits,
 * so a comparison with the kept digits is only undecided when they equal
 * the midpoint, and then a nonzero digit further on makes D the larger.
 */
#define BIG_DIGITS 768
#define BIG_LIMBS 80                     /* 5120 bits; D and 5^1111 X need < 2700 */

struct big {
	int n;                           /* limbs in use, l[n - 1] != 0 unless n == 0 */
	uint64_t l[BIG_LIMBS];           /* least significant first */
};

static bool big_mul_add(struct big *b, uint64_t m, uint64_t a)
{
	uint64_t carry = a;
	for (int i = 0; i < b->n; i++) {
		unsigned __int128 p = (unsigned __int128)b->l[i] * m + carry;
		b->l[i] = (uint64_t)p;
		carry = (uint64_t)(p >> 64);
	}
	if (carry) {
		if (b->n == BIG_LIMBS)
			return false;
		b->l[b->n++] = carry;
	}
	return true;
}

static bool big_mul_pow5(struct big *b, int64_t k)
{
	static const uint64_t pow5_27 = 7450580596923828125ull;   /* the largest power < 2^64 */
	uint64_t p = 1;
	for (; k >= 27; k -= 27)
		if (!big_mul_add(b, pow5_27, 0))
			return false;
	for (; k > 0; k--)
		p *= 5;
	return big_mul_add(b, p, 0);
}

static bool big_shl(struct big *b, int64_t bits)
{
	if (b->n == 0 || bits == 0)
		return true;
	int64_t words = bits / 64;
	int r = (int)(bits % 64);
	if (b->n + words + 1 > BIG_LIMBS)
		return false;
	uint64_t top = r ? b->l[b->n - 1] >> (64 - r) : 0;
	for (int i = b->n - 1; i >= 0; i--) {
		uint64_t v = b->l[i] << r;
		if (r && i > 0)
			v |= b->l[i - 1] >> (64 - r);
		b->l[i + words] = v;
	}
	for (int64_t i = 0; i < words; i++)
		b->l[i] = 0;
	b->n += (int)words;
	if (top)
		b->l[b->n++] = top;
	return true;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (int i = a->n - 1; i >= 0; i--)
		if (a->l[i] != b->l[i])
			return a->l[i] < b->l[i] ? -1 : 1;
	return 0;
}

/* The kept digits of a decimal: D = DIGITS * 10^K, plus STICKY. */
struct exact {
	struct big digits;
	int64_t k;
	bool sticky;
};

/* Read the mantissa at P (up to END, grammar already checked) into X. */
static bool exact_read(const char *p, const char *end, struct exact *x)
{
	x->digits.n = 0;
	x->k = 0;
	x->sticky = false;
	int kept = 0, chunk_n = 0;
	uint64_t chunk = 0;
	bool started = false, frac = false;
	for (; p < end; p++) {
		if (*p == '.') {
			frac = true;
			continue;
		}
		if (!is_digit(*p))
			break;
		unsigned c = (unsigned)(*p - '0');
		if (!started && c == 0) {
			x->k -= frac;           /* a leading zero after the point */
			continue;
		}
		started = true;
		if (kept < BIG_DIGITS) {
			chunk = chunk * 10 + c;
			if (++chunk_n == 19) {
				if (!big_mul_add(&x->digits, 10000000000000000000ull, chunk))
					return false;
				chunk = 0;
				chunk_n = 0;
			}
			kept++;
			x->k -= frac;
		} else {
			x->k += !frac;
			x->sticky |= c != 0;
		}
	}
	uint64_t scale = 1;
	for (int i = 0; i < chunk_n; i++)
		scale *= 10;
	if (chunk_n && !big_mul_add(&x->digits, scale, chunk))
		return false;
	int64_t e;
	scan_exponent(&p, end, &e);
	x->k += e;
	return true;
}

/* The value X * 2^F of a double's BITS (inf counts as 2^1024). */
static void double_parts(uint64_t bits, uint64_t *m, int *f)
{
	uint64_t ex = bits >> MANT_BITS, frac = bits & ((1ull << MANT_BITS) - 1);
	*m = ex ? frac | 1ull << MANT_BITS : frac;
	*f = (ex ? (int)ex : 1) - EXP_BIAS - MANT_BITS;
}

/* D against the midpoint of the adjacent doubles A and A + 1: -1, 0, 1;
 * 2 when the numbers would not fit (not expected: see BIG_LIMBS). */
static int cmp_midpoint(const struct exact *d, uint64_t a)
{
	uint64_t ma, mc;
	int fa, fc;
	double_parts(a, &ma, &fa);
	double_parts(a + 1, &mc, &fc);
	/* A + 1 may be the first of the next binade: one exponent more */
	uint64_t x = ma + (fc > fa ? 2 * mc : mc);
	int64_t f = fa - 1;             /* midpoint = X * 2^F */

	/* D = DIGITS 5^K 2^K against X 2^F, both sides integers. */
	struct big l = d->digits, r = { .n = 1, .l = { x } };
	int64_t sl = 0, sr = f;
	if (d->k >= 0) {
		if (!big_mul_pow5(&l, d->k))
			return 2;
		sl = d->k;
	} else {
		if (!big_mul_pow5(&r, -d->k))
			return 2;
		sr = f - d->k;
	}
	int64_t s = sl < sr ? sl : sr;
	if (!big_shl(&l, sl - s) || !big_shl(&r, sr - s))
		return 2;
	int c = big_cmp(&l, &r);
	return c == 0 && d->sticky ? 1 : c;
}

/*
 * The bits of the double nearest the decimal at MANT (sign aside), given
 * B0 at most one double from it; UNDECIDED only if the big integers
 * would overflow.
 */
static uint64_t decide(const char *mant, const char *end, uint64_t b0)
{
	struct exact d;
	if (!exact_read(mant, end, &d))
		return UNDECIDED;
	const uint64_t inf = (uint64_t)EXP_INF << MANT_BITS;
	if (b0 < inf) {
		int c = cmp_midpoint(&d, b0);
		if (c == 2)
			return UNDECIDED;
		if (c > 0 || (c == 0 && (b0 & 1)))
			return b0 + 1;
		if (c == 0)
			return b0;
	}
	if (b0 > 0) {
		int c = cmp_midpoint(&d, b0 - 1);
		if (c == 2)
			return UNDECIDED;
		if (c < 0 || (c == 0 && (b0 & 1)))
			return b0 - 1;
	}
	return b0;
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
		bits = eisel_lemire(d.w, (int)d.q, true);
		if (bits != UNDECIDED && d.truncated && eisel_lemire(d.w + 1, (int)d.q, true) != bits)
			bits = UNDECIDED;
		/* The candidate: W 10^Q rounded (unguarded Eisel-Lemire is
		 * exact for it: Mushtak and Lemire, "Fast number parsing
		 * without fallback", 2023; the guard above is the original
		 * paper's caution), at most one double from the value, as
		 * W 10^Q <= value < (W + 1) 10^Q and W >= 10^18 when cut. */
		if (bits == UNDECIDED)
			bits = decide(d.mant, s + len, eisel_lemire(d.w, (int)d.q, false));
	}
	if (bits == UNDECIDED)
		return tdp_parse_double_glibc(s, len, out);   /* not expected: see decide() */
	memcpy(&v, &bits, sizeof(v));
done:
	*out = d.neg ? -v : v;
	return 0;
}

/* decide() alone, from the candidate B0; see parse_double.h. */
int tdp_parse_double_decide(const char *s, size_t len, uint64_t b0, double *out)
{
	struct decimal d;
	if (scan(s, len, &d) < 0 || d.w == 0 || d.q < PARSE_Q_MIN || d.q > PARSE_Q_MAX ||
	    b0 > (uint64_t)EXP_INF << MANT_BITS)
		return -1;
	uint64_t bits = decide(d.mant, s + len, b0);
	if (bits == UNDECIDED)
		return -1;
	double v;
	memcpy(&v, &bits, sizeof(v));
	*out = d.neg ? -v : v;
	return 0;
}
#endif
