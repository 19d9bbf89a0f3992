#include "cli/persistence_features.h"

#include <stdio.h>
#include <string.h>

#include "common/exitcode.h"
#include "publish/encode_features.h"

int persistence_features_init(struct persistence_features *pf, const char *path)
{
	char err[512];
	memset(pf, 0, sizeof(*pf));
	tdp_buf_init(&pf->cur);
	tdp_buf_init(&pf->prev);
	tdp_buf_init(&pf->line);
	if (tdp_features_load(path, &pf->cfg, err, sizeof(err))) {
		fprintf(stderr, "tdapipe persistence: --features: %s\n", err);
		return TDP_EXIT_USAGE;
	}
	if (result_features_init(&pf->rf, &pf->cfg, 0) < 0) {
		fprintf(stderr, "tdapipe persistence: out of memory\n");
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

void persistence_features_fini(struct persistence_features *pf)
{
	result_features_fini(&pf->rf);
	tdp_buf_fini(&pf->cur);
	tdp_buf_fini(&pf->prev);
	tdp_buf_fini(&pf->line);
}

static struct tdp_result *cur(struct persistence_features *pf)
{
	return (struct tdp_result *)pf->cur.p;
}

void persistence_features_start(struct persistence_features *pf, unsigned dims_mask)
{
	struct tdp_result r = {0};
	r.dims_mask = dims_mask;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		r.incomplete[d] = dims_mask >> d & 1 ? TDP_INCOMPLETE_MEMORY_MB : TDP_INCOMPLETE_NONE;
	tdp_buf_reset(&pf->cur);
	tdp_buf_append(&pf->cur, &r, sizeof(r));
}

int persistence_features_add(struct persistence_features *pf, unsigned d, const struct tdp_interval *iv, size_t n)
{
	tdp_buf_append(&pf->cur, iv, n * sizeof(*iv));
	if (!tdp_buf_ok(&pf->cur))
		return -1;
	cur(pf)->count[d] = (uint32_t)n;
	cur(pf)->incomplete[d] = TDP_INCOMPLETE_NONE;
	return 0;
}

int persistence_features_print(struct persistence_features *pf, size_t k)
{
	/* Room for the features section after the intervals. */
	struct tdp_feature_layout l = tdp_feature_layout(&pf->cfg);
	size_t at = pf->cur.len;
	size_t need = (size_t)tdp_feature_section(&l, cur(pf)->dims_mask) * sizeof(double);
	tdp_buf_reserve(&pf->cur, need);
	if (!tdp_buf_ok(&pf->cur))
		return -1;
	struct tdp_result *r = cur(pf);
	if (result_features_fill(&pf->rf, r, pf->have_prev ? &pf->prev_view : NULL) < 0)
		return -1;
	pf->cur.len = at + (size_t)r->features * sizeof(double);
	tdp_buf_reset(&pf->line);
	tdp_buf_printf(&pf->line, "{\"window\":%zu", k);
	encode_features_jsonl(&pf->line, r, &pf->cfg);
	tdp_buf_puts(&pf->line, "}\n");
	if (!tdp_buf_ok(&pf->line))
		return -1;
	fwrite(pf->line.p, 1, pf->line.len, stdout);
	/* This window is the next one's previous. */
	pf->prev_view.mask = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		pf->prev_view.count[d] = r->count[d];
		if (tdp_result_has_diagram(r, d))
			pf->prev_view.mask |= 1u << d;
	}
	tdp_buf_reset(&pf->prev);
	tdp_buf_append(&pf->prev, tdp_result_intervals_const(r), (size_t)tdp_result_nintervals(r) * sizeof(struct tdp_interval));
	if (!tdp_buf_ok(&pf->prev))
		return -1;
	pf->prev_view.iv = (const struct tdp_interval *)pf->prev.p;
	pf->have_prev = true;
	return 0;
}
