/*
 * latest.h - the seqlock of struct tdp_latest (common/shm.h): publish
 * writes a stream's latest result, the exporter copies it, and neither
 * ever waits for the other.
 *
 * Writer (one: publish): tdp_latest_write(slot, &value).  Reader:
 * tdp_latest_read(slot, &copy), which gives up (returns false) after a
 * bounded number of torn copies rather than spin on a writer that a
 * SIGSTOP froze mid-write.
 */
#ifndef TDP_LATEST_H
#define TDP_LATEST_H

#include <stdbool.h>
#include <string.h>

#include "common/atomics.h"
#include "common/shm.h"

static inline void tdp_latest_write(struct tdp_latest *slot, const struct tdp_latest *v)
{
	uint32_t seq = tdp_load_u32(&slot->seq);
	tdp_store_u32(&slot->seq, seq | 1u);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	/* The fields only; seq last, with release. */
	memcpy((char *)slot + sizeof(slot->seq), (const char *)v + sizeof(v->seq), sizeof(*v) - sizeof(v->seq));
	tdp_store_release_u32(&slot->seq, (seq | 1u) + 1u);
}

/* A seqlocked record of SIZE bytes at SLOT, whose first member is its
 * uint32_t seq, copied to OUT; false after 64 torn copies. */
static inline bool tdp_seqlock_read(const void *slot, void *out, size_t size)
{
	const uint32_t *seq = slot;
	for (int tries = 0; tries < 64; tries++) {
		uint32_t s1 = tdp_load_acquire_u32(seq);
		if (s1 & 1u)
			continue;
		memcpy(out, slot, size);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (tdp_load_u32(seq) == s1) {
			memcpy(out, &s1, sizeof(s1));
			return true;
		}
	}
	return false;
}

static inline bool tdp_latest_read(const struct tdp_latest *slot, struct tdp_latest *out)
{
	return tdp_seqlock_read(slot, out, sizeof(*out));
}

/* Publish's update of a live-page view: between begin and end it writes
 * the fields in place (one writer). */
static inline void tdp_latest_view_begin(struct tdp_latest_view *slot)
{
	tdp_store_u32(&slot->seq, tdp_load_u32(&slot->seq) | 1u);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void tdp_latest_view_end(struct tdp_latest_view *slot)
{
	tdp_store_release_u32(&slot->seq, tdp_load_u32(&slot->seq) + 1u);
}

static inline bool tdp_latest_view_read(const struct tdp_latest_view *slot, struct tdp_latest_view *out)
{
	return tdp_seqlock_read(slot, out, sizeof(*out));
}

#endif
