/*
 * shm_reader.h - a segment seen from outside the pipeline: what `tdapipe
 * stats` and tdapipe-exporter share to map it read-only, check it and
 * read what it derives.
 *
 * tdp_shm_reader_open maps the instance's segment read-only, checks it
 * (tdp_shm_attach, tdp_shm_check), copies its config text out, parses
 * it and holds the header to it (tdp_shm_check_config), each read under
 * tdp_bus_guard.  The readings below only load from the segment and
 * bound every count that changes while the pipeline runs, so a caller
 * may run them under tdp_bus_guard; none takes a lock or writes.
 */
#ifndef TDP_SHM_READER_H
#define TDP_SHM_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"

struct tdp_shm_reader {
	const char *instance;
	struct tdp_shm seg;
	struct tdp_config cfg;    /* parsed from the segment's own config text */
	struct tdp_buf text;      /* that text, copied out of the segment */
	char err[1024];           /* why the last call failed */
};

/* Set R up for INSTANCE (nothing mapped yet). */
void tdp_shm_reader_init(struct tdp_shm_reader *r, const char *instance);

/* Map, check, parse and check against the config.  0, or -errno with the
 * reason in r->err: -ENOENT not running, -EPERM someone else's file,
 * -ESRCH its supervisor is dead (stale), -EINVAL not a segment to trust,
 * -EFAULT it shrank while read. */
int tdp_shm_reader_open(struct tdp_shm_reader *r);

/* Unmap and free. */
void tdp_shm_reader_close(struct tdp_shm_reader *r);

/* 0 while the supervisor lives, else -ESRCH (r->err says so). */
int tdp_shm_reader_alive(struct tdp_shm_reader *r);

/* 0 while the file is still linked and the size mapped, else -errno. */
int tdp_shm_reader_still_there(struct tdp_shm_reader *r);

/* FN(ARG) under tdp_bus_guard; a SIGBUS becomes -EFAULT and r->err. */
int tdp_shm_reader_guard(struct tdp_shm_reader *r, int (*fn)(void *), void *arg);

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

/* Now in ns since the Unix epoch (the clock event times count in). */
int64_t tdp_wall_ns(void);

#endif
