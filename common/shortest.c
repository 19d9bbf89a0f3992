/*
 * shortest.c - shortest round-trip digits of a double by Schubfach
 * (Raffaello Giulietti, "The Schubfach way to render doubles", 2020; the
 * algorithm of Java's Double.toString since JDK 19).
 *
 * Why Schubfach and not Ryu: both are exact and fast, but Schubfach needs
 * one 126-bit multiplier per decimal exponent (617 pairs, one table) where
 * Ryu needs two tables and a loop removing digits one or two at a time
 * with "trailing zeros" bookkeeping for the exact cases.  Schubfach decides
 * with at most two comparisons of three scaled products against integers,
 * which is less code to get wrong and to review.
 *
 * The idea: X = c 2^q has the rounding interval R = [c - 1/2, c + 1/2] 2^q
 * (open when c is odd: round-half-even sends the ends elsewhere; below a
 * power of two the lower half is 1/4).  Pick k with 10^k <= 2^q (one ulp
 * holds at least one multiple of 10^k): then the shortest decimals in R
 * are either one multiple of 10^(k+1) (the length one digit shorter; at
 * most one fits as the interval is narrower than 10^(k+1)), or else among
 * s 10^k and (s+1) 10^k, s = floor(X / 10^k).  The three bounds X, and the
 * ends of R, are scaled by 10^-k through the table's g(k) with the
 * product rounded to odd, which the paper proves keeps every comparison
 * with a multiple of 4 (the scaled bounds carry two extra bits) exact.
 *
 * Deviation from Java: Java prints at least two digits, so it skips the
 * one-digit-shorter test when s < 100 and scales the two smallest
 * subnormals by 10.  We want the true shortest (Python's repr), so the
 * test always runs, and those two subnormals are written out.
 */
#include "common/shortest.h"

#include <stdint.h>
#include <string.h>

#include "common/shortest_table.h"

#define P	53			/* significand bits, hidden bit included */
#define Q_MIN	(-1074)			/* exponent of the least subnormal */
#define C_MIN	(1ull << (P - 1))	/* least normal significand */
#define T_MASK	(C_MIN - 1)
#define MASK63	((1ull << 63) - 1)

/* floor(q log10(2)), floor(q log10(2) + log10(3/4)), floor(e log2(10)):
 * fixed-point forms from the paper (Java's MathUtils), valid (checked
 * exactly) well beyond the exponents of doubles.  gcc shifts negative
 * values arithmetically, which these rely on. */
static inline int flog10pow2(int q)
{
	return (int)(((int64_t)q * 661971961083LL) >> 41);
}

static inline int flog10threequarterspow2(int q)
{
	return (int)(((int64_t)q * 661971961083LL - 274743187321LL) >> 41);
}

static inline int flog2pow10(int e)
{
	return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/* g cp / 2^127 rounded to odd (its low bit set when the cut-off part is
 * nonzero), G = {g1, g0} the 126-bit g(k) split at bit 63, the way the
 * paper (and Java) computes it: the lowest 64 bits of g0 cp and the last
 * bit of g1 cp are not looked at.  That is part of the proof, not a
 * shortcut: it is what makes exact cases come out exact although every
 * g(k) is rounded up (+1), e.g. the tie 1125899906842624.25 between
 * ...4.2 and ...4.3 (an exact product would carry the +1 into the sticky
 * bit and pick ...4.3). */
static inline uint64_t rop(const uint64_t g[2], uint64_t cp)
{
	uint64_t x1 = (uint64_t)(((unsigned __int128)g[1] * cp) >> 64);
	unsigned __int128 y = (unsigned __int128)g[0] * cp;
	uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);
	uint64_t z = (y0 >> 1) + x1;
	uint64_t vbp = y1 + (z >> 63);
	return vbp | (((z & MASK63) + MASK63) >> 63);
}

/* The shortest decimal f 10^*K in the rounding interval of c 2^q, and
 * the closest to c 2^q of that length; f may end in zeros. */
static uint64_t schubfach(int q, uint64_t c, int *kout)
{
	uint64_t out = c & 1;	/* odd c: the interval's ends are excluded */
	uint64_t cb = c << 2, cbr = cb + 2, cbl;
	int k;
	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = flog10pow2(q);
	} else {
		/* just above a power of two the ulp below is half as wide */
		cbl = cb - 1;
		k = flog10threequarterspow2(q);
	}
	int h = q + flog2pow10(-k) + 2;
	const uint64_t *g = shortest_g[k - SHORTEST_K_MIN];
	uint64_t vb = rop(g, cb << h);
	uint64_t vbl = rop(g, cbl << h);
	uint64_t vbr = rop(g, cbr << h);

	uint64_t s = vb >> 2;
	*kout = k;
	/* one digit shorter: the multiples of 10 around s */
	uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
	int upin = vbl + out <= sp10 << 2;
	int wpin = (tp10 << 2) + out <= vbr;
	if (upin != wpin)
		return upin ? sp10 : tp10;

	uint64_t t = s + 1;
	int uin = vbl + out <= s << 2;
	int win = (t << 2) + out <= vbr;
	if (uin != win)
		return uin ? s : t;
	/* both in: the closer one, the even one on a tie */
	int64_t cmp = (int64_t)(vb - ((s + t) << 1));
	return cmp < 0 || (cmp == 0 && !(s & 1)) ? s : t;
}

static const char two_digits[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

int tdp_shortest(double x, char digits[18], int *e)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof(bits));
	uint64_t t = bits & T_MASK;
	int bq = (int)(bits >> (P - 1)) & 0x7ff;
	uint64_t f;
	int k = 0;

	digits[0] = '\0';
	*e = 0;
	if (bq == 0x7ff || (bq == 0 && t == 0))
		return 0;
	if (bq != 0) {
		int mq = -Q_MIN + 1 - bq;
		uint64_t c = C_MIN | t;
		/* an integer below 2^53: its own digits are the shortest (the
		 * interval is narrower than 1, no other integer is in it) */
		if (mq > 0 && mq < P && ((c >> mq) << mq) == c)
			f = c >> mq;
		else
			f = schubfach(-mq, c, &k);
	} else if (t >= 3) {
		f = schubfach(Q_MIN, t, &k);
	} else {
		/* 4.94e-324 is 5e-324, 9.88e-324 is 1e-323: one digit each,
		 * the closest of the one-digit decimals in the interval */
		f = t == 1 ? 5 : 1;
		k = t == 1 ? -324 : -323;
	}

	/* short decimals come out of schubfach() as up to 17 digits ending in
	 * zeros: strip them four at a time first */
	while (f % 10000 == 0) {
		f /= 10000;
		k += 4;
	}
	while (f % 10 == 0) {
		f /= 10;
		k++;
	}
	char tmp[20];
	char *p = tmp + sizeof(tmp);
	while (f >= 100) {
		p -= 2;
		memcpy(p, two_digits + 2 * (f % 100), 2);
		f /= 100;
	}
	if (f >= 10) {
		p -= 2;
		memcpy(p, two_digits + 2 * f, 2);
	} else {
		*--p = (char)('0' + f);
	}
	int n = (int)(tmp + sizeof(tmp) - p);
	memcpy(digits, p, (size_t)n);
	digits[n] = '\0';
	*e = k + n;
	return n;
}
