/*
 * hist.h - the segment's latency histograms (compute time, point-to-publish
 * latency): TDP_HIST_BUCKETS counters of nanoseconds, one writer each,
 * read without locks (common/counter.h).
 *
 * Bucket i counts the values in (2^i, 2^(i+1)] ns, bucket 0 [0, 2] ns, and
 * the last bucket everything above 2^(TDP_HIST_BUCKETS - 1) ns too (~9
 * minutes).  Upper bounds are inclusive so that the cumulative count up to
 * bucket i is exactly Prometheus' `le="2^(i+1) ns"` bucket.  Documented in
 * tdapipe-stats(1) and tdapipe-metrics(7).
 */
#ifndef TDP_HIST_H
#define TDP_HIST_H

#include <stdint.h>

#include "common/counter.h"
#include "common/shm.h"

static inline unsigned tdp_hist_bucket(uint64_t ns)
{
	unsigned b = ns <= 2 ? 0 : 63u - (unsigned)__builtin_clzll(ns - 1);
	return b < TDP_HIST_BUCKETS ? b : TDP_HIST_BUCKETS - 1;
}

/* The inclusive upper bound of bucket I, in ns (the last: see above). */
static inline uint64_t tdp_hist_upper(unsigned i)
{
	return 2ull << i;
}

static inline void tdp_hist_add(uint64_t *h, uint64_t ns)
{
	tdp_counter_add(&h[tdp_hist_bucket(ns)], 1);
}

/* Quantile Q (0..1) of histogram H, as the upper bound of its bucket in
 * ns; 0 when H is empty. */
static inline uint64_t tdp_hist_quantile(const uint64_t *h, double q)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++)
		total += tdp_counter_get(&h[i]);
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total), seen = 0;
	for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++) {
		seen += tdp_counter_get(&h[i]);
		if (seen > want)
			return tdp_hist_upper(i);
	}
	return tdp_hist_upper(TDP_HIST_BUCKETS - 1);
}

#endif
