#include "ingest/source.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define NET_BUF (64u << 10)

enum { TAG_ACCEPT = 0, TAG_UDP = 1, TAG_CONN = 2 };  /* user_data: tag | conn << 8 */

static int listen_socket(const struct tdp_source_cfg *cfg, int socktype, uint16_t *bound,
			 char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	char port[8];
	snprintf(port, sizeof(port), "%u", cfg->port);
	int rc = getaddrinfo(cfg->host[0] ? cfg->host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "resolve %s: %s", cfg->host, gai_strerror(rc));
		return -EINVAL;
	}
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return rc;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    (socktype == SOCK_STREAM && listen(fd, 64) != 0)) {
		rc = -errno;
		snprintf(err, errlen, "listen on %s:%u: %s", cfg->host, cfg->port, strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return rc;
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int source_open(struct source *s, const struct tdp_source_cfg *cfg, uint64_t resume_off,
		char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->type = cfg->type;
	s->fd = -1;
	for (int i = 0; i <= SOURCE_MAX_CONNS; i++)
		s->conns[i].fd = -1;
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
		s->bufsize = cfg->max_record > NET_BUF ? cfg->max_record : NET_BUF;
		rc = listen_socket(cfg, cfg->type == TDP_SRC_TCP ? SOCK_STREAM : SOCK_DGRAM, &s->port,
				   err, errlen);
		if (rc < 0)
			return rc;
		s->fd = rc;
		s->own_fd = true;
		rc = io_uring_queue_init(SOURCE_MAX_CONNS * 2, &s->ring, 0);
		if (rc < 0) {
			snprintf(err, errlen, "io_uring: %s", strerror(-rc));
			return rc;
		}
		s->ring_up = true;
		if (cfg->type == TDP_SRC_UDP && !(s->udp_buf = malloc(s->bufsize)))
			return -ENOMEM;
		return 0;
	case TDP_SRC_KAFKA:
		break;   /* read by ingest/kafka_source.c */
	}
	return -EINVAL;
}

void source_close(struct source *s)
{
	if (s->type == TDP_SRC_FILE || s->type == TDP_SRC_STDIN)
		tdp_reader_fini(&s->reader);
	if (s->ring_up)
		io_uring_queue_exit(&s->ring);
	for (int i = 1; i <= SOURCE_MAX_CONNS; i++) {
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
		free(s->conns[i].buf);
	}
	free(s->udp_buf);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static void arm(struct source *s, int tag, uint32_t conn)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	if (!sqe)
		return;
	if (tag == TAG_ACCEPT) {
		io_uring_prep_accept(sqe, s->fd, NULL, NULL, SOCK_CLOEXEC);
		s->accept_armed = true;
	} else if (tag == TAG_UDP) {
		io_uring_prep_recv(sqe, s->fd, s->udp_buf, s->bufsize, 0);
		s->udp_armed = true;
	} else {
		io_uring_prep_recv(sqe, s->conns[conn].fd, s->conns[conn].buf, NET_BUF, 0);
		s->conns[conn].armed = true;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)tag | ((uint64_t)conn << 8));
}

static int net_next(struct source *s, struct source_chunk *c, int timeout_ms)
{
	/* The caller is done with the buffer it held: read into it again.
	 * Not re-arming earlier is what pauses a TCP sender (backpressure). */
	if (s->rearm_conn) {
		if (s->conns[s->rearm_conn].fd >= 0)
			arm(s, TAG_CONN, s->rearm_conn);
		s->rearm_conn = 0;
	}
	if (s->type == TDP_SRC_TCP && !s->accept_armed)
		arm(s, TAG_ACCEPT, 0);
	if (s->type == TDP_SRC_UDP && !s->udp_armed)
		arm(s, TAG_UDP, 0);
	io_uring_submit(&s->ring);
	for (;;) {
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = {timeout_ms / 1000, (long long)(timeout_ms % 1000) * 1000000LL};
		int rc = io_uring_wait_cqe_timeout(&s->ring, &cqe, &ts);
		if (rc == -ETIME || rc == -EINTR)
			return 0;
		if (rc < 0)
			return rc;
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&s->ring, cqe);
		int tag = (int)(ud & 0xff);
		uint32_t conn = (uint32_t)(ud >> 8);
		if (tag == TAG_ACCEPT) {
			s->accept_armed = false;
			if (res >= 0) {
				uint32_t i;
				for (i = 1; i <= SOURCE_MAX_CONNS && s->conns[i].fd >= 0; i++)
					;
				if (i > SOURCE_MAX_CONNS || (!s->conns[i].buf && !(s->conns[i].buf = malloc(NET_BUF)))) {
					close(res);   /* over the connection limit */
				} else {
					s->conns[i].fd = res;
					s->conns[i].off = 0;
					arm(s, TAG_CONN, i);
				}
			}
			arm(s, TAG_ACCEPT, 0);
			io_uring_submit(&s->ring);
			continue;
		}
		if (tag == TAG_UDP) {
			s->udp_armed = false;
			if (res < 0) {
				arm(s, TAG_UDP, 0);
				io_uring_submit(&s->ring);
				continue;
			}
			*c = (struct source_chunk){s->udp_buf, (size_t)res, 0, true, s->off};
			s->off += (uint64_t)res;
			return 1;   /* re-armed on the next call */
		}
		struct source_conn *sc = &s->conns[conn];
		sc->armed = false;
		if (res <= 0) {
			/* Closed (or failed): a final empty chunk flushes its partial record. */
			close(sc->fd);
			sc->fd = -1;
			*c = (struct source_chunk){"", 0, conn, true, sc->off};
			return 1;
		}
		*c = (struct source_chunk){sc->buf, (size_t)res, conn, false, sc->off};
		sc->off += (uint64_t)res;
		s->rearm_conn = conn;
		return 1;
	}
}

uint64_t source_reject(struct source *s, uint32_t conn)
{
	struct stat st;
	switch (s->type) {
	case TDP_SRC_TCP:
		if (conn >= 1 && conn <= SOURCE_MAX_CONNS && s->conns[conn].fd >= 0)
			shutdown(s->conns[conn].fd, SHUT_RDWR);   /* its pending recv ends: closed as usual */
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

int source_next(struct source *s, struct source_chunk *c, int timeout_ms)
{
	if (s->type == TDP_SRC_TCP || s->type == TDP_SRC_UDP)
		return net_next(s, c, timeout_ms);
	if (s->ended) {
		*c = (struct source_chunk){"", 0, 0, true, s->off};
		return -ENODATA;
	}
	const char *p;
	ssize_t n = tdp_reader_next_timeout(&s->reader, &p, timeout_ms);
	if (n == -ETIME)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0) {
		*c = (struct source_chunk){"", 0, 0, true, s->off};
		return -ENODATA;
	}
	*c = (struct source_chunk){p, (size_t)n, 0, false, s->off};
	s->off += (uint64_t)n;
	return 1;
}
