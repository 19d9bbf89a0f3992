/*
 * test_framer - cutting byte streams into records: lines split across
 * chunks at every position, CRLF, blank lines, header, over-long lines
 * (reported once, truncated, rest skipped), unterminated last line, and
 * msgpack maps split across chunks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <string.h>

#include "ingest/framer.h"

struct got {
	int n, bad;
	double v[64];
	uint64_t line[64], off[64];
	char reason[64][192];
	size_t len[64];
	bool truncated[64];
};

static void collect(void *ctx, struct frame *f)
{
	struct got *g = ctx;
	if (g->n >= 64)
		return;
	g->v[g->n] = f->ok ? f->dec.v[0] : -1;
	g->line[g->n] = f->line;
	g->off[g->n] = f->off;
	g->len[g->n] = f->len;
	g->truncated[g->n] = f->truncated;
	snprintf(g->reason[g->n], sizeof(g->reason[0]), "%s", f->ok ? "" : f->reason);
	g->bad += !f->ok;
	g->n++;
}

static struct tdp_source_cfg csv_cfg(void)
{
	struct tdp_source_cfg c;
	memset(&c, 0, sizeof(c));
	c.format = TDP_FMT_CSV;
	c.stream_column = -1;
	c.time_column = -1;
	c.max_record = 16;
	return c;
}

/* Feed TEXT in chunks of sizes cut at every position pair; the records
 * must not depend on where the chunks were cut. */
static void test_split_everywhere(void **state)
{
	(void)state;
	const char *text = "1\n22\r\n\n3.5\nabc\n4";
	size_t len = strlen(text);
	struct tdp_source_cfg cfg = csv_cfg();
	for (size_t cut = 0; cut <= len; cut++) {
		struct framer fr;
		struct got g = {0};
		framer_init(&fr, &cfg, 0);
		struct source_chunk a = {text, cut, 0, false, 0};
		struct source_chunk b = {text + cut, len - cut, 0, true, cut};
		framer_feed(&fr, &a, collect, &g);
		framer_feed(&fr, &b, collect, &g);
		framer_fini(&fr);
		assert_int_equal(g.n, 5);              /* the blank line is not a record */
		assert_true(g.v[0] == 1 && g.v[1] == 22 && g.v[2] == 3.5 && g.v[4] == 4);
		assert_int_equal(g.bad, 1);            /* abc */
		assert_int_equal(g.line[3], 5);        /* lines count blank ones too */
		assert_int_equal(g.off[3], 11);
		assert_int_equal(g.line[4], 6);        /* unterminated last line still counts */
	}
}

static void test_overlong_reported_once(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	const char *text = "1\n1234567890123456789012345678901234567890\n2\n";
	struct framer fr;
	struct got g = {0};
	framer_init(&fr, &cfg, 0);
	/* in 3-byte chunks: the long line spans many of them */
	size_t len = strlen(text);
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i < 3 ? len - i : 3;
		struct source_chunk c = {text + i, n, 0, i + n == len, i};
		framer_feed(&fr, &c, collect, &g);
	}
	framer_fini(&fr);
	assert_int_equal(g.n, 3);
	assert_true(g.v[0] == 1 && g.v[2] == 2);
	assert_true(g.truncated[1]);
	assert_int_equal(g.len[1], 16);
	assert_int_equal(g.line[1], 2);
	assert_non_null(strstr(g.reason[1], "max_record"));
}

static void test_header_skipped(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.header = true;
	const char *text = "value\n5\n6\n";
	struct framer fr;
	struct got g = {0};
	framer_init(&fr, &cfg, 0);
	struct source_chunk c = {text, strlen(text), 0, true, 0};
	framer_feed(&fr, &c, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 0);
	assert_true(g.v[0] == 5 && g.v[1] == 6);
}

static int sbuf_write(void *data, const char *buf, size_t len)
{
	return msgpack_sbuffer_write(data, buf, len);
}

static void test_msgpack_split(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, sbuf_write);
	for (int i = 0; i < 3; i++) {
		msgpack_pack_map(&pk, 1);
		msgpack_pack_str(&pk, 1);
		msgpack_pack_str_body(&pk, "v", 1);
		msgpack_pack_double(&pk, 10.0 + i);
	}
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.format = TDP_FMT_MSGPACK;
	cfg.max_record = 1024;
	for (size_t cut = 0; cut <= sb.size; cut++) {
		struct framer fr;
		struct got g = {0};
		framer_init(&fr, &cfg, 0);
		struct source_chunk a = {sb.data, cut, 0, false, 0};
		struct source_chunk b = {sb.data + cut, sb.size - cut, 0, true, cut};
		framer_feed(&fr, &a, collect, &g);
		framer_feed(&fr, &b, collect, &g);
		framer_fini(&fr);
		assert_int_equal(g.n, 3);
		assert_int_equal(g.bad, 0);
		assert_true(g.v[0] == 10 && g.v[1] == 11 && g.v[2] == 12);
		assert_int_equal(g.off[2], 2 * (sb.size / 3));
	}
	/* A record cut off by the end of input is reported, not lost. */
	struct framer fr;
	struct got g = {0};
	framer_init(&fr, &cfg, 0);
	struct source_chunk c = {sb.data, sb.size - 2, 0, true, 0};
	framer_feed(&fr, &c, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.bad, 1);
	assert_non_null(strstr(g.reason[2], "truncated"));
	msgpack_sbuffer_destroy(&sb);
}

/* A record that came alone (a Kafka message): one newline may end it, more
 * lines, nothing, too much, or bytes after a msgpack map are reasons. */
static void test_whole_message(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.format = TDP_FMT_JSONL;
	cfg.max_record = 64;
	struct frame f;
	static const struct { const char *text; bool ok; const char *reason; } cases[] = {
		{"{\"v\": 1.5}", true, ""},
		{"{\"v\": 1.5}\r\n", true, ""},
		{"{\"v\": 1}\n{\"v\": 2}", false, "more than one line in one message"},
		{"", false, "empty message"},
		{"\n", false, "empty message"},
		{"{\"v\": \"x\"}", false, NULL},
		{"{\"v\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]}", false,
		 "record longer than max_record (64 bytes)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f, 0xa5, sizeof(f));   /* nothing may be left from before */
		framer_decode_message(&cfg, cases[i].text, strlen(cases[i].text), 42 + i, &f);
		assert_int_equal(f.ok, cases[i].ok);
		assert_int_equal(f.off, 42 + i);
		assert_int_equal(f.line, 0);
		assert_false(f.dec.has_stream);   /* none names a stream; never stale */
		if (cases[i].reason)
			assert_string_equal(f.reason, cases[i].reason);
		if (f.ok)
			assert_true(f.dec.dim == 1 && f.dec.v[0] == 1.5);
	}
	/* msgpack: exactly one map */
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, sbuf_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "v", 1);
	msgpack_pack_double(&pk, 2.5);
	cfg.format = TDP_FMT_MSGPACK;
	framer_decode_message(&cfg, sb.data, sb.size, 7, &f);
	assert_true(f.ok && f.dec.v[0] == 2.5);
	framer_decode_message(&cfg, sb.data, sb.size - 1, 7, &f);
	assert_false(f.ok);
	assert_string_equal(f.reason, "truncated msgpack record");
	msgpack_pack_nil(&pk);
	framer_decode_message(&cfg, sb.data, sb.size, 7, &f);
	assert_false(f.ok);
	assert_string_equal(f.reason, "1 bytes after the msgpack record");
	msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_overlong_reported_once),
		cmocka_unit_test(test_header_skipped),
		cmocka_unit_test(test_msgpack_split),
		cmocka_unit_test(test_whole_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
