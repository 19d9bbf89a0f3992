/*
 * ingest.h - the state tdapipe-ingest's files share, set up by
 * ingest/main.c: the source being read, the batch of points not yet in
 * the rings, the dead-letter sink.
 *
 *   ingest/batch.c       the batch: into every scale's ring, then committed
 *   ingest/stamp.c       a framed record: checked and stamped into a point,
 *                        or a dead letter
 *   ingest/resend.c      records a tcp, udp or stdin sender sends again
 *   ingest/loop_bytes.c  reading a file, stdin, TCP or UDP
 *   ingest/loop_kafka.c  reading Kafka partitions
 *   ingest/kafka_align.c ... in step, for the scales that join streams
 */
#ifndef TDP_INGEST_H
#define TDP_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/child.h"
#include "common/commit.h"
#include "common/kafka.h"
#include "common/results_topic.h"
#include "ingest/dead_sink.h"
#include "ingest/framer.h"
#include "ingest/kafka_align.h"
#include "ingest/kafka_source.h"
#include "ingest/resend.h"
#include "ingest/source.h"
#include "ingest/streams.h"

struct ingest {
	struct tdp_child child;
	struct streams streams;
	struct source src;
	struct framer *framers;          /* [source_inputs()]: one per input (connection) */
	struct dead_sink dead;
	char source_name[TDP_PATH_MAX + 32];
	const char *frame_source;        /* the source as dead letters name it, when not source_name */
	/* Kafka source: positions (next offset per partition index), committed
	 * with every batch; and the partition of the message being handled. */
	bool kafka;
	struct kafka_source ks;
	int64_t kpos[TDP_KAFKA_MAX_PARTS];
	char (*kname)[TDP_KAFKA_TOPIC_MAX + 32];   /* [partition index] "kafka://TOPIC/PARTITION" */
	int cur_part;
	struct kafka_align align;        /* partitions paused for the joins (ingest/kafka_align.h) */
	/* Kafka source and sink: the checkpoints the results topic holds,
	 * read back when partitions new to this instance are assigned. */
	bool checkpoints;
	struct results_topic rt;
	bool failed;                     /* a fatal dead-letter sink error: stop */
	enum tdp_overflow policy[TDP_MAX_SCALES];
	struct tdp_point batch[TDP_INGEST_BATCH];   /* stamped, not yet pushed */
	/* CLOCK_MONOTONIC when the bytes or messages being stamped were read:
	 * every point's read_ns (latency only).  One clock read per chunk or
	 * poll, not per record: the hot path stays a copy. */
	uint64_t read_ns;
	unsigned int nbatch;
	/* Sequence numbers handed out in the batch, per stream, and committed
	 * to the segment (tdp_stream.next_seq) only once the batch is in every
	 * ring, together with the resume offset: a restarted ingest re-reads
	 * from there and stamps the same records with the same numbers. */
	uint32_t *pending;               /* [stream index] */
	/* Likewise a stream's newest event time (tdp_stream.newest_t), which
	 * sets its watermark: with the batch's points, valid while pending
	 * != 0, committed with the sequence numbers. */
	int64_t *pending_newest;         /* [stream index] */
	uint32_t touched[TDP_INGEST_BATCH];   /* streams with pending != 0 */
	unsigned int ntouched;
	uint64_t batch_end_off;          /* source offset just past the batch's last record */
	uint64_t batch_end_line;
	/* Some scale has time windows: every point needs an event time, and
	 * one below its stream's watermark is late (a dead letter). */
	const char *time_scale;     /* the first such scale, for messages; NULL: none */
	bool time_join;             /* ... which joins streams rather than has time windows */
	bool has_join;              /* some scale joins streams (ingest/join_streams.c) */
	/* Each stream's resume mark: records sent again after a restart. */
	struct resend resend;
};

/* One kind of source, read in a loop of its own. */
struct ingest_loop {
	/* Open the source, resuming where the committed body DONE says.
	 * 0, or an exit code after logging. */
	int (*open)(struct ingest *in, const struct tdp_ingest_body *done);
	/* Read until stopped (or at the end): an exit code. */
	int (*run)(struct ingest *in);
	void (*close)(struct ingest *in);
};

extern const struct ingest_loop loop_bytes;   /* ingest/loop_bytes.c: file, stdin, tcp, udp */
extern const struct ingest_loop loop_kafka;   /* ingest/loop_kafka.c */

/* ingest/batch.c */

/* Apply a committed body's sequence numbers and newest event times to the
 * stream table. */
/* What ingest takes from its scales' config: each ring's overflow policy,
 * whether points need an event time (ingest/stamp.c; again after a move,
 * ingest/move.c).  Which scales take a point is decided per record
 * (common/scale_take.h). */
void ingest_read_scales(struct ingest *in);

void batch_redo(const struct tdp_shm *seg, const struct tdp_ingest_body *b);

/* Hand the stamped points to every scale, commit, then tell the workers.
 * RESUME_OFF / RESUME_LINE: where the source resumes after them. */
void batch_flush(struct ingest *in, uint64_t resume_off, uint64_t resume_line);

/* Ring every scale worker's bell. */
void batch_ring_bells(struct ingest *in);

/* Scale S's worker was given up on by the supervisor. */
bool batch_scale_failed(struct ingest *in, uint32_t s);

/* ingest/stamp.c */

/* The framer's callback (CTX: the struct ingest): record F becomes a
 * point of the batch, or a dead letter. */
void stamp_record(void *ctx, struct frame *f);

/* ingest/join_streams.c */

/* Intern the stream of each join scale (named after it).  0, or -1 after
 * logging when the table is full. */
int join_streams_intern(struct ingest *in);

/* The join scale whose stream is NAME (no source record may use it), or
 * NULL. */
const char *join_stream_owner(const struct ingest *in, const char *name);

/* Whether SC joins streams and NAME is not one of them: its records are
 * neither taken nor refused by SC. */
bool join_ignores(const struct tdp_scale_cfg *sc, const char *name);

/* ingest/loop_kafka.c: what the checks of a Kafka record need. */

/* The name dead letters give partition IDX: "kafka://TOPIC/PARTITION". */
const char *kafka_part_name(struct ingest *in, int idx);

/*
 * Where stream NAME, new here, starts in the current partition: at its
 * checkpoint when the results topic has one, else at F.  False with
 * REASON when the checkpoint says the stream comes from another
 * partition.
 */
bool kafka_origin(struct ingest *in, const char *name, const struct frame *f, struct stream_origin *o,
		  char *reason, size_t rlen);

#endif
