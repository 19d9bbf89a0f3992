/*
 * seg_reader.c - the admin tools' read-only view of a segment
 * (seg_reader.h says what is checked, and why).
 */
#include "common/seg_reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomics.h"
#include "common/bus_guard.h"
#include "common/commit.h"
#include "common/shm_check.h"

/* Map and check the segment (tdp_bus_guard: the check reads it). */
static int attach(void *arg)
{
	struct seg_reader *r = arg;
	return tdp_shm_attach(&r->seg, r->instance, false, r->err, sizeof(r->err));
}

/* A segment whose supervisor died (SIGKILL, a crash) is stale: its states
 * and pids describe processes that are gone. */
static int check_alive(struct seg_reader *r)
{
	if (tdp_shm_supervisor_alive(r->seg.hdr))
		return 0;
	snprintf(r->err, sizeof(r->err), "instance \"%s\" is not running (stale segment /dev/shm%s of supervisor "
		 "pid %d, removed by the next `tdapipe run`)", r->instance, r->seg.path, r->seg.hdr->supervisor_pid);
	return -ESRCH;
}

/* Copy the config text out (tdp_shm_check vouched for its extent). */
static int copy_config(void *arg)
{
	struct seg_reader *r = arg;
	int rc = check_alive(r);
	if (rc < 0)
		return rc;
	const struct tdp_shm_header *h = r->seg.hdr;
	tdp_buf_append(&r->text, tdp_shm_at(&r->seg, h->config_off), h->config_len);
	if (!tdp_buf_ok(&r->text)) {
		snprintf(r->err, sizeof(r->err), "config in segment: %llu bytes: out of memory",
			 (unsigned long long)h->config_len);
		return -ENOMEM;
	}
	return 0;
}

/* Hold the header to what the config parsed from it lays out. */
static int check_config(void *arg)
{
	struct seg_reader *r = arg;
	char why[512];
	if (tdp_shm_check_config(r->seg.hdr, &r->cfg, why, sizeof(why)) < 0) {
		snprintf(r->err, sizeof(r->err), "/dev/shm%s: %s", r->seg.path, why);
		return -EINVAL;
	}
	return 0;
}

/* Run FN under the guard; a SIGBUS becomes the message it deserves. */
static int guarded(struct seg_reader *r, int (*fn)(void *), void *arg)
{
	int rc = tdp_bus_guard(fn, arg);
	if (rc == -EFAULT)
		snprintf(r->err, sizeof(r->err), "/dev/shm%s shrank while being read (SIGBUS): the segment was "
			 "truncated underneath", r->seg.path);
	return rc;
}

int seg_reader_instance(struct seg_reader *r, const char *path, const char *name)
{
	/* static: a config is large, and one reader is open at a time */
	static struct tdp_config file_cfg;
	r->seg.fd = -1;
	tdp_buf_init(&r->text);
	r->instance = name;
	if (path) {
		if (tdp_config_load(path, &file_cfg, r->err, sizeof(r->err)) < 0)
			return -EINVAL;
		r->instance = file_cfg.instance;
	}
	return 0;
}

int seg_reader_open(struct seg_reader *r)
{
	int rc = guarded(r, attach, r);
	if (rc < 0 || (rc = guarded(r, copy_config, r)) < 0)
		return rc;
	char why[768];
	if (tdp_config_parse(r->text.p, r->text.len, "(segment)", &r->cfg, why, sizeof(why)) < 0) {
		snprintf(r->err, sizeof(r->err), "config in segment /dev/shm%s: %s", r->seg.path, why);
		return -EINVAL;
	}
	return guarded(r, check_config, r);
}

int seg_reader_still_there(struct seg_reader *r)
{
	struct stat sb;
	if (fstat(r->seg.fd, &sb) != 0) {
		int e = errno;
		snprintf(r->err, sizeof(r->err), "stat /dev/shm%s: %s", r->seg.path, strerror(e));
		return -e;
	}
	if (sb.st_nlink == 0) {
		snprintf(r->err, sizeof(r->err), "instance \"%s\" is not running any more (its segment /dev/shm%s "
			 "was removed)", r->instance, r->seg.path);
		return -ENOENT;
	}
	if ((uint64_t)sb.st_size != r->seg.size) {
		snprintf(r->err, sizeof(r->err), "/dev/shm%s %s from %zu to %lld bytes while watched: the segment "
			 "was truncated or replaced", r->seg.path, (uint64_t)sb.st_size < r->seg.size ? "shrank" :
			 "grew", r->seg.size, (long long)sb.st_size);
		return -EINVAL;
	}
	return 0;
}

struct read_call {
	struct seg_reader *r;
	int (*fn)(struct seg_reader *r, void *arg);
	void *arg;
};

static int read_alive(void *arg)
{
	struct read_call *c = arg;
	int rc = check_alive(c->r);
	return rc < 0 ? rc : c->fn(c->r, c->arg);
}

int seg_reader_read(struct seg_reader *r, int (*fn)(struct seg_reader *r, void *arg), void *arg)
{
	struct read_call c = {r, fn, arg};
	return guarded(r, read_alive, &c);
}

void seg_reader_close(struct seg_reader *r)
{
	tdp_shm_detach(&r->seg);
	tdp_buf_fini(&r->text);
}

/* ------------------------------------------------------------ readings */

const char *tdp_proc_state_name(uint32_t st)
{
	static const char *names[] = {"new", "running", "backoff", "done", "failed", "stopped"};
	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

const char *tdp_seg_string(char *out, const char *src, size_t len)
{
	size_t n = strnlen(src, len);
	memcpy(out, src, n);
	out[n] = 0;
	return out;
}

uint32_t tdp_seg_nstreams(const struct tdp_shm *seg)
{
	uint32_t n = tdp_load_acquire_u32(&seg->hdr->nstreams);
	return n < seg->hdr->max_streams ? n : seg->hdr->max_streams;
}

/* Exact, from the worker's committed per-stream state: dropped on
 * overflow, or lost while its worker was failed. */
uint64_t tdp_seg_scale_lost(const struct tdp_shm *seg, uint32_t s)
{
	uint32_t n = tdp_seg_nstreams(seg);
	uint64_t lost = 0;
	for (uint32_t i = 0; i < n; i++)
		lost += TDP_LIVE(tdp_shm_wstate(seg, s, i))->lost;
	return lost;
}

uint32_t tdp_seg_kafka_nparts(const struct tdp_kafka_block *kb)
{
	uint32_t n = tdp_load_acquire_u32(&kb->nparts);
	return n < TDP_KAFKA_MAX_PARTS ? n : TDP_KAFKA_MAX_PARTS;
}

/* The position is where ingest's last commit resumes; the lag the
 * messages from there to the end (the whole partition before the first
 * message). */
void tdp_seg_kafka_position(const struct tdp_shm *seg, uint32_t i, int64_t *pos, int64_t *lag)
{
	const struct tdp_ingest_body *b = TDP_LIVE(tdp_shm_ingest_commit(seg));
	int64_t end = tdp_shm_kafka(seg)->parts[i].high_watermark;
	*pos = i < b->nkpos && i < TDP_KAFKA_MAX_PARTS ? b->kpos[i] : -1;
	*lag = end < 0 ? -1 : *pos < 0 ? end : end >= *pos ? end - *pos : 0;
}

void tdp_seg_checkpoint(const struct tdp_shm *seg, struct tdp_seg_checkpoint *c)
{
	const struct tdp_shm_header *h = seg->hdr;
	c->written = tdp_load_u64(&h->checkpoints);
	c->errors = tdp_load_u64(&h->checkpoint_errors);
	c->unix_ms = tdp_load_i64(&h->checkpoint_unix_ms);
	c->pause_ns = tdp_load_u64(&h->checkpoint_pause_ns);
	c->bytes = tdp_load_u64(&h->checkpoint_bytes);
}

bool tdp_seg_checkpoint_age(const struct tdp_seg_checkpoint *c, int64_t now_ms, int64_t *age_ms)
{
	if (c->unix_ms <= 0 || __builtin_sub_overflow(now_ms, c->unix_ms, age_ms))
		return false;
	if (*age_ms < 0)
		*age_ms = 0;
	return true;
}
