#include "scaled/features.h"

#include <math.h>

#include "scaled/xsum.h"

static int finite_lifetime(const struct tdp_interval *v)
{
	return !isinf(v->death) && v->death != v->birth;
}

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
		if (!finite_lifetime(&iv[i]))
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
		if (!finite_lifetime(&iv[i]))
			continue;
		double p = (iv[i].death - iv[i].birth) / out->total;
		if (p > 0)
			e -= p * log(p);   /* p ln p -> 0: a p that underflows adds nothing (GUDHI: NaN) */
	}
	out->entropy = e;
}

double features_grid(double lo, double hi, uint32_t res, uint32_t i)
{
	/* numpy: arange(num) * ((stop - start) / (num - 1)) + start, the last
	 * point set to stop. */
	if (i + 1 == res)
		return hi;
	double step = (hi - lo) / (double)(res - 1);
	return (double)i * step + lo;
}

void features_betti(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
		    uint64_t *out)
{
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j);
		uint64_t c = 0;
		for (size_t i = 0; i < n; i++)
			c += iv[i].death != iv[i].birth && iv[i].birth <= x && x < iv[i].death;
		out[j] = c;
	}
}

/* The tent of interval V at X, as GUDHI computes it. */
static double tent(const struct tdp_interval *v, double x)
{
	double m = (v->birth + v->death) / 2., h = (v->death - v->birth) / 2.;
	double t = h - fabs(x - m);
	return t > 0 ? t : 0;
}

void features_landscape(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			uint32_t layers, double *out)
{
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j);
		/* the LAYERS largest tents at x, largest first, in OUT's column j */
		for (uint32_t k = 0; k < layers; k++)
			out[(size_t)k * res + j] = 0;
		for (size_t i = 0; i < n; i++) {
			if (!finite_lifetime(&iv[i]))
				continue;
			double t = tent(&iv[i], x);
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

void features_silhouette(const struct tdp_interval *iv, size_t n, double lo, double hi, uint32_t res,
			 double power, double *out)
{
	double total = 0;
	for (size_t i = 0; i < n; i++)
		if (finite_lifetime(&iv[i]))
			total += pow(iv[i].death - iv[i].birth, power);
	for (uint32_t j = 0; j < res; j++) {
		double x = features_grid(lo, hi, res, j), sum = 0;
		for (size_t i = 0; total > 0 && i < n; i++)
			if (finite_lifetime(&iv[i]))
				sum += pow(iv[i].death - iv[i].birth, power) / total * tent(&iv[i], x);
		out[j] = sum * M_SQRT2;
	}
}
