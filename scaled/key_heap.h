/*
 * key_heap.h - points waiting for a watermark, ordered by (event time,
 * arrival): the min-heap time windows (scaled/time_windows.c) and joins
 * (scaled/join.c) settle points from, in process memory, rebuilt from the
 * segment by a successor.
 */
#ifndef TDP_KEY_HEAP_H
#define TDP_KEY_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct key {
	int64_t t;       /* event time */
	uint64_t seq;    /* arrival: the stream's sequence number */
};

static inline bool key_less(struct key a, struct key b)
{
	return a.t < b.t || (a.t == b.t && a.seq < b.seq);
}

/* Add K to HEAP (*N keys, room for one more). */
static inline void key_heap_push(struct key *heap, uint32_t *n, struct key k)
{
	uint32_t i = (*n)++;
	while (i && key_less(k, heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = k;
}

/* Remove the least key, HEAP[0] (*N > 0). */
static inline void key_heap_pop(struct key *heap, uint32_t *n)
{
	struct key k = heap[--(*n)];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && key_less(heap[c + 1], heap[c]))
			c++;
		if (!key_less(heap[c], k))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = k;
}

#endif
