/*
 * track_match.c - the bottleneck-optimal matching of least total cost
 * between two diagrams (scaled/track_match.h).
 *
 * d* first, from distance_bottleneck().  Then a min-cost flow on the
 * usual twin graph (A's points and copies of B's diagonal against B's
 * points and copies of A's diagonal; a point to its own copy costs
 * (d - b) / 2, copies among themselves 0), with every edge longer than
 * d* left out, "longer" decided by the very comparisons of
 * distance_bottleneck.c (both coordinate differences <= d*; the diagonal
 * by GUDHI's formula), so the graph left holds a perfect matching and
 * every perfect matching of it has d* as its longest edge.
 *
 * The copies are interchangeable, so each side's copies are one node
 * (Ahuja, Magnanti, Orlin, "Network flows", ch. 9: min-cost flow by
 * successive shortest paths): DL, supply nb, sends to B's points (a
 * birth, cost h_j) and to DR; DR, demand na, takes from A's points (a
 * death, cost h_i) and from DL at cost 0.  n + 2 nodes, not 2n.  An edge
 * (i, j) with both points within d* of the diagonal and longer than h_i
 * + h_j is left out too: both to the diagonal costs no more.
 *
 * Successive shortest paths with node potentials (reduced costs c + pi_u
 * - pi_v >= 0, 0 on the flow): the start is the pairs of equal points
 * ("twins", cost 0), then each of B's points takes its cheapest edge
 * when that row is free (column reduction, Jonker and Volgenant 1987),
 * each A still free its best by the reduced costs (reduction transfer),
 * and DL's supply left goes to DR at cost 0.  Each unit of supply still
 * unplaced (free points of A in index order, then DL's) is placed by one
 * Dijkstra on reduced costs from it, stopping at the first free node it
 * settles; potentials move only for what it settled.  Every choice
 * between equals goes to the lower node index (A's points, then B's, DL,
 * DR: a point before the diagonal), and nothing is kept from a call to
 * the next: deterministic.
 */
#include "scaled/track_match.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/distance.h"
#include "scaled/distance_common.h"

#define POOL_MAX (1u << 18)   /* edges kept: 3 MB */
#define FREE (-1)             /* ma, mb: not matched */
#define DIAG (-2)             /* ma, mb: matched to the diagonal */
#define NONE UINT32_MAX

struct track_match_ws {
	struct distance_ws *dist;
	struct distance_buf scratch;   /* the per-node arrays */
	struct distance_buf pool;      /* the edges of A's points */
};

struct track_match_ws *track_match_ws_new(void)
{
	struct track_match_ws *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return NULL;
	ws->dist = distance_ws_new();
	if (!ws->dist) {
		free(ws);
		return NULL;
	}
	return ws;
}

void track_match_ws_free(struct track_match_ws *ws)
{
	if (!ws)
		return;
	distance_ws_free(ws->dist);
	free(ws->scratch.p);
	free(ws->pool.p);
	free(ws);
}

/*
 * Nodes: A's point i is i, B's point j is na + j, then DL and DR.  The
 * flow: ma[i] the B index A's i goes to, DIAG (to DR) or FREE; mb[j] the
 * A index that comes to B's j, DIAG (from DL) or FREE; hub the units DL
 * sends DR.
 */
struct tm {
	const struct tdp_interval *a, *b;
	size_t na, nb, nn;      /* nn = na + nb + 2 nodes */
	uint32_t dl, dr;
	double r;               /* d* */
	double *ha, *hb;        /* cost to the diagonal, (d - b) / 2 */
	uint8_t *la, *lb;       /* within d* of the diagonal ("light") */
	int32_t *ma, *mb;
	size_t ndiag_a, ndiag_b, hub;
	uint32_t *eoff, *elen;  /* A's edges in the pool; NONE: found again at each scan */
	uint32_t *pool_j;       /* the edges' B points, */
	double *pool_c;         /* and their lengths */
	size_t pool_n, pool_cap;   /* a spare row of nb follows pool_cap */
	double *pi, *dist;
	uint32_t *pred;
	uint8_t *done;          /* settled in this Dijkstra */
	uint32_t *heap, *hpos;  /* an indexed binary heap of nodes by (dist, node) */
	size_t hn;
	uint32_t *touched;      /* nodes given a finite dist in this Dijkstra */
	size_t ntouched;
	uint32_t *slot;         /* the twins' hash table: A's index + 1, 0 empty */
	size_t mask;
};

/* GUDHI: max(|x - m|, |y - m|), m = (x + y) / 2, as distance_bottleneck.c. */
static double diag_cost(const struct tdp_interval *p)
{
	double m = (p->birth + p->death) / 2.;
	return fmax(fabs(p->birth - m), fabs(p->death - m));
}

/* The length of an edge, as distance_bottleneck.c's decisions compare it (both sides <= r). */
static double edge(const struct tdp_interval *p, const struct tdp_interval *q)
{
	double dx = fabs(p->birth - q->birth), dy = fabs(p->death - q->death);
	return dx < dy ? dy : dx;
}

/*
 * The edges of A's point I into the spare row after pool_cap: B's points
 * within d*, less those both-light pairs that cost more than both to the
 * diagonal.  How many.
 */
static size_t find_edges(struct tm *t, size_t i)
{
	const struct tdp_interval *p = &t->a[i];
	uint32_t *js = t->pool_j + t->pool_cap;
	double *cs = t->pool_c + t->pool_cap, r = t->r, hi = t->ha[i];
	int li = t->la[i];
	size_t k = 0;
	for (size_t j = 0; j < t->nb; j++) {
		double c = edge(p, &t->b[j]);
		js[k] = (uint32_t)j;   /* written always, kept when an edge: no branch to mispredict */
		cs[k] = c;
		k += c <= r && !(li && t->lb[j] && c > hi + t->hb[j]);
	}
	return k;
}

/* A's point I's edges: *JS, *CS, how many (found again when not kept). */
static size_t row_edges(struct tm *t, size_t i, const uint32_t **js, const double **cs)
{
	size_t off = t->eoff[i], k = off == NONE ? find_edges(t, i) : t->elen[i];
	if (off == NONE)
		off = t->pool_cap;
	*js = t->pool_j + off;
	*cs = t->pool_c + off;
	return k;
}

/*
 * Matches each point of A to the unmatched point of B with the same bits
 * of lowest index, in A's order.  A's points go into an open-addressing
 * table in index order, so a probe meets equal points in index order.
 */
static void twins(struct tm *t)
{
	for (size_t s = 0; s <= t->mask; s++)
		t->slot[s] = 0;
	for (size_t i = 0; i < t->na; i++) {
		struct distance_pt p = { t->a[i].birth, t->a[i].death };
		size_t s = distance_pt_hash(&p) & t->mask;
		while (t->slot[s])
			s = (s + 1) & t->mask;
		t->slot[s] = (uint32_t)i + 1;
	}
	for (size_t j = 0; j < t->nb; j++) {
		struct distance_pt p = { t->b[j].birth, t->b[j].death };
		for (size_t s = distance_pt_hash(&p) & t->mask; t->slot[s]; s = (s + 1) & t->mask) {
			size_t i = t->slot[s] - 1;
			if (t->ma[i] != FREE || memcmp(&t->a[i], &t->b[j], sizeof(t->a[i])))
				continue;
			t->ma[i] = (int32_t)j;
			t->mb[j] = (int32_t)i;
			break;
		}
	}
}

/*
 * Finds and keeps A's edges (pool permitting), and starts the flow: a
 * free point of B takes its cheapest edge (from A's lowest index first,
 * then DL) when that A is free, its potential that edge's cost; a free
 * point of A then takes the edge of least reduced cost (a point of B
 * before DR) when that end is free, its potential minus that cost; DL's
 * supply left goes to DR.  Every reduced cost is then >= 0 and 0 on the
 * flow.
 */
static void start(struct tm *t)
{
	size_t na = t->na, nb = t->nb;
	double *minc = t->dist;       /* borrowed: B's cheapest edge (dist is reset below) */
	uint32_t *arg = t->pred;      /* and where from: A's index, or DL */
	for (size_t j = 0; j < nb; j++) {
		minc[j] = t->lb[j] ? t->hb[j] : INFINITY;
		arg[j] = t->dl;
	}
	t->pool_n = 0;
	for (size_t i = 0; i < na; i++) {
		size_t k = find_edges(t, i);
		const uint32_t *js = t->pool_j + t->pool_cap;
		const double *cs = t->pool_c + t->pool_cap;
		for (size_t e = 0; e < k; e++) {
			uint32_t j = js[e];
			if (cs[e] < minc[j] || (cs[e] == minc[j] && arg[j] == t->dl)) {
				minc[j] = cs[e];
				arg[j] = (uint32_t)i;
			}
		}
		if (t->pool_n + k <= t->pool_cap) {
			memmove(t->pool_j + t->pool_n, js, k * sizeof(*js));
			memmove(t->pool_c + t->pool_n, cs, k * sizeof(*cs));
			t->eoff[i] = (uint32_t)t->pool_n;
			t->elen[i] = (uint32_t)k;
			t->pool_n += k;
		} else {
			t->eoff[i] = NONE;
		}
	}
	for (size_t j = 0; j < nb; j++) {
		t->pi[na + j] = minc[j] < INFINITY ? minc[j] : 0;   /* no edge at all cannot be: d* */
		if (t->mb[j] != FREE)
			continue;   /* a twin: its cheapest edge, 0 */
		if (arg[j] == t->dl) {
			t->mb[j] = DIAG;
			t->ndiag_b++;
		} else if (t->ma[arg[j]] == FREE) {
			t->ma[arg[j]] = (int32_t)j;
			t->mb[j] = (int32_t)arg[j];
		}
	}
	for (size_t i = 0; i < na; i++) {
		if (t->ma[i] != FREE)
			continue;
		const uint32_t *js;
		const double *cs;
		size_t k = row_edges(t, i, &js, &cs);
		double best = -INFINITY;
		uint32_t to = NONE;
		for (size_t e = 0; e < k; e++) {
			double v = t->pi[na + js[e]] - cs[e];
			if (v > best) {
				best = v;
				to = js[e];
			}
		}
		if (t->la[i] && -t->ha[i] > best) {
			best = -t->ha[i];
			to = t->dr;
		}
		if (to == NONE) {
			t->pi[i] = 0;   /* no edge at all cannot be: d* */
			continue;
		}
		t->pi[i] = best;
		if (to == t->dr) {
			t->ma[i] = DIAG;
			t->ndiag_a++;
		} else if (t->mb[to] == FREE) {
			t->ma[i] = (int32_t)to;
			t->mb[to] = (int32_t)i;
		}
	}
	size_t dl_left = nb - t->ndiag_b, dr_left = na - t->ndiag_a;
	t->hub = dl_left < dr_left ? dl_left : dr_left;
	for (size_t u = 0; u < t->nn; u++)
		t->dist[u] = INFINITY;
}

static int heap_less(const struct tm *t, uint32_t u, uint32_t v)
{
	return t->dist[u] < t->dist[v] || (t->dist[u] == t->dist[v] && u < v);
}

static void heap_up(struct tm *t, size_t k)
{
	uint32_t u = t->heap[k];
	while (k > 0) {
		size_t p = (k - 1) / 2;
		if (!heap_less(t, u, t->heap[p]))
			break;
		t->heap[k] = t->heap[p];
		t->hpos[t->heap[k]] = (uint32_t)k;
		k = p;
	}
	t->heap[k] = u;
	t->hpos[u] = (uint32_t)k;
}

static uint32_t heap_pop(struct tm *t)
{
	uint32_t top = t->heap[0], u = t->heap[--t->hn];
	t->hpos[top] = NONE;
	if (!t->hn)
		return top;
	size_t k = 0;
	for (;;) {
		size_t c = 2 * k + 1;
		if (c >= t->hn)
			break;
		if (c + 1 < t->hn && heap_less(t, t->heap[c + 1], t->heap[c]))
			c++;
		if (!heap_less(t, t->heap[c], u))
			break;
		t->heap[k] = t->heap[c];
		t->hpos[t->heap[k]] = (uint32_t)k;
		k = c;
	}
	t->heap[k] = u;
	t->hpos[u] = (uint32_t)k;
	return top;
}

/* Node V, not settled, now at distance ND from U (less than it was). */
static void improve(struct tm *t, uint32_t u, uint32_t v, double nd)
{
	if (t->dist[v] == INFINITY)
		t->touched[t->ntouched++] = v;
	t->dist[v] = nd;
	t->pred[v] = u;
	if (t->hpos[v] == NONE) {
		t->heap[t->hn] = v;
		t->hpos[v] = (uint32_t)t->hn++;
	}
	heap_up(t, t->hpos[v]);
}

/* Node V reached from U, settled at distance D, by an edge of cost C. */
static void relax(struct tm *t, uint32_t u, double d, uint32_t v, double c)
{
	double rc = c + t->pi[u] - t->pi[v];
	double nd = d + (rc > 0 ? rc : 0);   /* >= 0 but for rounding */
	if (nd < t->dist[v] && !t->done[v])
		improve(t, u, v, nd);
}

/* The residual edges out of U, settled at distance D. */
static void scan(struct tm *t, uint32_t u, double d)
{
	size_t na = t->na, nb = t->nb;
	if (u < na) {
		const uint32_t *js;
		const double *cs;
		size_t k = row_edges(t, u, &js, &cs);
		/* relax(), with the arrays in locals: the hot loop */
		const double *pib = t->pi + na, base = t->pi[u];
		const double *db = t->dist + na;
		const uint8_t *doneb = t->done + na;
		uint32_t skip = t->ma[u] >= 0 ? (uint32_t)t->ma[u] : NONE;
		for (size_t e = 0; e < k; e++) {
			uint32_t j = js[e];
			double rc = cs[e] + base - pib[j], nd = d + (rc > 0 ? rc : 0);
			if (nd < db[j] && !doneb[j] && j != skip)
				improve(t, u, (uint32_t)na + j, nd);
		}
		if (t->la[u] && t->ma[u] != DIAG)
			relax(t, u, d, t->dr, t->ha[u]);
	} else if (u < na + nb) {
		size_t j = u - na;
		if (t->mb[j] >= 0)
			relax(t, u, d, (uint32_t)t->mb[j], -edge(&t->a[t->mb[j]], &t->b[j]));
		else if (t->mb[j] == DIAG)
			relax(t, u, d, t->dl, -t->hb[j]);
	} else if (u == t->dl) {
		for (size_t j = 0; j < nb; j++)
			if (t->lb[j] && t->mb[j] != DIAG)
				relax(t, u, d, (uint32_t)(na + j), t->hb[j]);
		relax(t, u, d, t->dr, 0);
	} else {
		for (size_t i = 0; i < na; i++)
			if (t->ma[i] == DIAG)
				relax(t, u, d, (uint32_t)i, -t->ha[i]);
		if (t->hub)
			relax(t, u, d, t->dl, 0);
	}
}

static int is_sink(const struct tm *t, uint32_t u)
{
	if (u >= t->na && u < t->na + t->nb)
		return t->mb[u - t->na] == FREE;
	return u == t->dr && t->ndiag_a + t->hub < t->na;
}

/* Sends the unit along the path that ends at SINK. */
static void flip(struct tm *t, uint32_t sink)
{
	size_t na = t->na, nb = t->nb;
	for (uint32_t v = sink; t->pred[v] != NONE; v = t->pred[v]) {
		uint32_t u = t->pred[v];
		if (u < na && v >= na && v < na + nb) {   /* A -> B */
			t->ma[u] = (int32_t)(v - na);
			t->mb[v - na] = (int32_t)u;
		} else if (u < na) {                       /* A -> DR */
			t->ma[u] = DIAG;
			t->ndiag_a++;
		} else if (u == t->dr && v < na) {         /* DR -> A, undone */
			t->ndiag_a--;
		} else if (u == t->dl && v < na + nb) {    /* DL -> B */
			t->mb[v - na] = DIAG;
			t->ndiag_b++;
		} else if (v == t->dl && u < na + nb) {    /* B -> DL, undone */
			t->ndiag_b--;
		} else if (u == t->dl) {                   /* DL -> DR */
			t->hub++;
		} else if (u == t->dr) {                   /* DR -> DL, undone */
			t->hub--;
		}                                          /* B -> A, undone: overwritten */
	}
}

/*
 * One shortest augmenting path from S (Dijkstra on reduced costs), the
 * unit sent along it, the potentials of what it settled moved by their
 * distance less the path's.  0, or -1 when no free node is reachable
 * (cannot be: the edges <= d* hold a perfect matching).
 */
static int augment(struct tm *t, uint32_t s)
{
	uint32_t sink = NONE;
	size_t nset = 0;
	uint32_t *set = t->heap + t->nn;   /* the settled, in order: heap's second half */
	t->ntouched = 0;
	t->hn = 0;
	t->dist[s] = 0;
	t->pred[s] = NONE;
	t->touched[t->ntouched++] = s;
	t->heap[t->hn] = s;
	t->hpos[s] = (uint32_t)t->hn++;
	while (t->hn) {
		uint32_t u = heap_pop(t);
		t->done[u] = 1;
		set[nset++] = u;
		if (u != s && is_sink(t, u)) {
			sink = u;
			break;
		}
		scan(t, u, t->dist[u]);
	}
	int rc = -1;
	if (sink != NONE) {
		double far = t->dist[sink];
		for (size_t k = 0; k < nset; k++)
			t->pi[set[k]] += t->dist[set[k]] - far;
		flip(t, sink);
		rc = 0;
	}
	for (size_t k = 0; k < t->ntouched; k++) {
		uint32_t v = t->touched[k];
		t->dist[v] = INFINITY;
		t->done[v] = 0;
		t->hpos[v] = NONE;
	}
	t->hn = 0;
	return rc;
}

static int carve(struct track_match_ws *ws, struct tm *t)
{
	size_t na = t->na, nb = t->nb, nn = t->nn;
	t->mask = 1;
	while (t->mask < 2 * na)
		t->mask <<= 1;
	size_t sizes[] = {
		na * sizeof(double), nb * sizeof(double), na, nb,
		na * sizeof(int32_t), nb * sizeof(int32_t), 2 * na * sizeof(uint32_t),
		2 * nn * sizeof(double), nn * sizeof(uint32_t), nn, 4 * nn * sizeof(uint32_t),
		t->mask * sizeof(uint32_t),
	};
	size_t nsz = sizeof(sizes) / sizeof(sizes[0]);
	t->pool_cap = na * nb < POOL_MAX ? na * nb : POOL_MAX;
	size_t pool = (t->pool_cap + nb) * (sizeof(uint32_t) + sizeof(double));
	if (distance_buf_reserve(&ws->scratch, distance_carve_total(sizes, nsz)) ||
	    distance_buf_reserve(&ws->pool, pool))
		return -1;
	char *c = ws->scratch.p;
	t->ha = distance_carve(&c, sizes[0]);
	t->hb = distance_carve(&c, sizes[1]);
	t->la = distance_carve(&c, sizes[2]);
	t->lb = distance_carve(&c, sizes[3]);
	t->ma = distance_carve(&c, sizes[4]);
	t->mb = distance_carve(&c, sizes[5]);
	t->eoff = distance_carve(&c, sizes[6]);
	t->elen = t->eoff + na;
	t->pi = distance_carve(&c, sizes[7]);
	t->dist = t->pi + nn;
	t->pred = distance_carve(&c, sizes[8]);
	t->done = distance_carve(&c, sizes[9]);
	t->heap = distance_carve(&c, sizes[10]);   /* heap, settled list (augment()), */
	t->hpos = t->heap + 2 * nn;
	t->touched = t->hpos + nn;
	t->slot = distance_carve(&c, sizes[11]);
	t->mask--;
	t->pool_c = ws->pool.p;   /* doubles first: aligned */
	t->pool_j = (uint32_t *)(t->pool_c + t->pool_cap + nb);
	return 0;
}

static int valid(const struct tdp_interval *iv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(iv[i].birth) || !isfinite(iv[i].death) || !(iv[i].birth <= iv[i].death))
			return 0;
	return 1;
}

int track_match(struct track_match_ws *ws, const struct tdp_interval *a, size_t na,
		const struct tdp_interval *b, size_t nb, uint32_t *a_to_b)
{
	if (!valid(a, na) || !valid(b, nb) || na > (1u << 30) || nb > (1u << 30))
		return -2;
	if (!na)
		return 0;
	if (!nb) {
		for (size_t i = 0; i < na; i++)
			a_to_b[i] = TRACK_NONE;
		return 0;
	}
	struct tm t = { .a = a, .b = b, .na = na, .nb = nb, .nn = na + nb + 2 };
	t.dl = (uint32_t)(na + nb);
	t.dr = t.dl + 1;
	if (distance_bottleneck(ws->dist, a, na, b, nb, &t.r) || carve(ws, &t))
		return -1;
	for (size_t i = 0; i < na; i++) {
		t.ha[i] = (a[i].death - a[i].birth) * 0.5;
		t.la[i] = diag_cost(&a[i]) <= t.r;
		t.ma[i] = FREE;
	}
	for (size_t j = 0; j < nb; j++) {
		t.hb[j] = (b[j].death - b[j].birth) * 0.5;
		t.lb[j] = diag_cost(&b[j]) <= t.r;
		t.mb[j] = FREE;
	}
	for (size_t u = 0; u < t.nn; u++) {
		t.pi[u] = 0;
		t.done[u] = 0;
		t.hpos[u] = NONE;
	}
	twins(&t);
	start(&t);
	for (size_t i = 0; i < na; i++)
		if (t.ma[i] == FREE && augment(&t, (uint32_t)i))
			return -1;
	while (t.ndiag_b + t.hub < nb)
		if (augment(&t, t.dl))
			return -1;
	for (size_t i = 0; i < na; i++)
		a_to_b[i] = t.ma[i] >= 0 ? (uint32_t)t.ma[i] : TRACK_NONE;
	return 0;
}
