#include "common/shm.h"
#include "common/shm_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomics.h"

#define OUT_SLOTS 1024u
#define MIN_ARENA (1u << 20)

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

uint64_t tdp_arena_size(const struct tdp_scale_cfg *sc)
{
	uint64_t biggest = tdp_scale_max_result(sc);
	uint64_t size = 4 * biggest;
	if (size < MIN_ARENA)
		size = MIN_ARENA;
	return align_up(size, 4096);
}

uint64_t tdp_store_stride(uint32_t window, uint32_t dim)
{
	/* tag, time, source offset and read time, then the values, of each
	 * of the window's points (scaled/window.h) */
	return align_up((uint64_t)window * (TDP_WINDOW_WORDS + dim) * sizeof(uint64_t), 4096);
}

uint64_t tdp_time_held_slots(const struct tdp_scale_cfg *sc)
{
	uint64_t n = (uint64_t)sc->max_window_points * tdp_scale_windows_per_point(sc);
	return (n + TDP_HELD_CHUNK - 1) / TDP_HELD_CHUNK * TDP_HELD_CHUNK;
}

uint32_t tdp_time_pend_slots(const struct tdp_scale_cfg *sc)
{
	return sc->max_window_points > TDP_PEND_MIN ? sc->max_window_points : TDP_PEND_MIN;
}

/* A join scale's listed streams keep their points waiting for the join's
 * watermark in their store (scaled/join.c): scalars, TDP_PEND_MIN slots. */
static uint64_t join_pend_bytes(const struct tdp_scale_cfg *sc)
{
	return sc->join.on ? tdp_store_stride(TDP_PEND_MIN, 1) : 0;
}

static uint64_t windows_bytes(const struct tdp_scale_cfg *sc)
{
	uint32_t dim = tdp_scale_store_dim(sc);
	if (!sc->timed)
		return tdp_store_stride(sc->window, dim);
	/* the points waiting for the watermark, then the held ones */
	uint64_t pend = align_up((uint64_t)tdp_time_pend_slots(sc) * (TDP_WINDOW_WORDS + dim) * sizeof(uint64_t), 4096);
	return pend + align_up(tdp_time_held_slots(sc) * (TDP_HELD_WORDS + dim) * sizeof(uint64_t), 4096);
}

uint64_t tdp_scale_prev_off(const struct tdp_scale_cfg *sc)
{
	uint64_t win = windows_bytes(sc), pend = join_pend_bytes(sc);
	return win > pend ? win : pend;
}

uint64_t tdp_scale_prev_bytes(const struct tdp_scale_cfg *sc)
{
	if (!tdp_scale_needs_prev(sc))
		return 0;
	return align_up(2 * tdp_scale_max_intervals(sc) * sizeof(struct tdp_interval), 4096);
}

uint64_t tdp_scale_events_off(const struct tdp_scale_cfg *sc)
{
	return tdp_scale_prev_off(sc) + tdp_scale_prev_bytes(sc);
}

uint64_t tdp_scale_events_slot_bytes(const struct tdp_scale_cfg *sc)
{
	if (!tdp_scale_has_events(sc))
		return 0;
	uint64_t hist = sc->anomaly.on ? sc->anomaly.history : 0;
	return sizeof(struct tdp_events_slot) + hist * sizeof(double) +
	       (sc->track.on ? tdp_scale_max_intervals(sc) : 0) * sizeof(struct tdp_event);
}

uint64_t tdp_scale_events_bytes(const struct tdp_scale_cfg *sc)
{
	return align_up(2 * tdp_scale_events_slot_bytes(sc), 4096);
}

uint64_t tdp_scale_store_stride(const struct tdp_scale_cfg *sc)
{
	return tdp_scale_events_off(sc) + tdp_scale_events_bytes(sc);
}

uint32_t tdp_scale_store_dim(const struct tdp_scale_cfg *sc)
{
	if (sc->join.on)
		return sc->join.n;   /* the joined vectors; listed streams' scalars fit */
	if (sc->values.n)
		return sc->values.n;   /* the coordinates it takes (common/scale_take.h) */
	return tdp_scale_needs_scalar(sc) ? 1 : TDP_MAX_DIM;
}

uint32_t tdp_shm_nprocs(const struct tdp_config *cfg)
{
	return cfg->nscales + 2 + (cfg->metrics.on ? 1 : 0);
}

uint32_t tdp_shm_latest_streams(const struct tdp_config *cfg)
{
	/* Without metrics: the default, for `tdapipe top`. */
	uint32_t n = cfg->metrics.on ? cfg->metrics.streams : TDP_METRICS_DEFAULT_STREAMS;
	return n < cfg->max_streams ? n : cfg->max_streams;
}

/* Compute every offset of the layout; HDR may be NULL to only size it,
 * FIXED (if not NULL) gets where the window stores begin. */
static uint64_t layout(const struct tdp_config *cfg, size_t textlen, struct tdp_shm_header *hdr,
		       uint64_t *fixed)
{
	uint64_t off = align_up(sizeof(struct tdp_shm_header), 4096);
	uint32_t nprocs = tdp_shm_nprocs(cfg);
	if (hdr) {
		hdr->config_off = off;
		hdr->config_len = textlen;
	}
	off = align_up(off + textlen + 1, TDP_CACHELINE);
	if (hdr)
		hdr->procs_off = off;
	off += (uint64_t)nprocs * sizeof(struct tdp_proc);
	off = align_up(off, TDP_CACHELINE);
	if (hdr)
		hdr->streams_off = off;
	off += (uint64_t)cfg->max_streams * sizeof(struct tdp_stream);
	off = align_up(off, TDP_CACHELINE);
	if (hdr)
		hdr->ingest_commit_off = off;
	off = align_up(off + sizeof(struct tdp_ingest_commit), TDP_CACHELINE);
	if (hdr)
		hdr->publish_commit_off = off;
	off = align_up(off + sizeof(struct tdp_publish_commit), TDP_CACHELINE);
	if (hdr)
		hdr->dedup_off = off;
	off += (uint64_t)cfg->nscales * cfg->max_streams * sizeof(int64_t);
	off = align_up(off, TDP_CACHELINE);
	if (hdr)
		hdr->latest_off = off;
	off += (uint64_t)cfg->nscales * tdp_shm_latest_streams(cfg) * sizeof(struct tdp_latest);
	off = align_up(off, TDP_CACHELINE);
	if (hdr)
		hdr->latest_view_off = off;
	off += (uint64_t)cfg->nscales * tdp_shm_latest_streams(cfg) * sizeof(struct tdp_latest_view);
	off = align_up(off, TDP_CACHELINE);
	if (hdr)
		hdr->kafka_off = off;
	off += sizeof(struct tdp_kafka_block);
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		struct tdp_scale_layout l = {0};
		l.in_slots = cfg->scales[s].ring;
		l.out_slots = OUT_SLOTS;
		off = align_up(off, 4096);
		l.in_ring_off = off;
		off += sizeof(struct tdp_ring);
		l.in_slots_off = off = align_up(off, TDP_CACHELINE);
		off += (uint64_t)l.in_slots * sizeof(struct tdp_point);
		l.out_ring_off = off = align_up(off, TDP_CACHELINE);
		off += sizeof(struct tdp_ring);
		l.out_slots_off = off = align_up(off, TDP_CACHELINE);
		off += (uint64_t)l.out_slots * sizeof(struct tdp_result_desc);
		l.arena_off = off = align_up(off, 4096);
		l.arena_size = tdp_arena_size(&cfg->scales[s]);
		off += l.arena_size;
		l.wstate_off = off = align_up(off, TDP_CACHELINE);
		off += (uint64_t)cfg->max_streams * sizeof(struct tdp_wstate);
		if (hdr)
			hdr->scales[s] = l;
	}
	/* The window stores last: the part before them is reserved at
	 * creation (tdp_shm_create), a store when its stream appears. */
	off = align_up(off, 4096);
	if (fixed)
		*fixed = off;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		uint32_t dim = tdp_scale_store_dim(&cfg->scales[s]);
		uint64_t stride = tdp_scale_store_stride(&cfg->scales[s]);
		if (hdr) {
			hdr->scales[s].store_dim = dim;
			hdr->scales[s].store_stride = stride;
			hdr->scales[s].store_off = off;
		}
		off += (uint64_t)cfg->max_streams * stride;
	}
	return align_up(off, 4096);
}

uint64_t tdp_shm_size(const struct tdp_config *cfg, size_t textlen)
{
	return layout(cfg, textlen, NULL, NULL);
}

uint64_t tdp_shm_fixed_size(const struct tdp_config *cfg, size_t textlen)
{
	uint64_t fixed;
	layout(cfg, textlen, NULL, &fixed);
	return fixed;
}

void tdp_shm_layout(const struct tdp_config *cfg, size_t textlen, struct tdp_shm_header *hdr)
{
	hdr->header_size = sizeof(*hdr);
	hdr->nscales = cfg->nscales;
	hdr->nprocs = tdp_shm_nprocs(cfg);
	hdr->max_streams = cfg->max_streams;
	hdr->latest_streams = tdp_shm_latest_streams(cfg);
	hdr->total_size = layout(cfg, textlen, hdr, NULL);
}

void tdp_shm_format(void *base, const struct tdp_config *cfg, const char *text, size_t textlen)
{
	struct tdp_shm_header *h = base;
	h->magic = TDP_SHM_MAGIC;
	snprintf(h->instance, sizeof(h->instance), "%s", cfg->instance);
	tdp_shm_layout(cfg, textlen, h);
	memcpy((char *)base + h->config_off, text, textlen);
	const struct tdp_shm seg = {.hdr = h, .size = h->total_size, .fd = -1};
	for (uint32_t i = 0; i < h->nprocs; i++) {
		struct tdp_proc *pr = tdp_shm_proc(&seg, i);
		pr->role = i == 0 ? TDP_ROLE_INGEST : i <= cfg->nscales ? TDP_ROLE_SCALED
			 : i == cfg->nscales + 1 ? TDP_ROLE_PUBLISH : TDP_ROLE_EXPORTER;
		pr->scale = (i >= 1 && i <= cfg->nscales) ? (int32_t)(i - 1) : -1;
		pr->last_exit = INT32_MIN;
	}
	struct tdp_ingest_commit *ic = tdp_shm_ingest_commit(&seg);
	for (int b = 0; b < 2; b++)
		for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
			ic->body[b].kpos[i] = -1;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		int64_t *dedup = tdp_shm_dedup(&seg, s);
		for (uint32_t i = 0; i < cfg->max_streams; i++)
			dedup[i] = -1;
		ck_ring_init(&tdp_shm_in_ring(&seg, s)->ck, h->scales[s].in_slots);
		ck_ring_init(&tdp_shm_out_ring(&seg, s)->ck, h->scales[s].out_slots);
	}
	/* Publish the layout: a reader that sees the version sees all of it. */
	tdp_store_release_u32(&h->layout_version, TDP_SHM_LAYOUT_VERSION);
}

/* The fields of /proc/PID/stat after the ")" closing comm (which may
 * itself hold spaces and parentheses), into BUF; NULL if PID is gone. */
static const char *proc_stat_rest(int pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p + 2 : NULL;
}

uint64_t tdp_proc_start_ticks(int pid)
{
	char buf[1024];
	const char *p = proc_stat_rest(pid, buf, sizeof(buf));
	if (!p)
		return 0;
	/* p is field 3 (state); field 22 is starttime */
	unsigned long long start = 0;
	int field = 3;
	for (; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

char tdp_proc_state_letter(int pid)
{
	char buf[1024];
	const char *p = proc_stat_rest(pid, buf, sizeof(buf));
	return p ? *p : 0;
}

void tdp_kafka_reconnect(struct tdp_kafka_block *k)
{
	struct tdp_kafka_client *clients[] = {&k->source, &k->dead, &k->sink};
	for (size_t i = 0; i < 3; i++)
		if (clients[i]->state != TDP_KAFKA_OFF)
			clients[i]->state = TDP_KAFKA_CONNECTING;
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		k->parts[i].assigned = 0;
}

bool tdp_shm_supervisor_alive(const struct tdp_shm_header *hdr)
{
	if (hdr->supervisor_pid <= 0)
		return false;
	if (kill(hdr->supervisor_pid, 0) != 0 && errno == ESRCH)
		return false;
	/* A recycled pid has a different start time. */
	return tdp_proc_start_ticks(hdr->supervisor_pid) == hdr->supervisor_start;
}

static void shm_name(char *out, size_t outlen, const char *instance)
{
	snprintf(out, outlen, "/tdapipe-%s", instance);
}

int tdp_shm_unlink(const char *instance)
{
	char name[64];
	shm_name(name, sizeof(name), instance);
	return shm_unlink(name) == 0 ? 0 : -errno;
}

/* Whether a segment file owned by ST's uid may be trusted: ours, or root's
 * (whoever can plant a file as root has no need of a segment to harm us). */
static bool owner_ok(const struct stat *st)
{
	return st->st_uid == geteuid() || st->st_uid == 0;
}

static int refuse_owner(const char *name, const struct stat *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "/dev/shm%s belongs to uid %u, not to you (uid %u) or root: refusing it (another "
		 "user may have planted it to squat the instance name); have uid %u or root remove it if it is "
		 "stale, or use another instance name", name, (unsigned)st->st_uid, (unsigned)geteuid(),
		 (unsigned)st->st_uid);
	return -EPERM;
}

/*
 * Open the existing segment file NAME with FLAGS, never through a symbolic
 * link, and vouch for the file itself: a regular file owned by us or by
 * root (owner_ok).  Its contents are tdp_shm_check's business.  Returns 0
 * with *FD open and *ST filled in, or -errno with ERR: -ENOENT nothing
 * there (ERR says the instance is not running), -EPERM another user's
 * file, -ELOOP a symbolic link, -EINVAL not a regular file.
 */
static int open_existing(const char *name, const char *instance, int flags, int *fd, struct stat *st,
			 char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO planted under the name must not hang us in open. */
	*fd = shm_open(name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
	if (*fd < 0) {
		int e = errno;
		char path[96];
		snprintf(path, sizeof(path), "/dev/shm%s", name);
		if (e == ENOENT)
			snprintf(err, errlen, "instance \"%s\" is not running (no segment %s)", instance, path);
		else if (e == EACCES && lstat(path, st) == 0 && !owner_ok(st))
			return refuse_owner(name, st, err, errlen);
		else if (e == ELOOP)
			snprintf(err, errlen, "%s is a symbolic link: refusing to follow it (remove it)", path);
		else
			snprintf(err, errlen, "open %s: %s", path, strerror(e));
		return -e;
	}
	int rc = 0;
	if (fstat(*fd, st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "stat /dev/shm%s: %s", name, strerror(-rc));
	} else if (!S_ISREG(st->st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "/dev/shm%s is not a regular file: not a tdapipe segment", name);
	} else if (!owner_ok(st)) {
		rc = refuse_owner(name, st, err, errlen);
	}
	if (rc < 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/* The pid a segment's header names, if the file FD holds a tdapipe
 * header at all; else 0. */
static int header_pid(int fd, const struct stat *st)
{
	int pid = 0;
	if ((size_t)st->st_size < sizeof(struct tdp_shm_header))
		return 0;
	struct tdp_shm_header *h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return 0;
	if (h->magic == TDP_SHM_MAGIC)
		pid = h->supervisor_pid;
	munmap(h, sizeof(*h));
	return pid;
}

/*
 * The lock of segment NAME (file FD) is held.  By the live supervisor of
 * INSTANCE: -EEXIST, its pid in *OTHER_PID.  By anything else: -EBUSY, ERR
 * says what the file holds and that the name may be squatted.  A starting
 * supervisor takes the lock before its header is complete, and a dying
 * one's children may hold it until they exec, so what looks like either is
 * given a second to settle.
 */
static int locked_by(int fd, const char *name, const char *instance, int *other_pid, char *err,
		     size_t errlen)
{
	char why[200] = "";
	struct stat st;
	bool settling = false;
	for (int tries = 0;; tries++) {
		settling = false;
		if (fstat(fd, &st) != 0) {
			int e = errno;
			snprintf(err, errlen, "stat /dev/shm%s: %s", name, strerror(e));
			return -e;
		}
		if ((size_t)st.st_size < sizeof(struct tdp_shm_header)) {
			snprintf(why, sizeof(why), "it is %lld bytes, too small for a tdapipe segment",
				 (long long)st.st_size);
			settling = true;
		} else {
			struct tdp_shm_header *h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, fd, 0);
			if (h == MAP_FAILED) {
				int e = errno;
				snprintf(err, errlen, "map /dev/shm%s: %s", name, strerror(e));
				return -e;
			}
			uint32_t version = tdp_load_acquire_u32(&h->layout_version);
			if (h->magic != TDP_SHM_MAGIC) {
				snprintf(why, sizeof(why), "it is not a tdapipe segment (bad magic)");
				settling = h->magic == 0;
			} else if (version == 0) {
				snprintf(why, sizeof(why), "its header is not complete");
				settling = true;
			} else if (version != TDP_SHM_LAYOUT_VERSION) {
				snprintf(why, sizeof(why), "it has layout version %u, not %u: another tdapipe build's",
					 version, TDP_SHM_LAYOUT_VERSION);
			} else if (strncmp(h->instance, instance, sizeof(h->instance)) != 0) {
				snprintf(why, sizeof(why), "its header names another instance, \"%.*s\"",
					 (int)strnlen(h->instance, sizeof(h->instance)), h->instance);
			} else if (!tdp_shm_supervisor_alive(h)) {
				snprintf(why, sizeof(why), "the supervisor it names (pid %d) is gone", h->supervisor_pid);
				settling = true;
			} else {
				*other_pid = h->supervisor_pid;
				munmap(h, sizeof(*h));
				snprintf(err, errlen, "instance \"%s\" is already running (supervisor pid %d, segment "
					 "/dev/shm%s)", instance, *other_pid, name);
				return -EEXIST;
			}
			munmap(h, sizeof(*h));
		}
		if (!settling || tries == 20)
			break;
		usleep(50 * 1000);
	}
	snprintf(err, errlen, "instance \"%s\": /dev/shm%s (owner uid %u) is locked, but not by a running tdapipe "
		 "supervisor of this instance: %s%s.  The name may be squatted: `fuser -v /dev/shm%s` shows who holds "
		 "it; use another instance name, or once the holder is gone remove /dev/shm%s (a file of another "
		 "user needs root)", instance, name, (unsigned)st.st_uid, why, settling ? " (still, a second later)" : "",
		 name, name);
	return -EBUSY;
}

/*
 * What is there under NAME before INSTANCE's supervisor creates its
 * segment: 0 nothing, 1 a stale segment (now removed; the pid its header
 * names, or 0, in *OTHER_PID), or -errno with ERR: -EEXIST the instance is
 * running (its supervisor's pid in *OTHER_PID), -EBUSY something else holds
 * the lock, -EPERM another user's file (both: the name may be squatted).
 */
static int check_existing(const char *name, const char *instance, int *other_pid, char *err, size_t errlen)
{
	int fd;
	struct stat st;
	int rc = open_existing(name, instance, O_RDWR, &fd, &st, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	/* The live supervisor holds an exclusive flock for its lifetime. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			rc = locked_by(fd, name, instance, other_pid, err, errlen);
		} else {
			snprintf(err, errlen, "lock /dev/shm%s: %s", name, strerror(e));
			rc = -e;
		}
		close(fd);
		return rc;
	}
	/* Stale: nobody holds the lock, so its supervisor died.  Remember
	 * whose it was for the log, then remove it. */
	*other_pid = header_pid(fd, &st);
	close(fd);
	shm_unlink(name);
	return 1;
}

int tdp_shm_create(struct tdp_shm *seg, const struct tdp_config *cfg, const char *text,
		   size_t textlen, int *other_pid, char *err, size_t errlen)
{
	return tdp_shm_create_filled(seg, cfg, text, textlen, NULL, NULL, other_pid, err, errlen);
}

int tdp_shm_create_filled(struct tdp_shm *seg, const struct tdp_config *cfg, const char *text, size_t textlen,
			  tdp_shm_fill_fn *fill, void *ctx, int *other_pid, char *err, size_t errlen)
{
	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
	shm_name(seg->path, sizeof(seg->path), cfg->instance);
	*other_pid = 0;
	int rc = check_existing(seg->path, cfg->instance, other_pid, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		seg->stale_pid = *other_pid ? *other_pid : -1;
		*other_pid = 0;
	}
	uint64_t fixed, size = layout(cfg, textlen, NULL, &fixed);
	int fd = shm_open(seg->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "create /dev/shm%s: %s", seg->path, strerror(errno));
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = -errno;
		snprintf(err, errlen, "lock /dev/shm%s: %s", seg->path, strerror(errno));
		goto err_unlink;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		rc = -errno;
		snprintf(err, errlen, "size /dev/shm%s to %llu bytes: %s", seg->path,
			 (unsigned long long)size, strerror(errno));
		goto err_unlink;
	}
	/* Reserve everything but the window stores now: tmpfs backs a sparse
	 * file page by page, so /dev/shm running out would otherwise be a
	 * SIGBUS in whichever process touched a new page first.  (A scale
	 * worker reserves a stream's store when the stream appears.) */
	if ((rc = posix_fallocate(fd, 0, (off_t)fixed)) != 0) {
		snprintf(err, errlen, "no room in /dev/shm for the segment's %llu fixed bytes (rings, arenas, "
			 "state; see tdapipe check-config): %s", (unsigned long long)fixed, strerror(rc));
		rc = -rc;
		goto err_unlink;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "map /dev/shm%s: %s", seg->path, strerror(errno));
		goto err_unlink;
	}
	struct tdp_shm_header *h = p;
	h->supervisor_pid = getpid();
	h->supervisor_start = tdp_proc_start_ticks(getpid());
	if (!fill) {
		tdp_shm_format(p, cfg, text, textlen);   /* publishes the layout last */
	} else if ((rc = fill(ctx, fd, p, size, err, errlen)) < 0) {
		munmap(p, size);
		goto err_unlink;
	}
	seg->hdr = h;
	seg->size = size;
	seg->fd = fd;
	seg->writable = true;
	return 0;

err_unlink:
	close(fd);
	shm_unlink(seg->path);
	return rc;
}

int tdp_shm_attach(struct tdp_shm *seg, const char *instance, bool writable, char *err, size_t errlen)
{
	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
	shm_name(seg->path, sizeof(seg->path), instance);
	int fd;
	struct stat st;
	int rc = open_existing(seg->path, instance, writable ? O_RDWR : O_RDONLY, &fd, &st, err, errlen);
	if (rc < 0)
		return rc;
	if ((size_t)st.st_size < sizeof(struct tdp_shm_header)) {
		snprintf(err, errlen, "/dev/shm%s: %lld bytes, too small for a tdapipe segment's header (%zu)",
			 seg->path, (long long)st.st_size, sizeof(struct tdp_shm_header));
		close(fd);
		return -EINVAL;
	}
	void *p = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		       MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "map /dev/shm%s: %s", seg->path, strerror(errno));
		close(fd);
		return rc;
	}
	/* Set up before the check reads the mapping, so that a caller whose
	 * guard caught a SIGBUS there can still detach. */
	seg->hdr = p;
	seg->size = (size_t)st.st_size;
	seg->fd = fd;
	seg->writable = writable;
	char why[256];
	if (tdp_shm_check(p, seg->size, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "/dev/shm%s: %s", seg->path, why);
		rc = -EINVAL;
	} else if (strncmp(seg->hdr->instance, instance, sizeof(seg->hdr->instance)) != 0) {
		snprintf(err, errlen, "/dev/shm%s: its header names another instance, \"%s\"", seg->path,
			 seg->hdr->instance);
		rc = -EINVAL;
	}
	if (rc < 0)
		tdp_shm_detach(seg);
	return rc;
}

void tdp_shm_detach(struct tdp_shm *seg)
{
	if (seg->hdr)
		munmap(seg->hdr, seg->size);
	if (seg->fd >= 0)
		close(seg->fd);
	seg->hdr = NULL;
	seg->fd = -1;
}

const char *tdp_role_name(uint32_t role)
{
	switch (role) {
	case TDP_ROLE_INGEST: return "ingest";
	case TDP_ROLE_SCALED: return "scaled";
	case TDP_ROLE_EXPORTER: return "exporter";
	default: return "publish";
	}
}

void tdp_proc_label(const struct tdp_proc *p, const struct tdp_config *cfg, char *out, size_t len)
{
	/* Loaded once: a reader's bounds check must hold for the index it uses. */
	uint32_t role = tdp_load_u32(&p->role);
	int32_t scale = tdp_load_i32(&p->scale);
	if (role == TDP_ROLE_SCALED && scale >= 0 && (uint32_t)scale < cfg->nscales && scale < TDP_MAX_SCALES)
		snprintf(out, len, "scaled[%s]", cfg->scales[scale].name);
	else
		snprintf(out, len, "%s", tdp_role_name(role));
}
