/*
 * supervise.h - the supervisor's process table (tdapipe-run(1)).
 *
 * One slot per child (ingest, a worker per scale, publish, and with
 * `metrics:` the exporter) in the segment,
 * and beside it what only the supervisor keeps of that child: when to
 * restart it, its backoff, its recent restarts, whether it was killed as
 * hung.  A slot's state (enum tdp_proc_state) changes in proc_event() only,
 * by a table of (state, event) -> (new state, action), as s6-supervise's
 * table of actions does; the functions below turn what the supervisor sees
 * (a death, a stale heartbeat, a backoff run out, a drain) into events.
 * cli/run.c drives them, one turn of its loop at a time.
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
#define EXPORTER_STOP_NS (2 * NS_PER_S)   /* the exporter's time to exit on SIGTERM, then SIGKILL */
#define LOOP_GAP_MIN_NS (200 * NS_PER_MS)  /* a longer pause of the loop (or half the heartbeat
                                            * timeout, if more) restarts every hang clock */

/* What happens to a process, as the supervisor sees it. */
enum proc_event {
	PROC_START,          /* it was forked (spawn succeeded) */
	PROC_START_FAILED,   /* spawn failed; child_state.err says why */
	PROC_EXITED_OK,      /* exited 0 having finished its input (its done flag set) */
	PROC_EXITED_CONFIG,  /* exited TDP_EXIT_USAGE: a restart would fail the same way */
	PROC_DIED,           /* any other death: restart it after its backoff */
	PROC_GIVE_UP,        /* died again after restart_limit restarts within restart_window */
	PROC_DIED_DRAINING,  /* ingest died during a drain: the input is over */
	PROC_HUNG,           /* its heartbeat is older than heartbeat_timeout */
	PROC_DRAIN,          /* the input stops (sent to ingest's slot only) */
	PROC_DRAIN_TIMEOUT,  /* the drain ran out of time (a running one: killed and reaped) */
	PROC_STOP,           /* the pipeline ended: the exporter is stopped (a running one: SIGTERM, reaped) */
	PROC_EVENTS
};

/* What the supervisor alone keeps of one slot. */
struct child_state {
	uint64_t restart_at;        /* when to (re)start it, 0 = not scheduled */
	unsigned backoff_ms;
	/* times of the last restart_limit restarts, a circular list */
	uint64_t recent[TDP_RESTART_LIMIT_MAX];
	unsigned nrecent, oldest;
	int32_t hung_pid;           /* the pid killed for a stale heartbeat, 0 = none */
	/* what the event being handled says, set by whoever raises it */
	uint64_t died_at;           /* a death: when it was reaped */
	char why[96];               /* a death: "exited with status 3", "killed by signal 9 (Killed) (hung)" */
	uint64_t silent_ns;         /* PROC_HUNG: how long since its last heartbeat */
	int err;                    /* PROC_START_FAILED: the -errno spawn returned */
};

struct supervisor {
	struct tdp_config cfg;
	struct tdp_shm seg;
	char bindir[PATH_MAX];
	struct child_state kids[TDP_MAX_SCALES + 3];   /* ingest, the scales, publish, the exporter */
	bool draining;
	uint64_t drain_deadline;
	uint32_t drain_timeout_ms;  /* --drain-timeout, else supervisor.drain_timeout */
	bool drain_timeout_given;   /* --drain-timeout was: a reload keeps it */
	uint64_t last_turn;         /* when the main loop last ran */
	uint64_t awake_since;       /* hang ages count from here at most (see procs_check_hangs) */
	/* checkpoints (cli/state_save.c, cli/state_restore.c) */
	char state_dir[PATH_MAX];   /* state.dir, or INSTANCE-state */
	int state_lock;             /* an exclusive flock on STATE_DIR/lock, held for the run */
	bool restored;              /* the segment was restored from a checkpoint */
	uint64_t checkpoint_at;     /* when the next periodic checkpoint is due, 0 = none */
};

/*
 * The one place a slot's state changes: look up (state of SLOT, EV) in the
 * transition table, store the new state (release) and run the row's
 * action.  Returns 0, or -EINVAL and changes nothing when the table refuses
 * the pair (a process that is not running cannot die or hang; one done,
 * failed or stopped is never started again).
 */
int proc_event(struct supervisor *sv, uint32_t slot, enum proc_event ev);

/* The table alone: the state EV leads to from STATE, or -1 if refused. */
int proc_next_state(uint32_t state, enum proc_event ev);

/* Start every process, consumers first so that the first points find
 * someone waiting.  0, or the -errno of the first start that failed
 * (logged; the ones already started are then killed). */
int procs_start(struct supervisor *sv);

/* Start every slot still NEW (after a reload: ingest, publish, the scales
 * added or changed), consumers first.  0, or the first start's -errno
 * (logged; the slot is then restarted after its backoff). */
int procs_start_new(struct supervisor *sv);

/* Reap every child that died, and send its slot the event its death means. */
void procs_reap(struct supervisor *sv);

/* Kill, once, every running child whose heartbeat is too old (PROC_HUNG). */
void procs_check_hangs(struct supervisor *sv, uint64_t now);

/* Restart every child whose backoff ran out by NOW. */
void procs_restart_due(struct supervisor *sv, uint64_t now);

/* Send SIG to every running child. */
void procs_kill(struct supervisor *sv, int sig);

/* Whether no process of the pipeline is running or about to be; *ALL_DONE:
 * all finished.  The exporter is not part of the pipeline: it never
 * counts (a failed exporter does not fail the run). */
bool procs_ended(const struct supervisor *sv, bool *all_done);

/* The pipeline has ended: stop the exporter (SIGTERM, then SIGKILL after
 * EXPORTER_STOP_NS), reap it, mark its slot stopped.  No-op without one. */
void exporter_stop(struct supervisor *sv);

/* SIGINT or SIGTERM: the first starts a drain, the next kills all. */
void drain_signal(struct supervisor *sv, int sig);

/* The drain's deadline passed: kill what is left and stop every slot. */
void drain_cut(struct supervisor *sv);

#endif
