/*
 * loop_bytes.c - ingest reading bytes (ingest/source.h): a file, stdin,
 * TCP connections or UDP datagrams, cut into records by one framer per
 * input; the batch is committed after every chunk with where a file
 * resumes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "ingest/ingest.h"
#include "ingest/move.h"

/*
 * A csv file resumed past its header line (after a restart) still needs
 * the header's names: read it again from the start of the file.
 */
static int reread_header(struct ingest *in, struct framer *fr)
{
	const struct tdp_source_cfg *src = &in->child.cfg.source;
	if (src->type != TDP_SRC_FILE || src->format != TDP_FMT_CSV || !src->header || fr->line == 0 ||
	    !csv_columns_named(src))
		return 0;
	size_t cap = (size_t)src->max_record + 2;   /* a header that long is refused as such */
	char *buf = malloc(cap);
	if (!buf) {
		tdp_log_error("out of memory for the csv header");
		return TDP_EXIT_SYSTEM;
	}
	ssize_t n = pread(in->src.fd, buf, cap, 0);
	if (n < 0) {
		tdp_log_error("reading the header of %s: %s", src->path, strerror(errno));
		free(buf);
		return TDP_EXIT_SYSTEM;
	}
	framer_header(fr, buf, (size_t)n);
	free(buf);
	return 0;
}

/* Open the source; a file resumes at the committed body DONE's offset. */
static int bytes_open(struct ingest *in, const struct tdp_ingest_body *done)
{
	struct tdp_child *c = &in->child;
	char err[512];
	uint64_t resume = c->cfg.source.type == TDP_SRC_FILE ? done->resume_off : 0;
	uint64_t resume_line = c->cfg.source.type == TDP_SRC_FILE ? done->resume_line : 0;
	if (source_open(&in->src, &c->cfg.source, resume, err, sizeof(err)) < 0) {
		tdp_log_error("source: %s: fix the source (source: in the config: its path, host or port) and run again", err);
		return TDP_EXIT_SYSTEM;
	}
	if (c->cfg.source.type == TDP_SRC_TCP || c->cfg.source.type == TDP_SRC_UDP)
		tdp_log("listening on %s", in->source_name);
	in->src.stats = c->slot->conns;
	uint32_t ninputs = source_inputs(&in->src);
	if (!(in->framers = calloc(ninputs, sizeof(*in->framers)))) {
		tdp_log_error("out of memory for %u connections", ninputs - 1);
		return TDP_EXIT_SYSTEM;
	}
	for (uint32_t i = 0; i < ninputs; i++)
		framer_init(&in->framers[i], &c->cfg.source, i == 0 ? resume_line : 0);
	return reread_header(in, &in->framers[0]);
}

/* Input CONN stopped being msgpack (FR dead-lettered it): stop reading it,
 * loudly, since nothing after that byte is decoded. */
static void reject_input(struct ingest *in, struct framer *fr, uint32_t conn)
{
	char which[32] = "";
	if (conn)
		snprintf(which, sizeof(which), " connection %u", conn);
	tdp_log_warn("%s%s: not msgpack at byte %llu: nothing after it is read (a dead letter says so)",
		in->source_name, which, (unsigned long long)fr->reject_off);
	framer_reject_until(fr, source_reject(&in->src, conn));
}

/* A file that shrank while being read: records may have been lost with
 * what was cut off.  Say so here, and let the supervisor's exit status
 * say so too. */
static void report_shrank(struct ingest *in)
{
	struct tdp_shm_header *h = in->child.seg.hdr;
	tdp_log_error("%s shrank to %llu bytes while being read (%llu bytes were read): what it held "
		"past that was never read", in->source_name, (unsigned long long)in->src.size_seen,
		(unsigned long long)in->src.off);
	h->source_shrank_to = in->src.size_seen;
	tdp_store_release_u32(&h->source_shrank, 1);
}

static int bytes_run(struct ingest *in)
{
	struct tdp_child *c = &in->child;
	int rc = TDP_EXIT_OK;
	while (!tdp_child_stopping(c) && !in->failed) {
		/* Between chunks, everything stamped committed: a reload may
		 * move us to its new segment here (ingest/move.h). */
		if ((rc = ingest_move_if_asked(in)))
			break;
		struct source_chunk chunk;
		int got = source_next(&in->src, &chunk, 100);
		tdp_child_beat(c);
		if (got == 0) {
			dead_sink_kick(&in->dead);
			continue;
		}
		if (got < 0 && got != -ENODATA) {
			tdp_log_error("reading %s: %s", in->source_name, strerror(-got));
			rc = TDP_EXIT_SYSTEM;
			break;
		}
		struct framer *fr = &in->framers[chunk.conn];
		in->read_ns = tdp_now_ns();
		framer_feed(fr, &chunk, stamp_record, in);
		if (fr->rejected)
			reject_input(in, fr, chunk.conn);
		batch_flush(in, fr->end_off, fr->line);
		if (chunk.end && chunk.conn) {
			framer_fini(fr);
			framer_init(fr, &c->cfg.source, 0);
		}   /* a closed connection's next user starts afresh */
		if (got == -ENODATA)
			break;
	}
	if (in->src.shrank)
		report_shrank(in);
	return in->failed ? TDP_EXIT_SYSTEM : rc;
}

static void bytes_close(struct ingest *in)
{
	uint32_t ninputs = source_inputs(&in->src);
	source_close(&in->src);
	for (uint32_t i = 0; i < ninputs; i++)
		framer_fini(&in->framers[i]);
	free(in->framers);
}

const struct ingest_loop loop_bytes = {bytes_open, bytes_run, bytes_close};
