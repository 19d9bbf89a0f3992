/*
 * config_metrics.h - how an instance is watched (tdapipe.yaml(5),
 * OBSERVABILITY; tdapipe-metrics(7)): the `metrics:` endpoint and the
 * `log:` line format.
 *
 *   metrics: {listen: 127.0.0.1:9464, streams: 100}   # off when absent
 *   log: {format: text}                               # or json
 *
 * The endpoint is a process of the group (tdapipe-exporter) that maps the
 * segment read-only; `streams` bounds how many streams per scale get
 * gauges of their latest result, so a scrape's size stays bounded.
 */
#ifndef TDP_CONFIG_METRICS_H
#define TDP_CONFIG_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#define TDP_METRICS_DEFAULT_STREAMS 100u
#define TDP_METRICS_MAX_STREAMS 10000u

struct tdp_metrics_cfg {
	bool on;                   /* a metrics: block was given */
	char listen[300];          /* as written: HOST:PORT, [V6]:PORT */
	char host[256];            /* its host part, brackets removed */
	uint16_t port;             /* its port, 1..65535 */
	uint32_t streams;          /* streams per scale with latest-result gauges (default 100) */
};

enum tdp_log_format { TDP_LOG_TEXT = 0, TDP_LOG_JSON = 1 };

struct tdp_log_cfg {
	int format;                /* enum tdp_log_format (default text) */
};

struct tdp_cfg_section;
extern const struct tdp_cfg_section tdp_metrics_section, tdp_log_section;

#endif
