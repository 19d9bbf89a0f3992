/*
 * test_encode_events.c - encode_events() and the "score" of results
 * (publish/encode_events.c), on result blocks laid out as a scale worker
 * lays them out in its arena: header, intervals, features, then the
 * events section (struct tdp_result_events, the events, the live
 * features that are not published).
 *
 * Checked: every key of tdapipe-events(5) in order; ids with N counted
 * per type within the window; essential deaths and non-finite anomaly
 * numbers null (msgpack nil); signed windows and times in the source's
 * unit for time scales, sequence numbers otherwise; stream names escaped
 * in JSON and byte for byte in msgpack; one msgpack map per event with
 * the JSON line's keys and values; the callback per event; the score of
 * scoring scales' results and the feature ids of tracking scales', and
 * nothing new in other results; a section that does not fit in the block
 * left out.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "publish/encode.h"
#include "publish/encode_events.h"

#define MAX_EV 16

/* A result block: 2 intervals, 1 feature double, the events section. */
union block {
	struct tdp_result r;
	char mem[sizeof(struct tdp_result) + 2 * sizeof(struct tdp_interval) + sizeof(double) +
		 sizeof(struct tdp_result_events) + 2 * MAX_EV * sizeof(struct tdp_event)];
};

/* Fill BLK: header HDR, its two H0 intervals, one feature double (no
 * features config shows it), then the section E with the NEV events EV
 * and NLIVE live features (garbage the encoders must not show). */
static struct tdp_result *make_block(union block *blk, const struct tdp_result *hdr,
				     const struct tdp_result_events *e, const struct tdp_event *ev, uint32_t nev,
				     uint32_t nlive)
{
	assert_true(nev + nlive <= 2 * MAX_EV);
	memset(blk, 0xa5, sizeof(*blk));
	blk->r = *hdr;
	struct tdp_result *r = &blk->r;
	memset(r->count, 0, sizeof(r->count));
	r->dims_mask = 1;
	r->count[0] = 2;
	r->features = 1;
	r->flags |= TDP_RESULT_EVENTS;
	struct tdp_interval *iv = tdp_result_intervals(r);
	iv[0] = (struct tdp_interval){0, 0.5};
	iv[1] = (struct tdp_interval){0, INFINITY};
	*(double *)(iv + 2) = 42;
	struct tdp_result_events *s = (struct tdp_result_events *)tdp_result_events_const(r, 2);
	*s = *e;
	s->nevents = nev;
	s->nlive = nlive;
	struct tdp_event *list = (struct tdp_event *)tdp_result_event_list(s);
	memcpy(list, ev, nev * sizeof(*ev));
	for (uint32_t i = 0; i < nlive; i++)
		list[nev + i] = (struct tdp_event){.feature = 900 + i, .birth = 1, .death = 2, .type = TDP_EVENT_BIRTH};
	r->size = (uint32_t)((const char *)(list + nev + nlive) - (const char *)r);
	return r;
}

static const struct tdp_result count_hdr = {
	.window = 7, .first_seq = 70, .last_seq = 169, .start = 70, .end = 169, .n = 100,
};

/* Deaths, births, updates by dimension and id, then the anomaly. */
static const struct tdp_event some[] = {
	{.feature = 3, .birth = 0.25, .death = 0.75, .type = TDP_EVENT_DEATH, .dim = 1},
	{.feature = 9, .birth = 0, .death = INFINITY, .type = TDP_EVENT_BIRTH, .dim = 0},
	{.feature = 12, .birth = 0.5, .death = 1.25, .type = TDP_EVENT_BIRTH, .dim = 1},
	{.feature = 4, .birth = 0.125, .death = 2, .type = TDP_EVENT_UPDATE, .dim = 1},
	{.feature = 0, .type = TDP_EVENT_ANOMALY, .dim = 1},
};

static const struct tdp_result_events scored = {
	.value = 1.5, .median = 0.25, .mad = 0.0625, .score = 13.480245, .history = 50, .flags = TDP_EVENTS_SCORED,
};

static char *encode_all(const struct tdp_result *r, enum tdp_format fmt, const char *stream, const char *scale,
			enum tdp_time_unit unit, size_t *len, int *n)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "before\n");
	const struct encode_events_ctx ctx = {stream, scale, unit, "wasserstein1"};
	*n = encode_events(&b, fmt, r, &ctx, NULL, NULL);
	assert_true(tdp_buf_ok(&b));
	assert_memory_equal(b.p, "before\n", 7);   /* appended */
	char *out = malloc(b.len - 7 + 1);
	memcpy(out, b.p + 7, b.len - 7);
	out[b.len - 7] = 0;
	*len = b.len - 7;
	tdp_buf_fini(&b);
	return out;
}

static void test_jsonl_events(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result *r = make_block(&blk, &count_hdr, &scored, some, 5, 3);
	size_t len;
	int n;
	char *got = encode_all(r, TDP_FMT_JSONL, "ecg", "beat", TDP_TIME_S, &len, &n);
	assert_int_equal(n, 5);
	assert_string_equal(got,
		"{\"v\":1,\"id\":\"ecg/beat/7/feature_death/0\",\"type\":\"feature_death\",\"stream\":\"ecg\","
		"\"scale\":\"beat\",\"window\":7,\"time\":169,\"dim\":1,\"feature\":3,\"birth\":0.25,\"death\":0.75,"
		"\"persistence\":0.5}\n"
		"{\"v\":1,\"id\":\"ecg/beat/7/feature_birth/0\",\"type\":\"feature_birth\",\"stream\":\"ecg\","
		"\"scale\":\"beat\",\"window\":7,\"time\":169,\"dim\":0,\"feature\":9,\"birth\":0,\"death\":null,"
		"\"persistence\":null}\n"
		"{\"v\":1,\"id\":\"ecg/beat/7/feature_birth/1\",\"type\":\"feature_birth\",\"stream\":\"ecg\","
		"\"scale\":\"beat\",\"window\":7,\"time\":169,\"dim\":1,\"feature\":12,\"birth\":0.5,\"death\":1.25,"
		"\"persistence\":0.75}\n"
		"{\"v\":1,\"id\":\"ecg/beat/7/feature_update/0\",\"type\":\"feature_update\",\"stream\":\"ecg\","
		"\"scale\":\"beat\",\"window\":7,\"time\":169,\"dim\":1,\"feature\":4,\"birth\":0.125,\"death\":2,"
		"\"persistence\":1.875}\n"
		"{\"v\":1,\"id\":\"ecg/beat/7/anomaly/0\",\"type\":\"anomaly\",\"stream\":\"ecg\",\"scale\":\"beat\","
		"\"window\":7,\"time\":169,\"dim\":1,\"signal\":\"wasserstein1\",\"value\":1.5,\"median\":0.25,"
		"\"mad\":0.0625,\"score\":13.480245}\n");
	free(got);
}

/* A time scale's window is signed, its time the end in the source's unit;
 * non-finite anomaly numbers are null; names are escaped. */
static void test_jsonl_time_and_nulls(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result h = count_hdr;
	h.flags = TDP_RESULT_TIME_WINDOW | TDP_RESULT_START_TIMED | TDP_RESULT_END_TIMED;
	h.window = TDP_TIME_WINDOW_BIAS - 3;
	h.start = -4000000;   /* ns */
	h.end = -1500000;
	struct tdp_result_events e = {.value = NAN, .median = NAN, .mad = NAN, .score = -INFINITY,
				      .flags = TDP_EVENTS_SCORED};
	const struct tdp_event ev[] = {{.type = TDP_EVENT_ANOMALY, .dim = 0}};
	struct tdp_result *r = make_block(&blk, &h, &e, ev, 1, 0);
	size_t len;
	int n;
	char *got = encode_all(r, TDP_FMT_JSONL, "a\"b/\x01", "s", TDP_TIME_MS, &len, &n);
	assert_int_equal(n, 1);
	assert_string_equal(got,
		"{\"v\":1,\"id\":\"a\\\"b/\\u0001/s/-3/anomaly/0\",\"type\":\"anomaly\",\"stream\":\"a\\\"b/\\u0001\","
		"\"scale\":\"s\",\"window\":-3,\"time\":-1.5,\"dim\":0,\"signal\":\"wasserstein1\",\"value\":null,"
		"\"median\":null,\"mad\":null,\"score\":null}\n");
	free(got);
}

/* Names longer than ENCODE_ID_SMALL still make whole ids. */
static void test_long_id(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result *r = make_block(&blk, &count_hdr, &scored, some + 1, 2, 0);
	char stream[300];
	memset(stream, 'x', sizeof(stream) - 1);
	stream[sizeof(stream) - 1] = 0;
	size_t len;
	int n;
	char *got = encode_all(r, TDP_FMT_JSONL, stream, "beat", TDP_TIME_S, &len, &n);
	char want[400];
	snprintf(want, sizeof(want), "{\"v\":1,\"id\":\"%s/beat/7/feature_birth/1\"", stream);
	char *second = strchr(got, '\n') + 1;
	assert_memory_equal(second, want, strlen(want));
	free(got);
}

/* msgpack object O's map entry KEY, or NULL. */
static const msgpack_object *mp_get(const msgpack_object *o, const char *key)
{
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		if (k->via.str.size == strlen(key) && !memcmp(k->via.str.ptr, key, k->via.str.size))
			return &o->via.map.ptr[i].val;
	}
	return NULL;
}

static void mp_str_is(const msgpack_object *v, const char *s, size_t n)
{
	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_STR);
	assert_int_equal(v->via.str.size, n);
	assert_memory_equal(v->via.str.ptr, s, n);
}

static void mp_f64_is(const msgpack_object *v, double x)
{
	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_FLOAT64);
	assert_memory_equal(&v->via.f64, &x, sizeof(x));
}

/* The msgpack maps carry the JSON lines' keys in the same order, with
 * ints, float64s and nils; the names byte for byte. */
static void test_msgpack_events(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result h = count_hdr;
	h.flags = TDP_RESULT_TIME_WINDOW | TDP_RESULT_END_TIMED;
	h.window = TDP_TIME_WINDOW_BIAS - 2;
	h.end = -7;   /* ns */
	struct tdp_result_events e = scored;
	e.mad = INFINITY;
	struct tdp_result *r = make_block(&blk, &h, &e, some, 5, 2);
	size_t jlen, mlen;
	int n;
	const char stream[] = "s\"\x01";
	char *json = encode_all(r, TDP_FMT_JSONL, stream, "k", TDP_TIME_NS, &jlen, &n);
	char *mp = encode_all(r, TDP_FMT_MSGPACK, stream, "k", TDP_TIME_NS, &mlen, &n);
	assert_int_equal(n, 5);
	size_t off = 0;
	const char *line = json;
	for (int i = 0; i < 5; i++) {
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		assert_int_equal(msgpack_unpack_next(&u, mp, mlen, &off), MSGPACK_UNPACK_SUCCESS);
		const msgpack_object *o = &u.data;
		assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
		/* the JSON line's keys, in order */
		const char *p = line;
		for (uint32_t k = 0; k < o->via.map.size; k++) {
			const msgpack_object *key = &o->via.map.ptr[k].key;
			char want[32];
			snprintf(want, sizeof(want), "\"%.*s\":", (int)key->via.str.size, key->via.str.ptr);
			p = strstr(p, want);
			assert_non_null(p);
		}
		const char *eol = strchr(line, '\n');
		assert_int_equal(o->via.map.size, i == 4 ? 13 : 12);
		assert_int_equal(mp_get(o, "v")->via.u64, 1);
		assert_int_equal(mp_get(o, "window")->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
		assert_int_equal(mp_get(o, "window")->via.i64, -2);
		assert_int_equal(mp_get(o, "time")->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
		assert_int_equal(mp_get(o, "time")->via.i64, -7);
		mp_str_is(mp_get(o, "stream"), stream, sizeof(stream) - 1);
		mp_str_is(mp_get(o, "type"), tdp_event_name(some[i].type), strlen(tdp_event_name(some[i].type)));
		assert_int_equal(mp_get(o, "dim")->via.u64, some[i].dim);
		if (i == 4) {
			mp_str_is(mp_get(o, "id"), "s\"\x01/k/-2/anomaly/0", 18);
			mp_str_is(mp_get(o, "signal"), "wasserstein1", 12);
			mp_f64_is(mp_get(o, "value"), 1.5);
			mp_f64_is(mp_get(o, "median"), 0.25);
			assert_int_equal(mp_get(o, "mad")->type, MSGPACK_OBJECT_NIL);
			mp_f64_is(mp_get(o, "score"), scored.score);
		} else {
			assert_int_equal(mp_get(o, "feature")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
			assert_int_equal(mp_get(o, "feature")->via.u64, some[i].feature);
			mp_f64_is(mp_get(o, "birth"), some[i].birth);
			if (isinf(some[i].death)) {
				assert_int_equal(mp_get(o, "death")->type, MSGPACK_OBJECT_NIL);
				assert_int_equal(mp_get(o, "persistence")->type, MSGPACK_OBJECT_NIL);
			} else {
				mp_f64_is(mp_get(o, "death"), some[i].death);
				mp_f64_is(mp_get(o, "persistence"), some[i].death - some[i].birth);
			}
		}
		msgpack_unpacked_destroy(&u);
		line = eol + 1;
	}
	assert_int_equal(off, mlen);   /* five maps, nothing else: the live features are not published */
	free(json);
	free(mp);
}

/* The callback sees each event's bytes, and may stop. */
struct seen {
	int calls, stop_at;
	char ids[8][64];
};

static int each(void *arg, struct tdp_buf *b, size_t from, const struct tdp_event *ev)
{
	struct seen *s = arg;
	(void)ev;
	assert_true(b->len > from && b->p[b->len - 1] == '\n');
	assert_null(memchr(b->p + from, '\n', b->len - from - 1));
	const char *id = memmem(b->p + from, b->len - from, "\"id\":\"", 6);
	assert_non_null(id);
	id += 6;
	snprintf(s->ids[s->calls], sizeof(s->ids[0]), "%.*s", (int)(strchr(id, '"') - id), id);
	return ++s->calls == s->stop_at ? -1 : 0;
}

static void test_callback(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result *r = make_block(&blk, &count_hdr, &scored, some, 5, 0);
	const struct encode_events_ctx ctx = {"x", "y", TDP_TIME_S, "count"};
	struct tdp_buf b;
	tdp_buf_init(&b);
	struct seen s = {.stop_at = 0};
	assert_int_equal(encode_events(&b, TDP_FMT_JSONL, r, &ctx, each, &s), 5);
	assert_int_equal(s.calls, 5);
	assert_string_equal(s.ids[0], "x/y/7/feature_death/0");
	assert_string_equal(s.ids[2], "x/y/7/feature_birth/1");
	assert_string_equal(s.ids[4], "x/y/7/anomaly/0");
	s = (struct seen){.stop_at = 2};
	assert_int_equal(encode_events(&b, TDP_FMT_JSONL, r, &ctx, each, &s), -1);
	assert_int_equal(s.calls, 2);
	tdp_buf_fini(&b);
}

static char *result_json(const struct tdp_result *r)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_jsonl(&b, r, "s", "k", TDP_TIME_S, NULL);
	tdp_buf_putc(&b, 0);
	char *out = strdup(b.p);
	tdp_buf_fini(&b);
	return out;
}

/* msgpack result map: its size and last key's value. */
static uint32_t result_msgpack(const struct tdp_result *r, msgpack_object *last, msgpack_unpacked *u,
			       struct tdp_buf *b)
{
	tdp_buf_reset(b);
	encode_result_msgpack(b, r, "s", "k", TDP_TIME_S, NULL);
	assert_int_equal(msgpack_unpack_next(u, b->p, b->len, NULL), MSGPACK_UNPACK_SUCCESS);
	const msgpack_object_map *m = &u->data.via.map;
	*last = m->ptr[m->size - 1].val;
	const msgpack_object *k = &m->ptr[m->size - 1].key;
	if (k->via.str.size != 5 || memcmp(k->via.str.ptr, "score", 5))
		last->type = (msgpack_object_type)-1;   /* not a score */
	return m->size;
}

/* Results of a scoring scale end with "score" (null when not finite);
 * other results, with events or none, are as before. */
static void test_result_score(void **state)
{
	(void)state;
	union block blk;
	struct tdp_result *r = make_block(&blk, &count_hdr, &scored, some, 5, 1);
	const char *head = "{\"v\":1,\"id\":\"s/k/7\",\"stream\":\"s\",\"scale\":\"k\",\"window\":7,\"first_seq\":70,"
			   "\"last_seq\":169,\"start\":70,\"end\":169,\"n\":100,\"diagrams\":{\"0\":[[0,0.5],[0,null]]}";
	char want[512];
	const double scores[] = {13.480245, NAN, INFINITY, -INFINITY, 0, -2.5};
	struct tdp_buf b;
	tdp_buf_init(&b);
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	msgpack_object last;
	for (size_t i = 0; i < sizeof(scores) / sizeof(scores[0]); i++) {
		struct tdp_result_events e = scored;
		e.score = scores[i];
		r = make_block(&blk, &count_hdr, &e, some, 5, 1);
		char num[32];
		snprintf(num, sizeof(num), isfinite(scores[i]) ? "%.17g" : "null", scores[i]);
		if (i == 0)
			snprintf(num, sizeof(num), "13.480245");
		snprintf(want, sizeof(want), "%s,\"score\":%s}\n", head, num);
		char *got = result_json(r);
		assert_string_equal(got, want);
		free(got);
		assert_int_equal(result_msgpack(r, &last, &u, &b), 12);
		if (isfinite(scores[i]))
			mp_f64_is(&last, scores[i]);
		else
			assert_int_equal(last.type, MSGPACK_OBJECT_NIL);
	}
	/* A scale that tracks and does not score: no score. */
	struct tdp_result_events e = scored;
	e.flags = 0;
	r = make_block(&blk, &count_hdr, &e, some, 4, 0);
	snprintf(want, sizeof(want), "%s}\n", head);
	char *got = result_json(r);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(result_msgpack(r, &last, &u, &b), 11);
	/* Without an events section, nor a score (the flag alone says so). */
	r->flags &= ~TDP_RESULT_EVENTS;
	got = result_json(r);
	assert_string_equal(got, want);
	free(got);
	/* A section that does not fit in the block is left out. */
	r = make_block(&blk, &count_hdr, &scored, some, 5, 1);
	r->size -= sizeof(struct tdp_event) + 1;
	got = result_json(r);
	assert_string_equal(got, want);
	free(got);
	size_t len;
	int n;
	got = encode_all(r, TDP_FMT_JSONL, "s", "k", TDP_TIME_S, &len, &n);
	assert_int_equal(n, 0);
	assert_int_equal(len, 0);
	free(got);
	assert_null(encode_events_of(r));
	r->size = (uint32_t)(tdp_result_size(2) + sizeof(double) + sizeof(struct tdp_result_events) - 1);
	assert_null(encode_events_of(r));
	msgpack_unpacked_destroy(&u);
	tdp_buf_fini(&b);
}

/* A tracking scale's results carry the ids of their tracked intervals,
 * aligned with the diagrams; equal intervals take equal features' ids in
 * increasing order; an interval no live feature is, null. */
static void test_feature_ids(void **state)
{
	(void)state;
	union {
		struct tdp_result r;
		char mem[2048];
	} blk;
	memset(&blk, 0, sizeof(blk));
	struct tdp_result *r = &blk.r;
	*r = count_hdr;
	r->dims_mask = 7;
	r->incomplete[2] = TDP_INCOMPLETE_MEMORY_MB;   /* H2: no diagram, no ids */
	r->count[0] = 2;
	r->count[1] = 4;
	r->flags = TDP_RESULT_EVENTS;
	struct tdp_interval *iv = tdp_result_intervals(r);
	const struct tdp_interval ivs[6] = {{0, 0.5}, {0, INFINITY}, {0.25, 0.75}, {0.25, 0.75}, {0.3, 0.4},
					    {0.5, INFINITY}};
	memcpy(iv, ivs, sizeof(ivs));
	struct tdp_result_events *e = (struct tdp_result_events *)tdp_result_events_const(r, 6);
	*e = scored;
	e->nevents = 1;
	e->nlive = 5;
	struct tdp_event *ev = (struct tdp_event *)tdp_result_event_list(e);
	ev[0] = (struct tdp_event){.feature = 77, .birth = 0.25, .death = 0.75, .type = TDP_EVENT_BIRTH, .dim = 1};
	/* live, by dimension and id */
	ev[1] = (struct tdp_event){.feature = 0, .birth = 0, .death = INFINITY, .dim = 0};
	ev[2] = (struct tdp_event){.feature = 2, .birth = 0.25, .death = 0.75, .dim = 1};
	ev[3] = (struct tdp_event){.feature = 5, .birth = 0.25, .death = 0.75, .dim = 1};
	ev[4] = (struct tdp_event){.feature = 9, .birth = 0.5, .death = INFINITY, .dim = 1};
	ev[5] = (struct tdp_event){.feature = 11, .birth = 0.3, .death = 0.45, .dim = 1};   /* no such interval */
	r->size = (uint32_t)((const char *)(ev + 6) - (const char *)r);
	struct tdp_scale_cfg sc = {.dims_mask = 7};
	sc.track = (struct tdp_track_cfg){.on = true, .dims_mask = 2, .min_persistence = 0.1};
	sc.anomaly.on = true;
	const char *head = "{\"v\":1,\"id\":\"s/k/7\",\"stream\":\"s\",\"scale\":\"k\",\"window\":7,\"first_seq\":70,"
			   "\"last_seq\":169,\"start\":70,\"end\":169,\"n\":100,\"incomplete\":{\"2\":\"memory_mb\"},"
			   "\"diagrams\":{\"0\":[[0,0.5],[0,null]],\"1\":[[0.25,0.75],[0.25,0.75],[0.3,0.4],[0.5,null]]}";
	char want[1024];
	struct tdp_buf b;
	tdp_buf_init(&b);
	for (int both = 0; both < 2; both++) {
		sc.track.dims_mask = both ? 7 : 2;
		snprintf(want, sizeof(want), "%s,\"feature_ids\":{%s\"1\":[2,5,null,9]},\"score\":13.480245}\n", head,
			 both ? "\"0\":[null,0]," : "");
		tdp_buf_reset(&b);
		encode_result_jsonl(&b, r, "s", "k", TDP_TIME_S, &sc);
		tdp_buf_putc(&b, 0);
		assert_string_equal(b.p, want);
		/* msgpack: the same map, ids uint, nulls nil, before the score */
		tdp_buf_reset(&b);
		encode_result_msgpack(&b, r, "s", "k", TDP_TIME_S, &sc);
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, NULL), MSGPACK_UNPACK_SUCCESS);
		const msgpack_object *o = &u.data;
		assert_int_equal(o->via.map.size, 14);
		const msgpack_object *ids = &o->via.map.ptr[12].val;
		mp_str_is(&o->via.map.ptr[12].key, "feature_ids", 11);
		assert_int_equal(ids->via.map.size, both ? 2 : 1);
		const msgpack_object *h1 = &ids->via.map.ptr[both].val;
		mp_str_is(&ids->via.map.ptr[both].key, "1", 1);
		assert_int_equal(h1->via.array.size, 4);
		assert_int_equal(h1->via.array.ptr[0].via.u64, 2);
		assert_int_equal(h1->via.array.ptr[1].via.u64, 5);
		assert_int_equal(h1->via.array.ptr[2].type, MSGPACK_OBJECT_NIL);
		assert_int_equal(h1->via.array.ptr[3].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
		assert_int_equal(h1->via.array.ptr[3].via.u64, 9);
		mp_str_is(&o->via.map.ptr[13].key, "score", 5);
		msgpack_unpacked_destroy(&u);
	}
	/* A scale that does not track: no ids; nor without a scale config. */
	sc.track.on = false;
	snprintf(want, sizeof(want), "%s,\"score\":13.480245}\n", head);
	tdp_buf_reset(&b);
	encode_result_jsonl(&b, r, "s", "k", TDP_TIME_S, &sc);
	tdp_buf_putc(&b, 0);
	assert_string_equal(b.p, want);
	tdp_buf_reset(&b);
	encode_result_jsonl(&b, r, "s", "k", TDP_TIME_S, NULL);
	tdp_buf_putc(&b, 0);
	assert_string_equal(b.p, want);
	tdp_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_events),
		cmocka_unit_test(test_jsonl_time_and_nulls),
		cmocka_unit_test(test_long_id),
		cmocka_unit_test(test_msgpack_events),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_result_score),
		cmocka_unit_test(test_feature_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
