/*
 * test_metrics - GET /metrics of a segment (exporter/metrics.c,
 * metrics_kafka.c, metrics_latest.c): counters at their values, every
 * family written whole under its one # TYPE line, stream names escaped,
 * the latest-result gauges only for streams under latest_streams
 * (metrics.streams) and only from slots whose seqlock reads whole, the
 * anomaly score only once scored, the watermark lag of a time scale in
 * seconds, the instance's checkpoints (counts, the last one's time in
 * Unix seconds, its pause in seconds, its size; zeros before the first),
 * and the live counts the checks cannot vouch for (nstreams, the
 * Kafka block's nparts, strings without a NUL) bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/latest.h"
#include "exporter/exporter.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static int setup(void **state)
{
	(void)state;
	return seg_from_yaml(&fx, SEG_MEMORY, "unit-metrics",
			     "source: {type: stdin, format: jsonl}\n"
			     "max_streams: 4\n"
			     "metrics: {listen: 127.0.0.1:9464, streams: 2}\n"
			     "scales:\n"
			     "  - {name: lev, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
			     "  - {name: cloud, complex: rips, window: 8, slide: 4, ring: 32, dims: [0, 1]}\n"
			     "  - {name: tick, complex: sublevel, window: 1s, slide: 100ms}\n");
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

static void render(struct tdp_buf *b)
{
	tdp_buf_reset(b);
	metrics_render(b, &fx.seg, &fx.cfg);
	tdp_buf_putc(b, 0);
	assert_true(tdp_buf_ok(b));
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Every sample line belongs to the family of the last # TYPE line (its
 * name, or name_bucket / name_count for a histogram), and no family is
 * typed twice. */
static void families_whole(const char *t)
{
	char fam[128] = "";
	for (const char *line = t; *line; line = strchr(line, '\n') + 1) {
		char name[128];
		if (sscanf(line, "# TYPE %127s", name) == 1) {
			char typed[160];
			snprintf(typed, sizeof(typed), "# TYPE %s ", name);
			assert_int_equal(count(t, typed), 1);
			snprintf(fam, sizeof(fam), "%s", name);
		} else if (line[0] != '#') {
			size_t n = strlen(fam);
			if (strncmp(line, fam, n) || !(line[n] == '{' || !strncmp(line + n, "_bucket{", 8) ||
						       !strncmp(line + n, "_count{", 7)))
				fail_msg("sample outside its family %s: %.80s", fam, line);
		}
	}
}

static void test_counters(void **state)
{
	(void)state;
	struct tdp_proc *lev = tdp_shm_proc(&fx.seg, tdp_slot_scale(0));
	lev->windows = 7;
	lev->records_in = 40;
	lev->events[TDP_EVENT_ANOMALY] = 3;
	tdp_shm_proc(&fx.seg, tdp_slot_ingest())->bad_records = 5;
	tdp_shm_proc(&fx.seg, tdp_slot_ingest())->dead[TDP_DEAD_TOO_LONG] = 2;
	tdp_shm_proc(&fx.seg, tdp_slot_ingest())->dead[TDP_DEAD_PARTITION] = 3;
	tdp_shm_proc(&fx.seg, tdp_slot_ingest())->replayed = 4;
	tdp_shm_proc(&fx.seg, tdp_slot_exporter(fx.seg.hdr))->state = TDP_PROC_RUNNING;
	tdp_shm_proc(&fx.seg, tdp_slot_exporter(fx.seg.hdr))->pid = 1;
	tdp_shm_out_ring(&fx.seg, 1)->overflow = 9;
	tdp_shm_in_ring(&fx.seg, 0)->refused = 6;
	struct tdp_proc *tick = tdp_shm_proc(&fx.seg, tdp_slot_scale(2));
	tick->newest_ns = 5000000000;
	tick->watermark_ns = 3500000000;
	struct tdp_buf b;
	tdp_buf_init(&b);
	render(&b);
	families_whole(b.p);
	assert_non_null(strstr(b.p, "\ntdapipe_windows_total{instance=\"unit-metrics\",scale=\"lev\"} 7\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_scale_points_total{instance=\"unit-metrics\",scale=\"lev\"} 40\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_events_total{instance=\"unit-metrics\",scale=\"lev\",type=\"anomaly\"} 3\n"));
	/* dead letters: one sample per reason, none without the label */
	assert_non_null(strstr(b.p, "\ntdapipe_dead_letters_total{instance=\"unit-metrics\",reason=\"too_long\"} 2\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_dead_letters_total{instance=\"unit-metrics\",reason=\"partition\"} 3\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_dead_letters_total{instance=\"unit-metrics\",reason=\"malformed\"} 0\n"));
	assert_int_equal(count(b.p, "\ntdapipe_dead_letters_total{"), TDP_DEAD_REASONS);
	assert_non_null(strstr(b.p, "\ntdapipe_ingest_replayed_total{instance=\"unit-metrics\"} 4\n"));
	assert_null(strstr(b.p, "\ntdapipe_dead_letters_total{instance=\"unit-metrics\"}"));
	assert_non_null(strstr(b.p, "\ntdapipe_ring_overflow_total{instance=\"unit-metrics\",scale=\"cloud\",ring=\"out\"} 9\n"));
	/* points a scale refused: its in-ring's count, one sample per scale */
	assert_non_null(strstr(b.p, "\ntdapipe_refused_points_total{instance=\"unit-metrics\",scale=\"lev\"} 6\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_refused_points_total{instance=\"unit-metrics\",scale=\"cloud\"} 0\n"));
	assert_int_equal(count(b.p, "\ntdapipe_refused_points_total{"), 3);
	assert_non_null(strstr(b.p, "\ntdapipe_process_up{instance=\"unit-metrics\",process=\"exporter\"} 1\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_process_up{instance=\"unit-metrics\",process=\"scaled\",scale=\"tick\"} 0\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_process_state{instance=\"unit-metrics\",process=\"ingest\",state=\"new\"} 1\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_watermark_lag_seconds{instance=\"unit-metrics\",scale=\"tick\"} 1.5\n"));
	/* time gauges only for the time scale; no Kafka without a client */
	assert_int_equal(count(b.p, "\ntdapipe_open_windows{"), 1);
	assert_null(strstr(b.p, "tdapipe_kafka"));
	/* a histogram per scale, 40 buckets each */
	assert_int_equal(count(b.p, "\ntdapipe_compute_seconds_bucket{"), 3 * TDP_HIST_BUCKETS);
	assert_int_equal(count(b.p, "\ntdapipe_publish_latency_seconds_count{"), 3);
	tdp_buf_fini(&b);
}

static void test_latest(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fx.seg.hdr;
	assert_int_equal(h->latest_streams, 2);
	h->nstreams = UINT32_MAX;   /* bounded by the table's 2 streams */
	for (uint32_t i = 0; i < h->max_streams; i++)
		memset(tdp_shm_stream(&fx.seg, i)->name, 'n', TDP_STREAM_NAME_MAX);   /* no NUL */
	snprintf(tdp_shm_stream(&fx.seg, 0)->name, TDP_STREAM_NAME_MAX, "a\"b\\c");
	struct tdp_latest v = {.flags = TDP_LATEST_SET | TDP_LATEST_SCORED, .window = 12, .dims_mask = 1,
			       .count = {5}, .essential = {1}, .total = {2.5}, .score = INFINITY};
	tdp_latest_write(tdp_shm_latest(&fx.seg, 0, 0), &v);
	struct tdp_latest w = {.flags = TDP_LATEST_SET, .window = 3, .dims_mask = 3, .count = {4, 2},
			       .essential = {1, 0}, .total = {1.25, 0.5}};
	tdp_latest_write(tdp_shm_latest(&fx.seg, 1, 1), &w);
	tdp_latest_write(tdp_shm_latest(&fx.seg, 1, 0), &w);
	tdp_shm_latest(&fx.seg, 1, 0)->seq |= 1;   /* a writer stopped mid-write: left out */
	struct tdp_buf b;
	tdp_buf_init(&b);
	render(&b);
	families_whole(b.p);
	assert_non_null(strstr(b.p, "\ntdapipe_latest_betti{instance=\"unit-metrics\",scale=\"lev\",stream=\"a\\\"b\\\\c\",dim=\"0\"} 1\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_latest_intervals{instance=\"unit-metrics\",scale=\"lev\",stream=\"a\\\"b\\\\c\",dim=\"0\"} 5\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_latest_total_persistence{instance=\"unit-metrics\",scale=\"lev\",stream=\"a\\\"b\\\\c\",dim=\"0\"} 2.5\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_latest_anomaly_score{instance=\"unit-metrics\",scale=\"lev\",stream=\"a\\\"b\\\\c\"} +Inf\n"));
	char nn[TDP_STREAM_NAME_MAX + 160];
	snprintf(nn, sizeof(nn), "\ntdapipe_latest_total_persistence{instance=\"unit-metrics\",scale=\"cloud\",stream=\"%.*s\",dim=\"1\"} 0.5\n",
		 TDP_STREAM_NAME_MAX, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	assert_non_null(strstr(b.p, nn));
	assert_int_equal(count(b.p, "\ntdapipe_latest_window{"), 2);   /* lev/0 and cloud/1; cloud/0 torn */
	assert_int_equal(count(b.p, "\ntdapipe_latest_anomaly_score{"), 1);
	assert_int_equal(count(b.p, "\ntdapipe_latest_betti{"), 3);    /* lev/0 dim 0, cloud/1 dims 0 and 1 */
	tdp_buf_fini(&b);
}

static void test_checkpoint(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fx.seg.hdr;
	struct tdp_buf b;
	tdp_buf_init(&b);
	render(&b);
	families_whole(b.p);
	static const char *const zero[] = {"tdapipe_checkpoints_total", "tdapipe_checkpoint_errors_total",
					   "tdapipe_checkpoint_timestamp_seconds", "tdapipe_checkpoint_pause_seconds",
					   "tdapipe_checkpoint_bytes"};
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		char want[160];
		snprintf(want, sizeof(want), "\n%s{instance=\"unit-metrics\"} 0\n", zero[i]);
		assert_non_null(strstr(b.p, want));
		assert_int_equal(count(b.p, want + 1), 1);
	}
	assert_non_null(strstr(b.p, "\n# TYPE tdapipe_checkpoints_total counter\n"));
	assert_non_null(strstr(b.p, "\n# TYPE tdapipe_checkpoint_errors_total counter\n"));
	assert_non_null(strstr(b.p, "\n# TYPE tdapipe_checkpoint_timestamp_seconds gauge\n"));
	h->checkpoints = 9;
	h->checkpoint_errors = 1;
	h->checkpoint_unix_ms = 1765061418123;
	h->checkpoint_pause_ns = 2500000;
	h->checkpoint_bytes = 1 << 20;
	render(&b);
	families_whole(b.p);
	assert_non_null(strstr(b.p, "\ntdapipe_checkpoints_total{instance=\"unit-metrics\"} 9\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_checkpoint_errors_total{instance=\"unit-metrics\"} 1\n"));
	/* doubles as %.17g writes them: equal to ms / 1e3 and ns * 1e-9 */
	const char *t = strstr(b.p, "\ntdapipe_checkpoint_timestamp_seconds{instance=\"unit-metrics\"} ");
	assert_non_null(t);
	assert_true(strtod(strchr(t, '}') + 2, NULL) == 1765061418123 / 1e3);
	t = strstr(b.p, "\ntdapipe_checkpoint_pause_seconds{instance=\"unit-metrics\"} ");
	assert_non_null(t);
	assert_true(strtod(strchr(t, '}') + 2, NULL) == 2500000 * 1e-9);
	assert_non_null(strstr(b.p, "\ntdapipe_checkpoint_bytes{instance=\"unit-metrics\"} 1048576\n"));
	h->checkpoints = h->checkpoint_errors = h->checkpoint_pause_ns = h->checkpoint_bytes = 0;
	h->checkpoint_unix_ms = 0;
	tdp_buf_fini(&b);
}

static void test_kafka_bounded(void **state)
{
	(void)state;
	struct tdp_kafka_block *kb = tdp_shm_kafka(&fx.seg);
	kb->source.state = TDP_KAFKA_UP;
	kb->source.messages = 77;
	kb->nparts = UINT32_MAX;
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++) {
		memset(kb->parts[i].topic, 't', sizeof(kb->parts[i].topic));
		kb->parts[i].partition = (int32_t)i;
		kb->parts[i].high_watermark = 100;
		kb->parts[i].assigned = 1;
	}
	struct tdp_buf b;
	tdp_buf_init(&b);
	render(&b);
	families_whole(b.p);
	assert_non_null(strstr(b.p, "\ntdapipe_kafka_client_state{instance=\"unit-metrics\",client=\"source\",state=\"up\"} 1\n"));
	assert_non_null(strstr(b.p, "\ntdapipe_kafka_messages_total{instance=\"unit-metrics\",client=\"source\"} 77\n"));
	assert_int_equal(count(b.p, "\ntdapipe_kafka_partition_assigned{"), TDP_KAFKA_MAX_PARTS);
	assert_int_equal(count(b.p, "\ntdapipe_kafka_partition_lag_messages{"), TDP_KAFKA_MAX_PARTS);
	assert_int_equal(count(b.p, "\ntdapipe_kafka_partition_position{"), 0);   /* none before a commit */
	assert_non_null(strstr(b.p, ",partition=\"255\"} 100\n"));
	tdp_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_latest),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_kafka_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
