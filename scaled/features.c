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
