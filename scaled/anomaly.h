/*
 * anomaly.h - a scale's anomaly score (tdapipe-events(5)): per window,
 * the robust z-score of a signal of one dimension's diagram against the
 * stream's last `history` values of it.
 *
 *   score = (x - median) / (1.4826 * MAD),  MAD = median |h - median|
 *
 * over the history h (the signal's last `history` values, windows without
 * one skipped; x itself is not in it).  When MAD is 0 the scale is the
 * mean absolute deviation from the median times 1.253314 (sqrt(pi/2): for
 * normal data both estimate the standard deviation); when that is 0 too
 * every value of the history is the median, and the score is 0 if x is
 * the median and infinite (with the sign of x - median) if not.  A median
 * of an even count is the mean of the middle two, as numpy's.  An anomaly
 * is a score of at least the threshold once the history is full.
 */
#ifndef TDP_ANOMALY_H
#define TDP_ANOMALY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/record.h"
#include "scaled/diagram.h"
#include "scaled/result_features.h"

struct distance_ws;

struct anomaly {
	const struct tdp_anomaly_cfg *cfg;
	double *scratch;           /* history doubles, sorted */
	struct distance_ws *dws;   /* distance signals the features section lacks */
};

/* 0, or -1 out of memory. */
int anomaly_init(struct anomaly *a, const struct tdp_anomaly_cfg *cfg);
void anomaly_fini(struct anomaly *a);

/*
 * The signal of R (its features section filled by RF, NULL: none) in the
 * configured dimension, against PREV (the stream's previous window, NULL:
 * none) for distances: NaN when there is none (the dimension was not
 * computed, a first window, an infinite distance).  -1 and *OUT untouched
 * when memory ran out, else 0.
 */
int anomaly_signal(struct anomaly *a, const struct tdp_result *r, const struct result_features *rf,
		   const struct diagram_view *prev, double *out);

/*
 * The score of X (NaN: none) against the N values of HIST (a ring of
 * history slots, oldest at (POS - N) mod history): E's median, mad and
 * score (NaN when N is 0 or X is NaN).  Returns whether it is an anomaly.
 */
bool anomaly_score(struct anomaly *a, const double *hist, uint32_t n, uint32_t pos, double x,
		   struct tdp_result_events *e);

#endif
