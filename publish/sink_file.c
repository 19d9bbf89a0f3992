/*
 * sink_file.c - results to stdout or a file, through io_uring: one write
 * in flight (the cut) while the next buffer fills.  A restarted publish
 * cuts a file back to the committed length; a pipe cannot be cut back, so
 * results of the write in flight when publish died may be written twice.
 */
#include <string.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "common/uring_io.h"
#include "publish/encode.h"
#include "publish/results_sink.h"

struct sink_file {
	struct results_sink base;
	struct tdp_writer out;
};

static int file_open(struct results_sink *s)
{
	struct sink_file *f = (struct sink_file *)s;
	const struct tdp_sink_cfg *sink = &s->child->cfg.sink;
	char err[TDP_PATH_MAX + 64];
	if (tdp_writer_open(&f->out, sink->type == TDP_SINK_FILE ? sink->path : NULL, STDOUT_FILENO,
			    err, sizeof(err)) < 0) {
		tdp_log("sink: %s", err);
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

static void file_close(struct results_sink *s)
{
	tdp_writer_fini(&((struct sink_file *)s)->out);
}

static int file_resume(struct results_sink *s, bool first, uint64_t *len)
{
	struct sink_file *f = (struct sink_file *)s;
	*len = first ? tdp_writer_end(&f->out) : *len;
	int rc = tdp_writer_resume(&f->out, *len);
	if (rc < 0) {
		tdp_log("sink: cutting back to %llu bytes: %s", (unsigned long long)*len, strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

/* A file holds only what this run's publishes put. */
static int file_catch_up(struct results_sink *s, bool always)
{
	(void)s;
	(void)always;
	return 0;
}

static int file_put(struct results_sink *s, uint32_t scale, const struct tdp_result *r, const char *stream,
		    const char *scale_name)
{
	struct tdp_buf *b = tdp_writer_buf(&((struct sink_file *)s)->out);
	if (s->child->cfg.sink.format == TDP_FMT_MSGPACK)
		encode_result_msgpack(b, r, stream, scale_name, s->child->cfg.source.time_unit,
				      &s->child->cfg.scales[scale].features);
	else
		encode_result_jsonl(b, r, stream, scale_name, s->child->cfg.source.time_unit,
				      &s->child->cfg.scales[scale].features);
	return 0;
}

static size_t file_pending(const struct results_sink *s)
{
	return ((const struct sink_file *)s)->out.fill.len;
}

static int file_settle(struct results_sink *s, bool wait, bool flight, bool full)
{
	(void)flight;
	(void)full;
	return tdp_writer_idle(&((struct sink_file *)s)->out, wait);
}

static int file_cut(struct results_sink *s)
{
	return tdp_writer_kick(&((struct sink_file *)s)->out);
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
