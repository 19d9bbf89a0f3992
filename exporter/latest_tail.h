/*
 * latest_tail.h - the last windows of each stream and scale, from the
 * end of the results and events files (exporter/latest_tail.c), for the
 * live page's GET /v1/latest (exporter/latest_view.c).
 */
#ifndef TDP_LATEST_TAIL_H
#define TDP_LATEST_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"
#include "common/shm.h"

#define LATEST_TAIL_BYTES (4 << 20)   /* read from the end of the results file */
#define LATEST_TAIL_KEYS 1024         /* stream/scale pairs kept */
#define LATEST_HISTORY TDP_LATEST_HISTORY   /* windows kept per pair, as the segment's views */

struct tail_window {
	int64_t window;
	double end, score;                /* score NAN when not scored */
	double total[TDP_MAX_HDIM];       /* total persistence per dimension */
	uint32_t dims;
	bool scored, anomaly;
};

struct tail_key {
	char stream[TDP_STREAM_NAME_MAX + 1];
	char scale[TDP_NAME_MAX];
	char *diagrams;                   /* the latest window's, as JSON */
	struct tail_window h[LATEST_HISTORY];   /* oldest first */
	size_t nh;
};

/* Append X as a JSON number, null when not finite: tdp_json_double's
 * digits without its per-thread cache, which the HTTP thread of
 * libmicrohttpd would leak when it ends. */
struct tdp_buf;
void latest_put_double(struct tdp_buf *b, double x);

/* The pairs found at the end of CFG's results file ([*N]); NULL, *N 0
 * when the sink is not a JSON Lines file or it cannot be read.  Valid
 * until the next call (one thread calls it: the HTTP one). */
const struct tail_key *latest_tail(const struct tdp_config *cfg, size_t *n);

#endif
