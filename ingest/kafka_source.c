#include "ingest/kafka_source.h"

#include <stdio.h>
#include <string.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/log.h"

#define WATERMARK_EVERY_NS 200000000ull

/* Index of (TOPIC, PARTITION) in the segment's table, -1 if not there. */
static int find(const struct tdp_kafka_block *kb, const char *topic, int32_t partition)
{
	for (uint32_t i = 0; i < kb->nparts; i++)
		if (kb->parts[i].partition == partition && !strcmp(kb->parts[i].topic, topic))
			return (int)i;
	return -1;
}

/* Index of (TOPIC, PARTITION) in the segment's table, interning it; -1 when full. */
static int intern(struct kafka_source *ks, const char *topic, int32_t partition)
{
	struct tdp_kafka_block *kb = ks->kb;
	int found = find(kb, topic, partition);
	if (found >= 0)
		return found;
	uint32_t n = kb->nparts;
	if (n >= TDP_KAFKA_MAX_PARTS)
		return -1;
	struct tdp_kpart *kp = &kb->parts[n];
	snprintf(kp->topic, sizeof(kp->topic), "%s", topic);
	kp->partition = partition;
	kp->high_watermark = -1;
	kp->start = -1;
	tdp_store_release_u32(&kb->nparts, n + 1);
	return (int)n;
}

static void set_assigned(struct kafka_source *ks, int idx, uint32_t on)
{
	tdp_store_u32(&ks->kb->parts[idx].assigned, on);
	ks->eof[idx] = false;
	if (ks->paused[idx])
		kafka_source_pause(ks, idx, false);   /* librdkafka would keep it paused */
}

int kafka_source_pause(struct kafka_source *ks, int idx, bool pause)
{
	const struct tdp_kpart *kp = &ks->kb->parts[idx];
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(l, kp->topic, kp->partition);
	rd_kafka_resp_err_t e = pause ? rd_kafka_pause_partitions(ks->rk, l) : rd_kafka_resume_partitions(ks->rk, l);
	if (!e)
		e = tp->err;
	rd_kafka_topic_partition_list_destroy(l);
	if (e) {
		tdp_log_warn("kafka: %s %s [%d]: %s", pause ? "pause" : "resume", kp->topic, (int)kp->partition,
			     rd_kafka_err2str(e));
		return -1;
	}
	ks->paused[idx] = pause;
	return 0;
}

/* Where partition IDX (assigned at OFFSET by the group) starts: see
 * kafka_source.h. */
static int64_t start_of(struct kafka_source *ks, int idx, int64_t offset)
{
	struct tdp_kpart *kp = &ks->kb->parts[idx];
	if (ks->pos[idx] >= 0)
		return ks->pos[idx];
	if (kp->start >= 0)
		return kp->start;
	int64_t at = ks->restart_at ? ks->restart_at(ks->ctx, kp->topic, kp->partition) : -1;
	if (at < 0)
		return offset;
	kp->start = at;   /* before any of its streams is interned */
	tdp_log("kafka: %s [%d] starts at offset %lld, its checkpoint", kp->topic, (int)kp->partition,
		(long long)at);
	return at;
}

/*
 * Assignment: partitions this instance read before resume where its last
 * commit says; the others start at their checkpoints, read back first
 * (ks->restore), or from the group's offset.  A partition past the table's
 * size is not taken at all (its lag shows in the group) rather than read
 * and dropped.  Revocation first waits (ks->drain) until what was read is
 * published.
 */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct kafka_source *ks = opaque;
	bool coop = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	tdp_counter_add(&ks->status->rebalances, 1);
	tdp_kafka_up(ks->status);
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_topic_partition_list_t *take = rd_kafka_topic_partition_list_new(parts->cnt);
		bool unknown = false;
		for (int i = 0; i < parts->cnt; i++) {
			int idx = intern(ks, parts->elems[i].topic, parts->elems[i].partition);
			unknown |= idx >= 0 && ks->pos[idx] < 0;
		}
		if (unknown && ks->restore && ks->restore(ks->ctx) < 0)
			ks->failed = true;
		for (int i = 0; i < parts->cnt; i++) {
			const rd_kafka_topic_partition_t *tp = &parts->elems[i];
			int idx = find(ks->kb, tp->topic, tp->partition);
			if (idx < 0) {
				if (!ks->overflowed)
					tdp_log_warn("kafka: more than %d partitions assigned: %s [%d] and later ones are not read",
						TDP_KAFKA_MAX_PARTS, tp->topic, (int)tp->partition);
				ks->overflowed = true;
				tdp_kafka_error(ks->status, "more than %d partitions assigned", TDP_KAFKA_MAX_PARTS);
				continue;
			}
			rd_kafka_topic_partition_list_add(take, tp->topic, tp->partition)->offset =
				start_of(ks, idx, tp->offset);
			set_assigned(ks, idx, 1);
		}
		tdp_add_release_u32(&ks->kb->assignments, 1);
		rd_kafka_error_t *e = NULL;
		if (coop)
			e = rd_kafka_incremental_assign(rk, take);
		else
			rd_kafka_assign(rk, take);
		if (e) {
			tdp_kafka_error(ks->status, "assign: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
		}
		rd_kafka_topic_partition_list_destroy(take);
		return;
	}
	if (ks->drain)
		ks->drain(ks->ctx);
	for (int i = 0; i < parts->cnt; i++) {
		int idx = find(ks->kb, parts->elems[i].topic, parts->elems[i].partition);
		if (idx >= 0)
			set_assigned(ks, idx, 0);
	}
	if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
		tdp_kafka_error(ks->status, "rebalance: %s", rd_kafka_err2str(err));
	if (coop) {
		rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
		if (e)
			rd_kafka_error_destroy(e);
	} else {
		rd_kafka_assign(rk, NULL);
	}
}

int kafka_source_open(struct kafka_source *ks, const struct tdp_source_cfg *cfg, const char *instance,
		      struct tdp_kafka_block *kb, int64_t *pos, char *err, size_t errlen)
{
	memset(ks, 0, sizeof(*ks));
	ks->status = &kb->source;
	ks->kb = kb;
	ks->pos = pos;
	ks->last_idx = -1;
	for (uint32_t i = 0; i < kb->nparts; i++)
		kb->parts[i].assigned = 0;
	char client_id[TDP_NAME_MAX + 32];
	snprintf(client_id, sizeof(client_id), "tdapipe-%s-ingest", instance);
	rd_kafka_conf_t *conf = tdp_kafka_conf(&cfg->kafka, client_id, ks->status, err, errlen);
	if (!conf)
		return -1;
	/*
	 * Defaults the user's properties may override: a new group reads its
	 * topics from the start, as a stream processor should; and librdkafka
	 * keeps fetching until a million messages wait (bounded anyway by
	 * queued.max.messages.kbytes), because with its default of 100,000
	 * small messages a group consumer stops fetching every partition and
	 * looks again only a second later.  Offsets are ingest's business
	 * (committed in the segment), never librdkafka's automatic commits.
	 */
	bool ok = tdp_kafka_default(conf, &cfg->kafka, "auto.offset.reset", "earliest", err, errlen) &&
		  tdp_kafka_default(conf, &cfg->kafka, "queued.min.messages", "1000000", err, errlen) &&
		  tdp_kafka_set(conf, "group.id", cfg->kafka.group, err, errlen) &&
		  tdp_kafka_set(conf, "enable.auto.commit", "false", err, errlen) &&
		  tdp_kafka_set(conf, "enable.auto.offset.store", "false", err, errlen) &&
		  tdp_kafka_set(conf, "enable.partition.eof", cfg->kafka.stop_at_end ? "true" : "false",
				err, errlen);
	if (!ok) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_opaque(conf, ks);
	char why[512];
	if (!(ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
		snprintf(err, errlen, "kafka consumer: %s", why);
		return -1;
	}
	rd_kafka_poll_set_consumer(ks->rk);
	ks->q = rd_kafka_queue_get_consumer(ks->rk);
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)cfg->kafka.ntopics);
	for (uint32_t i = 0; i < cfg->kafka.ntopics; i++)
		rd_kafka_topic_partition_list_add(topics, cfg->kafka.topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(ks->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e) {
		snprintf(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

static void release(struct kafka_source *ks)
{
	for (ssize_t i = 0; i < ks->nmsgs; i++)
		rd_kafka_message_destroy(ks->msgs[i]);
	ks->nmsgs = 0;
}

void kafka_source_close(struct kafka_source *ks)
{
	release(ks);
	if (ks->q)
		rd_kafka_queue_destroy(ks->q);
	if (ks->rk) {
		rd_kafka_consumer_close(ks->rk);   /* leave the group now, not at session timeout */
		rd_kafka_destroy(ks->rk);
	}
	ks->q = NULL;
	ks->rk = NULL;
}

/* Copy the partitions' end offsets (librdkafka's cached values) for lag. */
static void watermarks(struct kafka_source *ks)
{
	uint64_t now = tdp_now_ns();
	if (now - ks->wm_ns < WATERMARK_EVERY_NS)
		return;
	ks->wm_ns = now;
	struct tdp_kafka_block *kb = ks->kb;
	for (uint32_t i = 0; i < kb->nparts; i++) {
		int64_t lo, hi;
		if (!kb->parts[i].assigned ||
		    rd_kafka_get_watermark_offsets(ks->rk, kb->parts[i].topic, kb->parts[i].partition, &lo, &hi))
			continue;
		if (hi >= 0)
			tdp_store_i64(&kb->parts[i].high_watermark, hi);
	}
}

ssize_t kafka_source_poll(struct kafka_source *ks, int timeout_ms)
{
	release(ks);
	watermarks(ks);
	if (ks->failed)
		return -1;
	char why[256];
	if (rd_kafka_fatal_error(ks->rk, why, sizeof(why))) {
		tdp_log_error("kafka consumer: fatal: %s", why);
		return -1;
	}
	ssize_t n = rd_kafka_consume_batch_queue(ks->q, timeout_ms, ks->msgs, KAFKA_SOURCE_BATCH);
	if (n < 0) {
		tdp_log_warn("kafka consume: %s", rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	ks->nmsgs = n;
	return n;
}

int kafka_source_part(struct kafka_source *ks, const rd_kafka_message_t *m)
{
	if (m->rkt == ks->last_rkt && m->partition == ks->last_partition)
		return ks->last_idx;
	if (!m->rkt)
		return -1;
	int idx = find(ks->kb, rd_kafka_topic_name(m->rkt), m->partition);
	if (idx >= 0) {
		ks->last_rkt = m->rkt;
		ks->last_partition = m->partition;
		ks->last_idx = idx;
	}
	return idx;
}

void kafka_source_seen(struct kafka_source *ks, const rd_kafka_message_t *m, int idx)
{
	if (idx < 0)
		return;
	ks->eof[idx] = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
	if (!m->err)
		tdp_kafka_up(ks->status);
}

bool kafka_source_at_end(const struct kafka_source *ks)
{
	const struct tdp_kafka_block *kb = ks->kb;
	uint32_t assigned = 0;
	for (uint32_t i = 0; i < kb->nparts; i++) {
		if (!kb->parts[i].assigned)
			continue;
		if (!ks->eof[i])
			return false;
		assigned++;
	}
	return assigned > 0;
}
