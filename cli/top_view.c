/*
 * top_view.c - the snapshot `tdapipe top` copies out of a segment, and the
 * frame it draws of two snapshots (top_view.h).
 */
#include "cli/top_view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/hist.h"
#include "common/latest.h"
#include "common/ring.h"
#include "common/seg_reader.h"
#include "common/wallclock.h"

int top_snap_init(struct top_snap *s, const struct tdp_shm *seg, uint32_t top_n)
{
	memset(s, 0, sizeof(*s));
	s->seq = calloc(seg->hdr->max_streams ? seg->hdr->max_streams : 1, sizeof(*s->seq));
	s->shown = calloc(top_n ? top_n : 1, sizeof(*s->shown));
	if (!s->seq || !s->shown) {
		top_snap_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void top_snap_fini(struct top_snap *s)
{
	free(s->seq);
	free(s->shown);
	s->seq = NULL;
	s->shown = NULL;
}

/* Points of stream I since PREV (its whole count on the first reading). */
static uint64_t stream_delta(const struct top_snap *s, const struct top_snap *prev, uint32_t i)
{
	uint64_t before = prev && i < prev->nstreams ? prev->seq[i] : 0;
	return s->seq[i] >= before ? s->seq[i] - before : s->seq[i];
}

/* Keep the TOP_N streams with the most points since PREV in s->shown,
 * highest first, ties by stream order: an insertion into a sorted array,
 * as N is small next to the streams. */
static void pick_streams(struct top_snap *s, const struct top_snap *prev, uint32_t top_n)
{
	s->nshown = 0;
	for (uint32_t i = 0; i < s->nstreams; i++) {
		uint64_t d = stream_delta(s, prev, i);
		uint32_t at = s->nshown;
		while (at > 0 && s->shown[at - 1].delta < d)
			at--;
		if (at >= top_n)
			continue;
		uint32_t n = s->nshown < top_n ? s->nshown + 1 : top_n;
		memmove(&s->shown[at + 1], &s->shown[at], (n - 1 - at) * sizeof(s->shown[0]));
		s->shown[at].id = i;
		s->shown[at].delta = d;
		s->nshown = n;
	}
}

/* The shown streams' names and latest results (copied: the rules of
 * tdp_bus_guard). */
static void copy_streams(struct top_snap *s, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	for (uint32_t k = 0; k < s->nshown; k++) {
		struct top_stream *t = &s->shown[k];
		const struct tdp_stream *e = tdp_shm_stream(seg, t->id);
		size_t n = strnlen(e->name, sizeof(e->name));
		memcpy(t->name, e->name, n);
		t->name[n] = 0;
		for (uint32_t sc = 0; sc < cfg->nscales; sc++) {
			t->has[sc] = t->id < seg->hdr->latest_streams &&
				     tdp_latest_read(tdp_shm_latest(seg, sc, t->id), &t->latest[sc]) &&
				     (t->latest[sc].flags & TDP_LATEST_SET);
		}
	}
}

void top_snap_take(struct top_snap *s, const struct top_snap *prev, const struct tdp_shm *seg,
		   const struct tdp_config *cfg, uint32_t top_n)
{
	const struct tdp_shm_header *h = seg->hdr;
	size_t n = strnlen(h->instance, sizeof(h->instance));
	memcpy(s->instance, h->instance, n < sizeof(s->instance) ? n : sizeof(s->instance) - 1);
	s->instance[n < sizeof(s->instance) ? n : sizeof(s->instance) - 1] = 0;
	int64_t wall = tdp_wall_ns();
	tdp_rfc3339_ms(s->when, wall);
	s->wall_ms = wall / 1000000;
	s->ingest_done = tdp_load_u32(&h->ingest_done);
	tdp_seg_checkpoint(seg, &s->ckpt);
	stats_sample_take(&s->sample, seg);
	for (uint32_t i = 0; i < s->sample.nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		struct top_proc *t = &s->procs[i];
		tdp_proc_label(p, cfg, t->label, sizeof(t->label));
		t->pid = tdp_load_i32(&p->pid);
		t->state = tdp_load_u32(&p->state);
		t->restarts = tdp_load_u32(&p->restarts);
	}
	for (uint32_t sc = 0; sc < cfg->nscales; sc++) {
		const struct tdp_ring *in = tdp_shm_in_ring(seg, sc), *out = tdp_shm_out_ring(seg, sc);
		struct top_scale *t = &s->scales[sc];
		t->in_used = tdp_ring_used(in), t->in_cap = tdp_ring_capacity(in);
		t->out_used = tdp_ring_used(out), t->out_cap = tdp_ring_capacity(out);
		t->p99_ns = tdp_hist_quantile(out->latency_hist, 0.99);
	}
	uint32_t ns = tdp_load_acquire_u32(&h->nstreams);
	s->nstreams = ns < h->max_streams ? ns : h->max_streams;
	for (uint32_t i = 0; i < s->nstreams; i++)
		s->seq[i] = tdp_load_u64(&tdp_shm_stream(seg, i)->next_seq);
	pick_streams(s, prev, top_n);
	copy_streams(s, seg, cfg);
}

/* utime + stime of PID in clock ticks, from /proc/PID/stat: fields 14
 * and 15, counted after the ")" that ends the command name (which may
 * hold spaces and parentheses itself). */
static bool proc_ticks(int32_t pid, uint64_t *ticks)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut, st;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return false;
	*ticks = ut + st;
	return true;
}

void top_snap_cpu(struct top_snap *s)
{
	for (uint32_t i = 0; i < s->sample.nprocs; i++) {
		struct top_proc *t = &s->procs[i];
		t->cpu_ok = t->pid > 0 && t->state == TDP_PROC_RUNNING && proc_ticks(t->pid, &t->cpu_ticks);
	}
}

/* --- drawing ------------------------------------------------------------ */

struct frame {
	struct tdp_buf *out;
	unsigned cols, rows, lines;
};

/* One line of the frame, cut to the width, nothing past the last row;
 * INVERSE: in reverse video (a table's header).  Control bytes (a stream
 * name is whatever a sender sent) become '?': the terminal sees only our
 * own escapes. */
static void vline(struct frame *f, bool inverse, const char *fmt, va_list ap)
{
	char text[1024];
	if (f->lines >= f->rows)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	if (inverse)
		tdp_buf_puts(f->out, "\033[7m");
	tdp_buf_append(f->out, text, n < f->cols ? n : f->cols);
	tdp_buf_puts(f->out, inverse ? "\033[0m\033[K\n" : "\033[K\n");
	f->lines++;
}

static void __attribute__((format(printf, 2, 3))) line(struct frame *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(f, false, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) head(struct frame *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(f, true, fmt, ap);
	va_end(ap);
}

/* A rate, or "-" before there are two readings. */
static const char *rate_text(char out[32], const struct top_snap *prev, uint64_t a, uint64_t b, double secs)
{
	if (!prev)
		return "-";
	snprintf(out, 32, "%.1f", stats_rate(a, b, secs));
	return out;
}

static const char *fill_text(char out[32], uint32_t used, uint32_t cap)
{
	snprintf(out, 32, "%.0f%%", cap ? 100.0 * used / cap : 0.0);
	return out;
}

static const char *latency_text(char out[32], uint64_t ns)
{
	if (!ns)
		return "-";
	if (ns < 1000000)
		snprintf(out, 32, "%.0fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(out, 32, "%.1fms", (double)ns / 1e6);
	else
		snprintf(out, 32, "%.2fs", (double)ns / 1e9);
	return out;
}

static void draw_procs(struct frame *f, const struct top_snap *s, const struct top_snap *prev, double secs)
{
	long tck = sysconf(_SC_CLK_TCK);
	head(f, "%-20s %8s %-8s %8s %7s %12s", "PROCESS", "PID", "STATE", "RESTARTS", "CPU%",
	     "RECORDS/S");
	for (uint32_t i = 0; i < s->sample.nprocs; i++) {
		const struct top_proc *t = &s->procs[i];
		char cpu[32] = "-", rate[32];
		const struct top_proc *o = prev ? &prev->procs[i] : NULL;
		if (o && t->cpu_ok && o->cpu_ok && o->pid == t->pid && tck > 0)
			snprintf(cpu, sizeof(cpu), "%.1f",
				 100.0 * (double)(t->cpu_ticks - o->cpu_ticks) / (double)tck / secs);
		line(f, "%-20s %8d %-8s %8u %7s %12s", t->label, t->pid, tdp_proc_state_name(t->state), t->restarts, cpu,
		     rate_text(rate, prev, prev ? prev->sample.in[i] : 0, s->sample.in[i], secs));
	}
}

static void draw_scales(struct frame *f, const struct top_snap *s, const struct top_snap *prev,
			const struct tdp_config *cfg, double secs)
{
	line(f, "%s", "");
	head(f, "%-20s %12s %12s %8s %8s %12s", "SCALE", "POINTS/S", "WINDOWS/S", "IN-RING",
	     "OUT-RING", "LATENCY-P99");
	for (uint32_t sc = 0; sc < cfg->nscales; sc++) {
		uint32_t i = tdp_slot_scale(sc);
		const struct top_scale *t = &s->scales[sc];
		char pts[32], win[32], in[32], out[32], lat[32];
		if (i >= s->sample.nprocs)
			break;
		line(f, "%-20s %12s %12s %8s %8s %12s", cfg->scales[sc].name,
		     rate_text(pts, prev, prev ? prev->sample.in[i] : 0, s->sample.in[i], secs),
		     rate_text(win, prev, prev ? prev->sample.windows[i] : 0, s->sample.windows[i], secs),
		     fill_text(in, t->in_used, t->in_cap), fill_text(out, t->out_used, t->out_cap),
		     latency_text(lat, t->p99_ns));
	}
}

/* Per computed dimension, "a/b/c" of one field of a latest result. */
static const char *dims_text(char out[96], const struct tdp_latest *l, int what)
{
	size_t n = 0;
	out[0] = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM && n < 80; d++) {
		if (!(l->dims_mask & (1u << d)))
			continue;
		const char *sep = n ? "/" : "";
		if (what == 0)
			n += (size_t)snprintf(out + n, 96 - n, "%s%u", sep, l->essential[d]);
		else if (what == 1)
			n += (size_t)snprintf(out + n, 96 - n, "%s%u", sep, l->count[d]);
		else
			n += (size_t)snprintf(out + n, 96 - n, "%s%.3g", sep, l->total[d]);
	}
	return n ? out : "-";
}

static void draw_streams(struct frame *f, const struct top_snap *s, const struct top_snap *prev,
			 const struct tdp_config *cfg, double secs)
{
	line(f, "%s", "");
	head(f, "%-24s %-12s %10s %8s %-10s %-12s %-18s %8s", "STREAM", "SCALE", "POINTS/S", "WINDOW",
	     "BETTI", "INTERVALS", "TOTAL-PERSISTENCE", "SCORE");
	for (uint32_t k = 0; k < s->nshown; k++) {
		const struct top_stream *t = &s->shown[k];
		char rate[32] = "-";
		if (prev)
			snprintf(rate, sizeof(rate), "%.1f", (double)t->delta / secs);
		bool any = false;
		for (uint32_t sc = 0; sc < cfg->nscales; sc++) {
			if (!t->has[sc])
				continue;
			const struct tdp_latest *l = &t->latest[sc];
			char b[96], c[96], tp[96], score[32] = "-";
			if (l->flags & TDP_LATEST_SCORED)
				snprintf(score, sizeof(score), "%.2f", l->score);
			line(f, "%-24.24s %-12s %10s %8" PRIu64 " %-10s %-12s %-18s %8s", any ? "" : t->name,
			     cfg->scales[sc].name, any ? "" : rate, l->window, dims_text(b, l, 0), dims_text(c, l, 1),
			     dims_text(tp, l, 2), score);
			any = true;
		}
		if (!any)
			line(f, "%-24.24s %-12s %10s %8s", t->name, "-", rate, "-");
	}
}

/* The second header line: the last checkpoint's age and the pause it
 * cost, with the counts (errors only when there are any). */
static void draw_checkpoint(struct frame *f, const struct top_snap *s)
{
	const struct tdp_seg_checkpoint *c = &s->ckpt;
	char errs[48] = "";
	int64_t age;
	if (c->errors)
		snprintf(errs, sizeof(errs), "  errors %" PRIu64, c->errors);
	if (!tdp_seg_checkpoint_age(c, s->wall_ms, &age))
		line(f, "checkpoint none yet%s", errs);
	else
		line(f, "checkpoint %" PRId64 "s ago (pause %.1f ms)  written %" PRIu64 "%s", age / 1000,
		     (double)c->pause_ns / 1e6, c->written, errs);
}

void top_draw(struct tdp_buf *out, const struct top_snap *s, const struct top_snap *prev,
	      const struct tdp_config *cfg, unsigned cols, unsigned rows)
{
	struct frame f = {out, cols, rows, 0};
	double secs = prev ? stats_interval(&prev->sample, &s->sample) : 1;
	tdp_buf_puts(out, "\033[H");
	line(&f, "tdapipe top - instance %s  %s  streams %u  ingest %s  (q quits)", s->instance, s->when,
	     s->nstreams, s->ingest_done ? "done" : "reading");
	draw_checkpoint(&f, s);
	line(&f, "%s", "");
	draw_procs(&f, s, prev, secs);
	draw_scales(&f, s, prev, cfg, secs);
	draw_streams(&f, s, prev, cfg, secs);
	tdp_buf_puts(out, "\033[J");
}
