/*
 * preflight.c - the environment checks `check-config` and `run` make
 * before anything starts, so that a config that parses but cannot run
 * here fails at once, naming its key, instead of after restarts.
 *
 * Each check says what it found as "FILE: KEY: VALUE: REASON (what to
 * do)" and classes it (tdapipe(1), EXIT STATUS):
 *   TDP_EXIT_USAGE (100)  the config names what cannot work as written: a
 *                         directory or device as the source, an output
 *                         under a file that is not a directory, an
 *                         output that is a directory or a symbolic link,
 *                         a listen address not of this machine, a broker
 *                         name that does not exist;
 *   TDP_EXIT_SYSTEM (111) what may be there later: a missing or
 *                         unreadable source file, a missing or read-only
 *                         output directory, a port another program
 *                         holds, a name server that did not answer.
 * Checks only look: nothing is created, truncated or connected to (a
 * listen address is bound and closed at once).  The outputs are opened
 * again without following links when run truncates them (cli/run.c), as
 * a link may be planted after this.
 */
#define _GNU_SOURCE
#include "cli/preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/net_bind.h"

#define RESOLVE_S 2   /* every broker name is resolved within this, in all */

struct preflight {
	const struct tdp_config *cfg;
	tdp_preflight_say_fn *say;
	int rc;                    /* 0, or the worst class seen (100 over 111) */
	struct timespec deadline;  /* of the broker lookups */
};

/* Say one failure of class RC about KEY (VALUE as written). */
__attribute__((format(printf, 5, 6)))
static void fail(struct preflight *p, int rc, const char *key, const char *value, const char *fmt, ...)
{
	char line[TDP_PATH_MAX * 3];
	int o = snprintf(line, sizeof(line), "%s: %s: %s: ", p->cfg->path, key, value);
	va_list ap;
	va_start(ap, fmt);
	if (o > 0 && (size_t)o < sizeof(line))
		vsnprintf(line + o, sizeof(line) - (size_t)o, fmt, ap);
	va_end(ap);
	p->say(line);
	if (p->rc != TDP_EXIT_USAGE)
		p->rc = rc;
}

/* source.path: there, readable, and something a file source reads to its
 * end (a regular file, a FIFO or a character device).  A FIFO is not
 * opened: that would wait for a writer. */
static void check_source_file(struct preflight *p, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		int e = errno;
		fail(p, e == ENOTDIR ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM, "source.path", path, "%s (%s source.path)",
		     strerror(e), e == ENOENT ? "create it, or fix" : "fix");
		return;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		fail(p, TDP_EXIT_USAGE, "source.path", path, "%s (name a file or a FIFO in source.path)",
		     S_ISDIR(st.st_mode) ? "a directory, not a file" : "neither a file nor a FIFO");
		return;
	}
	int fd = S_ISFIFO(st.st_mode) ? access(path, R_OK) : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail(p, TDP_EXIT_SYSTEM, "source.path", path, "cannot read: %s (let this user read it, or fix "
		     "source.path)", strerror(errno));
	else if (!S_ISFIFO(st.st_mode))
		close(fd);
}

/* An output file KEY = PATH: its directory exists and this user may
 * create files there; the file itself, if there, is not a directory nor
 * a symbolic link (outputs are not written through one). */
static void check_output(struct preflight *p, const char *key, const char *path)
{
	char dir[TDP_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = 0;   /* "/x": the root */
	struct stat st;
	if (stat(dir, &st) != 0) {
		int e = errno;
		if (e == ENOENT)
			fail(p, TDP_EXIT_SYSTEM, key, path, "no such directory: %s (create it, or fix %s)", dir, key);
		else
			fail(p, e == ENOTDIR ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM, key, path, "directory %s: %s "
			     "(fix %s)", dir, strerror(e), key);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		fail(p, TDP_EXIT_USAGE, key, path, "%s is not a directory (fix %s)", dir, key);
		return;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		fail(p, TDP_EXIT_USAGE, key, path, "a symbolic link: outputs are not written through one "
		     "(remove it, or fix %s)", key);
		return;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fail(p, TDP_EXIT_USAGE, key, path, "a directory, not a file (fix %s)", key);
		return;
	}
	if (access(dir, W_OK | X_OK) != 0)
		fail(p, TDP_EXIT_SYSTEM, key, path, "cannot create files in %s: %s (let this user write there, "
		     "or fix %s)", dir, strerror(errno), key);
}

/* The state directory DIR (state.dir, or its default): a directory this
 * user may write in, or, when missing, one that can be made (its nearest
 * existing ancestor is a writable directory: run makes the rest). */
static void check_state_dir(struct preflight *p, const char *dir)
{
	char at[TDP_PATH_MAX];
	struct stat st;
	snprintf(at, sizeof(at), "%s", dir);
	for (;;) {
		if (stat(at, &st) == 0)
			break;
		if (errno != ENOENT) {
			int e = errno;
			fail(p, e == ENOTDIR ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM, "state.dir", dir, "%s%s%s (fix "
			     "state.dir)", strcmp(at, dir) ? at : "", strcmp(at, dir) ? ": " : "", strerror(e));
			return;
		}
		char *slash = strrchr(at, '/');
		if (!slash) {
			snprintf(at, sizeof(at), ".");
			continue;
		}
		slash[slash == at] = 0;   /* "/x": the root */
	}
	if (!S_ISDIR(st.st_mode))
		fail(p, TDP_EXIT_USAGE, "state.dir", dir, "%s is not a directory (fix state.dir)", at);
	else if (access(at, W_OK | X_OK) != 0)
		fail(p, TDP_EXIT_SYSTEM, "state.dir", dir, "cannot write in %s: %s (let this user write there, or "
		     "fix state.dir)", at, strerror(errno));
}

/* A listen address KEY (HOST, PORT, WRITTEN as in the config): bound
 * with SO_REUSEADDR, as the process that will listen there does, and
 * closed at once. */
static void check_listen(struct preflight *p, const char *key, const char *host, uint16_t port, int socktype,
			 const char *written)
{
	int gai;
	int fd = tdp_net_bind(host, port, socktype, &gai);
	if (gai) {
		fail(p, gai == EAI_AGAIN ? TDP_EXIT_SYSTEM : TDP_EXIT_USAGE, key, written, "%s (fix %s)",
		     gai_strerror(gai), key);
		return;
	}
	if (fd < 0) {
		int e = errno;
		if (e == EADDRINUSE)
			fail(p, TDP_EXIT_SYSTEM, key, written, "%s (another program listens there: stop it, or "
			     "change %s)", strerror(e), key);
		else
			fail(p, e == EADDRNOTAVAIL ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM, key, written,
			     "cannot listen there: %s (%s)", strerror(e), e == EADDRNOTAVAIL ?
			     "not an address of this machine: fix it" : "fix it, or run with the right to");
	}
	if (fd >= 0)
		close(fd);
}

/* Resolve HOST (of broker list KEY = LIST) within what is left of the
 * lookups' deadline: a lookup that outlasts it is abandoned (its request
 * block is kept, as the resolver may still write to it). */
static void resolve_broker(struct preflight *p, const char *key, const char *list, const char *host)
{
	static struct gaicb reqs[64];
	static unsigned nreqs;
	if (nreqs == sizeof(reqs) / sizeof(reqs[0]))
		return;   /* past 64 names, unchecked: librdkafka will say */
	struct gaicb *g = &reqs[nreqs++], *list1[1] = { g };
	static struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	g->ar_name = strdup(host);
	g->ar_request = &hints;
	if (!g->ar_name || getaddrinfo_a(GAI_NOWAIT, list1, 1, NULL) != 0) {
		free((char *)g->ar_name);
		return;   /* not checked: librdkafka will say */
	}
	int rc;
	while ((rc = gai_error(g)) == EAI_INPROGRESS) {
		struct timespec now, left;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long ns = (p->deadline.tv_sec - now.tv_sec) * 1000000000LL + (p->deadline.tv_nsec - now.tv_nsec);
		if (ns <= 0) {
			gai_cancel(g);
			fail(p, TDP_EXIT_SYSTEM, key, list, "%s: no answer from the name server within %d s (check "
			     "the resolver, or use addresses)", host, RESOLVE_S);
			return;
		}
		left = (struct timespec){ns / 1000000000LL, ns % 1000000000LL};
		const struct gaicb *wait1[1] = { g };
		gai_suspend(wait1, 1, &left);
	}
	free((char *)g->ar_name);
	if (rc == 0) {
		freeaddrinfo(g->ar_result);
		return;
	}
	fail(p, rc == EAI_NONAME || rc == EAI_FAIL ? TDP_EXIT_USAGE : TDP_EXIT_SYSTEM, key, list,
	     "%s: %s (fix the broker's name in %s)", host, gai_strerror(rc), key);
}

/* Every broker of KEY = LIST ("host:port,[v6]:port,SSL://host:port"):
 * its host part resolves.  Only resolved: no connection is made. */
static void check_brokers(struct preflight *p, const char *key, const char *list)
{
	char copy[sizeof(((struct tdp_kafka_cfg *)0)->brokers)];
	snprintf(copy, sizeof(copy), "%s", list);
	char *save = NULL;
	for (char *b = strtok_r(copy, ", ", &save); b; b = strtok_r(NULL, ", ", &save)) {
		char *scheme = strstr(b, "://");
		if (scheme)
			b = scheme + 3;
		char *end;
		if (*b == '[' && (end = strchr(b, ']'))) {
			b++;
			*end = 0;
		} else if ((end = strrchr(b, ':')) && end == strchr(b, ':')) {
			*end = 0;   /* one colon: host:port; more: a bare IPv6 address */
		}
		if (*b)
			resolve_broker(p, key, list, b);
	}
}

int tdp_preflight(const struct tdp_config *cfg, tdp_preflight_say_fn *say)
{
	struct preflight p = { .cfg = cfg, .say = say };
	clock_gettime(CLOCK_MONOTONIC, &p.deadline);
	p.deadline.tv_sec += RESOLVE_S;
	const struct tdp_source_cfg *src = &cfg->source;
	char written[300];

	if (src->type == TDP_SRC_FILE)
		check_source_file(&p, src->path);
	if (src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) {
		snprintf(written, sizeof(written), "%s %s:%u", src->type == TDP_SRC_TCP ? "tcp" : "udp",
			 src->host[0] ? src->host : "*", src->port);
		check_listen(&p, "source.port", src->host, src->port,
			     src->type == TDP_SRC_TCP ? SOCK_STREAM : SOCK_DGRAM, written);
	}
	if (cfg->metrics.on)
		check_listen(&p, "metrics.listen", cfg->metrics.host, cfg->metrics.port, SOCK_STREAM,
			     cfg->metrics.listen);
	if (cfg->sink.type == TDP_SINK_FILE)
		check_output(&p, "sink.path", cfg->sink.path);
	if (cfg->dead_letter.type == TDP_SINK_FILE)
		check_output(&p, "dead_letter.path", cfg->dead_letter.path);
	if (cfg->events.on && cfg->events.type == TDP_SINK_FILE)
		check_output(&p, "events.path", cfg->events.path);
	char state_dir[TDP_PATH_MAX];
	tdp_state_dir(&cfg->state, cfg->instance, state_dir, sizeof(state_dir));
	check_state_dir(&p, state_dir);
	if (src->type == TDP_SRC_KAFKA)
		check_brokers(&p, "source.brokers", src->kafka.brokers);
	if (cfg->sink.type == TDP_SINK_KAFKA)   /* the events topic too: it is on the sink's brokers */
		check_brokers(&p, "sink.brokers", cfg->sink.kafka.brokers);
	if (cfg->dead_letter.type == TDP_SINK_KAFKA && strcmp(cfg->dead_letter.kafka.brokers, cfg->sink.kafka.brokers))
		check_brokers(&p, "dead_letter.brokers", cfg->dead_letter.kafka.brokers);
	return p.rc;
}
