/*
 * child.h - what every pipeline process does first and on every loop turn.
 *
 * A child attaches the instance's segment, parses the config text the
 * supervisor stored there (so every process sees the same config even if
 * the file changed on disk), finds its slot, and from then on beats its
 * heartbeat.  It dies with the supervisor (PR_SET_PDEATHSIG).
 */
#ifndef TDP_CHILD_H
#define TDP_CHILD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/shm.h"

struct tdp_child {
	struct tdp_shm seg;
	struct tdp_config cfg;
	struct tdp_proc *slot;
	uint32_t slot_index;
};

/*
 * Attach INSTANCE writable, parse its config, take slot SLOT_INDEX (or, if
 * SCALE_NAME is given, the slot of that scale).  On error logs why and
 * returns the exit code to use; 0 on success.
 */
int tdp_child_start(struct tdp_child *c, const char *instance, const char *scale_name, int role);

/* Record liveness (cheap: one clock read and one store). */
void tdp_child_beat(struct tdp_child *c);

/* Mark the slot done (release) before a clean exit. */
void tdp_child_done(struct tdp_child *c);

/* Whether the supervisor asked everyone to stop. */
bool tdp_child_stopping(const struct tdp_child *c);

/* Parse "--instance NAME [--scale NAME]" (and --help); returns 0 or exit code. */
int tdp_child_args(int argc, char **argv, const char *usage, const char **instance, const char **scale);

/*
 * Make SIGUSR1 start this program again in this process: execv of
 * /proc/self/exe with ARGV, the same pid.  A reload (cli/reload_apply.c)
 * moves an unchanged scale worker to the new segment so: the worker,
 * stopped at any instruction, execs as soon as it is continued, and the
 * new image attaches the segment now under the instance's name and
 * recovers from it, as after a kill at that instruction.  ARGV must live
 * as long as the process (main's).  Call before tdp_child_start.
 */
void tdp_child_reexec_on_usr1(char **argv);

#endif
