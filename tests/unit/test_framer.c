/*
 * test_framer - cutting byte streams into records: lines split across
 * chunks at every position, CRLF, blank lines, header, over-long lines
 * (reported once, truncated, rest skipped), unterminated last line, and
 * msgpack: maps split across chunks, objects longer than max_record passed
 * exactly, bytes that are not msgpack ending the input, the same frames
 * however a stream is cut, and inputs cut short (a connection reset)
 * whose partial record is reported, never decoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/framer.h"

struct got {
	int n, bad;
	double v[64];
	uint64_t line[64], end_line[64], off[64];
	char reason[64][192];
	size_t len[64];
	bool truncated[64], cut[64];
	enum tdp_dead_reason dead[64];   /* a bad record's class */
};

static void collect(void *ctx, struct frame *f)
{
	struct got *g = ctx;
	if (g->n >= 64)
		return;
	g->v[g->n] = f->ok ? f->dec.v[0] : -1;
	g->line[g->n] = f->line;
	g->end_line[g->n] = f->end_line;
	g->off[g->n] = f->off;
	g->len[g->n] = f->len;
	g->truncated[g->n] = f->truncated;
	g->cut[g->n] = f->cut;
	g->dead[g->n] = f->dead;
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
		struct source_chunk a = {text, cut, 0, false, 0, NULL};
		struct source_chunk b = {text + cut, len - cut, 0, true, cut, NULL};
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
		struct source_chunk c = {text + i, n, 0, i + n == len, i, NULL};
		framer_feed(&fr, &c, collect, &g);
	}
	framer_fini(&fr);
	assert_int_equal(g.n, 3);
	assert_true(g.v[0] == 1 && g.v[2] == 2);
	assert_true(g.truncated[1]);
	assert_int_equal(g.len[1], 16);
	assert_int_equal(g.line[1], 2);
	assert_non_null(strstr(g.reason[1], "max_record"));
	assert_int_equal(g.dead[1], TDP_DEAD_TOO_LONG);
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
	struct source_chunk c = {text, strlen(text), 0, true, 0, NULL};
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

/* A csv source with named fields: header, stream, time, values. */
static struct tdp_source_cfg named_cfg(void)
{
	struct tdp_source_cfg c = csv_cfg();
	c.header = true;
	c.max_record = 64;
	c.fields.has_stream = c.fields.has_time = true;
	snprintf(c.fields.stream.name, sizeof(c.fields.stream.name), "sensor");
	snprintf(c.fields.time.name, sizeof(c.fields.time.name), "time");
	c.fields.stream.index = c.fields.time.index = -1;
	c.fields.nvalues = 1;
	snprintf(c.fields.values[0].name, sizeof(c.fields.values[0].name), "value");
	c.fields.values[0].index = -1;
	return c;
}

/* RFC 4180: a newline inside quotes does not end a record, however the
 * input is cut; line numbers count every physical line, a record is
 * named by its first, and the header (itself quoted over two lines)
 * places the columns. */
static void test_csv_quoted_newlines(void **state)
{
	(void)state;
	const char *text = "\"ti\nme\",sensor,value\r\n"                 /* lines 1-2: header, "ti\nme" is no name */
			   "1,\"a,\"\"b\"\"\",1.5\r\n"                      /* line 3 */
			   "2,\"x\ny\",2.5\r\n"                              /* lines 4-5 */
			   "3,s,3.5\n";                                       /* line 6 */
	size_t len = strlen(text);
	struct tdp_source_cfg cfg = named_cfg();
	snprintf(cfg.fields.time.name, sizeof(cfg.fields.time.name), "ti\nme");
	for (size_t cut = 0; cut <= len; cut++) {
		struct framer fr;
		struct got g = {0};
		framer_init(&fr, &cfg, 0);
		struct source_chunk a = {text, cut, 0, false, 0, NULL};
		struct source_chunk b = {text + cut, len - cut, 0, true, cut, NULL};
		framer_feed(&fr, &a, collect, &g);
		framer_feed(&fr, &b, collect, &g);
		framer_fini(&fr);
		assert_int_equal(g.n, 3);
		if (g.bad)
			print_error("cut %zu: %s\n", cut, g.reason[0]);
		assert_int_equal(g.bad, 0);
		assert_true(g.v[0] == 1.5 && g.v[1] == 2.5 && g.v[2] == 3.5);
		assert_int_equal(g.line[0], 3);
		assert_int_equal(g.line[1], 4);
		assert_int_equal(g.end_line[1], 5);   /* where a resumed file goes on counting */
		assert_int_equal(g.line[2], 6);
		assert_int_equal(g.end_line[2], 6);
		assert_int_equal(fr.line, 6);
	}
}

/* A quoted record longer than max_record is reported once, its quoted
 * newlines do not start records, and the lines after it keep their
 * numbers; an unterminated quote at the end of input is a bad record. */
static void test_csv_quoted_overlong(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();   /* max_record 16 */
	cfg.stream_column = 0;
	const char *text = "\"a\n,b\n,c\n,d\n,e\n,f\n,g\",1\n\"s\",2\n\"open,3\n4\n";
	size_t len = strlen(text);
	for (size_t step = 1; step <= len; step++) {
		struct framer fr;
		struct got g = {0};
		framer_init(&fr, &cfg, 0);
		for (size_t i = 0; i < len; i += step) {
			size_t n = len - i < step ? len - i : step;
			struct source_chunk c = {text + i, n, 0, i + n == len, i, NULL};
			framer_feed(&fr, &c, collect, &g);
		}
		framer_fini(&fr);
		assert_int_equal(g.n, 3);
		assert_true(g.truncated[0]);
		assert_int_equal(g.dead[0], TDP_DEAD_TOO_LONG);
		assert_int_equal(g.line[0], 1);
		assert_true(g.v[1] == 2);
		assert_int_equal(g.line[1], 8);
		assert_int_equal(g.line[2], 9);   /* "open,3\n4\n: never closed */
		assert_string_equal(g.reason[2], "column 0: unterminated quoted field");
	}
}

/* Each input maps its own header; one that lacks a configured column
 * makes every record of that input a dead letter naming the column. */
static void test_csv_header_names(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = named_cfg();
	struct framer fr;
	struct got g = {0};
	const char *a = "value,time,sensor\n4.5,1,s\n";
	framer_init(&fr, &cfg, 0);
	struct source_chunk ca = {a, strlen(a), 0, true, 0, NULL};
	framer_feed(&fr, &ca, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.bad, 0);
	assert_true(g.v[0] == 4.5);

	const char *b = "time,sensor,pressure\n1,s,2\n2,s,3\n";
	memset(&g, 0, sizeof(g));
	framer_init(&fr, &cfg, 0);
	struct source_chunk cb = {b, strlen(b), 0, true, 0, NULL};
	framer_feed(&fr, &cb, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.bad, 2);
	assert_string_equal(g.reason[1], "the header has no column \"value\"");

	const char *c = "time,sensor,value,value\n1,s,2,3\n";
	memset(&g, 0, sizeof(g));
	framer_init(&fr, &cfg, 0);
	struct source_chunk cc = {c, strlen(c), 0, true, 0, NULL};
	framer_feed(&fr, &cc, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.bad, 1);
	assert_string_equal(g.reason[0], "the header has column \"value\" 2 times");

	/* Resumed past the header (a restart): the header is given again. */
	const char *d = "sensor,value,time\n\"s,1\",7,1\n\"s,1\",8,2\n";
	const char *rest = strstr(d, "\"s,1\",8");
	memset(&g, 0, sizeof(g));
	framer_init(&fr, &cfg, 2);
	framer_header(&fr, d, strlen(d));
	struct source_chunk cd = {rest, strlen(rest), 0, true, (uint64_t)(rest - d), NULL};
	framer_feed(&fr, &cd, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.bad, 0);
	assert_true(g.v[0] == 8);
	assert_int_equal(g.line[0], 3);
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
		struct source_chunk a = {sb.data, cut, 0, false, 0, NULL};
		struct source_chunk b = {sb.data + cut, sb.size - cut, 0, true, cut, NULL};
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
	struct source_chunk c = {sb.data, sb.size - 2, 0, true, 0, NULL};
	framer_feed(&fr, &c, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.bad, 1);
	assert_non_null(strstr(g.reason[2], "truncated"));
	assert_int_equal(g.dead[2], TDP_DEAD_CUT);   /* its input ended inside it */
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
	static const struct {
		const char *text;
		bool ok;
		const char *reason;
		enum tdp_dead_reason dead;   /* when !ok */
	} cases[] = {
		{"{\"v\": 1.5}", true, "", 0},
		{"{\"v\": 1.5}\r\n", true, "", 0},
		{"{\"v\": 1}\n{\"v\": 2}", false, "more than one line in one message", TDP_DEAD_MALFORMED},
		{"", false, "empty message", TDP_DEAD_MALFORMED},
		{"\n", false, "empty message", TDP_DEAD_MALFORMED},
		{"{\"v\": \"x\"}", false, NULL, TDP_DEAD_MALFORMED},
		{"{\"v\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]}", false,
		 "record longer than max_record (64 bytes)", TDP_DEAD_TOO_LONG},
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
		if (!f.ok)
			assert_int_equal(f.dead, cases[i].dead);
		if (f.ok)
			assert_true(f.dec.dim == 1 && f.dec.v[0] == 1.5);
	}
	/* csv: a line break inside quotes is part of the one record */
	struct tdp_source_cfg csv = csv_cfg();
	csv.stream_column = 0;
	framer_decode_message(&csv, "\"a\nb\",1.5\n", 9, 0, &f);
	assert_true(f.ok);
	assert_string_equal(f.dec.stream, "a\nb");
	framer_decode_message(&csv, "\"a\",1\n\"b\",2", 11, 0, &f);
	assert_false(f.ok);
	assert_string_equal(f.reason, "more than one line in one message");
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
	assert_int_equal(f.dead, TDP_DEAD_CUT);
	msgpack_pack_nil(&pk);
	framer_decode_message(&cfg, sb.data, sb.size, 7, &f);
	assert_false(f.ok);
	assert_string_equal(f.reason, "1 bytes after the msgpack record");
	assert_int_equal(f.dead, TDP_DEAD_MALFORMED);
	msgpack_sbuffer_destroy(&sb);
}

/* ---------------------------------------------------------------- msgpack
 * The framing contract of tdapipe.yaml(5): the next record starts where
 * the last one ended and nowhere else.  A log of every frame, compared as
 * a whole between ways of cutting the same bytes into chunks. */
struct flog {
	size_t n, cap;
	struct fent {
		uint64_t off;
		size_t len;
		bool ok, truncated;
		double v;
		enum tdp_dead_reason dead;
		char reason[192];
	} *e;
	bool rejected;
};

static void flog_add(void *ctx, struct frame *f)
{
	struct flog *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		assert_non_null(l->e);
	}
	struct fent *e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->off = f->off;
	e->len = f->len;
	e->ok = f->ok;
	e->truncated = f->truncated;
	e->dead = f->dead;
	e->v = f->ok ? f->dec.v[0] : 0;
	snprintf(e->reason, sizeof(e->reason), "%s", f->ok ? "" : f->reason);
}

/* Feed BUF (LEN bytes) to a framer of CFG in chunks of random sizes up to
 * MAXCHUNK (0: one chunk), the last one ending the input; a rejection
 * stops the input there, as ingest does.  Returns the framer's last
 * end_off. */
static uint64_t feed_chunked(const struct tdp_source_cfg *cfg, const char *buf, size_t len, size_t maxchunk,
			     unsigned *seed, struct flog *l)
{
	struct framer fr;
	framer_init(&fr, cfg, 0);
	size_t pos = 0;
	for (;;) {
		size_t n = maxchunk ? 1 + (size_t)rand_r(seed) % maxchunk : len;
		if (n > len - pos)
			n = len - pos;
		struct source_chunk c = {buf + pos, n, 0, pos + n == len, pos, NULL};
		framer_feed(&fr, &c, flog_add, l);
		pos += n;
		if (fr.rejected) {
			l->rejected = true;
			framer_reject_until(&fr, len);   /* a file: resumes at its end */
			struct source_chunk e = {"", 0, 0, true, pos, NULL};
			framer_feed(&fr, &e, flog_add, l);
			break;
		}
		if (pos == len)
			break;
	}
	uint64_t end = fr.end_off;
	framer_fini(&fr);
	return end;
}

static void flog_equal(const struct flog *a, const struct flog *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->rejected, b->rejected);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->e[i].off, b->e[i].off);
		assert_int_equal(a->e[i].len, b->e[i].len);
		assert_int_equal(a->e[i].ok, b->e[i].ok);
		assert_int_equal(a->e[i].truncated, b->e[i].truncated);
		assert_true(a->e[i].v == b->e[i].v);
		assert_string_equal(a->e[i].reason, b->e[i].reason);
	}
}

static void pack_point(msgpack_packer *pk, double v)
{
	msgpack_pack_map(pk, 1);
	msgpack_pack_str(pk, 1);
	msgpack_pack_str_body(pk, "v", 1);
	msgpack_pack_double(pk, v);
}

/* A payload of N bytes that repeats {"v": 5} (81 a1 76 05): decoded from
 * anywhere inside, it would be points. */
static void pack_decoy(msgpack_packer *pk, int kind, size_t n)
{
	char *p = malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = "\x81\xa1v\x05"[i % 4];
	if (kind == 0) {
		msgpack_pack_str(pk, (uint32_t)n);
		msgpack_pack_str_body(pk, p, n);
	} else if (kind == 1) {
		msgpack_pack_bin(pk, (uint32_t)n);
		msgpack_pack_bin_body(pk, p, n);
	} else if (kind == 2) {
		msgpack_pack_ext(pk, n, 7);
		msgpack_pack_ext_body(pk, p, n);
	} else {   /* an array of n/4 real point maps: one object, not points */
		msgpack_pack_array(pk, (uint32_t)(n / 4));
		for (size_t i = 0; i < n / 4; i++) {
			msgpack_pack_map(pk, 1);
			msgpack_pack_str(pk, 1);
			msgpack_pack_str_body(pk, "v", 1);
			msgpack_pack_int(pk, 5);
		}
	}
	free(p);
}

/*
 * Issue 16, defect 1: an object longer than max_record (a 3 MB string
 * whose bytes repeat a point map, a bin, an ext, an array of maps) is one
 * dead letter with its exact size, and decoding resumes right after it:
 * only the real points come out, however the bytes are cut.
 */
static void test_msgpack_oversized_skipped_exactly(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, sbuf_write);
	size_t start[4], size[4];
	const size_t n[4] = {3000000, 100000, 70000, 40000};
	pack_point(&pk, 1);
	for (int k = 0; k < 4; k++) {
		start[k] = sb.size;
		pack_decoy(&pk, k, n[k]);
		size[k] = sb.size - start[k];
		pack_point(&pk, 2 + k);
	}
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.format = TDP_FMT_MSGPACK;
	cfg.max_record = 1024;
	unsigned seed = 1;
	struct flog whole = {0};
	assert_int_equal(feed_chunked(&cfg, sb.data, sb.size, 0, &seed, &whole), sb.size);
	assert_int_equal(whole.n, 9);
	for (int k = 0; k < 4; k++) {
		const struct fent *p = &whole.e[2 * k], *d = &whole.e[2 * k + 1];
		char want[192];
		assert_true(p->ok && p->v == 1 + k);
		snprintf(want, sizeof(want), "record of %zu bytes longer than max_record (1024 bytes)", size[k]);
		assert_false(d->ok);
		assert_true(d->truncated);
		assert_int_equal(d->off, start[k]);
		assert_int_equal(d->len, 1024);
		assert_string_equal(d->reason, want);
		assert_int_equal(d->dead, TDP_DEAD_TOO_LONG);
	}
	assert_true(whole.e[8].ok && whole.e[8].v == 5);
	for (size_t maxchunk = 1; maxchunk < 200000; maxchunk = maxchunk * 3 + 1) {
		struct flog cut = {0};
		assert_int_equal(feed_chunked(&cfg, sb.data, sb.size, maxchunk, &seed, &cut), sb.size);
		flog_equal(&cut, &whole);
		free(cut.e);
	}
	free(whole.e);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * Issue 16, defect 2: a byte that cannot start an object (0xc1) between
 * good maps, or inside an object being skipped: the maps before it come
 * out, then one dead letter that says so, and nothing after it is decoded
 * (there is no boundary to resume at); the input is stopped and a
 * restart resumes at its end.
 */
static void test_msgpack_not_msgpack_rejects_rest(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.format = TDP_FMT_MSGPACK;
	cfg.max_record = 1024;
	for (int inside = 0; inside < 2; inside++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		msgpack_packer pk;
		msgpack_packer_init(&pk, &sb, sbuf_write);
		for (int i = 0; i < 3; i++)
			pack_point(&pk, i);
		size_t bad = sb.size;
		if (inside) {   /* an array of 3000 maps, the 2000th broken */
			msgpack_pack_array(&pk, 3000);
			for (int i = 0; i < 3000; i++) {
				if (i == 2000)
					bad = sb.size, msgpack_sbuffer_write(&sb, "\xc1", 1);
				else
					pack_point(&pk, 9);
			}
		} else {
			msgpack_sbuffer_write(&sb, "\xc1", 1);
		}
		for (int i = 0; i < 1000; i++)
			pack_point(&pk, 100 + i);
		unsigned seed = 2;
		struct flog whole = {0};
		assert_int_equal(feed_chunked(&cfg, sb.data, sb.size, 0, &seed, &whole), sb.size);
		assert_true(whole.rejected);
		assert_int_equal(whole.n, 4);
		for (int i = 0; i < 3; i++)
			assert_true(whole.e[i].ok && whole.e[i].v == i);
		char want[192];
		snprintf(want, sizeof(want), "not msgpack: byte 0xc1 at offset %zu cannot start an object; "
			 "nothing after it in this input is decoded", bad);
		assert_false(whole.e[3].ok);
		assert_string_equal(whole.e[3].reason, want);
		assert_int_equal(whole.e[3].dead, TDP_DEAD_MALFORMED);   /* not msgpack, even when too long */
		/* The dead letter is the object holding the byte, from its start
		 * to the byte: the byte alone, or the array's first max_record
		 * bytes (the byte is past them). */
		size_t start = whole.e[2].off + whole.e[2].len;
		assert_int_equal(whole.e[3].off, start);
		assert_int_equal(whole.e[3].len, inside ? cfg.max_record : 1);
		assert_true(whole.e[3].truncated == (inside != 0));
		for (size_t maxchunk = 1; maxchunk < 100000; maxchunk = maxchunk * 5 + 2) {
			struct flog cut = {0};
			feed_chunked(&cfg, sb.data, sb.size, maxchunk, &seed, &cut);
			assert_true(cut.rejected);
			assert_int_equal(cut.n, 4);
			for (int i = 0; i < 3; i++)
				assert_true(cut.e[i].ok && cut.e[i].v == i);
			assert_string_equal(cut.e[3].reason, want);
			/* however the input was cut (the array is being skipped when
			 * its 0xc1 arrives in small reads) */
			assert_int_equal(cut.e[3].off, whole.e[3].off);
			assert_int_equal(cut.e[3].len, whole.e[3].len);
			assert_true(cut.e[3].truncated == whole.e[3].truncated);
			free(cut.e);
		}
		free(whole.e);
		msgpack_sbuffer_destroy(&sb);
	}
}

/*
 * Property: a random stream of good maps, bad maps, objects just under
 * and over max_record and truncated tails gives the same frames however
 * it is cut; every frame's bytes are its own (frames never overlap, and
 * every good one is a whole object at its offset).
 */
static void test_msgpack_any_chunking(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	cfg.format = TDP_FMT_MSGPACK;
	cfg.max_record = 300;
	unsigned seed = 3;
	for (int round = 0; round < 60; round++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		msgpack_packer pk;
		msgpack_packer_init(&pk, &sb, sbuf_write);
		int objs = 1 + rand_r(&seed) % 40;
		for (int i = 0; i < objs; i++) {
			switch (rand_r(&seed) % 6) {
			case 0: case 1: pack_point(&pk, i); break;
			case 2: msgpack_pack_map(&pk, 1); msgpack_pack_str(&pk, 1);
				msgpack_pack_str_body(&pk, "w", 1); msgpack_pack_int(&pk, 1); break;   /* bad key */
			case 3: pack_decoy(&pk, rand_r(&seed) % 4, 200 + (size_t)rand_r(&seed) % 200); break;
			case 4: pack_decoy(&pk, rand_r(&seed) % 4, 1000 + (size_t)rand_r(&seed) % 5000); break;
			default: msgpack_pack_int(&pk, 7); break;   /* not a map */
			}
		}
		size_t len = sb.size - (round % 5 == 0 ? 1 + (size_t)rand_r(&seed) % 3 : 0);   /* cut tail */
		struct flog whole = {0};
		feed_chunked(&cfg, sb.data, len, 0, &seed, &whole);
		uint64_t at = 0;
		for (size_t i = 0; i < whole.n; i++) {
			assert_true(whole.e[i].off >= at);
			at = whole.e[i].off + (whole.e[i].truncated ? 1 : whole.e[i].len);
		}
		for (int k = 0; k < 6; k++) {
			struct flog cut = {0};
			feed_chunked(&cfg, sb.data, len, 1 + (size_t)rand_r(&seed) % 700, &seed, &cut);
			flog_equal(&cut, &whole);
			free(cut.e);
		}
		free(whole.e);
		msgpack_sbuffer_destroy(&sb);
	}
}

/* An input cut short: the partial last record is a bad record saying why
 * (csv "12" of "12345" must not become the point 12), the records before
 * it are fine; the same bytes ended cleanly complete the record. */
static void test_cut_input(void **state)
{
	(void)state;
	struct tdp_source_cfg cfg = csv_cfg();
	for (int cut = 0; cut < 2; cut++) {
		struct framer fr;
		struct got g = {0};
		framer_init(&fr, &cfg, 0);
		struct source_chunk a = {"1.5\n12", 6, 3, false, 0, NULL};
		struct source_chunk e = {"", 0, 3, true, 6, cut ? "the connection was reset by the peer" : NULL};
		framer_feed(&fr, &a, collect, &g);
		framer_feed(&fr, &e, collect, &g);
		framer_fini(&fr);
		assert_int_equal(g.n, 2);
		assert_true(g.v[0] == 1.5);
		if (cut) {
			assert_int_equal(g.bad, 1);
			assert_true(g.cut[1]);
			assert_int_equal(g.off[1], 4);
			assert_int_equal(g.len[1], 2);
			assert_string_equal(g.reason[1], "the connection was reset by the peer inside a record "
							 "(2 bytes of it received)");
			assert_int_equal(g.dead[1], TDP_DEAD_CUT);
		} else {
			assert_int_equal(g.bad, 0);
			assert_true(g.v[1] == 12);
		}
	}
	/* msgpack: {"v": 5} cut after 3 of its 4 bytes */
	struct tdp_source_cfg mcfg = csv_cfg();
	mcfg.format = TDP_FMT_MSGPACK;
	struct framer fr;
	struct got g = {0};
	framer_init(&fr, &mcfg, 0);
	struct source_chunk a = {"\x81\xa1v\x05\x81\xa1v", 7, 1, false, 0, NULL};
	struct source_chunk e = {"", 0, 1, true, 7, "the connection was closed after idle_timeout"};
	framer_feed(&fr, &a, collect, &g);
	framer_feed(&fr, &e, collect, &g);
	framer_fini(&fr);
	assert_int_equal(g.n, 2);
	assert_true(g.v[0] == 5);
	assert_true(g.cut[1]);
	assert_int_equal(g.len[1], 3);
	assert_string_equal(g.reason[1], "the connection was closed after idle_timeout inside a record "
					 "(3 bytes of it received)");
	assert_int_equal(g.dead[1], TDP_DEAD_CUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_overlong_reported_once),
		cmocka_unit_test(test_header_skipped),
		cmocka_unit_test(test_csv_quoted_newlines),
		cmocka_unit_test(test_csv_quoted_overlong),
		cmocka_unit_test(test_csv_header_names),
		cmocka_unit_test(test_msgpack_split),
		cmocka_unit_test(test_whole_message),
		cmocka_unit_test(test_msgpack_oversized_skipped_exactly),
		cmocka_unit_test(test_msgpack_not_msgpack_rejects_rest),
		cmocka_unit_test(test_msgpack_any_chunking),
		cmocka_unit_test(test_cut_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
