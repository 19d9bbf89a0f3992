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
		if ((rc = loop_kafka.open(&in, done)))
			return rc;
		rc = loop_kafka.run(&in);
		loop_kafka.close(&in);
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
	streams_fini(&in.streams);
	free(in.pending);
	return rc;
}
