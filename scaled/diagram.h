/*
 * diagram.h - persistence diagrams as arrays of intervals.
 */
#ifndef TDP_DIAGRAM_H
#define TDP_DIAGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/* Sort by birth, then death; essential classes (death = +inf) last among
 * equal births.  This is the order results carry. */
void diagram_sort(struct tdp_interval *iv, size_t n);

/* The diagrams of one window, as a result carries them: the intervals of
 * every dimension in MASK, in increasing dimension, COUNT[d] of each. */
struct diagram_view {
	uint32_t mask;
	uint32_t count[TDP_MAX_HDIM];
	const struct tdp_interval *iv;
};

#endif
