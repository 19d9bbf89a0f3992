/*
 * test_config.c - tdp_config_parse() / tdp_config_load() and the helpers.
 *
 * Errors are checked by their exact "config.yaml:LINE:COL: PATH: ..." prefix
 * so a wrong line, column or path fails the test, not just a wrong verdict.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <math.h>

#include "common/config.h"

#define NAME "config.yaml"

static const char demo_text[] =
	"instance: demo\n"
	"source: {type: file, path: samples/ecg.csv, format: csv}  # type: file | stdin | tcp | udp\n"
	"sink: {type: stdout, format: jsonl}\n"
	"dead_letter: {type: file, path: demo-dead-letter.jsonl}\n"
	"scales:\n"
	"  - {name: fast, complex: sublevel, window: 256, slide: 32, dims: [0]}\n"
	"  - {name: cloud, complex: rips, window: 200, slide: 50, dims: [0]}\n"
	"  - {name: delay, complex: rips, window: 300, slide: 100, dims: [0], embed: {dim: 3, lag: 4}}\n";

/* A small valid config; tests append to it or change one line.  Line 5 is
 * the first free line. */
#define BASE                                                   \
	"instance: t\n"                                        \
	"source: {type: file, path: in.csv}\n"                 \
	"scales:\n"                                            \
	"  - {name: a, complex: rips, window: 10, slide: 5}\n"

/* The config struct is large (three paths of 1 KiB): keep it off the stack
 * of each test and give every test a fresh one. */
static int setup(void **state)
{
	*state = malloc(sizeof(struct tdp_config));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int parse(struct tdp_config *cfg, const char *text, char *err, size_t errlen)
{
	return tdp_config_parse(text, strlen(text), NAME, cfg, err, errlen);
}

/* TEXT must fail with a one-line message starting with PREFIX. */
static void check_error_at(struct tdp_config *cfg, const char *text, const char *prefix,
			   const char *file, int line)
{
	char err[512];
	memset(err, 'x', sizeof(err));
	int rc = parse(cfg, text, err, sizeof(err));
	if (rc != -1 || strncmp(err, prefix, strlen(prefix)) || strchr(err, '\n')) {
		print_error("%s:%d: rc %d\n  got:  %s\n  want: %s...\n", file, line, rc,
			    rc ? err : "(success)", prefix);
		fail();
	}
}
#define check_error(cfg, text, prefix) check_error_at(cfg, text, prefix, __FILE__, __LINE__)

/* TEXT must parse. */
static void check_ok_at(struct tdp_config *cfg, const char *text, const char *file, int line)
{
	char err[512] = "";
	if (parse(cfg, text, err, sizeof(err)) != 0) {
		print_error("%s:%d: unexpected error: %s\n", file, line, err);
		fail();
	}
}
#define check_ok(cfg, text) check_ok_at(cfg, text, __FILE__, __LINE__)

/* The values of the demo config, wherever it came from. */
static void check_demo(const struct tdp_config *cfg)
{
	assert_string_equal(cfg->instance, "demo");
	assert_int_equal(cfg->source.type, TDP_SRC_FILE);
	assert_string_equal(cfg->source.path, "samples/ecg.csv");
	assert_int_equal(cfg->source.format, TDP_FMT_CSV);
	assert_int_equal(cfg->source.stream_column, -1);
	assert_int_equal(cfg->source.time_column, -1);
	assert_int_equal(cfg->sink.type, TDP_SINK_STDOUT);
	assert_int_equal(cfg->sink.format, TDP_FMT_JSONL);
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_FILE);
	assert_string_equal(cfg->dead_letter.path, "demo-dead-letter.jsonl");
	assert_int_equal(cfg->dead_letter.format, TDP_FMT_JSONL);
	assert_int_equal(cfg->max_streams, 1024);
	assert_int_equal(cfg->nscales, 3);

	const struct tdp_scale_cfg *s = cfg->scales;
	assert_string_equal(s[0].name, "fast");
	assert_int_equal(s[0].complex, TDP_COMPLEX_SUBLEVEL);
	assert_int_equal(s[0].window, 256);
	assert_int_equal(s[0].slide, 32);
	assert_int_equal(s[0].dims_mask, 1);
	assert_int_equal(s[0].embed_dim, 0);
	assert_string_equal(s[1].name, "cloud");
	assert_int_equal(s[1].complex, TDP_COMPLEX_RIPS);
	assert_int_equal(s[1].window, 200);
	assert_int_equal(s[1].slide, 50);
	assert_int_equal(s[1].embed_dim, 0);
	assert_string_equal(s[2].name, "delay");
	assert_int_equal(s[2].complex, TDP_COMPLEX_RIPS);
	assert_int_equal(s[2].window, 300);
	assert_int_equal(s[2].slide, 100);
	assert_int_equal(s[2].embed_dim, 3);
	assert_int_equal(s[2].embed_lag, 4);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(s[i].ring, 65536);
		assert_false(s[i].overflow_set);
		assert_int_equal(tdp_scale_overflow(cfg, (uint32_t)i), TDP_OVERFLOW_BLOCK);
	}
	assert_true(tdp_scale_needs_scalar(&s[0]));
	assert_false(tdp_scale_needs_scalar(&s[1]));
	assert_true(tdp_scale_needs_scalar(&s[2]));
	assert_int_equal(tdp_config_scale_index(cfg, "cloud"), 1);
	assert_int_equal(tdp_config_scale_index(cfg, "delay"), 2);
	assert_int_equal(tdp_config_scale_index(cfg, "nope"), -1);
}

static void test_demo(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, demo_text);
	check_demo(cfg);
	assert_string_equal(cfg->path, NAME);
}

/* $TDP_ROOT (set by tests/run.sh) or the current directory. */
static const char *repo_file(char *buf, size_t size, const char *rel)
{
	const char *root = getenv("TDP_ROOT");
	snprintf(buf, size, "%s/%s", root && *root ? root : ".", rel);
	return buf;
}

/* The shipped files: demo.yaml is the demo above, example-full.yaml loads. */
static void test_shipped_files(void **state)
{
	struct tdp_config *cfg = *state;
	char path[1024], err[512] = "";

	repo_file(path, sizeof(path), "config/demo.yaml");
	if (tdp_config_load(path, cfg, err, sizeof(err))) {
		print_error("%s\n", err);
		fail();
	}
	check_demo(cfg);
	assert_string_equal(cfg->path, path);

	repo_file(path, sizeof(path), "config/example-full.yaml");
	if (tdp_config_load(path, cfg, err, sizeof(err))) {
		print_error("%s\n", err);
		fail();
	}
	assert_true(cfg->nscales >= 2);
}

static void test_defaults(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE);
	assert_string_equal(cfg->instance, "t");
	assert_int_equal(cfg->source.format, TDP_FMT_CSV);
	assert_string_equal(cfg->source.host, "127.0.0.1");
	assert_int_equal(cfg->source.stream_column, -1);
	assert_int_equal(cfg->source.time_column, -1);
	assert_false(cfg->source.header);
	assert_int_equal(cfg->source.max_record, 65536);
	assert_int_equal(cfg->sink.type, TDP_SINK_STDOUT);
	assert_int_equal(cfg->sink.format, TDP_FMT_JSONL);
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_FILE);
	assert_int_equal(cfg->dead_letter.format, TDP_FMT_JSONL);
	assert_string_equal(cfg->dead_letter.path, "t-dead-letter.jsonl");
	assert_int_equal(cfg->max_streams, 1024);
	assert_int_equal(cfg->supervisor.heartbeat_timeout_ms, 10000);
	assert_int_equal(cfg->supervisor.restart_limit, 5);
	assert_int_equal(cfg->supervisor.restart_window_s, 30);
	assert_int_equal(cfg->supervisor.backoff_min_ms, 100);
	assert_int_equal(cfg->supervisor.backoff_max_ms, 5000);
	assert_int_equal(cfg->nscales, 1);
	assert_int_equal(cfg->scales[0].dims_mask, 1);
	assert_int_equal(cfg->scales[0].ring, 65536);
	assert_int_equal(cfg->scales[0].embed_dim, 0);
	assert_false(cfg->scales[0].overflow_set);
	assert_int_equal(tdp_scale_overflow(cfg, 0), TDP_OVERFLOW_BLOCK);
	assert_true(tdp_source_pausable(&cfg->source));

	/* A udp source cannot pause: the default turns to drop. */
	check_ok(cfg, "instance: u\nsource: {type: udp, port: 9000}\n"
		      "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	assert_int_equal(cfg->source.type, TDP_SRC_UDP);
	assert_int_equal(cfg->source.port, 9000);
	assert_string_equal(cfg->source.host, "127.0.0.1");
	assert_false(tdp_source_pausable(&cfg->source));
	assert_int_equal(tdp_scale_overflow(cfg, 0), TDP_OVERFLOW_DROP);
}

/* Every key set away from its default. */
static void test_every_key(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg,
		 "instance: my.inst-1_x\n"
		 "source:\n"
		 "  type: tcp\n"
		 "  host: 0.0.0.0\n"
		 "  port: 7000\n"
		 "  format: csv\n"
		 "  stream_column: 0\n"
		 "  time_column: 1\n"
		 "  header: true\n"
		 "  max_record: 4096\n"
		 "sink: {type: file, path: out.msgpack, format: msgpack}\n"
		 "dead_letter: {type: stderr, format: jsonl}\n"
		 "max_streams: 1048576\n"
		 "scales:\n"
		 "  - name: s-1\n"
		 "    complex: rips\n"
		 "    window: 16777216\n"
		 "    slide: 1\n"
		 "    dims: [0]\n"
		 "    embed: {dim: 16, lag: 2}\n"
		 "    overflow: drop\n"
		 "    ring: 16\n"
		 "  - {name: s_2, complex: sublevel, window: 1, slide: 16777216, overflow: block,"
		 " ring: 16777216}\n");
	assert_string_equal(cfg->instance, "my.inst-1_x");
	assert_int_equal(cfg->source.type, TDP_SRC_TCP);
	assert_string_equal(cfg->source.host, "0.0.0.0");
	assert_int_equal(cfg->source.port, 7000);
	assert_int_equal(cfg->source.stream_column, 0);
	assert_int_equal(cfg->source.time_column, 1);
	assert_true(cfg->source.header);
	assert_int_equal(cfg->source.max_record, 4096);
	assert_int_equal(cfg->sink.type, TDP_SINK_FILE);
	assert_string_equal(cfg->sink.path, "out.msgpack");
	assert_int_equal(cfg->sink.format, TDP_FMT_MSGPACK);
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_STDERR);
	assert_int_equal(cfg->max_streams, 1048576);
	assert_int_equal(cfg->nscales, 2);
	assert_int_equal(cfg->scales[0].window, 16777216);
	assert_int_equal(cfg->scales[0].embed_dim, 16);
	assert_int_equal(cfg->scales[0].embed_lag, 2);
	assert_true(cfg->scales[0].overflow_set);
	assert_int_equal(tdp_scale_overflow(cfg, 0), TDP_OVERFLOW_DROP);
	assert_int_equal(cfg->scales[0].ring, 16);
	assert_int_equal(cfg->scales[1].complex, TDP_COMPLEX_SUBLEVEL);
	assert_int_equal(cfg->scales[1].slide, 16777216);
	assert_int_equal(tdp_scale_overflow(cfg, 1), TDP_OVERFLOW_BLOCK);
	assert_int_equal(cfg->scales[1].ring, 16777216);
	assert_string_equal(tdp_format_name(TDP_FMT_CSV), "csv");
	assert_string_equal(tdp_format_name(TDP_FMT_JSONL), "jsonl");
	assert_string_equal(tdp_format_name(TDP_FMT_MSGPACK), "msgpack");
	assert_string_equal(tdp_complex_name(TDP_COMPLEX_SUBLEVEL), "sublevel");
	assert_string_equal(tdp_complex_name(TDP_COMPLEX_RIPS), "rips");
}

/* The example of config.h: scales[1].window is -3, the node at 14:9. */
static void test_negative_window_position(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg,
		    "instance: demo\n"				/* 1 */
		    "source:\n"					/* 2 */
		    "  type: file\n"				/* 3 */
		    "  path: samples/ecg.csv\n"			/* 4 */
		    "scales:\n"					/* 5 */
		    "  - name: fast\n"				/* 6 */
		    "    complex: sublevel\n"			/* 7 */
		    "    window: 256\n"				/* 8 */
		    "    slide: 32\n"				/* 9 */
		    "  - name: slow\n"				/* 10 */
		    "    complex: rips\n"			/* 11 */
		    "    slide: 10\n"				/* 12 */
		    "    window:\n"				/* 13 */
		    "        -3\n",				/* 14 */
		    NAME ":14:9: scales[1].window: expected a positive integer, got \"-3\"");
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    slide: 2\n    window: -3\n",
		    NAME ":8:13: scales[1].window: expected a positive integer, got \"-3\"");
}

static void test_unknown_key(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, BASE "verbose: true\n",
		    NAME ":5:1: verbose: unknown key (expected one of: instance, source, sink, "
			 "dead_letter, scales, max_streams, supervisor)");
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    windw: 5\n",
		    NAME ":7:5: scales[1].windw: unknown key (expected one of: name, complex, "
			 "window, slide, dims, embed, overflow, ring, threshold, max_points, memory_mb)");
	check_error(cfg, BASE "sink: {type: stdout, colour: red}\n",
		    NAME ":5:22: sink.colour: unknown key (expected one of: type, format, path)");
	/* Keys that exist, but not for this type or format. */
	check_error(cfg, "instance: t\nsource: {type: file, path: a, port: 80}\n",
		    NAME ":2:31: source.port: unknown key for type file (expected one of: type, "
			 "format, path, stream_column, time_column, header, max_record)");
	check_error(cfg, "instance: t\nsource: {type: tcp, port: 80, path: a}\n",
		    NAME ":2:31: source.path: unknown key for type tcp (expected one of: type, "
			 "format, host, port, stream_column, time_column, header, max_record)");
	check_error(cfg, "instance: t\nsource: {type: stdin, format: jsonl, header: true}\n",
		    NAME ":2:38: source.header: unknown key for format jsonl (expected one of: "
			 "type, format, max_record)");
	check_error(cfg, BASE "sink: {type: stdout, path: x}\n",
		    NAME ":5:22: sink.path: unknown key (expected one of: type, format)");
	check_error(cfg, BASE "dead_letter: {type: stderr, path: x}\n",
		    NAME ":5:29: dead_letter.path: unknown key (expected one of: type, format)");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, embed: {dim: 2, "
			      "lag: 1, tau: 3}}\n",
		    NAME ":5:75: scales[1].embed.tau: unknown key (expected one of: dim, lag)");
}

static void test_duplicate_key(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, BASE "instance: u\n",
		    NAME ":5:1: instance: duplicate key (first given at line 1)");
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    window: 4\n    slide: 2\n"
			      "    window: 5\n",
		    NAME ":9:5: scales[1].window: duplicate key (first given at line 7)");
	check_error(cfg, "instance: t\nsource: {type: file, type: stdin}\n",
		    NAME ":2:22: source.type: duplicate key (first given at line 2)");
}

static void test_missing_required(void **state)
{
	struct tdp_config *cfg = *state;
	/* Points at the mapping that lacks the key. */
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    slide: 2\n",
		    NAME ":5:5: scales[1]: missing required key \"window\"");
	check_error(cfg, "source: {type: stdin}\nscales: [{name: a, complex: rips, window: 1, slide: 1}]\n",
		    NAME ":1:1: missing required key \"instance\"");
	check_error(cfg, "instance: t\nsource: {type: stdin}\n",
		    NAME ":1:1: missing required key \"scales\"");
	check_error(cfg, "instance: t\nscales: [{name: a, complex: rips, window: 1, slide: 1}]\n",
		    NAME ":1:1: missing required key \"source\"");
	check_error(cfg, "instance: t\nsource: {type: file}\n",
		    NAME ":2:9: source: missing required key \"path\"");
	check_error(cfg, "instance: t\nsource:\n  type: udp\n  host: ::1\n",
		    NAME ":3:3: source: missing required key \"port\"");
	check_error(cfg, "instance: t\nsource: {path: x}\n",
		    NAME ":2:9: source: missing required key \"type\"");
	check_error(cfg, BASE "sink: {type: file}\n",
		    NAME ":5:7: sink: missing required key \"path\"");
	check_error(cfg, BASE "dead_letter: {type: file}\n",
		    NAME ":5:14: dead_letter: missing required key \"path\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, embed: {dim: 2}}\n",
		    NAME ":5:58: scales[1].embed: missing required key \"lag\"");
	check_error(cfg, BASE "  - {complex: rips, window: 9, slide: 1}\n",
		    NAME ":5:5: scales[1]: missing required key \"name\"");
}

static void test_wrong_type(void **state)
{
	struct tdp_config *cfg = *state;
	/* A mapping where a scalar belongs, and the other way round. */
	check_error(cfg, BASE "max_streams: {a: 1}\n",
		    NAME ":5:14: max_streams: expected a positive integer, got a mapping");
	check_error(cfg, "instance: [a]\n", NAME ":1:11: instance: expected an instance name");
	check_error(cfg, "instance: t\nsource: file\n",
		    NAME ":2:9: source: expected a mapping with a type, got \"file\"");
	check_error(cfg, "instance: t\nsource: {type: stdin}\nscales: {name: a}\n",
		    NAME ":3:9: scales: expected a list of 1 to 16 scales, got a mapping");
	check_error(cfg, "instance: t\nsource: {type: stdin}\nscales:\n",
		    NAME ":3:8: scales: expected a list of 1 to 16 scales, got \"\"");
	/* Integers are decimal digits and nothing else. */
	static const struct {
		const char *v, *got;
	} bad[] = {
		{ "abc", "\"abc\"" }, { "3.5", "\"3.5\"" }, { "-3", "\"-3\"" },
		{ "0x10", "\"0x10\"" }, { "+3", "\"+3\"" }, { "010", "\"010\"" },
		{ "1e3", "\"1e3\"" }, { "\"30\"", "the quoted string \"30\"" },
		{ "0", "\"0\"" }, { "''", "the quoted string \"\"" },
		{ "99999999999999999999", "\"99999999999999999999\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], want[256];
		snprintf(text, sizeof(text), BASE "max_streams: %s\n", bad[i].v);
		snprintf(want, sizeof(want), NAME ":5:14: max_streams: expected a positive integer%s, got %s",
			 i == 10 ? " no larger than 1048576" : "", bad[i].got);
		check_error(cfg, text, want);
	}
	/* Booleans are true and false. */
	check_error(cfg, "instance: t\nsource: {type: stdin, header: yes}\n",
		    NAME ":2:31: source.header: expected true or false, got \"yes\"");
	check_error(cfg, "instance: t\nsource: {type: stdin, header: \"true\"}\n",
		    NAME ":2:31: source.header: expected true or false, got \"true\"");
	check_error(cfg, "instance: t\nsource: {type: stdin, header: True}\n",
		    NAME ":2:31: source.header: expected true or false, got \"True\"");
	/* Text where text belongs, but not a null or a list. */
	check_error(cfg, "instance: t\nsource: {type: file, path: }\n",
		    NAME ":2:28: source.path: expected a file path, got \"\"");
	check_error(cfg, "instance: t\nsource: {type: file, path: [a]}\n",
		    NAME ":2:28: source.path: expected a file path, got a sequence");
}

static void test_bad_enum(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, "instance: t\nsource: {type: ftp}\n",
		    NAME ":2:16: source.type: expected one of file, stdin, tcp, udp, got \"ftp\"");
	check_error(cfg, "instance: t\nsource: {type: stdin, format: xml}\n",
		    NAME ":2:31: source.format: expected one of csv, jsonl, msgpack, got \"xml\"");
	check_error(cfg, BASE "sink: {type: file, path: o, format: csv}\n",
		    NAME ":5:37: sink.format: expected jsonl or msgpack, got \"csv\"");
	check_error(cfg, BASE "sink: {type: stderr}\n",
		    NAME ":5:14: sink.type: expected stdout or file, got \"stderr\"");
	check_error(cfg, BASE "dead_letter: {type: stdout}\n",
		    NAME ":5:21: dead_letter.type: expected file or stderr, got \"stdout\"");
	check_error(cfg, BASE "dead_letter: {type: stderr, format: msgpack}\n",
		    NAME ":5:37: dead_letter.format: expected jsonl (dead letters are always jsonl), "
			 "got \"msgpack\"");
	check_error(cfg, BASE "  - {name: b, complex: cech, window: 9, slide: 1}\n",
		    NAME ":5:24: scales[1].complex: expected sublevel or rips, got \"cech\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, overflow: wait}\n",
		    NAME ":5:61: scales[1].overflow: expected block or drop, got \"wait\"");
	/* Case matters. */
	check_error(cfg, "instance: t\nsource: {type: File}\n",
		    NAME ":2:16: source.type: expected one of file, stdin, tcp, udp, got \"File\"");
}

static void test_ring(void **state)
{
	struct tdp_config *cfg = *state;
	static const char *const bad[] = { "1000", "8", "33554432", "0", "65535" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], want[256];
		snprintf(text, sizeof(text),
			 BASE "  - {name: b, complex: rips, window: 9, slide: 1, ring: %s}\n", bad[i]);
		snprintf(want, sizeof(want),
			 NAME ":5:57: scales[1].ring: expected a power of two from 16 to 16777216, "
			      "got \"%s\"", bad[i]);
		check_error(cfg, text, want);
	}
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, ring: 1024}\n");
	assert_int_equal(cfg->scales[1].ring, 1024);
}

static void test_embed(void **state)
{
	struct tdp_config *cfg = *state;
	/* (3-1)*4 = 8 leaves no point of a window of 8; one of a window of 9. */
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 8, slide: 1, embed: {dim: 3, lag: 4}}\n",
		    NAME ":5:58: scales[1].embed: expected (dim-1)*lag below the window of 8 points, "
			 "got \"{dim: 3, lag: 4}\"");
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, embed: {dim: 3, lag: 4}}\n");
	assert_int_equal(cfg->scales[1].embed_dim, 3);
	/* The key order must not matter: window after embed. */
	check_error(cfg, BASE "  - {name: b, complex: rips, embed: {dim: 2, lag: 5}, window: 5, slide: 1}\n",
		    NAME ":5:37: scales[1].embed: expected (dim-1)*lag below the window of 5 points");
	check_error(cfg, BASE "  - {name: b, complex: sublevel, window: 9, slide: 1, embed: {dim: 2, lag: 1}}\n",
		    NAME ":5:62: scales[1].embed: expected no embed with complex sublevel");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 99, slide: 1, embed: {dim: 17, lag: 1}}\n",
		    NAME ":5:65: scales[1].embed.dim: expected a positive integer no larger than 16, got \"17\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 99, slide: 1, embed: {dim: 2, lag: 0}}\n",
		    NAME ":5:73: scales[1].embed.lag: expected a positive integer, got \"0\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 99, slide: 1, embed: 3}\n",
		    NAME ":5:59: scales[1].embed: expected a mapping {dim: D, lag: L}, got \"3\"");
}

static void test_dims(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: [0, 1, 2]}\n");
	assert_int_equal(cfg->scales[1].dims_mask, 7);
	assert_int_equal(tdp_scale_maxdim(&cfg->scales[1]), 2);
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: [1]}\n");
	assert_int_equal(cfg->scales[1].dims_mask, 2);
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: [0, 4]}\n",
		    NAME ":5:61: scales[1].dims[1]: expected a list of homology dimensions from 0 to 3, "
			 "got \"4\"");
	check_error(cfg, BASE "  - {name: b, complex: sublevel, window: 9, slide: 1, dims: [0, 1]}\n",
		    NAME ":5:61: scales[1].dims: expected [0] with complex sublevel");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: []}\n",
		    NAME ":5:57: scales[1].dims: expected a list of homology dimensions from 0 to 3, "
			 "got an empty list");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: 0}\n",
		    NAME ":5:57: scales[1].dims: expected a list of homology dimensions");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, dims: [0, 0]}\n",
		    NAME ":5:61: scales[1].dims[1]: expected each dimension at most once, got \"0\"");
}

/* threshold, max_points, memory_mb: rips only, with the memory bound
 * checked at start. */
static void test_rips_bounds(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 500, slide: 1, dims: [0, 1],"
			   " threshold: 0.75, max_points: 100, memory_mb: 64}\n");
	assert_true(cfg->scales[1].threshold == 0.75);
	assert_int_equal(cfg->scales[1].max_points, 100);
	assert_int_equal(tdp_scale_cloud_points(&cfg->scales[1]), 100);
	assert_int_equal(cfg->scales[1].memory_mb, 64);
	assert_true(isinf(cfg->scales[0].threshold));
	assert_int_equal(cfg->scales[0].memory_mb, 1024);
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, threshold: -1}\n",
		    NAME ":5:62: scales[1].threshold: expected a positive finite number, got \"-1\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, threshold: .inf}\n",
		    NAME ":5:62: scales[1].threshold: expected a positive finite number, got \".inf\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, max_points: 1}\n",
		    NAME ":5:63: scales[1].max_points: expected an integer from 2 to 16777216, got \"1\"");
	check_error(cfg, BASE "  - {name: b, complex: sublevel, window: 9, slide: 1, threshold: 2}\n",
		    NAME ":5:55: scales[1].threshold: expected no threshold with complex sublevel");
	/* H2 of 5000 points cannot fit 1 GiB: refused at start with the reason */
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 5000, slide: 1, dims: [0, 1, 2]}\n",
		    NAME ":5:5: scales[1]: H0..H2 of up to 5000 points may need");
	/* ... but fine with landmarks */
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 5000, slide: 1, dims: [0, 1, 2], max_points: 200}\n");
	/* H0 alone uses the O(n) spanning tree: a large window is fine */
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 1000000, slide: 1000}\n");
}

static void test_names_and_ranges(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, "instance: a/b\n",
		    NAME ":1:11: instance: expected an instance name of 1 to 31 characters from "
			 "[A-Za-z0-9_.-], got \"a/b\"");
	check_error(cfg, "instance: abcdefghijabcdefghijabcdefghij12\n",	/* 32 */
		    NAME ":1:11: instance: expected an instance name");
	check_ok(cfg, "instance: abcdefghijabcdefghijabcdefghij1\nsource: {type: stdin}\n"
		      "scales: [{name: a, complex: rips, window: 1, slide: 1}]\n");
	check_error(cfg, BASE "  - {name: a.b, complex: rips, window: 9, slide: 1}\n",
		    NAME ":5:12: scales[1].name: expected a scale name of 1 to 31 characters from "
			 "[A-Za-z0-9_-], got \"a.b\"");
	check_error(cfg, BASE "  - {name: a, complex: rips, window: 9, slide: 1}\n",
		    NAME ":5:12: scales[1].name: expected a name not used by scales[0], got \"a\"");
	check_error(cfg, "instance: t\nsource: {type: tcp, port: 0}\n",
		    NAME ":2:27: source.port: expected a positive integer, got \"0\"");
	check_error(cfg, "instance: t\nsource: {type: tcp, port: 65536}\n",
		    NAME ":2:27: source.port: expected a positive integer no larger than 65535, got \"65536\"");
	check_error(cfg, BASE "max_streams: 1048577\n",
		    NAME ":5:14: max_streams: expected a positive integer no larger than 1048576");
	check_error(cfg, "instance: t\nsource: {type: stdin, max_record: 15}\n",
		    NAME ":2:35: source.max_record: expected an integer from 16 to 16777216, got \"15\"");
	check_error(cfg, "instance: t\nsource: {type: stdin, stream_column: 2, time_column: 2}\n",
		    NAME ":2:54: source.time_column: expected a column other than stream_column (2), got \"2\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 16777217, slide: 1}\n",
		    NAME ":5:38: scales[1].window: expected a positive integer no larger than 16777216");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 0}\n",
		    NAME ":5:48: scales[1].slide: expected a positive integer, got \"0\"");
	check_error(cfg, "instance: t\nsource: {type: stdin}\nscales: []\n",
		    NAME ":3:9: scales: expected a list of 1 to 16 scales, got an empty list");

	/* 17 scales: the 17th is refused where it stands. */
	char text[2048];
	size_t o = (size_t)snprintf(text, sizeof(text), "instance: t\nsource: {type: stdin}\nscales:\n");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "  - {name: s%d, complex: rips, window: 2, slide: 1}\n", i);
	check_error(cfg, text, NAME ":20:5: scales[16]: expected at most 16 scales, got 17");
	/* 16 is fine. */
	text[strlen(text) - strlen("  - {name: s16, complex: rips, window: 2, slide: 1}\n")] = '\0';
	check_ok(cfg, text);
	assert_int_equal(cfg->nscales, 16);
	assert_int_equal(tdp_config_scale_index(cfg, "s15"), 15);
}

/* supervisor: every key, the defaults of the ones left out, the ranges and
 * the backoff_min <= backoff_max rule with the message on the right key. */
static void test_supervisor(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE "supervisor:\n"
			   "  heartbeat_timeout: 500\n"
			   "  restart_limit: 3\n"
			   "  restart_window: 60\n"
			   "  backoff_min: 10\n"
			   "  backoff_max: 40\n");
	assert_int_equal(cfg->supervisor.heartbeat_timeout_ms, 500);
	assert_int_equal(cfg->supervisor.restart_limit, 3);
	assert_int_equal(cfg->supervisor.restart_window_s, 60);
	assert_int_equal(cfg->supervisor.backoff_min_ms, 10);
	assert_int_equal(cfg->supervisor.backoff_max_ms, 40);

	/* One key: the others keep their defaults. */
	check_ok(cfg, BASE "supervisor: {restart_limit: 1}\n");
	assert_int_equal(cfg->supervisor.restart_limit, 1);
	assert_int_equal(cfg->supervisor.heartbeat_timeout_ms, 10000);
	assert_int_equal(cfg->supervisor.restart_window_s, 30);
	assert_int_equal(cfg->supervisor.backoff_min_ms, 100);
	assert_int_equal(cfg->supervisor.backoff_max_ms, 5000);
	check_ok(cfg, BASE "supervisor: {}\n");
	assert_int_equal(cfg->supervisor.restart_limit, 5);

	/* Bounds, both ends. */
	check_ok(cfg, BASE "supervisor: {heartbeat_timeout: 100, restart_limit: 1000, restart_window: 1,"
			   " backoff_min: 1, backoff_max: 1}\n");
	assert_int_equal(cfg->supervisor.heartbeat_timeout_ms, 100);
	assert_int_equal(cfg->supervisor.restart_limit, 1000);
	assert_int_equal(cfg->supervisor.backoff_max_ms, 1);
	check_ok(cfg, BASE "supervisor: {heartbeat_timeout: 86400000, restart_window: 86400,"
			   " backoff_min: 3600000, backoff_max: 3600000}\n");
	assert_int_equal(cfg->supervisor.heartbeat_timeout_ms, 86400000);
	assert_int_equal(cfg->supervisor.backoff_min_ms, 3600000);
	check_error(cfg, BASE "supervisor: {heartbeat_timeout: 99}\n",
		    NAME ":5:33: supervisor.heartbeat_timeout: expected a number of milliseconds from 100 "
			 "to 86400000, got \"99\"");
	check_error(cfg, BASE "supervisor: {heartbeat_timeout: 86400001}\n",
		    NAME ":5:33: supervisor.heartbeat_timeout: expected a number of milliseconds");
	check_error(cfg, BASE "supervisor: {heartbeat_timeout: 10s}\n",
		    NAME ":5:33: supervisor.heartbeat_timeout: expected a number of milliseconds from 100 "
			 "to 86400000, got \"10s\"");
	check_error(cfg, BASE "supervisor: {restart_limit: 0}\n",
		    NAME ":5:29: supervisor.restart_limit: expected a number of restarts from 1 to 1000, "
			 "got \"0\"");
	check_error(cfg, BASE "supervisor: {restart_limit: 1001}\n",
		    NAME ":5:29: supervisor.restart_limit: expected a number of restarts from 1 to 1000, "
			 "got \"1001\"");
	check_error(cfg, BASE "supervisor: {restart_window: 0}\n",
		    NAME ":5:30: supervisor.restart_window: expected a number of seconds from 1 to 86400, "
			 "got \"0\"");
	check_error(cfg, BASE "supervisor: {restart_window: \"30\"}\n",
		    NAME ":5:30: supervisor.restart_window: expected a number of seconds from 1 to 86400, "
			 "got the quoted string \"30\"");
	check_error(cfg, BASE "supervisor: {backoff_min: 0}\n",
		    NAME ":5:27: supervisor.backoff_min: expected a number of milliseconds from 1 to "
			 "3600000, got \"0\"");
	check_error(cfg, BASE "supervisor: {backoff_max: 3600001}\n",
		    NAME ":5:27: supervisor.backoff_max: expected a number of milliseconds from 1 to "
			 "3600000, got \"3600001\"");

	/* backoff_max below backoff_min: named where it was given ... */
	check_error(cfg, BASE "supervisor:\n  backoff_max: 200\n  backoff_min: 500\n",
		    NAME ":6:16: supervisor.backoff_max: expected a number of milliseconds no smaller "
			 "than backoff_min (500), got \"200\"");
	check_error(cfg, BASE "supervisor: {backoff_max: 50}\n",
		    NAME ":5:27: supervisor.backoff_max: expected a number of milliseconds no smaller "
			 "than backoff_min (100), got \"50\"");
	/* ... or on backoff_min when only the default stands against it. */
	check_error(cfg, BASE "supervisor: {backoff_min: 6000}\n",
		    NAME ":5:27: supervisor.backoff_min: expected at most backoff_max (5000, its default; "
			 "raise it too), got \"6000\"");
	check_ok(cfg, BASE "supervisor: {backoff_min: 6000, backoff_max: 6000}\n");

	/* The section's own shape. */
	check_error(cfg, BASE "supervisor: {heartbeat: 500}\n",
		    NAME ":5:14: supervisor.heartbeat: unknown key (expected one of: heartbeat_timeout, "
			 "restart_limit, restart_window, backoff_min, backoff_max)");
	check_error(cfg, BASE "supervisor: {restart_limit: 2, restart_limit: 3}\n",
		    NAME ":5:32: supervisor.restart_limit: duplicate key (first given at line 5)");
	check_error(cfg, BASE "supervisor: 5\n",
		    NAME ":5:13: supervisor: expected a mapping of supervisor settings, got \"5\"");
	check_error(cfg, BASE "supervisor:\n",
		    NAME ":5:12: supervisor: expected a mapping of supervisor settings, got \"\"");
	check_error(cfg, BASE "supervisor: [1]\n",
		    NAME ":5:13: supervisor: expected a mapping of supervisor settings, got a sequence");
}

/* Rules spanning sections. */
static void test_cross_checks(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, "instance: t\nsource: {type: udp, port: 9}\n"
			 "scales: [{name: a, complex: rips, window: 4, slide: 1, overflow: block}]\n",
		    NAME ":3:66: scales[0].overflow: expected drop (a udp source cannot be paused), "
			 "got \"block\"");
	check_error(cfg, BASE "sink: {type: file, path: in.csv}\n",
		    NAME ":5:26: sink.path: expected a path other than source.path, got \"in.csv\"");
	check_error(cfg, BASE "sink: {type: file, path: o}\ndead_letter: {type: file, path: o}\n",
		    NAME ":6:33: dead_letter.path: expected a path other than sink.path, got \"o\"");
	check_error(cfg, BASE "sink: {type: file, path: t-dead-letter.jsonl}\n",
		    NAME ":1:1: dead_letter: expected a path other than sink.path, got the default "
			 "\"t-dead-letter.jsonl\"");
}

/* Anchors, aliases and tags are refused where they stand. */
static void test_yaml_features(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, "instance: &n t\n",
		    NAME ":1:11: instance: expected a plain value (anchors and aliases are not "
			 "supported), got \"&n\"");
	check_error(cfg, "instance: t\nsource: &s {type: stdin}\nscales:\n"
			 "  - {name: a, complex: rips, window: 4, slide: 1}\n"
			 "  - {name: b, complex: rips, window: *w, slide: 1}\n",
		    NAME ":2:9: source: expected a plain value (anchors and aliases are not supported)");
	check_error(cfg, "instance: t\nsource: {type: stdin}\nscales:\n"
			 "  - {name: a, complex: rips, window: 4, slide: 1}\n"
			 "  - {name: b, complex: rips, window: *w, slide: 1}\n",
		    NAME ":5:38: scales[1].window: expected a plain value (anchors and aliases are not "
			 "supported), got \"*w\"");
	check_error(cfg, BASE "max_streams: !!int 5\n",
		    NAME ":5:14: max_streams: expected a plain value (tags are not supported), got "
			 "\"tag:yaml.org,2002:int\"");
	check_error(cfg, "%TAG ! tag:example.com,2000:\n---\ninstance: t\n",
		    NAME ":1:1: expected plain YAML, got a %TAG directive");
}

static void test_documents(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, BASE "---\ninstance: u\n",
		    NAME ":5:1: expected a single YAML document, got a second one");
	check_error(cfg, "", NAME ":1:1: expected a mapping of configuration keys, got an empty file");
	check_error(cfg, "# nothing\n\n",
		    NAME ":1:1: expected a mapping of configuration keys, got an empty file");
	check_error(cfg, "---\n",
		    NAME ":2:1: expected a mapping of configuration keys, got an empty document");
	check_error(cfg, "- a\n- b\n",
		    NAME ":1:1: expected a mapping of configuration keys, got a sequence");
	check_error(cfg, "just text\n",
		    NAME ":1:1: expected a mapping of configuration keys, got \"just text\"");
}

static void test_syntax_error(void **state)
{
	struct tdp_config *cfg = *state;
	/* An unclosed flow mapping: libyaml's words, our position format. */
	check_error(cfg, "instance: t\nsource: {type: file\nscales: []\n",
		    NAME ":3:7: did not find expected ',' or '}' (while parsing a flow mapping at line 2)");
	check_error(cfg, "instance: t\n  source: x\n",
		    NAME ":2:9: mapping values are not allowed in this context");
	check_error(cfg, "instance: t\n\tsource: x\n",
		    NAME ":2:1: found a tab character that violates indentation");
	/* Invalid UTF-8 is a reader error carrying only an offset. */
	check_error(cfg, "instance: t\nsource: \xff\n", NAME ":2:9: invalid leading UTF-8 octet");
}

/* A failed parse still leaves every field at its default. */
static void test_initialised_on_error(void **state)
{
	struct tdp_config *cfg = *state;
	char err[256];
	memset(cfg, 0xa5, sizeof(*cfg));
	assert_int_equal(parse(cfg, "instance: t\nsource: {type: bogus}\n", err, sizeof(err)), -1);
	assert_string_equal(cfg->path, NAME);
	assert_string_equal(cfg->instance, "t");
	assert_int_equal(cfg->source.format, TDP_FMT_CSV);
	assert_string_equal(cfg->source.host, "127.0.0.1");
	assert_string_equal(cfg->source.path, "");
	assert_int_equal(cfg->source.stream_column, -1);
	assert_int_equal(cfg->source.max_record, 65536);
	assert_int_equal(cfg->sink.type, TDP_SINK_STDOUT);
	assert_int_equal(cfg->max_streams, 1024);
	assert_int_equal(cfg->nscales, 0);
	assert_string_equal(cfg->scales[5].name, "");

	/* A tiny error buffer is cut and terminated, never overrun. */
	char small[12];
	memset(small, 'x', sizeof(small));
	assert_int_equal(parse(cfg, "instance: [x]\n", small, 8), -1);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(small[8], 'x');
	assert_int_equal(parse(cfg, "instance: [x]\n", small, 0), -1);
}

static void test_load(void **state)
{
	struct tdp_config *cfg = *state;
	char err[512], path[] = "/tmp/tdp-test-config-XXXXXX";

	assert_int_equal(tdp_config_load("/nonexistent/tdp.yaml", cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/tdp.yaml: cannot read: No such file or directory");
	assert_string_equal(cfg->path, "/nonexistent/tdp.yaml");
	assert_int_equal(cfg->max_streams, 1024);

	assert_int_equal(tdp_config_load("/tmp", cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: cannot read: Is a directory");

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, demo_text, strlen(demo_text)), (ssize_t)strlen(demo_text));
	close(fd);
	assert_int_equal(tdp_config_load(path, cfg, err, sizeof(err)), 0);
	check_demo(cfg);
	assert_string_equal(cfg->path, path);

	/* Errors name the file as given. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "instance: t\nnope: 1\n", 20), 20);
	close(fd);
	assert_int_equal(tdp_config_load(path, cfg, err, sizeof(err)), -1);
	char want[128];
	snprintf(want, sizeof(want), "%s:2:1: nope: unknown key", path);
	assert_memory_equal(err, want, strlen(want));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_demo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shipped_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_window_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_embed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rips_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initialised_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
