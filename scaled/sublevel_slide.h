/*
 * sublevel_slide.h - H0 of the sublevel-set filtration of a sliding window
 * over a scalar series, maintained as points arrive on the right and expire
 * on the left.
 *
 * The diagram after every push/expire is exactly what sublevel_h0() gives
 * for the window's values from scratch (same intervals, same values).  The
 * summaries (count of finite intervals, exact total persistence, maximum
 * persistence) are kept incrementally; the diagram itself and the changes
 * since the last report are read on demand.
 *
 * Cost: every point's death changes at most twice in its life (once when
 * a lower point arrives on its right, once when the nearest lower-or-equal
 * point on its left expires), so push and expire are O(1) amortized plus
 * O(log W) per changed interval for the maximum (a heap); the total is
 * O(log W) amortized per point.  One expire may change many intervals at
 * once (a "funnel": minima decreasing to the right, maxima increasing),
 * but never more than the points it affects, each at most once more.
 * Memory: 59 bytes per window point, allocated once at init, plus the
 * change log when it is enabled (one entry per interval changed between
 * two reports).
 */
#ifndef TDP_SUBLEVEL_SLIDE_H
#define TDP_SUBLEVEL_SLIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record.h"
#include "scaled/xsum.h"

struct sls_logent;

struct sublevel_slide {
	uint32_t cap;          /* most points held */
	uint32_t size;         /* points held now */
	uint32_t head;         /* slot of the oldest point */
	uint64_t front;        /* position (push count) of the oldest point */

	/* Per slot (position % cap): */
	double *x;             /* the value */
	double *lside;         /* max over [nearest lower-or-equal on the left .. me], +inf if none in the window */
	double *rside;         /* max over [me .. nearest strictly lower on the right], +inf if none yet */
	double *gap;           /* on the spine: max from me up to the next spine point */
	uint64_t *seq;         /* the caller's sequence number */
	uint32_t *nlr;         /* positions to the nearest strictly lower point on the right, 0 = none yet */
	uint32_t *hpos;        /* 1 + index in the heap, 0 = no finite interval */
	uint8_t *logged;       /* in the change log since the last report */

	/* The spine: points with nothing strictly lower on their right, a
	 * deque of slots (bottom = the window's minimum, top = the newest). */
	uint32_t *spine;
	uint32_t spine_head, spine_len;

	/* Max-heap of the finite intervals by persistence (death - birth). */
	double *hkey;
	uint32_t *hslot;
	uint32_t hlen;

	uint64_t count;        /* finite intervals with death > birth */
	struct tdp_xsum total; /* their total persistence, exact, once total_on */
	bool total_on;         /* total kept: from the first sls_summary() on */

	unsigned flags;        /* SLS_TRACK_* */
	struct sls_logent *log;
	size_t log_len, log_cap;
};

/* What to keep besides the diagram, the count and the exact total: the
 * maximum persistence (a heap: about 40% of the cost of a slide, so only
 * when summaries are read), and the change log for sls_changes(). */
#define SLS_TRACK_MAX 1u
#define SLS_TRACK_CHANGES 2u

/* Set up for windows of at most CAP points (CAP >= 1), keeping what FLAGS
 * (SLS_TRACK_*) ask for.  0, -EINVAL or -ENOMEM. */
int sls_init(struct sublevel_slide *s, uint32_t cap, unsigned flags);
void sls_fini(struct sublevel_slide *s);

/* Drop every point. */
void sls_clear(struct sublevel_slide *s);

/* Append value X (not NaN) with sequence number SEQ (greater than the
 * last one pushed).  The window must have room: size < cap; expire first. */
void sls_push(struct sublevel_slide *s, uint64_t seq, double x);

/* Drop the oldest point. size > 0. */
void sls_expire_one(struct sublevel_slide *s);

/* Drop every point whose sequence number is below FIRST. */
void sls_expire_before(struct sublevel_slide *s, uint64_t first);

/* Sequence numbers of the oldest and newest points (size > 0). */
uint64_t sls_first_seq(const struct sublevel_slide *s);
uint64_t sls_last_seq(const struct sublevel_slide *s);

struct sls_summary {
	uint64_t count;        /* finite intervals with death > birth */
	double total;          /* sum of their persistence, correctly rounded */
	double max;            /* the largest persistence, 0 if none; NaN without SLS_TRACK_MAX */
	double min;            /* the essential interval's birth (window minimum); NaN if empty */
};

/* O(1) but for rounding the exact total (a few words); the first call is
 * O(size), as it starts keeping the total (a structure whose summary is
 * never read does not pay for it at every change). */
void sls_summary(struct sublevel_slide *s, struct sls_summary *out);

/* Write the diagram (room for size intervals; at most size/2 + 1 are
 * written, the rest of the room is scratch for the sort): every interval
 * with death > birth and the essential one, sorted as diagram_sort() does,
 * to the byte.  Returns the count.  Expected O(intervals) (a set of them
 * kept as deaths change, and a bucket sort); O(size) with SLS_TRACK_MAX
 * (a scan of the window); never worse than O(size log size). */
size_t sls_diagram(const struct sublevel_slide *s, struct tdp_interval *out);

/*
 * The intervals of the diagram whose lifetime is at least MIN_PERSISTENCE
 * (essential included), each named by its local minimum: feature = the
 * sequence number pushed with it, type 0 and dim 0, in sequence order
 * (room for size/2 + 1).  Returns the count.  O(size).  What events track
 * (scaled/track.c): a minimum is the same feature from window to window.
 */
size_t sls_tracked(const struct sublevel_slide *s, double min_persistence, struct tdp_event *out);

/*
 * The intervals (each belongs to the local minimum that was born) that
 * appeared and disappeared since the previous call (or init): an interval
 * whose death changed is reported as died with its old death and born with
 * the new one.  Calls CB(CTX, birth, death, born) for each, died before
 * born per minimum; then starts a new period.  Needs SLS_TRACK_CHANGES.
 */
void sls_changes(struct sublevel_slide *s, void (*cb)(void *ctx, double birth, double death, bool born),
		 void *ctx);

/* Bytes allocated per window point (for memory budgets and the bench). */
size_t sls_bytes_per_point(void);

#endif
