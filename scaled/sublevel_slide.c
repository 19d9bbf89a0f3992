/*
 * sublevel_slide.c - sliding-window sublevel H0 (see sublevel_slide.h).
 *
 * Why this is enough.  In a path, the component of a point i born at x[i]
 * dies, by the elder rule under the total order (value, index), when it
 * first reaches an older point: going left, the nearest j < i with
 * x[j] <= x[i]; going right, the nearest j > i with x[j] < x[i].  It
 * reaches the left one at lside = max x[j..i] and the right one at
 * rside = max x[i..j], so
 *
 *     death(i) = min(lside, rside),   +inf on a side with no such point,
 *
 * and i has an interval iff death(i) > x[i] (a local minimum); the window's
 * minimum is the one point with both sides infinite.  (This is the
 * prominence of a minimum; it equals the pairing sublevel.c computes in one
 * pass.)  The banana trees of Cultrera di Montesano, Edelsbrunner,
 * Henzinger and Ost (arXiv:2311.01115) maintain the diagram under local
 * changes anywhere in the series; a sliding window only appends on the
 * right and expires on the left, and then each side of each point changes
 * once in its life:
 *
 *   - rside is +inf until a strictly lower point arrives on the right, and
 *     then fixed.  The points still waiting form the "spine", a stack of
 *     non-decreasing values; a push pops the spine points above it and
 *     sets their rside, with the max of the stretch they span carried
 *     along (gap[]), exactly as in the one-pass algorithm.
 *   - lside is fixed at push (the spine's top after the pops is the nearest
 *     lower-or-equal point on the left), and becomes +inf when that point
 *     expires.  The points depending on an expiring point f are the strict
 *     prefix-minimum records of the window after f that are >= x[f]: f+1,
 *     then repeatedly the nearest strictly lower point on the right (nlr[]),
 *     so they are found without any list.
 *
 * The summaries follow each death change: a count, an exact sum (tdp_xsum,
 * so removing what was added leaves no rounding residue however long the
 * stream; kept from the first sls_summary() on) and a max-heap of
 * persistence.
 */
#include "scaled/sublevel_slide.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/diagram.h"

struct sls_logent {
	uint64_t pos;       /* the point's position */
	double birth;
	double old;         /* its death when the period began; == birth: no interval */
};

/* ------------------------------------------------------------ positions */

static inline uint32_t slot_after(const struct sublevel_slide *s, uint32_t slot, uint64_t k)
{
	uint64_t t = slot + k;
	return (uint32_t)(t < s->cap ? t : t % s->cap);
}

static inline uint64_t pos_of(const struct sublevel_slide *s, uint32_t slot)
{
	return s->front + (slot >= s->head ? slot - s->head : slot + s->cap - s->head);
}

static inline double death_of(const struct sublevel_slide *s, uint32_t i)
{
	double l = s->lside[i], r = s->rside[i];
	return l < r ? l : r;
}

/* ------------------------------------------------------------------ heap */

static inline void heap_set(struct sublevel_slide *s, uint32_t at, double key, uint32_t slot)
{
	s->hkey[at] = key;
	s->hslot[at] = slot;
	s->hpos[slot] = at + 1;
}

static void heap_up(struct sublevel_slide *s, uint32_t at, double key, uint32_t slot)
{
	while (at > 0) {
		uint32_t up = (at - 1) / 2;
		if (!(s->hkey[up] < key))
			break;
		heap_set(s, at, s->hkey[up], s->hslot[up]);
		at = up;
	}
	heap_set(s, at, key, slot);
}

static void heap_down(struct sublevel_slide *s, uint32_t at, double key, uint32_t slot)
{
	for (;;) {
		uint32_t c = 2 * at + 1;
		if (c >= s->hlen)
			break;
		if (c + 1 < s->hlen && s->hkey[c + 1] > s->hkey[c])
			c++;
		if (!(s->hkey[c] > key))
			break;
		heap_set(s, at, s->hkey[c], s->hslot[c]);
		at = c;
	}
	heap_set(s, at, key, slot);
}

static void heap_remove(struct sublevel_slide *s, uint32_t slot)
{
	uint32_t at = s->hpos[slot] - 1;
	s->hpos[slot] = 0;
	if (--s->hlen == at)
		return;
	double key = s->hkey[s->hlen];
	uint32_t last = s->hslot[s->hlen];
	if (at > 0 && s->hkey[(at - 1) / 2] < key)
		heap_up(s, at, key, last);
	else
		heap_down(s, at, key, last);
}

static void heap_update(struct sublevel_slide *s, uint32_t slot, double key)
{
	uint32_t at = s->hpos[slot] - 1;
	if (key > s->hkey[at])
		heap_up(s, at, key, slot);
	else
		heap_down(s, at, key, slot);
}

/* Without SLS_TRACK_MAX, the heap's arrays (hslot, hpos; no keys) hold the
 * points with death > birth, the diagram's intervals (infinite deaths
 * included), as an unordered set: a store or two per change, and
 * sls_diagram() need not scan the whole window (~7 slots an interval on
 * ECG).  With it, sls_diagram() scans: the heap holds finite ones only. */
static inline void set_add(struct sublevel_slide *s, uint32_t slot)
{
	s->hslot[s->hlen] = slot;
	s->hpos[slot] = ++s->hlen;
}

static inline void set_remove(struct sublevel_slide *s, uint32_t slot)
{
	uint32_t at = s->hpos[slot] - 1, last = s->hslot[--s->hlen];
	s->hpos[slot] = 0;
	if (at != s->hlen) {
		s->hslot[at] = last;
		s->hpos[last] = at + 1;
	}
}

/* ------------------------------------------------------------ change log */

static void log_touch(struct sublevel_slide *s, uint32_t slot, double old)
{
	if (!(s->flags & SLS_TRACK_CHANGES) || s->logged[slot])
		return;
	uint64_t pos = pos_of(s, slot);
	if (s->log_len == s->log_cap) {
		size_t ncap = s->log_cap ? 2 * s->log_cap : 64;
		struct sls_logent *p = realloc(s->log, ncap * sizeof(*p));
		if (!p)
			abort();   /* bounded by the points touched between two reports */
		s->log = p;
		s->log_cap = ncap;
	}
	s->log[s->log_len++] = (struct sls_logent){pos, s->x[slot], old};
	s->logged[slot] = 1;
}

/* --------------------------------------------------------------- deaths */

/* Point SLOT's death went from OLD to its current value: follow it in the
 * count, the exact total and the heap. */
static void death_changed(struct sublevel_slide *s, uint32_t slot, double old)
{
	double x = s->x[slot], now = death_of(s, slot);
	if (now == old)
		return;
	log_touch(s, slot, old);
	bool was = old > x && old < INFINITY, is = now > x && now < INFINITY;
	if (was) {
		if (s->total_on)
			tdp_xsum_sub(&s->total, old - x);
		s->count--;
	}
	if (is) {
		if (s->total_on)
			tdp_xsum_add(&s->total, now - x);
		s->count++;
	}
	if (!(s->flags & SLS_TRACK_MAX)) {
		bool in = old > x, on = now > x;
		if (in && !on)
			set_remove(s, slot);
		else if (on && !in)
			set_add(s, slot);
		return;
	}
	if (was && is)
		heap_update(s, slot, now - x);
	else if (was)
		heap_remove(s, slot);
	else if (is)
		heap_up(s, s->hlen++, now - x, slot);
}

/* ------------------------------------------------------------------- API */

size_t sls_bytes_per_point(void)
{
	/* x, lside, rside, gap, seq; nlr, hpos, spine; logged; and the heap,
	 * which holds at most one entry per two points (minima are never
	 * adjacent), key and slot. */
	return 5 * sizeof(double) + 3 * sizeof(uint32_t) + 1 + (sizeof(double) + sizeof(uint32_t)) / 2;
}

int sls_init(struct sublevel_slide *s, uint32_t cap, unsigned flags)
{
	memset(s, 0, sizeof(*s));
	if (cap == 0)
		return -EINVAL;
	size_t n = cap, hn = n / 2 + 1;
	s->cap = cap;
	s->flags = flags;
	s->x = malloc(n * sizeof(double));
	s->lside = malloc(n * sizeof(double));
	s->rside = malloc(n * sizeof(double));
	s->gap = malloc(n * sizeof(double));
	s->seq = malloc(n * sizeof(uint64_t));
	s->nlr = malloc(n * sizeof(uint32_t));
	s->hpos = malloc(n * sizeof(uint32_t));
	s->spine = malloc(n * sizeof(uint32_t));
	s->logged = malloc(n);
	s->hkey = malloc(hn * sizeof(double));
	s->hslot = malloc(hn * sizeof(uint32_t));
	if (!s->x || !s->lside || !s->rside || !s->gap || !s->seq || !s->nlr || !s->hpos || !s->spine ||
	    !s->logged || !s->hkey || !s->hslot) {
		sls_fini(s);
		return -ENOMEM;
	}
	sls_clear(s);
	return 0;
}

void sls_fini(struct sublevel_slide *s)
{
	free(s->x);
	free(s->lside);
	free(s->rside);
	free(s->gap);
	free(s->seq);
	free(s->nlr);
	free(s->hpos);
	free(s->spine);
	free(s->logged);
	free(s->hkey);
	free(s->hslot);
	free(s->log);
	memset(s, 0, sizeof(*s));
}

void sls_clear(struct sublevel_slide *s)
{
	s->size = s->head = 0;
	s->front = 0;
	s->spine_head = s->spine_len = 0;
	s->hlen = 0;
	s->count = 0;
	tdp_xsum_init(&s->total);
	s->log_len = 0;
}

static inline uint32_t spine_at(const struct sublevel_slide *s, uint32_t k)
{
	uint32_t t = s->spine_head + k;
	return s->spine[t < s->cap ? t : t - s->cap];
}

void sls_push(struct sublevel_slide *s, uint64_t seq, double x)
{
	uint64_t pos = s->front + s->size;
	uint32_t me = slot_after(s, s->head, s->size);
	double acc = -INFINITY;

	/* Every spine point above x now has its nearest lower point on the
	 * right: me.  Its rside is the max of the stretch up to me. */
	while (s->spine_len) {
		uint32_t t = spine_at(s, s->spine_len - 1);
		if (!(s->x[t] > x))
			break;
		if (s->gap[t] > acc)
			acc = s->gap[t];
		double old = death_of(s, t);
		s->rside[t] = acc > x ? acc : x;
		s->nlr[t] = (uint32_t)(pos - pos_of(s, t));
		s->spine_len--;
		death_changed(s, t, old);
	}
	s->x[me] = x;
	s->seq[me] = seq;
	s->rside[me] = INFINITY;
	s->nlr[me] = 0;
	s->hpos[me] = 0;
	s->logged[me] = 0;
	s->gap[me] = x;
	if (s->spine_len) {
		/* The top is my nearest lower-or-equal point on the left; its
		 * stretch now reaches me. */
		uint32_t t = spine_at(s, s->spine_len - 1);
		double g = s->gap[t];
		if (acc > g)
			g = acc;
		if (x > g)
			g = x;
		s->gap[t] = g;
		s->lside[me] = g;
	} else {
		s->lside[me] = INFINITY;   /* the new minimum of the window */
	}
	uint32_t at = s->spine_head + s->spine_len;
	s->spine[at < s->cap ? at : at - s->cap] = me;
	s->spine_len++;
	s->size++;
	/* Born without an interval (death == birth), then given its death. */
	log_touch(s, me, x);
	death_changed(s, me, x);
}

void sls_expire_one(struct sublevel_slide *s)
{
	uint32_t f = s->head;
	double xf = s->x[f];

	/* Its own interval goes. */
	double old = death_of(s, f);
	log_touch(s, f, old);
	if (old > xf && old < INFINITY) {
		if (s->total_on)
			tdp_xsum_sub(&s->total, old - xf);
		s->count--;
		if (s->flags & SLS_TRACK_MAX)
			heap_remove(s, f);
	}
	if (!(s->flags & SLS_TRACK_MAX) && old > xf)
		set_remove(s, f);
	if (s->spine_len && s->spine[s->spine_head] == f) {
		s->spine_head = s->spine_head + 1 < s->cap ? s->spine_head + 1 : 0;
		s->spine_len--;
	}
	/* Its dependents lose their left side: the records after f that are
	 * >= x[f], chained by nlr. */
	uint64_t pos = s->front + 1, end = s->front + s->size;
	while (pos < end) {
		uint32_t i = slot_after(s, f, pos - s->front);
		if (s->x[i] < xf)
			break;
		double o = death_of(s, i);
		s->lside[i] = INFINITY;
		death_changed(s, i, o);
		if (!s->nlr[i])
			break;
		pos += s->nlr[i];
	}
	s->head = s->head + 1 < s->cap ? s->head + 1 : 0;
	s->front++;
	s->size--;
}

void sls_expire_before(struct sublevel_slide *s, uint64_t first)
{
	while (s->size && s->seq[s->head] < first)
		sls_expire_one(s);
}

uint64_t sls_first_seq(const struct sublevel_slide *s)
{
	return s->seq[s->head];
}

uint64_t sls_last_seq(const struct sublevel_slide *s)
{
	return s->seq[slot_after(s, s->head, s->size - 1)];
}

void sls_summary(struct sublevel_slide *s, struct sls_summary *out)
{
	out->count = s->count;
	if (!s->total_on) {
		/* The first summary: the exact total from the window, then kept
		 * up to date (scale workers, which never ask, never pay it). */
		tdp_xsum_init(&s->total);
		uint32_t i = s->head;
		for (uint32_t n = 0; n < s->size; n++) {
			double d = death_of(s, i);
			if (d > s->x[i] && d < INFINITY)
				tdp_xsum_add(&s->total, d - s->x[i]);
			i = i + 1 < s->cap ? i + 1 : 0;
		}
		s->total_on = true;
	}
	out->total = tdp_xsum_value(&s->total);
	out->max = !(s->flags & SLS_TRACK_MAX) ? NAN : s->hlen ? s->hkey[0] : 0;
	out->min = s->spine_len ? s->x[s->spine[s->spine_head]] : NAN;
}

/* ------------------------------------------------------- diagram order */

/*
 * The diagram sorted as diagram_sort() sorts it, by birth then death, in
 * expected O(n): a scale emits one diagram a window, and a heapsort of its
 * ~140 intervals (ECG, window 1000) was a fifth of all the cycles of a
 * sublevel pipeline, more than the sliding itself.  A bucket sort: births
 * spread over [lo, hi] go to bucket (birth - lo) * (nb / (hi - lo)),
 * which never decreases as the birth grows (IEEE subtraction and
 * multiplication round monotonically), so buckets come out in order and
 * equal births share one; each bucket is then sorted in place, by
 * insertion when short, by diagram_sort() when not (many equal births, or
 * a skewed spread), so no input costs more than the heapsort did.
 *
 * Same bytes as diagram_sort(): two intervals that compare equal are the
 * same bits unless one holds -0.0 and the other +0.0, and heapsort puts
 * those in an order of its own, so a diagram with a -0.0 goes to
 * diagram_sort(), as do small ones (as fast there) and births that are
 * not finite or spread beyond the double range.  The intervals are moved
 * to OUT[n, 2n) and distributed back, so the caller's room for size
 * intervals must hold 2n: it does unless the window is nearly all minima.
 */
#define BUCKET_MIN 64                 /* below: diagram_sort() */
#define BUCKETS_MAX 2048              /* bucket counts on the stack */
#define INSERTION_MAX 16              /* longer buckets: diagram_sort() */
#define NEG_ZERO (UINT64_C(1) << 63)  /* the bits of -0.0 */

static inline uint64_t bits_of(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof(u));
	return u;
}

static inline bool interval_before(const struct tdp_interval *a, const struct tdp_interval *b)
{
	return a->birth < b->birth || (a->birth == b->birth && a->death < b->death);
}

static inline uint32_t bucket_of(double birth, double lo, double scale, uint32_t nb)
{
	double f = (birth - lo) * scale;   /* in [0, nb], a little more by rounding */
	uint32_t k = (uint32_t)f;
	return k < nb ? k : nb - 1;
}

/* Sort OUT[0, n) (room for 2n) whose births lie in [lo, hi]; false if the
 * spread does not allow it (the caller then heapsorts). */
static bool bucket_sort(struct tdp_interval *out, size_t n, double lo, double hi)
{
	uint32_t nb = n < BUCKETS_MAX ? (uint32_t)n : BUCKETS_MAX;
	double range = hi - lo, scale = range > 0 ? nb / range : 0;
	if (!isfinite(range) || !isfinite(scale))
		return false;
	uint32_t start[BUCKETS_MAX + 1];
	memset(start, 0, (nb + 1) * sizeof(start[0]));
	struct tdp_interval *in = out + n;
	memcpy(in, out, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)
		start[bucket_of(in[i].birth, lo, scale, nb) + 1]++;
	for (uint32_t b = 1; b <= nb; b++)
		start[b] += start[b - 1];
	/* start[b] is now bucket b's beginning; filling moves it to its end,
	 * which is bucket b + 1's beginning. */
	uint32_t *fill = start;
	for (size_t i = 0; i < n; i++)
		out[fill[bucket_of(in[i].birth, lo, scale, nb)]++] = in[i];
	uint32_t from = 0;
	for (uint32_t b = 0; b < nb; b++) {
		uint32_t end = fill[b], m = end - from;
		if (m > INSERTION_MAX) {
			diagram_sort(out + from, m);
		} else {
			for (uint32_t i = from + 1; i < end; i++) {
				struct tdp_interval v = out[i];
				uint32_t j = i;
				while (j > from && interval_before(&v, &out[j - 1])) {
					out[j] = out[j - 1];
					j--;
				}
				out[j] = v;
			}
		}
		from = end;
	}
	return true;
}

/* The intervals of slots [FROM, TO) appended at OUT + K; returns the new
 * K.  Without a branch on "is it a minimum", which mispredicts on noisy
 * series: every slot is written, and the next one overwrites it unless
 * it was one (the room for size intervals allows it). */
static size_t collect(const struct sublevel_slide *s, uint32_t from, uint32_t to, struct tdp_interval *out,
		      size_t k)
{
	for (uint32_t i = from; i < to; i++) {
		double x = s->x[i], l = s->lside[i], r = s->rside[i];
		double d = l < r ? l : r;
		out[k].birth = x;
		out[k].death = d;
		k += d > x;
	}
	return k;
}

/* Every slot's interval, in window order, at OUT; returns the count. */
static size_t collect_window(const struct sublevel_slide *s, struct tdp_interval *out)
{
	uint32_t end = s->head + s->size;
	size_t k = collect(s, s->head, end < s->cap ? end : s->cap, out, 0);
	if (end > s->cap)
		k = collect(s, 0, end - s->cap, out, k);
	return k;
}

size_t sls_diagram(const struct sublevel_slide *s, struct tdp_interval *out)
{
	bool scanned = s->flags & SLS_TRACK_MAX;
	size_t k = 0;
	if (scanned) {
		k = collect_window(s, out);
	} else {
		for (uint32_t j = 0; j < s->hlen; j++) {
			uint32_t i = s->hslot[j];
			out[k].birth = s->x[i];
			out[k].death = death_of(s, i);
			k++;
		}
	}
	uint64_t negzero = 0;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < k; i++) {
		double x = out[i].birth;
		negzero |= (uint64_t)(bits_of(x) == NEG_ZERO) | (uint64_t)(bits_of(out[i].death) == NEG_ZERO);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	if (negzero) {
		/* diagram_sort()'s order of -0.0 against +0.0 depends on its
		 * input's: give it the window's, as it always had. */
		if (!scanned)
			k = collect_window(s, out);
		diagram_sort(out, k);
	} else if (k < BUCKET_MIN || 2 * k > s->size || !bucket_sort(out, k, lo, hi)) {
		diagram_sort(out, k);
	}
	return k;
}

size_t sls_tracked(const struct sublevel_slide *s, double min_persistence, struct tdp_event *out)
{
	size_t k = 0;
	uint32_t i = s->head;
	for (uint32_t n = 0; n < s->size; n++) {
		double d = death_of(s, i);
		if (d > s->x[i] && d - s->x[i] >= min_persistence) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].feature = s->seq[i];
			out[k].birth = s->x[i];
			out[k].death = d;
			k++;
		}
		i = i + 1 < s->cap ? i + 1 : 0;
	}
	return k;
}

void sls_changes(struct sublevel_slide *s, void (*cb)(void *ctx, double birth, double death, bool born),
		 void *ctx)
{
	uint64_t end = s->front + s->size;
	for (size_t k = 0; k < s->log_len; k++) {
		const struct sls_logent *e = &s->log[k];
		bool alive = e->pos >= s->front && e->pos < end;
		uint32_t i = alive ? slot_after(s, s->head, e->pos - s->front) : 0;
		double now = alive ? death_of(s, i) : e->birth;
		bool was = e->old > e->birth, is = now > e->birth;
		if (was && (!is || now != e->old))
			cb(ctx, e->birth, e->old, false);
		if (is && (!was || now != e->old))
			cb(ctx, e->birth, now, true);
		if (alive)
			s->logged[i] = 0;
	}
	s->log_len = 0;
}
