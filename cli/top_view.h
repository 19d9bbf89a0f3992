/*
 * top_view.h - what `tdapipe top` shows (tdapipe-top(1)): a snapshot of a
 * segment copied under tdp_bus_guard, and a frame drawn from two of them.
 *
 * The copy (top_snap_take) is the only part that touches the segment;
 * the rates, CPU and layout are computed from copies, outside the guard.
 */
#ifndef TDP_TOP_VIEW_H
#define TDP_TOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/stats_rate.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/seg_reader.h"
#include "common/shm.h"

#define TOP_MAX_STREAMS 1000u   /* --streams bound: one row each per scale */

struct top_proc {
	char label[64];
	int32_t pid;
	uint32_t state, restarts;
	uint64_t cpu_ticks;      /* utime + stime of pid (/proc/PID/stat), read after the copy */
	bool cpu_ok;
};

struct top_scale {
	uint32_t in_used, in_cap, out_used, out_cap;
	uint64_t p99_ns;         /* point-to-publish latency p99 (bucket bound), 0: no result yet */
};

struct top_stream {
	uint32_t id;
	char name[TDP_STREAM_NAME_MAX + 1];
	uint64_t delta;                         /* points since the last snapshot (its next_seq before: 0) */
	bool has[TDP_MAX_SCALES];               /* a latest result of scale s was copied */
	struct tdp_latest latest[TDP_MAX_SCALES];
};

/* One reading; SEQ and the stream rows are the caller's memory. */
struct top_snap {
	char instance[TDP_NAME_MAX + 1];
	char when[64];                          /* RFC 3339 */
	uint32_t nstreams;
	bool ingest_done;
	int64_t wall_ms;                        /* wall clock of the reading */
	struct tdp_seg_checkpoint ckpt;         /* the instance's checkpoints */
	struct stats_sample sample;
	struct top_proc procs[STATS_MAX_PROCS];
	struct top_scale scales[TDP_MAX_SCALES];
	uint64_t *seq;                          /* [max_streams]: each stream's next_seq */
	uint32_t nshown;                        /* rows of shown used */
	struct top_stream *shown;               /* [top_n]: the streams with the highest rates */
};

/* Room for one snapshot of SEG showing TOP_N streams; 0 or -ENOMEM. */
int top_snap_init(struct top_snap *s, const struct tdp_shm *seg, uint32_t top_n);
void top_snap_fini(struct top_snap *s);

/*
 * Copy SEG into S: counters, states, ring fill, latency, every stream's
 * next_seq, and for the TOP_N streams whose next_seq grew most since PREV
 * (NULL: the first reading, by stream order) their names and latest
 * results.  Only loads from SEG, writes only S: run it under tdp_bus_guard.
 */
void top_snap_take(struct top_snap *s, const struct top_snap *prev, const struct tdp_shm *seg,
		   const struct tdp_config *cfg, uint32_t top_n);

/* After the copy, outside the guard: each process's CPU ticks from /proc. */
void top_snap_cpu(struct top_snap *s);

/* Draw a frame of S (rates since PREV, NULL: none yet) into OUT, at most
 * ROWS lines of at most COLS columns each, with ANSI "clear to end of
 * line / of screen" so it overwrites the last frame in place. */
void top_draw(struct tdp_buf *out, const struct top_snap *s, const struct top_snap *prev,
	      const struct tdp_config *cfg, unsigned cols, unsigned rows);

#endif
