/*
 * health.c - GET /healthz and GET /readyz (tdapipe-metrics(7)).
 *
 * Healthy: the supervisor lives and no process of the pipeline is
 * failed (given up on).  A process in backoff, dead and about to be
 * restarted, still counts as healthy: the supervisor is handling it, and
 * a crash loop ends in failed after restart_limit restarts.  Ready:
 * ingest and every scale's worker are running (or done with their input):
 * points are being read and computed.  The exporter's own slot counts for
 * neither: it is answering.
 */
#include <stdio.h>

#include "common/atomics.h"
#include "exporter/exporter.h"

/* Slot I's name, as logs and stats give it. */
static void label(const struct tdp_shm *seg, const struct tdp_config *cfg, uint32_t i, char *out, size_t len)
{
	tdp_proc_label(tdp_shm_proc(seg, i), cfg, out, len);
}

bool health_ok(const struct tdp_shm *seg, const struct tdp_config *cfg, char *why, size_t len)
{
	const struct tdp_shm_header *h = seg->hdr;
	if (!tdp_shm_supervisor_alive(h)) {
		snprintf(why, len, "the supervisor (pid %d) is not running", h->supervisor_pid);
		return false;
	}
	for (uint32_t i = 0; i <= tdp_slot_publish(h); i++) {
		if (tdp_load_u32(&tdp_shm_proc(seg, i)->state) != TDP_PROC_FAILED)
			continue;
		char l[64];
		label(seg, cfg, i, l, sizeof(l));
		snprintf(why, len, "%s failed: the supervisor gave up restarting it", l);
		return false;
	}
	return true;
}

bool ready_ok(const struct tdp_shm *seg, const struct tdp_config *cfg, char *why, size_t len)
{
	if (!health_ok(seg, cfg, why, len))
		return false;
	for (uint32_t i = 0; i <= seg->hdr->nscales; i++) {
		uint32_t st = tdp_load_u32(&tdp_shm_proc(seg, i)->state);
		if (st == TDP_PROC_RUNNING || st == TDP_PROC_DONE)
			continue;
		char l[64];
		label(seg, cfg, i, l, sizeof(l));
		snprintf(why, len, "%s is %s", l, tdp_proc_state_name(st));
		return false;
	}
	return true;
}
