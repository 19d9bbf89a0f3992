/*
 * state.h - the supervisor's checkpoints (tdapipe-run(1), STATE).
 *
 * An instance's state survives a stop, a kill -9 of the whole group and a
 * reboot as one file, STATE_DIR/checkpoint (cli/state_file.h): a copy of
 * the segment taken while none of its processes runs.  The supervisor
 * writes it when the pipeline has ended (a drain, a finished input, a
 * drain cut short by supervisor.drain_timeout: what was pending is in the
 * rings, hence in the copy) and every state.interval while it runs, with
 * the pipeline's processes stopped (SIGSTOP) for the copy; the file is
 * written beside, fsynced and renamed over the old one.  At start it
 * restores it (cli/state_restore.c) unless --fresh.
 */
#ifndef TDP_STATE_H
#define TDP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/supervise.h"

#define STATE_STOP_WAIT_NS (2 * NS_PER_S)   /* a periodic checkpoint waits this long for every process to stop */

/*
 * Make the state directory and create the instance's segment: from the
 * checkpoint in it when there is one (sv->restored), else fresh from
 * TEXT (the config file's text, TEXTLEN bytes).  FRESH: remove the
 * checkpoint first.  0, or the exit code after saying why; nothing is
 * half-applied (on an error there is no segment).
 */
int state_start(struct supervisor *sv, const char *text, size_t textlen, bool fresh);

/*
 * Write a checkpoint of SV's segment now.  RUNNING: the pipeline's
 * processes may be running; they are stopped while the segment is copied
 * and continued before the file is sealed and synced.  0, or -errno
 * (logged; the previous checkpoint stays).
 */
int state_save(struct supervisor *sv, bool running);

/* Write a checkpoint of SEG, a segment none of whose processes runs (one
 * a killed group left), into SV's state directory.  0 or -errno (logged). */
int state_save_segment(struct supervisor *sv, const struct tdp_shm *seg);

/* A segment of SV's instance left by a supervisor killed with its group:
 * its state, newer than the last checkpoint, written as the checkpoint
 * (cli/state_stale.c).  Nothing when there is none, or it is in use. */
void state_recover_stale(struct supervisor *sv);

/* One turn of the supervisor's loop at NOW: the periodic checkpoint when
 * state.interval has passed since the last (not during a drain). */
void state_turn(struct supervisor *sv, uint64_t now);

/* SIGSTOP every running process of the pipeline but the exporter and
 * those stopped already (their pids into PIDS, room for nprocs), and wait
 * up to STATE_STOP_WAIT_NS until none runs.  Whether they all stopped. */
bool state_stop_pipeline(struct supervisor *sv, pid_t *pids, uint32_t *n);

/* SIGCONT the N processes in PIDS. */
void state_continue_pipeline(const pid_t *pids, uint32_t n);

/* Whether PID can no longer change the segment: stopped, dead or gone. */
bool state_held(pid_t pid);

/* STATE_DIR/NAME into OUT. */
void state_path(const struct supervisor *sv, const char *name, char *out, size_t len);

#endif
