/*
 * rips.c - exact Vietoris-Rips persistent homology (see rips.h).
 *
 * Reference: U. Bauer, "Ripser: efficient computation of Vietoris-Rips
 * persistence barcodes", J Appl Comput Topol 5 (2021) 391-423
 * (arXiv:1908.02518).  Comments below name the paper's concepts in quotes.
 *
 * The filtration order.  Simplices are ordered by diameter, then by
 * dimension, then by *decreasing* index in the "combinatorial number
 * system" (as Ripser does).  Any total order refining the diameter gives
 * the same diagram up to
 * zero-length intervals, but the apparent-pair and emergent-pair shortcuts
 * and clearing must all agree on one order, and with this one the
 * coboundary of a simplex enumerates its cofacets in decreasing index
 * order, i.e. from late to early within one diameter, which is what makes
 * the shortcuts cheap.
 *
 * Persistent cohomology (after de Silva, Morozov and Vejdemo-Johansson):
 * the coboundary matrix has a column per d-simplex, in reverse filtration
 * order, and a row per (d+1)-simplex.
 * The pivot of a column is its entry earliest in the filtration (smallest
 * diameter, then largest index).  Reducing column sigma to a new pivot tau
 * gives the interval [diam sigma, diam tau); a column that reduces to zero,
 * and is not cleared, is an essential class [diam sigma, inf).
 *
 * Compact keys (our addition).  Only the order of the distances matters to
 * the reduction, so the distances within the threshold are replaced by
 * their ranks among the distinct values (4 bytes per pair), and a simplex
 * of a given dimension becomes one 64-bit key,
 *     key = rank(diameter) << ib | (2^ib - 1 - index),
 * whose integer order is exactly the filtration order.  Keys are compared
 * with one instruction, half the size of a (double, index) pair, and they
 * allow a radix heap for the working column: the pivot of a column only
 * moves later during its reduction, so the heap is monotone.
 */
#include "scaled/rips.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/diagram.h"
#include "scaled/rips_h0.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef int64_t index_t;
typedef uint64_t skey_t;

/* The rank of a distance above the threshold; below 2^31 so that ranks
 * compare as signed 32-bit integers (SSE2). */
#define RANK_OUT 0x7fffffffu
#define NO_KEY ((skey_t)0)       /* never a simplex key: the index part is >= 1 */

/* A growable array, counted against the workspace's memory limit. */
#define ARRAY(T) struct { T *p; size_t len, cap; }

struct kv {
	uint64_t k, v;
};

/* A monotone priority queue of keys (radix heap, Ahuja et al. 1990):
 * bucket i > 0 holds the keys whose highest bit differing from LAST is
 * bit i-1, bucket 0 the keys equal to LAST (only their count is kept).
 * Push is O(1); a pop that empties bucket 0 redistributes the lowest
 * non-empty bucket.
 *
 * Buckets are chains of fixed-size chunks from one free list, not arrays
 * of their own: an array per bucket keeps each bucket's largest size
 * ever, and over many columns and windows the sum of 64 such maxima grew
 * to ten times the largest heap (3 MB for 300-point windows).  Chunks
 * bound the memory by the largest heap plus one chunk per bucket. */
#define RH_CHUNK 1022	/* keys per chunk: 8 KiB with its header */
struct rh_chunk {
	struct rh_chunk *next;
	size_t len;
	skey_t k[RH_CHUNK];
};

struct rheap {
	skey_t last;
	size_t size;
	size_t zero;                  /* copies of LAST: bucket 0 */
	skey_t bmin[65];              /* least key of each bucket, UINT64_MAX if empty */
	struct rh_chunk *b[65];       /* bucket i's chain, the chunk being filled first */
	struct rh_chunk *spare;       /* free chunks */
};

struct rips_ws {
	size_t limit, bytes, peak;
	enum tdp_incomplete nomem;    /* why the last -ENOMEM: the limit or the machine */
	bool tight;                   /* free each phase's buffers when it ends (rips_compute) */
	int done;                     /* dimensions finished by the computation under way */

	uint32_t n;
	int maxdim;
	double thr;
	unsigned ib;                  /* bits of the index part of a key */
	skey_t imax;                   /* 2^ib - 1 */

	ARRAY(double) dist;           /* strict lower triangle, d(i,j) at i(i-1)/2 + j */
	ARRAY(uint32_t) rank;         /* n x n: rank of d(i,j) among the distinct values, or RANK_OUT */
	ARRAY(double) vals;           /* the distinct distances <= thr, increasing */
	ARRAY(double) rowmax;         /* per point, its largest distance */
	ARRAY(index_t) binom;         /* C(v, k) at k * (n+1) + v, v in 0..n, k in 0..bk-1 */
	int bk;
	ARRAY(struct kv) edges, kvtmp;
	ARRAY(uint32_t) uf;           /* union-find parents for H0 */
	ARRAY(skey_t) simp;            /* every d-simplex with diameter <= thr */
	ARRAY(skey_t) next_simp;
	ARRAY(skey_t) cols;            /* the columns to reduce in the current dimension */
	ARRAY(skey_t) ktmp;            /* radix sort scratch */
	ARRAY(skey_t) hkey;            /* pivot -> column: open addressing, NO_KEY = empty */
	ARRAY(uint32_t) hval;
	unsigned hbits;
	ARRAY(size_t) vstart;         /* reduction matrix V: column i is vent[vstart[i]..vstart[i+1]) */
	ARRAY(skey_t) vent;
	ARRAY(skey_t) red;             /* working reduction column (unordered, with repeats) */
	struct rheap cob;             /* working coboundary */
	ARRAY(struct tdp_interval) out[RIPS_MAX_DIM + 1];
	ARRAY(double) h0tmp;          /* scratch of the spanning-tree H0 (rips_h0.h) */

	struct rips_stats st;
};

/* ------------------------------------------------------------------ memory */

/*
 * Make room for NEED elements of ELSIZE bytes in *P (capacity *CAP),
 * within the workspace limit.  0 or -ENOMEM (then *P unchanged).
 *
 * An array grows by a quarter (EXACT: to NEED), a rule that looks only at
 * the array, never at the room left under the limit.  That keeps every
 * capacity a monotone function of where the array started, so a
 * computation that fits with buffers kept from earlier windows also fits
 * from an empty workspace, and whether a window fits depends on the
 * window alone (rips_compute()).  Growing into whatever room is left
 * would break that, and growing by what each push needs would copy the
 * array once per element.
 */
static int ws_reserve(struct rips_ws *ws, void **p, size_t *cap, size_t need, size_t elsize,
		      bool exact)
{
	if (need <= *cap)
		return 0;
	ws->nomem = TDP_INCOMPLETE_OUT_OF_MEMORY;
	if (need > SIZE_MAX / 2 / elsize)
		return -ENOMEM;
	size_t ncap = *cap ? *cap + *cap / 4 : 16;
	if (exact || ncap < need || ncap > SIZE_MAX / 2 / elsize)
		ncap = need;
	size_t old = *cap * elsize, nb = ncap * elsize;
	if (ws->limit && ws->bytes - old + nb > ws->limit) {
		ws->nomem = TDP_INCOMPLETE_MEMORY_MB;
		return -ENOMEM;
	}
	void *q = realloc(*p, nb);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	ws->bytes = ws->bytes - old + nb;
	if (ws->bytes > ws->peak)
		ws->peak = ws->bytes;
	return 0;
}

#define RESERVE(ws, a, need) ws_reserve((ws), (void **)&(a).p, &(a).cap, (need), sizeof(*(a).p), false)
/* For arrays whose size is known before they are filled: no slack. */
#define RESERVE_EXACT(ws, a, need) \
	ws_reserve((ws), (void **)&(a).p, &(a).cap, (need), sizeof(*(a).p), true)

/* Append X to array A; evaluates to 0 or -ENOMEM. */
#define PUSH(ws, a, x) \
	((a).len < (a).cap || RESERVE(ws, a, (a).len + 1) == 0 ? ((a).p[(a).len++] = (x), 0) : -ENOMEM)

#define FREE(ws, a) do { free((a).p); (ws)->bytes -= (a).cap * sizeof(*(a).p); \
	(a).p = NULL; (a).len = (a).cap = 0; } while (0)

int rips_init(rips_ws_t **wsp, size_t mem_limit)
{
	struct rips_ws *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	ws->limit = mem_limit;
	ws->bytes = ws->peak = sizeof(*ws);
	*wsp = ws;
	return 0;
}

static void rh_clear(struct rheap *h);

/* Empty the working coboundary and free its chunks. */
static void rh_release(struct rips_ws *ws)
{
	rh_clear(&ws->cob);
	for (struct rh_chunk *c = ws->cob.spare, *nx; c; c = nx) {
		nx = c->next;
		free(c);
		ws->bytes -= sizeof(*c);
	}
	ws->cob.spare = NULL;
}

/* The buffers of the reduction of one dimension (compute_pairs()). */
static void free_reduction(struct rips_ws *ws)
{
	FREE(ws, ws->vstart);
	FREE(ws, ws->vent);
	FREE(ws, ws->red);
	FREE(ws, ws->ktmp);
	rh_release(ws);
}

/* Free every buffer but the diagrams of dimensions below KEEP. */
static void ws_trim(struct rips_ws *ws, int keep)
{
	FREE(ws, ws->dist);
	FREE(ws, ws->rank);
	FREE(ws, ws->vals);
	FREE(ws, ws->rowmax);
	FREE(ws, ws->binom);
	FREE(ws, ws->edges);
	FREE(ws, ws->kvtmp);
	FREE(ws, ws->uf);
	FREE(ws, ws->simp);
	FREE(ws, ws->next_simp);
	FREE(ws, ws->cols);
	FREE(ws, ws->hkey);
	FREE(ws, ws->hval);
	FREE(ws, ws->h0tmp);
	free_reduction(ws);
	for (int d = keep; d <= RIPS_MAX_DIM; d++)
		FREE(ws, ws->out[d]);
}

void rips_fini(rips_ws_t *ws)
{
	if (!ws)
		return;
	ws_trim(ws, 0);
	free(ws);
}

void rips_get_stats(const rips_ws_t *ws, struct rips_stats *st)
{
	*st = ws->st;
	st->bytes = ws->bytes;
	st->peak_bytes = ws->peak;
	st->tight = ws->tight;
}

/* ------------------------------------------------- combinatorial numbers */

/* C(n, k) computed directly, saturating at INT64_MAX (for the exported API). */
int64_t rips_binomial(uint32_t n, uint32_t k)
{
	if (k > n)
		return 0;
	if (k > n - k)
		k = n - k;
	unsigned __int128 r = 1;
	for (uint32_t i = 1; i <= k; i++) {
		r = r * (n - k + i) / i;	/* exact: C(n-k+i, i) * i is r * (n-k+i) */
		if (r > INT64_MAX)
			return INT64_MAX;
	}
	return (int64_t)r;
}

int64_t rips_simplex_index(const uint32_t *v, int k)
{
	int64_t idx = 0;
	for (int i = 0; i < k; i++)
		idx += rips_binomial(v[i], (uint32_t)(k - i));
	return idx;
}

void rips_simplex_vertices(int64_t idx, int k, uint32_t n, uint32_t *v)
{
	uint32_t top = n;	/* vertices are < top */
	for (int i = 0; i < k; i++) {
		uint32_t kk = (uint32_t)(k - i);
		/* Largest w < top with C(w, kk) <= idx (the "combinatorial number system": greedy decoding). */
		uint32_t lo = kk - 1, hi = top - 1;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo + 1) / 2;
			if (rips_binomial(mid, kk) <= idx)
				lo = mid;
			else
				hi = mid - 1;
		}
		v[i] = lo;
		idx -= rips_binomial(lo, kk);
		top = lo;
	}
}

static inline index_t C(const struct rips_ws *ws, uint32_t v, int k)
{
	return ws->binom.p[(size_t)k * (ws->n + 1) + v];
}

/* Fill the table C(v, k), v <= n, k < bk, saturating at INT64_MAX: the
 * dimensions whose simplices that leaves unnumbered are not computed
 * (rank_edges() finds the highest that fit).  0 or -ENOMEM. */
static int binom_build(struct rips_ws *ws, uint32_t n, int bk)
{
	size_t need = ((size_t)n + 1) * (size_t)bk;
	int rc = RESERVE_EXACT(ws, ws->binom, need);
	if (rc)
		return rc;
	ws->bk = bk;
	index_t *B = ws->binom.p;
	for (uint32_t v = 0; v <= n; v++) {
		for (int k = 0; k < bk; k++) {
			index_t x;
			if (k == 0)
				x = 1;
			else if (v == 0)
				x = 0;
			else {
				index_t a = B[(size_t)(k - 1) * (n + 1) + v - 1], b = B[(size_t)k * (n + 1) + v - 1];
				x = a > INT64_MAX - b ? INT64_MAX : a + b;
			}
			B[(size_t)k * (n + 1) + v] = x;
		}
	}
	return 0;
}

/* Largest vertex w <= top with C(w, k) <= idx. */
static inline uint32_t max_vertex(const struct rips_ws *ws, index_t idx, int k, uint32_t top)
{
	uint32_t lo = (uint32_t)(k - 1), hi = top;
	if (C(ws, hi, k) <= idx)
		return hi;
	while (hi - lo > 1) {	/* invariant: C(lo,k) <= idx < C(hi,k) */
		uint32_t mid = lo + (hi - lo) / 2;
		if (C(ws, mid, k) <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The K+1 vertices of the K-simplex IDX, in decreasing order. */
static inline void vertices_of(const struct rips_ws *ws, index_t idx, int k, uint32_t *v)
{
	uint32_t top = ws->n - 1;
	for (int i = k + 1; i >= 1; i--) {
		uint32_t w = max_vertex(ws, idx, i, top);
		*v++ = w;
		idx -= C(ws, w, i);
		top = w - 1;
	}
}

/* The vertices of sigma (V, DIM+1 of them, decreasing) with W inserted. */
static inline void insert_vertex(const uint32_t *v, int dim, uint32_t w, uint32_t *out)
{
	int i = 0;
	for (; i <= dim && v[i] > w; i++)
		out[i] = v[i];
	out[i] = w;
	for (; i <= dim; i++)
		out[i + 1] = v[i];
}

/* The vertices of tau (V, DIM+1 of them) without v[J]. */
static inline void remove_vertex(const uint32_t *v, int dim, int j, uint32_t *out)
{
	for (int i = 0, o = 0; i <= dim; i++)
		if (i != j)
			out[o++] = v[i];
}

/* ---------------------------------------------------------- keys and ranks */

static inline skey_t make_key(const struct rips_ws *ws, uint32_t rank, index_t idx)
{
	return (skey_t)rank << ws->ib | (ws->imax - (skey_t)idx);
}

static inline index_t key_idx(const struct rips_ws *ws, skey_t k)
{
	return (index_t)(ws->imax - (k & ws->imax));
}

static inline uint32_t key_rank(const struct rips_ws *ws, skey_t k)
{
	return (uint32_t)(k >> ws->ib);
}

/* The rank of d(i, j); the matrix is stored square so that the distances
 * from one vertex to all others are one contiguous row. */
static inline uint32_t rank_of(const struct rips_ws *ws, uint32_t i, uint32_t j)
{
	return ws->rank.p[(size_t)i * ws->n + j];
}

static inline const uint32_t *rank_row(const struct rips_ws *ws, uint32_t i)
{
	return ws->rank.p + (size_t)i * ws->n;
}

/* ---------------------------------------------------------------- sorting */

/* LSD radix sort of A[0..n) by the 64-bit key, stable, 8 bits a pass,
 * skipping the passes where every key has the same byte.  TMP: n slots
 * (unused below 64 elements). */
#define RADIX_SORT(NAME, T, KEY)                                                 \
static void NAME(T *a, T *tmp, size_t n)                                         \
{                                                                                \
	if (n < 64) {	/* insertion sort: stable, and cheap when short */       \
		for (size_t i = 1; i < n; i++) {                                 \
			T x = a[i];                                              \
			size_t j = i;                                            \
			for (; j > 0 && KEY(a[j - 1]) > KEY(x); j--)             \
				a[j] = a[j - 1];                                 \
			a[j] = x;                                                \
		}                                                                \
		return;                                                          \
	}                                                                        \
	size_t cnt[8][256];                                                      \
	memset(cnt, 0, sizeof(cnt));                                             \
	for (size_t i = 0; i < n; i++) {                                         \
		uint64_t k = KEY(a[i]);                                          \
		for (int b = 0; b < 8; b++)                                      \
			cnt[b][(k >> (8 * b)) & 255]++;                          \
	}                                                                        \
	for (int b = 0; b < 8; b++) {                                            \
		size_t sum = 0;                                                  \
		bool trivial = false;                                            \
		for (int d = 0; d < 256; d++) {                                  \
			if (cnt[b][d] == n)                                      \
				trivial = true;                                  \
			size_t c = cnt[b][d];                                    \
			cnt[b][d] = sum;                                         \
			sum += c;                                                \
		}                                                                \
		if (trivial)                                                     \
			continue;                                                \
		for (size_t i = 0; i < n; i++)                                   \
			tmp[cnt[b][(KEY(a[i]) >> (8 * b)) & 255]++] = a[i];      \
		memcpy(a, tmp, n * sizeof(T));                                   \
	}                                                                        \
}

#define KEY_SELF(x) (x)
#define KEY_KV(x) ((x).k)
RADIX_SORT(sort_keys, skey_t, KEY_SELF)
RADIX_SORT(sort_kv, struct kv, KEY_KV)

/* ------------------------------------------------------------- radix heap */

static inline int rh_bucket(skey_t x, skey_t last)
{
	return x == last ? 0 : 64 - __builtin_clzll(x ^ last);
}

/* Give the chain starting at C to the spare list. */
static void rh_spare_chain(struct rheap *h, struct rh_chunk *c)
{
	while (c) {
		struct rh_chunk *nx = c->next;
		c->next = h->spare;
		h->spare = c;
		c = nx;
	}
}

/* Empty the heap; its chunks go to the spare list. */
static void rh_clear(struct rheap *h)
{
	for (int i = 1; i < 65; i++) {
		rh_spare_chain(h, h->b[i]);
		h->b[i] = NULL;
		h->bmin[i] = UINT64_MAX;
	}
	h->bmin[0] = UINT64_MAX;
	h->zero = 0;
	h->size = 0;
	h->last = 0;
}

/* Put X in bucket B (B >= 1), chaining a new chunk when the first is full. */
static inline int rh_put(struct rips_ws *ws, struct rheap *h, int b, skey_t x)
{
	struct rh_chunk *c = h->b[b];
	if (!c || c->len == RH_CHUNK) {
		struct rh_chunk *f = h->spare;
		if (f)
			h->spare = f->next;
		else {
			if (ws->limit && ws->bytes + sizeof(*f) > ws->limit) {
				ws->nomem = TDP_INCOMPLETE_MEMORY_MB;
				return -ENOMEM;
			}
			if (!(f = malloc(sizeof(*f)))) {
				ws->nomem = TDP_INCOMPLETE_OUT_OF_MEMORY;
				return -ENOMEM;
			}
			ws->bytes += sizeof(*f);
			if (ws->bytes > ws->peak)
				ws->peak = ws->bytes;
		}
		f->len = 0;
		f->next = c;
		h->b[b] = c = f;
	}
	c->k[c->len++] = x;
	if (x < h->bmin[b])
		h->bmin[b] = x;
	return 0;
}

/* Push X >= h->last.  0 or -ENOMEM. */
static inline int rh_push(struct rips_ws *ws, struct rheap *h, skey_t x)
{
	int b = rh_bucket(x, h->last);
	if (b == 0)
		h->zero++;
	else if (rh_put(ws, h, b, x))
		return -ENOMEM;
	h->size++;
	return 0;
}

/* Make bucket 0 hold the minimum (and every copy of it): find the lowest
 * non-empty bucket, make its least key the new LAST, and move its keys to
 * the lower buckets they now belong to (each key moves at most 64 times
 * in all).  0, 1 if the heap is empty, or -ENOMEM (then the heap is left
 * inconsistent: the caller abandons the computation). */
static int rh_settle(struct rips_ws *ws, struct rheap *h)
{
	if (h->zero)
		return 0;
	if (!h->size)
		return 1;
	int i = 1;
	while (!h->b[i])
		i++;
	struct rh_chunk *c = h->b[i];
	skey_t m = h->bmin[i];
	h->last = m;
	h->b[i] = NULL;
	h->bmin[i] = UINT64_MAX;
	while (c) {
		for (size_t j = 0; j < c->len; j++) {
			skey_t x = c->k[j];
			int b = rh_bucket(x, m);	/* < i */
			if (b == 0)
				h->zero++;
			else if (rh_put(ws, h, b, x)) {
				/* Keep the detached chunks owned: rips_fini frees the spares. */
				rh_spare_chain(h, c);
				return -ENOMEM;
			}
		}
		/* Emptied: spare it now, so the buckets below can reuse it. */
		struct rh_chunk *nx = c->next;
		c->next = h->spare;
		h->spare = c;
		c = nx;
	}
	return 0;
}

/*
 * The pivot of the working column: the least key with an odd number of
 * copies (Z/2: copies cancel in pairs).  Cancelled copies are dropped; the
 * pivot itself stays in the heap.  NO_KEY if the column is zero (*RC 0)
 * or on -ENOMEM (*RC set).
 */
static skey_t rh_pivot(struct rips_ws *ws, struct rheap *h, int *rc)
{
	*rc = 0;
	for (;;) {
		int e = rh_settle(ws, h);
		if (e) {
			*rc = e < 0 ? e : 0;
			return NO_KEY;
		}
		size_t copies = h->zero;
		if (copies & 1) {
			h->zero = 1;
			h->size -= copies - 1;
			return h->last;
		}
		h->zero = 0;
		h->size -= copies;
	}
}

/* -------------------------------------------------------------- pivot map */

static inline size_t hslot(const struct rips_ws *ws, skey_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - ws->hbits));
}

static int hmap_reset(struct rips_ws *ws, size_t n)
{
	unsigned bits = 4;
	while (((size_t)1 << bits) < 2 * n + 2)
		bits++;
	size_t cap = (size_t)1 << bits;
	int rc = RESERVE(ws, ws->hkey, cap);
	if (!rc)
		rc = RESERVE(ws, ws->hval, cap);
	if (rc)
		return rc;
	ws->hbits = bits;
	memset(ws->hkey.p, 0, cap * sizeof(skey_t));	/* NO_KEY */
	return 0;
}

/* Column whose pivot is KEY, or -1. */
static inline int64_t hmap_get(const struct rips_ws *ws, skey_t key)
{
	size_t mask = ((size_t)1 << ws->hbits) - 1;
	for (size_t s = hslot(ws, key);; s = (s + 1) & mask) {
		skey_t k = ws->hkey.p[s];
		if (k == key)
			return ws->hval.p[s];
		if (k == NO_KEY)
			return -1;
	}
}

static inline void hmap_put(struct rips_ws *ws, skey_t key, uint32_t val)
{
	size_t mask = ((size_t)1 << ws->hbits) - 1;
	size_t s = hslot(ws, key);
	while (ws->hkey.p[s] != NO_KEY)
		s = (s + 1) & mask;
	ws->hkey.p[s] = key;
	ws->hval.p[s] = val;
}

/* ------------------------------------------------- coboundary and boundary */

/*
 * Cofacets of a DIM-simplex (vertices V[0..dim], decreasing; index IDX;
 * diameter rank R), in decreasing index order ("implicit coboundary": vertices are
 * inserted from the top).  Inserting vertex w shifts the positions of the
 * vertices above it by one: the cofacet's index is
 *     idx_above + C(w, k+1) + idx_below,
 * where k vertices of sigma lie below w.  Cofacets above the threshold are
 * skipped.
 */
struct cob_iter {
	const uint32_t *v;
	const uint32_t *row[RIPS_MAX_DIM + 2];   /* rank rows of the vertices */
	int dim;
	int j;            /* vertices of sigma above w already passed */
	int64_t w;        /* next candidate vertex */
	index_t below, above;
	uint32_t r;
	uint32_t last;    /* the vertex inserted into the cofacet returned last */
};

static inline void cob_start(const struct rips_ws *ws, struct cob_iter *it, const uint32_t *v,
			     int dim, index_t idx, uint32_t r, uint32_t n)
{
	it->v = v;
	for (int i = 0; i <= dim; i++)
		it->row[i] = ws->rank.p + (size_t)v[i] * n;
	it->dim = dim;
	it->j = 0;
	it->w = (int64_t)n - 1;
	it->below = idx;
	it->above = 0;
	it->r = r;
}

/* Next cofacet's key; NO_KEY when done.  ALL false: only the cofacets whose
 * new vertex is above every vertex of sigma (each (d+1)-simplex is then met
 * exactly once when enumerating all d-simplices). */
static inline skey_t cob_next(const struct rips_ws *ws, struct cob_iter *it, bool all)
{
	for (; it->w >= 0; it->w--) {
		uint32_t w = (uint32_t)it->w;
		if (it->j <= it->dim && it->v[it->j] == w) {
			if (!all)
				return NO_KEY;
			int k = it->dim + 1 - it->j;
			it->below -= C(ws, w, k);
			it->above += C(ws, w, k + 1);
			it->j++;
			continue;
		}
		uint32_t r = it->r;
		for (int i = 0; i <= it->dim; i++) {
			uint32_t x = it->row[i][w];
			if (x > r)
				r = x;
		}
		if (r == RANK_OUT)
			continue;
		int k = it->dim + 1 - it->j;
		index_t idx = it->above + C(ws, w, k + 1) + it->below;
		it->last = w;
		it->w--;
		return make_key(ws, r, idx);
	}
	return NO_KEY;
}

/*
 * The zero pivot facet of the DIM-simplex TAU (vertices V): its first facet,
 * in increasing index order, with the same diameter as tau, i.e. the facet
 * latest in the filtration when that one has tau's diameter.  NO_KEY if none.
 * Removing vertex v[j]: the vertices above it move down one position.
 */
static skey_t zero_pivot_facet(const struct rips_ws *ws, const uint32_t *v, int dim, skey_t tau,
			       int *removed)
{
	index_t below = key_idx(ws, tau), above = 0;
	uint32_t r = key_rank(ws, tau);
	for (int j = 0; j <= dim; j++) {
		int k = dim - j;	/* position of v[j]: contributes C(v[j], k+1) */
		below -= C(ws, v[j], k + 1);
		uint32_t d = 0;
		for (int a = 0; a <= dim && d < r; a++) {
			if (a == j)
				continue;
			for (int b = a + 1; b <= dim; b++) {
				if (b == j)
					continue;
				uint32_t x = rank_of(ws, v[a], v[b]);
				if (x > d)
					d = x;
			}
		}
		if (d == r) {
			*removed = j;
			return make_key(ws, r, above + below);
		}
		above += C(ws, v[j], k);
	}
	return NO_KEY;
}

/*
 * The zero pivot cofacet of SIGMA: its earliest cofacet if that one has
 * sigma's diameter; NO_KEY if none.  Earliest among equal diameters is the
 * largest index, i.e. the largest new vertex w, so this is a scan from the
 * top for the first w within sigma's diameter of every vertex of sigma;
 * the vertices of sigma themselves fail it (the rank matrix's diagonal is
 * RANK_OUT).  The scan tests blocks of 8 candidates with SSE2 compares,
 * since nearly all candidates fail.  *INSERTED gets w.
 */
static skey_t zero_pivot_cofacet(const struct rips_ws *ws, const uint32_t *v, int dim, skey_t sigma,
				 uint32_t *inserted)
{
	uint32_t r = key_rank(ws, sigma);
	const uint32_t *row[RIPS_MAX_DIM + 2];
	for (int i = 0; i <= dim; i++)
		row[i] = rank_row(ws, v[i]);
	int64_t w = (int64_t)ws->n - 1, found = -1;
#ifdef __SSE2__
	/* 8 candidates a step: a lane is bad if any vertex is too far. */
	__m128i rv = _mm_set1_epi32((int)r);
	while (w >= 7 && found < 0) {
		__m128i lo = _mm_setzero_si128(), hi = _mm_setzero_si128();
		for (int i = 0; i <= dim; i++) {
			const __m128i *p = (const __m128i *)(row[i] + w - 7);
			lo = _mm_or_si128(lo, _mm_cmpgt_epi32(_mm_loadu_si128(p), rv));
			hi = _mm_or_si128(hi, _mm_cmpgt_epi32(_mm_loadu_si128(p + 1), rv));
		}
		unsigned bad = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
			       (unsigned)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
		unsigned good = ~bad & 0xffu;	/* bit t: candidate w - 7 + t */
		if (good)
			found = w - 7 + (31 - __builtin_clz(good));
		w -= 8;
	}
#endif
	while (w >= 0 && found < 0) {
		int i = 0;
		while (i <= dim && row[i][w] <= r)
			i++;
		if (i > dim)
			found = w;
		w--;
	}
	if (found < 0)
		return NO_KEY;
	/* Index: the vertices of sigma above w move up one position. */
	index_t idx = 0;
	int j = 0;
	for (int i = 0; i <= dim; i++) {
		if (v[i] > (uint32_t)found) {
			idx += C(ws, v[i], dim + 2 - i);
			j++;
		} else {
			idx += C(ws, v[i], dim + 1 - i);
		}
	}
	idx += C(ws, (uint32_t)found, dim + 2 - j);
	*inserted = (uint32_t)found;
	return make_key(ws, r, idx);
}

/*
 * "Apparent pairs": (sigma, tau) with tau the earliest cofacet
 * of sigma and sigma the latest facet of tau.  Such a pair is a persistence
 * pair of both the boundary and the coboundary matrix, so sigma's column
 * needs no reduction and tau's column is cleared.  Like Ripser we use only
 * the zero-persistence ones (diam sigma = diam tau): they are the common
 * case and are found by scanning for equal diameters.
 */
static skey_t zero_apparent_cofacet(const struct rips_ws *ws, const uint32_t *v, int dim, skey_t sigma)
{
	uint32_t w, tv[RIPS_MAX_DIM + 3];
	int j;
	skey_t tau = zero_pivot_cofacet(ws, v, dim, sigma, &w);
	if (tau == NO_KEY)
		return NO_KEY;
	insert_vertex(v, dim, w, tv);
	return zero_pivot_facet(ws, tv, dim + 1, tau, &j) == sigma ? tau : NO_KEY;
}

static skey_t zero_apparent_facet(const struct rips_ws *ws, const uint32_t *v, int dim, skey_t tau)
{
	uint32_t w, fv[RIPS_MAX_DIM + 3];
	int j;
	skey_t sigma = zero_pivot_facet(ws, v, dim, tau, &j);
	if (sigma == NO_KEY)
		return NO_KEY;
	remove_vertex(v, dim, j, fv);
	return zero_pivot_cofacet(ws, fv, dim - 1, sigma, &w) == tau ? sigma : NO_KEY;
}

/* ------------------------------------------------------------------- output */

static int emit(struct rips_ws *ws, int dim, double birth, double death)
{
	struct tdp_interval iv = {birth, death};
	return PUSH(ws, ws->out[dim], iv);
}

/* ----------------------------------------------------------------------- H0 */

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];	/* path halving */
		x = p[x];
	}
	return x;
}

/*
 * Sort the edges within the threshold, rank the distances, and set up the
 * keys: ws->simp gets the edge keys in filtration order.
 */
static int rank_edges(struct rips_ws *ws)
{
	uint32_t n = ws->n;
	size_t nn = (size_t)n * n;
	int rc;

	ws->edges.len = 0;
	if ((rc = RESERVE_EXACT(ws, ws->rank, nn ? nn : 1)))
		return rc;
	/* Sized for every pair, not for the pairs within this threshold,
	 * so that windows of one size never reallocate. */
	size_t m = (size_t)n * (n - 1) / 2;
	if ((rc = RESERVE_EXACT(ws, ws->edges, m ? m : 1)) ||
	    (rc = RESERVE_EXACT(ws, ws->kvtmp, m ? m : 1)) ||
	    (rc = RESERVE_EXACT(ws, ws->vals, m ? m : 1)) ||
	    (rc = RESERVE_EXACT(ws, ws->simp, m ? m : 1)))
		return rc;
	uint32_t *R = ws->rank.p;
	for (uint32_t i = 0; i < n; i++) {
		const double *row = ws->dist.p + (size_t)i * (i - 1) / 2;
		R[(size_t)i * n + i] = RANK_OUT;	/* no vertex is its own cofacet */
		for (uint32_t j = 0; j < i; j++) {
			double x = row[j];
			R[(size_t)i * n + j] = R[(size_t)j * n + i] = RANK_OUT;
			if (x <= ws->thr) {
				uint64_t bits;
				memcpy(&bits, &x, sizeof(bits));	/* x >= 0: bit order is numeric order */
				struct kv p = {bits & ~(1ull << 63), (uint64_t)i << 32 | j};	/* -0.0 == 0.0 */
				ws->edges.p[ws->edges.len++] = p;
			}
		}
	}
	size_t ne = ws->edges.len;
	if (ne >= RANK_OUT)
		return -EOVERFLOW;
	sort_kv(ws->edges.p, ws->kvtmp.p, ne);

	ws->vals.len = 0;
	for (size_t e = 0; e < ne; e++) {
		uint32_t i = (uint32_t)(ws->edges.p[e].v >> 32), j = (uint32_t)ws->edges.p[e].v;
		if (!e || ws->edges.p[e].k != ws->edges.p[e - 1].k)
			ws->vals.p[ws->vals.len++] = ws->dist.p[(size_t)i * (i - 1) / 2 + j];
		R[(size_t)i * n + j] = R[(size_t)j * n + i] = (uint32_t)(ws->vals.len - 1);
	}
	/* Keys: rank in the high bits; the index part must fit beside it.
	 * Computing H_d keys the simplices of up to d + 2 vertices; when they
	 * do not fit, the dimensions that do are computed (rips_compute()
	 * reports the rest), and none at all only when the edges do not. */
	unsigned rb = 0;
	while (rb < 32 && (ws->vals.len >> rb))
		rb++;
	unsigned ib = 64;
	for (; ws->maxdim >= 0; ws->maxdim--) {
		uint64_t top = 0;	/* more simplices than any dimension we key has */
		for (int k = 2; k <= ws->maxdim + 2; k++)
			if ((uint64_t)C(ws, ws->n, k) > top)
				top = (uint64_t)C(ws, ws->n, k);
		for (ib = 1; ib < 64 && (top >> ib); ib++)
			;
		if (top < INT64_MAX && ib + rb <= 64)	/* INT64_MAX: saturated */
			break;
	}
	if (ws->maxdim < 0)
		return -EOVERFLOW;
	ws->ib = ib;
	ws->imax = ib == 64 ? UINT64_MAX : ((skey_t)1 << ib) - 1;

	/* Filtration order: the stable sort left equal distances by
	 * increasing index, the filtration wants decreasing index. */
	for (size_t a = 0; a < ne;) {
		size_t b = a + 1;
		while (b < ne && ws->edges.p[b].k == ws->edges.p[a].k)
			b++;
		for (size_t x = a, y = b - 1; x < y; x++, y--) {
			struct kv t = ws->edges.p[x];
			ws->edges.p[x] = ws->edges.p[y];
			ws->edges.p[y] = t;
		}
		a = b;
	}
	ws->simp.len = ne;
	for (size_t e = 0; e < ne; e++) {
		uint32_t i = (uint32_t)(ws->edges.p[e].v >> 32), j = (uint32_t)ws->edges.p[e].v;
		ws->simp.p[e] = make_key(ws, R[(size_t)i * n + j], (index_t)((size_t)i * (i - 1) / 2 + j));
	}
	return 0;
}

/*
 * H0 by union-find over the edges in filtration order (Kruskal): an
 * edge joining two components kills the younger one (all are born at 0);
 * it is a pivot of the 0-dimensional coboundary, so it is cleared from the
 * H1 columns.  The other edges become H1 columns unless they are in a
 * zero apparent pair.  Leaves the H1 columns, in reverse filtration order,
 * in ws->cols.
 */
static int compute_h0(struct rips_ws *ws)
{
	uint32_t n = ws->n;
	int rc;

	if ((rc = RESERVE_EXACT(ws, ws->uf, n ? n : 1)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		ws->uf.p[i] = i;
	ws->cols.len = 0;
	for (size_t e = 0; e < ws->simp.len; e++) {
		skey_t s = ws->simp.p[e];
		uint32_t v[2] = {(uint32_t)(ws->edges.p[e].v >> 32), (uint32_t)ws->edges.p[e].v};
		uint32_t a = uf_find(ws->uf.p, v[0]), b = uf_find(ws->uf.p, v[1]);
		if (a != b) {
			double d = ws->vals.p[key_rank(ws, s)];
			if (d > 0 && (rc = emit(ws, 0, 0, d)))
				return rc;
			/* Link the larger root under the smaller: deterministic. */
			if (a < b)
				ws->uf.p[b] = a;
			else
				ws->uf.p[a] = b;
		} else if (ws->maxdim > 0) {
			if (zero_apparent_cofacet(ws, v, 1, s) != NO_KEY) {
				ws->st.apparent[1]++;
				continue;
			}
			if ((rc = PUSH(ws, ws->cols, s)))
				return rc;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (ws->uf.p[i] == i && (rc = emit(ws, 0, 0, INFINITY)))
			return rc;
	/* Reverse: decreasing diameter, then increasing index. */
	for (size_t i = 0, j = ws->cols.len; i + 1 < j; i++, j--) {
		skey_t t = ws->cols.p[i];
		ws->cols.p[i] = ws->cols.p[j - 1];
		ws->cols.p[j - 1] = t;
	}
	return 0;
}

/* ------------------------------------------------------------ H1 and above */

/*
 * Add the DIM-simplex S to the working reduction column and its cofacets
 * within the threshold to the working coboundary, except those earlier than
 * PIVOT.  This is exact: a column is added only to cancel the working
 * column's pivot, and both the working column and the added reduced column
 * are zero before that pivot, so the cofacets earlier than it cancel among
 * the simplices added together.  It also keeps the radix heap monotone.
 */
static int add_simplex_coboundary(struct rips_ws *ws, skey_t s, int dim, skey_t pivot)
{
	uint32_t v[RIPS_MAX_DIM + 2];
	struct cob_iter it;
	skey_t c;
	int rc;

	if ((rc = PUSH(ws, ws->red, s)))
		return rc;
	vertices_of(ws, key_idx(ws, s), dim, v);
	cob_start(ws, &it, v, dim, key_idx(ws, s), key_rank(ws, s), ws->n);
	while ((c = cob_next(ws, &it, true)) != NO_KEY)
		if (c >= pivot && (rc = rh_push(ws, &ws->cob, c)))
			return rc;
	return 0;
}

/* Store the working reduction column, with repeated simplices cancelled
 * in pairs, as column I+1's end in V. */
static int store_reduction(struct rips_ws *ws)
{
	size_t m = ws->red.len;
	int rc;
	if (m > 1) {
		if ((rc = RESERVE(ws, ws->ktmp, m)))
			return rc;
		sort_keys(ws->red.p, ws->ktmp.p, m);
	}
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && ws->red.p[j] == ws->red.p[i])
			j++;
		if (((j - i) & 1) && (rc = PUSH(ws, ws->vent, ws->red.p[i])))
			return rc;
		i = j;
	}
	return 0;
}

/*
 * Reduce the columns ws->cols of dimension DIM ("implicit matrix reduction":
 * the reduction matrix V is stored, the reduced coboundaries R = delta V
 * are recomputed on demand).  Records each new pivot in the
 * pivot map, which assemble_columns() then uses for clearing.
 */
static int compute_pairs(struct rips_ws *ws, int dim)
{
	size_t ncols = ws->cols.len;
	int rc = 0;

	if ((rc = hmap_reset(ws, ncols)) || (rc = RESERVE(ws, ws->vstart, ncols + 1)))
		return rc;
	ws->vent.len = 0;
	ws->vstart.p[0] = 0;
	ws->st.columns[dim] += ncols;

	for (size_t i = 0; i < ncols; i++) {
		skey_t sigma = ws->cols.p[i], c, pivot = NO_KEY;
		uint32_t r = key_rank(ws, sigma);
		uint32_t v[RIPS_MAX_DIM + 2];
		struct cob_iter it;
		bool check_emergent = true, emergent = false;

		vertices_of(ws, key_idx(ws, sigma), dim, v);
		rh_clear(&ws->cob);
		ws->red.len = 0;
		cob_start(ws, &it, v, dim, key_idx(ws, sigma), r, ws->n);
		while ((c = cob_next(ws, &it, true)) != NO_KEY) {
			/*
			 * "Emergent pairs": the first cofacet with
			 * sigma's own diameter is sigma's pivot (nothing can be
			 * earlier).  If no earlier column owns it, and it is not
			 * the implicit pivot of an apparent pair, the column is
			 * already reduced: pair it without building the heap.
			 */
			if (check_emergent && key_rank(ws, c) == r) {
				if (hmap_get(ws, c) < 0) {
					uint32_t cv[RIPS_MAX_DIM + 3];
					insert_vertex(v, dim, it.last, cv);
					if (zero_apparent_facet(ws, cv, dim + 1, c) == NO_KEY) {
						pivot = c;
						emergent = true;
						break;
					}
				}
				check_emergent = false;
			}
			if ((rc = rh_push(ws, &ws->cob, c)))
				return rc;
		}
		if (emergent)
			ws->st.emergent[dim]++;
		else if ((pivot = rh_pivot(ws, &ws->cob, &rc)) == NO_KEY && rc)
			return rc;

		for (;;) {
			if (pivot == NO_KEY) {
				/* Zero column, not cleared: an essential class. */
				if ((rc = emit(ws, dim, ws->vals.p[r], INFINITY)))
					return rc;
				break;
			}
			int64_t j = emergent ? -1 : hmap_get(ws, pivot);
			if (j >= 0) {
				/* Add column j: its simplex and its V entries. */
				if ((rc = add_simplex_coboundary(ws, ws->cols.p[j], dim, pivot)))
					return rc;
				for (size_t e = ws->vstart.p[j]; e < ws->vstart.p[j + 1]; e++)
					if ((rc = add_simplex_coboundary(ws, ws->vent.p[e], dim, pivot)))
						return rc;
				if ((pivot = rh_pivot(ws, &ws->cob, &rc)) == NO_KEY && rc)
					return rc;
				continue;
			}
			if (!emergent) {
				uint32_t pv[RIPS_MAX_DIM + 3];
				vertices_of(ws, key_idx(ws, pivot), dim + 1, pv);
				skey_t f = zero_apparent_facet(ws, pv, dim + 1, pivot);
				if (f != NO_KEY) {
					/* The pivot belongs to an apparent pair: add the
					 * coboundary of its facet, whose column was skipped. */
					if ((rc = add_simplex_coboundary(ws, f, dim, pivot)))
						return rc;
					if ((pivot = rh_pivot(ws, &ws->cob, &rc)) == NO_KEY && rc)
						return rc;
					continue;
				}
			}
			/* A new pivot: the pair (sigma, pivot). */
			uint32_t pr = key_rank(ws, pivot);
			if (pr > r && (rc = emit(ws, dim, ws->vals.p[r], ws->vals.p[pr])))
				return rc;
			hmap_put(ws, pivot, (uint32_t)i);
			if ((rc = store_reduction(ws)))
				return rc;
			break;
		}
		ws->vstart.p[i + 1] = ws->vent.len;
	}
	return 0;
}

/*
 * The columns of dimension DIM+1: every (DIM+1)-simplex within the
 * threshold, met once each as a cofacet of a DIM-simplex of ws->simp,
 * except ("clearing", Chen and Kerber's "persistence with a twist") the
 * pivots of dimension DIM, found in the
 * pivot map or as the cofacet of a zero apparent pair, and the simplices
 * whose column is skipped as the facet of a zero apparent pair.  Sorted in
 * reverse filtration order.  Keeps the (DIM+1)-simplices in ws->simp when
 * a further dimension needs them.
 */
static int assemble_columns(struct rips_ws *ws, int dim)
{
	bool keep = dim + 1 < ws->maxdim;
	int rc;

	ws->cols.len = 0;
	ws->next_simp.len = 0;
	for (size_t s = 0; s < ws->simp.len; s++) {
		skey_t sigma = ws->simp.p[s], c;
		uint32_t v[RIPS_MAX_DIM + 2];
		struct cob_iter it;

		vertices_of(ws, key_idx(ws, sigma), dim, v);
		cob_start(ws, &it, v, dim, key_idx(ws, sigma), key_rank(ws, sigma), ws->n);
		while ((c = cob_next(ws, &it, false)) != NO_KEY) {
			if (keep && (rc = PUSH(ws, ws->next_simp, c)))
				return rc;
			if (hmap_get(ws, c) >= 0)
				continue;
			uint32_t cv[RIPS_MAX_DIM + 3];
			insert_vertex(v, dim, it.last, cv);
			if (zero_apparent_facet(ws, cv, dim + 1, c) != NO_KEY)
				continue;
			if (zero_apparent_cofacet(ws, cv, dim + 1, c) != NO_KEY) {
				ws->st.apparent[dim + 1]++;
				continue;
			}
			if ((rc = PUSH(ws, ws->cols, c)))
				return rc;
		}
	}
	size_t m = ws->cols.len;
	if ((rc = RESERVE(ws, ws->ktmp, m ? m : 1)))
		return rc;
	sort_keys(ws->cols.p, ws->ktmp.p, m);
	for (size_t i = 0, j = m; i + 1 < j; i++, j--) {
		skey_t t = ws->cols.p[i];
		ws->cols.p[i] = ws->cols.p[j - 1];
		ws->cols.p[j - 1] = t;
	}
	/* swap simp and next_simp */
	ARRAY(skey_t) t;
	memcpy(&t, &ws->simp, sizeof(t));
	memcpy(&ws->simp, &ws->next_simp, sizeof(t));
	memcpy(&ws->next_simp, &t, sizeof(t));
	return 0;
}

/* ------------------------------------------------------------------ input */

int rips_input_check(const struct rips_input *in)
{
	if (!in || (in->n > 0 && !in->data) || (in->kind == RIPS_POINTS && in->n > 0 && in->dim == 0) ||
	    in->n > (1u << 20))
		return -EINVAL;
	bool inf = false;
	if (in->kind == RIPS_LOWER_DISTANCE) {
		for (size_t e = 0, m = in->n * (in->n - (in->n > 0)) / 2; e < m; e++)
			if (!(in->data[e] >= 0) || isinf(in->data[e]))
				return -EINVAL;	/* negative, NaN or infinite */
	} else {
		for (size_t i = 0, m = in->n * in->dim; i < m; i++) {
			if (isnan(in->data[i]))
				return -EINVAL;
			inf |= isinf(in->data[i]) != 0;
		}
	}
	return inf ? -ERANGE : 0;
}

/* Fill ws->dist from IN (checked).  0, -ERANGE (a Euclidean distance
 * overflows) or -ENOMEM. */
static int load_distances(struct rips_ws *ws, const struct rips_input *in)
{
	size_t n = in->n, m = n * (n - 1) / 2;
	int rc = RESERVE_EXACT(ws, ws->dist, m ? m : 1);
	if (rc)
		return rc;
	double *D = ws->dist.p;
	if (in->kind == RIPS_LOWER_DISTANCE) {
		memcpy(D, in->data, m * sizeof(double));
	} else {
		size_t dim = in->dim;
		for (size_t i = 1; i < n; i++) {
			const double *p = in->data + i * dim;
			double *row = D + i * (i - 1) / 2;
			for (size_t j = 0; j < i; j++) {
				const double *q = in->data + j * dim;
				double s = 0;
				for (size_t c = 0; c < dim; c++) {
					double t = p[c] - q[c];
					s += t * t;
				}
				row[j] = sqrt(s);
				if (isinf(row[j]))
					return -ERANGE;	/* finite coordinates, overflowing distance */
			}
		}
	}
	return 0;
}

/* The enclosing radius: min over points of the largest distance from it.
 * At that radius the complex is a cone on the minimizing point, and so is
 * every later one: no class of dimension >= 1 lives past it, and H0 has a
 * single component.  Ripser's default threshold. */
static int enclosing_radius(struct rips_ws *ws, double *out)
{
	uint32_t n = ws->n;
	*out = 0;
	if (n < 2)
		return 0;
	int rc = RESERVE_EXACT(ws, ws->rowmax, n);
	if (rc)
		return rc;
	/* One pass over the triangle: row i's max over j < i, and each
	 * column j's max over i > j, accumulated in place. */
	double *rowmax = ws->rowmax.p, r = INFINITY;
	memset(rowmax, 0, n * sizeof(double));
	for (uint32_t i = 1; i < n; i++) {
		const double *row = ws->dist.p + (size_t)i * (i - 1) / 2;
		double m = rowmax[i];
		for (uint32_t j = 0; j < i; j++) {
			double x = row[j];
			if (x > m)
				m = x;
			if (x > rowmax[j])
				rowmax[j] = x;
		}
		rowmax[i] = m;
	}
	for (uint32_t i = 0; i < n; i++)
		if (rowmax[i] < r)
			r = rowmax[i];
	*out = r;
	return 0;
}

/* The buffers of H0 that no higher dimension reads: the distances
 * themselves (their ranks and values stay) and the edge sort. */
static void free_h0(struct rips_ws *ws)
{
	FREE(ws, ws->dist);
	FREE(ws, ws->edges);
	FREE(ws, ws->kvtmp);
	FREE(ws, ws->rowmax);
	FREE(ws, ws->uf);
}

/* The buffers of assemble_columns() once the columns are built: the
 * pivots of the dimension below and the simplices it enumerated. */
static void free_assembly(struct rips_ws *ws)
{
	FREE(ws, ws->hkey);
	FREE(ws, ws->hval);
	FREE(ws, ws->next_simp);
}

/*
 * One computation of dimensions 0..MAXDIM (fewer when their keys do not
 * fit, then -EOVERFLOW); ws->done counts the dimensions finished, whose
 * diagrams are in ws->out whatever happens after.  A tight workspace
 * frees each phase's buffers as soon as the phase ends, so that the next
 * phase has all the room: slower (the next window allocates again), but
 * what fits in the limit at all fits then.
 */
static int compute_dims(struct rips_ws *ws, const struct rips_input *in, int maxdim, double threshold,
			struct rips_diagram *out)
{
	int rc;

	memset(&ws->st, 0, sizeof(ws->st));
	for (int d = 0; d <= RIPS_MAX_DIM; d++)
		ws->out[d].len = 0;
	ws->done = 0;
	ws->n = (uint32_t)in->n;
	ws->maxdim = maxdim;

	if ((rc = load_distances(ws, in)) || (rc = binom_build(ws, ws->n, maxdim + 3)))
		return rc;
	double r;
	if ((rc = enclosing_radius(ws, &r)))
		return rc;
	ws->thr = threshold < r ? threshold : r;
	out->enclosing_radius = r;
	out->threshold = ws->thr;

	if ((rc = rank_edges(ws)) || (rc = compute_h0(ws)))
		return rc;
	ws->done = 1;
	if (ws->tight)
		free_h0(ws);
	for (int d = 1; d <= ws->maxdim; d++) {
		if ((rc = compute_pairs(ws, d)))
			return rc;
		ws->done = d + 1;
		if (ws->tight)
			free_reduction(ws);
		if (d < ws->maxdim) {
			if ((rc = assemble_columns(ws, d)))
				return rc;
			if (ws->tight)
				free_assembly(ws);
		}
	}
	return ws->maxdim < maxdim ? -EOVERFLOW : 0;
}

/* H0 from a minimum spanning tree, in O(n) memory, into ws->out[0]. */
static int h0_by_tree(struct rips_ws *ws, const struct rips_input *in, double threshold)
{
	size_t n = in->n ? in->n : 1, count;
	int rc;
	if ((rc = RESERVE_EXACT(ws, ws->out[0], n)) ||
	    (rc = RESERVE_EXACT(ws, ws->h0tmp, rips_h0_scratch_size(n) / sizeof(double))) ||
	    (rc = rips_h0(in, threshold, ws->out[0].p, ws->h0tmp.p, &count)))
		return rc;
	ws->out[0].len = count;
	FREE(ws, ws->h0tmp);
	return 0;
}

enum tdp_incomplete rips_why(int rc)
{
	switch (rc) {
	case 0: return TDP_INCOMPLETE_NONE;
	case -ENOMEM: return TDP_INCOMPLETE_OUT_OF_MEMORY;
	case -EOVERFLOW: return TDP_INCOMPLETE_INDEX_RANGE;
	case -ERANGE: return TDP_INCOMPLETE_DISTANCE_RANGE;
	default: return TDP_INCOMPLETE_INVALID_INPUT;
	}
}

int rips_compute(rips_ws_t *ws, const struct rips_input *in, int maxdim, double threshold,
		 struct rips_diagram *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->maxdim = maxdim;
	out->threshold = threshold;
	out->enclosing_radius = NAN;
	ws->done = 0;
	if (maxdim < 0 || maxdim > RIPS_MAX_DIM || !(threshold >= 0))
		rc = -EINVAL;
	else if (!(rc = rips_input_check(in))) {
		/*
		 * The outcome is that of a tight computation from an empty
		 * workspace, whatever earlier windows left: it needs the least
		 * memory, so a fast run that fits would fit there too
		 * (ws_reserve()), and one that does not is run again there.  A
		 * window's result is then a function of the window alone,
		 * also across a worker's restart (ARCHITECTURE.md, invariant 3).
		 * Tight stays on (a scale near its bound once will be again,
		 * and two runs per window would double its cost).
		 */
		if (ws->tight)
			ws_trim(ws, 0);
		rc = compute_dims(ws, in, maxdim, threshold, out);
		if (rc == -ENOMEM && ws->nomem == TDP_INCOMPLETE_MEMORY_MB && !ws->tight) {
			ws->tight = true;
			ws_trim(ws, 0);
			rc = compute_dims(ws, in, maxdim, threshold, out);
		}
	}
	if (rc < 0) {
		int done = ws->done;
		for (int d = done; d <= RIPS_MAX_DIM; d++)
			ws->out[d].len = 0;
		if (rc == -ENOMEM || ws->tight)
			ws_trim(ws, done);   /* give back what the failed dimension held */
		if (done == 0 && (rc == -ENOMEM || rc == -EOVERFLOW)) {
			/* The engine's own H0 needs the whole edge list; the
			 * tree needs O(n).  ws->nomem stays the first cause. */
			enum tdp_incomplete first = ws->nomem;
			ws_trim(ws, 0);
			if (h0_by_tree(ws, in, threshold) == 0)
				done = 1;
			ws->nomem = first;
		}
		out->why = rc == -ENOMEM ? ws->nomem : rips_why(rc);
		ws->done = done;
	}
	out->done = ws->done;
	for (int d = 0; d < out->done; d++) {
		diagram_sort(ws->out[d].p, ws->out[d].len);
		out->count[d] = ws->out[d].len;
		out->iv[d] = ws->out[d].p;
	}
	return rc;
}
