/*
 * config.c - load and check the pipeline configuration (tdapipe.yaml(5)).
 *
 * Two passes.  First the text becomes a tree of nodes with positions
 * (common/yaml_tree.c).  Then a strict walk over the tree fills struct
 * tdp_config, reporting the first problem as
 *
 *   FILE:LINE:COL: PATH: expected WHAT, got "VALUE"
 *
 * with LINE:COL the 1-based start of the offending node (the readers and
 * their messages: common/config_read.c; the Kafka keys:
 * common/config_kafka.c).  Everything lives in locals and the tree; there
 * is no global state, so loads may run in parallel.
 */
#include "common/config.h"
#include "common/buf.h"
#include "common/config_kafka.h"
#include "common/config_read.h"
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

#define DEFAULT_MAX_STREAMS 1024u
#define DEFAULT_MAX_RECORD 65536u
#define DEFAULT_MAX_CONNECTIONS 64u
#define MAX_CONNECTIONS 10000u
#define DEFAULT_IDLE_TIMEOUT_MS 300000u   /* 5 minutes */
#define DEFAULT_RING 65536u
#define DEFAULT_HOST "127.0.0.1"

static const char dims_what[] = "a list of homology dimensions from 0 to 3";

#define DEFAULT_MEMORY_MB 1024u

#define DEFAULT_HEARTBEAT_TIMEOUT_MS 10000u
#define DEFAULT_RESTART_LIMIT 5u
#define DEFAULT_RESTART_WINDOW_S 30u
#define DEFAULT_BACKOFF_MIN_MS 100u
#define DEFAULT_BACKOFF_MAX_MS 5000u
#define MAX_MS 86400000u           /* timeouts and delays: at most a day */
#define MAX_BACKOFF_MS 3600000u    /* at most an hour between restarts */
#define MAX_WINDOW_S 86400u

/* ---------------------------------------------------------- enum words */

static const char *const source_types[] = { "file", "stdin", "tcp", "udp", "kafka", NULL };
static const char *const formats[] = { "csv", "jsonl", "msgpack", NULL };
static const char *const sink_types[] = { "stdout", "file", "kafka", NULL };
static const char *const sink_formats[] = { "jsonl", "msgpack", NULL };
static const char *const dead_types[] = { "file", "stderr", "kafka", NULL };
static const char *const event_times[] = { "record", "kafka", NULL };
static const char *const complexes[] = { "sublevel", "rips", NULL };
static const char *const overflows[] = { "block", "drop", NULL };

/* ------------------------------------------------------------- sections */

/*
 * The first key of M at PATH not in ALLOWED, reported as "unknown key for
 * type file" (or "for format jsonl"), or 0.  check_allowed has already
 * refused the keys that exist nowhere in the section: these exist, but not
 * for this type or format.  WHAT_OF(KEY, ARG) says which.
 */
static int check_allowed_for(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
			     const char *const *allowed, const char *(*what_of)(const char *key, void *arg),
			     void *arg)
{
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		if (tdp_cfg_in_list(k->val, allowed))
			continue;
		char kp[TDP_CFG_PATH_MAX], list[256];
		return tdp_cfg_fail(c, k->line, k->col, tdp_cfg_key_path(kp, path, k->val),
			       "unknown key for %s (expected one of: %s)", what_of(k->val, arg),
			       tdp_cfg_join(list, sizeof(list), allowed));
	}
	return 0;
}

/* What rules out KEY of a source (ARG, the struct tdp_source_cfg): its
 * format for a csv key when the format is not csv, else its type. */
static const char *source_key_what(const char *key, void *arg)
{
	static const char *const by_type[] = { "type file", "type stdin", "type tcp", "type udp",
					       "type kafka" };
	static const char *const by_format[] = { "format csv", "format jsonl", "format msgpack" };
	const struct tdp_source_cfg *src = arg;
	bool csv_key = !strcmp(key, "stream_column") || !strcmp(key, "time_column") ||
		       !strcmp(key, "header");
	return csv_key && src->format != TDP_FMT_CSV ? by_format[src->format] : by_type[src->type];
}

/*
 * source: the type decides which keys are valid (path for file, host and
 * port for the sockets, brokers, topics, group, event_time and properties
 * for kafka), the format whether the csv keys are.  A key that exists but
 * not for this type is still an unknown key here: it would be silently
 * ignored otherwise.
 */
static int parse_source(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, struct tdp_source_cfg *src)
{
	static const char *const all[] = { "type", "format", "path", "host", "port",
					   "brokers", "topics", "group", "event_time", "stop_at_end", "properties",
					   "stream_column", "time_column", "header",
					   "max_record", "max_connections", "idle_timeout", NULL };
	const char *allowed[18];
	const struct tdp_ynode *v;
	size_t na = 0;
	int t;
	uint32_t u;

	if (tdp_cfg_want_map(c, m, "source", "a mapping with a type") || tdp_cfg_check_dups(c, m, "source") ||
	    tdp_cfg_check_allowed(c, m, "source", all))
		return -1;
	if (!(v = tdp_cfg_require(c, m, "source", "type")) ||
	    tdp_cfg_want_enum(c, v, "source.type", source_types, &t))
		return -1;
	src->type = (enum tdp_source_type)t;
	if ((v = tdp_ynode_lookup(m, "format"))) {
		if (tdp_cfg_want_enum(c, v, "source.format", formats, &t))
			return -1;
		src->format = (enum tdp_format)t;
	}

	allowed[na++] = "type";
	allowed[na++] = "format";
	if (src->type == TDP_SRC_FILE)
		allowed[na++] = "path";
	if (src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) {
		allowed[na++] = "host";
		allowed[na++] = "port";
	}
	if (src->type == TDP_SRC_TCP) {
		allowed[na++] = "max_connections";
		allowed[na++] = "idle_timeout";
	}
	if (src->type == TDP_SRC_KAFKA) {
		allowed[na++] = "brokers";
		allowed[na++] = "topics";
		allowed[na++] = "group";
		allowed[na++] = "event_time";
		allowed[na++] = "stop_at_end";
		allowed[na++] = "properties";
	}
	if (src->format == TDP_FMT_CSV) {
		allowed[na++] = "stream_column";
		allowed[na++] = "time_column";
		/* A topic has no first line to skip. */
		if (src->type != TDP_SRC_KAFKA)
			allowed[na++] = "header";
	}
	allowed[na++] = "max_record";
	allowed[na] = NULL;
	if (check_allowed_for(c, m, "source", allowed, source_key_what, src))
		return -1;

	if (src->type == TDP_SRC_FILE) {
		if (!(v = tdp_cfg_require(c, m, "source", "path")) ||
		    tdp_cfg_want_string(c, v, "source.path", "a file path", src->path, sizeof(src->path)))
			return -1;
	}
	if (src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP) {
		if (!(v = tdp_cfg_require(c, m, "source", "port")) ||
		    tdp_cfg_want_uint(c, v, "source.port", NULL, 1, 65535, &u))
			return -1;
		src->port = (uint16_t)u;
		if ((v = tdp_ynode_lookup(m, "host")) &&
		    tdp_cfg_want_string(c, v, "source.host", "a host name or address", src->host,
				sizeof(src->host)))
			return -1;
	}
	if (src->type == TDP_SRC_KAFKA) {
		if (tdp_cfg_kafka(c, m, "source", TDP_CFG_KAFKA_SOURCE, &src->kafka))
			return -1;
		if ((v = tdp_ynode_lookup(m, "event_time"))) {
			if (tdp_cfg_want_enum(c, v, "source.event_time", event_times, &t))
				return -1;
			src->event_time = (enum tdp_event_time)t;
		}
		if ((v = tdp_ynode_lookup(m, "stop_at_end")) &&
		    tdp_cfg_want_bool(c, v, "source.stop_at_end", &src->kafka.stop_at_end))
			return -1;
	}
	if ((v = tdp_ynode_lookup(m, "stream_column"))) {
		if (tdp_cfg_want_uint(c, v, "source.stream_column", NULL, 0, MAX_COLUMN, &u))
			return -1;
		src->stream_column = (int)u;
	}
	if ((v = tdp_ynode_lookup(m, "time_column"))) {
		if (tdp_cfg_want_uint(c, v, "source.time_column", NULL, 0, MAX_COLUMN, &u))
			return -1;
		src->time_column = (int)u;
		if (src->time_column == src->stream_column) {
			char w[96];
			snprintf(w, sizeof(w), "a column other than stream_column (%d)",
				 src->stream_column);
			return tdp_cfg_expected(c, v, "source.time_column", w);
		}
		if (src->event_time == TDP_TIME_KAFKA) {
			char g[256];
			return tdp_cfg_fail(c, v->line, v->col, "source.time_column",
				       "expected no time_column with event_time kafka (the time is the "
				       "message timestamp), got %s", tdp_cfg_got(v, g, sizeof(g)));
		}
	}
	if ((v = tdp_ynode_lookup(m, "header")) && tdp_cfg_want_bool(c, v, "source.header", &src->header))
		return -1;
	if ((v = tdp_ynode_lookup(m, "max_record")) &&
	    tdp_cfg_want_uint(c, v, "source.max_record", NULL, 16, MAX_COUNT, &src->max_record))
		return -1;
	if ((v = tdp_ynode_lookup(m, "max_connections")) &&
	    tdp_cfg_want_uint(c, v, "source.max_connections", NULL, 1, MAX_CONNECTIONS, &src->max_connections))
		return -1;
	if ((v = tdp_ynode_lookup(m, "idle_timeout")) &&
	    tdp_cfg_want_duration_ms(c, v, "source.idle_timeout", 0, MAX_MS, &src->idle_timeout_ms))
		return -1;
	return 0;
}

/* What rules out a key of an output: its type, "type T" in ARG. */
static const char *output_key_what(const char *key, void *arg)
{
	(void)key;
	return arg;
}

/*
 * sink and dead_letter share a shape: a type, a path for type file, the
 * Kafka keys for type kafka, and a format.  DEAD selects the dead-letter
 * rules (file | stderr | kafka, jsonl only, no compression or exactly_once:
 * the dead-letter producer is never transactional, and its compression is
 * librdkafka's compression.type, a property like any other).
 */
static int parse_output(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, bool dead,
			struct tdp_sink_cfg *out)
{
	static const char *const sink_all[] = { "type", "format", "path", "brokers", "topic",
						"compression", "exactly_once", "properties", NULL };
	static const char *const dead_all[] = { "type", "format", "path", "brokers", "topic",
						"properties", NULL };
	static const char *const file_keys[] = { "type", "format", "path", NULL };
	static const char *const stream_keys[] = { "type", "format", NULL };
	static const char *const sink_kafka[] = { "type", "format", "brokers", "topic", "compression",
						  "exactly_once", "properties", NULL };
	static const char *const dead_kafka[] = { "type", "format", "brokers", "topic", "properties",
						  NULL };
	static const enum tdp_sink_type sink_map[] = { TDP_SINK_STDOUT, TDP_SINK_FILE, TDP_SINK_KAFKA };
	static const enum tdp_sink_type dead_map[] = { TDP_SINK_FILE, TDP_SINK_STDERR, TDP_SINK_KAFKA };
	const char *const *types = dead ? dead_types : sink_types;
	const char *const *allowed;
	const struct tdp_ynode *v;
	char kp[TDP_CFG_PATH_MAX], why[32];
	int t;

	if (tdp_cfg_want_map(c, m, path, "a mapping with a type") || tdp_cfg_check_dups(c, m, path) ||
	    tdp_cfg_check_allowed(c, m, path, dead ? dead_all : sink_all))
		return -1;
	if (!(v = tdp_cfg_require(c, m, path, "type")) || tdp_cfg_want_enum(c, v, tdp_cfg_key_path(kp, path, "type"), types, &t))
		return -1;
	out->type = dead ? dead_map[t] : sink_map[t];
	allowed = out->type == TDP_SINK_FILE ? file_keys :
		  out->type == TDP_SINK_KAFKA ? (dead ? dead_kafka : sink_kafka) : stream_keys;
	snprintf(why, sizeof(why), "type %s", types[t]);
	if (check_allowed_for(c, m, path, allowed, output_key_what, why))
		return -1;
	out->path[0] = '\0';
	if (out->type == TDP_SINK_FILE) {
		if (!(v = tdp_cfg_require(c, m, path, "path")) ||
		    tdp_cfg_want_string(c, v, tdp_cfg_key_path(kp, path, "path"), "a file path", out->path,
				sizeof(out->path)))
			return -1;
		if (dead)
			c->dead_path_node = v;
	}
	if (out->type == TDP_SINK_KAFKA &&
	    tdp_cfg_kafka(c, m, path, dead ? TDP_CFG_KAFKA_DEAD : TDP_CFG_KAFKA_SINK, &out->kafka))
		return -1;
	if ((v = tdp_ynode_lookup(m, "format"))) {
		if (dead) {
			/* Dead letters carry the raw record and a reason: text, so jsonl. */
			if (tdp_cfg_want_text(c, v, tdp_cfg_key_path(kp, path, "format"), "jsonl"))
				return -1;
			if (strcmp(v->val, "jsonl"))
				return tdp_cfg_expected(c, v, kp, "jsonl (dead letters are always jsonl)");
			out->format = TDP_FMT_JSONL;
		} else {
			if (tdp_cfg_want_enum(c, v, tdp_cfg_key_path(kp, path, "format"), sink_formats, &t))
				return -1;
			out->format = t == 0 ? TDP_FMT_JSONL : TDP_FMT_MSGPACK;
		}
	}
	return 0;
}


/* dims: a non-empty list of dimensions 0..3 (sublevel: checked later). */
static int parse_dims(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, const char *path, uint32_t *mask)
{
	char ip[TDP_CFG_PATH_MAX];
	size_t i = 0;

	if (tdp_cfg_plain(c, n, path))
		return -1;
	if (n->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, n, path, dims_what);
	if (!n->n)
		return tdp_cfg_fail(c, n->line, n->col, path, "expected %s, got an empty list", dims_what);
	*mask = 0;
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++) {
		uint32_t d;
		tdp_cfg_index_path(ip, path, i);
		if (tdp_cfg_want_uint(c, e, ip, dims_what, 0, 3, &d))
			return -1;
		if (*mask & (1u << d))
			return tdp_cfg_expected(c, e, ip, "each dimension at most once");
		*mask |= 1u << d;
	}
	return 0;
}

/* embed: {dim, lag}, both required. */
static int parse_embed(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path,
		       struct tdp_scale_cfg *sc)
{
	static const char *const keys[] = { "dim", "lag", NULL };
	const struct tdp_ynode *v;
	char kp[TDP_CFG_PATH_MAX];

	if (tdp_cfg_want_map(c, m, path, "a mapping {dim: D, lag: L}") || tdp_cfg_check_dups(c, m, path) ||
	    tdp_cfg_check_allowed(c, m, path, keys))
		return -1;
	if (!(v = tdp_cfg_require(c, m, path, "dim")) ||
	    tdp_cfg_want_uint(c, v, tdp_cfg_key_path(kp, path, "dim"), NULL, 1, 16, &sc->embed_dim))
		return -1;
	if (!(v = tdp_cfg_require(c, m, path, "lag")) ||
	    tdp_cfg_want_uint(c, v, tdp_cfg_key_path(kp, path, "lag"), NULL, 1, MAX_COUNT, &sc->embed_lag))
		return -1;
	return 0;
}

/*
 * scales[I]: the keys in document order, then the required ones, then the
 * rules that tie keys together (embed needs rips and must leave a point).
 */
static int parse_scale(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, uint32_t i, struct tdp_config *cfg)
{
	static const char *const keys[] = { "name", "complex", "window", "slide", "dims",
					    "embed", "overflow", "ring", "threshold", "max_points",
					    "memory_mb", NULL };
	static const char *const required[] = { "name", "complex", "window", "slide", NULL };
	struct tdp_scale_cfg *sc = &cfg->scales[i];
	const struct tdp_ynode *embed = NULL, *name = NULL, *dims = NULL, *rips_only = NULL;
	char path[TDP_CFG_PATH_MAX], kp[TDP_CFG_PATH_MAX];
	int t;

	tdp_cfg_index_path(path, "scales", i);
	if (tdp_cfg_want_map(c, m, path, "a mapping describing a scale") || tdp_cfg_check_dups(c, m, path) ||
	    tdp_cfg_check_allowed(c, m, path, keys))
		return -1;
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		const struct tdp_ynode *v = k->next;
		const char *key = k->val;
		tdp_cfg_key_path(kp, path, key);
		if (!strcmp(key, "name")) {
			if (tdp_cfg_want_name(c, v, kp, "a scale name of 1 to 31 characters from [A-Za-z0-9_-]",
				      "_-", sc->name))
				return -1;
			name = v;
		} else if (!strcmp(key, "complex")) {
			if (tdp_cfg_want_enum(c, v, kp, complexes, &t))
				return -1;
			sc->complex = (enum tdp_complex)t;
		} else if (!strcmp(key, "window")) {
			if (tdp_cfg_want_uint(c, v, kp, NULL, 1, MAX_COUNT, &sc->window))
				return -1;
		} else if (!strcmp(key, "slide")) {
			if (tdp_cfg_want_uint(c, v, kp, NULL, 1, MAX_COUNT, &sc->slide))
				return -1;
		} else if (!strcmp(key, "dims")) {
			if (parse_dims(c, v, kp, &sc->dims_mask))
				return -1;
			dims = v;
		} else if (!strcmp(key, "threshold")) {
			if (tdp_cfg_want_number(c, v, kp, &sc->threshold))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "max_points")) {
			if (tdp_cfg_want_uint(c, v, kp, "an integer from 2 to 16777216", 2, MAX_COUNT, &sc->max_points))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "memory_mb")) {
			if (tdp_cfg_want_uint(c, v, kp, NULL, 1, 1048576, &sc->memory_mb))
				return -1;
			rips_only = k;
		} else if (!strcmp(key, "embed")) {
			if (parse_embed(c, v, kp, sc))
				return -1;
			embed = v;
		} else if (!strcmp(key, "overflow")) {
			if (tdp_cfg_want_enum(c, v, kp, overflows, &t))
				return -1;
			sc->overflow = (enum tdp_overflow)t;
			sc->overflow_set = true;
			c->overflow_node[i] = v;
		} else if (!strcmp(key, "ring")) {
			if (tdp_cfg_want_uint(c, v, kp, "a power of two from 16 to 16777216", 16, MAX_COUNT,
				      &sc->ring))
				return -1;
			if (sc->ring & (sc->ring - 1))
				return tdp_cfg_expected(c, v, kp, "a power of two from 16 to 16777216");
		}
	}
	for (const char *const *r = required; *r; r++)
		if (!tdp_cfg_require(c, m, path, *r))
			return -1;
	if (embed) {
		char g[96];
		snprintf(g, sizeof(g), "\"{dim: %u, lag: %u}\"", sc->embed_dim, sc->embed_lag);
		tdp_cfg_key_path(kp, path, "embed");
		if (sc->complex != TDP_COMPLEX_RIPS)
			return tdp_cfg_fail(c, embed->line, embed->col, kp,
				       "expected no embed with complex %s (delay embedding needs complex rips), got %s",
				       complexes[sc->complex], g);
		/* 64 bits: dim <= 16 and lag <= 2^24 cannot wrap. */
		uint64_t span = (uint64_t)(sc->embed_dim - 1) * sc->embed_lag;
		if (span >= sc->window)
			return tdp_cfg_fail(c, embed->line, embed->col, kp,
				       "expected (dim-1)*lag below the window of %u points, got %s",
				       sc->window, g);
	}
	if (sc->complex == TDP_COMPLEX_SUBLEVEL && dims && sc->dims_mask != 1)
		return tdp_cfg_expected(c, dims, tdp_cfg_key_path(kp, path, "dims"),
				"[0] with complex sublevel (a series' sublevel sets have only H0)");
	if (sc->complex == TDP_COMPLEX_SUBLEVEL && rips_only)
		return tdp_cfg_fail(c, rips_only->line, rips_only->col, tdp_cfg_key_path(kp, path, rips_only->val),
			       "expected no %s with complex sublevel (it applies to rips)", rips_only->val);
	char why[256];
	if (tdp_scale_rips_check(sc, why, sizeof(why)))
		return tdp_cfg_fail(c, m->line, m->col, path, "%s", why);
	for (uint32_t j = 0; j < i; j++) {
		if (!strcmp(cfg->scales[j].name, sc->name)) {
			char w[64];
			snprintf(w, sizeof(w), "a name not used by scales[%u]", j);
			return tdp_cfg_expected(c, name, tdp_cfg_key_path(kp, path, "name"), w);
		}
	}
	return 0;
}

/* Defaults of one scale, so an unset key has its documented value. */
static void scale_defaults(struct tdp_scale_cfg *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->dims_mask = 1;
	sc->ring = DEFAULT_RING;
	sc->overflow = TDP_OVERFLOW_BLOCK;
	sc->threshold = INFINITY;
	sc->memory_mb = DEFAULT_MEMORY_MB;
}

/* scales: a list of 1..TDP_MAX_SCALES mappings; cfg->nscales counts the
 * entries started, so it is right even when one fails half-way. */
static int parse_scales(struct tdp_cfg_ctx *c, const struct tdp_ynode *n, struct tdp_config *cfg)
{
	char what[64], ip[TDP_CFG_PATH_MAX];
	uint32_t i = 0;

	snprintf(what, sizeof(what), "a list of 1 to %d scales", TDP_MAX_SCALES);
	if (tdp_cfg_plain(c, n, "scales"))
		return -1;
	if (n->kind != TDP_Y_SEQ)
		return tdp_cfg_expected(c, n, "scales", what);
	if (!n->n)
		return tdp_cfg_fail(c, n->line, n->col, "scales", "expected %s, got an empty list", what);
	for (const struct tdp_ynode *e = n->head; e; e = e->next, i++) {
		if (i == TDP_MAX_SCALES)
			return tdp_cfg_fail(c, e->line, e->col, tdp_cfg_index_path(ip, "scales", i),
				       "expected at most %d scales, got %zu", TDP_MAX_SCALES, n->n);
		scale_defaults(&cfg->scales[i]);
		cfg->nscales = i + 1;
		if (parse_scale(c, e, i, cfg))
			return -1;
	}
	return 0;
}

/*
 * supervisor: every key optional.  The backoff bounds are checked against
 * each other at the end, the message on backoff_max when it was given (the
 * key that broke the rule), else on backoff_min against the default.
 */
static int parse_supervisor(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, struct tdp_supervisor_cfg *sv)
{
	static const char *const keys[] = { "heartbeat_timeout", "restart_limit", "restart_window",
					    "backoff_min", "backoff_max", NULL };
	const struct tdp_ynode *min_node = NULL, *max_node = NULL;
	char kp[TDP_CFG_PATH_MAX];
	char w[128];

	if (tdp_cfg_want_map(c, m, "supervisor", "a mapping of supervisor settings") ||
	    tdp_cfg_check_dups(c, m, "supervisor") || tdp_cfg_check_allowed(c, m, "supervisor", keys))
		return -1;
	for (const struct tdp_ynode *k = m->head; k; k = k->next->next) {
		const struct tdp_ynode *v = k->next;
		const char *key = k->val;
		int rc = 0;
		tdp_cfg_key_path(kp, "supervisor", key);
		if (!strcmp(key, "heartbeat_timeout")) {
			rc = tdp_cfg_want_uint(c, v, kp, "a number of milliseconds from 100 to 86400000", 100, MAX_MS,
				       &sv->heartbeat_timeout_ms);
		} else if (!strcmp(key, "restart_limit")) {
			snprintf(w, sizeof(w), "a number of restarts from 1 to %u", TDP_RESTART_LIMIT_MAX);
			rc = tdp_cfg_want_uint(c, v, kp, w, 1, TDP_RESTART_LIMIT_MAX, &sv->restart_limit);
		} else if (!strcmp(key, "restart_window")) {
			rc = tdp_cfg_want_uint(c, v, kp, "a number of seconds from 1 to 86400", 1, MAX_WINDOW_S,
				       &sv->restart_window_s);
		} else if (!strcmp(key, "backoff_min")) {
			rc = tdp_cfg_want_uint(c, v, kp, "a number of milliseconds from 1 to 3600000", 1,
				       MAX_BACKOFF_MS, &sv->backoff_min_ms);
			min_node = v;
		} else if (!strcmp(key, "backoff_max")) {
			rc = tdp_cfg_want_uint(c, v, kp, "a number of milliseconds from 1 to 3600000", 1,
				       MAX_BACKOFF_MS, &sv->backoff_max_ms);
			max_node = v;
		}
		if (rc)
			return -1;
	}
	if (sv->backoff_max_ms >= sv->backoff_min_ms)
		return 0;
	if (max_node) {
		snprintf(w, sizeof(w), "a number of milliseconds no smaller than backoff_min (%u)",
			 sv->backoff_min_ms);
		return tdp_cfg_expected(c, max_node, "supervisor.backoff_max", w);
	}
	snprintf(w, sizeof(w), "at most backoff_max (%u, its default; raise it too)", sv->backoff_max_ms);
	return tdp_cfg_expected(c, min_node, "supervisor.backoff_min", w);
}

/* Whether paths A and B name one file: the same text, or, for files that
 * exist, the same device and inode ("./a" and "a", a hard link, a
 * symbolic link to it). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The supervisor truncates the sink and dead-letter files at start, so
 * neither may be the input or the other.  (The outputs are also opened
 * without following a symbolic link, so one planted later cannot send
 * them elsewhere either: cli/run.c, common/uring_io.c.)
 */
static int check_clobber(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_config *cfg)
{
	const struct tdp_sink_cfg *dl = &cfg->dead_letter, *sink = &cfg->sink;
	const char *src = cfg->source.type == TDP_SRC_FILE ? cfg->source.path : NULL;

	if (sink->type == TDP_SINK_FILE && src && same_file(src, sink->path))
		return tdp_cfg_expected(c, tdp_ynode_lookup(tdp_ynode_lookup(root, "sink"), "path"), "sink.path",
				"a file other than source.path");
	if (dl->type != TDP_SINK_FILE)
		return 0;
	const char *other = sink->type == TDP_SINK_FILE && same_file(sink->path, dl->path) ?
			    "sink.path" : src && same_file(src, dl->path) ? "source.path" : NULL;
	if (!other)
		return 0;
	char w[64];
	snprintf(w, sizeof(w), "a file other than %s", other);
	if (c->dead_path_node)
		return tdp_cfg_expected(c, c->dead_path_node, "dead_letter.path", w);
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
static int check_kafka_loops(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_config *cfg)
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

/* The top-level mapping; rules spanning sections come last. */
static int parse_root(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, struct tdp_config *cfg)
{
	static const char *const keys[] = { "instance", "source", "sink", "dead_letter", "scales",
					    "max_streams", "supervisor", NULL };
	static const char *const required[] = { "instance", "source", "scales", NULL };
	bool dead_set = false;

	if (!root)
		return tdp_cfg_fail(c, 1, 1, "", "expected a mapping of configuration keys, got an empty file");
	if (tdp_cfg_plain(c, root, ""))
		return -1;
	if (tdp_ynode_is_null(root))
		return tdp_cfg_fail(c, root->line, root->col, "",
			       "expected a mapping of configuration keys, got an empty document");
	if (root->kind != TDP_Y_MAP)
		return tdp_cfg_expected(c, root, "", "a mapping of configuration keys");
	if (tdp_cfg_check_dups(c, root, "") || tdp_cfg_check_allowed(c, root, "", keys))
		return -1;
	for (const struct tdp_ynode *k = root->head; k; k = k->next->next) {
		const struct tdp_ynode *v = k->next;
		const char *key = k->val;
		int rc = 0;
		if (!strcmp(key, "instance"))
			rc = tdp_cfg_want_name(c, v, "instance",
				       "an instance name of 1 to 31 characters from [A-Za-z0-9_.-]",
				       "_.-", cfg->instance);
		else if (!strcmp(key, "source"))
			rc = parse_source(c, v, &cfg->source);
		else if (!strcmp(key, "sink"))
			rc = parse_output(c, v, "sink", false, &cfg->sink);
		else if (!strcmp(key, "dead_letter")) {
			rc = parse_output(c, v, "dead_letter", true, &cfg->dead_letter);
			dead_set = true;
		}
		else if (!strcmp(key, "scales"))
			rc = parse_scales(c, v, cfg);
		else if (!strcmp(key, "max_streams"))
			rc = tdp_cfg_want_uint(c, v, "max_streams", NULL, 1, MAX_STREAMS, &cfg->max_streams);
		else if (!strcmp(key, "supervisor"))
			rc = parse_supervisor(c, v, &cfg->supervisor);
		if (rc)
			return -1;
	}
	for (const char *const *r = required; *r; r++)
		if (!tdp_cfg_require(c, root, "", *r))
			return -1;

	if (!dead_set)
		snprintf(cfg->dead_letter.path, sizeof(cfg->dead_letter.path), "%s-dead-letter.jsonl",
			 cfg->instance);
	/* The instance may come after the source in the file. */
	if (cfg->source.type == TDP_SRC_KAFKA && !cfg->source.kafka.group[0])
		snprintf(cfg->source.kafka.group, sizeof(cfg->source.kafka.group), "tdapipe-%s",
			 cfg->instance);
	/* A udp datagram cannot be held back: block would be a lie. */
	if (!tdp_source_pausable(&cfg->source)) {
		for (uint32_t s = 0; s < cfg->nscales; s++) {
			const struct tdp_ynode *v = c->overflow_node[s];
			char path[TDP_CFG_PATH_MAX], sp[TDP_CFG_PATH_MAX];
			if (v && cfg->scales[s].overflow == TDP_OVERFLOW_BLOCK)
				return tdp_cfg_expected(c, v, tdp_cfg_key_path(path, tdp_cfg_index_path(sp, "scales", s), "overflow"),
						"drop (a udp source cannot be paused)");
		}
	}
	if (check_clobber(c, root, cfg))
		return -1;
	return check_kafka_loops(c, root, cfg);
}

/* ------------------------------------------------------------ public API */

/* Every field at its documented default; NAME becomes cfg->path. */
static void config_defaults(struct tdp_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	cfg->source.type = TDP_SRC_FILE;
	cfg->source.format = TDP_FMT_CSV;
	snprintf(cfg->source.host, sizeof(cfg->source.host), "%s", DEFAULT_HOST);
	cfg->source.stream_column = -1;
	cfg->source.time_column = -1;
	cfg->source.max_record = DEFAULT_MAX_RECORD;
	cfg->source.max_connections = DEFAULT_MAX_CONNECTIONS;
	cfg->source.idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	cfg->sink.type = TDP_SINK_STDOUT;
	cfg->sink.format = TDP_FMT_JSONL;
	cfg->dead_letter.type = TDP_SINK_FILE;
	cfg->dead_letter.format = TDP_FMT_JSONL;
	cfg->max_streams = DEFAULT_MAX_STREAMS;
	cfg->supervisor.heartbeat_timeout_ms = DEFAULT_HEARTBEAT_TIMEOUT_MS;
	cfg->supervisor.restart_limit = DEFAULT_RESTART_LIMIT;
	cfg->supervisor.restart_window_s = DEFAULT_RESTART_WINDOW_S;
	cfg->supervisor.backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
	cfg->supervisor.backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
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
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 rc == -EFBIG ? "larger than 16 MiB: not a config" : strerror(-rc));
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
