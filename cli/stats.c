/*
 * tdapipe stats - print an instance's processes and rings.
 *
 * Maps the segment read-only and only loads: it takes no lock and writes
 * nothing, so it can never disturb (or be stalled by) the pipeline.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/exitcode.h"
#include "common/commit.h"
#include "common/json.h"
#include "common/kafka.h"
#include "common/ring.h"
#include "common/shm.h"

static const char usage[] =
	"usage: tdapipe stats [-c FILE | --instance NAME] [--json] [--watch SECS]\n"
	"Print the processes, rings and Kafka clients (state, partition lag) of a running instance.\n";

static const char *state_name(uint32_t st)
{
	static const char *names[] = {"new", "running", "backoff", "done", "failed", "stopped"};
	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static uint64_t load64(const uint64_t *p)
{
	return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
}

/* Quantile Q of a log2 histogram, as the upper bound of its bucket (ns). */
static uint64_t hist_quantile(const uint64_t *h, double q)
{
	uint64_t total = 0;
	for (int i = 0; i < TDP_HIST_BUCKETS; i++)
		total += load64(&h[i]);
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total), seen = 0;
	for (int i = 0; i < TDP_HIST_BUCKETS; i++) {
		seen += load64(&h[i]);
		if (seen > want)
			return 2ull << i;
	}
	return 2ull << (TDP_HIST_BUCKETS - 1);
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

/* Points of every stream that never reached scale S's windows (dropped
 * on overflow, or lost while its worker was failed): exact, from the
 * worker's committed per-stream state. */
static uint64_t scale_lost(const struct tdp_shm *seg, uint32_t s)
{
	uint32_t n = atomic_load_explicit((_Atomic uint32_t *)&seg->hdr->nstreams, memory_order_acquire);
	uint64_t lost = 0;
	for (uint32_t i = 0; i < n && i < seg->hdr->max_streams; i++)
		lost += TDP_LIVE(tdp_shm_wstate(seg, s, i))->lost;
	return lost;
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

/* A source partition's position (where ingest's last commit resumes; -1
 * before its first message) and lag (messages from there to the end, the
 * whole partition before the first message; -1 when the end is unknown). */
static void kafka_position(const struct tdp_shm *seg, uint32_t i, int64_t *pos, int64_t *lag)
{
	const struct tdp_ingest_body *b = TDP_LIVE(tdp_shm_ingest_commit(seg));
	int64_t end = tdp_shm_kafka(seg)->parts[i].high_watermark;
	*pos = i < b->nkpos ? b->kpos[i] : -1;
	*lag = end < 0 ? -1 : *pos < 0 ? end : end >= *pos ? end - *pos : 0;
}

static void print_kafka_text(const struct tdp_shm *seg)
{
	struct kafka_row rows[3];
	unsigned n = kafka_rows(seg, rows);
	if (!n)
		return;
	printf("%-18s %-10s %12s %8s %10s %8s %8s  %s\n", "KAFKA", "STATE", "MESSAGES", "ERRORS", "REBALANCES",
	       "TXNS", "ABORTS", "LAST-ERROR");
	for (unsigned i = 0; i < n; i++)
		printf("%-18s %-10s %12" PRIu64 " %8" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %.80s\n",
		       rows[i].name, tdp_kafka_state_name(rows[i].k->state), load64(&rows[i].k->messages),
		       load64(&rows[i].k->errors), load64(&rows[i].k->rebalances), load64(&rows[i].k->txn_commits),
		       load64(&rows[i].k->txn_aborts), rows[i].k->last_error[0] ? rows[i].k->last_error : "-");
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	uint32_t np = atomic_load_explicit((_Atomic uint32_t *)&kb->nparts, memory_order_acquire);
	if (!np)
		return;
	printf("%-32s %-8s %14s %14s %12s\n", "PARTITION", "ASSIGNED", "POSITION", "END", "LAG");
	for (uint32_t i = 0; i < np; i++) {
		char label[300], v[3][24];
		int64_t pos, lag, end = kb->parts[i].high_watermark;
		kafka_position(seg, i, &pos, &lag);
		snprintf(label, sizeof(label), "%s/%d", kb->parts[i].topic, (int)kb->parts[i].partition);
		int64_t vals[3] = {pos, end, lag};
		for (int j = 0; j < 3; j++)
			snprintf(v[j], sizeof(v[j]), vals[j] < 0 ? "-" : "%" PRId64, vals[j]);
		printf("%-32.200s %-8s %14s %14s %12s\n", label, kb->parts[i].assigned ? "yes" : "no", v[0], v[1], v[2]);
	}
}

static void print_kafka_json(const struct tdp_shm *seg, struct tdp_buf *b)
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
			       load64(&k->messages), load64(&k->errors), load64(&k->rebalances), load64(&k->txn_commits),
			       load64(&k->txn_aborts));
		char msg[sizeof(k->last_error)];
		memcpy(msg, k->last_error, sizeof(msg));
		msg[sizeof(msg) - 1] = 0;
		if (msg[0])
			tdp_json_string(b, msg, strlen(msg));
		else
			tdp_buf_puts(b, "null");
		tdp_buf_puts(b, "}");
	}
	const struct tdp_kafka_block *kb = tdp_shm_kafka(seg);
	uint32_t np = atomic_load_explicit((_Atomic uint32_t *)&kb->nparts, memory_order_acquire);
	tdp_buf_puts(b, ",\"partitions\":[");
	for (uint32_t i = 0; i < np; i++) {
		int64_t pos, lag, end = kb->parts[i].high_watermark;
		kafka_position(seg, i, &pos, &lag);
		tdp_buf_puts(b, i ? ",{\"topic\":" : "{\"topic\":");
		tdp_json_string(b, kb->parts[i].topic, strnlen(kb->parts[i].topic, sizeof(kb->parts[i].topic)));
		tdp_buf_printf(b, ",\"partition\":%d,\"assigned\":%s", (int)kb->parts[i].partition,
			       kb->parts[i].assigned ? "true" : "false");
		const char *names[3] = {"position", "end", "lag"};
		int64_t vals[3] = {pos, end, lag};
		for (int j = 0; j < 3; j++)
			tdp_buf_printf(b, vals[j] < 0 ? ",\"%s\":null" : ",\"%s\":%" PRId64, names[j], vals[j]);
		tdp_buf_puts(b, "}");
	}
	tdp_buf_puts(b, "]}");
}

static void print_text(const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_shm_header *h = seg->hdr;
	uint64_t now = tdp_now_ns();
	printf("instance %s  supervisor pid %d  streams %u  ingest %s\n", h->instance, h->supervisor_pid,
	       atomic_load_explicit((_Atomic uint32_t *)&h->nstreams, memory_order_relaxed),
	       h->ingest_done ? "done" : h->stop ? "stopping" : "reading");
	printf("%-18s %7s %-8s %8s %5s %-10s %10s %10s %8s %9s %8s %9s %9s\n", "PROCESS", "PID", "STATE",
	       "RESTARTS", "HANGS", "LAST-EXIT", "IN", "OUT", "BAD", "WINDOWS", "INCOMPL", "P50-US", "BEAT-MS");
	for (uint32_t i = 0; i < h->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		char label[64], ex[32];
		tdp_proc_label(p, cfg, label, sizeof(label));
		exit_str(p->last_exit, ex, sizeof(ex));
		uint64_t beat = load64(&p->heartbeat_ns);
		printf("%-18s %7d %-8s %8u %5u %-10s %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %9" PRIu64
		       " %8" PRIu64 " %9.1f %9" PRIu64 "\n",
		       label, p->pid, state_name(p->state), p->restarts, p->hangs, ex, load64(&p->records_in),
		       load64(&p->records_out), load64(&p->bad_records), load64(&p->windows), tdp_proc_incomplete(p),
		       (double)hist_quantile(p->compute_hist, 0.5) / 1000.0,
		       beat && beat < now ? (now - beat) / 1000000 : 0);
	}
	printf("%-18s %19s %12s %12s %10s %10s %10s\n", "RING", "USED/CAPACITY", "PUSHED", "POPPED", "OVERFLOW",
	       "HIGH-WATER", "LOST");
	for (uint32_t s = 0; s < h->nscales; s++) {
		struct ring_row rows[2] = {{"in", cfg->scales[s].name, tdp_shm_in_ring(seg, s)},
					   {"out", cfg->scales[s].name, tdp_shm_out_ring(seg, s)}};
		for (int j = 0; j < 2; j++) {
			char label[64], used[32];
			snprintf(label, sizeof(label), "%s[%s]", rows[j].dir, rows[j].scale);
			snprintf(used, sizeof(used), "%u/%u", tdp_ring_used(rows[j].r), tdp_ring_capacity(rows[j].r));
			char lost[24] = "-";
			if (j == 0)
				snprintf(lost, sizeof(lost), "%" PRIu64, scale_lost(seg, s));
			printf("%-18s %19s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10s\n", label, used,
			       load64(&rows[j].r->pushed), load64(&rows[j].r->popped),
			       load64(&rows[j].r->overflow), load64(&rows[j].r->high_water), lost);
		}
	}
	print_kafka_text(seg);
}

static void print_json(const struct tdp_shm *seg, const struct tdp_config *cfg)
{
	const struct tdp_shm_header *h = seg->hdr;
	struct tdp_buf b;
	tdp_buf_init(&b);
	uint64_t now = tdp_now_ns();
	tdp_buf_puts(&b, "{\"instance\":");
	tdp_json_string(&b, h->instance, strlen(h->instance));
	tdp_buf_printf(&b, ",\"supervisor_pid\":%d,\"streams\":%u,\"ingest_done\":%s,\"processes\":[",
		       h->supervisor_pid, atomic_load_explicit((_Atomic uint32_t *)&h->nstreams, memory_order_relaxed),
		       h->ingest_done ? "true" : "false");
	for (uint32_t i = 0; i < h->nprocs; i++) {
		const struct tdp_proc *p = tdp_shm_proc(seg, i);
		uint64_t beat = load64(&p->heartbeat_ns);
		tdp_buf_printf(&b, "%s{\"role\":\"%s\",\"scale\":", i ? "," : "", tdp_role_name(p->role));
		if (p->role == TDP_ROLE_SCALED)
			tdp_json_string(&b, cfg->scales[p->scale].name, strlen(cfg->scales[p->scale].name));
		else
			tdp_buf_puts(&b, "null");
		tdp_buf_printf(&b, ",\"pid\":%d,\"state\":\"%s\",\"restarts\":%u,\"hangs\":%u,\"last_exit\":",
			       p->pid, state_name(p->state), p->restarts, p->hangs);
		if (p->last_exit == INT32_MIN)
			tdp_buf_puts(&b, "null");
		else if (p->last_exit < 0)
			tdp_buf_printf(&b, "\"signal %d\"", -p->last_exit);
		else
			tdp_buf_printf(&b, "%d", p->last_exit);
		tdp_buf_printf(&b,
			       ",\"records_in\":%" PRIu64 ",\"records_out\":%" PRIu64 ",\"bad_records\":%" PRIu64
			       ",\"windows\":%" PRIu64 ",\"compute_p50_ns\":%" PRIu64 ",\"compute_p99_ns\":%" PRIu64
			       ",\"heartbeat_age_ms\":%" PRIu64 ",\"incomplete\":{",
			       load64(&p->records_in), load64(&p->records_out), load64(&p->bad_records),
			       load64(&p->windows), hist_quantile(p->compute_hist, 0.5),
			       hist_quantile(p->compute_hist, 0.99), beat && beat < now ? (now - beat) / 1000000 : 0);
		for (unsigned w = 1; w < TDP_INCOMPLETE_REASONS; w++)
			tdp_buf_printf(&b, "%s\"%s\":%" PRIu64, w > 1 ? "," : "", tdp_incomplete_name(w),
				       load64(&p->incomplete[w]));
		tdp_buf_puts(&b, "}");
		if (p->role == TDP_ROLE_INGEST && cfg->source.type == TDP_SRC_TCP) {
			tdp_buf_puts(&b, ",\"connections\":{");
			for (unsigned k = 0; k < TDP_CONN_COUNTERS; k++)
				tdp_buf_printf(&b, "%s\"%s\":%" PRIu64, k ? "," : "", tdp_conn_counter_name(k),
					       load64(&p->conns[k]));
			tdp_buf_puts(&b, "}");
		}
		tdp_buf_puts(&b, "}");
	}
	tdp_buf_puts(&b, "],\"rings\":[");
	for (uint32_t s = 0; s < h->nscales; s++) {
		const struct tdp_ring *rs[2] = {tdp_shm_in_ring(seg, s), tdp_shm_out_ring(seg, s)};
		for (int j = 0; j < 2; j++) {
			tdp_buf_printf(&b, "%s{\"ring\":\"%s\",\"scale\":", s || j ? "," : "", j ? "out" : "in");
			tdp_json_string(&b, cfg->scales[s].name, strlen(cfg->scales[s].name));
			tdp_buf_printf(&b,
				       ",\"capacity\":%u,\"used\":%u,\"pushed\":%" PRIu64 ",\"popped\":%" PRIu64
				       ",\"overflow\":%" PRIu64 ",\"high_water\":%" PRIu64,
				       tdp_ring_capacity(rs[j]), tdp_ring_used(rs[j]), load64(&rs[j]->pushed),
				       load64(&rs[j]->popped), load64(&rs[j]->overflow), load64(&rs[j]->high_water));
			if (j == 0)
				tdp_buf_printf(&b, ",\"lost\":%" PRIu64, scale_lost(seg, s));
			tdp_buf_puts(&b, "}");
		}
	}
	tdp_buf_puts(&b, "]");
	print_kafka_json(seg, &b);
	tdp_buf_puts(&b, "}\n");
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	tdp_buf_fini(&b);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"instance", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"watch", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *path = NULL, *instance = NULL;
	bool json = false;
	double watch = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:jw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'i': instance = optarg; break;
		case 'j': json = true; break;
		case 'w': watch = atof(optarg); break;
		case 'h': printf("%s", usage); return TDP_EXIT_OK;
		default: fprintf(stderr, "%s", usage); return TDP_EXIT_USAGE;
		}
	}
	if ((!path == !instance) || optind != argc || watch < 0) {
		fprintf(stderr, "%s", usage);
		return TDP_EXIT_USAGE;
	}
	static struct tdp_config cfg;
	char err[1024];
	if (path) {
		if (tdp_config_load(path, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return TDP_EXIT_USAGE;
		}
		instance = cfg.instance;
	}
	struct tdp_shm seg;
	if (tdp_shm_attach(&seg, instance, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "tdapipe stats: %s\n", err);
		return TDP_EXIT_SYSTEM;
	}
	/* A segment whose supervisor died (SIGKILL, a crash) is stale: its
	 * states and pids describe processes that are gone. */
	if (!tdp_shm_supervisor_alive(seg.hdr)) {
		fprintf(stderr, "tdapipe stats: instance \"%s\" is not running (stale segment /dev/shm%s of "
			"supervisor pid %d, removed by the next `tdapipe run`)\n", instance, seg.path,
			seg.hdr->supervisor_pid);
		tdp_shm_detach(&seg);
		return TDP_EXIT_SYSTEM;
	}
	/* Scale names come from the config the running instance uses. */
	if (tdp_config_parse(tdp_shm_at(&seg, seg.hdr->config_off), seg.hdr->config_len, "(segment)", &cfg,
			     err, sizeof(err)) < 0) {
		fprintf(stderr, "tdapipe stats: config in segment: %s\n", err);
		return TDP_EXIT_SYSTEM;
	}
	for (;;) {
		if (json)
			print_json(&seg, &cfg);
		else
			print_text(&seg, &cfg);
		if (watch <= 0)
			break;
		fflush(stdout);
		usleep((useconds_t)(watch * 1e6));
		if (!json)
			printf("\n");
	}
	tdp_shm_detach(&seg);
	return TDP_EXIT_OK;
}
