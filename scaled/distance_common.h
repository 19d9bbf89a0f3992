/*
 * distance_common.h - what the bottleneck and Wasserstein distances share
 * (scaled/distance.h): the workspace, and the split of two diagrams into
 * their finite points and their essential births.
 */
#ifndef TDP_DISTANCE_COMMON_H
#define TDP_DISTANCE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scaled/distance.h"

/* chains of windows whose edges the Wasserstein distance keeps (x[] below) */
#define DISTANCE_XSLOTS 8

struct distance_pt {
	double x, y;   /* birth, death */
};

/* One growable block: its contents do not survive a call to grow it. */
struct distance_buf {
	void *p;
	size_t cap;
};

struct distance_ws {
	struct distance_buf pa, pb;   /* finite points of A and B */
	struct distance_buf ea, eb;   /* essential births of A and B, sorted */
	struct distance_buf scratch;  /* the algorithm's arrays (distance_carve) */
	struct distance_buf cand;     /* the bottleneck's candidate values, small diagrams */
	/*
	 * The Wasserstein distance's geometry (B's k-d tree, the edges found)
	 * of the last pair, kept for the next call on the same pair: the
	 * pipeline asks orders 1 and 2 in a row.  Valid when wvalid and the
	 * points equal those in wkey (A's wn, then B's wm).  The small
	 * diagrams' path keeps its edges there instead, when wsmall.
	 */
	struct distance_buf wgeo, wkey;
	size_t wn, wm, wpool_n;
	int wvalid, wsmall;
	/*
	 * The small diagrams' path, order 2: the edges it found for the
	 * points of B that have a twin in A (scaled/distance_wasserstein_small.c,
	 * xsave()), for the next call whose A is this B: in a worker, the
	 * same stream's and dimension's next window.  One slot per chain of
	 * windows, DISTANCE_XSLOTS of them (a worker's streams and
	 * dimensions take turns); a slot is valid for an A of n points
	 * equal to those in key.  xhits counts the rows served from them.
	 */
	struct distance_xslot {
		struct distance_buf key, off, j, c;
		size_t n;
		uint64_t used;   /* xclock at its last save: the oldest is replaced */
	} x[DISTANCE_XSLOTS];
	uint64_t xclock;
	size_t xhits;
};

/* A point's bits, mixed: the small diagrams' paths find equal points
 * ("twins") by it. */
static inline size_t distance_pt_hash(const struct distance_pt *p)
{
	uint64_t x, y;
	memcpy(&x, &p->x, sizeof(x));
	memcpy(&y, &p->y, sizeof(y));
	uint64_t h = x * 0x9e3779b97f4a7c15ull ^ (y + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ h >> 29);
}

/*
 * The end of a shortest augmenting path of an assignment: from column
 * SINK back along WAY (each column's row on the path) to row S, each
 * row takes the column the path gives it (ROWM, COLM: the matching, -1
 * free).
 */
static inline void distance_augment_path(int32_t *rowm, int32_t *colm, const int32_t *way, size_t s, size_t sink)
{
	for (size_t j = sink;;) {
		size_t r = (size_t)way[j];
		int32_t prev = rowm[r];
		rowm[r] = (int32_t)j;
		colm[j] = (int32_t)r;
		if (r == s)
			break;
		j = (size_t)prev;
	}
}

/* The two diagrams as the algorithms see them. */
struct distance_split {
	const struct distance_pt *a, *b;
	size_t na, nb;
	const double *ea, *eb;
	size_t nea, neb;
};

/*
 * Copies the finite intervals of positive length of A and B into WS and
 * the births of the essential ones, sorted, into WS.  0, or -1 when memory
 * ran out.
 */
int distance_split(struct distance_ws *ws, const struct tdp_interval *a, size_t na,
		   const struct tdp_interval *b, size_t nb, struct distance_split *out);

/*
 * Puts at position K of IDX[LO, HI) the index that belongs there when
 * the indices are sorted by their point's x (AXIS 0) or y (AXIS 1), ties
 * by index (a total order: deterministic); smaller before, larger after.
 * Quickselect, median of three.  The k-d trees of both distances are
 * built with it.
 */
void distance_select(const struct distance_pt *pt, uint32_t *idx, size_t lo, size_t hi, size_t k, int axis);

/* na * nb at most for distance_bottleneck_small(): its candidates take 1 MB at most */
#define DISTANCE_SMALL_MAX (1u << 17)

/*
 * A search for the least r at which a monotone decision holds, among
 * candidates: the answer is UB or one of CAND[C0, C1), all below UB.
 */
struct distance_search {
	double *cand;
	size_t c0, c1;
	double ub;
};

/*
 * Bisects S by the median candidate, DECIDE(ARG, r) saying 1 (holds), 0
 * or -1 (gave up): 0 and *OUT, or -1 when DECIDE gave up.  Deterministic.
 */
int distance_search(struct distance_search *s, int (*decide)(void *arg, double r), void *arg, double *out);

/*
 * The bottleneck distance of the finite parts of S, when small
 * (scaled/distance_bottleneck_small.c): 0 and *OUT; 1 when S is not for
 * it (too large, a coordinate not finite, or too costly: it gives up);
 * -1 when memory ran out.
 */
int distance_bottleneck_small(struct distance_ws *ws, const struct distance_split *s, double *out);

/* n + m at most for distance_wasserstein_small() */
#define DISTANCE_WSMALL_MAX 2048

/*
 * The Wasserstein distance's transport, the least sum over matchings of
 * the finite parts of S of each edge's cost (L-infinity length, or half
 * lifetime to the diagonal, to the power ORDER), before the ORDER-th
 * root: for small diagrams (scaled/distance_wasserstein_small.c), 0 and
 * *OUT; 1 when S is not for it (too large, a coordinate not finite); -1
 * when memory ran out.  distance_wasserstein_large() is the general
 * one (scaled/distance_wasserstein.c): 0 and *OUT, or -1.
 */
int distance_wasserstein_small(struct distance_ws *ws, const struct distance_split *s, unsigned order,
			       double *out);
int distance_wasserstein_large(struct distance_ws *ws, const struct distance_split *s, unsigned order,
			       double *out);

/* At least BYTES in BUF; 0 or -1. */
int distance_buf_reserve(struct distance_buf *buf, size_t bytes);

/*
 * Carving arrays out of ws->scratch: sum the sizes with distance_carve_size
 * (each rounded up to 16 bytes), reserve, then take them in the same order
 * with distance_carve.
 */
static inline size_t distance_carve_size(size_t bytes)
{
	return (bytes + 15) & ~(size_t)15;
}

/* The bytes the N arrays of SIZES take, carved. */
static inline size_t distance_carve_total(const size_t *sizes, size_t n)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += distance_carve_size(sizes[i]);
	return bytes;
}

static inline void *distance_carve(char **cursor, size_t bytes)
{
	void *p = *cursor;
	*cursor += distance_carve_size(bytes);
	return p;
}

#endif
