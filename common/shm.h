/*
 * shm.h - the shared-memory segment of one pipeline instance.
 *
 * /dev/shm/tdapipe-<instance>, mode 0600, created and sized by the
 * supervisor from the config before any child starts.  Plain structs at
 * offsets recorded in the header; pinned with _Static_assert.  Following
 * Aeron's CnC file, layout_version is stored last with release ordering:
 * a reader that sees the right version sees a complete segment.
 *
 *   header | config text | process slots | stream table |
 *   ingest commit | publish commit | publish de-duplication table |
 *   latest results (metrics gauges) |
 *   Kafka clients and source partitions |
 *   per scale: in-ring ctl, in-ring slots (points), out-ring ctl,
 *              out-ring slots (result descriptors), result arena,
 *              worker state per stream |
 *   per scale: window store per stream
 *
 * Everything before the window stores is fallocate()d when the segment
 * is created.  The stores are reserved for max_streams streams but tmpfs
 * backs only the pages touched: a scale worker fallocate()s a stream's
 * store when the stream first appears.  So running out of /dev/shm is an
 * error the supervisor or the worker reports, never a SIGBUS.
 *
 * Ownership: every field has exactly one writer (named in its comment);
 * everybody else only reads, so a dead process never leaves a lock held.
 */
#ifndef TDP_SHM_H
#define TDP_SHM_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_ring.h>

#include "common/atomics.h"
#include "common/config.h"
#include "common/record.h"

#define TDP_SHM_MAGIC 0x3145504950414454ULL /* "TDAPIPE1" in little-endian byte order */
#define TDP_SHM_LAYOUT_VERSION 19u
#define TDP_CACHELINE 64
#define TDP_HIST_BUCKETS 40   /* log2 buckets of nanoseconds: (2^i, 2^(i+1)], common/hist.h */

/* Slots: ingest (0), one per scale (1..nscales), publish (nscales + 1),
 * and the exporter (nscales + 2) when the config has `metrics:`. */
enum tdp_role { TDP_ROLE_INGEST = 1, TDP_ROLE_SCALED = 2, TDP_ROLE_PUBLISH = 3, TDP_ROLE_EXPORTER = 4 };

/* Process states, written by the supervisor alone, in proc_event() (cli/supervise.c). */
enum tdp_proc_state {
	TDP_PROC_NEW = 0,     /* not started yet */
	TDP_PROC_RUNNING,     /* started, pid valid */
	TDP_PROC_BACKOFF,     /* died, waiting to be restarted */
	TDP_PROC_DONE,        /* exited 0 after finishing its input */
	TDP_PROC_FAILED,      /* gave up restarting it */
	TDP_PROC_STOPPED,     /* stopped by the supervisor at shutdown */
};

/* What ingest's TCP source did with connections (tdapipe-stats(1)). */
enum tdp_conn_counter {
	TDP_CONN_ACCEPTED = 0,  /* connections accepted */
	TDP_CONN_OPEN,          /* open now (a gauge) */
	TDP_CONN_FULL,          /* times max_connections were open: accepting paused */
	TDP_CONN_IDLE,          /* closed by us after idle_timeout without a byte */
	TDP_CONN_RESET,         /* ended by an error: reset by the peer, timed out */
	TDP_CONN_CUT_BYTES,     /* bytes of records cut short by an idle close or an error */
	TDP_CONN_COUNTERS
};

static inline const char *tdp_conn_counter_name(unsigned i)
{
	static const char *const names[TDP_CONN_COUNTERS] = {
		"accepted", "open", "full", "idle_closed", "reset", "cut_bytes",
	};
	return i < TDP_CONN_COUNTERS ? names[i] : "unknown";
}

/*
 * Why ingest refused a record (a dead letter), as a bounded set of classes
 * to count by (tdapipe-stats(1), tdapipe-metrics(7)); the dead letter's
 * own reason text says more.  Every dead-letter site names exactly one.
 */
enum tdp_dead_reason {
	TDP_DEAD_MALFORMED = 0, /* the decoder refused it (syntax, numbers, keys, a bad time or key) */
	TDP_DEAD_TOO_LONG,      /* longer than max_record */
	TDP_DEAD_CUT,           /* its input ended inside it: a cut connection, a file, datagram or
				 * message that ends mid-record */
	TDP_DEAD_LATE,          /* below its stream's watermark */
	TDP_DEAD_NO_TIME,       /* no event time where one is needed */
	TDP_DEAD_STREAMS,       /* a new stream with max_streams reached */
	TDP_DEAD_DIMENSION,     /* a vector for a scalar scale, or not the stream's first dimension */
	TDP_DEAD_PARTITION,     /* Kafka: a stream's record from a second partition */
	TDP_DEAD_REASONS
};

/* The class's name in stats and metrics ("malformed", ...). */
static inline const char *tdp_dead_reason_name(unsigned i)
{
	static const char *const names[TDP_DEAD_REASONS] = {
		"malformed", "too_long", "cut", "late", "no_time", "too_many_streams", "dimension", "partition",
	};
	return i < TDP_DEAD_REASONS ? names[i] : "unknown";
}

/* A futex doorbell: the consumer says it sleeps, producers ring only then. */
struct tdp_bell {
	alignas(TDP_CACHELINE) uint32_t seq;   /* futex word, bumped by ringers */
	uint32_t sleeping;                     /* written by the sleeper */
};

/* One process slot.  Lines are split by writer so that the supervisor, the
 * process and its producers never write the same cache line. */
struct tdp_proc {
	/* written by the supervisor */
	alignas(TDP_CACHELINE) uint32_t role;     /* enum tdp_role */
	int32_t scale;                            /* scale index, -1 for ingest/publish */
	int32_t pid;
	uint32_t state;                           /* enum tdp_proc_state */
	uint32_t restarts;
	int32_t last_exit;                        /* exit code (>= 0), -signal, or INT32_MIN = none */
	uint64_t started_ns;                      /* CLOCK_MONOTONIC at last start */
	uint32_t hangs;                           /* times killed because its heartbeat stopped */
	uint32_t pad_sv;

	/* written by the process itself */
	alignas(TDP_CACHELINE) uint64_t heartbeat_ns; /* CLOCK_MONOTONIC, every loop turn */
	uint32_t done;                            /* 1: finished its input, about to exit 0 */
	uint32_t parked;                          /* ingest: 1 while it waits, everything read committed,
						     for a reload to give it the new segment (hdr->move) */
	uint64_t records_in;                      /* ingest: records read; scaled: points; publish: results */
	uint64_t records_out;                     /* ingest: points pushed; scaled: results; publish: written */
	uint64_t bad_records;                     /* ingest: dead letters; publish: duplicates dropped; scaled: 0 (see incomplete) */
	uint64_t windows;                         /* scaled: windows computed */
	uint64_t compute_hist[TDP_HIST_BUCKETS];  /* scaled: per-window compute time */
	uint64_t incomplete[TDP_INCOMPLETE_REASONS]; /* scaled: windows published with a dimension
	                                              * not computed, by reason ([0] unused) */
	uint64_t events[TDP_EVENT_TYPES];         /* scaled: events made, by enum tdp_event_type */
	uint64_t conns[TDP_CONN_COUNTERS];        /* ingest with a tcp source: enum tdp_conn_counter */
	uint64_t late;                            /* ingest: points below their stream's watermark (dead letters) */
	uint64_t replayed;                        /* ingest, tcp/udp/stdin source: records sent again after its
	                                           * start, skipped (ingest/resend.h; not dead letters) */
	uint64_t dead[TDP_DEAD_REASONS];          /* ingest: dead letters by enum tdp_dead_reason;
	                                           * they sum to bad_records */
	/* scaled, time scales (gauges over its streams, refreshed as it works): */
	uint64_t open_windows;                    /* windows holding points, not yet emitted */
	uint64_t waiting;                         /* points above their stream's watermark, not yet in order */
	uint64_t dropped;                         /* counter: points left out of windows past max_window_points */
	uint64_t ticks_skipped;                   /* join scales: ticks skipped (a stream without a value, or
	                                           * only a stale one), as committed (scaled/join.c) */
	int64_t newest_ns;                        /* newest event time of any stream (INT64_MIN: none yet) */
	int64_t watermark_ns;                     /* lowest watermark of a stream with open windows (INT64_MAX: none) */

	/* rung by whoever feeds this process */
	struct tdp_bell bell;
};

/* Ring control block: the ck_ring indices plus counters, each group on its
 * own cache lines (producer-written vs consumer-written). */
struct tdp_ring {
	struct ck_ring ck;                        /* c_head / p_tail,p_head / size,mask lines */
	alignas(TDP_CACHELINE) uint64_t pushed;   /* producer */
	uint64_t overflow;                        /* producer: records a full ring refused */
	uint64_t refused;                         /* producer (in-rings): points pushed that the scale
						     cannot use (common/scale_take.h), each also a
						     dead letter naming the scale */
	uint64_t high_water;                      /* producer: most slots ever in use */
	uint64_t arena_wpos;                      /* producer (out-rings): next arena byte */
	alignas(TDP_CACHELINE) uint64_t popped;   /* consumer */
	uint64_t arena_released;                  /* consumer (out-rings): arena bytes done with */
	/* consumer (out-rings: publish): point-to-publish latency, from ingest
	 * reading a window's last point (tdp_result_desc.read_ns) to publish
	 * having written its result, each result once; log2 buckets of ns */
	uint64_t latency_hist[TDP_HIST_BUCKETS];
};

/* Descriptor of one result block in a scale's arena.  It names the result
 * (stream, window) so that a restarted worker can tell, from the last
 * descriptor it pushed, which result it emitted just before it died. */
struct tdp_result_desc {
	uint64_t off;      /* monotonic arena position; byte off % arena_size */
	uint32_t len;
	uint32_t stream;
	uint64_t window;
	uint64_t read_ns;  /* CLOCK_MONOTONIC when ingest read the window's last point; 0: unknown.
			    * Wall-clock: never in the output (latency_hist only). */
};

/*
 * Crash-safe state.  Every record below that must change several fields at
 * once is double-buffered: body[ver & 1] is the committed body; the writer
 * fills body[(ver + 1) & 1] and then release-stores ver + 1
 * (common/commit.h).  A SIGKILL before that store leaves the old body
 * committed, after it the new one: never a mix.  Nothing here is a lock.
 */

/* Committed state of one stream in one scale worker.  Time scales use the
 * second group too (scaled/time_windows.c). */
struct tdp_wstate_body {
	uint64_t next_seq;     /* points with seq < next_seq are applied: in the store */
	uint64_t next_window;  /* windows < next_window were emitted (or held no point);
				  time scales: biased (TDP_TIME_WINDOW_BIAS) */
	uint64_t lost;         /* points of the stream that never reached this scale */
	uint32_t dim;          /* point dimension, 0 until the stream's first point */
	uint32_t pad;
	/* time scales */
	int64_t newest_t;      /* the newest event time applied (INT64_MIN: none) */
	uint64_t settled;      /* points put in (time, arrival) order so far */
	uint64_t held_head;    /* held points appended so far (their ring's write position) */
	uint64_t held_tail;    /* held points let go: no open window keeps them */
	int64_t last_t;        /* the last point put in order: its time ... */
	uint64_t last_seq;     /* ... and sequence number (settled > 0) */
	/* scales with distances: the last window emitted, whose diagram the
	   next one is compared with (scaled/prev_diagram.c) */
	uint8_t prev_set;      /* 1: there is one */
	uint8_t prev_slot;     /* which of the store's two diagram slots holds it */
	uint16_t prev_mask;    /* the dimensions it has a diagram of */
	uint32_t prev_count[TDP_MAX_HDIM]; /* its intervals per dimension */
	/* scales with events: the tracked features and score history after the
	   last window emitted (scaled/events_state.c) */
	uint8_t ev_set;        /* 1: there is a window */
	uint8_t ev_slot;       /* which of the store's two events slots holds them */
	uint16_t pad2;
	uint64_t refused;      /* points applied that the scale cannot use (common/scale_take.h):
				  in no window, not lost */
	/* join scales (scaled/join.c): a listed stream's value held for the
	   ticks (its last point put in order: last_t, settled > 0) ... */
	double hold_v;
	/* ... and, on the joined stream, the next tick to build (biased by
	   TDP_TIME_WINDOW_BIAS; 0: none chosen yet) and the ticks skipped */
	uint64_t join_next;
	uint64_t join_skipped;
};
struct tdp_wstate {
	uint64_t ver;
	uint64_t pad[3];
	struct tdp_wstate_body body[2];
};

/* Most streams one ingest batch touches (its batch size). */
#define TDP_INGEST_BATCH 256

/* Most Kafka partitions an instance reads from, and writes results to. */
#define TDP_KAFKA_MAX_PARTS 256

/* Ingest's commit: where the source resumes and the sequence numbers the
 * last batch handed out.  The entries are a redo log: they are applied to
 * the stream table after the commit and again by a restarted ingest. */
struct tdp_seq_entry {
	uint32_t stream;
	uint32_t pad;
	uint64_t next_seq;
	int64_t newest_t;      /* the stream's newest event time after the batch */
};
struct tdp_ingest_body {
	uint64_t resume_off;   /* source byte offset after the last record fully handled */
	uint64_t resume_line;  /* line number there (text formats) */
	uint64_t dead_len;     /* bytes of the dead-letter file written for records before it */
	uint32_t n;
	uint32_t nkpos;        /* Kafka: entries of kpos in use (partitions interned so far) */
	struct tdp_seq_entry e[TDP_INGEST_BATCH];
	int64_t kpos[TDP_KAFKA_MAX_PARTS]; /* Kafka: per source partition, the offset to resume at (-1: none) */
};
struct tdp_ingest_commit {
	uint64_t ver;
	uint64_t pad[7];
	struct tdp_ingest_body body[2];
};

/* Most results one publish commit covers. */
#define TDP_PUBLISH_BATCH 1024

/* A result id, as publish de-duplicates by it. */
struct tdp_result_id {
	uint32_t scale, stream;
	uint64_t window;
};

/* Publish's commit: how much of each out-ring and of the sink is done.
 * The ids are a redo log for the de-duplication table. */
struct tdp_publish_body {
	uint64_t sink_len;                      /* bytes of the sink file holding committed results */
	uint64_t events_len;                    /* bytes of the events file holding their events */
	uint64_t consumed[TDP_MAX_SCALES];      /* descriptors taken from each out-ring */
	uint64_t released[TDP_MAX_SCALES];      /* arena position up to which results are written */
	uint32_t n, pad2;
	uint64_t pad3;                          /* the ids stay 16-aligned */
	struct tdp_result_id ids[TDP_PUBLISH_BATCH];
};
struct tdp_publish_commit {
	uint64_t ver;
	uint64_t pad[7];
	struct tdp_publish_body body[2];
};

/* The state of one Kafka client, for `tdapipe stats`. */
enum tdp_kafka_state {
	TDP_KAFKA_OFF = 0,     /* not a Kafka source / sink */
	TDP_KAFKA_CONNECTING,  /* started, no broker answered yet */
	TDP_KAFKA_UP,          /* at least one broker is up */
	TDP_KAFKA_DOWN,        /* every broker is down: retrying */
	TDP_KAFKA_FAILED,      /* a fatal error: the process exits and is restarted */
};

/* One Kafka client; written only by the process that owns it. */
struct tdp_kafka_client {
	alignas(TDP_CACHELINE) uint32_t state;  /* enum tdp_kafka_state */
	uint32_t pad;
	uint64_t errors;        /* errors librdkafka reported (it retries them itself) */
	uint64_t messages;      /* source: consumed; sinks: delivered */
	uint64_t rebalances;    /* source: assignments and revocations */
	uint64_t txn_commits;   /* sink with exactly_once: transactions committed */
	uint64_t txn_aborts;    /* sink with exactly_once: transactions aborted and re-sent */
	char last_error[208];   /* NUL-terminated, "" when none yet */
};

/* One source partition, interned by ingest when first assigned. */
struct tdp_kpart {
	char topic[256];
	int32_t partition;
	uint32_t assigned;        /* ingest: 1 while the partition is assigned to this instance */
	int64_t high_watermark;   /* ingest: the partition's end offset as last seen, -1 unknown */
	int64_t start;            /* ingest: where this instance first read it from, before any commit
				     names it; -1 not yet (kafka_source.c) */
};

/* The Kafka block: clients, then the source partitions. */
struct tdp_kafka_block {
	struct tdp_kafka_client source;   /* ingest */
	struct tdp_kafka_client dead;     /* ingest: a Kafka dead-letter sink */
	struct tdp_kafka_client sink;     /* publish */
	alignas(TDP_CACHELINE) uint32_t nparts;  /* ingest: release-stored after the entry */
	uint32_t assignments;                    /* ingest: partition assignments so far (publish reads the
						    results topic again after each) */
	struct tdp_kpart parts[TDP_KAFKA_MAX_PARTS];
};

/*
 * The latest result of one stream in one scale, for the exporter's gauges
 * (tdapipe-metrics(7)) and `tdapipe top`: written by publish once it has
 * written the result, for streams 0 .. latest_streams - 1 of each scale.  A seqlock:
 * the writer makes seq odd, writes the fields, makes seq even (release);
 * a reader copies, and retries while seq was odd or moved meanwhile
 * (tdp_latest_read).  Nobody ever waits on it.
 */
#define TDP_LATEST_SET 1u       /* a result was written */
#define TDP_LATEST_SCORED 2u    /* score holds the window's anomaly score */
struct tdp_latest {
	uint32_t seq;
	uint32_t flags;                    /* TDP_LATEST_* */
	uint64_t window;                   /* its window number */
	int64_t end;                       /* its end, as in the result (event time ns or sequence number) */
	uint32_t dims_mask;                /* the dimensions below that were computed */
	uint32_t pad;
	uint32_t count[TDP_MAX_HDIM];      /* finite intervals of nonzero length */
	uint32_t essential[TDP_MAX_HDIM];  /* infinite ones (the Betti numbers of the whole window) */
	double total[TDP_MAX_HDIM];        /* total persistence: the sum of the finite lifetimes */
	double score;                      /* the anomaly score (TDP_LATEST_SCORED); may be +-inf */
};

/*
 * What the live page shows of one stream in one scale (GET /v1/latest),
 * beside its struct tdp_latest: the diagram of a recent result and the
 * summaries of the last TDP_LATEST_HISTORY.  Written by publish while the
 * exporter runs, read by the exporter, with the same seqlock (publish's
 * updates go between tdp_latest_view_begin and _end).  The diagram is the
 * last result's of each commit of publish: at most TDP_LATEST_INTERVALS
 * intervals, the most persistent (essential ones first), each dimension's
 * in the result's order; OF says how many the result has.
 */
#define TDP_LATEST_INTERVALS 256
#define TDP_LATEST_HISTORY 60
#define TDP_LATEST_POINT_SCORED 1u   /* score holds the window's anomaly score */
#define TDP_LATEST_POINT_ANOMALY 2u  /* the window has an anomaly event */
struct tdp_latest_point {
	uint64_t window;
	int64_t end;
	double score;
	double total[TDP_MAX_HDIM];        /* total persistence per dimension */
	uint32_t dims_mask;
	uint32_t flags;                    /* TDP_LATEST_POINT_* */
};
struct tdp_latest_view {
	uint32_t seq;
	uint32_t dims_mask;                /* the diagram's dimensions (0: no diagram yet) */
	uint64_t window;                   /* the diagram's window (as struct tdp_latest) */
	uint32_t kept[TDP_MAX_HDIM];       /* intervals below, per dimension, in dimension order */
	uint32_t of[TDP_MAX_HDIM];         /* the result's intervals per dimension */
	struct tdp_interval iv[TDP_LATEST_INTERVALS];
	uint64_t npoints;                  /* points appended so far: point j at points[j % HISTORY] */
	struct tdp_latest_point points[TDP_LATEST_HISTORY];
};

/* One interned stream id, written once by ingest before any point uses it. */
struct tdp_stream {
	char name[TDP_STREAM_NAME_MAX];
	uint64_t next_seq;   /* ingest: sequence number of the stream's next point */
	uint16_t dim;        /* ingest: dimension of the stream's first point */
	uint16_t kpart;      /* ingest, Kafka: 1 + the index of the one partition the stream comes from */
	uint16_t pad[2];
	/* ingest, before the entry is published: the stream's first point in
	 * this segment, (0, its first record's offset) unless a checkpoint
	 * restored it further on (Kafka: a partition re-read from its windows'
	 * span).  Workers start the stream there, publish's checkpoints fall
	 * back to it. */
	uint64_t base_seq;
	uint64_t base_off;
	int64_t newest_t;    /* ingest: the newest event time of the stream (INT64_MIN: none yet);
				its watermark is this minus the source's lateness */
	uint64_t pad2[3];    /* entries stay a whole number of cache lines in pairs */
};

/* Where one scale's rings and arena live. */
struct tdp_scale_layout {
	uint64_t in_ring_off, in_slots_off;
	uint64_t out_ring_off, out_slots_off;
	uint64_t arena_off, arena_size;
	uint32_t in_slots, out_slots;   /* powers of two */
	uint64_t wstate_off;            /* struct tdp_wstate[max_streams] */
	uint64_t store_off;             /* per stream: the window's points, store_stride bytes each */
	uint64_t store_stride;
	uint32_t store_dim;             /* largest point dimension the store has room for */
	uint32_t pad;
};

/* A reload's request to ingest (ingest/move.c), in the old segment's header. */
#define TDP_MOVE_PARK 1u    /* commit what was read, park (proc.parked), read nothing more */
#define TDP_MOVE_GO 2u      /* the new segment is under the instance's name: attach it, go on */

struct tdp_shm_header {
	uint64_t magic;
	uint32_t layout_version;          /* stored last, with release */
	uint32_t header_size;
	uint64_t total_size;
	int32_t supervisor_pid;
	uint32_t pad0;
	uint64_t supervisor_start;        /* its start time in clock ticks since boot (/proc/PID/stat) */
	char instance[TDP_NAME_MAX];
	uint32_t nscales, nprocs, max_streams, pad1;
	uint64_t config_off, config_len;  /* the config text every child parses */
	uint64_t procs_off, streams_off;
	uint64_t ingest_commit_off;       /* struct tdp_ingest_commit */
	uint64_t publish_commit_off;      /* struct tdp_publish_commit */
	uint64_t dedup_off;               /* int64_t[nscales * max_streams]: last window published, -1 none */
	uint64_t kafka_off;               /* struct tdp_kafka_block */
	uint64_t latest_off;              /* struct tdp_latest[nscales * latest_streams] */
	uint32_t latest_streams;          /* streams per scale in that table: min(metrics.streams
					     (default 100, also without metrics), max_streams) */
	uint32_t pad4;
	uint64_t latest_view_off;         /* struct tdp_latest_view[nscales * latest_streams] */
	struct tdp_scale_layout scales[TDP_MAX_SCALES];

	/* written by ingest */
	alignas(TDP_CACHELINE) uint32_t nstreams;  /* release-stored after the entry */
	uint32_t ingest_done;             /* 1: no more points will be pushed */
	uint32_t source_shrank;           /* 1: the source file shrank while being read */
	uint32_t pad3;
	uint64_t source_shrank_to;        /* its size then, in bytes */
	/* written by the supervisor */
	alignas(TDP_CACHELINE) uint32_t stop;      /* 1: shutting down; ingest stops reading */
	uint32_t move;                    /* a reload (cli/reload_apply.c): TDP_MOVE_* */
	/* checkpoints of the instance's state (cli/state_save.c); kept across
	   restores, so they count over the instance's life */
	uint64_t checkpoints;             /* written */
	uint64_t checkpoint_errors;       /* failed or given up (the previous one stayed) */
	int64_t checkpoint_unix_ms;       /* when the last one was written (wall clock), 0 none */
	uint64_t checkpoint_pause_ns;     /* how long the pipeline was stopped for it (0: it had ended) */
	uint64_t checkpoint_bytes;        /* its file's size */
};
_Static_assert(offsetof(struct tdp_shm_header, layout_version) == 8, "header layout");
_Static_assert(sizeof(struct tdp_shm_header) <= 4096, "header fits its page");
_Static_assert(sizeof(struct tdp_proc) % TDP_CACHELINE == 0, "proc slots are cache-line sized");
_Static_assert(sizeof(struct tdp_ring) % TDP_CACHELINE == 0, "ring blocks are cache-line sized");
_Static_assert(sizeof(struct tdp_stream) == 128, "stream entry layout");
_Static_assert(sizeof(struct tdp_result_desc) == 32, "descriptor layout");
_Static_assert(sizeof(struct tdp_latest) % 8 == 0, "latest-result layout");
_Static_assert(sizeof(struct tdp_wstate) == 304, "worker state layout");
_Static_assert(offsetof(struct tdp_ingest_commit, body) % 8 == 0, "ingest commit layout");

struct tdp_shm {
	struct tdp_shm_header *hdr;
	size_t size;
	int fd;
	bool writable;
	char path[64];   /* "/tdapipe-<instance>" for shm_open */
	int stale_pid;   /* create: the dead supervisor whose segment was replaced (-1 unknown), else 0 */
};

/* Process slot indexes: ingest, then one per scale, then publish. */
static inline uint32_t tdp_slot_ingest(void) { return 0; }
static inline uint32_t tdp_slot_scale(uint32_t s) { return 1 + s; }
static inline uint32_t tdp_slot_publish(const struct tdp_shm_header *h) { return 1 + h->nscales; }
static inline uint32_t tdp_slot_exporter(const struct tdp_shm_header *h) { return 2 + h->nscales; }
static inline bool tdp_shm_has_exporter(const struct tdp_shm_header *h) { return h->nprocs > 2 + h->nscales; }

/* Bytes of arena a scale needs: room for several of its largest results. */
uint64_t tdp_arena_size(const struct tdp_scale_cfg *sc);

/* Words (8 bytes) a window store keeps per point besides its values: tag,
 * time, source offset and read time (scaled/window.h).  A time scale's
 * held points keep no read time (scaled/time_windows.c: a window's is its
 * closing point's, which is still waiting). */
#define TDP_WINDOW_WORDS 4u
#define TDP_HELD_WORDS 3u

/* Bytes of one stream's window store: WINDOW points of DIM values. */
uint64_t tdp_store_stride(uint32_t window, uint32_t dim);

/*
 * Time scales (scaled/time_windows.c): a stream's store is its points
 * waiting for the watermark (slots by sequence number: max_window_points,
 * and at least TDP_PEND_MIN, so that small windows still wait for
 * disorder as usual) and then the points its open windows keep, a ring of held slots: at
 * most max_window_points per window a point falls in, rounded up to whole
 * chunks, which the worker reserves in /dev/shm as the ring reaches them
 * and gives back behind it (so memory follows what is held).
 */
#define TDP_HELD_CHUNK 1024u
#define TDP_PEND_MIN 65536u
uint64_t tdp_time_held_slots(const struct tdp_scale_cfg *sc);
uint32_t tdp_time_pend_slots(const struct tdp_scale_cfg *sc);

/* Bytes of one stream's store for scale SC, of either kind: the points,
 * then (scales with distances) the previous diagram's two slots, then
 * (scales with events) the two events slots. */
uint64_t tdp_scale_store_stride(const struct tdp_scale_cfg *sc);

/* Scales with distances: where in a stream's store the two slots of its
 * previous diagram begin (each tdp_scale_max_intervals() intervals), and
 * their bytes together; 0 bytes for other scales. */
uint64_t tdp_scale_prev_off(const struct tdp_scale_cfg *sc);
uint64_t tdp_scale_prev_bytes(const struct tdp_scale_cfg *sc);

/* Scales with events (track or anomaly): where in a stream's store the
 * two events slots begin (after the previous diagram's), the bytes of
 * one, and of both together; 0 bytes for other scales.  A slot is a
 * struct tdp_events_slot, the score history (anomaly.history doubles),
 * then the live tracked features (tdp_scale_max_intervals() struct
 * tdp_event). */
struct tdp_events_slot {
	uint64_t next_id;      /* rips tracking: the next new feature's id */
	uint32_t nlive;        /* live tracked features */
	uint32_t hist_n;       /* values in the history (at most anomaly.history) */
	uint32_t hist_pos;     /* where the next value goes (a ring) */
	uint32_t pad[3];
};
uint64_t tdp_scale_events_off(const struct tdp_scale_cfg *sc);
uint64_t tdp_scale_events_slot_bytes(const struct tdp_scale_cfg *sc);
uint64_t tdp_scale_events_bytes(const struct tdp_scale_cfg *sc);

/* Bytes of the segment before the window stores: reserved in /dev/shm
 * when the segment is created (the stores when their streams appear). */
/* Process slots of CFG's segment: ingest, the scales, publish, and the
 * exporter with metrics. */
uint32_t tdp_shm_nprocs(const struct tdp_config *cfg);
/* Streams per scale in the latest-result table (header latest_streams). */
uint32_t tdp_shm_latest_streams(const struct tdp_config *cfg);

uint64_t tdp_shm_fixed_size(const struct tdp_config *cfg, size_t textlen);

/* The largest point dimension scale SC's window store keeps: 1 for scalar
 * scales, TDP_MAX_DIM for others. */
uint32_t tdp_scale_store_dim(const struct tdp_scale_cfg *sc);

/* Total segment size for CFG with a config text of TEXTLEN bytes. */
uint64_t tdp_shm_size(const struct tdp_config *cfg, size_t textlen);

/* Fill in the layout fields of *HDR for CFG with a config text of TEXTLEN
 * bytes: sizes, counts and every offset, as tdp_shm_create lays them out
 * (and tdp_shm_check_config expects them).  Nothing else of *HDR. */
void tdp_shm_layout(const struct tdp_config *cfg, size_t textlen, struct tdp_shm_header *hdr);

/* Lay out and initialise a segment for CFG in BASE: tdp_shm_size() bytes,
 * zeroed, page-aligned.  Copies the config TEXT in, sets up the process
 * slots, rings and tables, and publishes layout_version last; the caller
 * sets supervisor_pid and supervisor_start before.  No I/O: tests and
 * fuzzers build segments in ordinary memory with it. */
void tdp_shm_format(void *base, const struct tdp_config *cfg, const char *text, size_t textlen);

/*
 * Create the segment of CFG's instance and lay it out, copying the config
 * TEXT into it.  An existing segment whose supervisor is alive: -EEXIST
 * (its pid in *OTHER_PID); a stale one is removed and recreated.  The
 * caller keeps an exclusive flock on seg->fd for its lifetime, which is how
 * the next supervisor tells a live instance from a dead one.
 * Returns 0 or -errno; on error ERR says what was attempted.
 */
int tdp_shm_create(struct tdp_shm *seg, const struct tdp_config *cfg, const char *text,
		   size_t textlen, int *other_pid, char *err, size_t errlen);

/*
 * tdp_shm_create, but FILL(CTX, FD, BASE, SIZE, ERR, ERRLEN) lays out the
 * segment instead of tdp_shm_format: BASE is the new mapping, zeroed, with
 * supervisor_pid and supervisor_start set, the fixed part reserved.  FILL
 * publishes layout_version last itself; it returns 0, or -errno with ERR
 * set, and the segment is then removed.  (A checkpoint restored:
 * cli/state_restore.c.)
 */
typedef int tdp_shm_fill_fn(void *ctx, int fd, void *base, uint64_t size, char *err, size_t errlen);
int tdp_shm_create_filled(struct tdp_shm *seg, const struct tdp_config *cfg, const char *text, size_t textlen,
			  tdp_shm_fill_fn *fill, void *ctx, int *other_pid, char *err, size_t errlen);

/*
 * Map the existing segment of INSTANCE (read-only unless WRITABLE) and
 * check it: a regular file (not followed through a symbolic link) owned by
 * the caller's effective uid or by root, which tdp_shm_check (shm_check.h)
 * vouches for and whose header names INSTANCE.  Returns 0 or -errno with
 * a message in ERR: -ENOENT not running, -EPERM someone else's file,
 * -EINVAL not a (complete) tdapipe segment.  Reads the mapping: a caller
 * that must survive the file shrinking meanwhile wraps it in
 * tdp_bus_guard (bus_guard.h); SEG is then set up enough for
 * tdp_shm_detach.
 */
int tdp_shm_attach(struct tdp_shm *seg, const char *instance, bool writable, char *err, size_t errlen);

/* Unmap (and for the creator, unlink). */
void tdp_shm_detach(struct tdp_shm *seg);
int tdp_shm_unlink(const char *instance);

/* Whether the supervisor recorded in HDR is alive (pid + start time). */
bool tdp_shm_supervisor_alive(const struct tdp_shm_header *hdr);

/* Start time of PID in clock ticks since boot, or 0 if it does not exist. */
uint64_t tdp_proc_start_ticks(int pid);

/* PID's state letter in /proc/PID/stat ('R', 'S', 'T', 'Z', ...), 0 if gone. */
char tdp_proc_state_letter(int pid);

/* The processes owning K's clients start anew (a restored checkpoint, a
 * reload): their clients are connecting, no partition is assigned. */
void tdp_kafka_reconnect(struct tdp_kafka_block *k);

/* "ingest", "scaled", "publish" or "exporter" (the helper program is tdapipe-NAME). */
const char *tdp_role_name(uint32_t role);

/* Windows process P published without some dimension, all reasons
 * (its own counters, read without a lock by any process or tool). */
static inline uint64_t tdp_proc_incomplete(const struct tdp_proc *p)
{
	uint64_t n = 0;
	for (unsigned w = 1; w < TDP_INCOMPLETE_REASONS; w++)
		n += tdp_load_u64(&p->incomplete[w]);
	return n;
}

/* How logs and stats name process P: "ingest", "publish", "scaled[SCALE]". */
void tdp_proc_label(const struct tdp_proc *p, const struct tdp_config *cfg, char *out, size_t len);

/* Accessors; every offset and count they use was vouched for at attach
 * (tdp_shm_check), live indexes (a stream, a scale) are the caller's to bound. */
static inline void *tdp_shm_at(const struct tdp_shm *seg, uint64_t off)
{
	return (char *)seg->hdr + off;
}
static inline struct tdp_proc *tdp_shm_proc(const struct tdp_shm *seg, uint32_t i)
{
	return (struct tdp_proc *)tdp_shm_at(seg, seg->hdr->procs_off) + i;
}
static inline struct tdp_stream *tdp_shm_stream(const struct tdp_shm *seg, uint32_t i)
{
	return (struct tdp_stream *)tdp_shm_at(seg, seg->hdr->streams_off) + i;
}
static inline struct tdp_ring *tdp_shm_in_ring(const struct tdp_shm *seg, uint32_t s)
{
	return tdp_shm_at(seg, seg->hdr->scales[s].in_ring_off);
}
static inline struct tdp_point *tdp_shm_in_slots(const struct tdp_shm *seg, uint32_t s)
{
	return tdp_shm_at(seg, seg->hdr->scales[s].in_slots_off);
}
static inline struct tdp_ring *tdp_shm_out_ring(const struct tdp_shm *seg, uint32_t s)
{
	return tdp_shm_at(seg, seg->hdr->scales[s].out_ring_off);
}
static inline struct tdp_result_desc *tdp_shm_out_slots(const struct tdp_shm *seg, uint32_t s)
{
	return tdp_shm_at(seg, seg->hdr->scales[s].out_slots_off);
}
static inline char *tdp_shm_arena(const struct tdp_shm *seg, uint32_t s)
{
	return tdp_shm_at(seg, seg->hdr->scales[s].arena_off);
}
static inline struct tdp_wstate *tdp_shm_wstate(const struct tdp_shm *seg, uint32_t s, uint32_t stream)
{
	return (struct tdp_wstate *)tdp_shm_at(seg, seg->hdr->scales[s].wstate_off) + stream;
}
static inline void *tdp_shm_store(const struct tdp_shm *seg, uint32_t s, uint32_t stream)
{
	const struct tdp_scale_layout *l = &seg->hdr->scales[s];
	return tdp_shm_at(seg, l->store_off + (uint64_t)stream * l->store_stride);
}
static inline struct tdp_ingest_commit *tdp_shm_ingest_commit(const struct tdp_shm *seg)
{
	return tdp_shm_at(seg, seg->hdr->ingest_commit_off);
}
static inline struct tdp_publish_commit *tdp_shm_publish_commit(const struct tdp_shm *seg)
{
	return tdp_shm_at(seg, seg->hdr->publish_commit_off);
}
static inline struct tdp_kafka_block *tdp_shm_kafka(const struct tdp_shm *seg)
{
	return tdp_shm_at(seg, seg->hdr->kafka_off);
}
/* Stream STREAM's latest result in scale S, or NULL when the table has
 * no entry for it (beyond metrics.streams). */
static inline struct tdp_latest *tdp_shm_latest(const struct tdp_shm *seg, uint32_t s, uint32_t stream)
{
	const struct tdp_shm_header *h = seg->hdr;
	if (stream >= h->latest_streams || s >= h->nscales)
		return NULL;
	return (struct tdp_latest *)tdp_shm_at(seg, h->latest_off) + (uint64_t)s * h->latest_streams + stream;
}

/* The live-page view of STREAM in scale S, or NULL as tdp_shm_latest. */
static inline struct tdp_latest_view *tdp_shm_latest_view(const struct tdp_shm *seg, uint32_t s, uint32_t stream)
{
	const struct tdp_shm_header *h = seg->hdr;
	if (stream >= h->latest_streams || s >= h->nscales)
		return NULL;
	return (struct tdp_latest_view *)tdp_shm_at(seg, h->latest_view_off) + (uint64_t)s * h->latest_streams + stream;
}

static inline int64_t *tdp_shm_dedup(const struct tdp_shm *seg, uint32_t s)
{
	return (int64_t *)tdp_shm_at(seg, seg->hdr->dedup_off) + (size_t)s * seg->hdr->max_streams;
}

#endif
