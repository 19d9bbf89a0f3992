/*
 * kafka_sink.h - publish's results topic: one message per result, key =
 * the stream id, value = the result in the sink format (a JSON object
 * without its newline, or a msgpack map), headers tdapipe-scale (the scale
 * name) and tdapipe-window (the window number in decimal).
 *
 * The producer is idempotent; with exactly_once it is transactional and
 * every commit of publish's progress is one Kafka transaction.
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
 */
#ifndef TDP_KAFKA_SINK_H
#define TDP_KAFKA_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/child.h"
#include "common/kafka.h"
#include "common/record.h"

struct kafka_sink {
	struct tdp_kproducer kp;
	struct tdp_buf msg;
	bool eos;            /* transactional */
	bool in_txn;         /* a transaction is open */
	uint64_t txn_start_ns;   /* when it began (CLOCK_MONOTONIC) */
	enum tdp_format format;
	rd_kafka_consumer_group_metadata_t *group;   /* exactly_once with a Kafka source: offsets go in */
};

/* Open the producer (waiting, beating, while the cluster is unreachable).
 * 0, or an exit code after logging. */
int kafka_sink_open(struct kafka_sink *ks, struct tdp_child *c);
void kafka_sink_close(struct kafka_sink *ks);

/* Send result R (of STREAM, SCALE), opening a transaction first if
 * needed.  CHECKPOINT: the tdapipe-checkpoint header's value, or NULL
 * (common/results_topic.h).  0, or -1 after logging (fatal). */
int kafka_sink_send(struct kafka_sink *ks, const struct tdp_result *r, const char *stream, const char *scale,
		    const char *checkpoint);

/* The source offsets to commit with the transaction, built by the caller
 * when the transaction is about to commit (NULL: none); the sink frees it. */
typedef rd_kafka_topic_partition_list_t *(*kafka_sink_offsets_fn)(void *ctx);

/*
 * Finish the cut: serve deliveries (while WAIT) until every message before
 * the cut is in; with exactly_once, send the source offsets OFFSETS(CTX)
 * gives to the transaction (consume-transform-produce) and commit it.
 * 1 when the cut is committed to Kafka, 0 not yet, -1 fatal (logged).
 */
int kafka_sink_settle(struct kafka_sink *ks, struct tdp_child *c, bool wait,
		      kafka_sink_offsets_fn offsets, void *ctx);

#endif
