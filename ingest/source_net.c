/*
 * source_net.c - the TCP and UDP sources: sockets read through io_uring.
 *
 * TCP bounds what senders can cost: at most max_connections are read at
 * once, each with one receive buffer.  With that many open, ingest stops
 * accepting: new clients wait in the kernel's listen backlog (their bytes
 * are kept, not reset) and are accepted in turn as connections close.
 * Beyond the backlog (net.core.somaxconn, 4096 by default) the kernel
 * refuses or resets them: the client sees it.  A
 * connection that sends nothing for idle_timeout is closed so that idle
 * clients cannot hold every slot.  A connection that ends with an error
 * (reset by the peer) or is closed for idleness in the middle of a record
 * cuts that record short: the chunk that ends it says so (chunk.cut), and
 * the framer makes it a dead letter instead of decoding a fragment.
 * Everything is counted in the segment (enum tdp_conn_counter) and logged
 * at a bounded rate.
 */
#include "ingest/source.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/log.h"
#include "common/net_bind.h"
#include "common/shm.h"

#define NET_BUF (64u << 10)
#define RING_SQ 64u

enum { TAG_ACCEPT = 0, TAG_UDP = 1, TAG_CONN = 2 };  /* user_data: tag | conn << 8 */

static struct tdp_log_limit log_conn;   /* resets and idle closes */
static struct tdp_log_limit log_full;   /* the connection limit reached */

static void count(struct source *s, enum tdp_conn_counter k, uint64_t n)
{
	if (s->stats)
		tdp_counter_add(&s->stats[k], n);
}

static void set_open(struct source *s)
{
	if (s->stats)
		tdp_store_u64(&s->stats[TDP_CONN_OPEN], s->nopen);
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(out, len, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(out, len, "[%s]:%u", host, port);
	} else {
		snprintf(out, len, "?");
	}
}

static int listen_socket(const struct tdp_source_cfg *cfg, int socktype, int backlog, uint16_t *bound,
			 char *err, size_t errlen)
{
	int gai;
	int fd = tdp_net_bind(cfg->host, cfg->port, socktype, &gai);
	if (gai) {
		snprintf(err, errlen, "resolve %s: %s", cfg->host, gai_strerror(gai));
		return -EINVAL;
	}
	if (fd < 0 || (socktype == SOCK_STREAM && listen(fd, backlog) != 0)) {
		int rc = -errno;
		snprintf(err, errlen, "listen on %s:%u: %s", cfg->host, cfg->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Room for every connection's descriptor besides the ones a process has
 * anyway: raise the soft limit towards the hard one if need be. */
static void raise_fd_limit(uint32_t conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		tdp_log_warn("max_connections %u: the open-file limit (%llu) lets fewer be open; "
			"the others wait in the backlog", conns, (unsigned long long)rl.rlim_cur);
}

int source_net_open(struct source *s, const struct tdp_source_cfg *cfg, char *err, size_t errlen)
{
	bool tcp = cfg->type == TDP_SRC_TCP;
	s->bufsize = cfg->max_record > NET_BUF ? cfg->max_record : NET_BUF;
	if (tcp) {
		s->max_conns = cfg->max_connections;
		s->idle_ns = (uint64_t)cfg->idle_timeout_ms * 1000000ull;
		if (!(s->conns = calloc((size_t)s->max_conns + 1, sizeof(*s->conns)))) {
			snprintf(err, errlen, "out of memory for %u connections", s->max_conns);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i <= s->max_conns; i++)
			s->conns[i].fd = -1;
		raise_fd_limit(s->max_conns);
	}
	/* The backlog holds the clients waiting for a free slot: as long as
	 * the kernel allows (net.core.somaxconn).  A full one is worse than a
	 * long one: Linux then answers with SYN cookies and resets a client
	 * whose handshake completes while it is still full, after the client
	 * may have sent its records. */
	int rc = listen_socket(cfg, tcp ? SOCK_STREAM : SOCK_DGRAM, SOMAXCONN, &s->port, err, errlen);
	if (rc < 0)
		return rc;
	s->fd = rc;
	s->own_fd = true;
	/* Every open connection may have a completion pending at once. */
	struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE, .cq_entries = 2 * (s->max_conns + 2)};
	if (p.cq_entries < 2 * RING_SQ)
		p.cq_entries = 2 * RING_SQ;
	rc = io_uring_queue_init_params(RING_SQ, &s->ring, &p);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring: %s", strerror(-rc));
		return rc;
	}
	s->ring_up = true;
	if (!tcp && !(s->udp_buf = malloc(s->bufsize)))
		return -ENOMEM;
	return 0;
}

void source_net_close(struct source *s)
{
	if (s->ring_up)
		io_uring_queue_exit(&s->ring);
	for (uint32_t i = 1; s->conns && i <= s->max_conns; i++) {
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
		free(s->conns[i].buf);
	}
	free(s->conns);
	free(s->udp_buf);
}

/* Queue one read (or accept), submitting what is queued first if the
 * submission queue is full. */
static void arm(struct source *s, int tag, uint32_t conn)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	if (!sqe) {
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	if (tag == TAG_ACCEPT) {
		s->accept_len = sizeof(s->accept_addr);
		io_uring_prep_accept(sqe, s->fd, (struct sockaddr *)&s->accept_addr, &s->accept_len, SOCK_CLOEXEC);
		s->accept_armed = true;
	} else if (tag == TAG_UDP) {
		io_uring_prep_recv(sqe, s->fd, s->udp_buf, s->bufsize, 0);
		s->udp_armed = true;
	} else {
		struct source_conn *sc = &s->conns[conn];
		io_uring_prep_recv(sqe, sc->fd, sc->buf, NET_BUF, 0);
		sc->armed = true;
		/* Idle counts from when we were ready to read again: a sender
		 * paused by backpressure is not idle. */
		sc->last_ns = tdp_now_ns();
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)tag | ((uint64_t)conn << 8));
}

static void accepted(struct source *s, int fd)
{
	uint32_t i;
	for (i = 1; i <= s->max_conns && s->conns[i].fd >= 0; i++)
		;
	struct source_conn *sc = &s->conns[i];
	if (i > s->max_conns || !(sc->buf = malloc(NET_BUF))) {
		/* Cannot happen (accepts are armed only with a slot free), or
		 * out of memory: say so rather than lose its bytes quietly. */
		tdp_log_warn("no slot for a new connection (%s): closed", i > s->max_conns ? "bug" : "out of memory");
		close(fd);
		return;
	}
	*sc = (struct source_conn){.fd = fd, .buf = sc->buf};
	format_peer(&s->accept_addr, sc->peer, sizeof(sc->peer));
	s->nopen++;
	count(s, TDP_CONN_ACCEPTED, 1);
	set_open(s);
	arm(s, TAG_CONN, i);
	if (s->nopen == s->max_conns) {
		count(s, TDP_CONN_FULL, 1);
		tdp_log_limited(&log_full, "max_connections (%u) open: new connections wait in the listen "
				"backlog until one closes", s->max_conns);
	}
}

/* Connection CONN ended (RES: 0 closed, < 0 an error): free its slot and
 * hand on the chunk that ends its input. */
static void ended(struct source *s, uint32_t conn, int res, struct source_chunk *c)
{
	struct source_conn *sc = &s->conns[conn];
	const char *cut = sc->cut;
	if (res < 0 && !sc->closing) {
		cut = "the connection failed";
		count(s, TDP_CONN_RESET, 1);
		tdp_log_limited(&log_conn, "connection %u from %s: %s after %llu bytes", conn, sc->peer,
				strerror(-res), (unsigned long long)sc->off);
		if (res == -ECONNRESET)
			cut = "the connection was reset by the peer";
		else if (res == -ETIMEDOUT)
			cut = "the connection timed out";
	}
	close(sc->fd);
	free(sc->buf);
	*c = (struct source_chunk){"", 0, conn, true, sc->off, cut};
	*sc = (struct source_conn){.fd = -1};
	s->nopen--;
	set_open(s);
}

/* Close the connections silent for idle_timeout: their pending reads end. */
static void close_idle(struct source *s, uint64_t now)
{
	s->next_idle_scan = now + (s->idle_ns / 8 < 1000000000ull ? s->idle_ns / 8 : 1000000000ull);
	for (uint32_t i = 1; i <= s->max_conns; i++) {
		struct source_conn *sc = &s->conns[i];
		if (sc->fd < 0 || sc->closing || !sc->armed || now - sc->last_ns < s->idle_ns)
			continue;
		sc->closing = true;
		sc->cut = "the connection was closed after idle_timeout";
		count(s, TDP_CONN_IDLE, 1);
		tdp_log_limited(&log_conn, "connection %u from %s: nothing for %llu ms (idle_timeout): closed", i,
				sc->peer, (unsigned long long)(s->idle_ns / 1000000));
		shutdown(sc->fd, SHUT_RDWR);
	}
}

/* An accept completed with RES (a descriptor, or -errno). */
static void accept_done(struct source *s, int res)
{
	s->accept_armed = false;
	if (res >= 0)
		accepted(s, res);
	else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM)
		tdp_log_limited(&log_full, "accepting a connection: %s; it waits in the backlog", strerror(-res));
	if (s->nopen < s->max_conns && (res >= 0 || res == -ECONNABORTED || res == -EINTR))
		arm(s, TAG_ACCEPT, 0);
	/* else: re-armed by the next call (a close frees what it lacked) */
	io_uring_submit(&s->ring);
}

/* A read completed with RES bytes (or -errno) into TAG's buffer: 1 and *C
 * filled when that is a chunk for the caller, 0 when not (a failed
 * datagram read, re-armed). */
static int read_done(struct source *s, int tag, uint32_t conn, int res, struct source_chunk *c)
{
	if (tag == TAG_UDP) {
		s->udp_armed = false;
		if (res < 0) {
			arm(s, TAG_UDP, 0);
			io_uring_submit(&s->ring);
			return 0;
		}
		*c = (struct source_chunk){s->udp_buf, (size_t)res, 0, true, s->off, NULL};
		s->off += (uint64_t)res;
		return 1;   /* re-armed on the next call */
	}
	struct source_conn *sc = &s->conns[conn];
	sc->armed = false;
	if (res <= 0) {
		ended(s, conn, res, c);   /* a final empty chunk flushes its partial record */
		return 1;
	}
	*c = (struct source_chunk){sc->buf, (size_t)res, conn, false, sc->off, NULL};
	sc->off += (uint64_t)res;
	sc->last_ns = tdp_now_ns();
	s->rearm_conn = conn;
	return 1;
}

int source_net_next(struct source *s, struct source_chunk *c, int timeout_ms)
{
	/* The caller is done with the buffer it held: read into it again.
	 * Not re-arming earlier is what pauses a TCP sender (backpressure). */
	if (s->rearm_conn) {
		if (s->conns[s->rearm_conn].fd >= 0)
			arm(s, TAG_CONN, s->rearm_conn);
		s->rearm_conn = 0;
	}
	if (s->type == TDP_SRC_TCP && !s->accept_armed && s->nopen < s->max_conns)
		arm(s, TAG_ACCEPT, 0);
	if (s->type == TDP_SRC_UDP && !s->udp_armed)
		arm(s, TAG_UDP, 0);
	io_uring_submit(&s->ring);
	for (;;) {
		uint64_t now = tdp_now_ns();
		if (s->idle_ns && now >= s->next_idle_scan && io_uring_cq_ready(&s->ring) == 0)
			close_idle(s, now);
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
		if (tag == TAG_ACCEPT)
			accept_done(s, res);
		else if (read_done(s, tag, (uint32_t)(ud >> 8), res, c))
			return 1;
	}
}

void source_net_reject(struct source *s, uint32_t conn)
{
	if (s->type != TDP_SRC_TCP || conn < 1 || conn > s->max_conns || s->conns[conn].fd < 0)
		return;
	s->conns[conn].closing = true;
	shutdown(s->conns[conn].fd, SHUT_RDWR);   /* its pending recv ends: closed as usual */
}
