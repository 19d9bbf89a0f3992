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
#include "common/clock.h"
#include "common/commit.h"
#include "common/exitcode.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/results_topic.h"
#include "common/ring.h"
#include "common/uring_io.h"
#include "ingest/dead_sink.h"
#include "ingest/framer.h"
#include "ingest/ingest.h"
#include "ingest/kafka_source.h"
#include "ingest/number.h"
#include "ingest/source.h"
#include "ingest/streams.h"

static const char usage[] =
	"usage: tdapipe-ingest --instance NAME\n"
	"Started by `tdapipe run`; reads the source of the instance's config.\n";

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

static void describe_source(struct ingest *in)
{
	const struct tdp_source_cfg *s = &in->child.cfg.source;
	switch (s->type) {
	case TDP_SRC_FILE: snprintf(in->source_name, sizeof(in->source_name), "%s", s->path); break;
	case TDP_SRC_STDIN: snprintf(in->source_name, sizeof(in->source_name), "stdin"); break;
	case TDP_SRC_TCP: snprintf(in->source_name, sizeof(in->source_name), "tcp://%s:%u", s->host, s->port); break;
	case TDP_SRC_UDP: snprintf(in->source_name, sizeof(in->source_name), "udp://%s:%u", s->host, s->port); break;
	case TDP_SRC_KAFKA: snprintf(in->source_name, sizeof(in->source_name), "kafka://%s", s->kafka.topics[0]); break;
	}
}

/*
 * One Kafka message: decoded like a framed record; the key, when there is
 * one, is the stream id; event_time kafka takes the message timestamp.
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
	} else if (f.ok && keyed && f.dec.has_stream && strcmp(f.dec.stream, key)) {
		snprintf(f.reason, sizeof(f.reason), "stream \"%s\" in the record differs from the message key \"%s\"",
			 f.dec.stream, key);
		f.ok = false;
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
		} else {
			f.dec.t = (double)ts / 1000.0;
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
			tdp_log("kafka: giving partitions up before their results are all published");
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

/* Input CONN stopped being msgpack (FR dead-lettered it): stop reading it,
 * loudly, since nothing after that byte is decoded. */
static void reject_input(struct ingest *in, struct framer *fr, uint32_t conn)
{
	char which[32] = "";
	if (conn)
		snprintf(which, sizeof(which), " connection %u", conn);
	tdp_log("%s%s: not msgpack at byte %llu: nothing after it is read (a dead letter says so)",
		in->source_name, which, (unsigned long long)fr->reject_off);
	framer_reject_until(fr, source_reject(&in->src, conn));
}

/* Read the Kafka source until stopped (or, with stop_at_end, at the end). */
static int run_kafka(struct ingest *in)
{
	struct tdp_child *c = &in->child;
	while (!tdp_child_stopping(c) && !in->failed) {
		ssize_t n = kafka_source_poll(&in->ks, 100);
		tdp_child_beat(c);
		if (n < 0)
			return TDP_EXIT_SYSTEM;
		for (ssize_t i = 0; i < n; i++)
			kafka_message(in, in->ks.msgs[i]);
		batch_flush(in, 0, 0);
		if (c->cfg.source.kafka.stop_at_end && kafka_source_at_end(&in->ks))
			break;
	}
	return in->failed ? TDP_EXIT_SYSTEM : TDP_EXIT_OK;
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
	if (!in.pending || streams_init(&in.streams, &c->seg) < 0 || (rc = dead_sink_open(&in.dead, c)))
		return rc ? rc : TDP_EXIT_SYSTEM;
	char err[512];
	/* A restarted ingest finishes its predecessor's commit, takes back
	 * dead letters written after it, and resumes a file there. */
	const struct tdp_ingest_body *done = TDP_LIVE(tdp_shm_ingest_commit(&c->seg));
	batch_redo(&c->seg, done);
	if ((rc = dead_sink_resume(&in.dead, done->dead_len)))
		return rc;
	if (c->cfg.source.type == TDP_SRC_KAFKA) {
		in.kafka = true;
		in.checkpoints = c->cfg.sink.type == TDP_SINK_KAFKA;
		results_topic_init(&in.rt, "ingest", &tdp_shm_kafka(&c->seg)->source);
		in.kname = calloc(TDP_KAFKA_MAX_PARTS, sizeof(*in.kname));
		for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++)
			in.kpos[i] = i < done->nkpos ? done->kpos[i] : -1;
		if (!in.kname || kafka_source_open(&in.ks, &c->cfg.source, c->cfg.instance, tdp_shm_kafka(&c->seg),
						   in.kpos, err, sizeof(err)) < 0) {
			tdp_log("%s", in.kname ? err : "out of memory");
			return TDP_EXIT_SYSTEM;
		}
		in.ks.drain = drain_pipeline;
		in.ks.restore = read_checkpoints;
		in.ks.restart_at = restart_at;
		in.ks.ctx = &in;
		rc = run_kafka(&in);
		kafka_source_close(&in.ks);
		results_topic_fini(&in.rt);
		goto finish;
	}
	uint64_t resume = c->cfg.source.type == TDP_SRC_FILE ? done->resume_off : 0;
	uint64_t resume_line = c->cfg.source.type == TDP_SRC_FILE ? done->resume_line : 0;
	if (source_open(&in.src, &c->cfg.source, resume, err, sizeof(err)) < 0) {
		tdp_log("%s", err);
		return TDP_EXIT_SYSTEM;
	}
	if (c->cfg.source.type == TDP_SRC_TCP || c->cfg.source.type == TDP_SRC_UDP)
		tdp_log("listening on %s", in.source_name);
	in.src.stats = c->slot->conns;
	uint32_t ninputs = source_inputs(&in.src);
	if (!(in.framers = calloc(ninputs, sizeof(*in.framers)))) {
		tdp_log("out of memory for %u connections", ninputs - 1);
		return TDP_EXIT_SYSTEM;
	}
	for (uint32_t i = 0; i < ninputs; i++)
		framer_init(&in.framers[i], &c->cfg.source, i == 0 ? resume_line : 0);

	rc = TDP_EXIT_OK;
	while (!tdp_child_stopping(c) && !in.failed) {
		struct source_chunk chunk;
		int got = source_next(&in.src, &chunk, 100);
		tdp_child_beat(c);
		if (got == 0) {
			dead_sink_kick(&in.dead);
			continue;
		}
		if (got < 0 && got != -ENODATA) {
			tdp_log("reading %s: %s", in.source_name, strerror(-got));
			rc = TDP_EXIT_SYSTEM;
			break;
		}
		struct framer *fr = &in.framers[chunk.conn];
		framer_feed(fr, &chunk, stamp_record, &in);
		if (fr->rejected)
			reject_input(&in, fr, chunk.conn);
		batch_flush(&in, fr->end_off, fr->line);
		if (chunk.end && chunk.conn) {
			framer_fini(fr);
			framer_init(fr, &c->cfg.source, 0);
		}   /* a closed connection's next user starts afresh */
		if (got == -ENODATA)
			break;
	}
	if (in.src.shrank) {
		/* Records may have been lost with what was cut off: say so here,
		 * and let the supervisor's exit status say so too. */
		tdp_log("%s shrank to %llu bytes while being read (%llu bytes were read): what it held "
			"past that was never read", in.source_name, (unsigned long long)in.src.size_seen,
			(unsigned long long)in.src.off);
		h->source_shrank_to = in.src.size_seen;
		atomic_store_explicit((_Atomic uint32_t *)&h->source_shrank, 1, memory_order_release);
	}
	source_close(&in.src);
	for (uint32_t i = 0; i < ninputs; i++)
		framer_fini(&in.framers[i]);
	free(in.framers);
	if (in.failed)
		rc = TDP_EXIT_SYSTEM;
finish:
	if (dead_sink_flush(&in.dead) < 0)
		rc = TDP_EXIT_SYSTEM;   /* as during the run: restarted, it resumes at its commit */
	/* No more points: workers finish what is in their rings, then exit. */
	if (rc == TDP_EXIT_OK) {
		atomic_store_explicit((_Atomic uint32_t *)&h->ingest_done, 1, memory_order_release);
		batch_ring_bells(&in);
		tdp_child_done(c);
	}
	dead_sink_close(&in.dead);
	free(in.kname);
	streams_fini(&in.streams);
	free(in.pending);
	return rc;
}
