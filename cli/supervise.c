/*
 * supervise.c - the supervisor's process table: start, reap, hang
 * detection, backoff and crash-loop accounting (tdapipe-run(1)).
 */
#include "cli/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bell.h"
#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"

void proc_set_state(struct tdp_proc *p, enum tdp_proc_state st)
{
	atomic_store_explicit((_Atomic uint32_t *)&p->state, st, memory_order_release);
}

int proc_spawn(struct supervisor *sv, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	char prog[PATH_MAX + 32];
	snprintf(prog, sizeof(prog), "%s/tdapipe-%s", sv->bindir, tdp_role_name(p->role));
	char *argv[6] = {prog, "--instance", sv->cfg.instance, NULL, NULL, NULL};
	if (p->role == TDP_ROLE_SCALED) {
		if (p->scale < 0 || (uint32_t)p->scale >= sv->cfg.nscales || !sv->cfg.scales[p->scale].name[0]) {
			/* Never expected: say exactly what is inconsistent. */
			tdp_log("internal error: slot %u holds scale %d, the config has %u scales (name \"%s\")", i,
				p->scale, sv->cfg.nscales,
				p->scale >= 0 && p->scale < TDP_MAX_SCALES ? sv->cfg.scales[p->scale].name : "?");
			return -EINVAL;
		}
		argv[3] = "--scale";
		argv[4] = sv->cfg.scales[p->scale].name;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(TDP_EXIT_SYSTEM);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (p->role != TDP_ROLE_INGEST) {
			/* Only ingest reads stdin (a stdin source). */
			int fd = open("/dev/null", O_RDONLY);
			if (fd >= 0)
				dup2(fd, STDIN_FILENO);
		}
		execv(prog, argv);
		fprintf(stderr, "tdapipe: exec %s: %s\n", prog, strerror(errno));
		_exit(TDP_EXIT_SYSTEM);
	}
	p->pid = pid;
	p->started_ns = tdp_now_ns();
	proc_set_state(p, TDP_PROC_RUNNING);
	sv->kids[i].restart_at = 0;
	return 0;
}

/* No more points will come: let the workers finish what they have. */
void ingest_mark_done(struct supervisor *sv)
{
	atomic_store_explicit((_Atomic uint32_t *)&sv->seg.hdr->ingest_done, 1, memory_order_release);
	for (uint32_t s = 0; s < sv->cfg.nscales; s++)
		tdp_bell_ring(&tdp_shm_proc(&sv->seg, tdp_slot_scale(s))->bell);
}

static void describe_exit(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* A child exited: record why, and decide whether and when to restart it. */
void proc_reaped(struct supervisor *sv, uint32_t i, int status)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	struct child_state *k = &sv->kids[i];
	const struct tdp_supervisor_cfg *sc = &sv->cfg.supervisor;
	int32_t pid = p->pid;
	char label[64], why[96];
	tdp_proc_label(p, &sv->cfg, label, sizeof(label));
	describe_exit(status, why, sizeof(why));
	p->last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	p->pid = 0;
	if (k->hung_pid && k->hung_pid == pid) {
		/* Say why it was killed: no one else sends it SIGKILL. */
		size_t n = strlen(why);
		snprintf(why + n, sizeof(why) - n, " (hung)");
	}
	k->hung_pid = 0;
	bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			atomic_load_explicit((_Atomic uint32_t *)&p->done, memory_order_acquire);
	if (finished) {
		proc_set_state(p, TDP_PROC_DONE);
		return;
	}
	if (p->role == TDP_ROLE_INGEST && sv->draining) {
		tdp_log("%s %s during the drain; not restarted", label, why);
		proc_set_state(p, TDP_PROC_STOPPED);
		ingest_mark_done(sv);
		return;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == TDP_EXIT_USAGE)) {
		/* A usage/config error will not go away by restarting. */
		tdp_log("%s %s; not restarted", label, why);
		proc_set_state(p, TDP_PROC_FAILED);
		goto failed;
	}
	uint64_t now = tdp_now_ns();
	if (now - p->started_ns > HEALTHY_NS)
		k->backoff_ms = sc->backoff_min_ms;
	/* Crash loop: this death comes after restart_limit restarts within
	 * restart_window.  recent[] holds the times of the deaths behind the
	 * last restart_limit restarts, the oldest at k->oldest. */
	uint64_t window_ns = (uint64_t)sc->restart_window_s * NS_PER_S;
	if (k->nrecent == sc->restart_limit && now - k->recent[k->oldest] < window_ns) {
		tdp_log("%s %s; %u restarts in %u s: giving up on it", label, why, sc->restart_limit,
			sc->restart_window_s);
		proc_set_state(p, TDP_PROC_FAILED);
		goto failed;
	}
	if (k->nrecent == sc->restart_limit) {
		k->recent[k->oldest] = now;
		k->oldest = (k->oldest + 1) % sc->restart_limit;
	} else {
		k->recent[(k->oldest + k->nrecent++) % sc->restart_limit] = now;
	}
	if (!k->backoff_ms)
		k->backoff_ms = sc->backoff_min_ms;
	tdp_log("%s %s; restart %u in %u ms", label, why, p->restarts + 1, k->backoff_ms);
	k->restart_at = now + (uint64_t)k->backoff_ms * NS_PER_MS;
	k->backoff_ms = k->backoff_ms > sc->backoff_max_ms / 2 ? sc->backoff_max_ms : k->backoff_ms * 2;
	proc_set_state(p, TDP_PROC_BACKOFF);
	return;
failed:
	if (p->role == TDP_ROLE_INGEST)
		ingest_mark_done(sv);
	if (p->role == TDP_ROLE_PUBLISH && !sv->draining) {
		/* Nothing can be published any more: stop the rest. */
		sv->draining = true;
		sv->drain_deadline = tdp_now_ns();
	}
}

/*
 * Kill (SIGKILL, which also ends a SIGSTOPped process) every running child
 * whose heartbeat is older than heartbeat_timeout; the reap that follows
 * restarts it like any other death, so hangs count towards a crash loop.
 * A child's age counts from its last beat, but never from before it was
 * started (a fresh child must not pay for its predecessor's stale beat)
 * nor from before a pause of the supervisor's own loop: if the whole group
 * was stopped (^Z) or the supervisor starved, the children were probably
 * stopped too, and get a full timeout from the moment we look again.  Each pid is
 * killed once; the reap clears the mark.
 */
void procs_check_hangs(struct supervisor *sv, uint64_t now)
{
	uint64_t timeout_ns = (uint64_t)sv->cfg.supervisor.heartbeat_timeout_ms * NS_PER_MS;
	uint64_t gap_ns = timeout_ns / 2 > LOOP_GAP_MIN_NS ? timeout_ns / 2 : LOOP_GAP_MIN_NS;
	if (sv->last_turn && now - sv->last_turn > gap_ns)
		sv->awake_since = now;
	sv->last_turn = now;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		struct child_state *k = &sv->kids[i];
		if (p->state != TDP_PROC_RUNNING || p->pid <= 0 || p->pid == k->hung_pid)
			continue;
		uint64_t since = atomic_load_explicit((_Atomic uint64_t *)&p->heartbeat_ns,
						      memory_order_relaxed);
		if (since < p->started_ns)
			since = p->started_ns;
		if (since < sv->awake_since)
			since = sv->awake_since;
		if (now <= since || now - since <= timeout_ns)
			continue;
		char label[64];
		tdp_proc_label(p, &sv->cfg, label, sizeof(label));
		tdp_log("%s hung: no heartbeat for %llu ms; killing it", label,
			(unsigned long long)((now - since) / NS_PER_MS));
		p->hangs++;
		k->hung_pid = p->pid;
		kill(p->pid, SIGKILL);
	}
}

void drain_start(struct supervisor *sv, int sig)
{
	tdp_log("%s: draining (ingest stops reading; what reached a ring is published)", strsignal(sig));
	sv->draining = true;
	sv->drain_deadline = tdp_now_ns() + (uint64_t)sv->drain_timeout_s * NS_PER_S;
	atomic_store_explicit((_Atomic uint32_t *)&sv->seg.hdr->stop, 1, memory_order_release);
	struct tdp_proc *in = tdp_shm_proc(&sv->seg, tdp_slot_ingest());
	tdp_bell_ring(&in->bell);
	if (in->state != TDP_PROC_RUNNING) {
		if (in->state != TDP_PROC_DONE)
			proc_set_state(in, TDP_PROC_STOPPED);
		sv->kids[0].restart_at = 0;
		ingest_mark_done(sv);
	}
}

void procs_kill(struct supervisor *sv, int sig)
{
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		if (p->state == TDP_PROC_RUNNING && p->pid > 0)
			kill(p->pid, sig);
	}
}

/* All processes are finished one way or another. */
bool procs_ended(const struct supervisor *sv, bool *all_done)
{
	*all_done = true;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		uint32_t st = tdp_shm_proc(&sv->seg, i)->state;
		if (st == TDP_PROC_RUNNING || st == TDP_PROC_BACKOFF || st == TDP_PROC_NEW)
			return false;
		if (st != TDP_PROC_DONE)
			*all_done = false;
	}
	return true;
}
