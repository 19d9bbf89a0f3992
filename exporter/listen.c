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

#include "common/net_bind.h"
#include "exporter/exporter.h"

int listen_open(const struct tdp_metrics_cfg *m, char *err, size_t len)
{
	int gai;
	int fd = tdp_net_bind(m->host, m->port, SOCK_STREAM, &gai);
	if (gai) {
		snprintf(err, len, "metrics.listen %s: %s", m->listen, gai_strerror(gai));
		return -1;
	}
	if (fd < 0 || listen(fd, 64) != 0) {
		int e = errno;
		snprintf(err, len, "metrics.listen %s: %s%s", m->listen, strerror(e),
			 e == EADDRINUSE ? " (another program listens there: change metrics.listen)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
