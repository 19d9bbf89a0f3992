/*
 * tdapipe run -c FILE - the supervisor.
 *
 * Creates the instance's segment (sized from the config before any child
 * starts), forks and execs ingest, one worker per scale, publish and (with
 * `metrics:`) the exporter, and
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
 *
 * The exporter serves metrics and is no part of the work: the run ends
 * when the pipeline has, then the exporter is stopped (SIGTERM); it is
 * restarted like any process, but exempt from hang detection (it maps the
 * segment read-only and cannot beat), and a crash loop of it is given up
 * on and logged without failing the run.
 *
 * This file is the command: its options, the config, the segment, the
 * outputs, the loop and the last line.  What happens to each process
 * (started, died, hung, restarted, given up on, stopped) is cli/supervise.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/notify.h"
#include "cli/preflight.h"
#include "cli/reload.h"
#include "cli/state.h"
#include "cli/supervise.h"
#include "common/atomics.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/counter.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/shm.h"

#define POLL_MS 50          /* the loop looks at signals, deaths and heartbeats this often */

static const char usage[] =
	"usage: tdapipe run -c FILE [--fresh] [--drain-timeout SECS]\n"
	"Run the pipeline of FILE (tdapipe.yaml(5)) under this supervisor.\n"
	"SIGINT/SIGTERM drain and stop; a finite source ends the run by itself.\n"
	"SIGHUP reads FILE again: scales added, removed (drained) or changed\n"
	"(restarted fresh), the others running on in the same processes;\n"
	"supervisor settings and state.interval apply; other changes are refused.\n"
	"The state (state.dir, default INSTANCE-state) is checkpointed at a stop\n"
	"and every state.interval, and restored at start: sources, windows, ids\n"
	"and outputs continue.  --fresh: discard it and start from nothing.\n"
	"A drain waits --drain-timeout (supervisor.drain_timeout, 30s), then the\n"
	"rest is kept in the checkpoint.\n"
	"A process whose heartbeat stops (supervisor.heartbeat_timeout) is killed\n"
	"and restarted; one restarted too often (restart_limit) is marked failed.\n"
	"Exit: 0 all published, 1 a process failed for good or every record was a\n"
	"dead letter, 100 bad usage, config or checkpoint, 111 system failure,\n"
	"instance already running, or its name taken\n"
	"(/dev/shm/tdapipe-NAME another user's, not a file, or locked by another).\n";

/* Empty the sink, events and dead-letter files: a run's output starts
 * fresh, and restarted children append.  0, or the exit status: an output
 * that is a symbolic link is refused as a configuration error (it may have
 * been planted to send the truncation elsewhere since tdp_preflight looked;
 * their directories were checked there, before any output is emptied. */
static int truncate_outputs(const struct tdp_config *cfg)
{
	const char *paths[3] = {
		cfg->sink.type == TDP_SINK_FILE ? cfg->sink.path : NULL,
		cfg->events.on && cfg->events.type == TDP_SINK_FILE ? cfg->events.path : NULL,
		cfg->dead_letter.type == TDP_SINK_FILE ? cfg->dead_letter.path : NULL,
	};
	for (int i = 0; i < 3; i++) {
		if (!paths[i])
			continue;
		int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			int e = errno;
			tdp_log_error("%s: %s", paths[i],
				e == ELOOP ? "a symbolic link: outputs are not written through one" : strerror(e));
			return e == ELOOP ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
		}
		close(fd);
	}
	return 0;
}

/* Parse the command line into *PATH, *FRESH and SV's drain timeout (when
 * given): -1 to go on, or the exit code (usage printed). */
static int run_args(int argc, char **argv, struct supervisor *sv, const char **path, bool *fresh)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"drain-timeout", required_argument, NULL, 'd'},
		{"fresh", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': *path = optarg; break;
		case 'd':
			sv->drain_timeout_ms = (unsigned)atoi(optarg) * 1000u;
			sv->drain_timeout_given = true;
			break;
		case 'f': *fresh = true; break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if (!*path || optind != argc) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	return -1;
}

static void run_say(const char *line)
{
	tdp_log_error("%s", line);
}

/*
 * Read and check the config at PATH (and what tdp_preflight checks), find the helper programs, block the
 * signals the loop takes (SIGS), create the instance's segment.  0, or the
 * exit code (the reason said) and then there is no segment: one found
 * under the instance's name is another's, never to be removed.
 */
static int run_open(struct supervisor *sv, const char *path, bool fresh, sigset_t *sigs)
{
	struct tdp_buf file;
	char err[1024];
	int rc = TDP_EXIT_USAGE;
	tdp_buf_init(&file);
	if (tdp_config_read(&file, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "tdapipe run: %s\n", err);
		goto out;
	}
	if (tdp_config_parse(file.p, file.len, path, &sv->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	tdp_log_set_format(sv->cfg.log.format);
	if (!sv->drain_timeout_given)
		sv->drain_timeout_ms = sv->cfg.supervisor.drain_timeout_ms;
	if ((rc = tdp_preflight(&sv->cfg, run_say)))
		goto out;
	rc = TDP_EXIT_SYSTEM;
	if (cli_bindir(sv->bindir, sizeof(sv->bindir)) < 0)
		goto out;
	/* Signals are taken synchronously in run_loop. */
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, sigs, NULL);
	if ((rc = state_start(sv, file.p, file.len, fresh)))
		goto out;
	if (sv->seg.stale_pid)
		tdp_log_warn("removed the stale segment /dev/shm%s of a dead supervisor (pid %d)", sv->seg.path,
			sv->seg.stale_pid);
out:
	tdp_buf_fini(&file);
	return rc;
}

/* Turn what happened since the last turn into events, every POLL_MS,
 * until every process has ended.  Whether every one finished its work. */
static bool run_loop(struct supervisor *sv, const sigset_t *sigs)
{
	bool all_done = false;
	for (;;) {
		struct timespec poll = {0, POLL_MS * (long)NS_PER_MS};
		int sig = sigtimedwait(sigs, NULL, &poll);
		if (sig == SIGINT || sig == SIGTERM)
			drain_signal(sv, sig);
		else if (sig == SIGHUP)
			reload_config(sv);   /* what may change while running; the rest is refused */
		procs_reap(sv);
		uint64_t now = tdp_now_ns();
		procs_check_hangs(sv, now);
		procs_restart_due(sv, now);
		notify_turn(sv, now);   /* systemd: READY, STATUS, STOPPING, WATCHDOG */
		state_turn(sv, now);    /* the periodic checkpoint */
		if (procs_ended(sv, &all_done)) {
			exporter_stop(sv);
			return all_done;
		}
		if (sv->draining && now > sv->drain_deadline)
			drain_cut(sv);
	}
}

/* Name the processes given up on ("; failed (see above): publish") into
 * OUT: the run's last line says which side failed.  Returns the length. */
static size_t failed_list(const struct supervisor *sv, char *out, size_t len)
{
	size_t o = 0;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs && o < len; i++) {
		const struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		char label[64];
		if (p->state != TDP_PROC_FAILED)
			continue;
		tdp_proc_label(p, &sv->cfg, label, sizeof(label));
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "; failed (see above): ", label);
	}
	return o < len ? o : len - 1;
}

/*
 * The run's last line, and its exit code.  Windows published without some
 * dimension are results all the same (each says so); the line still tells
 * how many, and how many records were dead letters.  A run in which every
 * record was one analysed nothing: it fails (TDP_EXIT_FAILED).
 */
static int run_report(const struct supervisor *sv, bool all_done)
{
	int rc = all_done ? TDP_EXIT_OK : TDP_EXIT_FAILED;
	uint64_t partial = 0;
	for (uint32_t i = 0; i < sv->seg.hdr->nprocs; i++)
		partial += tdp_proc_incomplete(tdp_shm_proc(&sv->seg, i));
	const struct tdp_proc *ingest = tdp_shm_proc(&sv->seg, tdp_slot_ingest());
	uint64_t dead = tdp_counter_get(&ingest->bad_records);
	/* Every record refused: nothing was analysed, whatever else went well. */
	bool all_dead = dead && !tdp_counter_get(&ingest->records_out);
	if (all_dead)
		rc = TDP_EXIT_FAILED;
	char also[512] = "";
	size_t o = 0;
	if (partial)
		o += (size_t)snprintf(also + o, sizeof(also) - o, " (%llu without some dimension: see \"incomplete\" in them)",
				      (unsigned long long)partial);
	if (all_dead)
		o += (size_t)snprintf(also + o, sizeof(also) - o, "; but every record (%llu) was a dead letter: "
				      "nothing was analysed (their reasons are in the dead letters)",
				      (unsigned long long)dead);
	else if (dead)
		o += (size_t)snprintf(also + o, sizeof(also) - o, "; %llu records were dead letters",
				      (unsigned long long)dead);
	if (o < sizeof(also))
		o += failed_list(sv, also + o, sizeof(also) - o);
	/* A file cut short under us: its records past the cut were never read,
	 * so the results are not those of the file the run was given. */
	if (tdp_load_acquire_u32(&sv->seg.hdr->source_shrank) && o < sizeof(also)) {
		snprintf(also + o, sizeof(also) - o, "; but the source file shrank to %llu bytes while being "
			 "read: what it held past that was never read",
			 (unsigned long long)sv->seg.hdr->source_shrank_to);
		rc = TDP_EXIT_FAILED;
	}
	(rc == TDP_EXIT_OK ? tdp_log : tdp_log_error)("instance %s finished: %s%s", sv->cfg.instance,
		all_done ? "every result published" : "some processes failed or were stopped", also);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static struct supervisor sv;
	const char *path = NULL;
	bool fresh = false;
	sigset_t sigs;
	int rc = run_args(argc, argv, &sv, &path, &fresh);
	if (rc >= 0)
		return rc;
	tdp_log_init("tdapipe");
	if ((rc = run_open(&sv, path, fresh, &sigs)))
		return rc;
	/* Restored, the outputs are continued: publish and ingest cut them
	 * back to what the checkpoint committed and append. */
	if (!sv.restored && (rc = truncate_outputs(&sv.cfg)))
		goto out;
	tdp_log("instance %s: %u scale%s, segment /dev/shm%s (%zu bytes)", sv.cfg.instance,
		sv.cfg.nscales, sv.cfg.nscales == 1 ? "" : "s", sv.seg.path, sv.seg.size);
	if (procs_start(&sv) < 0) {
		rc = TDP_EXIT_SYSTEM;
		goto out;
	}
	bool all_done = run_loop(&sv, &sigs);
	/* The state first (a failure is logged), the run's last line last. */
	int saved = state_save(&sv, false);
	rc = run_report(&sv, all_done);
	if (saved < 0 && rc == TDP_EXIT_OK)
		rc = TDP_EXIT_SYSTEM;
out:
	tdp_shm_detach(&sv.seg);
	tdp_shm_unlink(sv.cfg.instance);
	return rc;
}
