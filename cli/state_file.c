/*
 * state_file.c - a checkpoint on disk (state_file.h).
 */
#define _GNU_SOURCE 1   /* SEEK_DATA, SEEK_HOLE */
#include "cli/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/shm.h"

#define PAGE 4096u
#define IO_CHUNK (1u << 20)
#define MAX_CONFIG (16u << 20)   /* no config text is this long */

static bool page_zero(const unsigned char *p)
{
	return p[0] == 0 && !memcmp(p, p + 1, PAGE - 1);
}

/* Append an extent to *EXT (growing it), merging with the last when they
 * touch and are of one kind.  0 or -ENOMEM. */
static int add_extent(struct tdp_state_extent **ext, uint64_t *n, uint64_t *cap, uint64_t off, uint64_t len,
		      uint32_t data)
{
	if (*n && (*ext)[*n - 1].data == data && (*ext)[*n - 1].off + (*ext)[*n - 1].len == off) {
		(*ext)[*n - 1].len += len;
		return 0;
	}
	if (*n == *cap) {
		uint64_t c = *cap ? *cap * 2 : 64;
		struct tdp_state_extent *e = realloc(*ext, c * sizeof(*e));
		if (!e)
			return -ENOMEM;
		*ext = e;
		*cap = c;
	}
	(*ext)[(*n)++] = (struct tdp_state_extent){off, len, data, 0};
	return 0;
}

/* The reserved pages of the segment, as extents: tmpfs says which ranges
 * hold pages (SEEK_DATA / SEEK_HOLE), the mapping which of those are zero. */
static int scan(int seg_fd, const unsigned char *base, uint64_t size, struct tdp_state_extent **ext,
		uint64_t *n)
{
	uint64_t cap = 0;
	off_t at = 0;
	*ext = NULL;
	*n = 0;
	while ((uint64_t)at < size) {
		off_t d = lseek(seg_fd, at, SEEK_DATA);
		if (d < 0)
			return errno == ENXIO ? 0 : -errno;
		off_t h = lseek(seg_fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		uint64_t lo = (uint64_t)d & ~(uint64_t)(PAGE - 1);
		uint64_t hi = (uint64_t)h < size ? (uint64_t)h : size;
		for (uint64_t p = lo; p < hi; p += PAGE) {
			uint64_t len = hi - p < PAGE ? hi - p : PAGE;
			int rc = add_extent(ext, n, &cap, p, len, len < PAGE || !page_zero(base + p));
			if (rc)
				return rc;
		}
		at = (off_t)hi;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	while (len) {
		ssize_t w = write(fd, c, len < IO_CHUNK ? len : IO_CHUNK);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *p, size_t len, uint64_t off)
{
	char *c = p;
	while (len) {
		ssize_t r = pread(fd, c, len < IO_CHUNK ? len : IO_CHUNK, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		c += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

static uint64_t pad8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

int state_file_write(int seg_fd, const void *base, uint64_t size, const char *instance, const char *text,
		     size_t textlen, int out_fd, char *err, size_t errlen)
{
	struct tdp_state_extent *ext;
	uint64_t n;
	int rc = scan(seg_fd, base, size, &ext, &n);
	if (rc) {
		snprintf(err, errlen, "reading the segment's extents: %s", strerror(-rc));
		free(ext);
		return rc;
	}
	struct tdp_state_header h = {0};
	memcpy(h.magic, TDP_STATE_MAGIC, sizeof(h.magic));
	h.format = TDP_STATE_FORMAT;
	h.layout = TDP_SHM_LAYOUT_VERSION;
	h.seg_size = size;
	h.nextents = n;
	h.config_len = textlen;
	h.written_s = (int64_t)time(NULL);
	snprintf(h.instance, sizeof(h.instance), "%s", instance);
	for (uint64_t i = 0; i < n; i++)
		h.data_bytes += ext[i].data ? ext[i].len : 0;
	static const char zeros[8];
	if ((rc = write_all(out_fd, &h, sizeof(h))) || (rc = write_all(out_fd, ext, n * sizeof(*ext))) ||
	    (rc = write_all(out_fd, text, textlen)) || (rc = write_all(out_fd, zeros, pad8(textlen) - textlen)))
		goto out;
	for (uint64_t i = 0; i < n && !rc; i++)
		if (ext[i].data)
			rc = write_all(out_fd, (const char *)base + ext[i].off, ext[i].len);
out:
	if (rc)
		snprintf(err, errlen, "writing the checkpoint: %s", strerror(-rc));
	free(ext);
	return rc;
}

/* The crc of FD's SIZE bytes with the header's crc field taken as 0. */
static int file_crc(int fd, uint64_t size, uint32_t *out)
{
	unsigned char *buf = malloc(IO_CHUNK);
	if (!buf)
		return -ENOMEM;
	uLong crc = crc32(0L, Z_NULL, 0);
	int rc = 0;
	for (uint64_t at = 0; at < size && !rc;) {
		size_t len = size - at < IO_CHUNK ? (size_t)(size - at) : IO_CHUNK;
		if ((rc = pread_all(fd, buf, len, at)))
			break;
		if (at == 0 && len >= sizeof(struct tdp_state_header))
			memset(buf + offsetof(struct tdp_state_header, crc), 0, sizeof(uint32_t));
		crc = crc32(crc, buf, (uInt)len);
		at += len;
	}
	free(buf);
	*out = (uint32_t)crc;
	return rc;
}

int state_file_seal(int out_fd, char *err, size_t errlen)
{
	struct stat st;
	uint32_t crc;
	int rc = fstat(out_fd, &st) ? -errno : file_crc(out_fd, (uint64_t)st.st_size, &crc);
	if (!rc && pwrite(out_fd, &crc, sizeof(crc), offsetof(struct tdp_state_header, crc)) != sizeof(crc))
		rc = -errno;
	if (!rc && fsync(out_fd) != 0)
		rc = -errno;
	if (rc)
		snprintf(err, errlen, "sealing the checkpoint: %s", strerror(-rc));
	return rc;
}

void state_file_close(struct tdp_state_image *img)
{
	free(img->ext);
	free(img->config);
	if (img->fd >= 0)
		close(img->fd);
	img->ext = NULL;
	img->config = NULL;
	img->fd = -1;
}

/* The extents lie in order inside the segment, page-aligned, and the data
 * ones add up to data_bytes. */
static bool extents_ok(const struct tdp_state_image *img)
{
	uint64_t end = 0, data = 0;
	for (uint64_t i = 0; i < img->h.nextents; i++) {
		const struct tdp_state_extent *e = &img->ext[i];
		if (e->off % PAGE || e->off < end || !e->len || e->len > img->h.seg_size - e->off || e->data > 1)
			return false;
		end = e->off + e->len;
		data += e->data ? e->len : 0;
	}
	return data == img->h.data_bytes;
}

int state_file_read(const char *path, struct tdp_state_image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	struct tdp_state_header *h = &img->h;
	int rc = -EINVAL;
	const char *why = NULL;
	if (fstat(img->fd, &st) != 0 || pread_all(img->fd, h, sizeof(*h), 0) != 0 ||
	    memcmp(h->magic, TDP_STATE_MAGIC, sizeof(h->magic))) {
		why = "not a tdapipe checkpoint (no TDPSTAT1 header)";
		goto bad;
	}
	if (h->format != TDP_STATE_FORMAT || h->layout != TDP_SHM_LAYOUT_VERSION) {
		snprintf(err, errlen, "%s: written by a tdapipe of another version (checkpoint format %u, segment "
			 "layout %u; this one reads format %u, layout %u): run with --fresh to start over", path,
			 h->format, h->layout, TDP_STATE_FORMAT, TDP_SHM_LAYOUT_VERSION);
		goto out;
	}
	uint64_t fsize = (uint64_t)st.st_size;
	uint64_t max_ext = h->seg_size / PAGE + 1;
	if (h->nextents > max_ext || h->config_len > MAX_CONFIG || !h->config_len ||
	    h->instance[sizeof(h->instance) - 1]) {
		why = "its header is damaged";
		goto bad;
	}
	img->data_at = sizeof(*h) + h->nextents * sizeof(*img->ext) + pad8(h->config_len);
	if (img->data_at > fsize || fsize - img->data_at != h->data_bytes) {
		snprintf(err, errlen, "%s: %llu bytes where its header promises %llu: cut short or damaged "
			 "(refused; run with --fresh to start over)", path, (unsigned long long)fsize,
			 (unsigned long long)(img->data_at + h->data_bytes));
		goto out;
	}
	uint32_t crc;
	if ((rc = file_crc(img->fd, fsize, &crc))) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	rc = -EINVAL;
	if (crc != h->crc) {
		why = "its checksum does not match its contents: damaged";
		goto bad;
	}
	img->ext = malloc(h->nextents * sizeof(*img->ext) + 1);
	img->config = malloc(h->config_len + 1);
	if (!img->ext || !img->config) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (pread_all(img->fd, img->ext, h->nextents * sizeof(*img->ext), sizeof(*h)) ||
	    pread_all(img->fd, img->config, h->config_len, sizeof(*h) + h->nextents * sizeof(*img->ext))) {
		why = "unreadable";
		goto bad;
	}
	img->config[h->config_len] = 0;
	if (!extents_ok(img)) {
		why = "its extents are not a segment's";
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: %s (refused; run with --fresh to start over)", path, why);
out:
	state_file_close(img);
	return rc;
}

int state_file_apply(const struct tdp_state_image *img, int seg_fd, void *base, void *head, size_t protect,
		     char *err, size_t errlen)
{
	uint64_t at = img->data_at;
	for (uint64_t i = 0; i < img->h.nextents; i++) {
		const struct tdp_state_extent *e = &img->ext[i];
		int rc = posix_fallocate(seg_fd, (off_t)e->off, (off_t)e->len);
		if (rc) {
			snprintf(err, errlen, "no room in /dev/shm for the checkpoint's %llu bytes at %llu: %s",
				 (unsigned long long)e->len, (unsigned long long)e->off, strerror(rc));
			return -rc;
		}
		if (!e->data)
			continue;
		uint64_t skip = e->off < protect ? protect - e->off : 0;
		if (skip > e->len)
			skip = e->len;
		if (skip)
			rc = pread_all(img->fd, (char *)head + e->off, skip, at);
		if (!rc)
			rc = pread_all(img->fd, (char *)base + e->off + skip, e->len - skip, at + skip);
		if (rc) {
			snprintf(err, errlen, "reading the checkpoint: %s", strerror(-rc));
			return rc;
		}
		at += e->len;
	}
	return 0;
}
