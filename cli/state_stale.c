/*
 * state_stale.c - the state a killed group left in its segment (state.h).
 *
 * After a kill -9 of the whole group (the supervisor and, through
 * PR_SET_PDEATHSIG, its children) the segment stays in /dev/shm, and it
 * is newer than the last checkpoint: every process keeps its state there
 * so that a kill at any instruction leaves it consistent, and processes
 * killed one after another leave what a sequence of crashes leaves, which
 * each recovers from.  So the next run writes it as the checkpoint before
 * restoring, and loses nothing a sender over TCP, UDP or stdin had handed
 * over before the kill.  A reboot (or a power cut) empties /dev/shm: then
 * the last checkpoint is what there is.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "cli/state.h"
#include "common/clock.h"
#include "common/log.h"

#define GONE_WAIT_NS (1 * NS_PER_S)   /* for the children of a dead supervisor to be gone */

/* Whether no process of SEG's group runs any more (dead, a zombie, gone). */
static bool group_gone(const struct tdp_shm *seg)
{
	for (uint32_t i = 0; i < seg->hdr->nprocs; i++) {
		int pid = tdp_shm_proc(seg, i)->pid;
		char c = pid > 0 ? tdp_proc_state_letter(pid) : 0;
		if (c && c != 'Z' && c != 'X')
			return false;
	}
	return true;
}

void state_recover_stale(struct supervisor *sv)
{
	struct tdp_shm old;
	char err[512];
	if (tdp_shm_attach(&old, sv->cfg.instance, false, err, sizeof(err)) < 0)
		return;   /* none, or none to use: tdp_shm_create says what it is */
	if (tdp_shm_supervisor_alive(old.hdr)) {
		tdp_shm_detach(&old);
		return;
	}
	uint64_t end = tdp_now_ns() + GONE_WAIT_NS;
	while (!group_gone(&old) && tdp_now_ns() < end)
		usleep(5000);
	if (!group_gone(&old)) {
		tdp_log_warn("a process of the dead supervisor's group (pid %d) still runs: its segment is not "
			     "recovered, the last checkpoint is", old.hdr->supervisor_pid);
	} else if (state_save_segment(sv, &old) == 0) {
		tdp_log("recovered the state the killed supervisor (pid %d) left in /dev/shm%s: newer than its last "
			"checkpoint", old.hdr->supervisor_pid, old.path);
	}
	tdp_shm_detach(&old);
}
