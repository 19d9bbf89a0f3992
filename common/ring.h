/*
 * ring.h - typed single-producer / single-consumer rings in shared memory.
 *
 * ck_ring's CK_RING_PROTOTYPE gives a type-safe interface: a ring of points
 * cannot be handed a result descriptor.  The ck_ring control block holds no
 * pointers, so it lives in the segment; each process passes its own mapping
 * of the slot array.  Counters are single-writer 64-bit slots read by
 * `tdapipe stats` without locks (common/counter.h).  Code outside this
 * file reads a ring's positions through the accessors at its end, never
 * ck_ring's fields.
 */
#ifndef TDP_RING_H
#define TDP_RING_H

#include <stdbool.h>

#include <ck_ring.h>

#include "common/counter.h"
#include "common/record.h"
#include "common/shm.h"

CK_RING_PROTOTYPE(tdp_point, tdp_point)
CK_RING_PROTOTYPE(tdp_desc, tdp_result_desc)

/* Push a copy of *P; false when the ring is full (nothing written). */
static inline bool tdp_point_push(struct tdp_ring *r, struct tdp_point *slots, const struct tdp_point *p)
{
	unsigned int used;
	if (!ck_ring_enqueue_spsc_size_tdp_point(&r->ck, slots, (struct tdp_point *)p, &used))
		return false;
	tdp_counter_add(&r->pushed, 1);
	tdp_counter_max(&r->high_water, used + 1);
	return true;
}

/* Pop into *P; false when empty. */
static inline bool tdp_point_pop(struct tdp_ring *r, struct tdp_point *slots, struct tdp_point *p)
{
	if (!ck_ring_dequeue_spsc_tdp_point(&r->ck, slots, p))
		return false;
	tdp_counter_add(&r->popped, 1);
	return true;
}

static inline bool tdp_desc_push(struct tdp_ring *r, struct tdp_result_desc *slots,
				 const struct tdp_result_desc *d)
{
	unsigned int used;
	if (!ck_ring_enqueue_spsc_size_tdp_desc(&r->ck, slots, (struct tdp_result_desc *)d, &used))
		return false;
	tdp_counter_add(&r->pushed, 1);
	tdp_counter_max(&r->high_water, used + 1);
	return true;
}

static inline bool tdp_desc_pop(struct tdp_ring *r, struct tdp_result_desc *slots, struct tdp_result_desc *d)
{
	if (!ck_ring_dequeue_spsc_tdp_desc(&r->ck, slots, d))
		return false;
	tdp_counter_add(&r->popped, 1);
	return true;
}

/*
 * Batched forms.  PLATFORM.md measured per-record index updates at 12-100 M
 * records/s and batched ones at 170-810 M/s: every ck_ring operation
 * re-reads the other side's index, a cache line that ping-pongs between
 * cores.  These keep ck_ring's exact invariants (free-running unsigned
 * p_tail / c_head, capacity size-1, store fence before publishing the
 * producer index, load fence after reading it) but move up to N records
 * per index update, so they mix freely with the single-record calls and
 * ck_ring_size().
 */
static inline unsigned int tdp_point_push_many(struct tdp_ring *r, struct tdp_point *slots,
					       const struct tdp_point *pts, unsigned int n)
{
	unsigned int mask = r->ck.mask;
	unsigned int tail = r->ck.p_tail;                       /* ours */
	unsigned int head = ck_pr_load_uint(&r->ck.c_head);     /* theirs */
	unsigned int room = mask - (tail - head);
	if (n > room)
		n = room;
	for (unsigned int i = 0; i < n; i++)
		slots[(tail + i) & mask] = pts[i];
	if (!n)
		return 0;
	ck_pr_fence_store();
	ck_pr_store_uint(&r->ck.p_tail, tail + n);
	tdp_counter_add(&r->pushed, n);
	tdp_counter_max(&r->high_water, tail + n - head);
	return n;
}

/* Copy up to N records from the head of the ring without taking them:
 * the producer cannot reuse their slots until tdp_ring_consume(). */
static inline unsigned int tdp_point_peek_many(struct tdp_ring *r, const struct tdp_point *slots,
					       struct tdp_point *out, unsigned int n)
{
	unsigned int mask = r->ck.mask;
	unsigned int head = r->ck.c_head;                       /* ours */
	unsigned int tail = ck_pr_load_uint(&r->ck.p_tail);     /* theirs */
	unsigned int avail = tail - head;
	if (n > avail)
		n = avail;
	if (!n)
		return 0;
	ck_pr_fence_load();
	for (unsigned int i = 0; i < n; i++)
		out[i] = slots[(head + i) & mask];
	return n;
}

/* Give N records at the head back to the producer. */
static inline void tdp_ring_consume(struct tdp_ring *r, unsigned int n)
{
	ck_pr_fence_store_atomic();
	ck_pr_store_uint(&r->ck.c_head, r->ck.c_head + n);
	tdp_counter_add(&r->popped, n);
}

static inline unsigned int tdp_point_pop_many(struct tdp_ring *r, struct tdp_point *slots,
					      struct tdp_point *out, unsigned int n)
{
	n = tdp_point_peek_many(r, slots, out, n);
	if (n)
		tdp_ring_consume(r, n);
	return n;
}

/* A consumer that reads ahead of its head: copy the descriptor at ring
 * position POS (the consumer's own read cursor, at or after c_head) into
 * *D; false when the producer has not pushed it yet. */
static inline bool tdp_desc_peek(const struct tdp_ring *r, const struct tdp_result_desc *slots,
				 unsigned int pos, struct tdp_result_desc *d)
{
	unsigned int tail = ck_pr_load_uint(&r->ck.p_tail);
	if (tail == pos)
		return false;
	ck_pr_fence_load();
	*d = slots[pos & r->ck.mask];
	return true;
}

/* Move the consumer's head to POS (what it has finished with). */
static inline void tdp_ring_consume_to(struct tdp_ring *r, unsigned int pos)
{
	tdp_ring_consume(r, pos - r->ck.c_head);
}

/* Records in the ring now (a racy snapshot, exact for its own side). */
static inline unsigned int tdp_ring_used(const struct tdp_ring *r)
{
	return ck_ring_size(&r->ck);
}

/* The producer's position: records pushed so far (free-running), loaded
 * with acquire so that the records before it can be read. */
static inline unsigned int tdp_ring_tail(const struct tdp_ring *r)
{
	unsigned int tail = ck_pr_load_uint(&r->ck.p_tail);
	ck_pr_fence_load();
	return tail;
}

/* The consumer's position: records taken so far (free-running). */
static inline unsigned int tdp_ring_head(const struct tdp_ring *r)
{
	return ck_pr_load_uint(&r->ck.c_head);
}

/* The slot of free-running position POS. */
static inline unsigned int tdp_ring_slot(const struct tdp_ring *r, unsigned int pos)
{
	return pos & r->ck.mask;
}

/* Records the ring can hold (ck_ring keeps one slot empty). */
static inline unsigned int tdp_ring_capacity(const struct tdp_ring *r)
{
	return ck_ring_capacity(&r->ck) - 1;
}

#endif
