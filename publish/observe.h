/*
 * observe.h - what publish tells observers about the results it has
 * written, in the segment: each scale's point-to-publish latency
 * (struct tdp_ring.latency_hist of its out-ring) and each stream's latest
 * result (struct tdp_latest), which `tdapipe stats`, `tdapipe top` and
 * the metrics endpoint read.  Nothing here is ever in the output.
 */
#ifndef TDP_PUBLISH_OBSERVE_H
#define TDP_PUBLISH_OBSERVE_H

#include <stdint.h>

#include "common/record.h"
#include "common/shm.h"

/*
 * Results publish has just committed: those of progress B (ids B->ids,
 * out-ring descriptors up to B->consumed), with every out-ring's head
 * still at the previous commit, so that the descriptors and arena bytes
 * between are the committed ones and still publish's.  For each result
 * B names (duplicates publish dropped are in the rings but not in B),
 * NOW - its descriptor's read_ns into its scale's latency histogram and
 * its fields into its stream's latest entry.
 *
 * Called once per commit, after it: a publish killed between the two
 * leaves those results uncounted (the histogram is not part of the
 * commit), never counted twice.
 */
void observe_committed(const struct tdp_shm *seg, const struct tdp_publish_body *b, uint64_t now, bool views);

/* With VIEWS (the exporter runs), each result's point (window, end,
 * score, total persistence, anomaly) also goes into its stream's live-page
 * view (struct tdp_latest_view), and the last result of each stream in
 * the commit its diagram: observe_diagram_of, at most TDP_LATEST_INTERVALS
 * intervals, the most persistent (ties: the first in the result's order),
 * each dimension's in the result's order. */
void observe_diagram_of(const struct tdp_result *r, struct tdp_latest_view *out);

/* The latest-table entry of result R (its seq left 0): window, end,
 * computed dimensions, per dimension the finite intervals of positive
 * length, the essential ones and the total persistence, and the anomaly
 * score when R's scale scores windows and R has one (not NaN). */
void observe_latest_of(const struct tdp_result *r, struct tdp_latest *out);
/* R's point in a view; LATEST: observe_latest_of(R), when already made. */
void observe_point_of(const struct tdp_result *r, const struct tdp_latest *latest, struct tdp_latest_point *out);

#endif
