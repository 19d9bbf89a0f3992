/*
 * net_bind.h - a socket bound where the config says to listen: what the
 * tcp/udp source, the exporter and the start-up checks (cli/preflight.c)
 * all do before their own next step (listen, or close at once).
 */
#ifndef TDP_NET_BIND_H
#define TDP_NET_BIND_H

#include <stdint.h>

/* A close-on-exec socket of SOCKTYPE (SOCK_STREAM, SOCK_DGRAM) with
 * SO_REUSEADDR, bound to HOST (empty: every address) and PORT.  The fd,
 * or -1 with *GAI the getaddrinfo error when HOST did not resolve (0
 * otherwise, errno then says why socket or bind failed). */
int tdp_net_bind(const char *host, uint16_t port, int socktype, int *gai);

#endif
