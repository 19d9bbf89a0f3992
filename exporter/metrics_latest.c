/*
 * metrics_latest.c - the latest result of each stream in each scale as
 * gauges (tdapipe-metrics(7)): read from the latest-result table with its
 * seqlock (common/latest.h), which never waits on publish; a slot torn
 * by a writer that stopped mid-write is left out of this scrape.  At most
 * latest_streams streams per scale (metrics.streams), so a scrape's size
 * stays bounded whatever the number of streams.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/latest.h"
#include "exporter/exporter.h"

/* A gauge per computed dimension: a row of per_dim[]. */
struct dim_metric {
	const char *name, *help;
	double (*get)(const struct tdp_latest *l, unsigned d);
};
static double betti(const struct tdp_latest *l, unsigned d) { return l->essential[d]; }
static double intervals(const struct tdp_latest *l, unsigned d) { return l->count[d]; }
static double total(const struct tdp_latest *l, unsigned d) { return l->total[d]; }
static const struct dim_metric per_dim[] = {
	{"tdapipe_latest_betti", "Latest window: Betti number (essential intervals) in the dimension.", betti},
	{"tdapipe_latest_intervals", "Latest window: finite intervals of nonzero length in the dimension.", intervals},
	{"tdapipe_latest_total_persistence", "Latest window: the sum of the finite lifetimes in the dimension.", total},
};

/* Every stream of every scale with a latest result, copied once. */
struct entry {
	uint32_t scale;
	char stream[TDP_STREAM_NAME_MAX + 1];
	struct tdp_latest v;
};

static void sample_dims(struct prom *pr, const struct tdp_config *cfg, const struct entry *e, size_t n,
			const struct dim_metric *m)
{
	prom_family(pr, m->name, "gauge", m->help);
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
			if (!(e[i].v.dims_mask >> d & 1))
				continue;
			char dim[4];
			snprintf(dim, sizeof(dim), "%u", d);
			const char *l[7] = {"scale", cfg->scales[e[i].scale].name, "stream", e[i].stream, "dim", dim, NULL};
			prom_f64(pr, m->name, l, m->get(&e[i].v, d));
		}
}

void metrics_latest(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	uint32_t ns = tdp_seg_nstreams(seg), per = seg->hdr->latest_streams;
	if (ns > per)
		ns = per;
	/* Kept from one scrape to the next, so that a SIGBUS abandoning this
	 * function (tdp_bus_guard) leaks nothing. */
	static struct entry *e;
	static size_t cap;
	size_t n = 0, want = (size_t)ns * cfg->nscales;
	if (want > cap) {
		struct entry *grown = realloc(e, want * sizeof(*e));
		if (!grown)
			return;
		e = grown, cap = want;
	}
	for (uint32_t s = 0; s < cfg->nscales; s++)
		for (uint32_t i = 0; i < ns; i++) {
			const struct tdp_latest *slot = tdp_shm_latest(seg, s, i);
			if (!slot || !tdp_latest_read(slot, &e[n].v) || !(e[n].v.flags & TDP_LATEST_SET))
				continue;
			const struct tdp_stream *st = tdp_shm_stream(seg, i);
			tdp_seg_string(e[n].stream, st->name, sizeof(st->name));
			e[n++].scale = s;
		}
	for (size_t m = 0; m < sizeof(per_dim) / sizeof(per_dim[0]); m++)
		sample_dims(pr, cfg, e, n, &per_dim[m]);
	prom_family(pr, "tdapipe_latest_window", "gauge", "Latest window: its number.");
	for (size_t i = 0; i < n; i++) {
		const char *l[5] = {"scale", cfg->scales[e[i].scale].name, "stream", e[i].stream, NULL};
		prom_u64(pr, "tdapipe_latest_window", l, e[i].v.window);
	}
	prom_family(pr, "tdapipe_latest_anomaly_score", "gauge",
		    "Latest window: its anomaly score (scales with anomaly: only once scored).");
	for (size_t i = 0; i < n; i++) {
		const char *l[5] = {"scale", cfg->scales[e[i].scale].name, "stream", e[i].stream, NULL};
		if (e[i].v.flags & TDP_LATEST_SCORED)
			prom_f64(pr, "tdapipe_latest_anomaly_score", l, e[i].v.score);
	}
}
