#include "scaled/anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/distance.h"
#include "scaled/features.h"

int anomaly_init(struct anomaly *a, const struct tdp_anomaly_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	if (!(a->scratch = malloc(sizeof(double) * cfg->history)))
		return -1;
	if (tdp_signal_is_distance(cfg->signal) && !(a->dws = distance_ws_new())) {
		anomaly_fini(a);
		return -1;
	}
	return 0;
}

void anomaly_fini(struct anomaly *a)
{
	free(a->scratch);
	if (a->dws)
		distance_ws_free(a->dws);
	memset(a, 0, sizeof(*a));
}

/* Dimension D's intervals in a view of the previous window's diagrams. */
static const struct tdp_interval *view_intervals(const struct diagram_view *v, unsigned d)
{
	const struct tdp_interval *iv = v->iv;
	for (unsigned k = 0; k < d; k++)
		if (v->mask >> k & 1)
			iv += v->count[k];
	return iv;
}

/* The distance of kind K the features section already holds for
 * dimension D, or NULL when it does not ask for it. */
static const double *known_distance(const struct tdp_result *r, const struct result_features *rf, unsigned d,
				    unsigned k)
{
	if (!rf || !rf->l.width || !(rf->f->distances >> k & 1) || !(r->flags & TDP_RESULT_DISTANCE))
		return NULL;
	const double *block = tdp_result_features_const(r, tdp_result_nintervals(r)) +
			      (size_t)__builtin_popcount(r->dims_mask & ((1u << d) - 1)) * rf->l.width;
	return block + rf->l.distance + __builtin_popcount(rf->f->distances & ((1u << k) - 1));
}

int anomaly_signal(struct anomaly *a, const struct tdp_result *r, const struct result_features *rf,
		   const struct diagram_view *prev, double *out)
{
	unsigned d = a->cfg->dim, sig = a->cfg->signal;
	*out = NAN;
	if (!tdp_result_has_diagram(r, d))
		return 0;
	const struct tdp_interval *cur = tdp_result_dim_intervals_const(r, d);
	size_t n = r->count[d];
	double x;
	if (!tdp_signal_is_distance(sig)) {
		struct feature_summary s;
		features_summary(cur, n, &s);
		x = sig == TDP_SIGNAL_TOTAL ? s.total : sig == TDP_SIGNAL_ENTROPY ? s.entropy : (double)s.count;
	} else {
		if (!prev || !(prev->mask >> d & 1))
			return 0;
		/* enum tdp_signal's distances are enum tdp_distance's, in order. */
		const double *known = known_distance(r, rf, d, sig);
		if (known) {
			x = *known;
		} else {
			const struct tdp_interval *p = view_intervals(prev, d);
			int rc = sig == TDP_SIGNAL_BOTTLENECK ?
				 distance_bottleneck(a->dws, p, prev->count[d], cur, n, &x) :
				 distance_wasserstein(a->dws, p, prev->count[d], cur, n,
						      sig == TDP_SIGNAL_WASSERSTEIN1 ? 1 : 2, &x);
			if (rc < 0)
				return -1;
		}
	}
	*out = isfinite(x) ? x : NAN;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of the N sorted values V. */
static double median_sorted(const double *v, uint32_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool anomaly_score(struct anomaly *a, const double *hist, uint32_t n, uint32_t pos, double x,
		   struct tdp_result_events *e)
{
	uint32_t cap = a->cfg->history;
	e->median = e->mad = e->score = NAN;
	e->history = n;
	if (!n)
		return false;
	double *v = a->scratch;
	memcpy(v, hist, sizeof(double) * cap);
	/* A full ring is all of it; a partial one is its first N slots. */
	qsort(v, n, sizeof(double), cmp_double);
	double med = median_sorted(v, n);
	for (uint32_t i = 0; i < n; i++)
		v[i] = fabs(v[i] - med);
	qsort(v, n, sizeof(double), cmp_double);
	double mad = median_sorted(v, n);
	e->median = med;
	e->mad = mad;
	if (isnan(x))
		return false;
	double score;
	if (mad > 0) {
		score = (x - med) / (1.4826 * mad);
	} else {
		/* Oldest first, as the history came. */
		double sum = 0;
		for (uint32_t i = 0; i < n; i++)
			sum += fabs(hist[(pos + cap - n + i) % cap] - med);
		double mean = sum / n;
		score = mean > 0 ? (x - med) / (1.253314 * mean) : x == med ? 0 : copysign(INFINITY, x - med);
	}
	e->score = score;
	return n == cap && score >= a->cfg->threshold;
}
