/*
 * embed.c - delay (Takens) embedding of a scalar series.
 */
#include "scaled/embed.h"

/*
 * Number of points e_i = (x_i, x_{i+L}, ..., x_{i+(d-1)L}) that fit in a
 * series of N values: n - (d-1)L when that is positive, else 0.  DIM 0
 * embeds nothing.  The span (d-1)L is computed in 64 bits, where two
 * uint32_t factors cannot overflow, so a huge lag means "too short", never
 * a wrapped-around count.
 */
size_t delay_embed_count(size_t n, uint32_t dim, uint32_t lag)
{
	if (dim == 0)
		return 0;
	uint64_t span = (uint64_t)(dim - 1) * lag;

	if ((uint64_t)n <= span)
		return 0;
	return n - (size_t)span;
}

/*
 * Write the delay_embed_count(n, dim, lag) points to OUT, row-major, DIM
 * doubles each: out[i*dim + j] = x[i + j*lag].  With DIM 1 this is a copy
 * of X.  OUT must not overlap X.
 */
void delay_embed(const double *x, size_t n, uint32_t dim, uint32_t lag, double *out)
{
	size_t m = delay_embed_count(n, dim, lag);

	for (size_t i = 0; i < m; i++) {
		const double *src = x + i;

		for (uint32_t j = 0; j < dim; j++)
			*out++ = src[(size_t)j * lag];
	}
}
