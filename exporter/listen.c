/*
 * listen.c - the exporter's listening socket on metrics.listen.
 *
 * Opened here rather than by libmicrohttpd so that a failure names the
 * config key and the reason ("metrics.listen 127.0.0.1:9464: address
 * already in use"), which is what the operator must change.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter/exporter.h"

int listen_open(const struct tdp_metrics_cfg *m, char *err, size_t len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", m->port);
	int rc = getaddrinfo(m->host[0] ? m->host : NULL, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, len, "metrics.listen %s: %s", m->listen, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
		int e = errno;
		snprintf(err, len, "metrics.listen %s: %s%s", m->listen, strerror(e),
			 e == EADDRINUSE ? " (another program listens there: change metrics.listen)" : "");
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}
