/*
 * sink_file.c - results to stdout or a file, through io_uring: one write
 * in flight (the cut) while the next buffer fills.  A restarted publish
 * cuts a file back to the committed length; a pipe cannot be cut back, so
 * results of the write in flight when publish died may be written twice.
 *
 * Events go to their own writer (the events file, or stdout when results
 * go to a file), cut and cut back with the results' at the same steps; or,
 * when both go to stdout, into the results' writer right after their
 * result, so that a line is never split by another.
 */
#include <string.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "common/uring_io.h"
#include "publish/encode.h"
#include "publish/encode_events.h"
#include "publish/results_sink.h"

struct sink_file {
	struct results_sink base;
	struct tdp_writer out;
	struct tdp_writer ev;        /* the events' own writer, when they have one */
	struct tdp_writer *events;   /* where events go: &ev, &out (both stdout) or NULL (no events) */
};

/* The writer of PATH (NULL: stdout) into W, for WHAT ("sink", "events"). */
static int writer_open(struct tdp_writer *w, const char *path, const char *what)
{
	char err[TDP_PATH_MAX + 64];
	if (tdp_writer_open(w, path, STDOUT_FILENO, err, sizeof(err)) < 0) {
		tdp_log_error("%s: %s: the %s cannot be opened; fix its path in the config (or its directory's "
			      "permissions, the disk) and run again", what, err, what);
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

static int file_open(struct results_sink *s)
{
	struct sink_file *f = (struct sink_file *)s;
	const struct tdp_sink_cfg *sink = &s->child->cfg.sink;
	const struct tdp_events_cfg *ev = &s->child->cfg.events;
	int rc = writer_open(&f->out, sink->type == TDP_SINK_FILE ? sink->path : NULL, "sink");
	if (rc || !ev->on)
		return rc;
	if (ev->type == TDP_SINK_STDOUT && sink->type == TDP_SINK_STDOUT) {
		f->events = &f->out;
		return 0;
	}
	if ((rc = writer_open(&f->ev, ev->type == TDP_SINK_FILE ? ev->path : NULL, "events")))
		return rc;
	f->events = &f->ev;
	return 0;
}

static void file_close(struct results_sink *s)
{
	struct sink_file *f = (struct sink_file *)s;
	if (f->events == &f->ev)
		tdp_writer_fini(&f->ev);
	tdp_writer_fini(&f->out);
}

/* W back to LEN bytes (FIRST: to its end, into *LEN). */
static int writer_resume(struct tdp_writer *w, bool first, uint64_t *len, const char *what)
{
	*len = first ? tdp_writer_end(w) : *len;
	int rc = tdp_writer_resume(w, *len);
	if (rc < 0) {
		tdp_log_error("%s: cutting back to %llu bytes: %s", what, (unsigned long long)*len, strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

static int file_resume(struct results_sink *s, bool first, struct sink_len *len)
{
	struct sink_file *f = (struct sink_file *)s;
	if (f->events != &f->out) {
		int rc = writer_resume(&f->out, first, &len->results, "sink");
		return rc || !f->events ? rc : writer_resume(&f->ev, first, &len->events, "events");
	}
	/* One writer: its committed length is both counts together. */
	uint64_t both = len->results + len->events;
	int rc = writer_resume(&f->out, first, &both, "sink");
	if (first)
		*len = (struct sink_len){both, 0};
	return rc;
}

/* A file holds only what this run's publishes put. */
static int file_catch_up(struct results_sink *s, bool always)
{
	(void)s;
	(void)always;
	return 0;
}

static int file_put(struct results_sink *s, uint32_t scale, const struct tdp_result *r, const char *stream,
		    const char *scale_name, struct sink_len *len)
{
	struct sink_file *f = (struct sink_file *)s;
	const struct tdp_config *cfg = &s->child->cfg;
	const struct tdp_scale_cfg *sc = &cfg->scales[scale];
	struct tdp_buf *b = tdp_writer_buf(&f->out);
	size_t at = b->len;
	if (cfg->sink.format == TDP_FMT_MSGPACK)
		encode_result_msgpack(b, r, stream, scale_name, cfg->source.time_unit, sc);
	else
		encode_result_jsonl(b, r, stream, scale_name, cfg->source.time_unit, sc);
	len->results += b->len - at;
	if (!f->events)
		return 0;
	b = tdp_writer_buf(f->events);
	at = b->len;
	const struct encode_events_ctx ctx = {stream, scale_name, cfg->source.time_unit,
					      tdp_signal_name(sc->anomaly.signal)};
	encode_events(b, cfg->events.format, r, &ctx, NULL, NULL);
	len->events += b->len - at;
	return 0;
}

static size_t file_pending(const struct results_sink *s)
{
	const struct sink_file *f = (const struct sink_file *)s;
	return f->out.fill.len + (f->events == &f->ev ? f->ev.fill.len : 0);
}

/* Both writers idle (the events' first: a result is committed only with
 * its events). */
static int file_settle(struct results_sink *s, bool wait, bool flight, bool full)
{
	struct sink_file *f = (struct sink_file *)s;
	(void)flight;
	(void)full;
	if (f->events == &f->ev) {
		int rc = tdp_writer_idle(&f->ev, wait);
		if (rc <= 0)
			return rc;
	}
	return tdp_writer_idle(&f->out, wait);
}

static int file_cut(struct results_sink *s)
{
	struct sink_file *f = (struct sink_file *)s;
	int rc = tdp_writer_kick(&f->out);
	if (rc >= 0 && f->events == &f->ev)
		rc = tdp_writer_kick(&f->ev);
	return rc;
}

const struct results_sink_ops sink_file_ops = {
	.size = sizeof(struct sink_file),
	.open = file_open,
	.close = file_close,
	.resume = file_resume,
	.catch_up = file_catch_up,
	.put = file_put,
	.pending = file_pending,
	.settle = file_settle,
	.cut = file_cut,
};
