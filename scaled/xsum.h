/*
 * xsum.h - an exact accumulator of IEEE doubles (a "superaccumulator").
 *
 * Keeps a sum that is never rounded while values are added and removed in
 * any order, so a sliding window's total persistence stays exact however
 * long the stream runs: a running double would drift (1e16 + 1 - 1e16 is
 * 0 in doubles) and the drift never goes away.  Only tdp_xsum_value()
 * rounds, once, to the nearest double.
 *
 * Representation: fixed point in units of 2^-1074 (the smallest
 * subnormal), limb i holding 32 bits of weight 2^(32 i - 1074) in an
 * int64_t.  A finite double occupies bits 0..2097, limbs 0..65; limb 66
 * takes only carries and the sign.  Adding or subtracting a double touches
 * at most 3 limbs and lets them leave [0, 2^32); the 31 spare bits of
 * each limb absorb that until the next carry normalization, which add/sub
 * run every TDP_XSUM_NORM_EVERY operations (counted in `pending`).
 */
#ifndef TDP_XSUM_H
#define TDP_XSUM_H

#include <stdint.h>

#define TDP_XSUM_LIMBS 67			/* 66 for bits 0..2111, 1 for carries and sign */
#define TDP_XSUM_NORM_EVERY (UINT32_C(1) << 29)	/* operations between normalizations */

struct tdp_xsum {
	int64_t limb[TDP_XSUM_LIMBS];
	uint32_t pending;			/* add/sub since the last normalization */
};

/* Make S the empty sum (zero). */
void tdp_xsum_init(struct tdp_xsum *s);

/* S += X and S -= X, exactly, in O(1).  X should be finite (any sign,
 * subnormals included).  An infinity counts as +-2^1024 and a NaN as
 * some number above that in magnitude: the value then reads +-INFINITY
 * (or a wrong finite value if opposite non-finites meet) until the same X
 * is subtracted again, which cancels it exactly.  No input is unsafe. */
void tdp_xsum_add(struct tdp_xsum *s, double x);
void tdp_xsum_sub(struct tdp_xsum *s, double x);

/* The exact sum rounded to the nearest double, ties to even (subnormal
 * results included); zero is +0.0; a sum beyond the double range is
 * +-INFINITY.  O(TDP_XSUM_LIMBS); normalizes S, which is why S is not
 * const, but never changes the sum it holds. */
double tdp_xsum_value(struct tdp_xsum *s);

#endif
