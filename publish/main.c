/*
 * tdapipe-publish - drain every scale's results, encode, write the sink.
 *
 * Results are read in place from each scale's arena, encoded (JSON Lines or
 * msgpack) into the writer's buffer, and written through io_uring with one
 * write in flight while the next buffer fills.  A result whose id (stream,
 * scale, window) was already published is dropped and counted.
 *
 * Exactly once across crashes (DESIGN.md invariant 2).  Publish reads
 * ahead of each out-ring's head and gives results back to their scale
 * (ring head, arena space) only when a commit says they are in the sink.
 * A commit (struct tdp_publish_commit, common/commit.h) records, at once,
 * the sink's length, how far each out-ring was read and the ids published
 * since the last commit (a redo log for the de-duplication table in the
 * segment).  It is made when the write carrying those results has
 * completed.  A restarted publish cuts the sink file back to the committed
 * length (dropping what was written but not committed), re-reads the
 * out-rings from the committed positions, and so writes every result once.
 * A pipe cannot be cut back: on a stdout sink, results of the one write in
 * flight when publish died may be written twice.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bell.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/results_topic.h"
#include "common/ring.h"
#include "common/uring_io.h"
#include "publish/checkpoint.h"
#include "publish/encode.h"
#include "publish/kafka_sink.h"

#define BATCH 64
#define KICK_BYTES (256u << 10)
#define MAX_PENDING (4u << 20)
#define TXN_NS 100000000ull   /* exactly_once: a transaction stays open up to 100 ms under load */

static const char usage[] =
	"usage: tdapipe-publish --instance NAME\n"
	"Started by `tdapipe run`; writes the results of every scale to the sink.\n";

/* Progress up to some byte of output is what a commit records: a
 * struct tdp_publish_body, its ids those published since the last one. */

struct publish {
	struct tdp_child child;
	struct tdp_writer out;
	int64_t *seen;           /* [scale * max_streams + stream]: last window encoded, -1 none */
	struct tdp_publish_body cur;    /* everything encoded so far (in the fill buffer or before) */
	struct tdp_publish_body flight; /* up to the end of the write in flight */
	bool cur_moved;                 /* cur went past flight */
	bool flight_pending;            /* flight not committed yet */
	bool kafka;                     /* the sink is a Kafka topic (ksink), not out */
	struct kafka_sink ksink;
	struct results_topic rt;        /* Kafka: what the topic holds, by stream name */
	struct checkpoint cp;           /* Kafka: checkpoints of the results sent */
	uint64_t refreshed_ns;          /* Kafka: when partition commit offsets were last recomputed */
	uint32_t known;                 /* Kafka: streams [0, known) have had what rt holds applied */
	uint32_t assignments;           /* Kafka: the source's assignment count last read back for */
	bool failed;                    /* the sink failed: exit, the restart recovers */
};

static bool scale_finished(const struct publish *p, uint32_t s)
{
	const struct tdp_proc *w = tdp_shm_proc(&p->child.seg, tdp_slot_scale(s));
	return atomic_load_explicit((_Atomic uint32_t *)&w->done, memory_order_acquire) ||
	       atomic_load_explicit((_Atomic uint32_t *)&w->state, memory_order_relaxed) == TDP_PROC_FAILED;
}

/* Descriptors in scale S's out-ring that publish has not read yet. */
static unsigned unread(const struct publish *p, uint32_t s)
{
	const struct tdp_ring *ring = tdp_shm_out_ring(&p->child.seg, s);
	return ck_pr_load_uint(&ring->ck.p_tail) - (unsigned)p->cur.consumed[s];
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
	struct tdp_buf *b = tdp_writer_buf(&p->out);
	struct tdp_publish_body *cur = &p->cur;
	unsigned got = 0;
	struct tdp_result_desc d;
	size_t len0 = b->len;
	while (got < BATCH && cur->n < TDP_PUBLISH_BATCH && (unsigned)cur->consumed[s] != limit &&
	       tdp_desc_peek(ring, slots, (unsigned)cur->consumed[s], &d)) {
		const struct tdp_result *r = (const struct tdp_result *)(arena + d.off % asize);
		got++;
		int64_t *last = r->stream < seg->hdr->max_streams
				? &p->seen[(size_t)s * seg->hdr->max_streams + r->stream] : NULL;
		if (last && (int64_t)r->window > *last) {
			const char *stream = tdp_shm_stream(seg, r->stream)->name;
			if (p->kafka) {
				char cpv[TDP_KAFKA_TOPIC_MAX + 96];
				checkpoint_sent(&p->cp, s, r);
				bool has_cp = checkpoint_header(&p->cp, r->stream, cpv, sizeof(cpv));
				if (kafka_sink_send(&p->ksink, r, stream, cfg->scales[s].name, has_cp ? cpv : NULL) < 0) {
					p->failed = true;
					break;
				}
			} else if (cfg->sink.format == TDP_FMT_MSGPACK)
				encode_result_msgpack(b, r, stream, cfg->scales[s].name);
			else
				encode_result_jsonl(b, r, stream, cfg->scales[s].name);
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
		cur->sink_len += b->len - len0;
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
		if (pos == ring->ck.c_head)
			continue;
		atomic_store_explicit((_Atomic uint64_t *)&ring->arena_released, b->released[s],
				      memory_order_release);
		tdp_ring_consume_to(ring, pos);
		tdp_bell_ring(&tdp_shm_proc(seg, tdp_slot_scale(s))->bell);
	}
}

/* Copy progress FROM (its N ids only, not the whole array) to TO. */
static void copy_progress(struct tdp_publish_body *to, const struct tdp_publish_body *from)
{
	memcpy(to, from, offsetof(struct tdp_publish_body, ids) + sizeof(from->ids[0]) * from->n);
}

/* Commit progress G: its results are in the sink. */
static void commit(struct publish *p, const struct tdp_publish_body *g)
{
	struct tdp_publish_commit *pc = tdp_shm_publish_commit(&p->child.seg);
	struct tdp_publish_body *b = TDP_NEXT(pc);
	copy_progress(b, g);
	tdp_commit(&pc->ver);
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

/* The source offsets a transaction commits: every partition's commit
 * offset, recomputed now that the transaction holds all it will. */
static rd_kafka_topic_partition_list_t *txn_offsets(void *ctx)
{
	struct publish *p = ctx;
	checkpoint_refresh(&p->cp);
	p->refreshed_ns = tdp_now_ns();
	return checkpoint_offsets(&p->cp);
}

/*
 * pump() for a Kafka sink: the flight is the messages sent before the
 * producer's cut; it is committed once they are all delivered (and, with
 * exactly_once, the transaction holding them is committed, with the
 * source offsets behind them).
 */
static int pump_kafka(struct publish *p, bool wait)
{
	struct tdp_kproducer *kp = &p->ksink.kp;
	/* A transaction costs round trips to the coordinator: under load, one
	 * per TXN_NS or per full batch, not one per pass over the rings. */
	if (p->ksink.in_txn && !wait && p->cur.n < TDP_PUBLISH_BATCH &&
	    tdp_now_ns() - p->ksink.txn_start_ns < TXN_NS)
		return 0;
	if (p->flight_pending) {
		int rc = kafka_sink_settle(&p->ksink, &p->child, wait, txn_offsets, p);
		if (rc <= 0)
			return rc < 0 ? -EIO : 0;
		commit(p, &p->flight);
		p->flight_pending = false;
	}
	if (!start_flight(p))
		return 1;
	tdp_kproducer_cut(kp);
	/* Partition commit offsets in the headers move on too (without
	 * exactly_once nothing else recomputes them). */
	if (tdp_now_ns() - p->refreshed_ns > TXN_NS) {
		checkpoint_refresh(&p->cp);
		p->refreshed_ns = tdp_now_ns();
	}
	return 0;
}

/*
 * Move output along: when no write is in flight (waiting for it if WAIT),
 * commit what it carried, then start writing what was encoded since.
 * Returns 1 when nothing is left uncommitted, 0 when something is, or
 * -errno from the sink.
 */
static int pump(struct publish *p, bool wait)
{
	if (p->kafka)
		return pump_kafka(p, wait);
	int rc = tdp_writer_idle(&p->out, wait);
	if (rc <= 0)
		return rc;
	if (p->flight_pending) {
		commit(p, &p->flight);
		p->flight_pending = false;
	}
	if (!start_flight(p))
		return 1;
	rc = tdp_writer_kick(&p->out);
	return rc < 0 ? rc : 0;
}

/*
 * What the topic holds applies to streams FROM.. (interned so far): such a
 * result is never sent again.  Raising the de-duplication table outside a
 * commit is safe: those results are in the topic for good.
 */
static void learn_from_topic(struct publish *p, uint32_t from)
{
	const struct tdp_shm *seg = &p->child.seg;
	uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&seg->hdr->nstreams, memory_order_acquire);
	uint32_t max = seg->hdr->max_streams;
	for (uint32_t i = from; i < n && i < max; i++) {
		const struct topic_seen_entry *e = topic_seen_find(&p->rt.seen, tdp_shm_stream(seg, i)->name);
		if (!e)
			continue;
		if (e->part)
			checkpoint_floor(&p->cp, i, e->ck_seq, e->ck_off);
		const int64_t *w = e->window;
		for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
			int64_t *d = &tdp_shm_dedup(seg, s)[i], *last = &p->seen[(size_t)s * max + i];
			if (w[s] > *d)
				*d = w[s];
			if (w[s] > *last)
				*last = w[s];
		}
	}
	if (n > p->known)
		p->known = n;
}

/* Read the topic (again) when ALWAYS or when the source was assigned
 * partitions since the last time: another instance may have published
 * their streams' results. */
static int catch_up(struct publish *p, bool always)
{
	const struct tdp_kafka_block *kb = tdp_shm_kafka(&p->child.seg);
	uint32_t a = atomic_load_explicit((_Atomic uint32_t *)&kb->assignments, memory_order_acquire);
	if (always || a != p->assignments) {
		p->assignments = a;
		int rc = results_topic_read(&p->rt, &p->child);
		if (rc)
			return rc;
		learn_from_topic(p, 0);
	}
	learn_from_topic(p, p->known);
	return 0;
}

/* Start where the committed progress says, finishing the predecessor's
 * commit and cutting the sink back to it. */
static int recover(struct publish *p)
{
	const struct tdp_shm *seg = &p->child.seg;
	struct tdp_publish_commit *pc = tdp_shm_publish_commit(seg);
	const struct tdp_publish_body *b = TDP_LIVE(pc);
	bool first = atomic_load_explicit((_Atomic uint64_t *)&pc->ver, memory_order_acquire) == 0;
	if (!first)
		apply(p, b);
	memcpy(&p->cur, b, offsetof(struct tdp_publish_body, ids));
	p->cur.n = 0;
	/* The first publish of a run starts at the sink's end and commits
	 * that at once, so its successors cut back to it.  A Kafka topic is
	 * not cut back: it is read back before anything is sent (main). */
	if (!p->kafka) {
		p->cur.sink_len = first ? tdp_writer_end(&p->out) : b->sink_len;
		int rc = tdp_writer_resume(&p->out, p->cur.sink_len);
		if (rc < 0) {
			tdp_log("sink: cutting back to %llu bytes: %s", (unsigned long long)p->cur.sink_len,
				strerror(-rc));
			return TDP_EXIT_SYSTEM;
		}
	}
	if (first)
		commit(p, &p->cur);
	size_t nseen = (size_t)seg->hdr->nscales * seg->hdr->max_streams;
	memcpy(p->seen, tdp_shm_dedup(seg, 0), sizeof(int64_t) * nseen);
	return 0;
}

static int open_sink(struct publish *p)
{
	const struct tdp_sink_cfg *sink = &p->child.cfg.sink;
	char err[TDP_PATH_MAX + 64];
	if (sink->type == TDP_SINK_KAFKA) {
		p->kafka = true;
		results_topic_init(&p->rt, "publish", &tdp_shm_kafka(&p->child.seg)->sink);
		if (checkpoint_init(&p->cp, &p->child.seg) < 0)
			return TDP_EXIT_SYSTEM;
		return kafka_sink_open(&p->ksink, &p->child);
	}
	if (tdp_writer_open(&p->out, sink->type == TDP_SINK_FILE ? sink->path : NULL, STDOUT_FILENO,
			    err, sizeof(err)) < 0) {
		tdp_log("sink: %s", err);
		return TDP_EXIT_SYSTEM;
	}
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

int main(int argc, char **argv)
{
	static struct publish p;
	const char *instance;
	tdp_log_init("tdapipe-publish");
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = tdp_child_start(&p.child, instance, NULL, TDP_ROLE_PUBLISH)))
		return rc;
	struct tdp_child *c = &p.child;
	uint32_t nscales = c->cfg.nscales;
	p.seen = malloc(sizeof(int64_t) * nscales * c->seg.hdr->max_streams);
	if (!p.seen)
		return TDP_EXIT_SYSTEM;
	if ((rc = open_sink(&p)) || (rc = recover(&p)))
		return rc;
	struct tdp_bell *mine = &c->slot->bell;
	struct tdp_idle idle = {0};
	/* Everything the topic holds, whoever wrote it, before sending anything. */
	if (p.kafka && (rc = catch_up(&p, true)))
		return rc;
	for (;;) {
		unsigned got = 0, limit[TDP_MAX_SCALES];
		/* The rings' ends first, then what the topic holds: a result up to
		 * there was made from points read after any assignment seen now. */
		for (uint32_t s = 0; s < nscales; s++)
			limit[s] = ck_pr_load_uint(&tdp_shm_out_ring(&c->seg, s)->ck.p_tail);
		if (p.kafka && (rc = catch_up(&p, false)))
			return rc;
		for (uint32_t s = 0; s < nscales && !p.failed; s++)
			got += drain_scale(&p, s, limit[s]);
		if (p.failed)
			return TDP_EXIT_SYSTEM;
		size_t pending = p.kafka ? 0 : tdp_writer_buf(&p.out)->len;
		rc = pending > MAX_PENDING ? pump(&p, true)
		     : (pending > KICK_BYTES || !got || p.cur.n == TDP_PUBLISH_BATCH) ? pump(&p, false) : 0;
		if (rc < 0)
			goto sink_error;
		tdp_child_beat(c);
		if (!tdp_idle_should_sleep(&idle, got > 0))
			continue;
		if (all_finished(&p))
			break;
		if (p.flight_pending || p.cur_moved) {
			if ((rc = pump(&p, true)) < 0)   /* idle: get everything out now */
				goto sink_error;
			continue;
		}
		uint32_t seen = tdp_bell_prepare(mine);
		bool work = false;
		for (uint32_t s = 0; s < nscales; s++)
			work |= unread(&p, s) > 0;
		if (work)
			tdp_bell_cancel(mine);
		else
			tdp_bell_sleep(mine, seen, 100);
	}
	while ((rc = pump(&p, true)) == 0)
		;
	if (rc < 0)
		goto sink_error;
	tdp_child_done(c);
	if (p.kafka) {
		kafka_sink_close(&p.ksink);
		results_topic_fini(&p.rt);
		checkpoint_fini(&p.cp);
	} else
		tdp_writer_fini(&p.out);
	free(p.seen);
	return TDP_EXIT_OK;
sink_error:
	tdp_log("writing the sink: %s", strerror(-rc));
	return TDP_EXIT_SYSTEM;
}
