/*
 * test_resend - which records a restarted ingest skips as sent again
 * (ingest/resend.c): a timed record of a stream known at the start, at or
 * before the stream's newest event time then; never a record without a
 * time, of a stream with no time yet or first seen after the start; never
 * from a file, or with resend: keep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "common/atomics.h"
#include "ingest/resend.h"
#include "ingest/streams.h"
#include "tests/unit/fixture.h"

#define SCALES "scales:\n  - {name: lev, complex: sublevel, window: 10, slide: 5}\n"

/* A segment of SOURCE whose stream table holds "a" (newest time 100),
 * "b" (newest 7) and "c" (no time yet), as a predecessor left it. */
static void segment(struct seg_fixture *f, const char *source)
{
	char yaml[512];
	snprintf(yaml, sizeof(yaml), "source: %s\nmax_streams: 8\n" SCALES, source);
	assert_int_equal(seg_from_yaml(f, SEG_MEMORY, "unit-resend", yaml), 0);
	struct streams st;
	struct stream_origin o = {0, 0, 0};
	assert_int_equal(streams_init(&st, &f->seg), 0);
	assert_int_equal(streams_intern(&st, "a", &o), 0);
	assert_int_equal(streams_intern(&st, "b", &o), 1);
	assert_int_equal(streams_intern(&st, "c", &o), 2);
	streams_fini(&st);
	tdp_store_i64(&tdp_shm_stream(&f->seg, 0)->newest_t, 100);
	tdp_store_i64(&tdp_shm_stream(&f->seg, 1)->newest_t, 7);
}

static void test_skip(void **state)
{
	(void)state;
	const char *sources[] = {"{type: tcp, port: 7000, format: jsonl}", "{type: udp, port: 7000}",
				 "{type: stdin, resend: skip}"};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		struct seg_fixture f;
		struct resend r;
		segment(&f, sources[i]);
		assert_int_equal(resend_init(&r, &f.seg, &f.cfg.source), 0);
		/* The marks are the times at the start: later times change nothing. */
		tdp_store_i64(&tdp_shm_stream(&f.seg, 0)->newest_t, 500);
		assert_true(resend_seen(&r, 0, true, 100));    /* at the mark */
		assert_true(resend_seen(&r, 0, true, -5));     /* before it */
		assert_true(resend_seen(&r, 0, true, INT64_MIN));
		assert_false(resend_seen(&r, 0, true, 101));   /* after it: new */
		assert_false(resend_seen(&r, 0, true, 400));
		assert_false(resend_seen(&r, 0, false, 3));    /* no event time: never */
		assert_true(resend_seen(&r, 1, true, 7));
		assert_false(resend_seen(&r, 1, true, 8));
		/* c had no time at the start: no mark, whatever the time. */
		assert_false(resend_seen(&r, 2, true, INT64_MIN));
		assert_false(resend_seen(&r, 2, true, 0));
		/* A stream first seen after the start: no mark. */
		assert_false(resend_seen(&r, 3, true, INT64_MIN));
		assert_false(resend_seen(&r, 3, true, 1));
		resend_fini(&r);
		seg_fixture_fini(&f);
	}
}

/* Sources re-read from their committed offset, and resend: keep. */
static void test_never(void **state)
{
	(void)state;
	const char *sources[] = {"{type: file, path: x.csv}", "{type: kafka, brokers: \"b:1\", topics: t}",
				 "{type: tcp, port: 7000, resend: keep}", "{type: stdin, resend: keep}"};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		struct seg_fixture f;
		struct resend r;
		segment(&f, sources[i]);
		assert_int_equal(resend_init(&r, &f.seg, &f.cfg.source), 0);
		assert_false(resend_seen(&r, 0, true, 100));
		assert_false(resend_seen(&r, 0, true, INT64_MIN));
		assert_false(resend_seen(&r, 1, true, 7));
		resend_fini(&r);
		seg_fixture_fini(&f);
	}
}

/* An instance with no stream yet: nothing to skip, nothing allocated. */
static void test_empty(void **state)
{
	(void)state;
	struct seg_fixture f;
	struct resend r;
	assert_int_equal(seg_from_yaml(&f, SEG_MEMORY, "unit-resend", "source: {type: tcp, port: 7000}\n" SCALES), 0);
	assert_int_equal(resend_init(&r, &f.seg, &f.cfg.source), 0);
	assert_null(r.mark);
	assert_false(resend_seen(&r, 0, true, INT64_MIN));
	resend_fini(&r);
	seg_fixture_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
