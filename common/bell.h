/*
 * bell.h - waking a sleeping consumer across processes without locks.
 *
 * A consumer that found nothing to do spins briefly, yields, then sleeps on
 * a futex in its shared slot.  A producer rings (FUTEX_WAKE) only when the
 * consumer said it is sleeping, so the hot path costs one fence and one
 * load.  The Dekker-style order is: consumer stores sleeping=1, fences,
 * re-checks for work, then waits; producer publishes work, fences, loads
 * sleeping.  One of the two always sees the other.  Sleeps are bounded by a
 * timeout so flags (stop, done) and heartbeats are never missed for long.
 */
#ifndef TDP_BELL_H
#define TDP_BELL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/shm.h"

/* Consumer: announce the intent to sleep; returns the value to wait on.
 * Re-check for work after this, then call tdp_bell_sleep or tdp_bell_cancel. */
uint32_t tdp_bell_prepare(struct tdp_bell *b);
/* Consumer: sleep until rung or TIMEOUT_MS passed; clears sleeping. */
void tdp_bell_sleep(struct tdp_bell *b, uint32_t seen, int timeout_ms);
/* Consumer: there was work after all. */
void tdp_bell_cancel(struct tdp_bell *b);
/* Producer: wake the consumer if (and only if) it sleeps. */
void tdp_bell_ring(struct tdp_bell *b);

/* An idle loop helper: call with true when a turn found work, false when it
 * did not; after a few idle turns it yields, then sleeps on the bell. */
struct tdp_idle {
	unsigned int turns;
};
/* Returns true when the caller should prepare+sleep (spin and yield done). */
bool tdp_idle_should_sleep(struct tdp_idle *idle, bool found_work);

#endif
