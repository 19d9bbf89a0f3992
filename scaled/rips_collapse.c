/*
 * rips_collapse.c - edge collapse of a filtered graph (see rips_collapse.h).
 *
 * Per edge uv, from the last to the first, at its time t:
 *   1. its common neighbours: those present at t (both edges to u and v
 *      within t: NGB, sorted by vertex) and those that come later (LATER,
 *      keyed by the time they come, max of the two edges' ranks);
 *   2. a dominator c in NGB: adjacent within t to every other vertex of
 *      NGB (a merge of NGB with c's sorted adjacency);
 *   3. while c dominates, t moves to the next time in LATER, whose
 *      vertices join NGB; c still dominates if its edges to them are
 *      there by then.  When it stops, step 2 again at the new t; when
 *      LATER runs out while dominated, the edge goes.
 * The ranks of the edges already done are their new ones (the entries are
 * rewritten as each edge is done), those of the edges to come their
 * original ones, as in Glisse and Pritam's backward algorithm.
 */
#include "scaled/rips_collapse.h"
#include "scaled/rips_adj.h"

#include <stdbool.h>
#include <string.h>

/* From this many present common neighbours up, a candidate is tested by
 * one pass over its adjacency (covers()), below by a binary search per
 * neighbour (blocker()): measured on o3 (n = 2,048 and 4,096, H2), the
 * collapse is about a fifth faster so than with either alone. */
#define SCAN_FROM 8

size_t rips_collapse_scratch_size(uint32_t n)
{
	/* LATER: n (time, vertex) pairs (8 bytes); NGB and MARK: n vertices
	 * (4); BAD: n flags (1). */
	return (size_t)n * 21 + 16;
}

static inline uint32_t nbr(uint64_t x)
{
	return (uint32_t)(x >> 32);
}

/* The first place in ADJ[p..end) whose neighbour is >= W, or END. */
static inline size_t lower_bound(const uint64_t *adj, size_t p, size_t end, uint32_t w)
{
	while (p < end) {
		size_t mid = p + (end - p) / 2;
		if (nbr(adj[mid]) < w)
			p = mid + 1;
		else
			end = mid;
	}
	return p;
}

/* Whether C is adjacent within T to every vertex of NGB[0..k) but itself:
 * K if so, else the place in NGB of a vertex it is not adjacent to (K + 1:
 * C has too few neighbours to be).  A removed edge has rank GONE, above
 * any T.  Most candidates fail at one of the first few vertices: each is
 * binary searched in what is left of C's adjacency, rather than the two
 * merged to the end. */
static size_t blocker(const uint32_t *off, const uint64_t *adj, uint32_t c, const uint32_t *ngb,
		      size_t k, uint32_t t)
{
	size_t p = off[c], end = off[c + 1];
	if (end - p + 1 < k)
		return k + 1;
	for (size_t i = 0; i < k; i++) {
		uint32_t w = ngb[i];
		if (w == c)
			continue;
		p = lower_bound(adj, p, end, w);
		if (p == end || nbr(adj[p]) != w || (uint32_t)adj[p] > t)
			return i;
		p++;
	}
	return k;
}

/* Whether C is adjacent within T to all K - 1 other vertices of NGB, its
 * members those with IN[w] == EPOCH: one pass over C's adjacency,
 * counting without a branch, which on large sets beats a binary search
 * per member (they mispredict at every step). */
static bool covers(const uint32_t *off, const uint64_t *adj, uint32_t c, const uint32_t *in, uint32_t epoch,
		   size_t k, uint32_t t)
{
	size_t cnt = 0;
	for (size_t p = off[c]; p < off[c + 1]; p++)
		cnt += (in[nbr(adj[p])] == epoch) & ((uint32_t)adj[p] <= t);
	return cnt + 1 == k;
}

/* A vertex of NGB[0..k) adjacent within T to all the others, -1 if none;
 * FIRST (if < K) is tried first.  Small sets: a candidate's blocker, not
 * adjacent to it, is not one either (the relation is symmetric), and BAD
 * marks those, which spares tests where no vertex dominates; large sets:
 * covers(), with IN[w] == EPOCH for the members of NGB. */
static int64_t dominator(const uint32_t *off, const uint64_t *adj, const uint32_t *ngb, size_t k,
			 uint32_t t, size_t first, uint8_t *bad, const uint32_t *in, uint32_t epoch)
{
	if (k > SCAN_FROM) {
		for (size_t j = 0; j <= k; j++) {
			size_t i = j == 0 ? first : j - 1;
			if (i >= k || (j > 0 && i == first))
				continue;
			uint32_t c = ngb[i];
			if (off[c + 1] - off[c] + 1 >= k && covers(off, adj, c, in, epoch, k, t))
				return c;
		}
		return -1;
	}
	memset(bad, 0, k);
	for (size_t j = 0; j <= k; j++) {
		size_t i = j == 0 ? first : j - 1;
		if (i >= k || bad[i] || (j > 0 && i == first))
			continue;
		size_t b = blocker(off, adj, ngb[i], ngb, k, t);
		if (b == k)
			return ngb[i];
		if (b < k)
			bad[b] = 1;
	}
	return -1;
}

/* A binary min-heap of (time << 32 | vertex). */
static void sift_down(uint64_t *h, size_t m, size_t i)
{
	uint64_t x = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && h[c + 1] < h[c])
			c++;
		if (h[c] >= x)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static void heapify(uint64_t *h, size_t m)
{
	for (size_t i = m / 2; i-- > 0;)
		sift_down(h, m, i);
}

/* Insert W into the sorted NGB[0..*k). */
static void ngb_insert(uint32_t *ngb, size_t *k, uint32_t w, uint32_t *in, uint32_t epoch)
{
	in[w] = epoch;
	size_t lo = 0, hi = *k;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ngb[mid] < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(ngb + lo + 1, ngb + lo, (*k - lo) * sizeof(*ngb));
	ngb[lo] = w;
	(*k)++;
}

/* Step 1: the common neighbours of U and V, present at T into NGB (sorted),
 * later into LATER; their counts into *K and *M.  The ranks of U's edges
 * are spread over MARK (all GONE outside this call), and V's adjacency
 * read against them: a merge of the two lists mispredicts a branch at
 * nearly every step. */
static void common(const uint32_t *off, const uint64_t *adj, uint32_t u, uint32_t v, uint32_t t,
		   uint32_t *mark, uint32_t *ngb, size_t *k, uint64_t *later, size_t *m, size_t *first)
{
	if (off[u + 1] - off[u] > off[v + 1] - off[v]) {
		uint32_t x = u;
		u = v;
		v = x;
	}
	size_t nk = 0, nm = 0;
	uint32_t best = RIPS_COLLAPSE_GONE;
	*first = 0;
	for (size_t a = off[u]; a < off[u + 1]; a++)
		mark[nbr(adj[a])] = (uint32_t)adj[a];
	for (size_t b = off[v]; b < off[v + 1]; b++) {
		uint32_t w = nbr(adj[b]), ra = mark[w], rb = (uint32_t)adj[b];
		uint32_t f = ra > rb ? ra : rb;
		if (f == RIPS_COLLAPSE_GONE)
			continue;	/* not a neighbour of U, or an edge removed */
		if (f <= t) {
			if (f < best) {
				best = f;
				*first = nk;
			}
			ngb[nk++] = w;
		} else
			later[nm++] = (uint64_t)f << 32 | w;
	}
	for (size_t a = off[u]; a < off[u + 1]; a++)
		mark[nbr(adj[a])] = RIPS_COLLAPSE_GONE;
	*k = nk;
	*m = nm;
}

size_t rips_collapse(uint32_t n, const uint32_t *off, uint64_t *adj, uint64_t *ev, size_t ne,
		     bool probe, void *scratch)
{
	/* PROBE: the latest eighth of the edges decides (rips_collapse.h). */
	size_t look = probe && ne >= RIPS_COLLAPSE_PROBE_MIN ? ne - ne / 8 : SIZE_MAX;
	uint64_t *later = scratch;
	uint32_t *ngb = (uint32_t *)(later + n), *mark = ngb + n;
	uint32_t *in = mark + n, epoch = 0;
	uint8_t *bad = (uint8_t *)(in + n);
	size_t kept = 0;

	memset(mark, 0xff, (size_t)n * sizeof(*mark));	/* RIPS_COLLAPSE_GONE */
	memset(in, 0, (size_t)n * sizeof(*in));

	for (size_t e = ne; e-- > 0;) {
		uint32_t u = nbr(ev[2 * e + 1]), v = (uint32_t)ev[2 * e + 1];
		int64_t pu = rips_adj_find(off, adj, u, v), pv = rips_adj_find(off, adj, v, u);
		uint32_t t0 = (uint32_t)adj[pu], t = t0;
		size_t k, m, first;
		bool gone = false, heap = false;

		/* The first candidate tried is the common neighbour that came
		 * first, the nearest to both ends: in a point cloud, where the
		 * dominator of an edge is found most often. */
		common(off, adj, u, v, t, mark, ngb, &k, later, &m, &first);
		if (++epoch == 0) {
			memset(in, 0, (size_t)n * sizeof(*in));
			epoch = 1;
		}
		for (size_t i = 0; i < k; i++)
			in[ngb[i]] = epoch;
		for (;;) {
			int64_t c = dominator(off, adj, ngb, k, t, first, bad, in, epoch);
			first = k;	/* at a later time: in order */
			if (c < 0)
				break;
			/* Later while C dominates: up to the next time a
			 * neighbour it does not reach in time comes. */
			for (bool still = true; still;) {
				if (!m) {
					gone = true;
					break;
				}
				if (!heap) {
					heapify(later, m);
					heap = true;
				}
				t = (uint32_t)(later[0] >> 32);
				while (m && (uint32_t)(later[0] >> 32) == t) {
					uint32_t w = (uint32_t)later[0];
					int64_t p = rips_adj_find(off, adj, (uint32_t)c, w);
					if (p < 0 || (uint32_t)adj[p] > t)
						still = false;
					ngb_insert(ngb, &k, w, in, epoch);
					later[0] = later[--m];
					sift_down(later, m, 0);
				}
			}
			if (gone)
				break;
		}
		uint32_t r = gone ? RIPS_COLLAPSE_GONE : t;
		if (r != t0) {
			adj[pu] = (adj[pu] & ~(uint64_t)UINT32_MAX) | r;
			adj[pv] = (adj[pv] & ~(uint64_t)UINT32_MAX) | r;
		}
		ev[2 * e] = r;
		kept += !gone;
		if (e == look && 2 * kept > ne - e)
			return kept + e;	/* under half gone: the rest as they are */
	}
	return kept;
}
