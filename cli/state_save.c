/*
 * state_save.c - write the instance's checkpoint (state.h).
 *
 * Every process keeps its state in the segment so that a SIGKILL at any
 * instruction leaves it consistent (ARCHITECTURE.md, invariant 2).  A copy
 * taken while every process of the pipeline is stopped is therefore one
 * such state for all of them at once: the same the segment would hold had
 * the whole group been killed at that moment.  SIGSTOP holds them for the
 * copy (it cannot be caught or ignored); the exporter only reads and runs
 * on.  The pause lasts the copy into the page cache; the checksum and
 * fsync come after the processes continue.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/state.h"
#include "cli/state_file.h"
#include "common/atomics.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/log.h"
#include "common/wallclock.h"

bool state_held(pid_t pid)
{
	char c = tdp_proc_state_letter(pid);
	return c == 0 || c == 'T' || c == 't' || c == 'Z' || c == 'X';
}

bool state_stop_pipeline(struct supervisor *sv, pid_t *pids, uint32_t *n)
{
	const struct tdp_shm_header *h = sv->seg.hdr;
	*n = 0;
	for (uint32_t i = 0; i < h->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(&sv->seg, i);
		if (p->role == TDP_ROLE_EXPORTER || p->state != TDP_PROC_RUNNING || p->pid <= 0)
			continue;
		/* One stopped already (by an operator, or a test of hang
		 * detection) stays stopped: it is not ours to continue. */
		char c = tdp_proc_state_letter(p->pid);
		if (c == 'T' || c == 't')
			continue;
		if (kill(p->pid, SIGSTOP) == 0)
			pids[(*n)++] = p->pid;
	}
	for (uint64_t end = tdp_now_ns() + STATE_STOP_WAIT_NS;;) {
		uint32_t i = 0;
		while (i < *n && state_held(pids[i]))
			i++;
		if (i == *n)
			return true;
		if (tdp_now_ns() > end)
			return false;
		usleep(500);
	}
}

void state_continue_pipeline(const pid_t *pids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		kill(pids[i], SIGCONT);
}

/* The directory's entry for the renamed file made durable too. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* The counters stats and metrics show (struct tdp_shm_header). */
static void record(struct supervisor *sv, bool ok, uint64_t pause_ns, uint64_t bytes)
{
	struct tdp_shm_header *h = sv->seg.hdr;
	if (!ok) {
		tdp_counter_add(&h->checkpoint_errors, 1);
		return;
	}
	tdp_store_u64(&h->checkpoint_pause_ns, pause_ns);
	tdp_store_u64(&h->checkpoint_bytes, bytes);
	tdp_store_i64(&h->checkpoint_unix_ms, tdp_wall_ns() / 1000000);
	tdp_counter_add(&h->checkpoints, 1);
}

/* Write SEG's checkpoint into the state directory (see state_save; SEG
 * may be another segment than SV's, nothing of it running).  *PAUSE_NS
 * and *BYTES: what record() keeps. */
static int save(struct supervisor *sv, const struct tdp_shm *seg, bool running, uint64_t *pause_ns,
		uint64_t *bytes)
{
	char tmp[PATH_MAX + 32], path[PATH_MAX + 16], err[1024];
	pid_t pids[TDP_MAX_SCALES + 3];
	uint32_t n = 0;
	state_path(sv, TDP_STATE_FILE ".tmp", tmp, sizeof(tmp));
	state_path(sv, TDP_STATE_FILE, path, sizeof(path));
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;
		tdp_log_error("checkpoint: %s: %s (the previous checkpoint stays)", tmp, strerror(e));
		return -e;
	}
	uint64_t t0 = tdp_now_ns();
	if (running && !state_stop_pipeline(sv, pids, &n)) {
		state_continue_pipeline(pids, n);
		close(fd);
		unlink(tmp);
		tdp_log_warn("checkpoint: a process did not stop within %llu ms; trying again at the next interval",
			     STATE_STOP_WAIT_NS / NS_PER_MS);
		return -EAGAIN;
	}
	const struct tdp_shm_header *h = seg->hdr;
	int rc = state_file_write(seg->fd, h, seg->size, h->instance, (const char *)h + h->config_off,
				  h->config_len, fd, err, sizeof(err));
	if (running)
		state_continue_pipeline(pids, n);
	*pause_ns = running ? tdp_now_ns() - t0 : 0;
	if (!rc)
		rc = state_file_seal(fd, err, sizeof(err));
	struct stat st;
	*bytes = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	close(fd);
	if (!rc && rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(err, sizeof(err), "renaming it into place: %s", strerror(errno));
	}
	if (rc) {
		unlink(tmp);
		tdp_log_error("checkpoint %s: %s (the previous checkpoint stays)", path, err);
		return rc;
	}
	sync_dir(sv->state_dir);
	return 0;
}

int state_save(struct supervisor *sv, bool running)
{
	uint64_t pause_ns = 0, bytes = 0;
	int rc = save(sv, &sv->seg, running, &pause_ns, &bytes);
	record(sv, rc == 0, pause_ns, bytes);
	return rc;
}

int state_save_segment(struct supervisor *sv, const struct tdp_shm *seg)
{
	uint64_t pause_ns, bytes;
	return save(sv, seg, false, &pause_ns, &bytes);
}

void state_turn(struct supervisor *sv, uint64_t now)
{
	uint64_t every = (uint64_t)sv->cfg.state.interval_ms * NS_PER_MS;
	if (!every || sv->draining)
		return;
	if (!sv->checkpoint_at) {
		sv->checkpoint_at = now + every;
		return;
	}
	if (now < sv->checkpoint_at)
		return;
	state_save(sv, true);
	/* The processes were stopped: their heartbeats paused with them. */
	sv->awake_since = tdp_now_ns();
	sv->checkpoint_at = sv->awake_since + every;
}
