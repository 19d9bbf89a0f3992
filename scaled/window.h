/*
 * window.h - the last `size` points of one stream, addressed by sequence
 * number.
 *
 * Window k of a scale covers sequence numbers [k*slide, k*slide+size).
 * Points are stored in a circular buffer at seq % size with their seq as a
 * tag, so a point that never arrived (dropped on overflow, lost in a crash)
 * is simply absent: gathering a window returns the points present, and the
 * caller reports size - present as "lost".
 */
#ifndef TDP_WINDOW_H
#define TDP_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

struct window {
	uint32_t size;
	uint32_t dim;
	uint64_t next_seq;   /* sequence number expected next */
	double *v;           /* size * dim values */
	double *t;           /* size event times */
	uint64_t *tag;       /* size sequence numbers, UINT64_MAX = empty */
};

int window_init(struct window *w, uint32_t size, uint32_t dim);
void window_fini(struct window *w);

/* Store P (P->dim must equal w->dim).  Returns 0, or -1 for a replayed or
 * out-of-order point (seq < next_seq), which is ignored. */
int window_put(struct window *w, const struct tdp_point *p);

/*
 * Copy the points of [first, first+size) that are present, in sequence
 * order, to VALS (room for size*dim) and their times to the first/last
 * time out-parameters.  Returns how many were present.
 */
size_t window_gather(const struct window *w, uint64_t first, double *vals, double *t_first, double *t_last);

/* The event time of point SEQ, which must be present (tag matches). */
double window_time(const struct window *w, uint64_t seq);

/*
 * The windows to close after the point with sequence number S arrived,
 * when OLD_NEXT was the sequence number expected next (S >= OLD_NEXT; S >
 * OLD_NEXT means the points in between never came).  Calls CB(CTX, k) in
 * increasing k for: the window ending exactly at S, and every window ending
 * in [OLD_NEXT, S) that still holds some earlier point.  Windows that lie
 * wholly inside a gap hold nothing and are skipped without being visited,
 * so a huge gap costs O(window / slide), not O(gap).
 */
void window_each_closed(uint64_t old_next, uint64_t s, uint32_t size, uint32_t slide,
			void (*cb)(void *ctx, uint64_t k), void *ctx);

#endif
