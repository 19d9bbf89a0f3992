/*
 * exporter.h - tdapipe-exporter: the instance's metrics over HTTP
 * (tdapipe-metrics(7)).
 *
 * The exporter maps the segment read-only (common/seg_reader.h), exactly
 * as `tdapipe stats` does, and renders it on each request: it takes no
 * lock and writes nothing, so a scrape can never stall a worker.  HTTP is
 * libmicrohttpd's, one internal thread polling every connection, with a
 * bounded number of connections, a timeout and a memory limit each.
 */
#ifndef TDP_EXPORTER_H
#define TDP_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/shm.h"
#include "common/seg_reader.h"
#include "exporter/prom.h"

#define EXPORTER_MAX_CONNECTIONS 128   /* connections open at once; more wait in the backlog */
#define EXPORTER_TIMEOUT_S 10          /* a connection idle this long is closed */
#define EXPORTER_CONN_MEMORY 32768     /* bytes per connection for its request (headers included) */

/* GET /metrics: every metric of the segment (metrics.c and the files it
 * calls), in the text format. */
void metrics_render(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg);
void metrics_kafka(struct prom *p, const struct tdp_shm *seg);
void metrics_latest(struct prom *p, const struct tdp_shm *seg, const struct tdp_config *cfg);

/* GET /v1/latest: the latest result of each stream and scale as JSON
 * (latest_view.c); GET /: the live page that draws it (page.c). */
void latest_view_render(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg);
extern const char page_html[];
extern const size_t page_html_len;

/* GET /healthz and /readyz: true when healthy (ready); else false and
 * the reason, one line, in WHY. */
bool health_ok(const struct tdp_shm *seg, const struct tdp_config *cfg, char *why, size_t len);
bool ready_ok(const struct tdp_shm *seg, const struct tdp_config *cfg, char *why, size_t len);

/* A listening TCP socket on metrics.listen; -1 with ERR naming it. */
int listen_open(const struct tdp_metrics_cfg *m, char *err, size_t len);

/* Serve READER's segment on the listening socket FD until http_stop. */
struct MHD_Daemon;
struct MHD_Daemon *http_start(struct seg_reader *reader, int fd, char *err, size_t len);
void http_stop(struct MHD_Daemon *d);

#endif
