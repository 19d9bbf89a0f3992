/*
 * test_ingest_time - ingest with event-time windows (ingest/stamp.c,
 * ingest/batch.c, ingest/streams.c) on a real segment: a point gets its
 * time in ns and the timed flag; with a time scale a record without a
 * time is a dead letter, and a point below its stream's watermark (the
 * newest time so far minus lateness, per stream) is a "late" dead letter
 * with its time and the watermark, counted, not stamped; the newest time
 * reaches the stream table only through the batch commit, so an ingest
 * restarted from the commit decides the same; without a time scale
 * nothing of this applies.  Every dead letter is counted once in its
 * class (late, no time, malformed, too long, dimension, too many streams,
 * Kafka: another partition), the classes summing to the total.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomics.h"
#include "ingest/ingest.h"
#include "tests/unit/fixture.h"

#define MS 1000000ll                      /* ns per ms */
#define BASE 1765000000000ll              /* ms: the times of these tests are BASE + x */

static struct seg_fixture fx;
static struct ingest in;
static char dead_path[64];
static uint64_t next_off, next_line;

/* The instance of YAML (source and scales; the dead letters go to a
 * temporary file), and an ingest on it as ingest/main.c sets one up. */
static void open_ingest(const char *yaml)
{
	snprintf(dead_path, sizeof(dead_path), "/tmp/tdp-ingest-time-%d.dead", (int)getpid());
	unlink(dead_path);
	char text[2048];
	snprintf(text, sizeof(text), "%sdead_letter: {type: file, path: %s}\n", yaml, dead_path);
	assert_int_equal(seg_from_yaml(&fx, SEG_MEMORY, "unit-itime", text), 0);
	memset(&in, 0, sizeof(in));
	in.child.seg = fx.seg;
	in.child.cfg = fx.cfg;
	in.child.slot = tdp_shm_proc(&fx.seg, tdp_slot_ingest());
	for (uint32_t s = 0; s < fx.cfg.nscales; s++) {
		in.policy[s] = TDP_OVERFLOW_DROP;
		if (fx.cfg.scales[s].timed && !in.time_scale)
			in.time_scale = fx.cfg.scales[s].name;
	}
	snprintf(in.source_name, sizeof(in.source_name), "stdin");
	in.pending = calloc(fx.seg.hdr->max_streams, sizeof(*in.pending));
	in.pending_newest = calloc(fx.seg.hdr->max_streams, sizeof(*in.pending_newest));
	assert_non_null(in.pending);
	assert_non_null(in.pending_newest);
	assert_int_equal(streams_init(&in.streams, &fx.seg), 0);
	assert_int_equal(dead_sink_open(&in.dead, &in.child), 0);
	next_off = 0;
	next_line = 0;
}

/* A restarted ingest: everything in its memory is gone; it finishes the
 * last commit and cuts the dead letters back to it, and the source
 * resumes at the committed offset. */
static void restart_ingest(void)
{
	dead_sink_close(&in.dead);
	streams_fini(&in.streams);
	memset(in.pending, 0, fx.seg.hdr->max_streams * sizeof(*in.pending));
	memset(in.pending_newest, 0x5a, fx.seg.hdr->max_streams * sizeof(*in.pending_newest));
	in.nbatch = 0;
	in.ntouched = 0;
	const struct tdp_ingest_body *done = TDP_LIVE(tdp_shm_ingest_commit(&fx.seg));
	batch_redo(&fx.seg, done);
	assert_int_equal(streams_init(&in.streams, &fx.seg), 0);
	assert_int_equal(dead_sink_open(&in.dead, &in.child), 0);
	assert_int_equal(dead_sink_resume(&in.dead, done->dead_len), 0);
	next_off = done->resume_off;
	next_line = done->resume_line;
}

static void close_ingest(void)
{
	dead_sink_close(&in.dead);
	streams_fini(&in.streams);
	free(in.pending);
	free(in.pending_newest);
	seg_fixture_fini(&fx);
	unlink(dead_path);
}

/* One JSON Lines record of the source, read as the framer would;
 * returns its offset. */
static uint64_t rec(const char *line)
{
	struct frame f;
	size_t len = strlen(line);
	uint64_t off = next_off;
	framer_decode_message(&in.child.cfg.source, line, len, off, &f);
	f.line = ++next_line;
	next_off += len + 1;
	stamp_record(&in, &f);
	return off;
}

/* {"stream":S,"t":BASE+X,"v":1}; returns its offset. */
static uint64_t point(const char *s, long long x)
{
	char line[128];
	snprintf(line, sizeof(line), "{\"stream\":\"%s\",\"t\":%lld,\"v\":1}", s, BASE + x);
	return rec(line);
}

/* Commit the batch, resuming after the last record read. */
static void flush(void)
{
	batch_flush(&in, next_off, next_line);
}

/* The dead-letter file so far, its lines joined. */
static char *dead_text(void)
{
	assert_int_equal(dead_sink_flush(&in.dead), 0);
	static char buf[8192];
	FILE *fp = fopen(dead_path, "r");
	assert_non_null(fp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* The late letter of point (S, X) at line LINE, offset OFF, watermark W. */
static void late_letter(char *out, size_t cap, const char *s, long long x, long long w, uint64_t off,
			uint64_t line)
{
	snprintf(out, cap,
		 "{\"reason\":\"late\",\"time\":%lld,\"watermark\":%lld,\"source\":\"stdin\",\"offset\":%llu,"
		 "\"line\":%llu,\"record\":\"{\\\"stream\\\":\\\"%s\\\",\\\"t\\\":%lld,\\\"v\\\":1}\","
		 "\"truncated\":false}\n",
		 BASE + x, BASE + w, (unsigned long long)off, (unsigned long long)line, s, BASE + x);
}

/* Ingest's counters of late points and of dead letters; the classes of
 * the dead letters sum to their total, late ones among them. */
static void counts_are(uint64_t late, uint64_t bad)
{
	uint64_t sum = 0;
	for (unsigned k = 0; k < TDP_DEAD_REASONS; k++)
		sum += tdp_load_u64(&in.child.slot->dead[k]);
	assert_int_equal(tdp_load_u64(&in.child.slot->late), late);
	assert_int_equal(tdp_load_u64(&in.child.slot->dead[TDP_DEAD_LATE]), late);
	assert_int_equal(tdp_load_u64(&in.child.slot->bad_records), bad);
	assert_int_equal(sum, bad);
}

static uint64_t dead_count(enum tdp_dead_reason why)
{
	return tdp_load_u64(&in.child.slot->dead[why]);
}

static int64_t stream_newest(const char *name)
{
	int64_t idx = streams_find(&in.streams, name);
	assert_true(idx >= 0);
	return tdp_load_i64(&tdp_shm_stream(&fx.seg, (uint32_t)idx)->newest_t);
}

static const char timed_yaml[] =
	"source: {type: stdin, format: jsonl, time_unit: ms, lateness: 100ms}\n"
	"sink: {type: file, path: /dev/null}\n"
	"max_streams: 8\n"
	"scales:\n"
	"  - {name: pts, complex: sublevel, window: 10, slide: 5}\n"
	"  - {name: sec, complex: sublevel, window: 1s, slide: 500ms, max_window_points: 64}\n";

/* Late points, per stream; the watermark of the batch's own points. */
static void test_late(void **state)
{
	(void)state;
	open_ingest(timed_yaml);
	point("a", 1000);            /* line 1: the first point: no watermark yet */
	point("a", 1200);            /* 2: watermark 1100 */
	uint64_t off3 = point("a", 1050);   /* 3: late */
	point("a", 1100);            /* 4: at the watermark: not late */
	point("b", 0);               /* 5: another stream: its own watermark */
	uint64_t off6 = point("b", -5000);  /* 6: b's watermark is -100: late */
	point("a", 1101);            /* 7 */
	assert_int_equal(in.nbatch, 5);
	for (unsigned i = 0; i < in.nbatch; i++)
		assert_int_equal(in.batch[i].flags, TDP_POINT_TIMED);
	assert_int_equal(in.batch[0].t, (BASE + 1000) * MS);
	assert_int_equal(in.batch[2].seq, 2);        /* the late point took no number */
	assert_int_equal(in.batch[2].t, (BASE + 1100) * MS);
	assert_int_equal(in.batch[3].t, (BASE + 0) * MS);
	/* Nothing reaches the stream table before the commit. */
	assert_int_equal(stream_newest("a"), INT64_MIN);
	flush();
	assert_int_equal(stream_newest("a"), (BASE + 1200) * MS);
	assert_int_equal(stream_newest("b"), (BASE + 0) * MS);
	/* After the commit, the committed newest time sets the watermark. */
	uint64_t off8 = point("a", 1099);   /* 8: late against the committed 1200 */

	char want[2048], l[512];
	want[0] = '\0';
	late_letter(l, sizeof(l), "a", 1050, 1100, off3, 3);
	strcat(want, l);
	late_letter(l, sizeof(l), "b", -5000, -100, off6, 6);
	strcat(want, l);
	late_letter(l, sizeof(l), "a", 1099, 1100, off8, 8);
	strcat(want, l);
	assert_string_equal(dead_text(), want);
	counts_are(3, 3);
	close_ingest();
}

/* With a time scale, a record without a time is a dead letter; the ones
 * whose time cannot be read say why. */
static void test_no_time(void **state)
{
	(void)state;
	open_ingest(timed_yaml);
	rec("{\"stream\":\"a\",\"v\":1}");
	rec("{\"stream\":\"a\",\"t\":\"2026-12-06T03:12:22.125Z\",\"v\":2}");
	rec("{\"stream\":\"a\",\"t\":1e300,\"v\":3}");
	assert_int_equal(in.nbatch, 1);
	assert_int_equal(in.batch[0].t, 1796526742125000000);
	assert_int_equal(in.batch[0].seq, 0);
	assert_string_equal(dead_text(),
			    "{\"reason\":\"no event time: scale \\\"sec\\\" has time windows\",\"source\":\"stdin\","
			    "\"offset\":0,\"line\":1,\"record\":\"{\\\"stream\\\":\\\"a\\\",\\\"v\\\":1}\","
			    "\"truncated\":false}\n"
			    "{\"reason\":\"event time \\\"1e300\\\" ms is beyond ±292 years of nanoseconds around "
			    "1970\",\"source\":\"stdin\",\"offset\":73,\"line\":3,"
			    "\"record\":\"{\\\"stream\\\":\\\"a\\\",\\\"t\\\":1e300,\\\"v\\\":3}\",\"truncated\":false}\n");
	counts_are(0, 2);
	assert_int_equal(dead_count(TDP_DEAD_NO_TIME), 1);
	assert_int_equal(dead_count(TDP_DEAD_MALFORMED), 1);   /* a time that cannot be read */
	close_ingest();
}

/*
 * Killed before its commit, a restarted ingest re-reads the records after
 * it and decides the same: the newest time it starts from is the
 * committed one, not one raised by records it is about to read again.
 */
static void test_restart(void **state)
{
	(void)state;
	open_ingest(timed_yaml);
	point("a", 1000);
	point("a", 1200);
	flush();                     /* committed: newest 1200, watermark 1100 */
	char committed[4096];
	snprintf(committed, sizeof(committed), "%s", dead_text());
	assert_string_equal(committed, "");
	point("a", 1150);            /* not late */
	point("a", 2000);            /* watermark 1900 */
	point("a", 1850);            /* late */
	assert_int_equal(stream_newest("a"), (BASE + 1200) * MS);
	char before[4096];
	snprintf(before, sizeof(before), "%s", dead_text());
	assert_non_null(strstr(before, "\"time\":1765000001850,\"watermark\":1765000001900,"));

	restart_ingest();            /* killed before the commit */
	assert_string_equal(dead_text(), committed);
	assert_int_equal(stream_newest("a"), (BASE + 1200) * MS);
	point("a", 1150);
	point("a", 2000);
	point("a", 1850);
	assert_string_equal(dead_text(), before);
	assert_int_equal(in.nbatch, 2);
	assert_int_equal(in.batch[0].seq, 2);
	assert_int_equal(in.batch[0].t, (BASE + 1150) * MS);
	flush();
	assert_int_equal(stream_newest("a"), (BASE + 2000) * MS);

	/* The commit's redo entries carry the newest time: applying them
	 * again (a restart right after the commit) restores it. */
	int64_t idx = streams_find(&in.streams, "a");
	tdp_store_i64(&tdp_shm_stream(&fx.seg, (uint32_t)idx)->newest_t, INT64_MIN);
	restart_ingest();
	assert_int_equal(stream_newest("a"), (BASE + 2000) * MS);
	close_ingest();
}

/* The watermark is the newest time minus lateness, saturating: a
 * lateness past the range leaves no point late; new streams start with
 * none (INT64_MIN). */
static void test_saturating(void **state)
{
	(void)state;
	open_ingest(timed_yaml);
	rec("{\"stream\":\"n\",\"t\":\"1677-09-21T00:12:44Z\",\"v\":1}");
	assert_int_equal(stream_newest("n"), INT64_MIN);   /* interned, not yet committed */
	rec("{\"stream\":\"n\",\"t\":\"1677-09-21T00:12:43.145224192Z\",\"v\":1}");   /* INT64_MIN ns */
	assert_int_equal(in.nbatch, 1);                    /* below -2^63 + 0.8 s: late */
	in.child.cfg.source.lateness_ns = UINT64_MAX;
	rec("{\"stream\":\"n\",\"t\":\"1677-09-21T00:12:43.145224192Z\",\"v\":1}");
	assert_int_equal(in.nbatch, 2);                    /* no watermark below the range */
	assert_int_equal(in.batch[1].t, INT64_MIN);
	counts_are(1, 1);
	close_ingest();
}

/* Without a time scale: no time needed (t is the sequence number, not
 * flagged), none is ever late, and times are still in ns. */
static void test_count_scales_only(void **state)
{
	(void)state;
	open_ingest("source: {type: stdin, format: jsonl, time_unit: us}\n"
		    "sink: {type: file, path: /dev/null}\n"
		    "max_streams: 8\n"
		    "scales:\n"
		    "  - {name: pts, complex: sublevel, window: 10, slide: 5}\n");
	rec("{\"v\":1}");
	rec("{\"t\":5000000,\"v\":2}");
	rec("{\"t\":1,\"v\":3}");
	rec("{\"v\":4}");
	assert_int_equal(in.nbatch, 4);
	assert_int_equal(in.batch[0].t, 0);
	assert_int_equal(in.batch[0].flags, 0);
	assert_int_equal(in.batch[1].t, 5000000000);
	assert_int_equal(in.batch[1].flags, TDP_POINT_TIMED);
	assert_int_equal(in.batch[2].t, 1000);
	assert_int_equal(in.batch[3].t, 3);
	assert_int_equal(in.batch[3].flags, 0);
	assert_string_equal(dead_text(), "");
	counts_are(0, 0);
	close_ingest();
}

/* Each check of a record counts its dead letter in its own class:
 * malformed, too long, a dimension that is not the stream's, a stream
 * past max_streams. */
static void test_dead_classes(void **state)
{
	(void)state;
	open_ingest("source: {type: stdin, format: jsonl, max_record: 64}\n"
		    "sink: {type: file, path: /dev/null}\n"
		    "max_streams: 2\n"
		    "scales:\n"
		    "  - {name: cloud, complex: rips, window: 10, slide: 5}\n");
	rec("{\"stream\":\"a\",\"v\":[1,2]}");
	rec("{\"stream\":\"a\",\"v\":[1,2,3]}");         /* dimension */
	rec("{\"stream\":\"a\",\"v\":x}");               /* malformed */
	rec("{\"stream\":\"b\",\"v\":[1]}");
	rec("{\"stream\":\"c\",\"v\":[1,2]}");           /* too many streams */
	rec("{\"stream\":\"a\",\"v\":[1.00000000000000000000000000000000000000000000000,2]}");
	rec("{\"stream\":\"b\",\"v\":[1,2]}");           /* dimension */
	assert_int_equal(in.nbatch, 2);
	counts_are(0, 5);
	assert_int_equal(dead_count(TDP_DEAD_DIMENSION), 2);
	assert_int_equal(dead_count(TDP_DEAD_MALFORMED), 1);
	assert_int_equal(dead_count(TDP_DEAD_STREAMS), 1);
	assert_int_equal(dead_count(TDP_DEAD_TOO_LONG), 1);
	close_ingest();
}

/* Kafka: a stream's record from a partition other than its own is a
 * dead letter of class partition. */
static void test_dead_partition(void **state)
{
	(void)state;
	open_ingest("source: {type: stdin, format: jsonl}\n"
		    "sink: {type: file, path: /dev/null}\n"
		    "max_streams: 4\n"
		    "scales:\n"
		    "  - {name: lev, complex: sublevel, window: 10, slide: 5}\n");
	in.kafka = true;   /* the checks of loop_kafka.c's records, without a broker */
	in.kname = calloc(TDP_KAFKA_MAX_PARTS, sizeof(*in.kname));
	assert_non_null(in.kname);
	in.cur_part = 0;
	rec("{\"stream\":\"a\",\"v\":1}");
	in.cur_part = 1;
	rec("{\"stream\":\"a\",\"v\":2}");
	rec("{\"stream\":\"b\",\"v\":3}");   /* new here: its partition is this one */
	assert_int_equal(in.nbatch, 2);
	counts_are(0, 1);
	assert_int_equal(dead_count(TDP_DEAD_PARTITION), 1);
	assert_non_null(strstr(dead_text(), "it cannot also come from another partition"));
	free(in.kname);
	in.kname = NULL;
	in.kafka = false;
	close_ingest();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late),
		cmocka_unit_test(test_no_time),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_saturating),
		cmocka_unit_test(test_count_scales_only),
		cmocka_unit_test(test_dead_classes),
		cmocka_unit_test(test_dead_partition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
