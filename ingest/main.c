/*
 * tdapipe-ingest - read the source, validate, stamp, fan out to every scale.
 *
 * Each good record becomes a point (stream index, per-stream sequence
 * number, event time, values) copied into every scale's in-ring; each bad
 * one becomes a line in the dead-letter sink.  A full ring never blocks the
 * others: per scale, `overflow: drop` counts and goes on, `overflow: block`
 * pauses the source (only pausable sources) until that ring has room.
 *
 * The state lives in one struct ingest (ingest/ingest.h); each kind of
 * source is read by a loop of its own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/atomics.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "ingest/ingest.h"

static const char usage[] =
	"usage: tdapipe-ingest --instance NAME\n"
	"Started by `tdapipe run`; reads the source of the instance's config.\n";

/* The loop reading each type of source. */
static const struct ingest_loop *const loops[] = {
	[TDP_SRC_FILE] = &loop_bytes,
	[TDP_SRC_STDIN] = &loop_bytes,
	[TDP_SRC_TCP] = &loop_bytes,
	[TDP_SRC_UDP] = &loop_bytes,
	[TDP_SRC_KAFKA] = &loop_kafka,
};

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
 * Attach to the instance and open the dead-letter sink.  A restarted
 * ingest finishes its predecessor's commit, takes each stream's resume
 * mark from it (ingest/resend.h) and takes back dead letters written
 * after it; *DONE is that commit, where the source resumes.  0, or
 * an exit code after logging.
 */
static int ingest_start(struct ingest *in, const char *instance, const struct tdp_ingest_body **done)
{
	int rc = tdp_child_start(&in->child, instance, NULL, TDP_ROLE_INGEST);
	if (rc)
		return rc;
	struct tdp_child *c = &in->child;
	ingest_read_scales(in);
	describe_source(in);
	in->pending = calloc(c->seg.hdr->max_streams, sizeof(*in->pending));
	in->pending_newest = calloc(c->seg.hdr->max_streams, sizeof(*in->pending_newest));
	if (!in->pending || !in->pending_newest || streams_init(&in->streams, &c->seg) < 0 ||
	    (rc = dead_sink_open(&in->dead, c)))
		return rc ? rc : TDP_EXIT_SYSTEM;
	if (join_streams_intern(in) < 0)
		return TDP_EXIT_USAGE;
	*done = TDP_LIVE(tdp_shm_ingest_commit(&c->seg));
	batch_redo(&c->seg, *done);
	if (resend_init(&in->resend, &c->seg, &c->cfg.source) < 0)
		return TDP_EXIT_SYSTEM;
	return dead_sink_resume(&in->dead, (*done)->dead_len);
}

/* The source is done with (RC: how it ended): tell the workers there are
 * no more points when all went well, and let go of everything. */
static int ingest_finish(struct ingest *in, int rc)
{
	struct tdp_child *c = &in->child;
	if (dead_sink_flush(&in->dead) < 0)
		rc = TDP_EXIT_SYSTEM;   /* as during the run: restarted, it resumes at its commit */
	/* No more points: workers finish what is in their rings, then exit. */
	if (rc == TDP_EXIT_OK) {
		tdp_store_release_u32(&c->seg.hdr->ingest_done, 1);
		batch_ring_bells(in);
		tdp_child_done(c);
	}
	dead_sink_close(&in->dead);
	streams_fini(&in->streams);
	resend_fini(&in->resend);
	free(in->pending);
	free(in->pending_newest);
	return rc;
}

int main(int argc, char **argv)
{
	static struct ingest in;
	const char *instance;
	const struct tdp_ingest_body *done;
	tdp_log_init("tdapipe-ingest");
	int rc = tdp_child_args(argc, argv, usage, &instance, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = ingest_start(&in, instance, &done)))
		return rc;
	const struct ingest_loop *loop = loops[in.child.cfg.source.type];
	if ((rc = loop->open(&in, done)))
		return rc;
	rc = loop->run(&in);
	loop->close(&in);
	return ingest_finish(&in, rc);
}
