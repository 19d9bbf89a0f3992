/*
 * state_file.h - a checkpoint on disk: the segment's contents, as one
 * versioned, checksummed file (tdapipe-run(1), STATE).
 *
 * The segment is the live state of an instance (common/shm.h): every
 * process keeps what it must not lose there, so that a SIGKILL at any
 * instruction leaves it consistent.  A copy of the segment taken while no
 * process runs (all stopped, or all ended) is therefore a state the
 * instance can be restarted from, exactly as after a kill -9 of the whole
 * group.  The file keeps only what the segment holds:
 *
 *   header | extent table | config text | data of the data extents
 *
 * An extent is a run of pages the segment had reserved in /dev/shm: "data"
 * (copied) or "zero" (reserved, all zero: only reserved again).  Pages
 * never reserved (window stores of streams that never came) are not in
 * the file at all.  The crc is zlib's crc32 of the whole file with the
 * crc field zero; a file whose crc, size or extents do not add up is
 * refused before anything is applied.
 */
#ifndef TDP_STATE_FILE_H
#define TDP_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define TDP_STATE_MAGIC "TDPSTAT1"
#define TDP_STATE_FORMAT 1u
#define TDP_STATE_FILE "checkpoint"

struct tdp_state_header {
	char magic[8];          /* TDP_STATE_MAGIC */
	uint32_t format;        /* TDP_STATE_FORMAT: this file's own layout */
	uint32_t layout;        /* TDP_SHM_LAYOUT_VERSION of the segment it copies */
	uint64_t seg_size;      /* bytes of that segment */
	uint64_t nextents;
	uint64_t data_bytes;    /* bytes of the data extents, together */
	uint64_t config_len;    /* the config text the segment was made from */
	int64_t written_s;      /* when (seconds since the epoch, for messages) */
	uint32_t crc;           /* crc32 of the file with this field 0 */
	uint32_t pad;
	char instance[TDP_NAME_MAX];
};

struct tdp_state_extent {
	uint64_t off, len;      /* bytes of the segment, page-aligned */
	uint32_t data;          /* 1: its bytes follow in the file; 0: all zero */
	uint32_t pad;
};

/* A checkpoint read and checked (state_file_read), its data still in FD. */
struct tdp_state_image {
	struct tdp_state_header h;
	struct tdp_state_extent *ext;
	char *config;            /* config_len bytes, NUL-terminated */
	uint64_t data_at;        /* file offset of the first data extent's bytes */
	int fd;
};

/*
 * Write the segment BASE (SIZE bytes, open as SEG_FD), made from config
 * TEXT of instance INSTANCE, into the new file OUT_FD, all but the crc.
 * Nothing may change the segment meanwhile.  0, or -errno with ERR set.
 */
int state_file_write(int seg_fd, const void *base, uint64_t size, const char *instance, const char *text,
		     size_t textlen, int out_fd, char *err, size_t errlen);

/* Compute and store the crc of OUT_FD as state_file_write left it, then
 * fsync it.  0, or -errno with ERR set. */
int state_file_seal(int out_fd, char *err, size_t errlen);

/*
 * Open PATH and check it whole: magic, format, layout version, sizes,
 * extents (sorted, page-aligned, inside the segment), crc.  0; -ENOENT
 * when there is no such file; or another -errno / -EINVAL with ERR
 * saying what is wrong.  On success IMG owns an open fd and memory
 * (state_file_close).
 */
int state_file_read(const char *path, struct tdp_state_image *img, char *err, size_t errlen);

/* Reserve IMG's extents in the segment SEG_FD and copy its data into BASE,
 * except the first PROTECT bytes of the segment, which are copied into
 * HEAD instead (the caller fixes them up and publishes them last).  0 or
 * -errno with ERR set. */
int state_file_apply(const struct tdp_state_image *img, int seg_fd, void *base, void *head, size_t protect,
		     char *err, size_t errlen);

void state_file_close(struct tdp_state_image *img);

#endif
