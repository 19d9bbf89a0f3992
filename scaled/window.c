#include "scaled/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int window_init(struct window *w, uint32_t size, uint32_t dim)
{
	memset(w, 0, sizeof(*w));
	w->size = size;
	w->dim = dim;
	w->v = malloc(sizeof(double) * size * dim);
	w->t = malloc(sizeof(double) * size);
	w->tag = malloc(sizeof(uint64_t) * size);
	if (!w->v || !w->t || !w->tag) {
		window_fini(w);
		return -ENOMEM;
	}
	memset(w->tag, 0xff, sizeof(uint64_t) * size);
	return 0;
}

void window_fini(struct window *w)
{
	free(w->v);
	free(w->t);
	free(w->tag);
	memset(w, 0, sizeof(*w));
}

int window_put(struct window *w, const struct tdp_point *p)
{
	if (p->seq < w->next_seq)
		return -1;
	size_t slot = (size_t)(p->seq % w->size);
	memcpy(w->v + slot * w->dim, p->v, sizeof(double) * w->dim);
	w->t[slot] = p->t;
	w->tag[slot] = p->seq;
	w->next_seq = p->seq + 1;
	return 0;
}

size_t window_gather(const struct window *w, uint64_t first, double *vals, double *t_first, double *t_last)
{
	size_t n = 0;
	for (uint64_t seq = first; seq < first + w->size; seq++) {
		size_t slot = (size_t)(seq % w->size);
		if (w->tag[slot] != seq)
			continue;
		memcpy(vals + n * w->dim, w->v + slot * w->dim, sizeof(double) * w->dim);
		if (n == 0)
			*t_first = w->t[slot];
		*t_last = w->t[slot];
		n++;
	}
	return n;
}

double window_time(const struct window *w, uint64_t seq)
{
	return w->t[seq % w->size];
}

void window_each_closed(uint64_t old_next, uint64_t s, uint32_t size, uint32_t slide,
			void (*cb)(void *ctx, uint64_t k), void *ctx)
{
	uint64_t W = size, S = slide;
	if (s + 1 < W)
		return;
	uint64_t kmax = (s + 1 - W) / S;                       /* last window ending at or before s */
	uint64_t kmin = old_next + 1 > W ? (old_next + 1 - W + S - 1) / S : 0;  /* first ending at or after old_next */
	/* Windows ending in the gap hold older points only if they start
	 * before old_next: k <= klast_old. */
	uint64_t klast_old = old_next ? (old_next - 1) / S : 0;
	for (uint64_t k = kmin; k <= kmax;) {
		if (k * S + W - 1 == s || (old_next > 0 && k <= klast_old))
			cb(ctx, k);
		if (k == kmax)
			break;
		/* past the windows holding older points, only kmax remains */
		k = (old_next > 0 && k + 1 <= klast_old) ? k + 1 : kmax;
	}
}
