#include "scaled/features.h"

#include <math.h>
#include <stdlib.h>

#include "scaled/xsum.h"

void features_summary(const struct tdp_interval *iv, size_t n, struct feature_summary *out)
{
	struct tdp_xsum sum;
	tdp_xsum_init(&sum);
	*out = (struct feature_summary){0};
	for (size_t i = 0; i < n; i++) {
		if (isinf(iv[i].death)) {
			out->essential++;
			continue;
		}
		if (!features_finite(&iv[i]))
			continue;
		double l = iv[i].death - iv[i].birth;
		out->count++;
		tdp_xsum_add(&sum, l);
		if (l > out->max)
			out->max = l;
	}
	out->total = tdp_xsum_value(&sum);
	if (!out->count || !(out->total > 0))
		return;
	/* GUDHI: p = lifetime / sum, then -dot(p, log p). */
	double e = 0;
	for (size_t i = 0; i < n; i++) {
		if (!features_finite(&iv[i]))
			continue;
		double p = (iv[i].death - iv[i].birth) / out->total;
		if (p > 0)
			e -= p * log(p);   /* p ln p -> 0: a p that underflows adds nothing (GUDHI: NaN) */
	}
	out->entropy = e;
}

/* A grid with its step divided out once: grid_at() is features_grid()
 * without the division per point. */
struct grid {
	double lo, hi, delta, step;
	double inv;   /* 1 / step: where a value falls, roughly (first_past() walks from there) */
	uint32_t res;
};

static struct grid grid_make(double lo, double hi, uint32_t res)
{
	double delta = hi - lo, step = res < 2 ? 0 : delta / (double)(res - 1);
	return (struct grid){ lo, hi, delta, step, step != 0 ? 1 / step : NAN, res };
}

static inline double grid_at(const struct grid *g, uint32_t i)
{
	/* numpy: arange(num) * ((stop - start) / (num - 1)) + start, the last
	 * point set to stop; arange(num) / (num - 1) * (stop - start) + start
	 * when the step underflows to 0; 0 * (stop - start) + start for one
	 * point. */
	if (g->res < 2)
		return 0. * g->delta + g->lo;
	if (i + 1 == g->res)
		return g->hi;
	if (g->step == 0)
		return (double)i / (double)(g->res - 1) * g->delta + g->lo;
	return (double)i * g->step + g->lo;
}

double features_grid(double lo, double hi, uint32_t res, uint32_t i)
{
	struct grid g = grid_make(lo, hi, res);
	return grid_at(&g, i);
}

/*
 * Whether features_grid(LO, HI, RES, .) is nondecreasing, so that the
 * grid points inside an interval are an index range found by bisection.
 * For finite LO < HI with a finite difference, i * step + lo is a
 * product and a sum of nondecreasing terms, each rounded monotonically;
 * only the last point, HI itself rather than computed, needs a look.
 * Other grids (reversed, overflowing) take the plain O(RES n) loops.
 */
static int grid_sorted(double lo, double hi, uint32_t res)
{
	if (!(isfinite(lo) && isfinite(hi) && isfinite(hi - lo) && lo < hi))
		return 0;
	return res < 2 || features_grid(lo, hi, res, res - 2) <= hi;
}

/* The number of the M ascending values of A that are <= X (0 for a NaN X). */
static size_t count_le(const double *a, size_t m, double x)
{
	size_t l = 0, r = m;
	while (l < r) {
		size_t mid = l + (r - l) / 2;
		if (a[mid] <= x)
			l = mid + 1;
		else
			r = mid;
	}
	return l;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint32_t first_past(const struct grid *gr, double m, double lim, int strict);

/*
 * The Betti curve on a sorted grid: interval [b, d) counts at the grid
 * points from the first x_j >= b to the last x_j < d, an index range
 * found as the tents' are (x_j - v >= 0 iff x_j >= v: a difference
 * rounds to 0 only when exact).  Each interval adds 1 at the range's
 * start and takes 1 after its end (in OUT, modulo 2^64: the running
 * sums are the counts, never negative); one pass sums them up.  O(N +
 * RES), no sort.
 */
static void betti_sorted(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			 uint64_t *out)
{
	struct grid gr = grid_make(lo, hi, res);
	for (uint32_t j = 0; j < res; j++)
		out[j] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(iv[i].birth < iv[i].death))
			continue;
		uint32_t jb = first_past(&gr, iv[i].birth, 0, 0);
		uint32_t jd = first_past(&gr, iv[i].death, 0, 0);
		if (jb < res)
			out[jb]++;
		if (jd < res)
			out[jd]--;
	}
	uint64_t c = 0;
	for (uint32_t j = 0; j < res; j++)
		out[j] = c += out[j];
}

void features_betti(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
		    double *scratch, uint64_t *out)
{
	if (grid_sorted(lo, hi, res)) {
		betti_sorted(iv, n, lo, hi, res, out);
		return;
	}
	/* For birth < death, birth <= x < death iff birth <= x and not
	 * death <= x (death <= x implies birth <= x), so the count is
	 * #{birth <= x} - #{death <= x} over those intervals; the others
	 * (length 0, NaN) count nowhere, as in the definition. */
	double *births = scratch, *deaths = scratch + n;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(iv[i].birth < iv[i].death))
			continue;
		births[m] = iv[i].birth;
		deaths[m++] = iv[i].death;
	}
	qsort(births, m, sizeof(*births), cmp_double);
	qsort(deaths, m, sizeof(*deaths), cmp_double);
	/* Sweep an ascending grid; bisect again wherever it is not (a NaN
	 * point, a reversed range), AT being the x the counts are for. */
	size_t nb = 0, nd = 0;
	double at = NAN;
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j);
		if (!(x >= at)) {
			nb = count_le(births, m, x);
			nd = count_le(deaths, m, x);
		} else {
			while (nb < m && births[nb] <= x)
				nb++;
			while (nd < m && deaths[nd] <= x)
				nd++;
		}
		at = x;
		out[j] = nb - nd;
	}
}

/* The tent of interval V at X, as GUDHI computes it. */
static double tent(const struct tdp_interval *v, double x)
{
	double m = (v->birth + v->death) / 2., h = (v->death - v->birth) / 2.;
	double t = h - fabs(x - m);
	return t > 0 ? t : 0;
}

/* Whether x_J - M (rounded) is above LIM, or at least LIM when !STRICT. */
static inline int past(const struct grid *gr, double m, double lim, int strict, uint32_t j)
{
	double d = grid_at(gr, j) - m;
	return strict ? d > lim : d >= lim;
}

/* The first j in [0, RES) that is past(), RES if none.  The grid is
 * nondecreasing, so is x_j - M: past() is monotone in j. */
static uint32_t first_past(const struct grid *gr, double m, double lim, int strict)
{
	double lo = gr->lo;
	uint32_t res = gr->res;
	/* Start where an evenly spaced grid would have it, and walk: numpy's
	 * rounding moves the answer by a point or so, and past() is
	 * monotone, so the walk finds the first j the bisection would. */
	double g = res > 1 ? (m + lim - lo) * gr->inv : NAN;
	if (g > -1 && g < (double)res + 1) {
		uint32_t j = g < 0 ? 0 : g > res ? res : (uint32_t)g;
		if (j < res && past(gr, m, lim, strict, j)) {
			while (j > 0 && past(gr, m, lim, strict, j - 1))
				j--;
		} else {
			while (j < res && !past(gr, m, lim, strict, j))
				j++;
		}
		return j;
	}
	uint32_t l = 0, r = res;
	while (l < r) {
		uint32_t mid = l + (r - l) / 2;
		if (past(gr, m, lim, strict, mid))
			r = mid;
		else
			l = mid + 1;
	}
	return l;
}

/*
 * [*J0, *J1): the grid points where V's tent is not 0, all of them when
 * the grid is not sorted.  tent() > 0 iff |x - m| < h, rounded as it
 * rounds (a positive difference never rounds to 0), i.e. -h < x - m < h:
 * exactly the points outside are skipped, however numpy rounded them.
 */
static void tent_support(const struct tdp_interval *v, const struct grid *gr, int sorted,
			 uint32_t *j0, uint32_t *j1)
{
	if (!sorted) {
		*j0 = 0;
		*j1 = gr->res;
		return;
	}
	double m = (v->birth + v->death) / 2., h = (v->death - v->birth) / 2.;
	*j0 = first_past(gr, m, -h, 1);
	*j1 = first_past(gr, m, h, 0);
	if (*j1 < *j0)
		*j1 = *j0;
}

void features_landscape(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			uint32_t layers, double *out)
{
	int sorted = grid_sorted(lo, hi, res);
	struct grid gr = grid_make(lo, hi, res);
	for (size_t k = 0; k < (size_t)layers * res; k++)
		out[k] = 0;
	/* Column j holds the LAYERS largest tents at x_j, largest first.  A
	 * column sees its tents in interval order as before, and a 0 never
	 * enters, so skipping the points outside a tent changes nothing. */
	for (size_t i = 0; i < n; i++) {
		if (!features_finite(&iv[i]))
			continue;
		uint32_t j0, j1;
		tent_support(&iv[i], &gr, sorted, &j0, &j1);
		for (uint32_t j = j0; j < j1; j++) {
			double t = tent(&iv[i], grid_at(&gr, j));
			uint32_t k = layers;
			while (k > 0 && out[(size_t)(k - 1) * res + j] < t) {
				if (k < layers)
					out[(size_t)k * res + j] = out[(size_t)(k - 1) * res + j];
				k--;
			}
			if (k < layers)
				out[(size_t)k * res + j] = t;
		}
	}
	for (size_t k = 0; k < (size_t)layers * res; k++)
		out[k] *= M_SQRT2;
}

/* An interval's weight, its lifetime L to the power POWER: pow(L, 1) is L
 * exactly (IEEE 754), so the usual power costs no pow(). */
static double weight(double l, double power)
{
	return power == 1 ? l : pow(l, power);
}

void features_silhouette(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			 double power, double *out)
{
	double total = 0;
	for (size_t i = 0; i < n; i++)
		if (features_finite(&iv[i]))
			total += weight(iv[i].death - iv[i].birth, power);
	for (uint32_t j = 0; j < res; j++)
		out[j] = 0;
	/* Each point sums its terms in interval order; a term outside its
	 * tent is weight * 0 = +0, which adds nothing, unless the weight is
	 * not finite (an infinite total): then every term is summed. */
	int sorted = grid_sorted(lo, hi, res) && isfinite(total);
	struct grid gr = grid_make(lo, hi, res);
	for (size_t i = 0; total > 0 && i < n; i++) {
		if (!features_finite(&iv[i]))
			continue;
		double w = weight(iv[i].death - iv[i].birth, power) / total;
		uint32_t j0, j1;
		tent_support(&iv[i], &gr, sorted, &j0, &j1);
		for (uint32_t j = j0; j < j1; j++)
			out[j] += w * tent(&iv[i], grid_at(&gr, j));
	}
	for (uint32_t j = 0; j < res; j++)
		out[j] *= M_SQRT2;
}
