/*
 * uring_io.h - sequential reads and ordered writes through io_uring.
 *
 * The reader keeps one read in flight into the spare buffer while the
 * caller parses the other (double buffering), for files (positioned reads
 * from a resume offset), pipes, stdin and stream sockets.  The writer
 * keeps one write in flight while the caller fills the next buffer and
 * resubmits the rest of short writes, so output order is the call order.
 */
#ifndef TDP_URING_IO_H
#define TDP_URING_IO_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

struct tdp_reader {
	struct io_uring ring;
	int fd;
	bool positioned;       /* regular file: read at explicit offsets */
	uint64_t off;          /* next offset to request (positioned) */
	char *buf[2];
	size_t cap;
	int cur;               /* buffer the caller holds, -1 none */
	bool inflight;
	bool eof;
};

/* FD stays owned by the caller.  START: offset to read from (files). */
int tdp_reader_init(struct tdp_reader *r, int fd, uint64_t start, size_t chunk);
void tdp_reader_fini(struct tdp_reader *r);
/* Next chunk: >0 bytes at *OUT (valid until the next call), 0 at end of
 * input, -errno on error. */
ssize_t tdp_reader_next(struct tdp_reader *r, const char **out);
/* The same, giving up after TIMEOUT_MS with -ETIME (the read stays in
 * flight and is picked up by the next call). */
ssize_t tdp_reader_next_timeout(struct tdp_reader *r, const char **out, int timeout_ms);

struct tdp_writer {
	struct io_uring ring;
	int fd;
	bool positioned;       /* regular file opened without O_APPEND: explicit offsets */
	uint64_t off;
	struct tdp_buf fill;   /* the caller appends here */
	struct tdp_buf flight; /* being written */
	size_t flight_done;
	bool inflight;
	int error;             /* first -errno seen, sticky */
	bool own_fd;           /* opened by tdp_writer_open: closed by fini */
};

int tdp_writer_init(struct tdp_writer *w, int fd);
/*
 * Set W up on the file PATH opened for appending (created 0644; the
 * supervisor truncated it at start, so a restarted writer appends), or on
 * FD when PATH is NULL.  Returns 0, or -errno with ERR saying what failed.
 * tdp_writer_fini() closes a file opened here.
 */
int tdp_writer_open(struct tdp_writer *w, const char *path, int fd, char *err, size_t errlen);
void tdp_writer_fini(struct tdp_writer *w);
/*
 * A restarted writer continues a file its predecessor wrote: cut it back
 * to LEN bytes (what the predecessor committed; anything after was written
 * but not committed and will be written again) and count from there.  On
 * a pipe or terminal nothing can be taken back: only the count is set.
 * 0 or -errno.
 */
int tdp_writer_resume(struct tdp_writer *w, uint64_t len);
/* Where W's next byte lands in its file: the file size for a regular
 * file opened for appending, the offset otherwise; 0 for pipes. */
uint64_t tdp_writer_end(const struct tdp_writer *w);
/* Bytes written through W, counting from tdp_writer_resume's LEN. */
static inline uint64_t tdp_writer_written(const struct tdp_writer *w) { return w->off; }
/* The buffer to append output to. */
static inline struct tdp_buf *tdp_writer_buf(struct tdp_writer *w) { return &w->fill; }
/* Start writing what was appended if nothing is in flight; reap a finished
 * write without blocking.  Returns 0 or the sticky -errno. */
int tdp_writer_kick(struct tdp_writer *w);
/* Reap the write in flight (waiting for it if WAIT): 1 when no write is in
 * flight any more (all bytes handed over so far are in the file), 0 when
 * one still is, or the sticky -errno.  Starts nothing new. */
int tdp_writer_idle(struct tdp_writer *w, bool wait);
/* Write everything appended so far and wait for it.  0 or -errno. */
int tdp_writer_flush(struct tdp_writer *w);
/* Bytes appended but not yet known written. */
static inline size_t tdp_writer_pending(const struct tdp_writer *w)
{
	return w->fill.len + (w->inflight ? w->flight.len - w->flight_done : 0);
}

#endif
