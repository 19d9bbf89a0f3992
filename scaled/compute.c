#include "scaled/compute.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/diagram.h"
#include "scaled/embed.h"
#include "scaled/landmarks.h"
#include "scaled/rips_cost.h"
#include "scaled/rips_h0.h"

int compute_init(struct compute *c, const struct tdp_scale_cfg *sc)
{
	memset(c, 0, sizeof(*c));
	c->sc = sc;
	size_t n = sc->window;
	if (sc->complex == TDP_COMPLEX_RIPS) {
		c->scratch_size = rips_h0_scratch_size(n);
		if (sc->embed_dim > 0 && !(c->cloud = malloc(sizeof(double) * n * sc->embed_dim)))
			goto err;
		if (sc->max_points && sc->max_points < n &&
		    (!(c->landmarks = malloc(sizeof(double) * sc->max_points * TDP_MAX_DIM)) ||
		     !(c->lm_scratch = malloc(sizeof(double) * n))))
			goto err;
		if (tdp_scale_uses_rips_engine(sc) && rips_init(&c->rips, (size_t)sc->memory_mb << 20) < 0)
			goto err;
	}
	if (!(c->scratch = malloc(c->scratch_size ? c->scratch_size : 8)))
		goto err;
	return 0;
err:
	compute_fini(c);
	return -ENOMEM;
}

void compute_fini(struct compute *c)
{
	free(c->cloud);
	free(c->landmarks);
	free(c->lm_scratch);
	free(c->scratch);
	rips_fini(c->rips);
	memset(c, 0, sizeof(*c));
}

/* Longest first; essential classes (infinite) before everything. */
static int by_persistence_desc(const void *a, const void *b)
{
	const struct tdp_interval *x = a, *y = b;
	double px = x->death - x->birth, py = y->death - y->birth;
	if (px != py)
		return px > py ? -1 : 1;
	if (x->birth != y->birth)
		return x->birth < y->birth ? -1 : 1;
	return 0;
}

/* Copy COUNT intervals of one dimension into OUT, keeping at most CAP:
 * the most persistent, then back in diagram order.  Returns the count
 * kept; adds what was left out to *TRUNCATED. */
static uint32_t copy_capped(struct tdp_interval *out, const struct tdp_interval *iv, size_t count,
			    uint32_t cap, uint32_t *truncated)
{
	if (count)   /* an empty diagram may have no array at all */
		memcpy(out, iv, sizeof(*iv) * count);
	if (count <= cap)
		return (uint32_t)count;
	qsort(out, count, sizeof(*out), by_persistence_desc);
	diagram_sort(out, cap);
	*truncated += (uint32_t)(count - cap);
	return cap;
}

/* What every result of the scale starts with. */
static void result_begin(const struct compute *c, struct tdp_result *r)
{
	r->dims_mask = c->sc->dims_mask;
	r->landmarks = 0;
	r->truncated = 0;
	memset(r->count, 0, sizeof(r->count));
	memset(r->incomplete, 0, sizeof(r->incomplete));
}

/* The scale's dimensions from FROM up were not computed, for WHY. */
static enum tdp_incomplete result_incomplete(const struct compute *c, struct tdp_result *r, int from,
					     enum tdp_incomplete why)
{
	for (int k = from; k < TDP_MAX_HDIM; k++)
		if (c->sc->dims_mask & (1u << k))
			r->incomplete[k] = (uint8_t)why;
	return why;
}

void compute_sublevel(struct compute *c, const struct sublevel_slide *sl, struct tdp_result *r)
{
	result_begin(c, r);
	/* At most size/2 + 1 intervals: within the H0 cap (one per point). */
	r->count[0] = (uint32_t)sls_diagram(sl, tdp_result_intervals(r));
}

enum tdp_incomplete compute_window(struct compute *c, const double *vals, size_t n, uint32_t dim,
				   struct tdp_result *r)
{
	struct tdp_interval *out = tdp_result_intervals(r);
	const struct tdp_scale_cfg *sc = c->sc;
	result_begin(c, r);
	/* The cloud: the window's points, or their delay embedding ... */
	const double *pts = vals;
	size_t m = n, d = dim;
	if (sc->embed_dim > 0) {
		m = delay_embed_count(n, sc->embed_dim, sc->embed_lag);
		delay_embed(vals, n, sc->embed_dim, sc->embed_lag, c->cloud);
		pts = c->cloud;
		d = sc->embed_dim;
	}
	/* ... subsampled to max_points landmarks when it has more. */
	if (c->landmarks && m > sc->max_points) {
		landmarks_maxmin(pts, m, d, sc->max_points, c->landmarks, c->lm_scratch);
		pts = c->landmarks;
		m = sc->max_points;
		r->landmarks = (uint32_t)m;
	}
	struct rips_input in = {RIPS_POINTS, m, d, pts};
	if (!c->rips) {
		size_t count;
		int rc = rips_h0(&in, sc->threshold, out, c->scratch, &count);
		if (rc < 0)
			return result_incomplete(c, r, 0, rips_why(rc));
		r->count[0] = (uint32_t)count;
		return TDP_INCOMPLETE_NONE;
	}
	struct rips_diagram dg;
	rips_compute(c->rips, &in, tdp_scale_maxdim(sc), sc->threshold, &dg);
	size_t at = 0;
	for (int k = 0; k < dg.done && k < TDP_MAX_HDIM; k++) {
		if (!(sc->dims_mask & (1u << k)))
			continue;
		r->count[k] = copy_capped(out + at, dg.iv[k], dg.count[k], tdp_scale_dim_cap(sc, k), &r->truncated);
		at += r->count[k];
	}
	return dg.done > dg.maxdim ? TDP_INCOMPLETE_NONE : result_incomplete(c, r, dg.done, dg.why);
}
