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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <math.h>

#include "common/config.h"
#include "common/config_scale_values.h"
#include "common/feature_layout.h"
#include "common/shm.h"
#include "scaled/rips_cost.h"

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

/* The scales of a config whose source line is being tested. */
#define SCALES_TAIL "scales:\n  - {name: a, complex: sublevel, window: 10, slide: 5}\n"

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

/* The shipped files: demo.yaml is the demo above, example-full.yaml and
 * example-kafka.yaml load. */
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

	/* example-kafka.yaml: what its comments promise. */
	repo_file(path, sizeof(path), "config/example-kafka.yaml");
	if (tdp_config_load(path, cfg, err, sizeof(err))) {
		print_error("%s\n", err);
		fail();
	}
	assert_int_equal(cfg->source.type, TDP_SRC_KAFKA);
	assert_string_equal(cfg->source.kafka.brokers, "127.0.0.1:9092");
	assert_int_equal(cfg->source.kafka.ntopics, 1);
	assert_string_equal(cfg->source.kafka.topics[0], "points");
	assert_string_equal(cfg->source.kafka.group, "tdapipe-kafka-demo");
	assert_int_equal(cfg->source.format, TDP_FMT_JSONL);
	assert_int_equal(cfg->sink.type, TDP_SINK_KAFKA);
	assert_string_equal(cfg->sink.kafka.topics[0], "results");
	assert_true(cfg->sink.kafka.exactly_once);
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_FILE);
	assert_int_equal(cfg->nscales, 2);
	assert_int_equal(cfg->scales[0].complex, TDP_COMPLEX_SUBLEVEL);
	assert_int_equal(cfg->scales[1].complex, TDP_COMPLEX_SUBLEVEL);
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
		    NAME ":14:9: scales[1].window: expected a count of points from 1 to 16777216, or a duration of at least 2ns: an integer with a unit ns, us, ms, s, m or h (\"100ms\"), got \"-3\"");
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    slide: 2\n    window: -3\n",
		    NAME ":8:13: scales[1].window: expected a count of points from 1 to 16777216, or a duration of at least 2ns: an integer with a unit ns, us, ms, s, m or h (\"100ms\"), got \"-3\"");
}

static void test_unknown_key(void **state)
{
	struct tdp_config *cfg = *state;
	check_error(cfg, BASE "verbose: true\n",
		    NAME ":5:1: verbose: unknown key (expected one of: instance, source, sink, "
			 "dead_letter, events, scales, max_streams, supervisor, metrics, log, state)");
	check_error(cfg, BASE "  - name: b\n    complex: rips\n    windw: 5\n",
		    NAME ":7:5: scales[1].windw: unknown key (expected one of: name, complex, "
			 "window, slide, dims, embed, overflow, ring, threshold, max_points, memory_mb, max_window_points, features, track, anomaly, value, values, join)");
	check_error(cfg, BASE "sink: {type: stdout, colour: red}\n",
		    NAME ":5:22: sink.colour: unknown key (expected one of: type, format, path, brokers, "
			 "topic, compression, exactly_once, properties)");
	/* Keys that exist, but not for this type or format. */
	check_error(cfg, "instance: t\nsource: {type: file, path: a, port: 80}\n",
		    NAME ":2:31: source.port: unknown key for type file (expected one of: type, "
			 "format, path, stream_column, time_column, header, max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, "instance: t\nsource: {type: tcp, port: 80, path: a}\n",
		    NAME ":2:31: source.path: unknown key for type tcp (expected one of: type, "
			 "format, host, port, max_connections, idle_timeout, resend, stream_column, time_column, "
			 "header, max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, "instance: t\nsource: {type: stdin, format: jsonl, header: true}\n",
		    NAME ":2:38: source.header: unknown key for format jsonl (expected one of: "
			 "type, format, resend, extra, max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, BASE "sink: {type: stdout, path: x}\n",
		    NAME ":5:22: sink.path: unknown key for type stdout (expected one of: type, format)");
	check_error(cfg, BASE "dead_letter: {type: stderr, path: x}\n",
		    NAME ":5:29: dead_letter.path: unknown key for type stderr (expected one of: type, "
			 "format)");
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
		    NAME ":2:16: source.type: expected one of file, stdin, tcp, udp, kafka, got \"ftp\"");
	check_error(cfg, "instance: t\nsource: {type: stdin, format: xml}\n",
		    NAME ":2:31: source.format: expected one of csv, jsonl, msgpack, got \"xml\"");
	check_error(cfg, BASE "sink: {type: file, path: o, format: csv}\n",
		    NAME ":5:37: sink.format: expected jsonl or msgpack, got \"csv\"");
	check_error(cfg, BASE "sink: {type: stderr}\n",
		    NAME ":5:14: sink.type: expected one of stdout, file, kafka, got \"stderr\"");
	check_error(cfg, BASE "dead_letter: {type: stdout}\n",
		    NAME ":5:21: dead_letter.type: expected one of file, stderr, kafka, got \"stdout\"");
	check_error(cfg, BASE "dead_letter: {type: stderr, format: msgpack}\n",
		    NAME ":5:37: dead_letter.format: expected jsonl (dead letters are always jsonl), "
			 "got \"msgpack\"");
	check_error(cfg, BASE "  - {name: b, complex: cech, window: 9, slide: 1}\n",
		    NAME ":5:24: scales[1].complex: expected sublevel or rips, got \"cech\"");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 9, slide: 1, overflow: wait}\n",
		    NAME ":5:61: scales[1].overflow: expected block or drop, got \"wait\"");
	/* Case matters. */
	check_error(cfg, "instance: t\nsource: {type: File}\n",
		    NAME ":2:16: source.type: expected one of file, stdin, tcp, udp, kafka, got \"File\"");
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

/* TCP's bounds on senders: max_connections and idle_timeout (a duration). */
static void test_tcp_limits(void **state)
{
	struct tdp_config *cfg = *state;
	const char *src = "instance: t\nsource: {type: tcp, port: 9, ";
	char text[256];
	snprintf(text, sizeof(text), "%s}\n" SCALES_TAIL, src);
	check_ok(cfg, text);
	assert_int_equal(cfg->source.max_connections, 64);
	assert_int_equal(cfg->source.idle_timeout_ms, 300000);
	static const struct { const char *v; uint32_t ms; } ok[] = {
		{"0", 0}, {"1500", 1500}, {"250ms", 250}, {"30s", 30000}, {"5m", 300000},
		{"1h", 3600000}, {"24h", 86400000}, {"2000000us", 2000},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "%smax_connections: 1000, idle_timeout: %s}\n" SCALES_TAIL, src, ok[i].v);
		check_ok(cfg, text);
		assert_int_equal(cfg->source.idle_timeout_ms, ok[i].ms);
		assert_int_equal(cfg->source.max_connections, 1000);
	}
	static const char *const bad[] = { "-1s", "1.5s", "30 s", "30S", "1d", "25h", "1500us", "01s", "s",
					   "\"30s\"", "99999999999999999999s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];
		snprintf(text, sizeof(text), "%sidle_timeout: %s}\n" SCALES_TAIL, src, bad[i]);
		snprintf(want, sizeof(want), NAME ":2:44: source.idle_timeout: expected a duration from 0ms to "
			 "86400000ms in whole milliseconds");
		check_error(cfg, text, want);
	}
	snprintf(text, sizeof(text), "%smax_connections: 0}\n" SCALES_TAIL, src);
	check_error(cfg, text, NAME ":2:47: source.max_connections: expected a positive integer");
	snprintf(text, sizeof(text), "%smax_connections: 10001}\n" SCALES_TAIL, src);
	check_error(cfg, text, NAME ":2:47: source.max_connections: expected a positive integer no larger than 10000");
	check_error(cfg, "instance: t\nsource: {type: udp, port: 9, max_connections: 5}\n" SCALES_TAIL,
		    NAME ":2:30: source.max_connections: unknown key for type udp");
}

/* Windows over event time: durations, both or neither; time_unit,
 * lateness, idle_close; max_window_points and its bounds. */
static void test_time_scales(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, "instance: t\nsource: {type: stdin, format: jsonl, time_unit: ms, lateness: 500ms, idle_close: 2s}\n"
		      "scales:\n  - {name: sec, complex: sublevel, window: 1s, slide: 100ms}\n"
		      "  - {name: pts, complex: sublevel, window: 1000, slide: 100}\n"
		      "  - {name: min, complex: rips, window: 1m, slide: 10s, dims: [0, 1], embed: {dim: 3, lag: 2},"
		      " max_points: 400, max_window_points: 100000}\n");
	assert_int_equal(cfg->source.time_unit, TDP_TIME_MS);
	assert_true(cfg->source.lateness_ns == 500000000ull && cfg->source.idle_close_ns == 2000000000ull);
	assert_true(cfg->scales[0].timed && cfg->scales[0].window_ns == 1000000000ull &&
		    cfg->scales[0].slide_ns == 100000000ull);
	assert_int_equal(cfg->scales[0].max_window_points, 65536);
	assert_int_equal(cfg->scales[0].window, 65536);   /* the most points a window holds */
	assert_true(!cfg->scales[1].timed && cfg->scales[1].window == 1000 && cfg->scales[1].slide == 100);
	assert_true(cfg->scales[2].timed && cfg->scales[2].window_ns == 60000000000ull &&
		    cfg->scales[2].max_window_points == 100000);
	assert_int_equal(tdp_scale_windows_per_point(&cfg->scales[2]), 6);
	assert_true(tdp_config_timed(cfg));
	/* defaults */
	check_ok(cfg, "instance: t\nsource: {type: stdin, format: jsonl}\nscales: [{name: a, complex: sublevel, window: 3s, slide: 2s}]\n");
	assert_int_equal(cfg->source.time_unit, TDP_TIME_S);
	assert_true(cfg->source.lateness_ns == 0 && cfg->source.idle_close_ns == 0);
	assert_int_equal(tdp_scale_windows_per_point(&cfg->scales[0]), 2);
	static const struct { const char *text, *want; } bad[] = {
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 100}]\n",
		 ":3:58: scales[0].slide: expected a duration (\"100ms\"), as window is (both counts of points or "
		 "both durations), got \"100\""},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 10, slide: 1s}]\n",
		 ":3:58: scales[0].slide: expected a count of points, as window is"},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 1d, slide: 1s}]\n",
		 ":3:47: scales[0].window: expected a count of points from 1 to 16777216, or a duration of at least "
		 "2ns"},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 1ns}]\n",
		 ":3:58: scales[0].slide: expected a count of points from 1 to 16777216, or a duration of at least "
		 "2ns"},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: \"1s\", slide: 1s}]\n",
		 ":3:47: scales[0].window: expected a count"},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 10, slide: 1, max_window_points: 5}]\n",
		 ":3:80: scales[0].max_window_points: expected no max_window_points with a window of 10 points"},
		{"source: {type: stdin}\nscales: [{name: a, complex: sublevel, window: 1h, slide: 1s, "
		 "max_window_points: 100000}]\n",
		 ":3:47: scales[0].window: expected max_window_points (100000) times the windows a point falls in "
		 "(3600) at most 268435456"},
		{"source: {type: stdin, lateness: 1s}\nscales: [{name: a, complex: sublevel, window: 10, slide: 1}]\n",
		 ":2:33: source.lateness: expected no lateness: no scale has windows of event time"},
		{"source: {type: stdin, idle_close: 1s}\nscales: [{name: a, complex: sublevel, window: 10, slide: 1}]\n",
		 ":2:35: source.idle_close: expected no idle_close"},
		{"source: {type: stdin, format: csv}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 1s}]\n",
		 ":3:47: scales[0].window: expected a count of points: the csv source has no time_column"},
		{"source: {type: stdin, lateness: 25h}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 1s}]\n",
		 ":2:33: source.lateness: expected 0 or a duration up to 24h"},
		{"source: {type: stdin, lateness: 5}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 1s}]\n",
		 ":2:33: source.lateness: expected 0 or a duration up to 24h"},
		{"source: {type: stdin, time_unit: sec}\nscales: [{name: a, complex: sublevel, window: 1s, slide: 1s}]\n",
		 ":2:34: source.time_unit: expected one of s, ms, us, ns, got \"sec\""},
		{"source: {type: stdin}\nscales: [{name: a, complex: rips, window: 1s, slide: 1s, dims: [0, 1]}]\n",
		 ":3:10: scales[0]: the distances and edge sort of up to 65536 points need 147463 MiB, more than memory_mb (1024): lower max_window_points"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512], want[512];
		snprintf(text, sizeof(text), "instance: t\n%s", bad[i].text);
		snprintf(want, sizeof(want), NAME "%s", bad[i].want);
		check_error(cfg, text, want);
	}
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

/* features: each block optional, ranges required where a grid is, the
 * defaults GUDHI's, the sizes bounded. */
static void test_features(void **state)
{
	struct tdp_config *cfg = *state;
#define FEAT(x) BASE "  - {name: b, complex: sublevel, window: 9, slide: 1, features: " x "}\n"
	check_ok(cfg, BASE);
	assert_false(tdp_features_any(&cfg->scales[0].features));
	check_ok(cfg, FEAT("{summary: true, betti: {range: [-1, 2]}, landscape: {range: [0, 1.5]}, "
			   "silhouette: {range: [-1, 2], resolution: 7, power: -0.5}, image: {range: [-1, 2, 0, 3]}, "
			   "distance: [wasserstein2, bottleneck]}"));
	const struct tdp_features_cfg *f = &cfg->scales[1].features;
	assert_true(f->summary && f->betti.on && f->landscape.on && f->silhouette.on && f->image.on);
	assert_int_equal(f->betti.resolution, 100);
	assert_true(f->betti.range[0] == -1 && f->betti.range[1] == 2);
	assert_int_equal(f->landscape.layers, 5);
	assert_int_equal(f->silhouette.resolution, 7);
	assert_true(f->silhouette.power == -0.5);
	assert_true(f->image.bandwidth == 1);
	assert_int_equal(f->image.resolution[0], 20);
	assert_int_equal(f->image.resolution[1], 20);
	assert_int_equal(f->distances, 1u << TDP_DIST_BOTTLENECK | 1u << TDP_DIST_WASSERSTEIN2);
	/* Layout: 5 + 100 + 500 + 7 + 400 + 2 doubles per dimension. */
	struct tdp_feature_layout l = tdp_feature_layout(f);
	assert_int_equal(l.width, 1014);
	assert_int_equal(l.image, 612);
	assert_int_equal(l.distance, 1012);
	assert_int_equal(tdp_scale_prev_bytes(&cfg->scales[1]) % 4096, 0);
	assert_true(tdp_scale_prev_bytes(&cfg->scales[1]) >= 2 * 9 * sizeof(struct tdp_interval));
	assert_int_equal(tdp_scale_prev_bytes(&cfg->scales[0]), 0);
	check_ok(cfg, FEAT("{summary: false}"));
	assert_false(tdp_features_any(&cfg->scales[1].features));

	check_error(cfg, FEAT("{betti: {resolution: 10}}"),
		    NAME ":5:73: scales[1].features.betti: missing required key \"range\"");
	check_error(cfg, FEAT("{betti: {range: [2, 1]}}"),
		    NAME ":5:81: scales[1].features.betti.range: expected a list [from, to] of two finite numbers, "
			 "from < to");
	check_error(cfg, FEAT("{betti: {range: [0, .inf]}}"),
		    NAME ":5:85: scales[1].features.betti.range[1]: expected a finite number, got \".inf\"");
	check_error(cfg, FEAT("{betti: {range: [0, 1], resolution: 1}}"),
		    NAME ":5:101: scales[1].features.betti.resolution: expected a number of grid points from 2 "
			 "to 10000, got \"1\"");
	check_error(cfg, FEAT("{landscape: {range: [0, 1], layers: 101}}"),
		    NAME ":5:101: scales[1].features.landscape.layers: expected a number of layers from 1 to 100");
	check_error(cfg, FEAT("{image: {range: [0, 1, 0, 1], resolution: [600, 600]}}"),
		    NAME ":5:107: scales[1].features.image.resolution: expected a list [x, y] of two pixel counts "
			 "from 2 to 10000, at most 250000 pixels");
	check_error(cfg, FEAT("{image: {range: [0, 1, 0, 1], bandwidth: 0}}"),
		    NAME ":5:106: scales[1].features.image.bandwidth: expected a positive finite number, got \"0\"");
	check_error(cfg, FEAT("{distance: [bottleneck, bottleneck]}"),
		    NAME ":5:89: scales[1].features.distance[1]: expected each distance at most once");
	check_error(cfg, FEAT("{distance: [frechet]}"),
		    NAME ":5:77: scales[1].features.distance[0]: expected one of bottleneck, wasserstein1, "
			 "wasserstein2, got \"frechet\"");
	check_error(cfg, FEAT("{distance: []}"),
		    NAME ":5:76: scales[1].features.distance: expected a list of distances: bottleneck, "
			 "wasserstein1, wasserstein2, got an empty list");
	check_error(cfg, FEAT("{entropy: true}"),
		    NAME ":5:66: scales[1].features.entropy: unknown key (expected one of: summary, betti, "
			 "landscape, silhouette, image, distance)");
	check_error(cfg, FEAT("{betti: {range: [0, 1], resolution: 10000}, landscape: {range: [0, 1], "
			      "resolution: 10000, layers: 100}, image: {range: [0, 1, 0, 1], resolution: [500, 500]}}"),
		    NAME ":5:65: scales[1].features: expected curves and images of at most 1048576 values per "
			 "dimension together, got 1260000");
#undef FEAT
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
	/* The distances of 6000 points cannot fit 1 GiB (36 n^2 bytes with H2: keys may be wide):
	 * refused at start with the reason ... */
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 6000, slide: 1, dims: [0, 1, 2]}\n",
		    NAME ":5:5: scales[1]: the distances and edge sort of up to 6000 points need 1237 MiB, "
		    "more than memory_mb (1024)");
	check_error(cfg, BASE "  - {name: b, complex: rips, window: 200, slide: 1, dims: [1], memory_mb: 1}\n",
		    NAME ":5:5: scales[1]: the distances and edge sort of up to 200 points need 2 MiB");
	/* ... those of 5000 can: what the reduction needs above them depends
	 * on the data, capped while running, not refused at start ... */
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 5000, slide: 1, dims: [0, 1, 2, 3]}\n");
	/* ... and 6000 are fine with landmarks */
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 6000, slide: 1, dims: [0, 1, 2], max_points: 200}\n");
	/* H0 alone uses the O(n) spanning tree: a large window is fine,
	 * with or without a threshold */
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 1000000, slide: 1000}\n");
	check_ok(cfg, BASE "  - {name: b, complex: rips, window: 1000000, slide: 1000, threshold: 0.5}\n");
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
/* state: where checkpoints go and how often (common/config_state.c). */
static void test_state(void **state)
{
	struct tdp_config *cfg = *state;
	char dir[1100];
	check_ok(cfg, BASE);
	assert_int_equal(cfg->state.interval_ms, 10000);
	tdp_state_dir(&cfg->state, cfg->instance, dir, sizeof(dir));
	assert_string_equal(dir, "t-state");
	check_ok(cfg, BASE "state: {dir: /var/lib/tdapipe/x, interval: 500ms}\n");
	tdp_state_dir(&cfg->state, cfg->instance, dir, sizeof(dir));
	assert_string_equal(dir, "/var/lib/tdapipe/x");
	assert_int_equal(cfg->state.interval_ms, 500);
	check_ok(cfg, BASE "state: {interval: 0}\n");
	assert_int_equal(cfg->state.interval_ms, 0);
	check_error(cfg, BASE "state: {interval: soon}\n", NAME ":5:19: state.interval: expected ");
	check_error(cfg, BASE "state: {dri: x}\n", NAME ":5:9: state.dri: unknown key (expected one of: dir, interval)");
}

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
	assert_int_equal(cfg->supervisor.drain_timeout_ms, 30000);
	check_ok(cfg, BASE "supervisor: {drain_timeout: 2m}\n");
	assert_int_equal(cfg->supervisor.drain_timeout_ms, 120000);

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
			 "restart_limit, restart_window, backoff_min, backoff_max, drain_timeout)");
	check_error(cfg, BASE "supervisor: {restart_limit: 2, restart_limit: 3}\n",
		    NAME ":5:32: supervisor.restart_limit: duplicate key (first given at line 5)");
	check_error(cfg, BASE "supervisor: 5\n",
		    NAME ":5:13: supervisor: expected a mapping of supervisor settings, got \"5\"");
	check_error(cfg, BASE "supervisor:\n",
		    NAME ":5:12: supervisor: expected a mapping of supervisor settings, got \"\"");
	check_error(cfg, BASE "supervisor: [1]\n",
		    NAME ":5:13: supervisor: expected a mapping of supervisor settings, got a sequence");
}

/* A Kafka source with every key, the instance written after it: the group
 * default is filled in once the whole file is read. */
static void test_kafka_source(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg,
		 "source:\n"
		 "  type: kafka\n"
		 "  brokers: \"127.0.0.1:9092,127.0.0.1:9093\"\n"
		 "  topics: [points, more.points, x_Y-9]\n"
		 "  format: csv\n"
		 "  stream_column: 0\n"
		 "  time_column: 2\n"
		 "  max_record: 4096\n"
		 "  properties:\n"
		 "    fetch.min.bytes: 1\n"
		 "    session.timeout.ms: 6000\n"
		 "    check.crcs: true\n"
		 "    client.id: \"my client\"\n"
		 "    auto.offset.reset: earliest\n"
		 "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n"
		 "instance: late\n");
	const struct tdp_source_cfg *s = &cfg->source;
	const struct tdp_kafka_cfg *k = &s->kafka;
	assert_int_equal(s->type, TDP_SRC_KAFKA);
	assert_string_equal(k->brokers, "127.0.0.1:9092,127.0.0.1:9093");
	assert_int_equal(k->ntopics, 3);
	assert_string_equal(k->topics[0], "points");
	assert_string_equal(k->topics[1], "more.points");
	assert_string_equal(k->topics[2], "x_Y-9");
	assert_string_equal(k->group, "tdapipe-late");
	assert_int_equal(s->format, TDP_FMT_CSV);
	assert_int_equal(s->stream_column, 0);
	assert_int_equal(s->time_column, 2);
	assert_int_equal(s->max_record, 4096);
	assert_int_equal(s->event_time, TDP_TIME_RECORD);
	assert_int_equal(k->nprops, 5);
	static const char *const props[][2] = {
		{ "fetch.min.bytes", "1" }, { "session.timeout.ms", "6000" }, { "check.crcs", "true" },
		{ "client.id", "my client" }, { "auto.offset.reset", "earliest" },
	};
	for (uint32_t i = 0; i < 5; i++) {
		assert_string_equal(k->props[i].name, props[i][0]);
		assert_string_equal(k->props[i].value, props[i][1]);
	}
	/* A Kafka consumer can stop fetching: block by default. */
	assert_true(tdp_source_pausable(s));
	assert_int_equal(tdp_scale_overflow(cfg, 0), TDP_OVERFLOW_BLOCK);
	/* The outputs keep their defaults. */
	assert_int_equal(cfg->sink.type, TDP_SINK_STDOUT);
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_FILE);
	assert_string_equal(cfg->dead_letter.path, "late-dead-letter.jsonl");

	/* One topic as a plain name, the group and the event time given. */
	check_ok(cfg, "instance: t\n"
		      "source: {type: kafka, brokers: \"b:1\", topics: points, group: my-group,"
		      " event_time: kafka, format: jsonl, stop_at_end: true}\n"
		      "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	assert_true(cfg->source.kafka.stop_at_end);
	assert_int_equal(cfg->source.kafka.ntopics, 1);
	assert_string_equal(cfg->source.kafka.topics[0], "points");
	assert_string_equal(cfg->source.kafka.group, "my-group");
	assert_int_equal(cfg->source.event_time, TDP_TIME_KAFKA);
	assert_int_equal(cfg->source.format, TDP_FMT_JSONL);
	assert_int_equal(cfg->source.kafka.nprops, 0);
	assert_int_equal(cfg->source.max_record, 65536);
	check_ok(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: [p], event_time: record}\n"
		      "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	assert_int_equal(cfg->source.event_time, TDP_TIME_RECORD);
	assert_string_equal(cfg->source.kafka.group, "tdapipe-t");
	assert_false(cfg->source.kafka.stop_at_end);
	assert_int_equal(cfg->source.kafka.ntopics, 1);

	/* The limits: 8 topics, a 249-character topic, a 255-byte group, 32
	 * properties and a 511-byte value. */
	char text[8192], long_topic[251], long_group[257], long_value[513];
	memset(long_topic, 'T', 249);
	long_topic[249] = '\0';
	memset(long_group, 'g', 255);
	long_group[255] = '\0';
	memset(long_value, 'v', 511);
	long_value[511] = '\0';
	size_t o = (size_t)snprintf(text, sizeof(text),
				    "instance: t\nsource:\n  type: kafka\n  brokers: b:1\n"
				    "  topics: [a, b, c, d, e, f, g, %s]\n  group: %s\n  properties:\n"
				    "    client.id: %s\n",
				    long_topic, long_group, long_value);
	/* 31 more, each a real property with a value librdkafka takes. */
	static const char *const names[31] = {
		"fetch.min.bytes", "fetch.wait.max.ms", "fetch.max.bytes", "session.timeout.ms",
		"heartbeat.interval.ms", "max.poll.interval.ms", "auto.offset.reset",
		"queued.min.messages", "queued.max.messages.kbytes", "socket.timeout.ms",
		"socket.keepalive.enable", "socket.nagle.disable", "reconnect.backoff.ms",
		"reconnect.backoff.max.ms", "statistics.interval.ms", "log.connection.close",
		"api.version.request", "broker.address.ttl", "broker.address.family",
		"topic.metadata.refresh.interval.ms", "metadata.max.age.ms", "check.crcs",
		"client.rack", "partition.assignment.strategy", "coordinator.query.interval.ms",
		"fetch.error.backoff.ms", "message.max.bytes", "receive.message.max.bytes",
		"max.partition.fetch.bytes", "allow.auto.create.topics", "connections.max.idle.ms",
	};
	static const char *const values[31] = {
		"1", "100", "52428800", "45000", "3000", "300000", "earliest", "100000", "65536",
		"60000", "true", "true", "100", "10000", "0", "false", "true", "1000", "v4",
		"300000", "900000", "false", "rack1", "range", "600000", "500", "1000000",
		"100000000", "1048576", "false", "0",
	};
	for (int i = 0; i < 31; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "    %s: %s\n", names[i], values[i]);
	snprintf(text + o, sizeof(text) - o, "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	check_ok(cfg, text);
	assert_int_equal(cfg->source.kafka.ntopics, 8);
	assert_string_equal(cfg->source.kafka.topics[7], long_topic);
	assert_string_equal(cfg->source.kafka.group, long_group);
	assert_int_equal(cfg->source.kafka.nprops, 32);
	assert_string_equal(cfg->source.kafka.props[0].value, long_value);
	assert_string_equal(cfg->source.kafka.props[31].name, "connections.max.idle.ms");
	assert_string_equal(cfg->source.kafka.props[31].value, "0");
}

/* A Kafka sink with every key, then the defaults. */
static void test_kafka_sink(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE
		 "sink:\n"
		 "  type: kafka\n"
		 "  brokers: 127.0.0.1:9092\n"
		 "  topic: results\n"
		 "  format: msgpack\n"
		 "  compression: zstd\n"
		 "  exactly_once: true\n"
		 "  properties: {linger.ms: 5, transaction.timeout.ms: 60000, client.id: tdp}\n");
	const struct tdp_sink_cfg *s = &cfg->sink;
	assert_int_equal(s->type, TDP_SINK_KAFKA);
	assert_string_equal(s->path, "");
	assert_int_equal(s->format, TDP_FMT_MSGPACK);
	assert_string_equal(s->kafka.brokers, "127.0.0.1:9092");
	assert_int_equal(s->kafka.ntopics, 1);
	assert_string_equal(s->kafka.topics[0], "results");
	assert_string_equal(s->kafka.compression, "zstd");
	assert_true(s->kafka.exactly_once);
	assert_int_equal(s->kafka.nprops, 3);
	assert_string_equal(s->kafka.props[0].name, "linger.ms");
	assert_string_equal(s->kafka.props[0].value, "5");
	assert_string_equal(s->kafka.props[1].name, "transaction.timeout.ms");
	assert_string_equal(s->kafka.props[1].value, "60000");
	assert_string_equal(s->kafka.props[2].name, "client.id");
	assert_string_equal(s->kafka.props[2].value, "tdp");
	/* The dead letters keep their default file. */
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_FILE);
	assert_string_equal(cfg->dead_letter.path, "t-dead-letter.jsonl");

	check_ok(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r}\n");
	assert_int_equal(cfg->sink.type, TDP_SINK_KAFKA);
	assert_int_equal(cfg->sink.format, TDP_FMT_JSONL);
	assert_string_equal(cfg->sink.kafka.compression, "lz4");
	assert_false(cfg->sink.kafka.exactly_once);
	assert_int_equal(cfg->sink.kafka.nprops, 0);
	assert_int_equal(cfg->sink.kafka.ntopics, 1);
	assert_string_equal(cfg->sink.kafka.topics[0], "r");
	check_ok(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r, compression: none,"
			   " exactly_once: false}\n");
	assert_string_equal(cfg->sink.kafka.compression, "none");
	assert_false(cfg->sink.kafka.exactly_once);
	static const char *const codecs[] = { "gzip", "snappy", "lz4" };
	for (size_t i = 0; i < 3; i++) {
		char text[256];
		snprintf(text, sizeof(text), BASE "sink: {type: kafka, brokers: \"b:1\", topic: r,"
						  " compression: %s}\n", codecs[i]);
		check_ok(cfg, text);
		assert_string_equal(cfg->sink.kafka.compression, codecs[i]);
	}
}

/* Dead letters to a Kafka topic, next to a Kafka source and sink. */
static void test_kafka_dead_letter(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, "instance: t\n"
		      "source: {type: kafka, brokers: \"b:1\", topics: points, format: jsonl}\n"
		      "sink: {type: kafka, brokers: \"b:1\", topic: results}\n"
		      "dead_letter:\n"
		      "  type: kafka\n"
		      "  brokers: \"b:1,b:2\"\n"
		      "  topic: dead-letters\n"
		      "  format: jsonl\n"
		      "  properties: {message.max.bytes: 2000000, compression.type: gzip}\n"
		      "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	const struct tdp_sink_cfg *d = &cfg->dead_letter;
	assert_int_equal(d->type, TDP_SINK_KAFKA);
	assert_int_equal(d->format, TDP_FMT_JSONL);
	assert_string_equal(d->path, "");
	assert_string_equal(d->kafka.brokers, "b:1,b:2");
	assert_int_equal(d->kafka.ntopics, 1);
	assert_string_equal(d->kafka.topics[0], "dead-letters");
	assert_string_equal(d->kafka.compression, "");	/* librdkafka's, or the property's */
	assert_false(d->kafka.exactly_once);
	assert_int_equal(d->kafka.nprops, 2);
	assert_string_equal(d->kafka.props[0].name, "message.max.bytes");
	assert_string_equal(d->kafka.props[0].value, "2000000");
	assert_string_equal(d->kafka.props[1].name, "compression.type");
	assert_string_equal(d->kafka.props[1].value, "gzip");
	assert_string_equal(cfg->sink.kafka.topics[0], "results");

	check_ok(cfg, BASE "dead_letter: {type: kafka, brokers: \"b:1\", topic: dl}\n");
	assert_int_equal(cfg->dead_letter.type, TDP_SINK_KAFKA);
	assert_string_equal(cfg->dead_letter.kafka.compression, "");
	assert_int_equal(cfg->dead_letter.kafka.nprops, 0);
	assert_int_equal(cfg->dead_letter.format, TDP_FMT_JSONL);

	/* Dead letters are jsonl, never transactional, and compressed as the
	 * properties say. */
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: \"b:1\", topic: dl, format: msgpack}\n",
		    NAME ":5:63: dead_letter.format: expected jsonl (dead letters are always jsonl), "
			 "got \"msgpack\"");
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: \"b:1\", topic: dl, exactly_once: true}\n",
		    NAME ":5:55: dead_letter.exactly_once: unknown key (expected one of: type, format, "
			 "path, brokers, topic, properties)");
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: \"b:1\", topic: dl, compression: lz4}\n",
		    NAME ":5:55: dead_letter.compression: unknown key (expected one of: type, format, "
			 "path, brokers, topic, properties)");
	/* The same topic as the sink on the same brokers; other brokers are fine. */
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: results}\n"
			      "dead_letter: {type: kafka, brokers: \"b:1\", topic: results}\n",
		    NAME ":6:51: dead_letter.topic: expected a topic other than sink.topic, got "
			 "\"results\"");
	check_ok(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: results}\n"
			   "dead_letter: {type: kafka, brokers: \"b:2\", topic: results}\n");
	check_ok(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: results}\n"
			   "dead_letter: {type: kafka, brokers: \"b:1\", topic: results-dl}\n");
	/* A topic the source reads would loop. */
	check_error(cfg, "instance: t\n"
			 "source: {type: kafka, brokers: \"b:1\", topics: [in, out]}\n"
			 "sink: {type: kafka, brokers: \"b:1\", topic: out}\n"
			 "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n",
		    NAME ":3:44: sink.topic: expected a topic the source does not read, got \"out\"");
	check_error(cfg, "instance: t\n"
			 "source: {type: kafka, brokers: \"b:1\", topics: in}\n"
			 "dead_letter: {type: kafka, brokers: \"b:1\", topic: in}\n"
			 "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n",
		    NAME ":3:51: dead_letter.topic: expected a topic the source does not read, got \"in\"");
}

/* Every Kafka error names the node at fault. */
static void test_kafka_errors(void **state)
{
	struct tdp_config *cfg = *state;
	/* Required keys, at the section that lacks them. */
	check_error(cfg, "instance: t\nsource: {type: kafka, topics: p}\n",
		    NAME ":2:9: source: missing required key \"brokers\"");
	check_error(cfg, "instance: t\nsource:\n  type: kafka\n  brokers: b:1\n",
		    NAME ":3:3: source: missing required key \"topics\"");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\"}\n",
		    NAME ":5:7: sink: missing required key \"topic\"");
	check_error(cfg, BASE "dead_letter: {type: kafka, topic: x}\n",
		    NAME ":5:14: dead_letter: missing required key \"brokers\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"\", topics: p}\n",
		    NAME ":2:32: source.brokers: expected a list of brokers host:port[,host:port...], "
			 "got \"\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: [a, b], topics: p}\n",
		    NAME ":2:32: source.brokers: expected a list of brokers host:port[,host:port...], "
			 "got a sequence");

	/* Topic names. */
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: [ok, \"bad topic\"]}\n",
		    NAME ":2:52: source.topics[1]: expected a Kafka topic name (1 to 249 characters "
			 "from [A-Za-z0-9._-]), got \"bad topic\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: a/b}\n",
		    NAME ":2:47: source.topics: expected a Kafka topic name (1 to 249 characters "
			 "from [A-Za-z0-9._-]), got \"a/b\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: ''}\n",
		    NAME ":2:47: source.topics: expected a Kafka topic name (1 to 249 characters "
			 "from [A-Za-z0-9._-]), got \"\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: ..}\n",
		    NAME ":2:47: source.topics: expected a Kafka topic name other than \".\" and \"..\", "
			 "got \"..\"");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r\xc3\xa9sultats}\n",
		    NAME ":5:44: sink.topic: expected a Kafka topic name (1 to 249 characters from "
			 "[A-Za-z0-9._-])");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: [r]}\n",
		    NAME ":5:44: sink.topic: expected a Kafka topic name (1 to 249 characters from "
			 "[A-Za-z0-9._-]), got a sequence");
	char text[1024], topic[260];
	memset(topic, 'x', 250);
	topic[250] = '\0';
	snprintf(text, sizeof(text), "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: %s}\n",
		 topic);
	check_error(cfg, text, NAME ":2:47: source.topics: expected a Kafka topic name (1 to 249 "
				   "characters from [A-Za-z0-9._-]), got \"xxxxxxxx");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: [a, b, c, d, e, f, g, h, i]}\n",
		    NAME ":2:72: source.topics[8]: expected at most 8 topics, got 9");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: [a, b, a]}\n",
		    NAME ":2:54: source.topics[2]: expected a topic not listed already (as "
			 "source.topics[0]), got \"a\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: []}\n",
		    NAME ":2:47: source.topics: expected a topic name or a list of 1 to 8 topic names, "
			 "got an empty list");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: {a: 1}}\n",
		    NAME ":2:47: source.topics: expected a topic name or a list of 1 to 8 topic names, "
			 "got a mapping");

	/* group */
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, group: ''}\n",
		    NAME ":2:57: source.group: expected a consumer group name of 1 to 255 bytes, got \"\"");
	char group[300];
	memset(group, 'g', 256);
	group[256] = '\0';
	snprintf(text, sizeof(text), "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, "
				     "group: %s}\n", group);
	check_error(cfg, text, NAME ":2:57: source.group: expected a consumer group name shorter than "
				   "256 bytes, got \"gggg");

	/* stop_at_end: Kafka only, a boolean. */
	check_error(cfg, "instance: t\nsource: {type: file, path: x, stop_at_end: true}\n",
		    NAME ":2:31: source.stop_at_end: unknown key for type file");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, stop_at_end: 2}\n",
		    NAME ":2:63: source.stop_at_end: expected true or false, got \"2\"");

	/* event_time: Kafka only, record or kafka, and then no time column. */
	check_error(cfg, "instance: t\nsource: {type: file, path: x, event_time: kafka}\n",
		    NAME ":2:31: source.event_time: unknown key for type file (expected one of: type, "
			 "format, path, stream_column, time_column, header, max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, event_time: broker}\n",
		    NAME ":2:62: source.event_time: expected record or kafka, got \"broker\"");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, event_time: kafka,"
			 " time_column: 1}\n",
		    NAME ":2:82: source.time_column: expected no time_column with event_time kafka (the "
			 "time is the message timestamp), got \"1\"");
	/* The other keys of other types, and header, which a topic has no use for. */
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, header: true}\n",
		    NAME ":2:50: source.header: unknown key for type kafka (expected one of: type, format, "
			 "brokers, topics, group, event_time, stop_at_end, properties, stream_column, "
			 "time_column, "
			 "max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, format: jsonl,"
			 " stream_column: 1}\n",
		    NAME ":2:65: source.stream_column: unknown key for format jsonl (expected one of: type, "
			 "format, brokers, topics, group, event_time, stop_at_end, properties, extra, max_record, time_unit, lateness, idle_close, stream, time, values)");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, port: 9092}\n",
		    NAME ":2:50: source.port: unknown key for type kafka");
	check_error(cfg, "instance: t\nsource: {type: tcp, port: 1, topics: p}\n",
		    NAME ":2:30: source.topics: unknown key for type tcp");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topic: p}\n",
		    NAME ":2:39: source.topic: unknown key (expected one of: type, format, path, host, "
			 "port, brokers, topics, group, event_time, stop_at_end, properties, stream_column, "
			 "time_column, header, max_record, max_connections, idle_timeout, time_unit, lateness, idle_close, "
			 "resend, extra, stream, time, values)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topics: [r]}\n",
		    NAME ":5:37: sink.topics: unknown key (expected one of: type, format, path, brokers, "
			 "topic, compression, exactly_once, properties)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r, path: x}\n",
		    NAME ":5:47: sink.path: unknown key for type kafka (expected one of: type, format, "
			 "brokers, topic, compression, exactly_once, properties)");

	/* compression and exactly_once */
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r, compression: brotli}\n",
		    NAME ":5:60: sink.compression: expected one of none, gzip, snappy, lz4, zstd, got "
			 "\"brotli\"");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r, compression: LZ4}\n",
		    NAME ":5:60: sink.compression: expected one of none, gzip, snappy, lz4, zstd, got "
			 "\"LZ4\"");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"b:1\", topic: r, exactly_once: yes}\n",
		    NAME ":5:61: sink.exactly_once: expected true or false, got \"yes\"");
	check_error(cfg, BASE "sink: {type: file, path: o, exactly_once: true}\n",
		    NAME ":5:29: sink.exactly_once: unknown key for type file (expected one of: type, "
			 "format, path)");
	check_error(cfg, BASE "sink: {type: stdout, compression: lz4}\n",
		    NAME ":5:22: sink.compression: unknown key for type stdout (expected one of: type, "
			 "format)");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, compression: lz4}\n",
		    NAME ":2:50: source.compression: unknown key (expected one of: type");
}

/* properties: librdkafka judges names and values; tdapipe's own are refused. */
static void test_kafka_properties(void **state)
{
	struct tdp_config *cfg = *state;
#define KSRC "instance: t\nsource:\n  type: kafka\n  brokers: b:1\n  topics: p\n  properties:\n"
	/* Line 7 is the first property. */
	check_error(cfg, KSRC "    fetch.min.bytes: 1\n    no.such: 1\n",
		    NAME ":8:5: source.properties.no.such: expected a librdkafka property, got "
			 "\"no.such\" (No such configuration property: \"no.such\")");
	check_error(cfg, KSRC "    session.timeout.ms: abc\n",
		    NAME ":7:25: source.properties.session.timeout.ms: expected a value librdkafka "
			 "accepts, got \"abc\" (Invalid value for configuration property "
			 "\"session.timeout.ms\")");
	check_error(cfg, KSRC "    fetch.wait.max.ms: -5\n",
		    NAME ":7:24: source.properties.fetch.wait.max.ms: expected a value librdkafka "
			 "accepts, got \"-5\" (Configuration property \"fetch.wait.max.ms\" value -5 is "
			 "outside allowed range 0..300000)");
	check_error(cfg, KSRC "    enable.auto.commit: yes\n",
		    NAME ":7:5: source.properties.enable.auto.commit: expected a property tdapipe does "
			 "not reserve, got \"enable.auto.commit\" (tdapipe keeps the offsets of what "
			 "it has processed)");
	check_error(cfg, KSRC "    check.crcs: maybe\n",
		    NAME ":7:17: source.properties.check.crcs: expected a value librdkafka accepts, "
			 "got \"maybe\"");
	/* Reserved: tdapipe sets them, or they make no sense for this client. */
	check_error(cfg, KSRC "    group.id: g\n",
		    NAME ":7:5: source.properties.group.id: expected a property tdapipe does not "
			 "reserve, got \"group.id\" (tdapipe sets it: use source.group)");
	check_error(cfg, KSRC "    bootstrap.servers: b:1\n",
		    NAME ":7:5: source.properties.bootstrap.servers: expected a property tdapipe does "
			 "not reserve, got \"bootstrap.servers\" (tdapipe sets it: use source.brokers)");
	check_error(cfg, KSRC "    metadata.broker.list: b:1\n",
		    NAME ":7:5: source.properties.metadata.broker.list: expected a property tdapipe "
			 "does not reserve, got \"metadata.broker.list\" (tdapipe sets it: use "
			 "source.brokers)");
	check_error(cfg, KSRC "    enable.partition.eof: true\n",
		    NAME ":7:5: source.properties.enable.partition.eof: expected a property tdapipe "
			 "does not reserve");
	check_error(cfg, KSRC "    transactional.id: x\n",
		    NAME ":7:5: source.properties.transactional.id: expected a property tdapipe does "
			 "not reserve, got \"transactional.id\" (a producer's setting)");
	check_error(cfg, KSRC "    plugin.library.paths: /tmp/x\n",
		    NAME ":7:5: source.properties.plugin.library.paths: expected a property tdapipe "
			 "does not reserve, got \"plugin.library.paths\" (plugins would be loaded while "
			 "the configuration is read)");
	check_error(cfg, BASE "sink:\n  type: kafka\n  brokers: b:1\n  topic: r\n  properties:\n"
			      "    transactional.id: x\n",
		    NAME ":10:5: sink.properties.transactional.id: expected a property tdapipe does not "
			 "reserve, got \"transactional.id\" (tdapipe sets it when exactly_once is true)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, properties: {group.id: g}}\n",
		    NAME ":5:58: sink.properties.group.id: expected a property tdapipe does not reserve, "
			 "got \"group.id\" (a consumer's setting: a producer has no group)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, properties: {compression.codec: gzip}}\n",
		    NAME ":5:58: sink.properties.compression.codec: expected a property tdapipe does not "
			 "reserve, got \"compression.codec\" (tdapipe sets it: use sink.compression)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, properties: {enable.idempotence: false}}\n",
		    NAME ":5:58: sink.properties.enable.idempotence: expected a property tdapipe does "
			 "not reserve, got \"enable.idempotence\" (tdapipe always enables it; exactly_once "
			 "makes the sink transactional)");
	check_error(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, properties: {acks: 1}}\n",
		    NAME ":5:58: sink.properties.acks: expected a property tdapipe does not reserve, got "
			 "\"acks\" (the idempotent producer always uses acks=all)");
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: b:1, topic: r, properties: "
			      "{isolation.level: read_committed}}\n",
		    NAME ":5:65: dead_letter.properties.isolation.level: expected a property tdapipe "
			 "does not reserve, got \"isolation.level\" (a consumer's setting)");
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: b:1, topic: r, properties: "
			      "{transactional.id: x}}\n",
		    NAME ":5:65: dead_letter.properties.transactional.id: expected a property tdapipe "
			 "does not reserve, got \"transactional.id\" (the dead-letter producer is not "
			 "transactional)");
	/* A producer that is not transactional never gives up on a message. */
	check_error(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, properties: {message.timeout.ms: 5000}}\n",
		    NAME ":5:58: sink.properties.message.timeout.ms: expected a property tdapipe does not "
			 "reserve, got \"message.timeout.ms\" (tdapipe sets it to 0, retrying for ever, "
			 "unless the producer is transactional)");
	check_error(cfg, BASE "dead_letter: {type: kafka, brokers: b:1, topic: r, properties: "
			      "{delivery.timeout.ms: 5000}}\n",
		    NAME ":5:65: dead_letter.properties.delivery.timeout.ms: expected a property tdapipe "
			 "does not reserve, got \"delivery.timeout.ms\" (tdapipe sets it to 0");
	check_ok(cfg, BASE "sink: {type: kafka, brokers: b:1, topic: r, exactly_once: true,"
			   " properties: {message.timeout.ms: 5000}}\n");
	assert_string_equal(cfg->sink.kafka.props[0].name, "message.timeout.ms");
	/* Dead letters may be compressed as librdkafka's property says. */
	check_ok(cfg, BASE "dead_letter: {type: kafka, brokers: b:1, topic: r, properties: "
			   "{compression.codec: zstd}}\n");
	assert_string_equal(cfg->dead_letter.kafka.props[0].value, "zstd");
	/* isolation.level is the consumer's own. */
	check_ok(cfg, KSRC "    isolation.level: read_uncommitted\n"
			   "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n");
	assert_string_equal(cfg->source.kafka.props[0].value, "read_uncommitted");

	/* The shape: a mapping of names to scalars. */
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: b:1, topics: p, properties: [a]}\n",
		    NAME ":2:60: source.properties: expected a mapping of librdkafka properties to "
			 "values, got a sequence");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: b:1, topics: p, properties: x}\n",
		    NAME ":2:60: source.properties: expected a mapping of librdkafka properties to "
			 "values, got \"x\"");
	check_error(cfg, KSRC "    debug: [all]\n",
		    NAME ":7:12: source.properties.debug: expected a property value (a number, a word "
			 "or a string), got a sequence");
	check_error(cfg, KSRC "    debug: {a: 1}\n",
		    NAME ":7:12: source.properties.debug: expected a property value (a number, a word "
			 "or a string), got a mapping");
	check_error(cfg, KSRC "    client.id:\n",
		    NAME ":7:15: source.properties.client.id: expected a property value (a number, a "
			 "word or a string), got \"\"");
	check_error(cfg, KSRC "    client.id: x\n    client.id: y\n",
		    NAME ":8:5: source.properties.client.id: duplicate key (first given at line 7)");
	check_error(cfg, KSRC "    client.id: &a x\n",
		    NAME ":7:16: source.properties.client.id: expected a plain value (anchors and "
			 "aliases are not supported), got \"&a\"");

	/* Sizes: 33 properties, a 128-byte name, a 512-byte value. */
	char text[4096];
	size_t o = (size_t)snprintf(text, sizeof(text), KSRC);
	for (int i = 0; i < 33; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "    p%d: 1\n", i);
	check_error(cfg, text, NAME ":39:5: source.properties.p32: expected at most 32 properties, got 33");
	char name[200], value[600], want[512];
	memset(name, 'n', 128);
	name[128] = '\0';
	snprintf(text, sizeof(text), KSRC "    %s: 1\n", name);
	snprintf(want, sizeof(want), NAME ":7:5: source.properties.%s: expected a property name shorter "
				     "than 128 bytes, got \"%.60s...\"", name, name);
	check_error(cfg, text, want);
	name[127] = '\0';
	snprintf(text, sizeof(text), KSRC "    %s: 1\n", name);
	snprintf(want, sizeof(want), NAME ":7:5: source.properties.%s: expected a librdkafka property, "
				     "got \"%.60s...\" (No such configuration property", name, name);
	check_error(cfg, text, want);	/* short enough, but unknown to librdkafka */
	memset(value, 'v', 512);
	value[512] = '\0';
	snprintf(text, sizeof(text), KSRC "    client.id: %s\n", value);
	check_error(cfg, text, NAME ":7:16: source.properties.client.id: expected a property value (a "
				   "number, a word or a string) shorter than 512 bytes, got \"vvvv");
#undef KSRC
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
		    NAME ":5:26: sink.path: expected a file other than source.path, got \"in.csv\"");
	check_error(cfg, BASE "sink: {type: file, path: o}\ndead_letter: {type: file, path: o}\n",
		    NAME ":6:33: dead_letter.path: expected a file other than sink.path, got \"o\"");
	check_error(cfg, BASE "sink: {type: file, path: t-dead-letter.jsonl}\n",
		    NAME ":1:1: dead_letter: expected a file other than sink.path, got the default "
			 "\"t-dead-letter.jsonl\"");
}

/* Outputs that are the input or each other under another name: "./x"
 * for "x", a hard link, a symbolic link (issue 16, defect 5: the
 * supervisor truncated the source and the run exited 0). */
static void test_clobber_same_file(void **state)
{
	struct tdp_config *cfg = *state;
	char dir[] = "/tmp/tdp-clobber-XXXXXX", src[64], hard[64], sym[64], text[512], want[256];
	assert_non_null(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/in.csv", dir);
	snprintf(hard, sizeof(hard), "%s/hard.csv", dir);
	snprintf(sym, sizeof(sym), "%s/sym.csv", dir);
	FILE *f = fopen(src, "w");
	assert_non_null(f);
	fputs("1\n", f);
	fclose(f);
	assert_int_equal(link(src, hard), 0);
	assert_int_equal(symlink(src, sym), 0);
	const char *aliases[] = {hard, sym};
	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "instance: t\nsource: {type: file, path: %s}\nsink: {type: file, path: %s}\n"
			 "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n", src, aliases[i]);
		snprintf(want, sizeof(want), NAME ":3:26: sink.path: expected a file other than source.path, got \"%s\"",
			 aliases[i]);
		check_error(cfg, text, want);
		snprintf(text, sizeof(text), "instance: t\nsource: {type: file, path: %s/./in.csv}\n"
			 "dead_letter: {type: file, path: %s}\n"
			 "scales: [{name: a, complex: rips, window: 4, slide: 1}]\n", dir, aliases[i]);
		snprintf(want, sizeof(want), NAME ":3:33: dead_letter.path: expected a file other than source.path");
		check_error(cfg, text, want);
	}
	unlink(sym);
	unlink(hard);
	unlink(src);
	rmdir(dir);
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

/* track, anomaly and the events sink (tdapipe.yaml(5), EVENTS). */
#define EVS "instance: t\nsource: {type: file, path: in.csv}\n"
#define RIPS01 "  - {name: a, complex: rips, window: 10, slide: 5, dims: [0, 1], "
static void test_events(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, BASE);
	assert_false(cfg->events.on);
	assert_false(cfg->scales[0].track.on || cfg->scales[0].anomaly.on);
	/* Defaults: the scale's dims, stability 0.5; the lowest dimension,
	 * 50 windows, threshold 6; events to INSTANCE-events.jsonl. */
	check_ok(cfg, EVS "scales:\n" RIPS01 "track: {min_persistence: 0.1}, anomaly: {signal: entropy}}\n");
	const struct tdp_scale_cfg *sc = &cfg->scales[0];
	assert_true(sc->track.on && sc->track.dims_mask == 3 && sc->track.min_persistence == 0.1 &&
		    sc->track.stability == 0.5);
	assert_true(sc->anomaly.on && sc->anomaly.signal == TDP_SIGNAL_ENTROPY && sc->anomaly.dim == 0 &&
		    sc->anomaly.history == 50 && sc->anomaly.threshold == 6);
	assert_true(cfg->events.on && cfg->events.type == TDP_SINK_FILE && cfg->events.format == TDP_FMT_JSONL);
	assert_string_equal(cfg->events.path, "t-events.jsonl");
	check_ok(cfg, EVS "sink: {type: file, path: o.jsonl}\nevents: {type: stdout, format: msgpack}\nscales:\n" RIPS01
		      "track: {dims: [1], min_persistence: 0, stability: 0.15}, "
		      "anomaly: {signal: wasserstein2, dim: 1, history: 3, threshold: 2.5}}\n");
	assert_true(cfg->events.type == TDP_SINK_STDOUT && cfg->events.format == TDP_FMT_MSGPACK);
	assert_true(sc->track.dims_mask == 2 && sc->track.stability == 0.15 && sc->anomaly.dim == 1 &&
		    sc->anomaly.history == 3 && sc->anomaly.threshold == 2.5);
	/* An events sink without a scale that makes events: on, empty. */
	check_ok(cfg, BASE "events: {type: file, path: ev.jsonl}\n");
	assert_true(cfg->events.on);
	/* What the blocks refuse. */
	check_error(cfg, EVS "scales:\n" RIPS01 "track: {dims: [1]}}\n",
		    NAME ":4:73: scales[0].track: missing required key \"min_persistence\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "track: {dims: [2], min_persistence: 1}}\n",
		    NAME ":4:80: scales[0].track.dims: expected dimensions the scale computes ([0, 1]), got a sequence");
	check_error(cfg, EVS "scales:\n" RIPS01 "track: {min_persistence: -1}}\n",
		    NAME ":4:91: scales[0].track.min_persistence: expected a lifetime of at least 0, got \"-1\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "track: {min_persistence: 1, stability: 1.5}}\n",
		    NAME ":4:105: scales[0].track.stability: expected a ratio of lifetimes from 0 to 1, got \"1.5\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "anomaly: {signal: mean}}\n",
		    NAME ":4:84: scales[0].anomaly.signal: expected one of bottleneck, wasserstein1, wasserstein2, "
			 "total, entropy, count, got \"mean\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "anomaly: {signal: count, dim: 3}}\n",
		    NAME ":4:96: scales[0].anomaly.dim: expected a dimension the scale computes ([0, 1]), got \"3\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "anomaly: {signal: count, history: 0}}\n",
		    NAME ":4:100: scales[0].anomaly.history: expected a number of windows from 1 to 10000, got \"0\"");
	check_error(cfg, EVS "scales:\n" RIPS01 "anomaly: {signal: count, threshold: 0}}\n",
		    NAME ":4:102: scales[0].anomaly.threshold: expected a positive finite number, got \"0\"");
	check_error(cfg, EVS "scales:\n  - {name: a, complex: sublevel, window: 10, slide: 5, "
			 "track: {dims: [1], min_persistence: 1}}\n",
		    NAME ":4:70: scales[0].track.dims: expected dimensions the scale computes ([0]), got a sequence");
	/* The events sink: kinds that go together, files that may not. */
	check_error(cfg, BASE "events: {type: kafka, topic: ev}\n",
		    NAME ":5:16: events.type: expected file or stdout (events of type kafka ride in a kafka sink's "
			 "transactions), got \"kafka\"");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"127.0.0.1:9092\", topic: res}\n"
			 "events: {type: file, path: ev.jsonl}\n",
		    NAME ":6:16: events.type: expected kafka (the sink is kafka: events go in the same "
			 "transactions), got \"file\"");
	check_error(cfg, EVS "sink: {type: kafka, brokers: \"127.0.0.1:9092\", topic: res}\nscales:\n" RIPS01
			 "anomaly: {signal: count}}\n",
		    NAME ":1:1: events: expected events: {type: kafka, topic: T}: a scale tracks or scores");
	check_ok(cfg, BASE "sink: {type: kafka, brokers: \"127.0.0.1:9092\", topic: res}\n"
		      "events: {type: kafka, topic: ev}\n");
	assert_string_equal(cfg->events.topic, "ev");
	check_error(cfg, BASE "sink: {type: kafka, brokers: \"127.0.0.1:9092\", topic: res}\n"
			 "events: {type: kafka, topic: res}\n",
		    NAME ":6:30: events.topic: expected a topic other than sink.topic, got \"res\"");
	check_error(cfg, BASE "sink: {type: file, path: out.jsonl}\nevents: {type: file, path: out.jsonl}\n",
		    NAME ":6:28: events.path: expected a file other than sink.path, got \"out.jsonl\"");
	check_error(cfg, BASE "events: {type: file, path: in.csv}\n",
		    NAME ":5:28: events.path: expected a file other than source.path, got \"in.csv\"");
	check_error(cfg, BASE "events: {type: stdout, format: msgpack}\n",
		    NAME ":5:32: events.format: expected jsonl, as the sink's (results and events share standard "
			 "output), got \"msgpack\"");
	check_ok(cfg, BASE "sink: {type: stdout, format: msgpack}\nevents: {type: stdout, format: msgpack}\n");
	check_error(cfg, BASE "events: {type: file}\n",
		    NAME ":5:9: events: missing required key \"path\"");
	check_error(cfg, BASE "events: {type: stdout, topic: x}\n",
		    NAME ":5:24: events.topic: ");
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

/* value: / values: (common/config_scale_values.c): a scale's coordinates,
 * by index here (names need the source's values: see the next test). */
static void test_scale_values(void **state)
{
	struct tdp_config *cfg = *state;
	check_ok(cfg, "instance: t\nsource: {type: file, path: in.csv}\nscales:\n"
		      "  - {name: a, complex: sublevel, window: 10, slide: 5, value: 2}\n"
		      "  - {name: b, complex: rips, window: 10, slide: 5, values: [2, 0]}\n"
		      "  - {name: c, complex: rips, window: 10, slide: 5}\n"
		      "  - {name: d, complex: rips, window: 10, slide: 5, values: [1], embed: {dim: 2, lag: 1}}\n");
	const struct tdp_scale_cfg *s = cfg->scales;
	assert_int_equal(s[0].values.n, 1);
	assert_true(s[0].values.scalar);
	assert_int_equal(s[0].values.coord[0], 2);
	assert_int_equal(s[1].values.n, 2);
	assert_false(s[1].values.scalar);
	assert_int_equal(s[1].values.coord[0], 2);
	assert_int_equal(s[1].values.coord[1], 0);
	assert_int_equal(s[2].values.n, 0);
	assert_int_equal(s[3].values.coord[0], 1);
	/* The store holds what the scale takes. */
	assert_int_equal(tdp_scale_store_dim(&s[0]), 1);
	assert_int_equal(tdp_scale_store_dim(&s[1]), 2);
	assert_int_equal(tdp_scale_store_dim(&s[2]), TDP_MAX_DIM);

#define SV_HEAD "instance: t\nsource: {type: file, path: in.csv}\nscales:\n"
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, value: 1, values: [0]}\n",
		    "config.yaml:4:70: scales[0].values: expected either value or values in a scale, not both");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, values: [0, 1, 0]}\n",
		    "config.yaml:4:67: scales[0].values[2]: expected a value not listed before (values[0]), got \"0\"");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, values: []}\n",
		    "config.yaml:4:60: scales[0].values: expected a list of 1 to 16 values the source names or "
		    "coordinate indices, got an empty list");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, values: [0,1,2,3,4,5,6,7,8,9,10,"
				 "11,12,13,14,15,16]}\n",
		    "config.yaml:4:60: scales[0].values: expected a list of 1 to 16 values the source names");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, value: 16}\n",
		    "config.yaml:4:59: scales[0].value: expected a coordinate index from 0 to 15, got \"16\"");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, value: [1]}\n",
		    "config.yaml:4:59: scales[0].value: expected a value the source names, or a coordinate index");
	/* A name, and the source names none (source.values). */
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, value: vibe}\n",
		    "config.yaml:4:59: scales[0].value: expected a coordinate index (the source names no "
		    "values: source.values), got \"vibe\"");
	/* A series takes one coordinate. */
	check_error(cfg, SV_HEAD "  - {name: a, complex: sublevel, window: 10, slide: 5, values: [0, 1]}\n",
		    "config.yaml:4:64: scales[0].values: expected one coordinate (value: NAME, or values: [NAME]) "
		    "with complex sublevel, got 2");
	check_error(cfg, SV_HEAD "  - {name: a, complex: rips, window: 10, slide: 5, values: [0, 1], "
				 "embed: {dim: 2, lag: 1}}\n",
		    "config.yaml:4:60: scales[0].values: expected one coordinate (value: NAME, or values: [NAME]) "
		    "with embed, got 2");
	check_ok(cfg, SV_HEAD "  - {name: a, complex: sublevel, window: 10, slide: 5, values: [3]}\n");
	/* The scales may come before the source in the file. */
	check_ok(cfg, "instance: t\nscales:\n  - {name: a, complex: rips, window: 10, slide: 5, value: 3}\n"
		      "source: {type: file, path: in.csv}\n");
}

/* Names resolve against the source's values, which the source side
 * (common/config_source_fields.c) fills from source.values: filled by
 * hand here, and the scales' rules run again on the same tree. */
static void test_scale_values_names(void **state)
{
	struct tdp_config *cfg = *state;
	const char *text = SV_HEAD "  - {name: a, complex: sublevel, window: 10, slide: 5, value: vib}\n"
			   "  - {name: b, complex: rips, window: 10, slide: 5, values: [temp, 1]}\n"
			   "  - {name: c, complex: rips, window: 10, slide: 5, values: [vibe]}\n";
	char err[512];
	assert_int_equal(parse(cfg, text, err, sizeof(err)), -1);   /* no names in the source yet */
	struct tdp_source_fields *sf = &cfg->source.fields;
	const char *names[] = {"temp", "pressure", "vib"};
	sf->nvalues = 3;
	for (int i = 0; i < 3; i++) {
		snprintf(sf->values[i].name, sizeof(sf->values[i].name), "%s", names[i]);
		sf->values[i].index = -1;
	}
	struct tdp_ynode *root = NULL;
	struct tdp_yaml_error ye;
	assert_int_equal(tdp_yaml_parse(text, strlen(text), &root, &ye), 0);
	struct tdp_cfg_ctx c = {.name = NAME, .err = err, .errlen = sizeof(err)};
	assert_int_equal(tdp_scale_values_rules(&c, tdp_ynode_lookup(root, "scales"), cfg), -1);
	assert_string_equal(err, "config.yaml:6:61: scales[2].values[0]: expected one of the source's values "
				 "(temp, pressure, vib) or a coordinate index, got \"vibe\"");
	assert_int_equal(cfg->scales[0].values.coord[0], 2);
	assert_int_equal(cfg->scales[1].values.coord[0], 0);
	assert_int_equal(cfg->scales[1].values.coord[1], 1);
	/* An index past the source's values, and one coordinate twice. */
	cfg->scales[2].values.sel[0].index = 3;
	assert_int_equal(tdp_scale_values_rules(&c, tdp_ynode_lookup(root, "scales"), cfg), -1);
	assert_string_equal(err, "config.yaml:6:61: scales[2].values[0]: expected a coordinate index below 3 "
				 "(the source lists 3 values), got \"vibe\"");
	cfg->scales[2].values.sel[0].index = -1;
	snprintf(cfg->scales[1].values.sel[1].name, TDP_FIELD_NAME_MAX, "temp");
	cfg->scales[1].values.sel[1].index = -1;
	cfg->nscales = 2;
	assert_int_equal(tdp_scale_values_rules(&c, tdp_ynode_lookup(root, "scales"), cfg), -1);
	assert_string_equal(err, "config.yaml:5:67: scales[1].values[1]: expected a coordinate not taken before "
				 "(values[0] is coordinate 0), got \"1\"");
	tdp_yaml_free(root);
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
	assert_string_equal(err, "/tmp: cannot read: a directory, not a regular file");
	/* A FIFO with no writer is refused, not waited on. */
	char fifo[] = "/tmp/tdp-test-fifo-XXXXXX";
	int tmp = mkstemp(fifo);
	assert_true(tmp >= 0);
	close(tmp);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(tdp_config_load(fifo, cfg, err, sizeof(err)), -1);
	char fifo_err[128];
	snprintf(fifo_err, sizeof(fifo_err), "%s: cannot read: a FIFO, not a regular file", fifo);
	assert_string_equal(err, fifo_err);
	unlink(fifo);

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

/* source stream:, time:, values: (config_source_fields.c): names, csv
 * indices, dotted paths, the older spelling, and every error. */
static void test_source_fields(void **state)
{
	struct tdp_config *cfg = *state;
#define SRC_LINE(x) "instance: t\nsource: {type: file, path: in.csv, " x "}\n" SCALES_TAIL
	check_ok(cfg, SRC_LINE("header: true, stream: sensor, time: 0, values: [temp, \"7\", 3]"));
	const struct tdp_source_fields *fs = &cfg->source.fields;
	assert_true(fs->has_stream && fs->has_time);
	assert_string_equal(fs->stream.name, "sensor");
	assert_int_equal(fs->stream.index, -1);
	assert_int_equal(fs->time.index, 0);
	assert_int_equal(cfg->source.time_column, 0);   /* an index: the decoder's column too */
	assert_int_equal(cfg->source.stream_column, -1);
	assert_int_equal(fs->nvalues, 3);
	assert_string_equal(fs->values[0].name, "temp");
	assert_string_equal(fs->values[1].name, "7");   /* quoted: a name */
	assert_int_equal(fs->values[2].index, 3);

	check_ok(cfg, SRC_LINE("stream: 2, time_column: 0"));
	assert_int_equal(cfg->source.stream_column, 2);
	assert_int_equal(cfg->source.time_column, 0);
	check_ok(cfg, SRC_LINE("stream_column: 1"));
	assert_false(cfg->source.fields.has_stream);
	assert_int_equal(cfg->source.fields.nvalues, 0);
	check_ok(cfg, SRC_LINE("format: jsonl, stream: tags.host, time: timestamp, values: [fields.usage, v]"));
	assert_string_equal(cfg->source.fields.values[0].name, "fields.usage");
	check_ok(cfg, SRC_LINE("format: msgpack, values: [\"0\"]"));

	check_error(cfg, SRC_LINE("stream: sensor"),
		    NAME ":2:44: source.stream: expected a 0-based column index (a column name needs header: "
			 "true), got \"sensor\"");
	check_error(cfg, SRC_LINE("values: [1, b]"),
		    NAME ":2:48: source.values[1]: expected a 0-based column index (a column name needs header");
	check_error(cfg, SRC_LINE("stream: 1, stream_column: 2"),
		    NAME ":2:62: source.stream_column: expected stream or stream_column, not both");
	check_error(cfg, SRC_LINE("time_column: 2, time: 3"),
		    NAME ":2:58: source.time: expected time or time_column, not both");
	check_error(cfg, SRC_LINE("stream: 1, time: 1"),
		    NAME ":2:53: source.time: expected a field other than the stream's, got \"1\"");
	check_error(cfg, SRC_LINE("stream: 1, time_column: 1"),
		    NAME ":2:60: source.time_column: expected a field other than the stream's");
	check_error(cfg, SRC_LINE("header: true, time: t, values: [a, t]"),
		    NAME ":2:71: source.values[1]: expected a field other than the time's");
	check_error(cfg, SRC_LINE("header: true, values: [a, b, a]"),
		    NAME ":2:65: source.values[2]: expected each field at most once, got \"a\"");
	check_error(cfg, SRC_LINE("values: []"),
		    NAME ":2:44: source.values: expected a list of 1 to 16 fields");
	check_error(cfg, SRC_LINE("values: [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]"),
		    NAME ":2:44: source.values: expected a list of 1 to 16 fields");
	check_error(cfg, SRC_LINE("values: 3"),
		    NAME ":2:44: source.values: expected a list of 1 to 16 fields");
	check_error(cfg, SRC_LINE("values: [[1]]"),
		    NAME ":2:45: source.values[0]: expected a column name or a 0-based column index");
	check_error(cfg, SRC_LINE("stream: 70000"),
		    NAME ":2:44: source.stream: expected a column index from 0 to 65535, got \"70000\"");
	check_error(cfg, SRC_LINE("header: true, stream: \"\""),
		    NAME ":2:58: source.stream: expected a column name of 1 to 63 bytes");
	check_error(cfg, SRC_LINE("format: jsonl, stream: \"a b\""),
		    NAME ":2:59: source.stream: expected a field path: names joined by single dots");
	check_error(cfg, SRC_LINE("format: jsonl, values: [a., b]"),
		    NAME ":2:60: source.values[0]: expected a field path: names joined by single dots");
	check_error(cfg, "instance: t\nsource: {type: kafka, brokers: \"b:1\", topics: p, event_time: kafka,"
			 " format: jsonl, time: ts}\n" SCALES_TAIL,
		    NAME ":2:90: source.time: expected no time with event_time kafka");
	check_error(cfg, SRC_LINE("format: jsonl, stream: fields, values: [fields.temp]"),
		    NAME ":2:76: source.values[0]: expected a path not inside \"fields\" (one key cannot hold both)");
	check_error(cfg, SRC_LINE("format: msgpack, values: [a.b.c, a.b]"),
		    NAME ":2:69: source.values[1]: expected a path not leading into \"a.b.c\"");
	check_ok(cfg, SRC_LINE("format: jsonl, stream: field, values: [fields.temp, fields.t]"));
#undef SRC_LINE
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
		cmocka_unit_test_setup_teardown(test_time_scales, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_embed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rips_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafka_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafka_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafka_dead_letter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafka_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kafka_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clobber_same_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yaml_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initialised_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scale_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scale_values_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
