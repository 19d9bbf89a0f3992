/*
 * rips.h - exact Vietoris-Rips persistent homology, H0..H3, Z/2 coefficients.
 *
 * The algorithm is Ripser's (U. Bauer, "Ripser: efficient computation of
 * Vietoris-Rips persistence barcodes", J Appl Comput Topol 5, 2021):
 * simplices named by the combinatorial number system, coboundary columns
 * generated on the fly and never stored, persistent cohomology computed
 * dimension by dimension with clearing, the apparent and emergent pairs
 * shortcuts, and the enclosing radius as the default threshold.  Diagrams
 * equal Ripser's and GUDHI's up to the rounding of the input distances
 * (ours are doubles, as GUDHI's; Ripser's are floats).  Internally only the
 * order of the distances matters, so they are replaced by their ranks and
 * every simplex by one 64-bit key, or 128 bits when the rank and the
 * simplex's index do not fit 64 together (see rips.c).
 *
 * A workspace holds every buffer the computation needs and keeps them
 * between calls, so a scale worker computing one window after another
 * allocates only while its windows grow.  Memory is bounded: every buffer is
 * counted against the limit given to rips_init().  A computation that would
 * pass it first tries again from an empty workspace that frees each phase's
 * buffers as soon as the phase ends (the workspace stays that way after);
 * if it still does not fit, the dimensions finished so far are returned
 * and the rest named as not computed.  H0 can always be had: when even the
 * distances do not fit, it comes from a minimum spanning tree in O(n)
 * memory (scaled/rips_h0.c).
 */
#ifndef TDP_RIPS_H
#define TDP_RIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/* Highest homology dimension rips_compute() accepts. */
#define RIPS_MAX_DIM 3

/* What struct rips_input.data holds. */
enum rips_input_kind {
	/* n points of dim coordinates each, row-major; Euclidean distances. */
	RIPS_POINTS,
	/* The strict lower triangle of a symmetric distance matrix, row by row:
	 * d(1,0), d(2,0), d(2,1), d(3,0), ... (n(n-1)/2 values, Ripser's
	 * "lower-distance" format).  Values must be >= 0 and not NaN. */
	RIPS_LOWER_DISTANCE,
};

struct rips_input {
	enum rips_input_kind kind;
	size_t n;              /* points */
	size_t dim;            /* coordinates per point (RIPS_POINTS only) */
	const double *data;    /* see enum rips_input_kind; not retained */
};

/* The diagrams of one computation.  The interval arrays belong to the
 * workspace and stay valid until its next rips_compute() or rips_fini(). */
struct rips_diagram {
	int maxdim;                                  /* dimensions asked for: 0..maxdim */
	int done;                                    /* diagrams 0..done-1 are filled and exact */
	enum tdp_incomplete why;                     /* why done..maxdim are not (NONE if done > maxdim) */
	double threshold;                            /* the threshold actually used */
	double enclosing_radius;                     /* min over points of the max distance; NAN if unknown */
	size_t count[RIPS_MAX_DIM + 1];              /* intervals of H_d */
	const struct tdp_interval *iv[RIPS_MAX_DIM + 1];
};

/* Counters of the last computation (for benchmarks and the result's
 * "approximation" fields). */
struct rips_stats {
	size_t bytes;          /* memory held by the workspace now */
	size_t peak_bytes;     /* the most it ever held */
	uint64_t columns[RIPS_MAX_DIM + 1];   /* columns reduced in dim d */
	uint64_t apparent[RIPS_MAX_DIM + 1];  /* columns skipped as apparent pairs */
	uint64_t emergent[RIPS_MAX_DIM + 1];  /* columns paired without reduction */
	int tight;             /* 1: a window passed the limit once; phases now free their buffers */
	int wide_keys;         /* 1: the last computation keyed its simplices in 128 bits */
	size_t edges;          /* edges within the threshold */
	size_t edges_kept;     /* of those, left by the edge collapse (all without it) */
};

typedef struct rips_ws rips_ws_t;

/*
 * Create a workspace in *WS whose buffers may hold at most MEM_LIMIT bytes
 * together (0: no limit but the machine's).  Returns 0 or -ENOMEM.
 */
int rips_init(rips_ws_t **ws, size_t mem_limit);

/* Free the workspace and every buffer it holds; NULL is fine. */
void rips_fini(rips_ws_t *ws);

/*
 * Compute the persistence diagrams H_0..H_MAXDIM (0 <= MAXDIM <= 3) of the
 * Vietoris-Rips filtration of IN, truncated at THRESHOLD: a simplex enters
 * at its diameter and only simplices of diameter <= THRESHOLD exist.
 * THRESHOLD = INFINITY (or anything above the enclosing radius) gives the
 * full filtration; the enclosing radius is then used internally, which
 * changes nothing: beyond it every complex is a cone.
 *
 * OUT receives, per dimension, the intervals [birth, death) with
 * death > birth, essential classes with death = INFINITY, sorted by birth
 * then death (diagram_sort()).  Zero-length intervals are omitted, as
 * Ripser does.
 *
 * Returns 0 when every dimension was computed (OUT->done == MAXDIM + 1).
 * Otherwise a negative errno, with the diagrams of dimensions below
 * OUT->done still filled and exact, and OUT->why saying why the others are
 * not:
 *   -ENOMEM      the memory limit (why TDP_INCOMPLETE_MEMORY_MB) or the
 *                machine (TDP_INCOMPLETE_OUT_OF_MEMORY) said no;
 *   -EOVERFLOW   the simplices of the higher dimensions cannot be
 *                numbered in 64 bits (C(n, d+2) > INT64_MAX: above
 *                n = 121977 points for H2 and 16175 for H3, as Ripser),
 *                or, for every dimension, more than 2^31 - 1 edges lie
 *                within the threshold (their ranks are 31 bits)
 *                (TDP_INCOMPLETE_INDEX_RANGE);
 * and in both cases OUT->done >= 1: H0 comes from a minimum spanning tree
 * when the engine cannot give it.  Nothing is computed (done 0) for
 *   -ERANGE      a Euclidean distance overflows to infinity
 *                (TDP_INCOMPLETE_DISTANCE_RANGE);
 *   -EINVAL      a bad argument: maxdim out of range, NULL data with n > 0,
 *                negative, NaN or infinite distance, NaN coordinate,
 *                negative or NaN threshold, n > 2^20
 *                (TDP_INCOMPLETE_INVALID_INPUT).
 * The workspace stays valid.  Never prints, never exits.
 *
 * Sparse path: with a finite THRESHOLD, the pairs within it are counted
 * first, without storing them: through a grid of cubes of the threshold's
 * side for clouds of up to 4 coordinates, a ball tree for clouds of more
 * (scaled/rips_balltree.h; with either the enclosing radius is not
 * computed, NAN, and THRESHOLD is used as given: the same diagrams), in
 * one pass over all pairs for a distance matrix; when they are few (under
 * 1 in 10, or 1 in 4 when the dense floor would pass the limit) only they
 * are kept, with per-point adjacencies, and no n x n array is allocated:
 * memory grows with the edges kept (about 64 bytes each).  The diagrams
 * are the same either way.  For tests, in the environment of rips_init():
 * TDP_RIPS_SPARSE=1 (0) forces it on (off), TDP_RIPS_SEARCH=pairs makes a
 * cloud's search measure every pair and =tree use the ball tree at any
 * number of coordinates, TDP_RIPS_KEYS=wide forces 128-bit keys.
 *
 * Memory: the floor, which every dimension needs, is about 32 n^2 bytes:
 * the distances (8 bytes a pair), their ranks (4 n^2) and the edge sort
 * (48 bytes a pair, 56 with 128-bit keys); tdp_scale_rips_bytes() bounds
 * it for a scale, and test_rips checks that bound against the engine's
 * peak.  Above it, the simplices of each dimension below MAXDIM within the
 * threshold (8 bytes each, 16 with 128-bit keys) and the working columns of the reduction, which depend on the
 * data; rips_get_stats() reports the peak.  Time and memory grow steeply
 * with MAXDIM: set a threshold or subsample for H2 and H3 on large windows.
 */
int rips_compute(rips_ws_t *ws, const struct rips_input *in, int maxdim, double threshold,
		 struct rips_diagram *out);

/*
 * Check the values of IN as rips_compute() does before computing: 0;
 * -EINVAL for NULL data with n > 0, no coordinates, n > 2^20, a NaN
 * coordinate or a negative, NaN or infinite distance; -ERANGE for an
 * infinite coordinate (its distances overflow).  O(input).
 */
int rips_input_check(const struct rips_input *in);

/* The reason a result names for an error of rips_compute() or rips_h0()
 * (-ENOMEM: the machine's; rips_compute() tells the limit apart in
 * struct rips_diagram.why). */
enum tdp_incomplete rips_why(int rc);

/* Counters of the last rips_compute() (and the memory peak of all). */
void rips_get_stats(const rips_ws_t *ws, struct rips_stats *st);

/*
 * Edge collapse (scaled/rips_collapse.h): the graph within the threshold
 * shrunk before the reduction, the diagrams unchanged.
 *   RIPS_COLLAPSE_AUTO  where it pays: on the sparse path, computing H2 or
 *                       H3 (measured in README.md, "Rips persistence vs
 *                       ripser"); the default;
 *   RIPS_COLLAPSE_ON    whenever H1 or above is computed: it then takes the
 *                       sparse path, with or without a threshold;
 *   RIPS_COLLAPSE_OFF   never.
 * A workspace starts with TDP_RIPS_COLLAPSE=auto|on|off of the environment
 * of rips_init(), or AUTO; this sets it for the computations that follow.
 */
enum rips_collapse_mode { RIPS_COLLAPSE_AUTO, RIPS_COLLAPSE_ON, RIPS_COLLAPSE_OFF };
void rips_set_collapse(rips_ws_t *ws, enum rips_collapse_mode mode);

/*
 * The combinatorial number system, exported for tests.  A k-subset
 * {v_{k-1} > ... > v_0} of {0..n-1} is numbered sum_i C(v_i, i+1)
 * (Bauer 2021, "combinatorial number system": the numbers are dense and
 * colexicographic, and the vertices come back greedily).
 * rips_simplex_index() takes the vertices in decreasing order;
 * rips_simplex_vertices() writes them in decreasing order.  Both need
 * n <= 2^20 and k <= RIPS_MAX_DIM + 2.
 */
int64_t rips_binomial(uint32_t n, uint32_t k);

/* Whether rips_compute() on N points up to MAXDIM may key its simplices in
 * 128 bits rather than 64 (when all pairs have distinct distances): the
 * rank of a diameter (up to N(N-1)/2 values) and the largest simplex
 * index do not fit one 64-bit word together.  For memory bounds. */
bool rips_may_need_wide_keys(uint32_t n, int maxdim);
int64_t rips_simplex_index(const uint32_t *v, int k);
void rips_simplex_vertices(int64_t idx, int k, uint32_t n, uint32_t *v);

#endif
