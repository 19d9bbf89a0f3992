/*
 * window.h - the last `size` points of one stream, addressed by sequence
 * number.
 *
 * Window k of a scale covers sequence numbers [k*slide, k*slide+size).
 * Points are stored in a circular buffer at seq % size, tagged seq + 1 (0 =
 * empty, so zeroed memory is an empty window), so a point that never
 * arrived (dropped on overflow) is simply absent: gathering a window
 * returns the points present, and the caller reports size - present as
 * "lost".  Each point's source offset is kept too: a result names where
 * its window's first point came from (Kafka checkpoints, publish/), and
 * when ingest read it (a result's read_ns: latency, never output).  The
 * buffer is plain memory laid out as tags, times, offsets, read times,
 * values (TDP_WINDOW_WORDS + dim words a point):
 * scale workers lay it over their store in the shared segment, where it
 * outlives them.
 */
#ifndef TDP_WINDOW_H
#define TDP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

struct window {
	uint32_t size;
	uint32_t dim;
	uint64_t *tag;       /* size tags: seq + 1, 0 = empty */
	int64_t *t;          /* size event times (ns), or sequence numbers */
	uint64_t *off;       /* size source offsets */
	uint64_t *read_ns;   /* size read times (struct tdp_point.read_ns; time scales' held: NULL) */
	double *v;           /* size * dim values */
	void *owned;         /* window_init's allocation, else NULL */
};

/* Bytes a window of SIZE points of DIM values occupies. */
size_t window_bytes(uint32_t size, uint32_t dim);

/* Lay W over MEM (window_bytes(size, dim) bytes; zeroed = empty). */
void window_attach(struct window *w, void *mem, uint32_t size, uint32_t dim);

/* A window in its own zeroed memory; window_fini frees it. */
int window_init(struct window *w, uint32_t size, uint32_t dim);
void window_fini(struct window *w);

/* Store P in its slot (P->dim == w->dim), replacing point P->seq - size.
 * A point the scale refuses (TDP_POINT_REFUSED) is kept as a tag alone,
 * seq + 1 with WINDOW_TAG_REFUSED: not present, yet not lost. */
void window_put(struct window *w, const struct tdp_point *p);

#define WINDOW_TAG_REFUSED ((uint64_t)1 << 63)

/* Points of [first, first+size) the scale refused. */
uint32_t window_refused(const struct window *w, uint64_t first);

/* Whether point SEQ is present. */
static inline bool window_has(const struct window *w, uint64_t seq)
{
	return w->tag[seq % w->size] == seq + 1;
}

/*
 * Copy the points of [first, first+size) that are present, in sequence
 * order, to VALS (room for size*dim) and their times to the first/last
 * time out-parameters.  Returns how many were present.
 */
size_t window_gather(const struct window *w, uint64_t first, double *vals, int64_t *t_first, int64_t *t_last);

/* The event time of point SEQ, which must be present. */
int64_t window_time(const struct window *w, uint64_t seq);

/* The offsets column also keeps whether the point's time is an event
 * time (TDP_POINT_TIMED), in its top bit: no source is 2^63 bytes long. */
#define WINDOW_OFF_TIMED ((uint64_t)1 << 63)

/* The source offset of point SEQ, which must be present. */
static inline uint64_t window_off(const struct window *w, uint64_t seq)
{
	return w->off[seq % w->size] & ~WINDOW_OFF_TIMED;
}

/* When ingest read point SEQ, which must be present (0: unknown). */
static inline uint64_t window_read_ns(const struct window *w, uint64_t seq)
{
	return w->read_ns[seq % w->size];
}

/* Whether point SEQ's time is an event time (else its sequence number). */
static inline bool window_timed(const struct window *w, uint64_t seq)
{
	return (w->off[seq % w->size] & WINDOW_OFF_TIMED) != 0;
}

/* The last point of [first, first+size) present; first+size when none is. */
uint64_t window_last_present(const struct window *w, uint64_t first);

/* The first point of [first, first+size) present; first+size when none is. */
uint64_t window_first_present(const struct window *w, uint64_t first);

/*
 * Window k closes once every point it could hold has come or never will:
 * when k*slide + size <= UPTO, UPTO being one past the last sequence
 * number settled.  The first window not closable before UPTO.
 */
uint64_t window_first_open(uint64_t upto, uint32_t size, uint32_t slide);

/*
 * The next window to close, in increasing order, when every point before
 * UPTO is settled and the points applied all lie before HELD_END: true with
 * *K the first window >= *K that closes before UPTO and may hold a point.
 * False when none does, with *K moved past the windows that close but lie
 * wholly at or after HELD_END (they hold nothing): a huge gap costs
 * O(window / slide) windows, not O(gap).
 */
bool window_next_closable(uint64_t *k, uint64_t upto, uint64_t held_end, uint32_t size, uint32_t slide);

#endif
