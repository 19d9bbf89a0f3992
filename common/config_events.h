/*
 * config_events.h - what turns a scale's windows into events
 * (tdapipe.yaml(5), EVENTS; tdapipe-events(5)): a scale's `track:` and
 * `anomaly:` blocks, and the top-level `events:` sink they are written to.
 *
 *   events: {type: file, path: events.jsonl, format: jsonl}   # or stdout, kafka (topic)
 *   scales:
 *     - ...
 *       track: {dims: [1], min_persistence: 0.05, stability: 0.15}
 *       anomaly: {signal: bottleneck, dim: 1, history: 50, threshold: 6}
 *
 * Without `events:`, a config with a tracking or scoring scale writes its
 * events to INSTANCE-events.jsonl.  Events ride with results through one
 * commit (publish): a Kafka events topic goes in the results' producer
 * and transactions, so it needs a Kafka sink, and a Kafka sink needs its
 * events in Kafka.
 */
#ifndef TDP_CONFIG_EVENTS_H
#define TDP_CONFIG_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#define TDP_ANOMALY_MAX_HISTORY 10000u
#define TDP_EVENTS_TOPIC_MAX 250     /* Kafka's 249-character limit, with NUL */

/* What an anomaly score is computed from, per window, for one dimension. */
enum tdp_signal {
	TDP_SIGNAL_BOTTLENECK,   /* distance to the stream's previous window */
	TDP_SIGNAL_WASSERSTEIN1,
	TDP_SIGNAL_WASSERSTEIN2,
	TDP_SIGNAL_TOTAL,        /* total persistence (finite intervals) */
	TDP_SIGNAL_ENTROPY,      /* persistence entropy */
	TDP_SIGNAL_COUNT,        /* finite intervals */
	TDP_SIGNALS
};

/* The signal's name in config and events ("bottleneck", ...). */
const char *tdp_signal_name(unsigned s);

/* Whether signal S is a distance to the previous window (which the scale
 * then keeps, as for features' distances). */
static inline bool tdp_signal_is_distance(unsigned s)
{
	return s <= TDP_SIGNAL_WASSERSTEIN2;
}

struct tdp_track_cfg {
	bool on;
	uint32_t dims_mask;        /* the dimensions followed (default: the scale's) */
	double min_persistence;    /* features of at least this lifetime are followed (required, >= 0) */
	double stability;          /* feature_update below this lifetime ratio (0..1, default 0.5) */
};

struct tdp_anomaly_cfg {
	bool on;
	uint32_t signal;           /* enum tdp_signal (required) */
	uint32_t dim;              /* its homology dimension (default: the scale's lowest) */
	uint32_t history;          /* windows the score is against (default 50) */
	double threshold;          /* an anomaly event at a score of at least this (default 6) */
};

/* The events sink: the results sink's kinds, but Kafka only by topic. */
struct tdp_events_cfg {
	bool on;                   /* some scale tracks or scores */
	int type;                  /* enum tdp_sink_type: stdout, file or kafka (default file) */
	int format;                /* enum tdp_format: jsonl (default) or msgpack */
	char path[1024];           /* file (default INSTANCE-events.jsonl) */
	char topic[TDP_EVENTS_TOPIC_MAX];   /* kafka: on the sink's brokers, in its transactions */
};

/* The config sections of a scale's track and anomaly blocks, and of the
 * top-level events sink (common/config_schema.h). */
struct tdp_cfg_section;
extern const struct tdp_cfg_section tdp_track_section, tdp_anomaly_section, tdp_events_section;

/* The rules tying a scale's track and anomaly blocks to its dims: called
 * by the scale's rules with the blocks' nodes (NULL: absent).  0, or -1
 * with the message in C. */
struct tdp_cfg_ctx;
struct tdp_ynode;
struct tdp_scale_cfg;
struct tdp_config;
int tdp_events_scale_rules(struct tdp_cfg_ctx *c, const char *path, struct tdp_scale_cfg *sc,
			   const struct tdp_ynode *track, const struct tdp_ynode *anomaly);

/* The rules tying the events sink to the rest (defaults, the sink's kind,
 * paths and topics that may not collide); EVENTS is its node or NULL. */
int tdp_events_rules(struct tdp_cfg_ctx *c, const struct tdp_ynode *root, const struct tdp_ynode *events,
		     struct tdp_config *cfg);

#endif
