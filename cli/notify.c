/*
 * notify.c - readiness, status, stopping and watchdog for systemd.
 *
 * sd_notify(3) writes datagrams to the unix socket named by NOTIFY_SOCKET;
 * systemd-notify(1) speaks the same protocol.  The supervisor alone
 * notifies (NotifyAccess=main): the children never do, so the messages say
 * what the supervisor sees in the segment, not what each child believes.
 * The watchdog is kicked from the supervisor's loop: a loop that stops
 * turning (stuck in a wait, SIGSTOPped) stops kicking, and systemd
 * restarts the unit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "cli/notify.h"
#include "common/atomics.h"
#include "common/counter.h"

enum phase { PHASE_STARTING, PHASE_RUNNING, PHASE_DRAINING };

static struct {
	bool looked;               /* NOTIFY_SOCKET and the watchdog looked at */
	bool on;                   /* NOTIFY_SOCKET set */
	bool ready, stopping;
	bool up[TDP_MAX_SCALES + 3];   /* slots seen up since the start */
	uint64_t wd_period, wd_last;
	uint64_t status_last;
	enum phase status_phase;
	char status[160];
} nt;

uint64_t notify_watchdog_period_ns(uint64_t usec)
{
	return usec * 1000 / 2;
}

bool notify_slot_up(uint32_t state, uint64_t beat, uint64_t started)
{
	return (state == TDP_PROC_RUNNING && beat >= started) || state == TDP_PROC_DONE;
}

/* Whether every process of the pipeline has been seen up by now. */
static bool pipeline_up(const struct supervisor *sv)
{
	bool all = true;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs && i < TDP_MAX_SCALES + 3; i++) {
		const struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		if (p->role == TDP_ROLE_EXPORTER)
			continue;
		if (!nt.up[i])
			nt.up[i] = notify_slot_up(tdp_load_acquire_u32(&p->state), tdp_load_u64(&p->heartbeat_ns),
						  p->started_ns);
		all = all && nt.up[i];
	}
	return all;
}

/* The STATUS= text of PHASE: "running: 3 scales, 1200 points read". */
static void status_text(const struct supervisor *sv, enum phase ph, char *out, size_t len)
{
	static const char *const names[] = {"starting", "running", "draining"};
	uint64_t read = tdp_counter_get(&tdp_shm_proc(&sv->seg, tdp_slot_ingest())->records_in);
	snprintf(out, len, "%s: %u scale%s, %llu points read", names[ph], sv->cfg.nscales,
		 sv->cfg.nscales == 1 ? "" : "s", (unsigned long long)read);
}

void notify_turn(const struct supervisor *sv, uint64_t now)
{
	if (!nt.looked) {
		uint64_t usec = 0;
		nt.looked = true;
		nt.on = getenv("NOTIFY_SOCKET") != NULL;
		if (nt.on && sd_watchdog_enabled(0, &usec) > 0)
			nt.wd_period = notify_watchdog_period_ns(usec);
		nt.wd_last = now;
	}
	if (!nt.on)
		return;
	if (nt.wd_period && now - nt.wd_last >= nt.wd_period) {
		sd_notify(0, "WATCHDOG=1");
		nt.wd_last = now;
	}
	enum phase ph = sv->draining ? PHASE_DRAINING : nt.ready || pipeline_up(sv) ? PHASE_RUNNING : PHASE_STARTING;
	char text[sizeof(nt.status)];
	status_text(sv, ph, text, sizeof(text));
	bool news = ph != nt.status_phase || (strcmp(text, nt.status) && now - nt.status_last >= NOTIFY_STATUS_NS);
	if (ph == PHASE_RUNNING && !nt.ready) {
		nt.ready = true;
		sd_notifyf(0, "READY=1\nSTATUS=%s", text);
	} else if (ph == PHASE_DRAINING && !nt.stopping) {
		nt.stopping = true;
		sd_notifyf(0, "STOPPING=1\nSTATUS=%s", text);
	} else if (news || !nt.status_last) {
		sd_notifyf(0, "STATUS=%s", text);
	} else {
		return;
	}
	snprintf(nt.status, sizeof(nt.status), "%s", text);
	nt.status_phase = ph;
	nt.status_last = now;
}
