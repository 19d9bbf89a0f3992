/*
 * test_stats_print - what `tdapipe stats` prints of a segment, and that
 * it bounds what the checks cannot vouch for: the counts and indexes that
 * change while the pipeline runs.  A segment built by tdp_shm_format, in
 * a heap block of exactly its size (ASan sees a read past it), is given
 * nstreams and Kafka nparts / nkpos far past their tables, a slot naming
 * scale 1000, strings without a NUL, and odd exit values: the text and
 * JSON forms still come out whole, with the tables' sizes as the counts.
 * A segment of a config with time scales shows ingest's late points and
 * each time scale's windows, waiting points and watermark lags, and no
 * more than before for count scales.  Ingest's dead letters by class:
 * every class in JSON, the nonzero ones in text, only when there are any.  A scale that tracks features or
 * scores windows shows its events by type; others none.  The instance's
 * checkpoints: a line under the first (count, errors, the last one's age
 * and time, pause in ms, size; "last none" before the first) and a
 * top-level "checkpoint" object in JSON; a time the checks cannot vouch
 * for (negative, past int64 in ns) neither overflows nor shows an age.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/stats_print.h"
#include "common/shm_check.h"
#include "tests/unit/fixture.h"

static struct seg_fixture fx;

static int setup(void **state)
{
	(void)state;
	char err[512];
	if (seg_from_yaml(&fx, SEG_MEMORY, "unit-stats-print",
			  "source: {type: stdin}\n"
			  "max_streams: 4\n"
			  "scales:\n"
			  "  - {name: lev, complex: sublevel, window: 10, slide: 5, ring: 16}\n"
			  "  - {name: cloud, complex: rips, window: 8, slide: 4, ring: 32}\n") < 0)
		return -1;
	return tdp_shm_check(fx.seg.hdr, fx.seg.size, err, sizeof(err)) ||
	       tdp_shm_check_config(fx.seg.hdr, &fx.cfg, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	seg_fixture_fini(&fx);
	return 0;
}

/* What stats prints of F's segment, as text (!JSON) or JSON, into B as
 * a C string. */
static void print_one(const struct seg_fixture *f, struct tdp_buf *b, bool json)
{
	tdp_buf_reset(b);
	stats_print(b, &f->seg, &f->cfg, json);
	tdp_buf_putc(b, 0);
	assert_true(tdp_buf_ok(b));
}

static void print_both(const struct seg_fixture *f, struct tdp_buf *txt, struct tdp_buf *json)
{
	print_one(f, txt, false);
	print_one(f, json, true);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_fresh_segment(void **state)
{
	(void)state;
	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&fx, &txt, &json);
	assert_non_null(strstr(txt.p, "instance unit-stats-print  supervisor pid 0  streams 0"));
	assert_non_null(strstr(txt.p, "\nscaled[lev] "));
	assert_non_null(strstr(txt.p, "\nscaled[cloud] "));
	assert_non_null(strstr(txt.p, "\nin[cloud] "));
	assert_null(strstr(txt.p, "KAFKA"));
	/* The time of reading first: RFC 3339 UTC with milliseconds. */
	assert_memory_equal(json.p, "{\"time\":\"", 9);
	assert_memory_equal(json.p + 9 + 4, "-", 1);
	assert_memory_equal(json.p + 9 + 19, ".", 1);
	assert_memory_equal(json.p + 9 + 23, "Z\",\"uptime_seconds\":null,", 24);
	const char *tl = strstr(txt.p, "  time ");
	assert_non_null(tl);
	assert_true(tl < strchr(txt.p, '\n'));
	assert_memory_equal(tl + 7 + 23, "Z\n", 2);
	assert_non_null(strstr(json.p, "\"instance\":\"unit-stats-print\",\"supervisor_pid\":0,\"streams\":0,"));
	assert_non_null(strstr(json.p, "\"scale\":\"cloud\",\"pid\":0,\"state\":\"new\""));
	assert_null(strstr(json.p, "\"kafka\""));
	/* Count scales only: no "late", no time gauges, no EVENT-TIME table. */
	assert_null(strstr(txt.p, "EVENT-TIME"));
	/* No dead letter: every class at 0 in JSON, no line of them in text. */
	assert_non_null(strstr(json.p, "\"dead_letters\":{\"malformed\":0,\"too_long\":0,\"cut\":0,\"late\":0,"
				       "\"no_time\":0,\"too_many_streams\":0,\"dimension\":0,\"partition\":0}"));
	assert_null(strstr(txt.p, "DEAD-LETTERS"));
	assert_int_equal(count(json.p, "\"late\""), 1);   /* the class, not ingest's late count */
	/* stdin: ingest's replayed count in JSON, a line in text only when nonzero. */
	assert_non_null(strstr(json.p, "\"partition\":0},\"replayed\":0}"));
	assert_null(strstr(txt.p, "REPLAYED"));
	assert_null(strstr(json.p, "\"open_windows\""));
	/* No scale refused a point: 0 in JSON, no REFUSED line. */
	assert_int_equal(count(json.p, "\"refused\":0,\"lost\":0"), 2);
	assert_null(strstr(txt.p, "REFUSED"));
	/* No checkpoint yet: zeros, "last none" on the second line. */
	assert_non_null(strstr(txt.p, "Z\ncheckpoints 0  errors 0  last none\nPROCESS "));
	assert_non_null(strstr(json.p, "],\"checkpoint\":{\"written\":0,\"errors\":0,\"last_unix_ms\":0,"
				       "\"pause_ns\":0,\"bytes\":0}}\n"));
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
}

static void test_live_counts_bounded(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fx.seg.hdr;
	h->nstreams = UINT32_MAX;
	for (uint32_t s = 0; s < h->nscales; s++)
		for (uint32_t i = 0; i < h->max_streams; i++)
			tdp_shm_wstate(&fx.seg, s, i)->body[0].lost = 1;
	struct tdp_proc *p = tdp_shm_proc(&fx.seg, 1);
	p->scale = 1000;
	p->last_exit = INT32_MIN + 1;
	p->state = 77;
	tdp_shm_proc(&fx.seg, 2)->role = 99;
	struct tdp_kafka_block *kb = tdp_shm_kafka(&fx.seg);
	kb->source.state = TDP_KAFKA_UP;
	kb->sink.state = 12345;
	memset(kb->source.last_error, 'e', sizeof(kb->source.last_error));
	kb->nparts = UINT32_MAX;
	for (uint32_t i = 0; i < TDP_KAFKA_MAX_PARTS; i++) {
		memset(kb->parts[i].topic, 't', sizeof(kb->parts[i].topic));
		kb->parts[i].high_watermark = 10;
	}
	struct tdp_ingest_commit *ic = tdp_shm_ingest_commit(&fx.seg);
	ic->body[0].nkpos = ic->body[1].nkpos = UINT32_MAX;

	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&fx, &txt, &json);
	/* Every table at its size: 4 streams' losses, 256 partitions. */
	assert_non_null(strstr(txt.p, "streams 4 "));
	assert_non_null(strstr(json.p, "\"streams\":4,"));
	assert_non_null(strstr(json.p, "\"lost\":4}"));
	assert_int_equal(count(json.p, "{\"topic\":"), TDP_KAFKA_MAX_PARTS);
	assert_int_equal(count(txt.p, " yes ") + count(txt.p, " no "), TDP_KAFKA_MAX_PARTS);
	/* Strings without a NUL: cut at their field's size. */
	char topic[sizeof(kb->parts[0].topic) + 3];
	memset(topic, 't', sizeof(topic));
	topic[0] = '"';
	topic[sizeof(topic) - 2] = '"';
	topic[sizeof(topic) - 1] = 0;
	assert_non_null(strstr(json.p, topic));
	char err_str[sizeof(kb->source.last_error) + 3];
	memset(err_str, 'e', sizeof(err_str));
	err_str[0] = '"';
	err_str[sizeof(err_str) - 2] = '"';
	err_str[sizeof(err_str) - 1] = 0;
	assert_non_null(strstr(json.p, err_str));
	/* A slot naming no scale of the config; odd states and exits. */
	assert_non_null(strstr(json.p, "\"role\":\"scaled\",\"scale\":\"?\""));
	assert_non_null(strstr(json.p, "\"state\":\"?\""));
	assert_non_null(strstr(json.p, "\"last_exit\":\"signal 2147483647\""));
	assert_non_null(strstr(txt.p, "\nscaled "));
	assert_non_null(strstr(json.p, "\"sink\":{\"state\":\"off\""));
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
}

/* Time scales: ingest's "late", each time scale worker's gauges and lags
 * (seconds with three decimals, null or "-" when unset); a count scale of
 * the same instance shows none of them. */
/* Points a scale refused (value:, values:): its in-ring's count, a line
 * per scale that refused any in text, the count in JSON beside lost. */
static void test_refused(void **state)
{
	(void)state;
	tdp_shm_in_ring(&fx.seg, 1)->refused = 7;
	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&fx, &txt, &json);
	assert_non_null(strstr(txt.p, "\nREFUSED[cloud]     7\n"));
	assert_null(strstr(txt.p, "REFUSED[lev]"));
	assert_int_equal(count(json.p, "\"refused\":7,\"lost\":"), 1);
	tdp_shm_in_ring(&fx.seg, 1)->refused = 0;
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
}

static void test_time_scales(void **state)
{
	(void)state;
	struct seg_fixture tf;
	char err[512];
	assert_int_equal(seg_from_yaml(&tf, SEG_MEMORY, "unit-stats-time",
				       "source: {type: stdin, format: jsonl, time_unit: ms, lateness: 500ms}\n"
				       "max_streams: 4\n"
				       "scales:\n"
				       "  - {name: sec, complex: sublevel, window: 1s, slide: 100ms}\n"
				       "  - {name: pts, complex: sublevel, window: 10, slide: 5}\n"
				       "  - {name: min, complex: sublevel, window: 1m, slide: 10s}\n"), 0);
	assert_int_equal(tdp_shm_check(tf.seg.hdr, tf.seg.size, err, sizeof(err)), 0);
	assert_int_equal(tdp_shm_check_config(tf.seg.hdr, &tf.cfg, err, sizeof(err)), 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

	tdp_shm_proc(&tf.seg, 0)->late = 12;
	tdp_shm_proc(&tf.seg, 0)->dead[TDP_DEAD_LATE] = 12;
	tdp_shm_proc(&tf.seg, 0)->dead[TDP_DEAD_MALFORMED] = 3;
	tdp_shm_proc(&tf.seg, 0)->dead[TDP_DEAD_PARTITION] = 1;
	tdp_shm_proc(&tf.seg, 0)->replayed = 5;   /* stdin: sent again after a restart */
	struct tdp_proc *sec = tdp_shm_proc(&tf.seg, tdp_slot_scale(0));
	sec->open_windows = 3;
	sec->waiting = 120;
	sec->dropped = 7;
	sec->newest_ns = 1765000000123456789;
	sec->watermark_ns = sec->newest_ns - 500400000;    /* 0.5004 s: rounds to 0.500 */
	/* min: no event time yet, no open window. */
	struct tdp_proc *min = tdp_shm_proc(&tf.seg, tdp_slot_scale(2));
	min->newest_ns = INT64_MIN;
	min->watermark_ns = INT64_MAX;
	struct tdp_proc *pts = tdp_shm_proc(&tf.seg, tdp_slot_scale(1));
	pts->open_windows = 99;   /* a count scale: never shown */

	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&tf, &txt, &json);

	assert_non_null(strstr(json.p, "\"role\":\"ingest\""));
	assert_non_null(strstr(json.p, "\"invalid_input\":0},\"dead_letters\":{\"malformed\":3,\"too_long\":0,"
				       "\"cut\":0,\"late\":12,\"no_time\":0,\"too_many_streams\":0,\"dimension\":0,"
				       "\"partition\":1},\"late\":12,\"replayed\":5}"));
	assert_int_equal(count(json.p, "\"dead_letters\""), 1);   /* ingest's alone */
	/* the nonzero classes on one line, after the processes */
	assert_non_null(strstr(txt.p, "\nDEAD-LETTERS       malformed 3 late 12 partition 1\nREPLAYED           5\nRING "));
	const char *e = strstr(json.p, "\"scale\":\"sec\"");
	assert_non_null(e);
	assert_non_null(strstr(e, "\"invalid_input\":0},\"open_windows\":3,\"waiting\":120,\"dropped\":7,"
				  "\"watermark_lag_seconds\":0.500,\"wall_lag_seconds\":"));
	/* The wall lag: now minus the watermark, within the seconds the test takes. */
	double wall = strtod(strstr(e, "\"wall_lag_seconds\":") + strlen("\"wall_lag_seconds\":"), NULL);
	double want = (double)(now - sec->watermark_ns) / 1e9;
	assert_true(wall >= want - 0.002 && wall < want + 10);
	e = strstr(json.p, "\"scale\":\"min\"");
	assert_non_null(e);
	assert_non_null(strstr(e, "\"open_windows\":0,\"waiting\":0,\"dropped\":0,"
				  "\"watermark_lag_seconds\":null,\"wall_lag_seconds\":null}"));
	e = strstr(json.p, "\"scale\":\"pts\"");
	assert_non_null(e);
	assert_true(strstr(e, "\"open_windows\"") > strstr(e, "\"scale\":\"min\""));   /* none in pts' entry */
	assert_int_equal(count(json.p, "\"open_windows\""), 2);
	assert_int_equal(count(json.p, "\"late\""), 2);   /* ingest's count, its dead letters' class */

	assert_non_null(strstr(txt.p, "\nEVENT-TIME               LATE OPEN-WINDOWS    WAITING    DROPPED   WM-LAG-S WALL-LAG-S\n"
				      "ingest                     12            -          -          -          -          -\n"
				      "scaled[sec]                 -            3        120          7      0.500 "));
	assert_non_null(strstr(txt.p, "\nscaled[min]                 -            0          0          0          -          -\n"));
	assert_null(strstr(txt.p, "\nscaled[pts]                 -"));

	/* A file source: no wall lag; a lag past int64: unset. */
	tf.cfg.source.type = TDP_SRC_FILE;
	sec->newest_ns = INT64_MAX;
	sec->watermark_ns = -2;
	print_one(&tf, &json, true);
	assert_non_null(strstr(json.p, "\"dropped\":7,\"watermark_lag_seconds\":null,\"wall_lag_seconds\":null}"));
	sec->newest_ns = -1000;
	sec->watermark_ns = 1499999;   /* negative lags round away from zero too */
	print_one(&tf, &json, true);
	assert_non_null(strstr(json.p, "\"watermark_lag_seconds\":-0.002,\"wall_lag_seconds\":null}"));
	assert_null(strstr(json.p, "\"replayed\""));   /* a file is re-read, never sent again */
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
	seg_fixture_fini(&tf);
}

/* Scales with track or anomaly: their workers' events by type, in an
 * EVENTS table and an "events" member; a scale without, neither. */
static void test_events(void **state)
{
	(void)state;
	struct seg_fixture ef;
	char err[512];
	assert_int_equal(seg_from_yaml(&ef, SEG_MEMORY, "unit-stats-events",
				       "source: {type: stdin}\n"
				       "max_streams: 4\n"
				       "scales:\n"
				       "  - {name: plain, complex: sublevel, window: 10, slide: 5}\n"
				       "  - {name: beat, complex: rips, window: 8, slide: 4, dims: [0, 1],"
				       " track: {min_persistence: 0.1}}\n"
				       "  - {name: odd, complex: sublevel, window: 10, slide: 5,"
				       " anomaly: {signal: total}}\n"), 0);
	assert_int_equal(tdp_shm_check(ef.seg.hdr, ef.seg.size, err, sizeof(err)), 0);
	assert_int_equal(tdp_shm_check_config(ef.seg.hdr, &ef.cfg, err, sizeof(err)), 0);
	struct tdp_proc *beat = tdp_shm_proc(&ef.seg, tdp_slot_scale(1));
	beat->events[TDP_EVENT_BIRTH] = 17;
	beat->events[TDP_EVENT_DEATH] = 15;
	beat->events[TDP_EVENT_UPDATE] = 4;
	tdp_shm_proc(&ef.seg, tdp_slot_scale(2))->events[TDP_EVENT_ANOMALY] = 2;
	tdp_shm_proc(&ef.seg, tdp_slot_scale(0))->events[TDP_EVENT_BIRTH] = 4242;   /* never shown */

	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&ef, &txt, &json);
	assert_non_null(strstr(txt.p, "\nEVENTS              FEATURE-BIRTH  FEATURE-DEATH FEATURE-UPDATE    ANOMALY\n"
				      "scaled[beat]                   17             15              4          0\n"
				      "scaled[odd]                     0              0              0          2\n"));
	assert_null(strstr(txt.p, "4242"));
	const char *e = strstr(json.p, "\"scale\":\"beat\"");
	assert_non_null(e);
	assert_non_null(strstr(e, "\"invalid_input\":0},\"events\":{\"feature_birth\":17,\"feature_death\":15,"
				  "\"feature_update\":4,\"anomaly\":0}}"));
	e = strstr(json.p, "\"scale\":\"odd\"");
	assert_non_null(e);
	assert_non_null(strstr(e, "\"events\":{\"feature_birth\":0,\"feature_death\":0,\"feature_update\":0,"
				  "\"anomaly\":2}}"));
	assert_int_equal(count(json.p, "\"events\""), 2);
	assert_null(strstr(json.p, "4242"));
	/* Without such scales, no table (test_fresh_segment: no "events"). */
	print_both(&fx, &txt, &json);
	assert_null(strstr(txt.p, "EVENTS"));
	assert_null(strstr(json.p, "\"events\""));
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
	seg_fixture_fini(&ef);
}

/* The checkpoint counters the supervisor keeps in the header. */
static void test_checkpoint(void **state)
{
	(void)state;
	struct tdp_shm_header *h = fx.seg.hdr;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	h->checkpoints = 12;
	h->checkpoint_errors = 2;
	h->checkpoint_unix_ms = 1765061418123;
	h->checkpoint_pause_ns = 1234567;
	h->checkpoint_bytes = 73728;
	struct tdp_buf txt, json;
	tdp_buf_init(&txt);
	tdp_buf_init(&json);
	print_both(&fx, &txt, &json);
	assert_non_null(strstr(json.p, "],\"checkpoint\":{\"written\":12,\"errors\":2,\"last_unix_ms\":1765061418123,"
				       "\"pause_ns\":1234567,\"bytes\":73728}"));
	const char *l = strstr(txt.p, "Z\ncheckpoints 12  errors 2  last ");
	assert_non_null(l);
	assert_non_null(strstr(l, " s ago (2025-12-06T22:50:18.123Z)  pause 1.235 ms  bytes 73728\nPROCESS "));
	/* The age: 3.5 s, within what the test takes. */
	h->checkpoint_unix_ms = now_ms - 3500;
	h->checkpoint_pause_ns = 0;   /* written after the pipeline ended */
	print_one(&fx, &txt, false);
	l = strstr(txt.p, "\ncheckpoints 12  errors 2  last 3.");
	assert_non_null(l);
	assert_true(l[strlen("\ncheckpoints 12  errors 2  last 3.")] >= '5');
	assert_non_null(strstr(l, " s ago ("));
	assert_non_null(strstr(l, ")  pause 0.000 ms  bytes 73728\n"));
	/* Values no supervisor writes: no age, no overflow. */
	h->checkpoint_unix_ms = INT64_MIN;
	print_both(&fx, &txt, &json);
	assert_non_null(strstr(txt.p, "\ncheckpoints 12  errors 2  last none\n"));
	assert_non_null(strstr(json.p, "\"last_unix_ms\":-9223372036854775808,"));
	h->checkpoint_unix_ms = INT64_MAX;   /* "in the future": 0 s old, the time clamped */
	print_one(&fx, &txt, false);
	assert_non_null(strstr(txt.p, "\ncheckpoints 12  errors 2  last 0.0 s ago (2262-"));
	h->checkpoints = h->checkpoint_errors = h->checkpoint_pause_ns = h->checkpoint_bytes = 0;
	h->checkpoint_unix_ms = 0;
	tdp_buf_fini(&txt);
	tdp_buf_fini(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_segment),
		cmocka_unit_test(test_live_counts_bounded),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_time_scales),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_checkpoint),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
