#include "cli/stats_rate.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/counter.h"
#include "common/json.h"

void stats_sample_take(struct stats_sample *s, const struct tdp_shm *seg)
{
	memset(s, 0, sizeof(*s));
	s->mono_ns = tdp_now_ns();
	s->nprocs = seg->hdr->nprocs < STATS_MAX_PROCS ? seg->hdr->nprocs : STATS_MAX_PROCS;
	for (uint32_t i = 0; i < s->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		s->in[i] = tdp_counter_get(&p->records_in);
		s->out[i] = tdp_counter_get(&p->records_out);
		s->bad[i] = tdp_counter_get(&p->bad_records);
		s->windows[i] = tdp_counter_get(&p->windows);
	}
}

double stats_rate(uint64_t a, uint64_t b, double secs)
{
	return (double)(b >= a ? b - a : b) / secs;
}

double stats_interval(const struct stats_sample *a, const struct stats_sample *b)
{
	double secs = (double)(b->mono_ns - a->mono_ns) / 1e9;
	return secs < 1e-3 ? 1e-3 : secs;
}

/* A rate with one decimal, as text and as a JSON number. */
static void put_rate(struct tdp_buf *out, const char *key, double r, bool json)
{
	if (json)
		tdp_buf_printf(out, ",\"%s\":%.1f", key, r);
	else
		tdp_buf_printf(out, " %14.1f", r);
}

static void rates_json(struct tdp_buf *out, const struct stats_sample *a, const struct stats_sample *b,
		       const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	double secs = stats_interval(a, b);
	uint32_t in = tdp_slot_ingest(), pub = tdp_slot_publish(seg->hdr);
	tdp_buf_printf(out, ",\"rates\":{\"interval_seconds\":%.3f", secs);
	put_rate(out, "read_per_second", stats_rate(a->in[in], b->in[in], secs), true);
	put_rate(out, "dead_letters_per_second", stats_rate(a->bad[in], b->bad[in], secs), true);
	put_rate(out, "published_per_second", pub < b->nprocs ? stats_rate(a->out[pub], b->out[pub], secs) : 0, true);
	tdp_buf_puts(out, ",\"scales\":[");
	for (uint32_t s = 0; s < cfg->nscales && tdp_slot_scale(s) < b->nprocs; s++) {
		uint32_t i = tdp_slot_scale(s);
		tdp_buf_puts(out, s ? ",{\"scale\":" : "{\"scale\":");
		tdp_json_string(out, cfg->scales[s].name, strlen(cfg->scales[s].name));
		put_rate(out, "points_per_second", stats_rate(a->in[i], b->in[i], secs), true);
		put_rate(out, "windows_per_second", stats_rate(a->windows[i], b->windows[i], secs), true);
		tdp_buf_puts(out, "}");
	}
	tdp_buf_puts(out, "]}");
}

static void rates_text(struct tdp_buf *out, const struct stats_sample *a, const struct stats_sample *b,
		       const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	double secs = stats_interval(a, b);
	uint32_t in = tdp_slot_ingest(), pub = tdp_slot_publish(seg->hdr);
	char head[64];
	snprintf(head, sizeof(head), "RATES/S (%.2f s)", secs);
	tdp_buf_printf(out, "%-18s %14s %14s %14s\n%-18s", head, "READ", "DEAD-LETTERS", "PUBLISHED", "instance");
	put_rate(out, NULL, stats_rate(a->in[in], b->in[in], secs), false);
	put_rate(out, NULL, stats_rate(a->bad[in], b->bad[in], secs), false);
	put_rate(out, NULL, pub < b->nprocs ? stats_rate(a->out[pub], b->out[pub], secs) : 0, false);
	tdp_buf_printf(out, "\n%-18s %14s %14s\n", "RATES/S", "POINTS", "WINDOWS");
	for (uint32_t s = 0; s < cfg->nscales && tdp_slot_scale(s) < b->nprocs; s++) {
		uint32_t i = tdp_slot_scale(s);
		char label[64];
		snprintf(label, sizeof(label), "scaled[%s]", cfg->scales[s].name);
		tdp_buf_printf(out, "%-18s", label);
		put_rate(out, NULL, stats_rate(a->in[i], b->in[i], secs), false);
		put_rate(out, NULL, stats_rate(a->windows[i], b->windows[i], secs), false);
		tdp_buf_putc(out, '\n');
	}
}

void stats_rates_print(struct tdp_buf *out, const struct stats_sample *a, const struct stats_sample *b,
		       const struct tdp_shm *seg, const struct tdp_config *cfg, bool json)
{
	if (!json) {
		if (a)
			rates_text(out, a, b, seg, cfg);
		return;
	}
	/* stats_print ended the object with "}\n": reopen it for one more member. */
	if (out->len < 2 || memcmp(out->p + out->len - 2, "}\n", 2) != 0)
		return;
	out->len -= 2;
	if (a)
		rates_json(out, a, b, seg, cfg);
	else
		tdp_buf_puts(out, ",\"rates\":null");
	tdp_buf_puts(out, "}\n");
}
