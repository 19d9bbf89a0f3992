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
 * moves later during its reduction, so the heap is monotone.  When the
 * rank and the index do not fit 64 bits together (large clouds, H2 and
 * H3), the key is 128 bits, rank high and index low: the code that
 * handles keys is rips_keyed.inc, compiled once per width, and
 * rank_edges() chooses the width of each computation.
 */
#include "scaled/rips.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/diagram.h"
#include "scaled/rips_adj.h"
#include "scaled/rips_h0.h"
#include "scaled/rips_balltree.h"
#include "scaled/rips_collapse.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef int64_t index_t;


/* The rank of a distance above the threshold; below 2^31 so that ranks
 * compare as signed 32-bit integers (SSE2). */
#define RANK_OUT 0x7fffffffu
#define NO_KEY 0                /* never a simplex key: the index part is >= 1 */


/* How the sparse path finds the pairs within the threshold. */
enum { SEARCH_AUTO, SEARCH_PAIRS, SEARCH_TREE };

/* A growable array, counted against the workspace's memory limit. */
#define ARRAY(T) struct { T *p; size_t len, cap; }

struct kv {
	uint64_t k, v;
};

/* A common neighbour W of a simplex's vertices: its edges' ranks to each,
 * the largest, and where each edge is in the vertex's adjacency. */
struct nbr {
	uint32_t w, maxr, r[RIPS_MAX_DIM + 1], p[RIPS_MAX_DIM + 1];
};

#define RH_CHUNK 1022	/* keys per chunk of a radix heap: 8 KiB with its header (16 wide) */
#define RIPS_WIDE 0
#include "scaled/rips_keyed_types.inc"
#undef RIPS_WIDE
#define RIPS_WIDE 1
#include "scaled/rips_keyed_types.inc"
#undef RIPS_WIDE

struct rips_ws {
	size_t limit, bytes, peak;
	enum tdp_incomplete nomem;    /* why the last -ENOMEM: the limit or the machine */
	bool tight;                   /* free each phase's buffers when it ends (rips_compute) */
	int done;                     /* dimensions finished by the computation under way */

	uint32_t n;
	int maxdim;
	double thr;

	ARRAY(double) dist;           /* strict lower triangle, d(i,j) at i(i-1)/2 + j */
	ARRAY(uint32_t) rank;         /* n x n: rank of d(i,j) among the distinct values, or RANK_OUT */
	bool sparse;                  /* this computation keeps adjacencies, not the rank matrix */
	int force_sparse;             /* TDP_RIPS_SPARSE: 1 sparse whenever a threshold is given, 0 never, -1 auto */
	ARRAY(uint32_t) adj_off;      /* sparse: vertex i's neighbours are adj[adj_off[i]..adj_off[i+1]) */
	ARRAY(uint64_t) adj;          /* sparse: neighbour << 32 | rank, increasing */
	ARRAY(uint32_t) adj_zc;       /* sparse, beside adj: the edge's zero pivot cofacet (edge_zc()) */
	ARRAY(struct nbr) nbrs;       /* sparse: the common neighbours of the simplex assemble_columns() is at */
	ARRAY(struct kv) cells;       /* sparse, grid: (cell key, point), sorted by key */
	ARRAY(uint64_t) btmem;        /* sparse, ball tree: its memory (rips_balltree.h) */
	struct rips_balltree bt;      /* built in btmem when btmem.len */
	int search;                   /* TDP_RIPS_SEARCH: SEARCH_AUTO, _PAIRS or _TREE */
	enum rips_collapse_mode collapse_mode;   /* rips_set_collapse(), TDP_RIPS_COLLAPSE */
	bool collapse;                /* this computation collapses its edges (sparse path only) */
	ARRAY(uint64_t) ctmp;         /* the collapse's scratch */
	ARRAY(double) vals;           /* the distinct distances <= thr, increasing */
	ARRAY(double) rowmax;         /* per point, its largest distance */
	ARRAY(index_t) binom;         /* C(v, k) at k * (n+1) + v, v in 0..n, k in 0..bk-1 */
	int bk;
	ARRAY(struct kv) edges, kvtmp;
	ARRAY(uint32_t) uf;           /* union-find parents for H0 */
	bool wide;                    /* this computation's keys: kd_w (128 bits) or kd_n (64) */
	bool force_wide;              /* TDP_RIPS_KEYS=wide: wide keys even when narrow ones fit */
	struct keyed_n kd_n;
	struct keyed_w kd_w;
	ARRAY(uint32_t) hval;         /* pivot map's columns, beside kd_*.hkey */
	unsigned hbits;
	ARRAY(size_t) vstart;         /* reduction matrix V: column i is vent[vstart[i]..vstart[i+1]) */
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
	/* A test knob: the wide keys on data small enough to check them
	 * against Ripser quickly (tests/oracle/check_rips.py, test_rips). */
	const char *keys = getenv("TDP_RIPS_KEYS");
	ws->force_wide = keys && strcmp(keys, "wide") == 0;
	const char *sp = getenv("TDP_RIPS_SPARSE");
	ws->force_sparse = !sp || !*sp ? -1 : strcmp(sp, "1") == 0;
	/* The sparse path's neighbour search: every pair, or the ball tree
	 * even where the grid serves, to check them against each other. */
	const char *se = getenv("TDP_RIPS_SEARCH");
	ws->search = !se ? SEARCH_AUTO : !strcmp(se, "pairs") ? SEARCH_PAIRS :
		     !strcmp(se, "tree") ? SEARCH_TREE : SEARCH_AUTO;
	/* Edge collapse: where it pays (compute_dims()), always (on the
	 * sparse path, which it then implies) or never. */
	const char *co = getenv("TDP_RIPS_COLLAPSE");
	ws->collapse_mode = !co ? RIPS_COLLAPSE_AUTO : !strcmp(co, "on") ? RIPS_COLLAPSE_ON :
			    !strcmp(co, "off") ? RIPS_COLLAPSE_OFF : RIPS_COLLAPSE_AUTO;
	*wsp = ws;
	return 0;
}

static void free_keyed_n(struct rips_ws *ws);
static void free_keyed_w(struct rips_ws *ws);

/* The buffers of the reduction of one dimension (compute_pairs()) that
 * hold no keys (free_keyed_reduction() frees the others). */
static void free_reduction(struct rips_ws *ws)
{
	FREE(ws, ws->vstart);
}

/* Free every buffer but the diagrams of dimensions below KEEP. */
static void ws_trim(struct rips_ws *ws, int keep)
{
	FREE(ws, ws->dist);
	FREE(ws, ws->rank);
	FREE(ws, ws->adj_off);
	FREE(ws, ws->adj);
	FREE(ws, ws->adj_zc);
	FREE(ws, ws->nbrs);
	FREE(ws, ws->cells);
	FREE(ws, ws->btmem);
	FREE(ws, ws->ctmp);
	FREE(ws, ws->vals);
	FREE(ws, ws->rowmax);
	FREE(ws, ws->binom);
	FREE(ws, ws->edges);
	FREE(ws, ws->kvtmp);
	FREE(ws, ws->uf);
	FREE(ws, ws->hval);
	FREE(ws, ws->h0tmp);
	free_reduction(ws);
	free_keyed_n(ws);
	free_keyed_w(ws);
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

void rips_set_collapse(rips_ws_t *ws, enum rips_collapse_mode mode)
{
	ws->collapse_mode = mode;
}

void rips_get_stats(const rips_ws_t *ws, struct rips_stats *st)
{
	*st = ws->st;
	st->bytes = ws->bytes;
	st->peak_bytes = ws->peak;
	st->tight = ws->tight;
	st->wide_keys = ws->wide;
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

/* Bits of X (0 for 0). */
static unsigned bit_width(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

bool rips_may_need_wide_keys(uint32_t n, int maxdim)
{
	uint64_t top = 0, pairs = (uint64_t)n * (n - (n > 0)) / 2;
	for (int k = 2; k <= maxdim + 2; k++) {
		uint64_t c = (uint64_t)rips_binomial(n, (uint32_t)k);
		if (c > top)
			top = c;
	}
	return bit_width(top) + bit_width(pairs) > 64;
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
	if (k <= 4) {
		/* A guess from C(w, k) ~ (w - (k-1)/2)^k / k!, then a step or
		 * two: the binary search's table reads miss the cache on large
		 * clouds. */
		double x = (double)idx;
		double g = k == 1 ? x : k == 2 ? (1 + sqrt(1 + 8 * x)) / 2
			 : k == 3 ? cbrt(6 * x) + 1 : sqrt(sqrt(24 * x)) + 1.5;
		uint32_t w = g >= hi ? hi - 1 : g <= lo ? lo : (uint32_t)g;
		while (w > lo && C(ws, w, k) > idx)
			w--;
		while (w + 1 < hi && C(ws, w + 1, k) <= idx)
			w++;
		return w;
	}
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

/* The rank of d(i, j), RANK_OUT above the threshold.  Dense: the matrix
 * is stored square so that the distances from one vertex to all others
 * are one contiguous row.  Sparse: a binary search of i's adjacency. */
static inline int64_t edge_at(const struct rips_ws *ws, uint32_t i, uint32_t j);

static inline uint32_t rank_of(const struct rips_ws *ws, uint32_t i, uint32_t j)
{
	if (!ws->sparse)
		return ws->rank.p[(size_t)i * ws->n + j];
	int64_t p = edge_at(ws, i, j);
	return p < 0 ? RANK_OUT : (uint32_t)ws->adj.p[p];
}

/* Sparse: the place of J in I's adjacency, -1 if not there. */
static inline int64_t edge_at(const struct rips_ws *ws, uint32_t i, uint32_t j)
{
	return rips_adj_find(ws->adj_off.p, ws->adj.p, i, j);
}

/*
 * Sparse: each edge's zero pivot cofacet, the largest vertex w within the
 * edge's length of both its ends (ZC_NONE if none), beside both of its
 * adjacency entries.  Whether a triangle is the cofacet of a zero
 * apparent pair asks it of one of its edges, millions of times on o3
 * clouds; each edge is asked once here instead (adj_zc, 4 bytes an
 * entry).  ZC_UNKNOWN: not known where it is asked (the dense path).
 */
#define ZC_NONE UINT32_MAX
#define ZC_UNKNOWN (UINT32_MAX - 1)

static inline uint32_t edge_zc(const struct rips_ws *ws, int64_t p)
{
	return p < 0 || !ws->adj_zc.len ? ZC_UNKNOWN : ws->adj_zc.p[p];
}


/*
 * The ranks of the edges of a simplex (up to RIPS_MAX_DIM + 3 vertices, in
 * decreasing order): m[a][b] is the rank of (v[a], v[b]), a != b.  The
 * apparent-pair tests ask for the diameters of a simplex's facets; with
 * the ranks at hand (the coboundary walk meets those of the vertex it
 * inserts) they cost no look-up, which on the sparse path is a binary
 * search of an adjacency.
 */
typedef struct {
	uint32_t m[RIPS_MAX_DIM + 3][RIPS_MAX_DIM + 3];
	int64_t at[RIPS_MAX_DIM + 3][RIPS_MAX_DIM + 3];    /* sparse: where each edge is in an adjacency (-1: unknown), for edge_zc() */
} ranks_t;

/* Every edge of the K vertices V, looked up. */
static inline void ranks_fill(const struct rips_ws *ws, const uint32_t *v, int k, ranks_t *t)
{
	for (int a = 0; a < k; a++) {
		for (int b = a + 1; b < k; b++) {
			if (ws->sparse) {
				int64_t p = edge_at(ws, v[a], v[b]);
				t->m[a][b] = t->m[b][a] = p < 0 ? RANK_OUT : (uint32_t)ws->adj.p[p];
				t->at[a][b] = t->at[b][a] = p;
			} else {
				t->m[a][b] = t->m[b][a] = rank_of(ws, v[a], v[b]);
				t->at[a][b] = t->at[b][a] = -1;
			}
		}
	}
}

/* Tau's ranks, tau = sigma + W as insert_vertex() orders it: sigma's (S,
 * DIM+1 vertices V), WR[i], the rank of (v[i], w), and WP[i] where that
 * edge is in an adjacency (-1: unknown). */
static inline void ranks_insert(const uint32_t *v, int dim, uint32_t w, const uint32_t *wr, const int64_t *wp,
				const ranks_t *s, ranks_t *t)
{
	int at = 0;
	while (at <= dim && v[at] > w)
		at++;
	for (int a = 0; a <= dim; a++) {
		int ta = a < at ? a : a + 1;
		t->m[ta][at] = t->m[at][ta] = wr[a];
		t->at[ta][at] = t->at[at][ta] = wp[a];
		for (int b = a + 1; b <= dim; b++) {
			int tb = b < at ? b : b + 1;
			t->m[ta][tb] = t->m[tb][ta] = s->m[a][b];
			t->at[ta][tb] = t->at[tb][ta] = s->at[a][b];
		}
	}
}

/*
 * The largest common neighbour of the DIM+1 vertices V whose edges to
 * every one of them have rank <= R; -1 if none.  The walk of
 * sparse_common(), driven by the shortest adjacency, and a candidate of
 * the driver too far from its vertex is passed over without moving the
 * others: most are, as R is the diameter of the simplex itself.
 */
static int64_t sparse_within(const struct rips_ws *ws, const uint32_t *v, int dim, uint32_t r, uint32_t *wr,
			     int64_t *wp)
{
	const uint64_t *A = ws->adj.p;
	const uint32_t *off = ws->adj_off.p;
	int64_t beg[RIPS_MAX_DIM + 2], pos[RIPS_MAX_DIM + 2];
	int drv = 0;
	for (int i = 0; i <= dim; i++) {
		beg[i] = off[v[i]];
		pos[i] = (int64_t)off[v[i] + 1] - 1;
		if (pos[i] - beg[i] < pos[drv] - beg[drv])
			drv = i;
	}
	for (int64_t p0 = pos[drv]; p0 >= beg[drv]; p0--) {
		uint64_t x0 = A[p0];
		if ((uint32_t)x0 > r)
			continue;
		uint32_t w = (uint32_t)(x0 >> 32);
		int i = 0;
		wr[drv] = (uint32_t)x0;
		wp[drv] = p0;
		for (; i <= dim; i++) {
			if (i == drv)
				continue;
			int64_t p = pos[i];
			while (p >= beg[i] && (uint32_t)(A[p] >> 32) > w)
				p--;
			pos[i] = p;
			if (p < beg[i])
				return -1;
			if ((uint32_t)(A[p] >> 32) != w || (uint32_t)A[p] > r)
				break;
			wr[i] = (uint32_t)A[p];
			wp[i] = p;
		}
		if (i > dim)
			return w;
	}
	return -1;
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
RADIX_SORT(sort_kv, struct kv, KEY_KV)
#define KEY_KV_V(x) ((x).v)
RADIX_SORT(sort_kv_by_v, struct kv, KEY_KV_V)

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

static int rank_sorted_edges(struct rips_ws *ws);

/*
 * The edges within the threshold from the distance matrix (ws->dist),
 * then rank_sorted_edges().
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
	    (rc = RESERVE_EXACT(ws, ws->vals, m ? m : 1)))
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
	return rank_sorted_edges(ws);
}

/*
 * Sort ws->edges into filtration order, rank their lengths (ws->vals; the
 * rank matrix too when dense), and choose the key width (ws->wide, and the
 * index bits of the narrow keys).
 */
static int rank_sorted_edges(struct rips_ws *ws)
{
	uint32_t n = ws->n;
	uint32_t *R = ws->rank.p;
	size_t ne = ws->edges.len;
	if (ne >= RANK_OUT)
		return -EOVERFLOW;
	ws->st.edges = ws->st.edges_kept = ne;
	sort_kv(ws->edges.p, ws->kvtmp.p, ne);

	ws->vals.len = 0;
	for (size_t e = 0; e < ne; e++) {
		uint32_t i = (uint32_t)(ws->edges.p[e].v >> 32), j = (uint32_t)ws->edges.p[e].v;
		if (!e || ws->edges.p[e].k != ws->edges.p[e - 1].k) {
			double x;
			if (ws->sparse)
				memcpy(&x, &ws->edges.p[e].k, sizeof(x));
			else
				x = ws->dist.p[(size_t)i * (i - 1) / 2 + j];
			ws->vals.p[ws->vals.len++] = x;
		}
		if (!ws->sparse)
			R[(size_t)i * n + j] = R[(size_t)j * n + i] = (uint32_t)(ws->vals.len - 1);
	}
	/* Keys: rank in the high bits, the index in the low.  Narrow keys
	 * (64 bits) when both fit together, else wide ones (128 bits, a
	 * 64-bit index: rips_keyed.inc).  Computing H_d keys the simplices of
	 * up to d + 2 vertices; when their indices pass 64 bits, the
	 * dimensions that fit are computed (rips_compute() reports the rest),
	 * and none at all only when the edges do not. */
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
		if (top < INT64_MAX)	/* INT64_MAX: saturated */
			break;
	}
	if (ws->maxdim < 0)
		return -EOVERFLOW;
	ws->wide = ws->force_wide || ib + rb > 64;
	ws->kd_n.ib = ib;
	ws->kd_n.imax = ib == 64 ? UINT64_MAX : ((uint64_t)1 << ib) - 1;
	ws->kd_w.ib = 64;
	ws->kd_w.imax = UINT64_MAX;

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
				row[j] = rips_euclid(p, in->data + j * dim, dim);
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

/* ------------------------------------------------------------ sparse path */

/* d(I, J) of IN, I > J, computed as load_distances() computes it. */
static inline double input_dist(const struct rips_input *in, size_t i, size_t j)
{
	if (in->kind == RIPS_LOWER_DISTANCE)
		return in->data[i * (i - 1) / 2 + j];
	return rips_euclid(in->data + i * in->dim, in->data + j * in->dim, in->dim);
}

/*
 * Neighbour search for the sparse path on clouds of up to GRID_MAX_DIM
 * coordinates: the points are bucketed into cubes whose side is the
 * threshold (a hair more, so that rounding never puts two points within
 * it farther than one cube apart), and only pairs of neighbouring cubes
 * are measured.  Cube coordinates are hashed into one 64-bit key; keys of
 * distinct cubes may collide, which only costs distances computed for
 * nothing (a bucket met twice for one point is skipped).
 */
#define GRID_MAX_DIM 4

static inline uint64_t grid_key(const int64_t *c, size_t dim)
{
	uint64_t h = 0x9E3779B97F4A7C15ull;
	for (size_t k = 0; k < dim; k++)
		h = (h ^ (uint64_t)c[k]) * 0xff51afd7ed558ccdull + (h >> 29);
	return h;
}

static inline void grid_cell(const struct rips_input *in, size_t i, double side, int64_t *c)
{
	for (size_t k = 0; k < in->dim; k++) {
		double x = floor(in->data[i * in->dim + k] / side);
		c[k] = x > 4e18 ? (int64_t)4e18 : x < -4e18 ? -(int64_t)4e18 : (int64_t)x;
	}
}

static int grid_build(struct rips_ws *ws, const struct rips_input *in, double side)
{
	size_t n = in->n;
	int rc;
	if ((rc = RESERVE_EXACT(ws, ws->cells, n)) || (rc = RESERVE_EXACT(ws, ws->kvtmp, n)))
		return rc;
	int64_t c[GRID_MAX_DIM];
	for (size_t i = 0; i < n; i++) {
		grid_cell(in, i, side, c);
		ws->cells.p[i] = (struct kv){grid_key(c, in->dim), i};
	}
	ws->cells.len = n;
	sort_kv(ws->cells.p, ws->kvtmp.p, n);
	return 0;
}

/* The pairs (I, j), j < I, of the cube whose points start at CELLS[LO]
 * within THR: their number, and stored at EDGES[COUNT..] up to CAP. */
static inline size_t cube_pairs(const struct rips_input *in, const struct kv *cells, size_t n, size_t lo,
				size_t i, double thr, struct kv *edges, size_t cap, size_t count)
{
	size_t got = 0;
	for (size_t e = lo; e < n && cells[e].k == cells[lo].k; e++) {
		size_t j = cells[e].v;
		if (j >= i)
			continue;
		double x = input_dist(in, i, j);
		if (!(x <= thr))
			continue;
		if (edges && count + got < cap) {
			uint64_t bits;
			memcpy(&bits, &x, sizeof(bits));
			edges[count + got] = (struct kv){bits & ~(1ull << 63), (uint64_t)i << 32 | j};
		}
		got++;
	}
	return got;
}

/* The pairs (i, j), j < i, within THR found through the grid: counted,
 * and when EDGES is not NULL stored there (up to CAP). */
static size_t grid_pairs(const struct rips_ws *ws, const struct rips_input *in, double side, double thr,
			 struct kv *edges, size_t cap)
{
	const struct kv *cells = ws->cells.p;
	size_t n = in->n, dim = in->dim, count = 0, noff = 1;
	int64_t prev[GRID_MAX_DIM];
	size_t seen[81], nseen = 0;
	for (size_t k = 0; k < dim; k++)
		noff *= 3;
	/* Point by point in the cells' order: the points of one cube share
	 * its neighbour cubes, looked up once (binary searches of CELLS). */
	for (size_t e0 = 0; e0 < n; e0++) {
		size_t i = cells[e0].v;
		int64_t c[GRID_MAX_DIM], d[GRID_MAX_DIM];
		grid_cell(in, i, side, c);
		if (e0 > 0 && cells[e0].k == cells[e0 - 1].k && !memcmp(c, prev, dim * sizeof(c[0]))) {
			for (size_t q = 0; q < nseen; q++)
				count += cube_pairs(in, cells, n, seen[q], i, thr, edges, cap, count);
			continue;
		}
		memcpy(prev, c, dim * sizeof(c[0]));
		nseen = 0;
		for (size_t o = 0; o < noff; o++) {
			size_t t = o;
			for (size_t k = 0; k < dim; k++, t /= 3)
				d[k] = c[k] + (int64_t)(t % 3) - 1;
			uint64_t key = grid_key(d, dim);
			size_t lo = 0, hi = n;   /* the first cell entry with KEY */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (cells[mid].k < key)
					lo = mid + 1;
				else
					hi = mid;
			}
			bool again = false;
			for (size_t q = 0; q < nseen && !again; q++)
				again = seen[q] == lo;
			if (again || lo == n || cells[lo].k != key)
				continue;
			seen[nseen++] = lo;
			count += cube_pairs(in, cells, n, lo, i, thr, edges, cap, count);
		}
	}
	return count;
}

/* Whether the sparse path of IN at THRESHOLD searches a grid. */
static bool use_grid(const struct rips_ws *ws, const struct rips_input *in, double threshold)
{
	return ws->search == SEARCH_AUTO && in->kind == RIPS_POINTS && in->dim >= 1 &&
	       in->dim <= GRID_MAX_DIM && threshold > 0 && isfinite(threshold);
}

/* Whether it searches a ball tree: clouds of more coordinates. */
static bool use_balltree(const struct rips_ws *ws, const struct rips_input *in, double threshold)
{
	return ws->search != SEARCH_PAIRS && in->kind == RIPS_POINTS && in->dim >= 1 &&
	       isfinite(threshold) && !use_grid(ws, in, threshold);
}

/* rips_pair_fn: a pair into ws->edges (room made by sparse_edges()). */
static void tree_keep(void *ctx, uint32_t i, uint32_t j, double d)
{
	struct rips_ws *ws = ctx;
	uint64_t bits;
	memcpy(&bits, &d, sizeof(bits));
	ws->edges.p[ws->edges.len++] = (struct kv){bits & ~(1ull << 63), (uint64_t)i << 32 | j};
}

/*
 * The pairs of IN within THRESHOLD, counted without storing them, into
 * *COUNT.  Through the grid or the ball tree (then *R is INFINITY, and the
 * count stops at LIMIT + 1: past LIMIT the dense path is taken), or in one
 * pass over every pair, which also gives the enclosing radius in *R
 * (ws->rowmax holds each point's largest distance).  0, -ERANGE or
 * -ENOMEM.
 */
static int count_edges(struct rips_ws *ws, const struct rips_input *in, double threshold, size_t limit,
		       double *r, size_t *count)
{
	uint32_t n = ws->n;
	int rc;
	if (use_balltree(ws, in, threshold)) {
		/* As the grid: no enclosing radius, the threshold as given. */
		size_t bytes = rips_balltree_size(n, in->dim);
		if ((rc = RESERVE_EXACT(ws, ws->btmem, (bytes + 7) / 8)))
			return rc;
		rips_balltree_build(&ws->bt, in->data, n, in->dim, ws->btmem.p);
		if (rips_balltree_finite(&ws->bt)) {
			ws->btmem.len = 1;
			*r = INFINITY;
			*count = rips_balltree_pairs(&ws->bt, threshold, limit, NULL, NULL);
			return 0;
		}
		/* Coordinates so large that the balls overflow: every pair,
		 * which reports a distance that does (-ERANGE). */
		FREE(ws, ws->btmem);
	}
	if (use_grid(ws, in, threshold)) {
		/* No enclosing radius (it needs every pair): the threshold is
		 * used as given, which changes no diagram (rips_compute()). */
		if ((rc = grid_build(ws, in, threshold * (1 + 1e-9))))
			return rc;
		*r = INFINITY;
		*count = grid_pairs(ws, in, threshold * (1 + 1e-9), threshold, NULL, 0);
		return 0;
	}
	if ((rc = RESERVE_EXACT(ws, ws->rowmax, n)))
		return rc;
	double *rowmax = ws->rowmax.p;
	size_t cnt = 0;
	memset(rowmax, 0, n * sizeof(double));
	for (uint32_t i = 1; i < n; i++) {
		double m = 0;
		for (uint32_t j = 0; j < i; j++) {
			double x = input_dist(in, i, j);
			if (isinf(x))
				return -ERANGE;
			cnt += x <= threshold;
			if (x > m)
				m = x;
			if (x > rowmax[j])
				rowmax[j] = x;
		}
		rowmax[i] = m;
	}
	*r = INFINITY;
	for (uint32_t i = 0; i < n; i++)
		if (rowmax[i] < *r)
			*r = rowmax[i];
	*count = cnt;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Fill ws->adj_zc (edge_zc()): each edge {a > b} once, from a's side,
 * and copied to b's, where a cursor per vertex (ws->uf) meets the a's in
 * increasing order. */
static int edge_zcs(struct rips_ws *ws)
{
	uint32_t n = ws->n, *off = ws->adj_off.p, *cur = ws->uf.p;
	const uint64_t *A = ws->adj.p;
	size_t na = off[n];
	int rc;
	if ((rc = RESERVE_EXACT(ws, ws->adj_zc, na ? na : 1)))
		return rc;
	ws->adj_zc.len = na;
	for (uint32_t b = 0; b < n; b++) {	/* b's first neighbour above b */
		uint32_t p = off[b];
		while (p < off[b + 1] && (uint32_t)(A[p] >> 32) < b)
			p++;
		cur[b] = p;
	}
	for (uint32_t a = 0; a < n; a++) {
		for (uint32_t p = off[a]; p < off[a + 1] && (uint32_t)(A[p] >> 32) < a; p++) {
			uint32_t b = (uint32_t)(A[p] >> 32), v[2] = {a, b}, wr[2];
			int64_t wp[2];
			int64_t w = sparse_within(ws, v, 1, (uint32_t)A[p], wr, wp);
			uint32_t z = w < 0 ? ZC_NONE : (uint32_t)w;
			ws->adj_zc.p[p] = z;
			ws->adj_zc.p[cur[b]++] = z;	/* a, in b's adjacency */
		}
	}
	return 0;
}

/* Filtration order of edges keyed by rank: rank, then decreasing index
 * (i << 32 | j with i > j orders as the index i(i-1)/2 + j). */
static int cmp_filtration(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return (x->v < y->v) - (x->v > y->v);
}

/*
 * Edge collapse (rips_collapse.h) of the sparse path's graph: the
 * adjacencies lose the removed edges and carry the later ranks of the
 * edges moved, and ws->edges becomes the edges kept, with their new
 * ranks, in the filtration order of those.  The reduction, H0 included,
 * then sees only the collapsed graph: the diagrams are the same, and the
 * simplices above the edges fewer (compute_dims() says when it pays).
 */
static int collapse_edges(struct rips_ws *ws)
{
	uint32_t n = ws->n, *off = ws->adj_off.p;
	uint64_t *A = ws->adj.p;
	size_t ne = ws->edges.len, kept;
	int rc;
	if ((rc = RESERVE_EXACT(ws, ws->ctmp, (rips_collapse_scratch_size(n) + 7) / 8)))
		return rc;
	kept = rips_collapse(n, off, A, (uint64_t *)ws->edges.p, ne, ws->collapse_mode == RIPS_COLLAPSE_AUTO,
			     ws->ctmp.p);
	FREE(ws, ws->ctmp);
	ws->st.edges_kept = kept;
	size_t o = 0, s = off[0];
	for (uint32_t i = 0; i < n; i++) {
		size_t end = off[i + 1];
		off[i] = (uint32_t)o;
		for (size_t p = s; p < end; p++)
			if ((uint32_t)A[p] != RIPS_COLLAPSE_GONE)
				A[o++] = A[p];
		s = end;
	}
	off[n] = (uint32_t)o;
	size_t k = 0;
	for (size_t e = 0; e < ne; e++)
		if (ws->edges.p[e].k != RIPS_COLLAPSE_GONE)
			ws->edges.p[k++] = ws->edges.p[e];
	ws->edges.len = k;
	qsort(ws->edges.p, k, sizeof(struct kv), cmp_filtration);
	return 0;
}

/*
 * The sparse path ("sparse distance matrix", as Ripser's): the pairs of IN
 * within ws->thr (at most COUNT of them) become the edges, with no n x n
 * matrix: each vertex gets its neighbours and their ranks, sorted by
 * vertex (ws->adj), which the coboundaries walk down together
 * (rips_keyed.inc).  Memory grows with the edges kept, not with n^2.
 */
static int sparse_edges(struct rips_ws *ws, const struct rips_input *in, size_t count)
{
	uint32_t n = ws->n;
	size_t cap = count ? count : 1;
	int rc;
	FREE(ws, ws->rank);
	FREE(ws, ws->dist);
	ws->edges.len = 0;
	if ((rc = RESERVE_EXACT(ws, ws->edges, cap)) || (rc = RESERVE_EXACT(ws, ws->kvtmp, cap)) ||
	    (rc = RESERVE_EXACT(ws, ws->vals, cap)))
		return rc;
	if (ws->btmem.len) {
		rips_balltree_pairs(&ws->bt, ws->thr, cap, tree_keep, ws);
		FREE(ws, ws->btmem);
		/* Ties in increasing index order, as from the grid. */
		sort_kv_by_v(ws->edges.p, ws->kvtmp.p, ws->edges.len);
	} else if (ws->cells.len) {
		size_t got = grid_pairs(ws, in, ws->thr * (1 + 1e-9), ws->thr, ws->edges.p, cap);
		ws->edges.len = got < cap ? got : cap;
		FREE(ws, ws->cells);
		/* Ties must come in increasing index order (rank_sorted_edges()
		 * sorts by length stably): the grid met them in another. */
		sort_kv_by_v(ws->edges.p, ws->kvtmp.p, ws->edges.len);
	} else {
		for (uint32_t i = 1; i < n; i++) {
			for (uint32_t j = 0; j < i; j++) {
				double x = input_dist(in, i, j);
				if (x <= ws->thr && ws->edges.len < cap) {
					uint64_t bits;
					memcpy(&bits, &x, sizeof(bits));
					struct kv p = {bits & ~(1ull << 63), (uint64_t)i << 32 | j};
					ws->edges.p[ws->edges.len++] = p;
				}
			}
		}
	}
	if ((rc = rank_sorted_edges(ws)))
		return rc;
	/* The sort's scratch is not needed again: give it back before the
	 * adjacencies, which would otherwise set the peak beside it. */
	FREE(ws, ws->kvtmp);
	/* The adjacencies: counted, placed (ws->uf as the cursors), sorted. */
	size_t ne = ws->edges.len;
	if ((rc = RESERVE_EXACT(ws, ws->adj_off, (size_t)n + 1)) ||
	    (rc = RESERVE_EXACT(ws, ws->adj, ne ? 2 * ne : 1)) ||
	    (rc = RESERVE_EXACT(ws, ws->uf, n ? n : 1)))
		return rc;
	uint32_t *off = ws->adj_off.p, *cur = ws->uf.p;
	memset(off, 0, ((size_t)n + 1) * sizeof(*off));
	for (size_t e = 0; e < ne; e++) {
		off[(ws->edges.p[e].v >> 32) + 1]++;
		off[(uint32_t)ws->edges.p[e].v + 1]++;
	}
	for (uint32_t i = 0; i < n; i++) {
		off[i + 1] += off[i];
		cur[i] = off[i];
	}
	uint32_t rank = 0;
	uint64_t prev = ne ? ws->edges.p[0].k : 0;
	for (size_t e = 0; e < ne; e++) {
		uint32_t i = (uint32_t)(ws->edges.p[e].v >> 32), j = (uint32_t)ws->edges.p[e].v;
		if (ws->edges.p[e].k != prev) {
			prev = ws->edges.p[e].k;
			rank++;
		}
		/* From here on a sparse edge's key is its rank (key_edges()):
		 * the collapse gives edges ranks that no length of theirs has. */
		ws->edges.p[e].k = rank;
		ws->adj.p[cur[i]++] = (uint64_t)j << 32 | rank;
		ws->adj.p[cur[j]++] = (uint64_t)i << 32 | rank;
	}
	for (uint32_t i = 0; i < n; i++)
		qsort(ws->adj.p + off[i], off[i + 1] - off[i], sizeof(uint64_t), cmp_u64);
	if (ws->collapse && ws->maxdim >= 1 && (rc = collapse_edges(ws)))
		return rc;
	return ws->maxdim >= 1 ? edge_zcs(ws) : 0;
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
	FREE(ws, ws->hval);
	FREE(ws, ws->nbrs);
}

#define RIPS_WIDE 0
#include "scaled/rips_keyed.inc"
#undef RIPS_WIDE
#define RIPS_WIDE 1
#include "scaled/rips_keyed.inc"
#undef RIPS_WIDE

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

	/*
	 * A threshold that keeps few pairs: the sparse path, whose memory is
	 * the edges kept.  Counting them costs one more search, which is why
	 * it is done only when a threshold is given.  The dense coboundary
	 * scans all n vertices for each cofacet enumeration, the sparse one
	 * the neighbours of the simplex's vertices: measured (user time, H2)
	 * on o3 n 1024 in R^9 and a torus n 1000 in R^3, sparse was 10-30%
	 * faster at 3-10% of the pairs kept, and 10-25% slower at 20-33%, so
	 * it is chosen below 1 pair in 10, or below 1 in 4 when the dense
	 * floor (32 n^2) would not fit the limit.
	 */
	double r = INFINITY;
	size_t m = (size_t)ws->n * (ws->n - (ws->n > 0)) / 2, count = 0;
	ws->sparse = false;
	FREE(ws, ws->cells);
	FREE(ws, ws->btmem);
	/* Collapse forced on takes the sparse path, whose adjacencies it
	 * rewrites, even without a threshold (the enclosing radius is then
	 * found by count_edges()'s pass over every pair). */
	bool collapse_on = ws->collapse_mode == RIPS_COLLAPSE_ON && maxdim >= 1;
	if ((isfinite(threshold) || collapse_on) && ws->n >= 2) {
		bool dense_big = ws->limit && 32.0 * ws->n * ws->n > (double)ws->limit;
		size_t most = ws->force_sparse == 1 || collapse_on ? SIZE_MAX : dense_big ? m / 4 : m / 10;
		if ((rc = count_edges(ws, in, threshold, most, &r, &count)))
			return rc;
		bool few = count <= m / 10 || (dense_big && count <= m / 4);
		ws->sparse = collapse_on || (ws->force_sparse < 0 ? few : ws->force_sparse);
	}
	/* Edge collapse where it pays: see README.md (Rips persistence vs
	 * ripser) for the measurements behind this rule. */
	ws->collapse = ws->sparse && (collapse_on || (ws->collapse_mode == RIPS_COLLAPSE_AUTO && maxdim >= 2));
	if ((rc = binom_build(ws, ws->n, maxdim + 3)))
		return rc;
	if (ws->sparse) {
		ws->thr = threshold < r ? threshold : r;
		if ((rc = sparse_edges(ws, in, count)))
			return rc;
	} else {
		if ((rc = load_distances(ws, in)) || (rc = enclosing_radius(ws, &r)))
			return rc;
		ws->thr = threshold < r ? threshold : r;
		FREE(ws, ws->cells);
		FREE(ws, ws->btmem);
		FREE(ws, ws->adj_off);
		FREE(ws, ws->adj);
		FREE(ws, ws->adj_zc);
		if ((rc = rank_edges(ws)))
			return rc;
	}
	out->enclosing_radius = isinf(r) ? NAN : r;   /* not computed by the grid search */
	out->threshold = ws->thr;
	/* The keys of the other width are not used by this computation. */
	if (ws->wide) {
		free_keyed_n(ws);
		rc = compute_keyed_w(ws);
	} else {
		free_keyed_w(ws);
		rc = compute_keyed_n(ws);
	}
	if (rc)
		return rc;
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
