/*
 * seg_reader.h - how the tools outside the pipeline (`tdapipe stats`,
 * `tdapipe top`, tdapipe-exporter) find, map, check and read a running
 * instance's segment, and the readings they share.
 *
 * The segment is mapped read-only and only loaded from: no lock, no
 * write, so a tool can never disturb (or be stalled by) the pipeline.
 * Nor is it trusted: /dev/shm is world-writable, and root runs these
 * tools too.  The file must be a regular file of the caller's or root's
 * (tdp_shm_attach), tdp_shm_check vouches for every offset and count of
 * its header before anything follows one, and tdp_shm_check_config holds
 * the header to what the segment's own config text lays out
 * (shm_check.h).  The file may still shrink while mapped: every read runs
 * under tdp_bus_guard, and each refresh first re-checks the file's size
 * and links (seg_reader_still_there), so a segment truncated or removed
 * meanwhile ends the tool with a message, never with SIGBUS.
 */
#ifndef TDP_SEG_READER_H
#define TDP_SEG_READER_H

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"

struct seg_reader {
	const char *instance;
	struct tdp_shm seg;
	struct tdp_config cfg;    /* parsed from the segment's own config text */
	struct tdp_buf text;      /* that text, copied out of the segment */
	char err[1024];           /* why the last call failed */
};

/* The instance to read: NAME, or the `instance:` of the config file PATH
 * (exactly one of them non-NULL; the caller checked).  0, or -EINVAL with
 * R->err set (the file's problem: a usage error). */
int seg_reader_instance(struct seg_reader *r, const char *path, const char *name);

/* Attach that instance's segment, copy the config text out, parse it and
 * check the header against it.  0, or -errno with R->err set (-ESRCH:
 * not running, a stale segment). */
int seg_reader_open(struct seg_reader *r);

/* Before a refresh: the file is still linked and still the size mapped.
 * 0, or -errno with R->err set (-ENOENT: removed, the instance ended). */
int seg_reader_still_there(struct seg_reader *r);

/* Run FN(R, ARG) under tdp_bus_guard, once the supervisor is known to be
 * alive; FN must follow bus_guard.h's rules.  FN's value, or -errno with
 * R->err set (-ESRCH: the supervisor is gone, -EFAULT: SIGBUS). */
int seg_reader_read(struct seg_reader *r, int (*fn)(struct seg_reader *r, void *arg), void *arg);

void seg_reader_close(struct seg_reader *r);

/* --- readings (only loads; indexes from the segment bounded here) --- */

/* "new", "running", "backoff", "done", "failed", "stopped", or "?". */
const char *tdp_proc_state_name(uint32_t state);

/* Copy the string a process keeps in SRC (LEN bytes, NUL-terminated
 * unless corrupt or being written) into OUT (LEN + 1 bytes); OUT. */
const char *tdp_seg_string(char *out, const char *src, size_t len);

/* Streams interned so far, at most the table's size. */
uint32_t tdp_seg_nstreams(const struct tdp_shm *seg);

/* Points of every stream that never reached scale S's windows. */
uint64_t tdp_seg_scale_lost(const struct tdp_shm *seg, uint32_t s);

/* Source partitions interned so far, at most the table's size. */
uint32_t tdp_seg_kafka_nparts(const struct tdp_kafka_block *kb);

/* Partition I's position (-1 before its first message) and lag (-1 when
 * its end is unknown). */
void tdp_seg_kafka_position(const struct tdp_shm *seg, uint32_t i, int64_t *pos, int64_t *lag);

/* The instance's checkpoints (cli/state_save.c), each field loaded once:
 * separate loads of separate stores, so a reading taken while the
 * supervisor records one may pair the new pause or size with the
 * previous time or count. */
struct tdp_seg_checkpoint {
	uint64_t written, errors;
	int64_t unix_ms;          /* wall clock of the last one, 0 none */
	uint64_t pause_ns;        /* the pipeline stopped for it (0: written after the end) */
	uint64_t bytes;           /* its file's size */
};
void tdp_seg_checkpoint(const struct tdp_shm *seg, struct tdp_seg_checkpoint *c);

/* The age of the last checkpoint at wall-clock NOW_MS, in ms, into
 * *AGE_MS: false when there is none (unix_ms <= 0) or the difference
 * passes int64 (a segment the checks cannot vouch for the values of);
 * a checkpoint "in the future" (the clock stepped back) is 0 old. */
bool tdp_seg_checkpoint_age(const struct tdp_seg_checkpoint *c, int64_t now_ms, int64_t *age_ms);

#endif
