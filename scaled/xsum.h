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
 *
 * Only the limbs [lo, hi] that values have reached are kept: the others
 * are zero and not even stored (init writes nothing else, an add widens
 * the range and zeroes the limbs it gains).  The sums of a window's
 * persistence span a few limbs of the 67, so normalizing and rounding
 * them costs a few limb operations, not 67 (tdp_xsum_value was a quarter
 * of `tdapipe persistence --summary`); and the rounded value is kept
 * until the next add or sub.  Normalized, limbs lo..hi-1 are in
 * [0, 2^32) and limb hi carries the sign (in [-2^31, 2^31) unless hi is
 * the top limb).
 */
#ifndef TDP_XSUM_H
#define TDP_XSUM_H

#include <stdint.h>
#include <string.h>

#define TDP_XSUM_LIMBS 67			/* 66 for bits 0..2111, 1 for carries and sign */
#define TDP_XSUM_NORM_EVERY (UINT32_C(1) << 29)	/* operations between normalizations */

struct tdp_xsum {
	int64_t limb[TDP_XSUM_LIMBS];		/* only [lo, hi] are meaningful */
	uint32_t pending;			/* add/sub since the last normalization */
	int lo, hi;				/* the limbs in use; lo > hi: none (zero) */
	int fresh;				/* `value` is the rounded sum */
	double value;
};

/* Make S the empty sum (zero).  O(1). */
void tdp_xsum_init(struct tdp_xsum *s);

/* S += X and S -= X, exactly, in O(1).  X should be finite (any sign,
 * subnormals included).  An infinity counts as +-2^1024 and a NaN as
 * some number above that in magnitude: the value then reads +-INFINITY
 * (or a wrong finite value if opposite non-finites meet) until the same X
 * is subtracted again, which cancels it exactly.  No input is unsafe.
 * Inline (below): they run at every death change of a sliding window. */
static inline void tdp_xsum_add(struct tdp_xsum *s, double x);
static inline void tdp_xsum_sub(struct tdp_xsum *s, double x);

/* The exact sum rounded to the nearest double, ties to even (subnormal
 * results included); zero is +0.0; a sum beyond the double range is
 * +-INFINITY.  O(hi - lo), O(1) when nothing was added or subtracted since
 * the last call; normalizes S and keeps the value, which is why S is not
 * const, but never changes the sum it holds. */
double tdp_xsum_value(struct tdp_xsum *s);

/* ------------------------------------------------ inline add and sub */

/* For the inline functions below only. */
void tdp_xsum_normalize_(struct tdp_xsum *s);	/* carries, see xsum.c */
void tdp_xsum_widen_(struct tdp_xsum *s, int idx);	/* bring limbs idx..idx+2 into use */

/* A double's magnitude in units of 2^-1074 is V << (32 IDX), V below
 * 2^84: its three 32-bit pieces LO, MID, HI go to limbs IDX..IDX+2.  The
 * sign comes separately so that add and sub share this. */
struct tdp_xsum_piece_ {
	int64_t lo, mid, hi;
	int idx;
	int neg;
};

static inline struct tdp_xsum_piece_ tdp_xsum_split_(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof(u));
	uint64_t m = u & ((UINT64_C(1) << 52) - 1);
	unsigned bexp = (unsigned)(u >> 52) & 0x7ff;
	unsigned pos = 0;			/* bit position of M's bit 0 */
	if (bexp != 0) {			/* normal: implicit bit; subnormal: pos 0 */
		m |= UINT64_C(1) << 52;
		pos = bexp - 1;
	}
	unsigned __int128 v = (unsigned __int128)m << (pos % 32);
	return (struct tdp_xsum_piece_){
		.lo = (int64_t)(uint32_t)v,
		.mid = (int64_t)(uint32_t)(v >> 32),
		.hi = (int64_t)(uint64_t)(v >> 64),
		.idx = (int)(pos / 32),
		.neg = (int)(u >> 63),
	};
}

/* Count one operation; normalize before the limbs' headroom runs out. */
static inline void tdp_xsum_count_op_(struct tdp_xsum *s)
{
	if (__builtin_expect(++s->pending >= TDP_XSUM_NORM_EVERY, 0)) {
		tdp_xsum_normalize_(s);
		s->pending = 0;
	}
}

/* Add P, negated if NEG.  Without a branch on the sign: sums of mixed
 * signs would mispredict it half the time, which costs more than the
 * rest of the operation (4.6 -> 2.4 ns).  The empty asm statements keep
 * the three limb updates scalar: gcc otherwise merges two of them into
 * one 16-byte load and store, which the CPU cannot forward from the
 * previous call's 8-byte stores when consecutive values share limbs at
 * another alignment, the common case of similar magnitudes (3.2 -> 2.4 ns). */
static inline void tdp_xsum_add_piece_(struct tdp_xsum *s, struct tdp_xsum_piece_ p, int neg)
{
	if (__builtin_expect(p.idx < s->lo || p.idx + 2 > s->hi, 0))
		tdp_xsum_widen_(s, p.idx);
	s->fresh = 0;
	int64_t *l = s->limb + p.idx;
	int64_t flip = -(int64_t)neg;		/* 0 or all ones: (v ^ flip) - flip is +-v */
	l[0] += (p.lo ^ flip) - flip;
	__asm__("" ::: "memory");
	l[1] += (p.mid ^ flip) - flip;
	__asm__("" ::: "memory");
	l[2] += (p.hi ^ flip) - flip;
	tdp_xsum_count_op_(s);
}

static inline void tdp_xsum_add(struct tdp_xsum *s, double x)
{
	struct tdp_xsum_piece_ p = tdp_xsum_split_(x);
	tdp_xsum_add_piece_(s, p, p.neg);
}

static inline void tdp_xsum_sub(struct tdp_xsum *s, double x)
{
	struct tdp_xsum_piece_ p = tdp_xsum_split_(x);
	tdp_xsum_add_piece_(s, p, !p.neg);
}

#endif
