/*
 * state_restore.c - start an instance from its checkpoint (state.h).
 *
 * A checkpoint is a copy of the segment taken while no process ran
 * (state_file.h), so restoring it is the same as restarting every process
 * after a kill -9 of the whole group: each one finds its committed state
 * and goes on from there (a file source at its offset, the sink cut back
 * to its committed length and appended to, windows, ids and de-duplication
 * as they were).  Only what belonged to the processes of the old run is
 * reset: pids, states, heartbeats, the stop and done flags.
 *
 * Nothing is applied before everything is checked: the file whole (crc,
 * sizes, versions), the config it was written with against this one, and
 * the outputs and the source against the lengths and offset it committed
 * (a results file cut shorter since would otherwise be padded with zeros,
 * a source replaced by a shorter one read from the middle of a record).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/config_diff.h"
#include "cli/reload.h"
#include "cli/state.h"
#include "cli/state_file.h"
#include "common/atomics.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/shm_check.h"

#define HEAD 4096u   /* the header's page: applied last (tdp_shm_header fits it) */

/* mkdir -p DIR (mode 0700 for what it creates).  0 or -errno. */
static int make_dir(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(p, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

void state_path(const struct supervisor *sv, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", sv->state_dir, name);
}

/* A file output PATH (KEY in the config) must still hold the LEN bytes the
 * checkpoint committed: restored, publish or ingest cut it back to them. */
static int check_output(const char *key, const char *path, uint64_t len, char *err, size_t errlen)
{
	struct stat st;
	if (!len)
		return 0;
	if (stat(path, &st) != 0 || (uint64_t)st.st_size < len) {
		snprintf(err, errlen, "%s %s holds %llu bytes, but the checkpoint's output ends at byte %llu: it was "
			 "cut or replaced since; put it back, or run with --fresh to start over", key, path,
			 stat(path, &st) != 0 ? 0ull : (unsigned long long)st.st_size, (unsigned long long)len);
		return -EINVAL;
	}
	return 0;
}

/* The outputs and the source against what the restored segment SEG committed. */
static int check_files(const struct tdp_config *cfg, const struct tdp_shm *seg, char *err, size_t errlen)
{
	const struct tdp_publish_body *pb = TDP_LIVE(tdp_shm_publish_commit(seg));
	const struct tdp_ingest_body *ib = TDP_LIVE(tdp_shm_ingest_commit(seg));
	bool sink_file = cfg->sink.type == TDP_SINK_FILE;
	bool events_file = cfg->events.on && cfg->events.type == TDP_SINK_FILE;
	bool shared = sink_file && events_file && !strcmp(cfg->sink.path, cfg->events.path);
	if (sink_file && check_output("sink.path", cfg->sink.path, pb->sink_len + (shared ? pb->events_len : 0),
				      err, errlen))
		return -EINVAL;
	if (events_file && !shared && check_output("events.path", cfg->events.path, pb->events_len, err, errlen))
		return -EINVAL;
	if (cfg->dead_letter.type == TDP_SINK_FILE &&
	    check_output("dead_letter.path", cfg->dead_letter.path, ib->dead_len, err, errlen))
		return -EINVAL;
	struct stat st;
	if (cfg->source.type == TDP_SRC_FILE && ib->resume_off &&
	    (stat(cfg->source.path, &st) != 0 || (uint64_t)st.st_size < ib->resume_off)) {
		snprintf(err, errlen, "source.path %s is shorter than where the checkpoint resumes it (byte %llu): it "
			 "was replaced since; put it back, or run with --fresh to start over", cfg->source.path,
			 (unsigned long long)ib->resume_off);
		return -EINVAL;
	}
	return 0;
}

/* What belonged to the old run's processes, reset: the segment then looks
 * like one whose every process was just killed. */
static void reset_processes(struct tdp_shm_header *head, const struct tdp_shm *seg)
{
	head->supervisor_pid = getpid();
	head->supervisor_start = tdp_proc_start_ticks(getpid());
	head->ingest_done = 0;
	head->source_shrank = 0;
	head->source_shrank_to = 0;
	head->stop = 0;
	head->move = 0;
	for (uint32_t i = 0; i < head->nprocs; i++) {
		struct tdp_proc *p = tdp_shm_proc(seg, i);
		p->pid = 0;
		p->state = TDP_PROC_NEW;
		p->restarts = 0;
		p->last_exit = INT32_MIN;
		p->started_ns = 0;
		p->heartbeat_ns = 0;
		p->done = 0;
		p->parked = 0;
		p->conns[TDP_CONN_OPEN] = 0;
		p->bell.sleeping = 0;
	}
	tdp_kafka_reconnect(tdp_shm_kafka(seg));
}

struct fill_ctx {
	const struct tdp_state_image *img;
	const struct tdp_config *cfg;
};

/* tdp_shm_fill_fn: the checkpoint into the new segment, checked, the header last. */
static int fill(void *vctx, int fd, void *base, uint64_t size, char *err, size_t errlen)
{
	const struct fill_ctx *ctx = vctx;
	static alignas(TDP_CACHELINE) unsigned char head[HEAD];   /* as the header it holds */
	struct tdp_shm_header *h = (struct tdp_shm_header *)head;
	char why[256];
	if (ctx->img->h.seg_size != size) {
		snprintf(err, errlen, "the checkpoint is of a segment of %llu bytes, this config's is %llu: refused; "
			 "run with --fresh to start over", (unsigned long long)ctx->img->h.seg_size,
			 (unsigned long long)size);
		return -EINVAL;
	}
	memset(head, 0, sizeof(head));
	int rc = state_file_apply(ctx->img, fd, base, head, HEAD, err, errlen);
	if (rc)
		return rc;
	/* Checked as any segment is before it is trusted, with the header in place. */
	uint32_t version = h->layout_version;
	memcpy(base, head, HEAD);
	if (version != TDP_SHM_LAYOUT_VERSION || tdp_shm_check(base, size, why, sizeof(why)) ||
	    tdp_shm_check_config(base, ctx->cfg, why, sizeof(why))) {
		snprintf(err, errlen, "the checkpoint's segment does not check out (%s): refused; run with --fresh "
			 "to start over", version != TDP_SHM_LAYOUT_VERSION ? "layout version" : why);
		return -EINVAL;
	}
	struct tdp_shm_header *live = base;
	tdp_store_release_u32(&live->layout_version, 0);
	const struct tdp_shm seg = {.hdr = live, .size = size, .fd = fd};
	if ((rc = check_files(ctx->cfg, &seg, err, errlen)))
		return rc;
	reset_processes(live, &seg);
	tdp_store_release_u32(&live->layout_version, TDP_SHM_LAYOUT_VERSION);
	return 0;
}

/* Create the segment from the checkpoint IMG, then, when the config's
 * scales changed since (TEXT, TEXTLEN: the config now), move it to them
 * as a reload would (cli/reload_apply.c).  0 or the exit code (said). */
static int restore(struct supervisor *sv, const struct tdp_state_image *img, const char *path, const char *text,
		   size_t textlen)
{
	static struct tdp_config old_cfg;
	char err[1024], what[128];
	if (strcmp(img->h.instance, sv->cfg.instance)) {
		tdp_log_error("%s belongs to instance \"%s\", not \"%s\": give this instance its own state.dir, or "
			      "run with --fresh to start over", path, img->h.instance, sv->cfg.instance);
		return TDP_EXIT_USAGE;
	}
	if (tdp_config_parse(img->config, img->h.config_len, "checkpoint", &old_cfg, err, sizeof(err)) < 0) {
		tdp_log_error("%s: the config it was written with no longer loads (%s): run with --fresh to start "
			      "over", path, err);
		return TDP_EXIT_USAGE;
	}
	const char *change = config_change(&old_cfg, &sv->cfg, what, sizeof(what));
	bool scales = change && config_scales_only(&old_cfg, &sv->cfg);
	if (change && !scales) {
		tdp_log_error("%s was written with another config (%s differs): start with the config it was "
			      "written with (scales may differ), or run with --fresh to start over", path, change);
		return TDP_EXIT_USAGE;
	}
	struct fill_ctx ctx = {img, &old_cfg};
	int other = 0;
	int rc = tdp_shm_create_filled(&sv->seg, &old_cfg, img->config, img->h.config_len, fill, &ctx, &other, err,
				       sizeof(err));
	if (rc < 0) {
		tdp_log_error("%s: %s", path, err);
		return rc == -EINVAL ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
	}
	sv->restored = true;
	tdp_log("restored from %s (written %llds ago)", path, (long long)(time(NULL) - img->h.written_s));
	if (!scales)
		return 0;
	/* The scales changed: the restored state under the old ones, then moved. */
	static struct tdp_config next;
	next = sv->cfg;
	sv->cfg.nscales = old_cfg.nscales;
	memcpy(sv->cfg.scales, old_cfg.scales, sizeof(old_cfg.scales));
	if (reload_scales(sv, &next, text, textlen, false) < 0) {
		tdp_shm_detach(&sv->seg);
		tdp_shm_unlink(next.instance);
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

int state_start(struct supervisor *sv, const char *text, size_t textlen, bool fresh)
{
	char path[PATH_MAX + 16], err[1024];
	tdp_state_dir(&sv->cfg.state, sv->cfg.instance, sv->state_dir, sizeof(sv->state_dir));
	int rc = make_dir(sv->state_dir);
	if (rc < 0) {
		tdp_log_error("state.dir %s: %s: make it a directory this user can write, or set state.dir",
			      sv->state_dir, strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	/* One running instance per state directory: held for the run. */
	state_path(sv, "lock", path, sizeof(path));
	int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
		char holder[32] = "";
		if (lock >= 0 && errno == EWOULDBLOCK) {
			ssize_t n = pread(lock, holder, sizeof(holder) - 1, 0);
			holder[n > 0 ? n : 0] = 0;
			holder[strcspn(holder, "\n")] = 0;
			tdp_log_error("instance \"%s\", or another with state.dir %s, is already running (supervisor "
				      "pid %s): one running instance per state.dir", sv->cfg.instance, sv->state_dir,
				      holder[0] ? holder : "unknown");
		} else {
			tdp_log_error("state.dir %s: %s", sv->state_dir, strerror(errno));
		}
		if (lock >= 0)
			close(lock);
		return TDP_EXIT_SYSTEM;
	}
	/* Whose lock it is, for the message above. */
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(lock, 0) != 0 || pwrite(lock, pid, (size_t)len, 0) != len)
		tdp_log_warn("state.dir %s: could not write the lock's pid: %s", sv->state_dir, strerror(errno));
	sv->state_lock = lock;
	if (!fresh)
		state_recover_stale(sv);
	state_path(sv, TDP_STATE_FILE, path, sizeof(path));
	if (fresh && unlink(path) == 0)
		tdp_log("--fresh: removed the checkpoint %s; starting from nothing", path);
	struct tdp_state_image img;
	rc = fresh ? -ENOENT : state_file_read(path, &img, err, sizeof(err));
	if (rc == -ENOENT) {
		int other = 0;
		if (tdp_shm_create(&sv->seg, &sv->cfg, text, textlen, &other, err, sizeof(err)) < 0) {
			tdp_log_error("%s", err);
			return TDP_EXIT_SYSTEM;
		}
		return 0;
	}
	if (rc < 0) {
		tdp_log_error("%s", err);
		return rc == -EINVAL ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM;
	}
	rc = restore(sv, &img, path, text, textlen);
	state_file_close(&img);
	return rc;
}
