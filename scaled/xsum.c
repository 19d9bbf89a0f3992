/*
 * xsum.c - the exact double accumulator: O(1) add/sub on a fixed-point
 * number of 32-bit limbs, carries deferred; one correctly rounded
 * conversion back to double when the value is read.
 *
 * Every double is an integer multiple of 2^-1074, so a fixed-point sum in
 * those units is exact; the only rounding is the final one in
 * tdp_xsum_value(), done by the hardware's int-to-double conversion on
 * the top 64 bits of the magnitude with everything below folded into a
 * sticky bit.  Add and sub are inline in xsum.h; their rare slow paths
 * (widening the limbs in use, normalizing) are here.
 */
#include "scaled/xsum.h"

#include <math.h>
#include <string.h>

#define LIMB_BITS 32
#define LIMB_MASK ((int64_t)0xffffffff)
#define TOP (TDP_XSUM_LIMBS - 1)

/* Between normalizations every limb starts in [0, 2^32) and each add/sub
 * moves it by less than 2^32, so it stays below 2^32 (N + 1) in magnitude:
 * that must fit in an int64_t with room for the carry it then receives. */
_Static_assert((UINT64_C(1) << 32) * ((uint64_t)TDP_XSUM_NORM_EVERY + 2) < (UINT64_C(1) << 62),
	       "TDP_XSUM_NORM_EVERY leaves no headroom in a limb");
/* The top bit of a finite double's significand is bit 2097 (limb 65), an
 * infinity's or NaN's bit 2098: both leave limb TOP to the carries. */
_Static_assert(TOP * LIMB_BITS > 2098, "TDP_XSUM_LIMBS too small for a double");

/* Propagate carries so that limbs lo..hi-1 are in [0, 2^32) and limb hi
 * carries the rest, sign included; widen hi while that rest is outside
 * [-2^31, 2^31) (so that it has the same headroom as the others until the
 * next normalization), and drop zero limbs at both ends.  The sum is
 * unchanged. */
void tdp_xsum_normalize_(struct tdp_xsum *s)
{
	int64_t *limb = s->limb;
	int lo = s->lo, hi = s->hi;
	if (lo > hi)
		return;
	for (int i = lo; i < hi; i++) {
		int64_t carry = limb[i] >> LIMB_BITS;	/* floor: gcc shifts arithmetically */
		limb[i] &= LIMB_MASK;
		limb[i + 1] += carry;
	}
	while (hi < TOP && (limb[hi] < -(INT64_C(1) << 31) || limb[hi] >= (INT64_C(1) << 31))) {
		limb[hi + 1] = limb[hi] >> LIMB_BITS;
		limb[hi] &= LIMB_MASK;
		hi++;
	}
	/* A zero top limb leaves a nonnegative one below it, which reads the
	 * same as the new top. */
	while (hi > lo && limb[hi] == 0)
		hi--;
	while (lo < hi && limb[lo] == 0)
		lo++;
	if (lo == hi && limb[lo] == 0)
		lo = TDP_XSUM_LIMBS, hi = -1;
	s->lo = lo;
	s->hi = hi;
}

/* Bring limbs IDX..IDX+2 into the range in use, zeroing the ones it gains. */
void tdp_xsum_widen_(struct tdp_xsum *s, int idx)
{
	int lo = s->lo, hi = s->hi;
	if (lo > hi) {
		lo = idx;
		hi = idx - 1;
	}
	for (int i = idx; i < lo; i++)
		s->limb[i] = 0;
	for (int i = hi + 1; i <= idx + 2; i++)
		s->limb[i] = 0;
	s->lo = idx < lo ? idx : lo;
	s->hi = idx + 2 > hi ? idx + 2 : hi;
}

void tdp_xsum_init(struct tdp_xsum *s)
{
	s->pending = 0;
	s->lo = TDP_XSUM_LIMBS;
	s->hi = -1;
	s->fresh = 1;
	s->value = 0.0;
}

/* The nonnegative normalized magnitude in L[lo..hi] (lower limbs zero; L[hi]
 * below 2^32) rounded to the nearest double, ties to even.  The top 64
 * significant bits go to the hardware conversion with a sticky bit for all
 * the rest: 64 > 53 + 2, so the sticky bit lies below the rounding bit and
 * decides only ties, as it must.  ldexp() then scales exactly, or
 * overflows to INFINITY exactly when the rounded value reaches 2^1024.
 * Subnormal results cannot suffer double rounding: a magnitude below
 * 2^-1022 is below 2^52 units, converts exactly, and ldexp() lands on a
 * subnormal that represents it exactly. */
static double round_magnitude(const int64_t *l, int lo, int hi)
{
	while (hi >= lo && l[hi] == 0)
		hi--;
	if (hi < lo)
		return 0.0;
	/* the three top limbs; bit 0 of W weighs 2^(32 (hi - 2)) units */
	unsigned __int128 w = (unsigned __int128)(uint64_t)l[hi] << 64;
	if (hi - 1 >= lo)
		w |= (unsigned __int128)(uint64_t)l[hi - 1] << 32;
	if (hi - 2 >= lo)
		w |= (uint64_t)l[hi - 2];
	int sh = 32 + __builtin_clz((unsigned)l[hi]);	/* brings W's top bit to 127 */
	w <<= sh;
	uint64_t top = (uint64_t)(w >> 64);
	int sticky = (uint64_t)w != 0;
	for (int i = hi - 3; i >= lo && !sticky; i--)
		sticky = l[i] != 0;
	int exp = LIMB_BITS * (hi - 2) + 64 - sh - 1074;	/* weight of TOP's bit 0 */
	return ldexp((double)(top | (uint64_t)sticky), exp);
}

double tdp_xsum_value(struct tdp_xsum *s)
{
	if (s->fresh)
		return s->value;
	tdp_xsum_normalize_(s);
	s->pending = 0;
	double v;
	int lo = s->lo, hi = s->hi;
	if (lo > hi) {
		v = 0.0;
	} else if (s->limb[hi] >= 0) {
		v = hi == TOP && s->limb[TOP] != 0 ? INFINITY	/* at least 2^2112 units = 2^1038 */
			: round_magnitude(s->limb, lo, hi);
	} else {
		/* The magnitude: the two's complement of limbs lo..hi, normalized. */
		int64_t mag[TDP_XSUM_LIMBS];
		int64_t carry = 0;
		for (int i = lo; i < hi; i++) {
			int64_t m = -s->limb[i] + carry;
			carry = m >> LIMB_BITS;
			mag[i] = m & LIMB_MASK;
		}
		mag[hi] = -s->limb[hi] + carry;
		v = hi == TOP && mag[TOP] != 0 ? -INFINITY : -round_magnitude(mag, lo, hi);
	}
	s->value = v;
	s->fresh = 1;
	return v;
}
