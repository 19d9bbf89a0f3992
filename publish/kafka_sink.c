#include "publish/kafka_sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
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
	int32_t n = ks->kp.nparts;
	if (!(ks->read_to = malloc(sizeof(int64_t) * (size_t)(n ? n : 1))))
		return TDP_EXIT_SYSTEM;
	for (int32_t p = 0; p < n; p++)
		ks->read_to[p] = RD_KAFKA_OFFSET_BEGINNING;
	return 0;
}

void kafka_sink_close(struct kafka_sink *ks)
{
	free(ks->read_to);
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

int kafka_sink_send(struct kafka_sink *ks, const struct tdp_result *r, const char *stream, const char *scale)
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
	const char *hdr[] = { "tdapipe-scale", scale, "tdapipe-window", window };
	char err[256];
	if (tdp_kproducer_send(&ks->kp, stream, strlen(stream), b->p, b->len, hdr, 2, err, sizeof(err)) < 0) {
		tdp_log("sink: %s", err);
		return -1;
	}
	return 0;
}

int kafka_sink_settle(struct kafka_sink *ks, struct tdp_child *c, bool wait)
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
	/* The transaction also holds what was sent after the cut: committed
	 * in Kafka, not yet in publish's commit, which the read-back covers. */
	rd_kafka_error_t *e = rd_kafka_commit_transaction(ks->kp.rk, TXN_TIMEOUT_MS);
	if (e)
		return txn_failed(ks->kp.status, e, "commit_transaction");
	ks->in_txn = false;
	tdp_counter_add(&status_of(c)->txn_commits, 1);
	return 1;
}

/* The partitions' end offsets now, in OUT[nparts]. */
static int ends(struct kafka_sink *ks, struct tdp_child *c, int64_t *out)
{
	const char *topic = c->cfg.sink.kafka.topics[0];
	for (int32_t p = 0; p < ks->kp.nparts; p++) {
		int64_t lo, hi;
		rd_kafka_resp_err_t e;
		while ((e = rd_kafka_query_watermark_offsets(ks->kp.rk, topic, p, &lo, &hi, OPEN_TIMEOUT_MS))) {
			tdp_kafka_error(status_of(c), "end offset of %s [%d]: %s", topic, (int)p, rd_kafka_err2str(e));
			tdp_child_beat(c);
			if (tdp_child_stopping(c))
				return TDP_EXIT_SYSTEM;
		}
		out[p] = hi;
	}
	return 0;
}

static const char *header(const rd_kafka_message_t *m, const char *name, size_t *len)
{
	rd_kafka_headers_t *hs;
	const void *v;
	if (rd_kafka_message_headers(m, &hs) || rd_kafka_header_get_last(hs, name, &v, len))
		return NULL;
	return v;
}

/* A consumer of the results topic, read_committed, partitions assigned by
 * hand; NULL after logging. */
static rd_kafka_t *open_reader(struct tdp_child *c)
{
	char id[TDP_NAME_MAX + 40], err[512];
	snprintf(id, sizeof(id), "tdapipe-%s-publish-reader", c->cfg.instance);
	rd_kafka_conf_t *conf = tdp_kafka_conf(&c->cfg.sink.kafka, id, NULL, err, sizeof(err));
	/* A group id of its own, never joined nor committed to: librdkafka's
	 * consumer wants one even when partitions are assigned by hand. */
	if (!conf || !tdp_kafka_set(conf, "isolation.level", "read_committed", err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "group.id", id, err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "enable.auto.commit", "false", err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "enable.partition.eof", "true", err, sizeof(err))) {
		tdp_log("sink: reader: %s", err);
		if (conf)
			rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk)
		tdp_log("sink: reader: %s", err);
	return rk;
}

/* Hand message M, if it is a result (key, tdapipe-scale, tdapipe-window),
 * to FN.  1 a result, 0 not one, -1 FN failed. */
static int take(const rd_kafka_message_t *m, kafka_sink_found_fn fn, void *ctx)
{
	size_t sl, wl;
	const char *scale = header(m, "tdapipe-scale", &sl);
	const char *win = header(m, "tdapipe-window", &wl);
	char sname[TDP_NAME_MAX], wbuf[24];
	if (!scale || !win || sl >= sizeof(sname) || wl >= sizeof(wbuf) || !m->key)
		return 0;
	memcpy(sname, scale, sl);
	sname[sl] = 0;
	memcpy(wbuf, win, wl);
	wbuf[wl] = 0;
	return fn(ctx, m->key, m->key_len, sname, strtoull(wbuf, NULL, 10)) < 0 ? -1 : 1;
}

int kafka_sink_catch_up(struct kafka_sink *ks, struct tdp_child *c, kafka_sink_found_fn fn, void *ctx)
{
	const char *topic = c->cfg.sink.kafka.topics[0];
	uint32_t n = (uint32_t)ks->kp.nparts;
	int64_t *target = calloc(n ? n : 1, sizeof(int64_t));
	rd_kafka_t *rk = NULL;
	if (!target || ends(ks, c, target) || !(rk = open_reader(c))) {
		free(target);
		return TDP_EXIT_SYSTEM;
	}
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)n);
	uint32_t left = 0;
	for (uint32_t p = 0; p < n; p++) {
		if (target[p] <= 0 || ks->read_to[p] >= target[p]) {
			target[p] = -1;   /* nothing new */
			continue;
		}
		rd_kafka_topic_partition_list_add(parts, topic, (int32_t)p)->offset = ks->read_to[p];
		left++;
	}
	uint64_t found = 0;
	int rc = 0;
	if (left)
		rd_kafka_assign(rk, parts);
	while (left && !rc && !tdp_child_stopping(c)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		tdp_child_beat(c);
		if (!m)
			continue;
		bool done = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
		if (m->err && !done) {
			tdp_kafka_error(status_of(c), "reading back: %s", rd_kafka_message_errstr(m));
		} else if (!m->err) {
			int t = take(m, fn, ctx);
			found += t > 0;
			rc = t < 0 ? TDP_EXIT_SYSTEM : 0;
		}
		int32_t p = m->partition;
		if (p >= 0 && (uint32_t)p < n && target[p] >= 0 && (done || m->offset + 1 >= target[p])) {
			/* At the end of what read_committed shows (a transaction still
			 * open elsewhere may end it early): the next call goes on from there. */
			ks->read_to[p] = done ? m->offset : m->offset + 1;
			target[p] = -1;   /* counted once */
			left--;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	free(target);
	if (!rc && left)
		rc = TDP_EXIT_SYSTEM;   /* stopped while reading */
	if (!rc)
		tdp_log("sink: %" PRIu64 " results already in %s", found, topic);
	return rc;
}
