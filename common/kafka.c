#include "common/kafka.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/atomics.h"
#include "common/counter.h"
#include "common/log.h"

/*
 * Every client's opaque points at a struct whose first member is its
 * struct tdp_kafka_client pointer (struct tdp_kproducer, ingest's source),
 * so one error callback serves them all.
 */
static struct tdp_kafka_client *status_of(void *opaque)
{
	return opaque ? *(struct tdp_kafka_client **)opaque : NULL;
}

static void set_state(struct tdp_kafka_client *st, uint32_t state)
{
	if (st)
		tdp_store_u32(&st->state, state);
}

void tdp_kafka_up(struct tdp_kafka_client *status)
{
	if (status && status->state != TDP_KAFKA_UP && status->state != TDP_KAFKA_FAILED)
		set_state(status, TDP_KAFKA_UP);
}

void tdp_kafka_error(struct tdp_kafka_client *status, const char *fmt, ...)
{
	if (!status)
		return;
	char msg[sizeof(status->last_error)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Readers (stats) may see a torn message: it is a diagnostic. */
	memcpy(status->last_error, msg, sizeof(msg));
	tdp_counter_add(&status->errors, 1);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct tdp_kafka_client *st = status_of(opaque);
	tdp_kafka_error(st, "%s", reason);
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[256];
		rd_kafka_fatal_error(rk, why, sizeof(why));
		tdp_log_error("kafka: fatal: %s", why);
		set_state(st, TDP_KAFKA_FAILED);
	} else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		set_state(st, TDP_KAFKA_DOWN);
	}
}

/* librdkafka's own log lines, through ours (warnings and worse only). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= LOG_WARNING)
		tdp_log_warn("librdkafka %s: %s", fac, buf);
}

bool tdp_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
	char why[256];
	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return true;
	snprintf(err, errlen, "%s: %s", name, why);
	return false;
}

bool tdp_kafka_default(rd_kafka_conf_t *conf, const struct tdp_kafka_cfg *k, const char *name,
		       const char *value, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < k->nprops; i++)
		if (!strcmp(k->props[i].name, name))
			return true;
	return tdp_kafka_set(conf, name, value, err, errlen);
}

rd_kafka_conf_t *tdp_kafka_conf(const struct tdp_kafka_cfg *k, const char *client_id,
				struct tdp_kafka_client *status, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	bool ok = tdp_kafka_set(conf, "bootstrap.servers", k->brokers, err, errlen) &&
		  tdp_kafka_set(conf, "client.id", client_id, err, errlen);
	for (uint32_t i = 0; ok && i < k->nprops; i++)
		ok = tdp_kafka_set(conf, k->props[i].name, k->props[i].value, err, errlen);
	if (!ok) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	set_state(status, TDP_KAFKA_CONNECTING);
	return conf;
}

/* ------------------------------------------------------------ producer */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	struct tdp_kproducer *p = opaque;
	if (m->err) {
		if (!p->failed++)
			snprintf(p->failure, sizeof(p->failure), "delivery to %s [%d] failed: %s",
				 rd_kafka_topic_name(m->rkt), (int)m->partition, rd_kafka_err2str(m->err));
		tdp_kafka_error(p->status, "delivery failed: %s", rd_kafka_err2str(m->err));
		return;
	}
	p->delivered++;
	if (p->status)
		tdp_counter_add(&p->status->messages, 1);
	tdp_kafka_up(p->status);
	uint64_t seq = (uint64_t)(uintptr_t)m->_private;
	if (seq >= p->cut) {
		p->later_acked++;
		return;
	}
	p->cut_acked++;
}

void tdp_kproducer_cut(struct tdp_kproducer *p)
{
	p->cut_from = p->cut;
	p->cut = p->sent;
	p->cut_acked = p->later_acked;
	p->later_acked = 0;
}

int tdp_kproducer_open(struct tdp_kproducer *p, const struct tdp_kafka_cfg *k, const char *client_id,
		       const char *transactional_id, const char *compression,
		       struct tdp_kafka_client *status, int timeout_ms, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->status = status;
	rd_kafka_conf_t *conf = tdp_kafka_conf(k, client_id, status, err, errlen);
	if (!conf)
		return -1;
	/*
	 * Idempotent: librdkafka retries without duplicating or reordering.
	 * A plain producer never gives up on a message (the broker may be
	 * down for a while); a transactional one must, within its
	 * transaction's timeout, and its owner then aborts and re-sends.
	 */
	bool ok = tdp_kafka_set(conf, "enable.idempotence", "true", err, errlen) &&
		  (!compression || tdp_kafka_set(conf, "compression.type", compression, err, errlen)) &&
		  (transactional_id ? tdp_kafka_set(conf, "transactional.id", transactional_id, err, errlen)
				    : tdp_kafka_set(conf, "message.timeout.ms", "0", err, errlen));
	if (!ok) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, p);
	char why[512];
	if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
		snprintf(err, errlen, "kafka producer: %s", why);
		return -1;
	}
	p->rkt = rd_kafka_topic_new(p->rk, k->topics[0], NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, p->rkt, &md, timeout_ms);
	if (!e && md->topic_cnt == 1 && md->topics[0].err)
		e = md->topics[0].err;
	if (e) {
		snprintf(err, errlen, "topic %s on %s: %s", k->topics[0], k->brokers, rd_kafka_err2str(e));
		if (md)
			rd_kafka_metadata_destroy(md);
		tdp_kproducer_close(p);
		return -1;
	}
	p->nparts = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	tdp_kafka_up(status);
	if (transactional_id) {
		rd_kafka_error_t *te = rd_kafka_init_transactions(p->rk, timeout_ms);
		if (te) {
			snprintf(err, errlen, "init_transactions (transactional.id %s): %s", transactional_id,
				 rd_kafka_error_string(te));
			rd_kafka_error_destroy(te);
			tdp_kproducer_close(p);
			return -1;
		}
	}
	return 0;
}

void tdp_kproducer_close(struct tdp_kproducer *p)
{
	if (p->rkt)
		rd_kafka_topic_destroy(p->rkt);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	memset(p, 0, sizeof(*p));
}

int tdp_kproducer_check(struct tdp_kproducer *p, char *err, size_t errlen)
{
	char why[256];
	if (rd_kafka_fatal_error(p->rk, why, sizeof(why))) {
		snprintf(err, errlen, "kafka producer: fatal: %s", why);
		return -1;
	}
	if (p->failed) {
		snprintf(err, errlen, "%s", p->failure);
		return -1;
	}
	return 0;
}

int tdp_kproducer_send(struct tdp_kproducer *p, const void *key, size_t klen, const void *val,
		       size_t vlen, const char *const *hdr, int nhdr, char *err, size_t errlen)
{
	return tdp_kproducer_send_to(p, NULL, key, klen, val, vlen, hdr, nhdr, err, errlen);
}

rd_kafka_topic_t *tdp_kproducer_topic(struct tdp_kproducer *p, const char *name, int timeout_ms, char *err,
				      size_t errlen)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->rk, name, NULL);
	if (!rkt) {
		snprintf(err, errlen, "topic %s: %s", name, rd_kafka_err2str(rd_kafka_last_error()));
		return NULL;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(p->rk, 0, rkt, &md, timeout_ms);
	if (!e && md->topic_cnt == 1 && md->topics[0].err)
		e = md->topics[0].err;
	if (md)
		rd_kafka_metadata_destroy(md);
	if (e) {
		snprintf(err, errlen, "topic %s: %s", name, rd_kafka_err2str(e));
		rd_kafka_topic_destroy(rkt);
		return NULL;
	}
	return rkt;
}

int tdp_kproducer_send_to(struct tdp_kproducer *p, rd_kafka_topic_t *rkt, const void *key, size_t klen,
			  const void *val, size_t vlen, const char *const *hdr, int nhdr, char *err, size_t errlen)
{
	if (!rkt)
		rkt = p->rkt;
	for (;;) {
		rd_kafka_headers_t *hs = NULL;
		if (nhdr) {
			hs = rd_kafka_headers_new((size_t)nhdr);
			for (int i = 0; i < nhdr; i++)
				rd_kafka_header_add(hs, hdr[2 * i], -1, hdr[2 * i + 1], -1);
		}
		rd_kafka_resp_err_t e = rd_kafka_producev(
			p->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)val, vlen),
			RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)p->sent), RD_KAFKA_V_END);
		if (!e) {
			p->sent++;
			return 0;
		}
		if (hs)
			rd_kafka_headers_destroy(hs);   /* only owned by librdkafka on success */
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(err, errlen, "kafka produce: %s", rd_kafka_err2str(e));
			return -1;
		}
		rd_kafka_poll(p->rk, 10);   /* full: let deliveries drain it */
		if (tdp_kproducer_check(p, err, errlen))
			return -1;
	}
}

int tdp_kproducer_wait(struct tdp_kproducer *p, int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_poll(p->rk, 0);
	if (p->delivered + p->failed < p->sent && timeout_ms > 0)
		rd_kafka_flush(p->rk, timeout_ms);   /* serves the reports; returns when none are out */
	if (tdp_kproducer_check(p, err, errlen))
		return -1;
	return p->delivered + p->failed >= p->sent;
}
