#include "common/net_bind.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int tdp_net_bind(const char *host, uint16_t port, int socktype, int *gai)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	*gai = getaddrinfo(host[0] ? host : NULL, service, &hints, &res);
	if (*gai != 0)
		return -1;
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0), one = 1;
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			bind(fd, res->ai_addr, res->ai_addrlen) != 0)) {
		int e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	int e = errno;
	freeaddrinfo(res);
	errno = e;
	return fd;
}
