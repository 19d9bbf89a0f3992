#include "cli/stats_print.h"

#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/commit.h"
#include "common/hist.h"
#include "common/json.h"
#include "common/kafka.h"
#include "common/ring.h"
#include "common/seg_reader.h"
#include "common/wallclock.h"


/* The name of scale S (a slot's, from the segment: bounded here). */
static const char *scale_name(const struct tdp_config *cfg, int32_t s)
{
	return s >= 0 && (uint32_t)s < cfg->nscales ? cfg->scales[s].name : "?";
}

static void exit_str(int32_t e, char *out, size_t len)
{
	if (e == INT32_MIN)
		snprintf(out, len, "-");
	else if (e < 0)
		snprintf(out, len, "signal %d", -e);
	else
		snprintf(out, len, "%d", e);
}

/* The config of scale S when it has time windows, else NULL (S is a
 * slot's, from the segment: bounded here). */
static const struct tdp_scale_cfg *time_scale(const struct tdp_config *cfg, int32_t s)
{
	return s >= 0 && (uint32_t)s < cfg->nscales && cfg->scales[s].timed ? &cfg->scales[s] : NULL;
}

/* The config of scale S when it makes events (track or anomaly), else
 * NULL (S is a slot's, from the segment: bounded here). */
static const struct tdp_scale_cfg *events_scale(const struct tdp_config *cfg, int32_t s)
{
	return s >= 0 && (uint32_t)s < cfg->nscales && tdp_scale_has_events(&cfg->scales[s]) ? &cfg->scales[s]
											      : NULL;
}

/* With scales that make events: the events each one's worker made, by
 * type (tdapipe-stats(1)). */
static void print_events_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	bool any = false;
	for (uint32_t s = 0; s < cfg->nscales; s++)
		any |= tdp_scale_has_events(&cfg->scales[s]);
	if (!any)
		return;
	tdp_buf_printf(b, "%-18s %14s %14s %14s %10s\n", "EVENTS", "FEATURE-BIRTH", "FEATURE-DEATH",
		       "FEATURE-UPDATE", "ANOMALY");
	_Static_assert(TDP_EVENT_TYPES == 4, "one column per event type");
	for (uint32_t i = 0; i < seg->hdr->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		if (tdp_load_u32(&p->role) != TDP_ROLE_SCALED || !events_scale(cfg, tdp_load_i32(&p->scale)))
			continue;
		char label[64];
		tdp_proc_label(p, cfg, label, sizeof(label));
		tdp_buf_printf(b, "%-18s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %10" PRIu64 "\n", label,
			       tdp_load_u64(&p->events[TDP_EVENT_BIRTH]), tdp_load_u64(&p->events[TDP_EVENT_DEATH]),
			       tdp_load_u64(&p->events[TDP_EVENT_UPDATE]), tdp_load_u64(&p->events[TDP_EVENT_ANOMALY]));
	}
}

/* JSON member of the entry of a worker whose scale makes events: its
 * events by type. */
static void print_events_json(struct tdp_buf *b, const struct tdp_proc *p)
{
	tdp_buf_puts(b, ",\"events\":{");
	for (unsigned t = 0; t < TDP_EVENT_TYPES; t++)
		tdp_buf_printf(b, "%s\"%s\":%" PRIu64, t ? "," : "", tdp_event_name(t), tdp_load_u64(&p->events[t]));
	tdp_buf_puts(b, "}");
}

/* When ingest refused records: how many of each class, the nonzero ones,
 * on one line (tdapipe-stats(1)); nothing when there are none. */
static void print_dead_text(struct tdp_buf *b, const struct tdp_shm *seg)
{
	const struct tdp_proc *p = tdp_shm_proc(seg, tdp_slot_ingest());
	uint64_t n[TDP_DEAD_REASONS], any = 0;
	for (unsigned k = 0; k < TDP_DEAD_REASONS; k++)
		any |= n[k] = tdp_load_u64(&p->dead[k]);
	if (!any)
		return;
	tdp_buf_printf(b, "%-18s", "DEAD-LETTERS");
	for (unsigned k = 0; k < TDP_DEAD_REASONS; k++)
		if (n[k])
			tdp_buf_printf(b, " %s %" PRIu64, tdp_dead_reason_name(k), n[k]);
	tdp_buf_puts(b, "\n");
}

/* Sources a restarted ingest cannot re-read, whose senders send again
 * (ingest/resend.h): ingest's entry has its replayed count. */
static bool source_resends(const struct tdp_config *cfg)
{
	enum tdp_source_type t = cfg->source.type;
	return t == TDP_SRC_STDIN || t == TDP_SRC_TCP || t == TDP_SRC_UDP;
}

/* When ingest skipped records sent again after a restart: how many, on
 * one line (tdapipe-stats(1)); nothing when there are none. */
static void print_replayed_text(struct tdp_buf *b, const struct tdp_shm *seg)
{
	uint64_t n = tdp_load_u64(&tdp_shm_proc(seg, tdp_slot_ingest())->replayed);
	if (n)
		tdp_buf_printf(b, "%-18s %" PRIu64 "\n", "REPLAYED", n);
}

/* Points each scale refused (value:, values:; common/scale_take.h): a
 * line per scale that refused any, none when no scale did. */
static void print_refused_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
		uint64_t n = tdp_load_u64(&tdp_shm_in_ring(seg, s)->refused);
		char label[64];
		snprintf(label, sizeof(label), "REFUSED[%s]", cfg->scales[s].name);
		if (n)
			tdp_buf_printf(b, "%-18s %" PRIu64 "\n", label, n);
	}
}

/* JSON member of ingest's entry: its dead letters by class, every class. */
static void print_dead_json(struct tdp_buf *b, const struct tdp_proc *p)
{
	tdp_buf_puts(b, ",\"dead_letters\":{");
	for (unsigned k = 0; k < TDP_DEAD_REASONS; k++)
		tdp_buf_printf(b, "%s\"%s\":%" PRIu64, k ? "," : "", tdp_dead_reason_name(k), tdp_load_u64(&p->dead[k]));
	tdp_buf_puts(b, "}");
}

/* Point-to-publish latency (common/hist.h, tdapipe-stats(1) HISTOGRAMS):
 * the quantiles stats shows, each the upper bound of its bucket. */
static const struct {
	const char *name;
	double q;
} latency_quantiles[] = {{"p50", 0.5}, {"p99", 0.99}, {"p999", 0.999}};
#define NQUANTILES (sizeof(latency_quantiles) / sizeof(latency_quantiles[0]))

/* A LATENCY table: per scale, the results publish counted and the
 * quantiles of their latency in ms. */
static void print_latency_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	tdp_buf_printf(b, "%-18s %12s %12s %12s %12s\n", "LATENCY", "RESULTS", "P50-MS", "P99-MS", "P999-MS");
	for (uint32_t s = 0; s < seg->hdr->nscales; s++) {
		const uint64_t *h = tdp_shm_out_ring(seg, s)->latency_hist;
		uint64_t n = 0;
		for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++)
			n += tdp_counter_get(&h[i]);
		tdp_buf_printf(b, "%-18s %12" PRIu64, cfg->scales[s].name, n);
		for (unsigned k = 0; k < NQUANTILES; k++)
			tdp_buf_printf(b, " %12.3f", (double)tdp_hist_quantile(h, latency_quantiles[k].q) / 1e6);
		tdp_buf_puts(b, "\n");
	}
}

/* JSON members of an out-ring's entry: its scale's latency quantiles in
 * ns and the raw buckets (bucket i: (2^i, 2^(i+1)] ns). */
static void print_latency_json(struct tdp_buf *b, const struct tdp_ring *out)
{
	const uint64_t *h = out->latency_hist;
	for (unsigned k = 0; k < NQUANTILES; k++)
		tdp_buf_printf(b, ",\"latency_%s_ns\":%" PRIu64, latency_quantiles[k].name,
			       tdp_hist_quantile(h, latency_quantiles[k].q));
	tdp_buf_puts(b, ",\"latency_hist\":[");
	for (unsigned i = 0; i < TDP_HIST_BUCKETS; i++)
		tdp_buf_printf(b, "%s%" PRIu64, i ? "," : "", tdp_counter_get(&h[i]));
	tdp_buf_puts(b, "]");
}

/* Sources whose points arrive as they happen: there wall time minus a
 * watermark says how far the windows trail the world.  A file is read as
 * fast as it goes, whatever its times. */
static bool source_live(const struct tdp_config *cfg)
{
	enum tdp_source_type t = cfg->source.type;
	return t == TDP_SRC_STDIN || t == TDP_SRC_TCP || t == TDP_SRC_UDP || t == TDP_SRC_KAFKA;
}

/* A time scale worker's gauges, loaded once each. */
struct time_gauges {
	uint64_t open_windows, waiting, dropped;
	bool wm_lag_set, wall_lag_set;
	int64_t wm_lag_ns;     /* newest event time minus the watermark */
	int64_t wall_lag_ns;   /* live sources: wall time minus the watermark */
};

/* P's gauges.  A lag is unset while the worker has no event time or no
 * open window (newest_ns INT64_MIN, watermark_ns INT64_MAX), for a wall
 * lag on a source that is not live, and when the difference passes
 * int64 (a segment the checks cannot vouch for the values of). */
static void time_gauges(const struct tdp_proc *p, const struct tdp_config *cfg, int64_t now,
			struct time_gauges *g)
{
	int64_t newest = tdp_load_i64(&p->newest_ns), wm = tdp_load_i64(&p->watermark_ns);
	g->open_windows = tdp_load_u64(&p->open_windows);
	g->waiting = tdp_load_u64(&p->waiting);
	g->dropped = tdp_load_u64(&p->dropped);
	g->wm_lag_set = newest != INT64_MIN && wm != INT64_MAX && !__builtin_sub_overflow(newest, wm, &g->wm_lag_ns);
	g->wall_lag_set = source_live(cfg) && wm != INT64_MAX && !__builtin_sub_overflow(now, wm, &g->wall_lag_ns);
}

/* A lag NS as seconds rounded to the millisecond, with three decimals
 * ("0.120", "-1.500", a valid JSON number), in OUT; UNSET when !SET. */
static const char *lag_text(char out[32], bool set, int64_t ns, const char *unset)
{
	if (!set)
		return unset;
	int64_t ms = ns / 1000000, rest = ns % 1000000;
	ms += rest >= 500000 ? 1 : rest <= -500000 ? -1 : 0;
	uint64_t mag = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	snprintf(out, 32, "%s%" PRIu64 ".%03u", ms < 0 ? "-" : "", mag / 1000, (unsigned)(mag % 1000));
	return out;
}

/* With time scales: ingest's late points and each time scale worker's
 * windows, waiting points and lags (tdapipe-stats(1)). */
static void print_time_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	if (!tdp_config_timed(cfg))
		return;
	int64_t now = tdp_wall_ns();
	tdp_buf_printf(b, "%-18s %10s %12s %10s %10s %10s %10s\n", "EVENT-TIME", "LATE", "OPEN-WINDOWS", "WAITING",
		       "DROPPED", "WM-LAG-S", "WALL-LAG-S");
	for (uint32_t i = 0; i < seg->hdr->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		uint32_t role = tdp_load_u32(&p->role);
		char label[64];
		tdp_proc_label(p, cfg, label, sizeof(label));
		if (role == TDP_ROLE_INGEST) {
			tdp_buf_printf(b, "%-18s %10" PRIu64 " %12s %10s %10s %10s %10s\n", label, tdp_load_u64(&p->late),
				       "-", "-", "-", "-", "-");
		} else if (role == TDP_ROLE_SCALED && time_scale(cfg, tdp_load_i32(&p->scale))) {
			struct time_gauges g;
			char wm[32], wall[32];
			time_gauges(p, cfg, now, &g);
			tdp_buf_printf(b, "%-18s %10s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10s %10s\n", label, "-",
				       g.open_windows, g.waiting, g.dropped, lag_text(wm, g.wm_lag_set, g.wm_lag_ns, "-"),
				       lag_text(wall, g.wall_lag_set, g.wall_lag_ns, "-"));
		}
	}
}

/* With join scales: each one's ticks skipped (tdapipe.yaml(5), JOIN). */
static void print_join_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	bool any = false;
	for (uint32_t i = 0; i < seg->hdr->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		int32_t s = tdp_load_i32(&p->scale);
		if (tdp_load_u32(&p->role) != TDP_ROLE_SCALED || s < 0 || (uint32_t)s >= cfg->nscales ||
		    !cfg->scales[s].join.on)
			continue;
		if (!any)
			tdp_buf_printf(b, "%-18s %14s\n", "JOIN", "TICKS-SKIPPED");
		any = true;
		char label[64];
		tdp_proc_label(p, cfg, label, sizeof(label));
		tdp_buf_printf(b, "%-18s %14" PRIu64 "\n", label, tdp_load_u64(&p->ticks_skipped));
	}
}

/* JSON members of a time scale worker's entry: its gauges, lags in
 * seconds or null. */
static void print_time_json(struct tdp_buf *b, const struct tdp_proc *p, const struct tdp_config *cfg, int64_t now)
{
	struct time_gauges g;
	char wm[32], wall[32];
	time_gauges(p, cfg, now, &g);
	tdp_buf_printf(b, ",\"open_windows\":%" PRIu64 ",\"waiting\":%" PRIu64 ",\"dropped\":%" PRIu64
		       ",\"watermark_lag_seconds\":%s,\"wall_lag_seconds\":%s", g.open_windows, g.waiting, g.dropped,
		       lag_text(wm, g.wm_lag_set, g.wm_lag_ns, "null"), lag_text(wall, g.wall_lag_set, g.wall_lag_ns, "null"));
}

struct ring_row {
	const char *dir;
	const char *scale;
	const struct tdp_ring *r;
};

/* The Kafka clients of an instance, as stats names them. */
struct kafka_row {
	const char *name;
	const struct tdp_kafka_client *k;
};

static unsigned kafka_rows(const struct tdp_shm *seg, struct kafka_row rows[3])
{
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	const struct kafka_row all[3] = {{"source", &kb->source}, {"sink", &kb->sink}, {"dead_letter", &kb->dead}};
	unsigned n = 0;
	for (int i = 0; i < 3; i++)
		if (all[i].k->state != TDP_KAFKA_OFF)
			rows[n++] = all[i];
	return n;
}

static void print_kafka_text(struct tdp_buf *b, const struct tdp_shm *seg)
{
	struct kafka_row rows[3];
	unsigned n = kafka_rows(seg, rows);
	if (!n)
		return;
	tdp_buf_printf(b, "%-18s %-10s %12s %8s %10s %8s %8s  %s\n", "KAFKA", "STATE", "MESSAGES", "ERRORS",
		       "REBALANCES", "TXNS", "ABORTS", "LAST-ERROR");
	for (unsigned i = 0; i < n; i++) {
		const struct tdp_kafka_client *k = rows[i].k;
		char msg[sizeof(k->last_error) + 1];
		tdp_seg_string(msg, k->last_error, sizeof(k->last_error));
		tdp_buf_printf(b, "%-18s %-10s %12" PRIu64 " %8" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64
			       "  %.80s\n", rows[i].name, tdp_kafka_state_name(k->state), tdp_load_u64(&k->messages),
			       tdp_load_u64(&k->errors), tdp_load_u64(&k->rebalances), tdp_load_u64(&k->txn_commits),
			       tdp_load_u64(&k->txn_aborts), msg[0] ? msg : "-");
	}
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	uint32_t np = tdp_seg_kafka_nparts(kb);
	if (!np)
		return;
	tdp_buf_printf(b, "%-32s %-8s %14s %14s %12s\n", "PARTITION", "ASSIGNED", "POSITION", "END", "LAG");
	for (uint32_t i = 0; i < np; i++) {
		const struct tdp_kpart *kp = &kb->parts[i];
		char topic[sizeof(kp->topic) + 1], label[sizeof(topic) + 16], v[3][24];
		int64_t pos, lag, end = kp->high_watermark;
		tdp_seg_kafka_position(seg, i, &pos, &lag);
		snprintf(label, sizeof(label), "%s/%d", tdp_seg_string(topic, kp->topic, sizeof(kp->topic)),
			 (int)kp->partition);
		int64_t vals[3] = {pos, end, lag};
		for (int j = 0; j < 3; j++)
			snprintf(v[j], sizeof(v[j]), vals[j] < 0 ? "-" : "%" PRId64, vals[j]);
		tdp_buf_printf(b, "%-32.200s %-8s %14s %14s %12s\n", label, kp->assigned ? "yes" : "no", v[0], v[1],
			       v[2]);
	}
}

static void print_kafka_json(struct tdp_buf *b, const struct tdp_shm *seg)
{
	struct kafka_row rows[3];
	unsigned n = kafka_rows(seg, rows);
	if (!n)
		return;
	tdp_buf_puts(b, ",\"kafka\":{");
	for (unsigned i = 0; i < n; i++) {
		const struct tdp_kafka_client *k = rows[i].k;
		tdp_buf_printf(b, "%s\"%s\":{\"state\":\"%s\",\"messages\":%" PRIu64 ",\"errors\":%" PRIu64
			       ",\"rebalances\":%" PRIu64 ",\"txn_commits\":%" PRIu64 ",\"txn_aborts\":%" PRIu64
			       ",\"last_error\":", i ? "," : "", rows[i].name, tdp_kafka_state_name(k->state),
			       tdp_load_u64(&k->messages), tdp_load_u64(&k->errors), tdp_load_u64(&k->rebalances), tdp_load_u64(&k->txn_commits),
			       tdp_load_u64(&k->txn_aborts));
		char msg[sizeof(k->last_error) + 1];
		tdp_seg_string(msg, k->last_error, sizeof(k->last_error));
		if (msg[0])
			tdp_json_string(b, msg, strlen(msg));
		else
			tdp_buf_puts(b, "null");
		tdp_buf_puts(b, "}");
	}
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	uint32_t np = tdp_seg_kafka_nparts(kb);
	tdp_buf_puts(b, ",\"partitions\":[");
	for (uint32_t i = 0; i < np; i++) {
		const struct tdp_kpart *kp = &kb->parts[i];
		char topic[sizeof(kp->topic) + 1];
		int64_t pos, lag, end = kp->high_watermark;
		tdp_seg_kafka_position(seg, i, &pos, &lag);
		tdp_buf_puts(b, i ? ",{\"topic\":" : "{\"topic\":");
		tdp_seg_string(topic, kp->topic, sizeof(kp->topic));
		tdp_json_string(b, topic, strlen(topic));
		tdp_buf_printf(b, ",\"partition\":%d,\"assigned\":%s", (int)kp->partition,
			       kp->assigned ? "true" : "false");
		const char *names[3] = {"position", "end", "lag"};
		int64_t vals[3] = {pos, end, lag};
		for (int j = 0; j < 3; j++)
			tdp_buf_printf(b, vals[j] < 0 ? ",\"%s\":null" : ",\"%s\":%" PRId64, names[j], vals[j]);
		tdp_buf_puts(b, "}");
	}
	tdp_buf_puts(b, "]}");
}

/* The time of this reading (RFC 3339 UTC, ms) and how long the instance
 * has run, in seconds (-1: unknown), from its supervisor's start time in
 * clock ticks since boot, the clock CLOCK_BOOTTIME counts. */
static double reading_time(const struct tdp_shm *seg, char when[TDP_RFC3339_LEN])
{
	struct timespec ts;
	long tck = sysconf(_SC_CLK_TCK);
	tdp_rfc3339_ms(when, tdp_wall_ns());
	if (!seg->hdr->supervisor_start || tck <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return -1;
	double up = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - (double)seg->hdr->supervisor_start / (double)tck;
	return up < 0 ? 0 : up;
}

static void print_reading_time(struct tdp_buf *b, const struct tdp_shm *seg, bool json)
{
	char when[TDP_RFC3339_LEN];
	double up = reading_time(seg, when);
	if (json && up < 0)
		tdp_buf_printf(b, "\"time\":\"%s\",\"uptime_seconds\":null,", when);
	else if (json)
		tdp_buf_printf(b, "\"time\":\"%s\",\"uptime_seconds\":%.3f,", when, up);
	else if (up < 0)
		tdp_buf_printf(b, "  time %s", when);
	else
		tdp_buf_printf(b, "  time %s  up %.0f s", when, up);
}

/* The instance's checkpoints on one line, under the first
 * (tdapipe-stats(1)): how many, failed ones, the last one's age and
 * time, the pause it cost the pipeline and its file's size. */
static void print_checkpoint_text(struct tdp_buf *b, const struct tdp_shm *seg)
{
	struct tdp_seg_checkpoint c;
	int64_t age;
	tdp_seg_checkpoint(seg, &c);
	tdp_buf_printf(b, "checkpoints %" PRIu64 "  errors %" PRIu64, c.written, c.errors);
	if (!tdp_seg_checkpoint_age(&c, tdp_wall_ns() / 1000000, &age)) {
		tdp_buf_puts(b, "  last none\n");
		return;
	}
	char when[TDP_RFC3339_LEN];
	int64_t ns;
	if (__builtin_mul_overflow(c.unix_ms, 1000000, &ns))
		ns = INT64_MAX;   /* past what the segment's writer can have written */
	tdp_rfc3339_ms(when, ns);
	tdp_buf_printf(b, "  last %" PRId64 ".%01d s ago (%s)  pause %.3f ms  bytes %" PRIu64 "\n", age / 1000,
		       (int)(age % 1000 / 100), when, (double)c.pause_ns / 1e6, c.bytes);
}

/* JSON member at top level: the checkpoint counters as the segment has
 * them (last_unix_ms 0: none yet). */
static void print_checkpoint_json(struct tdp_buf *b, const struct tdp_shm *seg)
{
	struct tdp_seg_checkpoint c;
	tdp_seg_checkpoint(seg, &c);
	tdp_buf_printf(b, ",\"checkpoint\":{\"written\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"last_unix_ms\":%" PRId64
		       ",\"pause_ns\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", c.written, c.errors, c.unix_ms, c.pause_ns,
		       c.bytes);
}

static void print_text(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_shm_header *h = seg->hdr;
	char instance[sizeof(h->instance) + 1];
	uint64_t now = tdp_now_ns();
	tdp_buf_printf(b, "instance %s  supervisor pid %d  streams %u  ingest %s",
		       tdp_seg_string(instance, h->instance, sizeof(h->instance)), h->supervisor_pid, tdp_seg_nstreams(seg),
		       h->ingest_done ? "done" : h->stop ? "stopping" : "reading");
	print_reading_time(b, seg, false);
	tdp_buf_putc(b, '\n');
	print_checkpoint_text(b, seg);
	tdp_buf_printf(b, "%-18s %7s %-8s %8s %5s %-10s %10s %10s %8s %9s %8s %9s %9s\n", "PROCESS", "PID", "STATE",
		       "RESTARTS", "HANGS", "LAST-EXIT", "IN", "OUT", "BAD", "WINDOWS", "INCOMPL", "P50-US", "BEAT-MS");
	for (uint32_t i = 0; i < h->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		char label[64], ex[32];
		tdp_proc_label(p, cfg, label, sizeof(label));
		exit_str(tdp_load_i32(&p->last_exit), ex, sizeof(ex));
		uint64_t beat = tdp_load_u64(&p->heartbeat_ns);
		tdp_buf_printf(b, "%-18s %7d %-8s %8u %5u %-10s %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %9" PRIu64
			       " %8" PRIu64 " %9.1f %9" PRIu64 "\n",
			       label, p->pid, tdp_proc_state_name(p->state), p->restarts, p->hangs, ex, tdp_load_u64(&p->records_in),
			       tdp_load_u64(&p->records_out), tdp_load_u64(&p->bad_records), tdp_load_u64(&p->windows),
			       tdp_proc_incomplete(p), (double)tdp_hist_quantile(p->compute_hist, 0.5) / 1000.0,
			       beat && beat < now ? (now - beat) / 1000000 : 0);
	}
	print_dead_text(b, seg);
	print_replayed_text(b, seg);
	print_refused_text(b, seg, cfg);
	tdp_buf_printf(b, "%-18s %19s %12s %12s %10s %10s %10s\n", "RING", "USED/CAPACITY", "PUSHED", "POPPED",
		       "OVERFLOW", "HIGH-WATER", "LOST");
	for (uint32_t s = 0; s < h->nscales; s++) {
		struct ring_row rows[2] = {{"in", cfg->scales[s].name, tdp_shm_in_ring(seg, s)},
					   {"out", cfg->scales[s].name, tdp_shm_out_ring(seg, s)}};
		for (int j = 0; j < 2; j++) {
			char label[64], used[32];
			snprintf(label, sizeof(label), "%s[%s]", rows[j].dir, rows[j].scale);
			snprintf(used, sizeof(used), "%u/%u", tdp_ring_used(rows[j].r), tdp_ring_capacity(rows[j].r));
			char lost[24] = "-";
			if (j == 0)
				snprintf(lost, sizeof(lost), "%" PRIu64, tdp_seg_scale_lost(seg, s));
			tdp_buf_printf(b, "%-18s %19s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10s\n",
				       label, used, tdp_load_u64(&rows[j].r->pushed), tdp_load_u64(&rows[j].r->popped),
				       tdp_load_u64(&rows[j].r->overflow), tdp_load_u64(&rows[j].r->high_water), lost);
		}
	}
	print_latency_text(b, seg, cfg);
	print_time_text(b, seg, cfg);
	print_join_text(b, seg, cfg);
	print_events_text(b, seg, cfg);
	print_kafka_text(b, seg);
}

static void print_json(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_shm_header *h = seg->hdr;
	char instance[sizeof(h->instance) + 1];
	uint64_t now = tdp_now_ns();
	int64_t wall = tdp_wall_ns();
	tdp_seg_string(instance, h->instance, sizeof(h->instance));
	tdp_buf_puts(b, "{");
	print_reading_time(b, seg, true);
	tdp_buf_puts(b, "\"instance\":");
	tdp_json_string(b, instance, strlen(instance));
	tdp_buf_printf(b, ",\"supervisor_pid\":%d,\"streams\":%u,\"ingest_done\":%s,\"processes\":[",
		       h->supervisor_pid, tdp_seg_nstreams(seg), h->ingest_done ? "true" : "false");
	for (uint32_t i = 0; i < h->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		/* Each loaded once: what is checked is what is used. */
		uint32_t role = tdp_load_u32(&p->role);
		int32_t scale = tdp_load_i32(&p->scale);
		int32_t last_exit = tdp_load_i32(&p->last_exit);
		uint64_t beat = tdp_load_u64(&p->heartbeat_ns);
		tdp_buf_printf(b, "%s{\"role\":\"%s\",\"scale\":", i ? "," : "", tdp_role_name(role));
		if (role == TDP_ROLE_SCALED)
			tdp_json_string(b, scale_name(cfg, scale), strlen(scale_name(cfg, scale)));
		else
			tdp_buf_puts(b, "null");
		tdp_buf_printf(b, ",\"pid\":%d,\"state\":\"%s\",\"restarts\":%u,\"hangs\":%u,\"last_exit\":", p->pid,
			       tdp_proc_state_name(p->state), p->restarts, p->hangs);
		if (last_exit == INT32_MIN) {
			tdp_buf_puts(b, "null");
		} else if (last_exit < 0) {
			char ex[32];
			exit_str(last_exit, ex, sizeof(ex));
			tdp_buf_printf(b, "\"%s\"", ex);
		} else {
			tdp_buf_printf(b, "%d", last_exit);
		}
		tdp_buf_printf(b,
			       ",\"records_in\":%" PRIu64 ",\"records_out\":%" PRIu64 ",\"bad_records\":%" PRIu64
			       ",\"windows\":%" PRIu64 ",\"compute_p50_ns\":%" PRIu64 ",\"compute_p99_ns\":%" PRIu64
			       ",\"heartbeat_age_ms\":%" PRIu64 ",\"incomplete\":{",
			       tdp_load_u64(&p->records_in), tdp_load_u64(&p->records_out), tdp_load_u64(&p->bad_records),
			       tdp_load_u64(&p->windows), tdp_hist_quantile(p->compute_hist, 0.5),
			       tdp_hist_quantile(p->compute_hist, 0.99), beat && beat < now ? (now - beat) / 1000000 : 0);
		for (unsigned w = 1; w < TDP_INCOMPLETE_REASONS; w++)
			tdp_buf_printf(b, "%s\"%s\":%" PRIu64, w > 1 ? "," : "", tdp_incomplete_name(w),
				       tdp_load_u64(&p->incomplete[w]));
		tdp_buf_puts(b, "}");
		if (role == TDP_ROLE_INGEST)
			print_dead_json(b, p);
		if (role == TDP_ROLE_INGEST && tdp_config_timed(cfg))
			tdp_buf_printf(b, ",\"late\":%" PRIu64, tdp_load_u64(&p->late));
		if (role == TDP_ROLE_INGEST && source_resends(cfg))
			tdp_buf_printf(b, ",\"replayed\":%" PRIu64, tdp_load_u64(&p->replayed));
		if (role == TDP_ROLE_SCALED && time_scale(cfg, scale))
			print_time_json(b, p, cfg, wall);
		if (role == TDP_ROLE_SCALED && events_scale(cfg, scale))
			print_events_json(b, p);
		if (role == TDP_ROLE_SCALED && scale >= 0 && (uint32_t)scale < cfg->nscales && cfg->scales[scale].join.on)
			tdp_buf_printf(b, ",\"ticks_skipped\":%" PRIu64, tdp_load_u64(&p->ticks_skipped));
		if (role == TDP_ROLE_INGEST && cfg->source.type == TDP_SRC_TCP) {
			tdp_buf_puts(b, ",\"connections\":{");
			for (unsigned k = 0; k < TDP_CONN_COUNTERS; k++)
				tdp_buf_printf(b, "%s\"%s\":%" PRIu64, k ? "," : "", tdp_conn_counter_name(k),
					       tdp_load_u64(&p->conns[k]));
			tdp_buf_puts(b, "}");
		}
		tdp_buf_puts(b, "}");
	}
	tdp_buf_puts(b, "],\"rings\":[");
	for (uint32_t s = 0; s < h->nscales; s++) {
		const struct tdp_ring *rs[2] = {tdp_shm_in_ring(seg, s), tdp_shm_out_ring(seg, s)};
		for (int j = 0; j < 2; j++) {
			tdp_buf_printf(b, "%s{\"ring\":\"%s\",\"scale\":", s || j ? "," : "", j ? "out" : "in");
			tdp_json_string(b, cfg->scales[s].name, strlen(cfg->scales[s].name));
			tdp_buf_printf(b,
				       ",\"capacity\":%u,\"used\":%u,\"pushed\":%" PRIu64 ",\"popped\":%" PRIu64
				       ",\"overflow\":%" PRIu64 ",\"high_water\":%" PRIu64,
				       tdp_ring_capacity(rs[j]), tdp_ring_used(rs[j]), tdp_load_u64(&rs[j]->pushed),
				       tdp_load_u64(&rs[j]->popped), tdp_load_u64(&rs[j]->overflow), tdp_load_u64(&rs[j]->high_water));
			if (j == 0)
				tdp_buf_printf(b, ",\"refused\":%" PRIu64 ",\"lost\":%" PRIu64,
					       tdp_load_u64(&rs[j]->refused), tdp_seg_scale_lost(seg, s));
			else
				print_latency_json(b, rs[j]);
			tdp_buf_puts(b, "}");
		}
	}
	tdp_buf_puts(b, "]");
	print_checkpoint_json(b, seg);
	print_kafka_json(b, seg);
	tdp_buf_puts(b, "}\n");
}

void stats_print(struct tdp_buf *out, const struct tdp_shm *seg, const struct tdp_config *cfg, bool json)
{
	if (json)
		print_json(out, seg, cfg);
	else
		print_text(out, seg, cfg);
}
