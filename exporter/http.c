/*
 * http.c - the exporter's HTTP side: libmicrohttpd with one internal
 * thread polling (epoll) every connection, and the routes.
 *
 *   GET|HEAD /metrics     200 text/plain; version=0.0.4 (metrics.c)
 *   GET|HEAD /healthz     200 "ok" | 503 the reason (health.c)
 *   GET|HEAD /readyz      200 "ok" | 503 the reason
 *   GET|HEAD /stats.json  200 what `tdapipe stats --json` prints
 *   GET|HEAD /v1/latest   200 the latest result of each stream and scale (latest_view.c)
 *   GET|HEAD /            200 text/html: the live page drawing /v1/latest (page.c)
 *   other paths 404; other methods 405 (Allow: GET, HEAD)
 *
 * The library bounds what a client can cost: EXPORTER_MAX_CONNECTIONS
 * connections, each closed after EXPORTER_TIMEOUT_S idle and refused
 * (431) when its request outgrows EXPORTER_CONN_MEMORY.  Requests are
 * handled one at a time on the library's thread, which is therefore the
 * only one reading the segment: tdp_bus_guard's one guard at a time holds
 * (a SIGBUS is delivered to the thread whose load faulted).
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "cli/stats_print.h"
#include "exporter/exporter.h"

/* One request being answered (requests are handled one at a time). */
struct answer {
	struct seg_reader *rd;
	const char *path;
	struct tdp_buf body;
	unsigned status;
};

#define TEXT "text/plain; charset=utf-8"
#define PROM "text/plain; version=0.0.4; charset=utf-8"

/* Render the route into a->body, under tdp_bus_guard (seg_reader_read:
 * the supervisor was alive a moment ago). */
static int render(struct seg_reader *rd, void *arg)
{
	struct answer *a = arg;
	char why[256];
	a->status = MHD_HTTP_OK;
	if (!strcmp(a->path, "/metrics")) {
		metrics_render(&a->body, &rd->seg, &rd->cfg);
	} else if (!strcmp(a->path, "/healthz") || !strcmp(a->path, "/readyz")) {
		bool ok = a->path[1] == 'h' ? health_ok(&rd->seg, &rd->cfg, why, sizeof(why))
					    : ready_ok(&rd->seg, &rd->cfg, why, sizeof(why));
		a->status = ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		tdp_buf_printf(&a->body, "%s\n", ok ? "ok" : why);
	} else if (!strcmp(a->path, "/v1/latest")) {
		latest_view_render(&a->body, &rd->seg, &rd->cfg);
	} else {
		stats_print(&a->body, &rd->seg, &rd->cfg, true);
	}
	return 0;
}

static bool known(const char *path)
{
	static const char *const routes[] = {"/metrics", "/healthz", "/readyz", "/stats.json", "/v1/latest", "/"};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(path, routes[i]))
			return true;
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const void *p, size_t n,
			     bool allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	(void)version, (void)upload, (void)upload_size, (void)ctx;
	static struct answer a;   /* one request at a time: its body's memory is kept */
	static const char not_found[] = "not found: try /metrics, /healthz, /readyz, /stats.json, /v1/latest, /\n";
	static const char not_allowed[] = "method not allowed: GET or HEAD only\n";
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT, not_allowed, sizeof(not_allowed) - 1, true);
	if (!known(url))
		return reply(c, MHD_HTTP_NOT_FOUND, TEXT, not_found, sizeof(not_found) - 1, false);
	if (!strcmp(url, "/"))   /* static: it reads the segment through /v1/latest */
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", page_html, page_html_len, false);
	a.rd = cls;
	a.path = url;
	tdp_buf_reset(&a.body);
	int rc = seg_reader_still_there(a.rd);
	if (rc == 0)
		rc = seg_reader_read(a.rd, render, &a);
	if (rc < 0 || !tdp_buf_ok(&a.body)) {
		tdp_buf_reset(&a.body);
		tdp_buf_printf(&a.body, "%s\n", rc < 0 ? a.rd->err : "out of memory");
		a.status = MHD_HTTP_SERVICE_UNAVAILABLE;
		a.body.failed = false;
	}
	bool prom = !strcmp(url, "/metrics") && a.status == MHD_HTTP_OK;
	bool json = (!strcmp(url, "/stats.json") || !strcmp(url, "/v1/latest")) && a.status == MHD_HTTP_OK;
	return reply(c, a.status, prom ? PROM : json ? "application/json" : TEXT, a.body.p, a.body.len, false);
}

struct MHD_Daemon *http_start(struct seg_reader *reader, int fd, char *err, size_t len)
{
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, on_request, reader,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)EXPORTER_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)EXPORTER_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)EXPORTER_CONN_MEMORY,
		MHD_OPTION_END);
	if (!d)
		snprintf(err, len, "metrics.listen %s: libmicrohttpd could not start: %s", reader->cfg.metrics.listen,
			 strerror(errno));
	return d;
}

void http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
