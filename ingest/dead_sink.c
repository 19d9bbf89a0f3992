#include "ingest/dead_sink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "ingest/deadletter.h"

int dead_sink_open(struct dead_sink *d, struct tdp_child *c)
{
	const struct tdp_sink_cfg *dl = &c->cfg.dead_letter;
	char err[TDP_PATH_MAX + 64];
	memset(d, 0, sizeof(*d));
	d->child = c;
	if (dl->type != TDP_SINK_KAFKA) {
		if (tdp_writer_open(&d->file, dl->type == TDP_SINK_FILE ? dl->path : NULL, STDERR_FILENO,
				    err, sizeof(err)) < 0) {
			tdp_log_error("dead-letter sink: %s", err);
			return TDP_EXIT_SYSTEM;
		}
		return 0;
	}
	d->kafka = true;
	tdp_buf_init(&d->msg);
	char client_id[TDP_NAME_MAX + 32];
	snprintf(client_id, sizeof(client_id), "tdapipe-%s-dead-letter", c->cfg.instance);
	struct tdp_kafka_client *status = &tdp_shm_kafka(&c->seg)->dead;
	/* Opened before the source: a broker that is not there yet is waited
	 * for, beating, rather than failing the process. */
	while (tdp_kproducer_open(&d->kp, &dl->kafka, client_id, NULL, NULL, status, 2000, err, sizeof(err)) < 0) {
		tdp_kafka_error(status, "%s", err);
		tdp_log_warn("dead-letter sink: %s (retrying)", err);
		tdp_child_beat(c);
		if (tdp_child_stopping(c))
			return TDP_EXIT_SYSTEM;
	}
	return 0;
}

void dead_sink_close(struct dead_sink *d)
{
	if (d->kafka) {
		tdp_kproducer_close(&d->kp);
		tdp_buf_fini(&d->msg);
	} else {
		tdp_writer_fini(&d->file);
	}
}

int dead_sink_resume(struct dead_sink *d, uint64_t len)
{
	int rc = d->kafka ? 0 : tdp_writer_resume(&d->file, len);
	if (rc < 0) {
		tdp_log_error("dead-letter sink: cutting back to %llu bytes: %s", (unsigned long long)len, strerror(-rc));
		return TDP_EXIT_SYSTEM;
	}
	return 0;
}

int dead_sink_put(struct dead_sink *d, const char *source, const struct frame *f, const char *reason,
		  const struct deadletter_time *time, const char *key)
{
	struct tdp_buf *b = d->kafka ? &d->msg : tdp_writer_buf(&d->file);
	if (d->kafka)
		tdp_buf_reset(b);
	deadletter_format_time(b, source, f->off, f->line, f->raw, f->len, f->truncated, reason, time);
	if (!d->kafka) {
		tdp_writer_kick(&d->file);
		return 0;
	}
	char err[256];
	if (tdp_kproducer_send(&d->kp, key, key ? strlen(key) : 0, b->p, b->len - 1, NULL, 0,
			       err, sizeof(err)) < 0) {
		tdp_log_error("dead-letter sink: %s", err);
		return -1;
	}
	return 0;
}

int dead_sink_flush(struct dead_sink *d)
{
	if (!d->kafka) {
		if (tdp_writer_pending(&d->file) && tdp_writer_flush(&d->file) < 0)
			tdp_log_error("writing dead letters: %s", strerror(-d->file.error));
		return 0;
	}
	char err[256];
	int rc;
	while ((rc = tdp_kproducer_wait(&d->kp, 100, err, sizeof(err))) == 0)
		tdp_child_beat(d->child);
	if (rc < 0) {
		tdp_log_error("dead-letter sink: %s", err);
		return -1;
	}
	return 0;
}

uint64_t dead_sink_len(const struct dead_sink *d)
{
	return d->kafka ? 0 : tdp_writer_written(&d->file);
}

void dead_sink_kick(struct dead_sink *d)
{
	if (!d->kafka)
		tdp_writer_kick(&d->file);
}
