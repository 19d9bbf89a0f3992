/*
 * prom.h - writing the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * A family is its # HELP and # TYPE lines followed by all its samples
 * (the format wants them together).  Every sample carries the
 * instance label first, then the labels given as a NULL-terminated list
 * of name, value pairs; values are escaped here (\\, \", \n).
 */
#ifndef TDP_EXPORTER_PROM_H
#define TDP_EXPORTER_PROM_H

#include <stdint.h>

#include "common/buf.h"

struct prom {
	struct tdp_buf *b;
	const char *instance;
};

/* The # HELP and # TYPE lines of family NAME (TYPE: counter, gauge,
 * histogram). */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);

/* One sample: NAME{instance="...",LABELS} V. */
void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v);
void prom_i64(struct prom *p, const char *name, const char *const *labels, int64_t v);
/* Doubles as the shortest text that reads back; +Inf, -Inf, NaN. */
void prom_f64(struct prom *p, const char *name, const char *const *labels, double v);

/* The _bucket samples (le in seconds, cumulative, the last +Inf) and
 * _count of a segment histogram H of nanoseconds (common/hist.h).  No
 * _sum: the segment keeps none, and the format lets a histogram go
 * without it (tdapipe-metrics(7)). */
void prom_hist_ns(struct prom *p, const char *name, const char *const *labels, const uint64_t *h);

#endif
