/*
 * config_events.c - a scale's `track:` and `anomaly:` blocks and the
 * top-level `events:` sink, as key tables (common/config_schema.h), and
 * the rules that tie them to the scale and to the other outputs.
 */
#include "common/config_events.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/config_kafka.h"
#include "common/config_read.h"
#include "common/config_schema.h"
#include "common/record.h"

#define DEFAULT_STABILITY 0.5
#define DEFAULT_HISTORY 50u
#define DEFAULT_THRESHOLD 6.0

_Static_assert(TDP_EVENTS_TOPIC_MAX == TDP_KAFKA_TOPIC_MAX, "an events topic is a Kafka topic");
_Static_assert(sizeof(((struct tdp_events_cfg *)0)->path) == TDP_PATH_MAX, "an events path is a path");

static const char *const signal_names[] = {
	"bottleneck", "wasserstein1", "wasserstein2", "total", "entropy", "count", NULL,
};

const char *tdp_signal_name(unsigned s)
{
	return s < TDP_SIGNALS ? signal_names[s] : "unknown";
}

/* ---------------------------------------------------------------- track */

#define TRACK(m) TDP_CFG_FIELD(struct tdp_track_cfg, m)

static int track_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		       const struct tdp_ynode *const *seen)
{
	struct tdp_track_cfg *t = obj;
	char kp[TDP_CFG_PATH_MAX];
	(void)m;
	if (t->min_persistence < 0)
		return tdp_cfg_expected(c, seen[1], tdp_cfg_key_path(kp, path, "min_persistence"),
					"a lifetime of at least 0");
	if (seen[2] && !(t->stability >= 0 && t->stability <= 1))
		return tdp_cfg_expected(c, seen[2], tdp_cfg_key_path(kp, path, "stability"),
					"a ratio of lifetimes from 0 to 1");
	t->on = true;
	return 0;
}

static const struct tdp_cfg_key track_keys[] = {
	{ "dims", &tdp_cfg_dims, TRACK(dims_mask) },
	{ "min_persistence", &tdp_cfg_real, TRACK(min_persistence), .flags = TDP_KEY_REQUIRED },
	{ "stability", &tdp_cfg_real, TRACK(stability), .def.d = DEFAULT_STABILITY },
};

const struct tdp_cfg_section tdp_track_section = {
	.what = "a mapping {dims: [D, ...], min_persistence: P, stability: R}", TDP_CFG_ROWS(track_keys),
	.doc_order = true, .rules = track_rules,
};

/* -------------------------------------------------------------- anomaly */

#define ANOM(m) TDP_CFG_FIELD(struct tdp_anomaly_cfg, m)

static int anomaly_on(struct tdp_cfg_ctx *c, const struct tdp_ynode *m, const char *path, void *obj,
		      const struct tdp_ynode *const *seen)
{
	(void)c, (void)m, (void)path, (void)seen;
	((struct tdp_anomaly_cfg *)obj)->on = true;
	return 0;
}

static const struct tdp_cfg_key anomaly_keys[] = {
	{ "signal", &tdp_cfg_enum, ANOM(signal), .words = signal_names, .flags = TDP_KEY_REQUIRED },
	{ "dim", &tdp_cfg_uint, ANOM(dim), .lo = 0, .hi = TDP_MAX_HDIM - 1, .what = "a homology dimension" },
	{ "history", &tdp_cfg_uint, ANOM(history), .lo = 1, .hi = TDP_ANOMALY_MAX_HISTORY,
	  .what = "a number of windows", .def.u = DEFAULT_HISTORY },
	{ "threshold", &tdp_cfg_number, ANOM(threshold), .def.d = DEFAULT_THRESHOLD },
};

const struct tdp_cfg_section tdp_anomaly_section = {
	.what = "a mapping {signal: S, dim: D, history: N, threshold: Z}", TDP_CFG_ROWS(anomaly_keys),
	.doc_order = true, .rules = anomaly_on,
};

/* Dimensions in MASK as "[0, 1]" into OUT. */
static const char *dims_words(uint32_t mask, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "[");
	for (unsigned d = 0; d < TDP_MAX_HDIM; d++)
		if (mask >> d & 1)
			n += (size_t)snprintf(out + n, size - n, "%s%u", n > 1 ? ", " : "", d);
	snprintf(out + n, size - n, "]");
	return out;
}

int tdp_events_scale_rules(struct tdp_cfg_ctx *c, const char *path, struct tdp_scale_cfg *sc,
			   const struct tdp_ynode *track, const struct tdp_ynode *anomaly)
{
	char kp[TDP_CFG_PATH_MAX], bp[TDP_CFG_PATH_MAX], w[96], dw[32];
	if (track) {
		const struct tdp_ynode *dims = tdp_ynode_lookup(track, "dims");
		if (!dims)
			sc->track.dims_mask = sc->dims_mask;
		else if (sc->track.dims_mask & ~sc->dims_mask) {
			snprintf(w, sizeof(w), "dimensions the scale computes (%s)",
				 dims_words(sc->dims_mask, dw, sizeof(dw)));
			return tdp_cfg_expected(c, dims, tdp_cfg_key_path(kp, tdp_cfg_key_path(bp, path, "track"), "dims"), w);
		}
	}
	if (anomaly) {
		const struct tdp_ynode *dim = tdp_ynode_lookup(anomaly, "dim");
		if (!dim)
			sc->anomaly.dim = (uint32_t)__builtin_ctz(sc->dims_mask);
		else if (!(sc->dims_mask >> sc->anomaly.dim & 1)) {
			snprintf(w, sizeof(w), "a dimension the scale computes (%s)",
				 dims_words(sc->dims_mask, dw, sizeof(dw)));
			return tdp_cfg_expected(c, dim, tdp_cfg_key_path(kp, tdp_cfg_key_path(bp, path, "anomaly"), "dim"), w);
		}
	}
	return 0;
}

/* --------------------------------------------------------------- events */

#define EV(m) TDP_CFG_FIELD(struct tdp_events_cfg, m)
#define BIT(x) (1u << (x))

/* Indexed by enum tdp_sink_type, for "unknown key for type ...". */
static const char *const type_words[] = { "stdout", "file", "stderr", "kafka", NULL };
static const char *const types[] = { "stdout", "file", "kafka", NULL };
static const int type_values[] = { TDP_SINK_STDOUT, TDP_SINK_FILE, TDP_SINK_KAFKA };
static const char *const formats[] = { "jsonl", "msgpack", NULL };
static const int format_values[] = { TDP_FMT_JSONL, TDP_FMT_MSGPACK };

static int events_type(const void *obj)
{
	return ((const struct tdp_events_cfg *)obj)->type;
}

static const struct tdp_cfg_key events_keys[] = {
	{ "type", &tdp_cfg_enum, EV(type), .words = types, .values = type_values, .def.i = TDP_SINK_FILE,
	  .flags = TDP_KEY_REQUIRED | TDP_KEY_SELECTS },
	{ "path", &tdp_cfg_string, EV(path), .what = "a file path", .types = BIT(TDP_SINK_FILE),
	  .flags = TDP_KEY_REQUIRED },
	{ "topic", &tdp_cfg_kafka_topic_name, EV(topic), .types = BIT(TDP_SINK_KAFKA), .flags = TDP_KEY_REQUIRED },
	{ "format", &tdp_cfg_enum, EV(format), .words = formats, .values = format_values, .def.i = TDP_FMT_JSONL },
};

const struct tdp_cfg_section tdp_events_section = {
	.what = "a mapping with a type", TDP_CFG_ROWS(events_keys), .type_of = events_type,
	.type_words = type_words,
};

/* The events file may be none of the other files the pipeline reads or
 * truncates; its node is EVENTS (NULL: the default path). */
static int check_path(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_ynode *events,
		      const struct tdp_config *cfg)
{
	const struct tdp_events_cfg *e = &cfg->events;
	const char *other = NULL;
	if (cfg->source.type == TDP_SRC_FILE && tdp_cfg_same_file(cfg->source.path, e->path))
		other = "source.path";
	else if (cfg->sink.type == TDP_SINK_FILE && tdp_cfg_same_file(cfg->sink.path, e->path))
		other = "sink.path";
	else if (cfg->dead_letter.type == TDP_SINK_FILE && tdp_cfg_same_file(cfg->dead_letter.path, e->path))
		other = "dead_letter.path";
	if (!other)
		return 0;
	char w[64];
	snprintf(w, sizeof(w), "a file other than %s", other);
	if (events)
		return tdp_cfg_expected(c, tdp_ynode_lookup(events, "path"), "events.path", w);
	return tdp_cfg_fail(c, root->line, root->col, "events", "expected %s, got the default \"%s\"", w, e->path);
}

/* An events topic is on the sink's brokers: not the sink's topic or the
 * dead letters', nor one the source reads there. */
static int check_topic(struct tdp_cfg_ctx *c, const struct tdp_ynode *events, const struct tdp_config *cfg)
{
	const struct tdp_ynode *t = tdp_ynode_lookup(events, "topic");
	const char *topic = cfg->events.topic, *brokers = cfg->sink.kafka.brokers;
	if (!strcmp(topic, cfg->sink.kafka.topics[0]))
		return tdp_cfg_expected(c, t, "events.topic", "a topic other than sink.topic");
	if (cfg->dead_letter.type == TDP_SINK_KAFKA && !strcmp(cfg->dead_letter.kafka.brokers, brokers) &&
	    !strcmp(cfg->dead_letter.kafka.topics[0], topic))
		return tdp_cfg_expected(c, t, "events.topic", "a topic other than dead_letter.topic");
	const struct tdp_kafka_cfg *src = &cfg->source.kafka;
	for (uint32_t i = 0; cfg->source.type == TDP_SRC_KAFKA && i < src->ntopics; i++)
		if (!strcmp(src->brokers, brokers) && !strcmp(src->topics[i], topic))
			return tdp_cfg_expected(c, t, "events.topic", "a topic the source does not read");
	return 0;
}

int tdp_events_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_ynode *events,
		     struct tdp_config *cfg)
{
	struct tdp_events_cfg *e = &cfg->events;
	bool kafka_sink = cfg->sink.type == TDP_SINK_KAFKA;
	e->on = events != NULL;
	for (uint32_t s = 0; s < cfg->nscales; s++)
		e->on |= tdp_scale_has_events(&cfg->scales[s]);
	if (!e->on)
		return 0;
	if (!events) {
		if (kafka_sink)
			return tdp_cfg_fail(c, root->line, root->col, "events",
					    "expected events: {type: kafka, topic: T}: a scale tracks or scores, "
					    "and with a kafka sink its events go to a topic in the same transactions");
		snprintf(e->path, sizeof(e->path), "%s-events.jsonl", cfg->instance);
		return check_path(c, root, NULL, cfg);
	}
	const struct tdp_ynode *type = tdp_ynode_lookup(events, "type");
	if (kafka_sink && e->type != TDP_SINK_KAFKA)
		return tdp_cfg_expected(c, type, "events.type",
					"kafka (the sink is kafka: events go in the same transactions)");
	if (!kafka_sink && e->type == TDP_SINK_KAFKA)
		return tdp_cfg_expected(c, type, "events.type",
					"file or stdout (events of type kafka ride in a kafka sink's transactions)");
	if (e->type == TDP_SINK_STDOUT && cfg->sink.type == TDP_SINK_STDOUT && e->format != (int)cfg->sink.format) {
		char w[96];
		snprintf(w, sizeof(w), "%s, as the sink's (results and events share standard output)",
			 tdp_format_name(cfg->sink.format));
		return tdp_cfg_expected(c, tdp_ynode_lookup(events, "format") ? tdp_ynode_lookup(events, "format") : type,
					tdp_ynode_lookup(events, "format") ? "events.format" : "events.type", w);
	}
	if (e->type == TDP_SINK_FILE)
		return check_path(c, root, events, cfg);
	return e->type == TDP_SINK_KAFKA ? check_topic(c, events, cfg) : 0;
}
