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

/* Columns whose x factors one pass keeps on the stack: the y factors are
 * recomputed once per chunk, so up to IMAGE_CHUNK columns the cost stays
 * N (RX + RY) exp(). */
#define IMAGE_CHUNK 256

void features_image(const struct tdp_interval *iv, size_t n, double bw, uint32_t rx, uint32_t ry,
		    const double range[4], double *out)
{
	/* GUDHI's 2 * np.square(bw) and np.square(bw) * 2 * np.pi, rounded
	 * the same way. */
	double twice_var = 2 * (bw * bw), norm = bw * bw * 2 * M_PI;
	double xs[IMAGE_CHUNK], ex[IMAGE_CHUNK];

	for (size_t k = 0; k < (size_t)rx * ry; k++)
		out[k] = 0;
	for (uint32_t c0 = 0; c0 < rx; c0 += IMAGE_CHUNK) {
		uint32_t c1 = rx - c0 < IMAGE_CHUNK ? rx : c0 + IMAGE_CHUNK;
		for (uint32_t i = c0; i < c1; i++)
			xs[i - c0] = features_grid(range[0], range[1], rx, i);
		for (size_t p = 0; p < n; p++) {
			if (!features_finite(&iv[p]))
				continue;
			double b = iv[p].birth, pers = iv[p].death - iv[p].birth;
			/* [a, z): the columns whose factor is not 0 (it is unimodal
			 * along the sorted grid, but a scan is as cheap as the exps) */
			uint32_t a = c1, z = c0;
			for (uint32_t i = c0; i < c1; i++) {
				double dx = b - xs[i - c0];
				ex[i - c0] = exp(-(dx * dx) / twice_var);
				if (ex[i - c0] != 0) {
					if (a == c1)
						a = i;
					z = i + 1;
				}
			}
			for (uint32_t j = 0; a < z && j < ry; j++) {
				double dy = pers - features_grid(range[2], range[3], ry, j);
				double e = exp(-(dy * dy) / twice_var);
				if (e == 0)
					continue;
				double *row = out + (size_t)j * rx;
				for (uint32_t i = a; i < z; i++)
					row[i] += ex[i - c0] * e;
			}
		}
	}
	/* GUDHI divides each point's Gaussian, then sums: the same up to one
	 * rounding per pixel. */
	for (size_t k = 0; k < (size_t)rx * ry; k++)
		out[k] /= norm;
}
