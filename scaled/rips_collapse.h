/*
 * rips_collapse.h - edge collapse of a filtered graph, keeping the
 * persistent homology of its flag complex (every dimension, H0 included).
 *
 * The backward algorithm of M. Glisse and S. Pritam, "Swap, Shift and Trim
 * to Edge Collapse a Filtration" (SoCG 2022), after J.-D. Boissonnat and
 * S. Pritam's edge collapse (SoCG 2020), as GUDHI's
 * Flag_complex_edge_collapser: the edges are taken from the last in the
 * filtration to the first.  An edge uv at time t is dominated when a
 * common neighbour c of u and v is adjacent to every other common
 * neighbour present at t (the link of uv is then a cone on c, and removing
 * uv with its cofaces changes no homology).  A dominated edge moves later,
 * to the next time a common neighbour appears, for as long as some vertex
 * dominates it; dominated until no neighbour is left to appear, it goes.
 * The flag complexes of the graph before and after give the same
 * persistence diagrams (as multisets of intervals of non-zero length);
 * the collapsed one has fewer edges, and far fewer triangles and
 * tetrahedra, which is what it is for: the reduction of H2 and H3.
 *
 * Times are ranks (the engine's ranks of distinct edge lengths): an edge
 * moves to the time of another edge, so its new value is one the input
 * has.
 */
#ifndef TDP_RIPS_COLLAPSE_H
#define TDP_RIPS_COLLAPSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rank of an edge the collapse removed. */
#define RIPS_COLLAPSE_GONE UINT32_MAX

/* Below this many edges a probing collapse goes to the end anyway. */
#define RIPS_COLLAPSE_PROBE_MIN 4096

/* Bytes of scratch rips_collapse() needs for N vertices. */
size_t rips_collapse_scratch_size(uint32_t n);

/*
 * Collapse the NE edges of a graph of N vertices.
 *
 * OFF, ADJ: the graph, each vertex's neighbours in increasing order:
 * vertex i's are ADJ[OFF[i] .. OFF[i+1]), each entry neighbour << 32 |
 * rank; no vertex is its own neighbour, and an edge has the same rank in
 * both of its ends' lists.  The ranks are rewritten in place: an edge
 * moved later gets its new rank in both entries, a removed edge
 * RIPS_COLLAPSE_GONE in both (the entries stay, for the caller to drop).
 *
 * EV: the edges, two words each, in an order of non-decreasing rank
 * (any order among equal ranks): EV[2e] its rank, EV[2e + 1] = u << 32 |
 * v; EV[2e] is overwritten with the edge's new rank or
 * RIPS_COLLAPSE_GONE.
 *
 * PROBE: stop after the latest eighth of the edges (from
 * RIPS_COLLAPSE_PROBE_MIN edges up) if fewer than half of those went,
 * leaving the earlier ones as they are.  Any prefix of the backward
 * pass keeps the diagrams (each edge's move is one of the algorithm's
 * steps, on the graph as the steps before left it), and the latest
 * edges are those that go most: measured on clouds where the collapse
 * pays (o3, tori, spheres or uniform points of R^4 at a threshold) 89-97%
 * of the latest eighth went, where it does not (uniform points of R^8,
 * a sphere up to its enclosing radius) 3-30%.
 *
 * SCRATCH: rips_collapse_scratch_size(N) bytes, 8-aligned.
 * Returns the number of edges kept.  No allocation.
 */
size_t rips_collapse(uint32_t n, const uint32_t *off, uint64_t *adj, uint64_t *ev, size_t ne,
		     bool probe, void *scratch);

#endif
