/*
 * latest_dump - the latest-result table of a running instance
 * (struct tdp_latest, written by publish/observe.c), one JSON line per
 * entry publish has written, for tests/integration/latency_histogram.sh
 * to compare with the results file:
 *
 *   latest_dump INSTANCE
 *   {"scale":"NAME","stream":"ID","window":K,"end":E,"dims_mask":M,
 *    "count":[..],"essential":[..],"total":[..],"scored":true|false,
 *    "score":S|null}
 *
 * with a value per homology dimension 0..3 (0 where not computed) and
 * totals in "%.17g" (exact round trip); score null unless scored and
 * finite.  Maps the segment read-only, as `tdapipe stats` does.  Exit 2
 * on bad usage, 1 when the segment cannot be read, or an entry stayed
 * torn (a writer stopped mid-write).
 */
#include <math.h>
#include <stdio.h>

#include "common/config.h"
#include "common/latest.h"
#include "common/shm.h"

static void print_entry(const char *scale, const char *stream, const struct tdp_latest *l)
{
	printf("{\"scale\":\"%s\",\"stream\":\"%s\",\"window\":%llu,\"end\":%lld,\"dims_mask\":%u", scale, stream,
	       (unsigned long long)l->window, (long long)l->end, l->dims_mask);
	const char *sep = ",\"count\":[";
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++, sep = ",")
		printf("%s%u", sep, l->count[d]);
	sep = "],\"essential\":[";
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++, sep = ",")
		printf("%s%u", sep, l->essential[d]);
	sep = "],\"total\":[";
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++, sep = ",")
		printf("%s%.17g", sep, l->total[d]);
	bool scored = l->flags & TDP_LATEST_SCORED;
	printf("],\"scored\":%s,\"score\":", scored ? "true" : "false");
	if (scored && isfinite(l->score))
		printf("%.17g}\n", l->score);
	else
		printf("null}\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: latest_dump INSTANCE\n", stderr);
		return 2;
	}
	struct tdp_shm seg;
	struct tdp_config cfg;
	char err[512];
	if (tdp_shm_attach(&seg, argv[1], false, err, sizeof(err)) < 0) {
		fprintf(stderr, "latest_dump: %s\n", err);
		return 1;
	}
	const struct tdp_shm_header *h = seg.hdr;
	if (tdp_config_parse(tdp_shm_at(&seg, h->config_off), h->config_len, "(segment)", &cfg, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "latest_dump: %s\n", err);
		return 1;
	}
	uint32_t nstreams = h->nstreams < h->latest_streams ? h->nstreams : h->latest_streams;
	int rc = 0;
	for (uint32_t s = 0; s < h->nscales && s < cfg.nscales; s++) {
		for (uint32_t i = 0; i < nstreams; i++) {
			struct tdp_latest l;
			if (!tdp_latest_read(tdp_shm_latest(&seg, s, i), &l)) {
				fprintf(stderr, "latest_dump: scale %u stream %u: torn\n", s, i);
				rc = 1;
			} else if (l.flags & TDP_LATEST_SET) {
				print_entry(cfg.scales[s].name, tdp_shm_stream(&seg, i)->name, &l);
			}
		}
	}
	tdp_shm_detach(&seg);
	return rc;
}
