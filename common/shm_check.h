/*
 * shm_check.h - whether the bytes of a segment can be trusted.
 *
 * /dev/shm is world-writable and a segment is whatever its last writer
 * left there, so nothing follows an offset or a count of a segment before
 * these checks vouch for it: tdp_shm_attach calls tdp_shm_check on every
 * mapping, and whoever parses the segment's config text calls
 * tdp_shm_check_config with the result.
 *
 * Both are pure: they only load from the segment (no I/O, no signals, no
 * allocation), so a fuzzer can call them on arbitrary bytes
 * (tests/fuzz/fuzz_stats_segment.c).  They vouch for what is fixed when
 * the segment is created.  What changes while the pipeline runs (nstreams,
 * the Kafka block's nparts, a commit's counts, a process slot's scale, the
 * strings ingest and publish write) can change after any check: readers
 * bound those where they use them (cli/stats_print.c does).
 */
#ifndef TDP_SHM_CHECK_H
#define TDP_SHM_CHECK_H

#include <stddef.h>

#include "common/config.h"

/*
 * Check the SIZE bytes at BASE (page-aligned, as mmap gives them) as a
 * segment of this build: magic, layout version, header size, total size
 * equal to SIZE, a NUL-terminated instance name, the counts (nscales at
 * most TDP_MAX_SCALES, nprocs = nscales + 2, max_streams, ring slots
 * powers of two matching their rings), and every region an offset starts
 * (config text, process slots, stream table, commits, de-duplication
 * table, Kafka block, per scale its rings, slots, arena, worker states and
 * window stores): aligned for its type, inside SIZE, in the documented
 * order and not overlapping the one before.  The arithmetic cannot
 * overflow.  Returns 0, or -1 with WHY naming the field and the numbers:
 *   "procs_off 123456789 + nprocs 5 slots of 768 bytes passes the
 *    segment's end (40960 bytes)"
 */
int tdp_shm_check(const void *base, size_t size, char *why, size_t whylen);

/*
 * Check a segment that passed tdp_shm_check against CFG, the config parsed
 * from its own config text: the instance name, and every size, count and
 * offset of its header equal to what tdp_shm_layout lays out for CFG, so
 * that a process indexing the segment by its config (a scale's window, a
 * stream's store) stays inside what tdp_shm_check vouched for.  Returns 0,
 * or -1 with WHY naming the first field that differs.
 */
int tdp_shm_check_config(const void *base, const struct tdp_config *cfg, char *why, size_t whylen);

#endif
