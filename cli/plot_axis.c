/*
 * plot_axis.c - ranges and ticks of the plots' axes (cli/plot.h).
 *
 * Ticks at 1, 2 or 5 times a power of ten, the range widened to the
 * ticks around the data, as a person would draw them; labels with just
 * the decimals the step needs, so 0.25 0.5 0.75 never read 0.2 0.5 0.8.
 */
#include "cli/plot.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void plot_axis_fit(struct plot_axis *a, double lo, double hi)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (!isfinite(hi - lo)) {
		/* Values near both ends of the doubles: a range that still has a
		 * finite width and step. */
		lo = fmax(lo, -DBL_MAX / 4);
		hi = fmin(hi, DBL_MAX / 4);
	}
	if (hi - lo < 1e-12 * fmax(1, fmax(fabs(lo), fabs(hi)))) {
		/* One value: a unit range around it. */
		double pad = lo == 0 ? 1 : fabs(lo) * 0.5;
		lo -= pad;
		hi += pad;
	}
	double raw = (hi - lo) / 6;
	double p = pow(10, floor(log10(raw)));
	double m = raw / p;
	double step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
	double first = floor(lo / step + 1e-9) * step;
	double last = ceil(hi / step - 1e-9) * step;
	int n = (int)llround((last - first) / step) + 1;
	while (n > PLOT_MAX_TICKS) {
		step *= 2;
		first = floor(lo / step + 1e-9) * step;
		last = ceil(hi / step - 1e-9) * step;
		n = (int)llround((last - first) / step) + 1;
	}
	a->lo = first;
	a->hi = last;
	a->nticks = n;
	for (int i = 0; i < n; i++)
		a->tick[i] = first + i * step;
	int dec = (int)-floor(log10(step) + 1e-9);
	/* A step of 2.5 x 10^k does not occur; 1, 2 and 5 need no more. */
	a->decimals = dec > 0 ? (dec > 12 ? 12 : dec) : 0;
}

double plot_axis_px(const struct plot_axis *a, double v)
{
	return a->px0 + (v - a->lo) / (a->hi - a->lo) * (a->px1 - a->px0);
}

void plot_axis_label(const struct plot_axis *a, double v, char *out, size_t size)
{
	double step = a->nticks > 1 ? a->tick[1] - a->tick[0] : 1;
	if (fabs(v) < step * 1e-9)
		v = 0; /* no "-0" and no 1e-17 */
	double mag = fmax(fabs(a->lo), fabs(a->hi));
	if (mag >= 1e7 || (mag > 0 && mag < 1e-4)) {
		/* Enough digits that neighbouring ticks differ (epoch times). */
		double ratio = step > 0 ? mag / step : INFINITY;
		int digits = isfinite(ratio) && ratio < 1e17 ? (int)ceil(log10(ratio)) + 1 : 17;
		snprintf(out, size, "%.*g", digits < 3 ? 3 : digits > 17 ? 17 : digits, v);
	} else {
		snprintf(out, size, "%.*f", a->decimals, v);
	}
}
