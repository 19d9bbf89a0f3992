/*
 * tdapipe-publish - drain every scale's results, encode, write the sink.
 *
 * Results are read in place from each scale's arena and put into the sink
 * (publish/results_sink.h: a file, stdout or a Kafka topic), which sends
 * one flight while the next fills.  A result whose id (stream, scale,
 * window) was already published is dropped and counted.
 *
 * Exactly once across crashes (ARCHITECTURE.md, invariant 2).  Publish reads
 * ahead of each out-ring's head and gives results back to their scale
 * (ring head, arena space) only when a commit says they are in the sink.
 * A commit (struct tdp_publish_commit, common/commit.h) records, at once,
 * the sink's length and the events file's, how far each out-ring was read
 * and the ids published since the last commit (a redo log for the
 * de-duplication table in the segment).  It is made when the write
 * carrying those results and their events has completed.  A restarted
 * publish cuts the sink and events files back to the committed lengths
 * (dropping what was written but not committed), re-reads the out-rings
 * from the committed positions, and so writes every result and every
 * event once.
 * A pipe cannot be cut back: on a stdout sink, results of the one write in
 * flight when publish died may be written twice.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/bell.h"
#include "common/clock.h"
#include "common/child.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "publish/observe.h"
#include "publish/results_sink.h"

#define BATCH 64
#define KICK_BYTES (256u << 10)
#define MAX_PENDING (4u << 20)

static const char usage[] =
	"usage: tdapipe-publish --instance NAME\n"
	"Started by `tdapipe run`; writes the results of every scale to the sink.\n";

/* Progress up to some byte of output is what a commit records: a
 * struct tdp_publish_body, its ids those published since the last one. */

struct publish {
	struct tdp_child child;
	struct results_sink *sink;
	int64_t *seen;           /* [scale * max_streams + stream]: last window encoded, -1 none */
	struct tdp_publish_body cur;    /* everything encoded so far (in the fill buffer or before) */
	struct tdp_publish_body flight; /* up to the end of the write in flight */
	bool cur_moved;                 /* cur went past flight */
	bool flight_pending;            /* flight not committed yet */
	bool failed;                    /* the sink failed: exit, the restart recovers */
};

static bool scale_finished(const struct publish *p, uint32_t s)
{
	const struct tdp_proc *w = tdp_shm_proc(&p->child.seg, tdp_slot_scale(s));
	return tdp_load_acquire_u32(&w->done) || tdp_load_u32(&w->state) == TDP_PROC_FAILED;
}

/* Descriptors in scale S's out-ring that publish has not read yet. */
static unsigned unread(const struct publish *p, uint32_t s)
{
	const struct tdp_ring *ring = tdp_shm_out_ring(&p->child.seg, s);
	return tdp_ring_tail(ring) - (unsigned)p->cur.consumed[s];
}

/* Encode up to BATCH results of scale S, not past descriptor LIMIT;
 * returns how many were read. */
static unsigned drain_scale(struct publish *p, uint32_t s, unsigned limit)
{
	const struct tdp_shm *seg = &p->child.seg;
	const struct tdp_config *cfg = &p->child.cfg;
	struct tdp_ring *ring = tdp_shm_out_ring(seg, s);
	const struct tdp_result_desc *slots = tdp_shm_out_slots(seg, s);
	const char *arena = tdp_shm_arena(seg, s);
	uint64_t asize = seg->hdr->scales[s].arena_size;
	struct tdp_publish_body *cur = &p->cur;
	unsigned got = 0;
	struct tdp_result_desc d;
	struct sink_len put = {0, 0};
	while (got < BATCH && cur->n < TDP_PUBLISH_BATCH && (unsigned)cur->consumed[s] != limit &&
	       tdp_desc_peek(ring, slots, (unsigned)cur->consumed[s], &d)) {
		const struct tdp_result *r = (const struct tdp_result *)(arena + d.off % asize);
		got++;
		int64_t *last = r->stream < seg->hdr->max_streams
				? &p->seen[(size_t)s * seg->hdr->max_streams + r->stream] : NULL;
		if (last && (int64_t)r->window > *last) {
			const char *stream = tdp_shm_stream(seg, r->stream)->name;
			if (results_sink_put(p->sink, s, r, stream, cfg->scales[s].name, &put) < 0) {
				p->failed = true;
				break;
			}
			*last = (int64_t)r->window;
			cur->ids[cur->n++] = (struct tdp_result_id){s, r->stream, r->window};
			tdp_counter_add(&p->child.slot->records_out, 1);
		} else {
			tdp_counter_add(&p->child.slot->bad_records, 1);   /* duplicate id */
		}
		cur->consumed[s]++;
		cur->released[s] = d.off + d.len;
	}
	if (got) {
		cur->sink_len += put.results;
		cur->events_len += put.events;
		p->cur_moved = true;
	}
	tdp_counter_add(&p->child.slot->records_in, got);
	return got;
}

/* Apply a committed body: the de-duplication table (redo log), then give
 * the results it covers back to their scales. */
static void apply(struct publish *p, const struct tdp_publish_body *b)
{
	const struct tdp_shm *seg = &p->child.seg;
	for (uint32_t i = 0; i < b->n && i < TDP_PUBLISH_BATCH; i++) {
		const struct tdp_result_id *id = &b->ids[i];
		if (id->scale >= seg->hdr->nscales || id->stream >= seg->hdr->max_streams)
			continue;
		int64_t *d = &tdp_shm_dedup(seg, id->scale)[id->stream];
		if ((int64_t)id->window > *d)
			*d = (int64_t)id->window;
		tdp_crash_point();
	}
	for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
		struct tdp_ring *ring = tdp_shm_out_ring(seg, s);
		unsigned pos = (unsigned)b->consumed[s];
		if (pos == tdp_ring_head(ring))
			continue;
		tdp_store_release_u64(&ring->arena_released, b->released[s]);
		tdp_ring_consume_to(ring, pos);
		tdp_bell_ring(&tdp_shm_proc(seg, tdp_slot_scale(s))->bell);
	}
}

/* Copy progress FROM (its N ids only, not the whole array) to TO. */
static void copy_progress(struct tdp_publish_body *to, const struct tdp_publish_body *from)
{
	memcpy(to, from, offsetof(struct tdp_publish_body, ids) + sizeof(from->ids[0]) * from->n);
}

/* Commit progress G: its results are in the sink.  Observers learn of
 * them (latency, latest results) before apply gives them back. */
static void commit(struct publish *p, const struct tdp_publish_body *g)
{
	struct tdp_publish_commit *pc = tdp_shm_publish_commit(&p->child.seg);
	struct tdp_publish_body *b = TDP_NEXT(pc);
	copy_progress(b, g);
	tdp_commit(&pc->ver);
	observe_committed(&p->child.seg, b, tdp_now_ns(), p->child.cfg.metrics.on);
	apply(p, b);
}

/* What was encoded since the flight becomes the flight, to be sent by the
 * caller; false when nothing was. */
static bool start_flight(struct publish *p)
{
	if (!p->cur_moved)
		return false;
	copy_progress(&p->flight, &p->cur);
	p->cur.n = 0;
	p->cur_moved = false;
	p->flight_pending = true;
	return true;
}

/*
 * Move output along: when no write is in flight (waiting for it if WAIT),
 * commit what it carried, then start writing what was encoded since.
 * Returns 1 when nothing is left uncommitted, 0 when something is, or
 * -errno from the sink.
 */
static int pump(struct publish *p, bool wait)
{
	int rc = results_sink_settle(p->sink, wait, p->flight_pending, p->cur.n >= TDP_PUBLISH_BATCH);
	if (rc <= 0)
		return rc;
	if (p->flight_pending) {
		commit(p, &p->flight);
		p->flight_pending = false;
	}
	if (!start_flight(p))
		return 1;
	rc = results_sink_cut(p->sink);
	return rc < 0 ? rc : 0;
}

/* Start where the committed progress says, finishing the predecessor's
 * commit and cutting the sink back to it. */
static int recover(struct publish *p)
{
	const struct tdp_shm *seg = &p->child.seg;
	struct tdp_publish_commit *pc = tdp_shm_publish_commit(seg);
	const struct tdp_publish_body *b = TDP_LIVE(pc);
	bool first = tdp_load_acquire_u64(&pc->ver) == 0;
	if (!first)
		apply(p, b);
	memcpy(&p->cur, b, offsetof(struct tdp_publish_body, ids));
	p->cur.n = 0;
	/* The first publish of a run starts at the outputs' ends and commits
	 * that at once, so its successors cut back to it.  A Kafka topic is
	 * not cut back: it is read back before anything is sent
	 * (publish_start). */
	struct sink_len len = {p->cur.sink_len, p->cur.events_len};
	int rc = results_sink_resume(p->sink, first, &len);
	if (rc)
		return rc;
	p->cur.sink_len = len.results;
	p->cur.events_len = len.events;
	if (first)
		commit(p, &p->cur);
	size_t nseen = (size_t)seg->hdr->nscales * seg->hdr->max_streams;
	memcpy(p->seen, tdp_shm_dedup(seg, 0), sizeof(int64_t) * nseen);
	return 0;
}

static bool all_finished(const struct publish *p)
{
	/* Checked in this order: a scale sets done after its last push. */
	for (uint32_t s = 0; s < p->child.cfg.nscales; s++)
		if (!scale_finished(p, s) || unread(p, s))
			return false;
	return true;
}

/* Attach to the instance, open the sink and start where the committed
 * progress says.  0, or an exit code after logging. */
static int publish_start(struct publish *p, const char *instance)
{
	int rc = tdp_child_start(&p->child, instance, NULL, TDP_ROLE_PUBLISH);
	if (rc)
		return rc;
	struct tdp_child *c = &p->child;
	p->seen = malloc(sizeof(int64_t) * c->cfg.nscales * c->seg.hdr->max_streams);
	if (!p->seen)
		return TDP_EXIT_SYSTEM;
	if ((rc = results_sink_open(&p->sink, c, p->seen)) || (rc = recover(p)))
		return rc;
	/* Everything the sink holds, whoever wrote it, before sending anything. */
	return results_sink_catch_up(p->sink, true);
}

/* Nothing to read: sleep until a scale rings (or 100 ms). */
static void wait_for_results(struct publish *p)
{
	struct tdp_bell *mine = &p->child.slot->bell;
	uint32_t seen = tdp_bell_prepare(mine);
	bool work = false;
	for (uint32_t s = 0; s < p->child.cfg.nscales; s++)
		work |= unread(p, s) > 0;
	if (work)
		tdp_bell_cancel(mine);
	else
		tdp_bell_sleep(mine, seen, 100);
}

static int sink_failed(int rc)
{
	tdp_log_error("sink: writing results: %s; publish is restarted and resumes where it stopped: make room "
		      "or fix the sink's file (its disk, its permissions)", strerror(-rc));
	return TDP_EXIT_SYSTEM;
}

/* Publish until every scale has finished and all its results are
 * committed.  0, or an exit code after logging. */
static int run(struct publish *p)
{
	struct tdp_child *c = &p->child;
	uint32_t nscales = c->cfg.nscales;
	struct tdp_idle idle = {0};
	int rc;
	for (;;) {
		unsigned got = 0, limit[TDP_MAX_SCALES];
		/* The rings' ends first, then what the topic holds: a result up to
		 * there was made from points read after any assignment seen now. */
		for (uint32_t s = 0; s < nscales; s++)
			limit[s] = tdp_ring_tail(tdp_shm_out_ring(&c->seg, s));
		if ((rc = results_sink_catch_up(p->sink, false)))
			return rc;
		for (uint32_t s = 0; s < nscales && !p->failed; s++)
			got += drain_scale(p, s, limit[s]);
		if (p->failed)
			return TDP_EXIT_SYSTEM;
		size_t pending = results_sink_pending(p->sink);
		rc = pending > MAX_PENDING ? pump(p, true)
		     : (pending > KICK_BYTES || !got || p->cur.n == TDP_PUBLISH_BATCH) ? pump(p, false) : 0;
		if (rc < 0)
			return sink_failed(rc);
		tdp_child_beat(c);
		if (!tdp_idle_should_sleep(&idle, got > 0))
			continue;
		if (all_finished(p))
			break;
		if (p->flight_pending || p->cur_moved) {
			if ((rc = pump(p, true)) < 0)   /* idle: get everything out now */
				return sink_failed(rc);
			continue;
		}
		wait_for_results(p);
	}
	while ((rc = pump(p, true)) == 0)
		;
	return rc < 0 ? sink_failed(rc) : 0;
}

int main(int argc, char **argv)
{
	static struct publish p;
	const char *instance;
	tdp_log_init("tdapipe-publish");
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = publish_start(&p, instance)) || (rc = run(&p)))
		return rc;
	tdp_child_done(&p.child);
	results_sink_close(p.sink);
	free(p.seen);
	return TDP_EXIT_OK;
}
