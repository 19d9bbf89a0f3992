/*
 * commit.h - crash-safe updates of shared state.
 *
 * A record that must change several fields at once is double-buffered:
 * body[ver & 1] is committed.  The writer fills body[(ver + 1) & 1] (its
 * own, nobody reads it) and then release-stores ver + 1.  A process killed
 * at any instruction leaves either the old body or the new one committed,
 * never a mix, and holds nothing anybody else waits for.  Only the one
 * writer of a record commits it; readers load ver with acquire first.
 * Each commit is a crash point (common/crash.h) before and after its store.
 */
#ifndef TDP_COMMIT_H
#define TDP_COMMIT_H

#include <stdint.h>

#include "common/atomics.h"
#include "common/crash.h"

/* The committed body's index, and the one a writer fills next. */
static inline unsigned tdp_commit_live(const uint64_t *ver)
{
	return (unsigned)(tdp_load_acquire_u64(ver) & 1);
}
static inline unsigned tdp_commit_next(const uint64_t *ver)
{
	return tdp_commit_live(ver) ^ 1u;
}

/* Make the body filled at tdp_commit_next() the committed one. */
static inline void tdp_commit(uint64_t *ver)
{
	tdp_crash_point();
	tdp_store_release_u64(ver, tdp_load_u64(ver) + 1);
	tdp_crash_point();
}

/* The committed body of a double-buffered record REC (fields ver, body[2]). */
#define TDP_LIVE(rec) (&(rec)->body[tdp_commit_live(&(rec)->ver)])
/* The body a writer fills before tdp_commit(&REC->ver). */
#define TDP_NEXT(rec) (&(rec)->body[tdp_commit_next(&(rec)->ver)])

#endif
