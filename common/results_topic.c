#include "common/results_topic.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exitcode.h"
#include "common/log.h"

#define QUERY_TIMEOUT_MS 2000

void results_topic_init(struct results_topic *rt, const char *role, struct tdp_kafka_client *status)
{
	memset(rt, 0, sizeof(*rt));
	rt->role = role;
	rt->status = status;
	topic_seen_init(&rt->seen);
}

void results_topic_fini(struct results_topic *rt)
{
	free(rt->read_to);
	topic_seen_fini(&rt->seen);
	memset(rt, 0, sizeof(*rt));
}

void results_checkpoint_format(char *out, size_t len, uint64_t seq, uint64_t off, int64_t commit,
			       const char *topic, int32_t partition)
{
	snprintf(out, len, "%" PRIu64 " %" PRIu64 " %" PRId64 " %d %s", seq, off, commit, (int)partition, topic);
}

int results_checkpoint_parse(const char *v, size_t len, uint64_t *seq, uint64_t *off, int64_t *commit,
			     char topic[TDP_KAFKA_TOPIC_MAX], int32_t *partition)
{
	char buf[TDP_KAFKA_TOPIC_MAX + 96];
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	unsigned long long s, o;
	long long c;
	int p, used = 0;
	if (sscanf(buf, "%llu %llu %lld %d %n", &s, &o, &c, &p, &used) != 4 || !used || p < 0 ||
	    !buf[used] || strlen(buf + used) >= TDP_KAFKA_TOPIC_MAX || strchr(buf + used, ' '))
		return -1;
	*seq = s;
	*off = o;
	*commit = c;
	*partition = p;
	strcpy(topic, buf + used);
	return 0;
}

/* A consumer of the results topic, read_committed, partitions assigned by
 * hand; NULL after logging. */
static rd_kafka_t *open_reader(struct results_topic *rt, struct tdp_child *c)
{
	char id[TDP_NAME_MAX + 40], err[512];
	snprintf(id, sizeof(id), "tdapipe-%s-%s-reader", c->cfg.instance, rt->role);
	rd_kafka_conf_t *conf = tdp_kafka_conf(&c->cfg.sink.kafka, id, NULL, err, sizeof(err));
	/* A group id of its own, never joined nor committed to: librdkafka's
	 * consumer wants one even when partitions are assigned by hand. */
	if (!conf || !tdp_kafka_set(conf, "isolation.level", "read_committed", err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "group.id", id, err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "enable.auto.commit", "false", err, sizeof(err)) ||
	    !tdp_kafka_set(conf, "enable.partition.eof", "true", err, sizeof(err))) {
		tdp_log_error("results topic: reader: %s", err);
		if (conf)
			rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk)
		tdp_log_error("results topic: reader: %s", err);
	return rk;
}

/* The topic's partitions and their end offsets now, in *TARGET (malloc'd,
 * rt->nparts entries); read_to grows with new partitions.  0 or an exit code. */
static int ends(struct results_topic *rt, struct tdp_child *c, rd_kafka_t *rk, int64_t **target)
{
	const char *topic = c->cfg.sink.kafka.topics[0];
	int32_t n = -1;
	while (n < 0) {
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
		rd_kafka_resp_err_t e = rkt ? rd_kafka_metadata(rk, 0, rkt, &md, QUERY_TIMEOUT_MS)
					    : RD_KAFKA_RESP_ERR__FAIL;
		if (!e && md->topic_cnt == 1 && !md->topics[0].err)
			n = md->topics[0].partition_cnt;
		else if (!e && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			n = 0;   /* not created yet: it holds nothing */
		else
			tdp_kafka_error(rt->status, "metadata of %s: %s", topic,
					rd_kafka_err2str(e ? e : md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__FAIL));
		if (md)
			rd_kafka_metadata_destroy(md);
		if (rkt)
			rd_kafka_topic_destroy(rkt);
		tdp_child_beat(c);
		if (n < 0 && tdp_child_stopping(c))
			return TDP_EXIT_SYSTEM;
	}
	if (n > rt->nparts) {
		int64_t *r = realloc(rt->read_to, sizeof(int64_t) * (size_t)n);
		if (!r)
			return TDP_EXIT_SYSTEM;
		for (int32_t p = rt->nparts; p < n; p++)
			r[p] = RD_KAFKA_OFFSET_BEGINNING;
		rt->read_to = r;
		rt->nparts = n;
	}
	if (!(*target = calloc((size_t)(n ? n : 1), sizeof(int64_t))))
		return TDP_EXIT_SYSTEM;
	for (int32_t p = 0; p < n; p++) {
		int64_t lo, hi;
		rd_kafka_resp_err_t e;
		while ((e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, QUERY_TIMEOUT_MS))) {
			tdp_kafka_error(rt->status, "end offset of %s [%d]: %s", topic, (int)p, rd_kafka_err2str(e));
			tdp_child_beat(c);
			if (tdp_child_stopping(c)) {
				free(*target);
				return TDP_EXIT_SYSTEM;
			}
		}
		(*target)[p] = hi;
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

/* Record message M, if it is a result (key, tdapipe-scale, tdapipe-window).
 * 1 a result, 0 not one, -1 out of memory. */
static int take(struct results_topic *rt, const struct tdp_config *cfg, const rd_kafka_message_t *m)
{
	size_t sl, wl, cl;
	const char *scale = header(m, "tdapipe-scale", &sl);
	const char *win = header(m, "tdapipe-window", &wl);
	const char *ck = header(m, RESULTS_CHECKPOINT_HEADER, &cl);
	char sname[TDP_NAME_MAX], wbuf[24];
	if (!scale || !win || sl >= sizeof(sname) || wl >= sizeof(wbuf) || !m->key)
		return 0;
	memcpy(sname, scale, sl);
	sname[sl] = 0;
	memcpy(wbuf, win, wl);
	wbuf[wl] = 0;
	int s = tdp_config_scale_index(cfg, sname);
	if (s >= 0 && topic_seen_add(&rt->seen, m->key, m->key_len, (uint32_t)s, strtoull(wbuf, NULL, 10)) < 0)
		return -1;
	uint64_t seq, off;
	int64_t commit;
	int32_t part;
	char topic[TDP_KAFKA_TOPIC_MAX];
	if (ck && results_checkpoint_parse(ck, cl, &seq, &off, &commit, topic, &part) == 0 &&
	    topic_seen_checkpoint(&rt->seen, m->key, m->key_len, topic, part, seq, off, commit) < 0)
		return -1;
	return 1;
}

int results_topic_read(struct results_topic *rt, struct tdp_child *c)
{
	const char *topic = c->cfg.sink.kafka.topics[0];
	int64_t *target = NULL;
	rd_kafka_t *rk = open_reader(rt, c);
	int rc = rk ? ends(rt, c, rk, &target) : TDP_EXIT_SYSTEM;
	if (rc) {
		if (rk)
			rd_kafka_destroy(rk);
		return rc;
	}
	uint32_t n = (uint32_t)rt->nparts;
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)n);
	uint32_t left = 0;
	for (uint32_t p = 0; p < n; p++) {
		if (target[p] <= 0 || rt->read_to[p] >= target[p]) {
			target[p] = -1;   /* nothing new */
			continue;
		}
		rd_kafka_topic_partition_list_add(parts, topic, (int32_t)p)->offset = rt->read_to[p];
		left++;
	}
	uint64_t found = 0;
	if (left)
		rd_kafka_assign(rk, parts);
	while (left && !rc && !tdp_child_stopping(c)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		tdp_child_beat(c);
		if (!m)
			continue;
		bool done = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
		if (m->err && !done) {
			tdp_kafka_error(rt->status, "reading %s back: %s", topic, rd_kafka_message_errstr(m));
		} else if (!m->err) {
			int t = take(rt, &c->cfg, m);
			found += t > 0;
			if (t < 0) {
				tdp_log_error("results topic: out of memory reading it back");
				rc = TDP_EXIT_SYSTEM;
			}
		}
		int32_t p = m->partition;
		if (p >= 0 && (uint32_t)p < n && target[p] >= 0 && (done || m->offset + 1 >= target[p])) {
			/* At the end of what read_committed shows (a transaction still
			 * open elsewhere may end it early): the next call goes on from there. */
			rt->read_to[p] = done ? m->offset : m->offset + 1;
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
		tdp_log("%s reader: %" PRIu64 " results already in %s", rt->role, found, topic);
	return rc;
}
