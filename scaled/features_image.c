/*
 * features_image.c - persistence images, GUDHI's PersistenceImage (see
 * features.h for the definition and the pixel order).
 *
 * GUDHI evaluates exp(-(dx^2 + dy^2) / (2 bw^2)) at every pixel of every
 * point; here exp(-dx^2 / (2 bw^2)) * exp(-dy^2 / (2 bw^2)), one exp per
 * column and one per row.  That moves the rounding of the argument: a
 * relative error of a few ulps in an argument of size A is A times that
 * in the value, and A < 746 wherever the value is not 0, so the two agree
 * within ~3 * 746 roundings (2^-53 each), 2.5e-13, GUDHI's own error from the exact value
 * being of the same size.  Below ~1e-308 (subnormal) relative precision
 * goes for both: the oracle allows 1e-300 absolutely.
 */
#include "scaled/features.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The factors are kept times 2^480 each, their products and sums times
 * 2^960, and the sum scaled back at the end.  A power of two changes no
 * rounding while everything stays normal, so those pixels are the bits
 * of the unscaled sum; but products below 2^-1022 (a Gaussian's far
 * tail, which at a small bandwidth is most of an image) are subnormal
 * unscaled, and x86 adds subnormals ~100 times slower.  Scaled, they are
 * normal and a pixel made of them is rounded once, at the end.  Sums stay
 * below n 2^960, far from overflow.
 */
#define FACTOR_SCALE 0x1p480
#define SUM_UNSCALE 0x1p-960

/*
 * The memo: per axis, a direct-mapped table of rows keyed by the bits of
 * the value (a birth for x, a persistence for y), each row the factors
 * exp(-(v - g_k)^2 / (2 bw^2)) 2^480 over the axis' grid g, and the span
 * [a, z) of the factors that are not 0.  A row is only ever what that
 * expression gives for its key, so hits and misses give the same bits.
 */
struct memo_axis {
	uint32_t len;         /* grid points */
	uint32_t slots;       /* a power of two, */
	uint32_t shift;       /* 64 - its log2: the slot is the top bits of a product */
	double *grid;         /* len */
	uint64_t *key;        /* slots: the value's bits */
	uint8_t *used;        /* slots */
	uint32_t *span;       /* slots * 2: a, z */
	double *rows;         /* slots * len */
};

struct image_memo {
	double twice_var, norm;
	uint32_t rx, ry;
	struct memo_axis x, y;
};

static int axis_init(struct memo_axis *a, double lo, double hi, uint32_t len, size_t bytes)
{
	size_t per = (size_t)len * sizeof(double) + sizeof(uint64_t) + 1 + 2 * sizeof(uint32_t);
	uint32_t slots = 1;
	while ((size_t)slots * 2 * per <= bytes && slots < (1u << 20))
		slots *= 2;
	a->len = len;
	a->slots = slots;
	a->shift = 64;
	for (uint32_t t = slots; t > 1; t >>= 1)
		a->shift--;
	a->grid = malloc((size_t)len * sizeof(double));
	a->key = calloc(slots, sizeof(uint64_t));
	a->used = calloc(slots, 1);
	a->span = calloc((size_t)slots * 2, sizeof(uint32_t));
	a->rows = malloc((size_t)slots * len * sizeof(double));
	if (!a->grid || !a->key || !a->used || !a->span || !a->rows)
		return -1;
	for (uint32_t k = 0; k < len; k++)
		a->grid[k] = features_grid(lo, hi, len, k);
	return 0;
}

static void axis_fini(struct memo_axis *a)
{
	free(a->grid);
	free(a->key);
	free(a->used);
	free(a->span);
	free(a->rows);
}

struct image_memo *image_memo_new(double bw, uint32_t rx, uint32_t ry, const double range[4], size_t max_bytes)
{
	struct image_memo *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->twice_var = 2 * (bw * bw);
	m->norm = bw * bw * 2 * M_PI;
	m->rx = rx;
	m->ry = ry;
	if (axis_init(&m->x, range[0], range[1], rx, max_bytes / 2) < 0 ||
	    axis_init(&m->y, range[2], range[3], ry, max_bytes / 2) < 0) {
		image_memo_free(m);
		return NULL;
	}
	return m;
}

void image_memo_free(struct image_memo *m)
{
	if (!m)
		return;
	axis_fini(&m->x);
	axis_fini(&m->y);
	free(m);
}

/* The row of V's factors, and its span of factors not 0 in *A, *Z. */
static const double *axis_row(struct memo_axis *ax, double twice_var, double v, uint32_t *a, uint32_t *z)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	/* Fibonacci hashing: the product's top bits depend on all of the
	 * key's.  (Its middle bits, which this took before, miss the top of
	 * a double's: values of a few decimals collided for half the
	 * lookups.)  A shift by 64, one slot, is taken as 0. */
	uint32_t s = ax->shift < 64 ? (uint32_t)((bits * 0x9E3779B97F4A7C15ull) >> ax->shift) : 0;
	double *row = ax->rows + (size_t)s * ax->len;
	if (!ax->used[s] || ax->key[s] != bits) {
		uint32_t lo = ax->len, hi = 0;
		for (uint32_t k = 0; k < ax->len; k++) {
			double d = v - ax->grid[k];
			row[k] = exp(-(d * d) / twice_var) * FACTOR_SCALE;
			if (row[k] != 0) {
				if (lo == ax->len)
					lo = k;
				hi = k + 1;
			}
		}
		ax->key[s] = bits;
		ax->used[s] = 1;
		ax->span[2 * s] = lo;
		ax->span[2 * s + 1] = hi;
	}
	*a = ax->span[2 * s];
	*z = ax->span[2 * s + 1];
	return row;
}

/*
 * ROW[i] += EX[i] * E for i in [A, Z): two pixels a vector (SSE2's
 * width, baseline x86-64), two vectors a turn, each pixel rounded as
 * the scalar loop rounds it (a product, then a sum; no fused
 * multiply-add without -mfma).  Most of an image's time, ~15 pixels a
 * row.
 */
typedef double v2d __attribute__((vector_size(16)));

static inline void add_scaled(double *row, const double *ex, double e, uint32_t a, uint32_t z)
{
	v2d ev = { e, e };
	uint32_t i = a;
	for (; i + 4 <= z; i += 4) {
		v2d x0, x1, r0, r1;
		memcpy(&x0, ex + i, sizeof(x0));
		memcpy(&x1, ex + i + 2, sizeof(x1));
		memcpy(&r0, row + i, sizeof(r0));
		memcpy(&r1, row + i + 2, sizeof(r1));
		r0 += x0 * ev;
		r1 += x1 * ev;
		memcpy(row + i, &r0, sizeof(r0));
		memcpy(row + i + 2, &r1, sizeof(r1));
	}
	for (; i + 2 <= z; i += 2) {
		v2d x, r;
		memcpy(&x, ex + i, sizeof(x));
		memcpy(&r, row + i, sizeof(r));
		r += x * ev;
		memcpy(row + i, &r, sizeof(r));
	}
	if (i < z)
		row[i] += ex[i] * e;
}

/* Per interval, per row j, per column i: each pixel sums its terms in
 * interval order, whatever the memo held. */
void features_image_memo(struct image_memo *m, const struct tdp_interval *iv, size_t n, double *out)
{
	uint32_t rx = m->rx, ry = m->ry;
	for (size_t k = 0; k < (size_t)rx * ry; k++)
		out[k] = 0;
	for (size_t p = 0; p < n; p++) {
		if (!features_finite(&iv[p]))
			continue;
		double b = iv[p].birth, pers = iv[p].death - iv[p].birth;
		uint32_t a, z, ya, yz;
		const double *ex = axis_row(&m->x, m->twice_var, b, &a, &z);
		if (a >= z)
			continue;
		const double *ey = axis_row(&m->y, m->twice_var, pers, &ya, &yz);
		for (uint32_t j = ya; j < yz; j++) {
			double e = ey[j];
			if (e == 0)
				continue;
			add_scaled(out + (size_t)j * rx, ex, e, a, z);
		}
	}
	for (size_t k = 0; k < (size_t)rx * ry; k++)
		out[k] = out[k] * SUM_UNSCALE / m->norm;
}

int features_image(const struct tdp_interval *iv, size_t n, double bw, uint32_t rx, uint32_t ry,
		   const double range[4], double *out)
{
	/* a memo of one row per axis: every interval computes its own */
	struct image_memo *m = image_memo_new(bw, rx, ry, range, 0);
	if (!m)
		return -1;
	features_image_memo(m, iv, n, out);
	image_memo_free(m);
	return 0;
}
