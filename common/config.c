/*
 * config.c - load and check the pipeline configuration (tdapipe.yaml(5)).
 *
 * Two passes.  First the text becomes a tree of nodes with positions
 * (common/yaml_tree.c).  Then each section's table of keys (below; the
 * walker: common/config_schema.c) fills struct tdp_config, reporting the
 * first problem as
 *
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 *
 * with LINE:COL the 1-based start of the offending node (the readers and
 * their messages: common/config_read.c; the Kafka keys:
 * common/config_kafka.c).  A new key is a row of its section's table and
 * an entry in tdapipe.yaml(5); what is code here is the rules across keys.
 * Everything lives in locals and the tree; there is no global state, so
 * loads may run in parallel.
 */
#include "common/config.h"
#include "common/buf.h"
#include "common/config_kafka.h"
#include "common/config_read.h"
#include "common/duration.h"
#include "common/feature_layout.h"
#include "common/config_scale_values.h"
#include "common/config_schema.h"
#include "common/config_source_fields.h"
#include "common/record.h"
#include "common/yaml_tree.h"
#include "scaled/rips_cost.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (16u << 20)       /* a config larger than 16 MiB is not a config */
#define MAX_COUNT 16777216u        /* window, slide, lag, ring and max_record cap */
#define MAX_STREAMS 1048576u
#define MAX_COLUMN 65535u
#define MAX_PORT 65535u
#define MIN_MAX_RECORD 16u
#define MAX_CONNECTIONS 10000u
#define MIN_RING 16u
#define MIN_MAX_POINTS 2u          /* a cloud of one point has nothing to say */
#define MAX_MEMORY_MB 1048576u     /* 1 TiB */
#define MAX_MS 86400000u           /* timeouts and delays: at most a day */
#define MIN_HEARTBEAT_TIMEOUT_MS 100u
#define MAX_BACKOFF_MS 3600000u    /* at most an hour between restarts */
#define MAX_WINDOW_S 86400u

#define MAX_TIME_HELD (1u << 28)    /* points a stream keeps for one time scale */

#define DEFAULT_MAX_STREAMS 1024u
#define DEFAULT_MAX_WINDOW_POINTS 65536u
#define DEFAULT_MAX_RECORD 65536u
#define DEFAULT_MAX_CONNECTIONS 64u
#define DEFAULT_IDLE_TIMEOUT_MS 300000u   /* 5 minutes */
#define DEFAULT_RING 65536u
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_MEMORY_MB 1024u
#define DEFAULT_HEARTBEAT_TIMEOUT_MS 10000u
#define DEFAULT_RESTART_LIMIT 5u
#define DEFAULT_RESTART_WINDOW_S 30u
#define DEFAULT_BACKOFF_MIN_MS 100u
#define DEFAULT_BACKOFF_MAX_MS 5000u
#define DEFAULT_DRAIN_TIMEOUT_MS 30000u

#define BIT(x) (1u << (x))
#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define ROWS(a) TDP_CFG_ROWS(a)
/* A table the walker can hold, and a read order naming each of its rows. */
#define CHECK_ROWS(keys, order)                                                              \
	_Static_assert(NROWS(keys) <= TDP_CFG_MAX_KEYS && sizeof(order) == NROWS(keys), #keys)

/* Enum fields are filled as ints by the enum reader. */
_Static_assert(sizeof(enum tdp_source_type) == sizeof(int) && sizeof(enum tdp_format) == sizeof(int) &&
	       sizeof(enum tdp_sink_type) == sizeof(int) && sizeof(enum tdp_event_time) == sizeof(int) &&
	       sizeof(enum tdp_complex) == sizeof(int) && sizeof(enum tdp_overflow) == sizeof(int) &&
	       sizeof(enum tdp_resend) == sizeof(int) && sizeof(enum tdp_extra) == sizeof(int),
	       "config enums are ints");

/* ---------------------------------------------------------- enum words */

/* Indexed by the enums of config.h, for "unknown key for type tcp". */
static const char *const source_types[] = { "file", "stdin", "tcp", "udp", "kafka", NULL };
static const char *const formats[] = { "csv", "jsonl", "msgpack", NULL };
static const char *const output_types[] = { "stdout", "file", "stderr", "kafka", NULL };

static const char *const sink_types[] = { "stdout", "file", "kafka", NULL };
static const int sink_type_values[] = { TDP_SINK_STDOUT, TDP_SINK_FILE, TDP_SINK_KAFKA };
static const char *const dead_types[] = { "file", "stderr", "kafka", NULL };
static const int dead_type_values[] = { TDP_SINK_FILE, TDP_SINK_STDERR, TDP_SINK_KAFKA };
static const char *const sink_formats[] = { "jsonl", "msgpack", NULL };
static const int sink_format_values[] = { TDP_FMT_JSONL, TDP_FMT_MSGPACK };
static const char *const event_times[] = { "record", "kafka", NULL };
static const char *const complexes[] = { "sublevel", "rips", NULL };
static const char *const overflows[] = { "block", "drop", NULL };
static const char *const resends[] = { "skip", "keep", NULL };   /* enum tdp_resend */
static const char *const extras[] = { "dead_letter", "ignore", NULL };   /* enum tdp_extra */
static const char *const time_units[] = { "s", "ms", "us", "ns", NULL };   /* enum tdp_time_unit */

/* ------------------------------------------------------ section readers */

/* dead_letter.format: dead letters carry the raw record and a reason:
 * text, so jsonl, whatever else is asked. */
static int read_dead_format(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			    const struct tdp_cfg_key *k, void *obj)
{
	if (tdp_cfg_want_text(c, v, path, "jsonl"))
		return -1;
	if (strcmp(v->val, "jsonl"))
		return tdp_cfg_expected(c, v, path, "jsonl (dead letters are always jsonl)");
	int jsonl = TDP_FMT_JSONL;
	memcpy((char *)obj + k->offset, &jsonl, sizeof(jsonl));
	return 0;
}

static const struct tdp_cfg_type dead_format = { read_dead_format, tdp_cfg_init_enum };

/* ring: a power of two from LO to HI. */
static int read_pow2(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	char what[96];
	uint32_t u;
	snprintf(what, sizeof(what), "a power of two from %u to %u", k->lo, k->hi);
	if (tdp_cfg_want_uint(c, v, path, what, k->lo, k->hi, &u))
		return -1;
	if (u & (u - 1))
		return tdp_cfg_expected(c, v, path, what);
	memcpy((char *)obj + k->offset, &u, sizeof(u));
	return 0;
}

static const struct tdp_cfg_type pow2 = { read_pow2, tdp_cfg_init_uint };

/* overflow: an enum, and whether it was given (the default depends on the
 * source: tdp_scale_overflow). */
static int read_overflow(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			 const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_scale_cfg *sc = obj;
	if (tdp_cfg_enum.read(c, v, path, k, obj))
		return -1;
	sc->overflow_set = true;
	return 0;
}

static const struct tdp_cfg_type overflow = { read_overflow, tdp_cfg_init_enum };

/* ---------------------------------------------------------------- source */

static int source_type(const void *obj)
{
	return (int)((const struct tdp_source_cfg *)obj)->type;
}

static int source_format(const void *obj)
{
	return (int)((const struct tdp_source_cfg *)obj)->format;
}

/*
 * time_column: a column other than stream_column's, and none when the
 * time is the Kafka message's.  Read after stream_column and event_time.
 */
static int read_time_column(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
			    const struct tdp_cfg_key *k, void *obj)
{
	const struct tdp_source_cfg *src = obj;
	char w[96], g[256];

	if (tdp_cfg_uint.read(c, v, path, k, obj))
		return -1;
	if (src->time_column == src->stream_column) {
		snprintf(w, sizeof(w), "a column other than stream_column (%d)", src->stream_column);
		return tdp_cfg_expected(c, v, path, w);
	}
	if (src->event_time == TDP_TIME_KAFKA)
		return tdp_cfg_fail(c, v->line, v->col, path,
				    "expected no time_column with event_time kafka (the time is the "
				    "message timestamp), got %s", tdp_cfg_got(v, g, sizeof(g)));
	return 0;
}

static const struct tdp_cfg_type time_column = { read_time_column, tdp_cfg_init_uint };

#define SRC(m) TDP_CFG_FIELD(struct tdp_source_cfg, m)
#define SRC_NET (BIT(TDP_SRC_TCP) | BIT(TDP_SRC_UDP))
#define SRC_KAFKA BIT(TDP_SRC_KAFKA)

enum { S_TYPE, S_FORMAT, S_PATH, S_HOST, S_PORT, S_BROKERS, S_TOPICS, S_GROUP, S_EVENT_TIME,
       S_STOP_AT_END, S_PROPERTIES, S_STREAM_COLUMN, S_TIME_COLUMN, S_HEADER, S_MAX_RECORD,
       S_MAX_CONNECTIONS, S_IDLE_TIMEOUT, S_TIME_UNIT, S_LATENESS, S_IDLE_CLOSE, S_RESEND, S_EXTRA,
       S_STREAM, S_TIME, S_VALUES };

/*
 * source: the type decides which keys are valid (path for file, host and
 * port for the sockets, the Kafka keys for kafka), the format whether the
 * csv keys are.
 */
static const struct tdp_cfg_key source_keys[] = {
	[S_TYPE] = { "type", &tdp_cfg_enum, SRC(type), .words = source_types, .def.i = TDP_SRC_FILE,
		     .flags = TDP_KEY_REQUIRED | TDP_KEY_SELECTS },
	[S_FORMAT] = { "format", &tdp_cfg_enum, SRC(format), .words = formats, .def.i = TDP_FMT_CSV,
		       .flags = TDP_KEY_SELECTS },
	[S_PATH] = { "path", &tdp_cfg_string, SRC(path), .what = "a file path", .types = BIT(TDP_SRC_FILE),
		     .flags = TDP_KEY_REQUIRED },
	[S_HOST] = { "host", &tdp_cfg_string, SRC(host), .what = "a host name or address",
		     .def.s = DEFAULT_HOST, .types = SRC_NET },
	[S_PORT] = { "port", &tdp_cfg_uint, SRC(port), .lo = 1, .hi = MAX_PORT, .types = SRC_NET,
		     .flags = TDP_KEY_REQUIRED },
	[S_BROKERS] = { "brokers", &tdp_cfg_kafka_brokers, SRC(kafka), .types = SRC_KAFKA,
			.flags = TDP_KEY_REQUIRED },
	[S_TOPICS] = { "topics", &tdp_cfg_kafka_topics, SRC(kafka), .types = SRC_KAFKA,
		       .flags = TDP_KEY_REQUIRED },
	[S_GROUP] = { "group", &tdp_cfg_kafka_group, SRC(kafka), .types = SRC_KAFKA },
	[S_EVENT_TIME] = { "event_time", &tdp_cfg_enum, SRC(event_time), .words = event_times,
			   .def.i = TDP_TIME_RECORD, .types = SRC_KAFKA },
	[S_STOP_AT_END] = { "stop_at_end", &tdp_cfg_bool, SRC(kafka.stop_at_end), .types = SRC_KAFKA },
	[S_PROPERTIES] = { "properties", &tdp_cfg_kafka_source_props, SRC(kafka), .types = SRC_KAFKA },
	[S_STREAM_COLUMN] = { "stream_column", &tdp_cfg_uint, SRC(stream_column), .lo = 0, .hi = MAX_COLUMN,
			      .def.i = -1, .formats = BIT(TDP_FMT_CSV) },
	[S_TIME_COLUMN] = { "time_column", &time_column, SRC(time_column), .lo = 0, .hi = MAX_COLUMN,
			    .def.i = -1, .formats = BIT(TDP_FMT_CSV) },
	/* A topic has no first line to skip. */
	[S_HEADER] = { "header", &tdp_cfg_bool, SRC(header), .formats = BIT(TDP_FMT_CSV),
		       .types = BIT(TDP_SRC_FILE) | BIT(TDP_SRC_STDIN) | SRC_NET },
	[S_MAX_RECORD] = { "max_record", &tdp_cfg_uint, SRC(max_record), .lo = MIN_MAX_RECORD,
			   .hi = MAX_COUNT, .def.u = DEFAULT_MAX_RECORD },
	[S_MAX_CONNECTIONS] = { "max_connections", &tdp_cfg_uint, SRC(max_connections), .lo = 1,
				.hi = MAX_CONNECTIONS, .def.u = DEFAULT_MAX_CONNECTIONS,
				.types = BIT(TDP_SRC_TCP) },
	[S_IDLE_TIMEOUT] = { "idle_timeout", &tdp_cfg_duration, SRC(idle_timeout_ms), .lo = 0, .hi = MAX_MS,
			     .def.u = DEFAULT_IDLE_TIMEOUT_MS, .types = BIT(TDP_SRC_TCP) },
	[S_TIME_UNIT] = { "time_unit", &tdp_cfg_enum, SRC(time_unit), .words = time_units, .def.i = TDP_TIME_S },
	[S_LATENESS] = { "lateness", &tdp_cfg_duration_ns, SRC(lateness_ns) },
	[S_IDLE_CLOSE] = { "idle_close", &tdp_cfg_duration_ns, SRC(idle_close_ns) },
	/* Only senders that cannot be re-read from an offset send again. */
	[S_RESEND] = { "resend", &tdp_cfg_enum, SRC(resend), .words = resends, .def.i = TDP_RESEND_SKIP,
		       .types = BIT(TDP_SRC_STDIN) | SRC_NET },
	/* Collectors (Telegraf, Fluent Bit, Vector) add tags and units. */
	[S_EXTRA] = { "extra", &tdp_cfg_enum, SRC(extra), .words = extras, .def.i = TDP_EXTRA_DEAD_LETTER,
		      .formats = BIT(TDP_FMT_JSONL) | BIT(TDP_FMT_MSGPACK) },
	/* Fields by name, index or path: common/config_source_fields.c. */
	[S_STREAM] = { "stream", &tdp_cfg_source_stream, SRC(fields) },
	[S_TIME] = { "time", &tdp_cfg_source_time, SRC(fields) },
	[S_VALUES] = { "values", &tdp_cfg_source_values, SRC(fields) },
};

/* The port before the host, the properties with the other Kafka keys. */
static const uint8_t source_order[] = {
	S_TYPE, S_FORMAT, S_PATH, S_PORT, S_HOST, S_BROKERS, S_TOPICS, S_GROUP, S_PROPERTIES,
	S_EVENT_TIME, S_STOP_AT_END, S_STREAM_COLUMN, S_TIME_COLUMN, S_HEADER, S_MAX_RECORD,
	S_MAX_CONNECTIONS, S_IDLE_TIMEOUT, S_TIME_UNIT, S_LATENESS, S_IDLE_CLOSE, S_RESEND, S_EXTRA,
	S_STREAM, S_TIME, S_VALUES,
};

CHECK_ROWS(source_keys, source_order);

static const struct tdp_cfg_section source_section = {
	.what = "a mapping with a type", ROWS(source_keys), .order = source_order,
	.type_of = source_type, .type_words = source_types,
	.format_of = source_format, .format_words = formats, .rules = tdp_source_fields_rules,
};

/* ------------------------------------------------------ sink, dead_letter */

static int output_type(const void *obj)
{
	return (int)((const struct tdp_sink_cfg *)obj)->type;
}

#define OUT(m) TDP_CFG_FIELD(struct tdp_sink_cfg, m)
#define OUT_FILE BIT(TDP_SINK_FILE)
#define OUT_KAFKA BIT(TDP_SINK_KAFKA)

enum { O_TYPE, O_FORMAT, O_PATH, O_BROKERS, O_TOPIC, O_COMPRESSION, O_EXACTLY_ONCE, O_PROPERTIES };

/* sink: a type, a path for type file, the Kafka keys for type kafka, and
 * a format. */
static const struct tdp_cfg_key sink_keys[] = {
	[O_TYPE] = { "type", &tdp_cfg_enum, OUT(type), .words = sink_types, .values = sink_type_values,
		     .def.i = TDP_SINK_STDOUT, .flags = TDP_KEY_REQUIRED | TDP_KEY_SELECTS },
	[O_FORMAT] = { "format", &tdp_cfg_enum, OUT(format), .words = sink_formats,
		       .values = sink_format_values, .def.i = TDP_FMT_JSONL },
	[O_PATH] = { "path", &tdp_cfg_string, OUT(path), .what = "a file path", .types = OUT_FILE,
		     .flags = TDP_KEY_REQUIRED },
	[O_BROKERS] = { "brokers", &tdp_cfg_kafka_brokers, OUT(kafka), .types = OUT_KAFKA,
			.flags = TDP_KEY_REQUIRED },
	[O_TOPIC] = { "topic", &tdp_cfg_kafka_topic, OUT(kafka), .types = OUT_KAFKA,
		      .flags = TDP_KEY_REQUIRED },
	[O_COMPRESSION] = { "compression", &tdp_cfg_kafka_compression, OUT(kafka), .types = OUT_KAFKA },
	[O_EXACTLY_ONCE] = { "exactly_once", &tdp_cfg_bool, OUT(kafka.exactly_once), .types = OUT_KAFKA },
	[O_PROPERTIES] = { "properties", &tdp_cfg_kafka_sink_props, OUT(kafka), .types = OUT_KAFKA },
};

/* The format last: what the type's keys say comes first. */
static const uint8_t sink_order[] = {
	O_TYPE, O_PATH, O_BROKERS, O_TOPIC, O_COMPRESSION, O_EXACTLY_ONCE, O_PROPERTIES, O_FORMAT,
};

CHECK_ROWS(sink_keys, sink_order);

static const struct tdp_cfg_section sink_section = {
	.what = "a mapping with a type", ROWS(sink_keys), .order = sink_order,
	.type_of = output_type, .type_words = output_types,
};

/* dead_letter: the sink's shape, but file | stderr | kafka, jsonl only,
 * and no compression or exactly_once: the dead-letter producer is never
 * transactional, and its compression is librdkafka's compression.type, a
 * property like any other. */
enum { D_TYPE, D_FORMAT, D_PATH, D_BROKERS, D_TOPIC, D_PROPERTIES };

static const struct tdp_cfg_key dead_keys[] = {
	[D_TYPE] = { "type", &tdp_cfg_enum, OUT(type), .words = dead_types, .values = dead_type_values,
		     .def.i = TDP_SINK_FILE, .flags = TDP_KEY_REQUIRED | TDP_KEY_SELECTS },
	[D_FORMAT] = { "format", &dead_format, OUT(format), .def.i = TDP_FMT_JSONL },
	[D_PATH] = { "path", &tdp_cfg_string, OUT(path), .what = "a file path", .types = OUT_FILE,
		     .flags = TDP_KEY_REQUIRED },
	[D_BROKERS] = { "brokers", &tdp_cfg_kafka_brokers, OUT(kafka), .types = OUT_KAFKA,
			.flags = TDP_KEY_REQUIRED },
	[D_TOPIC] = { "topic", &tdp_cfg_kafka_topic, OUT(kafka), .types = OUT_KAFKA,
		      .flags = TDP_KEY_REQUIRED },
	[D_PROPERTIES] = { "properties", &tdp_cfg_kafka_dead_props, OUT(kafka), .types = OUT_KAFKA },
};

static const uint8_t dead_order[] = { D_TYPE, D_PATH, D_BROKERS, D_TOPIC, D_PROPERTIES, D_FORMAT };

CHECK_ROWS(dead_keys, dead_order);

static const struct tdp_cfg_section dead_section = {
	.what = "a mapping with a type", ROWS(dead_keys), .order = dead_order,
	.type_of = output_type, .type_words = output_types,
};

/* ---------------------------------------------------------------- scales */

#define SC(m) TDP_CFG_FIELD(struct tdp_scale_cfg, m)

/* embed: {dim, lag}, both required; dim up to the coordinates a point
 * can have. */
static const struct tdp_cfg_key embed_keys[] = {
	{ "dim", &tdp_cfg_uint, SC(embed_dim), .lo = 1, .hi = TDP_MAX_DIM, .flags = TDP_KEY_REQUIRED },
	{ "lag", &tdp_cfg_uint, SC(embed_lag), .lo = 1, .hi = MAX_COUNT, .flags = TDP_KEY_REQUIRED },
};

static const struct tdp_cfg_section embed_section = {
	.what = "a mapping {dim: D, lag: L}", ROWS(embed_keys),
};

static int scale_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		       const struct tdp_ynode *const *seen);

enum { SC_NAME, SC_COMPLEX, SC_WINDOW, SC_SLIDE, SC_DIMS, SC_EMBED, SC_OVERFLOW, SC_RING,
       SC_THRESHOLD, SC_MAX_POINTS, SC_MEMORY_MB, SC_MAX_WINDOW_POINTS, SC_FEATURES,
       SC_TRACK, SC_ANOMALY, SC_VALUE, SC_VALUES, SC_JOIN };

/*
 * window and slide: a count of points (a bare integer, as always), or a
 * duration (an integer with a unit ns us ms s m h) for windows over event
 * time.  Which of the two each is, is settled in scale_rules (both the
 * same); a duration leaves the count 0.  K->offset names the count.
 */
static int read_span(struct tdp_cfg_ctx *c, const struct tdp_ynode *v, const char *path,
		     const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_scale_cfg *sc = obj;
	bool is_window = k->offset == offsetof(struct tdp_scale_cfg, window);
	uint64_t *ns = is_window ? &sc->window_ns : &sc->slide_ns;
	if (tdp_cfg_plain(c, v, path))
		return -1;
	bool bare = v->kind == TDP_Y_SCALAR && !v->quoted && v->len &&
		    strspn(v->val, "0123456789") == v->len;
	if (bare)
		return tdp_cfg_uint.read(c, v, path, k, obj);
	uint64_t got;
	if (v->kind == TDP_Y_SCALAR && !v->quoted && tdp_duration_parse(v->val, v->len, 0, &got) == 0 &&
	    got >= TDP_MIN_SLIDE_NS) {
		*ns = got;
		return 0;
	}
	char w[200];
	snprintf(w, sizeof(w), "a count of points from 1 to %u, or a duration of at least 2ns: an "
		 "integer with a unit ns, us, ms, s, m or h (\"100ms\")", MAX_COUNT);
	return tdp_cfg_expected(c, v, path, w);
}

static const struct tdp_cfg_type window_span = { read_span, tdp_cfg_init_uint };

/* scales[I]: read in document order, then the required keys. */
static const struct tdp_cfg_key scale_keys[] = {
	[SC_NAME] = { "name", &tdp_cfg_name, SC(name), .what = "a scale name", .chars = "_-",
		      .flags = TDP_KEY_REQUIRED },
	[SC_COMPLEX] = { "complex", &tdp_cfg_enum, SC(complex), .words = complexes,
			 .flags = TDP_KEY_REQUIRED },
	[SC_WINDOW] = { "window", &window_span, SC(window), .lo = 1, .hi = MAX_COUNT,
			.flags = TDP_KEY_REQUIRED },
	[SC_SLIDE] = { "slide", &window_span, SC(slide), .lo = 1, .hi = MAX_COUNT,
		       .flags = TDP_KEY_REQUIRED },
	[SC_DIMS] = { "dims", &tdp_cfg_dims, SC(dims_mask), .def.u = 1 },
	[SC_EMBED] = { "embed", &tdp_cfg_mapping, .offset = 0, .size = sizeof(struct tdp_scale_cfg),
		       .section = &embed_section },
	[SC_OVERFLOW] = { "overflow", &overflow, SC(overflow), .words = overflows,
			  .def.i = TDP_OVERFLOW_BLOCK },
	[SC_RING] = { "ring", &pow2, SC(ring), .lo = MIN_RING, .hi = MAX_COUNT, .def.u = DEFAULT_RING },
	/* rips only: */
	[SC_THRESHOLD] = { "threshold", &tdp_cfg_number, SC(threshold), .def.d = INFINITY },
	[SC_MAX_POINTS] = { "max_points", &tdp_cfg_uint, SC(max_points), .lo = MIN_MAX_POINTS,
			    .hi = MAX_COUNT },
	[SC_MEMORY_MB] = { "memory_mb", &tdp_cfg_uint, SC(memory_mb), .lo = 1, .hi = MAX_MEMORY_MB,
			   .def.u = DEFAULT_MEMORY_MB },
	/* time scales only: */
	[SC_MAX_WINDOW_POINTS] = { "max_window_points", &tdp_cfg_uint, SC(max_window_points), .lo = 1,
				   .hi = MAX_COUNT, .def.u = DEFAULT_MAX_WINDOW_POINTS },
	[SC_FEATURES] = { "features", &tdp_cfg_mapping, SC(features), .section = &tdp_features_section },
	[SC_TRACK] = { "track", &tdp_cfg_mapping, SC(track), .section = &tdp_track_section },
	[SC_ANOMALY] = { "anomaly", &tdp_cfg_mapping, SC(anomaly), .section = &tdp_anomaly_section },
	[SC_VALUE] = { "value", &tdp_cfg_scale_value, SC(values) },
	[SC_VALUES] = { "values", &tdp_cfg_scale_values, SC(values) },
	[SC_JOIN] = { "join", &tdp_cfg_mapping, SC(join), .section = &tdp_join_section },
};

/*
 * Windows over event time: window and slide both durations, or both
 * counts.  A time scale's `window` count becomes max_window_points, the
 * most points one of its windows holds, which is what every bound sized
 * by a window's points (results, arena, rips' memory model) needs.  A
 * stream keeps, per time scale, up to max_window_points for each window
 * a point may fall in (scaled/time_windows.c): that product is bounded.
 */
static int time_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		      struct tdp_scale_cfg *sc, const struct tdp_ynode *const *seen)
{
	char kp[TDP_CFG_PATH_MAX], w[160];
	const struct tdp_ynode *win = seen[SC_WINDOW], *slide = seen[SC_SLIDE];
	(void)m;
	if (!sc->window_ns != !sc->slide_ns) {
		bool slide_is_count = !sc->slide_ns;
		snprintf(w, sizeof(w), "%s, as window is (both counts of points or both durations)",
			 slide_is_count ? "a duration (\"100ms\")" : "a count of points");
		return tdp_cfg_expected(c, slide, tdp_cfg_key_path(kp, path, "slide"), w);
	}
	sc->timed = sc->window_ns != 0;
	if (!sc->timed) {
		if (seen[SC_MAX_WINDOW_POINTS])
			return tdp_cfg_fail(c, seen[SC_MAX_WINDOW_POINTS]->line, seen[SC_MAX_WINDOW_POINTS]->col,
					    tdp_cfg_key_path(kp, path, "max_window_points"),
					    "expected no max_window_points with a window of %u points (it "
					    "bounds windows that are durations)", sc->window);
		return 0;
	}
	sc->window = sc->max_window_points;
	sc->slide = 1;
	uint64_t held = (uint64_t)sc->max_window_points * tdp_scale_windows_per_point(sc);
	if (held > MAX_TIME_HELD) {
		snprintf(w, sizeof(w), "max_window_points (%u) times the windows a point falls in (%llu) "
			 "at most %u", sc->max_window_points,
			 (unsigned long long)tdp_scale_windows_per_point(sc), MAX_TIME_HELD);
		return tdp_cfg_expected(c, win, tdp_cfg_key_path(kp, path, "window"), w);
	}
	return 0;
}

static const struct tdp_cfg_section scale_section = {
	.what = "a mapping describing a scale", ROWS(scale_keys), .doc_order = true,
	.rules = scale_rules,
};

/*
 * What ties a scale's keys together: embed needs rips and must leave a
 * point; sublevel has only H0 and none of rips' keys; rips' distances must
 * fit memory_mb (scaled/rips_cost.c).
 */
static int scale_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		       const struct tdp_ynode *const *seen)
{
	struct tdp_scale_cfg *sc = obj;
	const struct tdp_ynode *embed = seen[SC_EMBED], *rips_only = NULL;
	char kp[TDP_CFG_PATH_MAX], why[256];

	if (time_rules(c, m, path, sc, seen) ||
	    tdp_events_scale_rules(c, path, sc, seen[SC_TRACK], seen[SC_ANOMALY]) ||
	    tdp_join_scale_rules(c, path, sc, seen[SC_JOIN]))
		return -1;
	if (embed) {
		char g[96];
		snprintf(g, sizeof(g), "\"{dim: %u, lag: %u}\"", sc->embed_dim, sc->embed_lag);
		tdp_cfg_key_path(kp, path, "embed");
		if (sc->complex != TDP_COMPLEX_RIPS)
			return tdp_cfg_fail(c, embed->line, embed->col, kp,
					    "expected no embed with complex %s (delay embedding needs "
					    "complex rips), got %s", complexes[sc->complex], g);
		/* 64 bits: dim <= TDP_MAX_DIM and lag <= MAX_COUNT cannot wrap. */
		uint64_t span = (uint64_t)(sc->embed_dim - 1) * sc->embed_lag;
		if (span >= sc->window)
			return tdp_cfg_fail(c, embed->line, embed->col, kp,
					    "expected (dim-1)*lag below the %s of %u points, got %s",
					    sc->timed ? "max_window_points" : "window", sc->window, g);
	}
	if (sc->complex != TDP_COMPLEX_SUBLEVEL)
		return tdp_scale_rips_check(sc, why, sizeof(why)) ?
		       tdp_cfg_fail(c, m->line, m->col, path, "%s", why) : 0;
	if (seen[SC_DIMS] && sc->dims_mask != 1)
		return tdp_cfg_expected(c, seen[SC_DIMS], tdp_cfg_key_path(kp, path, "dims"),
					"[0] with complex sublevel (a series' sublevel sets have only H0)");
	/* The last of rips' keys in the document is the one named. */
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next)
		if (k->next == seen[SC_THRESHOLD] || k->next == seen[SC_MAX_POINTS] ||
		    k->next == seen[SC_MEMORY_MB])
			rips_only = k;
	if (rips_only)
		return tdp_cfg_fail(c, rips_only->line, rips_only->col,
				    tdp_cfg_key_path(kp, path, rips_only->val),
				    "expected no %s with complex sublevel (it applies to rips)", rips_only->val);
	return 0;
}

/* scales: a list of 1..TDP_MAX_SCALES mappings, their names distinct;
 * cfg->nscales counts the entries started, so it is right even when one
 * fails half-way.  OBJ is the whole config. */
static int read_scales(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path,
		       const struct tdp_cfg_key *k, void *obj)
{
	struct tdp_config *cfg = obj;
	char what[64], ip[TDP_CFG_PATH_MAX], kp[TDP_CFG_PATH_MAX];
	uint32_t i = 0;

	(void)k;
	snprintf(what, sizeof(what), "a list of 1 to %d scales", TDP_MAX_SCALES);
	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, n, path, what);
	if (!n->n)
		return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got an empty list", what);
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++) {
		struct tdp_scale_cfg *sc = &cfg->scales[i];
		tdp_cfg_index_path(ip, path, i);
		if (i == TDP_MAX_SCALES)
			return tdp_cfg_fail(c, e->line, e->col, ip, "expected at most %d scales, got %zu",
					    TDP_MAX_SCALES, n->n);
		memset(sc, 0, sizeof(*sc));
		tdp_cfg_defaults(&scale_section, sc);
		cfg->nscales = i + 1;
		if (tdp_cfg_walk(c, e, ip, &scale_section, sc, NULL))
			return -1;
		for (uint32_t j = 0; j < i; j++) {
			if (!strcmp(cfg->scales[j].name, sc->name)) {
				char w[64];
				snprintf(w, sizeof(w), "a name not used by scales[%u]", j);
				return tdp_cfg_expected(c, tdp_ynode_lookup(e, "name"),
							tdp_cfg_key_path(kp, ip, "name"), w);
			}
		}
	}
	return 0;
}

static const struct tdp_cfg_type scales = { read_scales, NULL };

/* ------------------------------------------------------------ supervisor */

#define SV(m) TDP_CFG_FIELD(struct tdp_supervisor_cfg, m)

static int supervisor_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
			    void *obj, const struct tdp_ynode *const *seen);

enum { SV_HEARTBEAT_TIMEOUT, SV_RESTART_LIMIT, SV_RESTART_WINDOW, SV_BACKOFF_MIN, SV_BACKOFF_MAX,
       SV_DRAIN_TIMEOUT };

/* supervisor: every key optional. */
static const struct tdp_cfg_key supervisor_keys[] = {
	[SV_HEARTBEAT_TIMEOUT] = { "heartbeat_timeout", &tdp_cfg_uint, SV(heartbeat_timeout_ms),
				   .lo = MIN_HEARTBEAT_TIMEOUT_MS, .hi = MAX_MS,
				   .what = "a number of milliseconds", .def.u = DEFAULT_HEARTBEAT_TIMEOUT_MS },
	[SV_RESTART_LIMIT] = { "restart_limit", &tdp_cfg_uint, SV(restart_limit), .lo = 1,
			       .hi = TDP_RESTART_LIMIT_MAX, .what = "a number of restarts",
			       .def.u = DEFAULT_RESTART_LIMIT },
	[SV_RESTART_WINDOW] = { "restart_window", &tdp_cfg_uint, SV(restart_window_s), .lo = 1,
				.hi = MAX_WINDOW_S, .what = "a number of seconds",
				.def.u = DEFAULT_RESTART_WINDOW_S },
	[SV_BACKOFF_MIN] = { "backoff_min", &tdp_cfg_uint, SV(backoff_min_ms), .lo = 1, .hi = MAX_BACKOFF_MS,
			     .what = "a number of milliseconds", .def.u = DEFAULT_BACKOFF_MIN_MS },
	[SV_BACKOFF_MAX] = { "backoff_max", &tdp_cfg_uint, SV(backoff_max_ms), .lo = 1, .hi = MAX_BACKOFF_MS,
			     .what = "a number of milliseconds", .def.u = DEFAULT_BACKOFF_MAX_MS },
	[SV_DRAIN_TIMEOUT] = { "drain_timeout", &tdp_cfg_duration, SV(drain_timeout_ms), .lo = 0, .hi = MAX_MS,
			       .what = "a duration (30s)", .def.u = DEFAULT_DRAIN_TIMEOUT_MS },
};

static const struct tdp_cfg_section supervisor_section = {
	.what = "a mapping of supervisor settings", ROWS(supervisor_keys), .doc_order = true,
	.rules = supervisor_rules,
};

/* backoff_min <= backoff_max: the message on backoff_max when it was
 * given (the key that broke the rule), else on backoff_min against the
 * default. */
static int supervisor_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
			    void *obj, const struct tdp_ynode *const *seen)
{
	const struct tdp_supervisor_cfg *sv = obj;
	char kp[TDP_CFG_PATH_MAX], w[128];

	(void)m;
	if (sv->backoff_max_ms >= sv->backoff_min_ms)
		return 0;
	if (seen[SV_BACKOFF_MAX]) {
		snprintf(w, sizeof(w), "a number of milliseconds no smaller than backoff_min (%u)",
			 sv->backoff_min_ms);
		return tdp_cfg_expected(c, seen[SV_BACKOFF_MAX], tdp_cfg_key_path(kp, path, "backoff_max"), w);
	}
	snprintf(w, sizeof(w), "at most backoff_max (%u, its default; raise it too)", sv->backoff_max_ms);
	return tdp_cfg_expected(c, seen[SV_BACKOFF_MIN], tdp_cfg_key_path(kp, path, "backoff_min"), w);
}

/* ------------------------------------------------------------------ root */

/*
 * The supervisor truncates the sink and dead-letter files at start, so
 * neither may be the input or the other.  (The outputs are also opened
 * without following a symbolic link, so one planted later cannot send
 * them elsewhere either: cli/run.c, common/uring_io.c.)  DEAD is the
 * dead_letter section's node, or NULL.
 */
static int check_clobber(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_ynode *dead,
			 const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *dl = &cfg->dead_letter, *sink = &cfg->sink;
	const char *src = cfg->source.type == TDP_SRC_FILE ? cfg->source.path : NULL;

	if (sink->type == TDP_SINK_FILE && src && tdp_cfg_same_file(src, sink->path))
		return tdp_cfg_expected(c, tdp_ynode_lookup(tdp_ynode_lookup(root, "sink"), "path"),
					"sink.path", "a file other than source.path");
	if (dl->type != TDP_SINK_FILE)
		return 0;
	const char *other = sink->type == TDP_SINK_FILE && tdp_cfg_same_file(sink->path, dl->path) ?
			    "sink.path" : src && tdp_cfg_same_file(src, dl->path) ? "source.path" : NULL;
	if (!other)
		return 0;
	char w[64];
	snprintf(w, sizeof(w), "a file other than %s", other);
	if (dead)
		return tdp_cfg_expected(c, tdp_ynode_lookup(dead, "path"), "dead_letter.path", w);
	/* The default path collides: point at the document, which lacks dead_letter. */
	return tdp_cfg_fail(c, root->line, root->col, "dead_letter",
			    "expected %s, got the default \"%s\"", w, dl->path);
}

/*
 * The Kafka counterpart of check_clobber: a sink or dead-letter topic the
 * source reads would feed the pipeline its own output, and dead letters
 * in the sink's topic would mix with results.  Brokers are compared as
 * written, like paths: a hint, not a guarantee.
 */
static int check_kafka_loops(struct tdp_cfg_ctx *c, const struct tdp_ynode *root,
			     const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *outs[] = { &cfg->sink, &cfg->dead_letter };
	static const char *const names[] = { "sink", "dead_letter" };
	const struct tdp_kafka_cfg *src = cfg->source.type == TDP_SRC_KAFKA ? &cfg->source.kafka : NULL;
	char kp[TDP_CFG_PATH_MAX];

	for (int i = 0; i < 2; i++) {
		const struct tdp_kafka_cfg *k = &outs[i]->kafka;
		if (outs[i]->type != TDP_SINK_KAFKA)
			continue;
		const struct tdp_ynode *topic = tdp_ynode_lookup(tdp_ynode_lookup(root, names[i]), "topic");
		tdp_cfg_key_path(kp, names[i], "topic");
		for (uint32_t t = 0; src && t < src->ntopics; t++)
			if (!strcmp(src->brokers, k->brokers) && !strcmp(src->topics[t], k->topics[0]))
				return tdp_cfg_expected(c, topic, kp, "a topic the source does not read");
		if (i == 1 && cfg->sink.type == TDP_SINK_KAFKA &&
		    !strcmp(cfg->sink.kafka.brokers, k->brokers) &&
		    !strcmp(cfg->sink.kafka.topics[0], k->topics[0]))
			return tdp_cfg_expected(c, topic, kp, "a topic other than sink.topic");
	}
	return 0;
}

#define CFG(m) TDP_CFG_FIELD(struct tdp_config, m)

static int root_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const char *path, void *obj,
		      const struct tdp_ynode *const *seen);

enum { R_INSTANCE, R_SOURCE, R_SINK, R_DEAD_LETTER, R_EVENTS, R_SCALES, R_MAX_STREAMS, R_SUPERVISOR, R_METRICS,
       R_LOG, R_STATE };

/* The top-level mapping, read in document order. */
static const struct tdp_cfg_key root_keys[] = {
	[R_INSTANCE] = { "instance", &tdp_cfg_name, CFG(instance), .what = "an instance name", .chars = "_.-",
			 .flags = TDP_KEY_REQUIRED },
	[R_SOURCE] = { "source", &tdp_cfg_mapping, CFG(source), .section = &source_section,
		       .flags = TDP_KEY_REQUIRED },
	[R_SINK] = { "sink", &tdp_cfg_mapping, CFG(sink), .section = &sink_section },
	[R_DEAD_LETTER] = { "dead_letter", &tdp_cfg_mapping, CFG(dead_letter), .section = &dead_section },
	[R_EVENTS] = { "events", &tdp_cfg_mapping, CFG(events), .section = &tdp_events_section },
	[R_SCALES] = { "scales", &scales, .flags = TDP_KEY_REQUIRED },
	[R_MAX_STREAMS] = { "max_streams", &tdp_cfg_uint, CFG(max_streams), .lo = 1, .hi = MAX_STREAMS,
			    .def.u = DEFAULT_MAX_STREAMS },
	[R_SUPERVISOR] = { "supervisor", &tdp_cfg_mapping, CFG(supervisor), .section = &supervisor_section },
	[R_METRICS] = { "metrics", &tdp_cfg_mapping, CFG(metrics), .section = &tdp_metrics_section },
	[R_LOG] = { "log", &tdp_cfg_mapping, CFG(log), .section = &tdp_log_section },
	[R_STATE] = { "state", &tdp_cfg_mapping, CFG(state), .section = &tdp_state_section },
};

static const struct tdp_cfg_section root_section = {
	.what = "a mapping of configuration keys", ROWS(root_keys), .doc_order = true,
	.rules = root_rules,
};

/* The rules spanning sections, and the defaults that depend on other keys. */
static int root_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const char *path, void *obj,
		      const struct tdp_ynode *const *seen)
{
	struct tdp_config *cfg = obj;

	(void)path;
	if (!seen[R_DEAD_LETTER])
		snprintf(cfg->dead_letter.path, sizeof(cfg->dead_letter.path), "%s-dead-letter.jsonl",
			 cfg->instance);
	/* The instance may come after the source in the file. */
	if (cfg->source.type == TDP_SRC_KAFKA && !cfg->source.kafka.group[0])
		snprintf(cfg->source.kafka.group, sizeof(cfg->source.kafka.group), "tdapipe-%s",
			 cfg->instance);
	/* A udp datagram cannot be held back: block would be a lie. */
	if (!tdp_source_pausable(&cfg->source)) {
		uint32_t s = 0;
		for (const struct tdp_ynode *e = seen[R_SCALES]->head; e; e = e->next, s++) {
			const struct tdp_ynode *v = tdp_ynode_lookup(e, "overflow");
			char kp[TDP_CFG_PATH_MAX], sp[TDP_CFG_PATH_MAX];
			if (v && cfg->scales[s].overflow == TDP_OVERFLOW_BLOCK)
				return tdp_cfg_expected(c, v, tdp_cfg_key_path(kp, tdp_cfg_index_path(sp, "scales", s),
										"overflow"),
							"drop (a udp source cannot be paused)");
		}
	}
	if (check_clobber(c, root, seen[R_DEAD_LETTER], cfg) || tdp_events_rules(c, root, seen[R_EVENTS], cfg) ||
	    tdp_scale_values_rules(c, seen[R_SCALES], cfg))
		return -1;
	/* Windows of event time need a time in every record: a CSV source
	 * without a time column could only give dead letters. */
	if (tdp_config_timed(cfg) && cfg->source.format == TDP_FMT_CSV && cfg->source.time_column < 0 && !cfg->source.fields.has_time &&
	    cfg->source.event_time != TDP_TIME_KAFKA) {
		uint32_t s = 0;
		while (!cfg->scales[s].timed)
			s++;
		const struct tdp_ynode *e = seen[R_SCALES]->head;
		for (uint32_t j = 0; j < s; j++)
			e = e->next;
		const struct tdp_ynode *v = tdp_ynode_lookup(e, "window");
		char kp[TDP_CFG_PATH_MAX], sp[TDP_CFG_PATH_MAX];
		return tdp_cfg_fail(c, v->line, v->col, tdp_cfg_key_path(kp, tdp_cfg_index_path(sp, "scales", s), "window"),
				    "expected a count of points: the csv source has no time_column, and windows "
				    "of event time need one (or event_time: kafka)");
	}
	/* Watermark settings mean nothing without windows of event time. */
	if (!tdp_config_timed(cfg)) {
		static const char *const timed_only[] = {"lateness", "idle_close"};
		for (size_t i = 0; i < 2; i++) {
			const struct tdp_ynode *v = tdp_ynode_lookup(seen[R_SOURCE], timed_only[i]);
			char kp[TDP_CFG_PATH_MAX], g[96];
			if (v)
				return tdp_cfg_fail(c, v->line, v->col, tdp_cfg_key_path(kp, "source", timed_only[i]),
						    "expected no %s: no scale has windows of event time (a window "
						    "and slide that are durations), got %s", timed_only[i],
						    tdp_cfg_got(v, g, sizeof(g)));
		}
	}
	return check_kafka_loops(c, root, cfg);
}

/* The document: a mapping, said plainly when the file is empty. */
static int parse_root(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, struct tdp_config *cfg)
{
	if (!root)
		return tdp_cfg_fail(c, 1, 1, "", "expected a mapping of configuration keys, got an empty file");
	if (tdp_cfg_plain(c, root, ""))
		return -1;
	if (tdp_ynode_is_null(root))
		return tdp_cfg_fail(c, root->line, root->col, "",
				    "expected a mapping of configuration keys, got an empty document");
	return tdp_cfg_walk(c, root, "", &root_section, cfg, NULL);
}

/* ------------------------------------------------------------ public API */

/* Every field at its documented default; NAME becomes cfg->path. */
static void config_defaults(struct tdp_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	tdp_cfg_defaults(&root_section, cfg);
}

/*
 * Parse TEXT (LEN bytes, no NUL needed) named NAME into *CFG.  *CFG is reset
 * to the defaults first, whatever the outcome, so a caller never sees stale
 * or uninitialised fields.  0, or -1 with one line in ERR.
 */
int tdp_config_parse(const char *text, size_t len, const char *name,
		     struct tdp_config *cfg, char *err, size_t errlen)
{
	struct tdp_cfg_ctx c = { .name = name ? name : "(config)", .err = err, .errlen = errlen };
	struct tdp_ynode *root = NULL;
	int rc;

	if (errlen)
		err[0] = '\0';
	config_defaults(cfg, c.name);
	if (!text) {
		text = "";
		len = 0;
	}
	struct tdp_yaml_error ye;
	rc = tdp_yaml_parse(text, len, &root, &ye);
	if (rc)
		tdp_cfg_fail(&c, ye.line, ye.col, "", "%s", ye.msg);
	else
		rc = parse_root(&c, root, cfg);
	tdp_yaml_free(root);
	return rc;
}

/* What a file that is not a regular file is, for messages. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISDIR(m) ? "a directory" : "not a regular file";
}

int tdp_config_read(struct tdp_buf *text, const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
	 * then refused for what it is. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int rc = fd < 0 || fstat(fd, &st) < 0 ? -errno : 0;
	if (!rc && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read: %s, not a regular file", path, file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	if (!rc)
		rc = tdp_buf_read_fd(text, fd, MAX_FILE);
	char too_big[48];
	snprintf(too_big, sizeof(too_big), "larger than %u MiB: not a config", MAX_FILE >> 20);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 rc == -EFBIG ? too_big : strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Read the whole file PATH and parse it.  An unreadable file (missing,
 * not a regular file, larger than MAX_FILE) is "PATH: cannot read: REASON".
 */
int tdp_config_load(const char *path, struct tdp_config *cfg, char *err, size_t errlen)
{
	struct tdp_buf text;
	tdp_buf_init(&text);
	config_defaults(cfg, path);
	int rc = tdp_config_read(&text, path, err, errlen);
	if (rc == 0)
		rc = tdp_config_parse(text.p, text.len, path, cfg, err, errlen);
	tdp_buf_fini(&text);
	return rc;
}

/* Index of the scale named NAME, or -1 (also for a NULL name). */
int tdp_config_scale_index(const struct tdp_config *cfg, const char *name)
{
	if (!name)
		return -1;
	for (uint32_t s = 0; s < cfg->nscales && s < TDP_MAX_SCALES; s++)
		if (!strcmp(cfg->scales[s].name, name))
			return (int)s;
	return -1;
}

/* A source can be paused when we can stop reading from it and lose nothing:
 * a file, stdin, a tcp connection (the peer sees flow control), a Kafka
 * consumer (the messages wait in the topic).  A udp datagram not read is a
 * datagram lost. */
bool tdp_source_pausable(const struct tdp_source_cfg *src)
{
	return src->type != TDP_SRC_UDP;
}

/* The policy for scale S: explicit, else block for a pausable source and
 * drop for the rest.  An S out of range gets the default. */
enum tdp_overflow tdp_scale_overflow(const struct tdp_config *cfg, uint32_t s)
{
	if (s < cfg->nscales && s < TDP_MAX_SCALES && cfg->scales[s].overflow_set)
		return cfg->scales[s].overflow;
	return tdp_source_pausable(&cfg->source) ? TDP_OVERFLOW_BLOCK : TDP_OVERFLOW_DROP;
}

/* Sublevel filtrations and delay embeddings read a scalar series: points
 * must carry exactly one value. */
bool tdp_config_timed(const struct tdp_config *cfg)
{
	for (uint32_t s = 0; s < cfg->nscales; s++)
		if (cfg->scales[s].timed || cfg->scales[s].join.on)
			return true;   /* a join's ticks are event times too */
	return false;
}

uint64_t tdp_scale_windows_per_point(const struct tdp_scale_cfg *sc)
{
	return sc->slide_ns ? (sc->window_ns + sc->slide_ns - 1) / sc->slide_ns : 1;
}

bool tdp_scale_needs_scalar(const struct tdp_scale_cfg *sc)
{
	return sc->complex == TDP_COMPLEX_SUBLEVEL || sc->embed_dim > 0;
}

/* The config word for format F ("csv", "jsonl", "msgpack"), "?" if unknown. */
const char *tdp_format_name(enum tdp_format f)
{
	switch (f) {
	case TDP_FMT_CSV: return "csv";
	case TDP_FMT_JSONL: return "jsonl";
	case TDP_FMT_MSGPACK: return "msgpack";
	}
	return "?";
}

/* The config word for complex C ("sublevel", "rips"), "?" if unknown. */
const char *tdp_complex_name(enum tdp_complex c)
{
	switch (c) {
	case TDP_COMPLEX_SUBLEVEL: return "sublevel";
	case TDP_COMPLEX_RIPS: return "rips";
	}
	return "?";
}

int tdp_scale_maxdim(const struct tdp_scale_cfg *sc)
{
	return 31 - __builtin_clz(sc->dims_mask ? sc->dims_mask : 1);
}

uint32_t tdp_scale_dim_cap(const struct tdp_scale_cfg *sc, int d)
{
	/* H0 has at most one interval per point; higher dimensions are capped
	 * at twice that, keeping the most persistent (results say so). */
	return d == 0 ? sc->window : 2 * sc->window;
}

uint64_t tdp_scale_max_intervals(const struct tdp_scale_cfg *sc)
{
	uint64_t total = 0;
	for (int d = 0; d < TDP_MAX_HDIM; d++)
		if (sc->dims_mask & (1u << d))
			total += tdp_scale_dim_cap(sc, d);
	return total;
}

uint64_t tdp_scale_max_result(const struct tdp_scale_cfg *sc)
{
	struct tdp_feature_layout l = tdp_feature_layout(&sc->features);
	uint64_t cap = tdp_scale_max_intervals(sc);
	/* Events: deaths of the live features, births and updates of the
	 * window's, the anomaly; then the live ones after it. */
	uint64_t events = !tdp_scale_has_events(sc) ? 0 :
			  sizeof(struct tdp_result_events) +
			  ((sc->track.on ? 3 * cap : 0) + (sc->anomaly.on ? 1 : 0)) * sizeof(struct tdp_event);
	return tdp_result_size((uint32_t)cap) + (uint64_t)tdp_feature_section(&l, sc->dims_mask) * sizeof(double) +
	       events;
}
