/*
 * crash.h - the crash points the kill-at-every-step tests stop at.
 *
 * tdp_crash_point() marks a step between two stores that must survive a
 * kill.  With TDAPIPE_CRASH_AT=N in the environment, a pipeline process
 * kills itself with SIGKILL at its N-th step, so a test can kill it at
 * every step in turn (tests/tools/crash_steps.c).  Off, a step costs one
 * predictable branch.  TDAPIPE_CRASH_ROLE=ingest|scaled|publish arms only
 * that kind of process; TDAPIPE_CRASH_ONCE=FILE only the first one to
 * reach the step (it creates FILE), so that a whole instance can run on
 * after one crash (tests/integration/kafka_crash_window.sh).
 */
#ifndef TDP_CRASH_H
#define TDP_CRASH_H

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

#endif
