/*
 * reload_apply.c - a reload that adds, removes or changes scales
 * (reload.h), while the pipeline runs.
 *
 * The segment is laid out from the config, so new scales need a new
 * segment; the processes that stay keep their pids:
 *   1. ingest is stopped (SIGSTOP), and every scale that goes away
 *      (removed, or the old version of a changed one) is drained: what
 *      reached its ring is computed and published, up to drain_timeout;
 *   2. every process of the pipeline is stopped: the old segment now
 *      holds a state each process recovers from, as after a kill of the
 *      whole group (ARCHITECTURE.md, invariant 2);
 *   3. a segment for the new config is created under the instance's name
 *      (the old file unlinked, still mapped) and filled from the old one
 *      (reload_segment.h): kept scales as they were, added and changed
 *      ones fresh;
 *   4. ingest, publish, the exporter and the scales that go away are
 *      killed (they are stopped: nothing more happens in the old
 *      segment); each kept scale's worker gets SIGUSR1 and SIGCONT and
 *      execs itself at once, same pid, into the new segment
 *      (tdp_child_reexec_on_usr1), where it recovers its state;
 *   5. the supervisor moves to the new segment and starts ingest,
 *      publish, the exporter and the fresh scales there.
 * So a kept scale loses and repeats nothing (its state is carried byte
 * for byte and recovered as after a kill), and ingest and publish go on
 * from their commits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/reload.h"
#include "cli/reload_segment.h"
#include "cli/state.h"
#include "common/atomics.h"
#include "common/bell.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/log.h"
#include "common/ring.h"
#include "ingest/move.h"

/* Old scale O goes away: its in-ring empty and every result it made
 * published (publish's commit has taken its whole out-ring). */
static bool drained(const struct tdp_shm *seg, uint32_t o)
{
	const struct tdp_proc *p = tdp_shm_proc(seg, tdp_slot_scale(o));
	if (p->state != TDP_PROC_RUNNING)
		return true;   /* nobody to drain it */
	const struct tdp_ring *out = tdp_shm_out_ring(seg, o);
	const struct tdp_publish_body *b = TDP_LIVE(tdp_shm_publish_commit(seg));
	return tdp_ring_used(tdp_shm_in_ring(seg, o)) == 0 && b->consumed[o] == tdp_load_u64(&out->pushed);
}

/* Kill (SIGKILL) and reap slot I of SEG's process, if it runs. */
static void kill_slot(const struct tdp_shm *seg, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(seg, i);
	if (p->state != TDP_PROC_RUNNING || p->pid <= 0)
		return;
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->state = TDP_PROC_STOPPED;
}

/* A reload given up before the new segment: the old one goes on (the
 * processes held continued, ingest unparked or, when it was stopped,
 * STOPPED_INGEST continued). */
static void undo(struct tdp_shm *old, const pid_t *pids, uint32_t n, pid_t stopped_ingest)
{
	tdp_store_release_u32(&old->hdr->move, 0);   /* a parked ingest goes on (ingest/move.c) */
	tdp_bell_ring(&tdp_shm_proc(old, tdp_slot_ingest())->bell);
	state_continue_pipeline(pids, n);
	if (stopped_ingest > 0)
		kill(stopped_ingest, SIGCONT);
}

/* Names of the scales of CFG whose MARK is set, into OUT: "a, b" or "none". */
static const char *names(const struct tdp_config *cfg, const bool *mark, char *out, size_t len)
{
	size_t o = 0;
	out[0] = 0;
	for (uint32_t s = 0; s < cfg->nscales && o < len; s++)
		if (mark[s])
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", cfg->scales[s].name);
	return o ? out : "none";
}

int reload_scales(struct supervisor *sv, const struct tdp_config *next, const char *text, size_t textlen,
		  bool running)
{
	static struct tdp_config old_cfg;
	struct reload_map map;
	bool going[TDP_MAX_SCALES] = {false}, kept_new[TDP_MAX_SCALES] = {false}, fresh[TDP_MAX_SCALES] = {false};
	const struct tdp_config *cur = &sv->cfg;
	for (uint32_t s = 0; s < next->nscales; s++) {
		int o = tdp_config_scale_index(cur, next->scales[s].name);
		bool same = o >= 0 && !memcmp(&cur->scales[o], &next->scales[s], sizeof(next->scales[s]));
		map.from[s] = same ? o : -1;
		map.was[s] = same ? -1 : o;
		kept_new[s] = same;
		fresh[s] = !same;
	}
	for (uint32_t o = 0; o < cur->nscales; o++) {
		int s = tdp_config_scale_index(next, cur->scales[o].name);
		going[o] = s < 0 || map.from[s] != (int32_t)o;
	}
	struct tdp_shm old = sv->seg;
	pid_t ingest_pid = tdp_shm_proc(&old, tdp_slot_ingest())->pid;
	bool ingest_runs = tdp_shm_proc(&old, tdp_slot_ingest())->state == TDP_PROC_RUNNING && ingest_pid > 0;

	/* 1. ingest held (parked, or stopped), the scales that go away drained */
	uint64_t end = tdp_now_ns() + (uint64_t)sv->drain_timeout_ms * NS_PER_MS;
	bool moving = ingest_runs && ingest_moves(&cur->source, &cur->dead_letter);
	struct tdp_proc *ip = tdp_shm_proc(&old, tdp_slot_ingest());
	if (moving) {
		tdp_store_release_u32(&old.hdr->move, TDP_MOVE_PARK);
		tdp_bell_ring(&ip->bell);
		while (!tdp_load_acquire_u32(&ip->parked) && tdp_now_ns() < end && ip->state == TDP_PROC_RUNNING)
			usleep(1000);
		if (!tdp_load_acquire_u32(&ip->parked)) {
			tdp_store_release_u32(&old.hdr->move, 0);
			tdp_bell_ring(&ip->bell);
			tdp_log_error("SIGHUP: ingest did not park within drain_timeout: not reloaded; the running "
				      "config stays");
			return -EAGAIN;
		}
	} else if (ingest_runs) {
		kill(ingest_pid, SIGSTOP);
		for (uint64_t t = tdp_now_ns() + STATE_STOP_WAIT_NS; !state_held(ingest_pid) && tdp_now_ns() < t;)
			usleep(500);
	}
	for (uint32_t o = 0; o < cur->nscales; o++)
		while (going[o] && !drained(&old, o) && tdp_now_ns() < end)
			usleep(1000);
	for (uint32_t o = 0; o < cur->nscales; o++)
		if (going[o] && !drained(&old, o))
			tdp_log_warn("SIGHUP: scale %s did not drain within drain_timeout: what was left in its "
				     "rings is dropped with it", cur->scales[o].name);

	/* 2. everything held */
	pid_t pids[TDP_MAX_SCALES + 3];
	uint32_t n = 0;
	if (!state_stop_pipeline(sv, pids, &n)) {
		undo(&old, pids, n, ingest_runs && !moving ? ingest_pid : 0);
		tdp_log_error("SIGHUP: a process did not stop within %llu ms: not reloaded; the running config "
			      "stays", STATE_STOP_WAIT_NS / NS_PER_MS);
		return -EAGAIN;
	}

	/* 3. the new segment, filled from the old */
	struct tdp_shm neu;
	char err[512];
	int other = 0;
	tdp_shm_unlink(cur->instance);
	if (tdp_shm_create(&neu, next, text, textlen, &other, err, sizeof(err)) < 0) {
		/* The old segment is still whole: go on with it. */
		undo(&old, pids, n, ingest_runs && !moving ? ingest_pid : 0);
		tdp_log_error("SIGHUP: %s: not reloaded; the running config stays (its segment is no longer "
			      "under /dev/shm: tdapipe stats cannot see it until the next start)", err);
		return -EIO;
	}
	reload_transplant(&old, &neu, next, &map);

	/* 4. the old processes: killed, or moved (kept scales: SIGUSR1 to
	 * execute themselves again; a parked ingest: TDP_MOVE_GO) */
	uint64_t now = tdp_now_ns();
	if (moving) {
		struct tdp_proc *np = tdp_shm_proc(&neu, tdp_slot_ingest());
		np->pid = ingest_pid;
		np->state = TDP_PROC_RUNNING;
		np->started_ns = now;
		np->parked = 0;
	} else {
		kill_slot(&old, tdp_slot_ingest());
	}
	kill_slot(&old, tdp_slot_publish(old.hdr));
	if (tdp_shm_has_exporter(old.hdr))
		kill_slot(&old, tdp_slot_exporter(old.hdr));
	for (uint32_t o = 0; o < cur->nscales; o++)
		if (going[o])
			kill_slot(&old, tdp_slot_scale(o));
	struct child_state kids[sizeof(sv->kids) / sizeof(sv->kids[0])];
	memset(kids, 0, sizeof(kids));
	if (moving) {
		kids[tdp_slot_ingest()] = sv->kids[tdp_slot_ingest()];
		tdp_store_release_u32(&old.hdr->move, TDP_MOVE_GO);
		tdp_bell_ring(&ip->bell);
	}
	for (uint32_t s = 0; s < next->nscales; s++) {
		if (map.from[s] < 0)
			continue;
		uint32_t from = tdp_slot_scale((uint32_t)map.from[s]), to = tdp_slot_scale(s);
		kids[to] = sv->kids[from];
		struct tdp_proc *p = tdp_shm_proc(&neu, to);
		if (p->state == TDP_PROC_RUNNING && p->pid > 0) {
			p->started_ns = now;   /* a full heartbeat timeout to exec and recover */
			kill(p->pid, SIGUSR1);
		}
	}
	state_continue_pipeline(pids, n);   /* the moved ones exec; the killed ones are gone */

	/* 5. the supervisor moves over and starts what is new */
	old_cfg = sv->cfg;
	tdp_shm_detach(&old);
	sv->seg = neu;
	sv->cfg = *next;
	memcpy(sv->kids, kids, sizeof(kids));
	sv->awake_since = tdp_now_ns();
	if (running)
		procs_start_new(sv);
	char a[512], b[512], c[512], d[512];
	bool added[TDP_MAX_SCALES] = {false}, changed[TDP_MAX_SCALES] = {false};
	for (uint32_t s = 0; s < next->nscales; s++) {
		bool known = tdp_config_scale_index(&old_cfg, next->scales[s].name) >= 0;
		added[s] = fresh[s] && !known;
		changed[s] = fresh[s] && known;
	}
	bool removed[TDP_MAX_SCALES] = {false};
	for (uint32_t o = 0; o < old_cfg.nscales; o++)
		removed[o] = tdp_config_scale_index(next, old_cfg.scales[o].name) < 0;
	tdp_log("%s: scales added: %s; changed (restarted fresh): %s; removed (drained): %s; the others %s (%s)",
		running ? "SIGHUP" : "start", names(next, added, a, sizeof(a)), names(next, changed, b, sizeof(b)),
		names(&old_cfg, removed, c, sizeof(c)), running ? "kept running" : "restored as they were",
		names(next, kept_new, d, sizeof(d)));
	return 0;
}
