/*
 * dead_sink.h - where ingest's dead letters go: a file, stderr, or a
 * Kafka topic.  The same JSON object either way (deadletter.h): a line of
 * the file, or one message, without the newline, keyed like the record.
 *
 * Ingest commits a batch only after dead_sink_flush: the dead letters of
 * its records are written (file) or delivered (Kafka) by then.  A file is
 * cut back to its committed length by a restarted ingest; Kafka messages
 * cannot be taken back, so a dead letter delivered just before ingest was
 * killed, and not committed, is sent again.
 */
#ifndef TDP_DEAD_SINK_H
#define TDP_DEAD_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/child.h"
#include "common/kafka.h"
#include "common/uring_io.h"
#include "ingest/deadletter.h"
#include "ingest/framer.h"

struct dead_sink {
	struct tdp_child *child;
	bool kafka;
	struct tdp_writer file;     /* file or stderr */
	struct tdp_kproducer kp;    /* kafka */
	struct tdp_buf msg;         /* kafka: the message being built */
};

/* Open the config's dead-letter sink; a Kafka cluster not reachable yet is
 * waited for (beating).  0, or an exit code after logging. */
int dead_sink_open(struct dead_sink *d, struct tdp_child *c);
void dead_sink_close(struct dead_sink *d);

/* A restarted ingest: cut the file back to LEN bytes (Kafka: nothing).
 * 0, or an exit code after logging. */
int dead_sink_resume(struct dead_sink *d, uint64_t len);

/* The dead letter of F for REASON, from SOURCE, with TIME's event times
 * when not NULL (ingest/deadletter.h); KEY (may be NULL) keys a Kafka
 * message.  -1 after logging when the Kafka sink failed. */
int dead_sink_put(struct dead_sink *d, const char *source, const struct frame *f, const char *reason,
		  const struct deadletter_time *time, const char *key);

/* Everything put is in the sink (a file's write error is logged, as it is
 * not the records' fault).  -1 after logging when the Kafka sink failed. */
int dead_sink_flush(struct dead_sink *d);

/* Bytes of the file written so far, for the commit (0 for Kafka). */
uint64_t dead_sink_len(const struct dead_sink *d);

/* Start writing what a file sink holds (when the source is idle). */
void dead_sink_kick(struct dead_sink *d);

#endif
