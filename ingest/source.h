/*
 * source.h - where ingest's bytes come from: a file, stdin, TCP
 * connections or UDP datagrams, all read through io_uring.
 *
 * A source hands out chunks of bytes tagged with a connection number, so
 * that the framer can keep one partial record per connection; `end` marks
 * a boundary after which a partial record is complete (a closed TCP
 * connection, the end of a datagram, the end of a file).
 */
#ifndef TDP_SOURCE_H
#define TDP_SOURCE_H

#include <liburing.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/uring_io.h"

struct source_chunk {
	const char *data;
	size_t len;
	uint32_t conn;      /* 0 for file/stdin/udp; 1.. for tcp connections */
	bool end;           /* a record boundary follows the data */
	uint64_t off;       /* byte offset of data[0] within its connection / file */
	const char *cut;    /* with end: why the input was cut short (a partial
	                     * record there is not a record), or NULL */
};

/* One TCP connection (ingest/source_net.c). */
struct source_conn {
	int fd;             /* -1: slot free */
	char *buf;          /* its receive buffer, allocated while open */
	bool armed;         /* a recv is in flight */
	bool closing;       /* shut down by us (idle_timeout, reject): its recv ends */
	const char *cut;    /* why it ends, when not a clean close by the peer */
	uint64_t off;       /* bytes received */
	uint64_t last_ns;   /* CLOCK_MONOTONIC of its last bytes (or its accept) */
	char peer[64];      /* "address:port", for log lines */
};

struct source {
	enum tdp_source_type type;
	int fd;                 /* file / stdin / listening or udp socket */
	bool own_fd;
	struct tdp_reader reader;   /* file, stdin */
	uint64_t off;           /* file: offset of the next chunk */
	struct io_uring ring;   /* tcp, udp */
	bool ring_up;
	bool ended;             /* file / stdin: source_reject() ended it */
	uint64_t size_seen;     /* file: its size when opened; once shrank, the size it shrank to */
	bool shrank;            /* file: at its end, smaller than when opened or than what was read */
	bool accept_armed;
	bool udp_armed;
	char *udp_buf;
	size_t bufsize;
	/* tcp: connections 1..max_conns; at max_conns open, accepting pauses
	 * and new clients wait in the kernel's listen backlog */
	uint32_t rearm_conn;    /* connection whose buffer the caller held */
	struct source_conn *conns;  /* [max_conns + 1], [0] unused */
	uint32_t max_conns;
	uint32_t nopen;
	uint64_t idle_ns;       /* idle_timeout, 0 = never */
	uint64_t next_idle_scan;
	uint64_t *stats;        /* [TDP_CONN_COUNTERS] in the segment, or NULL */
	struct sockaddr_storage accept_addr;
	socklen_t accept_len;
	uint64_t log_next_ns;   /* rate limit of connection log lines */
	uint64_t log_skipped;
	uint16_t port;          /* the bound port (useful with port 0 in tests) */
};

/* Inputs a framer is kept for: [0] file/stdin/udp, [1..] tcp connections. */
static inline uint32_t source_inputs(const struct source *s)
{
	return s->max_conns + 1;
}

/* Open per CFG; files start at byte RESUME_OFF.  0 or -errno, ERR set. */
int source_open(struct source *s, const struct tdp_source_cfg *cfg, uint64_t resume_off,
		char *err, size_t errlen);
void source_close(struct source *s);

/* Next chunk: 1 and *C filled; 0 nothing within TIMEOUT_MS; -ENODATA at the
 * end of a finite source; other -errno on error.  C->data stays valid until
 * the next call. */
int source_next(struct source *s, struct source_chunk *c, int timeout_ms);

/*
 * Stop reading input CONN, whose bytes stopped making sense (the framer
 * rejected them): a TCP connection is shut down (its sender sees it
 * close); a file or stdin ends there (source_next() says -ENODATA next);
 * a datagram needs nothing.  Returns where a restarted ingest resumes: a
 * file's size, so that nothing of it is decoded again; else 0.
 */
uint64_t source_reject(struct source *s, uint32_t conn);

/* ingest/source_net.c: the tcp and udp halves of the above. */
int source_net_open(struct source *s, const struct tdp_source_cfg *cfg, char *err, size_t errlen);
void source_net_close(struct source *s);
int source_net_next(struct source *s, struct source_chunk *c, int timeout_ms);
void source_net_reject(struct source *s, uint32_t conn);

#endif
