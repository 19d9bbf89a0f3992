/*
 * source.c - the file and stdin sources, and the dispatch to the network
 * ones (ingest/source_net.c).
 */
#include "ingest/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)

int source_open(struct source *s, const struct tdp_source_cfg *cfg, uint64_t resume_off,
		char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->type = cfg->type;
	s->fd = -1;
	int rc;
	switch (cfg->type) {
	case TDP_SRC_FILE:
		s->fd = open(cfg->path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "open %s: %s", cfg->path, strerror(errno));
			return rc;
		}
		s->own_fd = true;
		s->off = resume_off;
		struct stat st;
		if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode))
			s->size_seen = (uint64_t)st.st_size;
		/* fallthrough */
	case TDP_SRC_STDIN:
		if (s->fd < 0)
			s->fd = STDIN_FILENO;
		rc = tdp_reader_init(&s->reader, s->fd, s->off, CHUNK);
		if (rc < 0) {
			snprintf(err, errlen, "io_uring reader: %s", strerror(-rc));
			return rc;
		}
		if (!s->reader.positioned)
			s->off = 0;
		return 0;
	case TDP_SRC_TCP:
	case TDP_SRC_UDP:
		return source_net_open(s, cfg, err, errlen);
	case TDP_SRC_KAFKA:
		break;   /* read by ingest/kafka_source.c */
	}
	return -EINVAL;
}

void source_close(struct source *s)
{
	if (s->type == TDP_SRC_FILE || s->type == TDP_SRC_STDIN)
		tdp_reader_fini(&s->reader);
	else
		source_net_close(s);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

uint64_t source_reject(struct source *s, uint32_t conn)
{
	struct stat st;
	switch (s->type) {
	case TDP_SRC_TCP:
		source_net_reject(s, conn);
		return 0;
	case TDP_SRC_FILE:
		s->ended = true;
		return fstat(s->fd, &st) == 0 && (uint64_t)st.st_size > s->off ? (uint64_t)st.st_size : s->off;
	case TDP_SRC_STDIN:
		s->ended = true;
		return 0;
	default:
		return 0;
	}
}

/* At the end of a file: did it shrink while being read (truncated under
 * us, so that what it held past its new end was never read)? */
static bool file_shrank(struct source *s)
{
	struct stat st;
	if (s->type != TDP_SRC_FILE || fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	s->shrank = (uint64_t)st.st_size < s->size_seen || (uint64_t)st.st_size < s->off;
	if (s->shrank)
		s->size_seen = (uint64_t)st.st_size;
	return s->shrank;
}

int source_next(struct source *s, struct source_chunk *c, int timeout_ms)
{
	if (s->type == TDP_SRC_TCP || s->type == TDP_SRC_UDP)
		return source_net_next(s, c, timeout_ms);
	if (s->ended) {
		*c = (struct source_chunk){"", 0, 0, true, s->off, NULL};
		return -ENODATA;
	}
	const char *p;
	ssize_t n = tdp_reader_next_timeout(&s->reader, &p, timeout_ms);
	if (n == -ETIME)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0) {
		*c = (struct source_chunk){"", 0, 0, true, s->off, NULL};
		if (file_shrank(s))
			c->cut = "the file shrank while being read";
		return -ENODATA;
	}
	*c = (struct source_chunk){p, (size_t)n, 0, false, s->off, NULL};
	s->off += (uint64_t)n;
	return 1;
}
