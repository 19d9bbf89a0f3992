/*
 * batch.c - points stamped by ingest, pushed into every scale's in-ring a
 * batch at a time and then committed (common/commit.h) with where the
 * source resumes after them.
 */
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/ring.h"
#include "ingest/ingest.h"

void batch_redo(const struct tdp_shm *seg, const struct tdp_ingest_body *b)
{
	for (uint32_t i = 0; i < b->n && i < TDP_INGEST_BATCH; i++) {
		struct tdp_stream *st = tdp_shm_stream(seg, b->e[i].stream);
		tdp_store_u64(&st->next_seq, b->e[i].next_seq);
		tdp_store_i64(&st->newest_t, b->e[i].newest_t);
		tdp_crash_point();
	}
}

void batch_ring_bells(struct ingest *in)
{
	for (uint32_t s = 0; s < in->child.cfg.nscales; s++)
		tdp_bell_ring(&tdp_shm_proc(&in->child.seg, tdp_slot_scale(s))->bell);
}

bool batch_scale_failed(struct ingest *in, uint32_t s)
{
	struct tdp_proc *p = tdp_shm_proc(&in->child.seg, tdp_slot_scale(s));
	return tdp_load_u32(&p->state) == TDP_PROC_FAILED;
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
		while (done < in->nbatch && !batch_scale_failed(in, s)) {
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
 * the sequence numbers the batch handed out with each stream's newest
 * event time after it.  Both are a redo log: applied to the stream table
 * right after, and again by a restarted ingest, which re-reads the source
 * from the committed offset and stamps the same records with the same
 * numbers (and finds the same ones late: the watermark it starts from is
 * the one of the records before that offset).  Workers that got a
 * record before the crash recognise it again by its number.
 */
static void commit(struct ingest *in, uint64_t resume_off, uint64_t resume_line)
{
	struct tdp_ingest_commit *ic = tdp_shm_ingest_commit(&in->child.seg);
	/* Dead letters of committed records must be in the sink first. */
	if (dead_sink_flush(&in->dead) < 0)
		in->failed = true;
	struct tdp_ingest_body *b = TDP_NEXT(ic);
	b->resume_off = resume_off;
	b->resume_line = resume_line;
	b->dead_len = dead_sink_len(&in->dead);
	if (in->kafka) {
		b->nkpos = tdp_shm_kafka(&in->child.seg)->nparts;
		memcpy(b->kpos, in->kpos, sizeof(int64_t) * b->nkpos);
	}
	b->n = in->ntouched;
	for (unsigned int i = 0; i < in->ntouched; i++) {
		uint32_t idx = in->touched[i];
		b->e[i].stream = idx;
		b->e[i].next_seq = tdp_shm_stream(&in->child.seg, idx)->next_seq + in->pending[idx];
		b->e[i].newest_t = in->pending_newest[idx];
		in->pending[idx] = 0;
	}
	in->ntouched = 0;
	tdp_commit(&ic->ver);
	batch_redo(&in->child.seg, b);
}

void batch_flush(struct ingest *in, uint64_t resume_off, uint64_t resume_line)
{
	for (uint32_t s = 0; s < in->child.cfg.nscales && in->nbatch; s++)
		push_batch(in, s);
	commit(in, resume_off, resume_line);
	tdp_counter_add(&in->child.slot->records_out, in->nbatch);
	if (in->nbatch)
		batch_ring_bells(in);
	in->nbatch = 0;
}
