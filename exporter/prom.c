#include "exporter/prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/counter.h"
#include "common/hist.h"

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	tdp_buf_printf(p->b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value between quotes, escaped as the format says. */
static void label_value(struct tdp_buf *b, const char *v)
{
	tdp_buf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			tdp_buf_putc(b, '\\'), tdp_buf_putc(b, *v);
		else if (*v == '\n')
			tdp_buf_puts(b, "\\n");
		else
			tdp_buf_putc(b, *v);
	}
	tdp_buf_putc(b, '"');
}

/* NAME{instance="..",LABELS,EXTRA="EXTRA_VALUE"} and a space; EXTRA may be NULL. */
static void sample_head(struct prom *p, const char *name, const char *const *labels, const char *extra,
			const char *extra_value)
{
	tdp_buf_printf(p->b, "%s{instance=", name);
	label_value(p->b, p->instance);
	for (; labels && labels[0]; labels += 2) {
		tdp_buf_printf(p->b, ",%s=", labels[0]);
		label_value(p->b, labels[1]);
	}
	if (extra) {
		tdp_buf_printf(p->b, ",%s=", extra);
		label_value(p->b, extra_value);
	}
	tdp_buf_puts(p->b, "} ");
}

void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v)
{
	sample_head(p, name, labels, NULL, NULL);
	tdp_buf_printf(p->b, "%" PRIu64 "\n", v);
}

void prom_i64(struct prom *p, const char *name, const char *const *labels, int64_t v)
{
	sample_head(p, name, labels, NULL, NULL);
	tdp_buf_printf(p->b, "%" PRId64 "\n", v);
}

void prom_f64(struct prom *p, const char *name, const char *const *labels, double v)
{
	sample_head(p, name, labels, NULL, NULL);
	if (isnan(v))
		tdp_buf_puts(p->b, "NaN\n");
	else if (isinf(v))
		tdp_buf_puts(p->b, v > 0 ? "+Inf\n" : "-Inf\n");
	else
		tdp_buf_printf(p->b, "%.17g\n", v);
}

/* Bucket i holds (2^i, 2^(i+1)] ns, so the cumulative count through it
 * is the le="2^(i+1) ns" bucket exactly; %.12g writes every 2^k ns up to
 * 2^39 exactly in seconds. */
void prom_hist_ns(struct prom *p, const char *name, const char *const *labels, const uint64_t *h)
{
	char bucket[128], count[128], le[32];
	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	snprintf(count, sizeof(count), "%s_count", name);
	uint64_t cum = 0;
	for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++) {
		cum += tdp_counter_get(&h[i]);
		if (i + 1 < TDP_HIST_BUCKETS)
			snprintf(le, sizeof(le), "%.12g", (double)tdp_hist_upper(i) * 1e-9);
		else
			snprintf(le, sizeof(le), "+Inf");
		sample_head(p, bucket, labels, "le", le);
		tdp_buf_printf(p->b, "%" PRIu64 "\n", cum);
	}
	sample_head(p, count, labels, NULL, NULL);
	tdp_buf_printf(p->b, "%" PRIu64 "\n", cum);
}
