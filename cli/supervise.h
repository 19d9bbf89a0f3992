/*
 * supervise.h - the supervisor's process table (tdapipe-run(1)).
 *
 * One slot per child (ingest, a worker per scale, publish) in the segment,
 * and beside it what only the supervisor keeps of that child: when to
 * restart it, its backoff, its recent restarts, whether it was killed as
 * hung.  Here a child is started, reaped, judged hung, restarted after its
 * backoff or given up on in a crash loop; cli/run.c drives it.
 */
#ifndef TDP_SUPERVISE_H
#define TDP_SUPERVISE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/shm.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define HEALTHY_NS (10 * NS_PER_S)         /* a run this long resets the backoff */
#define SPAWN_RETRY_NS (1 * NS_PER_S)      /* a restart that could not fork is tried again after this */
#define LOOP_GAP_MIN_NS (200 * NS_PER_MS)  /* a longer pause of the loop (or half the heartbeat
                                            * timeout, if more) restarts every hang clock */

struct child_state {
	uint64_t restart_at;        /* when to (re)start it, 0 = not scheduled */
	unsigned backoff_ms;
	/* times of the last restart_limit restarts, a circular list */
	uint64_t recent[TDP_RESTART_LIMIT_MAX];
	unsigned nrecent, oldest;
	int32_t hung_pid;           /* the pid killed for a stale heartbeat, 0 = none */
};

struct supervisor {
	struct tdp_config cfg;
	struct tdp_shm seg;
	char bindir[PATH_MAX];
	struct child_state kids[TDP_MAX_SCALES + 2];
	bool draining;
	uint64_t drain_deadline;
	unsigned drain_timeout_s;
	uint64_t last_turn;         /* when the main loop last ran */
	uint64_t awake_since;       /* hang ages count from here at most (see procs_check_hangs) */
};

void proc_set_state(struct tdp_proc *p, enum tdp_proc_state st);
int proc_spawn(struct supervisor *sv, uint32_t i);
void ingest_mark_done(struct supervisor *sv);
void proc_reaped(struct supervisor *sv, uint32_t i, int status);
void procs_check_hangs(struct supervisor *sv, uint64_t now);
void drain_start(struct supervisor *sv, int sig);
void procs_kill(struct supervisor *sv, int sig);
bool procs_ended(const struct supervisor *sv, bool *all_done);

#endif
