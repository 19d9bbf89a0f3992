#include "scaled/compute.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/embed.h"
#include "scaled/rips_h0.h"
#include "scaled/sublevel.h"

int compute_init(struct compute *c, const struct tdp_scale_cfg *sc, uint32_t dim)
{
	memset(c, 0, sizeof(*c));
	c->sc = sc;
	size_t n = sc->window;
	if (sc->complex == TDP_COMPLEX_SUBLEVEL) {
		c->scratch_size = sublevel_scratch_size(n);
	} else {
		c->scratch_size = rips_h0_scratch_size(n);
		if (sc->embed_dim > 0) {
			c->cloud = malloc(sizeof(double) * n * sc->embed_dim);
			if (!c->cloud)
				return -ENOMEM;
		}
	}
	(void)dim;
	c->scratch = malloc(c->scratch_size ? c->scratch_size : 8);
	return c->scratch ? 0 : -ENOMEM;
}

void compute_fini(struct compute *c)
{
	free(c->cloud);
	free(c->scratch);
	memset(c, 0, sizeof(*c));
}

void compute_window(struct compute *c, const double *vals, size_t n, uint32_t dim, struct tdp_result *r)
{
	struct tdp_interval *out = tdp_result_intervals(r);
	const struct tdp_scale_cfg *sc = c->sc;
	r->dims_mask = 1u;   /* this release computes H0 only (config enforces dims: [0]) */
	memset(r->count, 0, sizeof(r->count));
	if (sc->complex == TDP_COMPLEX_SUBLEVEL) {
		r->count[0] = (uint32_t)sublevel_h0(vals, n, out, c->scratch);
	} else if (sc->embed_dim > 0) {
		size_t m = delay_embed_count(n, sc->embed_dim, sc->embed_lag);
		delay_embed(vals, n, sc->embed_dim, sc->embed_lag, c->cloud);
		r->count[0] = (uint32_t)rips_h0(c->cloud, m, sc->embed_dim, out, c->scratch);
	} else {
		r->count[0] = (uint32_t)rips_h0(vals, n, dim, out, c->scratch);
	}
}
