#include "scaled/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/crash.h"
#include "common/shm.h"

size_t window_bytes(uint32_t size, uint32_t dim)
{
	return (size_t)size * (TDP_WINDOW_WORDS + dim) * sizeof(uint64_t);
}

void window_attach(struct window *w, void *mem, uint32_t size, uint32_t dim)
{
	w->size = size;
	w->dim = dim;
	w->tag = mem;
	w->t = (int64_t *)(w->tag + size);
	w->off = (uint64_t *)(w->t + size);
	w->read_ns = w->off + size;
	w->v = (double *)(w->read_ns + size);
	w->owned = NULL;
}

int window_init(struct window *w, uint32_t size, uint32_t dim)
{
	void *mem = calloc(1, window_bytes(size, dim));
	if (!mem) {
		memset(w, 0, sizeof(*w));
		return -ENOMEM;
	}
	window_attach(w, mem, size, dim);
	w->owned = mem;
	return 0;
}

void window_fini(struct window *w)
{
	free(w->owned);
	memset(w, 0, sizeof(*w));
}

/*
 * The slot's tag goes to 0 before its words change and to the new point's
 * after, with a crash point between: a process killed mid-write (a kill
 * of the whole group lands at any instruction) leaves a slot that holds
 * no point, never the old point's tag over the new point's time and
 * values.  A successor rebuilds time windows' and joins' waiting points
 * from the tags of the last slots; an old tag there made it settle the new
 * point twice, once under the old point's number (the caller is done with
 * the old point: emitted, or settled, before its slot is reused).
 */
void window_put(struct window *w, const struct tdp_point *p)
{
	size_t slot = (size_t)(p->seq % w->size);
	tdp_store_u64(&w->tag[slot], 0);
	__atomic_thread_fence(__ATOMIC_RELEASE);   /* the 0 before the words, on any CPU */
	memcpy(w->v + slot * w->dim, p->v, sizeof(double) * w->dim);
	w->t[slot] = p->t;
	w->off[slot] = p->src_off | (p->flags & TDP_POINT_TIMED ? WINDOW_OFF_TIMED : 0);
	w->read_ns[slot] = p->read_ns;
	tdp_crash_point();
	tdp_store_release_u64(&w->tag[slot], (p->seq + 1) | (p->flags & TDP_POINT_REFUSED ? WINDOW_TAG_REFUSED : 0));
}

uint32_t window_refused(const struct window *w, uint64_t first)
{
	uint32_t n = 0;
	for (uint64_t seq = first; seq < first + w->size; seq++)
		n += w->tag[seq % w->size] == ((seq + 1) | WINDOW_TAG_REFUSED);
	return n;
}

size_t window_gather(const struct window *w, uint64_t first, double *vals, int64_t *t_first, int64_t *t_last)
{
	size_t n = 0;
	for (uint64_t seq = first; seq < first + w->size; seq++) {
		size_t slot = (size_t)(seq % w->size);
		if (w->tag[slot] != seq + 1)
			continue;
		memcpy(vals + n * w->dim, w->v + slot * w->dim, sizeof(double) * w->dim);
		if (n == 0)
			*t_first = w->t[slot];
		*t_last = w->t[slot];
		n++;
	}
	return n;
}

int64_t window_time(const struct window *w, uint64_t seq)
{
	return w->t[seq % w->size];
}

uint64_t window_first_present(const struct window *w, uint64_t first)
{
	uint64_t seq = first;
	while (seq < first + w->size && !window_has(w, seq))
		seq++;
	return seq;
}

uint64_t window_last_present(const struct window *w, uint64_t first)
{
	for (uint64_t seq = first + w->size; seq-- > first;)
		if (window_has(w, seq))
			return seq;
	return first + w->size;
}

uint64_t window_first_open(uint64_t upto, uint32_t size, uint32_t slide)
{
	return upto < size ? 0 : (upto - size) / slide + 1;
}

bool window_next_closable(uint64_t *k, uint64_t upto, uint64_t held_end, uint32_t size, uint32_t slide)
{
	uint64_t open = window_first_open(upto, size, slide);
	if (*k >= open)
		return false;
	if (*k * slide >= held_end) {
		*k = open;
		return false;
	}
	return true;
}
