/*
 * kafka.h - what ingest and publish share about librdkafka clients: a
 * client configuration from the YAML (brokers, client id, passed-through
 * properties), error and log callbacks that report into the segment's
 * struct tdp_kafka_client for `tdapipe stats`, and a producer that counts
 * its deliveries so its owner can tell when everything it sent is in.
 *
 * librdkafka retries broker errors itself; these wrappers only make the
 * retrying visible (state, errors, last_error) and turn what librdkafka
 * calls fatal into an error return, after which the process exits and the
 * supervisor restarts it.
 */
#ifndef TDP_KAFKA_H
#define TDP_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "common/config.h"
#include "common/shm.h"

/*
 * A configuration for a client of K named CLIENT_ID: bootstrap.servers,
 * client.id, tdapipe's defaults, then K's properties (which win over the
 * defaults, not over what tdapipe must set: those are refused at load).
 * Errors and state go to STATUS (may be NULL).  NULL with ERR on failure.
 */
rd_kafka_conf_t *tdp_kafka_conf(const struct tdp_kafka_cfg *k, const char *client_id,
				struct tdp_kafka_client *status, char *err, size_t errlen);

/* Set NAME=VALUE on CONF unless K's properties set NAME (a default of
 * tdapipe's a user may override); false with ERR on failure. */
bool tdp_kafka_default(rd_kafka_conf_t *conf, const struct tdp_kafka_cfg *k, const char *name,
		       const char *value, char *err, size_t errlen);

/* Set NAME=VALUE on CONF; false with ERR ("NAME: reason") on failure. */
bool tdp_kafka_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen);

/* Record that the client works (a broker answered, a message moved). */
void tdp_kafka_up(struct tdp_kafka_client *status);

/* Record an error in STATUS (counted, kept as last_error). */
void tdp_kafka_error(struct tdp_kafka_client *status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "connecting", "up", "down", "failed" or "off".  Inline: the readers of
 * the segment (stats, top) then need no librdkafka. */
static inline const char *tdp_kafka_state_name(uint32_t state)
{
	switch (state) {
	case TDP_KAFKA_CONNECTING: return "connecting";
	case TDP_KAFKA_UP: return "up";
	case TDP_KAFKA_DOWN: return "down";
	case TDP_KAFKA_FAILED: return "failed";
	default: return "off";
	}
}

/*
 * A producer of one topic that counts deliveries.  Its owner may draw a
 * cut (tdp_kproducer_cut): then it knows when every message sent before
 * the cut is delivered while later messages are still on their way.
 */
struct tdp_kproducer {
	struct tdp_kafka_client *status;   /* first member: see status_of() in common/kafka.c */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	uint64_t sent;          /* messages handed to librdkafka */
	uint64_t delivered;     /* delivery reports, success */
	uint64_t failed;        /* delivery reports, failure (a fatal condition for us) */
	char failure[200];      /* the first failure */
	int32_t nparts;         /* partitions of the topic (from metadata at open) */
	uint64_t cut_from, cut; /* the messages [cut_from, cut) in send order */
	uint64_t cut_acked;     /* delivered among them */
	uint64_t later_acked;   /* delivered among those sent after the cut */
};
_Static_assert(offsetof(struct tdp_kproducer, status) == 0, "the error callback finds status first");

/*
 * Open a producer of K's first topic.  Always idempotent; TRANSACTIONAL_ID
 * non-NULL makes it transactional (init_transactions done here);
 * COMPRESSION NULL keeps librdkafka's default.  Waits up to TIMEOUT_MS for
 * the topic's metadata (nparts).  0, or -1 with ERR.
 */
int tdp_kproducer_open(struct tdp_kproducer *p, const struct tdp_kafka_cfg *k, const char *client_id,
		       const char *transactional_id, const char *compression,
		       struct tdp_kafka_client *status, int timeout_ms, char *err, size_t errlen);
void tdp_kproducer_close(struct tdp_kproducer *p);

/*
 * Send one message (copied).  Headers: pairs of NUL-terminated name and
 * value strings, NHDR of them (may be 0).  Waits, serving delivery reports,
 * while librdkafka's queue is full.  0 or -1 with ERR (a fatal error).
 */
int tdp_kproducer_send(struct tdp_kproducer *p, const void *key, size_t klen, const void *val,
		       size_t vlen, const char *const *hdr, int nhdr, char *err, size_t errlen);

/*
 * Another topic of P's client, NAME (publish's events topic: in the same
 * transactions, deliveries counted with the others'), once its metadata
 * answers within TIMEOUT_MS; destroyed by the caller
 * (rd_kafka_topic_destroy) before P is closed.  NULL with ERR.
 */
rd_kafka_topic_t *tdp_kproducer_topic(struct tdp_kproducer *p, const char *name, int timeout_ms, char *err,
				      size_t errlen);

/* tdp_kproducer_send to topic RKT (from tdp_kproducer_topic; NULL: P's own). */
int tdp_kproducer_send_to(struct tdp_kproducer *p, rd_kafka_topic_t *rkt, const void *key, size_t klen,
			  const void *val, size_t vlen, const char *const *hdr, int nhdr, char *err, size_t errlen);

/*
 * Serve delivery reports for up to TIMEOUT_MS, returning early once every
 * message sent has a report.  1: all delivered; 0: some still out; -1: a
 * delivery failed or the client hit a fatal error (ERR says which).
 */
int tdp_kproducer_wait(struct tdp_kproducer *p, int timeout_ms, char *err, size_t errlen);

/* -1 with ERR when a delivery failed or the client hit a fatal error, else 0. */
int tdp_kproducer_check(struct tdp_kproducer *p, char *err, size_t errlen);

/* Draw a new cut after every message sent so far (the previous cut must be
 * delivered: see tdp_kproducer_cut_delivered). */
void tdp_kproducer_cut(struct tdp_kproducer *p);

/* Whether every message before the cut is delivered. */
static inline bool tdp_kproducer_cut_delivered(const struct tdp_kproducer *p)
{
	return p->cut_acked == p->cut - p->cut_from;
}

#endif
