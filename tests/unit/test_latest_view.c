/*
 * test_latest_view - GET /v1/latest (exporter/latest_view.c,
 * exporter/latest_tail.c): the entries are the segment's latest table
 * (bounded, torn slots left out), each with the diagram of the newest
 * result of its stream and scale in the results file and the series of
 * its last windows, oldest first, anomalies where the events file has
 * them; a line still being written is not read; a file that changes is
 * read again; with a sink that is not a JSON Lines file, no diagram and
 * no series.  The answer is JSON (read back by plot's parser).
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
#include <unistd.h>

#include "cli/plot.h"
#include "common/latest.h"
#include "exporter/exporter.h"
#include "exporter/latest_tail.h"
#include "tests/unit/fixture.h"

static char results[128], events[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(struct seg_fixture *fx, const char *sink)
{
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 "source: {type: stdin, format: csv}\n"
		 "sink: %s\n"
		 "events: {type: file, path: %s}\n"
		 "max_streams: 4\n"
		 "metrics: {listen: 127.0.0.1:9464, streams: 2}\n"
		 "scales:\n"
		 "  - {name: lev, complex: sublevel, window: 10, slide: 5, anomaly: {signal: total, history: 3, threshold: 1}}\n"
		 "  - {name: cloud, complex: rips, window: 8, slide: 4, dims: [0, 1]}\n",
		 sink, events);
	return seg_from_yaml(fx, SEG_MEMORY, "unit-latest", yaml);
}

static void set_latest(struct seg_fixture *fx)
{
	struct tdp_shm_header *h = fx->seg.hdr;
	h->nstreams = 3;   /* bounded by the table's 2 streams */
	snprintf(tdp_shm_stream(&fx->seg, 0)->name, TDP_STREAM_NAME_MAX, "a");
	snprintf(tdp_shm_stream(&fx->seg, 1)->name, TDP_STREAM_NAME_MAX, "b");
	snprintf(tdp_shm_stream(&fx->seg, 2)->name, TDP_STREAM_NAME_MAX, "c");
	struct tdp_latest v = {.flags = TDP_LATEST_SET | TDP_LATEST_SCORED, .window = 2, .end = 14, .dims_mask = 1,
			       .count = {1}, .essential = {1}, .total = {0.5}, .score = 2};
	tdp_latest_write(tdp_shm_latest(&fx->seg, 0, 0), &v);
	struct tdp_latest w = {.flags = TDP_LATEST_SET, .window = 7, .end = 99, .dims_mask = 3, .count = {1, 0},
			       .essential = {1, 0}};
	tdp_latest_write(tdp_shm_latest(&fx->seg, 1, 1), &w);
	tdp_latest_write(tdp_shm_latest(&fx->seg, 1, 0), &w);
	tdp_shm_latest(&fx->seg, 1, 0)->seq |= 1;   /* a writer stopped mid-write: left out */
}

/* Render /v1/latest and read it back; the entries in *E. */
static void render(struct seg_fixture *fx, msgpack_zone *z, struct tdp_buf *b, const msgpack_object **e)
{
	tdp_buf_reset(b);
	latest_view_render(b, &fx->seg, &fx->cfg);
	assert_true(tdp_buf_ok(b));
	static msgpack_object o;
	if (!plot_json_parse(b->p, b->len, z, &o))
		fail_msg("not JSON: %.*s", (int)b->len, b->p);
	*e = plot_get(&o, "entries");
	assert_non_null(*e);
	assert_int_equal((*e)->type, MSGPACK_OBJECT_ARRAY);
}

static const char *str(const msgpack_object *o, const char *key)
{
	static char s[64];
	const msgpack_object *v = plot_get(o, key);
	assert_true(v && v->type == MSGPACK_OBJECT_STR && v->via.str.size < sizeof(s));
	memcpy(s, v->via.str.ptr, v->via.str.size);
	s[v->via.str.size] = 0;
	return s;
}

static double num(const msgpack_object *o, const char *key)
{
	double x = NAN;
	plot_number(plot_get(o, key), &x);
	return x;
}

static void test_from_files(void **state)
{
	(void)state;
	struct seg_fixture fx;
	char sink[200];
	snprintf(sink, sizeof(sink), "{type: file, path: %s}", results);
	write_file(results,
		   "{\"v\":1,\"stream\":\"a\",\"scale\":\"lev\",\"window\":0,\"start\":0,\"end\":9,\"diagrams\":{\"0\":[[-1,null],[0,2]]},\"score\":null}\n"
		   "{\"v\":1,\"stream\":\"b\",\"scale\":\"cloud\",\"window\":7,\"start\":0,\"end\":99,\"diagrams\":{\"0\":[[0,null]],\"1\":[]}}\n"
		   "{\"v\":1,\"stream\":\"a\",\"scale\":\"lev\",\"window\":1,\"start\":5,\"end\":14,\"diagrams\":{\"0\":[[-1,null],[0,1]]},\"score\":1.5}\n"
		   "not json\n"
		   "{\"v\":1,\"stream\":\"a\",\"scale\":\"lev\",\"window\":2,\"start\":10,\"end\":19,\"diagrams\":{\"0\":[[-2,null],[0.5,1]]},\"score\":2}\n"
		   "{\"v\":1,\"stream\":\"a\",\"scale\":\"lev\",\"window\":3,\"sta");   /* being written */
	write_file(events, "{\"v\":1,\"type\":\"anomaly\",\"stream\":\"a\",\"scale\":\"lev\",\"window\":1,\"time\":14,\"score\":1.5}\n"
			   "{\"v\":1,\"type\":\"feature_birth\",\"stream\":\"a\",\"scale\":\"lev\",\"window\":2,\"time\":19}\n");
	assert_int_equal(setup(&fx, sink), 0);
	set_latest(&fx);
	msgpack_zone z;
	msgpack_zone_init(&z, 4096);
	struct tdp_buf b;
	tdp_buf_init(&b);
	const msgpack_object *e;
	render(&fx, &z, &b, &e);
	/* a/lev and b/cloud; b/lev torn, c beyond metrics.streams */
	assert_int_equal(e->via.array.size, 2);
	const msgpack_object *a = &e->via.array.ptr[0], *c = &e->via.array.ptr[1];
	assert_string_equal(str(a, "stream"), "a");
	assert_string_equal(str(a, "scale"), "lev");
	assert_string_equal(str(c, "stream"), "b");
	assert_string_equal(str(c, "scale"), "cloud");
	assert_true(num(a, "window") == 2 && num(a, "end") == 19 && num(a, "score") == 2);
	const msgpack_object *d0 = plot_get(plot_get(a, "diagrams"), "0");
	assert_true(d0 && d0->via.array.size == 2);
	assert_true(d0->via.array.ptr[0].via.array.ptr[1].type == MSGPACK_OBJECT_NIL);
	assert_true(d0->via.array.ptr[1].via.array.ptr[0].via.f64 == 0.5);
	const msgpack_object *s = plot_get(a, "series");
	assert_true(s && s->via.array.size == 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_true(num(&s->via.array.ptr[i], "window") == i);
	assert_int_equal(plot_get(&s->via.array.ptr[0], "score")->type, MSGPACK_OBJECT_NIL);
	assert_false(plot_get(&s->via.array.ptr[0], "anomaly")->via.boolean);
	assert_true(plot_get(&s->via.array.ptr[1], "anomaly")->via.boolean);
	assert_false(plot_get(&s->via.array.ptr[2], "anomaly")->via.boolean);   /* a feature event is no anomaly */
	assert_true(num(plot_get(&s->via.array.ptr[0], "total"), "0") == 2);
	assert_true(num(plot_get(&s->via.array.ptr[2], "total"), "0") == 0.5);
	assert_true(plot_get(plot_get(c, "diagrams"), "1")->via.array.size == 0);
	assert_int_equal(plot_get(c, "score")->type, MSGPACK_OBJECT_NIL);

	/* The line being written ends: read again (once the parse is old
	 * enough, LATEST_TAIL_MIN_NS). */
	usleep(600 * 1000);
	FILE *f = fopen(results, "a");
	assert_non_null(f);
	fputs("rt\":15,\"end\":24,\"diagrams\":{\"0\":[[0,null]]},\"score\":-1}\n", f);
	fclose(f);
	render(&fx, &z, &b, &e);
	a = &e->via.array.ptr[0];
	assert_true(num(a, "window") == 3 && num(a, "score") == -1);
	assert_int_equal(plot_get(a, "series")->via.array.size, 4);
	tdp_buf_fini(&b);
	msgpack_zone_destroy(&z);
	seg_fixture_fini(&fx);
}

static void test_other_sink(void **state)
{
	(void)state;
	struct seg_fixture fx;
	assert_int_equal(setup(&fx, "{type: stdout}"), 0);
	set_latest(&fx);
	msgpack_zone z;
	msgpack_zone_init(&z, 4096);
	struct tdp_buf b;
	tdp_buf_init(&b);
	const msgpack_object *e;
	render(&fx, &z, &b, &e);
	assert_int_equal(e->via.array.size, 2);
	const msgpack_object *a = &e->via.array.ptr[0];
	/* The segment's window, end and score; no diagram, no series. */
	assert_true(num(a, "window") == 2 && num(a, "end") == 14 && num(a, "score") == 2);
	assert_true(num(plot_get(a, "betti"), "0") == 1 && num(plot_get(a, "intervals"), "0") == 1);
	assert_int_equal(plot_get(a, "diagrams")->type, MSGPACK_OBJECT_NIL);
	assert_int_equal(plot_get(a, "series")->via.array.size, 0);
	tdp_buf_fini(&b);
	msgpack_zone_destroy(&z);
	seg_fixture_fini(&fx);
}

int main(void)
{
	snprintf(results, sizeof(results), "/tmp/tdp-unit-latest-%d.jsonl", (int)getpid());
	snprintf(events, sizeof(events), "/tmp/tdp-unit-latest-%d-events.jsonl", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_files),
		cmocka_unit_test(test_other_sink),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(results);
	unlink(events);
	return rc;
}
