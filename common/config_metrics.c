/*
 * config_metrics.c - the `metrics:` and `log:` sections (config_metrics.h).
 */
#include "common/config_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_schema.h"

#define MET(m) TDP_CFG_FIELD(struct tdp_metrics_cfg, m)

/* listen: HOST:PORT or [V6]:PORT into host and port.  0, or -1 with the
 * message on node N. */
static int split_listen(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
			struct tdp_metrics_cfg *m)
{
	static const char want[] = "HOST:PORT (127.0.0.1:9464, [::1]:9464), a port from 1 to 65535";
	const char *s = m->listen, *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return tdp_cfg_expected(c, n, path, want);
	const char *h = s, *he = colon;
	if (*s == '[') {
		if (colon[-1] != ']' || colon - s < 3)
			return tdp_cfg_expected(c, n, path, want);
		h = s + 1;
		he = colon - 1;
	} else if (memchr(s, ':', (size_t)(colon - s))) {
		/* a bare IPv6 address: its port cannot be told from its groups */
		return tdp_cfg_expected(c, n, path, want);
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || port < 1 || port > 65535)
		return tdp_cfg_expected(c, n, path, want);
	if ((size_t)(he - h) >= sizeof(m->host))
		return tdp_cfg_expected(c, n, path, want);
	memcpy(m->host, h, (size_t)(he - h));
	m->host[he - h] = 0;
	m->port = (uint16_t)port;
	return 0;
}

static int metrics_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *node, const char *path, void *obj,
			 const struct tdp_ynode *const *seen)
{
	struct tdp_metrics_cfg *m = obj;
	char kp[TDP_CFG_PATH_MAX];
	(void)node;
	if (split_listen(c, seen[0], tdp_cfg_key_path(kp, path, "listen"), m))
		return -1;
	m->on = true;
	return 0;
}

static const struct tdp_cfg_key metrics_keys[] = {
	{ "listen", &tdp_cfg_string, MET(listen), .what = "HOST:PORT", .flags = TDP_KEY_REQUIRED },
	{ "streams", &tdp_cfg_uint, MET(streams), .lo = 0, .hi = TDP_METRICS_MAX_STREAMS,
	  .what = "a number of streams", .def.u = TDP_METRICS_DEFAULT_STREAMS },
};

const struct tdp_cfg_section tdp_metrics_section = {
	.what = "a mapping {listen: HOST:PORT, streams: N}", TDP_CFG_ROWS(metrics_keys), .doc_order = true,
	.rules = metrics_rules,
};

#define LOG(m) TDP_CFG_FIELD(struct tdp_log_cfg, m)

static const char *const log_formats[] = { "text", "json", NULL };

static const struct tdp_cfg_key log_keys[] = {
	{ "format", &tdp_cfg_enum, LOG(format), .words = log_formats, .def.i = TDP_LOG_TEXT },
};

const struct tdp_cfg_section tdp_log_section = {
	.what = "a mapping {format: text | json}", TDP_CFG_ROWS(log_keys),
};
