/*
 * diagram.h - persistence diagrams as arrays of intervals.
 */
#ifndef TDP_DIAGRAM_H
#define TDP_DIAGRAM_H

#include <stddef.h>

#include "common/record.h"

/* Sort by birth, then death; essential classes (death = +inf) last among
 * equal births.  This is the order results carry. */
void diagram_sort(struct tdp_interval *iv, size_t n);

#endif
