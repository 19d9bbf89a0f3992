/*
 * results_sink.h - where publish writes results: a file or stdout
 * (publish/sink_file.c), a Kafka topic (publish/sink_kafka.c).
 *
 * Publish (publish/main.c) keeps the commit protocol; a sink only moves
 * bytes, in steps publish can commit: results are put, a cut starts
 * sending what was put since the last cut (the flight), and once settle
 * says the flight is in the sink, publish commits it.  After a crash a
 * sink either goes back to the committed length (resume: a file is cut
 * back) or reads back what it holds and takes it as published (catch_up:
 * a topic cannot be cut back).
 *
 * A result's events (tdapipe-events(5)) go where the config's events:
 * says, in the same put as the result and so in the same flight and
 * commit: a file sink writes them to the events file or stdout (one
 * writer when both are stdout: a result's line, then its events' lines),
 * a Kafka sink sends them to the events topic in the same transaction.
 *
 * A new kind of sink is one file defining a struct results_sink_ops, and
 * its row in the table of publish/results_sink.c.
 */
#ifndef TDP_RESULTS_SINK_H
#define TDP_RESULTS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/child.h"
#include "common/record.h"

/* Bytes of output a commit counts: of results in the sink, of events in
 * the events file (struct tdp_publish_body: sink_len, events_len). */
struct sink_len {
	uint64_t results, events;
};

/* The part every kind of sink starts with. */
struct results_sink {
	const struct results_sink_ops *ops;
	struct tdp_child *child;
	int64_t *seen;   /* publish's [scale * max_streams + stream]: last window put, -1 none */
};

struct results_sink_ops {
	size_t size;   /* of the kind's struct, which starts with a struct results_sink */
	/* Open the config's sink.  0, or an exit code after logging. */
	int (*open)(struct results_sink *s);
	void (*close)(struct results_sink *s);
	/* A restarted publish: *LEN bytes are committed (FIRST: nothing is,
	 * the outputs' ends are where this run starts).  Go back there; *LEN
	 * is then the lengths the next commit counts from.  0, or an exit
	 * code after logging. */
	int (*resume)(struct results_sink *s, bool first, struct sink_len *len);
	/* Take as published what the sink holds that this publish did not put
	 * (raising s->seen and the segment's de-duplication table): all of it
	 * when ALWAYS, else what may have come since the last call.  0, or an
	 * exit code after logging. */
	int (*catch_up)(struct results_sink *s, bool always);
	/* Put result R of scale S (named SCALE_NAME) of STREAM, and its
	 * events; *LEN grows by the bytes they take in the outputs a commit
	 * counts.  0, or -1 after logging (fatal). */
	int (*put)(struct results_sink *s, uint32_t scale, const struct tdp_result *r, const char *stream,
		   const char *scale_name, struct sink_len *len);
	/* Bytes put since the last cut, held by publish. */
	size_t (*pending)(const struct results_sink *s);
	/* Is everything sent before the last cut in the sink (waiting for it
	 * if WAIT)?  FLIGHT: something was; FULL: nothing more can be put
	 * before the next cut.  1 yes, 0 not yet, or -errno. */
	int (*settle)(struct results_sink *s, bool wait, bool flight, bool full);
	/* Start sending what was put since the last cut.  0 or -errno. */
	int (*cut)(struct results_sink *s);
};

extern const struct results_sink_ops sink_file_ops;    /* stdout or a file */
extern const struct results_sink_ops sink_kafka_ops;   /* a Kafka topic */

/* Open the sink C's config names into *OUT; SEEN is publish's table of
 * the last window put per (scale, stream).  0, or an exit code after
 * logging. */
int results_sink_open(struct results_sink **out, struct tdp_child *c, int64_t *seen);

/* Close and free S. */
void results_sink_close(struct results_sink *s);

static inline int results_sink_resume(struct results_sink *s, bool first, struct sink_len *len)
{
	return s->ops->resume(s, first, len);
}

static inline int results_sink_catch_up(struct results_sink *s, bool always)
{
	return s->ops->catch_up(s, always);
}

static inline int results_sink_put(struct results_sink *s, uint32_t scale, const struct tdp_result *r,
				   const char *stream, const char *scale_name, struct sink_len *len)
{
	return s->ops->put(s, scale, r, stream, scale_name, len);
}

static inline size_t results_sink_pending(const struct results_sink *s)
{
	return s->ops->pending(s);
}

static inline int results_sink_settle(struct results_sink *s, bool wait, bool flight, bool full)
{
	return s->ops->settle(s, wait, flight, full);
}

static inline int results_sink_cut(struct results_sink *s)
{
	return s->ops->cut(s);
}

#endif
