/*
 * sink_kafka.c - results to a Kafka topic: one message per result, key =
 * the stream id, value = the result in the sink format (a JSON object
 * without its newline, or a msgpack map), headers tdapipe-scale (the scale
 * name), tdapipe-window (the window number in decimal, as the scale
 * numbers it: a time scale's biased, record.h, so that it reads back as
 * the de-duplication table's non-negative int64) and, for points
 * from a Kafka source, tdapipe-checkpoint (publish/checkpoint.h).
 *
 * The producer is idempotent; with exactly_once it is transactional and
 * every commit of publish's progress is one Kafka transaction.  The cut
 * is the producer's: the flight is the messages sent before it, settled
 * once they are all delivered (and, with exactly_once, the transaction
 * holding them is committed, with the source offsets behind them).
 *
 * The topic is the record of what is published (the Kafka form of
 * cutting a file back).  Publish reads it, read_committed, when it starts
 * and again after every partition assignment of the source
 * (common/results_topic.h), and takes every result found as published: it
 * is in the view a read_committed reader has, so sending it again would
 * show it twice.  What it does not find (never sent, or in a transaction
 * that was aborted) is sent.  This covers a restarted publish, a restarted
 * instance that computes the same windows again, and results of
 * partitions another instance of the group had before a rebalance.
 *
 * A result's events (tdapipe-events(5)) follow it to the events topic,
 * one message each, by the same producer: key the stream id, value the
 * event in the format of events:, headers tdapipe-scale and
 * tdapipe-window as the result's.  With exactly_once they are in the
 * result's transaction, so the results topic alone is read back: a result
 * found there came with its events.  Without it, events are delivered like
 * results but not read back: a publish restarted after sending them and
 * before its commit may send some again or, if its result was delivered
 * and they were not, never.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomics.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/exitcode.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/results_topic.h"
#include "publish/checkpoint.h"
#include "publish/encode.h"
#include "publish/encode_events.h"
#include "publish/results_sink.h"

#define OPEN_TIMEOUT_MS 2000
#define TXN_TIMEOUT_MS 30000
#define TXN_NS 100000000ull   /* exactly_once: a transaction stays open up to 100 ms under load */

struct sink_kafka {
	struct results_sink base;
	struct tdp_kproducer kp;
	rd_kafka_topic_t *events;   /* the events topic, on the same producer (NULL: no events) */
	struct tdp_buf msg;
	bool eos;            /* transactional */
	bool in_txn;         /* a transaction is open */
	uint64_t txn_start_ns;   /* when it began (CLOCK_MONOTONIC) */
	enum tdp_format format;
	rd_kafka_consumer_group_metadata_t *group;   /* exactly_once with a Kafka source: offsets go in */
	struct results_topic rt;        /* what the topic holds, by stream name */
	struct checkpoint cp;           /* checkpoints of the results sent */
	uint64_t refreshed_ns;          /* when partition commit offsets were last recomputed */
	uint32_t known;                 /* streams [0, known) have had what rt holds applied */
	uint32_t assignments;           /* the source's assignment count last read back for */
};

static struct tdp_kafka_client *status_of(struct tdp_child *c)
{
	return &tdp_shm_kafka(&c->seg)->sink;
}

/* Open the producer (waiting, beating, while the cluster is unreachable). */
static int kafka_open(struct results_sink *s)
{
	struct sink_kafka *ks = (struct sink_kafka *)s;
	struct tdp_child *c = s->child;
	const struct tdp_sink_cfg *sink = &c->cfg.sink;
	results_topic_init(&ks->rt, "publish", status_of(c));
	if (checkpoint_init(&ks->cp, &c->seg) < 0)
		return TDP_EXIT_SYSTEM;
	ks->eos = sink->kafka.exactly_once;
	ks->format = sink->format;
	tdp_buf_init(&ks->msg);
	char client_id[TDP_NAME_MAX + 32], txn_id[TDP_NAME_MAX + 32], err[512];
	snprintf(client_id, sizeof(client_id), "tdapipe-%s-publish", c->cfg.instance);
	/* One transactional id per instance: a restarted publish fences its
	 * predecessor and aborts whatever transaction it left open. */
	snprintf(txn_id, sizeof(txn_id), "tdapipe-%s", c->cfg.instance);
	while (tdp_kproducer_open(&ks->kp, &sink->kafka, client_id, ks->eos ? txn_id : NULL,
				  sink->kafka.compression, status_of(c), OPEN_TIMEOUT_MS, err, sizeof(err)) < 0) {
		tdp_kafka_error(status_of(c), "%s", err);
		tdp_log_warn("sink: %s (retrying)", err);
		tdp_child_beat(c);
		if (tdp_child_stopping(c))
			return TDP_EXIT_SYSTEM;
	}
	const struct tdp_events_cfg *ev = &c->cfg.events;
	if (ev->on && !(ks->events = tdp_kproducer_topic(&ks->kp, ev->topic, OPEN_TIMEOUT_MS, err, sizeof(err)))) {
		tdp_log_error("events: %s", err);
		return TDP_EXIT_SYSTEM;
	}
	/* Offsets go into the transaction for the source's group; by group
	 * id only (no generation): the transactional id already fences a
	 * zombie publish of this instance. */
	if (ks->eos && c->cfg.source.type == TDP_SRC_KAFKA &&
	    !(ks->group = rd_kafka_consumer_group_metadata_new(c->cfg.source.kafka.group)))
		return TDP_EXIT_SYSTEM;
	return 0;
}

static void kafka_close(struct results_sink *s)
{
	struct sink_kafka *ks = (struct sink_kafka *)s;
	if (ks->group)
		rd_kafka_consumer_group_metadata_destroy(ks->group);
	if (ks->events)
		rd_kafka_topic_destroy(ks->events);
	tdp_kproducer_close(&ks->kp);
	tdp_buf_fini(&ks->msg);
	results_topic_fini(&ks->rt);
	checkpoint_fini(&ks->cp);
}

/* A topic is not cut back: it is read back (catch_up) before anything is
 * sent. */
static int kafka_resume(struct results_sink *s, bool first, struct sink_len *len)
{
	(void)s;
	(void)first;
	(void)len;
	return 0;
}

/*
 * What the topic holds applies to streams FROM.. (interned so far): such a
 * result is never sent again.  Raising the de-duplication table outside a
 * commit is safe: those results are in the topic for good.
 */
static void learn_from_topic(struct sink_kafka *ks, uint32_t from)
{
	const struct tdp_shm *seg = &ks->base.child->seg;
	uint32_t n = tdp_load_acquire_u32(&seg->hdr->nstreams);
	uint32_t max = seg->hdr->max_streams;
	for (uint32_t i = from; i < n && i < max; i++) {
		const struct topic_seen_entry *e = topic_seen_find(&ks->rt.seen, tdp_shm_stream(seg, i)->name);
		if (!e)
			continue;
		if (e->part)
			checkpoint_floor(&ks->cp, i, e->ck_seq, e->ck_off);
		const int64_t *w = e->window;
		for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
			int64_t *d = &tdp_shm_dedup(seg, s)[i], *last = &ks->base.seen[(size_t)s * max + i];
			if (w[s] > *d)
				*d = w[s];
			if (w[s] > *last)
				*last = w[s];
		}
	}
	if (n > ks->known)
		ks->known = n;
}

/* Read the topic (again) when ALWAYS or when the source was assigned
 * partitions since the last time: another instance may have published
 * their streams' results. */
static int kafka_catch_up(struct results_sink *s, bool always)
{
	struct sink_kafka *ks = (struct sink_kafka *)s;
	const struct tdp_kafka_block *kb = tdp_shm_kafka(&s->child->seg);
	uint32_t a = tdp_load_acquire_u32(&kb->assignments);
	if (always || a != ks->assignments) {
		ks->assignments = a;
		int rc = results_topic_read(&ks->rt, s->child);
		if (rc)
			return rc;
		learn_from_topic(ks, 0);
	}
	learn_from_topic(ks, ks->known);
	return 0;
}

/* A transaction failed: publish exits, and its successor's
 * init_transactions aborts it (counted here, where it is known). */
static int txn_failed(struct tdp_kafka_client *status, rd_kafka_error_t *e, const char *what)
{
	tdp_counter_add(&status->txn_aborts, 1);
	tdp_kafka_error(status, "%s: %s", what, rd_kafka_error_string(e));
	tdp_log_warn("sink: %s: %s%s", what, rd_kafka_error_string(e),
		rd_kafka_error_txn_requires_abort(e) ? " (aborted: publish restarts and sends them again)" : "");
	rd_kafka_error_destroy(e);
	return -1;
}

/* One event's message (publish/encode_events.h, encode_event_fn). */
struct event_msg {
	struct sink_kafka *ks;
	const char *stream;
	const char *const *hdr;   /* the result's tdapipe-scale and tdapipe-window */
	enum tdp_format format;   /* the events' */
};

static int send_event(void *arg, struct tdp_buf *b, size_t from, const struct tdp_event *ev)
{
	struct event_msg *m = arg;
	char err[256];
	(void)ev;
	/* a message is one object: no newline */
	size_t len = b->len - from - (m->format == TDP_FMT_MSGPACK ? 0 : 1);
	if (tdp_kproducer_send_to(&m->ks->kp, m->ks->events, m->stream, strlen(m->stream), b->p + from, len, m->hdr,
				  2, err, sizeof(err)) < 0) {
		tdp_log_error("events: %s", err);
		return -1;
	}
	return 0;
}

/* Send result R, opening a transaction first if needed; its
 * tdapipe-checkpoint header says where its stream could be re-read from.
 * Then its events. */
static int kafka_put(struct results_sink *s, uint32_t scale, const struct tdp_result *r, const char *stream,
		     const char *scale_name, struct sink_len *len)
{
	(void)len;   /* nothing to cut back */
	struct sink_kafka *ks = (struct sink_kafka *)s;
	char cpv[TDP_KAFKA_TOPIC_MAX + 96];
	checkpoint_sent(&ks->cp, scale, r);
	const char *checkpoint = checkpoint_header(&ks->cp, r->stream, cpv, sizeof(cpv)) ? cpv : NULL;
	if (ks->eos && !ks->in_txn) {
		rd_kafka_error_t *e = rd_kafka_begin_transaction(ks->kp.rk);
		if (e)
			return txn_failed(ks->kp.status, e, "begin_transaction");
		ks->in_txn = true;
		ks->txn_start_ns = tdp_now_ns();
	}
	struct tdp_buf *b = &ks->msg;
	tdp_buf_reset(b);
	if (ks->format == TDP_FMT_MSGPACK) {
		encode_result_msgpack(b, r, stream, scale_name, s->child->cfg.source.time_unit,
				      &s->child->cfg.scales[scale]);
	} else {
		encode_result_jsonl(b, r, stream, scale_name, s->child->cfg.source.time_unit,
				      &s->child->cfg.scales[scale]);
		b->len--;   /* a message is one object: no newline */
	}
	/* The internal number, not the result's signed k: topic_seen parses it
	 * back into the de-duplication table. */
	char window[24];
	snprintf(window, sizeof(window), "%" PRIu64, r->window);
	const char *hdr[] = { "tdapipe-scale", scale_name, "tdapipe-window", window,
			      RESULTS_CHECKPOINT_HEADER, checkpoint };
	char err[256];
	if (tdp_kproducer_send(&ks->kp, stream, strlen(stream), b->p, b->len, hdr, checkpoint ? 3 : 2,
			       err, sizeof(err)) < 0) {
		tdp_log_error("sink: %s", err);
		return -1;
	}
	if (!ks->events)
		return 0;
	const struct tdp_scale_cfg *sc = &s->child->cfg.scales[scale];
	const struct encode_events_ctx ctx = {stream, scale_name, s->child->cfg.source.time_unit,
					      tdp_signal_name(sc->anomaly.signal)};
	struct event_msg m = {ks, stream, hdr, s->child->cfg.events.format};
	tdp_buf_reset(b);
	return encode_events(b, m.format, r, &ctx, send_event, &m) < 0 ? -1 : 0;
}

/* Messages are held by the producer, not by publish. */
static size_t kafka_pending(const struct results_sink *s)
{
	(void)s;
	return 0;
}

/* The source offsets a transaction commits: every partition's commit
 * offset, recomputed now that the transaction holds all it will (NULL on
 * ENOMEM). */
static rd_kafka_topic_partition_list_t *txn_offsets(struct sink_kafka *ks)
{
	checkpoint_refresh(&ks->cp);
	ks->refreshed_ns = tdp_now_ns();
	return checkpoint_offsets(&ks->cp);
}

/*
 * Finish the cut: serve deliveries (while WAIT) until every message before
 * the cut is in; with exactly_once, send the source offsets to the
 * transaction (consume-transform-produce) and commit it.  1 when the cut
 * is committed to Kafka, 0 not yet, -1 fatal (logged).
 */
static int settle_cut(struct sink_kafka *ks, bool wait)
{
	struct tdp_child *c = ks->base.child;
	char err[256];
	for (int timeout = 0;; timeout = 100) {
		rd_kafka_poll(ks->kp.rk, timeout);
		if (tdp_kproducer_check(&ks->kp, err, sizeof(err)) < 0) {
			tdp_log_error("sink: %s", err);
			return -1;
		}
		if (tdp_kproducer_cut_delivered(&ks->kp))
			break;
		if (!wait)
			return 0;
		tdp_child_beat(c);
	}
	if (!ks->eos || !ks->in_txn)
		return 1;
	/* The source's offsets for everything the transaction holds, in it. */
	rd_kafka_topic_partition_list_t *list = ks->group ? txn_offsets(ks) : NULL;
	rd_kafka_error_t *e = NULL;
	if (list && list->cnt)
		e = rd_kafka_send_offsets_to_transaction(ks->kp.rk, list, ks->group, TXN_TIMEOUT_MS);
	if (list)
		rd_kafka_topic_partition_list_destroy(list);
	if (e)
		return txn_failed(ks->kp.status, e, "send_offsets_to_transaction");
	/* The transaction also holds what was sent after the cut: committed
	 * in Kafka, not yet in publish's commit, which the read-back covers. */
	e = rd_kafka_commit_transaction(ks->kp.rk, TXN_TIMEOUT_MS);
	if (e)
		return txn_failed(ks->kp.status, e, "commit_transaction");
	ks->in_txn = false;
	tdp_counter_add(&status_of(c)->txn_commits, 1);
	return 1;
}

static int kafka_settle(struct results_sink *s, bool wait, bool flight, bool full)
{
	struct sink_kafka *ks = (struct sink_kafka *)s;
	/* A transaction costs round trips to the coordinator: under load, one
	 * per TXN_NS or per full batch, not one per pass over the rings. */
	if (ks->in_txn && !wait && !full && tdp_now_ns() - ks->txn_start_ns < TXN_NS)
		return 0;
	if (!flight)
		return 1;
	int rc = settle_cut(ks, wait);
	return rc < 0 ? -EIO : rc;
}

static int kafka_cut(struct results_sink *s)
{
	struct sink_kafka *ks = (struct sink_kafka *)s;
	tdp_kproducer_cut(&ks->kp);
	/* Partition commit offsets in the headers move on too (without
	 * exactly_once nothing else recomputes them). */
	if (tdp_now_ns() - ks->refreshed_ns > TXN_NS) {
		checkpoint_refresh(&ks->cp);
		ks->refreshed_ns = tdp_now_ns();
	}
	return 0;
}

const struct results_sink_ops sink_kafka_ops = {
	.size = sizeof(struct sink_kafka),
	.open = kafka_open,
	.close = kafka_close,
	.resume = kafka_resume,
	.catch_up = kafka_catch_up,
	.put = kafka_put,
	.pending = kafka_pending,
	.settle = kafka_settle,
	.cut = kafka_cut,
};
