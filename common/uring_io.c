#include "common/uring_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tdp_reader_init(struct tdp_reader *r, int fd, uint64_t start, size_t chunk)
{
	memset(r, 0, sizeof(*r));
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	r->fd = fd;
	r->positioned = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	r->off = start;
	r->cap = chunk;
	r->cur = -1;
	int rc = io_uring_queue_init(4, &r->ring, 0);
	if (rc < 0)
		return rc;
	r->buf[0] = malloc(chunk);
	r->buf[1] = malloc(chunk);
	if (!r->buf[0] || !r->buf[1]) {
		tdp_reader_fini(r);
		return -ENOMEM;
	}
	return 0;
}

#define READER_CANCEL_TAG 0x63616e63656cull   /* user_data of the cancel below */

void tdp_reader_fini(struct tdp_reader *r)
{
	if (r->inflight) {
		/* A read from a pipe, tty or socket that nobody writes to would
		 * never complete (a drain with stdin held open by the sender):
		 * cancel it, then wait until the kernel is done with its buffer. */
		uint64_t idx = r->cur < 0 ? 0 : (uint64_t)(r->cur ^ 1);
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
		if (sqe) {
			io_uring_prep_cancel64(sqe, idx, 0);
			io_uring_sqe_set_data64(sqe, READER_CANCEL_TAG);
			io_uring_submit(&r->ring);
		}
		for (;;) {
			struct io_uring_cqe *cqe;
			int rc = io_uring_wait_cqe(&r->ring, &cqe);
			if (rc == -EINTR)
				continue;
			if (rc < 0)
				break;
			uint64_t ud = io_uring_cqe_get_data64(cqe);
			io_uring_cqe_seen(&r->ring, cqe);
			if (ud != READER_CANCEL_TAG)
				break;   /* the read itself: done, failed or cancelled */
		}
		r->inflight = false;
	}
	if (r->ring.ring_fd > 0)
		io_uring_queue_exit(&r->ring);
	free(r->buf[0]);
	free(r->buf[1]);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static int reader_submit(struct tdp_reader *r, int idx)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe)
		return -EBUSY;
	/* -1 reads at the current position: pipes, sockets, ttys. */
	io_uring_prep_read(sqe, r->fd, r->buf[idx], (unsigned)r->cap,
			   r->positioned ? r->off : (uint64_t)-1);
	io_uring_sqe_set_data64(sqe, (uint64_t)idx);
	int rc = io_uring_submit(&r->ring);
	if (rc < 0)
		return rc;
	r->inflight = true;
	return 0;
}

ssize_t tdp_reader_next(struct tdp_reader *r, const char **out)
{
	return tdp_reader_next_timeout(r, out, -1);
}

ssize_t tdp_reader_next_timeout(struct tdp_reader *r, const char **out, int timeout_ms)
{
	if (r->eof)
		return 0;
	int want = r->cur < 0 ? 0 : r->cur ^ 1;
	if (!r->inflight) {
		int rc = reader_submit(r, want);
		if (rc < 0)
			return rc;
	}
	struct io_uring_cqe *cqe;
	int rc;
	do {
		if (timeout_ms < 0) {
			rc = io_uring_wait_cqe(&r->ring, &cqe);
		} else {
			struct __kernel_timespec ts = {timeout_ms / 1000, (long long)(timeout_ms % 1000) * 1000000LL};
			rc = io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);
		}
	} while (rc == -EINTR);
	if (rc < 0)
		return rc;
	int got = (int)io_uring_cqe_get_data64(cqe);
	int res = cqe->res;
	io_uring_cqe_seen(&r->ring, cqe);
	r->inflight = false;
	if (res == -EINTR || res == -EAGAIN)
		return tdp_reader_next_timeout(r, out, timeout_ms);
	if (res < 0)
		return res;
	if (res == 0) {
		r->eof = true;
		return 0;
	}
	r->off += (uint64_t)res;
	r->cur = got;
	/* Read ahead into the other buffer while the caller parses this one. */
	reader_submit(r, got ^ 1);
	*out = r->buf[got];
	return res;
}

int tdp_writer_init(struct tdp_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fl >= 0 && !(fl & O_APPEND)) {
		w->positioned = true;
		off_t cur = lseek(fd, 0, SEEK_CUR);
		w->off = cur > 0 ? (uint64_t)cur : 0;
	}
	tdp_buf_init(&w->fill);
	tdp_buf_init(&w->flight);
	return io_uring_queue_init(4, &w->ring, 0);
}

int tdp_writer_open(struct tdp_writer *w, const char *path, int fd, char *err, size_t errlen)
{
	if (path && (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "open %s: %s", path,
			 errno == ELOOP ? "a symbolic link: outputs are not written through one" : strerror(errno));
		return rc;
	}
	int rc = tdp_writer_init(w, fd);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring for %s: %s", path ? path : "output", strerror(-rc));
		if (path)
			close(fd);
		return rc;
	}
	w->own_fd = path != NULL;
	return 0;
}

uint64_t tdp_writer_end(const struct tdp_writer *w)
{
	struct stat st;
	if (fstat(w->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return w->positioned ? w->off : (uint64_t)st.st_size;
}

int tdp_writer_resume(struct tdp_writer *w, uint64_t len)
{
	struct stat st;
	if (fstat(w->fd, &st) != 0)
		return -errno;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != len && ftruncate(w->fd, (off_t)len) != 0)
		return -errno;
	w->off = len;
	return 0;
}

void tdp_writer_fini(struct tdp_writer *w)
{
	tdp_writer_flush(w);
	io_uring_queue_exit(&w->ring);
	tdp_buf_fini(&w->fill);
	tdp_buf_fini(&w->flight);
	if (w->own_fd)
		close(w->fd);
}

static int writer_submit(struct tdp_writer *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_write(sqe, w->fd, w->flight.p + w->flight_done,
			    (unsigned)(w->flight.len - w->flight_done),
			    w->positioned ? w->off : (uint64_t)-1);
	int rc = io_uring_submit(&w->ring);
	if (rc < 0)
		return rc;
	w->inflight = true;
	return 0;
}

/* Account for a completed write; resubmit the rest of a short one. */
static int writer_complete(struct tdp_writer *w, struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	io_uring_cqe_seen(&w->ring, cqe);
	w->inflight = false;
	if (res == -EINTR || res == -EAGAIN)
		return writer_submit(w);
	if (res < 0)
		return res;
	if (res == 0)
		return -EIO;
	w->flight_done += (size_t)res;
	w->off += (uint64_t)res;
	if (w->flight_done < w->flight.len)
		return writer_submit(w);
	tdp_buf_reset(&w->flight);
	w->flight_done = 0;
	return 0;
}

int tdp_writer_kick(struct tdp_writer *w)
{
	if (w->error)
		return w->error;
	if (!tdp_buf_ok(&w->fill))
		return w->error = -ENOMEM;
	if (w->inflight) {
		struct io_uring_cqe *cqe;
		if (io_uring_peek_cqe(&w->ring, &cqe) != 0)
			return 0;
		int rc = writer_complete(w, cqe);
		if (rc < 0)
			return w->error = rc;
		if (w->inflight)
			return 0;
	}
	if (w->fill.len == 0)
		return 0;
	/* Swap: the filled buffer goes in flight, the spare becomes the fill. */
	struct tdp_buf tmp = w->flight;
	w->flight = w->fill;
	w->fill = tmp;
	w->flight_done = 0;
	int rc = writer_submit(w);
	if (rc < 0)
		return w->error = rc;
	return 0;
}

int tdp_writer_idle(struct tdp_writer *w, bool wait)
{
	while (!w->error && w->inflight) {
		struct io_uring_cqe *cqe;
		int rc = wait ? io_uring_wait_cqe(&w->ring, &cqe) : io_uring_peek_cqe(&w->ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc == -EAGAIN && !wait)
			return 0;
		if (rc < 0)
			return w->error = rc;
		if ((rc = writer_complete(w, cqe)) < 0)
			return w->error = rc;
		if (!wait && w->inflight)
			return 0;   /* a short write was resubmitted */
	}
	return w->error ? w->error : 1;
}

int tdp_writer_flush(struct tdp_writer *w)
{
	for (;;) {
		int rc = tdp_writer_idle(w, true);
		if (rc < 0)
			return rc;
		if (!w->fill.len)
			return 0;
		if ((rc = tdp_writer_kick(w)) < 0)
			return rc;
	}
}
