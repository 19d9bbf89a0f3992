/*
 * commit.h - crash-safe updates of shared state, and the crash points the
 * kill-at-every-step tests stop at.
 *
 * A record that must change several fields at once is double-buffered:
 * body[ver & 1] is committed.  The writer fills body[(ver + 1) & 1] (its
 * own, nobody reads it) and then release-stores ver + 1.  A process killed
 * at any instruction leaves either the old body or the new one committed,
 * never a mix, and holds nothing anybody else waits for.  Only the one
 * writer of a record commits it; readers load ver with acquire first.
 *
 * tdp_crash_point() marks a step between two stores that must survive a
 * kill.  With TDAPIPE_CRASH_AT=N in the environment, a pipeline process
 * kills itself with SIGKILL at its N-th step, so a test can kill it at
 * every step in turn (tests/tools/crash_steps.c).  Off, a step costs
 * one predictable branch.  TDAPIPE_CRASH_ROLE=ingest|scaled|publish arms
 * only that kind of process; TDAPIPE_CRASH_ONCE=FILE only the first one to
 * reach the step (it creates FILE), so that a whole instance can run on
 * after one crash (tests/integration/kafka_crash_window.sh).
 */
#ifndef TDP_COMMIT_H
#define TDP_COMMIT_H

#include <stdatomic.h>
#include <stdint.h>

extern uint64_t tdp_crash_at;   /* step to die at, 0 = never */
void tdp_crash_step(void);

static inline void tdp_crash_point(void)
{
	if (__builtin_expect(tdp_crash_at != 0, 0))
		tdp_crash_step();
}

/* Read TDAPIPE_CRASH_AT (and _ROLE, _ONCE) from the environment; pipeline
 * processes call it at start with their ROLE ("ingest", "scaled",
 * "publish"). */
void tdp_crash_init_from_env(const char *role);

/* The committed body's index, and the one a writer fills next. */
static inline unsigned tdp_commit_live(const uint64_t *ver)
{
	return (unsigned)(atomic_load_explicit((_Atomic uint64_t *)ver, memory_order_acquire) & 1);
}
static inline unsigned tdp_commit_next(const uint64_t *ver)
{
	return tdp_commit_live(ver) ^ 1u;
}

/* Make the body filled at tdp_commit_next() the committed one. */
static inline void tdp_commit(uint64_t *ver)
{
	tdp_crash_point();
	atomic_store_explicit((_Atomic uint64_t *)ver,
			      atomic_load_explicit((_Atomic uint64_t *)ver, memory_order_relaxed) + 1,
			      memory_order_release);
	tdp_crash_point();
}

/* The committed body of a double-buffered record REC (fields ver, body[2]). */
#define TDP_LIVE(rec) (&(rec)->body[tdp_commit_live(&(rec)->ver)])
/* The body a writer fills before tdp_commit(&REC->ver). */
#define TDP_NEXT(rec) (&(rec)->body[tdp_commit_next(&(rec)->ver)])

#endif
