/*
 * test_encode.c - encode_result_jsonl() and encode_result_msgpack().
 *
 * Result blocks are built in memory exactly as a scale worker lays them out
 * in its arena (header, then the intervals of every present dimension), so
 * the encoders are tested against the real ABI, not a convenience struct.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/json.h"
#include "common/feature_layout.h"
#include "publish/encode.h"

#define MAX_IV 64

/* A result block with room for MAX_IV intervals, aligned like the arena. */
union block {
	struct tdp_result r;
	char mem[sizeof(struct tdp_result) + MAX_IV * sizeof(struct tdp_interval)];
};

/*
 * Fill BLK with header HDR (size and count[] are taken from NIV below) and
 * the intervals IV: NIV[d] of them for each dimension whose bit is set in
 * hdr->dims_mask, in increasing dimension.  Returns the header.
 */
static const struct tdp_result *make_block(union block *blk, const struct tdp_result *hdr,
					   const uint32_t niv[TDP_MAX_HDIM],
					   const struct tdp_interval *iv)
{
	uint32_t total = 0;
	memset(blk, 0xa5, sizeof(*blk));	/* garbage past the end must not show */
	blk->r = *hdr;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		blk->r.count[d] = (hdr->dims_mask & (1u << d)) ? niv[d] : 0;
		total += blk->r.count[d];
	}
	assert_true(total <= MAX_IV);
	blk->r.size = (uint32_t)tdp_result_size(total);
	if (total)
		memcpy(tdp_result_intervals(&blk->r), iv, total * sizeof(*iv));
	return &blk->r;
}

/* Encode R as JSON, times in UNIT, and compare the whole line with WANT. */
static void expect_jsonl_in(const struct tdp_result *r, const char *stream, const char *scale,
			    enum tdp_time_unit unit, const char *want)
{
	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_jsonl(&b, r, stream, scale, unit, NULL);
	assert_true(tdp_buf_ok(&b));
	tdp_buf_putc(&b, '\0');
	assert_string_equal(b.p, want);
	assert_int_equal(strlen(b.p), b.len - 1);	/* no NUL inside the line */
	tdp_buf_fini(&b);
}

/* expect_jsonl_in with the default time unit, seconds. */
static void expect_jsonl(const struct tdp_result *r, const char *stream, const char *scale,
			 const char *want)
{
	expect_jsonl_in(r, stream, scale, TDP_TIME_S, want);
}

#define TIMED (TDP_RESULT_START_TIMED | TDP_RESULT_END_TIMED)

static const struct tdp_result base = {
	.stream = 0, .scale = 0, .dims_mask = 1,
	.window = 3, .first_seq = 30, .last_seq = 129,
	.start = 30, .end = 129, .n = 100, .lost = 0,
};

static void test_jsonl_basic(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 3 };
	const struct tdp_interval iv[] = {
		{ 0, 0.1 }, { 0.25, 1.5 }, { 0.5, INFINITY },
	};
	struct tdp_result h = base;
	h.flags = TIMED;
	h.start = 100000000;		/* ns: 0.1 s */
	h.end = 12500000000;
	expect_jsonl(make_block(&blk, &h, niv, iv), "ecg", "fast",
		     "{\"v\":1,\"id\":\"ecg/fast/3\",\"stream\":\"ecg\",\"scale\":\"fast\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":0.1,\"end\":12.5,"
		     "\"n\":100,\"diagrams\":{\"0\":[[0,0.1],[0.25,1.5],[0.5,null]]}}\n");
}

/*
 * The features section (publish/encode_features.c): only what the config
 * asks for, a dimension only with its diagram, counts as integers, the
 * distances of a dimension the previous window lacked (NaN) left out, an
 * infinite one null (msgpack: nil), and none at all without
 * TDP_RESULT_DISTANCE (a stream's first window).
 */
static void test_features_section(void **state)
{
	(void)state;
	union {
		struct tdp_result r;
		char mem[sizeof(struct tdp_result) + 4 * sizeof(struct tdp_interval) + 64 * sizeof(double)];
	} blk;
	struct tdp_features_cfg f = {0};
	f.summary = true;
	f.betti = (struct tdp_curve_cfg){ .on = true, .resolution = 2, .range = {0, 1} };
	f.distances = 1u << TDP_DIST_BOTTLENECK | 1u << TDP_DIST_WASSERSTEIN2;
	struct tdp_feature_layout l = tdp_feature_layout(&f);
	assert_int_equal(l.width, 9);
	const struct tdp_scale_cfg sc = {.features = f};
	memset(&blk, 0, sizeof(blk));
	blk.r = base;
	blk.r.dims_mask = 7;              /* H0, H1 and H2 asked for ... */
	blk.r.incomplete[2] = TDP_INCOMPLETE_MEMORY_MB;   /* ... H2 not computed */
	blk.r.count[0] = 2;
	blk.r.count[1] = 1;
	struct tdp_interval *iv = tdp_result_intervals(&blk.r);
	iv[0] = (struct tdp_interval){0, 0.5};
	iv[1] = (struct tdp_interval){0, INFINITY};
	iv[2] = (struct tdp_interval){0.25, 0.75};
	blk.r.features = 27;
	double *x = (double *)(iv + 3);
	const double h0[9] = {1, 1, 0.5, 0.5, 0, 2, 1, 0.25, INFINITY};
	const double h1[9] = {1, 0, 0.5, 0.5, 0, 0, 1, NAN, NAN};
	memcpy(x, h0, sizeof(h0));
	memcpy(x + 9, h1, sizeof(h1));
	blk.r.size = (uint32_t)(tdp_result_size(3) + 27 * sizeof(double));
	const char *head = "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\",\"window\":3,"
			   "\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,\"n\":100,"
			   "\"incomplete\":{\"2\":\"memory_mb\"},\"diagrams\":{\"0\":[[0,0.5],[0,null]],\"1\":[[0.25,0.75]]},"
			   "\"features\":{\"0\":{\"count\":1,\"essential\":1,\"total\":0.5,\"max\":0.5,\"entropy\":0,"
			   "\"betti\":[2,1]},\"1\":{\"count\":1,\"essential\":0,\"total\":0.5,\"max\":0.5,"
			   "\"entropy\":0,\"betti\":[0,1]}}";
	char want[1024];
	for (int with_distance = 0; with_distance < 2; with_distance++) {
		blk.r.flags = with_distance ? TDP_RESULT_DISTANCE : 0;
		snprintf(want, sizeof(want), "%s%s}\n", head,
			 with_distance ? ",\"distance\":{\"0\":{\"bottleneck\":0.25,\"wasserstein2\":null}}" : "");
		struct tdp_buf b;
		tdp_buf_init(&b);
		encode_result_jsonl(&b, &blk.r, "s", "k", TDP_TIME_S, &sc);
		tdp_buf_putc(&b, '\0');
		assert_string_equal(b.p, want);
		/* msgpack: the same keys, the map's size counting them. */
		tdp_buf_reset(&b);
		encode_result_msgpack(&b, &blk.r, "s", "k", TDP_TIME_S, &sc);
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, NULL), MSGPACK_UNPACK_SUCCESS);
		const msgpack_object_map *m = &u.data.via.map;
		const msgpack_object *last = &m->ptr[m->size - 1].key;
		assert_memory_equal(last->via.str.ptr, with_distance ? "distance" : "features", last->via.str.size);
		if (with_distance) {
			const msgpack_object *d0 = &m->ptr[m->size - 1].val.via.map.ptr[0].val;
			assert_int_equal(d0->via.map.size, 2);
			assert_int_equal(d0->via.map.ptr[1].val.type, MSGPACK_OBJECT_NIL);
		}
		msgpack_unpacked_destroy(&u);
		tdp_buf_fini(&b);
	}
	/* A section of another shape than the config's is left out. */
	blk.r.features = 18;
	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_jsonl(&b, &blk.r, "s", "k", TDP_TIME_S, &sc);
	tdp_buf_putc(&b, '\0');
	assert_null(strstr(b.p, "features"));
	tdp_buf_fini(&b);
}

/* Numbers print in the shortest form that parses back to the same double. */
static void test_jsonl_numbers(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 6 };
	const struct tdp_interval iv[] = {
		{ -0.0, 1e-300 },
		{ 1e21, 1e22 },
		{ 2, 1234567 },
		{ 9007199254740992.0, 9007199254740994.0 },	/* 2^53, 2^53 + 2 */
		{ 1.0 / 3, 0.1 + 0.2 },
		{ 5e-324, DBL_MAX },
	};
	struct tdp_result h = base;
	h.flags = TIMED;
	h.start = 0;
	h.end = 10000;			/* ns: times are exact decimals, no exponent */
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":0,\"end\":0.00001,"
		     "\"n\":100,\"diagrams\":{\"0\":["
		     "[-0,1e-300],"
		     "[1e+21,1e+22],"
		     "[2,1234567],"
		     "[9007199254740992,9007199254740994],"
		     "[0.3333333333333333,0.30000000000000004],"
		     "[5e-324,1.7976931348623157e+308]"
		     "]}}\n");
}

/* Present dimensions in increasing order, absent ones skipped, empty []. */
static void test_jsonl_dims(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 2, 7, 0, 1 };	/* H1 absent: its 7 unused */
	const struct tdp_interval iv[] = {
		{ 0, 1 }, { 0, INFINITY },	/* H0 */
		{ 0.5, 0.75 },			/* H3 */
	};
	struct tdp_result h = base;
	h.dims_mask = (1u << 0) | (1u << 2) | (1u << 3);
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"diagrams\":{\"0\":[[0,1],[0,null]],\"2\":[],\"3\":[[0.5,0.75]]}}\n");

	/* H1 alone and empty, though the others' counts are not 0. */
	const uint32_t none[TDP_MAX_HDIM] = { 4, 0, 4, 4 };
	h.dims_mask = 1u << 1;
	expect_jsonl(make_block(&blk, &h, none, NULL), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"diagrams\":{\"1\":[]}}\n");
}

/* With dims_mask 0 diagrams is an empty object. */
static void test_jsonl_no_dims(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 5, 5, 5, 5 };
	struct tdp_result h = base;
	h.dims_mask = 0;
	expect_jsonl(make_block(&blk, &h, niv, NULL), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"diagrams\":{}}\n");
}

/* "lost" right after "n", only when nonzero; seq numbers use all 64 bits. */
static void test_jsonl_lost(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1 };
	const struct tdp_interval iv[] = { { 0, INFINITY } };
	struct tdp_result h = base;
	h.window = UINT64_MAX;
	h.first_seq = UINT64_MAX - 1;
	h.last_seq = UINT64_MAX;
	h.n = 1;
	h.lost = 10;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/18446744073709551615\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":18446744073709551615,\"first_seq\":18446744073709551614,"
		     "\"last_seq\":18446744073709551615,\"start\":30,\"end\":129,"
		     "\"n\":1,\"lost\":10,\"diagrams\":{\"0\":[[0,null]]}}\n");
	/* "refused" (points the scale cannot use) after "lost", only when nonzero */
	h.refused = 4;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/18446744073709551615\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":18446744073709551615,\"first_seq\":18446744073709551614,"
		     "\"last_seq\":18446744073709551615,\"start\":30,\"end\":129,"
		     "\"n\":1,\"lost\":10,\"refused\":4,\"diagrams\":{\"0\":[[0,null]]}}\n");
	h.lost = 0;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/18446744073709551615\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":18446744073709551615,\"first_seq\":18446744073709551614,"
		     "\"last_seq\":18446744073709551615,\"start\":30,\"end\":129,"
		     "\"n\":1,\"refused\":4,\"diagrams\":{\"0\":[[0,null]]}}\n");
	/* Untimed start and end: integers, every digit and the sign of the
	 * extremes (written by hand, not by printf). */
	h.start = INT64_MIN;
	h.end = INT64_MAX;
	h.window = 0;
	h.n = 0;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/0\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":0,\"first_seq\":18446744073709551614,"
		     "\"last_seq\":18446744073709551615,\"start\":-9223372036854775808,"
		     "\"end\":9223372036854775807,"
		     "\"n\":0,\"refused\":4,\"diagrams\":{\"0\":[[0,null]]}}\n");
}

/* "landmarks" and "truncated" follow "lost", each only when nonzero; H1
 * and H2 diagrams follow H0. */
static void test_jsonl_landmarks_truncated(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1, 1, 0 };
	const struct tdp_interval iv[] = { { 0, INFINITY }, { 0.5, 0.75 } };
	struct tdp_result h = base;
	h.dims_mask = 7;
	h.landmarks = 40;
	h.truncated = 3;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"landmarks\":40,\"truncated\":3,"
		     "\"diagrams\":{\"0\":[[0,null]],\"1\":[[0.5,0.75]],\"2\":[]}}\n");
	h.landmarks = 0;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"truncated\":3,"
		     "\"diagrams\":{\"0\":[[0,null]],\"1\":[[0.5,0.75]],\"2\":[]}}\n");
}

/* Dimensions not computed are named under "incomplete", after
 * "truncated", with their reason, and have no entry in "diagrams": a
 * consumer cannot take them for empty diagrams. */
static void test_jsonl_incomplete(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1, 1, 0, 0 };
	const struct tdp_interval iv[] = { { 0, INFINITY }, { 0.5, 0.75 } };
	struct tdp_result h = base;
	h.dims_mask = 0xf;
	h.truncated = 2;
	h.incomplete[2] = TDP_INCOMPLETE_MEMORY_MB;
	h.incomplete[3] = TDP_INCOMPLETE_MEMORY_MB;
	expect_jsonl(make_block(&blk, &h, niv, iv), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"truncated\":2,\"incomplete\":{\"2\":\"memory_mb\",\"3\":\"memory_mb\"},"
		     "\"diagrams\":{\"0\":[[0,null]],\"1\":[[0.5,0.75]]}}\n");
	/* Nothing computed at all: every dimension named, diagrams empty. */
	const uint32_t none[TDP_MAX_HDIM] = { 0 };
	h = base;
	h.dims_mask = 3;
	h.incomplete[0] = h.incomplete[1] = TDP_INCOMPLETE_DISTANCE_RANGE;
	expect_jsonl(make_block(&blk, &h, none, NULL), "s", "k",
		     "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
		     "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"incomplete\":{\"0\":\"distance_range\",\"1\":\"distance_range\"},"
		     "\"diagrams\":{}}\n");
	/* Every reason has its documented name. */
	const char *names[] = { "none", "memory_mb", "out_of_memory", "index_range", "distance_range",
				"invalid_input" };
	for (unsigned w = 0; w < TDP_INCOMPLETE_REASONS; w++)
		assert_string_equal(tdp_incomplete_name(w), names[w]);
}

/* Names are escaped, in the id as well as in their own keys. */
static void test_jsonl_escapes(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	struct tdp_result h = base;
	h.window = 0;
	expect_jsonl(make_block(&blk, &h, niv, NULL), "a\"b\x01" "c\xc3\xa9\xff", "x\\y\n",
		     "{\"v\":1,\"id\":\"a\\\"b\\u0001c\xc3\xa9\\u00ff/x\\\\y\\n/0\","
		     "\"stream\":\"a\\\"b\\u0001c\xc3\xa9\\u00ff\",\"scale\":\"x\\\\y\\n\","
		     "\"window\":0,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		     "\"n\":100,\"diagrams\":{\"0\":[]}}\n");
}

/* An id longer than the on-stack room is built on the heap, intact. */
static void test_jsonl_long_names(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	char stream[301], scale[201], want[1200];
	memset(stream, 's', 300);
	stream[300] = '\0';
	memset(scale, 'k', 200);
	scale[200] = '\0';
	snprintf(want, sizeof(want),
		 "{\"v\":1,\"id\":\"%s/%s/3\",\"stream\":\"%s\",\"scale\":\"%s\","
		 "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		 "\"n\":100,\"diagrams\":{\"0\":[]}}\n", stream, scale, stream, scale);
	expect_jsonl(make_block(&blk, &base, niv, NULL), stream, scale, want);

	/* Exactly at the boundary: id of ENCODE_ID_SMALL - 1 and ENCODE_ID_SMALL bytes. */
	for (size_t len = ENCODE_ID_SMALL - 1; len <= ENCODE_ID_SMALL; len++) {
		char sm[ENCODE_ID_SMALL];
		size_t idlen = 0;
		stream[len - 4] = '\0';		/* "<stream>/k/3" */
		char *id = encode_result_id(sm, &idlen, &blk.r, stream, "k");
		assert_non_null(id);
		assert_int_equal(idlen, len);
		assert_int_equal(strlen(id), len);
		assert_memory_equal(id, stream, len - 4);
		assert_string_equal(id + len - 4, "/k/3");
		if (len < ENCODE_ID_SMALL)
			assert_ptr_equal(id, sm);
		else
			assert_ptr_not_equal(id, sm);
		if (id != sm)
			free(id);
		stream[len - 4] = 's';
	}
}

/* Encoders append: two results make two lines, earlier bytes untouched. */
static void test_jsonl_appends(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	struct tdp_buf b;
	tdp_buf_init(&b);
	tdp_buf_puts(&b, "X");
	const struct tdp_result *r = make_block(&blk, &base, niv, NULL);
	encode_result_jsonl(&b, r, "a", "b", TDP_TIME_S, NULL);
	blk.r.window = 4;
	encode_result_jsonl(&b, r, "a", "b", TDP_TIME_S, NULL);
	tdp_buf_putc(&b, '\0');
	assert_true(tdp_buf_ok(&b));
	assert_string_equal(b.p,
		"X{\"v\":1,\"id\":\"a/b/3\",\"stream\":\"a\",\"scale\":\"b\","
		"\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		"\"n\":100,\"diagrams\":{\"0\":[]}}\n"
		"{\"v\":1,\"id\":\"a/b/4\",\"stream\":\"a\",\"scale\":\"b\","
		"\"window\":4,\"first_seq\":30,\"last_seq\":129,\"start\":30,\"end\":129,"
		"\"n\":100,\"diagrams\":{\"0\":[]}}\n");
	tdp_buf_fini(&b);
}

/* Event times in each unit, exactly: negative, sub-unit, the extremes of
 * int64 and a 2025 time in ns whose 19 digits no double holds. */
static void test_jsonl_time_units(void **state)
{
	(void)state;
	static const struct {
		int64_t ns;
		const char *text[4];	/* s, ms, us, ns */
	} cases[] = {
		{ 1765000000123456789, { "1765000000.123456789", "1765000000123.456789",
					 "1765000000123456.789", "1765000000123456789" } },
		{ -1500000000, { "-1.5", "-1500", "-1500000", "-1500000000" } },
		{ -1, { "-0.000000001", "-0.000001", "-0.001", "-1" } },
		{ 0, { "0", "0", "0", "0" } },
		{ 1000, { "0.000001", "0.001", "1", "1000" } },
		{ INT64_MAX, { "9223372036.854775807", "9223372036854.775807", "9223372036854775.807",
			       "9223372036854775807" } },
		{ INT64_MIN, { "-9223372036.854775808", "-9223372036854.775808", "-9223372036854775.808",
			       "-9223372036854775808" } },
	};
	static const enum tdp_time_unit units[] = { TDP_TIME_S, TDP_TIME_MS, TDP_TIME_US, TDP_TIME_NS };
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (unsigned u = 0; u < 4; u++) {
			struct tdp_result h = base;
			h.flags = TIMED;
			h.start = cases[c].ns;
			h.end = cases[(c + 1) % (sizeof(cases) / sizeof(cases[0]))].ns;
			char want[512];
			snprintf(want, sizeof(want),
				 "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
				 "\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":%s,\"end\":%s,"
				 "\"n\":100,\"diagrams\":{\"0\":[]}}\n", cases[c].text[u],
				 cases[(c + 1) % (sizeof(cases) / sizeof(cases[0]))].text[u]);
			expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "k", units[u], want);
		}
}

/* Each of start and end is a time only when its flag says so; else it is
 * a sequence number, an integer whatever the unit. */
static void test_jsonl_time_flags(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	struct tdp_result h = base;
	h.start = 1500;
	h.end = 2500;
	const char *want[] = { "\"start\":1500,\"end\":2500", "\"start\":1.5,\"end\":2500",
			       "\"start\":1500,\"end\":2.5", "\"start\":1.5,\"end\":2.5" };
	for (uint32_t f = 0; f < 4; f++) {
		h.flags = f;
		char line[512];
		snprintf(line, sizeof(line),
			 "{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
			 "\"window\":3,\"first_seq\":30,\"last_seq\":129,%s,"
			 "\"n\":100,\"diagrams\":{\"0\":[]}}\n", want[f]);
		expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "k", TDP_TIME_US, line);
	}
	/* Sequence numbers past 2^53 stay exact. */
	h.flags = 0;
	h.start = INT64_MAX;
	h.end = (1ll << 53) + 1;
	expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "k", TDP_TIME_S,
			"{\"v\":1,\"id\":\"s/k/3\",\"stream\":\"s\",\"scale\":\"k\","
			"\"window\":3,\"first_seq\":30,\"last_seq\":129,\"start\":9223372036854775807,"
			"\"end\":9007199254740993,\"n\":100,\"diagrams\":{\"0\":[]}}\n");
}

/* A time scale's result: window k signed and unbiased, in the id too;
 * from and to in place of first_seq and last_seq; dropped (never lost)
 * after n, only when nonzero. */
static void test_jsonl_time_window(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1 };
	const struct tdp_interval iv[] = { { 0.5, INFINITY } };
	struct tdp_result h = base;
	h.flags = TIMED | TDP_RESULT_TIME_WINDOW;
	h.window = TDP_TIME_WINDOW_BIAS + 17;
	tdp_result_set_bounds(&h, 1700000000, 2700000000);		/* ms: window 17 of slide 100 ms, window 1 s */
	h.start = 1700000001;
	h.end = 2699999999;
	h.n = 42;
	h.lost = 9;			/* not a time scale's: never shown */
	expect_jsonl_in(make_block(&blk, &h, niv, iv), "ecg", "sec", TDP_TIME_MS,
			"{\"v\":1,\"id\":\"ecg/sec/17\",\"stream\":\"ecg\",\"scale\":\"sec\","
			"\"window\":17,\"from\":1700,\"to\":2700,\"start\":1700.000001,\"end\":2699.999999,"
			"\"n\":42,\"diagrams\":{\"0\":[[0.5,null]]}}\n");
	h.dropped = 5;
	h.landmarks = 40;
	expect_jsonl_in(make_block(&blk, &h, niv, iv), "ecg", "sec", TDP_TIME_S,
			"{\"v\":1,\"id\":\"ecg/sec/17\",\"stream\":\"ecg\",\"scale\":\"sec\","
			"\"window\":17,\"from\":1.7,\"to\":2.7,\"start\":1.700000001,\"end\":2.699999999,"
			"\"n\":42,\"dropped\":5,\"landmarks\":40,\"diagrams\":{\"0\":[[0.5,null]]}}\n");
}

/* Windows before the epoch are negative, their ids too; the extremes of
 * the biased range read back as -2^62 and 2^63 - 1 - 2^62. */
static void test_jsonl_time_window_negative(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	struct tdp_result h = base;
	h.flags = TIMED | TDP_RESULT_TIME_WINDOW;
	h.window = TDP_TIME_WINDOW_BIAS - 3;
	tdp_result_set_bounds(&h, -3000000000, -2000000000);
	h.start = -2999999999;
	h.end = -2000000001;
	h.n = 2;
	expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "t", TDP_TIME_S,
			"{\"v\":1,\"id\":\"s/t/-3\",\"stream\":\"s\",\"scale\":\"t\","
			"\"window\":-3,\"from\":-3,\"to\":-2,\"start\":-2.999999999,\"end\":-2.000000001,"
			"\"n\":2,\"diagrams\":{\"0\":[]}}\n");
	h.window = 0;
	expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "t", TDP_TIME_NS,
			"{\"v\":1,\"id\":\"s/t/-4611686018427387904\",\"stream\":\"s\",\"scale\":\"t\","
			"\"window\":-4611686018427387904,\"from\":-3000000000,\"to\":-2000000000,"
			"\"start\":-2999999999,\"end\":-2000000001,\"n\":2,\"diagrams\":{\"0\":[]}}\n");
	h.window = INT64_MAX;
	tdp_result_set_bounds(&h, INT64_MIN, INT64_MAX);
	expect_jsonl_in(make_block(&blk, &h, niv, NULL), "s", "t", TDP_TIME_US,
			"{\"v\":1,\"id\":\"s/t/4611686018427387903\",\"stream\":\"s\",\"scale\":\"t\","
			"\"window\":4611686018427387903,\"from\":-9223372036854775.808,"
			"\"to\":9223372036854775.807,\"start\":-2999999.999,\"end\":-2000000.001,"
			"\"n\":2,\"diagrams\":{\"0\":[]}}\n");
	/* The id alone, as the Kafka sink's value carries it. */
	char sm[ENCODE_ID_SMALL];
	size_t len;
	h.window = TDP_TIME_WINDOW_BIAS - 1;
	char *id = encode_result_id(sm, &len, make_block(&blk, &h, niv, NULL), "a", "b");
	assert_ptr_equal(id, sm);
	assert_string_equal(id, "a/b/-1");
	assert_int_equal(len, 6);
}

/* xorshift64*: reproducible random bit patterns. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* 10000 random finite doubles (any bit pattern) survive JSON and strtod. */
static void test_double_roundtrip(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct tdp_buf b;
	tdp_buf_init(&b);
	int done = 0;
	while (done < 10000) {
		uint64_t bits = rng_next(&seed), back;
		double x, y;
		memcpy(&x, &bits, sizeof(x));
		if (!isfinite(x))
			continue;
		tdp_buf_reset(&b);
		tdp_json_double(&b, x);
		tdp_buf_putc(&b, '\0');
		assert_true(tdp_buf_ok(&b));
		char *end;
		y = strtod(b.p, &end);
		assert_true(*end == '\0');		/* the whole text is the number */
		assert_null(strpbrk(b.p, "infa"));	/* never inf/nan in JSON */
		memcpy(&back, &y, sizeof(back));
		if (back != bits)
			fail_msg("%016llx printed as %s reads back as %016llx",
				 (unsigned long long)bits, b.p, (unsigned long long)back);
		done++;
	}
	tdp_buf_fini(&b);
}

/* ---- msgpack ---- */

/* The key of KV is the str WANT. */
static void expect_key(const msgpack_object_kv *kv, const char *want)
{
	assert_int_equal(kv->key.type, MSGPACK_OBJECT_STR);
	assert_int_equal(kv->key.via.str.size, strlen(want));
	assert_memory_equal(kv->key.via.str.ptr, want, strlen(want));
}

static void expect_str(const msgpack_object *o, const char *want, size_t len)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_int_equal(o->via.str.size, len);
	assert_memory_equal(o->via.str.ptr, want, len);
}

static void expect_uint(const msgpack_object *o, uint64_t want)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(o->via.u64 == want);
}

/* A float64 (not float32) with exactly the bits of WANT. */
static void expect_f64(const msgpack_object *o, double want)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_FLOAT64);
	assert_memory_equal(&o->via.f64, &want, sizeof(double));
}

/* A start, end, from or to: an event time T (ns) packed in UNIT (an int
 * in ns, else the nearest float64), or a sequence number as a float64. */
static void expect_time(const msgpack_object *o, int64_t t, bool timed, enum tdp_time_unit unit)
{
	if (!timed) {
		expect_f64(o, (double)t);
	} else if (unit != TDP_TIME_NS) {
		expect_f64(o, time_to_double(t, unit));
	} else if (t >= 0) {
		expect_uint(o, (uint64_t)t);
	} else {
		assert_int_equal(o->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
		assert_true(o->via.i64 == t);
	}
}

/* An interval [birth, death]: death +inf must come out as nil. */
static void expect_interval(const msgpack_object *o, struct tdp_interval want)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(o->via.array.size, 2);
	expect_f64(&o->via.array.ptr[0], want.birth);
	if (isinf(want.death))
		assert_int_equal(o->via.array.ptr[1].type, MSGPACK_OBJECT_NIL);
	else
		expect_f64(&o->via.array.ptr[1], want.death);
}

/*
 * Walk the map O and check every key and value against R, STREAM, SCALE
 * and the id WANT_ID, the intervals against IV (the block's own, so a
 * wrong order or a wrong dimension shows).
 */
static void expect_msgpack_result(const msgpack_object *o, const struct tdp_result *r,
				  const char *stream, const char *scale, const char *want_id)
{
	static const char *const keys[] = {
		"v", "id", "stream", "scale", "window", "first_seq", "last_seq",
		"start", "end", "n", "lost", "refused", "diagrams",
	};
	assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
	const msgpack_object_kv *kv = o->via.map.ptr;
	assert_int_equal(o->via.map.size, 11 + !!r->lost + !!r->refused);
	for (unsigned i = 0, k = 0; k < 13; k++) {
		if ((!r->lost && !strcmp(keys[k], "lost")) || (!r->refused && !strcmp(keys[k], "refused")))
			continue;
		expect_key(&kv[i++], keys[k]);
	}
	expect_uint(&kv[0].val, 1);
	expect_str(&kv[1].val, want_id, strlen(want_id));
	expect_str(&kv[2].val, stream, strlen(stream));
	expect_str(&kv[3].val, scale, strlen(scale));
	expect_uint(&kv[4].val, r->window);
	expect_uint(&kv[5].val, r->first_seq);
	expect_uint(&kv[6].val, r->last_seq);
	expect_time(&kv[7].val, r->start, r->flags & TDP_RESULT_START_TIMED, TDP_TIME_S);
	expect_time(&kv[8].val, r->end, r->flags & TDP_RESULT_END_TIMED, TDP_TIME_S);
	expect_uint(&kv[9].val, r->n);
	if (r->lost)
		expect_uint(&kv[10].val, r->lost);
	if (r->refused)
		expect_uint(&kv[10 + !!r->lost].val, r->refused);

	const msgpack_object *dg = &kv[o->via.map.size - 1].val;
	const struct tdp_interval *iv = tdp_result_intervals_const(r);
	assert_int_equal(dg->type, MSGPACK_OBJECT_MAP);
	unsigned j = 0;
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++) {
		if (!(r->dims_mask & (1u << d)))
			continue;
		char key[2] = { (char)('0' + d), '\0' };
		assert_true(j < dg->via.map.size);
		const msgpack_object_kv *e = &dg->via.map.ptr[j++];
		expect_key(e, key);
		assert_int_equal(e->val.type, MSGPACK_OBJECT_ARRAY);
		assert_int_equal(e->val.via.array.size, r->count[d]);
		for (uint32_t i = 0; i < r->count[d]; i++)
			expect_interval(&e->val.via.array.ptr[i], *iv++);
	}
	assert_int_equal(dg->via.map.size, j);
}

static void test_msgpack(void **state)
{
	(void)state;
	union block blk1, blk2;
	const uint32_t niv1[TDP_MAX_HDIM] = { 3, 0, 2 };
	const struct tdp_interval iv1[] = {
		{ -0.0, 0.1 }, { 0, 1e-300 }, { 0, INFINITY },	/* H0 */
		{ 1e21, 5e-324 }, { DBL_MAX, INFINITY },	/* H2 */
	};
	const uint32_t niv2[TDP_MAX_HDIM] = { 0, 1 };
	const struct tdp_interval iv2[] = { { 0.5, INFINITY } };
	struct tdp_result h1 = base, h2 = base;
	h1.dims_mask = (1u << 0) | (1u << 1) | (1u << 2);	/* H1 present but empty */
	h1.flags = TIMED;
	h1.start = 100000000;		/* 0.1 s */
	h1.end = -1500000000;		/* -1.5 s */
	h2.dims_mask = 1u << 1;
	h2.window = UINT64_MAX;
	h2.first_seq = 1u << 31;
	h2.last_seq = 1ull << 40;
	h2.n = 7;
	h2.lost = 93;
	h2.refused = 5;
	const struct tdp_result *r1 = make_block(&blk1, &h1, niv1, iv1);
	const struct tdp_result *r2 = make_block(&blk2, &h2, niv2, iv2);

	/* Two maps, concatenated, exactly as publish writes them. */
	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_msgpack(&b, r1, "ecg", "fast", TDP_TIME_S, NULL);
	encode_result_msgpack(&b, r2, "a\"b\x01", "slow", TDP_TIME_S, NULL);
	assert_true(tdp_buf_ok(&b));

	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	size_t off = 0;
	assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	expect_msgpack_result(&u.data, r1, "ecg", "fast", "ecg/fast/3");
	assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	expect_msgpack_result(&u.data, r2, "a\"b\x01", "slow",
			      "a\"b\x01/slow/18446744073709551615");
	assert_int_equal(off, b.len);	/* nothing after the second map */
	assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, &off), MSGPACK_UNPACK_CONTINUE);
	msgpack_unpacked_destroy(&u);
	tdp_buf_fini(&b);
}

/* msgpack: "incomplete" is a map of dimension to reason, between
 * "truncated" and "diagrams", and the diagrams map leaves them out. */
static void test_msgpack_incomplete(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1, 0, 0, 0 };
	const struct tdp_interval iv[] = { { 0, INFINITY } };
	struct tdp_result h = base;
	h.dims_mask = 0xd;   /* H0, H2, H3 */
	h.incomplete[2] = h.incomplete[3] = TDP_INCOMPLETE_INDEX_RANGE;
	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_msgpack(&b, make_block(&blk, &h, niv, iv), "s", "k", TDP_TIME_S, NULL);
	assert_true(tdp_buf_ok(&b));
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	size_t off = 0;
	assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, b.len);
	const msgpack_object *o = &u.data;
	assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(o->via.map.size, 12);
	const msgpack_object_kv *kv = o->via.map.ptr;
	expect_key(&kv[10], "incomplete");
	assert_int_equal(kv[10].val.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(kv[10].val.via.map.size, 2);
	for (unsigned i = 0; i < 2; i++) {
		const msgpack_object_kv *e = &kv[10].val.via.map.ptr[i];
		expect_key(e, i ? "3" : "2");
		assert_int_equal(e->val.type, MSGPACK_OBJECT_STR);
		assert_int_equal(e->val.via.str.size, strlen("index_range"));
		assert_memory_equal(e->val.via.str.ptr, "index_range", strlen("index_range"));
	}
	expect_key(&kv[11], "diagrams");
	assert_int_equal(kv[11].val.via.map.size, 1);
	expect_key(&kv[11].val.via.map.ptr[0], "0");
	msgpack_unpacked_destroy(&u);
	tdp_buf_fini(&b);
}

/* Unpack the one map in B (nothing after it) into U. */
static const msgpack_object *unpack_one(msgpack_unpacked *u, const struct tdp_buf *b)
{
	size_t off = 0;
	msgpack_unpacked_init(u);
	assert_int_equal(msgpack_unpack_next(u, b->p, b->len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, b->len);
	assert_int_equal(u->data.type, MSGPACK_OBJECT_MAP);
	return &u->data;
}

/* msgpack of a time scale's result: the JSON keys in order, window a
 * signed int, from/to/start/end ints in ns and float64 in other units,
 * dropped a uint; sequence-number starts stay float64. */
static void test_msgpack_time_window(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"v", "id", "stream", "scale", "window", "from", "to", "start", "end", "n", "dropped", "diagrams",
	};
	static const enum tdp_time_unit units[] = { TDP_TIME_S, TDP_TIME_MS, TDP_TIME_US, TDP_TIME_NS };
	static const int64_t ks[] = { -3, 17, -(1ll << 62) };
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 1 };
	const struct tdp_interval iv[] = { { 0.25, INFINITY } };
	for (unsigned u = 0; u < 4; u++)
		for (unsigned w = 0; w < 3; w++) {
			struct tdp_result h = base;
			h.flags = TDP_RESULT_TIME_WINDOW | (w == 1 ? TDP_RESULT_END_TIMED : TIMED);
			h.window = TDP_TIME_WINDOW_BIAS + (uint64_t)ks[w];
			tdp_result_set_bounds(&h, w == 2 ? INT64_MIN : -3000000000, w == 2 ? INT64_MAX : 1765000000123456789);
			h.start = w == 1 ? 12 : -2999999999;	/* w 1: a sequence number */
			h.end = 1765000000123456789;
			h.n = 3;
			h.lost = 7;				/* never shown */
			h.dropped = w == 0 ? 0 : 1000000;
			const struct tdp_result *r = make_block(&blk, &h, niv, iv);
			struct tdp_buf b;
			tdp_buf_init(&b);
			encode_result_msgpack(&b, r, "st", "sc", units[u], NULL);
			assert_true(tdp_buf_ok(&b));
			msgpack_unpacked up;
			const msgpack_object *o = unpack_one(&up, &b);
			const msgpack_object_kv *kv = o->via.map.ptr;
			assert_int_equal(o->via.map.size, h.dropped ? 12 : 11);
			for (unsigned i = 0, k = 0; k < 12; k++) {
				if (!h.dropped && !strcmp(keys[k], "dropped"))
					continue;
				expect_key(&kv[i++], keys[k]);
			}
			char id[64];
			snprintf(id, sizeof(id), "st/sc/%lld", (long long)ks[w]);
			expect_str(&kv[1].val, id, strlen(id));
			if (ks[w] < 0) {
				assert_int_equal(kv[4].val.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
				assert_true(kv[4].val.via.i64 == ks[w]);
			} else {
				expect_uint(&kv[4].val, (uint64_t)ks[w]);
			}
			expect_time(&kv[5].val, h.from, true, units[u]);
			expect_time(&kv[6].val, h.to, true, units[u]);
			expect_time(&kv[7].val, h.start, w != 1, units[u]);
			expect_time(&kv[8].val, h.end, true, units[u]);
			expect_uint(&kv[9].val, 3);
			if (h.dropped)
				expect_uint(&kv[10].val, h.dropped);
			expect_key(&kv[o->via.map.size - 1], "diagrams");
			msgpack_unpacked_destroy(&up);
			tdp_buf_fini(&b);
		}
	/* The values themselves, not only the encoder against itself. */
	assert_true(time_to_double(1765000000123456789, TDP_TIME_S) == 1765000000.123456789);
	assert_true(time_to_double(-2999999999, TDP_TIME_MS) == -2999.999999);
}

/* The msgpack id uses the heap path for long names too. */
static void test_msgpack_long_names(void **state)
{
	(void)state;
	union block blk;
	const uint32_t niv[TDP_MAX_HDIM] = { 0 };
	char stream[301], want[400];
	memset(stream, 's', 300);
	stream[300] = '\0';
	snprintf(want, sizeof(want), "%s/k/3", stream);
	const struct tdp_result *r = make_block(&blk, &base, niv, NULL);

	struct tdp_buf b;
	tdp_buf_init(&b);
	encode_result_msgpack(&b, r, stream, "k", TDP_TIME_S, NULL);
	assert_true(tdp_buf_ok(&b));
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	size_t off = 0;
	assert_int_equal(msgpack_unpack_next(&u, b.p, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	expect_msgpack_result(&u.data, r, stream, "k", want);
	assert_int_equal(off, b.len);
	msgpack_unpacked_destroy(&u);
	tdp_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_basic),
		cmocka_unit_test(test_features_section),
		cmocka_unit_test(test_jsonl_numbers),
		cmocka_unit_test(test_jsonl_dims),
		cmocka_unit_test(test_jsonl_no_dims),
		cmocka_unit_test(test_jsonl_lost),
		cmocka_unit_test(test_jsonl_landmarks_truncated),
		cmocka_unit_test(test_jsonl_incomplete),
		cmocka_unit_test(test_jsonl_escapes),
		cmocka_unit_test(test_jsonl_long_names),
		cmocka_unit_test(test_jsonl_appends),
		cmocka_unit_test(test_jsonl_time_units),
		cmocka_unit_test(test_jsonl_time_flags),
		cmocka_unit_test(test_jsonl_time_window),
		cmocka_unit_test(test_jsonl_time_window_negative),
		cmocka_unit_test(test_double_roundtrip),
		cmocka_unit_test(test_msgpack),
		cmocka_unit_test(test_msgpack_incomplete),
		cmocka_unit_test(test_msgpack_long_names),
		cmocka_unit_test(test_msgpack_time_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
