/*
 * metrics.c - GET /metrics: the processes, ingest, scales, rings and
 * publish of a segment as Prometheus families (tdapipe-metrics(7));
 * Kafka in metrics_kafka.c, the latest results in metrics_latest.c.
 *
 * A process's role comes from its slot's index (ingest 0, the scales,
 * publish, the exporter), never from the segment, and each counter is
 * loaded once (common/counter.h), so a sample is what the segment held
 * when it was read.  Families are written whole, one after another.
 */
#include <inttypes.h>
#include <stddef.h>
#include <limits.h>
#include <string.h>
#include <stdio.h>

#include "common/atomics.h"
#include "common/clock.h"
#include "common/counter.h"
#include "common/commit.h"
#include "common/ring.h"
#include "common/seg_reader.h"
#include "exporter/exporter.h"

/* What names a process slot: role, and scale for a worker. */
struct slot {
	const struct tdp_proc *p;
	const char *labels[5];
	uint32_t role;
	bool scaled;
	uint32_t scale;
};

static uint32_t slots(const struct tdp_shm *seg, const struct tdp_config *cfg, struct slot *out)
{
	const struct tdp_shm_header *h = seg->hdr;
	uint32_t n = 0;
	for (uint32_t i = 0; i < h->nprocs; i++) {
		struct slot *s = &out[n++];
		uint32_t role = i == tdp_slot_ingest() ? TDP_ROLE_INGEST : i <= h->nscales ? TDP_ROLE_SCALED
			      : i == tdp_slot_publish(h) ? TDP_ROLE_PUBLISH : TDP_ROLE_EXPORTER;
		s->p = tdp_shm_proc(seg, i);
		s->role = role;
		s->scaled = role == TDP_ROLE_SCALED;
		s->scale = s->scaled ? i - 1 : 0;
		s->labels[0] = "process";
		s->labels[1] = tdp_role_name(role);
		s->labels[2] = s->scaled ? "scale" : NULL;
		s->labels[3] = s->scaled ? cfg->scales[s->scale].name : NULL;
		s->labels[4] = NULL;
	}
	return n;
}

static void processes(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	struct slot sl[TDP_MAX_SCALES + 3];
	uint32_t n = slots(seg, cfg, sl);
	uint64_t now = tdp_now_ns();
	prom_family(pr, "tdapipe_process_up", "gauge", "1 while the process runs (state running, a live pid), else 0.");
	for (uint32_t i = 0; i < n; i++)
		prom_u64(pr, "tdapipe_process_up", sl[i].labels,
			 tdp_load_u32(&sl[i].p->state) == TDP_PROC_RUNNING && tdp_load_i32(&sl[i].p->pid) > 0);
	prom_family(pr, "tdapipe_process_state", "gauge", "1 for the state the supervisor gives the process, 0 for the others.");
	for (uint32_t i = 0; i < n; i++) {
		uint32_t st = tdp_load_u32(&sl[i].p->state);
		for (uint32_t k = TDP_PROC_NEW; k <= TDP_PROC_STOPPED; k++) {
			const char *l[7] = {sl[i].labels[0], sl[i].labels[1], "state", tdp_proc_state_name(k), NULL, NULL, NULL};
			if (sl[i].scaled)
				l[4] = "scale", l[5] = sl[i].labels[3];
			prom_u64(pr, "tdapipe_process_state", l, st == k);
		}
	}
	prom_family(pr, "tdapipe_process_restarts_total", "counter", "Times the supervisor restarted the process.");
	for (uint32_t i = 0; i < n; i++)
		prom_u64(pr, "tdapipe_process_restarts_total", sl[i].labels, tdp_load_u32(&sl[i].p->restarts));
	prom_family(pr, "tdapipe_process_hangs_total", "counter", "Times the process was killed because its heartbeat stopped.");
	for (uint32_t i = 0; i < n; i++)
		prom_u64(pr, "tdapipe_process_hangs_total", sl[i].labels, tdp_load_u32(&sl[i].p->hangs));
	prom_family(pr, "tdapipe_process_heartbeat_age_seconds", "gauge",
		    "Time since the process last beat (the exporter, exempt from hang detection, has none).");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t beat = tdp_load_u64(&sl[i].p->heartbeat_ns);
		if (beat && sl[i].role != TDP_ROLE_EXPORTER)
			prom_f64(pr, "tdapipe_process_heartbeat_age_seconds", sl[i].labels,
				 beat < now ? (double)(now - beat) * 1e-9 : 0.0);
	}
}

/* A counter or gauge of one process's slot: a row of the tables below. */
struct proc_metric {
	const char *name, *type, *help;
	size_t off;   /* of a uint64_t in struct tdp_proc */
};
#define PM(name, type, field, help) {name, type, help, offsetof(struct tdp_proc, field)}

static const struct proc_metric ingest_metrics[] = {
	PM("tdapipe_ingest_records_total", "counter", records_in, "Records ingest read from the source, good or not."),
	PM("tdapipe_ingest_points_total", "counter", records_out, "Points ingest stamped and pushed to the scales."),
	PM("tdapipe_late_points_total", "counter", late, "Points below their stream's watermark (dead letters too)."),
	PM("tdapipe_ingest_replayed_total", "counter", replayed,
	   "Records a tcp, udp or stdin sender sent again after a restart, skipped (not dead letters)."),
};

static const struct proc_metric scale_metrics[] = {
	PM("tdapipe_scale_points_total", "counter", records_in, "Points the scale's worker took from its in-ring."),
	PM("tdapipe_windows_total", "counter", windows, "Windows the scale's worker computed."),
	PM("tdapipe_scale_results_total", "counter", records_out, "Results the scale's worker pushed to its out-ring."),
};

static const struct proc_metric time_metrics[] = {
	PM("tdapipe_open_windows", "gauge", open_windows, "Time scales: windows holding points, not yet emitted."),
	PM("tdapipe_waiting_points", "gauge", waiting, "Time scales: points above their stream's watermark, not yet in order."),
	PM("tdapipe_window_dropped_points_total", "counter", dropped,
	   "Time scales: points left out of windows past max_window_points."),
};

static const struct proc_metric publish_metrics[] = {
	PM("tdapipe_publish_taken_total", "counter", records_in, "Results publish took from the out-rings."),
	PM("tdapipe_published_results_total", "counter", records_out, "Results publish wrote to the sink."),
	PM("tdapipe_publish_duplicates_total", "counter", bad_records, "Results publish dropped as already written."),
};

static uint64_t proc_u64(const struct tdp_proc *p, size_t off)
{
	return tdp_load_u64((const uint64_t *)((const char *)p + off));
}

static const char *scale_labels(const struct tdp_config *cfg, uint32_t s, const char *l[3])
{
	l[0] = "scale", l[1] = cfg->scales[s].name, l[2] = NULL;
	return l[1];
}

static void ingest(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_proc *p = tdp_shm_proc(seg, tdp_slot_ingest());
	for (size_t k = 0; k < sizeof(ingest_metrics) / sizeof(ingest_metrics[0]); k++) {
		prom_family(pr, ingest_metrics[k].name, ingest_metrics[k].type, ingest_metrics[k].help);
		prom_u64(pr, ingest_metrics[k].name, NULL, proc_u64(p, ingest_metrics[k].off));
	}
	/* One family by reason, no unlabelled total beside it: a family's
	 * samples must not overlap, and sum() gives the total. */
	prom_family(pr, "tdapipe_dead_letters_total", "counter",
		    "Records refused (dead letters), by class of reason; each line of the dead-letter sink says why.");
	for (unsigned k = 0; k < TDP_DEAD_REASONS; k++) {
		const char *l[3] = {"reason", tdp_dead_reason_name(k), NULL};
		prom_u64(pr, "tdapipe_dead_letters_total", l, tdp_load_u64(&p->dead[k]));
	}
	prom_family(pr, "tdapipe_streams", "gauge", "Streams ingest interned so far.");
	prom_u64(pr, "tdapipe_streams", NULL, tdp_seg_nstreams(seg));
	prom_family(pr, "tdapipe_ingest_done", "gauge", "1 once no more points will be pushed (the input ended).");
	prom_u64(pr, "tdapipe_ingest_done", NULL, tdp_load_u32(&seg->hdr->ingest_done) != 0);
	if (cfg->source.type != TDP_SRC_TCP)
		return;
	prom_family(pr, "tdapipe_tcp_connections_total", "counter",
		    "TCP source: connections accepted, times accepting paused at max_connections, closed idle, reset.");
	static const unsigned events[] = {TDP_CONN_ACCEPTED, TDP_CONN_FULL, TDP_CONN_IDLE, TDP_CONN_RESET};
	for (unsigned k = 0; k < 4; k++) {
		const char *l[3] = {"event", tdp_conn_counter_name(events[k]), NULL};
		prom_u64(pr, "tdapipe_tcp_connections_total", l, tdp_load_u64(&p->conns[events[k]]));
	}
	prom_family(pr, "tdapipe_tcp_connections_open", "gauge", "TCP source: connections open now.");
	prom_u64(pr, "tdapipe_tcp_connections_open", NULL, tdp_load_u64(&p->conns[TDP_CONN_OPEN]));
	prom_family(pr, "tdapipe_tcp_cut_bytes_total", "counter",
		    "TCP source: bytes of records cut short by an idle close or an error.");
	prom_u64(pr, "tdapipe_tcp_cut_bytes_total", NULL, tdp_load_u64(&p->conns[TDP_CONN_CUT_BYTES]));
}

/* The rows of TABLE for every scale (time scales only: TIMED). */
static void scale_table(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg,
			const struct proc_metric *table, size_t n, bool timed)
{
	for (size_t k = 0; k < n; k++) {
		bool any = false;
		for (uint32_t s = 0; s < cfg->nscales; s++) {
			if (timed && !cfg->scales[s].timed)
				continue;
			if (!any)
				prom_family(pr, table[k].name, table[k].type, table[k].help);
			any = true;
			const char *l[3];
			scale_labels(cfg, s, l);
			prom_u64(pr, table[k].name, l, proc_u64(tdp_shm_proc(seg, tdp_slot_scale(s)), table[k].off));
		}
	}
}

/* Join scales: the ticks each skipped (tdapipe.yaml(5), JOIN). */
static void join_ticks(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	bool any = false;
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		if (!cfg->scales[s].join.on)
			continue;
		if (!any)
			prom_family(pr, "tdapipe_join_skipped_ticks_total", "counter",
				    "Join scales: ticks skipped, a listed stream having no value yet or only one "
				    "older than max_age.");
		any = true;
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_u64(pr, "tdapipe_join_skipped_ticks_total", l,
			 tdp_load_u64(&tdp_shm_proc(seg, tdp_slot_scale(s))->ticks_skipped));
	}
}

static void scales(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	scale_table(pr, seg, cfg, scale_metrics, sizeof(scale_metrics) / sizeof(scale_metrics[0]), false);
	prom_family(pr, "tdapipe_lost_points_total", "counter",
		    "Points that never reached the scale's windows (dropped on overflow, or while its worker was failed).");
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_u64(pr, "tdapipe_lost_points_total", l, tdp_seg_scale_lost(seg, s));
	}
	prom_family(pr, "tdapipe_refused_points_total", "counter",
		    "Points the scale cannot use (value:, values:), each a dead letter naming the scale.");
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_u64(pr, "tdapipe_refused_points_total", l, tdp_load_u64(&tdp_shm_in_ring(seg, s)->refused));
	}
	prom_family(pr, "tdapipe_incomplete_windows_total", "counter",
		    "Windows published without some dimension, by reason.");
	for (uint32_t s = 0; s < cfg->nscales; s++)
		for (unsigned w = 1; w < TDP_INCOMPLETE_REASONS; w++) {
			const char *l[5] = {"scale", cfg->scales[s].name, "reason", tdp_incomplete_name(w), NULL};
			prom_u64(pr, "tdapipe_incomplete_windows_total", l,
				 tdp_load_u64(&tdp_shm_proc(seg, tdp_slot_scale(s))->incomplete[w]));
		}
	prom_family(pr, "tdapipe_events_total", "counter", "Events the scale's worker made, by type.");
	for (uint32_t s = 0; s < cfg->nscales; s++)
		for (unsigned t = 0; t < TDP_EVENT_TYPES; t++) {
			const char *l[5] = {"scale", cfg->scales[s].name, "type", tdp_event_name(t), NULL};
			prom_u64(pr, "tdapipe_events_total", l, tdp_load_u64(&tdp_shm_proc(seg, tdp_slot_scale(s))->events[t]));
		}
	prom_family(pr, "tdapipe_compute_seconds", "histogram", "Time to compute one window (no _sum: not kept).");
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_hist_ns(pr, "tdapipe_compute_seconds", l, tdp_shm_proc(seg, tdp_slot_scale(s))->compute_hist);
	}
	join_ticks(pr, seg, cfg);
	if (!tdp_config_timed(cfg))
		return;
	scale_table(pr, seg, cfg, time_metrics, sizeof(time_metrics) / sizeof(time_metrics[0]), true);
	prom_family(pr, "tdapipe_watermark_lag_seconds", "gauge",
		    "Time scales: the newest event time minus the lowest watermark of a stream with open windows.");
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, tdp_slot_scale(s));
		int64_t newest = tdp_load_i64(&p->newest_ns), wm = tdp_load_i64(&p->watermark_ns), lag;
		if (!cfg->scales[s].timed || newest == INT64_MIN || wm == INT64_MAX || __builtin_sub_overflow(newest, wm, &lag))
			continue;
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_f64(pr, "tdapipe_watermark_lag_seconds", l, (double)lag * 1e-9);
	}
}

/* A ring's gauge or counter: a row of ring_metrics. */
struct ring_metric {
	const char *name, *type, *help;
	uint64_t (*get)(const struct tdp_ring *r);
};
static uint64_t ring_used(const struct tdp_ring *r) { return tdp_ring_used(r); }
static uint64_t ring_cap(const struct tdp_ring *r) { return tdp_ring_capacity(r); }
static uint64_t ring_hw(const struct tdp_ring *r) { return tdp_load_u64(&r->high_water); }
static uint64_t ring_pushed(const struct tdp_ring *r) { return tdp_load_u64(&r->pushed); }
static uint64_t ring_popped(const struct tdp_ring *r) { return tdp_load_u64(&r->popped); }
static uint64_t ring_overflow(const struct tdp_ring *r) { return tdp_load_u64(&r->overflow); }
static const struct ring_metric ring_metrics[] = {
	{"tdapipe_ring_used_slots", "gauge", "Slots of the ring in use now.", ring_used},
	{"tdapipe_ring_capacity_slots", "gauge", "Slots the ring can hold.", ring_cap},
	{"tdapipe_ring_high_water_slots", "gauge", "Most slots ever in use at once.", ring_hw},
	{"tdapipe_ring_pushed_total", "counter", "Records pushed into the ring.", ring_pushed},
	{"tdapipe_ring_popped_total", "counter", "Records taken out of the ring.", ring_popped},
	{"tdapipe_ring_overflow_total", "counter", "Records a full ring refused.", ring_overflow},
};

static void rings(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	for (size_t k = 0; k < sizeof(ring_metrics) / sizeof(ring_metrics[0]); k++) {
		prom_family(pr, ring_metrics[k].name, ring_metrics[k].type, ring_metrics[k].help);
		for (uint32_t s = 0; s < cfg->nscales; s++)
			for (int out = 0; out < 2; out++) {
				const char *l[5] = {"scale", cfg->scales[s].name, "ring", out ? "out" : "in", NULL};
				const struct tdp_ring *r = out ? tdp_shm_out_ring(seg, s) : tdp_shm_in_ring(seg, s);
				prom_u64(pr, ring_metrics[k].name, l, ring_metrics[k].get(r));
			}
	}
}

static void publish(struct prom *pr, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_proc *p = tdp_shm_proc(seg, tdp_slot_publish(seg->hdr));
	for (size_t k = 0; k < sizeof(publish_metrics) / sizeof(publish_metrics[0]); k++) {
		prom_family(pr, publish_metrics[k].name, publish_metrics[k].type, publish_metrics[k].help);
		prom_u64(pr, publish_metrics[k].name, NULL, proc_u64(p, publish_metrics[k].off));
	}
	const struct tdp_publish_body *b = TDP_LIVE(tdp_shm_publish_commit(seg));
	prom_family(pr, "tdapipe_published_bytes_total", "counter",
		    "Bytes of the results (events) file publish committed; 0 for a Kafka sink.");
	const char *res[3] = {"output", "results", NULL}, *ev[3] = {"output", "events", NULL};
	prom_u64(pr, "tdapipe_published_bytes_total", res, tdp_load_u64(&b->sink_len));
	prom_u64(pr, "tdapipe_published_bytes_total", ev, tdp_load_u64(&b->events_len));
	prom_family(pr, "tdapipe_publish_latency_seconds", "histogram",
		    "From ingest reading a window's last point to publish having written its result (no _sum: not kept).");
	for (uint32_t s = 0; s < cfg->nscales; s++) {
		const char *l[3];
		scale_labels(cfg, s, l);
		prom_hist_ns(pr, "tdapipe_publish_latency_seconds", l, tdp_shm_out_ring(seg, s)->latency_hist);
	}
}

/* The instance's checkpoints (cli/state_save.c), from the header the
 * supervisor writes. */
static void checkpoints(struct prom *pr, const struct tdp_shm *seg)
{
	struct tdp_seg_checkpoint c;
	tdp_seg_checkpoint(seg, &c);
	prom_family(pr, "tdapipe_checkpoints_total", "counter", "Checkpoints of the instance's state written.");
	prom_u64(pr, "tdapipe_checkpoints_total", NULL, c.written);
	prom_family(pr, "tdapipe_checkpoint_errors_total", "counter",
		    "Checkpoints that failed or were given up (the previous one stayed).");
	prom_u64(pr, "tdapipe_checkpoint_errors_total", NULL, c.errors);
	prom_family(pr, "tdapipe_checkpoint_timestamp_seconds", "gauge",
		    "Wall-clock time of the last checkpoint (Unix seconds); 0 before the first.");
	prom_f64(pr, "tdapipe_checkpoint_timestamp_seconds", NULL, (double)c.unix_ms / 1e3);
	prom_family(pr, "tdapipe_checkpoint_pause_seconds", "gauge",
		    "How long the pipeline was stopped for the last checkpoint (0: written after it ended).");
	prom_f64(pr, "tdapipe_checkpoint_pause_seconds", NULL, (double)c.pause_ns * 1e-9);
	prom_family(pr, "tdapipe_checkpoint_bytes", "gauge", "Size of the last checkpoint's file.");
	prom_u64(pr, "tdapipe_checkpoint_bytes", NULL, c.bytes);
}

void metrics_render(struct tdp_buf *b, const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	struct prom pr = {b, cfg->instance};
	prom_family(&pr, "tdapipe_supervisor_up", "gauge", "1 while the instance's supervisor lives.");
	prom_u64(&pr, "tdapipe_supervisor_up", NULL, tdp_shm_supervisor_alive(seg->hdr));
	processes(&pr, seg, cfg);
	ingest(&pr, seg, cfg);
	scales(&pr, seg, cfg);
	rings(&pr, seg, cfg);
	publish(&pr, seg, cfg);
	checkpoints(&pr, seg);
	metrics_kafka(&pr, seg);
	metrics_latest(&pr, seg, cfg);
}
