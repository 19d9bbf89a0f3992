#include "scaled/result_features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/distance.h"
#include "scaled/features.h"

/* The image's memo of Gaussian factors: a few thousand rows at the usual
 * resolutions, enough for the births and persistences of many windows. */
#define IMAGE_MEMO_BYTES (4u << 20)

int result_features_init(struct result_features *rf, const struct tdp_features_cfg *f, uint64_t max_intervals)
{
	memset(rf, 0, sizeof(*rf));
	rf->f = f;
	rf->l = tdp_feature_layout(f);
	if (f->distances && !(rf->dws = distance_ws_new()))
		return -1;
	if (f->image.on && !(rf->image = image_memo_new(f->image.bandwidth, f->image.resolution[0],
							 f->image.resolution[1], f->image.range, IMAGE_MEMO_BYTES))) {
		result_features_fini(rf);
		return -1;
	}
	if (f->betti.on) {
		rf->scratch_n = 2 * (max_intervals ? max_intervals : 1);
		if (!(rf->scratch = malloc(rf->scratch_n * sizeof(double)))) {
			result_features_fini(rf);
			return -1;
		}
	}
	return 0;
}

void result_features_fini(struct result_features *rf)
{
	if (rf->dws)
		distance_ws_free(rf->dws);
	image_memo_free(rf->image);
	free(rf->scratch);
	memset(rf, 0, sizeof(*rf));
}

/* Room for the Betti curve's scratch of a diagram of N intervals: the
 * worker's is sized for its largest at start, `tdapipe persistence` grows
 * it.  0, or -1 out of memory. */
static int betti_scratch(struct result_features *rf, size_t n)
{
	if (!rf->f->betti.on || 2 * n <= rf->scratch_n)
		return 0;
	double *p = realloc(rf->scratch, 2 * n * sizeof(double));
	if (!p)
		return -1;
	rf->scratch = p;
	rf->scratch_n = 2 * n;
	return 0;
}

/* The features of one diagram (IV, N) into its block OUT. */
static void one_diagram(struct result_features *rf, const struct tdp_interval *iv, size_t n, double *out)
{
	const struct tdp_features_cfg *f = rf->f;
	const struct tdp_feature_layout *l = &rf->l;
	if (l->summary != TDP_FEAT_ABSENT) {
		struct feature_summary s;
		features_summary(iv, n, &s);
		double *o = out + l->summary;
		o[TDP_SUMMARY_COUNT] = (double)s.count;
		o[TDP_SUMMARY_ESSENTIAL] = (double)s.essential;
		o[TDP_SUMMARY_TOTAL] = s.total;
		o[TDP_SUMMARY_MAX] = s.max;
		o[TDP_SUMMARY_ENTROPY] = s.entropy;
	}
	if (l->betti != TDP_FEAT_ABSENT) {
		/* Counts up to 2^32 intervals: exact in a double. */
		uint64_t *counts = (uint64_t *)(out + l->betti);
		features_betti(iv, n, f->betti.range[0], f->betti.range[1], f->betti.resolution, rf->scratch, counts);
		for (uint32_t j = 0; j < f->betti.resolution; j++)
			out[l->betti + j] = (double)counts[j];
	}
	if (l->landscape != TDP_FEAT_ABSENT)
		features_landscape(iv, n, f->landscape.range[0], f->landscape.range[1], f->landscape.resolution,
				   f->landscape.layers, out + l->landscape);
	if (l->silhouette != TDP_FEAT_ABSENT)
		features_silhouette(iv, n, f->silhouette.range[0], f->silhouette.range[1], f->silhouette.resolution,
				    f->silhouette.power, out + l->silhouette);
	if (l->image != TDP_FEAT_ABSENT)
		features_image_memo(rf->image, iv, n, out + l->image);
}

/* The configured distances between diagrams A and B into OUT, in enum
 * tdp_distance order.  -1 out of memory. */
static int distances(struct result_features *rf, const struct tdp_interval *a, size_t na,
		     const struct tdp_interval *b, size_t nb, double *out)
{
	for (unsigned k = 0; k < TDP_DISTANCES; k++) {
		if (!(rf->f->distances >> k & 1))
			continue;
		int rc = k == TDP_DIST_BOTTLENECK ? distance_bottleneck(rf->dws, a, na, b, nb, out) :
			 distance_wasserstein(rf->dws, a, na, b, nb, k == TDP_DIST_WASSERSTEIN1 ? 1 : 2, out);
		if (rc < 0)
			return -1;
		out++;
	}
	return 0;
}

int result_features_fill(struct result_features *rf, struct tdp_result *r, const struct diagram_view *prev)
{
	const struct tdp_feature_layout *l = &rf->l;
	r->features = tdp_feature_section(l, r->dims_mask);
	if (!r->features)
		return 0;
	const struct tdp_interval *iv = tdp_result_intervals(r);
	double *out = (double *)(iv + tdp_result_nintervals(r));
	const struct tdp_interval *piv = prev ? prev->iv : NULL;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		const struct tdp_interval *pd = piv;
		uint32_t pn = 0;
		if (prev && (prev->mask >> d & 1)) {
			pn = prev->count[d];
			piv += pn;
		}
		if (!(r->dims_mask >> d & 1))
			continue;
		const struct tdp_interval *cur = iv;
		if (tdp_result_has_diagram(r, d))
			iv += r->count[d];
		/* A dimension not computed has a block nobody reads: zeros keep
		 * the arena's bytes a function of the input. */
		memset(out, 0, (size_t)l->width * sizeof(double));
		if (tdp_result_has_diagram(r, d)) {
			if (betti_scratch(rf, r->count[d]) < 0)
				return -1;
			one_diagram(rf, cur, r->count[d], out);
			if (l->ndist) {
				bool both = prev && (prev->mask >> d & 1);
				if (!both)
					for (uint32_t k = 0; k < l->ndist; k++)
						out[l->distance + k] = NAN;
				else if (distances(rf, pd, pn, cur, r->count[d], out + l->distance) < 0)
					return -1;
			}
		}
		out += l->width;
	}
	if (prev && l->ndist)
		r->flags |= TDP_RESULT_DISTANCE;
	return 0;
}
