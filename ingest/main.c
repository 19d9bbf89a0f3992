/*
 * tdapipe-ingest - read the source, validate, stamp, fan out to every scale.
 *
 * Each good record becomes a point (stream index, per-stream sequence
 * number, event time, values) copied into every scale's in-ring; each bad
 * one becomes a line in the dead-letter sink.  A full ring never blocks the
 * others: per scale, `overflow: drop` counts and goes on, `overflow: block`
 * pauses the source (only pausable sources) until that ring has room.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bell.h"
#include "common/child.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/uring_io.h"
#include "ingest/deadletter.h"
#include "ingest/framer.h"
#include "ingest/source.h"
#include "ingest/streams.h"

#define BATCH TDP_INGEST_BATCH

static const char usage[] =
	"usage: tdapipe-ingest --instance NAME\n"
	"Started by `tdapipe run`; reads the source of the instance's config.\n";

struct ingest {
	struct tdp_child child;
	struct streams streams;
	struct source src;
	struct framer framers[SOURCE_MAX_CONNS + 1];
	struct tdp_writer dead;
	char source_name[TDP_PATH_MAX + 32];
	enum tdp_overflow policy[TDP_MAX_SCALES];
	bool needs_scalar;
	struct tdp_point batch[BATCH];   /* stamped, not yet pushed */
	unsigned int nbatch;
	/* Sequence numbers handed out in the batch, per stream, and committed
	 * to the segment (tdp_stream.next_seq) only once the batch is in every
	 * ring, together with the resume offset: a restarted ingest re-reads
	 * from there and stamps the same records with the same numbers. */
	uint32_t *pending;               /* [stream index] */
	uint32_t touched[BATCH];         /* streams with pending != 0 */
	unsigned int ntouched;
	uint64_t batch_end_off;          /* source offset just past the batch's last record */
	uint64_t batch_end_line;
	const char *scalar_scale;   /* a scale that needs scalars, for messages */
};

/* Apply a committed body's sequence numbers to the stream table. */
static void redo(const struct tdp_shm *seg, const struct tdp_ingest_body *b)
{
	for (uint32_t i = 0; i < b->n && i < TDP_INGEST_BATCH; i++) {
		struct tdp_stream *st = tdp_shm_stream(seg, b->e[i].stream);
		atomic_store_explicit((_Atomic uint64_t *)&st->next_seq, b->e[i].next_seq, memory_order_relaxed);
		tdp_crash_point();
	}
}

static void dead_letter(struct ingest *in, const struct frame *f, const char *reason)
{
	deadletter_format(tdp_writer_buf(&in->dead), in->source_name, f->off, f->line,
			  f->raw, f->len, f->truncated, reason);
	tdp_counter_add(&in->child.slot->bad_records, 1);
	tdp_writer_kick(&in->dead);
}

static void ring_all_bells(struct ingest *in)
{
	for (uint32_t s = 0; s < in->child.cfg.nscales; s++)
		tdp_bell_ring(&tdp_shm_proc(&in->child.seg, tdp_slot_scale(s))->bell);
}

static bool consumer_failed(struct ingest *in, uint32_t s)
{
	struct tdp_proc *p = tdp_shm_proc(&in->child.seg, tdp_slot_scale(s));
	return atomic_load_explicit((_Atomic uint32_t *)&p->state, memory_order_relaxed) == TDP_PROC_FAILED;
}

/* Push the batch into scale S's ring under its overflow policy. */
static void push_batch(struct ingest *in, uint32_t s)
{
	const struct tdp_shm *seg = &in->child.seg;
	struct tdp_ring *r = tdp_shm_in_ring(seg, s);
	struct tdp_point *slots = tdp_shm_in_slots(seg, s);
	unsigned int done = tdp_point_push_many(r, slots, in->batch, in->nbatch);
	if (done == in->nbatch)
		return;
	if (in->policy[s] == TDP_OVERFLOW_BLOCK) {
		/* Pause the source for this ring only while its worker can still
		 * drain it: a worker that was given up on must not stall us. */
		struct tdp_bell *mine = &in->child.slot->bell;
		while (done < in->nbatch && !consumer_failed(in, s)) {
			tdp_bell_ring(&tdp_shm_proc(seg, tdp_slot_scale(s))->bell);
			tdp_child_beat(&in->child);
			uint32_t seen = tdp_bell_prepare(mine);
			if (tdp_ring_used(r) < tdp_ring_capacity(r))
				tdp_bell_cancel(mine);
			else
				tdp_bell_sleep(mine, seen, 20);
			done += tdp_point_push_many(r, slots, in->batch + done, in->nbatch - done);
		}
	}
	tdp_counter_add(&r->overflow, in->nbatch - done);
}

/*
 * Commit, in one step (common/commit.h): the source offset (and line) to
 * resume at, the dead-letter bytes written for the records before it, and
 * the sequence numbers the batch handed out.  The sequence numbers are a
 * redo log: applied to the stream table right after, and again by a
 * restarted ingest, which re-reads the source from the committed offset
 * and stamps the same records with the same numbers.  Workers that got a
 * record before the crash recognise it again by its number.
 */
static void commit(struct ingest *in, uint64_t resume_off, uint64_t resume_line)
{
	struct tdp_ingest_commit *ic = tdp_shm_ingest_commit(&in->child.seg);
	/* Dead letters of committed records must be in the file first. */
	if (tdp_writer_pending(&in->dead) && tdp_writer_flush(&in->dead) < 0)
		tdp_log("writing dead letters: %s", strerror(-in->dead.error));
	struct tdp_ingest_body *b = TDP_NEXT(ic);
	b->resume_off = resume_off;
	b->resume_line = resume_line;
	b->dead_len = tdp_writer_written(&in->dead);
	b->n = in->ntouched;
	for (unsigned int i = 0; i < in->ntouched; i++) {
		uint32_t idx = in->touched[i];
		b->e[i].stream = idx;
		b->e[i].next_seq = tdp_shm_stream(&in->child.seg, idx)->next_seq + in->pending[idx];
		in->pending[idx] = 0;
	}
	in->ntouched = 0;
	tdp_commit(&ic->ver);
	redo(&in->child.seg, b);
}

/* Hand the stamped points to every scale, commit, then tell the workers.
 * RESUME_OFF / RESUME_LINE: where the source resumes after them. */
static void flush_batch(struct ingest *in, uint64_t resume_off, uint64_t resume_line)
{
	for (uint32_t s = 0; s < in->child.cfg.nscales && in->nbatch; s++)
		push_batch(in, s);
	commit(in, resume_off, resume_line);
	tdp_counter_add(&in->child.slot->records_out, in->nbatch);
	if (in->nbatch)
		ring_all_bells(in);
	in->nbatch = 0;
}

static void on_frame(void *ctx, struct frame *f)
{
	struct ingest *in = ctx;
	struct tdp_child *c = &in->child;
	tdp_counter_add(&c->slot->records_in, 1);
	if (!f->ok) {
		dead_letter(in, f, f->reason);
		return;
	}
	const char *name = f->dec.has_stream ? f->dec.stream : "default";
	int64_t idx = streams_intern(&in->streams, name);
	char reason[192];
	if (idx < 0) {
		snprintf(reason, sizeof(reason), "too many streams: max_streams (%u) reached",
			 c->cfg.max_streams);
		dead_letter(in, f, reason);
		return;
	}
	struct tdp_stream *st = tdp_shm_stream(&c->seg, (uint32_t)idx);
	if (st->dim == 0) {
		if (in->needs_scalar && f->dec.dim != 1) {
			snprintf(reason, sizeof(reason),
				 "scale \"%s\" needs one value per point, got %u", in->scalar_scale, f->dec.dim);
			dead_letter(in, f, reason);
			return;
		}
		st->dim = f->dec.dim;
	} else if (f->dec.dim != st->dim) {
		snprintf(reason, sizeof(reason), "dimension %u differs from the stream's first point (%u)",
			 f->dec.dim, st->dim);
		dead_letter(in, f, reason);
		return;
	}
	struct tdp_point *p = &in->batch[in->nbatch++];
	p->seq = st->next_seq + in->pending[idx];
	p->t = f->dec.has_time ? f->dec.t : (double)p->seq;
	p->src_off = f->off;
	p->stream = (uint32_t)idx;
	p->dim = f->dec.dim;
	p->flags = 0;
	memcpy(p->v, f->dec.v, sizeof(double) * p->dim);
	memset(p->v + p->dim, 0, sizeof(double) * (TDP_MAX_DIM - p->dim));
	if (in->pending[idx]++ == 0)
		in->touched[in->ntouched++] = (uint32_t)idx;
	/* text records end with their newline (one past an unterminated last line: harmless) */
	in->batch_end_off = f->off + f->len + (c->cfg.source.format == TDP_FMT_MSGPACK ? 0 : 1);
	in->batch_end_line = f->line;
	if (in->nbatch == BATCH)
		flush_batch(in, in->batch_end_off, in->batch_end_line);
}

static int open_dead_letter(struct ingest *in)
{
	const struct tdp_sink_cfg *dl = &in->child.cfg.dead_letter;
	char err[TDP_PATH_MAX + 64];
	if (tdp_writer_open(&in->dead, dl->type == TDP_SINK_FILE ? dl->path : NULL, STDERR_FILENO,
			    err, sizeof(err)) < 0) {
		tdp_log("dead-letter sink: %s", err);
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

static void describe_source(struct ingest *in)
{
	const struct tdp_source_cfg *s = &in->child.cfg.source;
	switch (s->type) {
	case TDP_SRC_FILE: snprintf(in->source_name, sizeof(in->source_name), "%s", s->path); break;
	case TDP_SRC_STDIN: snprintf(in->source_name, sizeof(in->source_name), "stdin"); break;
	case TDP_SRC_TCP: snprintf(in->source_name, sizeof(in->source_name), "tcp://%s:%u", s->host, s->port); break;
	case TDP_SRC_UDP: snprintf(in->source_name, sizeof(in->source_name), "udp://%s:%u", s->host, s->port); break;
	}
}

int main(int argc, char **argv)
{
	static struct ingest in;
	const char *instance;
	tdp_log_init("tdapipe-ingest");
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = tdp_child_start(&in.child, instance, NULL, TDP_ROLE_INGEST)))
		return rc;
	struct tdp_child *c = &in.child;
	struct tdp_shm_header *h = c->seg.hdr;
	for (uint32_t s = 0; s < c->cfg.nscales; s++) {
		in.policy[s] = tdp_scale_overflow(&c->cfg, s);
		if (tdp_scale_needs_scalar(&c->cfg.scales[s]) && !in.needs_scalar) {
			in.needs_scalar = true;
			in.scalar_scale = c->cfg.scales[s].name;
		}
	}
	describe_source(&in);
	in.pending = calloc(h->max_streams, sizeof(*in.pending));
	if (!in.pending || streams_init(&in.streams, &c->seg) < 0 || (rc = open_dead_letter(&in)))
		return rc ? rc : TDP_EXIT_SYSTEM;
	char err[512];
	/* A restarted ingest finishes its predecessor's commit, takes back
	 * dead letters written after it, and resumes a file there. */
	const struct tdp_ingest_body *done = TDP_LIVE(tdp_shm_ingest_commit(&c->seg));
	redo(&c->seg, done);
	if ((rc = tdp_writer_resume(&in.dead, done->dead_len)) < 0) {
		tdp_log("dead-letter sink: cutting back to %llu bytes: %s", (unsigned long long)done->dead_len,
			strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	uint64_t resume = c->cfg.source.type == TDP_SRC_FILE ? done->resume_off : 0;
	uint64_t resume_line = c->cfg.source.type == TDP_SRC_FILE ? done->resume_line : 0;
	if (source_open(&in.src, &c->cfg.source, resume, err, sizeof(err)) < 0) {
		tdp_log("%s", err);
		return TDP_EXIT_SYSTEM;
	}
	if (c->cfg.source.type == TDP_SRC_TCP || c->cfg.source.type == TDP_SRC_UDP)
		tdp_log("listening on %s", in.source_name);
	for (int i = 0; i <= SOURCE_MAX_CONNS; i++)
		framer_init(&in.framers[i], &c->cfg.source, i == 0 ? resume_line : 0);

	rc = TDP_EXIT_OK;
	while (!tdp_child_stopping(c)) {
		struct source_chunk chunk;
		int got = source_next(&in.src, &chunk, 100);
		tdp_child_beat(c);
		if (got == 0) {
			tdp_writer_kick(&in.dead);
			continue;
		}
		if (got < 0 && got != -ENODATA) {
			tdp_log("reading %s: %s", in.source_name, strerror(-got));
			rc = TDP_EXIT_SYSTEM;
			break;
		}
		struct framer *fr = &in.framers[chunk.conn];
		framer_feed(fr, &chunk, on_frame, &in);
		flush_batch(&in, fr->end_off, fr->line);
		if (chunk.end && chunk.conn) {
			framer_fini(fr);
			framer_init(fr, &c->cfg.source, 0);
		}   /* a closed connection's next user starts afresh */
		if (got == -ENODATA)
			break;
	}
	if (tdp_writer_flush(&in.dead) < 0)
		tdp_log("writing dead letters: %s", strerror(-in.dead.error));
	/* No more points: workers finish what is in their rings, then exit. */
	if (rc == TDP_EXIT_OK) {
		atomic_store_explicit((_Atomic uint32_t *)&h->ingest_done, 1, memory_order_release);
		ring_all_bells(&in);
		tdp_child_done(c);
	}
	source_close(&in.src);
	for (int i = 0; i <= SOURCE_MAX_CONNS; i++)
		framer_fini(&in.framers[i]);
	tdp_writer_fini(&in.dead);
	streams_fini(&in.streams);
	free(in.pending);
	return rc;
}
