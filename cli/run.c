/*
 * tdapipe run -c FILE - the supervisor.
 *
 * Creates the instance's segment (sized from the config before any child
 * starts), forks and execs ingest, one worker per scale and publish, and
 * restarts whatever dies, with exponential backoff.  SIGINT / SIGTERM start
 * a drain: ingest stops reading, every point already in a ring is computed
 * and published, then everyone exits.  With a finite source the run ends
 * by itself once every result is published.  A running child whose
 * heartbeat stops for longer than supervisor.heartbeat_timeout is hung
 * (stuck, blocked or SIGSTOPped): it is killed with SIGKILL and restarted
 * like a crash.  A child that dies after restart_limit restarts within
 * restart_window is marked failed and the rest goes on; the run then
 * exits TDP_EXIT_FAILED.  Children die with it
 * (PR_SET_PDEATHSIG), and its exclusive flock on the segment is how a
 * later `run` tells a live instance from a stale segment.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/bell.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/shm.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define POLL_MS 50                         /* the loop looks at signals, deaths and heartbeats this often */
#define HEALTHY_NS (10 * NS_PER_S)         /* a run this long resets the backoff */
#define SPAWN_RETRY_NS (1 * NS_PER_S)      /* a restart that could not fork is tried again after this */
#define LOOP_GAP_MIN_NS (200 * NS_PER_MS)  /* a longer pause of the loop (or half the heartbeat
                                            * timeout, if more) restarts every hang clock */
#define DRAIN_TIMEOUT_S 30                 /* --drain-timeout's default */

static const char usage[] =
	"usage: tdapipe run -c FILE [--drain-timeout SECS]\n"
	"Run the pipeline of FILE (tdapipe.yaml(5)) under this supervisor.\n"
	"SIGINT/SIGTERM drain and stop; a finite source ends the run by itself.\n"
	"A process whose heartbeat stops (supervisor.heartbeat_timeout) is killed\n"
	"and restarted; one restarted too often (restart_limit) is marked failed.\n"
	"Exit: 0 all published, 1 a process failed for good, 100 bad usage or\n"
	"config, 111 system failure, instance already running, or its name taken\n"
	"(/dev/shm/tdapipe-NAME another user's, not a file, or locked by another).\n";

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
	uint64_t awake_since;       /* hang ages count from here at most (see check_hangs) */
};

static void set_state(struct tdp_proc *p, enum tdp_proc_state st)
{
	atomic_store_explicit((_Atomic uint32_t *)&p->state, st, memory_order_release);
}

static int spawn(struct supervisor *sv, uint32_t i)
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
	set_state(p, TDP_PROC_RUNNING);
	sv->kids[i].restart_at = 0;
	return 0;
}

/* No more points will come: let the workers finish what they have. */
static void mark_ingest_done(struct supervisor *sv)
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
static void reaped(struct supervisor *sv, uint32_t i, int status)
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
		set_state(p, TDP_PROC_DONE);
		return;
	}
	if (p->role == TDP_ROLE_INGEST && sv->draining) {
		tdp_log("%s %s during the drain; not restarted", label, why);
		set_state(p, TDP_PROC_STOPPED);
		mark_ingest_done(sv);
		return;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == TDP_EXIT_USAGE)) {
		/* A usage/config error will not go away by restarting. */
		tdp_log("%s %s; not restarted", label, why);
		set_state(p, TDP_PROC_FAILED);
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
		set_state(p, TDP_PROC_FAILED);
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
	set_state(p, TDP_PROC_BACKOFF);
	return;
failed:
	if (p->role == TDP_ROLE_INGEST)
		mark_ingest_done(sv);
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
static void check_hangs(struct supervisor *sv, uint64_t now)
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

static void start_drain(struct supervisor *sv, int sig)
{
	tdp_log("%s: draining (ingest stops reading; what reached a ring is published)", strsignal(sig));
	sv->draining = true;
	sv->drain_deadline = tdp_now_ns() + (uint64_t)sv->drain_timeout_s * NS_PER_S;
	atomic_store_explicit((_Atomic uint32_t *)&sv->seg.hdr->stop, 1, memory_order_release);
	struct tdp_proc *in = tdp_shm_proc(&sv->seg, tdp_slot_ingest());
	tdp_bell_ring(&in->bell);
	if (in->state != TDP_PROC_RUNNING) {
		if (in->state != TDP_PROC_DONE)
			set_state(in, TDP_PROC_STOPPED);
		sv->kids[0].restart_at = 0;
		mark_ingest_done(sv);
	}
}

static void kill_all(struct supervisor *sv, int sig)
{
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		if (p->state == TDP_PROC_RUNNING && p->pid > 0)
			kill(p->pid, sig);
	}
}

/* All processes are finished one way or another. */
static bool all_ended(const struct supervisor *sv, bool *all_done)
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

static int find_bindir(char *out, size_t len)
{
	const char *env = getenv("TDAPIPE_LIBEXEC");
	if (env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = 0;
	return 0;
}

/* Empty the sink and dead-letter files: a run's output starts fresh, and
 * restarted children append.  0, or the exit status: an output that is a
 * symbolic link is refused as a configuration error (it may have been
 * planted to send the truncation elsewhere). */
static int truncate_outputs(const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *outs[2] = {&cfg->sink, &cfg->dead_letter};
	for (int i = 0; i < 2; i++) {
		if (outs[i]->type != TDP_SINK_FILE)
			continue;
		int fd = open(outs[i]->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			int e = errno;
			fprintf(stderr, "tdapipe run: %s: %s\n", outs[i]->path,
				e == ELOOP ? "a symbolic link: outputs are not written through one" : strerror(e));
			return e == ELOOP ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
		}
		close(fd);
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"drain-timeout", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static struct supervisor sv;
	const char *path = NULL;
	sv.drain_timeout_s = DRAIN_TIMEOUT_S;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': sv.drain_timeout_s = (unsigned)atoi(optarg); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	tdp_log_init("tdapipe");
	struct tdp_buf file;
	tdp_buf_init(&file);
	char err[1024];
	if (tdp_config_read(&file, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "tdapipe run: %s\n", err);
		tdp_buf_fini(&file);
		return TDP_EXIT_USAGE;
	}
	char *text = file.p;
	size_t textlen = file.len;
	if (tdp_config_parse(text, textlen, path, &sv.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		tdp_buf_fini(&file);
		return TDP_EXIT_USAGE;
	}
	if (find_bindir(sv.bindir, sizeof(sv.bindir)) < 0) {
		tdp_buf_fini(&file);
		return TDP_EXIT_SYSTEM;
	}

	/* Signals are taken synchronously in the loop below. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	int other = 0;
	int rc = tdp_shm_create(&sv.seg, &sv.cfg, text, textlen, &other, err, sizeof(err));
	tdp_buf_fini(&file);
	if (rc < 0) {
		fprintf(stderr, "tdapipe run: %s\n", err);
		return TDP_EXIT_SYSTEM;
	}
	if (sv.seg.stale_pid)
		tdp_log("removed the stale segment /dev/shm%s of a dead supervisor (pid %d)", sv.seg.path,
			sv.seg.stale_pid);
	if ((rc = truncate_outputs(&sv.cfg))) {
		tdp_shm_detach(&sv.seg);
		tdp_shm_unlink(sv.cfg.instance);
		return rc;
	}
	tdp_log("instance %s: %u scale%s, segment /dev/shm%s (%zu bytes)", sv.cfg.instance,
		sv.cfg.nscales, sv.cfg.nscales == 1 ? "" : "s", sv.seg.path, sv.seg.size);

	/* Consumers first, so that the first points find someone waiting. */
	uint32_t n = sv.seg.hdr->nprocs;
	for (uint32_t i = n; i-- > 0;) {
		if (spawn(&sv, i) < 0) {
			tdp_log("fork: %s", strerror(errno));
			kill_all(&sv, SIGKILL);
			tdp_shm_detach(&sv.seg);
			tdp_shm_unlink(sv.cfg.instance);
			return TDP_EXIT_SYSTEM;
		}
	}

	bool all_done = false;
	for (;;) {
		struct timespec ts = {0, POLL_MS * (long)NS_PER_MS};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			if (sv.draining) {
				tdp_log("second signal: stopping now");
				kill_all(&sv, SIGKILL);
				sv.drain_deadline = 0;
			} else {
				start_drain(&sv, sig);
			}
		}
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (uint32_t i = 0; i < n; i++) {
				struct tdp_proc *p = tdp_shm_proc(&sv.seg, i);
				if (p->pid == pid && p->state == TDP_PROC_RUNNING) {
					reaped(&sv, i, status);
					break;
				}
			}
		}
		uint64_t now = tdp_now_ns();
		check_hangs(&sv, now);
		for (uint32_t i = 0; i < n; i++) {
			struct tdp_proc *p = tdp_shm_proc(&sv.seg, i);
			if (p->state != TDP_PROC_BACKOFF || now < sv.kids[i].restart_at)
				continue;
			if (p->role == TDP_ROLE_INGEST && sv.draining) {
				set_state(p, TDP_PROC_STOPPED);
				mark_ingest_done(&sv);
				continue;
			}
			p->restarts++;
			if (spawn(&sv, i) < 0)
				sv.kids[i].restart_at = now + SPAWN_RETRY_NS;
		}
		if (all_ended(&sv, &all_done))
			break;
		if (sv.draining && now > sv.drain_deadline) {
			if (sv.drain_deadline)
				tdp_log("drain did not finish within %u s: killing what is left", sv.drain_timeout_s);
			kill_all(&sv, SIGKILL);
			for (uint32_t i = 0; i < n; i++) {
				struct tdp_proc *p = tdp_shm_proc(&sv.seg, i);
				if (p->state == TDP_PROC_BACKOFF || p->state == TDP_PROC_NEW)
					set_state(p, TDP_PROC_STOPPED);
			}
			sv.drain_deadline = UINT64_MAX;   /* reap the killed ones, then end */
			for (uint32_t i = 0; i < n; i++) {
				struct tdp_proc *p = tdp_shm_proc(&sv.seg, i);
				if (p->state == TDP_PROC_RUNNING && p->pid > 0 && waitpid(p->pid, &status, 0) > 0) {
					p->last_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
					set_state(p, TDP_PROC_STOPPED);
				}
			}
		}
	}
	rc = all_done ? TDP_EXIT_OK : TDP_EXIT_FAILED;
	/* Windows published without some dimension are results all the same
	 * (each says so); the last line still tells how many, and how many
	 * records were dead letters. */
	uint64_t partial = 0;
	for (uint32_t i = 0; i < n; i++)
		partial += tdp_proc_incomplete(tdp_shm_proc(&sv.seg, i));
	uint64_t dead = __atomic_load_n(&tdp_shm_proc(&sv.seg, tdp_slot_ingest())->bad_records, __ATOMIC_RELAXED);
	char also[256] = "";
	size_t o = 0;
	if (partial)
		o += (size_t)snprintf(also + o, sizeof(also) - o, " (%llu without some dimension: see \"incomplete\" in them)",
				      (unsigned long long)partial);
	if (dead)
		o += (size_t)snprintf(also + o, sizeof(also) - o, "; %llu records were dead letters",
				      (unsigned long long)dead);
	/* A file cut short under us: its records past the cut were never read,
	 * so the results are not those of the file the run was given. */
	if (__atomic_load_n(&sv.seg.hdr->source_shrank, __ATOMIC_ACQUIRE) && o < sizeof(also)) {
		snprintf(also + o, sizeof(also) - o, "; but the source file shrank to %llu bytes while being "
			 "read: what it held past that was never read",
			 (unsigned long long)sv.seg.hdr->source_shrank_to);
		rc = TDP_EXIT_FAILED;
	}
	tdp_log("instance %s finished: %s%s", sv.cfg.instance,
		all_done ? "every result published" : "some processes failed or were stopped", also);
	tdp_shm_detach(&sv.seg);
	tdp_shm_unlink(sv.cfg.instance);
	return rc;
}
