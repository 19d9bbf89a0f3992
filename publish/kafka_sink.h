/*
 * kafka_sink.h - publish's results topic: one message per result, key =
 * the stream id, value = the result in the sink format (a JSON object
 * without its newline, or a msgpack map), headers tdapipe-scale (the scale
 * name) and tdapipe-window (the window number in decimal).
 *
 * The producer is idempotent; with exactly_once it is transactional and
 * every commit of publish's progress is one Kafka transaction.
 *
 * Crash recovery (the Kafka form of cutting a file back).  Publish's
 * commit records, per partition of the topic, the end offset of the
 * messages it covers.  A restarted publish reads the topic from there to
 * its end in read_committed mode and takes every result it finds as
 * published: it is in the view a read_committed reader has, so sending it
 * again would show it twice.  Whatever it does not find (never sent, or in
 * a transaction the restart aborted) is sent again from the out-rings.
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
	enum tdp_format format;
};

/* Open the producer (waiting, beating, while the cluster is unreachable).
 * 0, or an exit code after logging. */
int kafka_sink_open(struct kafka_sink *ks, struct tdp_child *c);
void kafka_sink_close(struct kafka_sink *ks);

/* Send result R (of STREAM, SCALE), opening a transaction first if
 * needed.  0, or -1 after logging (fatal). */
int kafka_sink_send(struct kafka_sink *ks, const struct tdp_result *r, const char *stream, const char *scale);

/*
 * Finish the cut: serve deliveries (up to TIMEOUT_MS when WAIT) until every
 * message before the cut is in; with exactly_once, commit the transaction.
 * 1 when the cut is committed to Kafka, 0 not yet, -1 fatal (logged).
 */
int kafka_sink_settle(struct kafka_sink *ks, struct tdp_child *c, bool wait);

/* The partitions' end offsets now (a first run's starting point), in OUT[nparts]. */
int kafka_sink_ends(struct kafka_sink *ks, struct tdp_child *c, int64_t *out);

/*
 * Read the topic from FROM[p] (N partitions) to its end, read_committed,
 * calling FN for every result found.  0, or an exit code after logging.
 */
typedef void (*kafka_sink_found_fn)(void *ctx, const char *stream, size_t slen, const char *scale,
				    uint64_t window);
int kafka_sink_read_back(struct kafka_sink *ks, struct tdp_child *c, const int64_t *from, uint32_t n,
			 kafka_sink_found_fn fn, void *ctx);

#endif
