/*
 * supervise.c - the supervisor's process table: start, reap, hang
 * detection, backoff and crash-loop accounting (tdapipe-run(1)).
 *
 * Every state change is a row of transitions[] below, applied by
 * proc_event(); the other functions only observe (waitpid, heartbeats,
 * the clock) and raise events.
 */
#include "cli/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"

/*
 * Fork and exec slot I's program.  Records the child's pid and start time
 * in the slot, not its state (that is PROC_START's).  0, or -errno.
 */
static int spawn(struct supervisor *sv, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	char prog[PATH_MAX + 32];
	snprintf(prog, sizeof(prog), "%s/tdapipe-%s", sv->bindir, tdp_role_name(p->role));
	char *argv[6] = {prog, "--instance", sv->cfg.instance, NULL, NULL, NULL};
	if (p->role == TDP_ROLE_SCALED) {
		if (p->scale < 0 || (uint32_t)p->scale >= sv->cfg.nscales || !sv->cfg.scales[p->scale].name[0]) {
			/* Never expected: say exactly what is inconsistent. */
			tdp_log_error("internal error: slot %u holds scale %d, the config has %u scales (name \"%s\")", i,
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
		tdp_log_error("exec %s: %s", prog, strerror(errno));
		_exit(TDP_EXIT_SYSTEM);
	}
	p->pid = pid;
	p->started_ns = tdp_now_ns();
	return 0;
}

/* No more points will come: let the workers finish what they have. */
static void ingest_mark_done(struct supervisor *sv)
{
	tdp_store_release_u32(&sv->seg.hdr->ingest_done, 1);
	for (uint32_t s = 0; s < sv->cfg.nscales; s++)
		tdp_bell_ring(&tdp_shm_proc(&sv->seg, tdp_slot_scale(s))->bell);
}

/* Log a line about slot I's process at LEVEL: its label, then FMT. */
static void __attribute__((format(printf, 4, 5))) proc_log(enum tdp_log_level level, const struct supervisor *sv,
							   uint32_t i, const char *fmt, ...)
{
	char label[64], what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tdp_proc_label(tdp_shm_proc(&sv->seg, i), &sv->cfg, label, sizeof(label));
	if (level == TDP_LOG_ERROR)
		tdp_log_error("%s %s", label, what);
	else
		tdp_log_warn("%s %s", label, what);
}

/*
 * What a process given up on means for the run, and what to do: which
 * side failed (the source, a scale, the sink) is the first thing an
 * operator needs, and the cause is in that process's own lines above.
 */
static const char *failed_hint(const struct supervisor *sv, uint32_t i, char *out, size_t len)
{
	const struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	const char *scale = p->scale >= 0 && (uint32_t)p->scale < sv->cfg.nscales ? sv->cfg.scales[p->scale].name : "?";
	switch (p->role) {
	case TDP_ROLE_INGEST:
		snprintf(out, len, "the source side failed: nothing more is read, what was read is published; "
			 "fix the source (its errors are above) and run again");
		break;
	case TDP_ROLE_SCALED:
		snprintf(out, len, "scale %s failed: its windows stop, the other scales go on; fix what its "
			 "errors above say (its window, memory_mb, /dev/shm) and run again", scale);
		break;
	case TDP_ROLE_PUBLISH:
		snprintf(out, len, "the sink side failed: no more results are written, the run stops; fix the "
			 "sink (its errors are above: path, disk, Kafka) and run again");
		break;
	default:
		snprintf(out, len, "the metrics endpoint is gone; the pipeline goes on without it");
	}
	return out;
}

/* The actions of the transition table.  Each does what entering its row's
 * new state takes, besides the state itself; none changes a state. */

static void act_started(struct supervisor *sv, uint32_t i)
{
	sv->kids[i].restart_at = 0;
}

static void act_start_failed(struct supervisor *sv, uint32_t i)
{
	proc_log(TDP_LOG_ERROR, sv, i, "could not be started: %s", strerror(-sv->kids[i].err));
}

static void act_retry_start(struct supervisor *sv, uint32_t i)
{
	proc_log(TDP_LOG_WARN, sv, i, "could not be restarted: %s; trying again in %llu ms", strerror(-sv->kids[i].err),
		 SPAWN_RETRY_NS / NS_PER_MS);
	sv->kids[i].restart_at = tdp_now_ns() + SPAWN_RETRY_NS;
}

/* Whether slot I is the exporter's: it serves metrics and is no part of
 * the pipeline's work (tdapipe-run(1), EXPORTER). */
static bool is_exporter(const struct supervisor *sv, uint32_t i)
{
	const struct tdp_shm_header *h = sv->seg.hdr;
	return tdp_shm_has_exporter(h) && i == tdp_slot_exporter(h);
}

/* Marked failed: nothing restarts it.  Without ingest the input is over;
 * without publish nothing can be published any more: stop the rest. */
static void failed(struct supervisor *sv, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	if (p->role == TDP_ROLE_INGEST)
		ingest_mark_done(sv);
	if (p->role == TDP_ROLE_PUBLISH && !sv->draining) {
		sv->draining = true;
		sv->drain_deadline = tdp_now_ns();
	}
}

static void act_not_restarted(struct supervisor *sv, uint32_t i)
{
	/* A usage/config error will not go away by restarting. */
	char hint[256];
	proc_log(TDP_LOG_ERROR, sv, i, "%s; not restarted: %s", sv->kids[i].why, failed_hint(sv, i, hint, sizeof(hint)));
	failed(sv, i);
}

static void act_give_up(struct supervisor *sv, uint32_t i)
{
	const struct tdp_supervisor_cfg *sc = &sv->cfg.supervisor;
	char hint[256];
	proc_log(TDP_LOG_ERROR, sv, i, "%s; %u restarts in %u s: giving up on it: %s", sv->kids[i].why,
		 sc->restart_limit, sc->restart_window_s, failed_hint(sv, i, hint, sizeof(hint)));
	failed(sv, i);
}

static void act_input_over(struct supervisor *sv, uint32_t i)
{
	sv->kids[i].restart_at = 0;
	ingest_mark_done(sv);
}

static void act_stopped_in_drain(struct supervisor *sv, uint32_t i)
{
	proc_log(TDP_LOG_WARN, sv, i, "%s during the drain; not restarted", sv->kids[i].why);
	ingest_mark_done(sv);
}

/*
 * Crash loop: a death that comes after restart_limit restarts within
 * restart_window.  recent[] holds the times of the deaths behind the last
 * restart_limit restarts, the oldest at k->oldest.
 */
static bool crash_loop(const struct child_state *k, const struct tdp_supervisor_cfg *sc)
{
	uint64_t window_ns = (uint64_t)sc->restart_window_s * NS_PER_S;
	return k->nrecent == sc->restart_limit && k->died_at - k->recent[k->oldest] < window_ns;
}

static void crash_record(struct child_state *k, const struct tdp_supervisor_cfg *sc)
{
	if (k->nrecent == sc->restart_limit) {
		k->recent[k->oldest] = k->died_at;
		k->oldest = (k->oldest + 1) % sc->restart_limit;
	} else {
		k->recent[(k->oldest + k->nrecent++) % sc->restart_limit] = k->died_at;
	}
}

/* Restart it after its backoff, which doubles with each restart up to
 * backoff_max and starts again from backoff_min after a healthy run. */
static void act_backoff(struct supervisor *sv, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	struct child_state *k = &sv->kids[i];
	const struct tdp_supervisor_cfg *sc = &sv->cfg.supervisor;
	if (k->died_at - p->started_ns > HEALTHY_NS)
		k->backoff_ms = sc->backoff_min_ms;
	crash_record(k, sc);
	if (!k->backoff_ms)
		k->backoff_ms = sc->backoff_min_ms;
	proc_log(TDP_LOG_WARN, sv, i, "%s; restart %u in %u ms", k->why, p->restarts + 1, k->backoff_ms);
	k->restart_at = k->died_at + (uint64_t)k->backoff_ms * NS_PER_MS;
	k->backoff_ms = k->backoff_ms > sc->backoff_max_ms / 2 ? sc->backoff_max_ms : k->backoff_ms * 2;
}

/* SIGKILL also ends a SIGSTOPped process; the reap that follows restarts
 * it like any death, so hangs count towards a crash loop.  Each pid is
 * killed once; the reap clears the mark. */
static void act_kill_hung(struct supervisor *sv, uint32_t i)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	proc_log(TDP_LOG_WARN, sv, i, "hung: no heartbeat for %llu ms; killing it",
		 (unsigned long long)(sv->kids[i].silent_ns / NS_PER_MS));
	p->hangs++;
	sv->kids[i].hung_pid = p->pid;
	if (p->pid > 0)
		kill(p->pid, SIGKILL);
}

typedef void proc_action(struct supervisor *sv, uint32_t slot);

struct transition {
	bool legal;
	uint8_t next;            /* enum tdp_proc_state */
	proc_action *act;        /* NULL: the state alone changes */
};

#define TO(state, action) {true, TDP_PROC_##state, action}
#define PROC_STATES (TDP_PROC_STOPPED + 1)

/*
 * Every legal (state, event) pair; the pairs not listed are refused.
 * DRAIN comes to ingest only: whatever ingest was doing but running, the
 * input is over (a failed ingest shows as stopped from then on).
 */
static const struct transition transitions[PROC_STATES][PROC_EVENTS] = {
	[TDP_PROC_NEW] = {
		[PROC_START] = TO(RUNNING, act_started),
		[PROC_START_FAILED] = TO(NEW, act_start_failed),
		[PROC_DRAIN] = TO(STOPPED, act_input_over),
		[PROC_DRAIN_TIMEOUT] = TO(STOPPED, NULL),
		[PROC_STOP] = TO(STOPPED, NULL),
	},
	[TDP_PROC_RUNNING] = {
		[PROC_EXITED_OK] = TO(DONE, NULL),
		[PROC_EXITED_CONFIG] = TO(FAILED, act_not_restarted),
		[PROC_DIED] = TO(BACKOFF, act_backoff),
		[PROC_GIVE_UP] = TO(FAILED, act_give_up),
		[PROC_DIED_DRAINING] = TO(STOPPED, act_stopped_in_drain),
		[PROC_HUNG] = TO(RUNNING, act_kill_hung),
		[PROC_DRAIN] = TO(RUNNING, NULL),
		[PROC_DRAIN_TIMEOUT] = TO(STOPPED, NULL),
		[PROC_STOP] = TO(STOPPED, NULL),
	},
	[TDP_PROC_BACKOFF] = {
		[PROC_START] = TO(RUNNING, act_started),
		[PROC_START_FAILED] = TO(BACKOFF, act_retry_start),
		[PROC_DRAIN] = TO(STOPPED, act_input_over),
		[PROC_DRAIN_TIMEOUT] = TO(STOPPED, NULL),
		[PROC_STOP] = TO(STOPPED, NULL),
	},
	[TDP_PROC_DONE] = {
		[PROC_DRAIN] = TO(DONE, act_input_over),
	},
	[TDP_PROC_FAILED] = {
		[PROC_DRAIN] = TO(STOPPED, act_input_over),
	},
	[TDP_PROC_STOPPED] = {
		[PROC_DRAIN] = TO(STOPPED, act_input_over),
	},
};

int proc_next_state(uint32_t state, enum proc_event ev)
{
	if (state >= PROC_STATES || (unsigned)ev >= PROC_EVENTS || !transitions[state][ev].legal)
		return -1;
	return transitions[state][ev].next;
}

int proc_event(struct supervisor *sv, uint32_t slot, enum proc_event ev)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, slot);
	uint32_t state = tdp_load_u32(&p->state);
	int next = proc_next_state(state, ev);
	if (next < 0)
		return -EINVAL;
	tdp_store_release_u32(&p->state, (uint32_t)next);
	if (transitions[state][ev].act)
		transitions[state][ev].act(sv, slot);
	return 0;
}

/* Start slot I's process if its state allows it; 0 or spawn's -errno. */
static int proc_start(struct supervisor *sv, uint32_t i)
{
	if (proc_next_state(tdp_shm_proc(&sv->seg, i)->state, PROC_START) < 0)
		return -EINVAL;
	int rc = spawn(sv, i);
	sv->kids[i].err = rc;
	proc_event(sv, i, rc < 0 ? PROC_START_FAILED : PROC_START);
	return rc;
}

int procs_start(struct supervisor *sv)
{
	for (uint32_t i = sv->seg.hdr->nprocs; i-- > 0;) {
		int rc = proc_start(sv, i);
		if (rc < 0) {
			procs_kill(sv, SIGKILL);
			return rc;
		}
	}
	return 0;
}

int procs_start_new(struct supervisor *sv)
{
	int first = 0;
	for (uint32_t i = sv->seg.hdr->nprocs; i-- > 0;)
		if (tdp_shm_proc(&sv->seg, i)->state == TDP_PROC_NEW) {
			int rc = proc_start(sv, i);
			first = first ? first : rc;
		}
	return first;
}

void procs_restart_due(struct supervisor *sv, uint64_t now)
{
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		if (p->state != TDP_PROC_BACKOFF || now < sv->kids[i].restart_at)
			continue;
		if (p->role == TDP_ROLE_INGEST && sv->draining) {
			proc_event(sv, i, PROC_DRAIN);
			continue;
		}
		p->restarts++;
		proc_start(sv, i);
	}
}

static void describe_exit(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* Slot I's child died with STATUS: record why, and say what it means. */
static enum proc_event reaped(struct supervisor *sv, uint32_t i, int status)
{
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	struct child_state *k = &sv->kids[i];
	k->died_at = tdp_now_ns();
	describe_exit(status, k->why, sizeof(k->why));
	if (k->hung_pid && k->hung_pid == p->pid) {
		/* Say why it was killed: no one else sends it SIGKILL. */
		size_t n = strlen(k->why);
		snprintf(k->why + n, sizeof(k->why) - n, " (hung)");
	}
	k->hung_pid = 0;
	p->last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	p->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    tdp_load_acquire_u32(&p->done))
		return PROC_EXITED_OK;
	if (p->role == TDP_ROLE_INGEST && sv->draining)
		return PROC_DIED_DRAINING;
	if (WIFEXITED(status) && WEXITSTATUS(status) == TDP_EXIT_USAGE)
		return PROC_EXITED_CONFIG;
	if (crash_loop(k, &sv->cfg.supervisor))
		return PROC_GIVE_UP;
	return PROC_DIED;
}

void procs_reap(struct supervisor *sv)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
			struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
			if (p->pid == pid && p->state == TDP_PROC_RUNNING) {
				proc_event(sv, i, reaped(sv, i, status));
				break;
			}
		}
	}
}

/*
 * The exporter is exempt: it maps the segment read-only and cannot beat;
 * a stuck exporter stalls nothing, and its scrapes failing is how it
 * shows (Prometheus' `up`).
 *
 * A running child's age counts from its last beat, but never from before it
 * was started (a fresh child must not pay for its predecessor's stale beat)
 * nor from before a pause of the supervisor's own loop: if the whole group
 * was stopped (^Z) or the supervisor starved, the children were probably
 * stopped too, and get a full timeout from the moment we look again.
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
		if (p->state != TDP_PROC_RUNNING || p->pid <= 0 || p->pid == k->hung_pid || is_exporter(sv, i))
			continue;
		uint64_t since = tdp_load_u64(&p->heartbeat_ns);
		if (since < p->started_ns)
			since = p->started_ns;
		if (since < sv->awake_since)
			since = sv->awake_since;
		if (now <= since || now - since <= timeout_ns)
			continue;
		k->silent_ns = now - since;
		proc_event(sv, i, PROC_HUNG);
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

bool procs_ended(const struct supervisor *sv, bool *all_done)
{
	*all_done = true;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		if (is_exporter(sv, i))
			continue;
		uint32_t st = tdp_shm_proc(&sv->seg, i)->state;
		if (st == TDP_PROC_RUNNING || st == TDP_PROC_BACKOFF || st == TDP_PROC_NEW)
			return false;
		if (st != TDP_PROC_DONE)
			*all_done = false;
	}
	return true;
}

void exporter_stop(struct supervisor *sv)
{
	if (!tdp_shm_has_exporter(sv->seg.hdr))
		return;
	uint32_t i = tdp_slot_exporter(sv->seg.hdr);
	struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
	if (p->state == TDP_PROC_RUNNING && p->pid > 0) {
		int status = 0;
		pid_t got = 0;
		kill(p->pid, SIGTERM);
		for (uint64_t end = tdp_now_ns() + EXPORTER_STOP_NS; (got = waitpid(p->pid, &status, WNOHANG)) == 0 &&
		     tdp_now_ns() < end;)
			usleep(2000);
		if (got == 0) {
			tdp_log("exporter did not stop within %llu ms of SIGTERM: killing it", EXPORTER_STOP_NS / NS_PER_MS);
			kill(p->pid, SIGKILL);
			got = waitpid(p->pid, &status, 0);
		}
		if (got > 0)
			p->last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
		p->pid = 0;
	}
	proc_event(sv, i, PROC_STOP);   /* refused if done or failed: it stays so */
}

void drain_signal(struct supervisor *sv, int sig)
{
	if (sv->draining) {
		tdp_log_warn("second signal: stopping now");
		procs_kill(sv, SIGKILL);
		sv->drain_deadline = 0;
		return;
	}
	tdp_log("%s: draining (ingest stops reading; what reached a ring is published)", strsignal(sig));
	sv->draining = true;
	sv->drain_deadline = tdp_now_ns() + (uint64_t)sv->drain_timeout_ms * NS_PER_MS;
	tdp_store_release_u32(&sv->seg.hdr->stop, 1);
	tdp_bell_ring(&tdp_shm_proc(&sv->seg, tdp_slot_ingest())->bell);
	proc_event(sv, tdp_slot_ingest(), PROC_DRAIN);
}

void drain_cut(struct supervisor *sv)
{
	bool no_publish = tdp_shm_proc(&sv->seg, tdp_slot_publish(sv->seg.hdr))->state == TDP_PROC_FAILED;
	if (sv->drain_deadline && no_publish)
		tdp_log_warn("publish failed, nothing more can be published: stopping the other processes");
	else if (sv->drain_deadline)
		tdp_log_warn("drain did not finish within %u%s: stopping what is left; what it had not published "
			     "stays in the rings and is kept in the checkpoint",
			     sv->drain_timeout_ms % 1000 ? sv->drain_timeout_ms : sv->drain_timeout_ms / 1000,
			     sv->drain_timeout_ms % 1000 ? " ms" : " s");
	procs_kill(sv, SIGKILL);
	uint32_t n = sv->seg.hdr->nprocs;
	for (uint32_t i = 0; i < n; i++) {
		if (tdp_shm_proc(&sv->seg, i)->state != TDP_PROC_RUNNING)
			proc_event(sv, i, PROC_DRAIN_TIMEOUT);   /* refused if done, failed or stopped */
	}
	sv->drain_deadline = UINT64_MAX;   /* reap the killed ones, then end */
	for (uint32_t i = 0; i < n; i++) {
		struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		int status;
		if (p->state == TDP_PROC_RUNNING && p->pid > 0 && waitpid(p->pid, &status, 0) > 0) {
			p->last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
			proc_event(sv, i, PROC_DRAIN_TIMEOUT);
		}
	}
}
