/*
 * loop_kafka.c - ingest reading Kafka partitions (ingest/kafka_source.h):
 * each message decoded like a framed record, its key the stream id; the
 * position of every partition committed with each batch; partitions given
 * up only once what was read from them is published; a stream new here
 * started at the checkpoint the results topic holds for it; partitions
 * paused and resumed to keep joined streams in step (kafka_align.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/ring.h"
#include "ingest/event_time.h"
#include "ingest/ingest.h"
#include "ingest/number.h"

const char *kafka_part_name(struct ingest *in, int idx)
{
	if (!in->kname[idx][0]) {
		const struct tdp_kpart *kp = &tdp_shm_kafka(&in->child.seg)->parts[idx];
		snprintf(in->kname[idx], sizeof(in->kname[idx]), "kafka://%s/%d", kp->topic, (int)kp->partition);
	}
	return in->kname[idx];
}

bool kafka_origin(struct ingest *in, const char *name, const struct frame *f, struct stream_origin *o,
		  char *reason, size_t rlen)
{
	const struct tdp_kpart *kp = &tdp_shm_kafka(&in->child.seg)->parts[in->cur_part];
	*o = (struct stream_origin){(uint16_t)(in->cur_part + 1), 0, f->off};
	const struct topic_seen_entry *e = in->checkpoints ? topic_seen_find(&in->rt.seen, name) : NULL;
	if (!e || !e->part)
		return true;
	const struct topic_seen_part *tp = &in->rt.seen.parts[e->part - 1];
	if (tp->partition != kp->partition || strcmp(tp->topic, kp->topic)) {
		snprintf(reason, rlen,
			 "stream \"%.63s\" comes from kafka://%s/%d: it cannot also come from another partition "
			 "(key messages by stream id)", name, tp->topic, (int)tp->partition);
		return false;
	}
	o->base_seq = e->ck_seq;
	o->base_off = e->ck_off;
	return true;
}

/*
 * One Kafka message: decoded like a framed record; the key, when there is
 * one, is the stream id; event_time kafka takes the message timestamp
 * (milliseconds, exactly as nanoseconds).
 * The partition's position moves past it before stamp_record, so that a
 * batch committed from within stamp_record resumes after it.
 */
static void kafka_message(struct ingest *in, const rd_kafka_message_t *m)
{
	const struct tdp_source_cfg *src = &in->child.cfg.source;
	struct tdp_kafka_client *status = &tdp_shm_kafka(&in->child.seg)->source;
	int idx = kafka_source_part(&in->ks, m);
	kafka_source_seen(&in->ks, m, idx);
	if (m->err) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			tdp_kafka_error(status, "%s", rd_kafka_message_errstr(m));
		return;
	}
	if (idx < 0 || m->offset < in->kpos[idx])
		return;   /* a partition past the table's size; or already handled */
	struct tdp_kpart *kp = &tdp_shm_kafka(&in->child.seg)->parts[idx];
	if (in->kpos[idx] < 0 && kp->start < 0)
		kp->start = m->offset;   /* where this instance first read it: see kafka_source.h */
	in->kpos[idx] = m->offset + 1;
	tdp_counter_add(&status->messages, 1);
	struct frame f;
	framer_decode_message(src, m->payload ? m->payload : "", m->len, (uint64_t)m->offset, &f);
	char key[TDP_STREAM_NAME_MAX], why[128];
	bool keyed = m->key_len && stream_id_set(key, m->key, m->key_len, why, sizeof(why)) == 0;
	if (f.ok && m->key_len && !keyed) {
		snprintf(f.reason, sizeof(f.reason), "message key: %s", why);
		f.ok = false;
		f.dead = TDP_DEAD_MALFORMED;
	} else if (f.ok && keyed && f.dec.has_stream && strcmp(f.dec.stream, key)) {
		snprintf(f.reason, sizeof(f.reason), "stream \"%s\" in the record differs from the message key \"%s\"",
			 f.dec.stream, key);
		f.ok = false;
		f.dead = TDP_DEAD_MALFORMED;
	} else if (keyed && (f.ok || !f.dec.has_stream)) {
		/* The point's stream; or, for a bad record, what keys its dead letter. */
		memcpy(f.dec.stream, key, sizeof(key));
		f.dec.has_stream = true;
	}
	if (f.ok && src->event_time == TDP_TIME_KAFKA) {
		rd_kafka_timestamp_type_t tt;
		int64_t ts = rd_kafka_message_timestamp(m, &tt);
		if (tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0) {
			snprintf(f.reason, sizeof(f.reason), "event_time kafka: the message has no timestamp");
			f.ok = false;
			f.dead = TDP_DEAD_NO_TIME;
		} else if (event_time_from_int(ts, TDP_TIME_MS, &f.dec.t, f.reason, sizeof(f.reason)) < 0) {
			f.ok = false;   /* beyond int64 nanoseconds: the reason says so */
			f.dead = TDP_DEAD_MALFORMED;
		} else {
			f.dec.has_time = true;
		}
	}
	in->cur_part = idx;
	in->frame_source = kafka_part_name(in, idx);
	stamp_record(in, &f);
}

/*
 * Partitions are being revoked: return once every point read so far has
 * gone through every scale and its results are published (in-rings empty,
 * out-rings given back by publish, which it does after its commit), so
 * that the instance that gets the partitions finds them in the results
 * topic.  Also when stopping: the group may hand them over at once.  A
 * failed scale is not waited for; nor anything past a minute.
 */
static void drain_pipeline(void *ctx)
{
	struct ingest *in = ctx;
	struct tdp_child *c = &in->child;
	batch_flush(in, 0, 0);
	uint64_t deadline = tdp_now_ns() + 60000000000ull;
	for (;;) {
		bool busy = false;
		for (uint32_t s = 0; s < c->cfg.nscales; s++)
			busy |= !batch_scale_failed(in, s) && (tdp_ring_used(tdp_shm_in_ring(&c->seg, s)) ||
							    tdp_ring_used(tdp_shm_out_ring(&c->seg, s)));
		if (!busy)
			return;
		if (tdp_now_ns() > deadline) {
			tdp_log_warn("kafka: giving partitions up before their results are all published");
			return;
		}
		tdp_child_beat(c);
		batch_ring_bells(in);
		tdp_sleep_ms(5);
	}
}

/* Partitions new to this instance are being assigned: read the results
 * topic's checkpoints (from where the last read stopped). */
static int read_checkpoints(void *ctx)
{
	struct ingest *in = ctx;
	if (!in->checkpoints)
		return 0;
	return results_topic_read(&in->rt, &in->child) ? -1 : 0;
}

static int64_t restart_at(void *ctx, const char *topic, int32_t partition)
{
	struct ingest *in = ctx;
	const struct topic_seen_part *tp = in->checkpoints ? topic_seen_part(&in->rt.seen, topic, partition) : NULL;
	return tp ? tp->commit : -1;
}

/* Read the Kafka source until stopped (or, with stop_at_end, at the end). */
static int kafka_run(struct ingest *in)
{
	struct tdp_child *c = &in->child;
	while (!tdp_child_stopping(c) && !in->failed) {
		ssize_t n = kafka_source_poll(&in->ks, 100);
		tdp_child_beat(c);
		if (n < 0)
			return TDP_EXIT_SYSTEM;
		in->read_ns = tdp_now_ns();
		uint64_t got = 0;
		for (ssize_t i = 0; i < n; i++) {
			got += !in->ks.msgs[i]->err;
			kafka_message(in, in->ks.msgs[i]);
		}
		batch_flush(in, 0, 0);
		kafka_align_step(&in->align, in, got);
		if (c->cfg.source.kafka.stop_at_end && kafka_source_at_end(&in->ks))
			break;
	}
	return in->failed ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
}

/* Subscribe, resuming every partition this instance read before where
 * the committed body DONE says. */
static int kafka_open(struct ingest *in, const struct tdp_ingest_body *done)
{
	struct tdp_child *c = &in->child;
	char err[512];
	in->kafka = true;
	in->checkpoints = c->cfg.sink.type == TDP_SINK_KAFKA;
	results_topic_init(&in->rt, "ingest", &tdp_shm_kafka(&c->seg)->source);
	in->kname = calloc(TDP_KAFKA_MAX_PARTS, sizeof(*in->kname));
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
		in->kpos[i] = i < done->nkpos ? done->kpos[i] : -1;
	if (!in->kname || kafka_source_open(&in->ks, &c->cfg.source, c->cfg.instance, tdp_shm_kafka(&c->seg),
					    in->kpos, err, sizeof(err)) < 0) {
		tdp_log_error("%s", in->kname ? err : "out of memory");
		return TDP_EXIT_SYSTEM;
	}
	kafka_align_init(&in->align);
	in->ks.drain = drain_pipeline;
	in->ks.restore = read_checkpoints;
	in->ks.restart_at = restart_at;
	in->ks.ctx = in;
	return 0;
}

static void kafka_close(struct ingest *in)
{
	kafka_source_close(&in->ks);
	results_topic_fini(&in->rt);
	free(in->kname);
}

const struct ingest_loop loop_kafka = {kafka_open, kafka_run, kafka_close};
