#include "publish/kafka_sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "common/results_topic.h"
#include "publish/encode.h"

#define OPEN_TIMEOUT_MS 2000
#define TXN_TIMEOUT_MS 30000

static struct tdp_kafka_client *status_of(struct tdp_child *c)
{
	return &tdp_shm_kafka(&c->seg)->sink;
}

int kafka_sink_open(struct kafka_sink *ks, struct tdp_child *c)
{
	const struct tdp_sink_cfg *sink = &c->cfg.sink;
	memset(ks, 0, sizeof(*ks));
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
		tdp_log("sink: %s (retrying)", err);
		tdp_child_beat(c);
		if (tdp_child_stopping(c))
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

void kafka_sink_close(struct kafka_sink *ks)
{
	if (ks->group)
		rd_kafka_consumer_group_metadata_destroy(ks->group);
	tdp_kproducer_close(&ks->kp);
	tdp_buf_fini(&ks->msg);
}

/* A transaction failed: publish exits, and its successor's
 * init_transactions aborts it (counted here, where it is known). */
static int txn_failed(struct tdp_kafka_client *status, rd_kafka_error_t *e, const char *what)
{
	tdp_counter_add(&status->txn_aborts, 1);
	tdp_kafka_error(status, "%s: %s", what, rd_kafka_error_string(e));
	tdp_log("sink: %s: %s%s", what, rd_kafka_error_string(e),
		rd_kafka_error_txn_requires_abort(e) ? " (aborted: publish restarts and sends them again)" : "");
	rd_kafka_error_destroy(e);
	return -1;
}

int kafka_sink_send(struct kafka_sink *ks, const struct tdp_result *r, const char *stream, const char *scale,
		    const char *checkpoint)
{
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
		encode_result_msgpack(b, r, stream, scale);
	} else {
		encode_result_jsonl(b, r, stream, scale);
		b->len--;   /* a message is one object: no newline */
	}
	char window[24];
	snprintf(window, sizeof(window), "%" PRIu64, r->window);
	const char *hdr[] = { "tdapipe-scale", scale, "tdapipe-window", window,
			      RESULTS_CHECKPOINT_HEADER, checkpoint };
	char err[256];
	if (tdp_kproducer_send(&ks->kp, stream, strlen(stream), b->p, b->len, hdr, checkpoint ? 3 : 2,
			       err, sizeof(err)) < 0) {
		tdp_log("sink: %s", err);
		return -1;
	}
	return 0;
}

int kafka_sink_settle(struct kafka_sink *ks, struct tdp_child *c, bool wait,
		      kafka_sink_offsets_fn offsets, void *ctx)
{
	char err[256];
	for (int timeout = 0;; timeout = 100) {
		rd_kafka_poll(ks->kp.rk, timeout);
		if (tdp_kproducer_check(&ks->kp, err, sizeof(err)) < 0) {
			tdp_log("sink: %s", err);
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
	rd_kafka_topic_partition_list_t *list = ks->group && offsets ? offsets(ctx) : NULL;
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
