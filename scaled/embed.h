/*
 * embed.h - delay (Takens) embedding of a scalar series.
 *
 * e_i = (x_i, x_{i+L}, ..., x_{i+(d-1)L}) for every i with i+(d-1)L < n:
 * n - (d-1)L points of dimension d.  Periodic behaviour becomes a loop.
 */
#ifndef TDP_EMBED_H
#define TDP_EMBED_H

#include <stddef.h>
#include <stdint.h>

/* Number of embedded points of a series of N values (0 if too short). */
size_t delay_embed_count(size_t n, uint32_t dim, uint32_t lag);

/* Write the delay_embed_count() points, row-major, DIM doubles each, to OUT. */
void delay_embed(const double *x, size_t n, uint32_t dim, uint32_t lag, double *out);

#endif
